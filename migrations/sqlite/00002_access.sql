-- +goose Up
-- People who use Continuity, with their role.
CREATE TABLE users (
    subject     TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    disabled_at TEXT
);

-- Enrolled devices (tablets), each belonging to one user.
CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    subject     TEXT NOT NULL REFERENCES users (subject),
    enrolled_at TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX devices_subject ON devices (subject);

-- Incident scopes granted to users; a revoked grant keeps its history.
CREATE TABLE scope_grants (
    id          INTEGER PRIMARY KEY,
    subject     TEXT NOT NULL REFERENCES users (subject),
    incident_id TEXT NOT NULL,
    granted_at  TEXT NOT NULL,
    granted_by  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE UNIQUE INDEX scope_grants_active ON scope_grants (subject, incident_id) WHERE revoked_at IS NULL;

-- Refresh tokens, stored only as a SHA-256 hash of their secret. Tokens of
-- one chain share a family; using a token marks it used and issues its
-- successor; presenting a used token revokes the whole family.
CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    family      TEXT NOT NULL,
    device_id   TEXT NOT NULL REFERENCES devices (id),
    hash        BLOB NOT NULL,
    issued_at   TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_device ON refresh_tokens (device_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE scope_grants;
DROP TABLE devices;
DROP TABLE users;
