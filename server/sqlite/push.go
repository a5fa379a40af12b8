package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

var (
	_ care.SerialWriter = (*Store)(nil)
	_ care.PushTx       = (*pushTx)(nil)
)

// SerialWrites implements care.SerialWriter: one goroutine, the group
// committer, runs every push.
func (s *Store) SerialWrites() {}

// maxGroup bounds how many waiting pushes share one transaction.
const maxGroup = 64

// errClosed answers pushes that reach a closed store.
var errClosed = errors.New("sqlite: store closed")

// pushJob is one push waiting for the writer.
type pushJob struct {
	ctx      context.Context
	received time.Time
	fn       func(care.PushTx) error
	done     chan pushDone
}

// pushDone is a push's outcome, sent once its group's commit is durable.
type pushDone struct {
	position int64
	err      error
}

// Write implements care.Writer with group commit: pushes that wait while the
// writer commits go together into its next transaction and share one commit
// and one fsync. A push is answered only after that commit. If one push of a
// group fails, the transaction is rolled back and each push runs again in a
// transaction of its own (care.Writer allows a store to run a push more than
// once), so a failing push fails no other.
func (s *Store) Write(ctx context.Context, received time.Time, fn func(care.PushTx) error) (int64, error) {
	j := &pushJob{ctx: ctx, received: received, fn: fn, done: make(chan pushDone, 1)}
	select {
	case s.pushes <- j:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-s.quit:
		return 0, errClosed
	}
	// Once taken, the push is waited for whatever ctx does: it may already
	// be committed.
	d := <-j.done
	return d.position, d.err
}

// commitLoop is the group committer: it takes the first waiting push, then
// every other one already waiting, and commits them together.
func (s *Store) commitLoop() {
	defer close(s.done)
	for {
		var j *pushJob
		select {
		case j = <-s.pushes:
		case <-s.quit:
			return
		}
		group := []*pushJob{j}
	more:
		for len(group) < maxGroup {
			select {
			case j := <-s.pushes:
				group = append(group, j)
			default:
				break more
			}
		}
		s.commitGroup(group)
	}
}

// commitGroup runs a group in one transaction. If that fails, because one
// push in it failed or the transaction itself did, each push runs again in a
// transaction of its own, so no push fails because of another.
func (s *Store) commitGroup(group []*pushJob) {
	out, touched, err := s.runGroup(group)
	if err != nil && len(group) > 1 {
		for _, j := range group {
			s.commitGroup([]*pushJob{j})
		}
		return
	}
	if err == nil {
		s.wakeCheckpointer()
	}
	for i, j := range group {
		d := pushDone{err: err}
		if err == nil {
			d = out[i]
			if len(touched[i]) > 0 {
				s.hub.Publish(care.Commit{Position: d.position, Touched: touched[i]})
			}
		}
		j.done <- d
	}
}

// runGroup runs the pushes of a group one after another in one transaction
// and commits it. A push whose request was cancelled before its turn is
// answered with its context's error and writes nothing. Any other failure
// (a push's, or the transaction's) rolls the whole transaction back and is
// returned: the pushes are answered only by a commit.
//
// The pushes share the transaction without a savepoint each. A savepoint
// would let one failing push be undone alone, but SQLite then keeps, for
// every page a push first changes, a copy of the page as it was; a push of
// new records with random ids changes a page of each id index per record,
// so those copies cost about a tenth of the writer's time (docs/benchmarks.md).
// Pushes fail only on faults (storage, a bug), so running a group's pushes
// again alone when one fails costs less than those copies.
func (s *Store) runGroup(group []*pushJob) (out []pushDone, touched [][]care.Touch, err error) {
	// One context for the transaction: a push's cancelled request must not
	// interrupt a statement of the shared transaction (SQLite would roll
	// all of it back).
	ctx := context.Background()
	out = make([]pushDone, len(group))
	touched = make([][]care.Touch, len(group))
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	st := &txStmts{ctx: ctx, tx: tx, ws: s.ws, in: map[*sql.Stmt]*sql.Stmt{}}
	for i, j := range group {
		if err := j.ctx.Err(); err != nil {
			out[i].err = err
			continue
		}
		t := &pushTx{ctx: ctx, tx: tx, st: st, filter: s.filter, received: j.received.UTC().Format(time.RFC3339Nano), cache: map[care.RecordKey]*syncproto.Record{}, stored: map[care.RecordKey]storedRow{}}
		err := j.fn(t)
		if err == nil {
			err = t.flush()
		}
		if err == nil {
			err = st.get(s.ws.maxSeq).QueryRowContext(ctx).Scan(&out[i].position)
		}
		if err != nil {
			return nil, nil, err
		}
		touched[i] = t.touched
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, fmt.Errorf("commit: %w", err)
	}
	return out, touched, nil
}

// The multi-row statements of flush. The writer is the only one, so a log
// row's seq and a new record's rowid are known before the row is written:
// the largest so far plus one, which is what SQLite chooses for a row that
// names none. The rows name none, and flush checks SQLite chose the seq or
// rowid the push expected (a log row's rec names its record's rowid). They
// are INSERT OR FAIL of plain values, which for the log means SQLite keeps
// no statement journal (migration 00022; the records' insert still keeps
// one, for the rules' json_extract indexes): a statement that fails
// part-way leaves its earlier rows, and the push fails with it, so the
// whole transaction is rolled back (runGroup). A stored record is updated
// by rowid (updRec), its scope only when it changes, so an edit leaves
// records_key and records_scope alone.
const (
	logInsert = `INSERT OR FAIL INTO changes (id, id_key, collection, record_id, scope, op, hlc, device_id, subject, role, seen, recorded_at, received_at, body, rec) VALUES `
	logValues = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	logCols   = 15
	recInsert = `INSERT OR FAIL INTO records (collection, record_id, record_key, scope, deleted, state, wire, wire_n, created_seq, updated_seq) VALUES `
	recValues = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	recCols   = 10
	// flushRows is the most rows one statement writes (15 × 128
	// parameters, well under SQLite's limit of 32,766).
	flushRows = 128
)

// pushTx is SQLite's care.PushTx: one push inside the group's transaction.
// The single writer makes every record writable without locking.
type pushTx struct {
	ctx      context.Context
	tx       *sql.Tx
	st       *txStmts
	filter   *keyFilter
	received string
	// cache holds records read or written by this push (nil: absent).
	cache map[care.RecordKey]*syncproto.Record
	// stored holds the rows of records in the table (read, or flushed by
	// this push): absent means the record has no row yet.
	stored  map[care.RecordKey]storedRow
	touched []care.Touch
	// seq is the log's last seq as this push sees it (0: not read yet),
	// and rowid the records' largest rowid (0: not read yet).
	seq, rowid int64
	// logs and recs are writes not yet sent to SQLite (flush): log rows'
	// arguments, and the records' new states, one per record (recAt
	// finds a record's entry). The log rows' seqs run without a gap up to
	// seq, and so do the new records' rowids up to rowid.
	logs  []any
	recs  []pendingRecord
	recAt map[care.RecordKey]int
}

// storedRow is where a record's row is, and the scope it is filed under.
type storedRow struct {
	rowid int64
	scope string
}

// pendingRecord is a record's new state, waiting in a pushTx. A record
// without a row yet has its rowid chosen when its first change is logged, so
// the change's rec names it. The state is encoded at flush, once however
// many of the record's changes the push applied before it.
type pendingRecord struct {
	key care.RecordKey
	// id is the key of key.ID (idKey), for a record without a row yet.
	id           *[16]byte
	rowid        int64
	scope        string
	after        *syncproto.Record
	created, seq int64
}

// flush writes the buffered log rows and record states, in statements of up
// to flushRows rows. Anything that reads the log or the records through SQL
// flushes first, so it sees the push's own writes.
func (t *pushTx) flush() error {
	for len(t.logs) > 0 {
		n := pow2Below(min(len(t.logs)/logCols, flushRows))
		rows := t.logs[:n*logCols]
		t.logs = t.logs[n*logCols:]
		// The batch's last seq: the push's last less the rows still to go.
		if err := t.insert(t.st.ws.logRows[n], rows, t.seq-int64(len(t.logs)/logCols)); err != nil {
			return fmt.Errorf("log changes: %w", err)
		}
	}
	var ins []any
	for _, r := range t.recs {
		enc, deleted := care.EncodeState(r.after), r.after.Deleted()
		row, ok := t.stored[r.key]
		if !ok {
			ins = append(ins, r.key.Collection, r.key.ID, r.id[:], r.scope, deleted, enc.State, enc.Wire, enc.Count, r.created, r.seq)
			t.stored[r.key] = storedRow{rowid: r.rowid, scope: r.scope}
			continue
		}
		var err error
		if r.scope == row.scope {
			_, err = t.st.get(t.st.ws.updRec).ExecContext(t.ctx, deleted, enc.State, enc.Wire, enc.Count, r.seq, row.rowid)
		} else {
			_, err = t.st.get(t.st.ws.updRecScope).ExecContext(t.ctx, r.scope, deleted, enc.State, enc.Wire, enc.Count, r.seq, row.rowid)
			t.stored[r.key] = storedRow{rowid: row.rowid, scope: r.scope}
		}
		if err != nil {
			return fmt.Errorf("store records: %w", err)
		}
	}
	for len(ins) > 0 {
		n := pow2Below(min(len(ins)/recCols, flushRows))
		rows := ins[:n*recCols]
		ins = ins[n*recCols:]
		// The batch's last rowid: the push's last less the records still to go.
		if err := t.insert(t.st.ws.recRows[n], rows, t.rowid-int64(len(ins)/recCols)); err != nil {
			return fmt.Errorf("store records: %w", err)
		}
	}
	t.logs, t.recs, t.recAt = nil, nil, nil
	return nil
}

// insert runs one of flush's multi-row INSERTs and checks SQLite gave its
// last row the rowid (a log row's seq, a record's rowid) the push chose for
// it. Rows are inserted in the order their rowids were chosen, without a
// gap, so the last matching means every one did. A mismatch, which only another writer
// could cause, fails the push rather than log a change under a position, or
// against a record, other than the one its push was answered with.
func (t *pushTx) insert(stmt *sql.Stmt, args []any, last int64) error {
	res, err := t.st.get(stmt).ExecContext(t.ctx, args...)
	if err != nil {
		return err
	}
	got, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if got != last {
		return fmt.Errorf("SQLite chose rowid %d for a row the writer numbered %d", got, last)
	}
	return nil
}

// lastRowid reads the records' largest rowid once per push.
func (t *pushTx) lastRowid() error {
	if t.rowid != 0 {
		return nil
	}
	if err := t.st.get(t.st.ws.maxRowid).QueryRowContext(t.ctx).Scan(&t.rowid); err != nil {
		return fmt.Errorf("store records: %w", err)
	}
	return nil
}

// Begin implements care.PushTx: two queries read which of the batch's
// changes are already logged and the current state of the records they
// touch, instead of two queries per change. They ask only about the ids and
// records the key filter cannot rule out; the others are new.
func (t *pushTx) Begin(ids []string, keys []care.RecordKey) (map[string]care.Prior, error) {
	logged := map[string]care.Prior{}
	ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !t.filter.mayHoldChange(id) })
	var maybe []care.RecordKey
	for _, k := range keys {
		if t.filter.mayHoldRecord(k) {
			maybe = append(maybe, k)
		} else {
			t.cache[k] = nil // new
		}
	}
	keys = maybe
	for start := 0; start < len(ids); start += maxIn {
		chunk := ids[start:min(start+maxIn, len(ids))]
		n := pow2Above(len(chunk))
		args := make([]any, n)
		for i := range args {
			args[i] = chunk[min(i, len(chunk)-1)]
		}
		rows, err := t.st.get(t.st.ws.loggedIn[n]).QueryContext(t.ctx, args...)
		if err != nil {
			return nil, fmt.Errorf("check duplicates: %w", err)
		}
		for rows.Next() {
			var id string
			var body []byte
			var p care.Prior
			if err := rows.Scan(&id, &p.Scope, &body); err != nil {
				rows.Close()
				return nil, fmt.Errorf("check duplicates: %w", err)
			}
			if err := json.Unmarshal(body, &p.Change); err != nil {
				rows.Close()
				return nil, fmt.Errorf("check duplicates: decode change %s: %w", id, err)
			}
			logged[id] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("check duplicates: %w", err)
		}
	}
	for start := 0; start < len(keys); start += maxIn {
		chunk := keys[start:min(start+maxIn, len(keys))]
		n := pow2Above(len(chunk))
		for _, k := range chunk {
			t.cache[k] = nil
		}
		rows, err := t.st.get(t.st.ws.recordsIn[n]).QueryContext(t.ctx, recordsInArgs(chunk, n)...)
		if err != nil {
			return nil, fmt.Errorf("load records: %w", err)
		}
		if err := t.scanStored(rows); err != nil {
			return nil, err
		}
	}
	return logged, nil
}

// recordsInArgs binds keys to recordsInQuery(n), n ≥ len(keys): the
// statement's spare pairs are NULL, which joins no row. (Repeating a key
// there would join its record once per copy, and each would be decoded.)
func recordsInArgs(keys []care.RecordKey, n int) []any {
	args := make([]any, 2*n)
	for i, k := range keys {
		args[2*i], args[2*i+1] = k.Collection, k.ID
	}
	return args
}

// scanStored reads rows of (rowid, collection, record_id, scope, state)
// into the push's cache.
func (t *pushTx) scanStored(rows *sql.Rows) error {
	defer rows.Close()
	for rows.Next() {
		var row storedRow
		var k care.RecordKey
		var state []byte
		if err := rows.Scan(&row.rowid, &k.Collection, &k.ID, &row.scope, &state); err != nil {
			return fmt.Errorf("load records: %w", err)
		}
		r, err := care.DecodeState(k.Collection, k.ID, row.scope, state)
		if err != nil {
			return err
		}
		t.cache[k], t.stored[k] = r, row
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load records: %w", err)
	}
	return nil
}

// Lock implements care.PushTx.
func (t *pushTx) Lock(k care.RecordKey) (*syncproto.Record, error) {
	return t.Record(k.Collection, k.ID)
}

// Logged implements care.PushTx.
func (t *pushTx) Logged(id string) (bool, error) {
	if err := t.flush(); err != nil {
		return false, err
	}
	var one int
	switch err := t.st.get(t.st.ws.dup).QueryRowContext(t.ctx, id, id).Scan(&one); {
	case err == nil:
		return true, nil
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	default:
		return false, err
	}
}

// Unstorable implements care.PushTx: SQLite stores any change that parsed.
func (t *pushTx) Unstorable(syncproto.Change, []byte) *syncproto.Error { return nil }

// Append implements care.PushTx.
// The change and the record's state wait in the pushTx until flush; the
// record's state is written once per flush however many of its changes the
// push applies.
func (t *pushTx) Append(p care.Principal, c syncproto.Change, body []byte, scope string, after *syncproto.Record) error {
	if t.seq == 0 {
		if err := t.st.get(t.st.ws.maxSeq).QueryRowContext(t.ctx).Scan(&t.seq); err != nil {
			return fmt.Errorf("log change: %w", err)
		}
	}
	t.seq++
	k := care.RecordKey{Collection: c.Collection, ID: c.RecordID}
	pr := pendingRecord{key: k, scope: scope, after: after, created: t.seq, seq: t.seq}
	i, pending := t.recAt[k]
	switch row, stored := t.stored[k]; {
	case stored:
		pr.rowid = row.rowid
	case pending:
		pr.rowid = t.recs[i].rowid
	default:
		id, err := idKey(c.RecordID)
		if err != nil {
			return fmt.Errorf("store record: %w", err)
		}
		if err := t.lastRowid(); err != nil {
			return err
		}
		t.rowid++
		pr.id, pr.rowid = &id, t.rowid
		t.filter.addRecord(c.Collection, id)
	}
	key, err := idKey(c.ID)
	if err != nil {
		return fmt.Errorf("log change: %w", err)
	}
	t.filter.addChange(key)
	t.logs = append(t.logs, c.ID, key[:], c.Collection, c.RecordID, scope, string(c.Op), c.HLC.String(), c.DeviceID,
		p.Subject, p.Role, c.Seen, c.RecordedAt.UTC().Format(time.RFC3339Nano), t.received, body, pr.rowid)
	if pending {
		pr.created, pr.id = t.recs[i].created, t.recs[i].id
		t.recs[i] = pr
	} else {
		if t.recAt == nil {
			t.recAt = map[care.RecordKey]int{}
		}
		t.recAt[k] = len(t.recs)
		t.recs = append(t.recs, pr)
	}
	if len(t.logs) >= logCols*flushRows {
		if err := t.flush(); err != nil {
			return err
		}
	}
	after.Scope = scope
	t.cache[k] = after
	return nil
}

// Quarantine implements care.PushTx. A raw change that is not JSON is kept
// as a JSON string.
func (t *pushTx) Quarantine(p care.Principal, it care.Incoming, e *syncproto.Error, scope string) error {
	raw := string(it.Raw)
	if !json.Valid(it.Raw) {
		q, _ := json.Marshal(raw)
		raw = string(q)
	}
	_, err := t.st.get(t.st.ws.insQuar).ExecContext(t.ctx, it.ID, it.Change.Collection, it.Change.RecordID, p.DeviceID, p.Subject, p.Role,
		e.Code, e.Field, e.Message, raw, t.received, scope)
	return err
}

// Touched implements care.PushTx: the writer publishes them after the commit.
func (t *pushTx) Touched(ts []care.Touch) { t.touched = ts }

// Written implements schema.Lookup inside the push transaction.
func (t *pushTx) Written(changeID string) (schema.WriteInfo, bool, error) {
	var w schema.WriteInfo
	if err := t.flush(); err != nil {
		return w, false, err
	}
	switch err := t.st.get(t.st.ws.written).QueryRowContext(t.ctx, changeID, changeID).Scan(&w.Position, &w.Subject, &w.Role); {
	case errors.Is(err, sql.ErrNoRows):
		return w, false, nil
	case err != nil:
		return w, false, fmt.Errorf("written: %w", err)
	}
	return w, true, nil
}

// Record implements schema.Lookup inside the push transaction.
func (t *pushTx) Record(collection, id string) (*syncproto.Record, error) {
	k := care.RecordKey{Collection: collection, ID: id}
	if r, ok := t.cache[k]; ok {
		if r == nil {
			return nil, nil // known absent
		}
		return r.Clone(), nil
	}
	var row storedRow
	var state []byte
	switch err := t.st.get(t.st.ws.getRec).QueryRowContext(t.ctx, collection, id, id).Scan(&row.rowid, &row.scope, &state); {
	case errors.Is(err, sql.ErrNoRows):
		t.cache[k] = nil
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("load record: %w", err)
	}
	r, err := care.DecodeState(collection, id, row.scope, state)
	if err != nil {
		return nil, err
	}
	t.cache[k], t.stored[k] = r, row
	return r.Clone(), nil
}

// Find implements schema.Lookup inside the push transaction.
func (t *pushTx) Find(collection, field string, value json.RawMessage) ([]*syncproto.Record, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return find(t.ctx, t.tx, collection, field, value)
}
