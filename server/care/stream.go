package care

import (
	"context"
	"fmt"
)

// StreamCursor is the cursor a change-stream event carries: the log
// position after the commit that woke the device (the head when position is
// 0), for the incidents p may see now, in the opaque form pull accepts. A
// device pulls from its own saved cursor; it sends this one back as
// Last-Event-ID when it reconnects, so it hears at once of what committed
// while it was away.
func (s *Sync) StreamCursor(ctx context.Context, p Principal, position int64) (string, error) {
	epoch, err := s.store.Epoch(ctx)
	if err != nil {
		return "", err
	}
	if position <= 0 {
		head, err := s.store.Head(ctx)
		if err != nil {
			return "", fmt.Errorf("read head: %w", err)
		}
		position = head
	}
	scopes := IncidentScopes(p)
	return s.Cursors.Encode(Cursor{Epoch: epoch, Position: position, All: scopes == nil, Scopes: sortedSet(scopes)}), nil
}

// Behind reports whether a device holding cursor (a pull cursor, or the last
// stream event's) has something to pull: an initial sync or backfill not
// finished, incidents granted or removed since, or a change it may see
// committed after the cursor's position. A cursor from another epoch, or
// ahead of the log, is behind: the pull that follows answers cursor_reset.
func (s *Sync) Behind(ctx context.Context, p Principal, cursor string) (bool, error) {
	cur, err := s.Cursors.Decode(cursor)
	if err != nil {
		return false, Coded(err, "cursor", "%v; connect without a cursor", err)
	}
	epoch, err := s.store.Epoch(ctx)
	if err != nil {
		return false, err
	}
	if cur.inState() || cur.Epoch != epoch {
		return true, nil
	}
	scopes := IncidentScopes(p)
	if cur.All != (scopes == nil) || (scopes != nil && !equalSets(cur.Scopes, sortedSet(scopes))) {
		return true, nil
	}
	page, err := s.store.Changes(ctx, cur.Position, s.FilterFor(p), 1)
	if err != nil {
		return false, fmt.Errorf("read changes: %w", err)
	}
	if len(page.Changes) > 0 {
		return true, nil
	}
	head, err := s.store.Head(ctx)
	if err != nil {
		return false, fmt.Errorf("read head: %w", err)
	}
	return cur.Position > head, nil
}

func equalSets(a, b []string) bool {
	return len(minus(a, b)) == 0 && len(minus(b, a)) == 0
}
