package session_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"parindex/internal/testkit"
	"strconv"
	"testing"
	"time"

	"parindex/session"
	"parindex/store"
	"parindex/store/storetest"
)

// app is a test service: a migrated database of the dialect, a session
// manager on it and a few routes on a real HTTP server.
type app struct {
	m     *session.Manager
	st    *store.Store
	clock *testkit.Clock
	url   string
}

func newApp(t *testing.T, dialect string) *app {
	t.Helper()
	ctx := context.Background()
	c := testkit.NewClock(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC))
	st, err := store.Open(ctx, storetest.URL(t, dialect), c.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	m, err := session.New(st.DB().DB, dialect, session.Config{Now: c.Now, CleanupInterval: -1, BaseURL: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	a := &app{m: m, st: st, clock: c}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.FormValue("user"), 10, 64)
		if err := m.Login(r.Context(), session.Login{UserID: id, Issuer: "https://sso.example", Subject: "sub-" + r.FormValue("user"),
			SID: r.FormValue("sid"), IDToken: "idt-" + r.FormValue("user")}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		l, ok := m.Current(r.Context())
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(l)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		l, err := m.Logout(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(l.IDToken))
	})
	mux.HandleFunc("POST /begin", func(w http.ResponseWriter, r *http.Request) { m.BeginAttempt(r.Context(), r.FormValue("state")) })
	mux.HandleFunc("POST /take", func(w http.ResponseWriter, r *http.Request) {
		if !m.TakeAttempt(r.Context(), r.FormValue("state")) {
			w.WriteHeader(http.StatusForbidden)
		}
	})
	srv := httptest.NewServer(m.Handler(mux))
	t.Cleanup(srv.Close)
	a.url = srv.URL
	return a
}

// browser is a client with its own cookie jar.
func (a *app) browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func (a *app) post(t *testing.T, b *http.Client, path string, form url.Values) *http.Response {
	t.Helper()
	res, err := b.PostForm(a.url+path, form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// me returns the user the browser is logged in as, 0 for none.
func (a *app) me(t *testing.T, b *http.Client) int64 {
	t.Helper()
	res, err := b.Get(a.url + "/me")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusUnauthorized {
		return 0
	}
	var l session.Login
	if err := json.NewDecoder(res.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	return l.UserID
}

func (a *app) rows(t *testing.T) int {
	t.Helper()
	var n int
	if err := a.st.DB().Get(&n, `SELECT COUNT(*) FROM sessions`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLoginRenewsTheTokenAndSetsASafeCookie(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		b := a.browser(t)
		// An anonymous session first (a login under way), as an attacker
		// could plant.
		res := a.post(t, b, "/begin", url.Values{"state": {"st-1"}})
		before := res.Cookies()
		if len(before) != 1 {
			t.Fatalf("cookies %v", before)
		}
		c := before[0]
		if c.Name != "parindex_session" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" || !c.Expires.IsZero() {
			t.Fatalf("cookie %+v: want HttpOnly, SameSite=Lax, not Secure on http://127.0.0.1, a browser-session cookie", c)
		}
		res = a.post(t, b, "/login", url.Values{"user": {"7"}, "sid": {"s1"}})
		after := res.Cookies()
		if len(after) != 1 || after[0].Value == c.Value {
			t.Fatalf("the token was not renewed at login: %v then %v", c.Value, after)
		}
		if got := a.me(t, b); got != 7 {
			t.Fatalf("logged in as %d", got)
		}
		// The planted token is worth nothing now.
		planted := &http.Client{}
		req, _ := http.NewRequest(http.MethodGet, a.url+"/me", nil)
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		r2, err := planted.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r2.Body.Close()
		if r2.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the pre-login token still logs in: %s", r2.Status)
		}
		// The attempt begun before login survives it, once.
		if res := a.post(t, b, "/take", url.Values{"state": {"st-1"}}); res.StatusCode != http.StatusOK {
			t.Fatalf("take: %s", res.Status)
		}
		if res := a.post(t, b, "/take", url.Values{"state": {"st-1"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("take twice: %s", res.Status)
		}
		// Tokens are stored hashed.
		var n int
		if err := a.st.DB().Get(&n, a.st.DB().Rebind(`SELECT COUNT(*) FROM sessions WHERE token = ?`), after[0].Value); err != nil || n != 0 {
			t.Fatalf("the raw token is in the table (%d, %v)", n, err)
		}
		// Logout ends it and gives back the ID token for the provider.
		res, err = b.PostForm(a.url+"/logout", nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != "idt-7" || a.me(t, b) != 0 {
			t.Fatalf("logout gave %q, still logged in as %d", body, a.me(t, b))
		}
	})
}

func TestAttemptsBelongToTheirBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		mine, other := a.browser(t), a.browser(t)
		a.post(t, mine, "/begin", url.Values{"state": {"st-mine"}})
		if res := a.post(t, other, "/take", url.Values{"state": {"st-mine"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("another browser finished my login: %s", res.Status)
		}
		for i := range 6 {
			a.post(t, mine, "/begin", url.Values{"state": {"st-" + strconv.Itoa(i)}})
		}
		if res := a.post(t, mine, "/take", url.Values{"state": {"st-mine"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the oldest of 7 attempts was kept: %s", res.Status)
		}
		if res := a.post(t, mine, "/take", url.Values{"state": {"st-5"}}); res.StatusCode != http.StatusOK {
			t.Fatalf("the newest attempt was lost: %s", res.Status)
		}
	})
}

func TestTimeouts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		b := a.browser(t)
		a.post(t, b, "/login", url.Values{"user": {"7"}})
		// Used every 40 minutes, the session lives 8 hours, not a minute more.
		for elapsed := 40 * time.Minute; elapsed <= 8*time.Hour; elapsed += 40 * time.Minute {
			a.clock.Add(40 * time.Minute)
			if got := a.me(t, b); got != 7 {
				t.Fatalf("after %s of use: logged in as %d", elapsed, got)
			}
		}
		a.clock.Add(40 * time.Minute)
		if got := a.me(t, b); got != 0 {
			t.Fatalf("past the absolute time-out: still %d", got)
		}

		// Idle for 46 minutes: ended.
		b2 := a.browser(t)
		a.post(t, b2, "/login", url.Values{"user": {"8"}})
		a.clock.Add(44 * time.Minute)
		if got := a.me(t, b2); got != 8 {
			t.Fatalf("44 minutes idle: %d", got)
		}
		a.clock.Add(46 * time.Minute)
		if got := a.me(t, b2); got != 0 {
			t.Fatalf("46 minutes idle: still %d", got)
		}
	})
}

func TestDestroyAllSessionsOfAUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		a := newApp(t, dialect)
		ctx := context.Background()
		phone, desk, colleague := a.browser(t), a.browser(t), a.browser(t)
		a.post(t, phone, "/login", url.Values{"user": {"7"}, "sid": {"sso-1"}})
		a.post(t, desk, "/login", url.Values{"user": {"7"}, "sid": {"sso-2"}})
		a.post(t, colleague, "/login", url.Values{"user": {"8"}, "sid": {"sso-3"}})
		if got := a.rows(t); got != 3 {
			t.Fatalf("%d session rows, want 3", got)
		}
		n, err := a.m.DestroyUser(ctx, 7)
		if err != nil || n != 2 {
			t.Fatalf("DestroyUser = %d, %v", n, err)
		}
		if a.me(t, phone) != 0 || a.me(t, desk) != 0 || a.me(t, colleague) != 8 {
			t.Fatal("deactivation left a session of user 7 or ended user 8's")
		}

		// Back-channel logout: by provider session id, and by subject.
		d1, d2 := a.browser(t), a.browser(t)
		a.post(t, d1, "/login", url.Values{"user": {"9"}, "sid": {"sso-4"}})
		a.post(t, d2, "/login", url.Values{"user": {"9"}, "sid": {"sso-5"}})
		if n, err := a.m.DestroyProviderSession(ctx, "https://sso.example", "sso-4", "sub-9"); err != nil || n != 1 {
			t.Fatalf("by sid: %d, %v", n, err)
		}
		if a.me(t, d1) != 0 || a.me(t, d2) != 9 {
			t.Fatal("the sid logout ended the wrong session")
		}
		if n, err := a.m.DestroyProviderSession(ctx, "https://other.example", "", "sub-9"); err != nil || n != 0 {
			t.Fatalf("another issuer's subject: %d, %v", n, err)
		}
		if n, err := a.m.DestroyProviderSession(ctx, "https://sso.example", "", "sub-9"); err != nil || n != 1 {
			t.Fatalf("by sub: %d, %v", n, err)
		}
		if a.me(t, d2) != 0 || a.me(t, colleague) != 8 {
			t.Fatal("the sub logout ended the wrong sessions")
		}
		if _, err := a.m.DestroyProviderSession(ctx, "https://sso.example", "", ""); err == nil {
			t.Fatal("a logout naming nobody was accepted")
		}
	})
}

func TestSecureCookie(t *testing.T) {
	for base, want := range map[string]bool{
		"http://localhost:8080":         false,
		"http://127.0.0.1:8080":         false,
		"http://[::1]:8080":             false,
		"http://demo.localhost":         false,
		"https://localhost:8443":        true,
		"https://parindex.example.vn":   true,
		"http://parindex.example.vn":    true,
		"http://10.0.0.5:8080":          true,
		"http://localhost.evil.example": true,
		"":                              true,
		"::not a url":                   true,
	} {
		if got := session.SecureCookie(base); got != want {
			t.Errorf("SecureCookie(%q) = %v, want %v", base, got, want)
		}
	}
}
