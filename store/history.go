package store

import (
	"context"
	"encoding/json"
	"time"

	"parindex/workflow"
)

// Actor names who did something; nil in JSON for the system.
type Actor struct {
	ID    int64
	Email string
}

// actor names a user from a LEFT JOIN; nil for the system.
func actor(id *int64, email *string) *Actor {
	if id == nil {
		return nil
	}
	a := &Actor{ID: *id}
	if email != nil {
		a.Email = *email
	}
	return a
}

// HistoryEntry is one step of a report's audit trail.
type HistoryEntry struct {
	At        time.Time
	Actor     *Actor
	Role      workflow.Role
	Event     string
	From      workflow.State
	To        workflow.State
	Round     int
	Reason    string
	ClosesAt  *time.Time // the deadline set by open_round or extend
	RequestID string
	// ClientRequestID is the client's own X-Request-Id, kept beside ours.
	ClientRequestID string
	ClientIP        string
	// IssuedBy is the administrator who issued the token the actor used,
	// when that was someone else: the change was made on the actor's behalf.
	IssuedBy *Actor
	// Detail is what changed beyond the state, as a JSON object (exemptions:
	// codes_before, codes_after, max_before, max_after); nil when nothing.
	Detail json.RawMessage
}

// History returns a report's audit trail, oldest first, or ENOTFOUND.
func (s *Store) History(ctx context.Context, u *workflow.User, id int64) ([]HistoryEntry, error) {
	rep, err := s.loadReport(ctx, s.db, u, id)
	if err != nil {
		return nil, s.dbError(err)
	}
	// Where a request came from is for the administrators' audit, not for
	// every official who may read the report: the policy decides.
	origin := workflow.Allows(u, workflow.ActHistoryOrigin, workflow.Target{AgencyID: rep.AgencyID})
	rows := []struct {
		At        dbTime         `db:"at"`
		ActorID   *int64         `db:"actor_id"`
		Email     *string        `db:"email"`
		Role      workflow.Role  `db:"role"`
		Event     string         `db:"event"`
		From      workflow.State `db:"from_state"`
		To        workflow.State `db:"to_state"`
		Round     int            `db:"round"`
		Reason    string         `db:"reason"`
		ClosesAt  *dbTime        `db:"closes_at"`
		RequestID string         `db:"request_id"`
		ClientRID string         `db:"client_request_id"`
		ClientIP  string         `db:"client_ip"`
		IssuedBy  *int64         `db:"issued_by"`
		Issuer    *string        `db:"issuer_email"`
		Detail    string         `db:"detail"`
	}{}
	err = s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT h.at, h.actor_id, u.email, h.role, h.event, h.from_state, h.to_state, h.round, h.reason, h.closes_at, h.request_id, h.client_request_id, h.client_ip,
		h.issued_by, i.email AS issuer_email, h.detail
		FROM history h LEFT JOIN users u ON u.id = h.actor_id LEFT JOIN users i ON i.id = h.issued_by WHERE h.report_id = ? ORDER BY h.id`), id)
	if err != nil {
		return nil, s.dbError(err)
	}
	out := make([]HistoryEntry, len(rows))
	for i, r := range rows {
		out[i] = HistoryEntry{At: r.At.Time, Actor: actor(r.ActorID, r.Email), Role: r.Role, Event: r.Event, From: r.From, To: r.To,
			Round: r.Round, Reason: r.Reason, ClosesAt: r.ClosesAt.ptr(), RequestID: r.RequestID, ClientRequestID: r.ClientRID, ClientIP: r.ClientIP,
			IssuedBy: actor(r.IssuedBy, r.Issuer)}
		if r.Detail != "" {
			out[i].Detail = json.RawMessage(r.Detail)
		}
		if !origin {
			out[i].RequestID, out[i].ClientRequestID, out[i].ClientIP = "", "", ""
		}
	}
	return out, nil
}

// Revision is one change of one entry: who, when, in which round, old and new.
type Revision struct {
	Code           string
	Round          int
	At             time.Time
	Actor          *Actor
	OldScore       *workflow.Points
	NewScore       *workflow.Points
	OldExplanation string
	NewExplanation string
	// IssuedBy is the administrator who issued the token the actor used,
	// when that was someone else.
	IssuedBy *Actor
}

// Revisions returns every entry change of a report (of one code when code is
// not empty), oldest first, so the council sees what each round changed.
func (s *Store) Revisions(ctx context.Context, u *workflow.User, id int64, code string) ([]Revision, error) {
	if _, err := s.loadReport(ctx, s.db, u, id); err != nil {
		return nil, s.dbError(err)
	}
	query := `SELECT v.code, v.round, v.at, v.actor_id, u.email, v.old_score, v.new_score, v.old_explanation, v.new_explanation,
		v.issued_by, i.email AS issuer_email
		FROM entry_revisions v LEFT JOIN users u ON u.id = v.actor_id LEFT JOIN users i ON i.id = v.issued_by WHERE v.report_id = ?`
	args := []any{id}
	if code != "" {
		query, args = query+` AND v.code = ?`, append(args, workflow.NormalizeText(code))
	}
	rows := []struct {
		Code           string           `db:"code"`
		Round          int              `db:"round"`
		At             dbTime           `db:"at"`
		ActorID        *int64           `db:"actor_id"`
		Email          *string          `db:"email"`
		OldScore       *workflow.Points `db:"old_score"`
		NewScore       *workflow.Points `db:"new_score"`
		OldExplanation string           `db:"old_explanation"`
		NewExplanation string           `db:"new_explanation"`
		IssuedBy       *int64           `db:"issued_by"`
		Issuer         *string          `db:"issuer_email"`
	}{}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(query+` ORDER BY v.id`), args...); err != nil {
		return nil, s.dbError(err)
	}
	out := make([]Revision, len(rows))
	for i, r := range rows {
		out[i] = Revision{Code: r.Code, Round: r.Round, At: r.At.Time, Actor: actor(r.ActorID, r.Email),
			OldScore: r.OldScore, NewScore: r.NewScore, OldExplanation: r.OldExplanation, NewExplanation: r.NewExplanation,
			IssuedBy: actor(r.IssuedBy, r.Issuer)}
	}
	return out, nil
}
