package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// TestTokenLifetimes: `token issue` gives a token the lifetime of
// PARINDEX_TOKEN_TTL (90 days by default), another with --expires-in, none
// only with --no-expiry; `serve --token-ttl` sets the lifetime of the tokens
// the API issues. Tokens issued at the server name no issuer; the API's name
// the admin, and every issue is in the audit log.
func TestTokenLifetimes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
		clock := storetest.NewClock(now)
		db := storetest.URL(t, dialect)
		mustRun(t, clock, nil, "migrate", "up", "--db", db)

		issueToken(t, clock, db, "quantri@snv.example.vn", "--role", "admin")
		issueToken(t, clock, db, "quantri@snv.example.vn", "--expires-in", "720h")
		issueToken(t, clock, db, "quantri@snv.example.vn", "--no-expiry")
		out := mustRun(t, clock, map[string]string{"PARINDEX_TOKEN_TTL": "48h"}, "token", "issue", "--email", "quantri@snv.example.vn", "--db", db)
		admin := strings.TrimSpace(out)
		for _, bad := range [][]string{
			{"--expires-in", "720h", "--no-expiry"},
			{"--expires-in", "-1h"},
			{"--token-ttl", "0s"},
		} {
			if _, err := run(t, clock, nil, append([]string{"token", "issue", "--email", "quantri@snv.example.vn", "--db", db}, bad...)...); err == nil {
				t.Errorf("token issue %v succeeded", bad)
			}
		}

		s := storetest.OpenURL(t, db, clock)
		u, err := s.Authenticate(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.ListTokens(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 4 {
			t.Fatalf("%d tokens, want the 4 issued", len(list))
		}
		want := []*time.Time{ptr(now.Add(48 * time.Hour)), nil, ptr(now.Add(720 * time.Hour)), ptr(now.Add(store.DefaultTokenTTL))}
		for i, tok := range list { // newest first
			if tok.IssuedBy != nil {
				t.Errorf("token %d issued at the server names %+v", tok.ID, tok.IssuedBy)
			}
			if (tok.ExpiresAt == nil) != (want[i] == nil) || (tok.ExpiresAt != nil && !tok.ExpiresAt.Equal(*want[i])) {
				t.Errorf("token %d expires at %v, want %v", tok.ID, tok.ExpiresAt, want[i])
			}
		}
		rows, err := s.ListAudit(ctx, store.AuditFilter{Kind: store.AuditToken})
		if err != nil || len(rows) != 4 || rows[0].Actor != nil {
			t.Fatalf("token audit rows %+v %v: want 4 without an actor", rows, err)
		}
		if rows, _ := s.ListAudit(ctx, store.AuditFilter{Kind: store.AuditUser}); len(rows) != 1 || rows[0].Actor != nil {
			t.Fatalf("user audit rows %+v: want the one creation, without an actor", rows)
		}

		// The server's lifetime applies to the tokens the API issues.
		for _, tc := range []struct {
			env  map[string]string
			args []string
			want time.Duration
		}{
			{nil, []string{"--token-ttl", "24h"}, 24 * time.Hour},
			{map[string]string{"PARINDEX_TOKEN_TTL": "36h"}, nil, 36 * time.Hour},
			{nil, nil, store.DefaultTokenTTL},
		} {
			m, _ := serve(t, clock, tc.env, append([]string{"--addr", "127.0.0.1:0", "--db", db, "--scheduler=false"}, tc.args...)...)
			var tok struct {
				ID        int64     `json:"id"`
				ExpiresAt time.Time `json:"expires_at"`
			}
			testkit.NewClient(m.URL(), admin).Do(t, "POST", "/api/v1/tokens", map[string]any{"user_id": u.ID}).Want(t, http.StatusCreated, &tok)
			if !tok.ExpiresAt.Equal(now.Add(tc.want)) {
				t.Errorf("serve %v %v: a token expires at %v, want %v", tc.args, tc.env, tok.ExpiresAt, now.Add(tc.want))
			}
			var mine []struct {
				ID       int64 `json:"id"`
				IssuedBy *struct {
					ID int64 `json:"id"`
				} `json:"issued_by"`
			}
			testkit.NewClient(m.URL(), admin).Do(t, "GET", fmt.Sprintf("/api/v1/users/%d/tokens", u.ID), nil).Want(t, http.StatusOK, &mine)
			if mine[0].ID != tok.ID || mine[0].IssuedBy == nil || mine[0].IssuedBy.ID != u.ID {
				t.Errorf("the API's token is listed as %+v, want issued by the admin", mine[0])
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := run(t, clock, nil, "serve", "--addr", "127.0.0.1:0", "--db", db, "--token-ttl", "-5m"); err == nil || !strings.Contains(err.Error(), "--token-ttl") {
			t.Errorf("serve --token-ttl -5m: %v", err)
		}
	})
}

// TestImportAudited: `parindex import officials` writes one audit row, with
// no actor, the counts and the ids it created.
func TestImportAudited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := storetest.URL(t, dialect)
		mustRun(t, nil, nil, "migrate", "up", "--db", db)
		s := storetest.OpenURL(t, db, nil)
		a := &workflow.Agency{Code: "STP", Name: "Sở Tư pháp", Kind: workflow.KindDepartment}
		if err := s.CreateAgency(ctx, nil, a, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		file := copyOfficialsSample(t, t.TempDir(), "officials-department.csv")
		mustRun(t, nil, nil, "import", "officials", "--agency", "STP", "--db", db, file)
		rows, err := s.ListAudit(ctx, store.AuditFilter{Kind: store.AuditImport})
		if err != nil || len(rows) != 1 {
			t.Fatalf("import rows %+v %v", rows, err)
		}
		r := rows[0]
		if r.Actor != nil || r.Action != "officials" || r.Target != fmt.Sprint(a.ID) ||
			!strings.Contains(string(r.Detail), `"created":4`) || !strings.Contains(string(r.Detail), `"created_ids":[`) {
			t.Fatalf("import row %+v %s", r, r.Detail)
		}
	})
}

func ptr(t time.Time) *time.Time { return &t }
