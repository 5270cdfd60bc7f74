package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// This file is the one path every transition takes, in the order it takes
// it (docs/architecture.md walks it):
//
//  1. load what the decision needs: the report's header, and its entries or
//     signed summary when the event's content guard reads them — from this
//     replica's decision cache (reportcache.go) when it has them, else from
//     the database;
//  2. ask the workflow: workflow.Decide (policy, If-Match, window, state,
//     reason), then the event's content guard and deadline change, both
//     columns of workflow.Transitions;
//  3. the guarded write: state, version, history and outbox together, WHERE
//     the report is still in the state and version decided on, the caller's
//     credential still holds its grant, and no newer signed summary arrived;
//  4. answer: the report's new header. A decision on cached data that fails
//     in any way is made once more, on a fresh read, and that is the answer.

// Transition fires an event on a report (the path above). The decision is
// made at the store's clock, and the window is checked again at the instant
// of writing, which the history records, so nothing is accepted after a
// deadline. A caller with a credential (u.TokenID, set by Authenticate) may
// come from a cache of callers: the write checks the credential in SQL, and
// a cached decision that fails is decided again after reading the caller
// anew. round carries open_round's and extend's closes_at (and
// open_round's criteria; a round opened on one report opens at once).
// Returns, in the API's order: EUNAUTHORIZED (a revoked token), ENOTFOUND,
// EINVALID (unknown event), EFORBIDDEN, EPRECONDITION, ELOCKED, ECONFLICT,
// EINVALID (content).
func (s *Store) Transition(ctx context.Context, u *workflow.User, id int64, req workflow.TransitionRequest, round *workflow.RoundRequest, meta Meta) (*workflow.Report, error) {
	// 1–4 on what this replica last knew of the report.
	if in, ok := s.cachedDecision(u, id); ok && round == nil {
		r, err := s.fire(ctx, u, in, req, nil, meta)
		if err == nil {
			return r, nil
		}
		if code := workflow.ErrorCode(s.dbError(err)); code == workflow.EINTERNAL || code == workflow.EUNAVAILABLE {
			return nil, s.dbError(err)
		}
		// Whatever the cached report or caller got wrong, decide afresh.
	}
	if u != nil && u.TokenID != 0 {
		fresh, err := s.reauthenticate(ctx, u)
		if err != nil {
			return nil, s.dbError(err)
		}
		u = fresh
	}
	in, err := s.freshDecision(ctx, u, id)
	if err != nil {
		return nil, s.dbError(err)
	}
	r, err := s.fire(ctx, u, in, req, round, meta)
	return r, s.dbError(err)
}

// decisionInput is what a transition decides on: the report's header and,
// when known, its entries' values at that version.
type decisionInput struct {
	R      *workflow.Report
	values map[string]workflow.EntryValue // nil: not known yet
	cached bool                           // from the decision cache
}

// cachedDecision is step 1 from the decision cache, when it holds the report
// and the caller may see it.
func (s *Store) cachedDecision(u *workflow.User, id int64) (decisionInput, bool) {
	r, values, ok := s.cachedReport(id)
	if !ok || workflow.Can(u, workflow.ActReportSee, workflow.Target{AgencyID: r.AgencyID}) != nil {
		return decisionInput{}, false
	}
	return decisionInput{R: r, values: values, cached: true}, true
}

// freshDecision is step 1 from the database; it refreshes the cache.
func (s *Store) freshDecision(ctx context.Context, u *workflow.User, id int64) (decisionInput, error) {
	r, err := s.loadReport(ctx, s.db, u, id)
	if err != nil {
		return decisionInput{}, err
	}
	s.cacheReport(r, nil)
	return decisionInput{R: r}, nil
}

// fire is steps 2 to 4: decide, write, answer.
func (s *Store) fire(ctx context.Context, u *workflow.User, in decisionInput, req workflow.TransitionRequest, round *workflow.RoundRequest, meta Meta) (*workflow.Report, error) {
	w, err := s.decide(ctx, u, in, req, round, meta)
	if err != nil {
		return nil, err
	}
	if err := s.write(ctx, w); err != nil {
		return nil, err
	}
	return w.R, nil
}

// decide is step 2: the workflow's decision, then the event's content
// guard and deadline change (columns of workflow.Transitions), reading what
// they need. A cached input lets the signed summary's cached verdict serve.
func (s *Store) decide(ctx context.Context, u *workflow.User, in decisionInput, req workflow.TransitionRequest, round *workflow.RoundRequest, meta Meta) (*transitionWrite, error) {
	r := in.R
	now := s.now()
	d, err := workflow.Decide(r, u, req, now)
	if err != nil {
		return nil, err
	}
	if req.Invalid != nil {
		return nil, req.Invalid
	}
	w := &transitionWrite{R: r, D: d, Actor: u, Reason: req.Reason, IfMatch: req.IfMatch != nil, Meta: meta, values: in.values}
	switch d.Guard {
	case workflow.GuardComplete:
		set, err := s.criteriaSet(ctx, s.db, r.CriteriaSetID)
		if err != nil {
			return nil, err
		}
		if w.values == nil {
			if w.values, err = loadEntryValues(ctx, s.db, r.ID); err != nil {
				return nil, err
			}
		}
		r.Fill(set, w.values)
		if missing := r.MissingForComplete(); missing != nil {
			return nil, workflow.Errorf(workflow.EINVALID, "Còn %d tiêu chí cần điểm tự chấm và tài liệu kiểm chứng hoặc giải trình.", len(missing)).WithFields(missing...)
		}
	case workflow.GuardSignedSummary:
		if w.Summary, err = s.checkSignedSummary(ctx, s.db, r, !in.cached); err != nil {
			return nil, err
		}
	case workflow.GuardSignedContent:
		if w.Summary, err = s.checkSubmittedSummary(ctx, s.db, r); err != nil {
			return nil, err
		}
	}
	switch d.Deadline {
	case workflow.DeadlineExtend:
		if round == nil {
			return nil, workflow.Errorf(workflow.EINVALID, "Cần nêu hạn mới (closes_at) để gia hạn.").
				WithFields(workflow.FieldError{Field: "closes_at", Message: "Bắt buộc."})
		}
		if !round.ClosesAt.After(now) || !round.ClosesAt.After(r.OpensAt) {
			return nil, workflow.Errorf(workflow.EINVALID, "Hạn mới phải ở tương lai.").
				WithFields(workflow.FieldError{Field: "closes_at", Message: "Phải sau thời điểm hiện tại."})
		}
		w.Extend = &round.ClosesAt
	case workflow.DeadlineNewRound:
		if round == nil {
			return nil, workflow.Errorf(workflow.EINVALID, "Cần nêu hạn (closes_at) của đợt bổ sung.").
				WithFields(workflow.FieldError{Field: "closes_at", Message: "Bắt buộc."})
		}
		rr := *round
		rr.OpensAt = now
		if err := rr.Validate(now); err != nil {
			return nil, err
		}
		if w.Round, err = s.roundSpecFor(ctx, s.db, r, rr); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// write is step 3: the guarded write, then the cache keeps the report's new
// header (or drops it when its window changed). On PostgreSQL a transition
// that opens no round is one statement; otherwise it is a short transaction.
func (s *Store) write(ctx context.Context, w *transitionWrite) error {
	if s.beforeWrite != nil {
		s.beforeWrite()
	}
	var err error
	if s.dialect == Postgres && w.Round == nil {
		err = s.writePostgres(ctx, w)
	} else {
		err = s.withTx(ctx, func(tx *sqlx.Tx) error { return s.applyTransition(ctx, tx, w) })
	}
	if err != nil {
		s.forgetReport(w.R.ID)
		return err
	}
	if w.Round != nil || w.Extend != nil {
		s.forgetReport(w.R.ID)
	} else {
		s.cacheReport(w.R, w.values) // a transition leaves the entries as they were
	}
	return nil
}

// transitionWrite is a decided transition, ready to be written.
type transitionWrite struct {
	R       *workflow.Report // as read; its state and version guard the write
	D       workflow.Decision
	Actor   *workflow.User
	Reason  string
	IfMatch bool       // a lost guard is EPRECONDITION rather than ECONFLICT
	Round   *roundSpec // open_round's new window, which replaces any extension
	Extend  *time.Time // extend's new deadline for this report
	Summary int64      // sign and submit: the signed summary checked, which must still be the latest
	Meta    Meta
	now     any                            // the write's instant, as stored
	values  map[string]workflow.EntryValue // the entries decided on, when read or cached
}

// guardSQL is the WHERE clause every transition write carries: the report is
// still in the state and version it was read in, the caller's credential
// still holds and, for sign and submit, no signed summary arrived after the
// one checked.
func (w *transitionWrite) guardSQL() (string, []any) {
	where, args := `id = ? AND state = ? AND version = ?`, []any{w.R.ID, w.R.State, w.R.Version}
	if w.Summary != 0 {
		where += ` AND NOT EXISTS (SELECT 1 FROM signed_summaries ss WHERE ss.report_id = ? AND ss.id > ?)`
		args = append(args, w.R.ID, w.Summary)
	}
	if w.Actor != nil && w.Actor.TokenID != 0 {
		// The credential check: the caller's token is still valid, its user
		// active and still holding the grant the decision used, at the moment of
		// writing (the caller may have come from a cache).
		where += ` AND EXISTS (SELECT 1 FROM tokens t JOIN grants g ON g.user_id = t.user_id JOIN users tu ON tu.id = t.user_id
			WHERE t.id = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?) AND tu.deactivated_at IS NULL
			AND g.role = ? AND (g.agency_id IS NULL OR g.agency_id = ?))`
		args = append(args, w.Actor.TokenID, w.now, w.D.Role, w.R.AgencyID)
	}
	return where, args
}

// writeTime is the instant a transition is written at, which its history
// records. The decision was made a moment earlier, on a report read before
// the write; an event that needs the window checks it again now, so that a
// write queued behind others cannot land after the deadline.
func (w *transitionWrite) writeTime(now time.Time, s *Store) (any, error) {
	if w.D.NeedsWindow {
		if err := w.R.CheckWindow(now); err != nil {
			return nil, err
		}
	}
	w.now = s.ts(now)
	return w.now, nil
}

// setSQL is the SET clause: the new state, round and version, where a locked
// report was locked from and, for open_round and extend, its own deadline.
func (s *Store) setSQL(w *transitionWrite, now any) (string, []any) {
	var lockedFrom any
	if w.D.To == workflow.StateLocked {
		lockedFrom = string(w.D.From)
	}
	set, args := `state = ?, round = ?, version = version + 1, locked_from = ?, updated_at = ?`, []any{w.D.To, w.D.Round, lockedFrom, now}
	switch w.D.Deadline {
	case workflow.DeadlineNewRound:
		set += `, closes_at = NULL` // the new round's window rules
	case workflow.DeadlineExtend:
		set += `, closes_at = ?`
		args = append(args, s.ts(*w.Extend))
	}
	return set, args
}

// history is the audit row a transition appends.
func (s *Store) history(w *transitionWrite, now any) historyRow {
	h := historyRow{ReportID: w.R.ID, At: now, Role: w.D.Role, Event: string(w.D.Event), From: w.D.From, To: w.D.To,
		Round: w.D.Round, Reason: workflow.NormalizeText(w.Reason), Meta: w.Meta}
	if w.Actor != nil {
		h.ActorID = &w.Actor.ID
	}
	switch {
	case w.Round != nil:
		h.ClosesAt = s.ts(w.Round.ClosesAt)
	case w.Extend != nil:
		h.ClosesAt = s.ts(*w.Extend)
	}
	return h
}

// applyTransition writes a decided transition inside tx: the guarded state
// change, for open_round the new round's window, the history row and the
// outbox event it causes. The caller commits.
func (s *Store) applyTransition(ctx context.Context, tx *sqlx.Tx, w *transitionWrite) error {
	now, err := w.writeTime(s.now(), s)
	if err != nil {
		return err
	}
	set, args := s.setSQL(w, now)
	where, guard := w.guardSQL()
	res, err := exec(ctx, tx, `UPDATE reports SET `+set+` WHERE `+where, append(args, guard...)...)
	if err != nil {
		return err
	}
	if err := checkOneRow(res, w.IfMatch); err != nil {
		return err
	}
	if w.Round != nil {
		criteria, err := json.Marshal(w.Round.Criteria)
		if err != nil {
			return err
		}
		if _, err := exec(ctx, tx, `INSERT INTO report_rounds (report_id, number, opens_at, closes_at, criteria, note) VALUES (?, ?, ?, ?, ?, ?)`,
			w.R.ID, w.D.Round, s.ts(w.Round.OpensAt), s.ts(w.Round.ClosesAt), string(criteria), w.Round.Note); err != nil {
			return err
		}
	}
	if err := insertHistory(ctx, tx, s.history(w, now)); err != nil {
		return err
	}
	if kind, data, ok := transitionEvent(w); ok {
		if err := s.insertEvent(ctx, tx, kind, []int64{w.R.ID}, data); err != nil {
			return err
		}
	}
	w.R.State, w.R.Round, w.R.Version = w.D.To, w.D.Round, w.R.Version+1
	return nil
}

// writePostgres writes a transition without a round in a single
// statement: the guarded UPDATE feeds the history and outbox INSERTs, so the
// three commit together or not at all, in one round trip instead of five
// (BEGIN, three statements, COMMIT). The dialect matters here because only
// PostgreSQL has data-modifying CTEs; SQLite, whose writers are serialised
// anyway, uses applyTransition in a short transaction.
func (s *Store) writePostgres(ctx context.Context, w *transitionWrite) error {
	now, err := w.writeTime(s.now(), s)
	if err != nil {
		return err
	}
	set, args := s.setSQL(w, now)
	where, guard := w.guardSQL()
	h := s.history(w, now)
	// The history INSERT is the statement's own, so that its row count says
	// whether the guarded UPDATE happened; an Exec, unlike a query, costs
	// database/sql no goroutine to watch the request's context.
	query := `WITH changed AS (UPDATE reports SET ` + set + ` WHERE ` + where + ` RETURNING id)`
	args = append(args, guard...)
	if kind, data, ok := transitionEvent(w); ok {
		ids, _ := json.Marshal([]int64{w.R.ID})
		d, err := json.Marshal(data)
		if err != nil {
			return err
		}
		query += `,
	evented AS (INSERT INTO outbox (kind, report_ids, data, created_at) SELECT ?, ?, ?, ?::timestamptz FROM changed)`
		args = append(args, kind, string(ids), string(d), now)
	}
	query += `
	INSERT INTO history (report_id, at, actor_id, role, event, from_state, to_state, round, reason, closes_at, request_id, client_ip, client_request_id, issued_by)
		SELECT id, ?::timestamptz, ?::bigint, ?, ?, ?, ?, ?::int, ?, ?::timestamptz, ?, ?, ?, ?::bigint FROM changed`
	args = append(args, h.At, h.ActorID, h.Role, h.Event, h.From, h.To, h.Round, h.Reason, h.ClosesAt, h.Meta.RequestID, h.Meta.ClientIP,
		h.Meta.ClientRequestID, h.Meta.IssuedBy)
	res, err := s.db.ExecContext(ctx, s.db.Rebind(query), args...)
	if err != nil {
		return s.dbError(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		if w.IfMatch {
			return workflow.Errorf(workflow.EPRECONDITION, "Báo cáo vừa được người khác thay đổi: hãy tải lại.")
		}
		return workflow.Errorf(workflow.ECONFLICT, "Báo cáo vừa được người khác thay đổi: hãy tải lại và thử lại.")
	}
	w.R.State, w.R.Round, w.R.Version = w.D.To, w.D.Round, w.R.Version+1
	return nil
}

// transitionEvent is the outbox event a transition causes, if any.
func transitionEvent(w *transitionWrite) (string, EventData, bool) {
	d := w.D
	data := EventData{Round: d.Round, Reason: workflow.NormalizeText(w.Reason)}
	if w.Actor != nil {
		data.Actor = w.Actor.Name
	}
	if d.Notifies == "" {
		return "", data, false
	}
	switch d.Deadline {
	case workflow.DeadlineExtend:
		data.ClosesAt = w.Extend
	case workflow.DeadlineNewRound:
		r := w.Round
		data.Reason = ""
		data.OpensAt, data.ClosesAt, data.Criteria, data.Note = &r.OpensAt, &r.ClosesAt, r.Criteria, r.Note
	}
	return d.Notifies, data, true
}

// historyRow is one line of a report's audit trail.
type historyRow struct {
	ReportID int64
	At       any
	ActorID  *int64
	Role     workflow.Role
	Event    string
	From, To workflow.State
	Round    int
	Reason   string
	ClosesAt any    // the new deadline of open_round and extend
	Detail   string // JSON of what changed beyond the state (exemptions), or ""
	Meta     Meta   // its IssuedBy is the administrator behind the actor's token
}

func insertHistory(ctx context.Context, tx *sqlx.Tx, h historyRow) error {
	_, err := exec(ctx, tx, `INSERT INTO history (report_id, at, actor_id, role, event, from_state, to_state, round, reason, closes_at, request_id, client_ip, client_request_id, issued_by, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.ReportID, h.At, h.ActorID, h.Role, h.Event, h.From, h.To, h.Round, h.Reason, h.ClosesAt, h.Meta.RequestID, h.Meta.ClientIP,
		h.Meta.ClientRequestID, h.Meta.IssuedBy, h.Detail)
	return err
}
