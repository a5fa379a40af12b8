package jssdk_test

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/web/browsertest"
)

// TestClient_RefreshOnceAcrossTabs: two tabs of one device find their
// access token expired at the same moment. A refresh token is single use
// (presenting a spent one revokes the device's whole chain), so only one
// tab may spend it: the other waits on the tabs' shared lock and takes the
// pair the first stored. The server holds the first refresh until the
// second tab is either waiting on the lock or has sent its own.
func TestClient_RefreshOnceAcrossTabs(t *testing.T) {
	var refreshes atomic.Int64
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	srv := browsertest.StartServer(t, browsertest.ServerOptions{
		Files: map[string]fs.FS{
			"/sdk/":     os.DirFS("."),
			"/vectors/": os.DirFS(filepath.Join("..", "..", "testdata", "vectors")),
		},
		Front: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost && r.URL.Path == "/v1/auth/token" && refreshes.Add(1) == 1 {
					<-release
				}
				next.ServeHTTP(w, r)
			})
		},
	})
	const db = "two-tabs-refresh"
	b := browsertest.New(t)
	first := b.Tab()
	openE2E(t, first, srv, db)
	code := srv.EnrolmentCode(t, "alice", "social_worker", "Tablet two tabs", srv.Incident)
	if !browsertest.Eval[bool](t, first, fmt.Sprintf(`client.enrol(%q).then(() => client.enrolled)`, code.Code)) {
		t.Fatal("not enrolled")
	}
	device := browsertest.Eval[string](t, first, `client.deviceId`)

	// Both tabs open the device with a clock 20 minutes on: the access
	// token (15 minutes) has expired for both.
	later := func(ctx context.Context) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sdk/test/e2e.html")); err != nil {
			t.Fatal(err)
		}
		browsertest.WaitFor(t, ctx, "the end-to-end page", `document.getElementById('state').textContent === 'ready'`)
		if !browsertest.Eval[bool](t, ctx, fmt.Sprintf(`openClient(%q, {now: () => Date.now() + 20 * 60000})`, db)) {
			t.Fatal("the device is not enrolled in this tab")
		}
	}
	later(first)
	second := b.NewTab(t)
	later(second)

	ask := `(window.asked = client.fetchJSON('/v1/me').then((m) => m.device_id, (e) => 'error ' + e.code), true)`
	browsertest.Eval[bool](t, first, ask)
	wait(t, "the first tab's refresh reaching the server", func() bool { return refreshes.Load() >= 1 })
	browsertest.Eval[bool](t, second, ask)
	wait(t, "the second tab waiting on the lock or refreshing", func() bool {
		return refreshes.Load() >= 2 || browsertest.Eval[bool](t, second,
			`navigator.locks.query().then((s) => (s.pending || []).some((l) => (l.name || '').endsWith(':refresh')))`)
	})
	unblock()
	for i, tab := range []context.Context{first, second} {
		if got := browsertest.Eval[string](t, tab, `window.asked`); got != device {
			t.Errorf("tab %d asked who it is: %s, want %s", i+1, got, device)
		}
	}
	if n := refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes for two tabs of one device, want 1", n)
	}
	// The device is still good in both tabs afterwards.
	for i, tab := range []context.Context{first, second} {
		if got := browsertest.Eval[string](t, tab, `client.fetchJSON('/v1/me').then((m) => m.device_id, (e) => 'error ' + e.code)`); got != device {
			t.Errorf("tab %d after the refresh: %s", i+1, got)
		}
	}
}

// wait polls cond until it holds; the bound only stops a hung test.
func wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
