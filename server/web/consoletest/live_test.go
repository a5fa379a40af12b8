package consoletest_test

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/web/browsertest"
	"github.com/google/uuid"
)

// boardRoom is a room whose console is signed in as bea, back office in
// every incident, with the board's residents listed.
func boardRoom(t *testing.T) *room {
	r := newRoom(t)
	if err := r.srv.User(r.ctx, "bea", "back_office", "*"); err != nil {
		t.Fatal(err)
	}
	r.run(chromedp.Navigate(r.srv.URL + "/console/"))
	r.signIn("bea")
	r.waitJS(`document.querySelectorAll('#board-table tbody tr').length > 0`)
	return r
}

// TestConsole_BoardByFamilyNameAndNHSNumber: the board lists residents by
// family name, shows each one's NHS number, and finds a resident by NHS
// number typed with spaces.
func TestConsole_BoardByFamilyNameAndNHSNumber(t *testing.T) {
	r := boardRoom(t)

	tok, err := r.srv.Token(r.ctx, "bea", "back_office", "bea-check", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID     string `json:"resident_id"`
		Family string `json:"family_name"`
		Given  string `json:"given_name"`
		NHS    string `json:"nhs_number"`
	}
	var board struct {
		Residents []row `json:"residents"`
	}
	r.get(tok, "/v1/incidents/"+r.srv.Incident+"/board", &board)
	rows := board.Residents
	slices.SortStableFunc(rows, func(a, b row) int {
		return strings.Compare(strings.ToLower(a.Family+"\x00"+a.Given+"\x00"+a.NHS), strings.ToLower(b.Family+"\x00"+b.Given+"\x00"+b.NHS))
	})
	var want []string
	for _, x := range rows {
		want = append(want, x.ID)
	}
	got := eval[[]string](r, `[...document.querySelectorAll('#board-table tbody tr')].map(tr => tr.dataset.resident)`)
	if !slices.Equal(got, want) {
		t.Errorf("the board's order is not by family name:\n got %v\nwant %v", got, want)
	}

	var pick string
	for _, x := range rows {
		if len(x.NHS) == 10 {
			pick = x.ID
			r.run(chromedp.SendKeys(chromedp.ID("filter-name"), x.NHS[:3]+" "+x.NHS[3:6]+" "+x.NHS[6:]))
			break
		}
	}
	if pick == "" {
		t.Fatal("no resident on the board has an NHS number")
	}
	r.waitJS(`document.querySelectorAll('#board-table tbody tr').length === 1 && document.querySelector('#board-table tbody tr').dataset.resident === ` + jsString(pick) + ` && document.querySelector('#board-table tbody tr').textContent.includes('NHS ')`)
}

// TestConsole_NotLiveWhenLinkDrops: the status line says "Live" only while
// the server answers; when the browser's link drops it says "Not live
// since HH:MM", and every screen's module still loads; when the link comes
// back it says "Live" again.
func TestConsole_NotLiveWhenLinkDrops(t *testing.T) {
	r := boardRoom(t)
	const status = `document.getElementById('console-status').textContent`
	r.waitJS(status + `.startsWith('Live')`)

	entries, err := os.ReadDir(filepath.Join(root, "server/web/console/js/views"))
	if err != nil {
		t.Fatal(err)
	}
	// The modules are preloaded after sign-in; wait until the browser holds
	// every one (performance entries name each module fetched).
	var views []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".js") {
			views = append(views, "/console/js/views/"+e.Name())
		}
	}
	r.waitJS(`(() => { const got = performance.getEntriesByType('resource').map(e => new URL(e.name).pathname); return ` + jsArray(views) + `.every(v => got.includes(v)); })()`)

	browsertest.SetOffline(t, r.ctx, nil, true)
	dropped := time.Now()
	r.waitJS(status + `.startsWith('Not live since ')`)
	t.Logf(`"Not live since" shown %s after the link dropped`, time.Since(dropped).Round(100*time.Millisecond))
	if got := eval[string](r, status); !strings.Contains(got, ":") {
		t.Errorf("the status line does not say since when: %q", got)
	}
	r.check("not-live", "#console-status")

	// Every screen's module loads with no link (from what the page holds).
	for _, v := range views {
		if got := eval[string](r, `import(`+jsString(v)+`).then(() => 'loaded', e => String(e))`, chromedp.EvalAwaitPromise); got != "loaded" {
			t.Errorf("%s does not load with the link down: %s", v, got)
		}
	}

	browsertest.SetOffline(t, r.ctx, nil, false)
	r.waitJS(status + `.startsWith('Live')`)
}

// jsArray is a JavaScript array literal of strings.
func jsArray(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = jsString(s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

// TestConsole_WallScreen: on a 1920×1080 wall screen the board shows at
// least 15 whole resident rows without scrolling, its counts in the GOV.UK
// typeface; the picture is saved in docs/console.
func TestConsole_WallScreen(t *testing.T) {
	r := boardRoom(t)
	r.viewport(1920, 1080)
	r.open("#/board/wall", "board")
	r.waitJS(`document.querySelectorAll('#board-table tbody tr').length > 0`)
	whole := eval[int](r, `(() => { scrollTo(0, 0); return [...document.querySelectorAll('#board-table tbody tr')].filter(tr => {
		const b = tr.getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight && b.left >= 0 && b.right <= innerWidth; }).length; })()`)
	if whole < 15 {
		t.Errorf("%d whole resident rows in view at 1920×1080, want at least 15", whole)
	}
	t.Logf("%d whole resident rows in view at 1920×1080", whole)
	for _, sel := range []string{".app-count__number", ".app-count__label"} {
		if font := eval[string](r, `getComputedStyle(document.querySelector(`+jsString(sel)+`)).fontFamily`); !strings.Contains(strings.ToLower(font), "arial") {
			t.Errorf("%s is set in %q, not the GOV.UK typeface", sel, font)
		}
	}
	r.axe("wall")
	png, err := chromedp.Run(r.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	status := eval[[4]float64](r, `(() => { const b = document.getElementById('console-status').getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })()`)
	browsertest.SaveScreenshotIgnoring(t, filepath.Join(r.shots, "board-wall-1920x1080.png"), png,
		[]image.Rectangle{image.Rect(int(status[0]), int(status[1]), int(status[2])+1, int(status[3])+1)})

	// Leaving the wall screen brings the menus back.
	r.open("#/board", "board")
	if eval[bool](r, `document.body.classList.contains('app-wall')`) {
		t.Error("the wall screen's layout stays after leaving it")
	}
}

// TestConsole_LiveRefreshKeepsFocus: a change arriving from a tablet
// redraws the board's table while someone is on one of its sort buttons;
// focus stays on that button (the redrawn markup's control with the same
// id takes it back), so a keyboard or screen-reader user keeps their place.
func TestConsole_LiveRefreshKeepsFocus(t *testing.T) {
	r := boardRoom(t)
	r.run(chromedp.Focus(chromedp.CSS(`#sort-where`)))
	if got := eval[string](r, `document.activeElement.id`); got != "sort-where" {
		t.Fatalf("focus is on %q before the refresh, want sort-where", got)
	}
	before := eval[string](r, `document.getElementById('main-content').getAttribute('data-refreshed') || ''`)
	target := eval[string](r, `document.querySelector('#board-table tbody tr').dataset.resident`)

	sam := r.tablet("sam", "social_worker", "tab-sam")
	check := fmt.Sprintf(`{"incident_id":%q,"resident_id":%q,"visited_at":%q,"outcome":"safe_and_well","seen":true}`,
		r.srv.Incident, target, time.Now().UTC().Add(-time.Minute).Format(time.RFC3339))
	if _, err := sam.Put("safe_and_well_checks", uuid.NewString(), check); err != nil {
		t.Fatal(err)
	}
	if _, err := sam.Sync(); err != nil {
		t.Fatal(err)
	}
	row := `document.querySelector('#board-table tr[data-resident="` + target + `"]')`
	r.waitJS(row + ` && ` + row + `.textContent.includes('Safe and well') && (document.getElementById('main-content').getAttribute('data-refreshed') || '') !== ` + jsString(before))
	if got := eval[string](r, `document.activeElement ? document.activeElement.id : ''`); got != "sort-where" {
		t.Fatalf("after the live refresh focus is on %q, want the sort button it was on (sort-where)", got)
	}
}
