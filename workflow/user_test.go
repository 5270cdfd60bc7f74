package workflow

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestUserValidate(t *testing.T) {
	tests := []struct {
		name   string
		user   User
		fields []string
	}{
		{"valid official", User{Email: "an.nv@stp.example.vn", Name: "Nguyễn Văn An", Grants: []Grant{grant(RoleUpdater, 1), grant(RoleApprover, 1)}}, nil},
		{"valid council, no grants needed", User{Email: "hd@snv.example.vn", Name: "Hội đồng"}, nil},
		{"valid admin", User{Email: "qt@snv.example.vn", Name: "Quản trị", Grants: []Grant{{Role: RoleAdmin}}}, nil},
		{"missing email", User{Name: "A"}, []string{"email"}},
		{"not an address", User{Email: "not-an-email", Name: "A"}, []string{"email"}},
		{"no dotted domain", User{Email: "a@localhost", Name: "A"}, []string{"email"}},
		{"trailing dot", User{Email: "a@b.vn.", Name: "A"}, []string{"email"}},
		{"display name", User{Email: "An <a@b.vn>", Name: "A"}, []string{"email"}},
		{"two addresses", User{Email: "a@b.vn, c@d.vn", Name: "A"}, []string{"email"}},
		{"missing name", User{Email: "a@b.vn", Name: "  "}, []string{"name"}},
		{"updater without agency", User{Email: "a@b.vn", Name: "A", Grants: []Grant{{Role: RoleUpdater}}}, []string{"grants/0/agency_id"}},
		{"approver without agency", User{Email: "a@b.vn", Name: "A", Grants: []Grant{{Role: RoleAdmin}, {Role: RoleApprover}}}, []string{"grants/1/agency_id"}},
		{"admin with agency", User{Email: "a@b.vn", Name: "A", Grants: []Grant{grant(RoleUpdater, 1), {Role: RoleAdmin, AgencyID: i64(1)}}}, []string{"grants/1/agency_id"}},
		{"council with agency", User{Email: "a@b.vn", Name: "A", Grants: []Grant{{Role: RoleCouncil, AgencyID: i64(2)}}}, []string{"grants/0/agency_id"}},
		{"system is never granted", User{Email: "a@b.vn", Name: "A", Grants: []Grant{{Role: RoleSystem}}}, []string{"grants/0/role"}},
		{"unknown role", User{Email: "a@b.vn", Name: "A", Grants: []Grant{{Role: "Updater", AgencyID: i64(1)}}}, []string{"grants/0/role"}},
		{"everything wrong", User{Email: "x", Grants: []Grant{{Role: "boss"}, {Role: RoleApprover}, {Role: RoleAdmin, AgencyID: i64(3)}}},
			[]string{"email", "name", "grants/0/role", "grants/1/agency_id", "grants/2/agency_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.user
			err := u.Validate()
			wantFields(t, err, tt.fields)
		})
	}

	u := User{Email: "  An.NV@STP.Example.VN ", Name: norm.NFD.String("Nguyễn Văn Ánh"), Title: " Chánh Văn phòng "}
	if err := u.Validate(); err != nil {
		t.Fatal(err)
	}
	if u.Email != "an.nv@stp.example.vn" || u.Name != "Nguyễn Văn Ánh" || u.Title != "Chánh Văn phòng" {
		t.Errorf("not normalised: %q %q %q", u.Email, u.Name, u.Title)
	}
}

func TestUserRoles(t *testing.T) {
	updaterA, approverA, otherB, council, admin, both, none := personas[0].user, personas[1].user, personas[2].user, personas[3].user, personas[4].user, personas[5].user, personas[6].user
	tests := []struct {
		name    string
		user    *User
		roles   []Role // RolesFor(agencyA)
		seesA   bool
		seesB   bool
		seesAll bool
		ids     []int64
	}{
		{"updater of A", updaterA, []Role{RoleUpdater}, true, false, false, []int64{agencyA}},
		{"approver of A", approverA, []Role{RoleApprover}, true, false, false, []int64{agencyA}},
		{"both of B", otherB, nil, false, true, false, []int64{agencyB}},
		{"council", council, []Role{RoleCouncil}, true, true, true, nil},
		{"admin", admin, []Role{RoleAdmin}, true, true, true, nil},
		{"both of A", both, []Role{RoleUpdater, RoleApprover}, true, false, false, []int64{agencyA}},
		{"no grants", none, nil, false, false, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.user.RolesFor(agencyA); !reflect.DeepEqual(got, tt.roles) {
				t.Errorf("RolesFor(A) = %v, want %v", got, tt.roles)
			}
			if got := tt.user.CanSeeAgency(agencyA); got != tt.seesA {
				t.Errorf("CanSeeAgency(A) = %v, want %v", got, tt.seesA)
			}
			if got := tt.user.CanSeeAgency(agencyB); got != tt.seesB {
				t.Errorf("CanSeeAgency(B) = %v, want %v", got, tt.seesB)
			}
			if got := tt.user.SeesAll(); got != tt.seesAll {
				t.Errorf("SeesAll = %v, want %v", got, tt.seesAll)
			}
			if got := tt.user.AgencyIDs(); !reflect.DeepEqual(got, tt.ids) {
				t.Errorf("AgencyIDs = %v, want %v", got, tt.ids)
			}
			for _, r := range []Role{RoleUpdater, RoleApprover, RoleCouncil, RoleAdmin, RoleSystem} {
				want := false
				for _, h := range tt.roles {
					want = want || h == r
				}
				if got := tt.user.Has(r, agencyA); got != want {
					t.Errorf("Has(%s, A) = %v, want %v", r, got, want)
				}
			}
		})
	}

	// Province-wide roles ignore the agency; agency roles do not.
	if !council.Has(RoleCouncil, 999) || !admin.Has(RoleAdmin, 0) {
		t.Error("a province-wide role depends on the agency")
	}
	if updaterA.Has(RoleUpdater, agencyB) || updaterA.Has(RoleUpdater, 0) {
		t.Error("an updater of A holds the role for another agency")
	}
	multi := userWith(grant(RoleUpdater, agencyA), grant(RoleApprover, agencyB), grant(RoleUpdater, agencyB), grant(RoleApprover, agencyA))
	if got := multi.AgencyIDs(); !reflect.DeepEqual(got, []int64{agencyA, agencyB}) {
		t.Errorf("AgencyIDs = %v, want [A B] without repeats", got)
	}
}

func TestRoleKinds(t *testing.T) {
	for _, tt := range []struct {
		role         Role
		valid, scope bool
	}{
		{RoleAdmin, true, false},
		{RoleCouncil, true, false},
		{RoleUpdater, true, true},
		{RoleApprover, true, true},
		{RoleSystem, false, false},
		{"", false, false},
	} {
		if tt.role.Valid() != tt.valid || tt.role.AgencyScoped() != tt.scope {
			t.Errorf("%q: Valid %v AgencyScoped %v; want %v %v", tt.role, tt.role.Valid(), tt.role.AgencyScoped(), tt.valid, tt.scope)
		}
	}
}

func TestNewToken(t *testing.T) {
	shape := regexp.MustCompile(`^pxt_[A-Za-z0-9_-]{43}$`)
	hexSHA := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	hashes := map[string]bool{}
	for i := 0; i < 200; i++ {
		token, hash, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(token) {
			t.Fatalf("token %q is not pxt_ and 43 base64url characters (256 bits)", token)
		}
		if !hexSHA.MatchString(hash) {
			t.Fatalf("hash %q is not lower-case hex SHA-256", hash)
		}
		if want := fmt.Sprintf("%x", sha256.Sum256([]byte(token))); hash != want || HashToken(token) != want {
			t.Fatalf("hash of %q = %s, want %s", token, hash, want)
		}
		if strings.Contains(hash, token) || seen[token] || hashes[hash] {
			t.Fatalf("token %q repeated or leaked into its hash", token)
		}
		seen[token], hashes[hash] = true, true
	}
}

func TestHashToken(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := HashToken(tt.in); got != tt.want {
			t.Errorf("HashToken(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if HashToken("pxt_a") == HashToken("pxt_A") {
		t.Error("HashToken ignores case")
	}
}
