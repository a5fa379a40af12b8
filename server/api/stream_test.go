package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/postgres"
	"github.com/continuity-care/continuity/server/postgres/pgtest"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
)

// patience bounds every wait for an event: generous, because the machine is
// shared; a correct server answers in milliseconds.
const patience = 30 * time.Second

// sseEvent is one server-sent event; Name is ":" for a comment line.
type sseEvent struct {
	Name, ID, Data string
}

// sseClient reads one change stream.
type sseClient struct {
	t      *testing.T
	resp   *http.Response
	events chan sseEvent
	done   chan error
	cancel context.CancelFunc
}

// openStream connects to GET /v1/sync/stream and fails unless it is
// answered 200 text/event-stream.
func openStream(t *testing.T, baseURL, token string, header map[string]string) *sseClient {
	t.Helper()
	resp, cancel, err := connectStream(baseURL, token, header)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("stream: status %d: %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("stream: Content-Type %q", ct)
	}
	s := &sseClient{t: t, resp: resp, events: make(chan sseEvent, 1000), done: make(chan error, 1), cancel: cancel}
	go s.read()
	t.Cleanup(s.close)
	return s
}

func connectStream(baseURL, token string, header map[string]string) (*http.Response, context.CancelFunc, error) {
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", baseURL+"/v1/sync/stream", nil)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// A client of its own: no timeout, no connection shared with others.
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	return resp, cancel, nil
}

func (s *sseClient) read() {
	sc := bufio.NewScanner(s.resp.Body)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Name != "" || ev.Data != "" {
				if ev.Name == "" {
					ev.Name = "message"
				}
				s.events <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, ":"):
			s.events <- sseEvent{Name: ":", Data: strings.TrimSpace(line[1:])}
		default:
			k, v, _ := strings.Cut(line, ":")
			v = strings.TrimPrefix(v, " ")
			switch k {
			case "event":
				ev.Name = v
			case "data":
				ev.Data += v
			case "id":
				ev.ID = v
			}
		}
	}
	err := sc.Err()
	if err == nil {
		err = io.EOF
	}
	s.done <- err
	close(s.events)
}

func (s *sseClient) close() {
	s.cancel()
	s.resp.Body.Close()
}

// next returns the next event that is not a comment.
func (s *sseClient) next() sseEvent {
	s.t.Helper()
	timeout := time.After(patience)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatalf("stream ended while waiting for an event: %v", <-s.done)
			}
			if ev.Name != ":" {
				return ev
			}
		case <-timeout:
			s.t.Fatalf("no event within %s", patience)
		}
	}
}

// comment waits for a comment line with the text.
func (s *sseClient) comment(text string) {
	s.t.Helper()
	timeout := time.After(patience)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatalf("stream ended while waiting for a comment: %v", <-s.done)
			}
			if ev.Name == ":" && ev.Data == text {
				return
			}
		case <-timeout:
			s.t.Fatalf("no %q comment within %s", text, patience)
		}
	}
}

// ended waits for the stream to end, failing on any event but comments.
func (s *sseClient) ended() {
	s.t.Helper()
	timeout := time.After(patience)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return
			}
			if ev.Name != ":" {
				s.t.Fatalf("event %+v after the last", ev)
			}
		case <-timeout:
			s.t.Fatalf("stream still open after %s", patience)
		}
	}
}

// cursorEvent checks ev is a cursor event and returns its position.
func cursorEvent(t *testing.T, k *care.CursorCodec, ev sseEvent) int64 {
	t.Helper()
	if ev.Name != api.EventCursor {
		t.Fatalf("got event %q (%s), want cursor", ev.Name, ev.Data)
	}
	var d struct {
		Cursor string `json:"cursor"`
	}
	if err := json.Unmarshal([]byte(ev.Data), &d); err != nil || d.Cursor == "" {
		t.Fatalf("cursor event data %q: %v", ev.Data, err)
	}
	if ev.ID != d.Cursor {
		t.Fatalf("event id %q differs from its cursor %q", ev.ID, d.Cursor)
	}
	return positionOf(t, k, d.Cursor)
}

// positionOf opens a sealed cursor with the server's codec (a device cannot).
func positionOf(t *testing.T, k *care.CursorCodec, cursor string) int64 {
	t.Helper()
	c, err := k.Decode(cursor)
	if err != nil {
		t.Fatalf("cursor %q: %v", cursor, err)
	}
	return c.Position
}

// errorEvent checks ev is the named event carrying an error envelope.
func errorEvent(t *testing.T, ev sseEvent, name string) syncproto.Error {
	t.Helper()
	if ev.Name != name {
		t.Fatalf("got event %q (%s), want %s", ev.Name, ev.Data, name)
	}
	var env syncproto.ErrorEnvelope
	if err := json.Unmarshal([]byte(ev.Data), &env); err != nil || env.Error == nil {
		t.Fatalf("%s event data %q is not an error envelope", name, ev.Data)
	}
	return *env.Error
}

func applied(t *testing.T, r syncproto.PushResponse) {
	t.Helper()
	for _, x := range r.Results {
		if x.Status != syncproto.StatusApplied {
			t.Fatalf("push: %s", statusesOf(r))
		}
	}
}

// TestServer_Stream: GET /v1/sync/stream pokes a device when a change it may
// see commits, and only then; heartbeats; ends on expiry and revocation.
func TestServer_Stream(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.StreamHeartbeat = 100 * time.Millisecond })
	incA, incB := uuid.NewString(), uuid.NewString()
	amy := e.token("amy", "social_worker", "tab-a", incA)
	abe := e.token("abe", "social_worker", "tab-a2", incA)
	ben := e.token("ben", "social_worker", "tab-b", incB)
	quinn := e.token("quinn", "quality_officer", "qo-1", incA, incB)
	tia := e.token("tia", "transport_coordinator", "tab-t", incA)
	wa, wa2, wb, wq := newWriter("tab-a", e.clock.Now), newWriter("tab-a2", e.clock.Now), newWriter("tab-b", e.clock.Now), newWriter("qo-1", e.clock.Now)

	t.Run("a push by another device sends a cursor event; pulling finds the change", func(t *testing.T) {
		_, cur, _ := e.pullAll(amy, "", 500)
		s := openStream(t, e.url, amy, nil)
		s.comment("continuity change stream")
		rid := uuid.NewString()
		resp := e.push(abe, wa2.upsert("residents", rid, resident(incA)))
		applied(t, resp)
		if got, want := cursorEvent(t, e.sync.Cursors, s.next()), positionOf(t, e.sync.Cursors, resp.Cursor); got != want {
			t.Fatalf("event at position %d, want the push's %d", got, want)
		}
		changes, _, _ := e.pullAll(amy, cur, 500)
		if len(changes) != 1 || changes[0].RecordID != rid {
			t.Fatalf("pull after the event: %+v", changes)
		}
	})

	t.Run("no event for another incident, a hidden collection or the device's own push", func(t *testing.T) {
		s := openStream(t, e.url, amy, nil)
		s.comment("continuity change stream")
		applied(t, e.push(ben, wb.upsert("residents", uuid.NewString(), resident(incB))))
		prov := uuid.NewString()
		// providers are unscoped and readable by everyone: amy sees this one.
		provResp := e.push(quinn, wq.upsert("providers", prov, map[string]any{"name": "Larkfield Care Ltd"}))
		applied(t, provResp)
		if got, want := cursorEvent(t, e.sync.Cursors, s.next()), positionOf(t, e.sync.Cursors, provResp.Cursor); got != want {
			t.Fatalf("event at %d, want the provider's %d (an event for incident B came first?)", got, want)
		}
		applied(t, e.push(amy, wa.upsert("residents", uuid.NewString(), resident(incA))))
		visible := e.push(abe, wa2.upsert("residents", uuid.NewString(), resident(incA)))
		applied(t, visible)
		if got, want := cursorEvent(t, e.sync.Cursors, s.next()), positionOf(t, e.sync.Cursors, visible.Cursor); got != want {
			t.Fatalf("event at %d, want the visible push's %d: an event came for amy's own push", got, want)
		}
		// rag_statuses are hidden from transport coordinators.
		ts := openStream(t, e.url, tia, nil)
		ts.comment("continuity change stream")
		applied(t, e.push(quinn, wq.upsert("rag_statuses", uuid.NewString(), map[string]any{
			"provider_id": prov, "status": "AMBER", "reason": "RAG tool indicators", "decided_at": "2026-11-23T09:00:00Z",
			"decided_by": "Quinn", "decided_by_role": "quality_officer"})))
		visible = e.push(abe, wa2.upsert("residents", uuid.NewString(), resident(incA)))
		applied(t, visible)
		if got, want := cursorEvent(t, e.sync.Cursors, ts.next()), positionOf(t, e.sync.Cursors, visible.Cursor); got != want {
			t.Fatalf("event at %d, want the visible push's %d: an event came for a change tia may not see", got, want)
		}
	})

	t.Run("a comment line at every heartbeat", func(t *testing.T) {
		s := openStream(t, e.url, amy, nil)
		for i := 0; i < 3; i++ {
			s.comment("ping")
		}
	})

	t.Run("reconnecting with Last-Event-ID catches up at once", func(t *testing.T) {
		s := openStream(t, e.url, amy, nil)
		s.comment("continuity change stream")
		applied(t, e.push(abe, wa2.upsert("residents", uuid.NewString(), resident(incA))))
		last := s.next()
		cursorEvent(t, e.sync.Cursors, last)
		s.close()
		missed := e.push(abe, wa2.upsert("residents", uuid.NewString(), resident(incA)))
		applied(t, missed)
		again := openStream(t, e.url, amy, map[string]string{"Last-Event-ID": last.ID})
		if got, want := cursorEvent(t, e.sync.Cursors, again.next()), positionOf(t, e.sync.Cursors, missed.Cursor); got < want {
			t.Fatalf("catch-up event at %d, want at least %d", got, want)
		}
	})

	t.Run("token expiry ends the stream with token_expired", func(t *testing.T) {
		short, err := e.auth.Tokens().Issue(care.Principal{Subject: "amy", Role: "social_worker", DeviceID: "tab-a"}, 500*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		s := openStream(t, e.url, short, nil)
		perr := errorEvent(t, s.next(), api.EventTokenExpired)
		if perr.Code != syncproto.CodeUnauthorized {
			t.Fatalf("token_expired carries %+v", perr)
		}
		s.ended()
	})

	t.Run("a new grant re-filters the stream and pokes the device to pull", func(t *testing.T) {
		s := openStream(t, e.url, ben, nil)
		s.comment("continuity change stream")
		if err := e.store.GrantScope(context.Background(), grant("ben", incA, e.clock.Now())); err != nil {
			t.Fatal(err)
		}
		cursorEvent(t, e.sync.Cursors, s.next())
		resp := e.push(abe, wa2.upsert("residents", uuid.NewString(), resident(incA)))
		applied(t, resp)
		for {
			if cursorEvent(t, e.sync.Cursors, s.next()) == positionOf(t, e.sync.Cursors, resp.Cursor) {
				break
			}
		}
	})

	t.Run("a revoked device's stream ends with revoked", func(t *testing.T) {
		tok := e.token("rae", "social_worker", "tab-r", incA)
		s := openStream(t, e.url, tok, nil)
		s.comment("continuity change stream")
		if err := e.store.RevokeDevice(context.Background(), "tab-r", e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		errorEvent(t, s.next(), api.EventRevoked)
		s.ended()
		if r := e.do("GET", "/v1/sync/stream", tok, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("revoked device connecting: %d %s", r.Status, r.Body)
		}
	})

	t.Run("refused before streaming: no token, a bad cursor", func(t *testing.T) {
		if r := e.do("GET", "/v1/sync/stream", "", nil); r.Status != http.StatusUnauthorized || r.errorBody(t).Field != "Authorization" {
			t.Fatalf("no token: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/v1/sync/stream?cursor=nonsense", amy, nil); r.Status != http.StatusBadRequest || r.errorBody(t).Code != syncproto.CodeInvalidCursor {
			t.Fatalf("bad cursor: %d %s", r.Status, r.Body)
		}
	})
}

// TestServer_StreamLimits: streams are bounded, and a client that goes away
// frees its stream.
func TestServer_StreamLimits(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.StreamHeartbeat = 50 * time.Millisecond; c.MaxStreams = 2 })
	srv := e.srv
	inc := uuid.NewString()
	tok := e.token("amy", "social_worker", "tab-a", inc)
	a := openStream(t, e.url, tok, nil)
	b := openStream(t, e.url, tok, nil)
	a.comment("continuity change stream")
	b.comment("continuity change stream")
	r := e.do("GET", "/v1/sync/stream", tok, nil)
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("third stream: %d %s", r.Status, r.Body)
	}
	a.close()
	b.close()
	deadline := time.Now().Add(patience)
	for srv.OpenStreams() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams still open after their clients went", srv.OpenStreams())
		}
		time.Sleep(20 * time.Millisecond)
	}
	openStream(t, e.url, tok, nil).comment("continuity change stream")
}

// TestServer_StreamLimitsPerDevice: one device cannot hold every stream the
// server may open. Past its own bound its next stream is refused with 429,
// the error envelope and Retry-After, while another device still connects;
// a stream it closes is its to open again.
func TestServer_StreamLimitsPerDevice(t *testing.T) {
	const perDevice = 3
	e := newEnv(t, func(c *api.Config) { c.StreamHeartbeat = 50 * time.Millisecond; c.MaxStreamsPerDevice = perDevice })
	inc := uuid.NewString()
	flood := e.token("amy", "social_worker", "tab-a", inc)
	other := e.token("abe", "social_worker", "tab-b", inc)
	var held []*sseClient
	for range perDevice {
		s := openStream(t, e.url, flood, nil)
		s.comment("continuity change stream")
		held = append(held, s)
	}
	t.Run("the device's next stream is refused", func(t *testing.T) {
		resp, cancel, err := connectStream(e.url, flood, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cancel()
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("stream %d of one device: %d, Retry-After %q", perDevice+1, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		var env syncproto.ErrorEnvelope
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Error == nil || env.Error.Code != syncproto.CodeRateLimited {
			t.Fatalf("body: %+v %v", env, err)
		}
	})
	t.Run("another device still connects", func(t *testing.T) {
		openStream(t, e.url, other, nil).comment("continuity change stream")
	})
	t.Run("a closed stream frees the device's place", func(t *testing.T) {
		held[0].close()
		deadline := time.Now().Add(patience)
		// The other device's stream closed with its subtest.
		for e.srv.OpenStreams() != perDevice-1 {
			if time.Now().After(deadline) {
				t.Fatalf("%d streams open, want %d", e.srv.OpenStreams(), perDevice-1)
			}
			time.Sleep(20 * time.Millisecond)
		}
		openStream(t, e.url, flood, nil).comment("continuity change stream")
	})
}

// TestServer_StreamReplicas: two servers on one PostgreSQL database; a push
// committed through one pokes a device streaming from the other.
func TestServer_StreamReplicas(t *testing.T) {
	dsn := pgtest.FreshDSN(t)
	dir := t.TempDir()
	keys, err := auth.LoadKeys(dir, t0)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: t0}
	urls := make([]string, 2)
	stores := make([]*postgres.Store, 2)
	// Replicas share the cursor key (from the signing keys), as they must.
	codec, err := care.NewCursorCodec(keys.CursorKeys()...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range urls {
		store, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		stores[i] = store
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		syn := care.NewSync(store, domain.Registry(domain.Options{}), clk.Now, "server", log)
		syn.Cursors = codec
		svc := auth.NewService(store, auth.NewTokens(keys, clk.Now), clk.Now)
		srv := api.New(api.Config{Store: store, Access: store, Sync: syn, Auth: svc, Logger: log, RateLimit: 100000, Now: clk.Now})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(ln)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				t.Error(err)
			}
			store.Close()
		})
		urls[i] = "http://" + ln.Addr().String()
	}
	inc := uuid.NewString()
	e := &env{t: t, url: urls[0], store: stores[0], auth: auth.NewService(stores[0], auth.NewTokens(keys, clk.Now), clk.Now), clock: clk}
	amy := e.token("amy", "social_worker", "tab-a", inc)
	abe := e.token("abe", "social_worker", "tab-a2", inc)
	s := openStream(t, urls[1], amy, nil)
	s.comment("continuity change stream")
	w := newWriter("tab-a2", clk.Now)
	for i := 0; i < 3; i++ {
		resp := e.push(abe, w.upsert("residents", uuid.NewString(), resident(inc)))
		applied(t, resp)
		if got, want := cursorEvent(t, codec, s.next()), positionOf(t, codec, resp.Cursor); got != want {
			t.Fatalf("replica 2's stream: event at %d, want replica 1's commit at %d", got, want)
		}
	}
	// Access changes cross replicas too: revoking through replica 1 ends
	// the stream on replica 2 at once.
	if err := stores[0].RevokeDevice(context.Background(), "tab-a", clk.Now()); err != nil {
		t.Fatal(err)
	}
	errorEvent(t, s.next(), api.EventRevoked)
	s.ended()
}
