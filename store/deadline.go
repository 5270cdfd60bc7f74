package store

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// lockSweepClass and the schema's name make the PostgreSQL advisory lock that
// lets one replica sweep at a time; the others skip (the sweep is idempotent,
// the lock only saves work). The lock is the database's, not the schema's:
// without the schema in its key, two deployments (or two tests) sharing a
// database would skip each other's sweeps.
const lockSweepClass = 0x7061_7269 // "pari"

// lockableStates are the states a passed deadline locks, as SQL: the lock
// event's sources in workflow.Transitions. The sweep's SQL also spells the
// lock event's name, role, target state and notice ('lock', 'system',
// 'locked'); TestLockSweepFollowsTheTable holds them to the table.
var lockableStates = func() string {
	quoted := make([]string, 0, len(workflow.LockableStates()))
	for _, st := range workflow.LockableStates() {
		quoted = append(quoted, "'"+string(st)+"'")
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}()

// lockDue is the lock sweep, one statement per dialect. PostgreSQL does it all
// in one statement: the guarded UPDATE feeds the history rows and the outbox
// events, one per round and deadline (the message names both), and answers
// the events' report ids, a few rows however many reports were locked.
// SQLite cannot put an UPDATE in a WITH, so its history and event rows are
// written by lockDueSQLite in the same transaction; its RETURNING takes
// neither the UPDATE's alias nor the FROM tables, hence no alias and the
// deadline looked up again there.
var lockDue = map[string]string{
	Postgres: `WITH locked AS (
		UPDATE reports r SET state = 'locked', locked_from = r.state, version = r.version + 1, updated_at = $1
		FROM campaigns c
		WHERE c.id = r.campaign_id AND r.state IN ` + lockableStates + ` AND ` + lockDeadline + ` <= $1
		RETURNING r.id, r.locked_from, r.round, ` + lockDeadline + ` AS closes_at
	), hist AS (
		INSERT INTO history (report_id, at, actor_id, role, event, from_state, to_state, round)
		SELECT id, $1, NULL, 'system', 'lock', locked_from, 'locked', round FROM locked
	), ev AS (
		INSERT INTO outbox (kind, report_ids, data, created_at)
		SELECT 'locked', json_agg(id ORDER BY id)::text, json_build_object('round', round, 'closes_at', closes_at)::text, $1
		FROM locked GROUP BY round, closes_at
		RETURNING report_ids
	)
	SELECT report_ids FROM ev`,
	SQLite: `UPDATE reports SET state = 'locked', locked_from = state, version = version + 1, updated_at = ?1
		FROM campaigns c
		WHERE c.id = reports.campaign_id AND reports.state IN ` + lockableStates + `
			AND COALESCE(reports.closes_at, ` + roundDeadline + `, c.closes_at) <= ?1
		RETURNING id, locked_from, round, COALESCE(closes_at, ` + roundDeadline + `,
			(SELECT c2.closes_at FROM campaigns c2 WHERE c2.id = reports.campaign_id)) AS closes_at`,
}

// lockHistoryRow is one history row of a lock, as SQLite's sweep inserts
// them (report, time, locked from, round).
const lockHistoryRow = `(?, ?, NULL, 'system', 'lock', ?, 'locked', ?)`

// roundDeadline is the deadline of the current round of the report being
// updated (SQLite's spelling; see lockDeadline).
const roundDeadline = `CASE WHEN reports.round > 0 THEN
	(SELECT rr.closes_at FROM report_rounds rr WHERE rr.report_id = reports.id AND rr.number = reports.round) END`

// lockDeadline is deadlineExpr for an UPDATE of reports r, which cannot
// LEFT JOIN the round of the row it updates. Round 0 has no report_rounds
// row: the CASE spares the subquery there, which is most of the sweep's cost
// over the plain bulk UPDATE when a campaign closes (100,000 subquery runs
// cost half a second on PostgreSQL).
const lockDeadline = `COALESCE(r.closes_at, CASE WHEN r.round > 0 THEN
	(SELECT rr.closes_at FROM report_rounds rr WHERE rr.report_id = r.id AND rr.number = r.round) END, c.closes_at)`

// SweepResult says what one lock sweep did.
type SweepResult struct {
	At      time.Time // the instant the sweep compared deadlines with
	Locked  []int64   // reports locked by this sweep, in id order
	Skipped bool      // another replica held the sweep lock
}

// LockDue locks every report whose deadline has passed and that is not
// submitted or locked, with a system history row for each and an outbox
// event per round and deadline, in one transaction. Running it again, late,
// or on several replicas at once changes nothing the second time: the UPDATE
// is guarded by the state.
func (s *Store) LockDue(ctx context.Context) (SweepResult, error) {
	res := SweepResult{At: s.now()}
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		res.Locked = nil
		if s.dialect == Postgres {
			var got bool
			if err := tx.GetContext(ctx, &got, `SELECT pg_try_advisory_xact_lock($1, hashtext(current_schema()))`, lockSweepClass); err != nil {
				return err
			}
			if !got {
				res.Skipped = true
				return nil
			}
			var events []string
			if err := tx.SelectContext(ctx, &events, lockDue[Postgres], s.ts(res.At)); err != nil {
				return err
			}
			for _, ids := range events {
				var part []int64
				if err := json.Unmarshal([]byte(ids), &part); err != nil {
					return err
				}
				res.Locked = append(res.Locked, part...)
			}
			slices.Sort(res.Locked)
			return nil
		}
		return s.lockDueSQLite(ctx, tx, res.At, &res.Locked)
	})
	return res, err
}

func (s *Store) lockDueSQLite(ctx context.Context, tx *sqlx.Tx, at time.Time, locked *[]int64) error {
	rows := []struct {
		ID         int64          `db:"id"`
		LockedFrom workflow.State `db:"locked_from"`
		Round      int            `db:"round"`
		ClosesAt   dbTime         `db:"closes_at"`
	}{}
	now := s.ts(at)
	if err := tx.SelectContext(ctx, &rows, lockDue[SQLite], now); err != nil {
		return err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	type group struct {
		round    int
		closesAt time.Time
	}
	events := map[group][]int64{}
	var order []group
	const batch = 200 // 200 rows × 4 parameters stays far below SQLite's limit
	for i := 0; i < len(rows); i += batch {
		part := rows[i:min(i+batch, len(rows))]
		var args []any
		for _, r := range part {
			args = append(args, r.ID, now, r.LockedFrom, r.Round)
			*locked = append(*locked, r.ID)
			g := group{r.Round, r.ClosesAt.Time}
			if events[g] == nil {
				order = append(order, g)
			}
			events[g] = append(events[g], r.ID)
		}
		values := strings.Repeat(", "+lockHistoryRow, len(part))[2:]
		if _, err := tx.ExecContext(ctx, `INSERT INTO history (report_id, at, actor_id, role, event, from_state, to_state, round) VALUES `+values, args...); err != nil {
			return err
		}
	}
	for _, g := range order {
		closes := g.closesAt
		if err := s.insertEvent(ctx, tx, KindLocked, events[g], EventData{Round: g.round, ClosesAt: &closes}); err != nil {
			return err
		}
	}
	return nil
}

// dueReports selects the reports, not yet submitted or locked, of open
// windows whose deadline falls in (now, until], that have not been reminded
// of this deadline at this offset or a nearer one. Filtering here, not by
// the INSERT's conflict alone, keeps a sweep that finds nothing new at a few
// queries: it runs every minute on every replica, and a campaign's hundreds
// of reports stay within the 72h offset for three days.
var dueReports = `SELECT r.id, r.round, ` + deadlineExpr + ` AS closes_at, COALESCE(rr.opens_at, c.opens_at) AS opens_at
	FROM reports r JOIN campaigns c ON c.id = r.campaign_id
	LEFT JOIN report_rounds rr ON rr.report_id = r.id AND rr.number = r.round
	WHERE r.state IN ` + lockableStates + ` AND COALESCE(rr.opens_at, c.opens_at) <= ?
		AND ` + deadlineExpr + ` > ? AND ` + deadlineExpr + ` <= ?
		AND NOT EXISTS (SELECT 1 FROM reminders m WHERE m.report_id = r.id AND m.round = r.round
			AND m.closes_at = ` + deadlineExpr + ` AND m.offset_seconds <= ?)
	ORDER BY r.id`

// RemindDue writes a reminder event for every report not yet submitted whose
// deadline is within one of the offsets (3 days, 1 day, 2 hours before, say).
// Each (report, round, deadline, offset) is reminded once, ever: a reminders
// row is its guard. A report for which several offsets are due at once (the
// window opened late, or the scheduler was down) hears only the nearest one,
// and no farther one after it: "3 days left" a few hours before the deadline
// would be wrong, and three emails at once are noise; the message says the
// time actually left. A reminder whose moment came before its window opened
// is not sent: the opening notice says when the window closes. Returns how
// many reports were reminded.
func (s *Store) RemindDue(ctx context.Context, offsets []time.Duration) (int, error) {
	nearest := slices.Clone(offsets)
	slices.Sort(nearest)
	nearest = slices.Compact(nearest)
	total := 0
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		total = 0
		now := s.now()
		// Nearest first: a report reminded at one offset is no longer due
		// at the farther ones, in this sweep or any later one.
		for _, off := range nearest {
			secs := int64(off / time.Second)
			due := []struct {
				ID       int64  `db:"id"`
				Round    int    `db:"round"`
				ClosesAt dbTime `db:"closes_at"`
				OpensAt  dbTime `db:"opens_at"`
			}{}
			if err := tx.SelectContext(ctx, &due, tx.Rebind(dueReports), s.ts(now), s.ts(now), s.ts(now.Add(off)), secs); err != nil {
				return err
			}
			type group struct {
				closesAt time.Time
				round    int
			}
			byDeadline := map[group][]int64{}
			var deadlines []group
			for _, d := range due {
				if d.ClosesAt.Add(-off).Before(d.OpensAt.Time) {
					// The window opened after this reminder's moment: the
					// opening notice already says when it closes.
					continue
				}
				// Another replica may have reminded it since the SELECT: the
				// row's key decides.
				res, err := exec(ctx, tx, `INSERT INTO reminders (report_id, round, closes_at, offset_seconds, created_at) VALUES (?, ?, ?, ?, ?)
					ON CONFLICT DO NOTHING`, d.ID, d.Round, s.ts(d.ClosesAt.Time), secs, s.ts(now))
				if err != nil {
					return err
				}
				if n, err := res.RowsAffected(); err != nil {
					return err
				} else if n == 0 {
					continue
				}
				g := group{d.ClosesAt.Time, d.Round}
				if byDeadline[g] == nil {
					deadlines = append(deadlines, g)
				}
				byDeadline[g] = append(byDeadline[g], d.ID)
				total++
			}
			for _, g := range deadlines {
				// The message says how long is left: the offset, or less when
				// the sweep is late (the window opened or the deadline was
				// extended after the reminder's instant).
				closes, left := g.closesAt, min(off, g.closesAt.Sub(now).Round(time.Minute))
				if err := s.insertEvent(ctx, tx, KindReminder, byDeadline[g], EventData{Round: g.round, ClosesAt: &closes, OffsetSeconds: int64(left / time.Second)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return total, err
}

// NotifyOpenedCampaigns writes a campaign_opened event, once, for each
// campaign whose window has opened and not yet closed. Returns the campaigns.
func (s *Store) NotifyOpenedCampaigns(ctx context.Context) ([]int64, error) {
	var opened []int64
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		opened = nil
		now := s.ts(s.now())
		rows := []struct {
			ID       int64  `db:"id"`
			OpensAt  dbTime `db:"opens_at"`
			ClosesAt dbTime `db:"closes_at"`
		}{}
		if err := tx.SelectContext(ctx, &rows, tx.Rebind(`UPDATE campaigns SET opened_notified_at = ?
			WHERE opened_notified_at IS NULL AND opens_at <= ? RETURNING id, opens_at, closes_at`), now, now); err != nil {
			return err
		}
		for _, c := range rows {
			if !c.ClosesAt.After(s.now()) {
				continue // created after it closed: nothing to announce
			}
			var ids []int64
			if err := tx.SelectContext(ctx, &ids, tx.Rebind(`SELECT id FROM reports WHERE campaign_id = ? ORDER BY id`), c.ID); err != nil {
				return err
			}
			opens, closes := c.OpensAt.Time, c.ClosesAt.Time
			if err := s.insertEvent(ctx, tx, KindCampaignOpened, ids, EventData{OpensAt: &opens, ClosesAt: &closes}); err != nil {
				return err
			}
			opened = append(opened, c.ID)
		}
		return nil
	})
	return opened, err
}

// Upcoming returns the instants after now at which something is due, soonest
// first, at most limit: every deadline of a report not yet submitted or
// locked, each reminder offset before it, and every campaign opening not yet
// announced. The scheduler plans a cron entry at each.
func (s *Store) Upcoming(ctx context.Context, offsets []time.Duration, limit int) ([]time.Time, error) {
	now := s.now()
	var deadlines []dbTime
	err := s.db.SelectContext(ctx, &deadlines, s.db.Rebind(`SELECT DISTINCT `+deadlineExpr+` AS closes_at
		FROM reports r JOIN campaigns c ON c.id = r.campaign_id
		LEFT JOIN report_rounds rr ON rr.report_id = r.id AND rr.number = r.round
		WHERE r.state IN `+lockableStates+` AND `+deadlineExpr+` > ?
		ORDER BY closes_at LIMIT ?`), s.ts(now), limit)
	if err != nil {
		return nil, s.dbError(err)
	}
	var opens []dbTime
	if err := s.db.SelectContext(ctx, &opens, s.db.Rebind(`SELECT opens_at FROM campaigns WHERE opened_notified_at IS NULL AND opens_at > ? ORDER BY opens_at LIMIT ?`), s.ts(now), limit); err != nil {
		return nil, s.dbError(err)
	}
	seen := map[time.Time]bool{}
	var out []time.Time
	add := func(t time.Time) {
		if t.After(now) && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, d := range deadlines {
		add(d.Time)
		for _, off := range offsets {
			add(d.Add(-off))
		}
	}
	for _, o := range opens {
		add(o.Time)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
