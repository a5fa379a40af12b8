package care

import (
	"slices"
	"sort"
	"sync"

	"github.com/continuity-care/continuity/syncproto/access"
)

// Touch is one kind of change a commit logged: its collection, the incident
// of its record and the device that authored it. The change stream wakes a
// subscriber for a commit when it may see one of the commit's touches.
type Touch struct {
	// Collection is the change's collection.
	Collection string `json:"c"`
	// Scope is the record's incident ("" when the collection is not scoped).
	Scope string `json:"s,omitempty"`
	// DeviceID is the device that authored the change ("server" for the
	// server's own follow-up changes).
	DeviceID string `json:"d,omitempty"`
}

// Commit is what the change feed reports: a push that committed, or a change
// to who may see what.
type Commit struct {
	// Position is the change-log position after the commit (0 for an
	// access change).
	Position int64 `json:"p,omitempty"`
	// Touched lists, once each, what the commit's logged changes touched.
	Touched []Touch `json:"t,omitempty"`
	// All wakes every subscriber: the feed may have missed commits (its
	// listener reconnected) or the commit touched too much to list.
	All bool `json:"a,omitempty"`
	// Access names a user whose role, grants or devices changed: their
	// subscriptions re-check what they may see.
	Access string `json:"u,omitempty"`
}

// Touches returns the distinct touches of a batch of logged changes, in a
// stable order.
func Touches(ts []Touch) []Touch {
	seen := make(map[Touch]bool, len(ts))
	out := make([]Touch, 0, len(ts))
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Collection != b.Collection {
			return a.Collection < b.Collection
		}
		if a.Scope != b.Scope {
			return a.Scope < b.Scope
		}
		return a.DeviceID < b.DeviceID
	})
	return out
}

// ChangeFeed tells the change stream about commits: those made through this
// process and, where several server replicas share one database, those made
// by every replica. Each store implements it over a Hub.
type ChangeFeed interface {
	// Subscribe starts waking a subscription for commits p may see. The
	// caller must Close it.
	Subscribe(p Principal) *Subscription
}

// Hub is the in-process broker of the change stream: stores Publish each
// commit to it, and it wakes every subscription whose principal may see
// what the commit touched (by the same rules as pull: incident scope and the
// role's hidden collections). It is safe for concurrent use.
type Hub struct {
	mu   sync.RWMutex
	subs map[*Subscription]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[*Subscription]struct{}{}} }

// Subscribe implements ChangeFeed.
func (h *Hub) Subscribe(p Principal) *Subscription {
	s := &Subscription{hub: h, wake: make(chan struct{}, 1)}
	s.SetPrincipal(p)
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Len returns the number of open subscriptions.
func (h *Hub) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs)
}

// Publish wakes the subscriptions that may see c. It never blocks: a
// subscription not yet drained keeps one pending wake with the highest
// position.
func (h *Hub) Publish(c Commit) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs {
		s.offer(c)
	}
}

// Wake is what a subscription was woken for since it was last taken.
type Wake struct {
	// Position is the highest log position of a visible commit (0 when
	// only access changed or the feed could not say).
	Position int64
	// Access is set when the subscriber's access may have changed: re-check
	// it (and update the subscription with SetPrincipal).
	Access bool
}

// Subscription is one change-stream subscriber.
type Subscription struct {
	hub  *Hub
	wake chan struct{}

	mu      sync.Mutex
	p       Principal
	scopes  []string // IncidentScopes(p): nil means every incident
	hidden  []string
	pending Wake
	woken   bool
	closed  bool
}

// C is signalled when there is something to Take.
func (s *Subscription) C() <-chan struct{} { return s.wake }

// Take returns what the subscription was woken for and clears it.
func (s *Subscription) Take() Wake {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.pending
	s.pending, s.woken = Wake{}, false
	return w
}

// SetPrincipal changes whom the subscription wakes for (after a re-check of
// the device's access).
func (s *Subscription) SetPrincipal(p Principal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p = p
	s.scopes = IncidentScopes(p)
	s.hidden = access.Hidden(p.Role)
}

// Close stops the subscription; it is safe to call more than once.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	delete(s.hub.subs, s)
	s.hub.mu.Unlock()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// offer wakes the subscription if it may see c.
func (s *Subscription) offer(c Commit) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	wake := false
	switch {
	case c.Access != "":
		if c.Access == s.p.Subject {
			s.pending.Access, wake = true, true
		}
	case c.All || s.seesAny(c.Touched):
		s.pending.Position = max(s.pending.Position, c.Position)
		wake = true
	}
	signal := wake && !s.woken
	if wake {
		s.woken = true
	}
	s.mu.Unlock()
	if signal {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// seesAny reports whether the subscriber may see one of ts, by the rules
// pull filters with, leaving out its own device's changes (it has them).
func (s *Subscription) seesAny(ts []Touch) bool {
	if s.p.DeviceRevokedAt != nil {
		return false
	}
	for _, t := range ts {
		if t.DeviceID != "" && t.DeviceID == s.p.DeviceID {
			continue
		}
		if slices.Contains(s.hidden, t.Collection) {
			continue
		}
		if t.Scope == "" || s.scopes == nil || slices.Contains(s.scopes, t.Scope) {
			return true
		}
	}
	return false
}
