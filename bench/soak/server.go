package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// child is the real server binary (built from ./server) running as a child
// process on its own on-disk SQLite database on a fixed loopback port, so
// that devices reconnect to the same address after every restart.
type child struct {
	repo, bin, db, addr, url string
	// metricsAddr is the server's --metrics-addr, kept across restarts.
	metricsAddr string
	scenario    string
	logPath     string

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the current process has exited
	killing bool          // the current process is being killed on purpose
	// crashes counts exits the soak did not cause.
	crashes  int
	crashLog []string
	// peakRSS is the largest resident set (VmHWM or VmRSS) seen in any
	// incarnation, in bytes.
	peakRSS int64
	// cpu is the last CPU time read for each incarnation, by pid.
	cpu map[int]time.Duration
}

// buildServer compiles ./server of the repository into dir.
func buildServer(ctx context.Context, repo, dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is needed to build the server: %w", err)
	}
	bin := filepath.Join(dir, "continuity-server")
	build := exec.CommandContext(ctx, goBin, "build", "-o", bin, "./server")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./server: %w\n%s", err, out)
	}
	return bin, nil
}

// freeAddr picks a loopback port that is free now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// newChild prepares a server on a fresh port with its database at db.
func newChild(repo, bin, db, scenario, logPath string) (*child, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, fmt.Errorf("find a free port: %w", err)
	}
	metricsAddr, err := freeAddr()
	if err != nil {
		return nil, fmt.Errorf("find a free port: %w", err)
	}
	return &child{repo: repo, bin: bin, db: db, addr: addr, url: "http://" + addr, metricsAddr: metricsAddr, scenario: scenario, logPath: logPath}, nil
}

// start runs the server (loading the demo scenario when demo is set) and
// waits until /readyz answers 200. It returns when the server is ready.
func (c *child) start(ctx context.Context, demo bool) error {
	// Every simulated device connects from this host's one address, as
	// 500 devices behind one NAT would: the per-address connection cap is
	// lifted, or it would throttle the devices rather than a client.
	args := []string{"serve", "--addr", c.addr, "--metrics-addr", c.metricsAddr, "--db", c.db, "--max-conns-per-ip", "0"}
	if demo {
		args = append(args, "--demo", "--demo-file", c.scenario)
	}
	logf, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(c.bin, args...)
	cmd.Dir = c.repo
	cmd.Stdout = logf
	cmd.Stderr = logf
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start the server: %w", err)
	}
	exited := make(chan struct{})
	c.mu.Lock()
	c.cmd, c.exited, c.killing = cmd, exited, false
	c.mu.Unlock()
	go func() {
		err := cmd.Wait()
		logf.Close()
		c.mu.Lock()
		if !c.killing {
			c.crashes++
			c.crashLog = append(c.crashLog, fmt.Sprintf("pid %d exited unprompted: %v", cmd.Process.Pid, err))
		}
		c.mu.Unlock()
		close(exited)
	}()
	if err := waitReady(ctx, c.url, exited, 2*time.Minute); err != nil {
		return fmt.Errorf("%w\n%s", err, c.logTail())
	}
	return nil
}

// waitReady polls /readyz until it answers 200, the process exits, or
// within passes.
func waitReady(ctx context.Context, url string, exited <-chan struct{}, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	hc := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("answered %s", resp.Status)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server at %s not ready: %v", url, err)
		case <-exited:
			return errors.New("the server exited before it was ready")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// kill sends SIGKILL to the running server, waits until it has gone, and
// returns when the signal was sent.
func (c *child) kill() time.Time {
	c.sample()
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.killing = true
	c.mu.Unlock()
	at := time.Now()
	if cmd == nil || cmd.Process == nil {
		return at
	}
	_ = cmd.Process.Kill()
	<-exited
	return at
}

// running reports whether the current process is alive, and restarts it
// when it died on its own (a crash the soak reports).
func (c *child) ensureRunning(ctx context.Context) error {
	c.mu.Lock()
	exited := c.exited
	c.mu.Unlock()
	select {
	case <-exited:
		return c.start(ctx, false)
	default:
		return nil
	}
}

// stop interrupts the server, lets it drain, and kills it if it does not
// exit within 20 seconds.
func (c *child) stop() {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.killing = true
	c.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	c.sample()
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// pid is the current server process id, or 0.
func (c *child) pid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil || c.cmd.Process == nil {
		return 0
	}
	select {
	case <-c.exited:
		return 0
	default:
	}
	return c.cmd.Process.Pid
}

// sample records the current process's peak resident set and CPU time.
func (c *child) sample() {
	pid := c.pid()
	if pid == 0 {
		return
	}
	rss, okRSS := processRSS(pid)
	cpu, okCPU := processCPU(pid)
	c.mu.Lock()
	defer c.mu.Unlock()
	if okRSS {
		c.peakRSS = max(c.peakRSS, rss)
	}
	if okCPU {
		if c.cpu == nil {
			c.cpu = map[int]time.Duration{}
		}
		c.cpu[pid] = max(c.cpu[pid], cpu)
	}
}

// cpuTotal is the CPU time every incarnation used, as last sampled.
func (c *child) cpuTotal() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var t time.Duration
	for _, d := range c.cpu {
		t += d
	}
	return t
}

// watch samples the resident set and CPU time every 50 ms until ctx ends.
func (c *child) watch(ctx context.Context) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		c.sample()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// command runs a server subcommand (token, user add ...) on the database.
func (c *child) command(ctx context.Context, args ...string) ([]byte, error) {
	args = append(args, "--db", c.db)
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Dir = c.repo
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("server %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// logTail is the end of the server's log, for error messages.
func (c *child) logTail() string {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return ""
	}
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return strings.TrimSpace(string(b))
}

// logLines returns the server log lines containing any of the words, at most
// n of them.
func (c *child) logLines(n int, words ...string) []string {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return nil
	}
	var out []string
	for line := range strings.SplitSeq(string(b), "\n") {
		for _, w := range words {
			if strings.Contains(line, w) {
				out = append(out, line)
				break
			}
		}
		if len(out) == n {
			break
		}
	}
	return out
}
