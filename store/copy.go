package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// The copier moves every row of every table from one store to another, of
// either dialect, ids included. It is driven by the migrated schema as the
// database describes it (tables, columns, primary and foreign keys), not by a
// list kept in Go, so that a table a new migration adds is copied without
// anyone remembering to: backup, restore and copy all go through it.

// Column is one column of a table and the kind of value it holds, read from
// the database's own catalogue: an SQLite time is "text", a PostgreSQL one
// "time"; an SQLite flag "integer", a PostgreSQL one "bool".
type Column struct {
	Name string
	Kind string // integer, real, text, time, bool, blob
}

// Table is one table of the migrated schema.
type Table struct {
	Name    string
	Columns []Column
	// Key is the primary key's columns (every column when there is none):
	// rows are read in this order, so that two dumps compare row by row.
	Key []string
	// Parents are the tables its foreign keys refer to.
	Parents []string
}

// Tables lists every table of the schema except goose's own bookkeeping,
// parents before children, so that inserting in this order satisfies every
// foreign key.
func (s *Store) Tables(ctx context.Context) ([]Table, error) {
	names, err := s.tableNames(ctx)
	if err != nil {
		return nil, s.dbError(err)
	}
	tables := make([]Table, 0, len(names))
	for _, name := range names {
		t := Table{Name: name}
		if t.Columns, err = s.columns(ctx, name); err != nil {
			return nil, s.dbError(err)
		}
		if t.Key, err = s.primaryKey(ctx, name); err != nil {
			return nil, s.dbError(err)
		}
		if len(t.Key) == 0 {
			for _, c := range t.Columns {
				t.Key = append(t.Key, c.Name)
			}
		}
		if t.Parents, err = s.parents(ctx, name); err != nil {
			return nil, s.dbError(err)
		}
		tables = append(tables, t)
	}
	return dependencyOrder(tables)
}

// skipTable: goose's own tables (the schema version, whose row is written by
// migrating the target, and PostgreSQL's migration lock), and the login
// sessions, which are ephemeral, hold the provider's ID tokens, and must not
// come back to life in a restored or copied service: everyone logs in again.
func skipTable(name string) bool { return strings.HasPrefix(name, "goose_") || name == "sessions" }

// CopySkips reports whether Copy, backups and restores leave the table out
// on purpose (see skipTable).
func CopySkips(name string) bool { return skipTable(name) }

func (s *Store) tableNames(ctx context.Context) ([]string, error) {
	// SQLite's catalogue and PostgreSQL's differ; both answer table names.
	query := map[string]string{
		SQLite:   `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`,
		Postgres: `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
	}[s.dialect]
	var all []string
	if err := s.db.SelectContext(ctx, &all, query); err != nil {
		return nil, err
	}
	names := all[:0]
	for _, n := range all {
		if !skipTable(n) {
			names = append(names, n)
		}
	}
	return names, nil
}

func (s *Store) columns(ctx context.Context, table string) ([]Column, error) {
	var rows []struct {
		Name string `db:"name"`
		Type string `db:"type"`
	}
	query := map[string]string{
		SQLite:   `SELECT name, type FROM pragma_table_info(?) ORDER BY cid`,
		Postgres: `SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
	}[s.dialect]
	if err := s.db.SelectContext(ctx, &rows, query, table); err != nil {
		return nil, err
	}
	out := make([]Column, len(rows))
	for i, r := range rows {
		out[i] = Column{Name: r.Name, Kind: columnKind(r.Type)}
	}
	return out, nil
}

// columnKind sorts a declared type (SQLite's affinity names, PostgreSQL's
// data_type) into the kinds a copy converts between.
func columnKind(declared string) string {
	t := strings.ToLower(declared)
	switch {
	case strings.HasPrefix(t, "timestamp"):
		return "time"
	case t == "boolean":
		return "bool"
	case strings.Contains(t, "int"):
		return "integer"
	case strings.Contains(t, "real"), strings.Contains(t, "double"), strings.Contains(t, "numeric"), strings.Contains(t, "float"):
		return "real"
	case t == "bytea", t == "blob":
		return "blob"
	}
	return "text"
}

func (s *Store) primaryKey(ctx context.Context, table string) ([]string, error) {
	query := map[string]string{
		SQLite: `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`,
		// pg_index rather than information_schema's key views, which
		// take a third of a second a table.
		Postgres: `SELECT a.attname FROM pg_index i
			JOIN pg_class c ON c.oid = i.indrelid
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
			WHERE i.indisprimary AND c.relname = $1 AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
			ORDER BY array_position(i.indkey::int2[], a.attnum)`,
	}[s.dialect]
	var key []string
	err := s.db.SelectContext(ctx, &key, query, table)
	return key, err
}

func (s *Store) parents(ctx context.Context, table string) ([]string, error) {
	query := map[string]string{
		SQLite: `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`,
		Postgres: `SELECT DISTINCT p.relname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
			WHERE k.contype = 'f' AND c.relname = $1 AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
	}[s.dialect]
	var out []string
	if err := s.db.SelectContext(ctx, &out, query, table); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// dependencyOrder sorts tables so that each comes after the tables it refers
// to, and otherwise by name; a table referring to itself is no obstacle.
func dependencyOrder(tables []Table) ([]Table, error) {
	byName := map[string]Table{}
	for _, t := range tables {
		byName[t.Name] = t
	}
	var out []Table
	done := map[string]bool{}
	for len(out) < len(tables) {
		progress := false
		for _, t := range tables {
			if done[t.Name] {
				continue
			}
			ready := true
			for _, p := range t.Parents {
				if _, known := byName[p]; known && p != t.Name && !done[p] {
					ready = false
				}
			}
			if ready {
				out, done[t.Name], progress = append(out, t), true, true
			}
		}
		if !progress {
			return nil, fmt.Errorf("the foreign keys between the tables form a cycle")
		}
	}
	return out, nil
}

// SchemaVersion is the newest migration applied to the database (0 before
// the first).
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := s.provider()
	if err != nil {
		return 0, err
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, s.dbError(err)
	}
	return v, nil
}

// RowCount is how many rows a table holds.
type RowCount struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

// RowCounts counts the rows of every table, in dependency order.
func (s *Store) RowCounts(ctx context.Context) ([]RowCount, error) {
	tables, err := s.Tables(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]RowCount, len(tables))
	for i, t := range tables {
		out[i].Table = t.Name
		if err := s.db.GetContext(ctx, &out[i].Rows, `SELECT COUNT(*) FROM `+quoteIdent(t.Name)); err != nil {
			return nil, s.dbError(err)
		}
	}
	return out, nil
}

// NotEmpty lists the tables that hold rows ("agencies (19)"); none means the
// database is empty (a database without the schema is empty too). Rows a
// migration itself writes (reference data) do not count, as long as the
// table holds exactly the keys a freshly migrated database has.
func (s *Store) NotEmpty(ctx context.Context) ([]string, error) {
	counts, err := s.RowCounts(ctx)
	if err != nil {
		return nil, err
	}
	seeds, err := migrationSeeds(ctx)
	if err != nil {
		return nil, err
	}
	tables, err := s.Tables(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, c := range counts {
		if c.Rows == 0 {
			continue
		}
		if seed, ok := seeds[c.Table]; ok {
			keys, err := s.keys(ctx, tables[i])
			if err != nil {
				return nil, err
			}
			if slices.Equal(keys, seed) {
				continue
			}
		}
		out = append(out, fmt.Sprintf("%s (%d)", c.Table, c.Rows))
	}
	return out, nil
}

// keys lists the primary keys of a table's rows, each as one string, sorted.
func (s *Store) keys(ctx context.Context, t Table) ([]string, error) {
	var at []int
	for i, c := range t.Columns {
		if slices.Contains(t.Key, c.Name) {
			at = append(at, i)
		}
	}
	var out []string
	err := s.Dump(ctx, t, func(row []any) error {
		key := make([]any, len(at))
		for j, i := range at {
			key[j] = row[i]
		}
		out = append(out, fmt.Sprint(key...))
		return nil
	})
	slices.Sort(out)
	return out, err
}

var seeded struct {
	sync.Mutex
	keys map[string][]string
}

// migrationSeeds is, per table, the keys of the rows the migrations write
// themselves, learnt once from a fresh SQLite database migrated in a
// temporary directory (the dialects' migrations keep matching numbers and
// data).
func migrationSeeds(ctx context.Context) (map[string][]string, error) {
	seeded.Lock()
	defer seeded.Unlock()
	if seeded.keys != nil {
		return seeded.keys, nil
	}
	dir, err := os.MkdirTemp("", "parindex-seeds-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	fresh, err := Open(ctx, "sqlite:"+filepath.Join(dir, "fresh.db"), nil)
	if err != nil {
		return nil, err
	}
	defer fresh.Close()
	if _, err := fresh.MigrateUp(ctx); err != nil {
		return nil, err
	}
	tables, err := fresh.Tables(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, t := range tables {
		keys, err := fresh.keys(ctx, t)
		if err != nil {
			return nil, err
		}
		if len(keys) > 0 {
			out[t.Name] = keys
		}
	}
	seeded.keys = out
	return out, nil
}

// Copy moves every row of every table of from into to, ids included, and
// returns the rows copied per table. from is read in one transaction, so
// that what is copied is one consistent moment of it even while it is
// written to (REPEATABLE READ on PostgreSQL; SQLite's read transactions are
// snapshots in WAL mode); to is written in one transaction, all or nothing.
// to must be migrated to from's schema version and empty. On PostgreSQL the
// identity sequences are moved past the copied ids.
func Copy(ctx context.Context, from, to *Store) ([]RowCount, error) {
	fv, err := from.SchemaVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("source schema: %w", err)
	}
	tv, err := to.SchemaVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("target schema: %w", err)
	}
	if fv != tv {
		return nil, fmt.Errorf("the source schema is at migration %d, the target at %d: both must be migrated to the same version", fv, tv)
	}
	if full, err := to.NotEmpty(ctx); err != nil {
		return nil, err
	} else if len(full) > 0 {
		return nil, fmt.Errorf("the target database is not empty: %s", strings.Join(full, ", "))
	}
	seeds, err := migrationSeeds(ctx)
	if err != nil {
		return nil, err
	}
	src, err := from.Tables(ctx)
	if err != nil {
		return nil, err
	}
	dst, err := to.Tables(ctx)
	if err != nil {
		return nil, err
	}
	if err := sameSchema(src, dst); err != nil {
		return nil, err
	}

	rtx, err := from.db.BeginTxx(ctx, &sql.TxOptions{Isolation: from.snapshotIsolation(), ReadOnly: true})
	if err != nil {
		return nil, from.dbError(err)
	}
	defer rtx.Rollback()
	var counts []RowCount
	err = to.withTx(ctx, func(wtx *sqlx.Tx) error {
		// What the target holds is the migrations' own reference data
		// (NotEmpty said so); the source's copy of it replaces it.
		for i := len(dst) - 1; i >= 0; i-- {
			if _, seeded := seeds[dst[i].Name]; !seeded {
				continue
			}
			if _, err := wtx.ExecContext(ctx, `DELETE FROM `+quoteIdent(dst[i].Name)); err != nil {
				return fmt.Errorf("clear table %s: %w", dst[i].Name, err)
			}
		}
		for _, t := range dst {
			n, err := copyTable(ctx, rtx, wtx, t, to.dialect)
			if err != nil {
				return fmt.Errorf("copy table %s: %w", t.Name, err)
			}
			counts = append(counts, RowCount{Table: t.Name, Rows: n})
		}
		if to.dialect == Postgres {
			return advanceSequences(ctx, wtx, dst)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// snapshotIsolation is what makes one read transaction see one moment of
// every table: REPEATABLE READ on PostgreSQL; SQLite's default already is.
func (s *Store) snapshotIsolation() sql.IsolationLevel {
	if s.dialect == Postgres {
		return sql.LevelRepeatableRead
	}
	return sql.LevelDefault
}

// sameSchema checks that two stores have the same tables with the same
// columns, whatever their dialects call the columns' types.
func sameSchema(src, dst []Table) error {
	cols := func(ts []Table) map[string][]string {
		out := map[string][]string{}
		for _, t := range ts {
			for _, c := range t.Columns {
				out[t.Name] = append(out[t.Name], c.Name)
			}
			slices.Sort(out[t.Name])
		}
		return out
	}
	a, b := cols(src), cols(dst)
	var diffs []string
	for name, ca := range a {
		if cb, ok := b[name]; !ok {
			diffs = append(diffs, "table "+name+" is missing from the target")
		} else if !slices.Equal(ca, cb) {
			diffs = append(diffs, fmt.Sprintf("table %s has columns %v in the source, %v in the target", name, ca, cb))
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			diffs = append(diffs, "table "+name+" is missing from the source")
		}
	}
	if len(diffs) > 0 {
		slices.Sort(diffs)
		return fmt.Errorf("the two schemas differ: %s", strings.Join(diffs, "; "))
	}
	return nil
}

// copyTable streams one table's rows from rtx into wtx in multi-row INSERTs,
// converting each value to the kind the target column holds.
func copyTable(ctx context.Context, rtx, wtx *sqlx.Tx, t Table, dialect string) (int64, error) {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = quoteIdent(c.Name)
	}
	rows, err := rtx.QueryContext(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+quoteIdent(t.Name)+orderBy(t.Key))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	// Both dialects take at least 32766 parameters a statement.
	perInsert := max(1, min(500, 30000/len(t.Columns)))
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ") + ")"
	var (
		n     int64
		batch []any
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		count := len(batch) / len(t.Columns)
		q := `INSERT INTO ` + quoteIdent(t.Name) + ` (` + strings.Join(names, ", ") + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(one+", ", count), ", ")
		if _, err := wtx.ExecContext(ctx, wtx.Rebind(q), batch...); err != nil {
			return err
		}
		n += int64(count)
		batch = batch[:0]
		return nil
	}
	vals := make([]any, len(t.Columns))
	ptrs := make([]any, len(t.Columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		for i, c := range t.Columns {
			v, err := convert(vals[i], c.Kind, dialect)
			if err != nil {
				return n, fmt.Errorf("column %s: %w", c.Name, err)
			}
			batch = append(batch, v)
		}
		if len(batch) >= perInsert*len(t.Columns) {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, flush()
}

// convert turns a value read from either dialect into what a column of the
// given kind takes in dialect: times are timestamptz on PostgreSQL and
// fixed-width UTC text on SQLite, flags booleans or 0 and 1.
func convert(v any, kind, dialect string) (any, error) {
	if b, ok := v.([]byte); ok && kind != "blob" {
		v = string(b)
	}
	switch v := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		if dialect == SQLite {
			return v.UTC().Format(timeLayout), nil
		}
		return v.UTC(), nil
	case string:
		if kind != "time" {
			return v, nil
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, fmt.Errorf("stored time %q: %w", v, err)
		}
		return convert(t, kind, dialect)
	case bool:
		if kind == "bool" {
			return v, nil
		}
		if v {
			return int64(1), nil
		}
		return int64(0), nil
	case int64:
		if kind == "bool" {
			return v != 0, nil
		}
		return v, nil
	}
	return v, nil
}

// advanceSequences moves each identity column's sequence past the largest
// copied id, so that the next insert does not collide with a copied row.
func advanceSequences(ctx context.Context, tx *sqlx.Tx, tables []Table) error {
	for _, t := range tables {
		for _, c := range t.Columns {
			var seq sql.NullString
			if err := tx.GetContext(ctx, &seq, `SELECT pg_get_serial_sequence($1, $2)`, quoteIdent(t.Name), c.Name); err != nil {
				return err
			}
			if !seq.Valid {
				continue
			}
			q := `SELECT setval($1, COALESCE(MAX(` + quoteIdent(c.Name) + `), 0) + 1, false) FROM ` + quoteIdent(t.Name)
			if _, err := tx.ExecContext(ctx, q, seq.String); err != nil {
				return fmt.Errorf("advance %s: %w", seq.String, err)
			}
		}
	}
	return nil
}

// Dump calls fn with every row of the table in key order, each value in one
// form whichever dialect it came from (times as fixed-width UTC text, flags
// as 0 and 1, text as string), so that two stores compare row by row.
func (s *Store) Dump(ctx context.Context, t Table, fn func(row []any) error) error {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = quoteIdent(c.Name)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+quoteIdent(t.Name)+orderBy(t.Key))
	if err != nil {
		return s.dbError(err)
	}
	defer rows.Close()
	vals := make([]any, len(t.Columns))
	ptrs := make([]any, len(t.Columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		row := make([]any, len(vals))
		for i, v := range vals {
			kind := t.Columns[i].Kind
			if kind == "bool" {
				kind = "integer"
			}
			if row[i], err = convert(v, kind, SQLite); err != nil {
				return err
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}

func orderBy(key []string) string {
	if len(key) == 0 {
		return ""
	}
	q := make([]string, len(key))
	for i, k := range key {
		q[i] = quoteIdent(k)
	}
	return ` ORDER BY ` + strings.Join(q, ", ")
}

// quoteIdent quotes a name read from the catalogue for either dialect.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
