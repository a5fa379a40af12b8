-- +goose Up
-- The change log: every applied change in commit order. seq is the log
-- position cursors refer to; rows are never updated or deleted, so seq values
-- are never reused.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    collection  TEXT    NOT NULL,
    record_id   TEXT    NOT NULL,
    scope       TEXT    NOT NULL DEFAULT '',
    op          TEXT    NOT NULL CHECK (op IN ('upsert', 'delete')),
    hlc         TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    seen        TEXT    NOT NULL DEFAULT '',
    recorded_at TEXT    NOT NULL,
    received_at TEXT    NOT NULL,
    body        TEXT    NOT NULL
);
CREATE INDEX changes_record ON changes (collection, record_id, seq);
CREATE INDEX changes_scope ON changes (scope, seq);

-- Merged per-field state of every record: state is a syncproto.Record as JSON
-- (each field's value with its winning hlc, device and change id, and the
-- tombstone).
-- A rowid table: states are kilobytes, too large for a WITHOUT ROWID b-tree.
CREATE TABLE records (
    collection  TEXT    NOT NULL,
    record_id   TEXT    NOT NULL,
    scope       TEXT    NOT NULL DEFAULT '',
    deleted     INTEGER NOT NULL DEFAULT 0,
    state       TEXT    NOT NULL,
    created_seq INTEGER NOT NULL,
    updated_seq INTEGER NOT NULL
);
CREATE UNIQUE INDEX records_key ON records (collection, record_id);
CREATE INDEX records_scope ON records (scope, collection, record_id);

-- Rejected changes, kept with their reason where a person can see them.
CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    change_id   TEXT    NOT NULL DEFAULT '',
    collection  TEXT    NOT NULL DEFAULT '',
    record_id   TEXT    NOT NULL DEFAULT '',
    device_id   TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    role        TEXT    NOT NULL,
    code        TEXT    NOT NULL,
    field       TEXT    NOT NULL DEFAULT '',
    message     TEXT    NOT NULL,
    raw         TEXT    NOT NULL,
    received_at TEXT    NOT NULL
);
CREATE INDEX quarantine_device ON quarantine (device_id, id);
CREATE INDEX quarantine_change ON quarantine (change_id);

-- +goose Down
DROP TABLE quarantine;
DROP TABLE records;
DROP TABLE changes;
