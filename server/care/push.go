package care

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// The push algorithm is written once, here: the duplicate check, the
// before/after merge, the checker (schema, rules, permissions, scopes), scope
// settling, quarantine, the server's follow-up changes, the results and the
// change feed's touches. A store offers only a narrow transaction port
// (PushTx) through its Writer, as wtf and Litestream shape their services
// over a Tx.

// RecordKey names one record.
type RecordKey struct {
	Collection string
	ID         string
}

// PushTx is one attempt at a push inside a store's write transaction: the
// reads the algorithm and its checkers need (schema.Lookup) and the writes a
// push makes. Records the push writes must first be made writable with Begin
// or Lock (PostgreSQL locks their rows). It is used by one goroutine.
type PushTx interface {
	schema.Lookup
	// Begin starts the push: it makes the records at keys writable and
	// returns, for each of ids already in the log, the change applied
	// under it and the incident it was filed under.
	Begin(ids []string, keys []RecordKey) (map[string]Prior, error)
	// Lock makes one more record writable (a server change's) and returns
	// a copy of its state, nil when it does not exist. For a key passed to
	// Begin it only returns the state.
	Lock(k RecordKey) (*syncproto.Record, error)
	// Logged reports whether a change id is already in the log.
	Logged(id string) (bool, error)
	// Unstorable returns the rejection of a change the store cannot keep
	// as encoded in body (PostgreSQL's text limits), or nil.
	Unstorable(c syncproto.Change, body []byte) *syncproto.Error
	// Append logs c, made by p and filed under scope (body is its
	// encoding), and stores after as its record's new state.
	Append(p Principal, c syncproto.Change, body []byte, scope string, after *syncproto.Record) error
	// Quarantine keeps a change rejected with e, pushed by p, filed under
	// scope.
	Quarantine(p Principal, it Incoming, e *syncproto.Error, scope string) error
	// Touched hands the change feed what the push logged, once, at the
	// end: SQLite publishes it after the commit, PostgreSQL notifies every
	// replica inside the transaction.
	Touched(ts []Touch)
}

// Writer is a store's write side.
type Writer interface {
	// Write runs fn in one write transaction and returns, once the
	// transaction is durable, the change-log position after fn's changes.
	// A store may run fn more than once, each time on a fresh transaction
	// (PostgreSQL reruns a push whose reads a concurrent push invalidated),
	// so fn must keep nothing from an attempt that failed. A failing fn
	// changes nothing.
	Write(ctx context.Context, received time.Time, fn func(PushTx) error) (int64, error)
}

// SerialWriter is a Writer that runs every write on one goroutine, as
// SQLite's single writer does: every push waits for that goroutine, so the
// sync service keeps a processor free for it (NewSync). A store whose writes
// run concurrently (PostgreSQL) is not one.
type SerialWriter interface {
	Writer
	// SerialWrites marks the store; it does nothing.
	SerialWrites()
}

// Apply runs a batch through w's write transaction: duplicates are answered
// (after Batch.Duplicate) and change nothing; every other change is merged
// into its record, checked, then logged, or quarantined; the server's
// follow-up changes are applied as the system principal. It returns only
// once the batch is durable.
func Apply(ctx context.Context, w Writer, b Batch) (BatchResult, error) {
	checks := make([]Checker, len(b.Items))
	for i, it := range b.Items {
		checks[i] = b.Check
		if it.Err == nil && b.Prepare != nil {
			// Work that needs no stored state, before the writer.
			checks[i] = b.Prepare(it.Change)
		}
	}
	if b.Prepared != nil {
		b.Prepared()
	}
	var res BatchResult
	pos, err := w.Write(ctx, b.ReceivedAt, func(tx PushTx) error {
		p := &push{tx: tx, b: b, seen: map[string]Prior{}}
		results, err := p.run(checks)
		if err != nil {
			return err
		}
		res.Results = results
		return nil
	})
	if err != nil {
		return BatchResult{}, err
	}
	res.Position = pos
	return res, nil
}

// push is one attempt at a batch.
type push struct {
	tx PushTx
	b  Batch
	// prior holds the changes in the log before the push, by id; seen
	// those the push applied.
	prior, seen map[string]Prior
	touched     []Touch
}

func (p *push) run(checks []Checker) ([]syncproto.PushResult, error) {
	var ids []string
	var keys []RecordKey
	have := map[RecordKey]bool{}
	for _, it := range p.b.Items {
		if it.Err != nil {
			continue
		}
		ids = append(ids, it.Change.ID)
		k := RecordKey{it.Change.Collection, it.Change.RecordID}
		if !have[k] {
			have[k] = true
			keys = append(keys, k)
		}
	}
	prior, err := p.tx.Begin(ids, keys)
	if err != nil {
		return nil, err
	}
	p.prior = prior
	out := make([]syncproto.PushResult, len(p.b.Items))
	for i, it := range p.b.Items {
		r, err := p.apply(it, checks[i])
		if err != nil {
			return nil, fmt.Errorf("change %d: %w", i, err)
		}
		out[i] = r
	}
	if len(p.touched) > 0 {
		p.tx.Touched(Touches(p.touched))
	}
	return out, nil
}

// state returns a writable copy of a record's state, a new record when it
// does not exist.
func (p *push) state(collection, id string) (*syncproto.Record, error) {
	r, err := p.tx.Lock(RecordKey{collection, id})
	if err != nil {
		return nil, err
	}
	if r == nil {
		r = syncproto.NewRecord(collection, id)
	}
	return r, nil
}

func (p *push) apply(it Incoming, check Checker) (syncproto.PushResult, error) {
	if it.Err != nil {
		return p.reject(it, it.Err, "")
	}
	c := it.Change
	before, err := p.state(c.Collection, c.RecordID)
	if err != nil {
		return syncproto.PushResult{}, err
	}
	prior, dup := p.seen[c.ID]
	if !dup {
		prior, dup = p.prior[c.ID]
	}
	if dup {
		// Already applied: authorised and compared before it is called a
		// duplicate (Batch.Duplicate).
		if p.b.Duplicate != nil {
			if v := p.b.Duplicate(p.tx, c, before, prior); v.Err != nil {
				return p.reject(it, v.Err, v.Scope)
			}
		}
		return syncproto.PushResult{ID: c.ID, Status: syncproto.StatusDuplicate}, nil
	}
	body := it.Body
	if body == nil {
		if body, err = json.Marshal(c); err != nil {
			return syncproto.PushResult{}, fmt.Errorf("encode change: %w", err)
		}
	}
	if e := p.tx.Unstorable(c, body); e != nil {
		return p.reject(it, e, "")
	}
	after := before.Clone()
	after.Apply(c)
	v := check(p.tx, c, before, after)
	res := syncproto.PushResult{ID: c.ID, Status: syncproto.StatusApplied}
	scope, serr := SettleScope(before.Scope, v.Scope)
	switch {
	case v.Err != nil:
		if res, err = p.reject(it, v.Err, v.Scope); err != nil {
			return res, err
		}
	case serr != nil:
		if res, err = p.reject(it, serr, ""); err != nil {
			return res, err
		}
	default:
		if err := p.write(p.b.Principal, c, body, scope, after); err != nil {
			return syncproto.PushResult{}, err
		}
	}
	for _, x := range v.Extra {
		if err := p.follow(x); err != nil {
			return syncproto.PushResult{}, fmt.Errorf("server change %s: %w", x.ID, err)
		}
	}
	return res, nil
}

// follow applies a change the server made because of another one, as the
// system principal, unless it is already applied.
func (p *push) follow(x syncproto.Change) error {
	if _, ok := p.seen[x.ID]; ok {
		return nil
	}
	if _, ok := p.prior[x.ID]; ok {
		return nil
	}
	logged, err := p.tx.Logged(x.ID)
	if err != nil {
		return fmt.Errorf("check duplicate: %w", err)
	}
	if logged {
		return nil
	}
	body, err := json.Marshal(x)
	if err != nil {
		return fmt.Errorf("encode change: %w", err)
	}
	if e := p.tx.Unstorable(x, body); e != nil {
		return fmt.Errorf("server change cannot be stored: %w", e)
	}
	before, err := p.state(x.Collection, x.RecordID)
	if err != nil {
		return err
	}
	after := before.Clone()
	after.Apply(x)
	scope := ""
	if p.b.Follow != nil {
		v := p.b.Follow(p.tx, x, before, after)
		if v.Err != nil {
			return fmt.Errorf("server change refused: %w", v.Err)
		}
		scope = v.Scope
	}
	scope, serr := SettleScope(before.Scope, scope)
	if serr != nil {
		return fmt.Errorf("server change refused: %w", serr)
	}
	return p.write(SystemPrincipal, x, body, scope, after)
}

// write logs a change and stores its record's new state.
func (p *push) write(pr Principal, c syncproto.Change, body []byte, scope string, after *syncproto.Record) error {
	if err := p.tx.Append(pr, c, body, scope, after); err != nil {
		return err
	}
	p.seen[c.ID] = Prior{Change: c, Scope: scope}
	p.touched = append(p.touched, Touch{Collection: c.Collection, Scope: scope, DeviceID: c.DeviceID})
	return nil
}

// reject quarantines a change, filed under scope (Verdict.Scope).
func (p *push) reject(it Incoming, e *syncproto.Error, scope string) (syncproto.PushResult, error) {
	if err := p.tx.Quarantine(p.b.Principal, it, e, scope); err != nil {
		return syncproto.PushResult{}, fmt.Errorf("quarantine: %w", err)
	}
	return syncproto.PushResult{ID: it.ID, Status: syncproto.StatusRejected, Error: e}, nil
}
