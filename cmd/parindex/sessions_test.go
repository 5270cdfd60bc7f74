package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"parindex/session"
	"parindex/store/storetest"
)

// Disabling a user at the command line ends their page sessions at once, as
// the API's deactivation does; another user's session stays.
func TestUserDisableEndsPageSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		clock := storetest.NewClock(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
		db := storetest.URL(t, dialect)
		mustCLI(t, clock, "migrate", "up", "--db", db)
		mustCLI(t, clock, "user", "create", "--email", "quantri@snv.example.vn", "--name", "Quản trị", "--role", "admin", "--db", db)
		mustCLI(t, clock, "user", "create", "--email", "hdtd@snv.example.vn", "--name", "Hội đồng", "--role", "council", "--db", db)
		s := storetest.OpenURL(t, db, clock)
		gone, err := findUser(context.Background(), s, "hdtd@snv.example.vn")
		if err != nil {
			t.Fatal(err)
		}
		stays, err := findUser(context.Background(), s, "quantri@snv.example.vn")
		if err != nil {
			t.Fatal(err)
		}
		sm, err := session.New(s.DB().DB, s.Dialect(), session.Config{Now: clock.Now, CleanupInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer sm.Close()
		login := func(id int64) {
			h := sm.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := sm.Login(r.Context(), session.Login{UserID: id, Issuer: "https://sso.example", Subject: "sub"}); err != nil {
					t.Fatal(err)
				}
			}))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
		}
		login(gone.ID)
		login(gone.ID)
		login(stays.ID)
		if n := storetest.Count(t, s, `SELECT COUNT(*) FROM sessions`); n != 3 {
			t.Fatalf("%d session rows, want 3", n)
		}
		out := mustCLI(t, clock, "user", "disable", "hdtd@snv.example.vn", "--db", db)
		if !strings.Contains(out, "sessions ended") {
			t.Errorf("user disable said %q", out)
		}
		if n := storetest.Count(t, s, `SELECT COUNT(*) FROM sessions`); n != 1 {
			t.Fatalf("%d session rows after disabling, want 1 (the other user's)", n)
		}
	})
}
