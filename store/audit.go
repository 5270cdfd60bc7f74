package store

import (
	"context"
	"encoding/json"
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
