package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/web"
	"github.com/continuity-care/continuity/server/web/browsertest"
	"github.com/gofiber/fiber/v2"
)

// residentWords is every demo resident's given name, family name and NHS
// number: none may be found at rest on the device.
func residentWords(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	for _, c := range demoChanges(t) {
		if c.Collection != "residents" {
			continue
		}
		for _, k := range []string{"given_name", "family_name", "nhs_number"} {
			if v, _ := c.Fields[k].(string); len(v) >= 4 && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d resident words in the scenario", len(out))
	}
	return out
}

// dumpAtRest is a page expression: everything the origin keeps at rest —
// every row of every store of every IndexedDB database (bytes as bytes),
// every Cache Storage entry, localStorage and sessionStorage — as
// {rows, text}. A cached entry that is byte for byte what the server gives
// anyone, unauthenticated (the app's shell: code, styles, fonts, whose
// licence texts name people), is listed by its URL only.
const dumpAtRest = `(async () => {
	const bytes = (b) => { const u = b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength); let s = ''; for (const x of u) s += String.fromCharCode(x); return s; };
	const flat = (v) => {
		if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return bytes(v);
		if (Array.isArray(v)) return v.map(flat).join(' ');
		if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => k + ':' + flat(x)).join(' ');
		return String(v);
	};
	const out = [], cached = []; let rows = 0;
	for (const d of await indexedDB.databases()) {
		const db = await new Promise((res, rej) => { const q = indexedDB.open(d.name); q.onsuccess = () => res(q.result); q.onerror = () => rej(q.error); });
		for (const name of Array.from(db.objectStoreNames)) {
			const [vals, keys] = await new Promise((res) => { const tx = db.transaction(name); const s = tx.objectStore(name); const a = s.getAll(), k = s.getAllKeys(); tx.oncomplete = () => res([a.result, k.result]); });
			rows += vals.length;
			out.push(d.name + '/' + name, ...vals.map(flat), ...keys.map(flat));
		}
		db.close();
	}
	for (const k of await caches.keys()) {
		const c = await caches.open(k);
		for (const req of await c.keys()) cached.push({ url: req.url, body: await (await c.match(req)).text() });
	}
	for (const st of [localStorage, sessionStorage]) for (let i = 0; i < st.length; i++) out.push(st.key(i), st.getItem(st.key(i)));
	return JSON.stringify({ rows, text: out.join('\n'), cached });
})()`

// atRest runs dumpAtRest.
func atRest(t *testing.T, ctx context.Context) (rows int, text string) {
	t.Helper()
	var d struct {
		Rows   int    `json:"rows"`
		Text   string `json:"text"`
		Cached []struct {
			URL  string `json:"url"`
			Body string `json:"body"`
		} `json:"cached"`
	}
	if err := json.Unmarshal([]byte(browsertest.Eval[string](t, ctx, dumpAtRest)), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Cached) == 0 {
		t.Fatal("Cache Storage is empty: the service worker's cache was not dumped")
	}
	var b strings.Builder
	b.WriteString(d.Text)
	for _, c := range d.Cached {
		resp, err := http.Get(c.URL)
		if err != nil {
			t.Fatal(err)
		}
		public, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("\n" + c.URL + "\n")
		if string(public) != c.Body {
			b.WriteString(c.Body)
		}
	}
	return d.Rows, b.String()
}

// startLockApp is startApp with the deployment's idle lock set.
func startLockApp(t *testing.T, idle time.Duration) *browsertest.Server {
	t.Helper()
	return browsertest.StartServer(t, browsertest.ServerOptions{Config: func(c *api.Config) {
		c.Mount = func(app *fiber.App) { web.Mount(app, web.Options{}) }
		c.IdleLock = idle
	}})
}

// enrolApp sets up the app in a new tab by an enrolment code for subject
// (the PIN chosen on the way), chooses the incident and waits for the
// residents list.
func enrolApp(t *testing.T, b *browsertest.Browser, srv *browsertest.Server, subject string) *appT {
	t.Helper()
	code, err := srv.Auth.IssueCode(context.Background(), subject, subject+"'s tablet", "test", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	a := &appT{t: t, ctx: b.Tab()}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("page at failure: %s", browsertest.Eval[string](t, a.ctx, "document.title + ' | ' + location.hash + ' | ' + document.getElementById('app-status').textContent + ' | ' + document.querySelector('main').textContent.replace(/\\s+/g, ' ').slice(0, 2000)"))
		}
	})
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/#/enrol")); err != nil {
		t.Fatal(err)
	}
	a.enrolIn(code.Code)
	a.title("Residents")
	a.wait("residents synced", "document.querySelectorAll('tr[data-id]').length > 20")
	return a
}

// deviceOf is the one device enrolled for subject.
func deviceOf(t *testing.T, srv *browsertest.Server, subject string) care.Device {
	t.Helper()
	ds, err := srv.Store.Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Subject == subject {
			return d
		}
	}
	t.Fatalf("no device enrolled for %s", subject)
	return care.Device{}
}

// waitRevoked waits for the server to hold the device revoked for reason.
func waitRevoked(t *testing.T, srv *browsertest.Server, id, reason string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := srv.Store.Device(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if d.RevokedAt != nil && d.RevokedReason == reason {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("device %s is %+v, want revoked for %s", id, d, reason)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestApp_NothingInClearAtRest: after enrolment, a full sync and a draft,
// nothing the origin keeps at rest names a resident or holds an NHS number.
func TestApp_NothingInClearAtRest(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	res := pickResident(t)
	srv.User(t, "nia", "social_worker", srv.Incident)
	b := browsertest.New(t)
	a := enrolApp(t, b, srv, "nia")
	// The records are on the device and shown: the page names the resident.
	a.wait("resident listed", fmt.Sprintf("document.querySelector('main').textContent.includes(%q)", res.Family))
	a.route("#/check/" + res.ID + "/person")
	a.title("What the person said")
	a.typeIn("#f-in_own_words", "Ask "+res.Given+" "+res.Family+" about the garden")
	a.wait("draft saved", draftsAre(1))
	a.route("#/residents")
	a.title("Residents")

	rows, text := atRest(t, a.ctx)
	if rows < 40 {
		t.Fatalf("only %d rows at rest: the dump did not find the device's records", rows)
	}
	for _, w := range residentWords(t) {
		if strings.Contains(text, w) {
			i := strings.Index(text, w)
			t.Errorf("%q is at rest in clear: …%s…", w, text[max(0, i-80):min(len(text), i+80)])
		}
	}
}

// TestApp_SignOutWipesEveryTab: signing out in one tab wipes the other
// open tab too (it goes to the signed-out page with nothing left), and the
// server revokes the device.
func TestApp_SignOutWipesEveryTab(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	srv.User(t, "ola", "social_worker", srv.Incident)
	b := browsertest.New(t)
	a := enrolApp(t, b, srv, "ola")
	dev := deviceOf(t, srv, "ola")

	second := &appT{t: t, ctx: b.NewTab(t)}
	if err := chromedp.Do(second.ctx, chromedp.Navigate(srv.URL+"/app/#/residents")); err != nil {
		t.Fatal(err)
	}
	second.title("Residents")
	second.wait("residents in the second tab", "document.querySelectorAll('tr[data-id]').length > 20")

	a.route("#/sign-out")
	a.title("Sign out of this device")
	a.click("#confirm-sign-out")
	a.titleAfterLoad("Set up this device")
	second.titleAfterLoad("Set up this device")
	second.wait("second tab wiped", localRecordsAre(0))
	if n := second.str("String(document.querySelectorAll('tr[data-id]').length)"); n != "0" {
		t.Errorf("the second tab still lists %s residents", n)
	}
	if got := second.str(`indexedDB.databases().then(ds => ds.map(d => d.name).join(','))`); strings.Contains(got, "drafts") {
		t.Errorf("drafts database survives sign-out: %s", got)
	}
	waitRevoked(t, srv, dev.ID, care.RevokedSignedOut)
}

// TestApp_LockAndWrongPINs: after the idle time the app locks, showing
// nobody; the right PIN opens it offline; five wrong PINs wipe the device,
// and the server revokes it, with the reason, once it is back online.
func TestApp_LockAndWrongPINs(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startLockApp(t, 8*time.Second)
	srv.User(t, "pat", "social_worker", srv.Incident)
	res := pickResident(t)
	b := browsertest.New(t)
	a := enrolApp(t, b, srv, "pat")
	dev := deviceOf(t, srv, "pat")
	a.wait("wipe secret given", "document.getElementById('app-pending').textContent === 'All changes sent'")

	browsertest.SetOffline(t, a.ctx, srv, true)
	// A check half typed (a draft) when the app locks. (The lock screen's
	// count of changes waiting to send: TestApp_LockWarnsOfChangesWaiting.)
	a.route("#/check/" + res.ID + "/person")
	a.title("What the person said")

	// Untouched, the app locks; the page shows nobody.
	a.title("Enter your PIN")
	a.screen("lock")
	html := a.str("document.documentElement.outerHTML")
	for _, w := range residentWords(t) {
		if strings.Contains(html, w) {
			t.Errorf("the lock screen's page holds %q", w)
		}
	}

	// The right PIN opens it, offline.
	a.typeIn("#f-pin", testPIN)
	a.click("#unlock-submit")
	a.wait("unlocked", "!document.title.startsWith('Enter your PIN')")

	// Locked again; five wrong PINs.
	a.title("Enter your PIN")
	for i := 1; i <= 5; i++ {
		a.js("document.getElementById('f-pin').value = '918273'")
		a.click("#unlock-submit:not([disabled])")
		if i < 5 {
			a.title("Error: Enter your PIN")
			a.wait(fmt.Sprintf("wrong PIN %d counted", i), fmt.Sprintf("document.querySelector('.govuk-error-summary').textContent.includes('%d tr')", 5-i))
		}
		if i == 2 {
			a.waitFor("#pin-warning")
			a.screen("lock-warning")
		}
	}
	a.titleAfterLoad("Set up this device")
	a.wait("device wiped", localRecordsAre(0))
	if d, err := srv.Store.Device(context.Background(), dev.ID); err != nil || d.RevokedAt != nil {
		t.Fatalf("revoked while the server could not be reached? %+v %v", d, err)
	}

	// Back online: the server hears of the wipe and revokes the device.
	browsertest.SetOffline(t, a.ctx, srv, false)
	waitRevoked(t, srv, dev.ID, care.RevokedPINLockout)
}

// TestApp_LockWarnsOfChangesWaiting: a family contact saved offline is
// waiting to send when the app locks (every start locks it); from the third
// wrong PIN the lock screen says that this change would be lost, and the
// right PIN then lets it reach the server, as it was typed.
func TestApp_LockWarnsOfChangesWaiting(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startLockApp(t, 10*time.Minute)
	srv.User(t, "pat", "social_worker", srv.Incident)
	res := pickResident(t)
	b := browsertest.New(t)
	a := enrolApp(t, b, srv, "pat")
	a.wait("wipe secret given", "document.getElementById('app-pending').textContent === 'All changes sent'")

	browsertest.SetOffline(t, a.ctx, srv, true)
	startFamilyContact(a, res)
	a.click("#continue")
	a.title("What was said and their wishes")
	wishes := "Near Ruth in Leeds, on the ground floor."
	a.typeIn("#f-preferences", wishes)
	a.typeIn("#f-summary", "Told Ruth the home is closing.")
	a.click("#continue")
	a.title("Check your answers")
	a.click("#f-save")
	a.title("Resident")
	a.wait("waiting", "document.getElementById('app-pending').textContent === '1 change waiting to send'")

	// A start locks the app; the change is still waiting behind the lock.
	a.js("location.reload()")
	a.titleAfterLoad("Enter your PIN")
	for i := 1; i <= 3; i++ {
		a.js("document.getElementById('f-pin').value = '918273'")
		a.click("#unlock-submit:not([disabled])")
		a.wait(fmt.Sprintf("wrong PIN %d counted", i), fmt.Sprintf("document.querySelector('.govuk-error-summary') && document.querySelector('.govuk-error-summary').textContent.includes('%d tr')", 5-i))
	}
	a.waitFor("#pin-waiting")
	if got := a.str("document.getElementById('pin-waiting').textContent"); got != "1 change waiting to send" {
		t.Errorf("the lock screen warns of %q, want 1 change waiting to send", got)
	}

	// The right PIN, the signal back: the change reaches the server.
	a.typeIn("#f-pin", testPIN)
	a.click("#unlock-submit")
	a.wait("unlocked", "!document.title.startsWith('Enter your PIN') && !document.title.startsWith('Error')")
	browsertest.SetOffline(t, a.ctx, srv, false)
	a.wait("sent", "document.getElementById('app-pending').textContent === 'All changes sent'")
	noneRefusedOf(t, srv, "pat")
	assertOnServer(t, goDevice(t, srv, "gail", "go-tab"), "family_contacts", res.ID, `"preferences":"`+wishes+`"`)
}
