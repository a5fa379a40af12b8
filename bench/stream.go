package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
)

// The change stream's aims.
const (
	// aimStreamP99 is the most the 99th percentile of write → event may
	// take on loopback.
	aimStreamP99 = 10 * time.Millisecond
	// aimStreamRSS is the most a server holding the idle streams may use.
	aimStreamRSS = 100 << 20
)

// streamServerEnv, when set to a folder, makes the bench binary a change
// stream server instead (see streamServerMain): the parent measures it as a
// process of its own, so its RSS is the server's alone.
const streamServerEnv = "CONTINUITY_BENCH_STREAM_SERVER"

// streamServerInfo is what the server process tells the bench on its first
// line of output.
type streamServerInfo struct {
	URL      string   `json:"url"`
	Incident string   `json:"incident"`
	Writer   string   `json:"writer"`
	Reader   string   `json:"reader"`
	Idle     []string `json:"idle"`
}

// streamResults are the change stream's figures.
type streamResults struct {
	// Writes is how many single-change pushes were timed.
	Writes int
	// P50 and P99 are percentiles of write on device A → cursor event at
	// device B: from sending the push to reading the event.
	P50, P99, Max time.Duration
	// PushP50 and PushP99 are percentiles of the push's own round trip
	// (commit and fsync included), for comparison.
	PushP50, PushP99 time.Duration
	// Idle is how many idle streams were held; RSSBefore and RSS are the
	// server process's resident memory before opening them and while
	// holding them.
	Idle           int
	RSSBefore, RSS int64
}

// streamServerMain runs a server (as `go run ./server` wires it, on SQLite
// in the folder named by streamServerEnv) with a writer, a reader and idle
// devices enrolled on one incident, prints a streamServerInfo line and serves
// until its standard input closes.
func streamServerMain() int {
	dir := os.Getenv(streamServerEnv)
	idle, _ := strconv.Atoi(os.Getenv(streamServerEnv + "_IDLE"))
	ctx := context.Background()
	srv, err := startServer(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stream server:", err)
		return 1
	}
	defer srv.Close()
	incident := uuid.NewString()
	info := streamServerInfo{URL: srv.URL, Incident: incident}
	if info.Writer, err = srv.enrol(ctx, "writer", "tab-writer", incident); err == nil {
		info.Reader, err = srv.enrol(ctx, "reader", "tab-reader", incident)
	}
	for i := 0; err == nil && i < idle; i++ {
		dev := fmt.Sprintf("tab-idle-%04d", i)
		if err = srv.Auth.EnsureDevice(ctx, "reader", dev); err == nil {
			info.Idle = append(info.Idle, "")
			info.Idle[i], err = srv.Auth.Tokens().Issue(care.Principal{Subject: "reader", Role: benchRole, DeviceID: dev}, 4*time.Hour)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stream server:", err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
		return 1
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// measureStream starts the stream server as a child process and measures
// write → event latency over cfg.StreamWrites pushes, then the server's RSS
// holding cfg.StreamIdle idle streams.
func measureStream(ctx context.Context, cfg config, dir string) (streamResults, error) {
	res := streamResults{}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	exe, err := os.Executable()
	if err != nil {
		return res, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), streamServerEnv+"="+dir, streamServerEnv+"_IDLE="+strconv.Itoa(cfg.StreamIdle))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return res, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return res, err
	}
	if err := cmd.Start(); err != nil {
		return res, err
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	var info streamServerInfo
	if err := json.NewDecoder(stdout).Decode(&info); err != nil {
		return res, fmt.Errorf("stream server did not start: %w", err)
	}
	cfg.logf("change stream: %d writes, device A → event at device B", cfg.StreamWrites)
	if err := streamLatency(ctx, info, cfg.StreamWrites, &res); err != nil {
		return res, fmt.Errorf("latency: %w", err)
	}
	cfg.logf("change stream: %d idle streams", cfg.StreamIdle)
	if res.RSSBefore, err = processRSS(cmd.Process.Pid); err != nil {
		return res, err
	}
	conns, err := openIdleStreams(ctx, info)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if err != nil {
		return res, fmt.Errorf("idle streams: %w", err)
	}
	res.Idle = len(conns)
	if res.RSS, err = processRSS(cmd.Process.Pid); err != nil {
		return res, err
	}
	return res, nil
}

// streamLatency pushes one resident at a time as device A and times each
// until device B's stream carries the next cursor event (cursors are sealed,
// so the event's position cannot be read: one writer pushing one change at a
// time, each waited for, makes the next event the one its commit caused).
func streamLatency(ctx context.Context, info streamServerInfo, writes int, res *streamResults) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, info.URL+"/v1/sync/stream", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+info.Reader)
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("stream: %s", resp.Status)
	}
	type event struct {
		at time.Time
	}
	events := make(chan event, 1024)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			at := time.Now()
			var d struct {
				Cursor string `json:"cursor"`
			}
			if json.Unmarshal([]byte(data), &d) != nil {
				continue
			}
			if d.Cursor != "" {
				events <- event{at}
			}
		}
	}()
	client := newClient(2)
	gen := newResidentGen(1, info.Incident, 0)
	clock := syncproto.NewClock("tab-writer", time.Now)
	lat := make([]time.Duration, 0, writes)
	pushes := make([]time.Duration, 0, writes)
	for i := 0; i < writes; i++ {
		c := gen.create(clock)
		body, err := json.Marshal(syncproto.PushRequest{Changes: []json.RawMessage{mustJSON(c)}})
		if err != nil {
			return err
		}
		start := time.Now()
		var pr syncproto.PushResponse
		if err := call(ctx, client, http.MethodPost, info.URL+"/v1/sync/push", info.Writer, body, &pr); err != nil {
			return err
		}
		pushes = append(pushes, time.Since(start))
		if len(pr.Results) != 1 || pr.Results[0].Status != syncproto.StatusApplied {
			return fmt.Errorf("push %d: %+v", i, pr.Results)
		}
		timeout := time.NewTimer(10 * time.Second)
		for done := false; !done; {
			select {
			case ev, ok := <-events:
				if !ok {
					timeout.Stop()
					return errors.New("stream ended")
				}
				if !ev.at.Before(start) {
					lat = append(lat, ev.at.Sub(start))
					done = true
				}
			case <-timeout.C:
				return fmt.Errorf("no event for write %d within 10 s", i)
			}
		}
		timeout.Stop()
	}
	slices.Sort(lat)
	slices.Sort(pushes)
	res.Writes = len(lat)
	if len(lat) > 0 {
		res.P50, res.P99, res.Max = percentile(lat, 0.50), percentile(lat, 0.99), lat[len(lat)-1]
		res.PushP50, res.PushP99 = percentile(pushes, 0.50), percentile(pushes, 0.99)
	}
	return nil
}

// percentile returns the q-quantile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// openIdleStreams opens one stream per idle token on a bare TCP connection
// (no goroutine or buffer on this side) and reads each response's header and
// first comment, so every stream is established on the server.
func openIdleStreams(ctx context.Context, info streamServerInfo) ([]net.Conn, error) {
	u, err := url.Parse(info.URL)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conns := make([]net.Conn, 0, len(info.Idle))
	buf := make([]byte, 4096)
	for _, tok := range info.Idle {
		c, err := d.DialContext(ctx, "tcp", u.Host)
		if err != nil {
			return conns, err
		}
		conns = append(conns, c)
		if _, err := fmt.Fprintf(c, "GET /v1/sync/stream HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n", u.Host, tok); err != nil {
			return conns, err
		}
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		var got []byte
		for !strings.Contains(string(got), "continuity change stream") {
			n, err := c.Read(buf)
			if err != nil {
				return conns, fmt.Errorf("stream %d: %w (read %q)", len(conns), err, got)
			}
			got = append(got, buf[:n]...)
		}
		if !strings.HasPrefix(string(got), "HTTP/1.1 200") {
			return conns, fmt.Errorf("stream %d: %q", len(conns), got)
		}
		_ = c.SetReadDeadline(time.Time{})
	}
	return conns, nil
}

// processRSS returns a process's resident set size from /proc.
func processRSS(pid int) (int64, error) { return processStatus(pid, "VmRSS:") }

// writeStreamReport prints the change stream's rows of the report table.
func writeStreamReport(w io.Writer, r streamResults) {
	if r.Writes > 0 {
		fmt.Fprintf(w, "| change stream: A's push round trip (commit, fsync), p50 / p99 | %d writes | | %.2f / %.2f ms | | | |\n", r.Writes, ms(r.PushP50), ms(r.PushP99))
		fmt.Fprintf(w, "| change stream: write on A → event at B, p50 | %d writes | | %.2f ms | | | |\n", r.Writes, ms(r.P50))
		fmt.Fprintf(w, "| change stream: write on A → event at B, p99 (max %.2f ms) | %d writes | | %.2f ms | | ≤ %.0f ms | %s |\n",
			ms(r.Max), r.Writes, ms(r.P99), ms(aimStreamP99), verdict(r.P99 <= aimStreamP99))
	}
	if r.Idle > 0 {
		fmt.Fprintf(w, "| server RSS holding idle streams (%.1f MB before) | %s streams | | %.1f MB | | ≤ %d MB | %s |\n",
			float64(r.RSSBefore)/(1<<20), group(float64(r.Idle)), float64(r.RSS)/(1<<20), aimStreamRSS>>20, verdict(r.RSS <= aimStreamRSS))
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
