package metrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parindex/internal/testkit"
	"parindex/metrics"
	"parindex/metrics/metricstest"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// TestOutboxAndPool: the outbox backlog is read from the database at scrape
// time and the pool's statistics are there; with the database gone the
// scrape still answers, without the outbox, and says why in the log.
func TestOutboxAndPool(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		clock := storetest.NewClock(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
		s := storetest.Open(t, dialect, clock)
		w := storetest.NewWorld(t, s, clock)
		// Returned → an outbox event for the updaters, pending: no scheduler runs.
		w.FillEntries(t, w.Dept)
		w.Fire(t, w.Dept.Updater, w.Dept, workflow.EventComplete, "")
		w.Fire(t, w.Dept.Approver, w.Dept, workflow.EventReturn, "Bổ sung giải trình")
		st, err := s.OutboxStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.PendingEvents == 0 {
			t.Fatalf("outbox %+v: the return left no pending event", st)
		}
		log := &testkit.SyncBuffer{}
		m := metrics.New(s, zerolog.New(log))

		fams := metricstest.Scrape(t, m.Handler())
		for _, c := range []struct {
			name, state string
			want        int
		}{
			{"parindex_outbox_events", "pending", st.PendingEvents},
			{"parindex_outbox_events", "dead", st.DeadEvents},
			{"parindex_outbox_emails", "pending", st.PendingEmails},
			{"parindex_outbox_emails", "dead", st.DeadEmails},
			{"parindex_outbox_emails", "sent", st.SentEmails},
		} {
			if got, ok := fams.Value(c.name, "state", c.state); !ok || got != float64(c.want) {
				t.Errorf("%s{state=%q} = %v (present %v), want %d", c.name, c.state, got, ok, c.want)
			}
		}
		if _, ok := fams.Value("go_sql_max_open_connections", "db_name", dialect); !ok {
			t.Errorf("no database pool statistics for db_name=%q", dialect)
		}
		if _, ok := fams.Value("go_goroutines"); !ok {
			t.Error("no Go runtime metrics")
		}

		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		fams = metricstest.Scrape(t, m.Handler())
		if _, ok := fams["parindex_outbox_events"]; ok {
			t.Error("outbox metrics served from a closed database")
		}
		if _, ok := fams.Value("go_sql_max_open_connections", "db_name", dialect); !ok {
			t.Error("the pool statistics went missing with the database")
		}
		if !strings.Contains(log.String(), "outbox metrics skipped") {
			t.Errorf("log %q does not say the outbox was skipped", log)
		}
	})
}

// TestLabels: labels never take a caller's text, and a nil *Metrics is a
// valid recorder of nothing.
func TestLabels(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
	m := metrics.New(storetest.Open(t, store.SQLite, clock), zerolog.Nop())
	m.Transition("<script>", workflow.Errorf(workflow.EINVALID, "Unknown event."))
	m.Transition(workflow.EventApprove, workflow.Errorf(workflow.ECONFLICT, "Not from draft."))
	m.Transition(workflow.EventApprove, errors.New("disk on fire"))
	m.Transition(workflow.EventApprove, nil)
	m.Request("GET", "/healthz", 0, time.Millisecond) // nothing written: 200

	fams := metricstest.Scrape(t, m.Handler())
	for _, c := range []struct {
		event, result string
	}{{"unknown", "invalid"}, {"approve", "conflict"}, {"approve", "internal"}, {"approve", "ok"}} {
		if got, _ := fams.Value("parindex_transitions_total", "event", c.event, "result", c.result); got != 1 {
			t.Errorf("transitions{event=%q,result=%q} = %v, want 1", c.event, c.result, got)
		}
	}
	if got, _ := fams.Value("parindex_http_requests_total", "route", "/healthz", "status", "200"); got != 1 {
		t.Errorf("requests{route=/healthz,status=200} = %v, want 1", got)
	}

	var none *metrics.Metrics
	none.Request("GET", "/healthz", 200, time.Millisecond)
	none.Transition(workflow.EventApprove, nil)
	none.ReportsLocked(3)
	none.SchedulerRun(nil)
}
