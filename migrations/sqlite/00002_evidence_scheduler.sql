-- Evidence files, signed summaries, per-report deadline extensions, the
-- notification outbox and reminders.

-- +goose Up
-- closes_at on a report is its own deadline for the current round, set by
-- extend and cleared when a round opens; NULL means the round's or campaign's.
ALTER TABLE reports ADD COLUMN closes_at TEXT;
ALTER TABLE history ADD COLUMN closes_at TEXT;
ALTER TABLE campaigns ADD COLUMN opened_notified_at TEXT;

CREATE TABLE evidence (
    id            INTEGER PRIMARY KEY,
    report_id     INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    code          TEXT NOT NULL,
    round         INTEGER NOT NULL,
    filename      TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    signature     TEXT NOT NULL,
    uploaded_by   INTEGER REFERENCES users (id),
    uploaded_at   TEXT NOT NULL,
    deleted_at    TEXT,
    deleted_by    INTEGER REFERENCES users (id),
    deleted_round INTEGER
);
CREATE INDEX evidence_report ON evidence (report_id, code, id);
CREATE INDEX evidence_sha256 ON evidence (sha256);

CREATE TABLE signed_summaries (
    id              INTEGER PRIMARY KEY,
    report_id       INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    round           INTEGER NOT NULL,
    report_version  INTEGER NOT NULL,
    matches_version INTEGER,
    filename        TEXT NOT NULL,
    size            INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    signature       TEXT NOT NULL,
    uploaded_by     INTEGER REFERENCES users (id),
    uploaded_at     TEXT NOT NULL
);
CREATE INDEX signed_summaries_report ON signed_summaries (report_id, id);
CREATE INDEX signed_summaries_sha256 ON signed_summaries (sha256);

-- outbox holds events written in the transaction that caused them; the
-- notifier turns each into notifications and emails, then marks it done.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    report_ids  TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    done_at     TEXT
);
CREATE INDEX outbox_pending ON outbox (id) WHERE done_at IS NULL;

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    event_id   INTEGER NOT NULL REFERENCES outbox (id),
    kind       TEXT NOT NULL,
    report_ids TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT,
    UNIQUE (event_id, user_id)
);
CREATE INDEX notifications_user ON notifications (user_id, id);

CREATE TABLE emails (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL UNIQUE REFERENCES notifications (id),
    to_addr         TEXT NOT NULL,
    to_name         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX emails_due ON emails (next_attempt_at) WHERE state = 'pending';

-- reminders makes each reminder happen once per report, round, deadline and offset.
CREATE TABLE reminders (
    report_id      INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    round          INTEGER NOT NULL,
    closes_at      TEXT NOT NULL,
    offset_seconds INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (report_id, round, closes_at, offset_seconds)
);

-- +goose Down
DROP TABLE reminders;
DROP TABLE emails;
DROP TABLE notifications;
DROP TABLE outbox;
DROP TABLE signed_summaries;
DROP TABLE evidence;
ALTER TABLE campaigns DROP COLUMN opened_notified_at;
ALTER TABLE history DROP COLUMN closes_at;
ALTER TABLE reports DROP COLUMN closes_at;
