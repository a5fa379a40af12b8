package continuity

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// syncFixture is a client enrolled with a fake server.
type syncFixture struct {
	f     *fakeServer
	c     *Client
	path  string
	waits *[]time.Duration
}

func newSyncFixture(t *testing.T, tweak func(*Config)) *syncFixture {
	t.Helper()
	f := newFakeServer(t)
	tok := fakeJWT("tab-1", "social_worker")
	f.allow(tok, "tab-1")
	c, path := openClient(t, tweak)
	waits := noSleep(c)
	if err := c.EnrolWithAccessToken(f.srv.URL, tok); err != nil {
		t.Fatal(err)
	}
	return &syncFixture{f: f, c: c, path: path, waits: waits}
}

// remoteChange is a change another device made, as the server logs it.
func remoteChange(collection, recordID string, hlc time.Time, fields map[string]any) syncproto.Change {
	c := syncproto.Change{ID: newID(), Collection: collection, RecordID: recordID, Op: syncproto.OpUpsert,
		HLC: syncproto.HLC{Wall: hlc.UnixMilli(), Node: "tab-9"}, DeviceID: "tab-9", RecordedAt: hlc.UTC(), Fields: map[string]json.RawMessage{}}
	for k, v := range fields {
		c.Fields[k], _ = json.Marshal(v)
	}
	return c
}

func TestClient_Sync(t *testing.T) {
	incident := newID()

	t.Run("pushes, empties the outbox and converges with the server", func(t *testing.T) {
		fx := newSyncFixture(t, nil)
		id := mustResident(t, fx.c, incident, "Edith", "Barlow")
		if _, err := fx.c.RecordCheck(&SafeAndWellCheck{ResidentID: id, Outcome: "safe_and_well", Observations: "tea & <biscuits>"}); err != nil {
			t.Fatal(err)
		}
		rep, err := fx.c.Sync()
		if err != nil {
			t.Fatal(err)
		}
		if rep.Pushed != 2 || rep.Applied != 2 || rep.Pulled != 2 {
			t.Fatalf("report = %+v", rep)
		}
		if n, _ := fx.c.PendingCount(); n != 0 {
			t.Fatalf("pending = %d after sync", n)
		}
		if err := sameRecords(fx.f.state(), viewRecords(t, fx.c, "records")); err != nil {
			t.Fatalf("device and server differ: %v", err)
		}
		if err := sameRecords(viewRecords(t, fx.c, "base"), viewRecords(t, fx.c, "records")); err != nil {
			t.Fatalf("base and view differ with nothing pending: %v", err)
		}
		if at, _ := fx.c.LastSyncAt(); at == "" {
			t.Fatal("LastSyncAt not set")
		}
		for _, c := range fx.f.log {
			if c.Seen != "" {
				t.Fatalf("change written before any pull carries seen %q", c.Seen)
			}
		}
		// A write after the pull carries the stored cursor as seen.
		if _, err := fx.c.Put("residents", id, `{"room":"4"}`); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.c.Sync(); err != nil {
			t.Fatal(err)
		}
		if got := fx.f.log[len(fx.f.log)-1].Seen; got != "p2" {
			t.Fatalf("seen = %q, want the cursor of the last pull, p2", got)
		}
	})

	t.Run("batches pushes and pages pulls, resuming from the stored cursor", func(t *testing.T) {
		fx := newSyncFixture(t, func(c *Config) { c.PushBatchSize = 3; c.PullLimit = 2 })
		for i := 0; i < 7; i++ {
			mustResident(t, fx.c, incident, "P", "Q")
		}
		rep, err := fx.c.Sync()
		if err != nil {
			t.Fatal(err)
		}
		if fx.f.pushes != 3 || fx.f.pulls != 4 || rep.Pulled != 7 {
			t.Fatalf("pushes %d pulls %d pulled %d; want 3 batches and 4 pages", fx.f.pushes, fx.f.pulls, rep.Pulled)
		}
		fx.f.mu.Lock()
		fx.f.log = append(fx.f.log, remoteChange("residents", newID(), time.Now(), map[string]any{"incident_id": incident, "given_name": "R", "family_name": "S"}))
		fx.f.mu.Unlock()
		rep, err = fx.c.Sync()
		if err != nil || rep.Pulled != 1 {
			t.Fatalf("second sync pulled %d (%v), want only the new change", rep.Pulled, err)
		}
		if l, _ := fx.c.ResidentsOf(incident); l.Len() != 8 {
			t.Fatalf("residents = %d, want 8", l.Len())
		}
	})

	t.Run("pulled stamps advance the clock", func(t *testing.T) {
		fx := newSyncFixture(t, nil)
		future := time.Now().Add(5 * time.Minute)
		rid := newID()
		fx.f.log = append(fx.f.log, remoteChange("residents", rid, future, map[string]any{"incident_id": incident, "given_name": "A", "family_name": "B"}))
		if _, err := fx.c.Sync(); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.c.Put("residents", rid, `{"room":"1"}`); err != nil {
			t.Fatal(err)
		}
		es, _ := outboxEntries(fx.c.ctx, fx.c.st.db, outboxPending, 0)
		if es[0].change.HLC.Wall < future.UnixMilli() {
			t.Fatalf("local write %v stamped before the pulled change it follows (%v)", es[0].change.HLC, future)
		}
	})

	t.Run("retries 5xx with growing backoff", func(t *testing.T) {
		fx := newSyncFixture(t, func(c *Config) { c.RetryBase = 100 * time.Millisecond })
		mustResident(t, fx.c, incident, "A", "B")
		fx.f.fail = []int{503, 502, 500}
		if _, err := fx.c.Sync(); err != nil {
			t.Fatal(err)
		}
		want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}
		if len(*fx.waits) != 3 || (*fx.waits)[0] != want[0] || (*fx.waits)[1] != want[1] || (*fx.waits)[2] != want[2] {
			t.Fatalf("waits = %v, want %v", *fx.waits, want)
		}
	})

	t.Run("honours Retry-After on 429", func(t *testing.T) {
		fx := newSyncFixture(t, nil)
		fx.f.fail, fx.f.retry = []int{429}, "7"
		if _, err := fx.c.Sync(); err != nil {
			t.Fatal(err)
		}
		if len(*fx.waits) != 1 || (*fx.waits)[0] != 7*time.Second {
			t.Fatalf("waits = %v, want [7s]", *fx.waits)
		}
	})

	t.Run("a Retry-After longer than MaxRetryAfter ends the sync", func(t *testing.T) {
		fx := newSyncFixture(t, nil)
		fx.f.fail, fx.f.retry = []int{429}, "3600"
		_, err := fx.c.Sync()
		var ae *APIError
		if !errors.As(err, &ae) || ae.RetryAfterSeconds != 3600 {
			t.Fatalf("err = %v, want an APIError with Retry-After 3600", err)
		}
	})

	t.Run("gives up as offline and keeps the outbox", func(t *testing.T) {
		fx := newSyncFixture(t, func(c *Config) { c.MaxRetries = 2 })
		mustResident(t, fx.c, incident, "A", "B")
		fx.f.fail = []int{503, 503, 503, 503}
		_, err := fx.c.Sync()
		if !errors.Is(err, ErrOffline) || ErrorCode(err) != CodeOffline {
			t.Fatalf("err = %v, want ErrOffline", err)
		}
		if len(*fx.waits) != 2 {
			t.Fatalf("waits = %v, want 2 retries", *fx.waits)
		}
		st, _ := fx.c.Status()
		if st.PendingChanges != 1 || st.LastError == "" || st.LastSyncAt != "" || st.LastAttemptAt == "" {
			t.Fatalf("status = %+v", st)
		}
		fx.f.fail = nil
		if _, err := fx.c.Sync(); err != nil {
			t.Fatal(err)
		}
		if st, _ := fx.c.Status(); st.PendingChanges != 0 || st.LastError != "" || st.LastSyncAt == "" {
			t.Fatalf("status after recovery = %+v", st)
		}
	})

	t.Run("unreachable server", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c, _ := openClient(t, func(c *Config) { c.MaxRetries = 1 })
		enrolFake(t, c, "http://"+addr, "tab-1", "social_worker")
		mustResident(t, c, incident, "A", "B")
		if _, err := c.Sync(); !errors.Is(err, ErrOffline) {
			t.Fatalf("err = %v, want ErrOffline", err)
		}
		if n, _ := c.PendingCount(); n != 1 {
			t.Fatalf("pending = %d", n)
		}
	})

	t.Run("refreshes the token once on 401", func(t *testing.T) {
		src := &scriptedTokens{tokens: []string{"stale", "fresh"}}
		fx := newSyncFixture(t, func(c *Config) { c.TokenSource = src })
		fx.f.allow("fresh", "tab-1")
		mustResident(t, fx.c, incident, "A", "B")
		if _, err := fx.c.Sync(); err != nil {
			t.Fatal(err)
		}
		if src.invalidated.Load() != 1 {
			t.Fatalf("invalidated %d times, want 1", src.invalidated.Load())
		}
	})

	t.Run("a second 401 means enrol again", func(t *testing.T) {
		src := &scriptedTokens{tokens: []string{"stale", "also-stale"}}
		fx := newSyncFixture(t, func(c *Config) { c.TokenSource = src })
		_, err := fx.c.Sync()
		if !errors.Is(err, ErrUnauthorized) || ErrorCode(err) != syncproto.CodeUnauthorized {
			t.Fatalf("err = %v, want ErrUnauthorized", err)
		}
		if src.invalidated.Load() != 1 {
			t.Fatalf("invalidated %d times, want 1", src.invalidated.Load())
		}
	})

	t.Run("a rejected change is kept, surfaced and not retried", func(t *testing.T) {
		fx := newSyncFixture(t, nil)
		fx.f.reject = func(c syncproto.Change) *syncproto.Error {
			if strings.Contains(string(c.Fields["family_name"]), "Refused") {
				return syncproto.Errorf(syncproto.CodeForbiddenScope, "fields.incident_id", "this device is not granted incident %s", incident)
			}
			return nil
		}
		ok := mustResident(t, fx.c, incident, "A", "Fine")
		bad := mustResident(t, fx.c, incident, "B", "Refused")
		rep, err := fx.c.Sync()
		if err != nil {
			t.Fatal(err)
		}
		if rep.Applied != 1 || rep.Rejected != 1 {
			t.Fatalf("report = %+v", rep)
		}
		st, _ := fx.c.Status()
		if st.PendingChanges != 0 || st.RejectedChanges != 1 {
			t.Fatalf("status = %+v", st)
		}
		rej, _ := fx.c.RejectedChanges()
		if rej.Len() != 1 || rej.At(0).RecordID != bad || rej.At(0).Code != syncproto.CodeForbiddenScope || rej.At(0).Field != "fields.incident_id" {
			t.Fatalf("rejected = %+v", rej.items)
		}
		if _, err := fx.c.Resident(bad); !errors.Is(err, ErrNotFound) {
			t.Fatalf("rejected resident still in the view: %v", err)
		}
		if _, err := fx.c.Resident(ok); err != nil {
			t.Fatal(err)
		}
		pushes := fx.f.pushes
		if _, err := fx.c.Sync(); err != nil {
			t.Fatal(err)
		}
		if fx.f.pushes != pushes {
			t.Fatal("a rejected change was pushed again")
		}
		// The person fixes the cause and retries.
		fx.f.reject = nil
		if err := fx.c.RetryRejected(rej.At(0).ChangeID); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.c.Resident(bad); err != nil {
			t.Fatalf("retried change not back in the view: %v", err)
		}
		if rep, err := fx.c.Sync(); err != nil || rep.Applied != 1 {
			t.Fatalf("retry sync: %+v, %v", rep, err)
		}
		if err := fx.c.DiscardRejected(rej.At(0).ChangeID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("discarding an applied change: %v", err)
		}
	})

	t.Run("a rejected change can be discarded", func(t *testing.T) {
		fx := newSyncFixture(t, nil)
		fx.f.reject = func(syncproto.Change) *syncproto.Error {
			return syncproto.Errorf(syncproto.CodeRuleViolation, "", "no")
		}
		mustResident(t, fx.c, incident, "A", "B")
		fx.c.Sync()
		rej, _ := fx.c.RejectedChanges()
		if err := fx.c.DiscardRejected(rej.At(0).ChangeID); err != nil {
			t.Fatal(err)
		}
		if st, _ := fx.c.Status(); st.RejectedChanges != 0 {
			t.Fatalf("status = %+v", st)
		}
	})

	t.Run("a fast clock is corrected and its changes re-stamped", func(t *testing.T) {
		fast := func() time.Time { return time.Now().Add(2 * time.Hour) }
		fx := newSyncFixture(t, func(c *Config) { c.Now = fast })
		id := mustResident(t, fx.c, incident, "A", "B")
		for _, room := range []string{"1", "2", "3"} {
			if _, err := fx.c.Put("residents", id, `{"room":"`+room+`"}`); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := fx.c.Sync()
		if err != nil {
			t.Fatal(err)
		}
		if rep.Restamped != 4 || rep.Applied != 4 || rep.Rejected != 0 {
			t.Fatalf("report = %+v", rep)
		}
		now := time.Now()
		for _, c := range fx.f.log {
			if d := c.HLC.Time().Sub(now); d > time.Minute || d < -time.Minute {
				t.Fatalf("applied change stamped %v, %v from the server's time", c.HLC, d)
			}
			if d := c.RecordedAt.Sub(now); d < 119*time.Minute {
				t.Fatalf("recorded_at %v was changed; it is the person's time", c.RecordedAt)
			}
		}
		if r, _ := fx.c.Resident(id); r.Room != "3" {
			t.Fatalf("room = %q after re-stamping; the person's last edit must still win", r.Room)
		}
		if err := sameRecords(fx.f.state(), viewRecords(t, fx.c, "records")); err != nil {
			t.Fatal(err)
		}
		st, _ := fx.c.Status()
		if off := time.Duration(st.ClockOffsetMillis) * time.Millisecond; off > -119*time.Minute || off < -121*time.Minute {
			t.Fatalf("clock offset = %v, want about -2h", off)
		}
		// Later writes, even after a restart, are stamped right first time.
		fx.c.Close()
		c2, err := Open(&Config{DBPath: fx.path, Now: fast})
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		if _, err := c2.Put("residents", id, `{"room":"4"}`); err != nil {
			t.Fatal(err)
		}
		rep, err = c2.Sync()
		if err != nil || rep.Restamped != 0 || rep.Applied != 1 {
			t.Fatalf("after correction: %+v, %v", rep, err)
		}
	})

	t.Run("a fast clock with more changes than fit in a batch", func(t *testing.T) {
		fast := func() time.Time { return time.Now().Add(2 * time.Hour) }
		fx := newSyncFixture(t, func(c *Config) { c.Now = fast; c.PushBatchSize = 2 })
		id := mustResident(t, fx.c, incident, "A", "B")
		for _, room := range []string{"1", "2", "3", "4", "5"} {
			if _, err := fx.c.Put("residents", id, `{"room":"`+room+`"}`); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := fx.c.Sync()
		if err != nil {
			t.Fatal(err)
		}
		// One correction re-stamps every change beyond the server's limit,
		// sent or not: one rejected push, then three that apply.
		if rep.Restamped != 6 || rep.Applied != 6 || fx.f.pushes != 4 {
			t.Fatalf("report = %+v after %d pushes", rep, fx.f.pushes)
		}
		if r, _ := fx.c.Resident(id); r.Room != "5" {
			t.Fatalf("room = %q, want the last edit", r.Room)
		}
	})

	t.Run("re-stamped edits still follow what the device had pulled", func(t *testing.T) {
		fast := func() time.Time { return time.Now().Add(2 * time.Hour) }
		fx := newSyncFixture(t, func(c *Config) { c.Now = fast })
		id := newID()
		// Another device, a few minutes fast (within the server's
		// tolerance), wrote the room; this device pulled it, then changed
		// it.
		fx.f.log = append(fx.f.log, remoteChange("residents", id, time.Now().Add(5*time.Minute),
			map[string]any{"incident_id": incident, "given_name": "A", "family_name": "B", "room": "theirs"}))
		if _, err := fx.c.Sync(); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.c.Put("residents", id, `{"room":"mine"}`); err != nil {
			t.Fatal(err)
		}
		if rep, err := fx.c.Sync(); err != nil || rep.Restamped != 1 {
			t.Fatalf("sync: %+v, %v", rep, err)
		}
		if got := string(fx.f.state()["residents/"+id].Value("room")); got != `"mine"` {
			t.Fatalf("server room = %s: the re-stamped edit fell behind the write it replaced", got)
		}
		if r, _ := fx.c.Resident(id); r.Room != "mine" {
			t.Fatalf("device room = %q", r.Room)
		}
	})

	t.Run("an invalid cursor restarts from the server's state", func(t *testing.T) {
		fx := newSyncFixture(t, nil)
		mustResident(t, fx.c, incident, "A", "B")
		if _, err := fx.c.Sync(); err != nil {
			t.Fatal(err)
		}
		fx.f.badAfter = 1000
		rep, err := fx.c.Sync()
		if err != nil || rep.Pulled != 1 {
			t.Fatalf("sync with a refused cursor: %+v, %v", rep, err)
		}
	})

	t.Run("purge deletes the records of a lost incident", func(t *testing.T) {
		fx := newSyncFixture(t, nil)
		other := newID()
		keep := mustResident(t, fx.c, incident, "A", "B")
		lose := mustResident(t, fx.c, other, "C", "D")
		if _, err := fx.c.Sync(); err != nil {
			t.Fatal(err)
		}
		fx.f.purge = []string{other}
		rep, err := fx.c.Sync()
		if err != nil || rep.Purged != 1 {
			t.Fatalf("report %+v, %v", rep, err)
		}
		if _, err := fx.c.Resident(lose); !errors.Is(err, ErrNotFound) {
			t.Fatalf("purged resident readable: %v", err)
		}
		if _, err := fx.c.Resident(keep); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a lost push answer is re-sent and comes back duplicate", func(t *testing.T) {
		var dropped atomic.Int32
		fx := newSyncFixture(t, func(c *Config) {
			c.HTTPClient = &http.Client{Transport: dropFirstPush(&dropped)}
		})
		mustResident(t, fx.c, incident, "A", "B")
		mustResident(t, fx.c, incident, "C", "D")
		rep, err := fx.c.Sync()
		if err != nil {
			t.Fatal(err)
		}
		if dropped.Load() != 1 || rep.Duplicates != 2 || rep.Applied != 0 || len(fx.f.log) != 2 {
			t.Fatalf("dropped %d, report %+v, server log %d", dropped.Load(), rep, len(fx.f.log))
		}
	})

	t.Run("writes made while a sync runs are kept and pushed next time", func(t *testing.T) {
		fx := newSyncFixture(t, func(c *Config) { c.PushBatchSize = 5 })
		for i := 0; i < 20; i++ {
			mustResident(t, fx.c, incident, "Before", "Sync")
		}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					if _, err := fx.c.SaveResident(&Resident{IncidentID: incident, GivenName: "During", FamilyName: "Sync"}); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		if _, err := fx.c.Sync(); err != nil {
			t.Error(err)
		}
		wg.Wait()
		if _, err := fx.c.Sync(); err != nil {
			t.Fatal(err)
		}
		if n, _ := fx.c.PendingCount(); n != 0 {
			t.Fatalf("pending = %d", n)
		}
		if l, _ := fx.c.ResidentsOf(incident); l.Len() != 60 {
			t.Fatalf("residents = %d, want 60", l.Len())
		}
		if err := sameRecords(fx.f.state(), viewRecords(t, fx.c, "records")); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.c.Sync(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("not enrolled", func(t *testing.T) {
		c, _ := openClient(t, nil)
		if _, err := c.Sync(); !errors.Is(err, ErrNotEnrolled) {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("closed", func(t *testing.T) {
		fx := newSyncFixture(t, nil)
		fx.c.Close()
		if _, err := fx.c.Sync(); !errors.Is(err, ErrClosed) {
			t.Fatalf("err = %v", err)
		}
		if _, err := fx.c.Put("residents", "", `{}`); !errors.Is(err, ErrClosed) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestClient_StartAutoSync(t *testing.T) {
	fx := newSyncFixture(t, nil)
	fx.c.sleepFn = func(ctx context.Context, d time.Duration) error { return sleepCtx(ctx, 10*time.Millisecond) }
	mustResident(t, fx.c, newID(), "A", "B")
	fx.c.StartAutoSync(5)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if n, _ := fx.c.PendingCount(); n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("background sync did not push")
		}
		time.Sleep(10 * time.Millisecond)
	}
	fx.c.StopAutoSync()
	if err := fx.c.Close(); err != nil {
		t.Fatal(err)
	}
}

// scriptedTokens hands out tokens in order, moving on at each Invalidate.
type scriptedTokens struct {
	mu          sync.Mutex
	tokens      []string
	invalidated atomic.Int32
}

func (s *scriptedTokens) Token(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[min(int(s.invalidated.Load()), len(s.tokens)-1)], nil
}

func (s *scriptedTokens) Invalidate() { s.invalidated.Add(1) }

// dropFirstPush is a transport that delivers the first push to the server
// and then loses its answer, as a dropped connection would.
func dropFirstPush(dropped *atomic.Int32) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		if r.URL.Path == "/v1/sync/push" && dropped.CompareAndSwap(0, 1) {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return nil, errors.New("connection reset by peer (simulated)")
		}
		return resp, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
