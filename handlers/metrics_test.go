package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"

	"parindex/metrics"
	"parindex/metrics/metricstest"
	"parindex/store/storetest"
)

// TestMetrics makes requests and transitions through the API and reads them
// back from /metrics: counted under chi's route pattern (a request refused
// before routing finished too), never the raw path; transitions by event and
// result; the database pool and the outbox backlog.
func TestMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		e.FillEntries(t, e.Dept)
		report := fmt.Sprintf("/api/v1/reports/%d", e.Dept.ReportID)

		e.do(t, 200, req{method: "GET", path: report, as: "updater"})
		e.do(t, 404, req{method: "GET", path: "/api/v1/reports/123", as: "updater"})
		e.do(t, 401, req{method: "GET", path: "/api/v1/reports/123"})
		e.do(t, 404, req{method: "GET", path: "/api/v1/no/such/thing", as: "updater"})
		e.do(t, 404, req{method: "GET", path: "/wp-login.php"})
		e.do(t, 409, req{method: "POST", path: report + "/transitions", as: "updater", body: `{"event":"reopen"}`})
		e.do(t, 422, req{method: "POST", path: report + "/transitions", as: "updater", body: `{"event":"explode"}`})
		e.do(t, 200, req{method: "POST", path: report + "/transitions", as: "updater", body: `{"event":"complete"}`})
		e.do(t, 200, req{method: "POST", path: report + "/transitions", as: "approver", body: `{"event":"return","reason":"Bổ sung"}`})

		res := e.do(t, 200, req{method: "GET", path: "/metrics"})
		fams := metricstest.Parse(t, bytes.NewReader(res.body))

		const route = "/api/v1/reports/{id}"
		for _, c := range []struct {
			method, route, status string
			want                  float64
		}{
			{"GET", route, "200", 1}, {"GET", route, "404", 1}, {"GET", route, "401", 1},
			{"GET", metrics.Unmatched, "404", 2},
			{"POST", route + "/transitions", "409", 1},
			{"POST", route + "/transitions", "422", 1},
			{"POST", route + "/transitions", "200", 2},
		} {
			if got, _ := fams.Value("parindex_http_requests_total", "method", c.method, "route", c.route, "status", c.status); got != c.want {
				t.Errorf("requests{%s %s %s} = %v, want %v", c.method, c.route, c.status, got, c.want)
			}
		}
		if got, _ := fams.Value("parindex_http_request_duration_seconds", "method", "GET", "route", route, "status", "200"); got != 1 {
			t.Errorf("duration{GET %s 200} has %v observations, want 1", route, got)
		}

		// Every route label is a registered pattern or "unmatched".
		registered := map[string]bool{metrics.Unmatched: true}
		chi.Walk(e.server.Routes(), func(_, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			registered[route] = true
			return nil
		})
		for _, name := range []string{"parindex_http_requests_total", "parindex_http_request_duration_seconds"} {
			for _, r := range fams.LabelValues(name, "route") {
				if !registered[r] {
					t.Errorf("%s has route=%q, not a route pattern", name, r)
				}
			}
		}

		for _, c := range []struct{ event, result string }{
			{"reopen", "conflict"}, {"unknown", "invalid"}, {"complete", "ok"}, {"return", "ok"},
		} {
			if got, _ := fams.Value("parindex_transitions_total", "event", c.event, "result", c.result); got != 1 {
				t.Errorf("transitions{event=%q,result=%q} = %v, want 1", c.event, c.result, got)
			}
		}

		if _, ok := fams.Value("go_sql_open_connections", "db_name", dialect); !ok {
			t.Errorf("no pool statistics for db_name=%q", dialect)
		}
		st, err := e.Store.OutboxStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := fams.Value("parindex_outbox_events", "state", "pending"); !ok || got != float64(st.PendingEvents) || got == 0 {
			t.Errorf("outbox_events{pending} = %v (present %v), want the return's event among %d", got, ok, st.PendingEvents)
		}
	})
}
