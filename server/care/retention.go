package care

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// CodeRetentionRemoved is the error code of a quarantine marker: a rejected
// change removed under a retention rule whose row is kept, emptied, because
// it held the highest quarantine id (SQLite would otherwise give the next
// rejected change the same id, and a listing paged past it would miss it).
// A later purge deletes the marker once a newer row exists.
const CodeRetentionRemoved = "retention_removed"

// ErrRetentionChanged is returned by a purge when the record was written
// after the retention run planned it: nothing was removed, and the next run
// looks at it again.
var ErrRetentionChanged = errors.New("record changed since the retention plan")

// HeldRecord is what the store holds of one record, as retention sees it.
type HeldRecord struct {
	// Collection and RecordID name the record.
	Collection string
	RecordID   string
	// Scope is the incident the record belongs to as stored ("" when the
	// collection is not incident-scoped). A deleted record keeps it.
	Scope string
	// State is the record's merged state (a tombstone when deleted).
	State *syncproto.Record
	// Changes is the number of change-log rows held for the record.
	Changes int
	// LastChangeID is the id of the record's newest change-log row.
	LastChangeID string
	// Quarantined is the number of quarantine rows naming the record
	// (retention markers not counted).
	Quarantined int
}

// Purged reports whether nothing is left of the record but its tombstone:
// retention has nothing more to remove.
func (h HeldRecord) Purged() bool {
	return h.State != nil && h.State.Deleted() && h.Changes == 1 && h.LastChangeID == h.State.Tombstone.ChangeID && h.Quarantined == 0
}

// Purge asks the store to remove what it holds of one record except its
// tombstone.
type Purge struct {
	// Collection and RecordID name the record.
	Collection string
	RecordID   string
	// Keep is the id of the change to keep: it must be the record's newest
	// change-log row and the delete that is its current tombstone, or the
	// store returns ErrRetentionChanged.
	Keep string
	// IncidentID is the record's stored scope, for the retention log.
	IncidentID string
	// Rule is the retention rule's name.
	Rule string
	// At is when the purge ran.
	At time.Time
}

// QuarantinePurge asks the store to remove one quarantine row that belongs
// to no record retention keeps track of.
type QuarantinePurge struct {
	// ID is the quarantine row.
	ID int64
	// IncidentID is the incident the rejected change named, if any.
	IncidentID string
	// Rule is the retention rule's name.
	Rule string
	// At is when the purge ran.
	At time.Time
}

// RetentionEntry is one line of the retention log: what was removed, when
// and under which rule. It holds no personal data.
type RetentionEntry struct {
	// ID orders the log.
	ID int64 `json:"id"`
	// At is when the run removed the record.
	At time.Time `json:"at"`
	// Rule is the retention rule it was removed under.
	Rule string `json:"rule"`
	// Collection and RecordID name the record (for a quarantined change
	// of no kept record, the collection and record it named, if any).
	Collection string `json:"collection"`
	RecordID   string `json:"record_id"`
	// IncidentID is the record's incident ("" when unscoped).
	IncidentID string `json:"incident_id"`
	// ChangesRemoved is the number of change-log rows removed (the
	// record's field values; its tombstone is kept).
	ChangesRemoved int `json:"changes_removed"`
	// QuarantineRemoved is the number of quarantine rows removed.
	QuarantineRemoved int `json:"quarantine_removed"`
}

// RetentionFilter selects retention log entries.
type RetentionFilter struct {
	// Collection, when set, selects one collection.
	Collection string
	// RecordID, when set, selects one record.
	RecordID string
	// AfterID pages: only entries with a larger id.
	AfterID int64
	// Limit caps the number of entries.
	Limit int
}

// RetentionStore removes what retention rules say is no longer to be kept.
// Implementations: sqlite and postgres; the conformance cases are
// storetest.Retention.
type RetentionStore interface {
	// HeldRecords pages every record of a collection, deleted or not, by
	// record id after afterID.
	HeldRecords(ctx context.Context, collection, afterID string, limit int) ([]HeldRecord, error)
	// InPurgeTx runs fn in one write transaction, committed only when fn
	// returns nil: the port PurgeRecord and PurgeQuarantineRow run over.
	InPurgeTx(ctx context.Context, fn func(PurgeTx) error) error
	// RetentionLog lists retention log entries oldest first.
	RetentionLog(ctx context.Context, f RetentionFilter) ([]RetentionEntry, error)
}

// PurgeTx is the narrow port a retention purge runs over: one store write
// transaction. The rows it reads are held until the transaction ends
// (PostgreSQL locks them FOR UPDATE; SQLite's one writer holds the
// database), so a push writing the record waits for the purge or the purge
// finds the record changed. The purge itself is written once, in
// PurgeRecord and PurgeQuarantineRow.
type PurgeTx interface {
	// HeldState returns a record's stored state, or nil when the store
	// holds none.
	HeldState(ctx context.Context, collection, id string) ([]byte, error)
	// NewestChange returns the id and log position of the record's newest
	// change-log row.
	NewestChange(ctx context.Context, collection, id string) (changeID string, seq int64, err error)
	// RemoveChanges deletes the record's change-log rows below position
	// before and returns how many it deleted.
	RemoveChanges(ctx context.Context, collection, id string, before int64) (int, error)
	// QuarantineOf returns the ids of the quarantine rows naming a record,
	// retention markers aside, in ascending order.
	QuarantineOf(ctx context.Context, collection, id string) ([]int64, error)
	// QuarantineRow returns the collection, record id and code of one
	// quarantine row, or ErrNotFound.
	QuarantineRow(ctx context.Context, id int64) (collection, recordID, code string, err error)
	// TopQuarantineID returns the highest quarantine id (0 when empty).
	TopQuarantineID(ctx context.Context) (int64, error)
	// MarkQuarantine empties one quarantine row into a retention marker: no
	// change, no record, code CodeRetentionRemoved and this message.
	MarkQuarantine(ctx context.Context, id int64, message string) error
	// DeleteQuarantine deletes one quarantine row.
	DeleteQuarantine(ctx context.Context, id int64) error
	// DeleteMarkersBelow deletes the retention markers whose ids are below
	// top.
	DeleteMarkersBelow(ctx context.Context, top int64) error
	// LogRetention appends an entry to the retention log and sets its ID.
	LogRetention(ctx context.Context, e *RetentionEntry) error
}

// PurgeRecord removes, in one transaction of the store, every change-log
// row of a record older than its kept tombstone and every quarantine row
// naming it, and writes the retention log entry it returns. The kept tombstone is the record's newest log row, so
// the rows removed are all below it and the log's highest position is
// never removed (SQLite would otherwise reuse it).
func PurgeRecord(ctx context.Context, rs RetentionStore, p Purge) (RetentionEntry, error) {
	return inPurgeTx(ctx, rs, func(tx PurgeTx) (RetentionEntry, error) { return purgeRecord(ctx, tx, p) })
}

// PurgeQuarantineRow removes one quarantine row, in one transaction of the
// store, and logs it.
func PurgeQuarantineRow(ctx context.Context, rs RetentionStore, p QuarantinePurge) (RetentionEntry, error) {
	return inPurgeTx(ctx, rs, func(tx PurgeTx) (RetentionEntry, error) { return purgeQuarantineRow(ctx, tx, p) })
}

// inPurgeTx runs a purge in the store's transaction.
func inPurgeTx(ctx context.Context, rs RetentionStore, purge func(PurgeTx) (RetentionEntry, error)) (RetentionEntry, error) {
	var e RetentionEntry
	err := rs.InPurgeTx(ctx, func(tx PurgeTx) (err error) {
		e, err = purge(tx)
		return err
	})
	if err != nil {
		return RetentionEntry{}, err
	}
	return e, nil
}

// purgeRecord is PurgeRecord inside the transaction.
func purgeRecord(ctx context.Context, tx PurgeTx, p Purge) (RetentionEntry, error) {
	state, err := tx.HeldState(ctx, p.Collection, p.RecordID)
	if err != nil {
		return RetentionEntry{}, fmt.Errorf("purge: %w", err)
	}
	if state == nil {
		return RetentionEntry{}, fmt.Errorf("purge %s/%s: %w", p.Collection, p.RecordID, ErrNotFound)
	}
	rec, err := DecodeState(p.Collection, p.RecordID, "", state)
	if err != nil {
		return RetentionEntry{}, err
	}
	if !rec.Deleted() || rec.Tombstone.ChangeID != p.Keep {
		return RetentionEntry{}, fmt.Errorf("purge %s/%s: %w", p.Collection, p.RecordID, ErrRetentionChanged)
	}
	lastID, lastSeq, err := tx.NewestChange(ctx, p.Collection, p.RecordID)
	if err != nil {
		return RetentionEntry{}, fmt.Errorf("purge: newest change: %w", err)
	}
	if lastID != p.Keep {
		return RetentionEntry{}, fmt.Errorf("purge %s/%s: %w", p.Collection, p.RecordID, ErrRetentionChanged)
	}
	n, err := tx.RemoveChanges(ctx, p.Collection, p.RecordID, lastSeq)
	if err != nil {
		return RetentionEntry{}, fmt.Errorf("purge: remove changes: %w", err)
	}
	ids, err := tx.QuarantineOf(ctx, p.Collection, p.RecordID)
	if err != nil {
		return RetentionEntry{}, fmt.Errorf("quarantine of record: %w", err)
	}
	if err := removeQuarantine(ctx, tx, ids, p.Rule); err != nil {
		return RetentionEntry{}, err
	}
	e := RetentionEntry{At: p.At.UTC(), Rule: p.Rule, Collection: p.Collection, RecordID: p.RecordID, IncidentID: p.IncidentID,
		ChangesRemoved: n, QuarantineRemoved: len(ids)}
	if err := tx.LogRetention(ctx, &e); err != nil {
		return RetentionEntry{}, fmt.Errorf("retention log: %w", err)
	}
	return e, nil
}

// purgeQuarantineRow is PurgeQuarantineRow inside the transaction.
func purgeQuarantineRow(ctx context.Context, tx PurgeTx, p QuarantinePurge) (RetentionEntry, error) {
	e := RetentionEntry{At: p.At.UTC(), Rule: p.Rule, IncidentID: p.IncidentID, QuarantineRemoved: 1}
	var code string
	var err error
	e.Collection, e.RecordID, code, err = tx.QuarantineRow(ctx, p.ID)
	switch {
	case errors.Is(err, ErrNotFound) || err == nil && code == CodeRetentionRemoved:
		return RetentionEntry{}, fmt.Errorf("purge quarantine %d: %w", p.ID, ErrNotFound)
	case err != nil:
		return RetentionEntry{}, fmt.Errorf("purge quarantine: %w", err)
	}
	if err := removeQuarantine(ctx, tx, []int64{p.ID}, p.Rule); err != nil {
		return RetentionEntry{}, err
	}
	if err := tx.LogRetention(ctx, &e); err != nil {
		return RetentionEntry{}, fmt.Errorf("retention log: %w", err)
	}
	return e, nil
}

// removeQuarantine deletes quarantine rows, except that the row holding the
// table's highest id is emptied into a marker instead (no change, no
// record, just the rule), then deletes markers no longer holding the
// highest id. SQLite gives a new row max(id)+1, so deleting the top row
// would hand its id to the next rejected change and a listing paged past
// it would miss that change; PostgreSQL's identity column never reuses an
// id, but both stores keep the same rows so the quarantine lists the same
// on either.
func removeQuarantine(ctx context.Context, tx PurgeTx, ids []int64, rule string) error {
	if len(ids) == 0 {
		return nil
	}
	top, err := tx.TopQuarantineID(ctx)
	if err != nil {
		return fmt.Errorf("purge quarantine: %w", err)
	}
	for _, id := range ids {
		if id == top {
			err = tx.MarkQuarantine(ctx, id, "a rejected change removed under retention rule "+rule)
		} else {
			err = tx.DeleteQuarantine(ctx, id)
		}
		if err != nil {
			return fmt.Errorf("purge quarantine: %w", err)
		}
	}
	if err := tx.DeleteMarkersBelow(ctx, top); err != nil {
		return fmt.Errorf("purge quarantine markers: %w", err)
	}
	return nil
}
