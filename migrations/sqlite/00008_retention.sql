-- +goose Up
-- What retention removed, when and under which rule: ids and counts only,
-- no personal data. Rows are never updated.
CREATE TABLE retention_log (
    id                 INTEGER PRIMARY KEY,
    at                 TEXT    NOT NULL,
    rule               TEXT    NOT NULL,
    collection         TEXT    NOT NULL,
    record_id          TEXT    NOT NULL,
    incident_id        TEXT    NOT NULL DEFAULT '',
    changes_removed    INTEGER NOT NULL,
    quarantine_removed INTEGER NOT NULL
);
CREATE INDEX retention_log_record ON retention_log (collection, record_id, id);

-- Retention finds a record's rejected changes by the record.
CREATE INDEX quarantine_record ON quarantine (collection, record_id);

-- +goose Down
DROP INDEX quarantine_record;
DROP TABLE retention_log;
