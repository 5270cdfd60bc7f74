package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store/storetest"
)

// TestEntryDeadline: the window is [opens_at, closes_at) by the server's
// clock on every write, to the millisecond; nothing waits for a batch job.
func TestEntryDeadline(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		clock := storetest.NewClock(time.Date(2026, 11, 24, 17, 0, 0, 0, hcm))
		m, _ := serve(t, clock, nil, "--addr", "127.0.0.1:0", "--db", storetest.URL(t, dialect))
		w := storetest.NewWorld(t, m.Store(), clock) // open from a day ago to a day ahead
		updater := testkit.NewClient(m.URL(), storetest.MustToken(t, m.Store(), w.Dept.Updater))
		opens, closes := w.Campaign.OpensAt, w.Campaign.ClosesAt
		path := fmt.Sprintf("/api/v1/reports/%d", w.Dept.ReportID)

		rep := getReport(t, updater, w.Dept.ReportID)
		if want := closes.In(hcm).Format(time.RFC3339); rep.Deadline != want {
			t.Fatalf("deadline %s, want %s", rep.Deadline, want)
		}

		for _, tc := range []struct {
			name   string
			at     time.Time
			status int
		}{
			{"1 ms before opens_at", opens.Add(-time.Millisecond), http.StatusLocked},
			{"at opens_at", opens, http.StatusOK},
			{"1 ms before closes_at", closes.Add(-time.Millisecond), http.StatusOK},
			{"at closes_at", closes, http.StatusLocked},
			{"1 ms after closes_at", closes.Add(time.Millisecond), http.StatusLocked},
		} {
			clock.Set(tc.at)
			res := updater.Do(t, "PUT", path+"/entries/1.1.1", map[string]any{"self_score": 1, "explanation": "Ban hành đúng hạn"})
			if res.Status != tc.status {
				t.Errorf("PUT %s: %d, want %d: %s", tc.name, res.Status, tc.status, res.Body)
				continue
			}
			if tc.status == http.StatusLocked {
				res.WantProblem(t, http.StatusLocked)
			}
			// GET /transitions agrees: complete is on offer only while the window is open.
			var tr transitionsJSON
			updater.Do(t, "GET", path+"/transitions", nil).Want(t, http.StatusOK, &tr)
			if open := len(tr.Transitions) == 1 && tr.Transitions[0].Event == "complete"; open != (tc.status == http.StatusOK) {
				t.Errorf("%s: transitions %+v", tc.name, tr.Transitions)
			}
		}

		// Transitions that need the window are refused the same way.
		clock.Set(closes.Add(-time.Hour))
		w.FillEntries(t, w.Dept)
		clock.Set(closes)
		updater.Do(t, "POST", path+"/transitions", map[string]any{"event": "complete"}).WantProblem(t, http.StatusLocked)
		clock.Set(closes.Add(-time.Millisecond))
		updater.Do(t, "POST", path+"/transitions", map[string]any{"event": "complete"}).Want(t, http.StatusOK, nil)
	})
}
