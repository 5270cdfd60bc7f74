package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"

	"parindex/internal/testkit"
	"parindex/store/storetest"
)

// migrationLine matches the latest migration in `migrate status` with its state.
func migrationLine(t *testing.T) *regexp.Regexp {
	files := migrationFiles(t)
	name := filepath.Base(files[len(files)-1])
	return regexp.MustCompile(`(?m)^` + name[:5] + ` +` + regexp.QuoteMeta(name) + ` +(applied \S+|pending)$`)
}

// TestReadyAndMigrate: /readyz follows the schema as the migrate command
// changes it under a running server; /healthz only says the process runs.
func TestReadyAndMigrate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		db := storetest.URL(t, dialect)
		m, _ := serve(t, nil, nil, "--addr", "127.0.0.1:0", "--db", db, "--migrate=false")
		ready := func(want int) {
			t.Helper()
			if got := testkit.NewClient(m.URL(), "").Do(t, "GET", "/readyz", nil).Status; got != want {
				t.Fatalf("/readyz %d, want %d", got, want)
			}
			if got := testkit.NewClient(m.URL(), "").Do(t, "GET", "/healthz", nil).Status; got != http.StatusOK {
				t.Fatalf("/healthz %d", got)
			}
		}
		status := func() string {
			t.Helper()
			out := mustRun(t, nil, nil, "migrate", "status", "--db", db)
			match := migrationLine(t).FindStringSubmatch(out)
			if match == nil {
				t.Fatalf("migrate status does not list the latest migration:\n%s", out)
			}
			if match[1] != "pending" {
				return "applied"
			}
			return "pending"
		}

		ready(http.StatusServiceUnavailable)
		if got := status(); got != "pending" {
			t.Fatalf("the latest migration is %s on an empty database", got)
		}

		if out := mustRun(t, nil, nil, "migrate", "up", "--db", db); out != fmt.Sprintf("applied %d migration(s)\n", len(migrationFiles(t))) {
			t.Fatalf("migrate up printed %q", out)
		}
		ready(http.StatusOK)
		if got := status(); got != "applied" {
			t.Fatalf("the latest migration is %s after up", got)
		}
		if out := mustRun(t, nil, nil, "migrate", "up", "--db", db); out != "applied 0 migration(s)\n" {
			t.Fatalf("a second migrate up printed %q", out)
		}

		if out := mustRun(t, nil, nil, "migrate", "down", "--db", db); out != "rolled back 1 migration\n" {
			t.Fatalf("migrate down printed %q", out)
		}
		if got := status(); got != "pending" {
			t.Fatalf("the latest migration is %s after down", got)
		}
		ready(http.StatusServiceUnavailable)

		mustRun(t, nil, nil, "migrate", "up", "--db", db)
		ready(http.StatusOK)
	})
}

// migrationFiles lists the SQLite migrations: migrate up applies them all.
func migrationFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../migrations/sqlite/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	return files
}
