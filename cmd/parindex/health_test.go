package main

import (
	"net/http"
	"regexp"
	"testing"

	"parindex/store/storetest"
)

// migrationLine matches migration 00001 in `migrate status` with its state.
var migrationLine = regexp.MustCompile(`(?m)^00001 +00001_init\.sql +(applied \S+|pending)$`)

// TestReadyAndMigrate: /readyz follows the schema as the migrate command
// changes it under a running server; /healthz only says the process runs.
func TestReadyAndMigrate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		db := storetest.URL(t, dialect)
		m, _ := serve(t, nil, nil, "--addr", "127.0.0.1:0", "--db", db, "--migrate=false")
		ready := func(want int) {
			t.Helper()
			if got := getStatus(t, m.URL(), "/readyz"); got != want {
				t.Fatalf("/readyz %d, want %d", got, want)
			}
			if got := getStatus(t, m.URL(), "/healthz"); got != http.StatusOK {
				t.Fatalf("/healthz %d", got)
			}
		}
		status := func() string {
			t.Helper()
			out := mustRun(t, nil, nil, "migrate", "status", "--db", db)
			match := migrationLine.FindStringSubmatch(out)
			if match == nil {
				t.Fatalf("migrate status does not list 00001:\n%s", out)
			}
			if match[1] != "pending" {
				return "applied"
			}
			return "pending"
		}

		ready(http.StatusServiceUnavailable)
		if got := status(); got != "pending" {
			t.Fatalf("00001 is %s on an empty database", got)
		}

		if out := mustRun(t, nil, nil, "migrate", "up", "--db", db); out != "applied 1 migration(s)\n" {
			t.Fatalf("migrate up printed %q", out)
		}
		ready(http.StatusOK)
		if got := status(); got != "applied" {
			t.Fatalf("00001 is %s after up", got)
		}
		if out := mustRun(t, nil, nil, "migrate", "up", "--db", db); out != "applied 0 migration(s)\n" {
			t.Fatalf("a second migrate up printed %q", out)
		}

		if out := mustRun(t, nil, nil, "migrate", "down", "--db", db); out != "rolled back 1 migration\n" {
			t.Fatalf("migrate down printed %q", out)
		}
		if got := status(); got != "pending" {
			t.Fatalf("00001 is %s after down", got)
		}
		ready(http.StatusServiceUnavailable)

		mustRun(t, nil, nil, "migrate", "up", "--db", db)
		ready(http.StatusOK)
	})
}
