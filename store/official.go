package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// ImportResult counts what an officials import did. A row counts as Updated
// only when it changed something (the name, the title or a new grant); a row
// that matches what is stored counts as Unchanged.
type ImportResult struct {
	Created   int
	Updated   int
	Unchanged int
	// CreatedIDs and UpdatedIDs are the users created and updated, in the
	// list's order.
	CreatedIDs []int64
	UpdatedIDs []int64
}

// ImportOfficials applies an agency's list of officials in one transaction:
// all of it or, on any error, nothing. Each official is matched to a user by
// email (NormalizeEmail). A new email creates the user with the name, the
// title and the row's role for the agency. A known one gets the name and
// title of the list and the role if they lack it; the grants they hold (the
// agency's other role, roles of other agencies, admin or council) stay.
// An import never removes a grant: an official who left is not "missing from
// the list" but removed on purpose, elsewhere.
//
// The import writes one audit row (kind import) saying who imported the list
// (actor: an admin over the API, nil at the server's command line), the
// counts and the ids of the users created and updated.
//
// Returns ENOTFOUND for an unknown agency and EINVALID, naming rows as
// ParseOfficials does, for a list that does not validate. Two imports racing
// to create the same user answer ECONFLICT to the loser, which may retry.
func (s *Store) ImportOfficials(ctx context.Context, actor *workflow.User, agencyID int64, officials []workflow.Official, meta Meta) (ImportResult, error) {
	var res ImportResult
	// Validate a copy: normalising must not rewrite the caller's rows.
	list := append([]workflow.Official(nil), officials...)
	if err := workflow.ValidateOfficials(list); err != nil {
		return res, err
	}
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		if ok, err := agencyExists(ctx, tx, agencyID); err != nil {
			return err
		} else if !ok {
			return workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy đơn vị %d.", agencyID)
		}
		res.CreatedIDs, res.UpdatedIDs = []int64{}, []int64{}
		for _, o := range list {
			id, created, changed, err := s.importOfficial(ctx, tx, agencyID, o)
			switch {
			case err != nil:
				return err
			case created:
				res.Created++
				res.CreatedIDs = append(res.CreatedIDs, id)
			case changed:
				res.Updated++
				res.UpdatedIDs = append(res.UpdatedIDs, id)
			default:
				res.Unchanged++
			}
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditImport, Action: "officials", Target: strconv.FormatInt(agencyID, 10),
			Detail: struct {
				AgencyID   int64   `json:"agency_id"`
				Created    int     `json:"created"`
				Updated    int     `json:"updated"`
				Unchanged  int     `json:"unchanged"`
				CreatedIDs []int64 `json:"created_ids"`
				UpdatedIDs []int64 `json:"updated_ids"`
			}{agencyID, res.Created, res.Updated, res.Unchanged, res.CreatedIDs, res.UpdatedIDs}, Meta: meta})
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// importOfficial creates or updates one official, adds their grant and
// returns their user id.
func (s *Store) importOfficial(ctx context.Context, tx *sqlx.Tx, agencyID int64, o workflow.Official) (id int64, created, changed bool, err error) {
	var u struct {
		ID    int64  `db:"id"`
		Name  string `db:"name"`
		Title string `db:"title"`
	}
	err = tx.GetContext(ctx, &u, tx.Rebind(`SELECT id, name, title FROM users WHERE email = ?`), o.Email)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		created = true
		u.ID, err = insertID(ctx, tx, `INSERT INTO users (email, name, title, created_at) VALUES (?, ?, ?, ?)`,
			o.Email, o.Name, o.Title, s.ts(s.now()))
		if err != nil {
			return 0, false, false, err
		}
	case err != nil:
		return 0, false, false, err
	case u.Name != o.Name || u.Title != o.Title:
		changed = true
		if _, err := exec(ctx, tx, `UPDATE users SET name = ?, title = ? WHERE id = ?`, o.Name, o.Title, u.ID); err != nil {
			return 0, false, false, err
		}
	}
	var n int
	if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM grants WHERE user_id = ? AND role = ? AND agency_id = ?`),
		u.ID, o.Role, agencyID); err != nil {
		return 0, false, false, err
	}
	if n == 0 {
		changed = true
		if _, err := exec(ctx, tx, `INSERT INTO grants (user_id, role, agency_id) VALUES (?, ?, ?)`, u.ID, o.Role, agencyID); err != nil {
			return 0, false, false, err
		}
	}
	return u.ID, created, changed, nil
}

// AgencyByCode finds an agency by its code (as typed: trimmed, NFC, exact
// case). Returns ENOTFOUND when no agency has it.
func (s *Store) AgencyByCode(ctx context.Context, code string) (*workflow.Agency, error) {
	a := &workflow.Agency{}
	err := s.db.GetContext(ctx, a, s.db.Rebind(`SELECT id, code, name, kind FROM agencies WHERE code = ?`), workflow.NormalizeText(code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Không có đơn vị nào mang mã %q.", workflow.NormalizeText(code))
	}
	if err != nil {
		return nil, s.dbError(err)
	}
	return a, nil
}
