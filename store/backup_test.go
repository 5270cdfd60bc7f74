package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// catalogueTables lists the tables the database has, asked of its catalogue
// here rather than through store.Tables, so that a table the copier's own
// listing missed is still seen.
func catalogueTables(t *testing.T, s *store.Store) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('goose_db_version', 'sqlite_sequence', 'sqlite_stat1')`
	if s.Dialect() == store.Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('goose_db_version', 'goose_lock')`
	}
	var names []string
	if err := s.DB().Select(&names, q); err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

// TestCopyEveryTableEveryRow copies a world that has rows in every table
// into an empty database of each dialect and compares every row of every
// table. It fails when a table exists that the copy skipped or that the
// world leaves empty (then FillEveryTable must learn to write it).
func TestCopyEveryTableEveryRow(t *testing.T) {
	for _, from := range storetest.Dialects(t) {
		for _, to := range storetest.Dialects(t) {
			t.Run(from+"→"+to, func(t *testing.T) {
				w := newWorld(t, from)
				w.FillEveryTable(t, storetest.HashOnly)
				dst := storetest.Open(t, to, w.Clock)

				counts, err := store.Copy(ctx, w.Store, dst)
				if err != nil {
					t.Fatal(err)
				}
				copied := map[string]int64{}
				for _, c := range counts {
					copied[c.Table] = c.Rows
				}
				for _, name := range catalogueTables(t, w.Store) {
					n, ok := copied[name]
					switch {
					case !ok && store.CopySkips(name):
					case !ok:
						t.Errorf("table %s exists but the copy skipped it", name)
					case n == 0:
						t.Errorf("table %s has no row: FillEveryTable does not exercise it", name)
					}
				}
				rows := storetest.SameRows(t, w.Store, dst)
				t.Logf("%d tables, %d rows compared", len(counts), rows)

				// Ids were kept, and the next id follows them (PostgreSQL's
				// sequences were advanced).
				a := &workflow.Agency{Code: "SNV", Name: "Sở Nội vụ", Kind: workflow.KindDepartment}
				if err := dst.CreateAgency(ctx, nil, a, store.Meta{}); err != nil {
					t.Fatalf("a new agency after the copy: %v", err)
				}
				if max := max(w.Dept.ID, w.Dept2.ID, w.District.ID); a.ID <= max {
					t.Errorf("new agency id %d, want above the copied %d", a.ID, max)
				}
				if _, err := store.Copy(ctx, w.Store, dst); err == nil {
					t.Error("a second copy into a database that is no longer empty succeeded")
				}
			})
		}
	}
}

// TestCopyRefusesAnotherSchema: a target at another migration is refused
// before anything is written.
func TestCopyRefusesAnotherSchema(t *testing.T) {
	w := newWorld(t, store.SQLite)
	dst := storetest.Open(t, store.SQLite, w.Clock)
	if err := dst.MigrateDown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Copy(ctx, w.Store, dst); err == nil {
		t.Fatal("copy into an older schema succeeded")
	}
	if full, err := dst.NotEmpty(ctx); err != nil || len(full) > 0 {
		t.Fatalf("target after a refused copy: %v %v", full, err)
	}
}

// TestBackupSnapshotWhileWriting takes snapshots while two writers change
// two reports: each write raises its report's version and adds one entry
// revision in one transaction, so in a consistent snapshot the two move
// together, whatever moment it caught.
func TestBackupSnapshotWhileWriting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		w := newWorld(t, dialect)
		s := w.Store
		agencies := []*storetest.Agency{w.Dept2, w.District}
		base := map[int64][2]int{}
		codes := map[int64]string{}
		for _, a := range agencies {
			r := w.Report(t, a)
			for _, e := range r.Entries {
				if e.Editable {
					codes[a.ReportID] = e.Code
					break
				}
			}
			base[a.ReportID] = [2]int{int(r.Version), count(t, s, `SELECT COUNT(*) FROM entry_revisions WHERE report_id = ?`, a.ReportID)}
		}

		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		const warmup = 5
		written := make(chan struct{}, 2*warmup)
		errs := make(chan error, len(agencies))
		var wg sync.WaitGroup
		for _, a := range agencies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					v := workflow.EntryValue{Explanation: fmt.Sprintf("Lần sửa %d", i)}
					if _, _, err := s.PutEntry(ctx, a.Updater, a.ReportID, codes[a.ReportID], v, nil, store.Meta{}); err != nil {
						if ctx.Err() == nil {
							errs <- err
						}
						return
					}
					select {
					case written <- struct{}{}:
					default:
					}
				}
			}()
		}
		for range warmup {
			<-written
		}
		dir := t.TempDir()
		var snaps []string
		for i := range 3 {
			path := filepath.Join(dir, fmt.Sprintf("snap%d.db", i))
			if err := s.Snapshot(ctx, path); err != nil {
				t.Fatal(err)
			}
			snaps = append(snaps, path)
		}
		cancel()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("writer: %v", err)
		}

		for _, path := range snaps {
			snap := storetest.OpenURL(t, "sqlite:"+path, nil)
			for _, a := range agencies {
				var version int
				if err := snap.DB().Get(&version, `SELECT version FROM reports WHERE id = ?`, a.ReportID); err != nil {
					t.Fatal(err)
				}
				revs := count(t, snap, `SELECT COUNT(*) FROM entry_revisions WHERE report_id = ?`, a.ReportID)
				b := base[a.ReportID]
				if version-b[0] != revs-b[1] {
					t.Errorf("%s: report %d is at version %d (+%d) with %d revisions (+%d): the snapshot is torn",
						filepath.Base(path), a.ReportID, version, version-b[0], revs, revs-b[1])
				}
				if version == b[0] && a == agencies[0] {
					t.Logf("%s caught report %d before any write", filepath.Base(path), a.ReportID)
				}
			}
		}
		if err := s.Snapshot(ctx, snaps[0]); err == nil {
			t.Error("a snapshot over an existing file succeeded")
		}
	})
}

// TestCopyOverMigrationSeeds: rows a migration writes itself (reference data,
// such as agency kinds) do not make a database "not empty"; the copy
// replaces them with the source's. Any other row still does.
func TestCopyOverMigrationSeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		w := newWorld(t, dialect)
		dst := storetest.Open(t, dialect, w.Clock)
		restore := store.SetMigrationSeeds(map[string][]string{"agencies": {fmt.Sprint(w.Dept.ID)}, "agency_kinds": {"department", "district"}})
		defer restore()
		seed := dst.DB().Rebind(`INSERT INTO agencies (id, code, name, kind, created_at) VALUES (?, ?, 'Dữ liệu gốc', 'department', '2026-01-01T00:00:00.000000Z')`)
		if _, err := dst.DB().Exec(seed, w.Dept.ID, "SEED"); err != nil {
			t.Fatal(err)
		}
		if full, err := dst.NotEmpty(ctx); err != nil || len(full) > 0 {
			t.Fatalf("a database holding only the migrations' rows: not empty %v (%v)", full, err)
		}
		if _, err := dst.DB().Exec(seed, w.Dept.ID+1000, "OTHER"); err != nil {
			t.Fatal(err)
		}
		if full, err := dst.NotEmpty(ctx); err != nil || !slices.Equal(full, []string{"agencies (2)"}) {
			t.Fatalf("a database with one more row: not empty %v (%v)", full, err)
		}
		if _, err := dst.DB().Exec(dst.DB().Rebind(`DELETE FROM agencies WHERE code = 'OTHER'`)); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Copy(ctx, w.Store, dst); err != nil {
			t.Fatal(err)
		}
		storetest.SameRows(t, w.Store, dst)
	})
}
