-- +goose Up
-- Change and record ids keep their 16-byte keys in columns of their own
-- (changes.id_key, records.record_key), and changes_id and records_key
-- index those columns instead of the expression unhex(replace(id, '-', '')).
-- The keys and their order are the same (migration 00021); what changes is
-- what an INSERT must be ready to undo. SQLite keeps a statement journal, a
-- copy of every existing page a multi-row INSERT first changes, whenever
-- the statement might have to abort part-way: when it evaluates a function
-- (the expression indexes did), names a rowid of its own, or has a
-- constraint that aborts. The writer's INSERT OR FAIL of plain values into
-- the log, with no rowid named, needs none (the records' insert still keeps
-- one: the rules' partial indexes call json_extract). With random (version 4) ids nearly every row
-- changes a page of each index that no earlier row of its statement had
-- changed, so those copies cost the writer more with v4 ids than with v7
-- (docs/benchmarks.md, "Keys in columns").
--
-- Every id is a canonical UUID (migration 00021 refused any database with
-- another), so every key is 16 bytes. The default is only for the rows
-- already here while the column is added; the writer always names the key.
ALTER TABLE changes ADD COLUMN id_key BLOB NOT NULL DEFAULT x'';
UPDATE changes SET id_key = unhex(replace(id, '-', ''));
DROP INDEX changes_id;
CREATE UNIQUE INDEX changes_id ON changes (id_key);

ALTER TABLE records ADD COLUMN record_key BLOB NOT NULL DEFAULT x'';
UPDATE records SET record_key = unhex(replace(record_id, '-', ''));
DROP INDEX records_key;
CREATE UNIQUE INDEX records_key ON records (collection, record_key);

-- +goose Down
DROP INDEX records_key;
CREATE UNIQUE INDEX records_key ON records (collection, unhex(replace(record_id, '-', '')));
ALTER TABLE records DROP COLUMN record_key;

DROP INDEX changes_id;
CREATE UNIQUE INDEX changes_id ON changes (unhex(replace(id, '-', '')));
ALTER TABLE changes DROP COLUMN id_key;
