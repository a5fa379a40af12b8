-- +goose Up
-- A change names its record by the record's rowid (rec), and a record's
-- changes are found through changes_rec (rec, seq) instead of
-- changes_record (collection, record_id, seq). A new record's rowid is the
-- largest yet, so its first change's entry goes at the end of the index
-- whatever its record id: with random (version 4) ids, the old index took an
-- insert at a random place for every new record, and rewrote a random page
-- per change at every commit (docs/benchmarks.md, issue "the engine, third
-- round"). Records are never deleted, so rec stays valid.
ALTER TABLE changes ADD COLUMN rec INTEGER NOT NULL DEFAULT 0;
UPDATE changes SET rec = COALESCE((SELECT r.rowid FROM records r WHERE r.collection = changes.collection AND r.record_id = changes.record_id), 0);
DROP INDEX changes_record;
CREATE INDEX changes_rec ON changes (rec, seq);

-- +goose Down
DROP INDEX changes_rec;
CREATE INDEX changes_record ON changes (collection, record_id, seq);
ALTER TABLE changes DROP COLUMN rec;
