// Package care holds Continuity's domain types and service interfaces: the
// store every database implementation provides, the authenticated principal,
// the opaque sync cursor and the sync service that validates, merges and
// records what devices push. It depends on syncproto for the wire protocol and
// merge rules, and on nothing that does I/O.
package care

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// Roles a principal may hold: the names of syncproto/access, where the
// permission table says what each may write.
const (
	RoleSocialWorker         = access.SocialWorker
	RoleTransportCoordinator = access.TransportCoordinator
	RoleQualityOfficer       = access.QualityOfficer
	RoleCommissioner         = access.Commissioner
	RoleDirector             = access.Director
	RoleBackOffice           = access.BackOffice
	RoleNHSLiaison           = access.NHSLiaison
	RoleAdmin                = access.Admin
)

// Roles lists every role.
var Roles = []string{RoleSocialWorker, RoleTransportCoordinator, RoleQualityOfficer, RoleCommissioner, RoleDirector, RoleBackOffice, RoleNHSLiaison, RoleAdmin}

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Principal is who is making a request, as established from their token.
type Principal struct {
	// Subject is the user.
	Subject string
	// Role is the user's role.
	Role string
	// DeviceID is the enrolled device the token was issued to.
	DeviceID string
	// Scopes are the grants the token carries, e.g. "incident:<uuid>".
	Scopes []string
	// TokenID is the token's jti.
	TokenID string
	// ExpiresAt is when the access token expires (zero when unknown): the
	// change stream ends then, telling the device to refresh.
	ExpiresAt time.Time
	// DeviceRevokedAt is set when the device has been revoked: it may no
	// longer read, and what it authored after this time is quarantined.
	DeviceRevokedAt *time.Time
}

// SystemPrincipal is the server acting on its own behalf (demo data,
// checklist creation). It is never issued in a token.
var SystemPrincipal = Principal{Subject: "system", Role: access.System, DeviceID: "server"}

// AllIncidents is the scope that grants every incident.
const AllIncidents = "*"

// Incoming is one change of a push as the store receives it: parsed, or
// already rejected because it could not be parsed.
type Incoming struct {
	// Raw is the change exactly as the device sent it.
	Raw json.RawMessage
	// Change is the parsed change, with DeviceID set from the principal.
	Change syncproto.Change
	// Body is Change encoded as served to devices, prepared before the
	// write transaction so the single writer does less.
	Body []byte
	// ID is the change id to report, even when the change did not parse.
	ID string
	// Err, when set, rejects the change without looking further.
	Err *syncproto.Error
}

// Verdict is what a Checker decides about one change.
type Verdict struct {
	// Err rejects the change; it goes to quarantine.
	Err *syncproto.Error
	// Scope is the incident the record belongs to ("" when not scoped).
	Scope string
	// Extra are changes the server makes because of this one (a conflict
	// record, the checklist of an activated incident). They are applied in
	// the same transaction as the system principal, after the change (even
	// when Err quarantines it), skipping any whose id is already applied;
	// each is scoped by Follow.
	Extra []syncproto.Change
}

// Checker decides whether a change may be applied, given read access to the
// data inside the write transaction and the record's state before and after
// the change would be merged. The stores fill before.Scope (and the Scope
// of every record the Lookup returns) with the incident they file the
// record under. A rejecting Verdict's Scope files the quarantine entry.
type Checker func(l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) Verdict

// Prior is the change already applied under a pushed change's id, with the
// incident it was filed under.
type Prior struct {
	Change syncproto.Change
	Scope  string
}

// DuplicateChecker decides about a change whose id is already applied
// (before this push, or earlier in it): a Verdict without Err answers
// duplicate and changes nothing; one with Err rejects the change, which is
// quarantined under the Verdict's Scope. before is the record's current
// state.
type DuplicateChecker func(l schema.Lookup, c syncproto.Change, before *syncproto.Record, prior Prior) Verdict

// Batch is one push, applied by Apply in one transaction. A store may
// run Check more than once for a change (PostgreSQL reruns a push whose
// reads were invalidated by a concurrent one), so checkers must not have
// side effects beyond their Verdict.
type Batch struct {
	Principal  Principal
	ReceivedAt time.Time
	Items      []Incoming
	Check      Checker
	// Follow decides about the server's own Extra changes (scope only;
	// they are trusted). Nil scopes them by the registry defaults of Check.
	Follow Checker
	// Duplicate decides about changes whose id is already applied. Nil
	// answers duplicate whatever the change holds.
	Duplicate DuplicateChecker
	// Prepare, when set, runs for each parsed change before the write
	// transaction, doing the checks that need no stored state, and returns
	// the Checker that decides about that change in place of Check.
	Prepare func(c syncproto.Change) Checker
	// Prepared, when set, is called once the work before the write
	// transaction is done, just before the batch waits for the writer.
	Prepared func()
}

// BatchResult is what the store did with a batch.
type BatchResult struct {
	// Results holds one result per item, in order.
	Results []syncproto.PushResult
	// Position is the change-log position after the batch committed.
	Position int64
}

// QuarantineEntry is a rejected change, kept where a person can see it.
type QuarantineEntry struct {
	ID         int64           `json:"id"`
	ChangeID   string          `json:"change_id"`
	Collection string          `json:"collection,omitempty"`
	RecordID   string          `json:"record_id,omitempty"`
	DeviceID   string          `json:"device_id"`
	Subject    string          `json:"subject"`
	Role       string          `json:"role"`
	Error      syncproto.Error `json:"error"`
	Raw        json.RawMessage `json:"change"`
	ReceivedAt time.Time       `json:"received_at"`
	// IncidentID is the incident the entry is filed under: the record's,
	// when the pushing device was granted it; empty when none could be
	// derived (an unparsable change, a change to an unscoped collection, or
	// one aimed at an incident the device does not hold).
	IncidentID string `json:"incident_id,omitempty"`
	// AppliedLater is set when a change with the same id was applied
	// afterwards (e.g. re-stamped after clock_skew): nothing is left to do.
	// It is never set on an id_reused entry, whose content was not applied.
	AppliedLater bool `json:"applied_later"`
}

// QuarantineFilter selects quarantine entries.
type QuarantineFilter struct {
	// DeviceID limits entries to one device when set.
	DeviceID string
	// AfterID pages: only entries with a larger id.
	AfterID int64
	// Limit caps the number of entries.
	Limit int
	// OpenOnly drops entries whose change was applied later.
	OpenOnly bool
	// Scopes limits entries to those filed under these incidents; nil
	// means every entry, those filed under no incident included.
	Scopes []string
	// OwnDevice, when set with Scopes, also lets through every entry this
	// device pushed, whatever it is filed under.
	OwnDevice string
}

// Filter selects the records a device may see.
type Filter struct {
	// Scopes are the incidents whose records pass; nil means every
	// incident (and records filed under none). With Scopes set, a record
	// with no incident passes only if its collection is in Unscoped: an
	// empty scope is never a pass for an incident-scoped collection.
	Scopes []string
	// Unscoped are the collections that are not incident-scoped (providers,
	// services ...): with Scopes set, their records pass whatever Scopes
	// holds.
	Unscoped []string
	// Hidden are collections that never pass.
	Hidden []string
	// ScopedOnly drops records of unscoped collections.
	ScopedOnly bool
}

// AuditedChange is an applied change with who made it and when.
type AuditedChange struct {
	Position   int64            `json:"position"`
	Change     syncproto.Change `json:"change"`
	Subject    string           `json:"subject"`
	Role       string           `json:"role"`
	ReceivedAt time.Time        `json:"received_at"`
}

// StatePage is a page of current record state, for initial sync, in the
// stored wire form (state.go).
type StatePage struct {
	Records []StateRecord
	// More reports whether records remain after the last one.
	More bool
}

// LogPage is a page of the change log.
type LogPage struct {
	Changes []LoggedChange
	More    bool
}

// LoggedChange is a change as committed, with its log position: Body is the
// change's JSON as logged, served to devices as it is.
type LoggedChange struct {
	Position int64
	Body     []byte
}

// Change decodes the logged change.
func (lc LoggedChange) Change() (syncproto.Change, error) {
	var c syncproto.Change
	if err := json.Unmarshal(lc.Body, &c); err != nil {
		return c, fmt.Errorf("decode change %d: %w", lc.Position, err)
	}
	return c, nil
}

// Store is Continuity's durable state: the change log in commit order, the
// merged state of every record and the quarantine. Implementations: sqlite
// (embedded default) and postgres. The conformance suite in
// care/storetest runs against each.
type Store interface {
	// Writer runs pushes (Apply) in write transactions.
	Writer
	// Head returns the position of the last committed change visible to
	// every reader: no change at or below it can still appear.
	Head(ctx context.Context) (int64, error)
	// Epoch returns the database's identity (NewEpoch), which a restore
	// changes: cursors carry it, so one from before a restore is known.
	Epoch(ctx context.Context) (string, error)
	// Changes returns committed changes after position, in commit order,
	// that pass the filter.
	Changes(ctx context.Context, after int64, f Filter, limit int) (LogPage, error)
	// State returns current record state ordered by (collection, record id)
	// after the given key, that passes the filter.
	State(ctx context.Context, afterCollection, afterID string, f Filter, limit int) (StatePage, error)
	// History returns every applied change to one record, oldest first,
	// with who made it.
	History(ctx context.Context, collection, id string) ([]AuditedChange, error)
	// Incidents lists the incidents that have records.
	Incidents(ctx context.Context) ([]string, error)
	// Records returns the live records of one collection that pass the
	// filter, ordered by record id.
	Records(ctx context.Context, collection string, f Filter) ([]*syncproto.Record, error)
	// Record returns one record's state, or nil when unknown.
	Record(ctx context.Context, collection, id string) (*syncproto.Record, error)
	// Quarantine lists rejected changes.
	Quarantine(ctx context.Context, f QuarantineFilter) ([]QuarantineEntry, error)
	// Ping checks the store can serve requests.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
}
