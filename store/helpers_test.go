package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// start is where every test's clock begins; the world's campaign is open
// from a day before to a day after.
var start = time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC) // 09:00 in the province

var ctx = context.Background()

// hcm is the province's zone; clocks and deadlines given in it must compare
// as the same instants as in UTC.
var hcm = func() *time.Location {
	loc, err := time.LoadLocation(workflow.DefaultZone)
	if err != nil {
		panic(err)
	}
	return loc
}()

// newWorld builds the sample province on a fresh database of the dialect.
func newWorld(t *testing.T, dialect string) *storetest.World {
	t.Helper()
	clock := storetest.NewClock(start)
	return storetest.NewWorld(t, storetest.Open(t, dialect, clock), clock)
}

// wantCode is storetest.WantCode, short.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	storetest.WantCode(t, err, code)
}

// count is storetest.Count, short.
func count(t testing.TB, s *store.Store, query string, args ...any) int {
	t.Helper()
	return storetest.Count(t, s, query, args...)
}

// pts parses a decimal into points.
func pts(t testing.TB, s string) *workflow.Points {
	t.Helper()
	p := storetest.MustPoints(t, s)
	return &p
}

// nfd returns s decomposed, as some keyboards and exports send Vietnamese.
func nfd(s string) string {
	d := norm.NFD.String(s)
	if d == s {
		panic("nfd: " + s + " has nothing to decompose")
	}
	return d
}

// fieldNames lists the Field of every field error of err.
func fieldNames(err error) []string {
	var out []string
	for _, f := range workflow.ErrorFields(err) {
		out = append(out, f.Field)
	}
	return out
}

// snapshot is everything a refused write must leave alone: the report row,
// its entries, revisions, exemptions and history.
func snapshot(t testing.TB, s *store.Store, reportID int64) string {
	t.Helper()
	var b strings.Builder
	var row struct {
		State   string `db:"state"`
		Round   int    `db:"round"`
		Version int64  `db:"version"`
	}
	if err := s.DB().Get(&row, s.DB().Rebind(`SELECT state, round, version FROM reports WHERE id = ?`), reportID); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	fmt.Fprintf(&b, "report state=%s round=%d version=%d\n", row.State, row.Round, row.Version)
	entries := []struct {
		Code        string           `db:"code"`
		SelfScore   *workflow.Points `db:"self_score"`
		Explanation string           `db:"explanation"`
		Round       int              `db:"round"`
	}{}
	if err := s.DB().Select(&entries, s.DB().Rebind(`SELECT code, self_score, explanation, round FROM entries WHERE report_id = ? ORDER BY code`), reportID); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	for _, e := range entries {
		fmt.Fprintf(&b, "entry %s score=%s explanation=%q round=%d\n", e.Code, pointsString(e.SelfScore), e.Explanation, e.Round)
	}
	for _, table := range []string{"entry_revisions", "exemptions", "history", "report_rounds"} {
		fmt.Fprintf(&b, "%s=%d\n", table, count(t, s, `SELECT COUNT(*) FROM `+table+` WHERE report_id = ?`, reportID))
	}
	return b.String()
}

// unchanged fails the test when the report differs from the snapshot.
func unchanged(t testing.TB, s *store.Store, reportID int64, before, what string) {
	t.Helper()
	if after := snapshot(t, s, reportID); after != before {
		t.Fatalf("%s changed the report:\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

// fire fires an event with optional meta and returns the error.
func fire(w *storetest.World, u *workflow.User, a *storetest.Agency, ev workflow.Event, reason string) error {
	_, err := w.Store.Transition(ctx, u, a.ReportID, workflow.TransitionRequest{Event: ev, Reason: reason}, nil, store.Meta{})
	return err
}

// walk moves the agency's report from draft to the state along the main path.
func walk(t *testing.T, w *storetest.World, a *storetest.Agency, to workflow.State) {
	t.Helper()
	steps := []struct {
		state workflow.State
		by    *workflow.User
		ev    workflow.Event
	}{
		{workflow.StateEntered, a.Updater, workflow.EventComplete},
		{workflow.StateReviewed, a.Approver, workflow.EventApprove},
		{workflow.StateSigned, a.Approver, workflow.EventSign},
		{workflow.StateSubmitted, a.Approver, workflow.EventSubmit},
	}
	if to == workflow.StateDraft {
		return
	}
	w.FillEntries(t, a)
	for _, st := range steps {
		w.Fire(t, st.by, a, st.ev, "")
		if st.state == to {
			return
		}
	}
	t.Fatalf("walk: cannot reach %s", to)
}

// replicas opens two store handles on one fresh, migrated database, as two
// replicas of the service would, sharing one settable clock.
func replicas(t *testing.T, dialect string) (*storetest.Clock, *store.Store, *store.Store) {
	t.Helper()
	clock := storetest.NewClock(start)
	url := storetest.URL(t, dialect)
	s1 := storetest.OpenURL(t, url, clock)
	if _, err := s1.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	return clock, s1, storetest.OpenURL(t, url, clock)
}

// eachReplica picks s1 for even goroutines and s2 for odd ones.
func eachReplica(i int, s1, s2 *store.Store) *store.Store {
	if i%2 == 1 {
		return s2
	}
	return s1
}
