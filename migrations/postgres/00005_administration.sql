-- Administration: agency kinds become data (agency_kinds, seeded with the two
-- blocks of the 2021 guidance), agencies and users can be deactivated, and a
-- campaign's year and name are unique.
--
-- Adding a kind later is a row, not a release: POST /api/v1/agency-kinds or
-- `parindex agency add-kind`, e.g. code commune, name "UBND cấp xã", position 3.
--
-- A campaign posted twice before this migration keeps its rows: the later
-- of two campaigns of the same year and name is renamed "NAME (#ID)" so that
-- the unique index can be built, and can then be cancelled
-- (parindex campaign cancel ID) if nobody worked in it.

-- +goose Up
CREATE TABLE agency_kinds (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    position INTEGER NOT NULL
);
INSERT INTO agency_kinds (code, name, position) VALUES
    ('department', 'Sở, ban, ngành tỉnh', 1),
    ('district', 'UBND cấp huyện', 2);

ALTER TABLE agencies DROP CONSTRAINT agencies_kind_check;
ALTER TABLE agencies ADD CONSTRAINT agencies_kind_fkey FOREIGN KEY (kind) REFERENCES agency_kinds (code);
ALTER TABLE agencies ADD COLUMN deactivated_at TIMESTAMPTZ;
ALTER TABLE criteria_sets DROP CONSTRAINT criteria_sets_agency_kind_check;
ALTER TABLE criteria_sets ADD CONSTRAINT criteria_sets_agency_kind_fkey FOREIGN KEY (agency_kind) REFERENCES agency_kinds (code);

ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMPTZ;
UPDATE campaigns SET name = name || ' (#' || id || ')'
    WHERE EXISTS (SELECT 1 FROM campaigns c WHERE c.year = campaigns.year AND c.name = campaigns.name AND c.id < campaigns.id);
CREATE UNIQUE INDEX campaigns_year_name ON campaigns (year, name);

-- +goose Down
DROP INDEX campaigns_year_name;
ALTER TABLE users DROP COLUMN deactivated_at;
ALTER TABLE criteria_sets DROP CONSTRAINT criteria_sets_agency_kind_fkey;
ALTER TABLE criteria_sets ADD CONSTRAINT criteria_sets_agency_kind_check CHECK (agency_kind IN ('department', 'district'));
ALTER TABLE agencies DROP COLUMN deactivated_at;
ALTER TABLE agencies DROP CONSTRAINT agencies_kind_fkey;
ALTER TABLE agencies ADD CONSTRAINT agencies_kind_check CHECK (kind IN ('department', 'district'));
DROP TABLE agency_kinds;
