package store_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// TestTokenExpiry: a token lasts the store's lifetime unless its issuer says
// when it ends, or explicitly that it never does; both at once is refused.
func TestTokenExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		clock := storetest.NewClock(start)
		s := storetest.Open(t, dialect, clock)
		u := storetest.MustUser(t, s, "an@x.vn", workflow.Grant{Role: workflow.RoleCouncil})

		def, err := s.CreateToken(ctx, nil, u.ID, store.TokenExpiry{}, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if def.ExpiresAt == nil || !def.ExpiresAt.Equal(start.Add(90*24*time.Hour)) || store.DefaultTokenTTL != 2160*time.Hour {
			t.Fatalf("default expiry %v, want 90 days after issue (%v)", def.ExpiresAt, start.Add(90*24*time.Hour))
		}
		s.SetTokenTTL(time.Hour)
		short, err := s.CreateToken(ctx, nil, u.ID, store.TokenExpiry{}, store.Meta{})
		if err != nil || short.ExpiresAt == nil || !short.ExpiresAt.Equal(start.Add(time.Hour)) {
			t.Fatalf("with a lifetime of an hour: %+v %v", short, err)
		}
		s.SetTokenTTL(0) // ignored: a token without expiry is only ever explicit
		never, err := s.CreateToken(ctx, nil, u.ID, store.TokenExpiry{Never: true}, store.Meta{})
		if err != nil || never.ExpiresAt != nil {
			t.Fatalf("no expiry: %+v %v", never, err)
		}
		at := start.Add(30 * 24 * time.Hour)
		before := count(t, s, `SELECT COUNT(*) FROM tokens`)
		audits := count(t, s, `SELECT COUNT(*) FROM audit_log`)
		_, err = s.CreateToken(ctx, nil, u.ID, store.TokenExpiry{At: &at, Never: true}, store.Meta{})
		wantCode(t, err, workflow.EINVALID)
		if f := fieldNames(err); len(f) != 2 || f[0] != "expires_at" || f[1] != "no_expiry" {
			t.Fatalf("fields %q", f)
		}
		if count(t, s, `SELECT COUNT(*) FROM tokens`) != before || count(t, s, `SELECT COUNT(*) FROM audit_log`) != audits {
			t.Fatal("a refused token was stored or audited")
		}

		// Stored as answered; the hour-long one stops after its hour, the
		// one without expiry does not.
		if n := count(t, s, `SELECT COUNT(*) FROM tokens WHERE id = ? AND expires_at IS NULL`, never.ID); n != 1 {
			t.Fatal("the token without expiry has an expiry stored")
		}
		clock.Set(start.Add(time.Hour))
		_, err = s.Authenticate(ctx, short.Token)
		wantCode(t, err, workflow.EUNAUTHORIZED)
		clock.Set(start.Add(10 * 365 * 24 * time.Hour))
		if _, err := s.Authenticate(ctx, never.Token); err != nil {
			t.Fatalf("ten years on, the token without expiry: %v", err)
		}
		_, err = s.Authenticate(ctx, def.Token)
		wantCode(t, err, workflow.EUNAUTHORIZED)
	})
}

// TestTokenIssuerAndUse: a token records who issued it; authenticating says
// so when that was someone else, and records the last use at most every five
// minutes.
func TestTokenIssuerAndUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, clock := w.Store, w.Clock
		u := w.Dept.Updater
		meta := store.Meta{RequestID: "req-t", ClientRequestID: "c-1", ClientIP: "203.0.113.9"}
		byAdmin, err := s.CreateToken(ctx, w.Admin, u.ID, store.TokenExpiry{}, meta)
		if err != nil {
			t.Fatal(err)
		}
		own, err := s.CreateToken(ctx, w.Admin, w.Admin.ID, store.TokenExpiry{}, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		cli, err := s.CreateToken(ctx, nil, u.ID, store.TokenExpiry{}, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}

		got, err := s.Authenticate(ctx, byAdmin.Token)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || got.TokenID != byAdmin.ID || got.IssuedBy == nil || *got.IssuedBy != w.Admin.ID {
			t.Fatalf("authenticated as %d with token %d issued by %v; want %d, %d, %d", got.ID, got.TokenID, got.IssuedBy, u.ID, byAdmin.ID, w.Admin.ID)
		}
		for _, tok := range []*store.Token{own, cli} {
			got, err := s.Authenticate(ctx, tok.Token)
			if err != nil || got.TokenID != tok.ID || got.IssuedBy != nil {
				t.Fatalf("token %d: %+v %v; want no issuer: issued at the server or by the user themself", tok.ID, got, err)
			}
		}

		t.Run("issue and revoke are audited", func(t *testing.T) {
			a := lastAuditWhere(t, s, store.AuditToken, fmt.Sprint(byAdmin.ID))
			var d struct {
				UserID    int64      `json:"user_id"`
				ExpiresAt *time.Time `json:"expires_at"`
			}
			if err := json.Unmarshal(a.Detail, &d); err != nil || d.UserID != u.ID || d.ExpiresAt == nil || !d.ExpiresAt.Equal(*byAdmin.ExpiresAt) {
				t.Fatalf("audit detail %s: %v", a.Detail, err)
			}
			if a.Action != "issue" || a.Actor == nil || a.Actor.ID != w.Admin.ID || a.RequestID != "req-t" || a.ClientRequestID != "c-1" || a.ClientIP != "203.0.113.9" {
				t.Fatalf("audit row %+v", a)
			}
			if c := lastAuditWhere(t, s, store.AuditToken, fmt.Sprint(cli.ID)); c.Actor != nil {
				t.Fatalf("a token issued at the server has an actor: %+v", c)
			}
			for _, tok := range []*store.Token{byAdmin, own, cli} {
				if n := count(t, s, `SELECT COUNT(*) FROM audit_log WHERE detail LIKE ?`, "%"+tok.Token[4:]+"%"); n != 0 {
					t.Fatal("the audit log holds a token's secret")
				}
			}
			extra, err := s.CreateToken(ctx, w.Admin, u.ID, store.TokenExpiry{}, store.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.RevokeToken(ctx, w.Admin, extra.ID, store.Meta{RequestID: "req-r"}); err != nil {
				t.Fatal(err)
			}
			r := lastAudit(t, s, store.AuditToken)
			if r.Action != "revoke" || r.Target != fmt.Sprint(extra.ID) || r.Actor.ID != w.Admin.ID || r.RequestID != "req-r" || string(r.Detail) != fmt.Sprintf(`{"user_id":%d}`, u.ID) {
				t.Fatalf("revoke audit row %+v %s", r, r.Detail)
			}
			audits := count(t, s, `SELECT COUNT(*) FROM audit_log`)
			wantCode(t, s.RevokeToken(ctx, w.Admin, extra.ID, store.Meta{}), workflow.ENOTFOUND)
			if count(t, s, `SELECT COUNT(*) FROM audit_log`) != audits {
				t.Fatal("a refused revocation was audited")
			}
		})

		t.Run("last use, at most every five minutes", func(t *testing.T) {
			lastUsed := func() *time.Time {
				list, err := s.ListTokens(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, tok := range list {
					if tok.ID == byAdmin.ID {
						return tok.LastUsedAt
					}
				}
				t.Fatalf("token %d is not listed", byAdmin.ID)
				return nil
			}
			first := clock.Now()
			if got := lastUsed(); got == nil || !got.Equal(first) {
				t.Fatalf("last used %v, want %v", got, first)
			}
			// Within five minutes, using it writes nothing.
			clock.Add(4*time.Minute + 59*time.Second)
			if _, err := s.Authenticate(ctx, byAdmin.Token); err != nil {
				t.Fatal(err)
			}
			if got := lastUsed(); !got.Equal(first) {
				t.Fatalf("last used %v after 4m59s, want still %v", got, first)
			}
			clock.Add(time.Second)
			if _, err := s.Authenticate(ctx, byAdmin.Token); err != nil {
				t.Fatal(err)
			}
			if got := lastUsed(); !got.Equal(clock.Now()) {
				t.Fatalf("last used %v after 5m, want %v", got, clock.Now())
			}
			// A refused token records no use.
			if err := s.RevokeToken(ctx, nil, cli.ID, store.Meta{}); err != nil {
				t.Fatal(err)
			}
			clock.Add(time.Hour)
			_, err := s.Authenticate(ctx, cli.Token)
			wantCode(t, err, workflow.EUNAUTHORIZED)
			if n := count(t, s, `SELECT COUNT(*) FROM tokens WHERE id = ? AND last_used_at IS NOT NULL AND last_used_at >= ?`, cli.ID, tsArg(s, clock.Now())); n != 0 {
				t.Fatal("a revoked token's use was recorded")
			}
		})

		t.Run("list", func(t *testing.T) {
			list, err := s.ListTokens(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			// Newest first: the extra (revoked), cli (revoked), byAdmin.
			if len(list) != 3 || list[2].ID != byAdmin.ID || list[1].ID != cli.ID {
				t.Fatalf("list %+v", list)
			}
			b, c := list[2], list[1]
			if b.IssuedBy == nil || b.IssuedBy.ID != w.Admin.ID || b.IssuedBy.Email != w.Admin.Email || !b.CreatedAt.Equal(start) ||
				b.ExpiresAt == nil || !b.ExpiresAt.Equal(*byAdmin.ExpiresAt) || b.RevokedAt != nil {
				t.Fatalf("the admin's token: %+v", b)
			}
			if c.IssuedBy != nil || c.RevokedAt == nil {
				t.Fatalf("the server's token: %+v", c)
			}
			empty, err := s.ListTokens(ctx, w.Council.ID)
			if err != nil || empty == nil || len(empty) != 0 {
				t.Fatalf("a user without tokens: %v %v", empty, err)
			}
			_, err = s.ListTokens(ctx, 987654)
			wantCode(t, err, workflow.ENOTFOUND)
		})
	})
}

// lastAuditWhere is the newest audit row of the kind about the target.
func lastAuditWhere(t *testing.T, s *store.Store, kind, target string) store.AuditEntry {
	t.Helper()
	rows, err := s.ListAudit(ctx, store.AuditFilter{Kind: kind, Limit: store.MaxAuditLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Target == target {
			return r
		}
	}
	t.Fatalf("no %s audit row about %s", kind, target)
	return store.AuditEntry{}
}

// tsArg is an instant as the store's dialect compares it in SQL.
func tsArg(s *store.Store, t time.Time) any {
	if s.Dialect() == store.SQLite {
		return t.UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	return t
}

// TestActingAs: a change made with a token an administrator issued for
// someone else names both, in the history (on both write paths of a
// transition) and in the revisions, with the client's request id and address.
func TestActingAs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		tok, err := s.CreateToken(ctx, w.Admin, a.Updater.ID, store.TokenExpiry{}, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.Authenticate(ctx, tok.Token)
		if err != nil {
			t.Fatal(err)
		}
		meta := store.Meta{RequestID: "req-a", ClientRequestID: "client-a", ClientIP: "198.51.100.20", IssuedBy: u.IssuedBy}
		w.FillEntries(t, a)
		if _, _, err := s.PutEntry(ctx, u, a.ReportID, "1.1.1", workflow.EntryValue{SelfScore: pts(t, "0.5"), Explanation: "Thay mặt"}, nil, meta); err != nil {
			t.Fatal(err)
		}
		// complete goes through the one-statement write on PostgreSQL and a
		// transaction on SQLite, the second event through the cached header.
		if _, err := s.Transition(ctx, u, a.ReportID, workflow.TransitionRequest{Event: workflow.EventComplete}, nil, meta); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transition(ctx, u, a.ReportID, workflow.TransitionRequest{Event: workflow.EventReopen}, nil, meta); err != nil {
			t.Fatal(err)
		}
		h, err := s.History(ctx, w.Admin, a.ReportID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h[len(h)-2:] {
			if e.Actor == nil || e.Actor.ID != a.Updater.ID || e.IssuedBy == nil || e.IssuedBy.ID != w.Admin.ID || e.IssuedBy.Email != w.Admin.Email {
				t.Fatalf("history %s: actor %+v issued by %+v, want the updater and the admin", e.Event, e.Actor, e.IssuedBy)
			}
		}
		if n := count(t, s, `SELECT COUNT(*) FROM history WHERE report_id = ? AND client_request_id = ? AND issued_by = ?`, a.ReportID, "client-a", w.Admin.ID); n != 2 {
			t.Fatalf("%d history rows carry the client's request id and the issuer, want 2", n)
		}
		revs, err := s.Revisions(ctx, w.Admin, a.ReportID, "1.1.1")
		if err != nil {
			t.Fatal(err)
		}
		last := revs[len(revs)-1]
		if last.Actor.ID != a.Updater.ID || last.IssuedBy == nil || last.IssuedBy.ID != w.Admin.ID || last.IssuedBy.Email != w.Admin.Email {
			t.Fatalf("revision %+v: want the updater acting under the admin's token", last)
		}
		if revs[0].IssuedBy != nil {
			t.Fatalf("FillEntries' revision names an issuer: %+v", revs[0])
		}
		if n := count(t, s, `SELECT COUNT(*) FROM entry_revisions WHERE report_id = ? AND request_id = ? AND client_request_id = ? AND client_ip = ? AND issued_by = ?`,
			a.ReportID, "req-a", "client-a", "198.51.100.20", w.Admin.ID); n != 1 {
			t.Fatalf("%d revisions carry the request, want 1", n)
		}
	})
}
