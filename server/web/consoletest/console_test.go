package consoletest_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	continuity "github.com/continuity-care/continuity/client-sdk"
	"github.com/continuity-care/continuity/server/cqc"
	"github.com/continuity-care/continuity/server/web/consoletest"
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
	axe     string
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
	t.Cleanup(func() { srv.Close() })
	bctx, bcancel := consoletest.Browser(ctx, exe, t.TempDir(), 1440, 900)
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
	shots := filepath.Join(root, "docs/console")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return &room{t: t, srv: srv, ctx: bctx, logs: logs, axe: string(axe), shots: shots, checked: map[string]bool{}, start: time.Now()}
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

// check runs axe-core on the page (WCAG 2.2 AA) and fails on any serious or
// critical violation, then saves screenshots at both sizes.
func (r *room) check(name string) {
	r.t.Helper()
	type violation struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	}
	eval[any](r, r.axe)
	res := eval[[]violation](r, `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => ({target: n.target}))})))`,
		chromedp.EvalAwaitPromise)
	for _, v := range res {
		if v.Impact == "serious" || v.Impact == "critical" {
			r.t.Errorf("%s: axe %s (%s): %s at %v", name, v.ID, v.Impact, v.Help, v.Nodes)
		}
	}
	for _, sz := range screenshotSizes {
		r.viewport(int64(sz[0]), int64(sz[1]))
		r.run(chromedp.Sleep(150 * time.Millisecond)) // let layout settle after the resize
		png, err := chromedp.Run(r.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.shots, fmt.Sprintf("%s-%dx%d.png", name, sz[0], sz[1])), png, 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	r.viewport(1440, 900)
	r.checked[name] = true
	r.t.Logf("%s checked at %s", name, time.Since(r.start).Round(time.Millisecond))
}

// signIn signs the browser in with a fresh code for subject.
func (r *room) signIn(subject string) {
	r.t.Helper()
	code, err := r.srv.Code(r.ctx, subject, "Incident room PC")
	if err != nil {
		r.t.Fatal(err)
	}
	r.run(chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), code),
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
	moves, err := sam.List("moves", r.srv.Incident)
	if err != nil {
		t.Fatal(err)
	}
	var moveID string
	for i := 0; i < moves.Len(); i++ {
		if f := fields(t, moves.At(i)); f["status"] == "planned" {
			moveID = moves.At(i).ID
			break
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
	for i := 0; i < services.Len() && len(dest) < 2; i++ {
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
	if len(dest) != 2 {
		t.Fatalf("the demo has no two homes registered for %v", need)
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
	r.waitJS(`document.querySelector('[data-count="open_conflicts"] .app-count__number').textContent === '1'`)
	r.open("#/conflicts", "conflicts")
	r.waitJS(`document.querySelectorAll('[data-conflict]').length === 1`)
	r.check("conflicts")

	// Resolve it in the browser by choosing the second value: it reaches
	// both tablets.
	r.run(chromedp.Click(chromedp.CSS(`[data-open-conflict]`)))
	r.waitJS(`document.getElementById('resolve-form') !== null`)
	r.check("conflict")
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
	r.waitJS(`document.querySelector('.govuk-notification-banner--success') !== null && document.getElementById('main-content').textContent.includes('owner BW')`)
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
	r.open("#/admin/devices", "admin")
	r.check("admin-devices")
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
	r.check("admin-codes")

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
			rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
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
