package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/web"
	"github.com/continuity-care/continuity/server/web/browsertest"
	"github.com/gofiber/fiber/v2"
)

// heldMe holds the app's GET /v1/me at the server's front while held, so
// a test can keep a screen that has done its work from moving on yet (the
// next screen asks the server who the device is before it is shown), the
// window a second tap falls into on a slow link or a busy tablet.
type heldMe struct {
	holding atomic.Bool
	once    sync.Once
	release chan struct{}
}

func newHeldMe() *heldMe { return &heldMe{release: make(chan struct{})} }

// front is a browsertest.ServerOptions.Front.
func (h *heldMe) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.holding.Load() && r.URL.Path == "/v1/me" {
			select {
			case <-h.release:
			case <-r.Context().Done():
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// hold starts holding; let lets every held request (and later ones) through.
func (h *heldMe) hold() { h.holding.Store(true) }
func (h *heldMe) let()  { h.once.Do(func() { close(h.release) }) }

// startHeldApp is startApp with /v1/me held by h.
func startHeldApp(t *testing.T, h *heldMe) *browsertest.Server {
	t.Helper()
	t.Cleanup(h.let)
	return browsertest.StartServer(t, browsertest.ServerOptions{
		Config: func(c *api.Config) { c.Mount = func(app *fiber.App) { web.Mount(app, web.Options{}) } },
		Front:  h.front,
	})
}

// catchPageErrors records, in the page, every uncaught error and unhandled
// promise rejection from now on (until the page is loaded anew).
func (a *appT) catchPageErrors() {
	a.t.Helper()
	a.js(`window.__errors = []; window.addEventListener('error', (e) => window.__errors.push('error: ' + e.message)); window.addEventListener('unhandledrejection', (e) => window.__errors.push('unhandled rejection: ' + (e.reason && e.reason.message || e.reason)))`)
}

// noPageErrors fails the test for any error catchPageErrors recorded, and
// any uncaught exception the browser reported on its console.
func (a *appT) noPageErrors(b *browsertest.Browser) {
	a.t.Helper()
	if got := a.str(`JSON.stringify(window.__errors || ['the page was loaded anew: nothing recorded'])`); got != "[]" {
		a.t.Errorf("errors reached the page: %s", got)
	}
	a.noExceptions(b)
}

// noExceptions fails the test for any uncaught exception or unhandled
// rejection the browser reported on its console (across page loads).
func (a *appT) noExceptions(b *browsertest.Browser) {
	a.t.Helper()
	for _, l := range b.Logs() {
		if strings.HasPrefix(l, "[exception]") {
			a.t.Errorf("uncaught on the page: %s", l)
		}
	}
}

// submitTwice submits the form holding the button id twice in one task, as
// script (requestSubmit, no submitter) and as a double tap on the button.
func (a *appT) submitTwice(id string) {
	a.t.Helper()
	a.waitFor("#" + id)
	a.js(fmt.Sprintf(`const b = document.getElementById(%q); const f = b.form; f.requestSubmit(); f.requestSubmit(); b.click(); b.click()`, id))
}

// titleIs waits for the title to start with want, entering nothing (title
// would enter the PIN on the way).
func (a *appT) titleIs(want string) {
	a.t.Helper()
	a.wait("title "+want, fmt.Sprintf("document.readyState === 'complete' && document.title.startsWith(%q)", want))
}

// vaultRow is a page expression: the device's key row, as JSON ("null"
// before enrolment), with what it holds named but not its bytes.
const vaultRow = `new Promise((res, rej) => { const q = indexedDB.open('continuity-app'); q.onerror = () => rej(q.error); q.onsuccess = () => {
	const db = q.result; const g = db.transaction('keys').objectStore('keys').get('vault');
	g.onsuccess = () => { const v = g.result; db.close(); res(v ? JSON.stringify({ wrapped: !!v.wrapped, failures: v.failures || 0, device_id: v.device_id || '' }) : 'null'); };
} })`

// TestApp_PINFormTakesOneSubmit: the PIN form submitted twice in one task
// (by script and by a double tap), then again once the PIN is set but
// before the next screen has come (the server slow to say who the device
// is): the PIN is set once, nothing is thrown on the page, the app moves on
// to choosing an incident, the server holds the one device for the person,
// and the PIN chosen opens the device after a reload.
func TestApp_PINFormTakesOneSubmit(t *testing.T) {
	browsertest.RequireChromium(t)
	h := newHeldMe()
	srv := startHeldApp(t, h)
	srv.User(t, "pia", "social_worker", srv.Incident)
	code, err := srv.Auth.IssueCode(context.Background(), "pia", "pia's tablet", "test", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	a := &appT{t: t, ctx: b.Tab()}
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/#/enrol")); err != nil {
		t.Fatal(err)
	}
	a.typeIn("#f-code", code.Code)
	a.click("#enrol-submit")
	a.titleIs("Choose a PIN")
	a.catchPageErrors()

	// Who the device is stays unanswered: the next screen cannot come yet.
	h.hold()
	a.js(fmt.Sprintf(`document.getElementById('f-pin').value = %[1]q; document.getElementById('f-confirm').value = %[1]q`, testPIN))
	a.submitTwice("pin-submit")
	a.wait("PIN set", vaultRow+`.then(v => JSON.parse(v).wrapped)`)
	if got := a.str("document.title"); !strings.HasPrefix(got, "Choose a PIN") {
		t.Fatalf("the screen moved on while /v1/me was held: %q", got)
	}
	// Busy, the GOV.UK way: the button is disabled with its words kept.
	if got := a.str(`(() => { const b = document.getElementById('pin-submit'); return b.disabled + ' ' + b.getAttribute('aria-disabled') + ' ' + b.textContent.trim() })()`); got != "true true Set PIN" {
		t.Errorf("the PIN button while the next screen comes: %q, want disabled, aria-disabled and its words", got)
	}
	// Another tap (or Enter) now: the PIN is set already.
	a.submitTwice("pin-submit")
	h.let()
	a.titleIs("Choose an incident")
	a.noPageErrors(b)
	if n := a.str("String(document.querySelectorAll('.govuk-error-summary').length)"); n != "0" {
		t.Errorf("%s error summaries on the incidents screen", n)
	}

	// The server holds one device for the person, in use.
	mine := devicesOf(t, srv, "pia")
	if len(mine) != 1 || mine[0].RevokedAt != nil {
		t.Fatalf("devices for pia on the server: %+v, want one, not revoked", mine)
	}
	// The device holds its key under the PIN, no try counted, for that device.
	want := fmt.Sprintf(`{"wrapped":true,"failures":0,"device_id":%q}`, mine[0].ID)
	if got := a.str(vaultRow); got != want {
		t.Errorf("the device's key row = %s, want %s", got, want)
	}

	// The PIN chosen is the PIN: after a reload it opens the device, and
	// the unlock form too takes one submit.
	browsertest.Reload(t, a.ctx)
	a.titleIs("Enter your PIN")
	a.catchPageErrors()
	a.js(fmt.Sprintf(`document.getElementById('f-pin').value = %q`, testPIN))
	a.submitTwice("unlock-submit")
	a.titleIs("Choose an incident")
	a.noPageErrors(b)
	if got := a.str(vaultRow); got != want {
		t.Errorf("after unlocking, the device's key row = %s, want %s", got, want)
	}
}

// TestApp_EnrolmentCodeTakesOneSubmit: the enrolment form submitted twice
// in one task (a scanned code submits the form by script while the person
// taps Continue): the code is redeemed once, no error is shown or thrown,
// the app asks for the PIN, and the server holds one device for the person.
func TestApp_EnrolmentCodeTakesOneSubmit(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	srv.User(t, "eve", "social_worker", srv.Incident)
	code, err := srv.Auth.IssueCode(context.Background(), "eve", "eve's tablet", "test", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	a := &appT{t: t, ctx: b.Tab()}
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/#/enrol")); err != nil {
		t.Fatal(err)
	}
	a.titleIs("Set up this device")
	a.catchPageErrors()
	// Every error summary the app shows on the way is noted.
	a.js(`window.__summaries = []; new MutationObserver(() => { for (const s of document.querySelectorAll('.govuk-error-summary')) window.__summaries.push(s.textContent.replace(/\s+/g, ' ').trim()) }).observe(document.querySelector('main'), { childList: true, subtree: true })`)
	a.typeIn("#f-code", code.Code)
	a.submitTwice("enrol-submit")
	a.titleIs("Choose a PIN")
	a.title("Choose an incident")
	a.noPageErrors(b)
	if got := a.str("JSON.stringify(window.__summaries)"); got != "[]" {
		t.Errorf("errors shown while setting up: %s", got)
	}
	mine := devicesOf(t, srv, "eve")
	if len(mine) != 1 || mine[0].RevokedAt != nil {
		t.Fatalf("devices for eve on the server: %+v, want one, not revoked", mine)
	}
	if got, want := a.str(vaultRow), fmt.Sprintf(`{"wrapped":true,"failures":0,"device_id":%q}`, mine[0].ID); got != want {
		t.Errorf("the device's key row = %s, want %s", got, want)
	}
}

// TestApp_SignOutTakesOneSubmit: the sign-out confirmation submitted twice
// in one task: the device is wiped once, nothing is thrown, the app starts
// again at setting up, and the server revokes the device as signed out.
func TestApp_SignOutTakesOneSubmit(t *testing.T) {
	browsertest.RequireChromium(t)
	var reports atomic.Int32
	srv := browsertest.StartServer(t, browsertest.ServerOptions{
		Config: func(c *api.Config) { c.Mount = func(app *fiber.App) { web.Mount(app, web.Options{}) } },
		Front: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost && r.URL.Path == "/v1/auth/device-wiped" {
					reports.Add(1)
				}
				next.ServeHTTP(w, r)
			})
		},
	})
	srv.User(t, "sol", "social_worker", srv.Incident)
	b := browsertest.New(t)
	a := enrolApp(t, b, srv, "sol")
	dev := deviceOf(t, srv, "sol")
	a.wait("wipe secret given", "document.getElementById('app-pending').textContent === 'All changes sent'")
	a.route("#/sign-out")
	a.titleIs("Sign out of this device")
	a.submitTwice("confirm-sign-out")
	a.titleAfterLoad("Set up this device")
	a.wait("device wiped", localRecordsAre(0))
	waitRevoked(t, srv, dev.ID, care.RevokedSignedOut)
	a.wait("no wipe report left to send", "localStorage.getItem('continuity:wiped') === null")
	a.noExceptions(b)
	if got := a.str(vaultRow); got != "null" {
		t.Errorf("a key row survives sign-out: %s", got)
	}
	if n := reports.Load(); n != 1 {
		t.Errorf("the server was told of the wipe %d times, want once", n)
	}
	for _, d := range devicesOf(t, srv, "sol") {
		if d.ID != dev.ID {
			t.Errorf("another device for sol: %+v", d)
		}
	}
}

// devicesOf returns the devices the server holds for subject.
func devicesOf(t *testing.T, srv *browsertest.Server, subject string) []care.Device {
	t.Helper()
	ds, err := srv.Store.Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var mine []care.Device
	for _, d := range ds {
		if d.Subject == subject {
			mine = append(mine, d)
		}
	}
	return mine
}
