package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

var (
	_ care.Writer = (*Store)(nil)
	_ care.PushTx = (*pushTx)(nil)
)

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
// writer commits go together into its next transaction, each under a
// savepoint, and share one commit and one fsync. A push is answered only
// after that commit; a push that fails is rolled back to its savepoint and
// does not fail the others.
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

// commitGroup runs a group in one transaction. If the transaction itself
// fails (not one push in it), each push runs again in a transaction of its
// own, so no push fails because of another.
func (s *Store) commitGroup(group []*pushJob) {
	out, touched, err := s.runGroup(group)
	if err != nil && len(group) > 1 {
		for _, j := range group {
			s.commitGroup([]*pushJob{j})
		}
		return
	}
	if err != nil {
		out, touched = make([]pushDone, len(group)), make([][]care.Touch, len(group))
	}
	for i, j := range group {
		if err != nil {
			out[i] = pushDone{err: err}
		}
		if out[i].err == nil && len(touched[i]) > 0 {
			s.hub.Publish(care.Commit{Position: out[i].position, Touched: touched[i]})
		}
		j.done <- out[i]
	}
}

// runGroup runs each push of a group under its own savepoint and commits. A
// push whose fn fails is rolled back to its savepoint; err reports a failure
// of the transaction as a whole.
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
	st, err := prepareStmts(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	defer st.close()
	for i, j := range group {
		if err := j.ctx.Err(); err != nil {
			out[i].err = err
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT push"); err != nil {
			return nil, nil, fmt.Errorf("savepoint: %w", err)
		}
		t := &pushTx{ctx: ctx, tx: tx, st: st, received: j.received.UTC().Format(time.RFC3339Nano), cache: map[care.RecordKey]*syncproto.Record{}}
		ferr := j.fn(t)
		if ferr == nil {
			ferr = tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM changes").Scan(&out[i].position)
		}
		if ferr != nil {
			out[i].err = ferr
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO push"); err != nil {
				return nil, nil, fmt.Errorf("roll back a failed push (%v): %w", ferr, err)
			}
		} else {
			touched[i] = t.touched
		}
		if _, err := tx.ExecContext(ctx, "RELEASE push"); err != nil {
			return nil, nil, fmt.Errorf("release savepoint: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, fmt.Errorf("commit: %w", err)
	}
	return out, touched, nil
}

// stmts are the prepared statements of one write transaction.
type stmts struct {
	dup, insChange, getRec, putRec, insQuar *sql.Stmt
}

func prepareStmts(ctx context.Context, tx *sql.Tx) (*stmts, error) {
	st := &stmts{}
	list := []struct {
		dst **sql.Stmt
		q   string
	}{
		{&st.dup, "SELECT 1 FROM changes WHERE id = ?"},
		{&st.insChange, `INSERT INTO changes (id, collection, record_id, scope, op, hlc, device_id, subject, role, seen, recorded_at, received_at, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&st.getRec, "SELECT scope, state FROM records WHERE collection = ? AND record_id = ?"},
		{&st.putRec, `INSERT INTO records (collection, record_id, scope, deleted, state, wire, wire_n, created_seq, updated_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (collection, record_id) DO UPDATE SET scope = excluded.scope, deleted = excluded.deleted, state = excluded.state,
				wire = excluded.wire, wire_n = excluded.wire_n, updated_seq = excluded.updated_seq`},
		{&st.insQuar, `INSERT INTO quarantine (change_id, collection, record_id, device_id, subject, role, code, field, message, raw, received_at, scope)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	}
	for _, x := range list {
		p, err := tx.PrepareContext(ctx, x.q)
		if err != nil {
			st.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*x.dst = p
	}
	return st, nil
}

func (st *stmts) close() {
	for _, x := range []*sql.Stmt{st.dup, st.insChange, st.getRec, st.putRec, st.insQuar} {
		if x != nil {
			x.Close()
		}
	}
}

// pushTx is SQLite's care.PushTx: one push inside the group's transaction.
// The single writer makes every record writable without locking.
type pushTx struct {
	ctx      context.Context
	tx       *sql.Tx
	st       *stmts
	received string
	// cache holds records read or written by this push (nil: absent).
	cache   map[care.RecordKey]*syncproto.Record
	touched []care.Touch
}

// Begin implements care.PushTx: two queries read which of the batch's
// changes are already logged and the current state of the records they
// touch, instead of two queries per change.
func (t *pushTx) Begin(ids []string, keys []care.RecordKey) (map[string]care.Prior, error) {
	logged := map[string]care.Prior{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := t.tx.QueryContext(t.ctx, "SELECT id, scope, body FROM changes WHERE id IN (?"+strings.Repeat(",?", len(chunk)-1)+")", args...)
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
	for start := 0; start < len(keys); start += 500 {
		chunk := keys[start:min(start+500, len(keys))]
		args := make([]any, 0, 2*len(chunk))
		for _, k := range chunk {
			args = append(args, k.Collection, k.ID)
			t.cache[k] = nil
		}
		rows, err := t.tx.QueryContext(t.ctx, "SELECT collection, record_id, scope, state FROM records WHERE (collection, record_id) IN (VALUES (?,?)"+strings.Repeat(",(?,?)", len(chunk)-1)+")", args...)
		if err != nil {
			return nil, fmt.Errorf("load records: %w", err)
		}
		recs, err := scanRecords(rows)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			t.cache[care.RecordKey{Collection: r.Collection, ID: r.ID}] = r
		}
	}
	return logged, nil
}

// Lock implements care.PushTx.
func (t *pushTx) Lock(k care.RecordKey) (*syncproto.Record, error) {
	return t.Record(k.Collection, k.ID)
}

// Logged implements care.PushTx.
func (t *pushTx) Logged(id string) (bool, error) {
	var one int
	switch err := t.st.dup.QueryRowContext(t.ctx, id).Scan(&one); {
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
func (t *pushTx) Append(p care.Principal, c syncproto.Change, body []byte, scope string, after *syncproto.Record) error {
	r, err := t.st.insChange.ExecContext(t.ctx, c.ID, c.Collection, c.RecordID, scope, string(c.Op), c.HLC.String(), c.DeviceID,
		p.Subject, p.Role, c.Seen, c.RecordedAt.UTC().Format(time.RFC3339Nano), t.received, body)
	if err != nil {
		return fmt.Errorf("log change: %w", err)
	}
	seq, err := r.LastInsertId()
	if err != nil {
		return fmt.Errorf("log change: %w", err)
	}
	enc := care.EncodeState(after)
	if _, err := t.st.putRec.ExecContext(t.ctx, c.Collection, c.RecordID, scope, after.Deleted(), enc.State, enc.Wire, enc.Count, seq, seq); err != nil {
		return fmt.Errorf("store record: %w", err)
	}
	after.Scope = scope
	t.cache[care.RecordKey{Collection: c.Collection, ID: c.RecordID}] = after
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
	_, err := t.st.insQuar.ExecContext(t.ctx, it.ID, it.Change.Collection, it.Change.RecordID, p.DeviceID, p.Subject, p.Role,
		e.Code, e.Field, e.Message, raw, t.received, scope)
	return err
}

// Touched implements care.PushTx: the writer publishes them after the commit.
func (t *pushTx) Touched(ts []care.Touch) { t.touched = ts }

// Written implements schema.Lookup inside the push transaction.
func (t *pushTx) Written(changeID string) (schema.WriteInfo, bool, error) {
	var w schema.WriteInfo
	switch err := t.tx.QueryRowContext(t.ctx, "SELECT seq, subject, role FROM changes WHERE id = ?", changeID).Scan(&w.Position, &w.Subject, &w.Role); {
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
	var scope string
	var state []byte
	switch err := t.st.getRec.QueryRowContext(t.ctx, collection, id).Scan(&scope, &state); {
	case errors.Is(err, sql.ErrNoRows):
		t.cache[k] = nil
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("load record: %w", err)
	}
	r, err := care.DecodeState(collection, id, scope, state)
	if err != nil {
		return nil, err
	}
	t.cache[k] = r
	return r.Clone(), nil
}

// Find implements schema.Lookup inside the push transaction.
func (t *pushTx) Find(collection, field string, value json.RawMessage) ([]*syncproto.Record, error) {
	return find(t.ctx, t.tx, collection, field, value)
}
