// Package session keeps the sessions of people logged in through the pages,
// in the database (SQLite or PostgreSQL) with github.com/alexedwards/scs/v2:
// an HttpOnly, SameSite=Lax cookie holding a random token (stored hashed),
// idle and absolute time-outs, the token renewed at login, and every session
// of a user or of a provider session ended at once. API tokens are not its
// business: it never reads the Authorization header.
package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"

	"parindex/workflow"
)

// Config tunes the sessions; every field has a default.
type Config struct {
	Idle     time.Duration // ended after this long unused (default 45 min)
	Absolute time.Duration // ended this long after login whatever happens (default 8 h)

	// BaseURL is the service's public URL: the cookie is Secure unless it
	// is plain HTTP on localhost (see SecureCookie).
	BaseURL    string
	CookieName string // default "parindex_session"

	// Now is the clock the time-outs are measured with (default the real
	// one); the store also drops rows by the database's own clock.
	Now workflow.Clock
	// CleanupInterval is how often expired rows are deleted (default 5 min;
	// negative: never, for tests).
	CleanupInterval time.Duration
}

// Login is who a session belongs to, from the login that made it.
type Login struct {
	UserID  int64
	Issuer  string // the provider's issuer, with Subject the identity's key
	Subject string
	SID     string // the provider's session id, for back-channel logout
	IDToken string // the raw ID token, the hint for RP-initiated logout
	At      time.Time
}

// The keys of a session's values.
const (
	keyUser    = "user_id"
	keyIssuer  = "iss"
	keySubject = "sub"
	keySID     = "sid"
	keyIDToken = "id_token"
	keyAt      = "login_at" // unix nanoseconds by Config.Now
	keySeen    = "seen_at"  // unix nanoseconds by Config.Now
	keyStates  = "login_states"
)

// maxStates bounds the logins one browser may have under way at once.
const maxStates = 5

// store is what scs's SQLite and PostgreSQL stores both offer.
type store interface {
	scs.Store
	scs.IterableStore
}

// Manager is the sessions of one service.
type Manager struct {
	scs   *scs.SessionManager
	store store
	stop  func()
	cfg   Config
}

// New keeps sessions in db, whose dialect is "sqlite" or "postgres" and
// whose schema has the sessions table (migration 00006). Close stops its
// cleanup.
func New(db *sql.DB, dialect string, cfg Config) (*Manager, error) {
	if cfg.Idle <= 0 {
		cfg.Idle = 45 * time.Minute
	}
	if cfg.Absolute <= 0 {
		cfg.Absolute = 8 * time.Hour
	}
	if cfg.CookieName == "" {
		cfg.CookieName = "parindex_session"
	}
	if cfg.Now == nil {
		cfg.Now = workflow.SystemClock
	}
	cleanup := cfg.CleanupInterval
	if cleanup == 0 {
		cleanup = 5 * time.Minute
	} else if cleanup < 0 {
		cleanup = 0
	}
	m := &Manager{cfg: cfg}
	switch dialect {
	case "sqlite":
		s := sqlite3store.NewWithConfig(db, sqlite3store.Config{TableName: "sessions", CleanUpInterval: cleanup})
		m.store, m.stop = s, s.StopCleanup
	case "postgres":
		s := postgresstore.NewWithConfig(db, postgresstore.Config{TableName: "sessions", CleanUpInterval: cleanup})
		m.store, m.stop = s, s.StopCleanup
	default:
		return nil, fmt.Errorf("session: dialect %q: want sqlite or postgres", dialect)
	}
	sm := scs.New()
	sm.Store = m.store
	// No scs IdleTimeout: with one, scs writes the row on every request.
	// The idle time-out is Handler's, by the last use it records; a row
	// left idle is refused at its next request and gone at Absolute.
	sm.Lifetime = cfg.Absolute
	sm.HashTokenInStore = true
	sm.Cookie.Name = cfg.CookieName
	sm.Cookie.HttpOnly = true
	// Lax, not Strict: the provider's redirect back to /auth/callback is a
	// cross-site navigation, and the login attempt lives in this session.
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = SecureCookie(cfg.BaseURL)
	sm.Cookie.Path = "/"
	// A cookie that ends with the browser: office computers are shared.
	sm.Cookie.Persist = false
	m.scs = sm
	return m, nil
}

// Close stops the cleanup of expired rows.
func (m *Manager) Close() { m.stop() }

// SecureCookie reports whether the session cookie must be Secure for a
// service at baseURL: always, except plain HTTP on localhost or a loopback
// address (the demo), where a Secure cookie would never come back.
func SecureCookie(baseURL string) bool {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme != "http" {
		return true
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// seenEvery is how stale a session's last use may be before a request
// writes it again: the idle time-out is kept to the minute, and a person
// clicking through pages costs no write per page.
const seenEvery = time.Minute

// Handler loads the session of each request and saves it after; a session
// idle for longer than Idle, or older than Absolute, by the manager's clock,
// is ended before next sees it. A request writes the session row only when
// it changed something, or its last use is more than a minute old.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return m.scs.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if m.scs.Exists(ctx, keyUser) {
			now := m.cfg.Now()
			at := time.Unix(0, m.scs.GetInt64(ctx, keyAt))
			seen := time.Unix(0, m.scs.GetInt64(ctx, keySeen))
			if now.Sub(at) > m.cfg.Absolute || now.Sub(seen) > m.cfg.Idle {
				if err := m.scs.Destroy(ctx); err != nil {
					http.Error(w, "session", http.StatusInternalServerError)
					return
				}
			} else if now.Sub(seen) >= seenEvery {
				m.scs.Put(ctx, keySeen, now.UnixNano())
			}
		}
		next.ServeHTTP(w, r)
	}))
}

// BeginAttempt remembers in this browser's session that it began the login
// with state, so that only this browser can finish it (at most a few at
// once: the oldest is forgotten).
func (m *Manager) BeginAttempt(ctx context.Context, state string) {
	states, _ := m.scs.Get(ctx, keyStates).([]string)
	states = append(states, state)
	if len(states) > maxStates {
		states = states[len(states)-maxStates:]
	}
	m.scs.Put(ctx, keyStates, states)
}

// TakeAttempt reports whether this browser began the login with state, and
// forgets it.
func (m *Manager) TakeAttempt(ctx context.Context, state string) bool {
	states, _ := m.scs.Get(ctx, keyStates).([]string)
	i := slices.Index(states, state)
	if state == "" || i < 0 {
		return false
	}
	m.scs.Put(ctx, keyStates, slices.Delete(states, i, i+1))
	return true
}

// Login makes the session of this request l's: the token is renewed first
// (so that a token planted before login is worth nothing after it) and any
// earlier login's values are dropped; logins under way in other tabs stay.
func (m *Manager) Login(ctx context.Context, l Login) error {
	if err := m.scs.RenewToken(ctx); err != nil {
		return fmt.Errorf("session: renew token: %w", err)
	}
	states, _ := m.scs.Get(ctx, keyStates).([]string)
	if err := m.scs.Clear(ctx); err != nil {
		return fmt.Errorf("session: clear: %w", err)
	}
	if len(states) > 0 {
		m.scs.Put(ctx, keyStates, states)
	}
	now := m.cfg.Now()
	m.scs.Put(ctx, keyUser, l.UserID)
	m.scs.Put(ctx, keyIssuer, l.Issuer)
	m.scs.Put(ctx, keySubject, l.Subject)
	m.scs.Put(ctx, keySID, l.SID)
	m.scs.Put(ctx, keyIDToken, l.IDToken)
	m.scs.Put(ctx, keyAt, now.UnixNano())
	m.scs.Put(ctx, keySeen, now.UnixNano())
	return nil
}

// Current returns the login of this request's session, if any.
func (m *Manager) Current(ctx context.Context) (Login, bool) {
	if !m.scs.Exists(ctx, keyUser) {
		return Login{}, false
	}
	return Login{
		UserID:  m.scs.GetInt64(ctx, keyUser),
		Issuer:  m.scs.GetString(ctx, keyIssuer),
		Subject: m.scs.GetString(ctx, keySubject),
		SID:     m.scs.GetString(ctx, keySID),
		IDToken: m.scs.GetString(ctx, keyIDToken),
		At:      time.Unix(0, m.scs.GetInt64(ctx, keyAt)),
	}, true
}

// Logout ends this request's session and returns the login it held (its
// IDToken is the hint for the provider's logout).
func (m *Manager) Logout(ctx context.Context) (Login, error) {
	l, _ := m.Current(ctx)
	if err := m.scs.Destroy(ctx); err != nil {
		return Login{}, fmt.Errorf("session: destroy: %w", err)
	}
	return l, nil
}

// DestroyUser ends every session of the user at once (deactivation, a
// changed grant) and returns how many it ended.
func (m *Manager) DestroyUser(ctx context.Context, userID int64) (int, error) {
	return m.destroyWhere(ctx, func(v map[string]any) bool {
		id, ok := v[keyUser].(int64)
		return ok && id == userID
	})
}

// DestroyProviderSession ends the sessions a back-channel logout names: those
// of the provider session sid, or when sid is "" every session of the
// subject, at issuer. It returns how many it ended.
func (m *Manager) DestroyProviderSession(ctx context.Context, issuer, sid, subject string) (int, error) {
	if sid == "" && subject == "" {
		return 0, errors.New("session: a provider logout names neither sid nor sub")
	}
	return m.destroyWhere(ctx, func(v map[string]any) bool {
		if v[keyIssuer] != issuer {
			return false
		}
		if sid != "" {
			return v[keySID] == sid
		}
		return v[keySubject] == subject
	})
}

// destroyWhere deletes the stored sessions whose values match. It walks the
// live rows itself rather than through scs's Iterate, whose Destroy would
// hash the already hashed tokens of the rows and miss them. A province has
// thousands of sessions at most; this runs on deactivation and logout only.
func (m *Manager) destroyWhere(ctx context.Context, match func(map[string]any) bool) (int, error) {
	rows, err := m.store.All()
	if err != nil {
		return 0, fmt.Errorf("session: list: %w", err)
	}
	n := 0
	for token, b := range rows {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		_, values, err := m.scs.Codec.Decode(b)
		if err != nil || !match(values) {
			continue
		}
		if err := m.store.Delete(token); err != nil {
			return n, fmt.Errorf("session: delete: %w", err)
		}
		n++
	}
	return n, nil
}
