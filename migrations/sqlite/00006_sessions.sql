-- Login through the province's single sign-on: identities link a provider's
-- account (issuer, subject) to a local user, made at the first login; the
-- sessions table is the one github.com/alexedwards/scs/sqlite3store reads
-- and writes (its names and types, expiry as a Julian day).

-- +goose Up
CREATE TABLE identities (
    id            INTEGER PRIMARY KEY,
    iss           TEXT NOT NULL,
    sub           TEXT NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL,
    last_login_at TEXT,
    UNIQUE (iss, sub)
);
CREATE INDEX identities_user_idx ON identities (user_id);

CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
DROP TABLE identities;
