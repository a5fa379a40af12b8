package consoletest_test

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	continuity "github.com/continuity-care/continuity/client-sdk"
	"github.com/continuity-care/continuity/server/cqc"
	"github.com/continuity-care/continuity/server/web/browsertest"
	"github.com/continuity-care/continuity/server/web/consoletest"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/google/uuid"
)

// root is the repository root, relative to this package.
const root = "../../.."

// screenshotSizes are the sizes every screen is saved at.
var screenshotSizes = [][2]int{{1440, 900}, {1024, 768}}

// chromium returns Chromium's path, skipping the test when there is none
// and CI is unset (failing when CI is set).
func chromium(t *testing.T) string {
	t.Helper()
	p := consoletest.ChromiumPath()
	if p == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium found and CI is set: install chromium")
		}
		t.Skip("no Chromium found (set CHROMIUM to its path)")
	}
	return p
}

// room is one test's server and browser.
type room struct {
	t       *testing.T
	srv     *consoletest.Server
	ctx     context.Context
	logs    *strings.Builder
	axeJS   string
	shots   string
	checked map[string]bool
	start   time.Time
}

func newRoom(t *testing.T) *room {
	t.Helper()
	exe := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	srv, err := consoletest.Start(ctx, t.TempDir(), root, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := openRoom(ctx, t, exe, srv)
	r.shots = filepath.Join(root, "docs/console")
	if err := os.MkdirAll(r.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return r
}

// openRoom opens a browser on srv (closed when the test ends) that keeps
// its console messages and exceptions, with axe ready to run.
func openRoom(ctx context.Context, t *testing.T, exe string, srv *consoletest.Server) *room {
	t.Helper()
	t.Cleanup(func() { srv.Close() })
	bctx, bcancel := browsertest.Launch(ctx, exe, t.TempDir(), 1440, 900)
	t.Cleanup(bcancel)
	logs := &strings.Builder{}
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Listen(bctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			for _, a := range e.Args {
				fmt.Fprintf(logs, "console.%s: %s\n", e.Type, a.Value)
			}
		case *runtime.EventExceptionThrown:
			fmt.Fprintf(logs, "exception: %s %v\n", e.ExceptionDetails.Text, e.ExceptionDetails.Exception)
		}
	}); err != nil {
		t.Fatal(err)
	}
	axe, err := os.ReadFile(filepath.Join(root, "server/web/browsertest/testdata/axe-core/axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	return &room{t: t, srv: srv, ctx: bctx, logs: logs, axeJS: string(axe), checked: map[string]bool{}, start: time.Now()}
}

func (r *room) run(actions ...chromedp.Action[chromedp.Void]) {
	r.t.Helper()
	if err := chromedp.Do(r.ctx, actions...); err != nil {
		r.t.Fatalf("%v\nbrowser log:\n%s", err, r.logs.String())
	}
}

// eval evaluates JavaScript and returns its value.
func eval[T any](r *room, expr string, opts ...chromedp.EvaluateOption) T {
	r.t.Helper()
	v, err := chromedp.Run(r.ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		r.t.Fatalf("%s: %v\nbrowser log:\n%s", expr, err, r.logs.String())
	}
	return v
}

// text is an element's visible text.
func (r *room) text(sel string) string {
	r.t.Helper()
	v, err := chromedp.Run(r.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		r.t.Fatalf("%s: %v", sel, err)
	}
	return v
}

// viewport sets the page's size.
func (r *room) viewport(w, h int64) {
	r.t.Helper()
	if _, err := chromedp.Call(r.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: w, Height: h, DeviceScaleFactor: 1}); err != nil {
		r.t.Fatal(err)
	}
}

// waitJS waits until a JavaScript expression is truthy.
func (r *room) waitJS(expr string) {
	r.t.Helper()
	if _, err := chromedp.Run(r.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		main, _ := chromedp.Run(r.ctx, chromedp.Evaluate[string](`location.hash + ' | ' + document.getElementById('main-content').innerText.slice(0, 600)`))
		r.t.Fatalf("waiting for %s: %v\npage: %s\nbrowser log:\n%s", expr, err, main, r.logs.String())
	}
}

// open goes to a console route and waits for the screen to be drawn.
func (r *room) open(hash, screen string) {
	r.t.Helper()
	eval[any](r, `document.getElementById('main-content').removeAttribute('data-ready'); location.hash = `+jsString(hash))
	r.waitJS(`document.getElementById('main-content').getAttribute('data-screen') === ` + jsString(screen) + ` && document.getElementById('main-content').hasAttribute('data-ready')`)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// check runs axe-core on the page, then saves screenshots at both sizes.
//
// The elements matched by the selectors in random show something new on
// every run (an enrolment code, its QR code): the screenshot is rewritten
// only when the rest of the screen changed.
func (r *room) check(name string, random ...string) {
	r.t.Helper()
	r.axe(name)
	for _, sz := range screenshotSizes {
		r.viewport(int64(sz[0]), int64(sz[1]))
		r.run(chromedp.Sleep(150 * time.Millisecond)) // let layout settle after the resize
		var ignore []image.Rectangle
		for _, sel := range random {
			boxes := eval[[][4]float64](r, `[...document.querySelectorAll(`+strconv.Quote(sel)+`)].map(e => {
				const b = e.getBoundingClientRect(), d = window.devicePixelRatio;
				return [b.left * d, b.top * d, b.right * d, b.bottom * d];
			})`)
			if len(boxes) == 0 {
				r.t.Fatalf("%s: nothing on the screen matches %q, named as changing every run", name, sel)
			}
			for _, b := range boxes {
				ignore = append(ignore, image.Rect(int(b[0]), int(b[1]), int(math.Ceil(b[2])), int(math.Ceil(b[3]))))
			}
		}
		png, err := chromedp.Run(r.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			r.t.Fatal(err)
		}
		browsertest.SaveScreenshotIgnoring(r.t, filepath.Join(r.shots, fmt.Sprintf("%s-%dx%d.png", name, sz[0], sz[1])), png, ignore)
	}
	r.viewport(1440, 900)
	r.checked[name] = true
	r.t.Logf("%s checked at %s", name, time.Since(r.start).Round(time.Millisecond))
}

// axe runs axe-core on the page (WCAG 2.2 AA) and fails on any serious or
// critical violation.
func (r *room) axe(name string) {
	r.t.Helper()
	type violation struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	}
	eval[any](r, r.axeJS)
	res := eval[[]violation](r, `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => ({target: n.target}))})))`,
		chromedp.EvalAwaitPromise)
	for _, v := range res {
		if v.Impact == "serious" || v.Impact == "critical" {
			r.t.Errorf("%s: axe %s (%s): %s at %v", name, v.ID, v.Impact, v.Help, v.Nodes)
		}
	}
}

// signIn signs the browser in with a fresh code for subject.
func (r *room) signIn(subject string) {
	r.t.Helper()
	code, err := r.srv.Code(r.ctx, subject, "Incident room PC")
	if err != nil {
		r.t.Fatal(err)
	}
	r.run(chromedp.WaitVisible(chromedp.ID("code")))
	// The previous session's screen may have left its mark.
	eval[any](r, `document.getElementById('main-content').removeAttribute('data-ready')`)
	r.run(chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.Click(chromedp.CSS(`#sign-in button[type=submit]`)))
	r.waitJS(`document.getElementById('main-content').hasAttribute('data-ready')`)
}

// get calls the API as a separate device of subject.
func (r *room) get(token, path string, v any) {
	r.t.Helper()
	req, _ := http.NewRequest("GET", r.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		r.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		r.t.Fatal(err)
	}
}

// tablet is a Go SDK device enrolled for subject.
func (r *room) tablet(subject, role, device string) *continuity.Client {
	r.t.Helper()
	if err := r.srv.User(r.ctx, subject, role, r.srv.Incident); err != nil {
		r.t.Fatal(err)
	}
	tok, err := r.srv.Token(r.ctx, subject, role, device, time.Hour)
	if err != nil {
		r.t.Fatal(err)
	}
	c, err := continuity.Open(&continuity.Config{DBPath: filepath.Join(r.t.TempDir(), device+".db")})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	if err := c.EnrolWithAccessToken(r.srv.URL, tok); err != nil {
		r.t.Fatal(err)
	}
	if _, err := c.Sync(); err != nil {
		r.t.Fatal(err)
	}
	return c
}

func fields(t *testing.T, rec *continuity.Record) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(rec.FieldsJSON), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestConsole_IncidentRoom drives the console as the incident room uses it:
// sign in with a code, the board with the demo's residents and the summary's
// figures, a tablet's check arriving live, a conflict from two tablets
// resolved in the browser and reaching both, the movement log as CSV, and
// (as admin) a CQC upload reporting its bad line. Every screen is checked
// with axe-core and saved as screenshots in docs/console.
func TestConsole_IncidentRoom(t *testing.T) {
	r := newRoom(t)
	ctx := r.ctx
	if err := r.srv.User(ctx, "bea", "back_office", "*"); err != nil {
		t.Fatal(err)
	}
	r.run(chromedp.Navigate(r.srv.URL + "/console/"))
	r.run(chromedp.WaitVisible(chromedp.CSS(`#code`)))
	r.check("sign-in")

	// Sign in with a code: the board is the first screen.
	r.signIn("bea")
	r.waitJS(`document.querySelectorAll('#board-table tbody tr').length > 0`)
	boTok, err := r.srv.Token(ctx, "bea", "back_office", "bea-check", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Residents struct {
			Total int `json:"total"`
		} `json:"residents"`
		Moves struct {
			InTransit            int `json:"in_transit"`
			ResidentsMoved       int `json:"residents_moved"`
			ResidentsStillToMove int `json:"residents_still_to_move"`
		} `json:"moves"`
		Conflicts struct {
			Open int `json:"open"`
		} `json:"conflicts"`
	}
	base := "/v1/incidents/" + r.srv.Incident
	r.get(boTok, base+"/summary", &sum)
	if sum.Residents.Total != 42 {
		t.Fatalf("the demo incident has %d residents, want 42", sum.Residents.Total)
	}
	rows := eval[int](r, `document.querySelectorAll('#board-table tbody tr').length`)
	shown := eval[map[string]string](r, `Object.fromEntries([...document.querySelectorAll('[data-count]')].map(e => [e.dataset.count, e.querySelector('.app-count__number').textContent]))`)
	if rows != 42 {
		t.Fatalf("board shows %d residents, want 42", rows)
	}
	want := map[string]int{"to_move": sum.Moves.ResidentsStillToMove, "moved": sum.Moves.ResidentsMoved, "in_transit": sum.Moves.InTransit, "open_conflicts": sum.Conflicts.Open}
	for k, v := range want {
		if shown[k] != fmt.Sprint(v) {
			t.Errorf("board shows %s = %s, the summary says %d", k, shown[k], v)
		}
	}
	r.check("board")

	// The DoLS, capacity and best-interests filters show exactly the rows
	// the board endpoint gives each state.
	var board struct {
		Residents []struct {
			DoLS          string `json:"dols_status"`
			Capacity      string `json:"capacity"`
			BestInterests string `json:"best_interests"`
		} `json:"residents"`
	}
	r.get(boTok, base+"/board", &board)
	for _, f := range []struct {
		id  string
		val func(i int) string
	}{
		{"filter-dols", func(i int) string { return cmp.Or(board.Residents[i].DoLS, "not_recorded") }},
		{"filter-capacity", func(i int) string { return board.Residents[i].Capacity }},
		{"filter-bi", func(i int) string { return board.Residents[i].BestInterests }},
	} {
		want := map[string]int{}
		for i := range board.Residents {
			want[f.val(i)]++
		}
		opts := eval[[]string](r, `[...document.getElementById(`+jsString(f.id)+`).options].map(o => o.value).filter(Boolean)`)
		for v := range want {
			if !slices.Contains(opts, v) {
				t.Errorf("%s has no choice for %q (the board has %d such residents)", f.id, v, want[v])
			}
		}
		for _, v := range opts {
			sel := `document.getElementById(` + jsString(f.id) + `)`
			eval[any](r, sel+`.value = `+jsString(v)+`; `+sel+`.dispatchEvent(new Event('change'))`)
			if got := eval[int](r, `document.querySelectorAll('#board-table tbody tr').length`); got != want[v] {
				t.Errorf("%s = %s shows %d residents, the board has %d", f.id, v, got, want[v])
			}
		}
		eval[any](r, `document.getElementById(`+jsString(f.id)+`).value = ''; document.getElementById(`+jsString(f.id)+`).dispatchEvent(new Event('change'))`)
		t.Logf("%s: %v", f.id, want)
	}
	if got := eval[int](r, `document.querySelectorAll('#board-table tbody tr').length`); got != 42 {
		t.Fatalf("with the filters cleared the board shows %d residents, want 42", got)
	}

	// A tablet records a check: the board shows it without a reload.
	sam := r.tablet("sam", "social_worker", "tab-sam")
	target := eval[string](r, `window.__noReload = 'still here'; [...document.querySelectorAll('#board-table tbody tr')].find(tr => tr.textContent.includes('Not seen in 24 h')).dataset.resident`)
	visited := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	check := fmt.Sprintf(`{"incident_id":%q,"resident_id":%q,"visited_at":%q,"outcome":"safe_and_well","seen":true,"follow_up_due":%q}`,
		r.srv.Incident, target, visited, time.Now().Add(72*time.Hour).Format(time.DateOnly))
	if _, err := sam.Put("safe_and_well_checks", uuid.NewString(), check); err != nil {
		t.Fatal(err)
	}
	if _, err := sam.Sync(); err != nil {
		t.Fatal(err)
	}
	row := `document.querySelector('#board-table tr[data-resident="` + target + `"]')`
	r.waitJS(row + ` && ` + row + `.textContent.includes('Safe and well') && !` + row + `.textContent.includes('Not seen in 24 h')`)
	if eval[string](r, `window.__noReload`) != "still here" {
		t.Fatal("the page reloaded to show the check")
	}

	// Two tablets give one planned move two destinations: the conflict
	// appears in the queue.
	kim := r.tablet("kim", "social_worker", "tab-kim")
	moveID, dest := r.conflict(sam, kim, 0)
	r.waitJS(`document.querySelector('[data-count="open_conflicts"] .app-count__number').textContent === '1'`)
	r.open("#/conflicts", "conflicts")
	r.waitJS(`document.querySelectorAll('[data-conflict]').length === 1`)
	r.check("conflicts")

	// Resolve it in the browser by choosing the second value: it reaches
	// both tablets.
	r.run(chromedp.Click(chromedp.CSS(`[data-open-conflict]`)))
	r.waitJS(`document.getElementById('resolve-form') !== null`)
	r.check("conflict")

	// Writing a different value offers the homes by name; choosing none is
	// refused with the error summary linked to the control.
	r.run(chromedp.Click(chromedp.CSS(`#choice-new`)))
	r.waitJS(`!document.getElementById('conditional-new').classList.contains('govuk-radios__conditional--hidden')`)
	if tagName := eval[string](r, `document.getElementById('new-value').tagName`); tagName != "SELECT" {
		t.Fatalf("the new destination is a %s, want a select of homes", tagName)
	}
	if eval[bool](r, `[...document.getElementById('new-value').options].some(o => o.value === `+jsString(dest[2])+` && !o.textContent.includes(`+jsString(dest[2][:8])+`))`) != true {
		t.Fatalf("the homes offered do not include %s by name", dest[2])
	}
	r.run(chromedp.Click(chromedp.CSS(`#resolve-form button[type=submit]`)))
	r.waitJS(`document.querySelector('.govuk-error-summary a[href="#new-value"]') !== null`)
	if !eval[bool](r, `document.getElementById('new-value-group').classList.contains('govuk-form-group--error') && document.getElementById('new-value-error').textContent.includes('Choose the home') && document.getElementById('new-value').getAttribute('aria-describedby').includes('new-value-error')`) {
		t.Fatalf("the empty choice is not marked at the control: %s", r.text(`#resolve-form`))
	}
	r.check("conflict-error")
	secondDevice := r.text(`label[for="choice-1"] ~ .govuk-hint`)
	chosen := dest[1]
	if strings.Contains(secondDevice, "tab-sam") {
		chosen = dest[0]
	}
	r.run(chromedp.Click(chromedp.CSS(`#choice-1`)), chromedp.SendKeys(chromedp.CSS(`#note`), "Confirmed with the receiving home by phone"),
		chromedp.Click(chromedp.CSS(`#resolve-form button[type=submit]`)))
	r.waitJS(`document.querySelector('.govuk-notification-banner--success') !== null && document.getElementById('main-content').getAttribute('data-screen') === 'conflicts'`)
	for name, c := range map[string]*continuity.Client{"sam": sam, "kim": kim} {
		if _, err := c.Sync(); err != nil {
			t.Fatal(err)
		}
		rec, err := c.Get("moves", moveID)
		if err != nil {
			t.Fatal(err)
		}
		if got := fields(t, rec)["to_service_id"]; got != chosen {
			t.Fatalf("%s's tablet has destination %v after the resolution, want %s", name, got, chosen)
		}
	}

	// A second conflict, resolved by writing a home neither tablet chose:
	// picked by name from the list, it reaches both tablets.
	move2, dest2 := r.conflict(sam, kim, 1)
	// The queue is open: the new conflict arrives live.
	r.waitJS(`document.querySelectorAll('[data-open-conflict]').length === 1`)
	r.run(chromedp.Click(chromedp.CSS(`[data-open-conflict]`)))
	r.waitJS(`document.getElementById('resolve-form') !== null`)
	r.run(chromedp.Click(chromedp.CSS(`#choice-new`)),
		chromedp.SetValue(chromedp.CSS(`#new-value`), dest2[2]),
		chromedp.SendKeys(chromedp.CSS(`#note`), "Neither home can take her; the third has a room"),
		chromedp.Click(chromedp.CSS(`#resolve-form button[type=submit]`)))
	r.waitJS(`document.querySelector('.govuk-notification-banner--success') !== null && document.getElementById('main-content').getAttribute('data-screen') === 'conflicts'`)
	for name, c := range map[string]*continuity.Client{"sam": sam, "kim": kim} {
		if _, err := c.Sync(); err != nil {
			t.Fatal(err)
		}
		rec, err := c.Get("moves", move2)
		if err != nil {
			t.Fatal(err)
		}
		if got := fields(t, rec)["to_service_id"]; got != dest2[2] {
			t.Fatalf("%s's tablet has destination %v after the new value, want %s", name, got, dest2[2])
		}
	}

	// The movement log downloads as CSV.
	dl := t.TempDir()
	r.open("#/logs", "logs")
	r.check("logs")
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dl}); err != nil {
		t.Fatal(err)
	}
	r.run(chromedp.Click(chromedp.CSS(`#download-movement-log`)))
	var ml struct {
		Entries []struct {
			ID string `json:"id"`
		} `json:"entries"`
	}
	r.get(boTok, base+"/movement-log", &ml)
	csvRows := waitCSV(t, filepath.Join(dl, "movement-log-"+r.srv.Incident+".csv"))
	if len(csvRows) != len(ml.Entries)+1 || len(ml.Entries) == 0 {
		t.Fatalf("downloaded movement log has %d rows, the log has %d entries (+ header)", len(csvRows), len(ml.Entries))
	}
	for i, e := range ml.Entries {
		if !strings.Contains(strings.Join(csvRows[i+1], ","), e.ID) {
			t.Fatalf("CSV row %d does not hold entry %s: %v", i+1, e.ID, csvRows[i+1])
		}
	}

	// Every other screen of the incident room.
	r.run(chromedp.Click(chromedp.CSS(`#movement-log-table a`)))
	r.waitJS(`document.querySelectorAll('#history-result tbody tr').length > 0`)
	r.check("history")
	r.open("#/moves", "moves")
	r.check("moves")
	r.open("#/checklist", "checklist")
	r.check("checklist")
	r.run(chromedp.Click(chromedp.CSS(`.govuk-task-list__link`)))
	r.waitJS(`document.getElementById('item-form') !== null`)
	r.check("checklist-item")
	eval[any](r, `document.getElementById('officer_initials').value = ''`)
	r.run(chromedp.SendKeys(chromedp.CSS(`#officer_initials`), "BW"),
		chromedp.Click(chromedp.CSS(`#status-in_progress`)), chromedp.Click(chromedp.CSS(`#item-form button[type=submit]`)))
	r.waitJS(`document.querySelector('.govuk-notification-banner--success') !== null && document.getElementById('main-content').textContent.includes('officer BW')`)
	r.open("#/providers", "providers")
	r.check("providers")
	r.run(chromedp.Click(chromedp.CSS(`[data-provider] a`)))
	r.waitJS(`document.querySelector('h1') && document.querySelector('h1').textContent.includes('Provider') && document.body.textContent.includes('s.48')`)
	r.check("provider")
	r.open("#/report", "report")
	r.waitJS(`document.querySelectorAll('#chart-moves canvas, #chart-checks canvas').length === 2`)
	r.check("report")

	// An admin signs in on the same browser after sign-out: administration
	// and the CQC import.
	if err := r.srv.User(ctx, "ada", "admin"); err != nil {
		t.Fatal(err)
	}
	r.run(chromedp.Click(chromedp.CSS(`.app-account__signout`)), chromedp.WaitVisible(chromedp.CSS(`#code`)))
	r.signIn("ada")
	r.waitJS(`document.getElementById('main-content').getAttribute('data-screen') === 'admin'`)
	if navItems := eval[int](r, `document.querySelectorAll('#console-nav li').length`); navItems != 2 {
		t.Fatalf("an admin sees %d screens in the menu, want administration and import", navItems)
	}
	r.check("admin-users")
	adminTok, err := r.srv.Token(ctx, "ada", "admin", "ada-check", time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	// The server refuses a user name with a space: its refusal reaches the
	// screen through the SDK's APIError, in the server's own words (asked of
	// the server here, not copied), linked to the control its field names.
	refusal := r.envelope(adminTok, "POST", "/v1/admin/users", `{"subject":"sam smith!","role":"social_worker","name":""}`)
	if refusal.Field != "subject" || refusal.Message == "" {
		t.Fatalf("the server's refusal of a bad user name is %+v, want one naming subject", refusal)
	}
	r.run(chromedp.SendKeys(chromedp.CSS(`#f-subject`), "sam smith!"), chromedp.Click(chromedp.CSS(`#user-form button[type=submit]`)))
	r.waitJS(`document.querySelector('#user-form .govuk-error-summary a[href="#f-subject"]') !== null`)
	if got := r.text(`#user-form .govuk-error-summary a[href="#f-subject"]`); got != refusal.Message {
		t.Fatalf("the error summary says %q, the server said %q", got, refusal.Message)
	}
	if !eval[bool](r, `document.activeElement && document.activeElement.classList.contains('govuk-error-summary')`) {
		t.Fatal("the error summary does not take focus")
	}
	r.open("#/admin/devices", "admin")
	// Device ids end in random letters, which reorder the table and move
	// its columns on every run.
	r.check("admin-devices", "#devices-table")
	r.run(chromedp.Click(chromedp.CSS(`[data-device="tab-kim"] a`)))
	r.waitJS(`document.getElementById('confirm-revoke') !== null`)
	r.check("admin-revoke")
	r.run(chromedp.Click(chromedp.CSS(`#confirm-revoke`)))
	r.waitJS(`document.querySelector('[data-device="tab-kim"]') && document.querySelector('[data-device="tab-kim"]').textContent.includes('Revoked')`)
	r.open("#/admin/scopes/bea", "admin")
	r.check("admin-scopes")
	r.open("#/admin/codes", "admin")
	r.run(chromedp.SendKeys(chromedp.CSS(`#f-device_name`), "Tablet 7"), chromedp.Click(chromedp.CSS(`#code-form button[type=submit]`)))
	r.waitJS(`document.getElementById('code-qr') && document.getElementById('code-qr').naturalWidth > 0`)
	r.check("admin-codes", "#code-text", "#code-qr", ".app-code-for")

	// Cancelling a code goes through a confirmation page; "Keep the code"
	// keeps it, the warning button cancels it.
	codeRow := `[...document.querySelectorAll('#codes-list tr[data-code-id]')].find(tr => tr.textContent.includes('Tablet 7'))`
	codeID := eval[string](r, codeRow+`.dataset.codeId`)
	r.run(chromedp.Click(chromedp.CSS(`tr[data-code-id="` + codeID + `"] a`)))
	r.waitJS(`document.getElementById('confirm-cancel-code') !== null`)
	if !strings.Contains(r.text(`#main-content h2.govuk-heading-l`), "Tablet 7") || !eval[bool](r, `document.getElementById('confirm-cancel-code').classList.contains('govuk-button--warning')`) {
		t.Fatalf("the confirmation page does not name the code or has no warning button: %s", r.text(`#main-content`))
	}
	r.check("admin-code-cancel")
	r.run(chromedp.Click(chromedp.CSS(`#admin-codes .govuk-button-group a`)))
	r.waitJS(`document.querySelector('#codes-list tr[data-code-id="` + codeID + `"]') !== null`)
	r.run(chromedp.Click(chromedp.CSS(`tr[data-code-id="` + codeID + `"] a`)))
	r.waitJS(`document.getElementById('confirm-cancel-code') !== null`)
	r.run(chromedp.Click(chromedp.CSS(`#confirm-cancel-code`)))
	r.waitJS(`document.querySelector('.govuk-notification-banner--success') !== null && document.getElementById('codes-list') !== null && document.querySelector('#codes-list tr[data-code-id="` + codeID + `"]') === null`)
	var open struct {
		Codes []struct {
			ID string `json:"id"`
		} `json:"codes"`
	}
	r.get(adminTok, "/v1/admin/enrolment-codes", &open)
	for _, x := range open.Codes {
		if x.ID == codeID {
			t.Fatalf("code %s is still waiting after it was cancelled", codeID)
		}
	}

	r.open("#/import", "import")
	csvPath, err := filepath.Abs(filepath.Join(root, "testdata/cqc/directory.csv"))
	if err != nil {
		t.Fatal(err)
	}
	bad := badLines(t, csvPath)
	t.Logf("uploading at %s", time.Since(r.start))
	r.run(chromedp.SetUploadFiles(chromedp.CSS(`#cqc-file`), []string{csvPath}),
		chromedp.Click(chromedp.CSS(`#import-form button[type=submit]`)))
	r.waitJS(`document.getElementById('bad-rows') !== null`)
	lines := eval[[]string](r, `[...document.querySelectorAll('#bad-rows tbody tr')].map(tr => tr.dataset.line)`)
	if strings.Join(lines, ",") != strings.Join(bad, ",") || len(bad) == 0 {
		t.Fatalf("the upload reports bad lines %v, the importer finds %v", lines, bad)
	}
	r.check("import")

	// A role may not open a screen it cannot use: a direct link says so
	// instead of failing.
	eval[any](r, `location.hash = '#/board'`)
	r.waitJS(`document.querySelector('h1') && document.querySelector('h1').textContent === 'You cannot use this screen'`)
	r.check("not-for-role")
	if strings.Contains(r.logs.String(), "exception") {
		t.Errorf("browser log has exceptions:\n%s", r.logs.String())
	}
}

// conflict has two tablets give one planned move two different
// destinations (homes registered for the resident's needs) and sync both,
// so the server raises a conflict. It takes the nth planned move (from 0),
// and returns it and three homes registered for the resident's needs: the
// destinations sam and kim wrote, then one neither wrote.
func (r *room) conflict(sam, kim *continuity.Client, nth int) (string, []string) {
	t := r.t
	t.Helper()
	moves, err := sam.List("moves", r.srv.Incident)
	if err != nil {
		t.Fatal(err)
	}
	var moveID string
	for i := 0; i < moves.Len(); i++ {
		if f := fields(t, moves.At(i)); f["status"] == "planned" {
			if nth == 0 {
				moveID = moves.At(i).ID
				break
			}
			nth--
		}
	}
	move, err := sam.Get("moves", moveID)
	if err != nil {
		t.Fatal(err)
	}
	mf := fields(t, move)
	res, err := sam.Get("residents", mf["resident_id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	need := fields(t, res)["registration_category"]
	services, err := sam.List("services", "")
	if err != nil {
		t.Fatal(err)
	}
	var dest []string
	for i := 0; i < services.Len() && len(dest) < 3; i++ {
		sf := fields(t, services.At(i))
		cats, _ := sf["registration_categories"].([]any)
		if services.At(i).ID == mf["from_service_id"] || services.At(i).ID == mf["to_service_id"] {
			continue
		}
		for _, c := range cats {
			if c == need {
				dest = append(dest, services.At(i).ID)
				break
			}
		}
	}
	if len(dest) != 3 {
		t.Fatalf("the demo has no three homes registered for %v", need)
	}
	if _, err := sam.Put("moves", moveID, fmt.Sprintf(`{"to_service_id":%q}`, dest[0])); err != nil {
		t.Fatal(err)
	}
	if _, err := kim.Put("moves", moveID, fmt.Sprintf(`{"to_service_id":%q}`, dest[1])); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*continuity.Client{sam, kim} {
		if _, err := c.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	return moveID, dest
}

// badLines returns the lines the importer cannot read in a CQC file.
func badLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := cqc.Parse(context.Background(), f, func(cqc.Location) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range rep.Errors {
		out = append(out, fmt.Sprint(e.Line))
	}
	return out
}

// waitCSV waits for a downloaded file to appear complete and parses it.
func waitCSV(t *testing.T, path string) [][]string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil && len(b) > 0 {
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(filepath.Dir(path))
			t.Fatalf("no download at %s (directory has %v)", path, entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// envelope calls the API as a device, expecting a refusal, and returns
// the error envelope the server answered.
func (r *room) envelope(token, method, path, body string) (e struct{ Code, Field, Message string }) {
	r.t.Helper()
	req, _ := http.NewRequest(method, r.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Error struct{ Code, Field, Message string } `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || resp.StatusCode < 400 {
		r.t.Fatalf("%s %s answered %d (%v), want a refusal", method, path, resp.StatusCode, err)
	}
	return env.Error
}

// status calls the API as a device and returns the HTTP status.
func (r *room) status(token, method, path, body string) int {
	r.t.Helper()
	req, _ := http.NewRequest(method, r.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// allowedByServer asks the server, as a device of subject with role, which
// console screens and powers it would serve: a screen is allowed when every
// endpoint it reads answers (not 401/403), a power when the server does not
// refuse it for the role.
func (r *room) allowedByServer(subject, role string) (screens []string, powers map[string]bool) {
	r.t.Helper()
	tok, err := r.srv.Token(r.ctx, subject, role, subject+"-probe", time.Hour)
	if err != nil {
		r.t.Fatal(err)
	}
	inc := "/v1/incidents/" + r.srv.Incident
	probes := []struct {
		screen string
		calls  [][3]string // method, path, body
	}{
		{"board", [][3]string{{"GET", inc + "/board"}}},
		{"moves", [][3]string{{"GET", inc + "/moves"}}},
		{"conflicts", [][3]string{{"GET", "/v1/conflicts?incident_id=" + r.srv.Incident}}},
		{"checklist", [][3]string{{"GET", inc + "/checklist"}}},
		{"obligations", [][3]string{{"GET", inc + "/summary"}}},
		{"providers", [][3]string{{"GET", "/v1/providers"}}},
		{"report", [][3]string{{"GET", inc + "/situation-report"}}},
		{"logs", [][3]string{{"GET", inc + "/movement-log"}, {"GET", inc + "/decision-log"}}},
		// An empty upload: refused for the role, or refused as empty.
		{"import", [][3]string{{"POST", "/v1/admin/import/cqc"}}},
		{"admin", [][3]string{{"GET", "/v1/admin/users"}, {"GET", "/v1/admin/devices"}, {"GET", "/v1/admin/enrolment-codes"}}},
	}
	for _, p := range probes {
		ok := true
		for _, c := range p.calls {
			st := r.status(tok, c[0], c[1], c[2])
			if st == http.StatusUnauthorized || st == http.StatusForbidden {
				ok = false
			} else if st >= 500 {
				r.t.Fatalf("%s %s as %s: %d", c[0], c[1], role, st)
			}
		}
		if ok {
			screens = append(screens, p.screen)
		}
	}
	// Resolving a conflict that does not exist: 403 when the role may not
	// resolve, 404 when it may.
	resolve := r.status(tok, "POST", "/v1/conflicts/"+uuid.NewString()+"/resolve", `{"note":"probe"}`)
	powers = map[string]bool{
		"resolve_conflicts": resolve != http.StatusForbidden,
		// The checklist item form writes these fields by update.
		"edit_checklist": access.Check(role, "checklist_items", access.Update, []string{"officer_initials", "status", "due_on", "notes", "completed_on"}) == nil,
	}
	return screens, powers
}

// TestConsole_Roles signs in as a commissioner, the Director and a quality
// officer and checks that each sees exactly the screens and powers the
// server grants that role (asked of the server, not copied from the
// console), that a screen the role may not use says so in plain words, and
// that every screen each opens passes axe-core.
func TestConsole_Roles(t *testing.T) {
	r := newRoom(t)
	ctx := r.ctx
	sam := r.tablet("sam", "social_worker", "tab-sam")
	kim := r.tablet("kim", "social_worker", "tab-kim")
	r.conflict(sam, kim, 0)
	r.run(chromedp.Navigate(r.srv.URL + "/console/"))
	all := []string{"board", "moves", "conflicts", "checklist", "obligations", "providers", "report", "logs", "import", "admin"}
	for _, tc := range []struct{ subject, role string }{
		{"cara", "commissioner"}, {"dan", "director"}, {"quinn", "quality_officer"},
	} {
		t.Run(tc.role, func(t *testing.T) {
			r.t = t
			if err := r.srv.User(ctx, tc.subject, tc.role, r.srv.Incident); err != nil {
				t.Fatal(err)
			}
			screens, powers := r.allowedByServer(tc.subject, tc.role)
			r.signIn(tc.subject)
			nav := eval[[]string](r, `[...document.querySelectorAll('#console-nav li')].map(li => li.dataset.screen)`)
			if strings.Join(nav, ",") != strings.Join(screens, ",") {
				t.Errorf("the menu shows %v, the server serves %v", nav, screens)
			}
			for _, s := range all {
				allowed := slices.Contains(screens, s)
				eval[any](r, `document.getElementById('main-content').removeAttribute('data-ready'); document.title = ''; location.hash = `+jsString("#/"+s))
				if !allowed {
					r.waitJS(`document.title.startsWith('Not available') && document.querySelector('#main-content h1').textContent === 'You cannot use this screen'`)
					r.axe(tc.role + " not-for-role " + s)
					continue
				}
				r.waitJS(`document.getElementById('main-content').getAttribute('data-screen') === ` + jsString(s) + ` && document.getElementById('main-content').hasAttribute('data-ready')`)
				if h1 := r.text(`#main-content h1`); strings.Contains(h1, "do not have access") || strings.Contains(h1, "cannot use") {
					t.Errorf("%s: the server allows it but the console says %q", s, h1)
				}
				if n := eval[int](r, `document.querySelectorAll('#main-content .govuk-error-summary').length`); n != 0 {
					t.Errorf("%s: shows an error: %s", s, r.text(`#main-content`))
				}
				r.axe(tc.role + " " + s)
			}

			// The conflict page: the resolve form only for a role the
			// server lets resolve.
			r.open("#/conflicts", "conflicts")
			r.waitJS(`document.querySelectorAll('[data-open-conflict]').length > 0`)
			r.run(chromedp.Click(chromedp.CSS(`[data-open-conflict]`)))
			r.waitJS(`document.getElementById('main-content').textContent.includes('The record\'s history')`)
			if got := eval[bool](r, `document.getElementById('resolve-form') !== null`); got != powers["resolve_conflicts"] {
				t.Errorf("conflict page: resolve form shown %v, the server lets %s resolve: %v", got, tc.role, powers["resolve_conflicts"])
			}
			if tc.role == "commissioner" {
				r.check("conflict-read-only")
			} else {
				r.axe(tc.role + " conflict")
			}

			// The checklist: item links and the item form only for a role
			// the server lets update checklist items.
			r.open("#/checklist", "checklist")
			links := eval[int](r, `document.querySelectorAll('.govuk-task-list__link').length`)
			if (links > 0) != powers["edit_checklist"] {
				t.Errorf("checklist: %d item links, the server lets %s update items: %v", links, tc.role, powers["edit_checklist"])
			}
			var v struct {
				Sections []struct {
					Items []struct {
						ID string `json:"id"`
					} `json:"items"`
				} `json:"sections"`
			}
			tok, err := r.srv.Token(ctx, tc.subject, tc.role, tc.subject+"-probe", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			r.get(tok, "/v1/incidents/"+r.srv.Incident+"/checklist", &v)
			r.open("#/checklist/"+v.Sections[0].Items[0].ID, "checklist")
			if got := eval[bool](r, `document.getElementById('item-form') !== null`); got != powers["edit_checklist"] {
				t.Errorf("checklist item: form shown %v, the server lets %s update items: %v", got, tc.role, powers["edit_checklist"])
			}
			if !powers["edit_checklist"] {
				r.check("checklist-item-read-only")
			} else {
				r.axe(tc.role + " checklist item")
			}
			r.run(chromedp.Click(chromedp.CSS(`.app-account__signout`)), chromedp.WaitVisible(chromedp.CSS(`#code`)))
		})
	}
	r.t = t
	if strings.Contains(r.logs.String(), "exception") {
		t.Errorf("browser log has exceptions:\n%s", r.logs.String())
	}
}
