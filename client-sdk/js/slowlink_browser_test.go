package jssdk_test

import (
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/internal/slowlink"
	"github.com/continuity-care/continuity/server/web/browsertest"
)

// TestClient_PullResumesAfterMidPageDrop: the JavaScript SDK in Chromium
// syncs the demo incident at 50 changes a page across an emulated 3G link
// (slowlink), once whole and once with the connection cut 1,000 bytes into
// the third pull answer. The cut sync asks for exactly one page again (the
// cut one), and ends with every change and record the whole one brought.
func TestClient_PullResumesAfterMidPageDrop(t *testing.T) {
	var cutter atomic.Pointer[slowlink.PullCutter]
	cutter.Store(&slowlink.PullCutter{})
	srv := browsertest.StartServer(t, browsertest.ServerOptions{
		Files: map[string]fs.FS{
			"/sdk/":     os.DirFS("."),
			"/vectors/": os.DirFS(filepath.Join("..", "..", "testdata", "vectors")),
		},
		Front: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { cutter.Load().Wrap(next).ServeHTTP(w, r) })
		},
	})
	base, _ := srv.Link(t, slowlink.Regular3G)
	b := browsertest.NewWith(t, browsertest.Options{SecureOrigins: []string{base}})
	ctx := b.Tab()

	type result struct {
		Pulled  int `json:"pulled"`
		Records int `json:"records"`
	}
	sync := func(db string, cut *slowlink.PullCutter) result {
		t.Helper()
		cutter.Store(cut)
		// The page comes across the link, so the SDK talks to the server there.
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/sdk/test/e2e.html")); err != nil {
			t.Fatal(err)
		}
		browsertest.WaitFor(t, ctx, "the end-to-end page", `document.getElementById('state').textContent === 'ready'`)
		code := srv.EnrolmentCode(t, "sw-"+db, "social_worker", "Tablet "+db, srv.Incident)
		browsertest.Eval[any](t, ctx, fmt.Sprintf(`openClient(%q, {pullLimit: 50, maxRetries: 10, retryBaseMs: 200}).then(() => client.enrol(%q)).then(() => null)`, db, code.Code))
		return browsertest.Eval[result](t, ctx, fmt.Sprintf(`client.sync().then(rep => new Promise((res, rej) => {
			const q = indexedDB.open(%q);
			q.onerror = () => rej(q.error);
			q.onsuccess = () => { const n = q.result.transaction('base').objectStore('base').count(); n.onsuccess = () => { q.result.close(); res({pulled: rep.pulled, records: n.result}); }; };
		}))`, db))
	}

	whole := &slowlink.PullCutter{}
	want := sync("whole", whole)
	if want.Pulled == 0 || want.Records == 0 || whole.Pulls() < 4 {
		t.Fatalf("the whole sync: %+v in %d pages", want, whole.Pulls())
	}
	dropped := &slowlink.PullCutter{Page: 3, After: 1000}
	got := sync("dropped", dropped)
	if !dropped.Cut() {
		t.Fatal("the link was never cut")
	}
	if got != want {
		t.Fatalf("after the link dropped mid-page the sync brought %+v, the whole one %+v", got, want)
	}
	again, most := dropped.Repeats()
	if again != 1 || most != 2 || dropped.Pulls() != whole.Pulls()+1 {
		t.Fatalf("after the drop the SDK asked for %d pages (%d again, one page %d times); without a drop it takes %d", dropped.Pulls(), again, most, whole.Pulls())
	}
	t.Logf("link dropped 1,000 bytes into page 3 of %d: %d pages asked for, %d again; %d changes, %d records", whole.Pulls(), dropped.Pulls(), again, got.Pulled, got.Records)
}
