package sqlite

import (
	"context"
	"time"

	"github.com/continuity-care/continuity/server/care"
)

// WriteGroupForTest runs fns as one group of the group committer, as if
// they had all been waiting for the writer, and returns each push's
// position and error.
func (s *Store) WriteGroupForTest(fns ...func(care.PushTx) error) ([]int64, []error) {
	group := make([]*pushJob, len(fns))
	for i, fn := range fns {
		group[i] = &pushJob{ctx: context.Background(), received: time.Now(), fn: fn, done: make(chan pushDone, 1)}
	}
	s.commitGroup(group)
	pos, errs := make([]int64, len(fns)), make([]error, len(fns))
	for i, j := range group {
		d := <-j.done
		pos[i], errs[i] = d.position, d.err
	}
	return pos, errs
}

// WriterPragmaForTest returns a PRAGMA's value on the writer's connection.
func (s *Store) WriterPragmaForTest(ctx context.Context, name string) (string, error) {
	var v string
	err := s.writer.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v)
	return v, err
}

// ExecForTest runs a statement on the writer.
func (s *Store) ExecForTest(ctx context.Context, q string) error {
	_, err := s.writer.ExecContext(ctx, q)
	return err
}

// ExplainRecordsForTest returns SQLite's query plan of Records(collection,
// f) (or of Incidents when collection is empty), one line per step.
func (s *Store) ExplainRecordsForTest(ctx context.Context, collection string, f care.Filter) (string, error) {
	q, args := incidentsQuery, []any(nil)
	if collection != "" {
		q, args = recordsQuery(collection, f)
	}
	return s.explain(ctx, q, args)
}

// ExplainChangesForTest returns SQLite's query plan of a log page after
// position after that passes f, one line per step.
func (s *Store) ExplainChangesForTest(ctx context.Context, after int64, f care.Filter) (string, error) {
	q, args := changesQuery(after, f, 101)
	return s.explain(ctx, q, args)
}

func (s *Store) explain(ctx context.Context, q string, args []any) (string, error) {
	rows, err := s.reader.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		out += detail + "\n"
	}
	return out, rows.Err()
}

// RecordSeqsForTest returns a record row's created_seq and updated_seq.
func (s *Store) RecordSeqsForTest(ctx context.Context, collection, id string) (created, updated int64, err error) {
	err = s.reader.QueryRowContext(ctx, "SELECT created_seq, updated_seq FROM records WHERE collection = ? AND record_id = ?", collection, id).Scan(&created, &updated)
	return created, updated, err
}

// SetRestoreFaultForTest makes Restore call fault before each step of
// putting a restored copy in place (rename, open); an error fails that step.
// It returns a function that removes the fault.
func SetRestoreFaultForTest(fault func(step string) error) func() {
	restoreFault = fault
	return func() { restoreFault = nil }
}

// ChangeRec is a log row's record as ChangeRecsForTest reads it.
type ChangeRec struct {
	Rec      int64
	RecordID string
	// First is whether the row is its record's first change.
	First bool
}

// ChangeRecsForTest returns, in log order, each log row whose rec is its
// record's rowid, with that record's id.
func (s *Store) ChangeRecsForTest(ctx context.Context) ([]ChangeRec, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT c.rec, r.record_id, c.seq = r.created_seq FROM changes c
		JOIN records r ON r.rowid = c.rec AND r.collection = c.collection AND r.record_id = c.record_id ORDER BY c.seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ChangeRec
	for rows.Next() {
		var c ChangeRec
		if err := rows.Scan(&c.Rec, &c.RecordID, &c.First); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ExplainHistoryForTest returns SQLite's query plan of History.
func (s *Store) ExplainHistoryForTest(ctx context.Context, collection, id string) (string, error) {
	return s.explain(ctx, historyQuery, []any{collection, id, id})
}

// KeyQueryForTest is a query that finds changes or records by id, or walks
// records in id order, with arguments to explain it with.
type KeyQueryForTest struct {
	Name, Query string
	Args        []any
	// Seek is how it must seek its index (as SQLite's plan says it);
	// Ordered, that it must not sort.
	Seek    string
	Ordered bool
}

// KeyQueriesForTest returns every query that reaches changes_id or
// records_key, with the ids given.
func KeyQueriesForTest(changeID, recordID string) []KeyQueryForTest {
	f := care.Filter{Scopes: []string{"incident-1"}, Unscoped: []string{"providers"}}
	rest, restArgs := stateRestQuery("residents", recordID, f, 100)
	later, laterArgs := stateLaterQuery("residents", f, 100)
	records, recordsArgs := recordsQuery("residents", care.Filter{})
	return []KeyQueryForTest{
		{"dup", dupQuery, []any{changeID, changeID}, "changes_id (id_key=?)", false},
		{"written", writtenQuery, []any{changeID, changeID}, "changes_id (id_key=?)", false},
		{"logged in", loggedInQuery(4), []any{changeID, changeID, changeID, changeID}, "changes_id (id_key=?)", false},
		{"record", getRecQuery, []any{"residents", recordID, recordID}, "records_key (collection=? AND record_key=?)", false},
		{"records in", recordsInQuery(2), []any{"residents", recordID, "moves", recordID}, "records_key (collection=? AND record_key=?)", false},
		{"history", historyQuery, []any{"residents", recordID, recordID}, "records_key (collection=? AND record_key=?)", false},
		{"newest change", "SELECT id, seq FROM changes INDEXED BY changes_rec WHERE rec = " + recordRow, []any{"residents", recordID, recordID}, "records_key (collection=? AND record_key=?)", false},
		{"state, rest of a collection", rest, restArgs, "records_key (collection=? AND record_key>?)", true},
		{"state, later collections", later, laterArgs, "records_key (collection>?)", true},
		{"records of a collection", records, recordsArgs, "records_key (collection=?)", true},
		{"held records", heldRecordsQuery, []any{"x", "residents", recordID, 100}, "records_key (collection=? AND record_key>?)", true},
		{"quarantine", "SELECT EXISTS (SELECT 1 FROM changes c WHERE " + changeOf("q.change_id") + ") FROM quarantine q", nil, "changes_id (id_key=?)", false},
	}
}

// ExplainForTest returns SQLite's query plan of q.
func (s *Store) ExplainForTest(ctx context.Context, q string, args []any) (string, error) {
	return s.explain(ctx, q, args)
}

// RecordsInRowsForTest runs the writer's batch lookup of keys, as Begin
// binds it to the statement for n keys, and returns the rows it reads.
func (s *Store) RecordsInRowsForTest(ctx context.Context, keys []care.RecordKey, n int) (int, error) {
	rows, err := s.reader.QueryContext(ctx, recordsInQuery(n), recordsInArgs(keys, n)...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	count := 0
	for rows.Next() {
		count++
	}
	return count, rows.Err()
}

// IDKeyForTest is the key the writer stores beside id.
func IDKeyForTest(id string) ([]byte, error) {
	key, err := idKey(id)
	return key[:], err
}
