package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// CreateCriteriaSet stores a parsed set. Returns ECONFLICT when the code is taken.
func (s *Store) CreateCriteriaSet(ctx context.Context, set *workflow.CriteriaSet) error {
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		id, err := insertID(ctx, tx, `INSERT INTO criteria_sets (code, name, agency_kind, max_points, created_at) VALUES (?, ?, ?, ?, ?)`,
			set.Code, set.Name, set.AgencyKind, set.MaxPoints, s.ts(s.now()))
		if err != nil {
			return s.duplicate(err, "code", "A criteria set with code %s already exists.", set.Code)
		}
		set.ID = id
		return insertCriteria(ctx, tx, set)
	})
}

// ReplaceCriteriaSet replaces the tree of a set no campaign uses yet. Returns
// ENOTFOUND, ECONFLICT when the set is frozen or the new code is taken.
func (s *Store) ReplaceCriteriaSet(ctx context.Context, id int64, set *workflow.CriteriaSet) error {
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		// The guarded UPDATE takes the row lock that campaign creation also
		// takes when it freezes the set, so the two cannot interleave.
		res, err := exec(ctx, tx, `UPDATE criteria_sets SET code = ?, name = ?, agency_kind = ?, max_points = ? WHERE id = ? AND frozen = ?`,
			set.Code, set.Name, set.AgencyKind, set.MaxPoints, id, false)
		if err != nil {
			return s.duplicate(err, "code", "A criteria set with code %s already exists.", set.Code)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var frozen bool
			err := tx.GetContext(ctx, &frozen, tx.Rebind(`SELECT frozen FROM criteria_sets WHERE id = ?`), id)
			if errors.Is(err, sql.ErrNoRows) {
				return workflow.Errorf(workflow.ENOTFOUND, "Criteria set %d not found.", id)
			} else if err != nil {
				return err
			}
			return workflow.Errorf(workflow.ECONFLICT, "Criteria set %d is used by a campaign and can no longer change.", id)
		}
		if _, err := exec(ctx, tx, `DELETE FROM criteria WHERE set_id = ?`, id); err != nil {
			return err
		}
		set.ID = id
		return insertCriteria(ctx, tx, set)
	})
}

func insertCriteria(ctx context.Context, tx *sqlx.Tx, set *workflow.CriteriaSet) error {
	for i, c := range set.Flatten() {
		if _, err := exec(ctx, tx, `INSERT INTO criteria (set_id, code, parent_code, position, title, max_points, method, step, exemptible, evidence, rule, ord)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			set.ID, c.Code, c.Parent, c.Position, c.Title, c.MaxPoints, c.Method, c.Step, c.Exemptible, c.Evidence, c.Rule, i); err != nil {
			return err
		}
	}
	return nil
}

// ListCriteriaSets returns every set without its tree.
func (s *Store) ListCriteriaSets(ctx context.Context) ([]workflow.CriteriaSet, error) {
	rows := []struct {
		ID         int64               `db:"id"`
		Code       string              `db:"code"`
		Name       string              `db:"name"`
		AgencyKind workflow.AgencyKind `db:"agency_kind"`
		MaxPoints  workflow.Points     `db:"max_points"`
		Frozen     bool                `db:"frozen"`
		Leaves     int                 `db:"leaves"`
	}{}
	err := s.db.SelectContext(ctx, &rows, `SELECT s.id, s.code, s.name, s.agency_kind, s.max_points, s.frozen,
		(SELECT COUNT(*) FROM criteria c WHERE c.set_id = s.id AND NOT EXISTS
			(SELECT 1 FROM criteria k WHERE k.set_id = s.id AND k.parent_code = c.code)) AS leaves
		FROM criteria_sets s ORDER BY s.id`)
	if err != nil {
		return nil, s.dbError(err)
	}
	sets := make([]workflow.CriteriaSet, len(rows))
	for i, r := range rows {
		sets[i] = workflow.CriteriaSet{ID: r.ID, Code: r.Code, Name: r.Name, AgencyKind: r.AgencyKind, MaxPoints: r.MaxPoints, Frozen: r.Frozen, Leaves: r.Leaves}
	}
	return sets, nil
}

// GetCriteriaSet returns a set with its tree, or ENOTFOUND.
func (s *Store) GetCriteriaSet(ctx context.Context, id int64) (*workflow.CriteriaSet, error) {
	set, err := s.criteriaSet(ctx, s.db, id)
	return set, s.dbError(err)
}

func loadCriteriaSet(ctx context.Context, q sqlx.ExtContext, id int64) (*workflow.CriteriaSet, error) {
	set := &workflow.CriteriaSet{}
	err := q.QueryRowxContext(ctx, q.Rebind(`SELECT id, code, name, agency_kind, frozen FROM criteria_sets WHERE id = ?`), id).
		Scan(&set.ID, &set.Code, &set.Name, &set.AgencyKind, &set.Frozen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Criteria set %d not found.", id)
	} else if err != nil {
		return nil, err
	}
	rows, err := q.QueryxContext(ctx, q.Rebind(`SELECT code, parent_code, position, title, max_points, method, step, exemptible, evidence, rule
		FROM criteria WHERE set_id = ? ORDER BY ord`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var flat []*workflow.Criterion
	for rows.Next() {
		c := &workflow.Criterion{}
		if err := rows.Scan(&c.Code, &c.Parent, &c.Position, &c.Title, &c.MaxPoints, &c.Method, &c.Step, &c.Exemptible, &c.Evidence, &c.Rule); err != nil {
			return nil, err
		}
		flat = append(flat, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	set.BuildTree(flat)
	return set, nil
}
