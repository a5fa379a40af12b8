package jssdk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/web/browsertest"
)

// benchFigures is what test/bench.js answers, in milliseconds.
type benchFigures struct {
	Residents int `json:"residents"`
	Records   int `json:"records"`
	Found     int `json:"found"`
	Sealed    struct {
		Sync, Open, Unlock, List, UnlockToList, Search, SearchNHS, ListAndSearch, Reread float64
		RereadRows                                                                       int
	} `json:"sealed"`
	Plain struct {
		Open, List, UnlockToList, Search float64
	} `json:"plain"`
}

// BenchmarkClient_AtRest measures, in headless Chromium with the CPU slowed
// 4× (a tablet-sized profile), a device holding 500 residents and two
// checks each: cold unlock-to-list (open, PIN, decrypt every resident) and
// search, sealed, beside the same rows kept in clear. It prints a table
// (docs/benchmarks.md); nothing is asserted about time.
//
//	go test ./client-sdk/js -run '^$' -bench AtRest -benchtime 1x
func BenchmarkClient_AtRest(b *testing.B) {
	browsertest.RequireChromium(b)
	srv := startSDKServer(b)
	br := browsertest.New(b)
	ctx := br.Tab()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sdk/test/bench.html")); err != nil {
		b.Fatal(err)
	}
	browsertest.WaitFor(b, ctx, "the benchmark page", `document.getElementById('state').textContent === 'ready'`)
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: 4})
		return err
	})); err != nil {
		b.Fatal(err)
	}
	var runs []benchFigures
	for b.Loop() {
		var f benchFigures
		if err := json.Unmarshal([]byte(browsertest.Eval[string](b, ctx, `runBench(500).then(JSON.stringify)`)), &f); err != nil {
			b.Fatal(err)
		}
		if f.Residents != 500 || f.Found < 2 {
			b.Fatalf("the benchmark listed %d residents and found %d: %+v", f.Residents, f.Found, f)
		}
		runs = append(runs, f)
	}
	f := runs[len(runs)-1]
	b.ReportMetric(f.Sealed.UnlockToList, "unlock-to-list-ms")
	b.ReportMetric(f.Sealed.Search, "search-ms")
	b.ReportMetric(f.Plain.UnlockToList, "plain-open-to-list-ms")
	b.ReportMetric(f.Sealed.Reread, "reread-after-change-ms")
	b.ReportMetric(float64(f.Sealed.RereadRows), "reread-rows-opened")
	var t strings.Builder
	fmt.Fprintf(&t, "\n%d residents, %d records, Chromium CPU throttled 4x (ms)\n", f.Residents, f.Records)
	fmt.Fprintf(&t, "%-34s %10s %10s\n", "", "sealed", "in clear")
	row := func(name string, sealed, plain float64) {
		p := "-"
		if plain >= 0 {
			p = fmt.Sprintf("%.0f", plain)
		}
		fmt.Fprintf(&t, "%-34s %10.0f %10s\n", name, sealed, p)
	}
	row("open database", f.Sealed.Open, f.Plain.Open)
	row("unlock (PBKDF2 600,000)", f.Sealed.Unlock, 0)
	row("list residents (decrypt)", f.Sealed.List, f.Plain.List)
	row("cold unlock-to-list (aim 1500)", f.Sealed.UnlockToList, f.Plain.UnlockToList)
	fmt.Fprintf(&t, "%-34s %10.1f %10.1f\n", "search by name, in memory (aim 100)", f.Sealed.Search, f.Plain.Search)
	fmt.Fprintf(&t, "%-34s %10.1f %10s\n", "search by NHS number, in memory", f.Sealed.SearchNHS, "-")
	row("list again and search", f.Sealed.ListAndSearch, -1)
	row("first sync (pull and seal)", f.Sealed.Sync, -1)
	row("re-read after a live change", f.Sealed.Reread, -1)
	fmt.Fprintf(&t, "%-34s %10d %10s\n", "  rows opened for it", f.Sealed.RereadRows, "-")
	fmt.Fprint(os.Stdout, t.String())
}
