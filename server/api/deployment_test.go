package api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/postgres"
	"github.com/continuity-care/continuity/server/postgres/pgtest"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/google/uuid"
)

// TestServer_AdvertisesPushLimit: every /v1 answer names the largest push
// body the server accepts, and GET /v1/me says it too, so an SDK sizes its
// batches below it before its first push.
func TestServer_AdvertisesPushLimit(t *testing.T) {
	e := newEnv(t)
	tok := e.token("alice", "social_worker", "tab-1")
	want := strconv.Itoa(syncproto.MaxPushBytes)
	cases := []struct {
		name, method, path string
		body               any
	}{
		{"who am I", "GET", "/v1/me", nil},
		{"a pull", "GET", "/v1/sync/pull", nil},
		{"an empty push", "POST", "/v1/sync/push", map[string]any{"changes": []any{}}},
		{"a push over the limit", "POST", "/v1/sync/push", strings.Repeat("x", syncproto.MaxPushBytes+1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tok, tc.body)
			if got := r.Header.Get(api.HeaderMaxPushBytes); got != want {
				t.Fatalf("%s %s (%d): %s = %q, want %q", tc.method, tc.path, r.Status, api.HeaderMaxPushBytes, got, want)
			}
		})
	}
	t.Run("in /v1/me", func(t *testing.T) {
		var me struct {
			MaxPushBytes int `json:"max_push_bytes"`
		}
		e.do("GET", "/v1/me", tok, nil).decode(t, &me)
		if me.MaxPushBytes != syncproto.MaxPushBytes {
			t.Fatalf("max_push_bytes %d, want %d", me.MaxPushBytes, syncproto.MaxPushBytes)
		}
	})
}

// TestServer_MetricsOnlyOnTheirListener: /metrics is not answered on the
// API's listener (a proxy in front of it would publish it), only by the
// handler serve puts on --metrics-addr.
func TestServer_MetricsOnlyOnTheirListener(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, base string
		status     int
	}{
		{"the API listener", e.url, http.StatusNotFound},
		{"the metrics listener", e.metricsURL, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(tc.base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("GET /metrics: %d, want %d: %.200s", resp.StatusCode, tc.status, b)
			}
			if tc.status == http.StatusOK && !strings.Contains(string(b), "go_goroutines") {
				t.Fatalf("metrics listener answered without metrics: %.200s", b)
			}
		})
	}
}

// cutter forwards TCP connections to a PostgreSQL server until cut, when it
// closes every connection and refuses new ones: the database going away
// under the server, as when it is stopped or the network between fails.
type cutter struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newCutter(t *testing.T, target string) *cutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{ln: ln}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(c.cut)
	return c
}

func (c *cutter) cut() {
	c.ln.Close()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}

// TestServer_DatabaseUnreachable: while the database does not answer, a
// push (and a pull) is answered 503 with Retry-After, which the SDKs retry,
// not 500: on SQLite with the store's connections closed under the server,
// on PostgreSQL with the network to it cut.
func TestServer_DatabaseUnreachable(t *testing.T) {
	cases := []struct {
		name string
		open func(t *testing.T) (testStore, func())
	}{
		{"sqlite, connections closed", func(t *testing.T) (testStore, func()) {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "continuity.db"))
			if err != nil {
				t.Fatal(err)
			}
			return s, func() { s.Close() }
		}},
		{"postgres, network cut", func(t *testing.T) (testStore, func()) {
			u, err := url.Parse(pgtest.FreshDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			c := newCutter(t, u.Host)
			u.Host = c.ln.Addr().String()
			q := u.Query()
			q.Set("connect_timeout", "2")
			u.RawQuery = q.Encode()
			s, err := postgres.Open(context.Background(), u.String())
			if err != nil {
				t.Fatal(err)
			}
			return s, c.cut
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store, cut := tc.open(t)
			e := newEnvOn(t, t.TempDir(), store)
			inc := uuid.NewString()
			tok := e.token("alice", "social_worker", "tab-1", inc)
			w := newWriter("tab-1", e.clock.Now)
			if r := e.do("POST", "/v1/sync/push", tok, map[string]any{"changes": []any{w.upsert("residents", uuid.NewString(), resident(inc))}}); r.Status != 200 {
				t.Fatalf("push before the outage: %d %s", r.Status, r.Body)
			}
			cut()
			for _, call := range []struct{ method, path string }{{"POST", "/v1/sync/push"}, {"GET", "/v1/sync/pull"}} {
				var body any
				if call.method == "POST" {
					body = map[string]any{"changes": []any{w.upsert("residents", uuid.NewString(), resident(inc))}}
				}
				r := e.do(call.method, call.path, tok, body)
				if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
					t.Fatalf("%s %s while the database is down: %d Retry-After %q: %s", call.method, call.path, r.Status, r.Header.Get("Retry-After"), r.Body)
				}
				if got := r.errorBody(t).Code; got != syncproto.CodeUnavailable {
					t.Fatalf("%s %s: code %q, want %q", call.method, call.path, got, syncproto.CodeUnavailable)
				}
			}
		})
	}
}
