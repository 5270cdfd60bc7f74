package store_test

import (
	"testing"

	"parindex/store/storetest"
)

// A kept statement whose result changes type under it (a migration by
// another replica) is prepared again, not refused forever.
func TestKeptStatementSurvivesAlteredColumn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := storetest.Open(t, dialect, nil)
		db := s.DB()
		if _, err := db.Exec(`CREATE TABLE kept (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(db.Rebind(`INSERT INTO kept (id, n) VALUES (?, ?)`), 1, 42); err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1) // one connection: the statement is kept on it
		read := func() string {
			t.Helper()
			var v string
			if err := db.Get(&v, db.Rebind(`SELECT n FROM kept WHERE id = ?`), 1); err != nil {
				t.Fatalf("read: %v", err)
			}
			return v
		}
		if got := read(); got != "42" {
			t.Fatalf("read %q", got)
		}
		alter := `ALTER TABLE kept ALTER COLUMN n TYPE TEXT`
		if dialect == "sqlite" {
			alter = `ALTER TABLE kept RENAME COLUMN n TO m`
		}
		if _, err := db.Exec(alter); err != nil {
			t.Fatal(err)
		}
		if dialect == "sqlite" {
			if _, err := db.Exec(`ALTER TABLE kept RENAME COLUMN m TO n`); err != nil {
				t.Fatal(err)
			}
		}
		if got := read(); got != "42" {
			t.Fatalf("read after the change %q", got)
		}
	})
}
