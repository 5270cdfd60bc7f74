package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// Audit kinds: what an administrative change is about.
const (
	AuditUser        = "user"
	AuditGrant       = "grant"
	AuditToken       = "token"
	AuditAgency      = "agency"
	AuditCriteriaSet = "criteria_set"
	AuditCampaign    = "campaign"
	AuditExemption   = "exemption"
	AuditImport      = "import"
	AuditSigner      = "signer"
)

// auditRow is one line of the administrative audit log. Detail is marshalled
// to JSON: what changed, old and new where there was an old.
type auditRow struct {
	Actor  *workflow.User // nil for the command line at the server
	Kind   string
	Action string // create, update, delete, revoke, import, …
	Target string // the id (or code) of the thing changed
	Detail any
	Meta   Meta
}

// insertAudit appends a row to the audit log inside tx, at the store's now.
// The table is append-only: nothing in the store updates or deletes it, and
// triggers in both dialects refuse it.
func (s *Store) insertAudit(ctx context.Context, tx *sqlx.Tx, a auditRow) error {
	detail := []byte("{}")
	if a.Detail != nil {
		var err error
		if detail, err = json.Marshal(a.Detail); err != nil {
			return err
		}
	}
	var actorID, issuedBy *int64
	if a.Actor != nil {
		actorID = &a.Actor.ID
	}
	if a.Meta.IssuedBy != nil {
		issuedBy = a.Meta.IssuedBy
	}
	_, err := exec(ctx, tx, `INSERT INTO audit_log (at, actor_id, issued_by, kind, action, target, detail, request_id, client_request_id, client_ip)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ts(s.now().UTC().Truncate(time.Microsecond)), actorID, issuedBy, a.Kind, a.Action, a.Target, string(detail),
		a.Meta.RequestID, a.Meta.ClientRequestID, a.Meta.ClientIP)
	return err
}

// AuditKinds lists every kind of the audit log, for filters.
var AuditKinds = []string{AuditUser, AuditGrant, AuditToken, AuditAgency, AuditCriteriaSet, AuditCampaign, AuditExemption, AuditImport, AuditSigner}

// AuditFilter narrows ListAudit; zero fields match everything. From is
// inclusive and To exclusive; Before pages back from an id; Limit is
// DefaultAuditLimit when 0 and at most MaxAuditLimit.
type AuditFilter struct {
	ActorID  int64
	Kind     string
	From, To *time.Time
	Before   int64
	Limit    int
}

// The page sizes of the audit log.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

// AuditEntry is one row of the audit log as administrators read it.
type AuditEntry struct {
	ID              int64
	At              time.Time
	Actor           *Actor // nil for the command line at the server
	IssuedBy        *Actor // the admin behind the actor's token, when not the actor
	Kind            string
	Action          string
	Target          string
	Detail          json.RawMessage
	RequestID       string
	ClientRequestID string
	ClientIP        string
}

// ListAudit returns the audit log's rows that match f, newest first (by id,
// the order they were written in).
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	if f.ActorID != 0 {
		where, args = append(where, "a.actor_id = ?"), append(args, f.ActorID)
	}
	if f.Kind != "" {
		where, args = append(where, "a.kind = ?"), append(args, f.Kind)
	}
	if f.From != nil {
		where, args = append(where, "a.at >= ?"), append(args, s.ts(*f.From))
	}
	if f.To != nil {
		where, args = append(where, "a.at < ?"), append(args, s.ts(*f.To))
	}
	if f.Before != 0 {
		where, args = append(where, "a.id < ?"), append(args, f.Before)
	}
	if f.Limit <= 0 {
		f.Limit = DefaultAuditLimit
	}
	f.Limit = min(f.Limit, MaxAuditLimit)
	query := `SELECT a.id, a.at, a.actor_id, u.email, a.issued_by, i.email AS issuer_email, a.kind, a.action, a.target, a.detail,
		a.request_id, a.client_request_id, a.client_ip
		FROM audit_log a
		LEFT JOIN users u ON u.id = a.actor_id
		LEFT JOIN users i ON i.id = a.issued_by`
	if where != nil {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY a.id DESC LIMIT ?"
	args = append(args, f.Limit)
	rows := []struct {
		ID              int64   `db:"id"`
		At              dbTime  `db:"at"`
		ActorID         *int64  `db:"actor_id"`
		Email           *string `db:"email"`
		IssuedBy        *int64  `db:"issued_by"`
		Issuer          *string `db:"issuer_email"`
		Kind            string  `db:"kind"`
		Action          string  `db:"action"`
		Target          string  `db:"target"`
		Detail          string  `db:"detail"`
		RequestID       string  `db:"request_id"`
		ClientRequestID string  `db:"client_request_id"`
		ClientIP        string  `db:"client_ip"`
	}{}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(query), args...); err != nil {
		return nil, s.dbError(err)
	}
	out := make([]AuditEntry, len(rows))
	for i, r := range rows {
		if r.Detail == "" {
			r.Detail = "{}"
		}
		out[i] = AuditEntry{ID: r.ID, At: r.At.Time, Actor: actor(r.ActorID, r.Email), IssuedBy: actor(r.IssuedBy, r.Issuer),
			Kind: r.Kind, Action: r.Action, Target: r.Target, Detail: json.RawMessage(r.Detail),
			RequestID: r.RequestID, ClientRequestID: r.ClientRequestID, ClientIP: r.ClientIP}
	}
	return out, nil
}
