package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/notify/smtptest"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// The scheduler runs inside serve: these tests start real Mains on one
// database with an injected clock and watch what they do to it.

// schedulerArgs are serve's flags for a Main on db delivering to srv.
func schedulerArgs(db string, srv *smtptest.Server, extra ...string) []string {
	args := []string{"--addr", "127.0.0.1:0", "--db", db}
	if srv != nil {
		args = append(args, "--smtp-host", srv.Host, "--smtp-port", strconv.Itoa(srv.Port), "--smtp-tls", "none", "--smtp-from", "Sở Nội vụ <cchc@example.vn>")
	}
	return append(args, extra...)
}

// lockRows counts a report's lock rows written by the system.
func lockRows(t *testing.T, s *store.Store, reportID int64) int {
	t.Helper()
	return storetest.Count(t, s, `SELECT COUNT(*) FROM history WHERE report_id = ? AND event = 'lock' AND actor_id IS NULL AND role = 'system'`, reportID)
}

// TestSchedulerCatchUpAfterRestart: a server killed before a deadline and
// started after it locks the overdue reports while starting, before Run
// returns, each with one system history row.
func TestSchedulerCatchUpAfterRestart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		clock := storetest.NewClock(time.Date(2026, 11, 24, 16, 0, 0, 0, hcm))
		db := storetest.URL(t, dialect)
		m1, _ := serve(t, clock, nil, schedulerArgs(db, nil)...)
		w := storetest.NewWorld(t, m1.Store(), clock) // closes a day from now
		w.FillEntries(t, w.Dept)
		w.Fire(t, w.Dept.Updater, w.Dept, workflow.EventComplete, "")
		w.Submit(t, w.Dept2)
		// A sweep before the deadline locks nothing.
		if run, err := m1.Scheduler().RunOnce(context.Background()); err != nil || len(run.Sweep.Locked) != 0 {
			t.Fatalf("sweep before the deadline: %+v, %v", run.Sweep, err)
		}
		if err := m1.Close(); err != nil { // the kill
			t.Fatal(err)
		}

		clock.Set(w.Campaign.ClosesAt.Add(90 * time.Minute))
		// Without the scheduler nothing locks: the write guard alone keeps
		// the reports shut, and their state still says entered and draft.
		m2, _ := serve(t, clock, nil, schedulerArgs(db, nil, "--scheduler=false")...)
		if m2.Scheduler() != nil {
			t.Fatal("--scheduler=false started a scheduler")
		}
		if n := lockRows(t, m2.Store(), w.Dept.ReportID); n != 0 {
			t.Fatalf("a server without the scheduler locked: %d rows", n)
		}
		if err := m2.Close(); err != nil {
			t.Fatal(err)
		}

		m3, _ := serve(t, clock, nil, schedulerArgs(db, nil)...)
		// No waiting: Run returned after the catch-up sweep committed.
		s := m3.Store()
		for _, tc := range []struct {
			a    *storetest.Agency
			from workflow.State
		}{{w.Dept, workflow.StateEntered}, {w.District, workflow.StateDraft}} {
			r, err := s.GetReport(context.Background(), w.Admin, tc.a.ReportID)
			if err != nil {
				t.Fatal(err)
			}
			if r.State != workflow.StateLocked || r.LockedFrom != tc.from {
				t.Fatalf("report %d after the restart: %s locked from %q, want locked from %s", tc.a.ReportID, r.State, r.LockedFrom, tc.from)
			}
			if n := lockRows(t, s, tc.a.ReportID); n != 1 {
				t.Fatalf("report %d has %d lock rows", tc.a.ReportID, n)
			}
		}
		if n := lockRows(t, s, w.Dept2.ReportID); n != 0 {
			t.Fatalf("the submitted report was locked")
		}
		// The API shows the lock as the system's, at the restart's clock.
		admin := testkit.NewClient(m3.URL(), storetest.MustToken(t, s, w.Admin))
		var hist []historyJSON
		admin.Do(t, "GET", fmt.Sprintf("/api/v1/reports/%d/history", w.Dept.ReportID), nil).Want(t, http.StatusOK, &hist)
		last := hist[len(hist)-1]
		if last.Event != "lock" || last.Actor != nil || last.From != "entered" || last.To != "locked" {
			t.Fatalf("last history entry %+v", last)
		}
		if at, err := time.Parse(time.RFC3339Nano, last.At); err != nil || !at.Equal(clock.Now()) {
			t.Fatalf("lock at %s, want the restart's clock %s", last.At, clock.Now())
		}
		// A second restart changes nothing.
		if err := m3.Close(); err != nil {
			t.Fatal(err)
		}
		m4, _ := serve(t, clock, nil, schedulerArgs(db, nil)...)
		for _, a := range []*storetest.Agency{w.Dept, w.District} {
			if n := lockRows(t, m4.Store(), a.ReportID); n != 1 {
				t.Fatalf("after a second restart report %d has %d lock rows", a.ReportID, n)
			}
		}
	})
}

// TestSchedulerThreeReplicas: three servers on one database, each running
// its scheduler and delivering to one SMTP server. When a deadline passes,
// all three sweep and deliver at once, besides their own loops: every report
// is locked once and every recipient receives each message once.
func TestSchedulerThreeReplicas(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		start := time.Date(2026, 11, 24, 16, 0, 0, 0, hcm)
		clock := storetest.NewClock(start)
		db := storetest.URL(t, dialect)
		srv := smtptest.Start(t)
		var mains []*Main
		for range 3 {
			m, _ := serve(t, clock, nil, schedulerArgs(db, srv)...)
			if m.Scheduler() == nil {
				t.Fatal("serve started no scheduler")
			}
			mains = append(mains, m)
		}
		s := mains[0].Store()
		w := storetest.NewWorld(t, s, clock)
		// Twelve more departments, each with an updater and an approver, in
		// a campaign that closes in an hour.
		for i := range 12 {
			storetest.MustAgency(t, s, fmt.Sprintf("SO%02d", i), fmt.Sprintf("Sở số %d", i), workflow.KindDepartment)
		}
		closes := start.Add(time.Hour)
		_, reports := w.NewCampaign(t, "Đợt khóa đồng thời", start.Add(-time.Hour), closes)
		if len(reports) != 15 {
			t.Fatalf("%d reports, want 15", len(reports))
		}

		// All three at once: sweep and deliver, twice, while their own loops run.
		var mu sync.Mutex
		lockedBy := map[int]int{} // replica → reports its sweeps locked
		together := func() {
			var wg sync.WaitGroup
			for i, m := range mains {
				for range 2 {
					wg.Go(func() {
						run, err := m.Scheduler().RunOnce(ctx)
						if err != nil {
							t.Errorf("replica %d: run: %v", i, err)
						}
						mu.Lock()
						lockedBy[i] += len(run.Sweep.Locked)
						mu.Unlock()
						if _, err := m.Scheduler().DeliverOnce(ctx); err != nil {
							t.Errorf("replica %d: deliver: %v", i, err)
						}
					})
				}
			}
			wg.Wait()
		}
		// drain waits for the outbox to empty (the loops may still be
		// delivering). It runs before the clock moves: a claim's lease is
		// measured by the injected clock, and jumping it an hour while a
		// replica is still sending would hand that email to another replica,
		// which real time never does (a send takes seconds, the lease minutes).
		drain := func() {
			deadline := time.Now().Add(20 * time.Second)
			for {
				st, err := s.OutboxStats(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if st.PendingEvents == 0 && st.PendingEmails == 0 {
					if st.DeadEmails != 0 {
						t.Fatalf("dead emails: %+v", st)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("the outbox did not drain: %+v", st)
				}
				if _, err := mains[0].Scheduler().DeliverOnce(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		together() // the openings and reminders
		drain()
		clock.Set(closes.Add(time.Millisecond))
		together() // the lock
		drain()

		for _, id := range reports {
			if n := lockRows(t, s, id); n != 1 {
				t.Errorf("report %d has %d lock rows", id, n)
			}
		}
		if n := storetest.Count(t, s, `SELECT COUNT(*) FROM history WHERE event = 'lock'`); n != len(reports) {
			t.Errorf("%d lock rows in all, want %d", n, len(reports))
		}

		t.Logf("%s: reports locked by each replica's sweeps: %v", dialect, lockedBy)

		// At the SMTP server: every message once per recipient, as many as
		// the emails table holds, one email per notification.
		msgs := srv.Messages()
		perRecipient := map[string]int{}
		locked := map[string]int{}
		for _, m := range msgs {
			if len(m.To) != 1 {
				t.Fatalf("message to %v", m.To)
			}
			perRecipient[m.To[0]+" "+m.Subject]++
			if strings.HasSuffix(m.Subject, "đã bị khóa") {
				locked[m.To[0]]++
			}
		}
		t.Logf("%s: %d messages to %d recipients", dialect, len(msgs), len(perRecipient))
		for k, n := range perRecipient {
			if n != 1 {
				t.Errorf("%s: received %d times", k, n)
			}
		}
		emails := storetest.Count(t, s, `SELECT COUNT(*) FROM emails`)
		if len(msgs) != emails || emails != storetest.Count(t, s, `SELECT COUNT(*) FROM notifications`) ||
			emails != storetest.Count(t, s, `SELECT COUNT(*) FROM emails WHERE state = 'sent' AND attempts = 1`) {
			t.Errorf("%d messages at the server, %d emails, %d notifications", len(msgs), emails, storetest.Count(t, s, `SELECT COUNT(*) FROM notifications`))
		}
		// The lock reached the 15 approvers and the council, once each.
		var approvers []string
		if err := s.DB().Select(&approvers, `SELECT u.email FROM users u JOIN grants g ON g.user_id = u.id WHERE g.role = 'approver'`); err != nil {
			t.Fatal(err)
		}
		if len(locked) != len(approvers)+1 || locked[w.Council.Email] != 1 {
			t.Errorf("the lock reached %d people (%v), want the %d approvers and the council", len(locked), locked, len(approvers))
		}
		for _, a := range approvers {
			if locked[a] != 1 {
				t.Errorf("approver %s received %d lock messages", a, locked[a])
			}
		}
		// The council's in-app list says the same, newest first.
		var list []struct {
			Kind      string  `json:"kind"`
			Title     string  `json:"title"`
			ReportIDs []int64 `json:"report_ids"`
		}
		council := testkit.NewClient(mains[2].URL(), storetest.MustToken(t, s, w.Council))
		council.Do(t, "GET", "/api/v1/notifications", nil).Want(t, http.StatusOK, &list)
		if len(list) != 1 || list[0].Kind != "locked" || len(list[0].ReportIDs) != len(reports) {
			t.Fatalf("the council's notifications: %+v", list)
		}
	})
}
