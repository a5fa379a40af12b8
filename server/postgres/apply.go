package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// maxAttempts bounds how often one push runs: the first attempt is
// optimistic, every later one pessimistic (DESIGN.md).
const maxAttempts = 5

// errStale reports that an optimistic attempt read something a push that
// committed meanwhile changed; the push runs again.
var errStale = errors.New("push read data changed by a concurrent push")

// Write implements care.Writer. A push runs in one READ COMMITTED
// transaction. The first attempt is optimistic: it locks only the records it
// writes and, just before committing, checks under the append lock that no
// push committed since it began changed anything else its checker read. If
// that check fails, or PostgreSQL breaks a deadlock or a concurrent duplicate
// by aborting it, fn runs again on a fresh transaction, pessimistically,
// holding the append lock throughout.
func (s *Store) Write(ctx context.Context, received time.Time, fn func(care.PushTx) error) (int64, error) {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		var pos int64
		pos, err = s.writeOnce(ctx, received, fn, attempt > 0)
		if err == nil {
			return pos, nil
		}
		if !retryable(err) || ctx.Err() != nil {
			break
		}
		s.retries.Add(1)
	}
	return 0, err
}

// retryable reports whether a failed attempt may simply run again.
func retryable(err error) bool {
	if errors.Is(err, errStale) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		case "23505": // unique_violation: a concurrent push applied the same change id
			return pe.TableName == "changes"
		}
	}
	return false
}

type key struct{ collection, id string }

// logged is a change this attempt will append to the log.
type logged struct {
	c             syncproto.Change
	scope         string
	subject, role string
	body          []byte
}

// findKey is one Lookup.Find the checker made.
type findKey struct{ collection, field, kind, text, value string }

// written is the positions (relative to the batch) of a record's first and
// last change in this attempt.
type written struct{ first, last int64 }

// applier is one attempt at a push: PostgreSQL's care.PushTx.
type applier struct {
	ctx         context.Context
	tx          pgx.Tx
	pessimistic bool
	received    time.Time
	// start is log_head when the attempt began: every change committed
	// later has a larger position.
	start int64
	// locked holds the state of every record whose row this attempt has
	// locked (nil: the record does not exist yet).
	locked map[key]*syncproto.Record
	// placeholders are rows inserted only to lock a new record, not yet
	// written: they are deleted before commit.
	placeholders map[key]bool
	// peeked caches records read without a lock; read lists them, with
	// Find's matches, for validation.
	peeked map[key]*syncproto.Record
	read   map[key]bool
	finds  []findKey
	// missing are change ids Written or Logged did not find.
	missing map[string]bool
	log     []logged
	index   map[string]int // change id -> index in log
	dirty   map[key]*written
	// askedPending is set when Written reported a provisional position.
	askedPending bool
	queue        pgx.Batch
	// channel is the change feed's notification channel; touched is what
	// the push logged, for its notification.
	channel string
	touched []care.Touch
}

var _ care.PushTx = (*applier)(nil)

func (s *Store) writeOnce(ctx context.Context, received time.Time, fn func(care.PushTx) error, pessimistic bool) (int64, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	a := &applier{
		ctx: ctx, tx: tx, pessimistic: pessimistic, received: received, channel: s.feed.channel,
		locked: map[key]*syncproto.Record{}, placeholders: map[key]bool{},
		peeked: map[key]*syncproto.Record{}, read: map[key]bool{},
		missing: map[string]bool{}, index: map[string]int{}, dirty: map[key]*written{},
	}
	if err := fn(a); err != nil {
		return 0, err
	}
	pos, err := a.finish()
	if err != nil {
		return 0, err
	}
	if s.beforeCommit != nil {
		s.beforeCommit()
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	return pos, nil
}

// Begin implements care.PushTx: it locks the records the batch writes, in
// key order, notes the log head (locking it too when pessimistic) and finds
// which changes of the batch are already in the log, in one round trip.
func (a *applier) Begin(ids []string, rkeys []care.RecordKey) (map[string]care.Prior, error) {
	keys := make([]key, len(rkeys))
	for i, k := range rkeys {
		keys[i] = key{k.Collection, k.ID}
	}
	known := map[string]care.Prior{}
	q := &pgx.Batch{}
	a.queueLock(q, keys)
	head := "SELECT seq FROM log_head"
	if a.pessimistic {
		head += " FOR UPDATE"
	}
	q.Queue(head).QueryRow(func(row pgx.Row) error { return row.Scan(&a.start) })
	q.Queue("SELECT id, scope, body FROM changes WHERE id = ANY($1::uuid[])", onlyIDs(ids)).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id string
			var body []byte
			var p care.Prior
			if err := rows.Scan(&id, &p.Scope, &body); err != nil {
				return err
			}
			if err := json.Unmarshal(body, &p.Change); err != nil {
				return fmt.Errorf("decode change %s: %w", id, err)
			}
			known[id] = p
		}
		return rows.Err()
	})
	if err := a.tx.SendBatch(a.ctx, q).Close(); err != nil {
		return nil, fmt.Errorf("lock records: %w", err)
	}
	return known, a.checkLocked(keys)
}

// queueLock queues the statements that lock the rows of keys, in key order:
// a placeholder row for each record that does not exist yet (ON CONFLICT
// waits for a concurrent insert of the same record to finish), then SELECT
// ... FOR UPDATE, which returns each record's latest committed state.
func (a *applier) queueLock(q *pgx.Batch, keys []key) {
	keys = slices.Clone(keys)
	slices.SortFunc(keys, func(x, y key) int {
		if c := strings.Compare(x.collection, y.collection); c != 0 {
			return c
		}
		return strings.Compare(x.id, y.id)
	})
	keys = slices.Compact(keys)
	var cols, ids []string
	for _, k := range keys {
		if _, ok := a.locked[k]; !ok {
			cols, ids = append(cols, k.collection), append(ids, k.id)
		}
	}
	if len(cols) == 0 {
		return
	}
	q.Queue(`INSERT INTO records (collection, record_id)
		SELECT c, i FROM unnest($1::text[], $2::uuid[]) AS k(c, i) ORDER BY c COLLATE "C", i
		ON CONFLICT DO NOTHING RETURNING collection, record_id`, cols, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var k key
			if err := rows.Scan(&k.collection, &k.id); err != nil {
				return err
			}
			a.placeholders[k] = true
		}
		return rows.Err()
	})
	q.Queue(`SELECT r.collection, r.record_id, r.scope, r.state FROM records r
		JOIN unnest($1::text[], $2::uuid[]) AS k(c, i) ON r.collection = k.c AND r.record_id = k.i
		ORDER BY r.collection, r.record_id FOR UPDATE OF r`, cols, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var k key
			var scope string
			var state []byte
			if err := rows.Scan(&k.collection, &k.id, &scope, &state); err != nil {
				return err
			}
			var r *syncproto.Record
			if state != nil {
				var err error
				if r, err = care.DecodeState(k.collection, k.id, scope, state); err != nil {
					return err
				}
			}
			a.locked[k] = r
			delete(a.peeked, k)
		}
		return rows.Err()
	})
}

func (a *applier) checkLocked(keys []key) error {
	for _, k := range keys {
		if _, ok := a.locked[k]; !ok {
			// Cannot happen: records are never deleted, and a placeholder
			// another push deleted lets ours in. Run the push again.
			return fmt.Errorf("record %s/%s not locked: %w", k.collection, k.id, errStale)
		}
	}
	return nil
}

// lock locks one record (for a server change) after sending queued writes.
func (a *applier) lock(k key) error {
	if _, ok := a.locked[k]; ok {
		return nil
	}
	a.queueLock(&a.queue, []key{k})
	if err := a.flush(); err != nil {
		return fmt.Errorf("lock record: %w", err)
	}
	return a.checkLocked([]key{k})
}

// flush sends the queued statements.
func (a *applier) flush() error {
	if a.queue.Len() == 0 {
		return nil
	}
	q := a.queue
	a.queue = pgx.Batch{}
	return a.tx.SendBatch(a.ctx, &q).Close()
}

// Lock implements care.PushTx: it locks one record (a server change's),
// sending queued writes first, and returns a copy of its state.
func (a *applier) Lock(rk care.RecordKey) (*syncproto.Record, error) {
	k := key{rk.Collection, rk.ID}
	if err := a.lock(k); err != nil {
		return nil, err
	}
	if r := a.locked[k]; r != nil {
		return r.Clone(), nil
	}
	return nil, nil
}

// Logged implements care.PushTx. An id not found is noted for validation.
func (a *applier) Logged(id string) (bool, error) {
	if a.missing[id] {
		return false, nil
	}
	var n int
	if err := a.tx.QueryRow(a.ctx, "SELECT count(*) FROM changes WHERE id = $1", idArg(id)).Scan(&n); err != nil {
		return false, err
	}
	if n == 0 {
		a.missing[id] = true
	}
	return n > 0, nil
}

// Unstorable implements care.PushTx: PostgreSQL's text and JSON functions
// refuse U+0000 and unpaired surrogate escapes (text.go).
func (a *applier) Unstorable(c syncproto.Change, body []byte) *syncproto.Error {
	return unstorableChange(c, body)
}

// Touched implements care.PushTx: finish notifies them inside the
// transaction, with the push's position.
func (a *applier) Touched(ts []care.Touch) { a.touched = ts }

// Append implements care.PushTx: it queues the new state of a locked record
// and keeps the change for the log, which is appended when the push
// finishes.
func (a *applier) Append(p care.Principal, c syncproto.Change, body []byte, scope string, after *syncproto.Record) error {
	k := key{c.Collection, c.RecordID}
	if _, ok := a.locked[k]; !ok {
		return fmt.Errorf("write to unlocked record %s/%s", k.collection, k.id)
	}
	enc := care.EncodeState(after)
	a.queue.Queue("UPDATE records SET scope = $3, deleted = $4, state = $5, wire = $6, wire_n = $7 WHERE collection = $1 AND record_id = $2",
		k.collection, k.id, scope, after.Deleted(), enc.State, string(enc.Wire), enc.Count)
	a.log = append(a.log, logged{c: c, scope: scope, subject: p.Subject, role: p.Role, body: body})
	n := int64(len(a.log))
	a.index[c.ID] = len(a.log) - 1
	if w := a.dirty[k]; w != nil {
		w.last = n
	} else {
		a.dirty[k] = &written{first: n, last: n}
	}
	after.Scope = scope
	a.locked[k] = after
	delete(a.placeholders, k)
	return nil
}

// Quarantine implements care.PushTx: it queues a rejected change's
// quarantine row, filed under scope (care.Verdict.Scope).
func (a *applier) Quarantine(p care.Principal, it care.Incoming, e *syncproto.Error, scope string) error {
	a.queue.Queue(`INSERT INTO quarantine (change_id, collection, record_id, device_id, subject, role, code, field, message, raw, received_at, scope)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		clean(it.ID), clean(it.Change.Collection), clean(it.Change.RecordID), clean(p.DeviceID), clean(p.Subject), clean(p.Role),
		clean(e.Code), clean(e.Field), clean(e.Message), rawText(it.Raw), a.received, clean(scope))
	return nil
}

// finish sends what is queued, drops unused placeholders and, when the push
// logs changes, appends them under the append lock (validating first when
// optimistic). It returns the log position after the push.
func (a *applier) finish() (int64, error) {
	if len(a.placeholders) > 0 {
		var cols, ids []string
		for k := range a.placeholders {
			cols, ids = append(cols, k.collection), append(ids, k.id)
		}
		a.queue.Queue(`DELETE FROM records r USING unnest($1::text[], $2::uuid[]) AS k(c, i)
			WHERE r.collection = k.c AND r.record_id = k.i AND r.state IS NULL`, cols, ids)
	}
	n := int64(len(a.log))
	validate := !a.pessimistic && (n > 0 || len(a.read) > 0 || len(a.finds) > 0 || len(a.missing) > 0)
	if n == 0 && !validate {
		var head int64
		a.queue.Queue("SELECT seq FROM log_head").QueryRow(func(row pgx.Row) error { return row.Scan(&head) })
		if err := a.flush(); err != nil {
			return 0, fmt.Errorf("finish push: %w", err)
		}
		return head, nil
	}
	// Take the append lock: from here to commit, no other push can append.
	var head int64
	var lockHead *pgx.QueuedQuery
	if n > 0 {
		lockHead = a.queue.Queue("UPDATE log_head SET seq = seq + $1 RETURNING seq", n)
	} else {
		lockHead = a.queue.Queue("SELECT seq FROM log_head FOR UPDATE")
	}
	lockHead.QueryRow(func(row pgx.Row) error { return row.Scan(&head) })
	stale := false
	if validate {
		a.queueValidation(&stale)
	}
	if err := a.flush(); err != nil {
		return 0, fmt.Errorf("append: %w", err)
	}
	base := head - n
	if stale || (a.askedPending && base != a.start) {
		return 0, errStale
	}
	if n > 0 {
		a.queueAppend(base)
		a.queueNotify(head)
		if err := a.flush(); err != nil {
			return 0, fmt.Errorf("append: %w", err)
		}
	}
	return head, nil
}

// queueValidation queues the check that no change committed since the push
// began touched what its checker read: a record read without a lock (or a
// record Find matched), a change id Written did not find (or one this push
// logs), or a new match for one of its Finds.
func (a *applier) queueValidation(stale *bool) {
	ids := make([]string, 0, len(a.log)+len(a.missing))
	for _, l := range a.log {
		ids = append(ids, l.c.ID)
	}
	for id := range a.missing {
		ids = append(ids, id)
	}
	ids = onlyIDs(ids)
	var rc, ri []string
	for k := range a.read {
		if isID(k.id) { // no change can name any other record
			rc, ri = append(rc, k.collection), append(ri, k.id)
		}
	}
	var fc, ff, fk, ft, fv []string
	for _, f := range a.finds {
		fc, ff, fk, ft, fv = append(fc, f.collection), append(ff, f.field), append(fk, f.kind), append(ft, f.text), append(fv, f.value)
	}
	a.queue.Queue(`SELECT EXISTS (SELECT 1 FROM changes ch WHERE ch.seq > $1 AND (
			ch.id = ANY($2::uuid[])
			OR EXISTS (SELECT 1 FROM unnest($3::text[], $4::uuid[]) AS r(c, i) WHERE ch.collection = r.c AND ch.record_id = r.i)
			OR EXISTS (SELECT 1 FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS f(c, f, k, t, v)
				WHERE ch.collection = f.c AND ch.op = 'upsert' AND CASE WHEN f.k = 'string'
					THEN json_typeof(ch.body->'fields'->f.f) = 'string' AND ch.body->'fields'->>f.f = f.t
					ELSE (ch.body->'fields'->f.f)::jsonb = f.v::jsonb END)))`,
		a.start, ids, rc, ri, fc, ff, fk, ft, fv).QueryRow(func(row pgx.Row) error { return row.Scan(stale) })
}

// queueAppend queues the log rows, at positions base+1..., and the
// positions of the records they wrote.
func (a *applier) queueAppend(base int64) {
	n := len(a.log)
	var (
		seqs                                                         = make([]int64, n)
		ids, cols, recs, scopes, ops, hlcs, devs, subs, roles, seens = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		bodies                                                       = make([]string, n)
		recorded                                                     = make([]time.Time, n)
	)
	for i, l := range a.log {
		c := l.c
		seqs[i], ids[i], cols[i], recs[i], scopes[i] = base+int64(i)+1, c.ID, c.Collection, c.RecordID, l.scope
		ops[i], hlcs[i], devs[i], subs[i], roles[i], seens[i] = string(c.Op), c.HLC.String(), clean(c.DeviceID), clean(l.subject), clean(l.role), c.Seen
		bodies[i], recorded[i] = string(l.body), c.RecordedAt
	}
	a.queue.Queue(`INSERT INTO changes (seq, id, collection, record_id, scope, op, hlc, device_id, subject, role, seen, recorded_at, received_at, body)
		SELECT s, i, c, r, sc, o, h, d, su, ro, se, rc, $14, b::json
		FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::text[])
			AS u(s, i, c, r, sc, o, h, d, su, ro, se, rc, b)`,
		seqs, ids, cols, recs, scopes, ops, hlcs, devs, subs, roles, seens, recorded, bodies, a.received)
	var dc, di []string
	var first, last []int64
	for k, w := range a.dirty {
		dc, di = append(dc, k.collection), append(di, k.id)
		first, last = append(first, base+w.first), append(last, base+w.last)
	}
	a.queue.Queue(`UPDATE records r SET created_seq = COALESCE(r.created_seq, u.f), updated_seq = u.l
		FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::bigint[]) AS u(c, i, f, l)
		WHERE r.collection = u.c AND r.record_id = u.i`, dc, di, first, last)
}

// queueNotify queues the change feed's notification of what the push logs,
// which PostgreSQL delivers to every replica's listener when it commits.
func (a *applier) queueNotify(head int64) {
	if len(a.touched) == 0 {
		return
	}
	a.queue.Queue("SELECT pg_notify($1, $2)", a.channel, payload(care.Commit{Position: head, Touched: a.touched}))
}

// Written implements schema.Lookup inside the push transaction. A change
// this push logs reports the position it will have if no other push appends
// first; if one does, the push runs again (pessimistically, when positions
// are known from the start).
func (a *applier) Written(changeID string) (schema.WriteInfo, bool, error) {
	if i, ok := a.index[changeID]; ok {
		a.askedPending = true
		l := a.log[i]
		return schema.WriteInfo{Position: a.start + int64(i) + 1, Subject: l.subject, Role: l.role}, true, nil
	}
	var w schema.WriteInfo
	switch err := a.tx.QueryRow(a.ctx, "SELECT seq, subject, role FROM changes WHERE id = $1", idArg(changeID)).Scan(&w.Position, &w.Subject, &w.Role); {
	case errors.Is(err, pgx.ErrNoRows):
		a.missing[changeID] = true
		return w, false, nil
	case err != nil:
		return w, false, fmt.Errorf("written: %w", err)
	}
	return w, true, nil
}

// Record implements schema.Lookup inside the push transaction. Records the
// push has locked come from its own state; others are read without a lock
// and noted for validation.
func (a *applier) Record(collection, id string) (*syncproto.Record, error) {
	k := key{collection, id}
	if r, ok := a.locked[k]; ok {
		if r == nil {
			return nil, nil
		}
		return r.Clone(), nil
	}
	if r, ok := a.peeked[k]; ok {
		if r == nil {
			return nil, nil
		}
		return r.Clone(), nil
	}
	var scope string
	var state []byte
	err := a.tx.QueryRow(a.ctx, "SELECT scope, state FROM records WHERE collection = $1 AND record_id = $2", collection, idArg(id)).Scan(&scope, &state)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("load record: %w", err)
	}
	var r *syncproto.Record
	if state != nil {
		if r, err = care.DecodeState(collection, id, scope, state); err != nil {
			return nil, err
		}
	}
	a.peeked[k], a.read[k] = r, true
	if r == nil {
		return nil, nil
	}
	return r.Clone(), nil
}

// Find implements schema.Lookup inside the push transaction: the records of
// a collection whose field equals value (as JSON: a string matches the same
// string, numbers by value), this push's writes included.
func (a *applier) Find(collection, field string, value json.RawMessage) ([]*syncproto.Record, error) {
	f, ok, err := newFind(collection, field, value)
	if err != nil || !ok {
		return nil, err
	}
	if err := a.flush(); err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	// The collection is a literal, and a string is compared on the
	// expression the records_<collection>_by_<field> partial indexes are
	// built on (migration 00003), so the planner can use them.
	path := "state->'fields'->" + quoteLiteral(field)
	q := "SELECT record_id, scope, state FROM records WHERE collection = " + quoteLiteral(collection)
	arg := f.value
	if f.kind == "string" {
		q += " AND " + path + "->>'value' = $1 AND json_typeof(" + path + "->'value') = 'string'"
		arg = f.text
	} else {
		q += " AND (" + path + "->'value')::jsonb = $1::jsonb"
	}
	rows, err := a.tx.Query(a.ctx, q+" ORDER BY record_id", arg)
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	defer rows.Close()
	var out []*syncproto.Record
	for rows.Next() {
		var id, scope string
		var state []byte
		if err := rows.Scan(&id, &scope, &state); err != nil {
			return nil, fmt.Errorf("find: %w", err)
		}
		k := key{collection, id}
		if r, ok := a.locked[k]; ok {
			if r != nil {
				out = append(out, r.Clone())
			}
			continue
		}
		r, err := care.DecodeState(collection, id, scope, state)
		if err != nil {
			return nil, err
		}
		a.read[k] = true
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	a.finds = append(a.finds, f)
	return out, nil
}

// newFind checks a lookup and classifies its value; ok is false when nothing
// can match (a JSON null, as in SQLite where NULL equals nothing).
func newFind(collection, field string, value json.RawMessage) (findKey, bool, error) {
	if field == "" || strings.ContainsAny(field, ".\"'$[]\x00") {
		return findKey{}, false, fmt.Errorf("find: bad field name %q", field)
	}
	for _, r := range collection {
		if !(r >= 'a' && r <= 'z' || r == '_') {
			return findKey{}, false, fmt.Errorf("find: bad collection name %q", collection)
		}
	}
	var v any
	if err := json.Unmarshal(value, &v); err != nil {
		return findKey{}, false, fmt.Errorf("find: %w", err)
	}
	f := findKey{collection: collection, field: field, value: string(value)}
	switch x := v.(type) {
	case nil:
		return f, false, nil
	case string:
		f.kind, f.text = "string", x
	default:
		f.kind = "json"
	}
	if e := unstorable(value); e != "" {
		return findKey{}, false, fmt.Errorf("find: value %s", e)
	}
	return f, true, nil
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
