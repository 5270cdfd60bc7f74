package store

import (
	"context"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// CreateAgency stores a new agency. Returns EINVALID for bad fields and
// ECONFLICT when the code is taken.
func (s *Store) CreateAgency(ctx context.Context, a *workflow.Agency) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		id, err := insertID(ctx, tx, `INSERT INTO agencies (code, name, kind, created_at) VALUES (?, ?, ?, ?)`,
			a.Code, a.Name, a.Kind, s.ts(s.now()))
		if err != nil {
			return s.duplicate(err, "code", "An agency with code %s already exists.", a.Code)
		}
		a.ID = id
		return nil
	})
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
