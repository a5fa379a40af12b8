-- +goose Up
-- A device enrolled by a one-time code carries the name the admin gave it.
ALTER TABLE devices ADD COLUMN name text NOT NULL DEFAULT '';

-- One-time enrolment codes, stored only as a SHA-256 hash of the code. A
-- code is open while used_at and cancelled_at are NULL and expires_at is in
-- the future; spending it sets used_at in the transaction that enrols its
-- device (device_id, chosen when the code was issued). The spending UPDATE
-- re-checks used_at under the row lock, so of two replicas claiming one code
-- at once only one succeeds.
CREATE TABLE enrolment_codes (
    id           text        COLLATE "C" PRIMARY KEY,
    hash         bytea       NOT NULL UNIQUE,
    subject      text        COLLATE "C" NOT NULL REFERENCES users (subject),
    device_name  text        NOT NULL,
    device_id    text        COLLATE "C" NOT NULL,
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    cancelled_at timestamptz
);
CREATE INDEX enrolment_codes_open ON enrolment_codes (expires_at) WHERE used_at IS NULL AND cancelled_at IS NULL;

-- +goose Down
DROP TABLE enrolment_codes;
ALTER TABLE devices DROP COLUMN name;
