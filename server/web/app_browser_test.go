package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	continuity "github.com/continuity-care/continuity/client-sdk"
	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/web"
	"github.com/continuity-care/continuity/server/web/browsertest"
	"github.com/gofiber/fiber/v2"
)

// appT drives the field app in one browser tab.
type appT struct {
	t   *testing.T
	ctx context.Context
}

// js runs a statement in the page.
func (a *appT) js(expr string) {
	a.t.Helper()
	browsertest.Eval[any](a.t, a.ctx, "(async () => { "+expr+"; return null })()")
}

// str evaluates a string expression.
func (a *appT) str(expr string) string {
	a.t.Helper()
	return browsertest.Eval[string](a.t, a.ctx, expr)
}

// wait waits until expr is true.
func (a *appT) wait(what, expr string) {
	a.t.Helper()
	browsertest.WaitFor(a.t, a.ctx, what, expr)
}

// waitFor waits for an element.
func (a *appT) waitFor(sel string) {
	a.t.Helper()
	a.wait(sel, fmt.Sprintf("document.querySelector(%q) !== null", sel))
}

// click clicks an element (radios and checkboxes too).
func (a *appT) click(sel string) {
	a.t.Helper()
	a.waitFor(sel)
	a.js(fmt.Sprintf("document.querySelector(%q).click()", sel))
}

// typeIn types text into a field as a person would (input events fire).
func (a *appT) typeIn(sel, text string) {
	a.t.Helper()
	a.waitFor(sel)
	if err := chromedp.Do(a.ctx, chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		a.t.Fatalf("type into %s: %v", sel, err)
	}
}

// tick makes sure a checkbox is ticked (clicking it only if it is not).
func (a *appT) tick(sel string) {
	a.t.Helper()
	a.waitFor(sel)
	a.js(fmt.Sprintf("const e = document.querySelector(%q); if (!e.checked) e.click()", sel))
}

// clear empties a field.
func (a *appT) clear(sel string) {
	a.t.Helper()
	a.js(fmt.Sprintf("const e = document.querySelector(%q); e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true}))", sel))
}

// go navigates inside the app by its hash route.
// enrolIn sets the device up with an enrolment code from the set-up screen
// and chooses the first incident offered.
func (a *appT) enrolIn(code string) {
	a.t.Helper()
	a.typeIn("#f-code", code)
	a.click("#enrol-submit")
	a.title("Choose an incident")
	a.click("#f-incident")
	a.click("main form button[type=submit]")
}

func (a *appT) route(hash string) {
	a.t.Helper()
	a.js(fmt.Sprintf("location.hash = %q", hash))
}

// testPIN is the device PIN every test chooses.
const testPIN = "275913"

// title waits for the page title to start with want. The device PIN is
// asked after setting the device up and at every start: on the way to
// another screen, this enters it (so no test repeats the step).
func (a *appT) title(want string) {
	a.t.Helper()
	a.titleAfterLoad(want)
}

// passPIN is a page expression: "done" when the title starts with want;
// otherwise, on the screen choosing a PIN or the lock screen, it enters
// testPIN and submits.
func passPIN(want string) string {
	return fmt.Sprintf(`(() => {
		if (document.readyState !== 'complete') return '';
		if (document.title.startsWith(%[1]q)) return 'done';
		if (%[1]q.includes('PIN')) return '';
		const set = (id) => { const e = document.getElementById(id); if (e) e.value = %[2]q; };
		const go = (id) => { const b = document.getElementById(id); if (b && !b.disabled) b.click(); };
		if (document.title.startsWith('Choose a PIN') && document.getElementById('f-confirm')) { set('f-pin'); set('f-confirm'); go('pin-submit'); return 'pin'; }
		if (document.title.startsWith('Enter your PIN') && document.getElementById('f-pin')) { set('f-pin'); go('unlock-submit'); return 'pin'; }
		return '';
	})()`, want, testPIN)
}

// titleAfterLoad waits for the title as title does, also across a page the
// app loads anew (sign-out reloads it): evaluation errors while the old
// page unloads are expected and retried.
func (a *appT) titleAfterLoad(want string) {
	a.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		got, err := chromedp.Run(a.ctx, chromedp.Evaluate[string](passPIN(want)))
		if err == nil && got == "done" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	got, _ := chromedp.Run(a.ctx, chromedp.Evaluate[string]("document.title"))
	a.t.Fatalf("the page never showed %q (it shows %q)", want, got)
}

// screen checks a screen with axe-core and saves it at phone and tablet size
// (tablet last, so the tab stays tablet-sized).
func (a *appT) screen(name string) {
	a.t.Helper()
	dir := filepath.Join(browsertest.RepoRoot(), "docs", "app")
	a.shot(filepath.Join(dir, name+"-phone.png"), 390, 844)
	a.shot(filepath.Join(dir, name+"-tablet.png"), 768, 1024)
	browsertest.RunAxe(a.t, a.ctx)
	a.noPersonalDataInURLOrTitle()
}

// shot saves what a person sees on a w×h screen: the page laid out at that
// size, cut to the top screenful plus half (long lists would be unreadable
// whole).
func (a *appT) shot(path string, w, h int) {
	a.t.Helper()
	tmp := filepath.Join(a.t.TempDir(), "full.png")
	browsertest.Screenshot(a.t, a.ctx, tmp, int64(w), int64(h))
	f, err := os.Open(tmp)
	if err != nil {
		a.t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		a.t.Fatal(err)
	}
	r := img.Bounds()
	if max := h * 3 / 2; r.Dy() > max {
		r.Max.Y = r.Min.Y + max
	}
	var out bytes.Buffer
	if err := png.Encode(&out, img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)); err != nil {
		a.t.Fatal(err)
	}
	browsertest.SaveScreenshot(a.t, path, out.Bytes())
}

// personal is what must never appear in a URL or title.
var personal []string

func (a *appT) noPersonalDataInURLOrTitle() {
	a.t.Helper()
	where := a.str("location.href + ' | ' + document.title")
	for _, p := range personal {
		if strings.Contains(where, p) {
			a.t.Errorf("personal data %q in the URL or title: %s", p, where)
		}
	}
}

// demoResident is a demo resident with no attorney, so a best-interests
// decision by the council is valid until an attorney is recorded.
type demoResident struct {
	ID, Given, Family, NHS string
}

// demoChange is one change of the demo scenario (testdata/scenario).
type demoChange struct {
	Collection string         `json:"collection"`
	RecordID   string         `json:"record_id"`
	Fields     map[string]any `json:"fields"`
}

// demoChanges reads the demo scenario's changes.
func demoChanges(t *testing.T) []demoChange {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(browsertest.RepoRoot(), "testdata", "scenario", "scenario.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Changes []demoChange `json:"changes"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Changes
}

func pickResident(t *testing.T) demoResident {
	t.Helper()
	var all []demoResident
	for _, c := range demoChanges(t) {
		if c.Collection != "residents" || c.Fields["given_name"] == nil {
			continue
		}
		given, _ := c.Fields["given_name"].(string)
		family, _ := c.Fields["family_name"].(string)
		nhs, _ := c.Fields["nhs_number"].(string)
		personal = append(personal, given+" "+family, nhs)
		if c.Fields["lpa"] == nil && (c.Fields["status"] == nil || c.Fields["status"] == "in_placement") && len(all) == 0 {
			all = append(all, demoResident{ID: c.RecordID, Given: given, Family: family, NHS: nhs})
		}
	}
	if len(all) == 0 {
		t.Fatal("no demo resident without an attorney")
	}
	return all[0]
}

func startApp(t *testing.T) *browsertest.Server {
	t.Helper()
	return browsertest.StartServer(t, browsertest.ServerOptions{Config: func(c *api.Config) {
		c.Mount = func(app *fiber.App) { web.Mount(app, web.Options{}) }
	}})
}

// TestApp_OfflineFieldWork is the issue's "Done when" for the field app, in
// real Chromium against the real server.
func TestApp_OfflineFieldWork(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	res := pickResident(t)
	bg := context.Background()
	srv.User(t, "sam", "social_worker", srv.Incident)
	if _, err := srv.Auth.AddUser(bg, "sam", "social_worker", "Sam Patel"); err != nil {
		t.Fatal(err)
	}
	code, err := srv.Auth.IssueCode(bg, "sam", "Sam's tablet", "test", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	a := &appT{t: t, ctx: b.Tab()}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("page at failure: %s", browsertest.Eval[string](t, a.ctx, "document.title + ' | ' + location.hash + ' | ' + document.getElementById('app-status').textContent + ' | ' + document.querySelector('main').textContent.replace(/\\s+/g, ' ').slice(0, 1500)"))
		}
	})
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/")); err != nil {
		t.Fatal(err)
	}

	// Enrol with the code.
	a.title("Set up this device")
	a.screen("enrol")
	a.typeIn("#f-code", code.Code)
	a.click("#enrol-submit")

	// Choose the incident.
	a.title("Choose an incident")
	a.screen("incidents")
	a.click("#f-incident")
	a.click("main form button[type=submit]")

	// The residents list fills as the device syncs.
	a.title("Residents")
	a.wait("residents synced", "document.querySelectorAll('tr[data-id]').length > 20")
	a.wait("service worker in control", "navigator.serviceWorker.controller !== null")
	a.screen("residents")

	// Search by NHS number (typed with spaces) finds the one person.
	a.typeIn("#f-search", res.NHS[:3]+" "+res.NHS[3:6]+" "+res.NHS[6:])
	a.wait("search by NHS number", "document.querySelectorAll('tr[data-id]:not([hidden])').length === 1")
	a.clear("#f-search")

	// A resident.
	a.route("#/resident/" + res.ID)
	a.title("Resident")
	a.waitFor("#start-check")
	a.screen("resident")

	// A Go SDK device (another social worker) that will edit meanwhile.
	dev := goDevice(t, srv, "gail", "go-tab")

	// No signal from here on.
	browsertest.SetOffline(t, a.ctx, srv, true)
	a.wait("offline shown", "document.getElementById('app-online').textContent === 'Offline'")

	// Record a safe-and-well check: every page, then check your answers.
	a.click("#start-check")
	a.title("The visit")
	if got := a.str("document.getElementById('f-visitor_name').value"); got != "Sam Patel" {
		t.Errorf("Your name is %q, want the signed-in user's name", got)
	}
	a.screen("check-visit")
	a.click("#continue")
	a.title("What the person said")
	a.click("#f-feels_safe")
	words := "I like it here but I want to go where Mary goes"
	a.typeIn("#f-in_own_words", words)
	// Nothing typed is lost: reload mid-sentence, offline, and the words are back.
	a.wait("draft saved", `import('/app/js/drafts.js').then(d => d.all()).then(ds => JSON.stringify(ds).includes('where Mary goes'))`)
	browsertest.Reload(t, a.ctx)
	a.title("What the person said")
	if got := a.str("document.getElementById('f-in_own_words').value"); got != words {
		t.Fatalf("after a reload the draft reads %q, want %q", got, words)
	}
	a.screen("check-person")
	a.click("#continue")
	a.title("What you saw")
	a.screen("check-observations")
	a.typeIn("#f-wellbeing", "Calm, watching the garden.")
	a.typeIn("#f-medication", "MAR chart up to date.")
	a.click("#continue")
	a.title("Outcome and actions")
	a.click("#f-outcome")
	a.click("#f-safeguarding_raised-1")
	a.click("#f-family_informed")
	a.typeIn("#f-action_items-0-action", "Ask Mary's family about moving together")
	a.typeIn("#f-action_items-0-owner", "Sam")
	a.screen("check-outcome")
	a.click("#continue")
	a.title("Check your answers")
	a.screen("check-answers")
	a.click("#f-save")
	a.title("Resident")
	a.wait("check listed", fmt.Sprintf("document.querySelector('main').textContent.includes(%q)", words))

	// A two-stage capacity assessment; the Act's rules are shown next to the
	// fields they concern.
	a.click("#start-capacity")
	a.title("The decision")
	a.screen("capacity-decision")
	a.click("#continue")
	a.title("Helping the person decide")
	a.screen("capacity-information")
	a.typeIn("#f-relevant_information", "Two homes near her daughter; what each is like; what happens if she stays.")
	// A signed "lacks capacity" records the MCA's evidence (s.1(3), ss.2-3).
	a.typeIn("#f-how_information_given", "In her room, with photographs of both homes.")
	a.typeIn("#f-practicable_steps", "Morning visit, glasses on, her key worker present.")
	a.click("#continue")
	a.title("Stage 1")
	a.click("#f-impairment")
	a.screen("capacity-stage-1")
	a.typeIn("#f-impairment_evidence", "Vascular dementia diagnosed 2022; disorientated to time.")
	a.click("#continue")
	a.title("Stage 2")
	for _, f := range []string{"can_understand", "can_retain", "can_use_or_weigh", "can_communicate"} {
		a.click("#f-" + f)
	}
	a.typeIn("#f-understand_evidence", "Said back what each home is like.")
	a.typeIn("#f-retain_evidence", "Remembered the homes ten minutes later.")
	a.typeIn("#f-communicate_evidence", "Speaks clearly.")
	a.click("#continue")
	a.title("Outcome")
	a.click("#f-causative_nexus")
	a.typeIn("#f-causative_nexus_evidence", "The inability to weigh the options is because of the dementia.")
	a.click("#f-outcome-1")
	a.typeIn("#f-assessor_name", "Sam Patel")
	a.screen("capacity-outcome")
	a.click("#continue")
	a.title("Check your answers")
	a.click("#f-save")
	a.title("Error: Check your answers")
	a.waitFor(".govuk-error-summary a[href*='stage-2']")
	a.click(".govuk-error-summary a[href*='stage-2']")
	a.title("Error: Stage 2")
	a.waitFor("#f-can_understand-error")
	a.screen("capacity-error")
	a.click("#f-can_use_or_weigh-1")
	a.typeIn("#f-use_or_weigh_evidence", "Could repeat the options but not weigh them against each other.")
	a.click("#continue")
	a.title("Outcome")
	a.click("#continue")
	a.title("Check your answers")
	a.click("#f-__sign")
	a.screen("capacity-answers")
	a.click("#f-save")

	// Capacity is lacking: a best-interests decision, by the council (no
	// attorney is on record yet).
	a.title("Attorney or deputy")
	a.click("#f-authority_present-1")
	a.screen("best-interests-authority")
	a.click("#continue")
	a.title("The best-interests checklist")
	a.click("#f-no_assumption_from_age_or_appearance")
	a.typeIn("#f-wishes_and_feelings", "Wants to stay near Mary and the garden.")
	a.screen("best-interests-checklist")
	a.click("#continue")
	a.title("Who you consulted")
	a.typeIn("#f-consultees-0-name", "Dan Hughes")
	a.click("#f-consultees-0-role")
	a.typeIn("#f-consultees-0-view", "Mum should move with Mary.")
	a.screen("best-interests-consultees")
	a.click("#continue")
	a.title("Options considered")
	a.typeIn("#f-options-0-option", "Oakwood Grange, with Mary")
	a.click("#f-options-0-least_restrictive")
	a.click("#f-options-0-chosen")
	a.screen("best-interests-options")
	a.click("#continue")
	a.title("The decision")
	a.typeIn("#f-decision_reached", "Move to Oakwood Grange with Mary.")
	a.typeIn("#f-least_restrictive_reasoning", "Keeps her with her friend, near family, in a home like this one.")
	a.screen("best-interests-decision")
	a.click("#continue")
	a.title("Independent Mental Capacity Advocate")
	a.screen("best-interests-imca")
	a.click("#continue")
	a.title("Check your answers")
	a.screen("best-interests-answers")
	a.click("#f-save")
	a.title("Resident")

	// Everything waits on the tablet.
	a.wait("three changes waiting", "/^[3-9] changes waiting to send$/.test(document.getElementById('app-pending').textContent)")
	waiting := a.str("document.getElementById('app-pending').textContent")

	// Reload with no network: the app and the waiting changes are still there.
	browsertest.Reload(t, a.ctx)
	a.title("Resident")
	a.wait("waiting after reload", fmt.Sprintf("document.getElementById('app-pending').textContent === %q", waiting))

	// Close the browser and open it again (same profile), still offline.
	a.ctx = b.Restart(t)
	browsertest.SetOffline(t, a.ctx, nil, true)
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/#/resident/"+res.ID)); err != nil {
		t.Fatal(err)
	}
	a.title("Resident")
	a.wait("waiting after restart", fmt.Sprintf("document.getElementById('app-pending').textContent === %q", waiting))
	a.wait("check still there", fmt.Sprintf("document.querySelector('main').textContent.includes(%q)", words))

	// Meanwhile, the other device records the resident's son as attorney for
	// health and welfare: the council's best-interests decision no longer
	// stands.
	if _, err := dev.Put("residents", res.ID, `{"lpa":[{"kind":"lpa_health_welfare","name":"Dan Hughes","relationship":"son","registered_on":"2020-02-03","seen":true}]}`); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Sync(); err != nil {
		t.Fatal(err)
	}

	// Signal again.
	browsertest.SetOffline(t, a.ctx, srv, false)
	// Everything is sent; the server refuses the decision (below), so the
	// status line does not say "All changes sent".
	a.wait("all sent", "!document.getElementById('app-pending').textContent.includes('waiting')")
	a.wait("not all accepted", "document.getElementById('app-pending').textContent !== 'All changes sent'")

	// The check and the assessment reached the server.
	if _, err := dev.Sync(); err != nil {
		t.Fatal(err)
	}
	assertOnServer(t, dev, "safe_and_well_checks", res.ID, `"in_own_words":"`+words+`"`)
	assertOnServer(t, dev, "capacity_assessments", res.ID, `"outcome":"lacks_capacity"`)
	// The server accepted every check and assessment it was sent.
	noneRefusedOf(t, srv, "sam", "safe_and_well_checks", "capacity_assessments")

	// The other device's edit appears in the browser.
	a.wait("attorney shown", "(document.getElementById('resident-lpa') || {textContent: ''}).textContent.includes('Dan Hughes')")

	// The decision was refused, with the server's reason shown.
	a.waitFor("#app-rejected")
	a.click("#app-rejected")
	a.title("Changes")
	a.wait("reason shown", "document.querySelector('.app-reason') !== null && /attorney/i.test(document.querySelector('.app-reason').textContent)")
	a.screen("changes-rejected")
	a.click("a[id^=discard-]")
	a.title("Discard a change")
	a.screen("discard")
	// The change leaves the device's list while this page is open (as if
	// discarded on another screen): "Discard" then says so, in the page's
	// error summary, and never that it was discarded.
	const outboxRow = `await new Promise((resolve, reject) => { const q = indexedDB.open('continuity-app'); q.onerror = () => reject(q.error); q.onsuccess = () => {
		const db = q.result; const tx = db.transaction('outbox', 'readwrite'); const store = tx.objectStore('outbox');
		%s; tx.oncomplete = () => { db.close(); resolve(null); }; tx.onerror = () => reject(tx.error); }; })`
	a.js(fmt.Sprintf(outboxRow, `store.openCursor().onsuccess = (e) => { const c = e.target.result; if (!c) return; if (c.value.state === 'rejected') { window.__taken = { key: c.key, value: c.value }; c.delete(); return; } c.continue(); }`))
	if got := a.str("window.__taken ? 'taken' : 'none'"); got != "taken" {
		t.Fatalf("no refused change in the device's outbox: %s", got)
	}
	a.click("#confirm-discard")
	a.wait("the problem shown", "document.title.startsWith('Error: Discard a change') && document.querySelector('.govuk-error-summary') !== null")
	if got := a.str("document.querySelector('.govuk-error-summary').textContent"); !strings.Contains(got, "no longer on the list of refused changes") {
		t.Errorf("the error summary after a discard that could not be done: %q", got)
	}
	if got := a.str("document.querySelector('main').textContent"); strings.Contains(got, "was discarded.") {
		t.Errorf("a discard that was not done is reported as done: %q", got)
	}
	// Put the change back, as it was, and keep it.
	a.js(fmt.Sprintf(outboxRow, `store.put(window.__taken.value)`))
	a.click("main .govuk-button-group a")
	a.title("Changes")
	a.waitFor("a[id^=correct-]")

	// Correct it: the form opens at the field the server named, with its reason.
	a.click("a[id^=correct-]")
	a.title("Error: The decision")
	a.waitFor("#f-decision_maker-error")
	a.screen("best-interests-correct")
	a.click("#f-decision_maker-2")
	a.click("#continue")
	a.title("Independent Mental Capacity Advocate")
	a.click("#continue")
	a.title("Check your answers")
	a.click("#f-save")
	a.wait("corrected and sent", "document.getElementById('app-pending').textContent === 'All changes sent' && !document.getElementById('app-rejected')")
	if _, err := dev.Sync(); err != nil {
		t.Fatal(err)
	}
	assertOnServer(t, dev, "best_interests_decisions", res.ID, `"decision_maker":"attorney"`)

	// Sign out: everything goes from the device.
	a.route("#/sign-out")
	a.title("Sign out of this device")
	a.screen("sign-out")
	a.click("#confirm-sign-out")
	a.titleAfterLoad("Set up this device")
	a.wait("device wiped", localRecordsAre(0))
	if got := a.str(`indexedDB.databases().then(ds => ds.map(d => d.name).join(','))`); strings.Contains(got, "drafts") {
		t.Errorf("drafts database survives sign-out: %s", got)
	}

	// The same tablet, enrolled for a transport coordinator.
	srv.User(t, "tc", "transport_coordinator", srv.Incident)
	code2, err := srv.Auth.IssueCode(bg, "tc", "Minibus tablet", "test", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	a.typeIn("#f-code", strings.ToLower(code2.Code))
	a.click("#enrol-submit")
	a.title("Choose an incident")
	a.click("#f-incident")
	a.click("main form button[type=submit]")
	a.title("Moves today")
	a.waitFor("button[id^=depart-]")
	a.screen("transport")
	moveID := a.str("document.querySelector('button[id^=depart-]').dataset.id")
	a.click("#depart-" + moveID)
	a.waitFor("#arrive-" + moveID)
	a.tick("#tick-medication_travelling-" + moveID)
	a.wait("tick saved", fmt.Sprintf("document.getElementById('tick-medication_travelling-%s').checked", moveID))
	// A button is enabled again once the tap before it has been saved.
	a.click("#arrive-" + moveID + ":not([disabled])")
	a.waitFor("#complete-" + moveID + ":not([disabled])")
	a.tick("#tick-identity_confirmed-" + moveID)
	a.wait("identity saved", fmt.Sprintf("document.getElementById('tick-identity_confirmed-%s').checked", moveID))
	a.tick("#tick-handover-" + moveID)
	a.wait("handover saved", fmt.Sprintf("document.getElementById('tick-handover-%s').checked", moveID))
	// The picture once the ticks have reached the server, so it is the same on every run.
	a.wait("ticks sent", "document.body.innerText.includes('All changes sent')")
	a.screen("transport-arrived")
	a.wait("legs sent", "document.getElementById('app-pending').textContent === 'All changes sent'")
	if _, err := dev.Sync(); err != nil {
		t.Fatal(err)
	}
	legs, err := dev.Find("move_legs", "move_id", moveID)
	if err != nil {
		t.Fatal(err)
	}
	var leg string
	for i := 0; i < legs.Len(); i++ {
		if strings.Contains(legs.At(i).FieldsJSON, `"handed_over":true`) {
			leg = legs.At(i).FieldsJSON
		}
	}
	for _, want := range []string{`"departed_at":`, `"arrived_at":`} {
		if !strings.Contains(leg, want) {
			t.Errorf("the server's leg of move %s lacks %s: %s", moveID, want, leg)
		}
	}
	mv, err := dev.Get("moves", moveID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(mv.FieldsJSON, `"medication_travelling":true`) || !strings.Contains(mv.FieldsJSON, `"identity_confirmed":true`) || !strings.Contains(mv.FieldsJSON, `"status":"in_transit"`) {
		t.Errorf("the server's move lacks the departure, medication and identity ticks: %s", mv.FieldsJSON)
	}
	noneRefusedOf(t, srv, "tc")
}

// localRecordsAre is a page expression: the app's local database holds n
// records (bases and view rows, each record counted once) and n outbox
// entries.
func localRecordsAre(n int) string {
	return fmt.Sprintf(`new Promise(r => { const q = indexedDB.open('continuity-app'); q.onsuccess = () => {
		const db = q.result; if (!db.objectStoreNames.contains('records')) { db.close(); r(%[1]d === 0); return; }
		const tx = db.transaction(['base', 'records', 'outbox']); const keys = new Set(); let o = 0;
		for (const n of ['base', 'records']) tx.objectStore(n).getAllKeys().onsuccess = e => { for (const k of e.target.result) keys.add(JSON.stringify(k)); };
		tx.objectStore('outbox').count().onsuccess = e => { o = e.target.result; };
		tx.oncomplete = () => { db.close(); r(keys.size === %[1]d && o === %[1]d); }; }; q.onerror = () => r(false); })`, n)
}

// goDevice is a social worker's device running the Go SDK, talking to the
// server directly (not through the link the browser loses).
func goDevice(t *testing.T, srv *browsertest.Server, subject, id string) *continuity.Client {
	t.Helper()
	dev, err := continuity.Open(&continuity.Config{DBPath: filepath.Join(t.TempDir(), id+".db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	pair := srv.Enrol(t, subject, "social_worker", id, srv.Incident)
	if err := dev.EnrolWithRefreshToken(srv.BackendURL, id, pair.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Sync(); err != nil {
		t.Fatal(err)
	}
	return dev
}

// assertOnServer checks, through the Go device's pull, that a record of the
// resident in collection carries want.
func assertOnServer(t *testing.T, dev *continuity.Client, collection, residentID, want string) {
	t.Helper()
	l, err := dev.Find(collection, "resident_id", residentID)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < l.Len(); i++ {
		if strings.Contains(l.At(i).FieldsJSON, want) {
			return
		}
	}
	t.Errorf("the server has no %s for resident %s with %s", collection, residentID, want)
}

// TestApp_ScopeRemovalWipesIncident: when the incident room withdraws the
// device's incident, its records and drafts leave the tablet.
func TestApp_ScopeRemovalWipesIncident(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	res := pickResident(t)
	bg := context.Background()
	srv.User(t, "kim", "social_worker", srv.Incident)
	code, err := srv.Auth.IssueCode(bg, "kim", "Kim's tablet", "test", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	a := &appT{t: t, ctx: b.Tab()}
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/#/enrol")); err != nil {
		t.Fatal(err)
	}
	a.enrolIn(code.Code)
	a.wait("residents synced", "document.querySelectorAll('tr[data-id]').length > 20")
	a.route("#/check/" + res.ID + "/person")
	a.title("What the person said")
	a.typeIn("#f-in_own_words", "I want to stay")
	a.wait("draft saved", draftsAre(1))

	if err := srv.Store.RevokeScope(bg, "kim", srv.Incident, time.Now()); err != nil {
		t.Fatal(err)
	}
	a.route("#/changes")
	a.title("Changes")
	a.click("#sync-now")
	a.wait("incident's residents purged", localCount("residents", 0))
	a.route("#/incidents")
	a.wait("told", "document.querySelector('main').textContent.includes('no longer has access')")
	a.wait("drafts wiped", draftsAre(0))
}

// localCount is a page expression: the app's local database holds n records
// of collection (bases and view rows, each record counted once; a record
// deleted with nothing pending is counted too: its base's deletion is sealed).
func localCount(collection string, n int) string {
	return fmt.Sprintf(`new Promise(r => { const q = indexedDB.open('continuity-app'); q.onsuccess = () => {
		const db = q.result; const tx = db.transaction(['base', 'records']); const keys = new Set(); const gone = new Set();
		tx.objectStore('base').getAll().onsuccess = e => { for (const x of e.target.result) if (x.collection === %[1]q) keys.add(x.record_id); };
		tx.objectStore('records').getAll().onsuccess = e => { for (const x of e.target.result) if (x.collection === %[1]q) (x.deleted ? gone : keys).add(x.record_id); };
		tx.oncomplete = () => { db.close(); r([...keys].filter(k => !gone.has(k)).length === %[2]d); }; }; })`, collection, n)
}

// draftsAre is a page expression: the app holds n drafts.
func draftsAre(n int) string {
	return fmt.Sprintf(`new Promise(r => { const q = indexedDB.open('continuity-app-drafts'); q.onsuccess = () => {
		const db = q.result; const g = db.transaction('drafts').objectStore('drafts').count();
		g.onsuccess = () => { db.close(); r(g.result === %d); }; }; })`, n)
}
