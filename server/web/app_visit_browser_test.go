package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/continuity-care/continuity/server/web/browsertest"
)

// enrolSocialWorker makes subject a social worker of the incident and
// enrols the app for them in a fresh browser (enrolApp), on the residents
// list once it has synced.
func enrolSocialWorker(t *testing.T, srv *browsertest.Server, subject, name string) *appT {
	t.Helper()
	srv.User(t, subject, "social_worker", srv.Incident)
	if _, err := srv.Auth.AddUser(context.Background(), subject, "social_worker", name); err != nil {
		t.Fatal(err)
	}
	return enrolApp(t, browsertest.New(t), srv, subject)
}

// mainHas is a page expression: <main> contains text.
func mainHas(text string) string {
	return fmt.Sprintf("document.querySelector('main').textContent.includes(%q)", text)
}

// TestApp_DraftsResumeAtTheirStep: a check left half-done is listed on the
// resident's page and on the Changes screen, and reopens at the page it was
// left on; an action added by mistake is removed; the saved check's
// confirmation stays through a live refresh; and the server holds the check
// as the screen showed it.
func TestApp_DraftsResumeAtTheirStep(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	res := pickResident(t)
	a := enrolSocialWorker(t, srv, "sam", "Sam Patel")
	dev := goDevice(t, srv, "gail", "go-tab")

	// Start a check, get as far as what the person said, and leave it.
	a.route("#/resident/" + res.ID)
	a.title("Resident")
	if got := a.str("String(document.getElementById('drafts'))"); got != "null" {
		t.Fatalf("a drafts list before anything was started: %s", got)
	}
	a.click("#start-check")
	a.title("The visit")
	a.click("#continue")
	a.title("What the person said")
	words := "I want to be near my daughter"
	a.typeIn("#f-in_own_words", words)
	a.wait("draft saved", `import('/app/js/drafts.js').then(d => d.all()).then(ds => JSON.stringify(ds).includes('near my daughter'))`)

	// The resident's page lists it, at the page it was left on.
	a.route("#/resident/" + res.ID)
	a.title("Resident")
	a.wait("draft listed on the resident", "(document.getElementById('drafts') || {textContent: ''}).textContent.includes('What the person said')")
	a.screen("drafts-resident")

	// So does the Changes screen, naming the person.
	a.route("#/changes")
	a.title("Changes")
	a.wait("draft listed on Changes", fmt.Sprintf("(document.getElementById('drafts') || {textContent: ''}).textContent.includes(%q)", res.Given+" "+res.Family))
	a.screen("drafts-changes")
	// Its link reopens the check at that page, with what was typed.
	a.click("#drafts a")
	a.title("What the person said")
	if got := a.str("document.getElementById('f-in_own_words').value"); got != words {
		t.Fatalf("the resumed draft reads %q, want %q", got, words)
	}

	// After a reload, the resident's own button resumes it there too.
	browsertest.Reload(t, a.ctx)
	a.route("#/resident/" + res.ID)
	a.title("Resident")
	a.click("#start-check")
	a.title("What the person said")
	if got := a.str("document.getElementById('f-in_own_words').value"); got != words {
		t.Fatalf("the resumed draft reads %q, want %q", got, words)
	}

	// Two actions, the first added by mistake and removed.
	a.click("#continue")
	a.title("What you saw")
	a.click("#continue")
	a.title("Outcome and actions")
	a.click("#f-outcome")
	a.typeIn("#f-action_items-0-action", "Mistaken action")
	a.click("button[name=add]")
	a.waitFor("#f-action_items-1-action")
	a.typeIn("#f-action_items-1-action", "Book a visit to Oakwood Grange")
	a.typeIn("#f-action_items-1-owner", "Sam")
	a.click("#f-action_items-0-remove")
	a.wait("first action removed", "document.getElementById('f-action_items-0-action').value === 'Book a visit to Oakwood Grange' && !document.getElementById('f-action_items-1-action')")
	if got := a.str("document.getElementById('f-action_items-0-owner').value"); got != "Sam" {
		t.Errorf("the remaining action's owner is %q, want Sam (it moved up with its action)", got)
	}
	a.screen("check-outcome-remove")
	a.click("#continue")
	a.title("Check your answers")
	a.click("#f-save")
	a.title("Resident")
	a.waitFor("#flash-title")
	a.wait("sent", "document.getElementById('app-pending').textContent === 'All changes sent'")
	if got := a.str("String(document.getElementById('drafts'))"); got != "null" {
		t.Errorf("the saved check is still listed as a draft")
	}

	// Another device changes the resident: the page refreshes live, and the
	// confirmation stays until the person moves on.
	if _, err := dev.Put("residents", res.ID, `{"gp":"Dr Amara Okafor, Riverside Surgery"}`); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Sync(); err != nil {
		t.Fatal(err)
	}
	a.wait("live refresh", mainHas("Dr Amara Okafor"))
	if got := a.str("String(document.getElementById('flash-title'))"); got == "null" {
		t.Errorf("the save confirmation went away on a live refresh")
	}
	a.route("#/residents")
	a.title("Residents")
	if got := a.str("String(document.getElementById('flash-title'))"); got != "null" {
		t.Errorf("the save confirmation stays after moving on")
	}

	// The server holds the check with the one action left.
	if _, err := dev.Sync(); err != nil {
		t.Fatal(err)
	}
	assertOnServer(t, dev, "safe_and_well_checks", res.ID, `"in_own_words":"`+words+`"`)
	l, err := dev.Find("safe_and_well_checks", "resident_id", res.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < l.Len(); i++ {
		if f := l.At(i).FieldsJSON; strings.Contains(f, words) && (strings.Contains(f, "Mistaken") || !strings.Contains(f, "Book a visit to Oakwood Grange")) {
			t.Errorf("the server's check does not hold just the remaining action: %s", f)
		}
	}
	noneRefusedOf(t, srv, "sam")
}

// TestApp_FamilyContactSaved: a social worker records a call with the
// person's daughter and her wishes for the new home; the resident's page
// lists it, and the server holds it as recorded.
func TestApp_FamilyContactSaved(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	res := pickResident(t)
	a := enrolSocialWorker(t, srv, "sam", "Sam Patel")

	startFamilyContact(a, res)
	a.screen("family-contact")
	a.click("#continue")
	a.title("What was said and their wishes")
	wishes := "Near Ruth in Leeds, with a garden, and with her friend Mary."
	a.typeIn("#f-preferences", wishes)
	a.click("#f-visit_offered")
	a.click("#continue")
	a.title("Check your answers")
	// What was said is missing: refused on the device, in plain words, in
	// the summary and at the field.
	a.click("#f-save")
	a.title("Error: Check your answers")
	a.click(".govuk-error-summary a[href*='wishes']")
	a.title("Error: What was said")
	a.waitFor("#f-summary-error")
	if msg := a.str("document.getElementById('f-summary-error').textContent"); strings.Contains(msg, "_") || strings.Contains(msg, "required when") {
		t.Errorf("the message at the field is not plain English: %q", msg)
	}
	a.typeIn("#f-summary", "Told Ruth the home is closing; she asked about homes near Leeds.")
	a.screen("family-wishes")
	a.click("#continue")
	a.title("Check your answers")
	a.screen("family-answers")
	a.click("#f-save")
	a.title("Resident")
	a.wait("listed", fmt.Sprintf("(document.getElementById('family-contacts') || {textContent: ''}).textContent.includes(%q)", wishes))
	a.wait("sent", "document.getElementById('app-pending').textContent === 'All changes sent'")

	// What the server accepted.
	noneRefusedOf(t, srv, "sam")
	dev := goDevice(t, srv, "gail", "go-tab")
	assertOnServer(t, dev, "family_contacts", res.ID, `"preferences":"`+wishes+`"`)
	for _, want := range []string{`"contact_name":"Ruth Hughes"`, `"channel":"phone"`, `"direction":"outgoing"`, `"visit_offered":true`, `"recorded_by":"Sam Patel"`} {
		assertOnServer(t, dev, "family_contacts", res.ID, want)
	}
}

// startFamilyContact opens the resident's page, starts a family contact
// and answers who was spoken to (Ruth Hughes, the daughter, by phone).
func startFamilyContact(a *appT, res demoResident) {
	a.route("#/resident/" + res.ID)
	a.title("Resident")
	a.click("#start-family")
	a.title("Who you spoke to")
	a.typeIn("#f-contact_name", "Ruth Hughes")
	a.typeIn("#f-relationship", "daughter")
	a.click("#f-channel")
}

// focusHidden is a page expression: "" when what has focus shows at least
// a little of itself below any sticky chrome and inside the viewport, else
// what is hidden; "body" when nothing has focus.
const focusHidden = `(() => {
	const el = document.activeElement;
	if (!el || el === document.body || el === document.documentElement) return 'body';
	const r = el.getBoundingClientRect();
	let chrome = 0;
	for (const c of document.querySelectorAll('.app-top')) {
		if (c.contains(el)) return '';
		const p = getComputedStyle(c).position, b = c.getBoundingClientRect();
		if ((p === 'sticky' || p === 'fixed') && b.top <= 1) chrome = Math.max(chrome, b.bottom);
	}
	const shown = Math.min(r.bottom, innerHeight) - Math.max(r.top, chrome);
	return shown >= Math.min(8, r.height) ? '' : (el.id || el.name || el.tagName) + ' at ' + Math.round(r.top) + '–' + Math.round(r.bottom) + ', chrome to ' + Math.round(chrome) + ', viewport ' + innerHeight;
})()`

// setViewport sizes the page in CSS pixels (400 % zoom of 1280 × 1024 is 320 × 256).
func (a *appT) setViewport(w, h int64) {
	a.t.Helper()
	if err := chromedp.Do(a.ctx, chromedp.EmulateViewport(w, h)); err != nil {
		a.t.Fatal(err)
	}
}

// tabThrough presses Tab n times from the top of the page, keyboard only,
// and reports every focus stop that is hidden.
func (a *appT) tabThrough(where string, n int) {
	a.t.Helper()
	a.js("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
	stops := 0
	for i := 0; i < n; i++ {
		if err := chromedp.Do(a.ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			a.t.Fatal(err)
		}
		switch got := a.str(focusHidden); got {
		case "":
			stops++
		case "body":
		default:
			a.t.Errorf("%s: focus stop %d is hidden: %s", where, i+1, got)
		}
	}
	if stops < n/2 {
		a.t.Errorf("%s: only %d of %d Tab presses reached a visible control", where, stops, n)
	}
}

// TestApp_FocusVisibleWhenZoomed: at 400 % zoom (320 × 256 CSS px) and on
// a phone on its side, every focus stop reached by the keyboard shows
// (WCAG 2.4.11); a live refresh leaves focus on the control that had it.
func TestApp_FocusVisibleWhenZoomed(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	res := pickResident(t)
	a := enrolSocialWorker(t, srv, "sam", "Sam Patel")
	dev := goDevice(t, srv, "gail", "go-tab")

	for _, size := range []struct {
		name string
		w, h int64
	}{{"400 % zoom", 320, 256}, {"phone on its side", 844, 390}} {
		a.setViewport(size.w, size.h)
		a.route("#/resident/" + res.ID)
		a.title("Resident")
		a.tabThrough(size.name+", resident", 20)
		a.route("#/check/" + res.ID + "/visit")
		a.title("The visit")
		a.tabThrough(size.name+", the visit", 20)
	}
	a.setViewport(768, 1024)

	// A live refresh keeps focus where it was, and the place on the page.
	a.route("#/resident/" + res.ID)
	a.title("Resident")
	a.js("document.getElementById('start-family').focus()")
	y := a.str("String(Math.round(window.scrollY))")
	if _, err := dev.Put("residents", res.ID, `{"gp":"Dr Amara Okafor, Riverside Surgery"}`); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Sync(); err != nil {
		t.Fatal(err)
	}
	a.wait("live refresh", mainHas("Dr Amara Okafor"))
	if got := a.str("document.activeElement.id || document.activeElement.tagName"); got != "start-family" {
		t.Errorf("after a live refresh focus is on %s, want the button that had it", got)
	}
	if got := a.str("String(Math.round(window.scrollY))"); got != y {
		t.Errorf("a live refresh scrolled the page from %s to %s", y, got)
	}
}

// TestApp_TransportTickKeepsFocus: a hand-over tick leaves focus on the
// tick and the page where it was; the server holds it.
func TestApp_TransportTickKeepsFocus(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	a := enrolCoordinator(t, srv, "tc", "Minibus tablet")
	a.setViewport(390, 844)
	moveID := a.str("document.querySelector('button[id^=depart-]').dataset.id")
	a.click("#depart-" + moveID)
	a.waitFor("#arrive-" + moveID + ":not([disabled])")
	a.wait("departure sent", "document.getElementById('app-pending').textContent === 'All changes sent'")
	// A hand-over item not ticked yet.
	sel := "#" + a.str(fmt.Sprintf("[...document.querySelectorAll('#card-%s input[data-action=gate]')].find(e => !e.checked).id", moveID))
	field := a.str(fmt.Sprintf("document.querySelector(%q).dataset.field", sel))
	a.js(fmt.Sprintf("document.querySelector(%q).scrollIntoView({block: 'center'}); document.querySelector(%q).focus()", sel, sel))
	y := a.str("String(Math.round(window.scrollY))")
	if y == "0" {
		t.Fatal("the tick is at the top of the page: nothing to lose")
	}
	// The tick has focus and is activated (as Space or a tap does).
	a.js(fmt.Sprintf("document.querySelector(%q).dataset.before = 'tick'; document.querySelector(%q).click()", sel, sel))
	// The screen is drawn again once the tick is saved (a new element).
	a.wait("tick saved and the screen redrawn", fmt.Sprintf("document.querySelector(%q) && document.querySelector(%q).checked && !document.querySelector(%q).dataset.before", sel, sel, sel))
	if got := a.str("'#' + document.activeElement.id"); got != sel {
		t.Errorf("after the tick focus is on %s, want the tick", got)
	}
	if got := a.str("String(Math.round(window.scrollY))"); got != y {
		t.Errorf("the tick scrolled the page from %s to %s", y, got)
	}
	// What the server accepted (the tick is sent in the background).
	for deadline := time.Now().Add(30 * time.Second); serverRecord(t, srv, "moves", moveID)[field] != true; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server's move never got the %s tick: %v", field, serverRecord(t, srv, "moves", moveID))
		}
	}
	noneRefusedOf(t, srv, "tc")
}
