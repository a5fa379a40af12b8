-- +goose Up
-- Cross-incident integrity (docs/security.md, "Cross-incident integrity").

-- A deleted record keeps its incident for ever. Before this migration the
-- scope of a tombstone (and of a record revived from one by a partial edit)
-- was derived from its fields, which a tombstone has none of, and stored
-- empty. Give each such record the last incident its log names, where the
-- log names one; the others (deletes of records the server never had) stay
-- filed under no incident, which no scoped device is ever served.
UPDATE records SET scope = (
    SELECT c.scope FROM changes c
    WHERE c.collection = records.collection AND c.record_id = records.record_id AND c.scope <> ''
    ORDER BY c.seq DESC LIMIT 1)
WHERE scope = '' AND EXISTS (
    SELECT 1 FROM changes c
    WHERE c.collection = records.collection AND c.record_id = records.record_id AND c.scope <> '');

-- Changes logged with an empty scope on such a record (its delete, an edit
-- written onto its tombstone) are filed under the incident the record had
-- when they were made (the last one named before them, else the record's),
-- so pulls of other incidents no longer serve them. Only this column of the
-- log is rewritten: positions, ids and bodies are untouched.
UPDATE changes SET scope = COALESCE(
    (SELECT p.scope FROM changes p
     WHERE p.collection = changes.collection AND p.record_id = changes.record_id AND p.seq < changes.seq AND p.scope <> ''
     ORDER BY p.seq DESC LIMIT 1),
    (SELECT r.scope FROM records r WHERE r.collection = changes.collection AND r.record_id = changes.record_id))
WHERE scope = '' AND EXISTS (
    SELECT 1 FROM records r
    WHERE r.collection = changes.collection AND r.record_id = changes.record_id AND r.scope <> '');

-- Rejected changes are listed by incident as well as by role. Entries from
-- before this migration stay filed under no incident: whoever pushed them
-- cannot be checked against their scopes any more, so only back-office
-- staff holding every incident see them.
ALTER TABLE quarantine ADD COLUMN scope text COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX quarantine_scope ON quarantine (scope, id);

-- +goose Down
DROP INDEX quarantine_scope;
ALTER TABLE quarantine DROP COLUMN scope;
