// Package apptest drives the field app in headless Chromium through its
// first sync and measures it: the slow-link browser test
// (server/web, TestApp_FirstSyncOverSlowLink) and its bench
// (bench/slowlink) share it. It asserts nothing; callers do.
package apptest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/chromedp/chromedp"
)

// Request is one request's resource timing, in milliseconds from the
// page's start.
type Request struct {
	Path string `json:"path"`
	// Start and End are when the request began and its answer's last
	// byte arrived.
	Start float64 `json:"start"`
	End   float64 `json:"end"`
	// Transfer is the bytes received (headers and body as sent), Encoded
	// the body as sent (compressed), Decoded the body after decompression.
	Transfer int64 `json:"transfer"`
	Encoded  int64 `json:"encoded"`
	Decoded  int64 `json:"decoded"`
}

// FirstSync is what one fresh field app's first sync took.
type FirstSync struct {
	// ShellLoad is the app's first page load (shell, scripts, styles),
	// from navigation to the load event, in ms.
	ShellLoad float64 `json:"shell_load"`
	// Total is from submitting the enrolment code to the app saying it
	// has synced ("Last synced"), in ms: enrolment, key, the first push
	// and every pull page merged, sealed and stored.
	Total float64 `json:"total"`
	// Pulls are the pull pages' requests, in order; Other the API's other
	// requests during the first sync (enrolment, wipe secret, me).
	Pulls []Request `json:"pulls"`
	Other []Request `json:"other"`
	// Network is the time spent waiting on pull answers (while at least
	// one was awaited; the next page is asked for while one is applied, so
	// they overlap the merging), Apply the rest from the first pull to the
	// end: merging, sealing and storing with no answer awaited, in ms.
	Network float64 `json:"network"`
	Apply   float64 `json:"apply"`
	// Rows is how many sealed rows the device stored (a base for each
	// record, and a view row for each with changes pending), Records how
	// many records the device holds (in either).
	Rows    int `json:"rows"`
	Records int `json:"records"`
	// Seal is the time the page takes to seal Rows rows of the same sizes
	// the way a transaction's commit does (AES-GCM, all at once), measured
	// after the sync, in ms: sealing's part of Apply.
	Seal float64 `json:"seal"`
	// T0 is when the code was sent, in ms from the page's start (the
	// requests' times count from there too).
	T0 float64 `json:"t0"`
	// Residents is how many residents the list showed after choosing the
	// incident.
	Residents int `json:"residents"`
}

// PIN is the device PIN FirstSync chooses.
const PIN = "275913"

// watch is installed before the enrolment is sent: it notes when the
// status first says "Last synced".
const watch = `(() => {
	window.__firstSync = { t0: performance.now(), synced: 0 };
	const seen = () => {
		const e = document.getElementById('app-synced');
		if (!window.__firstSync.synced && e && e.textContent.startsWith('Last synced')) window.__firstSync.synced = performance.now();
	};
	new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
	document.getElementById('enrol-submit').click();
	return true;
})()`

// collect reads the timings and what the device stored, and seals as many
// rows of the same sizes with a fresh key.
const collect = `(async () => {
	const t = window.__firstSync;
	const nav = performance.getEntriesByType('navigation')[0];
	const reqs = performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname.startsWith('/v1/')).map(e => ({
		path: new URL(e.name).pathname, start: e.startTime, end: e.responseEnd, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize }));
	const db = await new Promise((res, rej) => { const q = indexedDB.open('continuity-app'); q.onsuccess = () => res(q.result); q.onerror = () => rej(q.error); });
	const sizes = [];
	const records = new Set();
	for (const name of ['base', 'records']) {
		const rows = await new Promise((res) => { const g = db.transaction(name).objectStore(name).getAll(); g.onsuccess = () => res(g.result); });
		for (const r of rows) if (r.v && r.v.ct) sizes.push(r.v.ct.byteLength - 16);
		for (const r of rows) records.add(r.collection + '\u0000' + r.record_id);
	}
	db.close();
	const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt']);
	const plain = sizes.map(n => new TextEncoder().encode('x'.repeat(n)));
	const s0 = performance.now();
	await Promise.all(plain.map(p => crypto.subtle.encrypt({ name: 'AES-GCM', iv: crypto.getRandomValues(new Uint8Array(12)), additionalData: new TextEncoder().encode('records\u0000x') }, key, p)));
	const seal = performance.now() - s0;
	return JSON.stringify({ t0: t.t0, synced: t.synced, shell: nav ? nav.loadEventEnd : 0, reqs, rows: sizes.length, records: records.size, seal });
})()`

// Run opens base+"/app/" in the tab (a fresh profile), enrols with code,
// waits for the first sync, then chooses the PIN and the first incident and
// waits for the residents list; it returns what the first sync took.
func Run(ctx context.Context, base, code string) (FirstSync, error) {
	var fs FirstSync
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/app/#/enrol"),
		chromedp.WaitVisible(chromedp.ID("f-code")),
		chromedp.SendKeys(chromedp.ID("f-code"), code)); err != nil {
		return fs, fmt.Errorf("apptest: enrolment page: %w", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](watch)); err != nil {
		return fs, fmt.Errorf("apptest: send the code: %w", err)
	}
	if err := poll(ctx, "the first sync", `window.__firstSync && window.__firstSync.synced > 0`, 3*time.Minute); err != nil {
		return fs, err
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](collect, chromedp.EvalAwaitPromise))
	if err != nil {
		return fs, fmt.Errorf("apptest: read the timings: %w", err)
	}
	var got struct {
		T0, Synced, Shell, Seal float64
		Reqs                    []Request
		Rows, Records           int
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		return fs, fmt.Errorf("apptest: timings: %w", err)
	}
	fs.T0 = got.T0
	fs.ShellLoad, fs.Total, fs.Rows, fs.Records, fs.Seal = got.Shell, got.Synced-got.T0, got.Rows, got.Records, got.Seal
	for _, r := range got.Reqs {
		if r.Start < got.T0 || r.Start > got.Synced {
			continue
		}
		if r.Path == "/v1/sync/pull" {
			fs.Pulls = append(fs.Pulls, r)
		} else {
			fs.Other = append(fs.Other, r)
		}
	}
	fs.Network, fs.Apply = pullTimes(fs.Pulls, got.Synced)

	// Then as a person would: the PIN, the incident, the list.
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("f-confirm")),
		chromedp.SetValue(chromedp.ID("f-pin"), PIN),
		chromedp.SetValue(chromedp.ID("f-confirm"), PIN),
		chromedp.Click(chromedp.ID("pin-submit"))); err != nil {
		return fs, fmt.Errorf("apptest: choose the PIN: %w", err)
	}
	if err := poll(ctx, "the incidents", `document.title.startsWith('Choose an incident') && document.getElementById('f-incident') !== null`, time.Minute); err != nil {
		return fs, err
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("f-incident")), chromedp.Click(chromedp.CSS("main form button[type=submit]"))); err != nil {
		return fs, fmt.Errorf("apptest: choose the incident: %w", err)
	}
	if err := poll(ctx, "the residents list", `document.title.startsWith('Residents') && document.querySelectorAll('tr[data-id]').length > 0`, time.Minute); err != nil {
		return fs, err
	}
	fs.Residents, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('tr[data-id]').length`))
	return fs, err
}

// pullTimes splits the time from the first pull's request to synced into
// the time at least one pull answer was awaited (the union of the
// requests' spans) and the rest.
func pullTimes(pulls []Request, synced float64) (network, apply float64) {
	if len(pulls) == 0 {
		return 0, 0
	}
	spans := append([]Request(nil), pulls...)
	sort.Slice(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start })
	from, to := spans[0].Start, spans[0].End
	for _, p := range spans[1:] {
		if p.Start > to {
			network += to - from
			from = p.Start
		}
		to = max(to, p.End)
	}
	network += to - from
	return network, synced - spans[0].Start - network
}

// poll waits for a page expression to be true.
func poll(ctx context.Context, what, expr string, timeout time.Duration) error {
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout))); err != nil {
		title, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title + ' | ' + (document.getElementById('app-status') || {}).textContent`))
		return fmt.Errorf("apptest: waiting for %s (the page shows %q): %w", what, title, err)
	}
	return nil
}
