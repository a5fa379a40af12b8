package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// syncServerEnv, when set to a folder, makes the bench binary an
// initial-sync server instead (see syncServerMain), so the pulling client
// and the server do not share a process.
const syncServerEnv = "CONTINUITY_BENCH_SYNC_SERVER"

// syncServerInfo is what the sync server tells the bench once it has loaded
// its record set.
type syncServerInfo struct {
	URL      string        `json:"url"`
	Token    string        `json:"token"`
	Records  int           `json:"records"`
	Loading  time.Duration `json:"loading"`
	Incident string        `json:"incident"`
}

// syncServerMain runs a server (wired as startServer wires it, SQLite in the
// folder named by syncServerEnv), loads a record set made from
// syncServerEnv_RECORDS, _UPDATES and _SEED as newSyncRun does, prints a
// syncServerInfo line and serves until its standard input closes.
func syncServerMain() int {
	dir := os.Getenv(syncServerEnv)
	records, err1 := strconv.Atoi(os.Getenv(syncServerEnv + "_RECORDS"))
	updates, err2 := strconv.ParseFloat(os.Getenv(syncServerEnv+"_UPDATES"), 64)
	seed, err3 := strconv.ParseUint(os.Getenv(syncServerEnv+"_SEED"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		fmt.Fprintln(os.Stderr, "sync server: bad record set settings")
		return 1
	}
	ctx := context.Background()
	set := newRecordSet(records, updates, seed)
	r, err := newSyncRun(ctx, dir, set)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sync server:", err)
		return 1
	}
	defer r.close()
	info := syncServerInfo{URL: r.url, Token: r.token, Records: set.Records, Loading: r.loading, Incident: set.Incident}
	set = nil // served from the database now
	// The server's own CPU profile, from now until its input closes.
	stop, err := startProfile(os.Getenv(syncServerEnv+"_CPUPROFILE"), "pull-server")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sync server:", err)
		return 1
	}
	defer stop()
	if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
		return 1
	}
	buf := make([]byte, 512)
	for {
		if _, err := os.Stdin.Read(buf); err != nil {
			break
		}
	}
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "sync server:", err)
		return 1
	}
	if err := r.close(); err != nil {
		fmt.Fprintln(os.Stderr, "sync server:", err)
		return 1
	}
	return 0
}

// measureSyncChild runs the initial sync against a sync server in a child
// process holding cfg.Records residents, checking every record arrived. The
// phase's CPU is the bench's and the server's together.
func measureSyncChild(ctx context.Context, cfg config, dir string) (p phase, changes, pages int, loading time.Duration, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return p, 0, 0, 0, err
	}
	exe, err := os.Executable()
	if err != nil {
		return p, 0, 0, 0, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), syncServerEnv+"="+dir,
		syncServerEnv+"_RECORDS="+strconv.Itoa(cfg.Records),
		syncServerEnv+"_UPDATES="+strconv.FormatFloat(cfg.Updates, 'g', -1, 64),
		syncServerEnv+"_SEED="+strconv.FormatUint(cfg.Seed+1, 10),
		syncServerEnv+"_CPUPROFILE="+cfg.CPUProfile)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return p, 0, 0, 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return p, 0, 0, 0, err
	}
	if err := cmd.Start(); err != nil {
		return p, 0, 0, 0, err
	}
	defer func() {
		stdin.Close()
		if werr := cmd.Wait(); werr != nil && err == nil {
			err = fmt.Errorf("sync server: %w", werr)
		}
	}()
	var info syncServerInfo
	if err := json.NewDecoder(stdout).Decode(&info); err != nil {
		return p, 0, 0, 0, fmt.Errorf("sync server did not start: %w", err)
	}
	r := &syncRun{url: info.URL, client: newClient(1), token: info.Token, loading: info.Loading}
	defer r.close()
	cfg.logf("initial sync: pulling at limit %d from a server in another process", cfg.PullLimit)
	var st pullStats
	child0, _ := childCPU(cmd.Process.Pid)
	p, err = measure(cfg, "pull", func() (int, time.Duration, error) {
		s, el, err := r.pull(ctx, cfg.PullLimit)
		st = s
		return s.Records, el, err
	})
	child1, _ := childCPU(cmd.Process.Pid)
	p.CPU += child1 - child0
	if err == nil && st.Records != info.Records {
		err = fmt.Errorf("pulled %d records, want %d", st.Records, info.Records)
	}
	return p, st.Changes, st.Pages, info.Loading, err
}
