package jssdk_test

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/web/browsertest"
)

// TestClient_OneStreamPerDevice: eight tabs of one device over HTTP/1.1
// (the test server's front speaks nothing else; Chromium allows 6
// connections to a host) all load and sync, and hold one change stream
// between them; when the leading tab closes, another takes the stream over.
func TestClient_OneStreamPerDevice(t *testing.T) {
	var open, opened atomic.Int64
	srv := browsertest.StartServer(t, browsertest.ServerOptions{
		Files: map[string]fs.FS{
			"/sdk/":     os.DirFS("."),
			"/vectors/": os.DirFS(filepath.Join("..", "..", "testdata", "vectors")),
		},
		Front: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v1/sync/stream" {
					open.Add(1)
					opened.Add(1)
					defer open.Add(-1)
				}
				next.ServeHTTP(w, r)
			})
		},
	})
	b := browsertest.New(t)
	first := b.Tab()
	openE2E(t, first, srv, "eight-tabs")
	code := srv.EnrolmentCode(t, "alice", "social_worker", "Tablet eight tabs", srv.Incident)
	browsertest.Eval[bool](t, first, fmt.Sprintf(`client.enrol(%q).then(() => client.enrolled)`, code.Code))
	browsertest.Eval[bool](t, first, `(client.start(), true)`)
	browsertest.WaitFor(t, first, "the first tab's stream", `client.status().streaming`)

	tabs := []context.Context{first}
	for i := 2; i <= 8; i++ {
		tab := b.NewTab(t)
		if enrolled := openE2E(t, tab, srv, "eight-tabs"); !enrolled {
			t.Fatalf("tab %d: the device's database is not enrolled", i)
		}
		browsertest.Eval[bool](t, tab, `(client.start(), true)`)
		tabs = append(tabs, tab)
	}
	for i, tab := range tabs {
		browsertest.WaitFor(t, tab, fmt.Sprintf("tab %d told the stream is up", i+1), `client.status().streaming`)
		if got := browsertest.Eval[string](t, tab, `client.sync().then(() => 'synced', e => e.message)`); got != "synced" {
			t.Fatalf("tab %d: %s", i+1, got)
		}
	}
	if n := open.Load(); n != 1 {
		t.Fatalf("%d change streams open for one device's 8 tabs, want 1", n)
	}

	t.Run("the leader's tab leaves: another takes over", func(t *testing.T) {
		before := opened.Load()
		// Leaving the page ends it, as closing the tab does, and the
		// browser releases its lock.
		if err := chromedp.Do(first, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
		// Wait (not a timed assertion: the bound only stops a hung test)
		// for another tab's stream, and the old one to end.
		for deadline := time.Now().Add(time.Minute); opened.Load() == before || open.Load() != 1; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after the leader left: %d streams opened since, %d open; want one other tab's", opened.Load()-before, open.Load())
			}
		}
		if got := browsertest.Eval[string](t, tabs[7], `client.sync().then(() => 'synced', e => e.message)`); got != "synced" {
			t.Fatalf("tab 8 after the leader closed: %s", got)
		}
	})
}
