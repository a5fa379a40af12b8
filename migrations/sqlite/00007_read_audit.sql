-- +goose Up
-- Reads of personal data that a person made on purpose (history, export,
-- reports naming residents): who, when, what. Rows are never updated.
CREATE TABLE read_audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    subject     TEXT NOT NULL,
    role        TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    collection  TEXT NOT NULL DEFAULT '',
    record_id   TEXT NOT NULL DEFAULT '',
    resident_id TEXT NOT NULL DEFAULT '',
    incident_id TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX read_audit_resident ON read_audit (resident_id, id);
CREATE INDEX read_audit_incident ON read_audit (incident_id, id);

-- +goose Down
DROP TABLE read_audit;
