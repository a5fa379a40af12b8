-- +goose Up
-- People who use Continuity, with their role.
CREATE TABLE users (
    subject     text        COLLATE "C" PRIMARY KEY,
    role        text        NOT NULL,
    name        text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    disabled_at timestamptz
);

-- Enrolled devices (tablets), each belonging to one user.
CREATE TABLE devices (
    id          text        COLLATE "C" PRIMARY KEY,
    subject     text        COLLATE "C" NOT NULL REFERENCES users (subject),
    enrolled_at timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX devices_subject ON devices (subject);

-- Incident scopes granted to users; a revoked grant keeps its history.
CREATE TABLE scope_grants (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject     text        COLLATE "C" NOT NULL REFERENCES users (subject),
    incident_id text        COLLATE "C" NOT NULL,
    granted_at  timestamptz NOT NULL,
    granted_by  text        NOT NULL,
    revoked_at  timestamptz
);
CREATE UNIQUE INDEX scope_grants_active ON scope_grants (subject, incident_id) WHERE revoked_at IS NULL;

-- Refresh tokens, stored only as a SHA-256 hash of their secret. Tokens of
-- one chain share a family; using a token marks it used and issues its
-- successor; presenting a used token revokes the whole family. Each token
-- names the token it replaced (parent_id), so a retry of a refresh whose
-- answer was lost can be told from a stolen token's reuse.
CREATE TABLE refresh_tokens (
    id          text        COLLATE "C" PRIMARY KEY,
    family      text        COLLATE "C" NOT NULL,
    parent_id   text        COLLATE "C",
    device_id   text        COLLATE "C" NOT NULL REFERENCES devices (id),
    hash        bytea       NOT NULL,
    issued_at   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_device ON refresh_tokens (device_id);
CREATE INDEX refresh_tokens_parent ON refresh_tokens (parent_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE scope_grants;
DROP TABLE devices;
DROP TABLE users;
