-- Accountability and trust: who issued a token and when it was last used,
-- the admin behind a token used on someone's behalf, the client's own
-- request id beside the server's, structured detail on history rows, the
-- administrative audit log (append-only), an agency's registered signers,
-- and, for a signed summary, the content digest it was matched against and
-- what changed between the export and the signature when it was not.

-- +goose Up
ALTER TABLE tokens ADD COLUMN issued_by INTEGER REFERENCES users (id);
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;

ALTER TABLE history ADD COLUMN issued_by INTEGER REFERENCES users (id);
ALTER TABLE history ADD COLUMN client_request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE history ADD COLUMN detail TEXT NOT NULL DEFAULT '';

ALTER TABLE entry_revisions ADD COLUMN issued_by INTEGER REFERENCES users (id);
ALTER TABLE entry_revisions ADD COLUMN client_request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE entry_revisions ADD COLUMN client_ip TEXT NOT NULL DEFAULT '';

ALTER TABLE signed_summaries ADD COLUMN digest TEXT NOT NULL DEFAULT '';
ALTER TABLE signed_summaries ADD COLUMN export_changes TEXT NOT NULL DEFAULT '';

-- audit_log records every administrative change: kind is the thing changed
-- (user, grant, token, agency, criteria_set, campaign, exemption, import,
-- signer), action what was done to it, target its id, detail what changed
-- (JSON). No statement updates or deletes it: the triggers refuse.
CREATE TABLE audit_log (
    id                INTEGER PRIMARY KEY,
    at                TEXT NOT NULL,
    actor_id          INTEGER REFERENCES users (id),
    issued_by         INTEGER REFERENCES users (id),
    kind              TEXT NOT NULL,
    action            TEXT NOT NULL,
    target            TEXT NOT NULL DEFAULT '',
    detail            TEXT NOT NULL DEFAULT '{}',
    request_id        TEXT NOT NULL DEFAULT '',
    client_request_id TEXT NOT NULL DEFAULT '',
    client_ip         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_kind ON audit_log (kind, id);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- agency_signers are the certificates (by SHA-256 fingerprint) or the
-- organisations (subject O) whose signature an agency's signed summary must
-- carry; an agency with none accepts any signer the policy accepts.
CREATE TABLE agency_signers (
    id           INTEGER PRIMARY KEY,
    agency_id    INTEGER NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    fingerprint  TEXT NOT NULL DEFAULT '',
    organization TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    created_by   INTEGER REFERENCES users (id),
    created_at   TEXT NOT NULL,
    CHECK ((fingerprint = '') <> (organization = ''))
);
CREATE UNIQUE INDEX agency_signers_unique ON agency_signers (agency_id, fingerprint, organization);

-- +goose Down
DROP TABLE agency_signers;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
ALTER TABLE signed_summaries DROP COLUMN export_changes;
ALTER TABLE signed_summaries DROP COLUMN digest;
ALTER TABLE entry_revisions DROP COLUMN client_ip;
ALTER TABLE entry_revisions DROP COLUMN client_request_id;
ALTER TABLE entry_revisions DROP COLUMN issued_by;
ALTER TABLE history DROP COLUMN detail;
ALTER TABLE history DROP COLUMN client_request_id;
ALTER TABLE history DROP COLUMN issued_by;
ALTER TABLE tokens DROP COLUMN last_used_at;
ALTER TABLE tokens DROP COLUMN issued_by;
