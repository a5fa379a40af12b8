package jssdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/web/browsertest"
	"github.com/google/uuid"
)

// startSDKServer starts the real server with the SDK's directory (modules,
// unit tests, end-to-end page) at /sdk/ and the shared vectors at
// /vectors/, on the API's origin.
func startSDKServer(t testing.TB) *browsertest.Server {
	t.Helper()
	return browsertest.StartServer(t, browsertest.ServerOptions{Files: map[string]fs.FS{
		"/sdk/":     os.DirFS("."),
		"/vectors/": os.DirFS(filepath.Join("..", "..", "testdata", "vectors")),
	}})
}

// openE2E opens the end-to-end page and a client on database db.
func openE2E(t *testing.T, ctx context.Context, srv *browsertest.Server, db string) bool {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sdk/test/e2e.html")); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, ctx, "the end-to-end page", `document.getElementById('state').textContent === 'ready'`)
	return browsertest.Eval[bool](t, ctx, fmt.Sprintf(`openClient(%q)`, db))
}

// serverRecord reads a record's current fields from the server's store.
func serverRecord(t *testing.T, srv *browsertest.Server, collection, id string) map[string]json.RawMessage {
	t.Helper()
	r, err := srv.Store.Record(context.Background(), collection, id)
	if err != nil {
		t.Fatal(err)
	}
	if r == nil {
		return nil
	}
	return r.Object()
}

// push sends changes as another device over HTTP.
func push(t *testing.T, srv *browsertest.Server, token string, changes ...map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"changes": changes})
	req, _ := http.NewRequest(http.MethodPost, srv.BackendURL+"/v1/sync/push", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Results []struct {
			Status string `json:"status"`
			Error  any    `json:"error"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("push: %d %v", resp.StatusCode, err)
	}
	for _, r := range out.Results {
		if r.Status != "applied" {
			t.Fatalf("push: %s %v", r.Status, r.Error)
		}
	}
}

// hlcNow is an HLC for now on node.
func hlcNow(node string) string {
	return fmt.Sprintf("%015d-00000-%s", time.Now().UnixMilli(), node)
}

func TestClient_EndToEnd(t *testing.T) {
	srv := startSDKServer(t)
	b := browsertest.New(t)
	ctx := b.Tab()
	inc := srv.Incident
	if openE2E(t, ctx, srv, "e2e") {
		t.Fatal("a new database is already enrolled")
	}
	code := srv.EnrolmentCode(t, "alice", "social_worker", "Tablet JS 1", inc)
	t.Run("a wrong code is refused", func(t *testing.T) {
		got := browsertest.Eval[string](t, ctx, `client.enrol('AAAA-BBBB-CC').then(() => 'enrolled', e => e.status + ' ' + e.code)`)
		if !strings.HasPrefix(got, "401 ") && !strings.HasPrefix(got, "400 ") {
			t.Errorf("enrol with a wrong code: %s", got)
		}
	})
	browsertest.Eval[bool](t, ctx, fmt.Sprintf(`client.enrol(%q).then(() => client.enrolled)`, code.Code))
	deviceID := browsertest.Eval[string](t, ctx, `client.deviceId`)
	if deviceID != code.DeviceID {
		t.Fatalf("device id %q, want %q", deviceID, code.DeviceID)
	}
	t.Run("a code is single use", func(t *testing.T) {
		got := browsertest.Eval[string](t, ctx, fmt.Sprintf(`sdk.Client.open({baseURL: location.origin, dbName: 'other'}).then(c => c.enrol(%q)).then(() => 'enrolled', e => String(e.status))`, code.Code))
		if got == "enrolled" {
			t.Error("a used code enrolled a second device")
		}
	})

	t.Run("first sync brings the demo incident", func(t *testing.T) {
		rep := browsertest.Eval[map[string]int](t, ctx, `client.sync()`)
		if rep["pulled"] == 0 {
			t.Fatalf("sync report %v: nothing pulled", rep)
		}
		n := browsertest.Eval[int](t, ctx, fmt.Sprintf(`client.list('residents', {incident_id: %q}).then(l => l.length)`, inc))
		if n == 0 {
			t.Fatal("no residents after the first sync")
		}
		me := browsertest.Eval[map[string]any](t, ctx, `client.me()`)
		if me["subject"] != "alice" || me["device_id"] != deviceID || me["role"] != "social_worker" {
			t.Errorf("me = %v", me)
		}
		incs, _ := me["incidents"].([]any)
		if len(incs) != 1 || incs[0].(map[string]any)["id"] != inc {
			t.Errorf("me.incidents = %v, want only %s", me["incidents"], inc)
		}
	})

	resident := browsertest.Eval[string](t, ctx, fmt.Sprintf(`client.list('residents', {incident_id: %q}).then(l => l[0].id)`, inc))
	checkID := uuid.NewString()
	check := func(outcome string) string {
		return fmt.Sprintf(`{incident_id: %q, resident_id: %q, visited_at: new Date().toISOString(), outcome: %q, observations: 'Settled, eating well.'}`, inc, resident, outcome)
	}

	t.Run("validation refuses a bad write before it is queued", func(t *testing.T) {
		errs := browsertest.Eval[[]map[string]string](t, ctx, fmt.Sprintf(
			`client.put('safe_and_well_checks', %q, {incident_id: %q, outcome: 'fine'}).then(() => [], e => e.errors)`, uuid.NewString(), inc))
		got := map[string]string{}
		for _, e := range errs {
			got[e["field"]] = e["code"]
		}
		want := map[string]string{"fields.outcome": "invalid_value", "fields.resident_id": "missing_field", "fields.visited_at": "missing_field"}
		for f, c := range want {
			if got[f] != c {
				t.Errorf("errors %v: want %s %s", errs, f, c)
			}
		}
		if p := browsertest.Eval[int](t, ctx, `client.status().pending`); p != 0 {
			t.Errorf("pending = %d after a refused write", p)
		}
	})

	t.Run("offline writes survive reload and browser restart, then reach the server", func(t *testing.T) {
		browsertest.SetOffline(t, ctx, srv, true)
		browsertest.Eval[string](t, ctx, fmt.Sprintf(`client.put('safe_and_well_checks', %q, %s)`, checkID, check("safe_and_well")))
		if err := browsertest.Eval[string](t, ctx, `client.sync().then(() => 'synced', e => e.code)`); err != "offline" {
			t.Errorf("sync while offline: %s, want offline", err)
		}
		// This test page has no service worker to start it offline (the
		// app's tests cover that): load it with the network back. The
		// client does not sync until asked (start() is not called).
		browsertest.SetOffline(t, ctx, srv, false)
		browsertest.Reload(t, ctx)
		openE2E(t, ctx, srv, "e2e")
		if p := browsertest.Eval[int](t, ctx, `client.status().pending`); p != 1 {
			t.Fatalf("pending after reload = %d, want 1", p)
		}
		ctx = b.Restart(t)
		if !openE2E(t, ctx, srv, "e2e") {
			t.Fatal("not enrolled after the browser restarted")
		}
		got := browsertest.Eval[map[string]any](t, ctx, fmt.Sprintf(`client.get('safe_and_well_checks', %q)`, checkID))
		if got["outcome"] != "safe_and_well" {
			t.Fatalf("local record after restart = %v", got)
		}
		if serverRecord(t, srv, "safe_and_well_checks", checkID) != nil {
			t.Fatal("the server has the check while the browser was offline")
		}
		rep := browsertest.Eval[map[string]int](t, ctx, `client.sync()`)
		if rep["applied"] != 1 {
			t.Errorf("sync report %v, want 1 applied", rep)
		}
		if f := serverRecord(t, srv, "safe_and_well_checks", checkID); string(f["outcome"]) != `"safe_and_well"` {
			t.Errorf("server record = %v", f)
		}
		if p := browsertest.Eval[int](t, ctx, `client.status().pending`); p != 0 {
			t.Errorf("pending after sync = %d", p)
		}
	})

	t.Run("another device's edit is pulled", func(t *testing.T) {
		tok := srv.Token(t, "bob", "social_worker", "tab-go-2", inc)
		push(t, srv, tok, map[string]any{
			"id": uuid.NewString(), "collection": "safe_and_well_checks", "record_id": checkID, "op": "upsert",
			"fields": map[string]any{"observations": "Edited on another tablet"}, "hlc": hlcNow("tab-go-2"), "recorded_at": time.Now().UTC().Format(time.RFC3339),
		})
		browsertest.Eval[map[string]int](t, ctx, `client.sync()`)
		got := browsertest.Eval[map[string]any](t, ctx, fmt.Sprintf(`client.get('safe_and_well_checks', %q)`, checkID))
		if got["observations"] != "Edited on another tablet" || got["outcome"] != "safe_and_well" {
			t.Errorf("merged record = %v", got)
		}
	})

	t.Run("a rejected change is kept with the server's reason", func(t *testing.T) {
		other := uuid.NewString() // an incident this device is not granted
		id := uuid.NewString()
		browsertest.Eval[string](t, ctx, fmt.Sprintf(`client.put('residents', %q, {incident_id: %q, given_name: 'Ada', family_name: 'Lovelace'})`, id, other))
		rep := browsertest.Eval[map[string]int](t, ctx, `client.sync()`)
		if rep["rejected"] != 1 {
			t.Fatalf("sync report %v, want 1 rejected", rep)
		}
		rej := browsertest.Eval[[]map[string]any](t, ctx, `client.rejected()`)
		if len(rej) != 1 || rej[0]["code"] != "forbidden_scope" || rej[0]["field"] != "fields.incident_id" || fmt.Sprint(rej[0]["message"]) == "" {
			t.Fatalf("rejected = %v", rej)
		}
		if got := browsertest.Eval[bool](t, ctx, fmt.Sprintf(`client.get('residents', %q).then(r => r === undefined)`, id)); !got {
			t.Error("a rejected record is still in the local view")
		}
		st := browsertest.Eval[map[string]any](t, ctx, `client.status()`)
		if st["rejected"] != float64(1) {
			t.Errorf("status = %v", st)
		}
		changeID := rej[0]["change"].(map[string]any)["id"].(string)
		browsertest.Eval[bool](t, ctx, fmt.Sprintf(`client.discardRejected(%q).then(() => true)`, changeID))
		if n := browsertest.Eval[int](t, ctx, `client.rejected().then(r => r.length)`); n != 0 {
			t.Errorf("%d rejected after discarding", n)
		}
	})

	t.Run("sign out wipes the database", func(t *testing.T) {
		browsertest.Eval[bool](t, ctx, `client.signOut().then(() => true)`)
		if openE2E(t, ctx, srv, "e2e") {
			t.Error("still enrolled after sign-out")
		}
		if n := browsertest.Eval[int](t, ctx, `client.list('residents').then(l => l.length)`); n != 0 {
			t.Errorf("%d residents after sign-out", n)
		}
	})
}

// TestClient_JavaScript runs the SDK's JavaScript tests (test/run.js: the
// shared vectors and the unit tests of the outbox and sync loop) in
// Chromium and reports each failure.
func TestClient_JavaScript(t *testing.T) {
	srv := startSDKServer(t)
	b := browsertest.New(t)
	ctx := b.Tab()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sdk/test/index.html")); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, ctx, "the JavaScript tests", `window.__results !== undefined`)
	type failure struct {
		Name  string `json:"name"`
		Error string `json:"error"`
	}
	type results struct {
		Passed []string  `json:"passed"`
		Failed []failure `json:"failed"`
	}
	res := browsertest.Eval[results](t, ctx, `window.__results`)
	for _, f := range res.Failed {
		t.Errorf("%s: %s", f.Name, f.Error)
	}
	if len(res.Passed) < 10 {
		t.Errorf("only %d JavaScript tests passed: %v", len(res.Passed), res.Passed)
	}
	t.Logf("%d JavaScript tests passed", len(res.Passed))
}

// TestClient_Stream: with the background loop started, another device's
// change reaches the browser through the change stream (polling is set to
// ten minutes, so nothing else can bring it); when the server answers 404
// for the stream, the client polls instead.
func TestClient_Stream(t *testing.T) {
	cases := []struct {
		name      string
		noStream  bool
		poll      int
		streaming bool
	}{
		{"stream wakes the client", false, 600000, true},
		{"no stream: polling", true, 300, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := browsertest.ServerOptions{Files: map[string]fs.FS{"/sdk/": os.DirFS(".")}}
			if tc.noStream {
				opts.Front = func(next http.Handler) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if r.URL.Path == "/v1/sync/stream" {
							http.NotFound(w, r)
							return
						}
						next.ServeHTTP(w, r)
					})
				}
			}
			srv := browsertest.StartServer(t, opts)
			b := browsertest.New(t)
			ctx := b.Tab()
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sdk/test/e2e.html")); err != nil {
				t.Fatal(err)
			}
			browsertest.WaitFor(t, ctx, "the end-to-end page", `document.getElementById('state').textContent === 'ready'`)
			browsertest.Eval[bool](t, ctx, fmt.Sprintf(`openClient('stream', {pollIntervalMs: %d, streamSafetyMs: %d})`, tc.poll, tc.poll))
			pair := srv.PairJSON(t, "alice", "social_worker", "tab-js-s", srv.Incident)
			browsertest.Eval[bool](t, ctx, fmt.Sprintf(`client.enrolWithPair(%s).then(() => client.sync()).then(() => true)`, pair))
			browsertest.Eval[bool](t, ctx, `(client.start(), true)`)
			if tc.streaming {
				browsertest.WaitFor(t, ctx, "the stream to connect", `client.status().streaming`)
			}
			// Let the start-up syncs finish, so what follows can only come
			// from a wake-up.
			browsertest.WaitFor(t, ctx, "the start-up sync", `!client.status().syncing && client.status().lastSyncedAt !== ''`)
			resident := browsertest.Eval[string](t, ctx, fmt.Sprintf(`client.list('residents', {incident_id: %q}).then(l => l[0].id)`, srv.Incident))
			tok := srv.Token(t, "bob", "social_worker", "tab-go-s", srv.Incident)
			for i := 1; i <= 3; i++ {
				note := fmt.Sprintf("note %d from another tablet", i)
				push(t, srv, tok, map[string]any{
					"id": uuid.NewString(), "collection": "residents", "record_id": resident, "op": "upsert",
					"fields": map[string]any{"notes": note}, "hlc": hlcNow("tab-go-s"), "recorded_at": time.Now().UTC().Format(time.RFC3339),
				})
				browsertest.WaitFor(t, ctx, "the pushed note", fmt.Sprintf(`client.get('residents', %q).then(r => r.notes === %q)`, resident, note))
			}
			if got := browsertest.Eval[bool](t, ctx, `client.status().streaming`); got != tc.streaming {
				t.Errorf("status().streaming = %v, want %v", got, tc.streaming)
			}
			browsertest.Eval[bool](t, ctx, `(client.stop(), true)`)
		})
	}
}

// sseCounter wraps the change stream's responses and counts the events of
// one name the server sends, as they pass the front.
type sseCounter struct {
	http.ResponseWriter
	event string
	n     *atomic.Int64
}

func (w sseCounter) Write(p []byte) (int, error) {
	w.n.Add(int64(bytes.Count(p, []byte("event: "+w.event+"\n"))))
	return w.ResponseWriter.Write(p)
}

// Unwrap lets the reverse proxy flush the stream through the wrapper.
func (w sseCounter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestClient_StreamTokenExpired: the device's access token expires while
// its change stream is open; the server ends the stream with
// token_expired; the client refreshes (storing the new refresh token
// before it uses the new pair), reconnects at once, and the next cursor
// event still brings another device's change (polling is set to ten
// minutes, so nothing else can).
func TestClient_StreamTokenExpired(t *testing.T) {
	var expired atomic.Int64
	srv := browsertest.StartServer(t, browsertest.ServerOptions{
		Files: map[string]fs.FS{"/sdk/": os.DirFS(".")},
		Front: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v1/sync/stream" {
					// The counter reads the events as sent: ask the
					// server for them uncompressed.
					r.Header.Del("Accept-Encoding")
					w = sseCounter{ResponseWriter: w, event: "token_expired", n: &expired}
				}
				next.ServeHTTP(w, r)
			})
		},
	})
	b := browsertest.New(t)
	ctx := b.Tab()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sdk/test/e2e.html")); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, ctx, "the end-to-end page", `document.getElementById('state').textContent === 'ready'`)
	browsertest.Eval[bool](t, ctx, `openClient('expiry', {pollIntervalMs: 600000, streamSafetyMs: 600000, fetch: tracingFetch('expiry'), keyStorage: 'session'})`)

	// Enrol with a pair whose access token lives a few seconds but which
	// says it lasts an hour (as when the server shortened its policy), so
	// the client opens the stream with it and learns of the expiry only
	// from the stream.
	pair := srv.Enrol(t, "alice", "social_worker", "tab-js-x", srv.Incident)
	short, err := srv.Auth.Tokens().Issue(care.Principal{Subject: "alice", Role: "social_worker", DeviceID: "tab-js-x"}, 4*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	pair.AccessToken, pair.ExpiresIn = short, 3600
	firstRefresh := pair.RefreshToken
	pj, _ := json.Marshal(pair)
	browsertest.Eval[bool](t, ctx, fmt.Sprintf(`client.enrolWithPair(%s).then(() => (client.start(), true))`, pj))

	browsertest.WaitFor(t, ctx, "the stream to connect", `client.status().streaming`)
	browsertest.WaitFor(t, ctx, "the stream to reconnect with a refreshed token",
		fmt.Sprintf(`window.trace.requests.filter(r => r.path === '/v1/sync/stream' && r.access !== %q && r.refreshed).length > 0 && client.status().streaming`, short))
	if expired.Load() == 0 {
		t.Fatal("the client reconnected but the server never sent token_expired")
	}
	browsertest.WaitFor(t, ctx, "the reconnect's catch-up sync", `!client.status().syncing && client.status().lastSyncedAt !== ''`)

	type request struct {
		Path            string `json:"path"`
		Access          string `json:"access"`
		Refreshed       bool   `json:"refreshed"`
		StoredBeforeUse bool   `json:"storedBeforeUse"`
	}
	t.Run("the refresh token is stored before the new pair is used", func(t *testing.T) {
		reqs := browsertest.Eval[[]request](t, ctx, `window.trace.requests`)
		streams, refreshes := 0, 0
		for _, r := range reqs {
			switch {
			case r.Path == "/v1/auth/token":
				refreshes++
			case r.Path == "/v1/sync/stream":
				streams++
			}
			if r.Refreshed && !r.StoredBeforeUse {
				t.Errorf("%s sent with a refreshed access token before its refresh token was stored", r.Path)
			}
		}
		if streams < 2 || refreshes < 1 {
			t.Errorf("%d stream requests and %d refreshes, want at least 2 and 1: %+v", streams, refreshes, reqs)
		}
		stored := browsertest.Eval[string](t, ctx, `storedMeta('expiry', 'refresh_token')`)
		if stored == firstRefresh {
			t.Error("the stored refresh token is still the spent first one")
		}
	})

	t.Run("the next cursor event still triggers a pull", func(t *testing.T) {
		resident := browsertest.Eval[string](t, ctx, fmt.Sprintf(`client.list('residents', {incident_id: %q}).then(l => l[0].id)`, srv.Incident))
		tok := srv.Token(t, "bob", "social_worker", "tab-go-x", srv.Incident)
		note := "note after the token expired"
		push(t, srv, tok, map[string]any{
			"id": uuid.NewString(), "collection": "residents", "record_id": resident, "op": "upsert",
			"fields": map[string]any{"notes": note}, "hlc": hlcNow("tab-go-x"), "recorded_at": time.Now().UTC().Format(time.RFC3339),
		})
		browsertest.WaitFor(t, ctx, "the pushed note", fmt.Sprintf(`client.get('residents', %q).then(r => r.notes === %q)`, resident, note))
	})
	browsertest.Eval[bool](t, ctx, `(client.stop(), true)`)
}
