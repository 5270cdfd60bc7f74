package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/store"
)

// runBaseline issues n transitions' writes directly, with as many clients as
// the HTTP load and through the same driver and pool settings (store.Open):
// read the report for update, update it, insert its history row, commit. It
// is what a transition cannot do with less. On SQLite, writers queue in
// process before BEGIN IMMEDIATE, as the service's do. It records under
// "baseline" in rec.
func runBaseline(ctx context.Context, w *benchWorld, clients, n int, rec *recorder) error {
	s, err := store.Open(ctx, w.db, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := waitQuiet(ctx, s); err != nil {
		return err
	}
	db := s.DB()
	forUpdate := " FOR UPDATE"
	if s.Dialect() == store.SQLite {
		forUpdate = "" // BEGIN IMMEDIATE (the DSN's _txlock) already holds the write lock
	}
	sel := db.Rebind(`SELECT state, version FROM reports WHERE id = ?` + forUpdate)
	upd := db.Rebind(`UPDATE reports SET version = version + 1, updated_at = ? WHERE id = ? AND version = ?`)
	ins := db.Rebind(`INSERT INTO history (report_id, at, actor_id, role, event, from_state, to_state, round, reason, closes_at, request_id, client_ip)
		VALUES (?, ?, ?, 'approver', 'baseline', ?, ?, 0, '', NULL, ?, '127.0.0.1')`)
	var sqliteMu sync.Mutex
	one := func(a *benchAgency, i int64) error {
		if s.Dialect() == store.SQLite {
			sqliteMu.Lock()
			defer sqliteMu.Unlock()
		}
		tx, err := db.BeginTxx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		var state string
		var version int64
		if err := tx.QueryRowxContext(ctx, sel, a.Report).Scan(&state, &version); err != nil {
			return err
		}
		now := benchTime(s, time.Now())
		if err := execOne(ctx, tx, upd, now, a.Report, version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, ins, a.Report, now, a.ApproverID, state, state, fmt.Sprintf("baseline-%d", i)); err != nil {
			return err
		}
		return tx.Commit()
	}
	cpu := rec.cpu.sample()
	start := time.Now()
	spread(ctx, clients, n, func(i int) {
		t := time.Now()
		err := one(w.agencies[i%len(w.agencies)], int64(i))
		rec.observe("baseline", time.Since(t), err)
	})
	rec.addPhase("baseline", time.Since(start), rec.cpu.since(cpu))
	if sum := rec.merged("baseline").summary(); sum.Errors > 0 {
		return fmt.Errorf("%d of %d failed; first: %s", sum.Errors, sum.N, sum.First)
	}
	return ctx.Err()
}

func execOne(ctx context.Context, tx *sqlx.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("updated %d rows, want 1", n)
	}
	return nil
}

// benchTime is an instant as the store keeps it: fixed-width UTC text on
// SQLite, timestamptz on PostgreSQL.
func benchTime(s *store.Store, t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if s.Dialect() == store.SQLite {
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t
}

// waitQuiet waits until the service's scheduler has sent every notification
// the load so far caused, so that the baseline does not share the database
// with that work (on SQLite, another process's write lock makes the baseline
// sleep in the busy handler).
func waitQuiet(ctx context.Context, s *store.Store) error {
	limit := time.Now().Add(2 * time.Minute)
	for {
		st, err := s.OutboxStats(ctx)
		if err != nil {
			return err
		}
		if st.PendingEvents == 0 && st.PendingEmails == 0 {
			return nil
		}
		if time.Now().After(limit) {
			return fmt.Errorf("the outbox still holds %d events and %d emails after two minutes", st.PendingEvents, st.PendingEmails)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond): // polling the outbox, not timing anything
		}
	}
}
