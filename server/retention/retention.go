package retention

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// Store is what retention needs of a database.
type Store interface {
	care.Store
	care.RetentionStore
}

// pageSize is how many records or quarantine rows one store call reads.
const pageSize = 500

// Due is one record (or one quarantined change) whose retention period has
// passed.
type Due struct {
	// Collection and RecordID name the record (for a quarantined change,
	// the record it named, if any).
	Collection string `json:"collection"`
	RecordID   string `json:"record_id"`
	// IncidentID is the record's stored scope ("" when unscoped).
	IncidentID string `json:"incident_id"`
	// Rule is the retention rule that makes it due.
	Rule string `json:"rule"`
	// DueSince is when the period ended.
	DueSince time.Time `json:"due_since"`
	// Changes and Quarantined are the change-log and quarantine rows held.
	Changes     int `json:"changes"`
	Quarantined int `json:"quarantined"`
	// QuarantineID is set for a quarantined change that belongs to no
	// kept record: the row itself is what is due.
	QuarantineID int64 `json:"quarantine_id,omitempty"`

	// tombstone is the change id of the record's current tombstone when it
	// is already its newest log row (nothing to write first).
	tombstone string
	// maxStamp is the latest write in the record's state: a new tombstone
	// must come after it to void every field.
	maxStamp syncproto.HLC
}

// Plan is what a retention run would remove, as of a time.
type Plan struct {
	// AsOf is the time the plan was made for.
	AsOf time.Time `json:"as_of"`
	// Due lists what is due, incident records last.
	Due []Due `json:"due"`
}

// Report is what a retention run removed.
type Report struct {
	// AsOf is the time the run planned for.
	AsOf time.Time `json:"as_of"`
	// Removed are the retention log entries written.
	Removed []care.RetentionEntry `json:"removed"`
	// Skipped are records written since the plan: the next run sees them
	// again.
	Skipped []Due `json:"skipped"`
}

// Service plans and runs retention over a store.
type Service struct {
	store  Store
	reg    *schema.Registry
	policy Policy
	now    func() time.Time
	clock  *syncproto.Clock
	log    *slog.Logger
}

// New returns a retention service. now is the injected clock (time.Now
// when nil); node is the HLC node id the tombstones are stamped with. The
// policy must have been validated against reg.
func New(store Store, reg *schema.Registry, policy Policy, now func() time.Time, node string, log *slog.Logger) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: store, reg: reg, policy: policy, now: now, clock: syncproto.NewClock(node, now), log: log}
}

// closure is when an incident's records start their clock.
type closure struct {
	at time.Time
	ok bool
}

// Plan lists what is due now. It changes nothing.
func (s *Service) Plan(ctx context.Context) (*Plan, error) {
	now := s.now().UTC()
	closures, err := s.closures(ctx)
	if err != nil {
		return nil, err
	}
	plan := &Plan{AsOf: now, Due: []Due{}}
	for _, r := range s.policy.Rules {
		for _, col := range r.Collections {
			if col == Quarantine {
				continue
			}
			if err := s.planCollection(ctx, plan, r, col, closures); err != nil {
				return nil, err
			}
		}
	}
	if r, ok := s.policy.RuleFor(Quarantine); ok {
		if err := s.planQuarantine(ctx, plan, r, closures); err != nil {
			return nil, err
		}
	}
	// Incident records go last, so that a run stopped half-way still finds
	// the closures of what it left.
	slices.SortFunc(plan.Due, func(a, b Due) int {
		return cmp.Or(cmp.Compare(b2i(a.Collection == "incidents"), b2i(b.Collection == "incidents")),
			cmp.Compare(a.IncidentID, b.IncidentID), cmp.Compare(a.Collection, b.Collection),
			cmp.Compare(a.RecordID, b.RecordID), cmp.Compare(a.QuarantineID, b.QuarantineID))
	})
	return plan, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// closures finds when each incident closed: the time its status field was
// last written, if that wrote "closed". An incident whose record retention
// already removed counts from its removal (later than its closure, so its
// records are never removed early).
func (s *Service) closures(ctx context.Context) (map[string]closure, error) {
	out := map[string]closure{}
	after := ""
	for {
		page, err := s.store.HeldRecords(ctx, "incidents", after, pageSize)
		if err != nil {
			return nil, fmt.Errorf("read incidents: %w", err)
		}
		for _, h := range page {
			if f, ok := h.State.Fields["status"]; ok && !h.State.Deleted() && schema.StringValue(h.State, "status") == "closed" {
				out[h.RecordID] = closure{at: f.Stamp.HLC.Time().UTC(), ok: true}
			}
		}
		if len(page) < pageSize {
			break
		}
		after = page[len(page)-1].RecordID
	}
	var last int64
	for {
		entries, err := s.store.RetentionLog(ctx, care.RetentionFilter{Collection: "incidents", AfterID: last, Limit: pageSize})
		if err != nil {
			return nil, fmt.Errorf("read retention log: %w", err)
		}
		for _, e := range entries {
			if _, ok := out[e.RecordID]; !ok {
				out[e.RecordID] = closure{at: e.At, ok: true}
			}
			last = e.ID
		}
		if len(entries) < pageSize {
			break
		}
	}
	return out, nil
}

func (s *Service) planCollection(ctx context.Context, plan *Plan, r Rule, col string, closures map[string]closure) error {
	after := ""
	for {
		page, err := s.store.HeldRecords(ctx, col, after, pageSize)
		if err != nil {
			return fmt.Errorf("read %s: %w", col, err)
		}
		for _, h := range page {
			if h.Purged() {
				continue
			}
			start, ok := s.startOf(r, h, closures)
			if !ok {
				continue
			}
			due := start.AddDate(r.Years, 0, r.Days)
			if plan.AsOf.Before(due) {
				continue
			}
			d := Due{Collection: col, RecordID: h.RecordID, IncidentID: h.Scope, Rule: r.Name, DueSince: due,
				Changes: h.Changes, Quarantined: h.Quarantined, maxStamp: latest(h.State)}
			if h.State.Deleted() && h.LastChangeID == h.State.Tombstone.ChangeID {
				d.tombstone = h.LastChangeID
			}
			plan.Due = append(plan.Due, d)
		}
		if len(page) < pageSize {
			return nil
		}
		after = page[len(page)-1].RecordID
	}
}

// startOf returns when a record's period starts, if it has started.
func (s *Service) startOf(r Rule, h care.HeldRecord, closures map[string]closure) (time.Time, bool) {
	switch r.Start {
	case StartIncidentClosed:
		c := closures[h.Scope]
		return c.at, h.Scope != "" && c.ok
	case StartField:
		if h.State.Deleted() {
			return h.State.Tombstone.HLC.Time().UTC(), true
		}
		// A start date before a date it cannot precede (a concern resolved
		// before it was raised, stored before the schema refused that) is
		// not believed: the record is kept until a person corrects it.
		for _, e := range s.reg.OrderErrors(h.Collection, h.State) {
			if e.Field == "fields."+r.Field {
				s.log.Warn("retention: a record's start date is before a date it cannot precede; kept until corrected",
					"collection", h.Collection, "record_id", h.RecordID, "field", r.Field, "reason", e.Message)
				return time.Time{}, false
			}
		}
		return parseTime(schema.StringValue(h.State, r.Field))
	}
	return time.Time{}, false
}

func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// latest returns the latest stamp in a record's state.
func latest(r *syncproto.Record) syncproto.HLC {
	var m syncproto.HLC
	if r.Tombstone != nil {
		m = r.Tombstone.HLC
	}
	for _, f := range r.Fields {
		if f.Stamp.HLC.Compare(m) > 0 {
			m = f.Stamp.HLC
		}
	}
	return m
}

// planQuarantine adds quarantined changes that belong to no record a rule
// keeps.
func (s *Service) planQuarantine(ctx context.Context, plan *Plan, r Rule, closures map[string]closure) error {
	var after int64
	for {
		page, err := s.store.Quarantine(ctx, care.QuarantineFilter{AfterID: after, Limit: pageSize})
		if err != nil {
			return fmt.Errorf("read quarantine: %w", err)
		}
		for _, q := range page {
			after = q.ID
			if q.Error.Code == care.CodeRetentionRemoved {
				continue
			}
			if _, kept := s.policy.RuleFor(q.Collection); kept && q.RecordID != "" {
				rec, err := s.store.Record(ctx, q.Collection, q.RecordID)
				if err != nil {
					return fmt.Errorf("read %s/%s: %w", q.Collection, q.RecordID, err)
				}
				if rec != nil {
					continue // goes with its record
				}
			}
			incident := s.incidentNamed(q)
			start := q.ReceivedAt.UTC()
			if r.Start == StartIncidentClosed && incident != "" {
				c, known := closures[incident]
				switch {
				case known && c.ok:
					start = c.at
				case s.incidentHeld(ctx, incident):
					continue // the incident is still open
				}
			}
			due := start.AddDate(r.Years, 0, r.Days)
			if plan.AsOf.Before(due) {
				continue
			}
			plan.Due = append(plan.Due, Due{Collection: q.Collection, RecordID: q.RecordID, IncidentID: incident, Rule: r.Name,
				DueSince: due, Quarantined: 1, QuarantineID: q.ID})
		}
		if len(page) < pageSize {
			return nil
		}
	}
}

// incidentNamed returns the incident a quarantined change names in its
// collection's scope field, if it is a well-formed id.
func (s *Service) incidentNamed(q care.QuarantineEntry) string {
	col, ok := s.reg.Collection(q.Collection)
	if !ok || col.ScopeField == "" {
		return ""
	}
	var raw struct {
		Fields map[string]json.RawMessage `json:"fields"`
	}
	if json.Unmarshal(q.Raw, &raw) != nil {
		return ""
	}
	var id string
	if json.Unmarshal(raw.Fields[col.ScopeField], &id) != nil {
		return ""
	}
	if u, err := uuid.Parse(id); err != nil || u.String() != id {
		return ""
	}
	return id
}

// incidentHeld reports whether an incident record exists (open, since
// closed ones are in closures). On error it says yes: keep the row.
func (s *Service) incidentHeld(ctx context.Context, id string) bool {
	rec, err := s.store.Record(ctx, "incidents", id)
	return err != nil || rec != nil
}

// tombstoneNamespace roots the ids of retention's tombstones: derived from
// the record and its newest change, so a run retried after a crash writes
// the same change and the store reports it duplicate.
var tombstoneNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://continuity.example/retention"))

// Run plans and removes what is due: first an ordinary delete, written as
// the system principal, for every due record not already ending in one
// (devices remove the record when they pull it), then the record's older
// change-log rows and its quarantine rows, each with a retention log entry.
func (s *Service) Run(ctx context.Context) (*Report, error) {
	plan, err := s.Plan(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{AsOf: plan.AsOf, Removed: []care.RetentionEntry{}, Skipped: []Due{}}
	if err := s.tombstones(ctx, plan.Due); err != nil {
		return rep, err
	}
	for _, d := range plan.Due {
		var e care.RetentionEntry
		var err error
		if d.QuarantineID != 0 {
			e, err = care.PurgeQuarantineRow(ctx, s.store, care.QuarantinePurge{ID: d.QuarantineID, IncidentID: d.IncidentID, Rule: d.Rule, At: plan.AsOf})
		} else {
			e, err = care.PurgeRecord(ctx, s.store, care.Purge{Collection: d.Collection, RecordID: d.RecordID, Keep: d.tombstone,
				IncidentID: d.IncidentID, Rule: d.Rule, At: plan.AsOf})
		}
		switch {
		case errors.Is(err, care.ErrRetentionChanged) || errors.Is(err, care.ErrNotFound):
			s.log.Warn("retention: record changed since the plan; the next run looks again", "collection", d.Collection, "record_id", d.RecordID)
			rep.Skipped = append(rep.Skipped, d)
			continue
		case err != nil:
			return rep, fmt.Errorf("remove %s/%s: %w", d.Collection, d.RecordID, err)
		}
		rep.Removed = append(rep.Removed, e)
	}
	s.log.Info("retention run", "removed", len(rep.Removed), "skipped", len(rep.Skipped))
	return rep, nil
}

// tombstones writes a delete for every due record whose newest change is
// not already its tombstone, and notes each record's tombstone id.
func (s *Service) tombstones(ctx context.Context, due []Due) error {
	var batch []care.Incoming
	scopes := map[[2]string]string{}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		check := func(_ schema.Lookup, c syncproto.Change, _, _ *syncproto.Record) care.Verdict {
			// Trusted: the record keeps the incident it is stored under.
			return care.Verdict{Scope: scopes[[2]string{c.Collection, c.RecordID}]}
		}
		res, err := care.Apply(ctx, s.store, care.Batch{Principal: care.SystemPrincipal, ReceivedAt: s.now().UTC(), Items: batch, Check: check, Follow: check})
		if err != nil {
			return fmt.Errorf("write tombstones: %w", err)
		}
		for i, r := range res.Results {
			if r.Status == syncproto.StatusRejected {
				return fmt.Errorf("tombstone for %s/%s refused: %v", batch[i].Change.Collection, batch[i].Change.RecordID, r.Error)
			}
		}
		batch = batch[:0]
		return nil
	}
	for i := range due {
		d := &due[i]
		if d.QuarantineID != 0 || d.tombstone != "" {
			continue
		}
		s.clock.Update(d.maxStamp)
		c := syncproto.Change{
			ID:         uuid.NewSHA1(tombstoneNamespace, []byte(d.Collection+"/"+d.RecordID+"/"+d.maxStamp.String())).String(),
			Collection: d.Collection, RecordID: d.RecordID, Op: syncproto.OpDelete,
			HLC: s.clock.Now(), RecordedAt: s.now().UTC(), DeviceID: care.SystemPrincipal.DeviceID,
		}
		body, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode tombstone: %w", err)
		}
		batch = append(batch, care.Incoming{Raw: body, Change: c, Body: body, ID: c.ID})
		scopes[[2]string{d.Collection, d.RecordID}] = d.IncidentID
		d.tombstone = c.ID
		if len(batch) == syncproto.MaxPushChanges {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
