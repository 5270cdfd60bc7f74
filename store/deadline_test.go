package store_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// The deadline is data: LockDue compares every report's deadline in force
// (its own extension, else its round's, else its campaign's) with the store's
// clock in one guarded statement. These tests move the clock; nothing waits.

// lockDue runs one sweep and fails the test on error.
func lockDue(t testing.TB, s *store.Store) []int64 {
	t.Helper()
	res, err := s.LockDue(ctx)
	if err != nil {
		t.Fatalf("lock sweep at %s: %v", s.Now().Format(time.RFC3339Nano), err)
	}
	if res.Skipped {
		t.Fatalf("a lone sweep was skipped")
	}
	return res.Locked
}

// locks returns a report's lock rows of history.
func locks(t testing.TB, w *storetest.World, reportID int64) []store.HistoryEntry {
	t.Helper()
	h, err := w.Store.History(ctx, w.Admin, reportID)
	if err != nil {
		t.Fatalf("history of %d: %v", reportID, err)
	}
	var out []store.HistoryEntry
	for _, e := range h {
		if e.Event == string(workflow.EventLock) {
			out = append(out, e)
		}
	}
	return out
}

// wantLocked checks that the report is locked from the state, with exactly n
// lock rows in its history, the last one by the system at the instant.
func wantLocked(t testing.TB, w *storetest.World, reportID int64, from workflow.State, n int, at time.Time) {
	t.Helper()
	r, err := w.Store.GetReport(ctx, w.Admin, reportID)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != workflow.StateLocked || r.LockedFrom != from {
		t.Fatalf("report %d is %s locked from %q, want locked from %s", reportID, r.State, r.LockedFrom, from)
	}
	rows := locks(t, w, reportID)
	if len(rows) != n {
		t.Fatalf("report %d has %d lock rows, want %d: %s", reportID, len(rows), n, historyString(rows))
	}
	last := rows[n-1]
	if last.Actor != nil || last.Role != workflow.RoleSystem || last.From != from || last.To != workflow.StateLocked || !last.At.Equal(at) {
		t.Fatalf("report %d lock row %s, want by the system (actor null) from %s at %s", reportID, historyString(rows[n-1:]), from, at.Format(time.RFC3339Nano))
	}
}

// wantState checks a report's state and deadline in force.
func wantState(t testing.TB, w *storetest.World, reportID int64, state workflow.State, closes time.Time) *workflow.Report {
	t.Helper()
	r, err := w.Store.GetReport(ctx, w.Admin, reportID)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != state || !r.ClosesAt.Equal(closes) {
		t.Fatalf("report %d: %s closing %s, want %s closing %s", reportID, r.State, r.ClosesAt.Format(time.RFC3339Nano), state, closes.Format(time.RFC3339Nano))
	}
	return r
}

// outboxEvent is one row of the outbox as a test reads it.
type outboxEvent struct {
	ID        int64  `db:"id"`
	Kind      string `db:"kind"`
	ReportIDs string `db:"report_ids"`
	Data      string `db:"data"`
}

// events returns the outbox events after id, oldest first.
func events(t testing.TB, s *store.Store, after int64) []outboxEvent {
	t.Helper()
	var out []outboxEvent
	if err := s.DB().Select(&out, s.DB().Rebind(`SELECT id, kind, report_ids, data FROM outbox WHERE id > ? ORDER BY id`), after); err != nil {
		t.Fatal(err)
	}
	return out
}

// lastEvent is the newest outbox event's id, 0 for none.
func lastEvent(t testing.TB, s *store.Store) int64 {
	t.Helper()
	return int64(count(t, s, `SELECT COALESCE(MAX(id), 0) FROM outbox`))
}

// wantEvents checks the kinds and report ids of the events after id and
// returns their data.
func wantEvents(t testing.TB, s *store.Store, after int64, want ...string) []map[string]any {
	t.Helper()
	got := events(t, s, after)
	var kinds []string
	var data []map[string]any
	for _, e := range got {
		var ids []int64
		if err := json.Unmarshal([]byte(e.ReportIDs), &ids); err != nil {
			t.Fatalf("event %d report_ids %q: %v", e.ID, e.ReportIDs, err)
		}
		kinds = append(kinds, fmt.Sprintf("%s %v", e.Kind, ids))
		var d map[string]any
		if err := json.Unmarshal([]byte(e.Data), &d); err != nil {
			t.Fatalf("event %d data %q: %v", e.ID, e.Data, err)
		}
		data = append(data, d)
	}
	if !slices.Equal(kinds, want) {
		t.Fatalf("outbox events %q, want %q", kinds, want)
	}
	return data
}

// extend fires extend as u with the report's new deadline.
func extend(w *storetest.World, u *workflow.User, reportID int64, closes time.Time, reason string) (*workflow.Report, error) {
	return w.Store.Transition(ctx, u, reportID, workflow.TransitionRequest{Event: workflow.EventExtend, Reason: reason},
		&workflow.RoundRequest{ClosesAt: closes}, store.Meta{})
}

// TestLockDueAtTheDeadline: 1 ms before the deadline nothing is locked, at
// the deadline every report not submitted is, 1 ms later nothing more; the
// same holds for a deadline set by extend and for a round's deadline.
func TestLockDueAtTheDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store
		walk(t, w, w.Dept, workflow.StateEntered)
		walk(t, w, w.Dept2, workflow.StateSubmitted)
		closes := w.Campaign.ClosesAt
		mark := lastEvent(t, s)
		versions := map[int64]int64{}
		for _, a := range []*storetest.Agency{w.Dept, w.District} {
			versions[a.ReportID] = w.Report(t, a).Version
		}
		locked := []int64{w.Dept.ReportID, w.District.ReportID}

		testkit.Step(t, "1 ms before the deadline the sweep locks nothing", func(t *testing.T) {
			w.Clock.Set(closes.Add(-time.Millisecond))
			if got := lockDue(t, s); len(got) != 0 {
				t.Fatalf("1 ms before the deadline the sweep locked %v", got)
			}
			wantState(t, w, w.Dept.ReportID, workflow.StateEntered, closes)
		})

		testkit.Step(t, "at the deadline the sweep locks every report not submitted, in one event", func(t *testing.T) {
			w.Clock.Set(closes)
			if got := lockDue(t, s); !slices.Equal(got, locked) {
				t.Fatalf("at the deadline the sweep locked %v, want %v", got, locked)
			}
			wantLocked(t, w, w.Dept.ReportID, workflow.StateEntered, 1, closes)
			wantLocked(t, w, w.District.ReportID, workflow.StateDraft, 1, closes)
			for id, v := range versions {
				if r, _ := s.GetReport(ctx, w.Admin, id); r.Version != v+1 {
					t.Fatalf("report %d version %d after the lock, want %d", id, r.Version, v+1)
				}
			}
			wantState(t, w, w.Dept2.ReportID, workflow.StateSubmitted, closes)
			if n := len(locks(t, w, w.Dept2.ReportID)); n != 0 {
				t.Fatalf("the submitted report has %d lock rows", n)
			}
			// One event for the whole sweep, written in its transaction, with
			// the round and the deadline the messages name.
			data := wantEvents(t, s, mark, fmt.Sprintf("locked %v", locked))
			wantEventData(t, data[0], 0, closes)
		})

		testkit.Step(t, "1 ms later, and much later, the sweep changes nothing", func(t *testing.T) {
			for _, at := range []time.Time{closes.Add(time.Millisecond), closes.Add(time.Hour), closes.AddDate(1, 0, 0)} {
				w.Clock.Set(at)
				if got := lockDue(t, s); len(got) != 0 {
					t.Fatalf("at %s the sweep locked %v again", at.Format(time.RFC3339Nano), got)
				}
			}
			wantLocked(t, w, w.Dept.ReportID, workflow.StateEntered, 1, closes)
			wantLocked(t, w, w.District.ReportID, workflow.StateDraft, 1, closes)
			wantEvents(t, s, mark, fmt.Sprintf("locked %v", locked))
		})

		// extend: the council or an admin reopens a locked report with its
		// own deadline, an hour after the campaign closed.
		w.Clock.Set(closes.Add(time.Hour))
		now := w.Clock.Now()
		ext, ext2 := now.Add(2*time.Hour), now.Add(3*time.Hour)

		testkit.Step(t, "extend is the council's and admins', with a reason and a deadline ahead, on a locked report", func(t *testing.T) {
			before := snapshot(t, s, w.Dept.ReportID)
			for _, tc := range []struct {
				name   string
				u      *workflow.User
				closes time.Time
				reason string
				want   string
			}{
				{"updater", w.Dept.Updater, ext, "Sự cố", workflow.EFORBIDDEN},
				{"approver", w.Dept.Approver, ext, "Sự cố", workflow.EFORBIDDEN},
				{"no reason", w.Council, ext, "", workflow.EINVALID},
				{"blank reason", w.Council, ext, "   ", workflow.EINVALID},
				{"no closes_at", w.Council, time.Time{}, "Sự cố", workflow.EINVALID},
				{"closes_at now", w.Council, now, "Sự cố", workflow.EINVALID},
				{"closes_at past", w.Council, now.Add(-time.Minute), "Sự cố", workflow.EINVALID},
			} {
				var err error
				if tc.closes.IsZero() {
					_, err = s.Transition(ctx, tc.u, w.Dept.ReportID, workflow.TransitionRequest{Event: workflow.EventExtend, Reason: tc.reason}, nil, store.Meta{})
				} else {
					_, err = extend(w, tc.u, w.Dept.ReportID, tc.closes, tc.reason)
				}
				if workflow.ErrorCode(err) != tc.want {
					t.Fatalf("%s: %v, want %s", tc.name, err, tc.want)
				}
				unchanged(t, s, w.Dept.ReportID, before, "extend by "+tc.name)
			}
			// Only a locked report can be extended.
			before = snapshot(t, s, w.Dept2.ReportID)
			_, err := extend(w, w.Council, w.Dept2.ReportID, ext, "Sự cố")
			wantCode(t, err, workflow.ECONFLICT)
			unchanged(t, s, w.Dept2.ReportID, before, "extend on a submitted report")
		})

		testkit.Step(t, "an extended report returns to the state it was locked from, with its own deadline and a history row", func(t *testing.T) {
			mark = lastEvent(t, s)
			r, err := extend(w, w.Council, w.Dept.ReportID, ext, "Sự cố mạng ngày cuối")
			if err != nil {
				t.Fatal(err)
			}
			if r.State != workflow.StateEntered {
				t.Fatalf("extend led to %s, want entered (the state it was locked from)", r.State)
			}
			got := wantState(t, w, w.Dept.ReportID, workflow.StateEntered, ext)
			if got.LockedFrom != "" {
				t.Fatalf("an extended report still says locked from %q", got.LockedFrom)
			}
			h := lastHistory(t, w, w.Dept)
			if h.Event != "extend" || h.Actor == nil || h.Actor.ID != w.Council.ID || h.From != workflow.StateLocked || h.To != workflow.StateEntered ||
				h.Reason != "Sự cố mạng ngày cuối" || h.ClosesAt == nil || !h.ClosesAt.Equal(ext) {
				t.Fatalf("extend history %s", historyString([]store.HistoryEntry{h}))
			}
			if _, err := extend(w, w.Admin, w.District.ReportID, ext2, "Đơn vị đề nghị"); err != nil {
				t.Fatalf("admin extends: %v", err)
			}
			wantState(t, w, w.District.ReportID, workflow.StateDraft, ext2)
			data := wantEvents(t, s, mark, fmt.Sprintf("extended [%d]", w.Dept.ReportID), fmt.Sprintf("extended [%d]", w.District.ReportID))
			if data[0]["closes_at"] == nil || data[0]["reason"] != "Sự cố mạng ngày cuối" {
				t.Fatalf("extended event data %v", data[0])
			}
		})

		testkit.Step(t, "the extension opens the window for that report only", func(t *testing.T) {
			w.Put(t, w.District, "1.3", "1", "Bổ sung sau gia hạn")
			_, _, err := s.PutEntry(ctx, w.Dept2.Updater, w.Dept2.ReportID, "1.3", workflow.EntryValue{SelfScore: pts(t, "1")}, nil, store.Meta{})
			wantCode(t, err, workflow.ELOCKED)
		})

		testkit.Step(t, "the sweep holds each extended report to its own deadline, to the millisecond", func(t *testing.T) {
			w.Clock.Set(ext.Add(-time.Millisecond))
			if got := lockDue(t, s); len(got) != 0 {
				t.Fatalf("1 ms before the extended deadline the sweep locked %v", got)
			}
			w.Clock.Set(ext)
			if got := lockDue(t, s); !slices.Equal(got, []int64{w.Dept.ReportID}) {
				t.Fatalf("at the extended deadline the sweep locked %v, want only %d", got, w.Dept.ReportID)
			}
			wantLocked(t, w, w.Dept.ReportID, workflow.StateEntered, 2, ext)
			wantState(t, w, w.District.ReportID, workflow.StateDraft, ext2)
			w.Clock.Set(ext.Add(time.Millisecond))
			if got := lockDue(t, s); len(got) != 0 {
				t.Fatalf("1 ms after the extended deadline the sweep locked %v", got)
			}
			w.Clock.Set(ext2)
			if got := lockDue(t, s); !slices.Equal(got, []int64{w.District.ReportID}) {
				t.Fatalf("at the second extended deadline the sweep locked %v", got)
			}
			wantLocked(t, w, w.District.ReportID, workflow.StateDraft, 2, ext2)
		})

		testkit.Step(t, "a round's deadline replaces the extension, and the sweep holds to it", func(t *testing.T) {
			// Dept (locked) and Dept2 (submitted) get round 1 until roundCloses.
			w.Clock.Add(time.Hour)
			roundCloses := w.Clock.Now().Add(48 * time.Hour)
			res, err := s.OpenCampaignRound(ctx, w.Council, w.Campaign.ID, workflow.RoundRequest{OpensAt: w.Clock.Now(), ClosesAt: roundCloses,
				AgencyIDs: []int64{w.Dept.ID, w.Dept2.ID}}, store.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Opened, []int64{w.Dept.ReportID, w.Dept2.ReportID}) {
				t.Fatalf("round opened %v", res.Opened)
			}
			wantState(t, w, w.Dept.ReportID, workflow.StateDraft, roundCloses)
			wantState(t, w, w.Dept2.ReportID, workflow.StateDraft, roundCloses)
			w.Clock.Set(roundCloses.Add(-time.Millisecond))
			if got := lockDue(t, s); len(got) != 0 {
				t.Fatalf("1 ms before the round's deadline the sweep locked %v", got)
			}
			w.Clock.Set(roundCloses)
			mark = lastEvent(t, s)
			if got := lockDue(t, s); !slices.Equal(got, []int64{w.Dept.ReportID, w.Dept2.ReportID}) {
				t.Fatalf("at the round's deadline the sweep locked %v", got)
			}
			data := wantEvents(t, s, mark, fmt.Sprintf("locked %v", []int64{w.Dept.ReportID, w.Dept2.ReportID}))
			wantEventData(t, data[0], 1, roundCloses)
			wantLocked(t, w, w.Dept.ReportID, workflow.StateDraft, 3, roundCloses)
			wantLocked(t, w, w.Dept2.ReportID, workflow.StateDraft, 1, roundCloses)
			if rows := locks(t, w, w.Dept2.ReportID); rows[0].Round != 1 {
				t.Fatalf("round-1 lock recorded round %d", rows[0].Round)
			}
			w.Clock.Set(roundCloses.Add(time.Millisecond))
			if got := lockDue(t, s); len(got) != 0 {
				t.Fatalf("1 ms after the round's deadline the sweep locked %v", got)
			}
		})
	})
}

// wantEventData checks a locked event's round and deadline.
func wantEventData(t testing.TB, data map[string]any, round int, closes time.Time) {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(data["closes_at"]))
	if data["round"] != float64(round) || err != nil || !at.Equal(closes) {
		t.Fatalf("event data %v, want round %d closing %s", data, round, closes.Format(time.RFC3339Nano))
	}
}

// TestLockDueLateSweep: a sweep that wakes after several deadlines locks all
// their reports at once and writes one event per deadline, so that each
// message names its own.
func TestLockDueLateSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store
		early := start.Add(time.Hour)
		_, other := w.NewCampaign(t, "Đợt sớm", start.Add(-time.Hour), early)
		mark := lastEvent(t, s)
		w.Clock.Set(w.Campaign.ClosesAt.Add(time.Hour))
		got := lockDue(t, s)
		if len(got) != 6 || !slices.IsSorted(got) {
			t.Fatalf("the late sweep locked %v, want the 6 reports in order", got)
		}
		earlyIDs := []int64{other[w.Dept.ID], other[w.Dept2.ID], other[w.District.ID]}
		slices.Sort(earlyIDs)
		lateIDs := []int64{w.Dept.ReportID, w.Dept2.ReportID, w.District.ReportID}
		evs := events(t, s, mark)
		if len(evs) != 2 {
			t.Fatalf("%d events, want one per deadline: %+v", len(evs), evs)
		}
		for _, e := range evs {
			var ids []int64
			var data map[string]any
			json.Unmarshal([]byte(e.ReportIDs), &ids)
			json.Unmarshal([]byte(e.Data), &data)
			switch {
			case e.Kind == store.KindLocked && slices.Equal(ids, earlyIDs):
				wantEventData(t, data, 0, early)
			case e.Kind == store.KindLocked && slices.Equal(ids, lateIDs):
				wantEventData(t, data, 0, w.Campaign.ClosesAt)
			default:
				t.Fatalf("event %s %v %s", e.Kind, ids, e.Data)
			}
		}
		for _, id := range append(earlyIDs, lateIDs...) {
			if n := count(t, s, `SELECT COUNT(*) FROM history WHERE report_id = ? AND event = 'lock' AND at = ?`, id, dbTime(s, w.Clock.Now())); n != 1 {
				t.Fatalf("report %d has %d lock rows at the sweep's time", id, n)
			}
		}
	})
}

// TestLockDueConcurrent: 20 sweeps at once, over two store handles on the
// same database (two replicas), lock each report exactly once.
func TestLockDueConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		clock, s1, s2 := replicas(t, dialect)
		w := storetest.NewWorld(t, s1, clock)
		for i := range 30 {
			a := &workflow.Agency{Code: fmt.Sprintf("SO%02d", i), Name: fmt.Sprintf("Sở số %d", i), Kind: workflow.KindDepartment}
			if err := s1.CreateAgency(ctx, nil, a, store.Meta{}); err != nil {
				t.Fatal(err)
			}
		}
		closes := start.Add(time.Hour)
		_, reports := w.NewCampaign(t, "Đợt kiểm tra khóa", start.Add(-time.Hour), closes)
		if len(reports) != 33 {
			t.Fatalf("%d reports", len(reports))
		}
		clock.Set(closes.Add(time.Second))

		const sweepers = 20
		results := make([]store.SweepResult, sweepers)
		errs := make([]error, sweepers)
		gun := make(chan struct{})
		var wg sync.WaitGroup
		for i := range sweepers {
			wg.Go(func() {
				<-gun
				s := eachReplica(i, s1, s2)
				results[i], errs[i] = s.LockDue(ctx)
			})
		}
		close(gun)
		wg.Wait()

		seen := map[int64]int{}
		skipped := 0
		for i, res := range results {
			if errs[i] != nil {
				t.Fatalf("sweep %d: %v", i, errs[i])
			}
			if res.Skipped {
				skipped++
			}
			for _, id := range res.Locked {
				seen[id]++
			}
		}
		for agency, id := range reports {
			if seen[id] != 1 {
				t.Errorf("report %d (agency %d) was locked by %d sweeps", id, agency, seen[id])
			}
			if n := count(t, s1, `SELECT COUNT(*) FROM history WHERE report_id = ? AND event = 'lock' AND actor_id IS NULL`, id); n != 1 {
				t.Errorf("report %d has %d lock rows", id, n)
			}
		}
		if len(seen) != len(reports) {
			t.Errorf("the sweeps locked %d reports, want %d", len(seen), len(reports))
		}
		if n := count(t, s1, `SELECT COUNT(*) FROM outbox WHERE kind = 'locked'`); n != 1 {
			t.Errorf("%d locked events, want one", n)
		}
		if n := count(t, s1, `SELECT COUNT(*) FROM history WHERE event = 'lock'`); n != len(reports) {
			t.Errorf("%d lock rows in all, want %d", n, len(reports))
		}
		t.Logf("%s: %d sweeps, %d skipped on the advisory lock", dialect, sweepers, skipped)
	})
}

// TestRemindDueOncePerOffset: each reminder goes out once per report, round,
// deadline and offset, however often and from however many goroutines the
// sweep runs; a report that is submitted or locked is not reminded, and a
// sweep that wakes late sends only the nearest offset, not every one it missed.
func TestRemindDueOncePerOffset(t *testing.T) {
	offsets := []time.Duration{72 * time.Hour, 24 * time.Hour, 2 * time.Hour}
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store
		closes := start.Add(96 * time.Hour)
		_, reports := w.NewCampaign(t, "Đợt nhắc hạn", start, closes)
		dept2 := *w.Dept2
		dept2.ReportID = reports[w.Dept2.ID]
		w.Submit(t, &dept2) // submitted: never reminded
		due := []int64{reports[w.Dept.ID], reports[w.District.ID]}
		slices.Sort(due)

		// The world's own campaign closes at start+24h, within 72h and 24h:
		// its reports get one reminder, the nearest offset's (24h), not one
		// per offset the sweep finds already due.
		mark := lastEvent(t, s)
		if n, err := s.RemindDue(ctx, offsets); err != nil || n != 3 {
			t.Fatalf("first sweep reminded %d, %v; want the world's 3 reports", n, err)
		}
		data := wantEvents(t, s, mark, fmt.Sprintf("reminder %v", []int64{w.Dept.ReportID, w.Dept2.ReportID, w.District.ReportID}))
		if data[0]["offset_seconds"] != float64(24*3600) {
			t.Fatalf("late reminder offset %v, want the nearest (24h)", data[0]["offset_seconds"])
		}
		if n, err := s.RemindDue(ctx, offsets); err != nil || n != 0 {
			t.Fatalf("a second sweep reminded %d, %v", n, err)
		}
		// Nor does the farther offset follow the nearer one later.
		w.Clock.Add(time.Hour)
		if n, err := s.RemindDue(ctx, offsets); err != nil || n != 0 {
			t.Fatalf("an hour later the sweep reminded %d, %v", n, err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM reminders WHERE offset_seconds != ?`, 24*3600); n != 0 {
			t.Fatalf("%d reminders at other offsets than 24h", n)
		}
		// The world's campaign leaves the stage: its reports are submitted.
		for _, a := range []*storetest.Agency{w.Dept, w.Dept2, w.District} {
			w.Submit(t, a)
		}

		sweep := func(goroutines int) int {
			t.Helper()
			total := 0
			var mu sync.Mutex
			var wg sync.WaitGroup
			for range goroutines {
				wg.Go(func() {
					n, err := s.RemindDue(ctx, offsets)
					if err != nil {
						t.Errorf("remind: %v", err)
					}
					mu.Lock()
					total += n
					mu.Unlock()
				})
			}
			wg.Wait()
			return total
		}
		for _, off := range offsets {
			at := closes.Add(-off)
			w.Clock.Set(at.Add(-time.Millisecond))
			mark = lastEvent(t, s)
			if n := sweep(3); n != 0 {
				t.Fatalf("%s reminder: 1 ms early the sweep reminded %d", off, n)
			}
			w.Clock.Set(at)
			if n := sweep(3); n != len(due) {
				t.Fatalf("%s reminder: 3 sweeps at the instant reminded %d, want %d", off, n, len(due))
			}
			for range 3 {
				if n := sweep(3); n != 0 {
					t.Fatalf("%s reminder: a later sweep reminded %d again", off, n)
				}
			}
			w.Clock.Set(at.Add(time.Millisecond))
			if n := sweep(1); n != 0 {
				t.Fatalf("%s reminder: 1 ms later the sweep reminded %d again", off, n)
			}
			data := wantEvents(t, s, mark, fmt.Sprintf("reminder %v", due))
			if data[0]["offset_seconds"] != float64(off/time.Second) {
				t.Fatalf("event offset %v, want %v", data[0]["offset_seconds"], off)
			}
		}
		if n := count(t, s, `SELECT COUNT(*) FROM reminders WHERE report_id = ?`, reports[w.Dept2.ID]); n != 0 {
			t.Fatalf("the submitted report has %d reminders", n)
		}
		// At the deadline itself nothing is due: the sweep locks instead.
		w.Clock.Set(closes)
		if n := sweep(1); n != 0 {
			t.Fatalf("at the deadline the sweep reminded %d", n)
		}
	})
}

// TestNotifyOpenedCampaignsOnce: an opened campaign is announced once; one
// that opens later is announced when the clock passes its opening; one
// created after it closed is never announced.
func TestNotifyOpenedCampaignsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store
		opens := start.Add(time.Hour)
		_, later := w.NewCampaign(t, "Đợt sau", opens, opens.Add(72*time.Hour))
		w.NewCampaign(t, "Đợt đã qua", start.Add(-72*time.Hour), start.Add(-48*time.Hour))

		mark := lastEvent(t, s)
		got, err := s.NotifyOpenedCampaigns(ctx)
		if err != nil || !slices.Equal(got, []int64{w.Campaign.ID}) {
			t.Fatalf("opened %v, %v; want only campaign %d", got, err, w.Campaign.ID)
		}
		data := wantEvents(t, s, mark, fmt.Sprintf("campaign_opened %v", []int64{w.Dept.ReportID, w.Dept2.ReportID, w.District.ReportID}))
		if data[0]["opens_at"] == nil || data[0]["closes_at"] == nil {
			t.Fatalf("campaign_opened data %v", data[0])
		}
		if got, err := s.NotifyOpenedCampaigns(ctx); err != nil || len(got) != 0 {
			t.Fatalf("second call opened %v, %v", got, err)
		}
		w.Clock.Set(opens.Add(-time.Millisecond))
		if got, _ := s.NotifyOpenedCampaigns(ctx); len(got) != 0 {
			t.Fatalf("1 ms before its opening: %v", got)
		}
		w.Clock.Set(opens)
		mark = lastEvent(t, s)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var all []int64
		for range 3 {
			wg.Go(func() {
				got, err := s.NotifyOpenedCampaigns(ctx)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				all = append(all, got...)
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(all) != 1 {
			t.Fatalf("three concurrent calls announced %v, want the later campaign once", all)
		}
		ids := []int64{later[w.Dept.ID], later[w.Dept2.ID], later[w.District.ID]}
		slices.Sort(ids)
		wantEvents(t, s, mark, fmt.Sprintf("campaign_opened %v", ids))
	})
}

// TestUpcoming: the instants the scheduler plans are every future deadline,
// each reminder before it and every unannounced opening, once each, soonest
// first.
func TestUpcoming(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store
		offsets := []time.Duration{24 * time.Hour, 2 * time.Hour}
		c := w.Campaign.ClosesAt // start + 24h
		opens := start.Add(time.Hour)
		w.NewCampaign(t, "Đợt sau", opens, start.Add(48*time.Hour))

		got, err := s.Upcoming(ctx, offsets, 100)
		if err != nil {
			t.Fatal(err)
		}
		// start+48h−24h is c: one instant, planned once.
		want := []time.Time{opens, c.Add(-2 * time.Hour), c, start.Add(46 * time.Hour), start.Add(48 * time.Hour)}
		if !equalTimes(got, want) {
			t.Fatalf("upcoming %v, want %v", got, want)
		}
		if got, _ := s.Upcoming(ctx, offsets, 2); !equalTimes(got, want[:2]) {
			t.Fatalf("upcoming, limit 2: %v", got)
		}

		// A submitted report has no deadline to plan; an extended one has its own.
		walk(t, w, w.Dept, workflow.StateSubmitted)
		walk(t, w, w.Dept2, workflow.StateSubmitted)
		w.Clock.Set(c)
		lockDue(t, s) // District
		ext := c.Add(5 * time.Hour)
		if _, err := extend(w, w.Council, w.District.ReportID, ext, "Gia hạn"); err != nil {
			t.Fatal(err)
		}
		got, err = s.Upcoming(ctx, offsets, 100)
		if err != nil {
			t.Fatal(err)
		}
		want = []time.Time{ext.Add(-2 * time.Hour), ext, start.Add(46 * time.Hour), start.Add(48 * time.Hour)}
		if !equalTimes(got, want) {
			t.Fatalf("after the lock and extension: upcoming %v, want %v", got, want)
		}
	})
}

func equalTimes(a, b []time.Time) bool {
	return slices.EqualFunc(a, b, func(x, y time.Time) bool { return x.Equal(y) })
}

// sweepLock takes the lock sweep's advisory lock in the store's schema, as a
// replica in the middle of a sweep holds it, until release is called.
func sweepLock(t *testing.T, s *store.Store) (release func()) {
	t.Helper()
	tx, err := s.DB().Beginx()
	if err != nil {
		t.Fatal(err)
	}
	// 0x70617269 is store.lockSweepClass.
	if _, err := tx.Exec(`SELECT pg_advisory_xact_lock(x'70617269'::int, hashtext(current_schema()))`); err != nil {
		t.Fatal(err)
	}
	return func() { tx.Rollback() }
}

// TestLockDueSweepLockIsPerSchema: on PostgreSQL a sweep skips while another
// replica of the same deployment sweeps, but never because of another schema
// (another deployment, or another test) in the same database.
func TestLockDueSweepLockIsPerSchema(t *testing.T) {
	if !slices.Contains(storetest.Dialects(t), store.Postgres) {
		t.Skip("PostgreSQL only")
	}
	t.Parallel()
	a, b := newWorld(t, store.Postgres), newWorld(t, store.Postgres)
	for _, w := range []*storetest.World{a, b} {
		w.Clock.Set(w.Campaign.ClosesAt)
	}
	release := sweepLock(t, a.Store)
	if res, err := b.Store.LockDue(ctx); err != nil || res.Skipped || len(res.Locked) != 3 {
		t.Fatalf("another schema's sweep: %+v, %v", res, err)
	}
	if res, err := a.Store.LockDue(ctx); err != nil || !res.Skipped || len(res.Locked) != 0 {
		t.Fatalf("a sweep while another holds the lock: %+v, %v; want skipped", res, err)
	}
	release()
	if got := lockDue(t, a.Store); len(got) != 3 {
		t.Fatalf("after the other sweep ended: locked %v", got)
	}
}

// TestRemindNotBeforeTheWindowOpened: a window that opens 48 hours before its
// deadline gets no "72 hours" reminder at its opening (the opening notice
// says when it closes), and the 24-hour reminder on time.
func TestRemindNotBeforeTheWindowOpened(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store
		opens := w.Clock.Now().Add(time.Hour)
		closes := opens.Add(48 * time.Hour)
		_, reports := w.NewCampaign(t, "Đợt mở muộn", opens, closes)
		offsets := []time.Duration{72 * time.Hour, 24 * time.Hour}
		reminded := func() int {
			return count(t, s, `SELECT COUNT(*) FROM reminders m JOIN reports r ON r.id = m.report_id WHERE r.campaign_id = (SELECT MAX(id) FROM campaigns)`)
		}
		w.Clock.Set(opens)
		if _, err := s.RemindDue(ctx, offsets); err != nil {
			t.Fatal(err)
		}
		if n := reminded(); n != 0 {
			t.Fatalf("%d reminders at the opening, want none", n)
		}
		w.Clock.Set(closes.Add(-24*time.Hour - time.Millisecond))
		if _, err := s.RemindDue(ctx, offsets); err != nil {
			t.Fatal(err)
		}
		if n := reminded(); n != 0 {
			t.Fatalf("%d reminders 1 ms before the 24-hour mark", n)
		}
		w.Clock.Set(closes.Add(-24 * time.Hour))
		if n, err := s.RemindDue(ctx, offsets); err != nil || n != len(reports) {
			t.Fatalf("at the 24-hour mark %d reminded (%v), want %d", n, err, len(reports))
		}
		if n := count(t, s, `SELECT COUNT(*) FROM reminders WHERE offset_seconds = ?`, int64(72*3600)); n != 0 {
			t.Errorf("%d 72-hour reminders", n)
		}
	})
}
