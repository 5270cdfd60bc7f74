-- Administration: agency kinds become data (agency_kinds, seeded with the two
-- blocks of the 2021 guidance), agencies and users can be deactivated, and a
-- campaign's year and name are unique.
--
-- SQLite cannot drop the CHECK (kind IN ('department', 'district')) of
-- agencies and criteria_sets in place, so both tables are rebuilt (SQLite's
-- documented procedure: foreign keys off, new table, copy, drop, rename, in
-- one transaction). PRAGMA foreign_keys is ignored inside a transaction, so
-- this migration opens its own (goose runs it on one connection).
--
-- Adding a kind later is a row, not a release: POST /api/v1/agency-kinds or
-- `parindex agency add-kind`, e.g. code commune, name "UBND cấp xã", position 3.
--
-- A campaign posted twice before this migration keeps its rows: the later
-- of two campaigns of the same year and name is renamed "NAME (#ID)" so that
-- the unique index can be built, and can then be cancelled
-- (parindex campaign cancel ID) if nobody worked in it.

-- +goose NO TRANSACTION
-- +goose Up
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE agency_kinds (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    position INTEGER NOT NULL
);
INSERT INTO agency_kinds (code, name, position) VALUES
    ('department', 'Sở, ban, ngành tỉnh', 1),
    ('district', 'UBND cấp huyện', 2);

CREATE TABLE agencies_new (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL REFERENCES agency_kinds (code),
    created_at     TEXT NOT NULL,
    deactivated_at TEXT
);
INSERT INTO agencies_new (id, code, name, kind, created_at) SELECT id, code, name, kind, created_at FROM agencies;
DROP TABLE agencies;
ALTER TABLE agencies_new RENAME TO agencies;

CREATE TABLE criteria_sets_new (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    agency_kind TEXT NOT NULL REFERENCES agency_kinds (code),
    max_points  INTEGER NOT NULL,
    frozen      INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);
INSERT INTO criteria_sets_new (id, code, name, agency_kind, max_points, frozen, created_at)
    SELECT id, code, name, agency_kind, max_points, frozen, created_at FROM criteria_sets;
DROP TABLE criteria_sets;
ALTER TABLE criteria_sets_new RENAME TO criteria_sets;

ALTER TABLE users ADD COLUMN deactivated_at TEXT;
UPDATE campaigns SET name = name || ' (#' || id || ')'
    WHERE EXISTS (SELECT 1 FROM campaigns c WHERE c.year = campaigns.year AND c.name = campaigns.name AND c.id < campaigns.id);
CREATE UNIQUE INDEX campaigns_year_name ON campaigns (year, name);

COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

DROP INDEX campaigns_year_name;
ALTER TABLE users DROP COLUMN deactivated_at;

CREATE TABLE criteria_sets_old (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    agency_kind TEXT NOT NULL CHECK (agency_kind IN ('department', 'district')),
    max_points  INTEGER NOT NULL,
    frozen      INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);
INSERT INTO criteria_sets_old SELECT id, code, name, agency_kind, max_points, frozen, created_at FROM criteria_sets;
DROP TABLE criteria_sets;
ALTER TABLE criteria_sets_old RENAME TO criteria_sets;

CREATE TABLE agencies_old (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('department', 'district')),
    created_at TEXT NOT NULL
);
INSERT INTO agencies_old SELECT id, code, name, kind, created_at FROM agencies;
DROP TABLE agencies;
ALTER TABLE agencies_old RENAME TO agencies;

DROP TABLE agency_kinds;

COMMIT;
PRAGMA foreign_keys = ON;
