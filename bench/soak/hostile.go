package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/google/uuid"
)

// Hostile cases run after the devices' run and its verification, against
// the server the run left, each measured by how far the server's resident set (VmRSS) rises
// above what it held just before the case: a regression in the server's
// defences against them shows as growth.
const (
	// amplifyPushes is how many crafted pushes are sent at once.
	amplifyPushes = 24
	// amplifyKeys is how many unknown keys each crafted push's one change
	// carries in its fields object (about 3.5 MB in all).
	amplifyKeys = 300_000
	// defaultAmplifyLimit is the most the server's resident set may grow
	// during the amplification case before the soak fails (--amplify-limit).
	defaultAmplifyLimit = 100 << 20
	// floodStreams is how many change streams one device tries to open at
	// once.
	floodStreams = 300
)

// hostileCase is what one hostile case measured.
type hostileCase struct {
	// name says what was sent.
	name string
	// baseRSS is the server's resident set just before the case, and
	// peakRSS the largest seen during it.
	baseRSS, peakRSS int64
	// statuses counts the answers by status (0: no answer).
	statuses map[int]int
	// limit, when set, is the most growth the soak passes.
	limit int64
}

// growth is how far the resident set rose during the case.
func (h hostileCase) growth() int64 { return max(0, h.peakRSS-h.baseRSS) }

// amplifyBody is a push of one change whose fields object holds keys
// unknown keys with one-digit values: little on the wire, a map entry each
// if decoded in full.
func amplifyBody(device string, keys int) []byte {
	var b bytes.Buffer
	b.Grow(keys*13 + 512)
	hlc := syncproto.NewClock(device, time.Now).Now().String()
	fmt.Fprintf(&b, `{"changes":[{"id":%q,"collection":"residents","record_id":%q,"op":"upsert","hlc":%q,"recorded_at":%q,"fields":{`,
		uuid.NewString(), uuid.NewString(), hlc, time.Now().UTC().Format(time.RFC3339))
	for i := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"u`)
		b.WriteString(strconv.Itoa(100_000 + i))
		b.WriteString(`":1`)
	}
	b.WriteString(`}}]}`)
	return b.Bytes()
}

// measureRSS samples the server's resident set every 10 ms while run runs,
// and returns the value just before and the peak during it.
func measureRSS(srv *child, run func()) (base, peak int64) {
	pid := srv.pid()
	base, _ = currentRSS(pid)
	peak = base
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, ok := currentRSS(pid); ok {
				peak = max(peak, rss)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	run()
	// A last look after the answers: memory still held counts too.
	time.Sleep(50 * time.Millisecond)
	close(stop)
	<-done
	return base, peak
}

// hostileRuns runs the hostile cases as the device whose access token is
// given: first the stream flood (on the server's own baseline: the heap the
// amplification frees would hide a flood's growth), then the memory
// amplification.
func hostileRuns(ctx context.Context, opts options, srv *child, device, token string) []hostileCase {
	var out []hostileCase

	var mu sync.Mutex
	flood := hostileCase{name: fmt.Sprintf("one device opening %d change streams at once", floodStreams), statuses: map[int]int{}}
	opts.progressf("hostile: %s", flood.name)
	fctx, cancel := context.WithCancel(ctx)
	var open []io.Closer
	flood.baseRSS, flood.peakRSS = measureRSS(srv, func() {
		var wg sync.WaitGroup
		for range floodStreams {
			wg.Go(func() {
				st := hostileRequest(fctx, srv.url, "GET", "/v1/sync/stream", token, nil, func(c io.Closer) {
					mu.Lock()
					open = append(open, c)
					mu.Unlock()
				})
				mu.Lock()
				flood.statuses[st]++
				mu.Unlock()
			})
		}
		wg.Wait()
		// Hold the streams that were let in for a moment, as a flood would.
		time.Sleep(200 * time.Millisecond)
	})
	for _, c := range open {
		c.Close()
	}
	cancel()
	out = append(out, flood)

	body := amplifyBody(device, amplifyKeys)
	amp := hostileCase{name: fmt.Sprintf("%d concurrent %.1f MB pushes, %d unknown keys each", amplifyPushes, float64(len(body))/1e6, amplifyKeys), statuses: map[int]int{}, limit: opts.AmplifyLimit}
	opts.progressf("hostile: %s", amp.name)
	amp.baseRSS, amp.peakRSS = measureRSS(srv, func() {
		var wg sync.WaitGroup
		for range amplifyPushes {
			wg.Go(func() {
				st := hostileRequest(ctx, srv.url, "POST", "/v1/sync/push", token, body, nil)
				mu.Lock()
				amp.statuses[st]++
				mu.Unlock()
			})
		}
		wg.Wait()
	})
	out = append(out, amp)

	return out
}

// hostileRequest sends one request on a connection of its own and returns
// the status (0 for no answer). When keep is set and the answer is 200 the
// body is left open and handed to keep (a stream held); otherwise it is
// read and closed.
func hostileRequest(ctx context.Context, url, method, path, token string, body []byte, keep func(io.Closer)) int {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url+path, rd)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Transport: &http.Transport{}, Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		return 0
	}
	if keep != nil && resp.StatusCode == http.StatusOK {
		keep(resp.Body)
		return resp.StatusCode
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
