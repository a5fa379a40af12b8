// Command bench measures Continuity's sync throughput on this machine and
// prints it beside the aims of the issue, in one run:
//
//   - push ingest: a real server (Fiber on loopback, JWT auth, the SQLite
//     store on an on-disk file) receiving POST /v1/sync/push from concurrent
//     devices, each pushing batches of residents changes stamped by its own
//     HLC clock, one push at a time; changes per second of wall time;
//   - raw insert: the same changes as rows of the store's changes table (same
//     migrations, same PRAGMAs), in transactions of one batch, by one writer
//     with a prepared statement; rows per second; and ingest/raw;
//   - initial sync: a fresh device pulling every record of a loaded data set
//     from no cursor over HTTP until has_more is false, decoding each page
//     while it fetches the next; records per second;
//   - delta pull: 100 changes pulled from a cursor near the head of a log of
//     1,000 and of 1,000,000 changes, and the ratio of the two;
//   - push ingest and the initial sync run against servers in child
//     processes; the ingest server's peak RSS is reported (the change
//     stream's server is a child process too).
//
// Run it from the repository root:
//
//	go run ./bench
//	go run ./bench --changes 200000 --devices 8 --batch 500 --records 100000 --pull-limit 5000
//	go run ./bench --cpuprofile cpu.pprof   # writes cpu.ingest.pprof, cpu.raw.pprof, cpu.pull.pprof, cpu.pull-server.pprof
//	go run ./bench --case unauth-bodies     # peak RSS under 20 concurrent unauthenticated 15 MiB POSTs
//	go run ./bench --before /tmp/bench-before  # "before" measured in this run by the bench of commit 77a3990 (before.go)
//	go run ./bench --case couch --couch-cmd /tmp/pouch/node_modules/.bin/pouchdb-server --records 20000
//	go run ./bench --case couch --couch-cmd /tmp/pouch/node_modules/.bin/pouchdb-server --records 50000 --runs 5
//
// The couch case measures Continuity side by side with pouchdb-server (the
// CouchDB-compatible server a council would otherwise self-host), both in
// child processes on loopback, in one run: the same new residents pushed by
// --devices writers in batches of --batch (POST /v1/sync/push; POST
// /residents/_bulk_docs), then one reader's initial sync from nothing at
// --pull-limit a page (GET /v1/sync/pull; GET /residents/_changes with
// include_docs), and each server's peak RSS; --runs N repeats it N times,
// v7 and v4 ids alternating, and prints medians and ranges (runs.go). It
// needs pouchdb-server, installed with `npm install --prefix /tmp/pouch
// pouchdb-server@4.2.0`, and fails without it.
//
// Speed is measured here, never asserted in tests: `go test -bench . ./bench`
// runs smaller versions as Go benchmarks, and plain `go test` only checks
// that the bench code is correct.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/syncproto"
)

// config sizes one bench run.
type config struct {
	// Changes is the number of changes pushed (and inserted raw).
	Changes int
	// Devices is the number of devices pushing at once.
	Devices int
	// Batch is the number of changes per push and per raw transaction.
	Batch int
	// Updates is the fraction of pushed (and loaded) changes that edit a
	// resident created earlier rather than create one.
	Updates float64
	// Records is the size of the initial-sync data set.
	Records int
	// PullLimit is the page size the syncing device asks for.
	PullLimit int
	// Seed seeds the generated names, dates and NHS numbers.
	Seed uint64
	// IDs is the kind of change and record ids: v7 or v4 (setIDs).
	IDs string
	// Before, when set, is a bench binary of the tree before the ingest rework,
	// whose push-ingest rate in this run is the "before" (before.go).
	Before string
	// Dir is where the temporary databases are made.
	Dir string
	// CPUProfile, when set, is where CPU profiles of the timed phases go,
	// one file per phase: cpu.pprof gives cpu.ingest.pprof and so on.
	CPUProfile string
	// Progress receives progress lines; nil for none.
	Progress io.Writer
	// StreamWrites is how many writes the change stream's latency is
	// timed over, and StreamIdle how many idle streams the server holds
	// while its memory is read (0 and 0 skip the change stream).
	StreamWrites, StreamIdle int
	// Child runs the push-ingest and initial-sync servers in child
	// processes, so the ingest server's peak RSS is its own and the pulling
	// client does not share the sync server's process.
	Child bool
	// DeltaSmall and DeltaBig are the log lengths a delta pull of 100
	// changes is timed after (0 and 0 skip it).
	DeltaSmall, DeltaBig int
	// CompareIDs runs push ingest again with the other kind of ids (v4
	// after v7), so the two are measured in one run.
	CompareIDs bool
	// Postgres, when set, is a PostgreSQL DSN: push ingest runs there too
	// (with both kinds of ids), each run in a fresh schema dropped after.
	Postgres string
	// Runs is how many times the couch case measures each kind of ids, the
	// kinds alternating (v7, v4, v7, v4 …), each run on fresh servers.
	Runs int
}

// defaultConfig is the workload.
func defaultConfig() config {
	return config{Changes: 200000, Devices: 8, Batch: 500, Updates: 0.2, Records: 100000, PullLimit: syncproto.MaxPullLimit, Seed: 1, IDs: "v7", Dir: os.TempDir(),
		StreamWrites: 1000, StreamIdle: 1000, Child: true, DeltaSmall: 1000, DeltaBig: 1000000, CompareIDs: true, Runs: 1}
}

func (c config) check() error {
	switch {
	case c.Changes < 1:
		return errors.New("--changes must be at least 1")
	case c.Devices < 1:
		return errors.New("--devices must be at least 1")
	case c.Batch < 1 || c.Batch > syncproto.MaxPushChanges:
		return fmt.Errorf("--batch must be between 1 and %d (the push limit)", syncproto.MaxPushChanges)
	case c.Updates < 0 || c.Updates >= 1:
		return errors.New("--updates must be at least 0 and less than 1")
	case c.Records < 1:
		return errors.New("--records must be at least 1")
	case (c.DeltaSmall > 0 || c.DeltaBig > 0) && (c.DeltaSmall < 2*deltaChanges || c.DeltaBig < c.DeltaSmall):
		return fmt.Errorf("--delta-small must be at least %d and --delta-big at least --delta-small (0 and 0 skip the delta pull)", 2*deltaChanges)
	case c.StreamWrites < 0 || c.StreamIdle < 0:
		return errors.New("--stream-writes and --stream-idle must not be negative")
	case c.PullLimit < 1 || c.PullLimit > syncproto.MaxPullLimit:
		return fmt.Errorf("--pull-limit must be between 1 and %d (the pull limit)", syncproto.MaxPullLimit)
	case c.Runs < 1:
		return errors.New("--runs must be at least 1")
	}
	return nil
}

func main() {
	if kind := os.Getenv(idsEnv); kind != "" {
		if err := setIDs(kind); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	if os.Getenv(streamServerEnv) != "" {
		os.Exit(streamServerMain())
	}
	if os.Getenv(ingestServerEnv) != "" {
		os.Exit(ingestServerMain())
	}
	if os.Getenv(syncServerEnv) != "" {
		os.Exit(syncServerMain())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run parses the flags, runs the bench and prints the report to stdout and
// progress to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Changes, "changes", cfg.Changes, "changes to push (and insert raw)")
	fs.IntVar(&cfg.Devices, "devices", cfg.Devices, "devices pushing at once")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "changes per push and per raw transaction")
	fs.Float64Var(&cfg.Updates, "updates", cfg.Updates, "fraction of changes that edit an existing resident (0 for creates only)")
	fs.IntVar(&cfg.Records, "records", cfg.Records, "records in the initial-sync data set")
	fs.IntVar(&cfg.PullLimit, "pull-limit", cfg.PullLimit, "page size of the initial sync")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the generated data")
	fs.IntVar(&cfg.StreamWrites, "stream-writes", cfg.StreamWrites, "writes the change stream's latency is timed over (0 skips it)")
	fs.IntVar(&cfg.StreamIdle, "stream-idle", cfg.StreamIdle, "idle change streams held while the server's memory is read")
	fs.BoolVar(&cfg.Child, "ingest-child", cfg.Child, "run the push-ingest and initial-sync servers in child processes (the ingest server's peak RSS is then measured)")
	fs.IntVar(&cfg.DeltaSmall, "delta-small", cfg.DeltaSmall, "log length of the short delta pull (0 with --delta-big 0 skips it)")
	fs.IntVar(&cfg.DeltaBig, "delta-big", cfg.DeltaBig, "log length of the long delta pull")
	fs.StringVar(&cfg.Dir, "dir", cfg.Dir, "folder for the temporary databases (removed afterwards)")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write CPU profiles of the timed phases to this path, one per phase (x.pprof → x.ingest.pprof, x.raw.pprof, x.pull.pprof)")
	fs.StringVar(&cfg.Before, "before", "", "a bench binary built from the tree before the ingest rework (commit 77a3990): its push ingest runs in this run and is the \"before\" of ingest / before, instead of 6,068 changes/s from 2026-11-23")
	fs.StringVar(&cfg.IDs, "ids", cfg.IDs, "change and record ids: v7 (time-ordered, as the SDKs make them) or v4 (random, as older devices made them)")
	fs.BoolVar(&cfg.CompareIDs, "compare-ids", cfg.CompareIDs, "run push ingest a second time with the other kind of ids (v4 after v7), and print the ratio")
	fs.StringVar(&cfg.Postgres, "postgres", os.Getenv(postgresEnv), "a PostgreSQL DSN (default $"+postgresEnv+"): push ingest runs there too, with v7 and v4 ids, each in a fresh schema")
	only := fs.String("case", "", "run one case instead of the sync measurements: unauth-bodies (peak RSS under concurrent unauthenticated large POSTs) or couch (push, initial sync and peak RSS beside pouchdb-server; needs --couch-cmd)")
	posts := fs.Int("posts", 20, "unauth-bodies: concurrent POSTs")
	postMiB := fs.Int("post-mib", 15, "unauth-bodies: MiB declared and sent by each POST")
	fs.IntVar(&cfg.Runs, "runs", cfg.Runs, "couch case: how many times each kind of ids is measured, the kinds alternating (v7, v4, v7, v4 …), each run on fresh servers with fresh data; the tables then print each measure's median and range, the ratio aims are judged on the median of the ratios within each run and the peak RSS aims on the worst run")
	couchCmd := fs.String("couch-cmd", "", "pouchdb-server's command, e.g. /tmp/pouch/node_modules/.bin/pouchdb-server (install: "+couchInstall+"): with --case couch, that case alone; otherwise the couch case runs after the rest of the bench, so its aims are in the same run; it uses --records, --devices, --batch, --pull-limit, --seed, --dir")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Runs > 1 && *couchCmd == "" && *only != "couch" {
		return errors.New("--runs repeats the couch case only: give it with --case couch or --couch-cmd")
	}
	switch *only {
	case "":
	case "unauth-bodies":
		if *posts < 1 || *postMiB < 1 {
			return errors.New("--posts and --post-mib must be at least 1")
		}
		dir, err := os.MkdirTemp(cfg.Dir, "continuity-bench-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		res, err := runBodies(ctx, dir, *posts, *postMiB)
		if err != nil {
			return err
		}
		writeBodiesReport(stdout, res)
		return nil
	case "couch":
		if fs.NArg() > 0 {
			return fmt.Errorf("unexpected arguments %q", fs.Args())
		}
		if *couchCmd == "" {
			return errCouchNeedsCmd
		}
		if _, err := exec.LookPath(*couchCmd); err != nil {
			return fmt.Errorf("--couch-cmd: %w (install pouchdb-server with `%s`)", err, couchInstall)
		}
		if err := cfg.check(); err != nil {
			return err
		}
		if err := setIDs(cfg.IDs); err != nil {
			return err
		}
		cfg.Progress = stderr
		return runCouchKinds(ctx, cfg, *couchCmd, stdout)
	default:
		return fmt.Errorf("--case: unknown case %q (unauth-bodies, couch)", *only)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := cfg.check(); err != nil {
		return err
	}
	if err := setIDs(cfg.IDs); err != nil {
		return err
	}
	if *couchCmd != "" {
		if _, err := exec.LookPath(*couchCmd); err != nil {
			return fmt.Errorf("--couch-cmd: %w (install pouchdb-server with `%s`)", err, couchInstall)
		}
	}
	cfg.Progress = stderr
	res, err := runBench(ctx, cfg)
	if err != nil {
		return err
	}
	writeReport(stdout, res)
	if *couchCmd == "" {
		return nil
	}
	// With --couch-cmd, the couch case runs too, after the rest, so every
	// aim is measured in one run.
	fmt.Fprintln(stdout)
	return runCouchKinds(ctx, cfg, *couchCmd, stdout)
}

// runCouchKinds runs the couch case with cfg's kind of ids and, with
// --compare-ids, the other kind, cfg.Runs times each, the kinds alternating
// so that a change in the machine's load falls on both; each run has fresh
// servers and fresh data. It then prints each kind's report (medians and
// ranges over the runs) and the couch aims.
func runCouchKinds(ctx context.Context, cfg config, command string, stdout io.Writer) error {
	kinds := []couchKind{{IDs: cfg.IDs}}
	if cfg.CompareIDs {
		kinds = append(kinds, couchKind{IDs: otherIDs(cfg.IDs)})
	}
	runs := max(cfg.Runs, 1)
	for i := range runs {
		for k := range kinds {
			kind := kinds[k].IDs
			name := fmt.Sprintf("couch, %s ids", kind)
			if runs > 1 {
				name = fmt.Sprintf("couch, run %d of %d, %s ids", i+1, runs, kind)
			}
			err := withIDs(cfg, kind, func() error {
				c := cfg
				c.IDs = kind
				if runs > 1 {
					// Each run's profiles in files of their own.
					c.CPUProfile = profileFor(cfg.CPUProfile, fmt.Sprintf("run%d", i+1))
					cfg.logf("%s", name)
				}
				res, err := runCouch(ctx, c, command)
				if err != nil {
					return err
				}
				cfg.logf("%s: Continuity / pouchdb-server: push %s / %s records/s (%s), initial sync %s / %s records/s, peak RSS %s / %s",
					name, group(res.Ours.Push.rate()), group(res.Theirs.Push.rate()), times(res.Ours.Push.rate()/res.Theirs.Push.rate()),
					group(res.Ours.Sync.rate()), group(res.Theirs.Sync.rate()), megabytes(float64(res.Ours.Peak)), megabytes(float64(res.Theirs.Peak)))
				kinds[k].Runs = append(kinds[k].Runs, res)
				return nil
			})
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	for _, k := range kinds {
		writeCouchReport(stdout, k.Runs)
		fmt.Fprintln(stdout)
	}
	writeCouchAims(stdout, kinds)
	return nil
}

func (c config) logf(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, "bench: "+format+"\n", args...)
	}
}

// runBench runs the three measurements, each on its own fresh database in a
// temporary folder under cfg.Dir, and checks each did all its work.
func runBench(ctx context.Context, cfg config) (results, error) {
	res := results{Config: cfg, Machine: thisMachine(), Date: time.Now()}
	dir, err := os.MkdirTemp(cfg.Dir, "continuity-bench-*")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	res.Config.Dir = dir

	cfg.logf("generating %d changes for %d devices", cfg.Changes, cfg.Devices)
	w, err := newPushWorkload(cfg.Devices, cfg.Changes, cfg.Batch, cfg.Updates, cfg.Seed)
	if err != nil {
		return res, err
	}
	res.Changes, res.Updates = w.Changes, w.Updates

	cfg.logf("push ingest: %d devices, pushes of %d", cfg.Devices, cfg.Batch)
	if cfg.Child {
		res.Ingest, res.IngestPeak, err = measureIngestChild(ctx, cfg, filepath.Join(dir, "ingest"), w)
	} else {
		res.Ingest, err = measureIngest(ctx, cfg, filepath.Join(dir, "ingest"), w)
	}
	if err != nil {
		return res, fmt.Errorf("push ingest: %w", err)
	}
	if cfg.CompareIDs {
		if res.Other, res.OtherPeak, err = measureOtherIDs(ctx, cfg, dir); err != nil {
			return res, err
		}
	}
	if cfg.Postgres != "" {
		if res.Postgres, err = measurePostgres(ctx, cfg, dir); err != nil {
			return res, err
		}
	}
	if cfg.Before != "" {
		res.Like = res.Ingest
		if cfg.Child {
			// The old bench runs its server in its own process: ours runs
			// there too, for a ratio of like with like.
			cfg.logf("push ingest again, the server in the bench's process, as the bench before the ingest rework runs its own")
			quiet := cfg
			quiet.CPUProfile = ""
			if res.Like, err = measureIngest(ctx, quiet, filepath.Join(dir, "ingest-here"), w); err != nil {
				return res, fmt.Errorf("push ingest in the bench's process: %w", err)
			}
		}
		cfg.logf("push ingest before the ingest rework: %s", cfg.Before)
		if res.Before, err = runBefore(ctx, cfg, cfg.Before); err != nil {
			return res, fmt.Errorf("--before: %w", err)
		}
	}
	cfg.logf("raw insert: %d rows, %d per transaction", w.Changes, cfg.Batch)
	if res.Raw, res.Machine.SQLite, err = measureRaw(ctx, cfg, filepath.Join(dir, "raw"), w); err != nil {
		return res, fmt.Errorf("raw insert: %w", err)
	}
	w = nil // the pull phase does not need it; let it be collected

	cfg.logf("initial sync: loading %d records", cfg.Records)
	if cfg.Child {
		res.Sync, res.SyncChanges, res.SyncPages, res.SyncLoad, err = measureSyncChild(ctx, cfg, filepath.Join(dir, "sync"))
	} else {
		res.Sync, res.SyncChanges, res.SyncPages, res.SyncLoad, err = measureSync(ctx, cfg, filepath.Join(dir, "sync"), newRecordSet(cfg.Records, cfg.Updates, cfg.Seed+1))
	}
	if err != nil {
		return res, fmt.Errorf("initial sync: %w", err)
	}
	if cfg.DeltaSmall > 0 {
		for i, n := range []int{cfg.DeltaSmall, cfg.DeltaBig} {
			cfg.logf("delta pull: filling a log of %d changes", n)
			d, err := measureDelta(ctx, cfg, filepath.Join(dir, fmt.Sprintf("delta%d", i)), n)
			if err != nil {
				return res, fmt.Errorf("delta pull after %d: %w", n, err)
			}
			res.Deltas = append(res.Deltas, d)
		}
	}
	if path := scenarioPath(); path != "" {
		cfg.logf("the demo incident's initial sync on the wire")
		if res.Wire, err = measureWire(ctx, cfg, filepath.Join(dir, "wire"), path); err != nil {
			return res, fmt.Errorf("demo initial sync: %w", err)
		}
	} else {
		cfg.logf("no %s here: the demo incident's initial sync is not measured (run from the repository root)", demo.DefaultPath)
	}
	if cfg.StreamWrites > 0 || cfg.StreamIdle > 0 {
		if res.Stream, err = measureStream(ctx, cfg, filepath.Join(dir, "stream")); err != nil {
			return res, fmt.Errorf("change stream: %w", err)
		}
	}
	return res, nil
}

// measureSync loads the record set into a fresh server in dir and runs an
// initial sync, checking every record arrived. It returns the sync phase
// (counting records), the changes and pages that carried them and how long
// loading took.
func measureSync(ctx context.Context, cfg config, dir string, set *recordSet) (p phase, changes, pages int, loading time.Duration, err error) {
	sr, err := newSyncRun(ctx, dir, set)
	if err != nil {
		return p, 0, 0, 0, err
	}
	cfg.logf("initial sync: pulling at limit %d", cfg.PullLimit)
	var st pullStats
	p, err = measure(cfg, "pull", func() (int, time.Duration, error) {
		s, el, err := sr.pull(ctx, cfg.PullLimit)
		st = s
		return s.Records, el, err
	})
	if err == nil && st.Records != set.Records {
		err = fmt.Errorf("pulled %d records, want %d", st.Records, set.Records)
	}
	return p, st.Changes, st.Pages, sr.loading, errors.Join(err, sr.close())
}

// measureIngest runs push ingest on a fresh server in dir and checks every
// change reached the change log.
func measureIngest(ctx context.Context, cfg config, dir string, w *pushWorkload) (phase, error) {
	ir, err := newIngestRun(ctx, dir, w)
	if err != nil {
		return phase{}, err
	}
	return runIngest(ctx, cfg, ir, w)
}

// runIngest times push ingest on ir, checks every change reached the change
// log, and closes ir.
func runIngest(ctx context.Context, cfg config, ir *ingestRun, w *pushWorkload) (phase, error) {
	p, err := measure(cfg, "ingest", func() (int, time.Duration, error) { return ir.push(ctx) })
	if err == nil {
		var logged int64
		if logged, err = ir.logged(ctx); err == nil && logged != int64(w.Changes) {
			err = fmt.Errorf("change log holds %d changes, want %d", logged, w.Changes)
		}
	}
	return p, errors.Join(err, ir.close())
}

// measureRaw runs the raw insert into a fresh database in dir, checks every
// row is there, and returns the SQLite version too.
func measureRaw(ctx context.Context, cfg config, dir string, w *pushWorkload) (phase, string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return phase{}, "", err
	}
	rr, err := newRawRun(ctx, filepath.Join(dir, "raw.db"))
	if err != nil {
		return phase{}, "", err
	}
	version := rr.sqliteVersion(ctx)
	p, err := measure(cfg, "raw", func() (int, time.Duration, error) { return rr.insert(ctx, w.RawBatches) })
	if err == nil {
		var n int
		if n, err = rr.count(ctx); err == nil && n != w.Changes {
			err = fmt.Errorf("changes table holds %d rows, want %d", n, w.Changes)
		}
	}
	return p, version, errors.Join(err, rr.close())
}

// measure runs a timed phase f (which times itself) from a collected heap,
// recording the process's CPU time and, if asked, a CPU profile.
func measure(cfg config, name string, f func() (int, time.Duration, error)) (phase, error) {
	runtime.GC()
	stop, err := startProfile(cfg.CPUProfile, name)
	if err != nil {
		return phase{}, err
	}
	cpu0, ok0 := processCPU()
	n, elapsed, err := f()
	cpu1, ok1 := processCPU()
	if perr := stop(); err == nil {
		err = perr
	}
	p := phase{Items: n, Elapsed: elapsed}
	if ok0 && ok1 {
		p.CPU = cpu1 - cpu0
	}
	return p, err
}

// profilePath inserts the phase name before path's extension.
func profilePath(path, name string) string {
	ext := filepath.Ext(path)
	if ext == "" {
		return path + "." + name + ".pprof"
	}
	return strings.TrimSuffix(path, ext) + "." + name + ext
}

// startProfile starts a CPU profile of one phase when path is set, returning
// the function that stops and writes it.
func startProfile(path, name string) (func() error, error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(profilePath(path, name))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}
