package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// ingestServerEnv, when set to a folder, makes the bench binary a push-ingest
// server instead (see ingestServerMain), so the bench can read the server's
// own peak RSS and CPU time.
const ingestServerEnv = "CONTINUITY_BENCH_INGEST_SERVER"

// ingestServerInfo is what the ingest server tells the bench on its first
// line of output; on its last, after its standard input closes, it tells
// Logged.
type ingestServerInfo struct {
	URL    string   `json:"url"`
	Tokens []string `json:"tokens"`
	Logged int64    `json:"logged"`
}

// ingestServerMain runs a server (wired as startServer wires it, SQLite in
// the folder named by ingestServerEnv) with the workload's devices enrolled
// on its incident (ingestServerEnv_DEVICES devices, incident
// ingestServerEnv_INCIDENT), prints an ingestServerInfo line, serves until
// its standard input closes, then prints the change log's length.
func ingestServerMain() int {
	dir := os.Getenv(ingestServerEnv)
	devices, _ := strconv.Atoi(os.Getenv(ingestServerEnv + "_DEVICES"))
	incident := os.Getenv(ingestServerEnv + "_INCIDENT")
	ctx := context.Background()
	srv, err := startServer(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ingest server:", err)
		return 1
	}
	defer srv.Close()
	info := ingestServerInfo{URL: srv.URL}
	for d := 0; d < devices; d++ {
		tok, err := srv.enrol(ctx, subjectName(d), deviceName(d), incident)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ingest server:", err)
			return 1
		}
		info.Tokens = append(info.Tokens, tok)
	}
	// The server's own CPU and block profiles, from now until its input
	// closes (enrolment done, so they hold the pushes and whatever follows).
	stop, err := startServerProfiles(os.Getenv(ingestServerEnv + "_PROFILE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ingest server:", err)
		return 1
	}
	defer stop()
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(info); err != nil {
		return 1
	}
	buf := make([]byte, 512)
	for {
		if _, err := os.Stdin.Read(buf); err != nil {
			break
		}
	}
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "ingest server:", err)
		return 1
	}
	head, err := srv.Store.Head(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ingest server:", err)
		return 1
	}
	if err := enc.Encode(ingestServerInfo{Logged: head}); err != nil {
		return 1
	}
	return 0
}

// ingestChild is an ingest server (ingestServerMain) running in a child
// process.
type ingestChild struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	dec    *json.Decoder
	info   ingestServerInfo
	waited bool
}

// startIngestChild starts an ingest server in a child process on a fresh
// database in dir, with devices devices enrolled on incident (device d as
// deviceName(d)), and reads the URL and tokens it prints. When profile is
// set, the server writes its CPU profile there and its block profile beside
// it (startServerProfiles). The caller must finish or close it.
func startIngestChild(ctx context.Context, dir string, devices int, incident, profile string) (*ingestChild, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), ingestServerEnv+"="+dir, ingestServerEnv+"_DEVICES="+strconv.Itoa(devices), ingestServerEnv+"_INCIDENT="+incident,
		ingestServerEnv+"_PROFILE="+profile)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &ingestChild{cmd: cmd, stdin: stdin, dec: json.NewDecoder(stdout)}
	if err := c.dec.Decode(&c.info); err != nil {
		c.close()
		return nil, fmt.Errorf("ingest server did not start: %w", err)
	}
	return c, nil
}

// pid returns the server's process id.
func (c *ingestChild) pid() int { return c.cmd.Process.Pid }

// finish closes the server's input, reads the change log's length it then
// reports, and waits for it to exit.
func (c *ingestChild) finish() (logged int64, err error) {
	c.stdin.Close()
	var end ingestServerInfo
	if err := c.dec.Decode(&end); err != nil {
		return 0, fmt.Errorf("ingest server did not report: %w", err)
	}
	c.waited = true
	if err := c.cmd.Wait(); err != nil {
		return end.Logged, fmt.Errorf("ingest server: %w", err)
	}
	return end.Logged, nil
}

// close stops a server not finished, without its report.
func (c *ingestChild) close() {
	if !c.waited {
		c.waited = true
		c.stdin.Close()
		_ = c.cmd.Wait()
	}
}

// measureIngestChild runs push ingest against an ingest server in a child
// process on a fresh database in dir. The phase's CPU is the bench's and the
// server's together; peak is the server's peak RSS (VmHWM).
func measureIngestChild(ctx context.Context, cfg config, dir string, w *pushWorkload) (p phase, peak int64, err error) {
	c, err := startIngestChild(ctx, dir, len(w.Devices), w.Incident, serverProfile(cfg.CPUProfile, "ingest-server"))
	if err != nil {
		return p, 0, err
	}
	defer c.close()
	r := &ingestRun{url: c.info.URL, client: newClient(len(w.Devices)), tokens: c.info.Tokens, w: w}
	defer r.client.CloseIdleConnections()
	child0, _ := childCPU(c.pid())
	io0, _ := processIO(c.pid(), "write_bytes:")
	p, err = measure(cfg, "ingest", func() (int, time.Duration, error) { return r.push(ctx) })
	child1, _ := childCPU(c.pid())
	io1, _ := processIO(c.pid(), "write_bytes:")
	p.CPU += child1 - child0
	p.Written = io1 - io0
	if err != nil {
		return p, 0, err
	}
	if peak, err = processStatus(c.pid(), "VmHWM:"); err != nil {
		return p, 0, err
	}
	logged, err := c.finish()
	if err != nil {
		return p, peak, err
	}
	if logged != int64(w.Changes) {
		return p, peak, fmt.Errorf("change log holds %d changes, want %d", logged, w.Changes)
	}
	return p, peak, nil
}

// processStatus returns a size line (in kB) of /proc/<pid>/status, in bytes.
func processStatus(pid int, key string) (int64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", key, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			if f := strings.Fields(v); len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, errors.New("no " + key + " in /proc status")
}

// processIO returns a line of /proc/<pid>/io (bytes), such as write_bytes:
// what the process caused to be written to storage.
func processIO(pid int, key string) (int64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "io"))
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", key, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, errors.New("no " + key + " in /proc io")
}

// childCPU returns a process's CPU time (user and system) from
// /proc/<pid>/stat, at the usual 100 ticks a second.
func childCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+st) * 10 * time.Millisecond, true
}

// serverProfile names a child server's CPU profile from --cpuprofile (x.pprof
// → x.<name>.pprof), or "" when profiles are off.
func serverProfile(cpuProfile, name string) string {
	if cpuProfile == "" {
		return ""
	}
	return profilePath(cpuProfile, name)
}

// startServerProfiles starts a CPU profile at path and records blocking
// events (channel and select waits, mutexes) for a block
// profile beside it (x.pprof → x.block.pprof), which the returned function
// writes with the CPU profile. Nothing happens when path is "". The
// returned function may be called more than once.
func startServerProfiles(path string) (func() error, error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	cpu, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		cpu.Close()
		return nil, err
	}
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	done := false
	return func() error {
		if done {
			return nil
		}
		done = true
		pprof.StopCPUProfile()
		err := cpu.Close()
		f, ferr := os.Create(profilePath(path, "block"))
		if ferr != nil {
			return errors.Join(err, ferr)
		}
		werr := pprof.Lookup("block").WriteTo(f, 0)
		runtime.SetBlockProfileRate(0)
		return errors.Join(err, werr, f.Close())
	}, nil
}
