-- +goose Up
-- A device enrolled by a one-time code carries the name the admin gave it.
ALTER TABLE devices ADD COLUMN name TEXT NOT NULL DEFAULT '';

-- One-time enrolment codes, stored only as a SHA-256 hash of the code. A
-- code is open while used_at and cancelled_at are NULL and expires_at is in
-- the future; spending it sets used_at in the transaction that enrols its
-- device (device_id, chosen when the code was issued).
CREATE TABLE enrolment_codes (
    id           TEXT PRIMARY KEY,
    hash         BLOB NOT NULL UNIQUE,
    subject      TEXT NOT NULL REFERENCES users (subject),
    device_name  TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    cancelled_at TEXT
);
CREATE INDEX enrolment_codes_open ON enrolment_codes (expires_at) WHERE used_at IS NULL AND cancelled_at IS NULL;

-- +goose Down
DROP TABLE enrolment_codes;
ALTER TABLE devices DROP COLUMN name;
