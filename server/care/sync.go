package care

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// Sync is the sync service: it validates what devices push, has the store
// merge and log it, and serves pulls. It is safe for concurrent use.
type Sync struct {
	store    Store
	registry *schema.Registry
	now      func() time.Time
	clock    *syncproto.Clock
	log      *slog.Logger
	// Authorize runs on every change before the schema rules: role, scope
	// and revocation checks (Authorize by default). It returns nil to allow.
	Authorize func(p Principal, c syncproto.Change, scope string, before *syncproto.Record) *syncproto.Error
	// Cursors signs and checks cursors. NewSync gives a random key, valid in
	// this process only; a server sets the key every replica shares.
	Cursors *CursorCodec
	// prep admits pushes to the work they do before the writer (parsing,
	// Batch.Prepare): at most GOMAXPROCS-1 at once, so a SerialWriter's
	// goroutine, which every push waits for, always has a processor to run
	// on. Nil (no limit) for a store whose writes run concurrently.
	prep chan struct{}
}

// NewSync returns a sync service over store. now is the injected clock
// (time.Now when nil); node is the server's HLC node id.
func NewSync(store Store, registry *schema.Registry, now func() time.Time, node string, log *slog.Logger) *Sync {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Sync{store: store, registry: registry, now: now, clock: syncproto.NewClock(node, now), log: log, Authorize: Authorize, Cursors: RandomCursorCodec()}
	if _, ok := store.(SerialWriter); ok {
		s.prep = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))
	}
	return s
}

// Registry returns the schema registry the service validates against.
func (s *Sync) Registry() *schema.Registry { return s.registry }

// Clock returns the server's hybrid logical clock.
func (s *Sync) Clock() *syncproto.Clock { return s.clock }

// Now returns the server's current time.
func (s *Sync) Now() time.Time { return s.now() }

// Push applies a batch of raw changes from principal p. Every change gets a
// result; rejected changes are quarantined. The response is returned only once
// the store has made the batch durable.
func (s *Sync) Push(ctx context.Context, p Principal, req syncproto.PushRequest) (syncproto.PushResponse, error) {
	if len(req.Changes) > syncproto.MaxPushChanges {
		return syncproto.PushResponse{}, syncproto.Errorf(syncproto.CodeTooLarge, "changes", "a push carries at most %d changes", syncproto.MaxPushChanges)
	}
	prepared := func() {}
	if s.prep != nil {
		select {
		case s.prep <- struct{}{}:
		case <-ctx.Done():
			return syncproto.PushResponse{}, ctx.Err()
		}
		prepared = sync.OnceFunc(func() { <-s.prep })
		defer prepared()
	}
	epoch, err := s.store.Epoch(ctx)
	if err != nil {
		return syncproto.PushResponse{}, err
	}
	received := s.now().UTC()
	items := make([]Incoming, len(req.Changes))
	for i, raw := range req.Changes {
		// Field names are checked against the schema as the change is
		// read: a change of unknown keys is refused before its values are.
		c, perr := syncproto.ParseChangeWith(raw, s.registry.UnknownField)
		items[i] = Incoming{Raw: raw, ID: c.ID, Err: perr}
		if perr != nil {
			items[i].ID = syncproto.ChangeIDOf(raw)
			continue
		}
		c.DeviceID = p.DeviceID
		items[i].Change = c
		// The log keeps the change as the pull serves it (AppendChange
		// writes what json.Marshal would, without its HTML escapes).
		items[i].Body = AppendChange(make([]byte, 0, len(raw)+len(c.DeviceID)+16), &c)
	}
	prepare := s.prepare(p, received, epoch)
	res, err := Apply(ctx, s.store, Batch{Principal: p, ReceivedAt: received, Items: items, Prepare: prepare,
		Check: func(l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) Verdict {
			return prepare(c)(l, c, before, after)
		},
		Follow: s.follow, Duplicate: s.duplicate(p), Prepared: prepared})
	if err != nil {
		return syncproto.PushResponse{}, fmt.Errorf("apply push: %w", err)
	}
	for i, r := range res.Results {
		if r.Status == syncproto.StatusApplied {
			s.clock.Update(items[i].Change.HLC)
		}
	}
	return syncproto.PushResponse{
		Results:    res.Results,
		Cursor:     s.Cursors.Encode(Cursor{Epoch: epoch, Position: res.Position}),
		ServerTime: s.now().UTC(),
	}, nil
}

// prepare returns the per-change decision for one push, in two steps: the
// checks that need no stored state (clock skew, the HLC's node, field
// values) run when it is called, before the write transaction; the Checker
// it returns does the rest inside it. Every refusal is filed under the
// record's incident when p holds it (visible), so a back-office user of
// another incident never sees it.
func (s *Sync) prepare(p Principal, received time.Time, epoch string) func(c syncproto.Change) Checker {
	limit := received.Add(syncproto.MaxClockSkew)
	return func(c syncproto.Change) Checker {
		var pre *syncproto.Error
		if c.HLC.Time().After(limit) {
			pre = syncproto.Errorf(syncproto.CodeClockSkew, "hlc",
				"hlc %s is more than %s ahead of server time %s; re-stamp the change from server_time and push again",
				c.HLC.Time().Format(time.RFC3339), syncproto.MaxClockSkew, received.Format(time.RFC3339))
		} else {
			pre = hlcNode(p, c)
		}
		// Fields that pass as a create pass as an update too: only a
		// create's required fields depend on the stored record.
		fieldsOK := pre == nil && s.registry.CheckFields(c, nil) == nil
		return func(l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) Verdict {
			return s.check(p, received, epoch, pre, fieldsOK, l, c, before, after)
		}
	}
}

// check decides about one change inside the write transaction, given what
// prepare found.
func (s *Sync) check(p Principal, received time.Time, epoch string, pre *syncproto.Error, fieldsOK bool, l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) Verdict {
	scope, scoped, changed := s.scopeOf(c, before)
	refuse := func(e *syncproto.Error) Verdict { return Verdict{Err: e, Scope: visible(p, scope)} }
	if pre != nil {
		return refuse(pre)
	}
	if !fieldsOK {
		if e := s.registry.CheckFields(c, before); e != nil {
			return refuse(e)
		}
	}
	if s.Authorize != nil {
		if e := s.Authorize(p, c, scope, before); e != nil {
			return refuse(e)
		}
	}
	if e := scopeError(p, scope, scoped, changed); e != nil {
		return refuse(e)
	}
	// A revive (an upsert bringing a deleted record back) carries what a
	// create carries: the tombstone left no fields to fall back on.
	if !fieldsOK && c.Op == syncproto.OpUpsert && before != nil && before.Deleted() && !after.Deleted() {
		if e := s.registry.CheckFields(c, nil); e != nil {
			return refuse(e)
		}
	}
	ctx := schema.Context{Lookup: l, Role: p.Role, Now: received, Clock: s.clock}
	failed := func(err error) Verdict {
		s.log.Error("server follow-up failed", "collection", c.Collection, "err", err)
		return refuse(syncproto.Errorf(syncproto.CodeInternal, "", "the server could not complete this change; it is kept in quarantine"))
	}
	if e, err := s.checkReferences(l, c, before, scope); err != nil {
		return failed(err)
	} else if e != nil {
		return refuse(e)
	}
	if c.Collection == "conflicts" {
		if e := conflictRule(l, c); e != nil {
			return refuse(e)
		}
	}
	if e := s.registry.CheckRules(ctx, c, before, after); e != nil {
		conflicts, err := s.conflictsFor(l, p, c, before, e, received, epoch)
		if err != nil {
			return failed(err)
		}
		v := refuse(e)
		v.Extra = conflicts
		return v
	}
	extra, err := s.registry.Effects(ctx, c, before, after)
	if err != nil {
		return failed(err)
	}
	conflicts, err := s.conflictsFor(l, p, c, before, nil, received, epoch)
	if err != nil {
		return failed(err)
	}
	return Verdict{Scope: scope, Extra: append(extra, conflicts...)}
}

// follow scopes the server's own follow-up changes.
func (s *Sync) follow(_ schema.Lookup, c syncproto.Change, before, _ *syncproto.Record) Verdict {
	scope, _, changed := s.scopeOf(c, before)
	if changed {
		return Verdict{Err: syncproto.Errorf(syncproto.CodeIncidentChanged, "fields.incident_id", "server change %s would move %s/%s to another incident", c.ID, c.Collection, c.RecordID)}
	}
	return Verdict{Scope: scope}
}

func scopeField(r *schema.Registry, collection string) string {
	if col, ok := r.Collection(collection); ok {
		return col.ScopeField
	}
	return ""
}

// PullRequest is what a device asks for.
type PullRequest struct {
	// Cursor is the opaque cursor of the previous pull; empty starts an
	// initial sync.
	Cursor string
	// Limit is the page size (DefaultPullLimit when 0).
	Limit int
	// Filter is what the device may see now: its incident scopes (nil
	// meaning all) and hidden collections.
	Filter Filter
}

// Pull returns the next page of the sync stream for a device. When the
// device's scopes changed since its cursor was issued, newly granted
// incidents are backfilled with their current state and removed ones are
// listed in Purge.
func (s *Sync) Pull(ctx context.Context, req PullRequest) (PullPage, error) {
	limit := req.Limit
	if limit == 0 {
		limit = syncproto.DefaultPullLimit
	}
	if limit < 1 || limit > syncproto.MaxPullLimit {
		return PullPage{}, syncproto.Errorf(syncproto.CodeInvalidValue, "limit", "limit must be between 1 and %d", syncproto.MaxPullLimit)
	}
	all := req.Filter.Scopes == nil
	scopes := sortedSet(req.Filter.Scopes)
	epoch, err := s.store.Epoch(ctx)
	if err != nil {
		return PullPage{}, err
	}
	var cur Cursor
	var purge []string
	if req.Cursor == "" {
		head, err := s.store.Head(ctx)
		if err != nil {
			return PullPage{}, fmt.Errorf("read head: %w", err)
		}
		cur = Cursor{Epoch: epoch, Position: head, Initial: true, All: all, Scopes: scopes}
	} else {
		c, err := s.Cursors.Decode(req.Cursor)
		if err != nil {
			return PullPage{}, Coded(err, "cursor", "the cursor was not issued by this server or has been changed; start again without a cursor")
		}
		if c.Epoch != epoch {
			return PullPage{}, errCursorReset("the server's database was restored since this cursor was issued")
		}
		cur = c
		added, removed, addedAll, err := s.scopeDiff(ctx, cur, all, scopes)
		if err != nil {
			return PullPage{}, err
		}
		purge = removed
		if len(added) > 0 || addedAll {
			if cur.Initial {
				// Restart the state walk with the wider view.
				cur.AfterCollection, cur.AfterID = "", ""
			} else {
				cur.Backfill = sortedSet(append(cur.Backfill, added...))
				cur.BackfillAll = cur.BackfillAll || addedAll
				cur.AfterCollection, cur.AfterID = "", ""
			}
		}
		if !all {
			cur.Backfill = intersect(cur.Backfill, scopes)
		}
		cur.All, cur.Scopes = all, scopes
	}
	var out PullPage
	if cur.inState() {
		out, err = s.pullState(ctx, cur, limit, req.Filter)
	} else {
		out, err = s.pullLog(ctx, cur, limit, req.Filter)
	}
	if err != nil {
		return out, err
	}
	out.Purge = purge
	return out, nil
}

// errCursorReset tells a device to drop its cursor and sync from the start
// (syncproto.CodeCursorReset): never a partial page served as complete.
func errCursorReset(why string) *syncproto.Error {
	return syncproto.Errorf(syncproto.CodeCursorReset, "cursor",
		"%s: drop the cursor and sync again from the start, keeping unsent changes and pushing again the changes this device wrote", why)
}

// scopeDiff compares the scopes a cursor was issued for with the current ones.
func (s *Sync) scopeDiff(ctx context.Context, cur Cursor, all bool, scopes []string) (added, removed []string, addedAll bool, err error) {
	switch {
	case cur.All && all:
		return nil, nil, false, nil
	case !cur.All && all:
		return nil, nil, true, nil
	case cur.All && !all:
		known, err := s.store.Incidents(ctx)
		if err != nil {
			return nil, nil, false, fmt.Errorf("list incidents: %w", err)
		}
		return nil, minus(known, scopes), false, nil
	}
	return minus(scopes, cur.Scopes), minus(cur.Scopes, scopes), false, nil
}

func (s *Sync) pullLog(ctx context.Context, cur Cursor, limit int, f Filter) (PullPage, error) {
	page, err := s.store.Changes(ctx, cur.Position, f, limit)
	if err != nil {
		return PullPage{}, fmt.Errorf("read changes: %w", err)
	}
	if len(page.Changes) == 0 {
		// Nothing after the cursor: make sure that is because the device
		// is up to date, not because the log was rolled back beneath it.
		head, err := s.store.Head(ctx)
		if err != nil {
			return PullPage{}, fmt.Errorf("read head: %w", err)
		}
		if cur.Position > head {
			return PullPage{}, errCursorReset("the cursor is ahead of the server's change log, which was rolled back")
		}
	}
	out := PullPage{Wire: make([][]byte, 0, len(page.Changes)), HasMore: page.More}
	for _, lc := range page.Changes {
		out.Wire = append(out.Wire, lc.Body)
		out.Count++
		cur.Position = lc.Position
	}
	out.Cursor = s.Cursors.Encode(cur)
	return out, nil
}

// pullState serves one page of an initial sync or a backfill: the compacted
// current state of each record, copied from its stored wire form, then hands
// over to the change log at the cursor's position.
func (s *Sync) pullState(ctx context.Context, cur Cursor, limit int, f Filter) (PullPage, error) {
	sf := f
	if !cur.Initial && !cur.BackfillAll {
		sf = Filter{Scopes: cur.Backfill, Hidden: f.Hidden, ScopedOnly: true}
	}
	page, err := s.store.State(ctx, cur.AfterCollection, cur.AfterID, sf, limit)
	if err != nil {
		return PullPage{}, fmt.Errorf("read state: %w", err)
	}
	out := PullPage{Wire: make([][]byte, 0, len(page.Records))}
	next := cur
	taken := 0
	for _, r := range page.Records {
		if taken > 0 && out.Count+r.Count > limit {
			break
		}
		if r.Count > 0 {
			out.Wire = append(out.Wire, r.Wire)
			out.Count += r.Count
		}
		next.AfterCollection, next.AfterID = r.Collection, r.ID
		taken++
	}
	if taken < len(page.Records) || page.More {
		out.Cursor = s.Cursors.Encode(next)
		out.HasMore = true
		return out, nil
	}
	// State done: continue from the log at the cursor's position.
	done := Cursor{Epoch: cur.Epoch, Position: cur.Position, All: cur.All, Scopes: cur.Scopes}
	out.Cursor = s.Cursors.Encode(done)
	head, err := s.store.Head(ctx)
	if err != nil {
		return PullPage{}, fmt.Errorf("read head: %w", err)
	}
	if cur.Position > head {
		return PullPage{}, errCursorReset("the cursor is ahead of the server's change log, which was rolled back")
	}
	out.HasMore = head > cur.Position
	return out, nil
}

// PullPage is one page of the sync stream, as GET /v1/sync/pull answers it
// (syncproto.PullResponse): its changes are kept in their stored JSON form
// and copied into the answer, never decoded and encoded again.
type PullPage struct {
	// Wire holds the changes: each element one or more encoded changes
	// joined by commas.
	Wire [][]byte
	// Count is the number of changes in Wire.
	Count   int
	Cursor  string
	HasMore bool
	Purge   []string
}

// AppendJSON appends the page as a syncproto.PullResponse in JSON.
func (p PullPage) AppendJSON(b []byte) []byte {
	b = append(b, `{"changes":[`...)
	for i, w := range p.Wire {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, w...)
	}
	b = append(b, `],"cursor":`...)
	b = appendString(b, p.Cursor)
	b = append(b, `,"has_more":`...)
	b = strconv.AppendBool(b, p.HasMore)
	if len(p.Purge) > 0 {
		b = append(b, `,"purge":[`...)
		for i, id := range p.Purge {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, id)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// Len is the size of the page's JSON, for sizing a buffer.
func (p PullPage) Len() int {
	n := 64 + len(p.Cursor)
	for _, w := range p.Wire {
		n += len(w) + 1
	}
	for _, id := range p.Purge {
		n += len(id) + 3
	}
	return n
}

// MarshalJSON implements json.Marshaler.
func (p PullPage) MarshalJSON() ([]byte, error) { return p.AppendJSON(make([]byte, 0, p.Len())), nil }

// Decode returns the page as a syncproto.PullResponse (for tests and
// tools).
func (p PullPage) Decode() (syncproto.PullResponse, error) {
	var r syncproto.PullResponse
	err := json.Unmarshal(p.AppendJSON(nil), &r)
	return r, err
}

func sortedSet(xs []string) []string {
	if xs == nil {
		return nil
	}
	m := map[string]bool{}
	out := []string{}
	for _, x := range xs {
		if !m[x] {
			m[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// Quarantine lists rejected changes. Back-office staff see the entries
// filed under the incidents they hold, and their own device's; an entry
// filed under no incident (an unparsable change, one to an unscoped
// collection, one aimed at an incident its device did not hold) only by
// back-office staff holding every incident. Anyone else sees only their own
// device's entries.
func (s *Sync) Quarantine(ctx context.Context, p Principal, f QuarantineFilter) ([]QuarantineEntry, error) {
	f.Scopes, f.OwnDevice = nil, ""
	if p.Role == RoleBackOffice {
		if scopes := IncidentScopes(p); scopes != nil {
			f.Scopes, f.OwnDevice = scopes, p.DeviceID
		}
	} else {
		f.DeviceID = p.DeviceID
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	return s.store.Quarantine(ctx, f)
}

// History returns the audited history of one record, if p may see it: the
// record's incident (kept by its tombstone too) must be one p holds, and a
// record of a scoped collection filed under no incident is seen only by
// whoever holds every incident.
func (s *Sync) History(ctx context.Context, p Principal, collection, id string) ([]AuditedChange, error) {
	col, ok := s.registry.Collection(collection)
	if !ok {
		return nil, syncproto.Errorf(syncproto.CodeUnknownCollection, "collection", "unknown collection %q", collection)
	}
	if !access.CanRead(p.Role, collection) {
		return nil, syncproto.Errorf(syncproto.CodeForbiddenRole, "collection", "role %s may not read %s", p.Role, collection)
	}
	notFound := syncproto.Errorf(syncproto.CodeNotFound, "id", "no %s record %s", collection, id)
	if col.ScopeField != "" {
		rec, err := s.store.Record(ctx, collection, id)
		if err != nil {
			return nil, err
		}
		if rec == nil {
			return nil, notFound
		}
		if scope := StoredScope(s.registry, rec); !(scope == "" && IncidentScopes(p) == nil) && !CanSee(p, scope) {
			// Do not confirm the record exists outside the device's scopes.
			return nil, notFound
		}
	}
	hist, err := s.store.History(ctx, collection, id)
	if err != nil {
		return nil, err
	}
	if len(hist) == 0 {
		return nil, notFound
	}
	if col.ScopeField != "" {
		for _, h := range hist {
			var inc string
			if v, ok := h.Change.Fields[col.ScopeField]; ok && json.Unmarshal(v, &inc) == nil && inc != "" && !CanSee(p, inc) {
				return nil, notFound
			}
		}
	}
	return hist, nil
}

// Conflicts lists conflict records the principal may see, optionally only
// those with a status or of one incident.
func (s *Sync) Conflicts(ctx context.Context, p Principal, status, incident string) ([]map[string]any, error) {
	f := s.FilterFor(p)
	if incident != "" {
		if !CanSee(p, incident) {
			return nil, syncproto.Errorf(syncproto.CodeForbiddenScope, "incident_id", "this device is not granted incident %s", incident)
		}
		f.Scopes = []string{incident}
	}
	recs, err := s.store.Records(ctx, "conflicts", f)
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for _, r := range recs {
		if status != "" && schema.StringValue(r, "status") != status {
			continue
		}
		m := map[string]any{"id": r.ID}
		for k, v := range r.Object() {
			m[k] = v
		}
		out = append(out, m)
	}
	return out, nil
}

// IncidentScopes returns the incidents a principal may see: nil when every
// incident (a grant of incident:* or the system principal), otherwise the
// granted incident ids (possibly none).
func IncidentScopes(p Principal) []string {
	if p.Role == access.System {
		return nil
	}
	ids := []string{}
	for _, sc := range p.Scopes {
		if id, ok := strings.CutPrefix(sc, "incident:"); ok {
			if id == AllIncidents {
				return nil
			}
			ids = append(ids, id)
		}
	}
	return ids
}

// CanSee reports whether p may see records of an incident.
func CanSee(p Principal, incident string) bool {
	ids := IncidentScopes(p)
	return ids == nil || slices.Contains(ids, incident)
}

// FilterFor returns what a principal may pull: the records of the
// incidents it holds and of the unscoped collections, less those its role
// may not read.
func (s *Sync) FilterFor(p Principal) Filter {
	return Filter{Scopes: IncidentScopes(p), Unscoped: s.Unscoped(), Hidden: access.Hidden(p.Role)}
}

// IncidentFilter returns the filter of one incident's records and the
// unscoped collections' (the market: providers, services ...).
func (s *Sync) IncidentFilter(incident string) Filter {
	return Filter{Scopes: []string{incident}, Unscoped: s.Unscoped()}
}

// Unscoped returns the collections that are not incident-scoped, sorted.
func (s *Sync) Unscoped() []string {
	var out []string
	for _, name := range s.registry.Names() {
		if scopeField(s.registry, name) == "" {
			out = append(out, name)
		}
	}
	return out
}

// Authorize is the default per-change authorisation: a revoked device's
// changes authored after revocation, changes to incidents outside the
// device's scopes, and writes the role may not make are refused.
func Authorize(p Principal, c syncproto.Change, scope string, before *syncproto.Record) *syncproto.Error {
	if p.DeviceRevokedAt != nil && !c.HLC.Time().Before(*p.DeviceRevokedAt) {
		return syncproto.Errorf(syncproto.CodeDeviceRevoked, "hlc", "device %s was revoked at %s; changes it authored after that are not applied",
			p.DeviceID, p.DeviceRevokedAt.UTC().Format(time.RFC3339))
	}
	if scope != "" && !CanSee(p, scope) {
		// Do not name the incident: it may come from the stored record,
		// which the device may not know.
		return syncproto.Errorf(syncproto.CodeForbiddenScope, "fields.incident_id", "this device is not granted the incident of this record")
	}
	op := access.Update
	switch {
	case c.Op == syncproto.OpDelete:
		op = access.Delete
	case before == nil || !before.Exists() || before.Deleted():
		// Bringing a deleted record back is a create.
		op = access.Create
	}
	fields := make([]string, 0, len(c.Fields))
	for f := range c.Fields {
		fields = append(fields, f)
	}
	return access.Check(p.Role, c.Collection, op, fields)
}

// CheckScope validates a scope grant: "incident:<uuid>".
func CheckScope(s string) error {
	id, ok := strings.CutPrefix(s, "incident:")
	if ok && id == AllIncidents {
		return nil
	}
	if _, err := uuid.Parse(id); !ok || err != nil || len(id) != 36 {
		return fmt.Errorf("scope %q must be incident:<uuid>", s)
	}
	return nil
}
