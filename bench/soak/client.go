package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// tokenPair is what enrolling a device (or refreshing its token) returns.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	DeviceID     string `json:"device_id"`
}

// errorBody is the server's error envelope.
type errorBody struct {
	Error syncproto.Error `json:"error"`
}

// sample is one timed request: when it started and how long it took.
type sample struct {
	start time.Time
	dur   time.Duration
}

// counters are one client's request tallies; each device owns its own and
// they are added up at the end.
type counters struct {
	requests   int
	connErrors int
	// statuses counts responses that were not 2xx, by status.
	statuses map[int]int
	// firstError keeps the first error body seen per status.
	firstError map[int]string
	pushes     []sample
	pulls      []sample
	refreshes  int
	lockedOut  bool
}

func newCounters() counters {
	return counters{statuses: map[int]int{}, firstError: map[int]string{}}
}

// client is one device's (or the verifier's) HTTP connection to the server:
// its own http.Client, its tokens, and its tallies.
type client struct {
	url     string
	hc      *http.Client
	tokens  tokenPair
	timeout time.Duration
	c       counters
	// live is shared with the progress line.
	live *liveCounters
}

func newClient(url string, tokens tokenPair, live *liveCounters) *client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
	}
	return &client{url: url, hc: &http.Client{Transport: tr}, tokens: tokens, timeout: 30 * time.Second, c: newCounters(), live: live}
}

// outcome is one request's result: a status and body, or a connection
// error (the server was down, or went down mid-request).
type outcome struct {
	status int
	body   []byte
	start  time.Time
	dur    time.Duration
	err    error
	header http.Header
}

// connErr reports a transport failure: no HTTP response at all.
func (o outcome) connErr() bool { return o.err != nil }

// envelope decodes the error envelope, if the body is one.
func (o outcome) envelope() syncproto.Error {
	var e errorBody
	_ = json.Unmarshal(o.body, &e)
	return e.Error
}

// do sends one request and tallies it. A 401 is answered by refreshing the
// access token once and trying again.
func (cl *client) do(ctx context.Context, method, path string, body []byte) outcome {
	o := cl.send(ctx, method, path, body)
	if o.status == http.StatusUnauthorized && cl.tokens.RefreshToken != "" && !cl.c.lockedOut {
		if cl.refresh(ctx) {
			o = cl.send(ctx, method, path, body)
		}
	}
	return o
}

func (cl *client) send(ctx context.Context, method, path string, body []byte) outcome {
	ctx, cancel := context.WithTimeout(ctx, cl.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	o := outcome{start: time.Now()}
	req, err := http.NewRequestWithContext(ctx, method, cl.url+path, rd)
	if err != nil {
		o.err = err
		return o
	}
	if cl.tokens.AccessToken != "" {
		req.Header.Set("Authorization", "Bearer "+cl.tokens.AccessToken)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	cl.c.requests++
	cl.live.requests.Add(1)
	resp, err := cl.hc.Do(req)
	if err == nil {
		o.body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		o.status, o.header = resp.StatusCode, resp.Header
	}
	o.dur = time.Since(o.start)
	if err != nil {
		o.err, o.status, o.body = err, 0, nil
		cl.c.connErrors++
		cl.live.connErrors.Add(1)
		return o
	}
	if o.status/100 != 2 {
		cl.c.statuses[o.status]++
		if o.status >= 500 {
			cl.live.serverErrors.Add(1)
		}
		if _, ok := cl.c.firstError[o.status]; !ok {
			cl.c.firstError[o.status] = fmt.Sprintf("%s %s: %s", method, path, bytes.TrimSpace(o.body))
		}
	}
	return o
}

// refresh exchanges the refresh token for a new pair. A device whose
// refresh is refused is locked out and stops.
func (cl *client) refresh(ctx context.Context) bool {
	b, _ := json.Marshal(map[string]string{"refresh_token": cl.tokens.RefreshToken})
	saved := cl.tokens.AccessToken
	cl.tokens.AccessToken = ""
	o := cl.send(ctx, http.MethodPost, "/v1/auth/token", b)
	cl.tokens.AccessToken = saved
	cl.c.refreshes++
	if o.connErr() {
		return false
	}
	var p tokenPair
	if o.status != http.StatusOK || json.Unmarshal(o.body, &p) != nil || p.AccessToken == "" {
		if o.status == http.StatusUnauthorized {
			cl.c.lockedOut = true
		}
		return false
	}
	cl.tokens = p
	return true
}

// postJSON posts v and decodes a 2xx answer into out.
func (cl *client) postJSON(ctx context.Context, path string, v, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	o := cl.do(ctx, http.MethodPost, path, b)
	if o.connErr() {
		return fmt.Errorf("POST %s: %w", path, o.err)
	}
	if o.status/100 != 2 {
		return fmt.Errorf("POST %s: %d: %s", path, o.status, bytes.TrimSpace(o.body))
	}
	if out != nil {
		if err := json.Unmarshal(o.body, out); err != nil {
			return fmt.Errorf("POST %s: %w", path, err)
		}
	}
	return nil
}

// retryAfter reads a 429's Retry-After header (seconds), at least 1 s.
func retryAfter(h http.Header) time.Duration {
	if h != nil {
		if n, err := strconv.Atoi(h.Get("Retry-After")); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	return time.Second
}
