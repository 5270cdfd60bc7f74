package store_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

func TestUsersAndGrants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		s := storetest.Open(t, dialect, storetest.NewClock(start))
		agency := &workflow.Agency{Code: "STP", Name: "Sở Tư pháp", Kind: workflow.KindDepartment}
		if err := s.CreateAgency(ctx, nil, agency, store.Meta{}); err != nil {
			t.Fatal(err)
		}

		u := &workflow.User{Email: " An.NV@STP.Example.VN ", Name: nfd("Nguyễn Văn An"), Title: "Chánh Văn phòng",
			Grants: []workflow.Grant{
				{Role: workflow.RoleUpdater, AgencyID: &agency.ID},
				{Role: workflow.RoleApprover, AgencyID: &agency.ID},
				{Role: workflow.RoleCouncil},
			}}
		if err := s.CreateUser(ctx, nil, u, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != "an.nv@stp.example.vn" || got.Name != "Nguyễn Văn An" || got.Title != "Chánh Văn phòng" {
			t.Fatalf("stored user = %q %q %q, want the email lower-cased and trimmed, the name NFC", got.Email, got.Name, got.Title)
		}
		if !reflect.DeepEqual(got.Grants, u.Grants) || len(got.Grants) != 3 {
			t.Fatalf("grants = %+v, want %+v", got.Grants, u.Grants)
		}
		if !got.Has(workflow.RoleUpdater, agency.ID) || !got.Has(workflow.RoleApprover, agency.ID) || !got.Has(workflow.RoleCouncil, 0) || got.Has(workflow.RoleAdmin, 0) {
			t.Fatalf("stored grants give the wrong roles: %+v", got.Grants)
		}
		_, err = s.GetUser(ctx, u.ID+1000)
		wantCode(t, err, workflow.ENOTFOUND)

		t.Run("duplicate email ignores case", func(t *testing.T) {
			a := storetest.MustUser(t, s, "A@x.vn")
			if a.Email != "a@x.vn" {
				t.Fatalf("email stored as %q", a.Email)
			}
			b := &workflow.User{Email: "a@X.VN", Name: "Người khác"}
			err := s.CreateUser(ctx, nil, b, store.Meta{})
			wantCode(t, err, workflow.ECONFLICT)
			if f := fieldNames(err); !reflect.DeepEqual(f, []string{"email"}) {
				t.Fatalf("fields = %q, want [email]", f)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM users WHERE LOWER(email) = ?`, "a@x.vn"); n != 1 {
				t.Fatalf("%d users with a@x.vn, want 1", n)
			}
		})

		t.Run("grant to an unknown agency stores nothing", func(t *testing.T) {
			users := count(t, s, `SELECT COUNT(*) FROM users`)
			grants := count(t, s, `SELECT COUNT(*) FROM grants`)
			missing := agency.ID + 1000
			c := &workflow.User{Email: "c@x.vn", Name: "Trần Thị C", Grants: []workflow.Grant{
				{Role: workflow.RoleCouncil},
				{Role: workflow.RoleUpdater, AgencyID: &missing},
			}}
			err := s.CreateUser(ctx, nil, c, store.Meta{})
			wantCode(t, err, workflow.EINVALID)
			if f := fieldNames(err); !reflect.DeepEqual(f, []string{"grants/1/agency_id"}) {
				t.Fatalf("fields = %q, want [grants/1/agency_id]", f)
			}
			if c.ID != 0 || len(c.Grants) != 2 {
				t.Fatalf("the refused user came back with id %d and grants %+v", c.ID, c.Grants)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM users`); n != users {
				t.Fatalf("users: %d, want %d: the user row was not rolled back", n, users)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM grants`); n != grants {
				t.Fatalf("grants: %d, want %d: the council grant was not rolled back", n, grants)
			}
			// The address is still free.
			storetest.MustUser(t, s, "c@x.vn", workflow.Grant{Role: workflow.RoleUpdater, AgencyID: &agency.ID})
		})

		t.Run("invalid grants", func(t *testing.T) {
			err := s.CreateUser(ctx, nil, &workflow.User{Email: "d@x.vn", Name: "D", Grants: []workflow.Grant{
				{Role: workflow.RoleUpdater}, {Role: workflow.RoleAdmin, AgencyID: &agency.ID}, {Role: workflow.RoleSystem},
			}}, store.Meta{})
			wantCode(t, err, workflow.EINVALID)
			want := []string{"grants/0/agency_id", "grants/1/agency_id", "grants/2/role"}
			if f := fieldNames(err); !reflect.DeepEqual(f, want) {
				t.Fatalf("fields = %q, want %q", f, want)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM users WHERE email = ?`, "d@x.vn"); n != 0 {
				t.Fatal("a user with invalid grants was stored")
			}
		})
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		clock := storetest.NewClock(start)
		s := storetest.Open(t, dialect, clock)
		u := storetest.MustUser(t, s, "an@x.vn", workflow.Grant{Role: workflow.RoleCouncil})

		_, err := s.CreateToken(ctx, nil, u.ID+1000, store.TokenExpiry{}, store.Meta{})
		wantCode(t, err, workflow.ENOTFOUND)
		if n := count(t, s, `SELECT COUNT(*) FROM tokens`); n != 0 {
			t.Fatalf("%d tokens stored for an unknown user", n)
		}

		tok, err := s.CreateToken(ctx, nil, u.ID, store.TokenExpiry{}, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateToken(ctx, nil, u.ID, store.TokenExpiry{}, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID == 0 || tok.Token == "" || tok.Token == other.Token {
			t.Fatalf("tokens %+v and %+v are not distinct issued tokens", tok, other)
		}

		got, err := s.Authenticate(ctx, tok.Token)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || got.Email != "an@x.vn" || !got.Has(workflow.RoleCouncil, 0) {
			t.Fatalf("authenticated as %+v, want %+v", got, u)
		}

		for _, bad := range []string{"", tok.Token + "x", strings.ToUpper(tok.Token), workflow.HashToken(tok.Token), "pxt_never-issued"} {
			_, err := s.Authenticate(ctx, bad)
			wantCode(t, err, workflow.EUNAUTHORIZED)
		}

		t.Run("only hashes are stored", func(t *testing.T) {
			var rows []struct {
				Hash string `db:"hash"`
			}
			if err := s.DB().Select(&rows, `SELECT hash FROM tokens ORDER BY id`); err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 {
				t.Fatalf("%d token rows, want 2", len(rows))
			}
			for i, plain := range []string{tok.Token, other.Token} {
				if rows[i].Hash != workflow.HashToken(plain) {
					t.Fatalf("row %d holds %q, want the hash of the token", i, rows[i].Hash)
				}
				if strings.Contains(rows[i].Hash, strings.TrimPrefix(plain, "pxt_")) {
					t.Fatalf("row %d holds the token itself", i)
				}
				if n := count(t, s, `SELECT COUNT(*) FROM tokens WHERE hash = ? OR hash LIKE ?`, plain, "%"+strings.TrimPrefix(plain, "pxt_")+"%"); n != 0 {
					t.Fatal("the plain token is in the tokens table")
				}
			}
		})

		t.Run("revoked stops at once", func(t *testing.T) {
			if err := s.RevokeToken(ctx, nil, tok.ID, store.Meta{}); err != nil {
				t.Fatal(err)
			}
			_, err := s.Authenticate(ctx, tok.Token)
			wantCode(t, err, workflow.EUNAUTHORIZED)
			// Revoking again, or an unknown token, is not found.
			wantCode(t, s.RevokeToken(ctx, nil, tok.ID, store.Meta{}), workflow.ENOTFOUND)
			wantCode(t, s.RevokeToken(ctx, nil, other.ID+1000, store.Meta{}), workflow.ENOTFOUND)
			// The user's other token still works.
			if _, err := s.Authenticate(ctx, other.Token); err != nil {
				t.Fatalf("revoking one token stopped another: %v", err)
			}
		})

		t.Run("expired", func(t *testing.T) {
			expires := clock.Now().Add(time.Hour)
			exp, err := s.CreateToken(ctx, nil, u.ID, store.TokenExpiry{At: &expires}, store.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			clock.Set(expires.Add(-time.Millisecond))
			if _, err := s.Authenticate(ctx, exp.Token); err != nil {
				t.Fatalf("1 ms before expiry: %v", err)
			}
			clock.Set(expires)
			_, err = s.Authenticate(ctx, exp.Token)
			wantCode(t, err, workflow.EUNAUTHORIZED)
			clock.Set(expires.Add(time.Millisecond))
			_, err = s.Authenticate(ctx, exp.Token)
			wantCode(t, err, workflow.EUNAUTHORIZED)
			// A token without expiry still works.
			if _, err := s.Authenticate(ctx, other.Token); err != nil {
				t.Fatal(err)
			}
			// An expiry that is not in the future is refused and not stored.
			before := count(t, s, `SELECT COUNT(*) FROM tokens`)
			now := clock.Now()
			_, err = s.CreateToken(ctx, nil, u.ID, store.TokenExpiry{At: &now}, store.Meta{})
			wantCode(t, err, workflow.EINVALID)
			if n := count(t, s, `SELECT COUNT(*) FROM tokens`); n != before {
				t.Fatal("a token with a past expiry was stored")
			}
		})
	})
}
