package care

import (
	"context"
	"errors"
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
	// Purge removes, in one transaction, every change-log row of a record
	// older than its kept tombstone and every quarantine row naming it, and
	// writes the retention log entry it returns.
	Purge(ctx context.Context, p Purge) (RetentionEntry, error)
	// PurgeQuarantine removes one quarantine row and logs it.
	PurgeQuarantine(ctx context.Context, p QuarantinePurge) (RetentionEntry, error)
	// RetentionLog lists retention log entries oldest first.
	RetentionLog(ctx context.Context, f RetentionFilter) ([]RetentionEntry, error)
}
