package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// Identity is who the province's single sign-on says has logged in: the
// provider's issuer and subject, and the claims a first login may match a
// provisioned user by.
type Identity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	// Username is the configured username claim's value, when there is one;
	// it matches a user whose email it equals.
	Username string
}

// errNoLocalUser is the answer to an identity that no provisioned user
// matches: parindex provisions people (officials import, administrators),
// the identity provider does not.
var errNoLocalUser = workflow.Errorf(workflow.EUNAUTHORIZED,
	"Tài khoản đăng nhập một lần này chưa được cấp quyền trong hệ thống; hãy liên hệ quản trị viên hoặc cán bộ phụ trách cải cách hành chính của đơn vị.")

// LoginIdentity returns the local user of a single sign-on identity, with
// their grants (roles come from parindex, never from the provider): the user
// linked to (issuer, subject) at an earlier login or, the first time, the
// active user whose email equals the identity's verified email (or its
// username claim), linked in the same transaction with an audit row. It
// records the login's time. A deactivated user, or an identity no user
// matches, is EUNAUTHORIZED.
func (s *Store) LoginIdentity(ctx context.Context, id Identity) (*workflow.User, error) {
	if id.Issuer == "" || id.Subject == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "Danh tính đăng nhập thiếu nhà cung cấp hoặc mã định danh.")
	}
	var user *workflow.User
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		userID, err := s.linkedUser(ctx, tx, id)
		if err != nil {
			return err
		}
		rec, err := userRecord(ctx, tx, userID)
		if err != nil {
			return err
		}
		if !rec.Active {
			return workflow.Errorf(workflow.EUNAUTHORIZED, "Tài khoản của bạn đã bị vô hiệu hóa.")
		}
		if _, err := exec(ctx, tx, `UPDATE identities SET last_login_at = ? WHERE iss = ? AND sub = ?`, s.ts(s.now()), id.Issuer, id.Subject); err != nil {
			return err
		}
		u := rec.User
		user = &u
		return nil
	})
	if err != nil {
		return nil, s.dbError(err)
	}
	return user, nil
}

// linkedUser is the user (issuer, subject) is linked to, linking it first
// when a provisioned user matches.
func (s *Store) linkedUser(ctx context.Context, tx *sqlx.Tx, id Identity) (int64, error) {
	var userID int64
	err := tx.GetContext(ctx, &userID, tx.Rebind(`SELECT user_id FROM identities WHERE iss = ? AND sub = ?`), id.Issuer, id.Subject)
	if err == nil {
		return userID, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	var candidates []string
	if id.EmailVerified && id.Email != "" {
		candidates = append(candidates, workflow.NormalizeEmail(id.Email))
	}
	if id.Username != "" {
		candidates = append(candidates, workflow.NormalizeEmail(id.Username))
	}
	for _, email := range candidates {
		err := tx.GetContext(ctx, &userID, tx.Rebind(`SELECT id FROM users WHERE email = ?`), email)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return 0, err
		}
		// Two first logins at once: one links, the other finds its link.
		res, err := exec(ctx, tx, `INSERT INTO identities (iss, sub, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (iss, sub) DO NOTHING`,
			id.Issuer, id.Subject, userID, s.ts(s.now()))
		if err != nil {
			return 0, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, err
		} else if n == 0 {
			err := tx.GetContext(ctx, &userID, tx.Rebind(`SELECT user_id FROM identities WHERE iss = ? AND sub = ?`), id.Issuer, id.Subject)
			return userID, err
		}
		return userID, s.insertAudit(ctx, tx, auditRow{Kind: AuditUser, Action: "link-identity", Target: strconv.FormatInt(userID, 10),
			Detail: struct {
				Issuer  string `json:"iss"`
				Subject string `json:"sub"`
				By      string `json:"matched_by"`
			}{id.Issuer, id.Subject, email}})
	}
	return 0, errNoLocalUser
}

// SessionUser is the user a page session belongs to, with their grants, read
// fresh on every request (one query): a deactivated user is EUNAUTHORIZED at
// once, on every replica, whatever sessions they still hold; a deleted one
// too. Roles come from here, never from the login.
func (s *Store) SessionUser(ctx context.Context, userID int64) (*workflow.User, error) {
	rows := []struct {
		Email    string         `db:"email"`
		Name     string         `db:"name"`
		Title    string         `db:"title"`
		Role     *workflow.Role `db:"role"`
		AgencyID *int64         `db:"agency_id"`
		Inactive *dbTime        `db:"deactivated_at"`
	}{}
	err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT u.email, u.name, u.title, g.role, g.agency_id, u.deactivated_at
		FROM users u LEFT JOIN grants g ON g.user_id = u.id
		WHERE u.id = ? ORDER BY g.id`), userID)
	switch {
	case err != nil:
		return nil, s.dbError(err)
	case len(rows) == 0:
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "Phiên đăng nhập không còn hiệu lực; hãy đăng nhập lại.")
	case rows[0].Inactive != nil:
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "Tài khoản của bạn đã bị vô hiệu hóa.")
	}
	u := &workflow.User{ID: userID, Email: rows[0].Email, Name: rows[0].Name, Title: rows[0].Title, Grants: []workflow.Grant{}}
	for _, g := range rows {
		if g.Role != nil {
			u.Grants = append(u.Grants, workflow.Grant{Role: *g.Role, AgencyID: g.AgencyID})
		}
	}
	return u, nil
}
