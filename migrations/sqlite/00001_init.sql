-- The workflow schema. Times are UTC text in one fixed-width layout
-- (2006-01-02T15:04:05.000000Z) so that they compare correctly as strings;
-- points are integer hundredths; JSON lists are TEXT.

-- +goose Up
CREATE TABLE agencies (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('department', 'district')),
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE grants (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('admin', 'council', 'updater', 'approver')),
    agency_id INTEGER REFERENCES agencies (id)
);
CREATE UNIQUE INDEX grants_unique ON grants (user_id, role, COALESCE(agency_id, 0));
CREATE INDEX grants_agency ON grants (agency_id, role);

CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);

CREATE TABLE criteria_sets (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    agency_kind TEXT NOT NULL CHECK (agency_kind IN ('department', 'district')),
    max_points  INTEGER NOT NULL,
    frozen      INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);

CREATE TABLE criteria (
    set_id      INTEGER NOT NULL REFERENCES criteria_sets (id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    parent_code TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL,
    title       TEXT NOT NULL,
    max_points  INTEGER NOT NULL,
    method      TEXT NOT NULL DEFAULT '',
    step        INTEGER NOT NULL DEFAULT 0,
    exemptible  INTEGER NOT NULL DEFAULT 0,
    evidence    TEXT NOT NULL DEFAULT '',
    rule        TEXT NOT NULL DEFAULT '',
    ord         INTEGER NOT NULL,
    PRIMARY KEY (set_id, code)
);

CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    year       INTEGER NOT NULL,
    opens_at   TEXT NOT NULL,
    closes_at  TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    CHECK (opens_at < closes_at)
);

CREATE TABLE campaign_criteria_sets (
    campaign_id     INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    agency_kind     TEXT NOT NULL,
    criteria_set_id INTEGER NOT NULL REFERENCES criteria_sets (id),
    PRIMARY KEY (campaign_id, agency_kind)
);

CREATE TABLE campaign_rounds (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    opens_at    TEXT NOT NULL,
    closes_at   TEXT NOT NULL,
    agency_ids  TEXT NOT NULL,
    criteria    TEXT,
    note        TEXT NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES users (id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (campaign_id, number)
);

CREATE TABLE reports (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns (id),
    agency_id       INTEGER NOT NULL REFERENCES agencies (id),
    criteria_set_id INTEGER NOT NULL REFERENCES criteria_sets (id),
    state           TEXT NOT NULL CHECK (state IN ('draft', 'entered', 'reviewed', 'signed', 'submitted', 'locked')),
    round           INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL DEFAULT 1,
    locked_from     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (campaign_id, agency_id)
);
CREATE INDEX reports_agency ON reports (agency_id);
CREATE INDEX reports_campaign_state ON reports (campaign_id, state);

CREATE TABLE report_rounds (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    number    INTEGER NOT NULL,
    opens_at  TEXT NOT NULL,
    closes_at TEXT NOT NULL,
    criteria  TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (report_id, number)
);

CREATE TABLE entries (
    report_id   INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    self_score  INTEGER,
    explanation TEXT NOT NULL DEFAULT '',
    round       INTEGER NOT NULL,
    updated_by  INTEGER REFERENCES users (id),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (report_id, code)
);

CREATE TABLE entry_revisions (
    id              INTEGER PRIMARY KEY,
    report_id       INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    code            TEXT NOT NULL,
    round           INTEGER NOT NULL,
    actor_id        INTEGER REFERENCES users (id),
    at              TEXT NOT NULL,
    old_score       INTEGER,
    new_score       INTEGER,
    old_explanation TEXT NOT NULL DEFAULT '',
    new_explanation TEXT NOT NULL DEFAULT '',
    request_id      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX entry_revisions_report ON entry_revisions (report_id, code, id);

CREATE TABLE exemptions (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    code      TEXT NOT NULL,
    PRIMARY KEY (report_id, code)
);

CREATE TABLE history (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    actor_id   INTEGER REFERENCES users (id),
    role       TEXT NOT NULL,
    event      TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    round      INTEGER NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    client_ip  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX history_report ON history (report_id, id);

-- +goose Down
DROP TABLE history;
DROP TABLE exemptions;
DROP TABLE entry_revisions;
DROP TABLE entries;
DROP TABLE report_rounds;
DROP TABLE reports;
DROP TABLE campaign_rounds;
DROP TABLE campaign_criteria_sets;
DROP TABLE campaigns;
DROP TABLE criteria;
DROP TABLE criteria_sets;
DROP TABLE tokens;
DROP TABLE grants;
DROP TABLE users;
DROP TABLE agencies;
