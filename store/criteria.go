package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// CreateCriteriaSet stores a parsed set (a criteria import) and the audit
// row saying who imported it (actor; nil at the server), in one transaction.
// Returns ECONFLICT when the code is taken.
func (s *Store) CreateCriteriaSet(ctx context.Context, actor *workflow.User, set *workflow.CriteriaSet, meta Meta) error {
	var id int64
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		if err := kindExists(ctx, tx, set.AgencyKind, "agency_kind"); err != nil {
			return err
		}
		var err error
		id, err = insertID(ctx, tx, `INSERT INTO criteria_sets (code, name, agency_kind, max_points, created_at) VALUES (?, ?, ?, ?, ?)`,
			set.Code, set.Name, set.AgencyKind, set.MaxPoints, s.ts(s.now()))
		if err != nil {
			return s.duplicate(err, "code", "Đã có bộ tiêu chí mang mã %s.", set.Code)
		}
		if err := insertCriteria(ctx, tx, id, set); err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditCriteriaSet, Action: "create", Target: strconv.FormatInt(id, 10),
			Detail: newSetDetail(set), Meta: meta})
	})
	if err != nil {
		return err
	}
	set.ID = id
	return nil
}

// setDetail is a criteria set as the audit log records it: its heading, not
// its tree.
type setDetail struct {
	Code       string              `json:"code" db:"code"`
	Name       string              `json:"name" db:"name"`
	AgencyKind workflow.AgencyKind `json:"agency_kind" db:"agency_kind"`
	MaxPoints  workflow.Points     `json:"max_points" db:"max_points"`
	Leaves     int                 `json:"leaves" db:"leaves"`
}

func newSetDetail(set *workflow.CriteriaSet) setDetail {
	return setDetail{Code: set.Code, Name: set.Name, AgencyKind: set.AgencyKind, MaxPoints: set.MaxPoints, Leaves: set.Leaves}
}

// ReplaceCriteriaSet replaces the tree of a set no campaign uses yet and
// records the old and the new heading in the audit log, in one transaction.
// Returns ENOTFOUND, ECONFLICT when the set is frozen or the new code is taken.
func (s *Store) ReplaceCriteriaSet(ctx context.Context, actor *workflow.User, id int64, set *workflow.CriteriaSet, meta Meta) error {
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		// The UPDATE takes the row lock that campaign creation also takes
		// when it freezes the set, so the two cannot interleave, and what is
		// read next is the set as it is until this commits.
		res, err := exec(ctx, tx, `UPDATE criteria_sets SET frozen = frozen WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy bộ tiêu chí %d.", id)
		}
		var old struct {
			setDetail
			Frozen bool `db:"frozen"`
		}
		if err := tx.GetContext(ctx, &old, tx.Rebind(`SELECT s.code, s.name, s.agency_kind, s.max_points, s.frozen,
			(SELECT COUNT(*) FROM criteria c WHERE c.set_id = s.id AND NOT EXISTS
				(SELECT 1 FROM criteria k WHERE k.set_id = s.id AND k.parent_code = c.code)) AS leaves
			FROM criteria_sets s WHERE s.id = ?`), id); err != nil {
			return err
		}
		if old.Frozen {
			return workflow.Errorf(workflow.ECONFLICT, "Bộ tiêu chí %d đã được dùng cho một kỳ đánh giá nên không thể sửa nữa.", id)
		}
		if err := kindExists(ctx, tx, set.AgencyKind, "agency_kind"); err != nil {
			return err
		}
		if _, err := exec(ctx, tx, `UPDATE criteria_sets SET code = ?, name = ?, agency_kind = ?, max_points = ? WHERE id = ?`,
			set.Code, set.Name, set.AgencyKind, set.MaxPoints, id); err != nil {
			return s.duplicate(err, "code", "Đã có bộ tiêu chí mang mã %s.", set.Code)
		}
		if _, err := exec(ctx, tx, `DELETE FROM criteria WHERE set_id = ?`, id); err != nil {
			return err
		}
		if err := insertCriteria(ctx, tx, id, set); err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditCriteriaSet, Action: "replace", Target: strconv.FormatInt(id, 10),
			Detail: struct {
				Old setDetail `json:"old"`
				New setDetail `json:"new"`
			}{old.setDetail, newSetDetail(set)}, Meta: meta})
	})
	if err != nil {
		return err
	}
	set.ID = id
	return nil
}

func insertCriteria(ctx context.Context, tx *sqlx.Tx, setID int64, set *workflow.CriteriaSet) error {
	for i, c := range set.Flatten() {
		if _, err := exec(ctx, tx, `INSERT INTO criteria (set_id, code, parent_code, position, title, max_points, method, step, exemptible, evidence, rule, ord)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			setID, c.Code, c.Parent, c.Position, c.Title, c.MaxPoints, c.Method, c.Step, c.Exemptible, c.Evidence, c.Rule, i); err != nil {
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
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy bộ tiêu chí %d.", id)
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
