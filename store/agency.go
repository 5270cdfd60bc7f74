package store

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// CreateAgency stores a new agency and the audit row saying who created it
// (actor; nil at the server), in one transaction. Returns EINVALID for bad
// fields and ECONFLICT when the code is taken.
func (s *Store) CreateAgency(ctx context.Context, actor *workflow.User, a *workflow.Agency, meta Meta) error {
	if err := a.Validate(); err != nil {
		return err
	}
	var id int64
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		if err := kindExists(ctx, tx, a.Kind, "kind"); err != nil {
			return err
		}
		var err error
		id, err = insertID(ctx, tx, `INSERT INTO agencies (code, name, kind, created_at) VALUES (?, ?, ?, ?)`,
			a.Code, a.Name, a.Kind, s.ts(s.now()))
		if err != nil {
			return s.duplicate(err, "code", "Đã có đơn vị mang mã %s.", a.Code)
		}
		created := *a
		created.ID = id
		return s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditAgency, Action: "create", Target: strconv.FormatInt(id, 10),
			Detail: created, Meta: meta})
	})
	if err != nil {
		return err
	}
	a.ID = id
	return nil
}

// ListAgencies returns every agency ordered by kind and code.
func (s *Store) ListAgencies(ctx context.Context) ([]workflow.Agency, error) {
	agencies := []workflow.Agency{}
	err := s.db.SelectContext(ctx, &agencies, `SELECT id, code, name, kind FROM agencies ORDER BY kind, code`)
	return agencies, s.dbError(err)
}

// agencyExists reports whether an agency id is known.
func agencyExists(ctx context.Context, tx *sqlx.Tx, id int64) (bool, error) {
	var n int
	err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM agencies WHERE id = ?`), id)
	return n > 0, err
}
