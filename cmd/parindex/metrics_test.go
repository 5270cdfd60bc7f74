package main

import (
	"bytes"
	"testing"

	"parindex/internal/testkit"
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
			if got := testkit.NewClient(m.URL(), "").Do(t, "GET", "/healthz", nil).Status; got != 200 {
				t.Fatalf("Main %d: /healthz %d", i, got)
			}
			res := testkit.NewClient(m.URL(), "").Do(t, "GET", "/metrics", nil).Want(t, 200, nil)
			fams := metricstest.Parse(t, bytes.NewReader(res.Body))
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

// TestMetricsAllowFlag: --metrics-allow (or PARINDEX_METRICS_ALLOW) says which
// networks /metrics answers; by default this host only, and a bad prefix
// stops serve.
func TestMetricsAllowFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"default: loopback", nil, nil, 200},
		{"flag: elsewhere", nil, []string{"--metrics-allow", "10.0.0.0/8, fd00::/8"}, 403},
		{"environment: elsewhere", map[string]string{"PARINDEX_METRICS_ALLOW": "192.0.2.0/24"}, nil, 403},
		{"flag: this host among others", nil, []string{"--metrics-allow", "10.0.0.0/8,127.0.0.1/32"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := serve(t, nil, tc.env, append([]string{"--addr", "127.0.0.1:0", "--db", storetest.URL(t, "sqlite"), "--scheduler=false"}, tc.args...)...)
			testkit.NewClient(m.URL(), "").Do(t, "GET", "/metrics", nil).Want(t, tc.want, nil)
		})
	}
	if _, err := run(t, nil, nil, "serve", "--addr", "127.0.0.1:0", "--db", storetest.URL(t, "sqlite"), "--scheduler=false", "--metrics-allow", "everyone"); err == nil {
		t.Error("serve accepted --metrics-allow everyone")
	}
}
