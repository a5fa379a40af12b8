package care

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/syncproto"
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
	// Authorize, when set, runs on every change before the schema rules,
	// e.g. role and scope checks. It returns nil to allow.
	Authorize func(p Principal, c syncproto.Change, scope string, before *syncproto.Record) *syncproto.Error
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
	return &Sync{store: store, registry: registry, now: now, clock: syncproto.NewClock(node, now), log: log}
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
	received := s.now().UTC()
	items := make([]Incoming, len(req.Changes))
	for i, raw := range req.Changes {
		c, perr := syncproto.ParseChange(raw)
		items[i] = Incoming{Raw: raw, ID: c.ID, Err: perr}
		if perr != nil {
			items[i].ID = syncproto.ChangeIDOf(raw)
			continue
		}
		c.DeviceID = p.DeviceID
		items[i].Change = c
	}
	res, err := s.store.Apply(ctx, Batch{Principal: p, ReceivedAt: received, Items: items, Check: s.checker(p, received)})
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
		Cursor:     Cursor{Position: res.Position}.Encode(),
		ServerTime: s.now().UTC(),
	}, nil
}

// checker returns the per-change decision for one push.
func (s *Sync) checker(p Principal, received time.Time) Checker {
	limit := received.Add(syncproto.MaxClockSkew)
	return func(l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) Verdict {
		if c.HLC.Time().After(limit) {
			return Verdict{Err: syncproto.Errorf(syncproto.CodeClockSkew, "hlc",
				"hlc %s is more than %s ahead of server time %s; re-stamp the change from server_time and push again",
				c.HLC.Time().Format(time.RFC3339), syncproto.MaxClockSkew, received.Format(time.RFC3339))}
		}
		if e := s.registry.CheckFields(c, before); e != nil {
			return Verdict{Err: e}
		}
		scope := s.registry.ScopeOf(c, before)
		if prev := schema.StringValue(before, scopeField(s.registry, c.Collection)); prev != "" && scope != prev {
			return Verdict{Err: syncproto.Errorf(syncproto.CodeInvalidValue, "fields."+scopeField(s.registry, c.Collection),
				"a record cannot move to another incident (it belongs to %s)", prev)}
		}
		if s.Authorize != nil {
			if e := s.Authorize(p, c, scope, before); e != nil {
				return Verdict{Err: e}
			}
		}
		if e := s.registry.CheckRules(l, c, before, after); e != nil {
			return Verdict{Err: e}
		}
		return Verdict{Scope: scope}
	}
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
	// Scopes limits the records returned to these incidents; nil means all.
	Scopes []string
}

// Pull returns the next page of the sync stream for a device.
func (s *Sync) Pull(ctx context.Context, req PullRequest) (syncproto.PullResponse, error) {
	limit := req.Limit
	if limit == 0 {
		limit = syncproto.DefaultPullLimit
	}
	if limit < 1 || limit > syncproto.MaxPullLimit {
		return syncproto.PullResponse{}, syncproto.Errorf(syncproto.CodeInvalidValue, "limit", "limit must be between 1 and %d", syncproto.MaxPullLimit)
	}
	var cur Cursor
	if req.Cursor == "" {
		head, err := s.store.Head(ctx)
		if err != nil {
			return syncproto.PullResponse{}, fmt.Errorf("read head: %w", err)
		}
		cur = Cursor{Position: head, Initial: true}
	} else {
		c, err := ParseCursor(req.Cursor)
		if err != nil {
			return syncproto.PullResponse{}, syncproto.Errorf(syncproto.CodeInvalidCursor, "cursor", "%v; start again without a cursor", err)
		}
		cur = c
	}
	if cur.Initial {
		return s.pullState(ctx, cur, limit, req.Scopes)
	}
	page, err := s.store.Changes(ctx, cur.Position, req.Scopes, limit)
	if err != nil {
		return syncproto.PullResponse{}, fmt.Errorf("read changes: %w", err)
	}
	out := syncproto.PullResponse{Changes: make([]syncproto.Change, 0, len(page.Changes)), HasMore: page.More}
	next := cur.Position
	for _, lc := range page.Changes {
		out.Changes = append(out.Changes, lc.Change)
		next = lc.Position
	}
	if !page.More && len(page.Changes) == 0 {
		// Nothing new: keep the cursor as it was.
		next = cur.Position
	}
	out.Cursor = Cursor{Position: next}.Encode()
	return out, nil
}

// pullState serves one page of an initial sync: the compacted current state of
// each record, then hands over to the change log at the snapshot head.
func (s *Sync) pullState(ctx context.Context, cur Cursor, limit int, scopes []string) (syncproto.PullResponse, error) {
	page, err := s.store.State(ctx, cur.AfterCollection, cur.AfterID, scopes, limit)
	if err != nil {
		return syncproto.PullResponse{}, fmt.Errorf("read state: %w", err)
	}
	out := syncproto.PullResponse{Changes: []syncproto.Change{}}
	next := cur
	taken := 0
	for _, r := range page.Records {
		cs := r.Changes()
		if taken > 0 && len(out.Changes)+len(cs) > limit {
			break
		}
		out.Changes = append(out.Changes, cs...)
		next.AfterCollection, next.AfterID = r.Collection, r.ID
		taken++
	}
	if taken == len(page.Records) && !page.More {
		// State done: continue from the log at the snapshot head.
		out.Cursor = Cursor{Position: cur.Position}.Encode()
		// There may be log entries after the head already; say so.
		head, err := s.store.Head(ctx)
		if err != nil {
			return syncproto.PullResponse{}, fmt.Errorf("read head: %w", err)
		}
		out.HasMore = head > cur.Position
		return out, nil
	}
	out.Cursor = next.Encode()
	out.HasMore = true
	return out, nil
}

// Quarantine lists rejected changes. Back-office and admin see every device's;
// anyone else sees only their own device's.
func (s *Sync) Quarantine(ctx context.Context, p Principal, f QuarantineFilter) ([]QuarantineEntry, error) {
	if p.Role != RoleBackOffice && p.Role != RoleAdmin {
		f.DeviceID = p.DeviceID
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	return s.store.Quarantine(ctx, f)
}

// IncidentScopes returns the incident ids among a principal's scopes, or nil
// when the principal may see every incident (admin and back-office roles
// without explicit scopes).
func IncidentScopes(p Principal) []string {
	var ids []string
	for _, sc := range p.Scopes {
		if id, ok := strings.CutPrefix(sc, "incident:"); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// ErrClosed is returned by stores that have been closed.
var ErrClosed = errors.New("store closed")

// CheckScope validates a scope grant: "incident:<uuid>".
func CheckScope(s string) error {
	id, ok := strings.CutPrefix(s, "incident:")
	if _, err := uuid.Parse(id); !ok || err != nil || len(id) != 36 {
		return fmt.Errorf("scope %q must be incident:<uuid>", s)
	}
	return nil
}
