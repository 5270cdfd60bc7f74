// Package store keeps parindex's data in SQLite (the embedded default) or
// PostgreSQL (production, several replicas) through one set of sqlx queries.
// Public methods own their transaction; unexported helpers take the *sqlx.Tx.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"parindex/workflow"
)

func init() {
	// modernc registers itself as "sqlite"; sqlx must know it binds with "?".
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// The two dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is the database behind the service.
type Store struct {
	db      *sqlx.DB
	dialect string
	now     workflow.Clock

	// writeMu serialises SQLite write transactions inside this process so that
	// writers queue in Go instead of sleeping in SQLite's busy handler; the
	// busy timeout still covers other processes on the same file.
	writeMu sync.Mutex

	// sets caches criteria sets that a campaign uses: those are frozen, so the
	// cache can never go stale, on this replica or any other.
	sets sync.Map // int64 → *workflow.CriteriaSet
	// refs caches each report's agency and campaign, which never change.
	refs sync.Map // int64 → ReportRef

	// reportCache holds report headers a transition may decide on; its
	// writes are guarded, so a stale one is caught (see reportcache.go).
	reportCache reportCache

	// signaturePolicy is what sign and submit require of a signed
	// summary's signer (workflow.PolicyReport until set).
	signaturePolicy workflow.SignaturePolicy

	// beforeWrite, when set by a test, runs between a transition's decision
	// and its write: where a concurrent change or a deadline can fall.
	beforeWrite func()

	// tokenTTL is how long a token issued without an explicit expiry lasts.
	tokenTTL time.Duration
}

// DefaultTokenTTL is how long a token lasts when neither its issuer nor the
// server's configuration says otherwise: 90 days.
const DefaultTokenTTL = 90 * 24 * time.Hour

// SetTokenTTL sets how long a token issued without an explicit expiry lasts
// (serve --token-ttl); d must be positive. Call it before the store serves.
func (s *Store) SetTokenTTL(d time.Duration) {
	if d > 0 {
		s.tokenTTL = d
	}
}

// Open connects to dbURL: "sqlite:PATH" or a "postgres://" URL. It does not
// migrate; call Migrate (serve does at start).
func Open(ctx context.Context, dbURL string, now workflow.Clock) (*Store, error) {
	if now == nil {
		now = workflow.SystemClock
	}
	s := &Store{now: now, tokenTTL: DefaultTokenTTL}
	var err error
	switch {
	case strings.HasPrefix(dbURL, "sqlite:"):
		s.dialect = SQLite
		path := strings.TrimPrefix(dbURL, "sqlite:")
		if err := createPrivate(path); err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		var c driver.Connector
		if c, err = sqlite.NewConnector(sqliteDSN(path)); err == nil {
			s.db = sqlx.NewDb(sql.OpenDB(cachingConnector{c}), "sqlite")
			// WAL lets readers run beside the one writer; more connections
			// than cores only add contention.
			s.db.SetMaxOpenConns(8)
			s.db.SetMaxIdleConns(8)
		}
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		s.dialect = Postgres
		var c driver.Connector
		if c, err = pq.NewConnector(postgresDSN(dbURL)); err == nil {
			s.db = sqlx.NewDb(sql.OpenDB(cachingConnector{c}), "postgres")
			s.db.SetMaxOpenConns(20)
			s.db.SetMaxIdleConns(20)
			s.db.SetConnMaxIdleTime(5 * time.Minute)
		}
	default:
		return nil, workflow.Errorf(workflow.EINVALID, "Địa chỉ cơ sở dữ liệu %q không hợp lệ: dùng sqlite:ĐƯỜNG_DẪN hoặc postgres://...", dbURL)
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return s, nil
}

// createPrivate creates an SQLite database file that does not exist yet,
// empty and readable by the service's user only (0600), before SQLite opens
// it: SQLite would make it 0644 under the usual umask, and it makes the -wal
// and -shm files beside it with the database file's permissions, so those
// are 0600 too. An existing file is left as it is.
func createPrivate(path string) error {
	path, _, _ = strings.Cut(path, "?")
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	} else if err != nil {
		return err
	}
	return f.Close()
}

// sqliteDSN adds the settings every connection needs: WAL, foreign keys, a
// busy timeout, synchronous=FULL (an acknowledged write survives a power loss)
// and BEGIN IMMEDIATE, without which concurrent writers fail with SQLITE_BUSY.
func sqliteDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// postgresDSN turns on lib/pq's binary_parameters unless the URL decides:
// without it every query with arguments costs two round trips (prepare, then
// execute), with it one. It also sends []byte arguments as binary, which suits
// every column the store writes (none is bytea or jsonb).
func postgresDSN(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL // lib/pq reports the bad URL
	}
	q := u.Query()
	if !q.Has("binary_parameters") {
		q.Set("binary_parameters", "yes")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Dialect is SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

// DB exposes the handle for migrations and tests.
func (s *Store) DB() *sqlx.DB { return s.db }

// Now is the store's clock: every window check uses it, on every write.
func (s *Store) Now() time.Time { return s.now() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// withTx runs fn in one transaction and commits it, or rolls back on any error.
func (s *Store) withTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	if s.dialect == SQLite {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return s.dbError(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return s.dbError(err)
	}
	if err := tx.Commit(); err != nil {
		return s.dbError(err)
	}
	return nil
}

// dbError turns database failures a caller can act on into domain errors:
// unique violations are ECONFLICT, an unreachable database EUNAVAILABLE.
func (s *Store) dbError(err error) error {
	if err == nil || workflow.ErrorCode(err) != workflow.EINTERNAL {
		return err
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "23505":
			return workflow.Errorf(workflow.ECONFLICT, "Dữ liệu này đã có (%s).", pqErr.Constraint)
		case "22021":
			// Text with a NUL (U+0000), which PostgreSQL cannot store; the
			// domain refuses it field by field, this catches any text it missed.
			return workflow.Errorf(workflow.EINVALID, "Văn bản chứa ký tự NUL (U+0000), không lưu được.")
		case "57P01", "57P02", "57P03", "08000", "08003", "08006":
			return workflow.Errorf(workflow.EUNAVAILABLE, "Cơ sở dữ liệu đang không truy cập được.")
		}
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return workflow.Errorf(workflow.ECONFLICT, "Dữ liệu này đã có.")
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return workflow.Errorf(workflow.EUNAVAILABLE, "Cơ sở dữ liệu đang bận; hãy thử lại.")
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var netErr interface{ Timeout() bool }
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &netErr) || strings.Contains(err.Error(), "connection refused") {
		return workflow.Errorf(workflow.EUNAVAILABLE, "Cơ sở dữ liệu đang không truy cập được.")
	}
	return err
}

// duplicate turns a unique violation into ECONFLICT naming the field; any
// other error passes through.
func (s *Store) duplicate(err error, field, format string, args ...any) error {
	if workflow.ErrorCode(s.dbError(err)) == workflow.ECONFLICT {
		return workflow.Errorf(workflow.ECONFLICT, format, args...).
			WithFields(workflow.Field(field, "Đã được dùng."))
	}
	return err
}

// timeLayout is how SQLite stores instants: UTC, fixed width, so that text
// comparison in SQL is time comparison.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// ts converts an instant for storage: timestamptz on PostgreSQL, fixed-width
// UTC text on SQLite; both keep microseconds.
func (s *Store) ts(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if s.dialect == SQLite {
		return t.Format(timeLayout)
	}
	return t
}

// tsPtr is ts for an optional instant.
func (s *Store) tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.ts(*t)
}

// dbTime scans an instant from either dialect.
type dbTime struct{ time.Time }

func (t *dbTime) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		t.Time = v.UTC()
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	default:
		return fmt.Errorf("cannot scan %T into a time", v)
	}
	return nil
}

func (t *dbTime) parse(s string) error {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("stored time %q: %w", s, err)
	}
	t.Time = v.UTC()
	return nil
}

// ptr returns the instant or nil.
func (t *dbTime) ptr() *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time
	return &v
}

// insertID runs an INSERT ... RETURNING id (both dialects support it).
func insertID(ctx context.Context, tx *sqlx.Tx, query string, args ...any) (int64, error) {
	var id int64
	err := tx.QueryRowxContext(ctx, tx.Rebind(query+" RETURNING id"), args...).Scan(&id)
	return id, err
}

// exec runs a rebound statement.
func exec(ctx context.Context, tx *sqlx.Tx, query string, args ...any) (sql.Result, error) {
	return tx.ExecContext(ctx, tx.Rebind(query), args...)
}
