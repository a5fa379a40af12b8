-- +goose Up
-- Change ids and record ids on the push's hot paths are stored as uuid
-- (16 bytes) instead of text (37 bytes with its header): changes.id (the
-- unique index every push probes and inserts into), changes.record_id
-- (changes_record) and records.record_id (the primary key). Random
-- (version 4) ids still insert at random places in these indexes, but the
-- indexes are less than half the size, so far fewer pages are touched and
-- written per commit (server/postgres/DESIGN.md, docs/benchmarks.md).
--
-- Every id written was a canonical lower-case UUID (syncproto.ParseChange
-- refuses anything else), whose text is exactly what uuid prints, and uuid
-- orders bytewise as the "C" collation ordered that text: every query
-- returns the same strings in the same order. A database holding any other
-- id is refused rather than changed.
--
-- Columns that may hold what a client sent (quarantine), or that are
-- written off the push's path (read_audit, retention_log), stay text. The
-- reporting views keep id as text, so they still join with text columns
-- (a move's resident_id): each view over records or changes is dropped
-- and created again from its own definition with record_id cast to text.
-- +goose StatementBegin
DO $$
DECLARE
    canonical constant text := '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
    v record;
    names text[] := '{}';
    defs text[] := '{}';
BEGIN
    IF EXISTS (SELECT 1 FROM changes WHERE id !~ canonical OR record_id !~ canonical)
        OR EXISTS (SELECT 1 FROM records WHERE record_id !~ canonical) THEN
        RAISE EXCEPTION 'migration 00021: an id in changes or records is not a canonical lower-case UUID';
    END IF;
    FOR v IN
        SELECT DISTINCT c.oid, c.relname FROM pg_class c
        JOIN pg_rewrite rw ON rw.ev_class = c.oid
        JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid AND d.refclassid = 'pg_class'::regclass
        WHERE c.relkind = 'v' AND d.refobjid IN ('records'::regclass, 'changes'::regclass)
        ORDER BY c.relname
    LOOP
        names := names || v.oid::regclass::text;
        defs := defs || replace(pg_get_viewdef(v.oid), 'records.record_id AS id', '(records.record_id)::text AS id');
        EXECUTE 'DROP VIEW ' || v.oid::regclass::text;
    END LOOP;
    ALTER TABLE changes ALTER COLUMN id TYPE uuid USING id::uuid,
        ALTER COLUMN record_id TYPE uuid USING record_id::uuid;
    ALTER TABLE records ALTER COLUMN record_id TYPE uuid USING record_id::uuid;
    FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
        EXECUTE 'CREATE VIEW ' || names[i] || ' AS ' || defs[i];
    END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    v record;
    names text[] := '{}';
    defs text[] := '{}';
BEGIN
    FOR v IN
        SELECT DISTINCT c.oid, c.relname FROM pg_class c
        JOIN pg_rewrite rw ON rw.ev_class = c.oid
        JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid AND d.refclassid = 'pg_class'::regclass
        WHERE c.relkind = 'v' AND d.refobjid IN ('records'::regclass, 'changes'::regclass)
        ORDER BY c.relname
    LOOP
        names := names || v.oid::regclass::text;
        defs := defs || replace(pg_get_viewdef(v.oid), '(records.record_id)::text AS id', 'records.record_id AS id');
        EXECUTE 'DROP VIEW ' || v.oid::regclass::text;
    END LOOP;
    ALTER TABLE changes ALTER COLUMN id TYPE text COLLATE "C" USING id::text,
        ALTER COLUMN record_id TYPE text COLLATE "C" USING record_id::text;
    ALTER TABLE records ALTER COLUMN record_id TYPE text COLLATE "C" USING record_id::text;
    FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
        EXECUTE 'CREATE VIEW ' || names[i] || ' AS ' || defs[i];
    END LOOP;
END $$;
-- +goose StatementEnd
