-- +goose Up
-- Reads of personal data that a person made on purpose (history, export,
-- reports naming residents): who, when, what. Rows are never updated.
CREATE TABLE read_audit (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    subject     text        NOT NULL,
    role        text        NOT NULL,
    device_id   text        NOT NULL,
    action      text        NOT NULL,
    collection  text        NOT NULL DEFAULT '',
    record_id   text        COLLATE "C" NOT NULL DEFAULT '',
    resident_id text        COLLATE "C" NOT NULL DEFAULT '',
    incident_id text        COLLATE "C" NOT NULL,
    detail      text        NOT NULL DEFAULT ''
);
CREATE INDEX read_audit_resident ON read_audit (resident_id, id);
CREATE INDEX read_audit_incident ON read_audit (incident_id, id);

-- +goose Down
DROP TABLE read_audit;
