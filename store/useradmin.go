package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// UserRecord is a user as administrators see them: the user with their
// grants, whether they may sign in, and when they were created.
type UserRecord struct {
	workflow.User
	Active        bool
	DeactivatedAt *time.Time
	CreatedAt     time.Time
}

// UserFilter narrows ListUsers; zero fields match everything. Query matches
// a part of the name or the email (case-insensitive for ASCII letters);
// Role and AgencyID match one grant together; After pages on from an id;
// Limit is DefaultUserLimit when 0 and at most MaxUserLimit.
type UserFilter struct {
	ID       int64
	Query    string
	Email    string
	AgencyID int64
	Role     workflow.Role
	Active   *bool
	After    int64
	Limit    int
}

// The page sizes of the user list.
const (
	DefaultUserLimit = 100
	MaxUserLimit     = 500
)

// ListUsers returns the users that match f, by id.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]UserRecord, error) {
	return listUsers(ctx, s.db, f)
}

func listUsers(ctx context.Context, q sqlx.ExtContext, f UserFilter) ([]UserRecord, error) {
	var where []string
	var args []any
	if f.ID != 0 {
		where, args = append(where, "u.id = ?"), append(args, f.ID)
	}
	if f.Query != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(f.Query)) + "%"
		where, args = append(where, `(LOWER(u.name) LIKE ? ESCAPE '\' OR LOWER(u.email) LIKE ? ESCAPE '\')`), append(args, like, like)
	}
	if f.Email != "" {
		where, args = append(where, "u.email = ?"), append(args, workflow.NormalizeEmail(f.Email))
	}
	if f.Role != "" || f.AgencyID != 0 {
		cond := "g.user_id = u.id"
		if f.Role != "" {
			cond, args = cond+" AND g.role = ?", append(args, f.Role)
		}
		if f.AgencyID != 0 {
			cond, args = cond+" AND g.agency_id = ?", append(args, f.AgencyID)
		}
		where = append(where, "EXISTS (SELECT 1 FROM grants g WHERE "+cond+")")
	}
	if f.Active != nil && *f.Active {
		where = append(where, "u.deactivated_at IS NULL")
	} else if f.Active != nil {
		where = append(where, "u.deactivated_at IS NOT NULL")
	}
	if f.After != 0 {
		where, args = append(where, "u.id > ?"), append(args, f.After)
	}
	if f.Limit <= 0 {
		f.Limit = DefaultUserLimit
	}
	f.Limit = min(f.Limit, MaxUserLimit)
	query := `SELECT u.id, u.email, u.name, u.title, u.created_at, u.deactivated_at FROM users u`
	if where != nil {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY u.id LIMIT ?"
	args = append(args, f.Limit)
	rows := []struct {
		ID            int64   `db:"id"`
		Email         string  `db:"email"`
		Name          string  `db:"name"`
		Title         string  `db:"title"`
		CreatedAt     dbTime  `db:"created_at"`
		DeactivatedAt *dbTime `db:"deactivated_at"`
	}{}
	if err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(query), args...); err != nil {
		return nil, err
	}
	out := make([]UserRecord, len(rows))
	byID := make(map[int64]*UserRecord, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = UserRecord{User: workflow.User{ID: r.ID, Email: r.Email, Name: r.Name, Title: r.Title, Grants: []workflow.Grant{}},
			Active: r.DeactivatedAt == nil, DeactivatedAt: r.DeactivatedAt.ptr(), CreatedAt: r.CreatedAt.Time}
		byID[r.ID], ids[i] = &out[i], r.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	grantQuery, grantArgs, err := sqlx.In(`SELECT user_id, role, agency_id FROM grants WHERE user_id IN (?) ORDER BY id`, ids)
	if err != nil {
		return nil, err
	}
	grants := []struct {
		UserID int64 `db:"user_id"`
		workflow.Grant
	}{}
	if err := sqlx.SelectContext(ctx, q, &grants, q.Rebind(grantQuery), grantArgs...); err != nil {
		return nil, err
	}
	for _, g := range grants {
		byID[g.UserID].Grants = append(byID[g.UserID].Grants, g.Grant)
	}
	return out, nil
}

// UserRecord returns one user as administrators see them, or ENOTFOUND.
func (s *Store) UserRecord(ctx context.Context, id int64) (*UserRecord, error) {
	return userRecord(ctx, s.db, id)
}

func userRecord(ctx context.Context, q sqlx.ExtContext, id int64) (*UserRecord, error) {
	list, err := listUsers(ctx, q, UserFilter{ID: id, Limit: 1})
	if err != nil {
		return nil, err
	} else if len(list) == 0 {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy người dùng %d.", id)
	}
	return &list[0], nil
}

// mayAdminister asks the policy whether actor may do a; nil actor is the
// command line at the server, which may do everything.
func mayAdminister(actor *workflow.User, a workflow.Action) error {
	if actor == nil {
		return nil
	}
	return workflow.Can(actor, a, workflow.Target{})
}

// UserPatch holds the fields of a user to change; nil leaves a field as it is.
type UserPatch struct {
	Email *string
	Name  *string
	Title *string
}

// UpdateUser changes a user's email, name or title and writes the audit row
// (old and new values) in one transaction. Returns ENOTFOUND, EINVALID for
// bad fields, ECONFLICT when the email is taken.
func (s *Store) UpdateUser(ctx context.Context, actor *workflow.User, id int64, p UserPatch, meta Meta) (*UserRecord, error) {
	if err := mayAdminister(actor, workflow.ActUserManage); err != nil {
		return nil, err
	}
	var out *UserRecord
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		old, err := userRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		u := workflow.User{Email: old.Email, Name: old.Name, Title: old.Title}
		if p.Email != nil {
			u.Email = *p.Email
		}
		if p.Name != nil {
			u.Name = *p.Name
		}
		if p.Title != nil {
			u.Title = *p.Title
		}
		if err := u.Validate(); err != nil {
			return err
		}
		// Guarded by what the patch was applied to: a change made meanwhile
		// is not overwritten.
		res, err := exec(ctx, tx, `UPDATE users SET email = ?, name = ?, title = ? WHERE id = ? AND email = ? AND name = ? AND title = ?`,
			u.Email, u.Name, u.Title, id, old.Email, old.Name, old.Title)
		if err != nil {
			return s.duplicate(err, "email", "Đã có người dùng với email %s.", u.Email)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return workflow.Errorf(workflow.ECONFLICT, "Người dùng %d vừa được sửa: hãy tải lại rồi thử lại.", id)
		}
		type fields struct {
			Email string `json:"email"`
			Name  string `json:"name"`
			Title string `json:"title"`
		}
		if err := s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditUser, Action: "update", Target: strconv.FormatInt(id, 10),
			Detail: struct {
				Before fields `json:"before"`
				After  fields `json:"after"`
			}{fields{old.Email, old.Name, old.Title}, fields{u.Email, u.Name, u.Title}}, Meta: meta}); err != nil {
			return err
		}
		out, err = userRecord(ctx, tx, id)
		return err
	})
	return out, err
}

// SetUserActive deactivates (active false) or reactivates a user and writes
// the audit row, in one transaction. Deactivating revokes every live token
// of the user at once (authentication also refuses a deactivated user, and
// a transition's write checks it), so no request of theirs passes after the
// commit; their history, revisions and grants stay. Returns ENOTFOUND,
// ECONFLICT when the user is already so or is the last active admin.
func (s *Store) SetUserActive(ctx context.Context, actor *workflow.User, id int64, active bool, meta Meta) (*UserRecord, error) {
	if err := mayAdminister(actor, workflow.ActUserManage); err != nil {
		return nil, err
	}
	var out *UserRecord
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		old, err := userRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case old.Active == active && active:
			return workflow.Errorf(workflow.ECONFLICT, "Người dùng %d đang hoạt động.", id)
		case old.Active == active:
			return workflow.Errorf(workflow.ECONFLICT, "Người dùng %d đã bị vô hiệu hóa.", id)
		}
		now := s.now()
		var revoked []int64
		if active {
			_, err = exec(ctx, tx, `UPDATE users SET deactivated_at = NULL WHERE id = ?`, id)
		} else {
			if err := s.keepAnAdmin(ctx, tx, id, nil); err != nil {
				return err
			}
			if _, err = exec(ctx, tx, `UPDATE users SET deactivated_at = ? WHERE id = ?`, s.ts(now), id); err != nil {
				return err
			}
			revoked = []int64{}
			err = sqlx.SelectContext(ctx, tx, &revoked, tx.Rebind(`UPDATE tokens SET revoked_at = ?
				WHERE user_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) RETURNING id`), s.ts(now), id, s.ts(now))
		}
		if err != nil {
			return err
		}
		action := "deactivate"
		if active {
			action = "activate"
		}
		if err := s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditUser, Action: action, Target: strconv.FormatInt(id, 10),
			Detail: struct {
				Email         string  `json:"email"`
				RevokedTokens []int64 `json:"revoked_tokens,omitempty"`
			}{old.Email, revoked}, Meta: meta}); err != nil {
			return err
		}
		out, err = userRecord(ctx, tx, id)
		return err
	})
	return out, err
}

// keepAnAdmin refuses a change that would leave no active user holding the
// admin role: user id is losing it (deactivated, or the grant revoked when
// grant is an admin grant). Nobody could then administer the service but
// the command line at the server.
func (s *Store) keepAnAdmin(ctx context.Context, tx *sqlx.Tx, id int64, grant *workflow.Grant) error {
	if grant != nil && grant.Role != workflow.RoleAdmin {
		return nil
	}
	var isAdmin, others int
	if err := tx.GetContext(ctx, &isAdmin, tx.Rebind(`SELECT COUNT(*) FROM grants WHERE user_id = ? AND role = 'admin'`), id); err != nil {
		return err
	}
	if isAdmin == 0 {
		return nil
	}
	if err := tx.GetContext(ctx, &others, tx.Rebind(`SELECT COUNT(*) FROM grants g JOIN users u ON u.id = g.user_id
		WHERE g.role = 'admin' AND g.user_id <> ? AND u.deactivated_at IS NULL`), id); err != nil {
		return err
	}
	if others == 0 {
		return workflow.Errorf(workflow.ECONFLICT, "Đây là quản trị viên duy nhất còn hoạt động: hãy cấp quyền quản trị cho người khác trước.")
	}
	return nil
}

// GrantRole gives a user a role (for an agency when the role is
// agency-scoped) and writes the audit row, in one transaction. Returns
// ENOTFOUND for an unknown user, EINVALID for a bad grant, ECONFLICT when
// the user already holds it.
func (s *Store) GrantRole(ctx context.Context, actor *workflow.User, id int64, g workflow.Grant, meta Meta) (*UserRecord, error) {
	if err := mayAdminister(actor, workflow.ActUserManage); err != nil {
		return nil, err
	}
	if err := validGrant(g); err != nil {
		return nil, err
	}
	var out *UserRecord
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		old, err := userRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		added, err := s.addGrant(ctx, tx, &old.User, g, "agency_id")
		if err != nil {
			return err
		} else if !added {
			return workflow.Errorf(workflow.ECONFLICT, "Người dùng %d đã có quyền này.", id)
		}
		if err := s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditGrant, Action: "create", Target: strconv.FormatInt(id, 10),
			Detail: grantDetail{id, g}, Meta: meta}); err != nil {
			return err
		}
		out, err = userRecord(ctx, tx, id)
		return err
	})
	return out, err
}

// RevokeRole takes a grant from a user and writes the audit row, in one
// transaction; from the commit on, the user's requests no longer carry it
// (a transition's write checks the grant). Returns ENOTFOUND for an unknown
// user or a grant the user does not hold, ECONFLICT for the last active
// admin's admin grant.
func (s *Store) RevokeRole(ctx context.Context, actor *workflow.User, id int64, g workflow.Grant, meta Meta) (*UserRecord, error) {
	if err := mayAdminister(actor, workflow.ActUserManage); err != nil {
		return nil, err
	}
	if err := validGrant(g); err != nil {
		return nil, err
	}
	var out *UserRecord
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := userRecord(ctx, tx, id); err != nil {
			return err
		}
		if err := s.keepAnAdmin(ctx, tx, id, &g); err != nil {
			return err
		}
		var agency int64
		if g.AgencyID != nil {
			agency = *g.AgencyID
		}
		res, err := exec(ctx, tx, `DELETE FROM grants WHERE user_id = ? AND role = ? AND COALESCE(agency_id, 0) = ?`, id, g.Role, agency)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return workflow.Errorf(workflow.ENOTFOUND, "Người dùng %d không có quyền này.", id)
		}
		if err := s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditGrant, Action: "delete", Target: strconv.FormatInt(id, 10),
			Detail: grantDetail{id, g}, Meta: meta}); err != nil {
			return err
		}
		out, err = userRecord(ctx, tx, id)
		return err
	})
	return out, err
}

// validGrant checks one grant as User.Validate checks a user's.
func validGrant(g workflow.Grant) error {
	u := workflow.User{Email: "kiem.tra@example.vn", Name: "-", Grants: []workflow.Grant{g}}
	err := u.Validate()
	if err == nil {
		return nil
	}
	var fields []workflow.FieldError
	for _, f := range workflow.ErrorFields(err) {
		f.Field = strings.TrimPrefix(f.Field, "grants/0/")
		fields = append(fields, f)
	}
	return workflow.Errorf(workflow.EINVALID, "Quyền không hợp lệ.").WithFields(fields...)
}

// userActive reports whether a user exists and is active: ENOTFOUND for an
// unknown user, ECONFLICT for a deactivated one.
func userActive(ctx context.Context, tx *sqlx.Tx, id int64) error {
	var deactivated *dbTime
	err := tx.GetContext(ctx, &deactivated, tx.Rebind(`SELECT deactivated_at FROM users WHERE id = ?`), id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy người dùng %d.", id)
	case err != nil:
		return err
	case deactivated != nil:
		return workflow.Errorf(workflow.ECONFLICT, "Người dùng %d đã bị vô hiệu hóa: hãy kích hoạt lại trước.", id)
	}
	return nil
}
