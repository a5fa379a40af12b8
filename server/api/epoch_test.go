package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
)

// TestServer_CursorReset: a cursor from another epoch of the database (issued
// before a restore) or ahead of its log is answered 410 cursor_reset naming
// the field, with no page that a device could take as complete; the device
// then syncs from the start and gets everything. docs/protocol.md and the
// OpenAPI description list the code.
func TestServer_CursorReset(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	tok := e.token("sam", "social_worker", "tab-1", inc)
	w := newWriter("tab-1", e.clock.Now)
	for range 3 {
		applied(t, e.push(tok, w.upsert("residents", uuid.NewString(), resident(inc))))
	}
	_, logCursor, _ := e.pullAll(tok, "", 100)
	midInitial := e.pullPage(tok, "", 1).Cursor
	ctx := context.Background()
	epoch, err := e.store.Epoch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, err := e.store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// What a cursor the server issued before its log was rolled back (a
	// restore whose epoch was not renewed) looks like to it now.
	ahead := e.sync.Cursors.Encode(care.Cursor{Epoch: epoch, Position: head + 3, Scopes: []string{inc}})
	aheadInitial := e.sync.Cursors.Encode(care.Cursor{Epoch: epoch, Position: head + 3, Initial: true, Scopes: []string{inc}})

	refused := func(t *testing.T, cursor string) {
		t.Helper()
		r := e.do("GET", "/v1/sync/pull?limit=100&cursor="+url.QueryEscape(cursor), tok, nil)
		eb := r.errorBody(t)
		if r.Status != 410 || eb.Code != syncproto.CodeCursorReset || eb.Field != "cursor" {
			t.Fatalf("%d %s, want 410 cursor_reset on cursor", r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), `"changes"`) || strings.Contains(string(r.Body), `"has_more"`) {
			t.Fatalf("a refused cursor got a page: %s", r.Body)
		}
	}
	t.Run("a cursor ahead of the log", func(t *testing.T) { refused(t, ahead) })
	t.Run("an initial sync ahead of the log", func(t *testing.T) { refused(t, aheadInitial) })
	t.Run("the same cursors are served before the epoch changes", func(t *testing.T) {
		for _, c := range []string{logCursor, midInitial} {
			if r := e.do("GET", "/v1/sync/pull?limit=100&cursor="+url.QueryEscape(c), tok, nil); r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		}
	})

	renewed, err := e.store.(care.EpochRenewer).RenewEpoch(ctx)
	if err != nil || renewed == epoch || !care.ValidEpoch(renewed) {
		t.Fatalf("RenewEpoch = %q, %v (was %q)", renewed, err, epoch)
	}
	t.Run("a cursor from before the restore", func(t *testing.T) { refused(t, logCursor) })
	t.Run("an initial sync begun before the restore", func(t *testing.T) { refused(t, midInitial) })
	t.Run("a stream resumed from before the restore tells the device to pull", func(t *testing.T) {
		last := e.sync.Cursors.Encode(care.Cursor{Epoch: epoch, Position: head, Scopes: []string{inc}})
		s := openStream(t, e.url, tok, map[string]string{"Last-Event-ID": last})
		s.comment("continuity change stream")
		cursorEvent(t, e.sync.Cursors, s.next())
	})
	t.Run("syncing from the start gets everything", func(t *testing.T) {
		all, cur, _ := e.pullAll(tok, "", 2)
		if len(all) != 3 {
			t.Fatalf("initial sync after the reset: %d changes, want 3", len(all))
		}
		if r := e.do("GET", "/v1/sync/pull?cursor="+url.QueryEscape(cur), tok, nil); r.Status != 200 {
			t.Fatalf("the new cursor: %d %s", r.Status, r.Body)
		}
	})
	t.Run("documented", func(t *testing.T) {
		for _, f := range []string{"../../docs/protocol.md", "openapi.json"} {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "cursor_reset") || !strings.Contains(string(b), "reenrol_required") {
				t.Fatalf("%s does not describe cursor_reset and reenrol_required", f)
			}
		}
	})
}

// TestServer_CursorsRevealNothing: a device holding one incident cannot
// learn from its cursors how many changes were committed in others: pull
// cursors, push cursors and stream events are sealed, so no part of them
// reads as the position, their length does not grow with it, and two
// answers at one position differ.
func TestServer_CursorsRevealNothing(t *testing.T) {
	e := newEnv(t)
	mine, other := uuid.NewString(), uuid.NewString()
	sam := e.token("sam", "social_worker", "tab-s", mine)
	sal := e.token("sal", "social_worker", "tab-s2", mine)
	oli := e.token("oli", "social_worker", "tab-o", other)
	ws, ws2, wo := newWriter("tab-s", e.clock.Now), newWriter("tab-s2", e.clock.Now), newWriter("tab-o", e.clock.Now)
	applied(t, e.push(sam, ws.upsert("residents", uuid.NewString(), resident(mine))))
	stream := openStream(t, e.url, sam, nil)
	stream.comment("continuity change stream")

	var cursors []string
	observe := func() {
		t.Helper()
		_, c, _ := e.pullAll(sam, "", 100)
		cursors = append(cursors, c, e.push(sam).Cursor)
		// A colleague's push wakes sam's stream (a device's own does not).
		applied(t, e.push(sal, ws2.upsert("residents", uuid.NewString(), resident(mine))))
		ev := stream.next()
		cursors = append(cursors, ev.ID)
		var d struct {
			Cursor string `json:"cursor"`
		}
		if err := json.Unmarshal([]byte(ev.Data), &d); err != nil {
			t.Fatal(err)
		}
		cursors = append(cursors, d.Cursor)
	}
	observe()
	// Another incident commits enough to add a digit to the position.
	for range 12 {
		applied(t, e.push(oli, wo.upsert("residents", uuid.NewString(), resident(other))))
	}
	observe()

	lengths := map[int]bool{}
	for i, c := range cursors {
		if c == "" {
			t.Fatalf("cursor %d is empty", i)
		}
		lengths[len(c)] = true
		for _, part := range strings.Split(c, ".") {
			b, err := base64.RawURLEncoding.DecodeString(part)
			if err == nil && (json.Valid(b) || strings.Contains(string(b), `"p"`)) {
				t.Fatalf("cursor %q carries readable content %q", c, b)
			}
		}
	}
	if len(lengths) > 2 { // pull and stream cursors carry the scopes; a push cursor does not
		t.Fatalf("cursor lengths vary with the position: %v", lengths)
	}
	if cursors[1] == cursors[5] {
		t.Fatal("two empty pushes got the same cursor")
	}
}

// pullPage pulls one page.
func (e *env) pullPage(token, cursor string, limit int) syncproto.PullResponse {
	e.t.Helper()
	r := e.do("GET", "/v1/sync/pull?limit="+strconv.Itoa(limit)+"&cursor="+url.QueryEscape(cursor), token, nil)
	if r.Status != 200 {
		e.t.Fatalf("pull: %d %s", r.Status, r.Body)
	}
	var p syncproto.PullResponse
	r.decode(e.t, &p)
	return p
}

// TestServer_ConflictsAfterRestore: a change's seen cursor from before a
// restore names positions of another history, so it counts as having seen
// nothing: two destinations written for one resident still raise a
// conflict, however far the old cursor had got.
func TestServer_ConflictsAfterRestore(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	sam := e.token("sam", "social_worker", "tab-1", inc)
	tom := e.token("tom", "social_worker", "tab-2", inc)
	bea := e.token("bea", "back_office", "desk-1", "*")
	ws, wt := newWriter("tab-1", e.clock.Now), newWriter("tab-2", e.clock.Now)
	rec := uuid.NewString()
	fields := resident(inc)
	fields["current_service_id"] = uuid.NewString()
	applied(t, e.push(sam, ws.upsert("residents", rec, fields)))
	// Tom's tablet had pulled far along the log before the restore.
	before := e.sync.Cursors.Encode(care.Cursor{Epoch: care.NewEpoch(), Position: 1 << 40, Scopes: []string{inc}})
	applied(t, e.push(sam, ws.upsert("residents", rec, map[string]any{"current_service_id": uuid.NewString()})))
	c := wt.upsert("residents", rec, map[string]any{"current_service_id": uuid.NewString()})
	c["seen"] = before
	applied(t, e.push(tom, c))
	if cs := e.conflicts(bea, "?status=open"); len(cs) != 1 || cs[0].Field != "current_service_id" {
		t.Fatalf("open conflicts = %+v, want one on current_service_id", cs)
	}
}
