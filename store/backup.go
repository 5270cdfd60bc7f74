package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"parindex/workflow"
)

// Snapshot writes one consistent moment of the whole database to path, a new
// SQLite file, while the service goes on writing. On SQLite it is VACUUM
// INTO: a read transaction, so writers are not held up. On PostgreSQL every
// table is read in one REPEATABLE READ transaction (Copy) into a fresh SQLite
// database migrated by this binary, then compacted the same way; so a backup
// is one self-contained file whichever dialect it came from, restorable into
// either. (pg_dump is consistent too, but must match the server's major
// version and would give each dialect its own backup format and restore.)
func (s *Store) Snapshot(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("snapshot: %s already exists", path)
	}
	if s.dialect == SQLite {
		if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
			return fmt.Errorf("snapshot: %w", s.dbError(err))
		}
		return nil
	}
	tmp := path + ".partial"
	defer removeSQLite(tmp)
	snap, err := Open(ctx, "sqlite:"+tmp, s.now)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer snap.Close()
	if _, err := snap.MigrateUp(ctx); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if _, err := Copy(ctx, s, snap); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if _, err := snap.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

// removeSQLite removes an SQLite database file and its WAL companions.
func removeSQLite(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		os.Remove(p)
	}
}

// BlobRef is one row that refers to a stored file: an evidence file or a
// signed summary, with the size and SHA-256 recorded at upload.
type BlobRef struct {
	Table     string `db:"tbl"` // evidence or signed_summaries
	ID        int64  `db:"id"`
	ReportID  int64  `db:"report_id"`
	SHA256    string `db:"sha256"`
	Size      int64  `db:"size"`
	MediaType string `db:"media_type"`
}

// BlobRefs lists every row that refers to a stored file, deleted evidence
// included (its file is kept for the history), by table and id.
func (s *Store) BlobRefs(ctx context.Context) ([]BlobRef, error) {
	var out []BlobRef
	err := s.db.SelectContext(ctx, &out, `SELECT 'evidence' AS tbl, id, report_id, sha256, size, media_type FROM evidence
		UNION ALL SELECT 'signed_summaries' AS tbl, id, report_id, sha256, size, 'application/pdf' AS media_type FROM signed_summaries
		ORDER BY tbl, id`)
	if err != nil {
		return nil, s.dbError(err)
	}
	return out, nil
}

// Chain is a report's state and version beside its history, oldest first.
type Chain struct {
	ReportID int64
	State    workflow.State
	Version  int64
	Steps    []ChainStep
}

// ChainStep is one history row of a chain.
type ChainStep struct {
	ID    int64          `db:"id"`
	Event string         `db:"event"`
	From  workflow.State `db:"from_state"`
	To    workflow.State `db:"to_state"`
}

// ReportChains returns every report with its history rows, by report id.
// Both are read in one read-only transaction, so a live database answers
// one consistent moment.
func (s *Store) ReportChains(ctx context.Context) ([]Chain, error) {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: s.snapshotIsolation(), ReadOnly: true})
	if err != nil {
		return nil, s.dbError(err)
	}
	defer tx.Rollback()
	var reports []struct {
		ID      int64          `db:"id"`
		State   workflow.State `db:"state"`
		Version int64          `db:"version"`
	}
	if err := tx.SelectContext(ctx, &reports, `SELECT id, state, version FROM reports ORDER BY id`); err != nil {
		return nil, s.dbError(err)
	}
	var rows []struct {
		ReportID int64 `db:"report_id"`
		ChainStep
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT report_id, id, event, from_state, to_state FROM history ORDER BY report_id, id`); err != nil {
		return nil, s.dbError(err)
	}
	out := make([]Chain, len(reports))
	at := map[int64]int{}
	for i, r := range reports {
		out[i] = Chain{ReportID: r.ID, State: r.State, Version: r.Version}
		at[r.ID] = i
	}
	for _, h := range rows {
		if i, ok := at[h.ReportID]; ok {
			out[i].Steps = append(out[i].Steps, h.ChainStep)
		}
	}
	return out, nil
}
