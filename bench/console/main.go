// Command console keeps the back-office console's board open in headless
// Chromium against a steady stream of tablet pushes, and reports whether it
// grows: the page's JavaScript heap after a full garbage collection, its DOM
// nodes and event listeners, and the server's open connections, at the start
// and at the end.
//
// Run it from the repository root:
//
//	go run ./bench/console                      # one hour
//	go run ./bench/console --duration 10m --interval 2s
//
// It measures; it asserts nothing (docs/console.md records the figures).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/chromedp/chromedp"
	continuity "github.com/continuity-care/continuity/client-sdk"
	"github.com/continuity-care/continuity/server/web/browsertest"
	"github.com/continuity-care/continuity/server/web/consoletest"
	"github.com/google/uuid"
)

func main() {
	duration := flag.Duration("duration", time.Hour, "how long to keep the board open")
	interval := flag.Duration("interval", 2*time.Second, "time between tablet pushes")
	sample := flag.Duration("sample", 0, "also measure every this long (0: start and end only)")
	root := flag.String("root", ".", "repository root (for the demo scenario)")
	flag.Parse()
	if err := run(*duration, *interval, *sample, *root); err != nil {
		fmt.Fprintln(os.Stderr, "console bench:", err)
		os.Exit(1)
	}
}

func run(duration, interval, sample time.Duration, root string) error {
	exe := consoletest.ChromiumPath()
	if exe == "" {
		return fmt.Errorf("no Chromium found (set CHROMIUM)")
	}
	dir, err := os.MkdirTemp("", "console-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	srv, err := consoletest.Start(ctx, dir, root, nil)
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.User(ctx, "bea", "back_office", "*"); err != nil {
		return err
	}
	if err := srv.User(ctx, "sam", "social_worker", srv.Incident); err != nil {
		return err
	}
	code, err := srv.Code(ctx, "bea", "Incident room PC")
	if err != nil {
		return err
	}
	bctx, cancel := browsertest.Launch(ctx, exe, filepath.Join(dir, "chromium"), 1440, 900)
	defer cancel()
	if err := consoletest.SignIn(bctx, srv.URL, code); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](`document.querySelectorAll('#board-table tbody tr').length === 42`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		return fmt.Errorf("board: %w", err)
	}

	tok, err := srv.Token(ctx, "sam", "social_worker", "tab-bench", duration+time.Hour)
	if err != nil {
		return err
	}
	tab, err := continuity.Open(&continuity.Config{DBPath: filepath.Join(dir, "tablet.db")})
	if err != nil {
		return err
	}
	defer tab.Close()
	if err := tab.EnrolWithAccessToken(srv.URL, tok); err != nil {
		return err
	}
	if _, err := tab.Sync(); err != nil {
		return err
	}
	residents, err := tab.List("residents", srv.Incident)
	if err != nil {
		return err
	}

	time.Sleep(2 * time.Second) // let the stream settle before the first figure
	start, err := measure(bctx, srv)
	if err != nil {
		return err
	}
	fmt.Printf("console bench: board open, one safe-and-well check pushed every %s for %s\n\n", interval, duration)
	fmt.Println(header)
	fmt.Println(start.row("start", 0, 0))

	pushes, refreshes := 0, 0
	lastRefresh := ""
	end := time.Now().Add(duration)
	nextSample := time.Now().Add(sample)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for now := range tick.C {
		if now.After(end) {
			break
		}
		rid := residents.At(pushes % residents.Len()).ID
		f, _ := json.Marshal(map[string]any{"incident_id": srv.Incident, "resident_id": rid, "visited_at": time.Now().UTC().Add(-time.Second).Format(time.RFC3339),
			"outcome": "safe_and_well", "seen": true, "follow_up_due": time.Now().Add(48 * time.Hour).Format(time.DateOnly)})
		if _, err := tab.Put("safe_and_well_checks", uuid.NewString(), string(f)); err != nil {
			return err
		}
		if _, err := tab.Sync(); err != nil {
			return fmt.Errorf("tablet sync: %w", err)
		}
		pushes++
		r, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById('main-content').getAttribute('data-refreshed') || ''`))
		if err != nil {
			return err
		}
		if r != lastRefresh {
			refreshes++
			lastRefresh = r
		}
		if sample > 0 && now.After(nextSample) {
			m, err := measure(bctx, srv)
			if err != nil {
				return err
			}
			fmt.Println(m.row(time.Since(end.Add(-duration)).Round(time.Second).String(), pushes, refreshes))
			nextSample = now.Add(sample)
		}
	}
	time.Sleep(2 * time.Second)
	last, err := measure(bctx, srv)
	if err != nil {
		return err
	}
	fmt.Println(last.row("end", pushes, refreshes))
	fmt.Printf("\nend/start: JS heap %.2f, DOM nodes %.2f, listeners %.2f; server connections %d → %d\n",
		last.heap/start.heap, last.nodes/start.nodes, last.listeners/start.listeners, start.conns, last.conns)
	return nil
}

const header = "| when | pushes | board refreshes seen | JS heap after GC (MB) | JSHeapUsedSize (MB) | DOM nodes | JS event listeners | server open connections |\n|---|---|---|---|---|---|---|---|"

type figures struct {
	heap, metricHeap, nodes, listeners float64
	conns                              int64
}

func measure(bctx context.Context, srv *consoletest.Server) (figures, error) {
	pm, err := consoletest.MeasurePage(bctx)
	if err != nil {
		return figures{}, err
	}
	return figures{heap: pm.HeapUsed, metricHeap: pm.Metrics["JSHeapUsedSize"], nodes: pm.Metrics["Nodes"], listeners: pm.Metrics["JSEventListeners"], conns: srv.OpenConnections()}, nil
}

func (f figures) row(when string, pushes, refreshes int) string {
	mb := func(b float64) string { return strconv.FormatFloat(b/1e6, 'f', 2, 64) }
	return fmt.Sprintf("| %s | %d | %d | %s | %s | %.0f | %.0f | %d |", when, pushes, refreshes, mb(f.heap), mb(f.metricHeap), f.nodes, f.listeners, f.conns)
}
