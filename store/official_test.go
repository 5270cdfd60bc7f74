package store_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"parindex/internal/testkit"
	"parindex/sheet"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// officialsSample parses one of the shared officials samples.
func officialsSample(t *testing.T, name string) []workflow.Official {
	t.Helper()
	rows, err := sheet.Read(bytes.NewReader(testkit.Sample(t, name)), 1<<20, name, "")
	if err != nil {
		t.Fatal(err)
	}
	list, err := workflow.ParseOfficials(rows)
	if err != nil {
		t.Fatalf("%v %v", err, workflow.ErrorFields(err))
	}
	return list
}

// officialsPeople is every user and grant, one line each: what a refused import must
// leave exactly as it was.
func officialsPeople(t *testing.T, s *store.Store) string {
	t.Helper()
	var users []struct {
		ID    int64  `db:"id"`
		Email string `db:"email"`
		Name  string `db:"name"`
		Title string `db:"title"`
	}
	if err := s.DB().Select(&users, `SELECT id, email, name, title FROM users ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, u := range users {
		fmt.Fprintf(&b, "user %d %s %q %q\n", u.ID, u.Email, u.Name, u.Title)
	}
	var grants []struct {
		UserID   int64  `db:"user_id"`
		Role     string `db:"role"`
		AgencyID *int64 `db:"agency_id"`
	}
	if err := s.DB().Select(&grants, `SELECT user_id, role, agency_id FROM grants ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	for _, g := range grants {
		agency := "-"
		if g.AgencyID != nil {
			agency = fmt.Sprint(*g.AgencyID)
		}
		fmt.Fprintf(&b, "grant %d %s %s\n", g.UserID, g.Role, agency)
	}
	return b.String()
}

// officialByEmail reads a user and their grants.
func officialByEmail(t *testing.T, s *store.Store, email string) *workflow.User {
	t.Helper()
	var id int64
	if err := s.DB().Get(&id, s.DB().Rebind(`SELECT id FROM users WHERE email = ?`), email); err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	u, err := s.GetUser(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// grantNames lists a user's grants as "role@agency" (agency 0 for province-wide), sorted.
func grantNames(u *workflow.User) []string {
	var out []string
	for _, g := range u.Grants {
		var a int64
		if g.AgencyID != nil {
			a = *g.AgencyID
		}
		out = append(out, fmt.Sprintf("%s@%d", g.Role, a))
	}
	slices.Sort(out)
	return out
}

func wantImport(t *testing.T, got store.ImportResult, err error, want store.ImportResult) {
	t.Helper()
	if err != nil {
		t.Fatalf("import: %v %v", err, workflow.ErrorFields(err))
	}
	if got.Created != want.Created || got.Updated != want.Updated || got.Unchanged != want.Unchanged {
		t.Fatalf("import counted %+v, want %+v", got, want)
	}
	// The answer names the users it created and updated.
	if len(got.CreatedIDs) != got.Created || len(got.UpdatedIDs) != got.Updated {
		t.Fatalf("import named created %v and updated %v for counts %d and %d", got.CreatedIDs, got.UpdatedIDs, got.Created, got.Updated)
	}
}

func TestImportOfficials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, stp := w.Store, w.Dept.ID
		list := officialsSample(t, "officials-department.csv")

		res, err := s.ImportOfficials(ctx, nil, stp, list, store.Meta{})
		wantImport(t, res, err, store.ImportResult{Created: 4})
		an := officialByEmail(t, s, "an.nv@so-tuphap.example.vn")
		if an.Name != "Nguyễn Văn An" || an.Title != "Phó Giám đốc" || !slices.Equal(grantNames(an), []string{fmt.Sprintf("approver@%d", stp)}) {
			t.Fatalf("imported %+v", an)
		}
		chau := officialByEmail(t, s, "chau.lm@so-tuphap.example.vn")
		if !slices.Equal(grantNames(chau), []string{fmt.Sprintf("updater@%d", stp)}) {
			t.Fatalf("imported %+v", chau)
		}
		if list[0].Row != 2 || list[0].Email != "an.nv@so-tuphap.example.vn" {
			t.Fatalf("the import rewrote the caller's list: %+v", list[0])
		}

		// The same list again changes nothing.
		before := officialsPeople(t, s)
		res, err = s.ImportOfficials(ctx, nil, stp, list, store.Meta{})
		wantImport(t, res, err, store.ImportResult{Unchanged: 4})
		if after := officialsPeople(t, s); after != before {
			t.Fatalf("re-importing the same list changed people:\n%s\n%s", before, after)
		}

		// A new title, a second role, a newcomer, and names typed differently
		// (decomposed, other case in the email) that are the same people.
		next := slices.Clone(list)
		next[0].Title = "Giám đốc"
		next[2].Role = workflow.RoleApprover
		next[3].Name, next[3].Email = nfd(next[3].Name), strings.ToUpper(next[3].Email)
		next = append(next, workflow.Official{Row: 6, Name: "Hoàng Thị Én", Title: "Chuyên viên", Email: "en.ht@so-tuphap.example.vn", Role: workflow.RoleUpdater})
		res, err = s.ImportOfficials(ctx, nil, stp, next, store.Meta{})
		wantImport(t, res, err, store.ImportResult{Created: 1, Updated: 2, Unchanged: 2})
		if an := officialByEmail(t, s, "an.nv@so-tuphap.example.vn"); an.Title != "Giám đốc" {
			t.Errorf("title not updated: %+v", an)
		}
		// Châu keeps the updater grant the list no longer names: an import
		// never removes a grant.
		chau = officialByEmail(t, s, "chau.lm@so-tuphap.example.vn")
		if want := []string{fmt.Sprintf("approver@%d", stp), fmt.Sprintf("updater@%d", stp)}; !slices.Equal(grantNames(chau), want) {
			t.Errorf("Châu has %v, want %v", grantNames(chau), want)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM users WHERE email LIKE ?`, "%so-tuphap%"); n != 5 {
			t.Errorf("%d users of the list, want 5", n)
		}

		// Officials who already hold grants keep them: the other agency's
		// updater, the agency's own updater (now approver too), the admin.
		other, own := w.Dept2.Updater, w.Dept.Updater
		res, err = s.ImportOfficials(ctx, nil, stp, []workflow.Official{
			{Row: 2, Name: "Cán bộ hai đơn vị", Title: "Chuyên viên", Email: other.Email, Role: workflow.RoleUpdater},
			{Row: 3, Name: own.Name, Email: own.Email, Role: workflow.RoleApprover},
			{Row: 4, Name: w.Admin.Name, Email: w.Admin.Email, Role: workflow.RoleApprover},
		}, store.Meta{})
		wantImport(t, res, err, store.ImportResult{Updated: 3})
		for u, want := range map[*workflow.User][]string{
			other:   {fmt.Sprintf("updater@%d", w.Dept2.ID), fmt.Sprintf("updater@%d", stp)},
			own:     {fmt.Sprintf("approver@%d", stp), fmt.Sprintf("updater@%d", stp)},
			w.Admin: {"admin@0", fmt.Sprintf("approver@%d", stp)},
		} {
			slices.Sort(want)
			if got := grantNames(officialByEmail(t, s, u.Email)); !slices.Equal(got, want) {
				t.Errorf("%s has %v, want %v", u.Email, got, want)
			}
		}
		if u := officialByEmail(t, s, other.Email); u.Name != "Cán bộ hai đơn vị" || u.Title != "Chuyên viên" {
			t.Errorf("name and title not taken from the list: %+v", u)
		}
	})
}

func TestImportOfficialsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, stp := w.Store, w.Dept.ID
		if _, err := s.ImportOfficials(ctx, nil, stp, officialsSample(t, "officials-department.csv"), store.Meta{}); err != nil {
			t.Fatal(err)
		}
		before := officialsPeople(t, s)
		users, grants := count(t, s, `SELECT COUNT(*) FROM users`), count(t, s, `SELECT COUNT(*) FROM grants`)
		unchanged := func(what string) {
			t.Helper()
			if after := officialsPeople(t, s); after != before {
				t.Fatalf("%s changed people:\nbefore:\n%s\nafter:\n%s", what, before, after)
			}
			if u, g := count(t, s, `SELECT COUNT(*) FROM users`), count(t, s, `SELECT COUNT(*) FROM grants`); u != users || g != grants {
				t.Fatalf("%s: %d users and %d grants, were %d and %d", what, u, g, users, grants)
			}
		}
		changed := []workflow.Official{
			{Row: 2, Name: "Nguyễn Văn An (mới)", Title: "Giám đốc", Email: "an.nv@so-tuphap.example.vn", Role: workflow.RoleUpdater},
			{Row: 3, Name: "Người mới", Email: "moi@so-tuphap.example.vn", Role: workflow.RoleUpdater},
		}

		// A bad row: nothing of the good ones is stored.
		bad := append(slices.Clone(changed),
			workflow.Official{Row: 4, Name: "", Email: "x@so-tuphap.example.vn", Role: workflow.RoleUpdater},
			workflow.Official{Row: 5, Name: "Hội đồng", Email: "hd@so-tuphap.example.vn", Role: workflow.RoleCouncil},
			workflow.Official{Row: 6, Name: "Lặp", Email: "MOI@so-tuphap.example.vn", Role: workflow.RoleApprover})
		_, err := s.ImportOfficials(ctx, nil, stp, bad, store.Meta{})
		wantCode(t, err, workflow.EINVALID)
		if got, want := fieldNames(err), []string{"rows/4/name", "rows/5/permission", "rows/6/email"}; !slices.Equal(got, want) {
			t.Errorf("fields %v, want %v", got, want)
		}
		unchanged("a list with bad rows")

		// An unknown agency.
		_, err = s.ImportOfficials(ctx, nil, 987654, changed, store.Meta{})
		wantCode(t, err, workflow.ENOTFOUND)
		unchanged("an import into an unknown agency")

		// The database refusing the last row, after the first were written:
		// one transaction, so they are rolled back.
		refuse := map[string][]string{
			store.SQLite: {`CREATE TRIGGER refuse_boom BEFORE INSERT ON users WHEN NEW.email = 'boom@so-tuphap.example.vn'
				BEGIN SELECT RAISE(ABORT, 'refused'); END`},
			store.Postgres: {`CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.email = 'boom@so-tuphap.example.vn' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$`,
				`CREATE TRIGGER refuse_boom BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse_boom()`},
		}
		for _, q := range refuse[dialect] {
			if _, err := s.DB().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		_, err = s.ImportOfficials(ctx, nil, stp, append(slices.Clone(changed),
			workflow.Official{Row: 4, Name: "Boom", Email: "boom@so-tuphap.example.vn", Role: workflow.RoleUpdater}), store.Meta{})
		if err == nil {
			t.Fatal("the refused insert succeeded")
		}
		unchanged("an import the database refused halfway")

		// Still the same list, without the refused row, goes through.
		res, err := s.ImportOfficials(ctx, nil, stp, changed, store.Meta{})
		wantImport(t, res, err, store.ImportResult{Created: 1, Updated: 1})
	})
}

func TestAgencyByCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		a, err := w.Store.AgencyByCode(ctx, " STP ")
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != w.Dept.ID || a.Name != "Sở Tư pháp" || a.Kind != workflow.KindDepartment {
			t.Fatalf("AgencyByCode(STP) = %+v", a)
		}
		_, err = w.Store.AgencyByCode(ctx, "NOPE")
		wantCode(t, err, workflow.ENOTFOUND)
	})
}
