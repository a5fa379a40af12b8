package browsertest_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/web/browsertest"
)

// page is a small accessible page that keeps a counter in IndexedDB.
var page = fstest.MapFS{
	"index.html": {Data: []byte(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Harness check</title>
<script type="module" src="page.js"></script></head>
<body><main><h1>Harness check</h1><p id="out">loading</p></main></body></html>`)},
	"page.js": {Data: []byte(`
const open = () => new Promise((resolve, reject) => {
  const r = indexedDB.open('harness', 1);
  r.onupgradeneeded = () => r.result.createObjectStore('kv');
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error);
});
window.bump = async () => {
  const db = await open();
  const n = await new Promise((resolve) => { const g = db.transaction('kv').objectStore('kv').get('n'); g.onsuccess = () => resolve(g.result ?? 0); });
  await new Promise((resolve) => { const tx = db.transaction('kv', 'readwrite'); tx.objectStore('kv').put(n + 1, 'n'); tx.oncomplete = resolve; });
  db.close();
  return n + 1;
};
document.getElementById('out').textContent = 'ready';
`)},
	"bad.html": {Data: []byte(`<!doctype html><html><head><title>x</title></head><body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text"></body></html>`)},
}

func TestBrowser_Harness(t *testing.T) {
	srv := browsertest.StartServer(t, browsertest.ServerOptions{Files: map[string]fs.FS{"/h/": page}})
	b := browsertest.New(t)
	ctx := b.Tab()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/h/index.html")); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, ctx, "the page script", `document.getElementById('out').textContent === 'ready'`)

	t.Run("api reachable through the front", func(t *testing.T) {
		got := browsertest.Eval[int](t, ctx, `fetch('/healthz').then(r => r.status)`)
		if got != 200 {
			t.Fatalf("GET /healthz = %d", got)
		}
	})
	t.Run("offline and back", func(t *testing.T) {
		browsertest.SetOffline(t, ctx, srv, true)
		if browsertest.Eval[bool](t, ctx, `navigator.onLine`) {
			t.Error("navigator.onLine is true while offline")
		}
		failed := browsertest.Eval[bool](t, ctx, `fetch('/healthz').then(() => false, () => true)`)
		if !failed {
			t.Error("a fetch succeeded while offline")
		}
		browsertest.SetOffline(t, ctx, srv, false)
		if got := browsertest.Eval[int](t, ctx, `fetch('/healthz').then(r => r.status)`); got != 200 {
			t.Errorf("GET /healthz after coming back = %d", got)
		}
	})
	t.Run("IndexedDB survives reload and restart", func(t *testing.T) {
		if n := browsertest.Eval[int](t, ctx, `bump()`); n != 1 {
			t.Fatalf("first bump = %d", n)
		}
		browsertest.Reload(t, ctx)
		browsertest.WaitFor(t, ctx, "the page after reload", `document.getElementById('out').textContent === 'ready'`)
		if n := browsertest.Eval[int](t, ctx, `bump()`); n != 2 {
			t.Fatalf("bump after reload = %d", n)
		}
		ctx = b.Restart(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/h/index.html")); err != nil {
			t.Fatal(err)
		}
		browsertest.WaitFor(t, ctx, "the page after restart", `document.getElementById('out').textContent === 'ready'`)
		if n := browsertest.Eval[int](t, ctx, `bump()`); n != 3 {
			t.Fatalf("bump after restart = %d", n)
		}
	})
	t.Run("axe passes a clean page", func(t *testing.T) {
		if vs := browsertest.RunAxe(t, ctx); len(vs) != 0 {
			t.Logf("violations: %+v", vs)
		}
	})
	t.Run("axe finds violations", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/h/bad.html")); err != nil {
			t.Fatal(err)
		}
		vs, err := browsertest.Axe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]string{}
		for _, v := range vs {
			ids[v.ID] = v.Impact
		}
		// An image with no alt text and an input with no label are critical.
		if ids["image-alt"] != "critical" || ids["label"] != "critical" {
			t.Errorf("axe violations = %v, want image-alt and label (critical)", ids)
		}
	})
	t.Run("screenshot", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "shot", "page.png")
		browsertest.Screenshot(t, ctx, path, 390, 844)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 8 || string(b[1:4]) != "PNG" {
			t.Errorf("screenshot is not a PNG (%d bytes)", len(b))
		}
	})
}
