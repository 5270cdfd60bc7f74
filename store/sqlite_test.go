package store_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// TestSQLiteSettings checks what every SQLite connection must run with: WAL,
// foreign keys, a busy timeout and synchronous=FULL, so that an acknowledged
// write survives a power loss.
func TestSQLiteSettings(t *testing.T) {
	s := storetest.Open(t, store.SQLite, nil)
	// Several connections at once, so that the settings are seen to hold on
	// each connection of the pool, not only the first.
	conns := make([]interface{ Close() error }, 0, 3)
	for i := 0; i < 3; i++ {
		c, err := s.DB().Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "busy_timeout": "10000"} {
			var got string
			if err := c.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("connection %d: PRAGMA %s = %s, want %s", i, pragma, got, want)
			}
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

// TestSQLiteTwoProcesses writes through two stores on one file at once, as two
// processes would (each with its own pool, so the in-process write queue does
// not order them): BEGIN IMMEDIATE and the busy timeout let every write land
// instead of failing with SQLITE_BUSY.
func TestSQLiteTwoProcesses(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	url := storetest.URL(t, store.SQLite)
	first := storetest.OpenURL(t, url, clock)
	if _, err := first.MigrateUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	w := storetest.NewWorld(t, first, clock)
	second := storetest.OpenURL(t, url, clock)

	const writers = 20
	errs := make(chan error, 2*writers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < writers; i++ {
		for j, s := range []*store.Store{first, second} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				a := []*storetest.Agency{w.Dept, w.District}[j]
				score := workflow.Points(25 * (i % 4))
				_, _, err := s.PutEntry(t.Context(), a.Updater, a.ReportID, "1.1.1",
					workflow.EntryValue{SelfScore: &score, Explanation: "ghi đồng thời"}, nil, store.Meta{})
				errs <- err
			}()
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a concurrent write failed: %v", err)
		}
	}
	for _, a := range []*storetest.Agency{w.Dept, w.District} {
		r, err := first.GetReport(t.Context(), a.Updater, a.ReportID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Version != 1+writers {
			t.Errorf("report %d is at version %d, want %d: a write was lost", a.ReportID, r.Version, 1+writers)
		}
	}
}

// TestSQLiteFilesArePrivate: a database the service creates, and the WAL and
// shared-memory files beside it, are the service user's alone (0600); an
// existing file keeps its permissions.
func TestSQLiteFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "parindex.db")
	s := storetest.OpenURL(t, "sqlite:"+path, nil)
	if _, err := s.MigrateUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(t.Context(), `CREATE TABLE probe (x INTEGER); INSERT INTO probe VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode %o, want 600", filepath.Base(p), got)
		}
	}

	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	storetest.OpenURL(t, "sqlite:"+existing, nil)
	if fi, err := os.Stat(existing); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("existing database: %v, %v; want its mode 640 kept", fi.Mode(), err)
	}
}
