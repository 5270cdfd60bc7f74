package main

import (
	"bytes"
	"testing"

	"parindex/metrics/metricstest"
	"parindex/store/storetest"
)

// TestMetricsPerMain: two Mains in one process each serve their own
// /metrics (no shared registry to collide in), with the requests they
// answered and the scheduler's catch-up run at start.
func TestMetricsPerMain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		for i := range 2 {
			m, _ := serve(t, nil, nil, "--addr", "127.0.0.1:0", "--db", storetest.URL(t, dialect))
			if got := getStatus(t, m.URL(), "/healthz"); got != 200 {
				t.Fatalf("Main %d: /healthz %d", i, got)
			}
			res := newClient(t, m.URL(), "").do("GET", "/metrics", nil).want(t, 200, nil)
			fams := metricstest.Parse(t, bytes.NewReader(res.body))
			if got, _ := fams.Value("parindex_http_requests_total", "route", "/healthz", "status", "200"); got != 1 {
				t.Errorf("Main %d: requests{/healthz 200} = %v, want 1: its own count", i, got)
			}
			if got, _ := fams.Value("parindex_scheduler_runs_total", "outcome", "ok"); got < 1 {
				t.Errorf("Main %d: the catch-up run at start was not counted", i)
			}
			if _, ok := fams.Value("go_sql_open_connections", "db_name", dialect); !ok {
				t.Errorf("Main %d: no pool statistics", i)
			}
		}
	})
}
