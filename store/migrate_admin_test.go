package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"parindex/migrations"
	"parindex/store"
	"parindex/store/storetest"
)

// Migration 00005 rebuilds SQLite's agencies and criteria_sets to drop their
// CHECK on the kind: a database with data keeps every row and every
// reference (grants, signers, reports point at the same agencies), foreign
// keys still hold, and the kind is now checked against agency_kinds.
func TestAdministrationMigrationKeepsData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
		s := storetest.OpenURL(t, storetest.URL(t, dialect), clock)
		gooseDialect := goose.DialectSQLite3
		if dialect == store.Postgres {
			gooseDialect = goose.DialectPostgres
		}
		p, err := goose.NewProvider(gooseDialect, s.DB().DB, migrations.FS(dialect), goose.WithDisableGlobalRegistry(true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(ctx, 4); err != nil {
			t.Fatal(err)
		}
		db := s.DB()
		now := "2026-11-20T09:00:00.000000Z"
		for _, q := range []string{
			`INSERT INTO agencies (id, code, name, kind, created_at) VALUES (7, 'STP', 'Sở Tư pháp', 'department', '` + now + `')`,
			`INSERT INTO users (id, email, name, created_at) VALUES (3, 'a@b.example.vn', 'A', '` + now + `')`,
			`INSERT INTO grants (user_id, role, agency_id) VALUES (3, 'updater', 7)`,
			`INSERT INTO criteria_sets (id, code, name, agency_kind, max_points, created_at) VALUES (5, 'SO', 'Sở', 'department', 100, '` + now + `')`,
			`INSERT INTO agency_signers (agency_id, organization, created_at) VALUES (7, 'Sở Tư pháp', '` + now + `')`,
			// A campaign posted twice by mistake.
			`INSERT INTO campaigns (id, name, year, opens_at, closes_at, created_at) VALUES (1, 'Chỉ số CCHC 2026', 2026, '` + now + `', '2026-12-20T09:00:00.000000Z', '` + now + `')`,
			`INSERT INTO campaigns (id, name, year, opens_at, closes_at, created_at) VALUES (2, 'Chỉ số CCHC 2026', 2026, '` + now + `', '2026-12-20T09:00:00.000000Z', '` + now + `')`,
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if _, err := p.Up(ctx); err != nil {
			t.Fatalf("up to 00005: %v", err)
		}
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM agencies WHERE id = 7 AND code = 'STP' AND deactivated_at IS NULL`: 1,
			`SELECT COUNT(*) FROM grants WHERE agency_id = 7`:                                        1,
			`SELECT COUNT(*) FROM agency_signers WHERE agency_id = 7`:                                1,
			`SELECT COUNT(*) FROM criteria_sets WHERE id = 5 AND agency_kind = 'department'`:         1,
			`SELECT COUNT(*) FROM agency_kinds`:                                                      2,
			`SELECT COUNT(*) FROM campaigns WHERE id = 1 AND name = 'Chỉ số CCHC 2026'`:              1,
			`SELECT COUNT(*) FROM campaigns WHERE id = 2 AND name = 'Chỉ số CCHC 2026 (#2)'`:         1,
		} {
			if got := storetest.Count(t, s, q); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
		if dialect == store.SQLite {
			rows, err := db.QueryContext(ctx, `PRAGMA foreign_key_check`)
			if err != nil {
				t.Fatal(err)
			}
			if rows.Next() {
				t.Error("PRAGMA foreign_key_check reports a broken reference after the rebuild")
			}
			rows.Close()
		}
		// Foreign keys still hold, and kinds are the table's.
		for _, q := range []string{
			`INSERT INTO grants (user_id, role, agency_id) VALUES (3, 'approver', 999)`,
			`INSERT INTO agencies (code, name, kind, created_at) VALUES ('X', 'X', 'ward', '` + now + `')`,
			`DELETE FROM agencies WHERE id = 7`,
		} {
			if _, err := db.ExecContext(ctx, q); err == nil {
				t.Errorf("%s succeeded", q)
			}
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO agency_kinds (code, name, position) VALUES ('commune', 'UBND cấp xã', 3)`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO agencies (code, name, kind, created_at) VALUES ('XA', 'UBND xã A', 'commune', ?)`), now); err != nil {
			t.Errorf("an agency of an added kind: %v", err)
		}
	})
}
