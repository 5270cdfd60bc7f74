package store_test

import (
	"fmt"
	"sync"
	"testing"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// TestLoginIdentity: the first login links a provider's account to the
// provisioned user with the same verified email (or username claim); later
// logins follow the link whatever the email says; nobody else gets in, and
// roles are parindex's own.
func TestLoginIdentity(t *testing.T) {
	const iss = "https://sso.thuathienhue.gov.vn/realms/cchc"
	storetest.Each(t, func(t *testing.T, dialect string) {
		w := newWorld(t, dialect)
		s, updater := w.Store, w.Dept.Updater
		t.Run("a first login links by the verified email", func(t *testing.T) {
			u, err := s.LoginIdentity(ctx, store.Identity{Issuer: iss, Subject: "a1", Email: " Updater.STP@test.example.vn ", EmailVerified: true})
			if err != nil {
				t.Fatal(err)
			}
			if u.ID != updater.ID || !u.Has(workflow.RoleUpdater, w.Dept.ID) {
				t.Fatalf("logged in as %+v, want the updater %d with their grant", u, updater.ID)
			}
			if a := lastAuditWhere(t, s, store.AuditUser, fmt.Sprint(updater.ID)); a.Action != "link-identity" {
				t.Fatalf("no audit row for the link: %+v", a)
			}
		})
		t.Run("later logins follow the link, whatever the email", func(t *testing.T) {
			u, err := s.LoginIdentity(ctx, store.Identity{Issuer: iss, Subject: "a1", Email: "someone.else@example.vn"})
			if err != nil || u.ID != updater.ID {
				t.Fatalf("second login: %+v, %v", u, err)
			}
		})
		t.Run("an unverified email links nobody", func(t *testing.T) {
			_, err := s.LoginIdentity(ctx, store.Identity{Issuer: iss, Subject: "b2", Email: w.Dept.Approver.Email})
			wantCode(t, err, workflow.EUNAUTHORIZED)
		})
		t.Run("the username claim links when it is the user's email", func(t *testing.T) {
			u, err := s.LoginIdentity(ctx, store.Identity{Issuer: iss, Subject: "b2", Username: w.Dept.Approver.Email})
			if err != nil || u.ID != w.Dept.Approver.ID {
				t.Fatalf("login by username: %+v, %v", u, err)
			}
		})
		t.Run("an identity no user matches gets in nowhere", func(t *testing.T) {
			_, err := s.LoginIdentity(ctx, store.Identity{Issuer: iss, Subject: "c3", Email: "nguoi.la@example.vn", EmailVerified: true})
			wantCode(t, err, workflow.EUNAUTHORIZED)
			_, err = s.LoginIdentity(ctx, store.Identity{Issuer: "", Subject: "c3"})
			wantCode(t, err, workflow.EINVALID)
		})
		t.Run("the same subject of another provider is another identity", func(t *testing.T) {
			_, err := s.LoginIdentity(ctx, store.Identity{Issuer: "https://other.example.vn", Subject: "a1", Email: "nguoi.la@example.vn", EmailVerified: true})
			wantCode(t, err, workflow.EUNAUTHORIZED)
		})
		t.Run("a deactivated user is refused, reactivated let in", func(t *testing.T) {
			if _, err := s.SetUserActive(ctx, nil, updater.ID, false, store.Meta{}); err != nil {
				t.Fatal(err)
			}
			_, err := s.LoginIdentity(ctx, store.Identity{Issuer: iss, Subject: "a1"})
			wantCode(t, err, workflow.EUNAUTHORIZED)
			if _, err := s.SetUserActive(ctx, nil, updater.ID, true, store.Meta{}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.LoginIdentity(ctx, store.Identity{Issuer: iss, Subject: "a1"}); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("two first logins at once link once", func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					u, err := s.LoginIdentity(ctx, store.Identity{Issuer: iss, Subject: "d4", Email: w.Council.Email, EmailVerified: true})
					if err == nil && u.ID != w.Council.ID {
						err = fmt.Errorf("logged in as %d", u.ID)
					}
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			var n int
			if err := s.DB().Get(&n, s.DB().Rebind(`SELECT COUNT(*) FROM identities WHERE iss = ? AND sub = ?`), iss, "d4"); err != nil || n != 1 {
				t.Fatalf("%d links, %v", n, err)
			}
		})
	})
}
