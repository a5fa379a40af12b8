-- +goose Up
-- records_scope drops record_id, as SQLite's did in its 00011: PostgreSQL
-- orders equal keys by their row's place in the table and keeps them once,
-- with a list of rows, so under (scope, collection) a new record's entry goes
-- at the end of its incident's range instead of at a random place among
-- random UUIDs. After 200,000 records pushed over 20 incidents the index is
-- 5.3 MB instead of 42 MB and the pushes wrote 8% less WAL
-- (docs/benchmarks.md). A list of an incident's records of a collection
-- still seeks it (a bitmap scan, then a sort by record_id, as before); the
-- list of incidents reads it alone; pulls walk the primary key. The rebuild
-- holds records locked until it commits: 0.8 s for 1,000,000 records on the
-- benchmark machine.
DROP INDEX records_scope;
CREATE INDEX records_scope ON records (scope, collection);

-- +goose Down
DROP INDEX records_scope;
CREATE INDEX records_scope ON records (scope, collection, record_id);
