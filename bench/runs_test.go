package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSpreadOf checks the median (the mean of the two middle values for an
// even count), the range and the count, whatever order the runs come in.
func TestSpreadOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
		want spread
	}{
		{"none", nil, spread{}},
		{"one run", []float64{0.7}, spread{Median: 0.7, Min: 0.7, Max: 0.7, N: 1}},
		{"odd", []float64{0.84, 0.70, 1.00, 0.96, 0.77}, spread{Median: 0.84, Min: 0.70, Max: 1.00, N: 5}},
		{"two", []float64{4, 2}, spread{Median: 3, Min: 2, Max: 4, N: 2}},
		{"even", []float64{5, 1, 4, 2}, spread{Median: 3, Min: 1, Max: 5, N: 4}},
		{"ties", []float64{2, 2, 9}, spread{Median: 2, Min: 2, Max: 9, N: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xs := append([]float64(nil), tc.xs...)
			if got := spreadOf(tc.xs); got != tc.want {
				t.Errorf("spreadOf(%v) = %+v, want %+v", tc.xs, got, tc.want)
			}
			for i := range xs {
				if xs[i] != tc.xs[i] {
					t.Fatalf("spreadOf reordered its argument: %v", tc.xs)
				}
			}
		})
	}
}

// TestSpread_Format checks one run prints as before --runs, more as the
// median and the range, with how many runs when some had no figure, and
// none as n/a.
func TestSpread_Format(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    spread
		runs int
		want string
	}{
		{"none", spread{}, 3, "n/a"},
		{"one run", spread{Median: 2.5, Min: 2.5, Max: 2.5, N: 1}, 1, "2.50×"},
		{"runs", spread{Median: 2.5, Min: 2, Max: 3.25, N: 3}, 3, "2.50× (2.00–3.25×)"},
		{"one of three runs", spread{Median: 0.61, Min: 0.61, Max: 0.61, N: 1}, 3, "0.61× (0.61–0.61×) over 1 of 3 runs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.format(tc.runs, decimals(2), "×"); got != tc.want {
				t.Errorf("format = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRatiosWithin checks ratios pair figures of the same run, leave out a
// run with nothing to divide by, and stop at the shorter list.
func TestRatiosWithin(t *testing.T) {
	for _, tc := range []struct {
		name     string
		num, den []float64
		want     []float64
	}{
		{"same run", []float64{95, 150, 190}, []float64{100, 300, 200}, []float64{0.95, 0.5, 0.95}},
		{"zero left out", []float64{1, 2, 3}, []float64{2, 0, 3}, []float64{0.5, 1}},
		{"shorter", []float64{1, 2, 3}, []float64{1}, []float64{1}},
		{"none", nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ratiosWithin(tc.num, tc.den)
			if len(got) != len(tc.want) {
				t.Fatalf("ratiosWithin = %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("ratiosWithin = %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// couchRun is one couch run with ids of kind: Continuity pushing ours and
// pouchdb-server theirs records a second, Continuity's peak RSS peakMB.
func couchRun(kind string, ours, theirs int, peakMB int64) couchResults {
	return couchResults{
		Config: config{IDs: kind, Devices: 8, Batch: 500, PullLimit: 5000, Dir: "/tmp/bench"},
		Date:   time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC), Records: 50000, Couch: "pouchdb-server 4.2.0 on Node.js v20",
		Ours: serverFigures{
			Push: phase{Items: ours, Elapsed: time.Second}, Sync: phase{Items: 50000, Elapsed: 2 * time.Second},
			Pages: 10, Ready: 20 << 20, Peak: peakMB << 20,
		},
		Theirs: serverFigures{
			Push: phase{Items: theirs, Elapsed: time.Second}, Sync: phase{Items: 50000, Elapsed: 10 * time.Second},
			Pages: 10, Ready: 60 << 20, Peak: 270 << 20,
		},
	}
}

// TestCouchAims checks the couch aims: one run judged and written as before
// --runs; ratios judged on the median of the ratios within each run, with
// odd and even counts; peak RSS on the worst run.
func TestCouchAims(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kinds []couchKind
		want  []couchAim
	}{
		{"one run", []couchKind{
			{"v7", []couchResults{couchRun("v7", 12000, 4800, 86)}},
			{"v4", []couchResults{couchRun("v4", 9000, 4800, 84)}},
		}, []couchAim{
			{"push, v7 ids: Continuity / pouchdb-server", "2.50×", "≥ 3×", false},
			{"peak RSS, v7 ids: Continuity", "86.0 MB", "≤ 100 MB", true},
			{"push, v4 ids: Continuity / pouchdb-server", "1.88×", "≥ 2×", false},
			{"peak RSS, v4 ids: Continuity", "84.0 MB", "≤ 100 MB", true},
			{"push, Continuity v4 ids / v7 ids", "0.75×", "≥ 0.8×", false},
		}},
		{"odd runs, ratios paired within each run", []couchKind{
			// Continuity v7 / pouchdb-server: 3, 2 and 4.5 (median 3: PASS);
			// the medians' ratio would be 500 / 200 = 2.5.
			{"v7", []couchResults{couchRun("v7", 300, 100, 80), couchRun("v7", 500, 250, 80), couchRun("v7", 900, 200, 80)}},
			// v4 / v7 within each run: 0.95, 0.5 and 0.95 (median 0.95:
			// PASS); the medians' ratio would be 150 / 500 = 0.3, and
			// each list sorted alone 0.32, 0.30, 0.21.
			{"v4", []couchResults{couchRun("v4", 285, 100, 80), couchRun("v4", 250, 100, 80), couchRun("v4", 855, 100, 80)}},
		}, []couchAim{
			{"push, v7 ids: Continuity / pouchdb-server", "3.00×, the median of 3 runs' own ratios (2.00–4.50×)", "≥ 3×", true},
			{"peak RSS, v7 ids: Continuity", "80.0 MB, the worst of 3 runs (80.0–80.0 MB)", "≤ 100 MB", true},
			{"push, v4 ids: Continuity / pouchdb-server", "2.85×, the median of 3 runs' own ratios (2.50–8.55×)", "≥ 2×", true},
			{"peak RSS, v4 ids: Continuity", "80.0 MB, the worst of 3 runs (80.0–80.0 MB)", "≤ 100 MB", true},
			{"push, Continuity v4 ids / v7 ids", "0.95×, the median of 3 runs' own ratios (0.50–0.95×)", "≥ 0.8×", true},
		}},
		{"even runs, median between the middle two", []couchKind{
			// 4 and 2: median 3, which a lower or upper median would miss.
			{"v7", []couchResults{couchRun("v7", 400, 100, 90), couchRun("v7", 400, 200, 70)}},
			// v4 / v7: 0.7 and 0.9, median 0.8.
			{"v4", []couchResults{couchRun("v4", 280, 100, 70), couchRun("v4", 360, 200, 70)}},
		}, []couchAim{
			{"push, v7 ids: Continuity / pouchdb-server", "3.00×, the median of 2 runs' own ratios (2.00–4.00×)", "≥ 3×", true},
			{"peak RSS, v7 ids: Continuity", "90.0 MB, the worst of 2 runs (70.0–90.0 MB)", "≤ 100 MB", true},
			{"push, v4 ids: Continuity / pouchdb-server", "2.30×, the median of 2 runs' own ratios (1.80–2.80×)", "≥ 2×", true},
			{"peak RSS, v4 ids: Continuity", "70.0 MB, the worst of 2 runs (70.0–70.0 MB)", "≤ 100 MB", true},
			{"push, Continuity v4 ids / v7 ids", "0.80×, the median of 2 runs' own ratios (0.70–0.90×)", "≥ 0.8×", true},
		}},
		{"peak RSS judged on the worst run", []couchKind{
			// Median 90 MB would pass; the worst run, 120 MB, does not.
			{"v4", []couchResults{couchRun("v4", 300, 100, 80), couchRun("v4", 300, 100, 120), couchRun("v4", 300, 100, 90)}},
		}, []couchAim{
			{"push, v4 ids: Continuity / pouchdb-server", "3.00×, the median of 3 runs' own ratios (3.00–3.00×)", "≥ 2×", true},
			{"peak RSS, v4 ids: Continuity", "120.0 MB, the worst of 3 runs (80.0–120.0 MB)", "≤ 100 MB", false},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := couchAims(tc.kinds)
			if len(got) != len(tc.want) {
				t.Fatalf("couchAims = %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("aim %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestWriteCouchAims checks the aims' lines keep the wording, order and
// columns other programs read.
func TestWriteCouchAims(t *testing.T) {
	var out bytes.Buffer
	writeCouchAims(&out, []couchKind{
		{"v7", []couchResults{couchRun("v7", 12000, 4800, 86)}},
		{"v4", []couchResults{couchRun("v4", 9000, 4800, 84)}},
	})
	want := `| aim | measured | aim | result |
|---|--:|--:|---|
| push, v7 ids: Continuity / pouchdb-server | 2.50× | ≥ 3× | BELOW |
| peak RSS, v7 ids: Continuity | 86.0 MB | ≤ 100 MB | PASS |
| push, v4 ids: Continuity / pouchdb-server | 1.88× | ≥ 2× | BELOW |
| peak RSS, v4 ids: Continuity | 84.0 MB | ≤ 100 MB | PASS |
| push, Continuity v4 ids / v7 ids | 0.75× | ≥ 0.8× | BELOW |
`
	if out.String() != want {
		t.Errorf("aims:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestWriteCouchReport_Runs checks the couch table prints one run's figures
// as before --runs, and for several runs each measure's median and range,
// each ratio the median of the runs' own ratios, and the number of runs.
func TestWriteCouchReport_Runs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		runs    []couchResults
		want    []string
		notWant []string
	}{
		{"one run", []couchResults{couchRun("v7", 12000, 4800, 86)}, []string{
			"| push (records/s) | 12,000 | 4,800 | 2.50× |",
			"| peak RSS (MB) | 86.0 | 270.0 | 0.32× |",
			"pages: 10 and 10\n\n",
		}, []string{"runs:", "–"}},
		{"three runs", []couchResults{couchRun("v7", 12000, 4000, 80), couchRun("v7", 9000, 6000, 95), couchRun("v7", 15000, 5000, 86)}, []string{
			"runs:     3 with v7 ids, each on fresh servers",
			"each figure is the median over the 3 runs and its range (min–max), each ratio the median of the ratios within each run\n\n",
			"| measure | Continuity | pouchdb-server | Continuity / pouchdb-server |",
			// Ratios 3, 1.5 and 3: median 3, not 12,000 / 5,000.
			"| push (records/s) | 12,000 (9,000–15,000) | 5,000 (4,000–6,000) | 3.00× (1.50–3.00×) |",
			"| peak RSS (MB) | 86.0 (80.0–95.0) | 270.0 (270.0–270.0) | 0.32× (0.30–0.35×) |",
			"| initial sync (records/s) | 25,000 (25,000–25,000) | 5,000 (5,000–5,000) | 5.00× (5.00–5.00×) |",
			"pages: 10 and 10\n",
		}, nil},
		{"two runs", []couchResults{couchRun("v4", 8000, 4000, 80), couchRun("v4", 10000, 4000, 90)}, []string{
			"runs:     2 with v4 ids",
			"| push (records/s) | 9,000 (8,000–10,000) | 4,000 (4,000–4,000) | 2.25× (2.00–2.50×) |",
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			writeCouchReport(&out, tc.runs)
			for _, want := range tc.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, out.String())
				}
			}
			for _, not := range tc.notWant {
				if strings.Contains(out.String(), not) {
					t.Errorf("report has %q:\n%s", not, out.String())
				}
			}
		})
	}
}

// TestBench_CouchRuns runs the couch case twice with each kind of ids at toy
// sizes against the fake pouchdb-server (this test binary re-executed), and
// checks every run did its work and the report has the medians, ranges and
// number of runs, and the aims judged on them.
func TestBench_CouchRuns(t *testing.T) {
	dir := t.TempDir()
	report, progress := runFakeCouch(t, dir, "--case", "couch", "--records", "250", "--devices", "3", "--batch", "40", "--pull-limit", "100", "--seed", "4", "--runs", "2")
	// Alternating, each run on fresh servers.
	var order []string
	for _, line := range strings.Split(progress, "\n") {
		// "couch, run i of n, kind ids" starts a run; its figures follow
		// it after a colon.
		if run, ok := strings.CutPrefix(line, "bench: "); ok && strings.HasPrefix(run, "couch, run ") && !strings.Contains(run, ":") {
			order = append(order, run)
		}
	}
	wantOrder := []string{"couch, run 1 of 2, v7 ids", "couch, run 1 of 2, v4 ids", "couch, run 2 of 2, v7 ids", "couch, run 2 of 2, v4 ids"}
	if strings.Join(order, "; ") != strings.Join(wantOrder, "; ") {
		t.Errorf("runs in order %q, want %q", order, wantOrder)
	}
	if n := strings.Count(progress, "starting Continuity and pouchdb-server"); n != 4 {
		t.Errorf("servers started %d times, want 4 (fresh for each run)", n)
	}
	for _, want := range []string{
		"runs:     2 with v7 ids", "runs:     2 with v4 ids",
		"each figure is the median over the 2 runs and its range (min–max)",
		"| push, v7 ids: Continuity / pouchdb-server | ", "the median of 2 runs' own ratios (",
		"| peak RSS, v4 ids: Continuity | ", "the worst of 2 runs (",
		"| push, Continuity v4 ids / v7 ids | ",
		"pages: 3 and 3\n",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	// Every measure's row has a median and a range in each column.
	rows := 0
	for _, line := range strings.Split(report, "\n") {
		for _, name := range []string{"push (records/s)", "initial sync (records/s)", "peak RSS (MB)", "RSS when ready (MB)", "push wall (s)", "initial sync wall (s)"} {
			if strings.HasPrefix(line, "| "+name+" | ") {
				rows++
				if cells := strings.Split(line, " | "); len(cells) != 4 || strings.Count(line, "–") != 3 {
					t.Errorf("row %q: want a median and a range in each of 3 columns", line)
				}
			}
		}
	}
	if rows != 12 {
		t.Errorf("%d rows with medians, want 6 for each kind of ids:\n%s", rows, report)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// TestBench_CouchRunsAfterTheBench checks --runs reaches the couch case run
// at the end of the whole bench (--couch-cmd without --case), at toy sizes.
func TestBench_CouchRunsAfterTheBench(t *testing.T) {
	report, _ := runFakeCouch(t, t.TempDir(), "--changes", "200", "--devices", "2", "--batch", "50", "--records", "250", "--pull-limit", "100", "--seed", "5",
		"--delta-small", "0", "--delta-big", "0", "--stream-writes", "0", "--stream-idle", "0", "--runs", "2")
	for _, want := range []string{"| push ingest (2 devices) | 200 changes |", "runs:     2 with v7 ids", "runs:     2 with v4 ids", "| push, Continuity v4 ids / v7 ids | ", "the median of 2 runs' own ratios ("} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if i, j := strings.Index(report, "Continuity sync benchmark"), strings.Index(report, "Continuity beside pouchdb-server"); i < 0 || j < i {
		t.Errorf("the couch case's tables do not follow the bench's:\n%s", report)
	}
}

// TestBench_CouchProfiles: with --cpuprofile, the couch case writes each
// phase's CPU profile once per kind of ids (the v4 run's profiles used to
// overwrite the v7 run's, which had the same names).
func TestBench_CouchProfiles(t *testing.T) {
	dir := t.TempDir()
	runFakeCouch(t, dir, "--case", "couch", "--records", "250", "--devices", "3", "--batch", "40", "--pull-limit", "100", "--seed", "4",
		"--cpuprofile", filepath.Join(dir, "x.pprof"))
	for _, kind := range []string{"v7", "v4"} {
		for _, phase := range []string{"couch-push-continuity-", "couch-pull-continuity-", "couch-push-pouchdb-", "couch-pull-pouchdb-", "couch-server-"} {
			name := filepath.Join(dir, "x."+phase+kind+".pprof")
			if st, err := os.Stat(name); err != nil || st.Size() == 0 {
				t.Errorf("profile %s: %v", filepath.Base(name), err)
			}
		}
	}
}

// runFakeCouch runs the bench with args, files in dir, and the fake
// pouchdb-server (this test binary re-executed) as --couch-cmd, v7 ids
// first, and returns its report and progress.
func runFakeCouch(t *testing.T, dir string, args ...string) (report, progress string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(fakeCouchEnv, "1")
	t.Setenv(idsEnv, "v7")
	args = append(args, "--couch-cmd", exe, "--dir", dir)
	var out, prog bytes.Buffer
	if err := run(context.Background(), args, &out, &prog); err != nil {
		t.Fatalf("run %v: %v\n%s", args, err, prog.String())
	}
	return out.String(), prog.String()
}
