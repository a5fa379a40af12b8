package web_test

import (
	"io/fs"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"
	jssdk "github.com/continuity-care/continuity/client-sdk/js"
	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/web"
	"github.com/continuity-care/continuity/server/web/browsertest"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// sdkWithRelease is the embedded SDK plus one more module: a new release
// of the shell, with a different ShellVersion.
func sdkWithRelease(t *testing.T) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(jssdk.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(jssdk.FS, p)
		m[p] = &fstest.MapFile{Data: b, Mode: 0o444}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m["release-b.js"] = &fstest.MapFile{Data: []byte("// @ts-check\n// Release B of the shell (a test file).\nexport const release = 'B';\n"), Mode: 0o444}
	return m
}

// TestApp_ServiceWorkerUpdate: the app installed with shell version A works
// offline, with a draft half typed and a change waiting to send; the server
// is then deployed with version B (and, while it is being deployed, answers
// 503 to the API, so the change still waits); the app offers "A new version
// of the app is ready"; when the person accepts, it reloads onto version B
// with the draft and the waiting change intact, and the change is sent.
func TestApp_ServiceWorkerUpdate(t *testing.T) {
	browsertest.RequireChromium(t)
	sdkB := sdkWithRelease(t)
	versionA, versionB := web.ShellVersion(jssdk.FS), web.ShellVersion(sdkB)
	if versionA == versionB {
		t.Fatal("the release did not change the shell version")
	}
	appB := fiber.New()
	web.Mount(appB, web.Options{SDK: sdkB})
	shellB := adaptor.FiberApp(appB)
	var deployed, deploying atomic.Bool
	srv := browsertest.StartServer(t, browsertest.ServerOptions{
		Config: func(c *api.Config) {
			c.Mount = func(app *fiber.App) { web.Mount(app, web.Options{}) }
		},
		Front: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p := r.URL.Path
				switch {
				case deploying.Load() && strings.HasPrefix(p, "/v1/sync/"):
					w.Header().Set("Retry-After", "1")
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusServiceUnavailable)
					_, _ = w.Write([]byte(`{"error":{"code":"unavailable","message":"the server is being updated","field":""}}`))
				case deployed.Load() && (p == "/app/version.json" || strings.HasPrefix(p, "/app/") || strings.HasPrefix(p, "/sdk/") || strings.HasPrefix(p, "/assets/govuk/")):
					shellB(w, r)
				default:
					next.ServeHTTP(w, r)
				}
			})
		},
	})
	res := pickResident(t)
	srv.User(t, "uma", "social_worker", srv.Incident)
	code, err := srv.Auth.IssueCode(t.Context(), "uma", "Uma's tablet", "test", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	a := &appT{t: t, ctx: b.Tab()}
	workerVersion := `new Promise(r => { const ch = new MessageChannel(); ch.port1.onmessage = e => r(e.data); navigator.serviceWorker.controller.postMessage({type: 'version'}, [ch.port2]); })`

	// Version A: enrol, load the incident, the worker takes control.
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/")); err != nil {
		t.Fatal(err)
	}
	a.title("Set up this device")
	a.enrolIn(code.Code)
	a.title("Residents")
	a.wait("residents synced", "document.querySelectorAll('tr[data-id]').length > 20")
	a.wait("service worker in control", "navigator.serviceWorker.controller !== null")
	if got := a.str(workerVersion); got != versionA {
		t.Fatalf("worker version %q, want %q", got, versionA)
	}

	// Offline: the app starts from the cache; a check is recorded (waiting
	// to send) and another is half typed (a draft).
	browsertest.SetOffline(t, a.ctx, srv, true)
	browsertest.Reload(t, a.ctx)
	a.title("Residents")
	a.route("#/resident/" + res.ID)
	a.title("Resident")
	a.click("#start-check")
	a.title("The visit")
	a.click("#continue")
	a.title("What the person said")
	a.click("#f-feels_safe")
	a.click("#continue")
	a.title("What you saw")
	a.typeIn("#f-wellbeing", "Calm.")
	a.click("#continue")
	a.title("Outcome and actions")
	a.click("#f-outcome")
	a.click("#f-safeguarding_raised-1")
	a.click("#f-family_informed")
	a.click("#continue")
	a.title("Check your answers")
	a.click("#f-save")
	a.title("Resident")
	a.wait("one change waiting", "document.getElementById('app-pending').textContent === '1 change waiting to send'")
	a.click("#start-check")
	a.title("The visit")
	a.click("#continue")
	a.title("What the person said")
	words := "Typed before the update, kept after it"
	a.typeIn("#f-in_own_words", words)
	a.wait("draft saved", `import('/app/js/drafts.js').then(d => d.all()).then(ds => JSON.stringify(ds).includes('kept after it'))`)

	// The server is deployed with version B while the tablet is offline;
	// the API is still coming up. Signal returns and the browser looks for
	// a new worker (as it does on every navigation).
	deploying.Store(true)
	deployed.Store(true)
	browsertest.SetOffline(t, a.ctx, srv, false)
	browsertest.Reload(t, a.ctx)
	a.title("What the person said")
	a.waitFor("#app-update")
	if got := a.str(workerVersion); got != versionA {
		t.Fatalf("before accepting, the page runs %q, want version A %q", got, versionA)
	}
	if got := a.str("document.getElementById('f-in_own_words').value"); got != words {
		t.Fatalf("draft before the update = %q", got)
	}
	a.screen("update-ready")

	// The person accepts while the page keeps calling the API (the app's
	// syncs and retries, here back to back, as a busy tablet's pile up):
	// calls through the old worker would keep it from ever being idle, and
	// Chromium lets the new version take over only from an idle one (it
	// parks it up to five minutes). The page reloads onto version B.
	a.js("window.__apiCalls = setInterval(() => fetch('/v1/sync/pull').catch(() => {}), 5)")
	a.js("window.__beforeUpdate = true")
	a.click("#app-update")
	// The page reloads itself when the new worker takes control: wait for
	// a new page (the marker gone), asking the old worker nothing meanwhile.
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := chromedp.Run(a.ctx, chromedp.Evaluate[bool]("document.readyState === 'complete' && window.__beforeUpdate === undefined && navigator.serviceWorker.controller !== null"))
		if err == nil && got {
			break
		}
		if time.Now().After(deadline) {
			st, _ := chromedp.Run(a.ctx, chromedp.Evaluate[string]("navigator.serviceWorker.getRegistration('/app/').then(r => JSON.stringify({w: r.waiting && r.waiting.state, a: r.active && r.active.state}))", chromedp.EvalAwaitPromise))
			t.Fatalf("the page never reloaded onto the new version (registration %s, last error %v)", st, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := a.str(workerVersion); got != versionB {
		t.Fatalf("after the update the page runs %q, want version B %q (A was %q)", got, versionB, versionA)
	}
	a.title("What the person said")
	a.wait("banner gone", "document.getElementById('app-update') === null")
	if got := a.str("document.getElementById('f-in_own_words').value"); got != words {
		t.Errorf("draft after the update = %q, want %q", got, words)
	}
	a.wait("still one change waiting", "document.getElementById('app-pending').textContent === '1 change waiting to send'")
	caches := browsertest.Eval[[]string](t, a.ctx, "caches.keys()")
	if len(caches) != 1 || caches[0] != "continuity-shell-"+versionB {
		t.Errorf("caches after the update = %v, want only version B's", caches)
	}
	if !browsertest.Eval[bool](t, a.ctx, "caches.open('continuity-shell-"+versionB+"').then(c => c.match('/sdk/release-b.js')).then(r => r !== undefined)") {
		t.Error("version B's new file is not cached")
	}

	// The deployment finishes: the waiting change is sent.
	deploying.Store(false)
	a.wait("change sent", "document.getElementById('app-pending').textContent === 'All changes sent'")
	if n := browsertest.Eval[int](t, a.ctx, "document.querySelectorAll('#app-rejected').length"); n != 0 {
		t.Errorf("%d rejected-change notices after the update", n)
	}
}
