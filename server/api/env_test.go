package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/postgres"
	"github.com/continuity-care/continuity/server/postgres/pgtest"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/google/uuid"
)

// clock is an injected, settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a real server on loopback over a real SQLite file.
type env struct {
	t     *testing.T
	url   string
	store testStore
	auth  *auth.Service
	clock *clock
	logs  *syncBuffer
	keys  *auth.KeySet
	sync  *care.Sync
	srv   *api.Server
	// metricsURL is the metrics listener (serve's --metrics-addr).
	metricsURL string
}

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, tweak ...func(*api.Config)) *env {
	t.Helper()
	dir := t.TempDir()
	return newEnvOn(t, dir, openTestStore(t, filepath.Join(dir, "continuity.db")), tweak...)
}

// newEnvOn is newEnv over a given store, keeping its keys in dir.
func newEnvOn(t *testing.T, dir string, store testStore, tweak ...func(*api.Config)) *env {
	t.Helper()
	clk := &clock{t: t0}
	keys, err := auth.LoadKeys(dir, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	reg := domain.Registry(domain.Options{})
	syn := care.NewSync(store, reg, clk.Now, "server", log)
	if syn.Cursors, err = care.NewCursorCodec(keys.CursorKeys()...); err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(store, auth.NewTokens(keys, clk.Now), clk.Now)
	cfg := api.Config{Store: store, Access: store, Sync: syn, Auth: svc, Logger: log, RateLimit: 100000, EnrolFailures: 100000, Now: clk.Now}
	for _, f := range tweak {
		f(&cfg)
	}
	srv := api.New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	metrics := httptest.NewServer(srv.Metrics())
	t.Cleanup(func() {
		metrics.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		store.Close()
	})
	return &env{t: t, url: "http://" + ln.Addr().String(), store: store, auth: svc, clock: clk, logs: logs, keys: keys, sync: syn, srv: srv, metricsURL: metrics.URL}
}

// token registers a user and device (as an admin would) and returns an access
// token for them.
func (e *env) token(sub, role, device string, incidents ...string) string {
	e.t.Helper()
	return e.tokenFor(time.Hour, sub, role, device, incidents...)
}

// tokenFor registers a user and device with grants to incidents, and returns
// an access token that lasts ttl.
func (e *env) tokenFor(ttl time.Duration, sub, role, device string, incidents ...string) string {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.auth.AddUser(ctx, sub, role, ""); err != nil {
		e.t.Fatal(err)
	}
	if err := e.auth.EnsureDevice(ctx, sub, device); err != nil {
		e.t.Fatal(err)
	}
	for _, inc := range incidents {
		if err := e.store.GrantScope(ctx, care.Grant{Subject: sub, IncidentID: inc, GrantedAt: e.clock.Now(), GrantedBy: "test"}); err != nil {
			e.t.Fatal(err)
		}
	}
	tok, err := e.auth.Tokens().Issue(care.Principal{Subject: sub, Role: role, DeviceID: device}, ttl)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// response is a decoded HTTP response.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// errorBody returns the error envelope of a response, failing if it has none.
func (r response) errorBody(t *testing.T) syncproto.Error {
	t.Helper()
	var env syncproto.ErrorEnvelope
	if err := json.Unmarshal(r.Body, &env); err != nil || env.Error == nil {
		t.Fatalf("status %d: body is not an error envelope: %s", r.Status, r.Body)
	}
	return *env.Error
}

// do sends a request and returns the response, which must match
// openapi.json (checkResponse).
func (e *env) do(method, path, token string, body any) response {
	e.t.Helper()
	return e.doWith(method, path, token, body, nil)
}

// doWith is do with extra headers (each value its own header line). A body
// of []byte or string is sent as it is, anything else as JSON.
func (e *env) doWith(method, path, token string, body any, header http.Header) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	base := e.url
	if path == "/metrics" {
		base = e.metricsURL // the metrics listener, as serve has it
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if base == e.url { // the metrics listener is not the API openapi.json describes
		checkResponse(e.t, req, resp.StatusCode, resp.Header, b)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// push sends changes and returns the decoded 200 response.
func (e *env) push(token string, changes ...map[string]any) syncproto.PushResponse {
	e.t.Helper()
	r := e.do("POST", "/v1/sync/push", token, map[string]any{"changes": changes})
	if r.Status != 200 {
		e.t.Fatalf("push: status %d: %s", r.Status, r.Body)
	}
	var out syncproto.PushResponse
	r.decode(e.t, &out)
	if len(out.Results) != len(changes) {
		e.t.Fatalf("push: %d results for %d changes", len(out.Results), len(changes))
	}
	return out
}

// pullAll pulls from cursor until has_more is false.
func (e *env) pullAll(token, cursor string, limit int) ([]syncproto.Change, string, []string) {
	e.t.Helper()
	var all []syncproto.Change
	var purge []string
	for i := 0; ; i++ {
		if i > 10000 {
			e.t.Fatal("pull did not finish")
		}
		path := fmt.Sprintf("/v1/sync/pull?limit=%d", limit)
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := e.do("GET", path, token, nil)
		if r.Status != 200 {
			e.t.Fatalf("pull: status %d: %s", r.Status, r.Body)
		}
		var p syncproto.PullResponse
		r.decode(e.t, &p)
		all = append(all, p.Changes...)
		purge = append(purge, p.Purge...)
		cursor = p.Cursor
		if !p.HasMore {
			return all, cursor, purge
		}
	}
}

// writer makes changes for one device with its own HLC clock.
type writer struct {
	clock *syncproto.Clock
}

func newWriter(device string, now func() time.Time) *writer {
	return &writer{clock: syncproto.NewClock(device, now)}
}

func (w *writer) upsert(collection, record string, fields map[string]any) map[string]any {
	return map[string]any{
		"id": uuid.NewString(), "collection": collection, "record_id": record, "op": "upsert",
		"fields": fields, "hlc": w.clock.Now().String(), "recorded_at": "2026-11-23T09:59:00Z",
	}
}

func (w *writer) del(collection, record string) map[string]any {
	return map[string]any{
		"id": uuid.NewString(), "collection": collection, "record_id": record, "op": "delete",
		"hlc": w.clock.Now().String(), "recorded_at": "2026-11-23T09:59:00Z",
	}
}

func resident(incident string) map[string]any {
	return map[string]any{"incident_id": incident, "given_name": "Edith", "family_name": "Barlow", "nhs_number": "9434765919", "date_of_birth": "1938-04-02"}
}

func statusesOf(r syncproto.PushResponse) string {
	var s []string
	for _, x := range r.Results {
		st := x.Status
		if x.Error != nil {
			st += ":" + x.Error.Code + "@" + x.Error.Field
		}
		s = append(s, st)
	}
	return strings.Join(s, ",")
}

type apiConfig = api.Config

func grant(sub, inc string, at time.Time) care.Grant {
	return care.Grant{Subject: sub, IncidentID: inc, GrantedAt: at, GrantedBy: "test"}
}

func (e *env) doRaw(method, path, authz string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", authz)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	checkResponse(e.t, req, resp.StatusCode, resp.Header, b)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// testStore is what the tests need of a store.
type testStore interface {
	care.Store
	care.AccessStore
}

// openTestStore opens the store the tests run against: SQLite on a file, or
// with CONTINUITY_TEST_STORE=postgres a fresh schema on the PostgreSQL named
// by CONTINUITY_TEST_POSTGRES (.ci/run runs this package both ways).
func openTestStore(t *testing.T, path string) testStore {
	t.Helper()
	if os.Getenv("CONTINUITY_TEST_STORE") == "postgres" {
		s, err := postgres.Open(context.Background(), pgtest.FreshDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
