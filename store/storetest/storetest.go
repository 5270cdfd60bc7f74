// Package storetest gives tests real databases: a fresh SQLite file always and
// a fresh PostgreSQL schema when PARINDEX_TEST_POSTGRES holds a server URL,
// plus a settable clock and fixtures built in code.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"parindex/internal/testkit"
	"path/filepath"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver

	"parindex/store"
	"parindex/workflow"
)

// PostgresEnv names the variable holding the PostgreSQL server for tests,
// e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const PostgresEnv = "PARINDEX_TEST_POSTGRES"

// Dialects lists the dialects to test: SQLite always, PostgreSQL when
// PARINDEX_TEST_POSTGRES is set. With CI=true a missing PostgreSQL fails the
// test instead of being skipped.
func Dialects(t testing.TB) []string {
	if os.Getenv(PostgresEnv) == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set: the PostgreSQL tests cannot run", PostgresEnv)
		}
		return []string{store.SQLite}
	}
	return []string{store.SQLite, store.Postgres}
}

// Each runs fn as a subtest per dialect.
func Each(t *testing.T, fn func(t *testing.T, dialect string)) {
	for _, d := range Dialects(t) {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

// URL returns the URL of a new, empty database of the dialect that is
// removed when the test ends: a file in the test's temp dir, or a schema of
// its own on the PostgreSQL server.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == store.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "parindex.db")
	}
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Fatalf("%s is not set", PostgresEnv)
	}
	admin, err := sqlx.Open("postgres", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("postgres at %s: %v", base, err)
	}
	t.Cleanup(func() {
		admin, err := sqlx.Open("postgres", base)
		if err == nil {
			admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			admin.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated store on a new database of the dialect, closed when
// the test ends.
func Open(t testing.TB, dialect string, clock *Clock) *store.Store {
	t.Helper()
	s := OpenURL(t, URL(t, dialect), clock)
	if _, err := s.MigrateUp(context.Background()); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	return s
}

// OpenURL opens a store on url without migrating it.
func OpenURL(t testing.TB, dbURL string, clock *Clock) *store.Store {
	t.Helper()
	var now workflow.Clock
	if clock != nil {
		now = clock.Now
	}
	s, err := store.Open(context.Background(), dbURL, now)
	if err != nil {
		t.Fatalf("open %s: %v", dbURL, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Clock is a clock tests set and move (testkit.Clock).
type Clock = testkit.Clock

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return testkit.NewClock(t) }
