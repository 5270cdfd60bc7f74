package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// CreateUser stores a user and their grants, and the audit row saying who
// created them (actor; nil at the server's command line), in one
// transaction. Returns EINVALID for bad fields or a grant naming an unknown
// agency, ECONFLICT when the email is taken.
func (s *Store) CreateUser(ctx context.Context, actor *workflow.User, u *workflow.User, meta Meta) error {
	if err := u.Validate(); err != nil {
		return err
	}
	// Work on a copy: a rolled-back user keeps no id and its grants as given.
	stored := &workflow.User{Email: u.Email, Name: u.Name, Title: u.Title}
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		id, err := insertID(ctx, tx, `INSERT INTO users (email, name, title, created_at) VALUES (?, ?, ?, ?)`,
			u.Email, u.Name, u.Title, s.ts(s.now()))
		if err != nil {
			return s.duplicate(err, "email", "Đã có người dùng với email %s.", u.Email)
		}
		stored.ID = id
		for i, g := range u.Grants {
			if _, err := s.addGrant(ctx, tx, stored, g, fmt.Sprintf("grants/%d/agency_id", i)); err != nil {
				return err
			}
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditUser, Action: "create", Target: strconv.FormatInt(id, 10),
			Detail: newUserDetail(stored), Meta: meta})
	})
	if err != nil {
		return err
	}
	u.ID, u.Grants = stored.ID, stored.Grants
	return nil
}

// userDetail is a user as the audit log records its creation.
type userDetail struct {
	Email  string           `json:"email"`
	Name   string           `json:"name"`
	Title  string           `json:"title"`
	Grants []workflow.Grant `json:"grants"`
}

func newUserDetail(u *workflow.User) userDetail {
	d := userDetail{Email: u.Email, Name: u.Name, Title: u.Title, Grants: u.Grants}
	if d.Grants == nil {
		d.Grants = []workflow.Grant{}
	}
	return d
}

// EnsureUser finds the user by email or creates them, then adds the grant if
// they lack it; `parindex token issue` and the demo use it, at the server, so
// the audit rows it writes (a user created, a grant added) have no actor.
func (s *Store) EnsureUser(ctx context.Context, u *workflow.User, grant *workflow.Grant) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		created := false
		err := tx.GetContext(ctx, &u.ID, tx.Rebind(`SELECT id FROM users WHERE email = ?`), u.Email)
		if errors.Is(err, sql.ErrNoRows) {
			created = true
			u.ID, err = insertID(ctx, tx, `INSERT INTO users (email, name, title, created_at) VALUES (?, ?, ?, ?)`,
				u.Email, u.Name, u.Title, s.ts(s.now()))
		}
		if err != nil {
			return err
		}
		if !created {
			if err := userActive(ctx, tx, u.ID); err != nil {
				return err
			}
		}
		if u.Grants, err = loadGrants(ctx, tx, u.ID); err != nil {
			return err
		}
		added := false
		if grant != nil {
			if added, err = s.addGrant(ctx, tx, u, *grant, "agency_id"); err != nil {
				return err
			}
		}
		target := strconv.FormatInt(u.ID, 10)
		switch {
		case created:
			return s.insertAudit(ctx, tx, auditRow{Kind: AuditUser, Action: "create", Target: target, Detail: newUserDetail(u)})
		case added:
			return s.insertAudit(ctx, tx, auditRow{Kind: AuditGrant, Action: "create", Target: target, Detail: grantDetail{u.ID, *grant}})
		}
		return nil
	})
}

// grantDetail is a grant as the audit log records it being added.
type grantDetail struct {
	UserID int64 `json:"user_id"`
	workflow.Grant
}

// addGrant gives u a grant it does not hold yet and reports whether it did.
func (s *Store) addGrant(ctx context.Context, tx *sqlx.Tx, u *workflow.User, g workflow.Grant, field string) (bool, error) {
	var agency int64
	if g.AgencyID != nil {
		agency = *g.AgencyID
		ok, err := agencyExists(ctx, tx, agency)
		if err != nil {
			return false, err
		} else if !ok {
			return false, workflow.Errorf(workflow.EINVALID, "Không có đơn vị %d.", agency).
				WithFields(workflow.FieldError{Field: field, Message: "Không có đơn vị này."})
		}
	}
	if u.Has(g.Role, agency) {
		return false, nil
	}
	if _, err := exec(ctx, tx, `INSERT INTO grants (user_id, role, agency_id) VALUES (?, ?, ?)`, u.ID, g.Role, g.AgencyID); err != nil {
		return false, err
	}
	u.Grants = append(u.Grants, g)
	return true, nil
}

func loadGrants(ctx context.Context, q sqlx.ExtContext, userID int64) ([]workflow.Grant, error) {
	grants := []workflow.Grant{}
	err := sqlx.SelectContext(ctx, q, &grants, q.Rebind(`SELECT role, agency_id FROM grants WHERE user_id = ? ORDER BY id`), userID)
	return grants, err
}

// GetUser returns a user with their grants, or ENOTFOUND.
func (s *Store) GetUser(ctx context.Context, id int64) (*workflow.User, error) {
	u := &workflow.User{}
	err := s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT id, email, name, title FROM users WHERE id = ?`), id).
		Scan(&u.ID, &u.Email, &u.Name, &u.Title)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy người dùng %d.", id)
	} else if err != nil {
		return nil, s.dbError(err)
	}
	u.Grants, err = loadGrants(ctx, s.db, id)
	return u, s.dbError(err)
}

// Token is an issued API token; Token holds the secret only right after issue.
type Token struct {
	ID        int64
	Token     string
	ExpiresAt *time.Time
}

// TokenExpiry says when a new token stops working: at At, never (Never, only
// ever asked for explicitly), or, with neither, the store's token lifetime
// after it is issued (DefaultTokenTTL unless SetTokenTTL changed it).
type TokenExpiry struct {
	At    *time.Time
	Never bool
}

// CreateToken issues a token for a user and records who issued it: actor, an
// administrator over the API, or nil at the server's command line. The
// secret is returned once and only its hash is stored; the audit row never
// holds it. Returns EINVALID for an expiry in the past or both an expiry and
// Never, ENOTFOUND for an unknown user.
func (s *Store) CreateToken(ctx context.Context, actor *workflow.User, userID int64, exp TokenExpiry, meta Meta) (*Token, error) {
	now := s.now()
	expiresAt := exp.At
	switch {
	case exp.At != nil && exp.Never:
		const both = "Không thể vừa đặt thời hạn vừa chọn không hết hạn cho một mã truy cập."
		return nil, workflow.Errorf(workflow.EINVALID, both).
			WithFields(workflow.Field("expires_at", both), workflow.Field("no_expiry", both))
	case exp.At != nil && !exp.At.After(now):
		return nil, workflow.Errorf(workflow.EINVALID, "Thời hạn đã ở quá khứ.").
			WithFields(workflow.FieldError{Field: "expires_at", Message: "Phải ở tương lai."})
	case exp.At == nil && !exp.Never:
		t := now.Add(s.tokenTTL)
		expiresAt = &t
	}
	if expiresAt != nil {
		t := expiresAt.UTC().Truncate(time.Microsecond)
		expiresAt = &t
	}
	secret, hash, err := workflow.NewToken()
	if err != nil {
		return nil, err
	}
	var issuedBy *int64
	if actor != nil {
		issuedBy = &actor.ID
	}
	t := &Token{Token: secret, ExpiresAt: expiresAt}
	err = s.withTx(ctx, func(tx *sqlx.Tx) error {
		// A deactivated user gets no token (deactivating revoked theirs).
		if err := userActive(ctx, tx, userID); err != nil {
			return err
		}
		t.ID, err = insertID(ctx, tx, `INSERT INTO tokens (user_id, hash, created_at, expires_at, issued_by) VALUES (?, ?, ?, ?, ?)`,
			userID, hash, s.ts(now), s.tsPtr(expiresAt), issuedBy)
		if err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditToken, Action: "issue", Target: strconv.FormatInt(t.ID, 10),
			Detail: struct {
				UserID    int64      `json:"user_id"`
				ExpiresAt *time.Time `json:"expires_at"`
			}{userID, expiresAt}, Meta: meta})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// RevokeToken stops a token at once and records who revoked it, in one
// transaction. Returns ENOTFOUND for an unknown or already revoked token.
func (s *Store) RevokeToken(ctx context.Context, actor *workflow.User, id int64, meta Meta) error {
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		var userID int64
		err := tx.QueryRowxContext(ctx, tx.Rebind(`UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING user_id`), s.ts(s.now()), id).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy mã truy cập %d.", id)
		} else if err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditToken, Action: "revoke", Target: strconv.FormatInt(id, 10),
			Detail: struct {
				UserID int64 `json:"user_id"`
			}{userID}, Meta: meta})
	})
}

// TokenInfo is an issued token as its owner and the administrators see it:
// who issued it (nil at the server's command line) and when it was created,
// last used, expires and was revoked; never its secret or its hash.
type TokenInfo struct {
	ID         int64
	IssuedBy   *Actor
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

// ListTokens returns a user's tokens, newest first, revoked and expired ones
// included; last_used_at is at most tokenTouchEvery stale. Returns ENOTFOUND
// for an unknown user.
func (s *Store) ListTokens(ctx context.Context, userID int64) ([]TokenInfo, error) {
	rows := []struct {
		ID         *int64  `db:"id"`
		IssuedBy   *int64  `db:"issued_by"`
		Issuer     *string `db:"issuer_email"`
		CreatedAt  *dbTime `db:"created_at"`
		LastUsedAt *dbTime `db:"last_used_at"`
		ExpiresAt  *dbTime `db:"expires_at"`
		RevokedAt  *dbTime `db:"revoked_at"`
	}{}
	// From the user, so that a user without tokens is one row of NULLs and
	// an unknown user no row at all.
	err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT t.id, t.issued_by, i.email AS issuer_email, t.created_at, t.last_used_at, t.expires_at, t.revoked_at
		FROM users u
		LEFT JOIN tokens t ON t.user_id = u.id
		LEFT JOIN users i ON i.id = t.issued_by
		WHERE u.id = ?
		ORDER BY t.id DESC`), userID)
	if err != nil {
		return nil, s.dbError(err)
	}
	if len(rows) == 0 {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy người dùng %d.", userID)
	}
	out := []TokenInfo{}
	for _, r := range rows {
		if r.ID == nil {
			continue
		}
		out = append(out, TokenInfo{ID: *r.ID, IssuedBy: actor(r.IssuedBy, r.Issuer), CreatedAt: r.CreatedAt.Time,
			LastUsedAt: r.LastUsedAt.ptr(), ExpiresAt: r.ExpiresAt.ptr(), RevokedAt: r.RevokedAt.ptr()})
	}
	return out, nil
}

// tokenTouchEvery is how often a token's last_used_at is written: at most one
// UPDATE per token in that time, so that authenticating stays one read.
const tokenTouchEvery = 5 * time.Minute

// Authenticate finds the user behind a bearer token. Returns EUNAUTHORIZED for
// a token that is unknown, revoked or expired. It reads the database every
// time, in one query (token, user and grants joined): a revoked token must
// stop working on every replica at once, so nothing here is cached. The user
// carries the token's id and, when an administrator issued it for this user,
// that administrator (IssuedBy). It records when the token was last used,
// when that record is missing or older than tokenTouchEvery.
func (s *Store) Authenticate(ctx context.Context, token string) (*workflow.User, error) {
	return s.authenticate(ctx, `t.hash = ?`, workflow.HashToken(token))
}

// reauthenticate reads the credential u came with (its token, by id) again:
// a transition decided on a cached caller does so before it answers
// anything but success. u must carry a TokenID.
func (s *Store) reauthenticate(ctx context.Context, u *workflow.User) (*workflow.User, error) {
	return s.authenticate(ctx, `t.id = ?`, u.TokenID)
}

// authenticate reads one token, its user and grants in one query.
func (s *Store) authenticate(ctx context.Context, where string, arg any) (*workflow.User, error) {
	rows := []struct {
		TokenID    int64          `db:"token_id"`
		UserID     int64          `db:"user_id"`
		IssuedBy   *int64         `db:"issued_by"`
		ExpiresAt  *dbTime        `db:"expires_at"`
		RevokedAt  *dbTime        `db:"revoked_at"`
		LastUsedAt *dbTime        `db:"last_used_at"`
		Email      string         `db:"email"`
		Name       string         `db:"name"`
		Title      string         `db:"title"`
		Role       *workflow.Role `db:"role"`
		AgencyID   *int64         `db:"agency_id"`
		Inactive   *dbTime        `db:"deactivated_at"`
	}{}
	err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT t.id AS token_id, t.user_id, t.issued_by, t.expires_at, t.revoked_at, t.last_used_at,
		u.email, u.name, u.title, g.role, g.agency_id, u.deactivated_at
		FROM tokens t
		JOIN users u ON u.id = t.user_id
		LEFT JOIN grants g ON g.user_id = t.user_id
		WHERE `+where+`
		ORDER BY g.id`), arg)
	now := s.now()
	switch {
	case err != nil:
		return nil, s.dbError(err)
	case len(rows) == 0:
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "Mã truy cập không hợp lệ.")
	case rows[0].RevokedAt != nil:
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "Mã truy cập đã bị thu hồi.")
	case rows[0].ExpiresAt != nil && !now.Before(rows[0].ExpiresAt.Time):
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "Mã truy cập đã hết hạn.")
	case rows[0].Inactive != nil:
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "Tài khoản của bạn đã bị vô hiệu hóa.")
	}
	r := rows[0]
	u := &workflow.User{ID: r.UserID, Email: r.Email, Name: r.Name, Title: r.Title, Grants: []workflow.Grant{}, TokenID: r.TokenID}
	if r.IssuedBy != nil && *r.IssuedBy != r.UserID {
		issuer := *r.IssuedBy
		u.IssuedBy = &issuer
	}
	for _, g := range rows {
		if g.Role != nil {
			u.Grants = append(u.Grants, workflow.Grant{Role: *g.Role, AgencyID: g.AgencyID})
		}
	}
	if r.LastUsedAt == nil || now.Sub(r.LastUsedAt.Time) >= tokenTouchEvery {
		s.touchToken(ctx, r.TokenID, now)
	}
	return u, nil
}

// touchToken records that a token was used at now, unless another request
// (on any replica) recorded a use within tokenTouchEvery meanwhile. It is a
// record for people, not a guard: failing to write it does not refuse the
// request that authenticated, and the next request tries again.
func (s *Store) touchToken(ctx context.Context, id int64, now time.Time) {
	_ = s.withTx(ctx, func(tx *sqlx.Tx) error {
		_, err := exec(ctx, tx, `UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
			s.ts(now), id, s.ts(now.Add(-tokenTouchEvery)))
		return err
	})
}
