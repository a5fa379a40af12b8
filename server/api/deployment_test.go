package api_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/syncproto"
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
