package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// modulePath is the repository's module, used to find its root.
const modulePath = "github.com/continuity-care/continuity"

// options are the simulation's settings.
type options struct {
	devices    int
	rounds     int
	server     string
	adminToken string
	repo       string
	scenario   string
	dbDir      string
	seed       uint64
	offline    float64
	lossy      float64
	actions    int
	progress   string
	keep       bool
	verbose    bool
}

const usage = `usage: simulate [flags]

Runs a simulated fleet of tablets through the Larkfield House scenario and
checks that every device converges with the server.

`

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.IntVar(&o.devices, "devices", 20, "tablets in the fleet (at least 2: one is the back office)")
	fs.IntVar(&o.rounds, "rounds", 5, "rounds of work and sync")
	fs.StringVar(&o.server, "server", "", "URL of a running server (default: build ./server and start one with the demo scenario)")
	fs.StringVar(&o.adminToken, "admin-token", "", "an admin's access token, to enrol the fleet through the admin API (needed with --server)")
	fs.StringVar(&o.repo, "repo", "", "the repository root (default: found from the working directory)")
	fs.StringVar(&o.scenario, "scenario", "", "the scenario file (default: REPO/testdata/scenario/scenario.json)")
	fs.StringVar(&o.dbDir, "db-dir", "", "where the tablets keep their databases (default: a temporary directory, removed afterwards)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the simulation's random choices")
	fs.Float64Var(&o.offline, "offline", 0.2, "probability that a tablet loses signal at the start of a round (it stays out for 1-3 rounds)")
	fs.Float64Var(&o.lossy, "lossy", 0.05, "probability that the answer to a push is lost on the way back (the tablet pushes again)")
	fs.IntVar(&o.actions, "actions", 6, "average pieces of work per tablet per round")
	fs.StringVar(&o.progress, "progress", "auto", "progress display: auto (a bar on a terminal, lines otherwise), bar, lines or none")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary server and tablet databases")
	fs.BoolVar(&o.verbose, "v", false, "print the server's log and every refused write")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case o.devices < 2:
		return nil, errors.New("--devices must be at least 2 (a social worker and the back office)")
	case o.rounds < 1:
		return nil, errors.New("--rounds must be at least 1")
	case o.offline < 0 || o.offline > 1:
		return nil, errors.New("--offline is a probability, from 0 to 1")
	case o.lossy < 0 || o.lossy >= 0.5:
		return nil, errors.New("--lossy is a probability, from 0 to below 0.5")
	case o.actions < 1:
		return nil, errors.New("--actions must be at least 1")
	case o.server != "" && o.adminToken == "":
		return nil, errors.New("--server needs --admin-token to enrol the fleet through the admin API")
	}
	switch o.progress {
	case "auto", "bar", "lines", "none":
	default:
		return nil, fmt.Errorf("--progress must be auto, bar, lines or none, not %q", o.progress)
	}
	o.server = strings.TrimRight(o.server, "/")
	if o.repo == "" && (o.server == "" || o.scenario == "") {
		root, err := findRepo()
		if err != nil {
			return nil, err
		}
		o.repo = root
	}
	if o.scenario == "" {
		o.scenario = filepath.Join(o.repo, "testdata", "scenario", "scenario.json")
	}
	return o, nil
}

// findRepo walks up from the working directory to the module's root.
func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isModuleRoot(dir) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("not inside the %s repository: run from its root or pass --repo", modulePath)
		}
		dir = parent
	}
}

func isModuleRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if mod, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.TrimSpace(mod) == modulePath
		}
	}
	return false
}
