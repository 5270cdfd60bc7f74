package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// CreateUser stores a user and their grants. Returns EINVALID for bad fields
// or a grant naming an unknown agency, ECONFLICT when the email is taken.
func (s *Store) CreateUser(ctx context.Context, u *workflow.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	// Work on a copy: a rolled-back user keeps no id and its grants as given.
	stored := &workflow.User{Email: u.Email, Name: u.Name, Title: u.Title}
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		id, err := insertID(ctx, tx, `INSERT INTO users (email, name, title, created_at) VALUES (?, ?, ?, ?)`,
			u.Email, u.Name, u.Title, s.ts(s.now()))
		if err != nil {
			return s.duplicate(err, "email", "A user with email %s already exists.", u.Email)
		}
		stored.ID = id
		for i, g := range u.Grants {
			if err := s.addGrant(ctx, tx, stored, g, fmt.Sprintf("grants/%d/agency_id", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	u.ID, u.Grants = stored.ID, stored.Grants
	return nil
}

// EnsureUser finds the user by email or creates them, then adds the grant if
// they lack it; `parindex token issue` and the demo use it.
func (s *Store) EnsureUser(ctx context.Context, u *workflow.User, grant *workflow.Grant) error {
	if err := u.Validate(); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &u.ID, tx.Rebind(`SELECT id FROM users WHERE email = ?`), u.Email)
		if errors.Is(err, sql.ErrNoRows) {
			u.ID, err = insertID(ctx, tx, `INSERT INTO users (email, name, title, created_at) VALUES (?, ?, ?, ?)`,
				u.Email, u.Name, u.Title, s.ts(s.now()))
		}
		if err != nil {
			return err
		}
		if u.Grants, err = loadGrants(ctx, tx, u.ID); err != nil {
			return err
		}
		if grant != nil {
			return s.addGrant(ctx, tx, u, *grant, "agency_id")
		}
		return nil
	})
}

// addGrant gives u a grant it does not hold yet.
func (s *Store) addGrant(ctx context.Context, tx *sqlx.Tx, u *workflow.User, g workflow.Grant, field string) error {
	var agency int64
	if g.AgencyID != nil {
		agency = *g.AgencyID
		ok, err := agencyExists(ctx, tx, agency)
		if err != nil {
			return err
		} else if !ok {
			return workflow.Errorf(workflow.EINVALID, "Agency %d does not exist.", agency).
				WithFields(workflow.FieldError{Field: field, Message: "unknown agency"})
		}
	}
	if u.Has(g.Role, agency) {
		return nil
	}
	if _, err := exec(ctx, tx, `INSERT INTO grants (user_id, role, agency_id) VALUES (?, ?, ?)`, u.ID, g.Role, g.AgencyID); err != nil {
		return err
	}
	u.Grants = append(u.Grants, g)
	return nil
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
		return nil, workflow.Errorf(workflow.ENOTFOUND, "User %d not found.", id)
	} else if err != nil {
		return nil, s.dbError(err)
	}
	u.Grants, err = loadGrants(ctx, s.db, id)
	return u, s.dbError(err)
}

// Token is an issued API token; Token holds the secret only right after issue.
type Token struct {
	ID        int64      `json:"id"`
	Token     string     `json:"token"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// CreateToken issues a token for a user; the secret is returned once and only
// its hash is stored. Returns ENOTFOUND for an unknown user, EINVALID for an
// expiry in the past.
func (s *Store) CreateToken(ctx context.Context, userID int64, expiresAt *time.Time) (*Token, error) {
	if expiresAt != nil && !expiresAt.After(s.now()) {
		return nil, workflow.Errorf(workflow.EINVALID, "The expiry is in the past.").
			WithFields(workflow.FieldError{Field: "expires_at", Message: "must be in the future"})
	}
	secret, hash, err := workflow.NewToken()
	if err != nil {
		return nil, err
	}
	t := &Token{Token: secret, ExpiresAt: expiresAt}
	err = s.withTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM users WHERE id = ?`), userID); err != nil {
			return err
		} else if n == 0 {
			return workflow.Errorf(workflow.ENOTFOUND, "User %d not found.", userID)
		}
		t.ID, err = insertID(ctx, tx, `INSERT INTO tokens (user_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			userID, hash, s.ts(s.now()), s.tsPtr(expiresAt))
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// RevokeToken stops a token at once. Returns ENOTFOUND for an unknown or
// already revoked token.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		res, err := exec(ctx, tx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, s.ts(s.now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return workflow.Errorf(workflow.ENOTFOUND, "Token %d not found.", id)
		}
		return nil
	})
}

// Authenticate finds the user behind a bearer token. Returns EUNAUTHORIZED for
// a token that is unknown, revoked or expired. It reads the database every
// time, in one query (token, user and grants joined): a revoked token must
// stop working on every replica at once, so nothing here is cached.
func (s *Store) Authenticate(ctx context.Context, token string) (*workflow.User, error) {
	rows := []struct {
		UserID    int64          `db:"user_id"`
		ExpiresAt *dbTime        `db:"expires_at"`
		RevokedAt *dbTime        `db:"revoked_at"`
		Email     string         `db:"email"`
		Name      string         `db:"name"`
		Title     string         `db:"title"`
		Role      *workflow.Role `db:"role"`
		AgencyID  *int64         `db:"agency_id"`
	}{}
	err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT t.user_id, t.expires_at, t.revoked_at, u.email, u.name, u.title, g.role, g.agency_id
		FROM tokens t
		JOIN users u ON u.id = t.user_id
		LEFT JOIN grants g ON g.user_id = t.user_id
		WHERE t.hash = ?
		ORDER BY g.id`), workflow.HashToken(token))
	switch {
	case err != nil:
		return nil, s.dbError(err)
	case len(rows) == 0:
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "The token is not valid.")
	case rows[0].RevokedAt != nil:
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "The token has been revoked.")
	case rows[0].ExpiresAt != nil && !s.now().Before(rows[0].ExpiresAt.Time):
		return nil, workflow.Errorf(workflow.EUNAUTHORIZED, "The token has expired.")
	}
	r := rows[0]
	u := &workflow.User{ID: r.UserID, Email: r.Email, Name: r.Name, Title: r.Title, Grants: []workflow.Grant{}}
	for _, g := range rows {
		if g.Role != nil {
			u.Grants = append(u.Grants, workflow.Grant{Role: *g.Role, AgencyID: g.AgencyID})
		}
	}
	return u, nil
}
