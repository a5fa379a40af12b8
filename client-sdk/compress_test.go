package continuity

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// encodings records, per request path, the Content-Encoding of the request
// bodies and of the answers that passed through a proxy.
type encodings struct {
	mu       sync.Mutex
	requests map[string][]string
	answers  map[string][]string
}

func (e *encodings) seen(m map[string][]string, path, enc string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m[path] = append(m[path], enc)
}

func (e *encodings) get(m map[string][]string, path string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), m[path]...)
}

// recordingProxy forwards to target, recording encodings.
func recordingProxy(t *testing.T, target string) (string, *encodings) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &encodings{requests: map[string][]string{}, answers: map[string][]string{}}
	p := httputil.NewSingleHostReverseProxy(u)
	p.ModifyResponse = func(r *http.Response) error {
		rec.seen(rec.answers, r.Request.URL.Path, r.Header.Get("Content-Encoding"))
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.seen(rec.requests, r.URL.Path, r.Header.Get("Content-Encoding"))
		p.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, rec
}

func TestClient_CompressedSync(t *testing.T) {
	srv := realServer(t)
	proxy, rec := recordingProxy(t, srv.url)
	incident, sfx := newID(), short()
	scope := "incident:" + incident
	a, _ := openClient(t, nil)
	if err := a.EnrolWithAccessToken(proxy, srv.token(t, "ann-"+sfx, "social_worker", "tab-a-"+sfx, scope)); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		mustResident(t, a, incident, "Edith", "Barlow"+string(rune('a'+i%26)))
	}
	mustSync(t, a)
	b, _ := openClient(t, nil)
	if err := b.EnrolWithAccessToken(proxy, srv.token(t, "ben-"+sfx, "social_worker", "tab-b-"+sfx, scope)); err != nil {
		t.Fatal(err)
	}
	mustSync(t, b)
	if got := incidentRecords(viewRecords(t, b, "records"), incident, nil); len(got) != 30 {
		t.Fatalf("the second device holds %d residents, want 30", len(got))
	}
	if pushes := rec.get(rec.requests, "/v1/sync/push"); len(pushes) == 0 || pushes[0] != "gzip" {
		t.Fatalf("push bodies were sent with Content-Encoding %q, want gzip", pushes)
	}
	pulls := rec.get(rec.answers, "/v1/sync/pull")
	if len(pulls) == 0 || pulls[0] == "" {
		t.Fatalf("pull answers came with Content-Encoding %q, want a compressed first page", pulls)
	}
}

func TestClient_PlainBodiesForAnOlderServer(t *testing.T) {
	f := newFakeServer(t)
	var mu sync.Mutex
	var seen []string
	// A server from before compressed requests refuses them as the
	// server did then: 415 naming Content-Encoding.
	older := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enc := r.Header.Get("Content-Encoding")
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+enc)
		mu.Unlock()
		if enc != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnsupportedMediaType)
			_, _ = w.Write([]byte(`{"error":{"code":"unsupported_media_type","message":"send the body uncompressed","field":"Content-Encoding"}}`))
			return
		}
		f.serve(w, r)
	}))
	t.Cleanup(older.Close)
	c, _ := openClient(t, nil)
	enrolFake(t, c, older.URL, "tab-1", "social_worker")
	f.allow(fakeJWT("tab-1", "social_worker"), "tab-1")
	incident := newID()
	for i := range 20 {
		mustResident(t, c, incident, "Edith", "Barlow"+string(rune('a'+i)))
	}
	mustSync(t, c)
	mustResident(t, c, incident, "Margaret", "Hale")
	for i := range 20 {
		mustResident(t, c, incident, "Ada", "Hale"+string(rune('a'+i)))
	}
	mustSync(t, c)
	if got := len(f.log); got != 41 {
		t.Fatalf("the server holds %d changes, want 41", got)
	}
	mu.Lock()
	defer mu.Unlock()
	var pushes []string
	for _, s := range seen {
		if len(s) >= len("/v1/sync/push") && s[:len("/v1/sync/push")] == "/v1/sync/push" {
			pushes = append(pushes, s)
		}
	}
	want := []string{"/v1/sync/push gzip", "/v1/sync/push ", "/v1/sync/push "}
	if len(pushes) != len(want) {
		t.Fatalf("pushes %q, want %q", pushes, want)
	}
	for i := range want {
		if pushes[i] != want[i] {
			t.Fatalf("pushes %q, want %q", pushes, want)
		}
	}
}
