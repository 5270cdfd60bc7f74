package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// kindExists refuses a kind that is not a row of agency_kinds, naming field.
func kindExists(ctx context.Context, tx *sqlx.Tx, kind workflow.AgencyKind, field string) error {
	var n int
	if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM agency_kinds WHERE code = ?`), kind); err != nil {
		return err
	}
	if n == 0 {
		// The code as sent (a string, not a kind the catalogue would name).
		code := string(kind)
		return workflow.Errorf(workflow.EINVALID, "Không có loại đơn vị %s.", code).
			WithFields(workflow.Field(field, "Không có loại đơn vị %s.", code))
	}
	return nil
}

// ListAgencyKinds returns every kind of agency in display order.
func (s *Store) ListAgencyKinds(ctx context.Context) ([]workflow.KindInfo, error) {
	kinds := []workflow.KindInfo{}
	err := s.db.SelectContext(ctx, &kinds, `SELECT code, name, position FROM agency_kinds ORDER BY position, code`)
	return kinds, s.dbError(err)
}

// CreateAgencyKind adds a kind of agency (a block with its own criteria set,
// such as commune, UBND cấp xã) and writes the audit row, in one
// transaction. Returns EINVALID for bad fields, ECONFLICT when the code is
// taken.
func (s *Store) CreateAgencyKind(ctx context.Context, actor *workflow.User, k *workflow.KindInfo, meta Meta) error {
	if err := mayAdminister(actor, workflow.ActAgencyManage); err != nil {
		return err
	}
	if err := k.Validate(); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := exec(ctx, tx, `INSERT INTO agency_kinds (code, name, position) VALUES (?, ?, ?)`, k.Code, k.Name, k.Position); err != nil {
			return s.duplicate(err, "code", "Đã có loại đơn vị %s.", k.Code)
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditAgency, Action: "create-kind", Target: string(k.Code), Detail: k, Meta: meta})
	})
}

// AgencyRecord is an agency as the API shows it: whether it is active
// (a deactivated agency gets no report in a new campaign).
type AgencyRecord struct {
	workflow.Agency
	Active        bool
	DeactivatedAt *time.Time
}

// AgencyFilter narrows FindAgencies; zero fields match everything.
type AgencyFilter struct {
	ID     int64
	Code   string
	Kind   workflow.AgencyKind
	Active *bool
}

// FindAgencies returns the agencies that match f, ordered by kind (in the
// kinds' display order) and code.
func (s *Store) FindAgencies(ctx context.Context, f AgencyFilter) ([]AgencyRecord, error) {
	out, err := findAgencies(ctx, s.db, f)
	return out, s.dbError(err)
}

func findAgencies(ctx context.Context, q sqlx.ExtContext, f AgencyFilter) ([]AgencyRecord, error) {
	var where []string
	var args []any
	if f.ID != 0 {
		where, args = append(where, "a.id = ?"), append(args, f.ID)
	}
	if f.Code != "" {
		where, args = append(where, "a.code = ?"), append(args, workflow.NormalizeText(f.Code))
	}
	if f.Kind != "" {
		where, args = append(where, "a.kind = ?"), append(args, f.Kind)
	}
	if f.Active != nil && *f.Active {
		where = append(where, "a.deactivated_at IS NULL")
	} else if f.Active != nil {
		where = append(where, "a.deactivated_at IS NOT NULL")
	}
	query := `SELECT a.id, a.code, a.name, a.kind, a.deactivated_at FROM agencies a JOIN agency_kinds k ON k.code = a.kind`
	if where != nil {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows := []struct {
		workflow.Agency
		DeactivatedAt *dbTime `db:"deactivated_at"`
	}{}
	if err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(query+` ORDER BY k.position, a.kind, a.code`), args...); err != nil {
		return nil, err
	}
	out := make([]AgencyRecord, len(rows))
	for i, r := range rows {
		out[i] = AgencyRecord{Agency: r.Agency, Active: r.DeactivatedAt == nil, DeactivatedAt: r.DeactivatedAt.ptr()}
	}
	return out, nil
}

// AgencyRecord returns one agency, or ENOTFOUND.
func (s *Store) AgencyRecord(ctx context.Context, id int64) (*AgencyRecord, error) {
	a, err := agencyRecord(ctx, s.db, id)
	return a, s.dbError(err)
}

func agencyRecord(ctx context.Context, q sqlx.ExtContext, id int64) (*AgencyRecord, error) {
	list, err := findAgencies(ctx, q, AgencyFilter{ID: id})
	if err != nil {
		return nil, err
	} else if len(list) == 0 {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy đơn vị %d.", id)
	}
	return &list[0], nil
}

// AgencyPatch holds the fields of an agency to change; nil leaves a field as it is.
type AgencyPatch struct {
	Code *string
	Name *string
	Kind *workflow.AgencyKind
}

// UpdateAgency changes an agency's code, name or kind and writes the audit
// row (before and after), in one transaction. The kind decides the criteria
// set of the agency's reports, so it changes only while the agency has none.
// Returns ENOTFOUND, EINVALID, ECONFLICT for a taken code or a kind change
// of an agency with reports.
func (s *Store) UpdateAgency(ctx context.Context, actor *workflow.User, id int64, p AgencyPatch, meta Meta) (*AgencyRecord, error) {
	if err := mayAdminister(actor, workflow.ActAgencyManage); err != nil {
		return nil, err
	}
	var out *AgencyRecord
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		old, err := agencyRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		a := old.Agency
		if p.Code != nil {
			a.Code = *p.Code
		}
		if p.Name != nil {
			a.Name = *p.Name
		}
		if p.Kind != nil {
			a.Kind = *p.Kind
		}
		if err := a.Validate(); err != nil {
			return err
		}
		if a.Kind != old.Kind {
			if err := kindExists(ctx, tx, a.Kind, "kind"); err != nil {
				return err
			}
			var reports int
			if err := tx.GetContext(ctx, &reports, tx.Rebind(`SELECT COUNT(*) FROM reports WHERE agency_id = ?`), id); err != nil {
				return err
			} else if reports > 0 {
				return workflow.Errorf(workflow.ECONFLICT, "Đơn vị %s đã có báo cáo trong kỳ đánh giá nên không đổi được loại.", old.Code).
					WithFields(workflow.Field("kind", "Đơn vị đã có báo cáo nên không đổi được loại."))
			}
		}
		res, err := exec(ctx, tx, `UPDATE agencies SET code = ?, name = ?, kind = ? WHERE id = ? AND code = ? AND name = ? AND kind = ?`,
			a.Code, a.Name, a.Kind, id, old.Code, old.Name, old.Kind)
		if err != nil {
			return s.duplicate(err, "code", "Đã có đơn vị với mã %s.", a.Code)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return workflow.Errorf(workflow.ECONFLICT, "Đơn vị %d vừa được sửa: hãy tải lại rồi thử lại.", id)
		}
		if err := s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditAgency, Action: "update", Target: strconv.FormatInt(id, 10),
			Detail: struct {
				Before workflow.Agency `json:"before"`
				After  workflow.Agency `json:"after"`
			}{old.Agency, a}, Meta: meta}); err != nil {
			return err
		}
		out, err = agencyRecord(ctx, tx, id)
		return err
	})
	return out, err
}

// SetAgencyActive deactivates (active false) or reactivates an agency and
// writes the audit row, in one transaction. A deactivated agency keeps its
// reports, officials and history but gets no report in a campaign created
// afterwards, nor one added to a running campaign. Returns ENOTFOUND, or
// ECONFLICT when it already is so.
func (s *Store) SetAgencyActive(ctx context.Context, actor *workflow.User, id int64, active bool, meta Meta) (*AgencyRecord, error) {
	if err := mayAdminister(actor, workflow.ActAgencyManage); err != nil {
		return nil, err
	}
	var out *AgencyRecord
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		old, err := agencyRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		var at any
		action := "activate"
		switch {
		case old.Active && active:
			return workflow.Errorf(workflow.ECONFLICT, "Đơn vị %s đang hoạt động.", old.Code)
		case !old.Active && !active:
			return workflow.Errorf(workflow.ECONFLICT, "Đơn vị %s đã ngừng hoạt động.", old.Code)
		case !active:
			at, action = s.ts(s.now()), "deactivate"
		}
		if _, err := exec(ctx, tx, `UPDATE agencies SET deactivated_at = ? WHERE id = ?`, at, id); err != nil {
			return err
		}
		if err := s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditAgency, Action: action, Target: strconv.FormatInt(id, 10),
			Detail: old.Agency, Meta: meta}); err != nil {
			return err
		}
		out, err = agencyRecord(ctx, tx, id)
		return err
	})
	return out, err
}

// agencyActive reports whether an agency exists and is active: ENOTFOUND or
// ECONFLICT otherwise.
func agencyActive(ctx context.Context, tx *sqlx.Tx, id int64) (*AgencyRecord, error) {
	a, err := agencyRecord(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if !a.Active {
		return nil, workflow.Errorf(workflow.ECONFLICT, "Đơn vị %s đã ngừng hoạt động.", a.Code)
	}
	return a, nil
}
