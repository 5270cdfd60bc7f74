package main

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store/storetest"
)

// exportLine is one `export NAME=VALUE   # comment` line of the demo's output.
var exportLine = regexp.MustCompile(`(?m)^export ([A-Z]+)=(\S+) +# (.*)$`)

// demoExports reads the demo's export lines, checking there is one of each.
func demoExports(t *testing.T, out string) (values, comments map[string]string) {
	t.Helper()
	values, comments = map[string]string{}, map[string]string{}
	for _, m := range exportLine.FindAllStringSubmatch(out, -1) {
		if _, dup := values[m[1]]; dup {
			t.Fatalf("%s is exported twice:\n%s", m[1], out)
		}
		values[m[1]], comments[m[1]] = m[2], m[3]
	}
	for _, name := range []string{"ADMIN", "COUNCIL", "UPDATER", "APPROVER"} {
		if !tokenLine.MatchString(values[name]) {
			t.Fatalf("no token for %s in:\n%s", name, out)
		}
	}
	if _, err := strconv.ParseInt(values["REPORT"], 10, 64); err != nil {
		t.Fatalf("no REPORT id in:\n%s", out)
	}
	if len(values) != 5 {
		t.Fatalf("exports %v, want ADMIN, COUNCIL, UPDATER, APPROVER and REPORT", values)
	}
	return values, comments
}

// demoWorld is what the API shows of the demo.
type demoWorld struct {
	agencies  map[string]int64 // code → id
	kinds     map[string]int   // kind → count
	sets      map[string]int64 // agency kind → set id
	campaigns []struct {
		ID       int64  `json:"id"`
		Year     int    `json:"year"`
		OpensAt  string `json:"opens_at"`
		ClosesAt string `json:"closes_at"`
	}
	reports []reportJSON
}

func readDemo(t *testing.T, admin *testkit.Client) demoWorld {
	t.Helper()
	w := demoWorld{agencies: map[string]int64{}, kinds: map[string]int{}, sets: map[string]int64{}}
	var agencies []struct {
		ID   int64  `json:"id"`
		Code string `json:"code"`
		Kind string `json:"kind"`
	}
	admin.Do(t, "GET", "/api/v1/agencies", nil).Want(t, http.StatusOK, &agencies)
	for _, a := range agencies {
		w.agencies[a.Code] = a.ID
		w.kinds[a.Kind]++
	}
	var sets []struct {
		ID         int64  `json:"id"`
		AgencyKind string `json:"agency_kind"`
	}
	admin.Do(t, "GET", "/api/v1/criteria-sets", nil).Want(t, http.StatusOK, &sets)
	for _, s := range sets {
		if _, dup := w.sets[s.AgencyKind]; dup {
			t.Fatalf("two criteria sets for %s agencies", s.AgencyKind)
		}
		w.sets[s.AgencyKind] = s.ID
	}
	admin.Do(t, "GET", "/api/v1/campaigns", nil).Want(t, http.StatusOK, &w.campaigns)
	admin.Do(t, "GET", "/api/v1/reports", nil).Want(t, http.StatusOK, &w.reports)
	return w
}

// checkDemoWorld checks the demo's shape: both sets, 19 agencies of both
// kinds, one campaign open from a minute before the truncated clock to
// closesIn after it, and one draft report per agency.
func checkDemoWorld(t *testing.T, w demoWorld, opens, closes time.Time) {
	t.Helper()
	if len(w.agencies) != 19 || w.kinds["department"] != 10 || w.kinds["district"] != 9 {
		t.Fatalf("agencies: %d (%v)", len(w.agencies), w.kinds)
	}
	if len(w.sets) != 2 || w.sets["department"] == 0 || w.sets["district"] == 0 {
		t.Fatalf("criteria sets: %v", w.sets)
	}
	if len(w.campaigns) != 1 {
		t.Fatalf("%d campaigns", len(w.campaigns))
	}
	c := w.campaigns[0]
	if c.OpensAt != opens.Format(time.RFC3339) || c.ClosesAt != closes.Format(time.RFC3339) || c.Year != 2026 {
		t.Fatalf("campaign %+v, want open %s to %s", c, opens.Format(time.RFC3339), closes.Format(time.RFC3339))
	}
	perAgency := map[int64]int{}
	for _, r := range w.reports {
		perAgency[r.AgencyID]++
		if r.CampaignID != c.ID || r.Round != 0 || r.Deadline != c.ClosesAt {
			t.Fatalf("report %+v", r)
		}
	}
	for code, id := range w.agencies {
		if perAgency[id] != 1 {
			t.Fatalf("agency %s has %d reports", code, perAgency[id])
		}
	}
}

// checkDemoTokens checks that each printed token is its role's.
func checkDemoTokens(t *testing.T, base string, tokens map[string]string, stp int64) {
	t.Helper()
	for name, want := range map[string]struct{ email, role string }{
		"ADMIN":    {"quantri@demo.example.vn", "admin"},
		"COUNCIL":  {"hoidong@demo.example.vn", "council"},
		"UPDATER":  {"updater.stp@demo.example.vn", "updater"},
		"APPROVER": {"approver.stp@demo.example.vn", "approver"},
	} {
		var me struct {
			Email  string `json:"email"`
			Grants []struct {
				Role     string `json:"role"`
				AgencyID *int64 `json:"agency_id"`
			} `json:"grants"`
		}
		testkit.NewClient(base, tokens[name]).Do(t, "GET", "/api/v1/me", nil).Want(t, http.StatusOK, &me)
		if me.Email != want.email || len(me.Grants) != 1 || me.Grants[0].Role != want.role {
			t.Fatalf("%s's token is %+v", name, me)
		}
		if agency := me.Grants[0].AgencyID; (want.role == "updater" || want.role == "approver") && (agency == nil || *agency != stp) {
			t.Fatalf("%s's grant is for agency %v, want Sở Tư pháp (%d)", name, agency, stp)
		}
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	storetest.Each(t, testDemo)
}

func testDemo(t *testing.T, dialect string) {
	clock := storetest.NewClock(time.Date(2026, 11, 20, 9, 17, 42, 500_000_000, hcm))
	opens, closes := time.Date(2026, 11, 20, 9, 16, 42, 0, hcm), time.Date(2026, 11, 20, 9, 47, 42, 0, hcm) // from now, to the second
	db := storetest.URL(t, dialect)

	// First start: the demo is created.
	m, out := serve(t, clock, nil, "--addr", "127.0.0.1:0", "--db", db, "--demo", "--demo-closes-in", "30m")
	if !strings.Contains(out.String(), "Demo data created.") {
		t.Fatalf("first start printed:\n%s", out)
	}
	first, comments := demoExports(t, out.String())
	admin := testkit.NewClient(m.URL(), first["ADMIN"])
	w := readDemo(t, admin)
	checkDemoWorld(t, w, opens, closes)
	checkDemoTokens(t, m.URL(), first, w.agencies["STP"])
	reportID, _ := strconv.ParseInt(first["REPORT"], 10, 64)
	rep := getReport(t, admin, reportID)
	if rep.AgencyID != w.agencies["STP"] || rep.State != "draft" {
		t.Fatalf("REPORT %d is agency %d's, in %s; want Sở Tư pháp's draft", reportID, rep.AgencyID, rep.State)
	}
	if want := "Sở Tư pháp, closes " + closes.Format(time.RFC3339); comments["REPORT"] != want {
		t.Fatalf("REPORT comment %q, want %q", comments["REPORT"], want)
	}

	// The printed UPDATER token can write an entry on REPORT.
	updater := testkit.NewClient(m.URL(), first["UPDATER"])
	updater.Do(t, "PUT", fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", reportID),
		map[string]any{"self_score": 0.75, "explanation": "Thử nghiệm demo"}).Want(t, http.StatusOK, nil)
	// The other roles' tokens cannot.
	testkit.NewClient(m.URL(), first["APPROVER"]).Do(t, "PUT", fmt.Sprintf("/api/v1/reports/%d/entries/1.1.2", reportID),
		map[string]any{"self_score": 1, "explanation": "x"}).WantProblem(t, http.StatusForbidden)
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	// Second start on the same database, later: nothing is duplicated, the
	// entry is kept, fresh tokens are printed and work.
	clock.Add(10 * time.Minute)
	m2, out2 := serve(t, clock, nil, "--addr", "127.0.0.1:0", "--db", db, "--demo", "--demo-closes-in", "30m")
	if !strings.Contains(out2.String(), "Demo data found") || strings.Contains(out2.String(), "Demo data created") {
		t.Fatalf("second start printed:\n%s", out2)
	}
	second, _ := demoExports(t, out2.String())
	for _, name := range []string{"ADMIN", "COUNCIL", "UPDATER", "APPROVER"} {
		if second[name] == first[name] {
			t.Fatalf("the second start printed the same %s token", name)
		}
	}
	if second["REPORT"] != first["REPORT"] {
		t.Fatalf("REPORT moved from %s to %s", first["REPORT"], second["REPORT"])
	}
	w2 := readDemo(t, testkit.NewClient(m2.URL(), second["ADMIN"]))
	checkDemoWorld(t, w2, opens, closes)
	checkDemoTokens(t, m2.URL(), second, w2.agencies["STP"])
	var users int
	if err := m2.Store().DB().GetContext(context.Background(), &users, `SELECT COUNT(*) FROM users`); err != nil || users != 2+2*19 {
		t.Fatalf("%d users after the second start (%v), want %d", users, err, 2+2*19)
	}
	rep = getReport(t, testkit.NewClient(m2.URL(), second["UPDATER"]), reportID)
	for _, e := range rep.Entries {
		if e.Code == "1.1.1" && string(e.SelfScore) != "0.75" {
			t.Fatalf("entry 1.1.1 after restart: %s", e.SelfScore)
		}
	}
	testkit.NewClient(m2.URL(), second["UPDATER"]).Do(t, "PUT", fmt.Sprintf("/api/v1/reports/%d/entries/1.1.2", reportID),
		map[string]any{"self_score": 1, "explanation": "Hoàn thành 100%"}).Want(t, http.StatusOK, nil)
}

// TestDemoRefusesOtherData: --demo never mixes sample data into a real database.
func TestDemoRefusesOtherData(t *testing.T) {
	t.Parallel()
	db := storetest.URL(t, "sqlite")
	m, _ := serve(t, nil, nil, "--addr", "127.0.0.1:0", "--db", db)
	admin := testkit.NewClient(m.URL(), issueToken(t, nil, db, "admin@snv.example.vn", "--role", "admin"))
	admin.Do(t, "POST", "/api/v1/agencies", map[string]string{"code": "SNV", "name": "Sở Nội vụ", "kind": "department"}).Want(t, http.StatusCreated, nil)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	out, err := run(t, nil, nil, "serve", "--addr", "127.0.0.1:0", "--db", db, "--demo")
	if err == nil || !strings.Contains(err.Error(), "already holds other data") {
		t.Fatalf("--demo on a database with other data: %v", err)
	}
	if strings.Contains(out, "export ") {
		t.Fatalf("a refused demo printed tokens:\n%s", out)
	}

	// The database is untouched: one agency, no campaign.
	m2, _ := serve(t, nil, nil, "--addr", "127.0.0.1:0", "--db", db)
	admin.Base = m2.URL()
	var agencies, campaigns []struct{}
	admin.Do(t, "GET", "/api/v1/agencies", nil).Want(t, http.StatusOK, &agencies)
	admin.Do(t, "GET", "/api/v1/campaigns", nil).Want(t, http.StatusOK, &campaigns)
	if len(agencies) != 1 || len(campaigns) != 0 {
		t.Fatalf("after the refused demo: %d agencies, %d campaigns", len(agencies), len(campaigns))
	}
}
