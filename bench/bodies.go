package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// bodiesResult is what the unauthenticated-bodies case measured.
type bodiesResult struct {
	Posts, MiB          int
	Statuses            map[string]int
	Before, Peak, After int64 // resident set sizes, bytes; -1 when unknown
	Elapsed             time.Duration
}

// runBodies starts a fresh server in dir and sends it posts concurrent
// unauthenticated POST /v1/sync/push requests of mib MiB each (before
// bodies were capped per route, 20 of 15 MiB took a server from 28 MB to 356 MB), sampling the
// process's resident set size throughout. The bodies are generated as they
// are sent, so the client side holds none of them. The server runs in this
// process, so the figures include the bench's own (small) footprint.
func runBodies(ctx context.Context, dir string, posts, mib int) (bodiesResult, error) {
	res := bodiesResult{Posts: posts, MiB: mib, Statuses: map[string]int{}}
	srv, err := startServer(ctx, dir)
	if err != nil {
		return res, err
	}
	defer srv.Close()
	runtime.GC()
	debug.FreeOSMemory()
	res.Before = residentBytes()
	stop := make(chan struct{})
	peak := make(chan int64)
	go func() {
		max := res.Before
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				peak <- max
				return
			case <-t.C:
				if r := residentBytes(); r > max {
					max = r
				}
			}
		}
	}()
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true}}
	size := int64(mib) << 20
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < posts; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcome := "error"
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/sync/push", io.LimitReader(zeros{}, size))
			if err == nil {
				req.ContentLength = size
				req.Header.Set("Content-Type", "application/json")
				var resp *http.Response
				if resp, err = client.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					outcome = strconv.Itoa(resp.StatusCode)
				}
			}
			if err != nil {
				outcome = "error: " + err.Error()
			}
			mu.Lock()
			res.Statuses[outcome]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	close(stop)
	res.Peak = <-peak
	runtime.GC()
	debug.FreeOSMemory()
	res.After = residentBytes()
	return res, nil
}

// zeros is an endless reader of spaces (JSON whitespace).
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// residentBytes is the process's resident set size from /proc/self/status
// (Linux), or -1.
func residentBytes() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}

func mb(b int64) string {
	if b < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f MB", float64(b)/1e6)
}

// writeBodiesReport prints the case's table.
func writeBodiesReport(w io.Writer, r bodiesResult) {
	var outcomes []string
	for k, n := range r.Statuses {
		outcomes = append(outcomes, fmt.Sprintf("%d × %s", n, k))
	}
	sort.Strings(outcomes)
	fmt.Fprintf(w, "Unauthenticated bodies: %d concurrent POST /v1/sync/push of %d MiB, no token (server in this process)\n\n", r.Posts, r.MiB)
	fmt.Fprintf(w, "| answers | RSS before | peak RSS | peak growth | RSS after | wall time |\n|---|---|---|---|---|---|\n")
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", strings.Join(outcomes, ", "), mb(r.Before), mb(r.Peak), mb(r.Peak-r.Before), mb(r.After), r.Elapsed.Round(time.Millisecond))
}
