-- +goose Up
-- Change and record ids are keyed by their 16 bytes, not their 36
-- characters. Every id is a canonical lower-case UUID (syncproto.ParseChange
-- refuses any other, and a push is the only writer of these tables), and
-- unhex(replace(id, '-', '')) orders those exactly as their text does, so
-- the two unique indexes keep their meaning and their order at less than
-- half the size. With random (version 4) ids they are the only b-trees a push
-- inserts into at random places; smaller entries mean fewer pages split and
-- written to the WAL at every commit (docs/benchmarks.md, "Ids as 16
-- bytes"). A query reaches either index only through the same expression
-- (server/sqlite/keys.go).
--
-- Refuse to migrate a database holding an id that is not a canonical UUID:
-- its key would be NULL, and a record filed under a NULL key would drop out
-- of every lookup and initial sync. The error names the check.
CREATE TEMP TABLE uuid_key_check (ok INTEGER CONSTRAINT every_change_and_record_id_is_a_canonical_uuid CHECK (ok));
INSERT INTO uuid_key_check SELECT 0 FROM records
    WHERE record_id NOT GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' LIMIT 1;
INSERT INTO uuid_key_check SELECT 0 FROM changes
    WHERE id NOT GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' LIMIT 1;
DROP TABLE uuid_key_check;

-- The log's UNIQUE (id) is part of its table, so the table is rebuilt
-- without it: same columns in the same order, every row copied as it is.
CREATE TABLE changes_keyed (
    seq         INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL,
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
    body        TEXT    NOT NULL,
    rec         INTEGER NOT NULL DEFAULT 0
);
INSERT INTO changes_keyed (seq, id, collection, record_id, scope, op, hlc, device_id, subject, role, seen, recorded_at, received_at, body, rec)
    SELECT seq, id, collection, record_id, scope, op, hlc, device_id, subject, role, seen, recorded_at, received_at, body, rec FROM changes ORDER BY seq;
DROP TABLE changes;
ALTER TABLE changes_keyed RENAME TO changes;
CREATE UNIQUE INDEX changes_id ON changes (unhex(replace(id, '-', '')));
CREATE INDEX changes_scope ON changes (scope, seq);
CREATE INDEX changes_rec ON changes (rec, seq);

DROP INDEX records_key;
CREATE UNIQUE INDEX records_key ON records (collection, unhex(replace(record_id, '-', '')));

-- +goose Down
DROP INDEX records_key;
CREATE UNIQUE INDEX records_key ON records (collection, record_id);

CREATE TABLE changes_text (
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
    body        TEXT    NOT NULL,
    rec         INTEGER NOT NULL DEFAULT 0
);
INSERT INTO changes_text (seq, id, collection, record_id, scope, op, hlc, device_id, subject, role, seen, recorded_at, received_at, body, rec)
    SELECT seq, id, collection, record_id, scope, op, hlc, device_id, subject, role, seen, recorded_at, received_at, body, rec FROM changes ORDER BY seq;
DROP TABLE changes;
ALTER TABLE changes_text RENAME TO changes;
CREATE INDEX changes_scope ON changes (scope, seq);
CREATE INDEX changes_rec ON changes (rec, seq);
