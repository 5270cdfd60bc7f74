package store_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

const racers = 50

// race runs fn(i) for i in [0, racers) in goroutines released together and
// returns their errors.
func race(fn func(i int) error) []error {
	errs := make([]error, racers)
	startGun := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGun
			errs[i] = fn(i)
		}()
	}
	close(startGun)
	wg.Wait()
	return errs
}

// TestConcurrentTransitions: approve and reopen race on one entered report;
// the guarded UPDATE lets exactly one through.
func TestConcurrentTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		walk(t, w, a, workflow.StateEntered)
		before := w.Report(t, a)
		history := count(t, s, `SELECT COUNT(*) FROM history WHERE report_id = ?`, a.ReportID)

		events := make([]workflow.Event, racers)
		errs := race(func(i int) error {
			u, ev := a.Approver, workflow.EventApprove
			if i%2 == 1 {
				u, ev = a.Updater, workflow.EventReopen
			}
			events[i] = ev
			_, err := s.Transition(ctx, u, a.ReportID, workflow.TransitionRequest{Event: ev}, nil, store.Meta{RequestID: fmt.Sprintf("racer-%d", i)})
			return err
		})
		var winners []int
		for i, err := range errs {
			switch workflow.ErrorCode(err) {
			case "":
				winners = append(winners, i)
			case workflow.ECONFLICT:
			default:
				t.Errorf("racer %d (%s): %v, want success or %s", i, events[i], err, workflow.ECONFLICT)
			}
		}
		if len(winners) != 1 {
			t.Fatalf("%d transitions succeeded (%v), want exactly 1", len(winners), winners)
		}
		win := winners[0]

		if n := count(t, s, `SELECT COUNT(*) FROM history WHERE report_id = ?`, a.ReportID); n != history+1 {
			t.Fatalf("%d new history rows, want 1", n-history)
		}
		h := lastHistory(t, w, a)
		if h.Event != string(events[win]) || h.RequestID != fmt.Sprintf("racer-%d", win) || h.From != workflow.StateEntered {
			t.Fatalf("history row %s does not match the winner %d (%s)", historyString([]store.HistoryEntry{h}), win, events[win])
		}
		after := w.Report(t, a)
		if after.State != h.To || after.Version != before.Version+1 {
			t.Fatalf("report %s version %d; history says %s, want version %d", after.State, after.Version, h.To, before.Version+1)
		}
	})
}

// TestConcurrentEntryWrites: racers write one leaf; no write may be lost:
// every success left exactly one revision, chained old → new.
func TestConcurrentEntryWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		const code = "1.4" // max 1.5, step 0.25
		w.Put(t, a, code, "0", "ban đầu")
		before := w.Report(t, a).Version
		revisions := count(t, s, `SELECT COUNT(*) FROM entry_revisions WHERE report_id = ?`, a.ReportID)

		explanation := func(i int) string { return fmt.Sprintf("giá trị %d", i) }
		versions := make([]int64, racers)
		errs := race(func(i int) error {
			score := workflow.Points(i%7) * 25
			_, v, err := s.PutEntry(ctx, a.Updater, a.ReportID, code, workflow.EntryValue{SelfScore: &score, Explanation: explanation(i)}, nil, store.Meta{})
			versions[i] = v
			return err
		})
		succeeded := map[string]bool{}
		var won []int64
		for i, err := range errs {
			switch workflow.ErrorCode(err) {
			case "":
				succeeded[explanation(i)] = true
				won = append(won, versions[i])
			case workflow.ECONFLICT:
			default:
				t.Errorf("writer %d: %v, want success or %s", i, err, workflow.ECONFLICT)
			}
		}
		if len(succeeded) == 0 {
			t.Fatal("no write succeeded")
		}
		t.Logf("%s: %d of %d writes succeeded", dialect, len(succeeded), racers)

		r := w.Report(t, a)
		if r.Version != before+int64(len(succeeded)) {
			t.Fatalf("version %d, want %d + %d successes", r.Version, before, len(succeeded))
		}
		// Each success reports the version it made: all different, no gaps.
		if !consecutive(won, before+1) {
			t.Fatalf("successful writes returned versions %v, want each of %d..%d once", won, before+1, r.Version)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM entry_revisions WHERE report_id = ?`, a.ReportID); n != revisions+len(succeeded) {
			t.Fatalf("%d new revisions for %d successful writes", n-revisions, len(succeeded))
		}
		revs, err := s.Revisions(ctx, a.Updater, a.ReportID, code)
		if err != nil {
			t.Fatal(err)
		}
		revs = revs[1:] // the setup's
		prev := "ban đầu"
		for _, rev := range revs {
			if !succeeded[rev.NewExplanation] {
				t.Fatalf("revision for %q, which did not succeed", rev.NewExplanation)
			}
			delete(succeeded, rev.NewExplanation)
			if rev.OldExplanation != prev {
				t.Fatalf("revision %q → %q, but the value before it was %q: a write was lost", rev.OldExplanation, rev.NewExplanation, prev)
			}
			prev = rev.NewExplanation
		}
		if len(succeeded) != 0 {
			t.Fatalf("successful writes without a revision: %v", succeeded)
		}
		if e := entryOf(t, r, code); e.Explanation != prev {
			t.Fatalf("the entry holds %q, the last revision %q", e.Explanation, prev)
		}
	})
}

// consecutive reports whether vs holds each of first, first+1, ... exactly once.
func consecutive(vs []int64, first int64) bool {
	sorted := slices.Clone(vs)
	slices.Sort(sorted)
	for i, v := range sorted {
		if v != first+int64(i) {
			return false
		}
	}
	return true
}

// TestConcurrentEntryWritesAndComplete: writes race complete on a filled
// draft; once complete has moved the report on, no write may land.
func TestConcurrentEntryWritesAndComplete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		w.FillEntries(t, a)
		before := w.Report(t, a).Version

		versions := make([]int64, racers)
		errs := race(func(i int) error {
			if i%2 == 0 {
				r, err := s.Transition(ctx, a.Updater, a.ReportID, workflow.TransitionRequest{Event: workflow.EventComplete}, nil, store.Meta{})
				if err == nil {
					versions[i] = r.Version
				}
				return err
			}
			_, v, err := s.PutEntry(ctx, a.Updater, a.ReportID, "1.3", workflow.EntryValue{SelfScore: pts(t, "1"), Explanation: fmt.Sprintf("lần %d", i)}, nil, store.Meta{})
			versions[i] = v
			return err
		})
		completed := int64(0)
		var won []int64
		for i, err := range errs {
			switch workflow.ErrorCode(err) {
			case "":
				won = append(won, versions[i])
				if i%2 == 0 {
					if completed != 0 {
						t.Fatalf("complete succeeded twice")
					}
					completed = versions[i]
				}
			case workflow.ECONFLICT:
			default:
				t.Errorf("racer %d: %v, want success or %s", i, err, workflow.ECONFLICT)
			}
		}
		r := w.Report(t, a)
		if r.Version != before+int64(len(won)) || !consecutive(won, before+1) {
			t.Fatalf("version %d after %d successes from %d; returned versions %v", r.Version, len(won), before, won)
		}
		if completed == 0 {
			if r.State != workflow.StateDraft {
				t.Fatalf("state %s, but no complete succeeded", r.State)
			}
			return
		}
		if r.State != workflow.StateEntered || completed != r.Version {
			t.Fatalf("complete made version %d; the report is %s at version %d: a write landed after it", completed, r.State, r.Version)
		}
	})
}

// TestConcurrentIfMatch: racers all send If-Match with the same version;
// exactly one wins and every other one is told its version is stale (412),
// whether it read before or after the winner committed.
func TestConcurrentIfMatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		seen := w.Report(t, a).Version

		errs := race(func(i int) error {
			ifMatch := seen
			_, _, err := s.PutEntry(ctx, a.Updater, a.ReportID, "2.1", workflow.EntryValue{SelfScore: pts(t, "2"), Explanation: fmt.Sprintf("người %d", i)}, &ifMatch, store.Meta{})
			return err
		})
		wins := 0
		for i, err := range errs {
			switch workflow.ErrorCode(err) {
			case "":
				wins++
			case workflow.EPRECONDITION:
			default:
				t.Errorf("writer %d: %v, want success or %s", i, err, workflow.EPRECONDITION)
			}
		}
		if wins != 1 {
			t.Fatalf("%d writes with If-Match %d succeeded, want 1", wins, seen)
		}
		if r := w.Report(t, a); r.Version != seen+1 {
			t.Fatalf("version %d, want %d", r.Version, seen+1)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM entry_revisions WHERE report_id = ?`, a.ReportID); n != 1 {
			t.Fatalf("%d revisions, want 1", n)
		}
	})
}

// TestCampaignFreezeRacesReplace: an admin replaces a set (turning it into a
// district set) while another creates a department campaign with it. Either
// the replace comes first and the campaign is refused, or the campaign
// freezes the set first and the replace is refused; never a department
// campaign on a district set.
func TestCampaignFreezeRacesReplace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		s := storetest.Open(t, dialect, storetest.NewClock(start))
		admin := storetest.MustUser(t, s, "admin@x.vn", workflow.Grant{Role: workflow.RoleAdmin})
		storetest.MustAgency(t, s, "STP", "Sở Tư pháp", workflow.KindDepartment)
		outcomes := map[string]int{}
		for i := range 30 {
			set := smallSet(t, fmt.Sprintf("SET-%d", i), "1")
			if err := s.CreateCriteriaSet(ctx, nil, set, store.Meta{}); err != nil {
				t.Fatal(err)
			}
			next := smallSet(t, fmt.Sprintf("SET-%d", i), "1")
			next.AgencyKind = workflow.KindDistrict
			c := &workflow.Campaign{Name: fmt.Sprintf("Đợt %d", i), Year: 2026, OpensAt: start, ClosesAt: start.Add(24 * time.Hour),
				CriteriaSets: map[workflow.AgencyKind]int64{workflow.KindDepartment: set.ID}}
			var errReplace, errCampaign error
			var wg sync.WaitGroup
			gun := make(chan struct{})
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-gun
				errReplace = s.ReplaceCriteriaSet(ctx, nil, set.ID, next, store.Meta{})
			}()
			go func() { defer wg.Done(); <-gun; errCampaign = s.CreateCampaign(ctx, c, admin, store.Meta{}) }()
			close(gun)
			wg.Wait()

			got, err := s.GetCriteriaSet(ctx, set.ID)
			if err != nil {
				t.Fatal(err)
			}
			switch r, c := workflow.ErrorCode(errReplace), workflow.ErrorCode(errCampaign); {
			case r == "" && c == workflow.EINVALID && got.AgencyKind == workflow.KindDistrict && !got.Frozen:
				outcomes["replace first"]++
			case r == workflow.ECONFLICT && c == "" && got.AgencyKind == workflow.KindDepartment && got.Frozen:
				outcomes["campaign first"]++
			default:
				t.Fatalf("try %d: replace %v, campaign %v; the set is now %s, frozen=%v", i, errReplace, errCampaign, got.AgencyKind, got.Frozen)
			}
		}
		t.Logf("%s: %v", dialect, outcomes)
	})
}
