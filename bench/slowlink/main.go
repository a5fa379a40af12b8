// Command slowlink measures a fresh field app's first sync across an
// emulated "regular 3G" link (1.6 Mbit/s down, 750 kbit/s up, 150 ms round
// trip, 1 % loss): tc netem between network namespaces where the kernel has
// it and the command runs as root, else the user-space emulator over TUN
// devices between two namespaces (it prints its loss counts), else a
// shaping TCP proxy (it says which). The server is the real one (on-disk SQLite, the web app mounted
// as serve mounts it) with the demo incident, or a 60-resident home with a
// week of records (demo.Home); the app runs in headless Chromium with a
// fresh profile, is set up with an enrolment code and syncs. Each case's
// first sync is printed against the aim (≤ 4 s), with its parts.
//
// Run it from the repository root:
//
//	go run ./bench/slowlink
//	go run ./bench/slowlink --runs 3
//
// It measures; it asserts nothing (TestApp_FirstSyncOverSlowLink in
// server/web checks what arrives).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/continuity-care/continuity/internal/slowlink"
	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/server/web/apptest"
	"github.com/continuity-care/continuity/server/web/browsertest"
	"github.com/continuity-care/continuity/server/web/consoletest"
)

// aim is the issue's: the demo incident's first sync to a fresh field app.
const aim = 4 * time.Second

func main() {
	runs := flag.Int("runs", 1, "first syncs per case (a fresh server, profile and device each)")
	root := flag.String("root", ".", "repository root (for the demo scenario)")
	flag.Parse()
	if err := run(*runs, *root); err != nil {
		fmt.Fprintln(os.Stderr, "slowlink bench:", err)
		os.Exit(1)
	}
}

func run(runs int, root string) error {
	exe := consoletest.ChromiumPath()
	if exe == "" {
		return fmt.Errorf("no Chromium found (set CHROMIUM)")
	}
	sc, err := demo.Load(filepath.Join(root, demo.DefaultPath))
	if err != nil {
		return err
	}
	home, err := demo.Home(sc, 60, 7)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("slow link bench, %s, %s, load average %s\n", host, time.Now().UTC().Format("2006-01-02 15:04 UTC"), strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Printf("link: %s (%s)\n\n", slowlink.Regular3G.Name, slowlink.Regular3G)
	fmt.Printf("%-44s %8s %8s %8s %8s %8s %9s %8s %6s\n", "case", "records", "first", "pulls", "network", "apply", "sealing", "bytes", "aim")
	for _, c := range []struct {
		name string
		sc   demo.Scenario
		aim  bool
	}{
		{"demo incident (Larkfield House, 42 residents)", sc, true},
		{"60-resident home, a week of records", home, false},
	} {
		var totals []float64
		for i := 0; i < runs; i++ {
			fs, how, counts, err := once(exe, root, c.sc)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			if i == 0 {
				fmt.Printf("  (%s)\n", how)
			}
			var bytes int64
			for _, p := range fs.Pulls {
				bytes += p.Transfer
			}
			result := ""
			if c.aim {
				result = "PASS"
				if fs.Total > float64(aim.Milliseconds()) {
					result = "BELOW"
				}
			}
			totals = append(totals, fs.Total)
			fmt.Printf("%-44s %8d %6.2f s %8d %6.2f s %6.2f s %7.2f s %8d %6s\n", c.name, fs.Records, fs.Total/1000, len(fs.Pulls), fs.Network/1000, fs.Apply/1000, fs.Seal/1000, bytes, result)
			fmt.Printf("  packets: %s\n", counts)
		}
		if runs > 1 {
			sort.Float64s(totals)
			line := fmt.Sprintf("median first sync %.2f s", totals[len(totals)/2]/1000)
			if c.aim {
				line += fmt.Sprintf(" (aim ≤ %.0f s)", aim.Seconds())
			}
			fmt.Printf("%-44s %s\n", "", line)
		}
	}
	fmt.Println(`
first: from the enrolment code sent to the app saying "Last synced" (enrolment, key, wipe secret,
me, schema, push, every pull page merged, sealed and stored); network: while some pull answer was
awaited (the next page is asked for while one is applied); apply: the rest from the first pull to
the end, merging, sealing and storing with no answer awaited; sealing: AES-GCM of as many rows of
the same sizes, timed alone in the page after the sync (part of apply, or hidden under network);
bytes: the pull answers as received (compressed).`)
	return nil
}

// once runs one fresh server, link and browser, and the app's first sync.
// It returns the first sync, what the link is, and what it did to the
// packets.
func once(exe, root string, sc demo.Scenario) (apptest.FirstSync, string, string, error) {
	var fs apptest.FirstSync
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "slowlink-bench-")
	if err != nil {
		return fs, "", "", err
	}
	defer os.RemoveAll(dir)
	srv, err := consoletest.StartWith(ctx, dir, root, nil, consoletest.Options{Scenario: &sc})
	if err != nil {
		return fs, "", "", err
	}
	defer srv.Close()
	link, err := slowlink.Open(strings.TrimPrefix(srv.URL, "http://"), slowlink.Regular3G)
	if err != nil {
		return fs, "", "", err
	}
	defer link.Close()
	how := link.How
	if link.Why != "" {
		how += "; not tc netem: " + link.Why
	}
	if err := srv.User(ctx, "sky", "social_worker", srv.Incident); err != nil {
		return fs, how, "", err
	}
	code, err := srv.Code(ctx, "sky", "Sky's tablet")
	if err != nil {
		return fs, how, "", err
	}
	base := "http://" + link.Addr
	bctx, bcancel := browsertest.Launch(ctx, exe, filepath.Join(dir, "chromium"), 1024, 768, base)
	defer bcancel()
	fs, err = apptest.Run(bctx, base, code)
	return fs, how, link.Report(), err
}
