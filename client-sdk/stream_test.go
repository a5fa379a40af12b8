package continuity

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// waitFor polls cond until it holds, failing after a generous deadline (the
// machine is shared; nothing here is a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func streaming(c *Client) bool {
	s, err := c.Status()
	return err == nil && s.Streaming
}

func hasRecord(c *Client, collection, id string) bool {
	r, err := c.Get(collection, id)
	return err == nil && r != nil
}

// TestClient_StartAutoSyncStream: with auto-sync on, a device holds the
// server's change stream and receives another device's changes without
// polling (its interval is an hour).
func TestClient_StartAutoSyncStream(t *testing.T) {
	srv := realServer(t)
	incident, sfx := newID(), short()
	scope := "incident:" + incident
	a := srv.device(t, "sam-"+sfx, "social_worker", "tab-s-"+sfx, nil, scope)
	b := srv.device(t, "tom-"+sfx, "social_worker", "tab-t-"+sfx, nil, scope)
	mustSync(t, b)
	b.StartAutoSync(3600)
	defer b.StopAutoSync()
	waitFor(t, "the change stream", func() bool { return streaming(b) })
	// The first round may be met by the sync the stream's connection
	// starts; the later ones only by the stream's events.
	for i := 0; i < 3; i++ {
		id := mustResident(t, a, incident, "Resident", fmt.Sprintf("Number %d", i))
		mustSync(t, a)
		waitFor(t, fmt.Sprintf("resident %d to reach the other device", i), func() bool { return hasRecord(b, "residents", id) })
	}
	if !streaming(b) {
		t.Fatal("the stream dropped")
	}
}

// TestClient_StreamTokenExpired: token_expired makes the client refresh its
// token and connect again; cursor events then make it pull. A server with no
// stream leaves it polling.
func TestClient_StreamTokenExpired(t *testing.T) {
	t.Run("refresh and reconnect", func(t *testing.T) {
		src := &scriptedTokens{tokens: []string{"t0", "t1"}}
		fx := newSyncFixture(t, func(c *Config) { c.TokenSource = src })
		fx.f.allow("t0", "tab-1")
		fx.f.allow("t1", "tab-1")
		connects := make(chan string, 10)
		poke := make(chan struct{})
		stream := func(w http.ResponseWriter, r *http.Request) {
			tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			connects <- tok
			w.Header().Set("Content-Type", "text/event-stream")
			fl := w.(http.Flusher)
			if tok == "t0" {
				fmt.Fprint(w, ": hello\n\nevent: token_expired\ndata: {\"error\":{\"code\":\"unauthorized\",\"message\":\"expired\"}}\n\n")
				fl.Flush()
				return
			}
			fmt.Fprint(w, ": hello\n\n")
			fl.Flush()
			for {
				select {
				case <-r.Context().Done():
					return
				case <-poke:
					fmt.Fprint(w, "event: cursor\ndata: {\"cursor\":\"x\"}\n\n")
					fl.Flush()
				}
			}
		}
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/sync/stream" {
				stream(w, r)
				return
			}
			fx.f.serve(w, r)
		}))
		defer hs.Close()
		fx.c.mu.Lock()
		fx.c.serverURL = hs.URL
		fx.c.mu.Unlock()
		fx.c.StartAutoSync(3600)
		defer fx.c.StopAutoSync()
		for _, want := range []string{"t0", "t1"} {
			select {
			case got := <-connects:
				if got != want {
					t.Fatalf("stream connected with %s, want %s", got, want)
				}
			case <-time.After(60 * time.Second):
				t.Fatalf("no stream connection with %s", want)
			}
		}
		waitFor(t, "the change stream", func() bool { return streaming(fx.c) })
		for i := 0; i < 3; i++ {
			id := newID()
			fx.f.mu.Lock()
			fx.f.log = append(fx.f.log, remoteChange("residents", id, time.Now(), map[string]any{
				"incident_id": newID(), "given_name": "Ann", "family_name": fmt.Sprint(i)}))
			fx.f.mu.Unlock()
			poke <- struct{}{}
			waitFor(t, "the poked pull", func() bool { return hasRecord(fx.c, "residents", id) })
		}
	})

	t.Run("no stream: polling, not streaming", func(t *testing.T) {
		fx := newSyncFixture(t, nil)
		fx.c.sleepFn = func(ctx context.Context, d time.Duration) error { return sleepCtx(ctx, 10*time.Millisecond) }
		mustResident(t, fx.c, newID(), "A", "B")
		fx.c.StartAutoSync(5)
		defer fx.c.StopAutoSync()
		waitFor(t, "the push", func() bool { n, _ := fx.c.PendingCount(); return n == 0 })
		if streaming(fx.c) {
			t.Fatal("streaming against a server with no stream")
		}
		fx.f.mu.Lock()
		defer fx.f.mu.Unlock()
		if !strings.Contains(strings.Join(fx.f.requests, ","), "GET /v1/sync/stream") {
			t.Fatalf("the client never tried the stream: %v", fx.f.requests)
		}
	})
}
