-- +goose Up
-- Sessions with the council's identity provider (OpenID Connect), one per
-- enrolled device that signed in that way, and the sign-in audit.
CREATE TABLE external_sessions (
    device_id          text        PRIMARY KEY REFERENCES devices (id),
    subject            text        NOT NULL,
    created_at         timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    provider_refresh   bytea,
    id_token           bytea,
    handoff_hash       bytea       UNIQUE,
    handoff_expires_at timestamptz NOT NULL,
    ended_at           timestamptz
);

-- Every sign-in, refusal and sign-out. Rows are never updated.
CREATE TABLE auth_audit (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL,
    event     text        NOT NULL,
    subject   text        NOT NULL DEFAULT '',
    role      text        NOT NULL DEFAULT '',
    device_id text        NOT NULL DEFAULT '',
    method    text        NOT NULL DEFAULT '',
    detail    text        NOT NULL DEFAULT '',
    address   text        NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE auth_audit;
DROP TABLE external_sessions;
