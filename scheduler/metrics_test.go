package scheduler_test

import (
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parindex/metrics"
	"parindex/metrics/metricstest"
	"parindex/scheduler"
	"parindex/store/storetest"
)

// TestRunMetrics: a run counts as ok and sets the last successful run; one
// that locks reports at their deadline counts them, as system lock
// transitions too; a failing run counts as an error and leaves that time.
func TestRunMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect, scheduler.Config{})
		m := metrics.New(e.s, zerolog.Nop())
		sched := scheduler.New(e.s, scheduler.Config{Zone: hcm, Mailer: newMailer(t, e.srv), Metrics: m}, zerolog.New(e.log))
		value := func(name string, labels ...string) float64 {
			t.Helper()
			v, ok := metricstest.Scrape(t, m.Handler()).Value(name, labels...)
			if !ok {
				t.Fatalf("no %s %v", name, labels)
			}
			return v
		}
		if v := value("parindex_scheduler_last_success_timestamp_seconds"); v != 0 {
			t.Fatalf("last success %v before any run, want 0", v)
		}

		before := float64(time.Now().UnixNano()) / 1e9
		if _, err := sched.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		after := float64(time.Now().UnixNano()) / 1e9
		last := value("parindex_scheduler_last_success_timestamp_seconds")
		if last < before || last > after {
			t.Errorf("last success %v, want within the run [%v, %v]", last, before, after)
		}
		if v := value("parindex_scheduler_reports_locked_total"); v != 0 {
			t.Errorf("locked %v before the deadline", v)
		}

		e.clock.Set(e.w.Campaign.ClosesAt)
		run, err := sched.RunOnce(ctx)
		if err != nil || len(run.Sweep.Locked) != 3 {
			t.Fatalf("run at the deadline: %+v, %v; want 3 reports locked", run.Sweep, err)
		}
		if v := value("parindex_scheduler_reports_locked_total"); v != 3 {
			t.Errorf("reports locked %v, want 3", v)
		}
		if v := value("parindex_transitions_total", "event", "lock", "result", "ok"); v != 3 {
			t.Errorf("lock transitions %v, want 3", v)
		}
		if v := value("parindex_scheduler_runs_total", "outcome", "ok"); v != 2 {
			t.Errorf("ok runs %v, want 2", v)
		}
		last = value("parindex_scheduler_last_success_timestamp_seconds")

		// An event no message exists for fails the run.
		if _, err := e.s.DB().Exec(e.s.DB().Rebind(`INSERT INTO outbox (kind, report_ids, data, created_at) VALUES ('birthday', '[]', '{}', ?)`),
			"2026-11-20T02:00:00.000000Z"); err != nil {
			t.Fatal(err)
		}
		if _, err := sched.RunOnce(ctx); err == nil {
			t.Fatal("RunOnce with an event it cannot render: no error")
		}
		if v := value("parindex_scheduler_runs_total", "outcome", "error"); v != 1 {
			t.Errorf("error runs %v, want 1", v)
		}
		if v := value("parindex_scheduler_last_success_timestamp_seconds"); v != last {
			t.Errorf("last success moved from %v to %v on a failed run", last, v)
		}
		if v := value("parindex_scheduler_reports_locked_total"); v != 3 {
			t.Errorf("reports locked %v after a run that locked none, want still 3", v)
		}
	})
}
