package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/lib/pq"
)

// The service runs the same few dozen statements all day. Both drivers
// parse every statement they are handed directly (and PostgreSQL plans it,
// and lib/pq spends a round trip preparing it), so each connection here keeps
// the statements it has prepared and runs them again from its cache.
//
// database/sql prepares through a connection only when the connection cannot
// run a query itself, so cachingConn deliberately does not pass on the
// drivers' QueryerContext and ExecerContext. Statements are never evicted: an
// evicted statement could still have rows open on SQLite. The cap keeps a
// stream of distinct dynamic queries from growing a connection without end;
// past it, statements are prepared and closed per use as before.

// maxCachedStmts bounds the statements one connection keeps.
const maxCachedStmts = 256

// cachingConnector hands out connections that keep their prepared statements.
type cachingConnector struct{ driver.Connector }

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachingConn{conn: conn, stmts: map[string]driver.Stmt{}}, nil
}

// cachingConn is a driver connection with a statement cache. database/sql
// uses a connection from one goroutine at a time, so the map needs no lock.
type cachingConn struct {
	conn  driver.Conn
	stmts map[string]driver.Stmt
}

var (
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.NamedValueChecker  = (*cachingConn)(nil)
)

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if st, ok := c.stmts[query]; ok {
		return keptStmt{st}, nil
	}
	var st driver.Stmt
	var err error
	if p, ok := c.conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.conn.Prepare(query)
	}
	if err != nil || len(c.stmts) >= maxCachedStmts {
		return st, err
	}
	c.stmts[query] = st
	return keptStmt{st}, nil
}

// Close closes the cached statements with the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for _, st := range c.stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(append(errs, c.conn.Close())...)
}

func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.conn.Begin() //nolint:staticcheck // only for drivers without BeginTx
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// CheckNamedValue passes the driver's own argument conversions on (lib/pq
// has some); ErrSkip tells database/sql to use its default.
func (c *cachingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// keptStmt is a cached statement: database/sql's Close after each use must
// not close it; its connection does.
type keptStmt struct{ driver.Stmt }

func (keptStmt) Close() error { return nil }

func (s keptStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		res, err := e.ExecContext(ctx, args)
		return res, stalePlan(err)
	}
	values, err := plainValues(args)
	if err != nil {
		return nil, err
	}
	res, err := s.Stmt.Exec(values) //nolint:staticcheck // only for drivers without ExecContext
	return res, stalePlan(err)
}

func (s keptStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		rows, err := q.QueryContext(ctx, args)
		return rows, stalePlan(err)
	}
	values, err := plainValues(args)
	if err != nil {
		return nil, err
	}
	rows, err := s.Stmt.Query(values) //nolint:staticcheck // only for drivers without QueryContext
	return rows, stalePlan(err)
}

// stalePlan turns PostgreSQL's refusal to run a kept statement whose result
// changed shape under it (a migration altered a column it returns; SQLSTATE
// 0A000, "cached plan must not change result type") into driver.ErrBadConn:
// database/sql then closes the connection, and its statements with it, and
// outside a transaction runs the statement again on another connection. The
// refusal comes before the statement does anything. (SQLite prepares such a
// statement again by itself.)
func stalePlan(err error) error {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "0A000" && strings.Contains(pqErr.Message, "cached plan") {
		return driver.ErrBadConn
	}
	return err
}

func plainValues(args []driver.NamedValue) ([]driver.Value, error) {
	values := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errors.New("store: named arguments need a driver with StmtExecContext")
		}
		values[i] = a.Value
	}
	return values, nil
}
