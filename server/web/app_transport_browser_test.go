package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/web/browsertest"
)

// serverRefused returns the changes the server refused and still holds
// open: what a flow that ends well leaves is none.
func serverRefused(t *testing.T, srv *browsertest.Server) []care.QuarantineEntry {
	t.Helper()
	es, err := srv.Store.Quarantine(context.Background(), care.QuarantineFilter{OpenOnly: true, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// noneRefused fails the test if the server refused any change.
func noneRefused(t *testing.T, srv *browsertest.Server) {
	t.Helper()
	for _, e := range serverRefused(t, srv) {
		t.Errorf("the server refused a change to %s %s from %s: %s (%s)", e.Collection, e.RecordID, e.DeviceID, e.Error.Message, e.Error.Code)
	}
}

// noneRefusedOf fails the test if the server refused a change by subject
// (to one of collections, when given).
func noneRefusedOf(t *testing.T, srv *browsertest.Server, subject string, collections ...string) {
	t.Helper()
	for _, e := range serverRefused(t, srv) {
		if e.Subject != subject || (len(collections) > 0 && !slices.Contains(collections, e.Collection)) {
			continue
		}
		t.Errorf("the server refused %s's change to %s %s: %s (%s)", subject, e.Collection, e.RecordID, e.Error.Message, e.Error.Code)
	}
}

// serverRecord returns a record's fields as the server holds them.
func serverRecord(t *testing.T, srv *browsertest.Server, collection, id string) map[string]any {
	t.Helper()
	r, err := srv.Store.Record(context.Background(), collection, id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if r == nil || !r.Exists() {
		return out
	}
	for name := range r.Fields {
		var v any
		_ = json.Unmarshal(r.Value(name), &v)
		out[name] = v
	}
	return out
}

// serverLegs returns the server's live legs of a move.
func serverLegs(t *testing.T, srv *browsertest.Server, moveID string) []*map[string]any {
	t.Helper()
	rs, err := srv.Store.Records(context.Background(), "move_legs", care.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*map[string]any
	for _, r := range rs {
		if r.Deleted() {
			continue
		}
		var mid string
		_ = json.Unmarshal(r.Value("move_id"), &mid)
		if mid == moveID {
			f := serverRecord(t, srv, "move_legs", r.ID)
			f["id"] = r.ID
			out = append(out, &f)
		}
	}
	return out
}

// enrolCoordinator opens the app in a fresh browser (its own device) and
// enrols it for a transport coordinator, on the Moves today screen.
func enrolCoordinator(t *testing.T, srv *browsertest.Server, subject, device string) *appT {
	t.Helper()
	srv.User(t, subject, "transport_coordinator", srv.Incident)
	code, err := srv.Auth.IssueCode(context.Background(), subject, device, "test", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	a := &appT{t: t, ctx: b.Tab()}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s at failure: %s", device, browsertest.Eval[string](t, a.ctx, "'disabled: ' + document.querySelectorAll('button[disabled]').length + ' | loaded ' + Math.round(performance.now()) + 'ms ago | ' + (document.getElementById('transport-error') || {}).textContent + ' | ' + document.title + ' | ' + location.hash + ' | ' + document.getElementById('app-status').textContent + ' | ' + document.querySelector('main').textContent.replace(/\\s+/g, ' ').slice(0, 2500)"))
		}
	})
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/")); err != nil {
		t.Fatal(err)
	}
	a.title("Set up this device")
	a.enrolIn(code.Code)
	a.title("Moves today")
	a.waitFor("button[id^=depart-]")
	a.wait("service worker in control", "navigator.serviceWorker.controller !== null")
	return a
}

// moveSteps are the taps of logging a move, in order: depart, arrive, tick
// every hand-over item, complete; each button tapped twice, as a person in
// gloves might.
func moveSteps(a *appT, moveID string) []func() {
	double := func(sel string) {
		// The button is enabled once the tap before has been saved.
		a.waitFor(sel + ":not([disabled])")
		a.js(fmt.Sprintf("const b = document.querySelector(%q); b.click(); b.click()", sel))
	}
	return []func(){
		func() { double("#depart-" + moveID) },
		func() { double("#arrive-" + moveID) },
		func() {
			for _, f := range []string{"care_plan_handed_over", "medication_travelling", "identity_confirmed", "records_handed_over", "handover"} {
				sel := fmt.Sprintf("#tick-%s-%s", f, moveID)
				a.tick(sel)
				a.wait(f+" saved", fmt.Sprintf("document.querySelector(%q) && document.querySelector(%q).checked", sel, sel))
			}
		},
		func() {
			double("#complete-" + moveID)
			a.wait("completed on the device", fmt.Sprintf("document.getElementById('card-%s') && document.getElementById('card-%s').textContent.includes('Completed')", moveID, moveID))
		},
	}
}

// logMove logs a whole move on one device.
func logMove(a *appT, moveID string) {
	a.t.Helper()
	for _, step := range moveSteps(a, moveID) {
		step()
	}
}

// TestApp_TransportDoubleTapOffline: offline, every button tapped twice;
// back online, the server holds one completed move with one leg, and
// refused nothing.
func TestApp_TransportDoubleTapOffline(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	a := enrolCoordinator(t, srv, "tc", "Minibus tablet")
	moveID := a.str("document.querySelector('button[id^=depart-]').dataset.id")
	// The card names the person fully: room, date of birth, NHS number.
	card := a.str(fmt.Sprintf("document.getElementById('card-%s').textContent", moveID))
	for _, want := range []string{"Born", "NHS number"} {
		if !strings.Contains(card, want) {
			t.Errorf("the move card does not show %q: %s", want, card)
		}
	}

	browsertest.SetOffline(t, a.ctx, srv, true)
	a.wait("offline shown", "document.getElementById('app-online').textContent === 'Offline'")
	logMove(a, moveID)
	// Today's completed move stays on the screen.
	a.wait("completed today", "document.body.innerText.includes('Completed today')")

	browsertest.SetOffline(t, a.ctx, srv, false)
	a.wait("all sent", "document.getElementById('app-pending').textContent === 'All changes sent'")

	noneRefused(t, srv)
	if mv := serverRecord(t, srv, "moves", moveID); mv["status"] != "completed" {
		t.Errorf("the server's move is %v, want completed: %v", mv["status"], mv)
	}
	legs := serverLegs(t, srv, moveID)
	if len(legs) != 1 {
		t.Fatalf("the server has %d legs of the move, want 1: %v", len(legs), legs)
	}
	for _, f := range []string{"departed_at", "arrived_at", "incident_id"} {
		if (*legs[0])[f] == nil {
			t.Errorf("the server's leg lacks %s: %v", f, *legs[0])
		}
	}
	a.screen("transport-completed")
}

// TestApp_TransportTwoDevicesSameMove: two coordinators (phone and tablet)
// log the same move offline; back online, both converge on one completed
// move, one leg, and nothing refused.
func TestApp_TransportTwoDevicesSameMove(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	tablet := enrolCoordinator(t, srv, "tc1", "Minibus tablet")
	phone := enrolCoordinator(t, srv, "tc2", "Escort phone")
	moveID := tablet.str("document.querySelector('button[id^=depart-]').dataset.id")
	phone.waitFor("#depart-" + moveID)

	browsertest.SetOffline(t, tablet.ctx, srv, true)
	browsertest.SetOffline(t, phone.ctx, nil, true)
	// Both coordinators are in the same minibus: each logs every step as
	// it happens, one just after the other.
	ts, ps := moveSteps(tablet, moveID), moveSteps(phone, moveID)
	for i := range ts {
		ts[i]()
		ps[i]()
	}

	browsertest.SetOffline(t, tablet.ctx, srv, false)
	browsertest.SetOffline(t, phone.ctx, nil, false)
	// Each device has sent everything (what the server made of it is asked
	// of the server below).
	tablet.wait("tablet sent", "!document.getElementById('app-pending').textContent.includes('waiting')")
	phone.wait("phone sent", "!document.getElementById('app-pending').textContent.includes('waiting')")

	noneRefused(t, srv)
	if mv := serverRecord(t, srv, "moves", moveID); mv["status"] != "completed" {
		t.Errorf("the server's move is %v, want completed", mv["status"])
	}
	if legs := serverLegs(t, srv, moveID); len(legs) != 1 {
		t.Errorf("the server has %d legs of the move, want 1 (both devices wrote the same leg): %v", len(legs), legs)
	}
	// Neither device went back to "On the way".
	for _, a := range []*appT{tablet, phone} {
		a.wait("pulled", fmt.Sprintf("document.getElementById('card-%s') && document.getElementById('card-%s').textContent.includes('Completed')", moveID, moveID))
	}
}

// TestApp_FutureVisitRefusedOnDevice: a visit dated next year is refused on
// the device, at the field, in plain words, before anything is saved.
func TestApp_FutureVisitRefusedOnDevice(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	res := pickResident(t)
	srv.User(t, "sam", "social_worker", srv.Incident)
	code, err := srv.Auth.IssueCode(context.Background(), "sam", "Sam's tablet", "test", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	a := &appT{t: t, ctx: b.Tab()}
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/")); err != nil {
		t.Fatal(err)
	}
	a.title("Set up this device")
	a.enrolIn(code.Code)
	a.title("Residents")
	a.wait("residents synced", "document.querySelectorAll('tr[data-id]').length > 20")
	a.route("#/resident/" + res.ID)
	a.title("Resident")
	a.click("#start-check")
	a.title("The visit")
	next := time.Now().AddDate(1, 0, 0).Year()
	a.clear("#f-visited_at-year")
	a.typeIn("#f-visited_at-year", fmt.Sprint(next))
	a.click("#continue")
	a.title("Error: The visit")
	const want = "The date of the visit must be today or in the past"
	a.wait("message at the field", fmt.Sprintf("(document.getElementById('f-visited_at-error') || {textContent: ''}).textContent.includes(%q)", want))
	a.wait("message in the summary", fmt.Sprintf("document.querySelector('.govuk-error-summary').textContent.includes(%q)", want))
	a.screen("check-visit-future")
	// Nothing was saved to send, and the server refused nothing.
	a.wait("nothing waiting", "document.getElementById('app-pending').textContent === 'All changes sent'")
	noneRefused(t, srv)
}

// TestApp_SearchIgnoresAccentsAndCase: names carry accents and Welsh
// letters; the residents search finds them typed without.
func TestApp_SearchIgnoresAccentsAndCase(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	dev := goDevice(t, srv, "gail", "go-tab")
	names := map[string]string{"sian": "Siân", "ZOE": "Zoë", "llyr": "Llŷr"}
	for i, given := range []string{"Siân", "Zoë", "Llŷr"} {
		id := fmt.Sprintf("0b8d7c2e-5f1a-4c3b-9a7d-00000000000%d", i+1)
		if _, err := dev.Put("residents", id, fmt.Sprintf(`{"incident_id":%q,"given_name":%q,"family_name":"Accentby","room":"9%d"}`, srv.Incident, given, i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dev.Sync(); err != nil {
		t.Fatal(err)
	}
	noneRefused(t, srv)

	srv.User(t, "sam", "social_worker", srv.Incident)
	code, err := srv.Auth.IssueCode(context.Background(), "sam", "Sam's tablet", "test", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	a := &appT{t: t, ctx: b.Tab()}
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/")); err != nil {
		t.Fatal(err)
	}
	a.title("Set up this device")
	a.enrolIn(code.Code)
	a.title("Residents")
	a.wait("residents synced", "document.body.innerText.includes('Accentby')")
	for typed, want := range names {
		a.clear("#f-search")
		a.typeIn("#f-search", typed)
		a.wait("search "+typed, fmt.Sprintf("[...document.querySelectorAll('tr[data-id]:not([hidden])')].map(r => r.textContent).join('|').includes(%q) && document.querySelectorAll('tr[data-id]:not([hidden])').length === 1", want))
	}
}
