package deploy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/deploy/nginxtest"
	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/web/browsertest"
	"github.com/google/uuid"
)

// streamCounter counts the change streams open through the front.
type streamCounter struct{ open, most atomic.Int64 }

func (s *streamCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/sync/stream" {
			n := s.open.Add(1)
			for m := s.most.Load(); n > m && !s.most.CompareAndSwap(m, n); m = s.most.Load() {
			}
			defer s.open.Add(-1)
		}
		next.ServeHTTP(w, r)
	})
}

// startBehindNginx starts the server (with the SDK's pages at /sdk/) and the
// documented nginx in front of it.
func startBehindNginx(t *testing.T, o nginxtest.Options) (*browsertest.Server, *nginxtest.Proxy, *streamCounter) {
	t.Helper()
	streams := &streamCounter{}
	root := nginxtest.RepoRoot()
	srv := browsertest.StartServer(t, browsertest.ServerOptions{
		Files: map[string]fs.FS{"/sdk/": os.DirFS(filepath.Join(root, "client-sdk", "js"))},
		Front: streams.wrap,
		Config: func(c *api.Config) {
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		},
	})
	o.Upstream = strings.TrimPrefix(srv.URL, "http://")
	return srv, nginxtest.Start(t, o), streams
}

// nonASCIINotes is about n bytes of Welsh and Punjabi text in UTF-8 (more
// bytes than UTF-16 units: the old SDK's count).
func nonASCIINotes(n int) string {
	const phrase = "Mae Siân yn hoffi te â llaeth; ŵyr Llŷr. ਉਹ ਚਾਹ ਪੀਣਾ ਪਸੰਦ ਕਰਦੀ ਹੈ। "
	return strings.Repeat(phrase, n/len(phrase))
}

// writeResidents writes residents whose notes total about total bytes, and
// returns their ids.
func writeResidents(t *testing.T, ctx context.Context, incident string, total int) ([]string, string) {
	t.Helper()
	notes := nonASCIINotes(15000)
	var ids []string
	for size := 0; size < total; size += len(notes) {
		ids = append(ids, uuid.NewString())
	}
	browsertest.Eval[bool](t, ctx, fmt.Sprintf(`(async () => {
		for (const id of %s) await client.put('residents', id, {incident_id: %q, given_name: 'Siân', family_name: 'Llŷr', notes: %q});
		return true;
	})()`, jsonList(ids), incident, notes))
	return ids, notes
}

func jsonList(ids []string) string {
	return `["` + strings.Join(ids, `","`) + `"]`
}

// checkOnServer asks the server for every resident and its notes.
func checkOnServer(t *testing.T, srv *browsertest.Server, ids []string, notes string) {
	t.Helper()
	for _, id := range ids {
		r, err := srv.Store.Record(context.Background(), "residents", id)
		if err != nil {
			t.Fatal(err)
		}
		if r == nil {
			t.Fatalf("resident %s is not on the server", id)
		}
		var got string
		if err := json.Unmarshal(r.Object()["notes"], &got); err != nil || got != notes {
			t.Fatalf("resident %s notes on the server differ (%v): %.80s…", id, err, got)
		}
	}
}

// TestNginx_DocumentedConfig runs Debian's nginx with deploy/nginx as
// documented in front of the server: the JavaScript SDK in Chromium pushes a
// 3 MiB batch of Welsh and Punjabi notes through it (every change reaches
// the server), eight tabs of one device all load and share one change
// stream, HSTS is sent once, plain HTTP redirects, HTTP/2 is spoken and
// /metrics is not published.
func TestNginx_DocumentedConfig(t *testing.T) {
	srv, px, streams := startBehindNginx(t, nginxtest.Options{})

	t.Run("HTTP/2, HSTS once, no metrics, plain HTTP redirected", func(t *testing.T) {
		resp, err := px.Client.Get(px.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
			t.Fatalf("/healthz through nginx: %d over %s", resp.StatusCode, resp.Proto)
		}
		if h := resp.Header.Values("Strict-Transport-Security"); len(h) != 1 || h[0] != "max-age=31536000" {
			t.Fatalf("Strict-Transport-Security %q, want one max-age=31536000", h)
		}
		resp, err = px.Client.Get(px.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(b), "go_goroutines") {
			t.Fatalf("/metrics through nginx: %d %.200s", resp.StatusCode, b)
		}
		resp, err = px.Client.Get(px.PlainURL + "/app/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(loc, "https://") {
			t.Fatalf("plain HTTP: %d Location %q, want 301 to https", resp.StatusCode, loc)
		}
	})

	b := browsertest.NewWith(t, browsertest.Options{IgnoreCertificateErrors: true})
	ctx := b.Tab()
	open := func(ctx context.Context) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(px.URL+"/sdk/test/e2e.html")); err != nil {
			t.Fatal(err)
		}
		browsertest.WaitFor(t, ctx, "the end-to-end page", `document.getElementById('state').textContent === 'ready'`)
		browsertest.Eval[bool](t, ctx, `openClient('behind-nginx', {pushBatchSize: 1000})`)
	}
	open(ctx)
	code := srv.EnrolmentCode(t, "alice", "social_worker", "Tablet behind nginx", srv.Incident)
	browsertest.Eval[bool](t, ctx, fmt.Sprintf(`client.enrol(%q).then(() => client.enrolled)`, code.Code))

	t.Run("a 3 MiB batch of non-ASCII text is accepted", func(t *testing.T) {
		ids, notes := writeResidents(t, ctx, srv.Incident, 3<<20)
		rep := browsertest.Eval[map[string]any](t, ctx, `client.sync().then(r => r, e => ({error: e.message}))`)
		if rep["error"] != nil {
			t.Fatalf("sync through nginx: %v", rep["error"])
		}
		checkOnServer(t, srv, ids, notes)
		if p := browsertest.Eval[float64](t, ctx, `client.status().pending`); p != 0 {
			t.Fatalf("%v changes still waiting to send", p)
		}
	})

	t.Run("eight tabs of one device load and share one stream", func(t *testing.T) {
		tabs := []context.Context{ctx}
		for range 7 {
			tabs = append(tabs, b.NewTab(t))
		}
		for i, tab := range tabs {
			if i > 0 {
				open(tab)
			}
			browsertest.Eval[bool](t, tab, `(client.start(), true)`)
		}
		for i, tab := range tabs {
			browsertest.WaitFor(t, tab, fmt.Sprintf("tab %d streaming", i+1), `client.status().streaming`)
			if rep := browsertest.Eval[map[string]any](t, tab, `client.sync().then(r => r, e => ({error: e.message}))`); rep["error"] != nil {
				t.Fatalf("tab %d: sync: %v", i+1, rep["error"])
			}
		}
		if n := streams.open.Load(); n != 1 {
			t.Fatalf("%d change streams open for one device's 8 tabs, want 1", n)
		}
	})
}

// TestNginx_SmallerProxyLimitSplitsBatches: behind an nginx left at its
// default body limit (1 MB, smaller than the server's 4 MiB), the SDK's
// first push is refused with nginx's HTML 413; it halves its batches until
// they pass, and every change reaches the server.
func TestNginx_SmallerProxyLimitSplitsBatches(t *testing.T) {
	srv, px, _ := startBehindNginx(t, nginxtest.Options{BodyLimit: "1m"})
	b := browsertest.NewWith(t, browsertest.Options{IgnoreCertificateErrors: true})
	ctx := b.Tab()
	if err := chromedp.Do(ctx, chromedp.Navigate(px.URL+"/sdk/test/e2e.html")); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, ctx, "the end-to-end page", `document.getElementById('state').textContent === 'ready'`)
	// The proxy's limit counts the body as sent: compressed, this text
	// would pass. Plain bodies (an older server, or compression off) are
	// where a proxy's limit bites, so the SDK's splitting is tested there.
	browsertest.Eval[bool](t, ctx, `openClient('small-proxy', {pushBatchSize: 1000, plainRequests: true})`)
	code := srv.EnrolmentCode(t, "bea", "social_worker", "Tablet small proxy", srv.Incident)
	browsertest.Eval[bool](t, ctx, fmt.Sprintf(`client.enrol(%q).then(() => client.enrolled)`, code.Code))
	ids, notes := writeResidents(t, ctx, srv.Incident, 3<<20)
	rep := browsertest.Eval[map[string]any](t, ctx, `client.sync().then(r => r, e => ({error: e.message}))`)
	if rep["error"] != nil {
		t.Fatalf("sync through nginx with a 1m limit: %v", rep["error"])
	}
	checkOnServer(t, srv, ids, notes)

	t.Run("one change over the proxy's limit: a reason a person can act on", func(t *testing.T) {
		// 20,000 Gurmukhi characters are 60,000 bytes: under a 16 KiB proxy
		// limit no split helps.
		px := nginxtest.Start(t, nginxtest.Options{Upstream: strings.TrimPrefix(srv.URL, "http://"), BodyLimit: "16k"})
		tab := b.NewTab(t)
		if err := chromedp.Do(tab, chromedp.Navigate(px.URL+"/sdk/test/e2e.html")); err != nil {
			t.Fatal(err)
		}
		browsertest.WaitFor(t, tab, "the end-to-end page", `document.getElementById('state').textContent === 'ready'`)
		browsertest.Eval[bool](t, tab, `openClient('tiny-proxy', {plainRequests: true})`)
		code := srv.EnrolmentCode(t, "cai", "social_worker", "Tablet tiny proxy", srv.Incident)
		browsertest.Eval[bool](t, tab, fmt.Sprintf(`client.enrol(%q).then(() => client.enrolled)`, code.Code))
		browsertest.Eval[string](t, tab, fmt.Sprintf(`client.put('residents', %q, {incident_id: %q, given_name: 'Siân', family_name: 'Llŷr', notes: %q})`,
			uuid.NewString(), srv.Incident, strings.Repeat("ਚ", 20000)))
		msg := browsertest.Eval[string](t, tab, `client.sync().then(() => 'synced', e => e.message)`)
		for _, want := range []string{"413", "too large", "client_max_body_size"} {
			if !strings.Contains(msg, want) {
				t.Fatalf("the reason %q does not say %q", msg, want)
			}
		}
		if strings.Contains(msg, "<html") {
			t.Fatalf("the reason is nginx's page: %q", msg)
		}
		if status := browsertest.Eval[string](t, tab, `client.status().error`); status != msg {
			t.Fatalf("status line error %q, want %q", status, msg)
		}
	})
}
