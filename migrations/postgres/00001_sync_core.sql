-- +goose Up
-- Key columns use the "C" collation: byte order, as SQLite compares them, and
-- the same order whatever locale the cluster was created with.

-- The log head: the position of the last committed change. Its one row is
-- the append lock: a push that logs changes updates it (taking the row lock)
-- just before it commits, so pushes commit their changes in position order
-- (server/postgres/DESIGN.md).
CREATE TABLE log_head (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq bigint  NOT NULL
);
INSERT INTO log_head (seq) VALUES (0);

-- The change log: every applied change in commit order. seq is the log
-- position cursors refer to, assigned under the append lock: dense, and a
-- change is visible only once every change before it is. Rows are never
-- updated or deleted.
CREATE TABLE changes (
    seq         bigint      PRIMARY KEY,
    id          text        COLLATE "C" NOT NULL UNIQUE,
    collection  text        COLLATE "C" NOT NULL,
    record_id   text        COLLATE "C" NOT NULL,
    scope       text        COLLATE "C" NOT NULL DEFAULT '',
    op          text        NOT NULL CHECK (op IN ('upsert', 'delete')),
    hlc         text        NOT NULL,
    device_id   text        NOT NULL,
    subject     text        NOT NULL,
    role        text        NOT NULL,
    seen        text        NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    body        json        NOT NULL
);
CREATE INDEX changes_record ON changes (collection, record_id, seq);
CREATE INDEX changes_scope ON changes (scope, seq);

-- Merged per-field state of every record: state is a syncproto.Record as JSON
-- (kept as json, not jsonb, so values come back byte for byte as merged).
-- state is NULL only in a row a push has just inserted to lock a new record;
-- the push writes it or deletes the row before it commits, so no committed
-- row has a NULL state. created_seq and updated_seq are the positions of the
-- first and last change applied to the record.
CREATE TABLE records (
    collection  text    COLLATE "C" NOT NULL,
    record_id   text    COLLATE "C" NOT NULL,
    scope       text    COLLATE "C" NOT NULL DEFAULT '',
    deleted     boolean NOT NULL DEFAULT false,
    state       json,
    created_seq bigint,
    updated_seq bigint,
    PRIMARY KEY (collection, record_id)
);
CREATE INDEX records_scope ON records (scope, collection, record_id);

-- Rejected changes, kept with their reason where a person can see them. raw
-- is text: the change exactly as sent when it is valid JSON, else as a JSON
-- string.
CREATE TABLE quarantine (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    change_id   text        COLLATE "C" NOT NULL DEFAULT '',
    collection  text        NOT NULL DEFAULT '',
    record_id   text        NOT NULL DEFAULT '',
    device_id   text        COLLATE "C" NOT NULL,
    subject     text        NOT NULL,
    role        text        NOT NULL,
    code        text        NOT NULL,
    field       text        NOT NULL DEFAULT '',
    message     text        NOT NULL,
    raw         text        NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX quarantine_device ON quarantine (device_id, id);
CREATE INDEX quarantine_change ON quarantine (change_id);

-- +goose Down
DROP TABLE quarantine;
DROP TABLE records;
DROP TABLE changes;
DROP TABLE log_head;
