// Command soak runs Continuity under hostile conditions and checks that
// nothing acknowledged is lost. It builds the real server (go build ./server),
// runs it as a child process on its own on-disk SQLite database on a loopback
// port with the demo incident loaded, and enrols N devices through the admin
// API: social workers and transport coordinators granted the demo incident,
// each with its own HTTP client, device id, tokens and hybrid logical clock.
// For a fixed time each device records changes at its own pace (safe-and-well
// checks and edits to them, notes on residents, communications and movement
// log entries), pushes its outbox and pulls, while the server is killed with
// SIGKILL at random moments spread over the run and restarted at once.
// Devices retry whatever was not acknowledged; connection errors while the
// server is down are expected and counted, not failures. After the run the
// devices push what is left, and a back-office device granted every incident
// pulls the change log from a cursor it took before the devices started, and
// looks for every change ever acknowledged (applied or duplicate), with the
// content and device it was sent with.
//
//	go run ./bench/soak --devices 500 --duration 60s --kills 10
//	go run ./bench/soak --devices 20 --duration 10s --kills 2 --db /tmp/soak --seed 7
//
// After the run (unless --hostile=false) it tries two hostile cases on the
// server the run left, each reported as the growth of the server's resident
// set: 24 concurrent 3.6 MB pushes of one change with 300,000 unknown keys
// (failing the soak past 100 MiB), and one device opening 300 change
// streams at once.
//
// It prints a table (devices, requests, acknowledged, found, lost, errors by
// status, connection errors, push and pull latency, peak server RSS, the
// hostile cases) and
// exits non-zero when an acknowledged change is lost or altered, a response
// was 5xx, or the server exited without being killed. Push latency is taken
// between kills: requests in flight when the server was killed are left out.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// options configure one soak.
type options struct {
	// Devices is the number of simulated devices.
	Devices int
	// Duration is how long the devices record, push and pull.
	Duration time.Duration
	// Kills is how many times the server is killed with SIGKILL.
	Kills int
	// DB is the directory for the server's database, keys and log; empty
	// for a temporary one, removed after a passing run.
	DB string
	// Seed seeds the devices' choices and the kill moments.
	Seed int64
	// Batch is the most changes a device records between pushes (1 to
	// Batch, uniformly).
	Batch int
	// Interval is the mean time between a device's rounds (record, push,
	// pull); each wait is drawn from [0.5, 1.5) of it.
	Interval time.Duration
	// PullLimit is the page size of the devices' pulls.
	PullLimit int
	// PullPages is the most pages a device pulls in one round (it stops
	// earlier when has_more is false).
	PullPages int
	// Transport is the share of devices that are transport coordinators.
	Transport float64
	// Drain is how long the devices get after the run to push what is
	// still unacknowledged.
	Drain time.Duration
	// Repo is the repository root (where ./server is built).
	Repo string
	// Scenario is the demo scenario file, relative to Repo.
	Scenario string
	// Scrape, when set, is how often a monitor scrapes GET /metrics, as
	// Prometheus would, during the run (its answers count in the status
	// table: a 5xx fails the soak).
	Scrape time.Duration
	// Samples, when set, is a CSV file for every timed request and kill.
	Samples string
	// Hostile runs the hostile cases (memory amplification by unknown
	// keys, a stream flood from one device) after the run is verified.
	Hostile bool
	// AmplifyLimit is the most the amplification case may grow the
	// server's resident set before the soak fails; 0 reports it only.
	AmplifyLimit int64
	// Progress receives progress lines; nil for none.
	Progress io.Writer
}

func defaultOptions() options {
	return options{Devices: 500, Duration: 60 * time.Second, Kills: 10, Seed: 1, Batch: 5, Interval: 10 * time.Second,
		PullLimit: 100, PullPages: 1, Transport: 0.1, Drain: 2 * time.Minute, Scenario: "testdata/scenario/scenario.json", Hostile: true, AmplifyLimit: defaultAmplifyLimit}
}

func (o options) check() error {
	switch {
	case o.Devices < 1:
		return errors.New("--devices must be at least 1")
	case o.Duration < time.Second:
		return errors.New("--duration must be at least 1s")
	case o.Kills < 0:
		return errors.New("--kills must not be negative")
	case o.Batch < 1 || o.Batch > syncproto.MaxPushChanges:
		return fmt.Errorf("--batch must be between 1 and %d", syncproto.MaxPushChanges)
	case o.Interval < 10*time.Millisecond:
		return errors.New("--interval must be at least 10ms")
	case o.PullLimit < 1 || o.PullLimit > syncproto.MaxPullLimit:
		return fmt.Errorf("--pull-limit must be between 1 and %d", syncproto.MaxPullLimit)
	case o.PullPages < 1:
		return errors.New("--pull-pages must be at least 1")
	case o.Transport < 0 || o.Transport > 1:
		return errors.New("--transport must be between 0 and 1")
	case o.Drain < time.Second:
		return errors.New("--drain must be at least 1s")
	}
	return nil
}

func (o options) progressf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "soak: "+format+"\n", args...)
	}
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	o := defaultOptions()
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Devices, "devices", o.Devices, "simulated devices")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "how long the devices work")
	fs.IntVar(&o.Kills, "kills", o.Kills, "how many times the server is killed with SIGKILL (spread over the run)")
	fs.StringVar(&o.DB, "db", "", "directory for the server's database, keys and log (default: a temporary one, removed after a passing run)")
	fs.Int64Var(&o.Seed, "seed", o.Seed, "seed of the devices' choices and the kill moments")
	fs.IntVar(&o.Batch, "batch", o.Batch, "most changes a device records between two pushes")
	fs.DurationVar(&o.Interval, "interval", o.Interval, "mean time between a device's rounds (record, push, pull)")
	fs.IntVar(&o.PullLimit, "pull-limit", o.PullLimit, "page size of the devices' pulls")
	fs.IntVar(&o.PullPages, "pull-pages", o.PullPages, "most pages a device pulls in one round (fewer when has_more is false)")
	fs.Float64Var(&o.Transport, "transport", o.Transport, "share of devices that are transport coordinators")
	fs.DurationVar(&o.Drain, "drain", o.Drain, "time the devices get after the run to push what is left")
	fs.DurationVar(&o.Scrape, "scrape", 0, "also scrape GET /metrics this often during the run, as Prometheus would (0: never)")
	fs.StringVar(&o.Samples, "samples", "", "write every timed push and pull, and the kills, to this CSV file")
	fs.StringVar(&o.Repo, "repo", "", "repository root (default: found from the working directory)")
	fs.BoolVar(&o.Hostile, "hostile", o.Hostile, "after the run, the hostile cases: 24 concurrent 3.5 MB pushes with 300k unknown keys each, and one device opening 300 streams; each reports the server's RSS growth")
	amplifyMiB := fs.Int64("amplify-limit", defaultAmplifyLimit>>20, "MiB the amplification case may grow the server's RSS before the soak fails (0: report only)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if !*quiet {
		o.Progress = stderr
	}
	o.AmplifyLimit = *amplifyMiB << 20
	if o.Repo == "" {
		root, err := repoRoot()
		if err != nil {
			return o, err
		}
		o.Repo = root
	}
	return o, o.check()
}

// run parses the flags, soaks, prints the table, and returns an error when
// the soak failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	res, err := soak(ctx, opts)
	if err != nil {
		return err
	}
	report(stdout, res)
	if opts.Samples != "" {
		if err := writeSamples(opts.Samples, res); err != nil {
			return fmt.Errorf("write %s: %w", opts.Samples, err)
		}
	}
	fails := res.failures()
	if len(fails) == 0 && opts.DB == "" {
		os.RemoveAll(res.workDir)
	} else {
		fmt.Fprintf(stdout, "\nThe server's database and log are kept in %s\n", res.workDir)
	}
	if len(fails) > 0 {
		return fmt.Errorf("FAIL: %s", strings.Join(fails, "; "))
	}
	return nil
}

// repoRoot walks up from the working directory to the go.mod of the
// continuity module.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/continuity-care/continuity\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from inside the continuity repository, or pass --repo")
		}
		dir = parent
	}
}
