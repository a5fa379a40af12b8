-- +goose Up
-- What retention removed, when and under which rule: ids and counts only,
-- no personal data. Rows are never updated.
CREATE TABLE retention_log (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                 timestamptz NOT NULL,
    rule               text        NOT NULL,
    collection         text        COLLATE "C" NOT NULL,
    record_id          text        COLLATE "C" NOT NULL,
    incident_id        text        COLLATE "C" NOT NULL DEFAULT '',
    changes_removed    integer     NOT NULL,
    quarantine_removed integer     NOT NULL
);
CREATE INDEX retention_log_record ON retention_log (collection, record_id, id);

-- Retention finds a record's rejected changes by the record.
CREATE INDEX quarantine_record ON quarantine (collection, record_id);

-- +goose Down
DROP INDEX quarantine_record;
DROP TABLE retention_log;
