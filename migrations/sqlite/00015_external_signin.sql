-- +goose Up
-- Sessions with the council's identity provider (OpenID Connect), one per
-- enrolled device that signed in that way, and the sign-in audit.
CREATE TABLE external_sessions (
    device_id          TEXT PRIMARY KEY REFERENCES devices (id),
    subject            TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    expires_at         TEXT NOT NULL,
    provider_refresh   BLOB,
    id_token           BLOB,
    handoff_hash       BLOB UNIQUE,
    handoff_expires_at TEXT NOT NULL,
    ended_at           TEXT
);

-- Every sign-in, refusal and sign-out. Rows are never updated.
CREATE TABLE auth_audit (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    event     TEXT NOT NULL,
    subject   TEXT NOT NULL DEFAULT '',
    role      TEXT NOT NULL DEFAULT '',
    device_id TEXT NOT NULL DEFAULT '',
    method    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    address   TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE auth_audit;
DROP TABLE external_sessions;
