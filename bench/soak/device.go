package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// liveCounters are the running totals the progress line shows.
type liveCounters struct {
	requests, connErrors, serverErrors, acked, sent atomic.Int64
}

// pending is a change in a device's outbox: recorded, not yet acknowledged.
type pending struct {
	change syncproto.Change
	raw    json.RawMessage
}

// acked is what the verifier needs of an acknowledged change.
type acked struct {
	digest string
	device string
	status string // applied or duplicate
}

// device is one simulated tablet: it records changes into an outbox, pushes
// the outbox, and pulls, at its own pace, retrying whatever was not
// acknowledged.
type device struct {
	id     string
	author *author
	cl     *client
	rng    *rand.Rand
	opts   options

	outbox []pending
	cursor string

	sent      int
	acked     map[string]acked
	rejected  map[string]int // rejected changes by error code
	firstRej  map[string]string
	refused   int // changes in pushes refused as a whole (4xx other than 401/429)
	pulled    int
	resets    int // pull cursors refused (invalid_cursor) and restarted
	lastError string
}

func newDevice(id string, a *author, cl *client, rng *rand.Rand, opts options) *device {
	return &device{id: id, author: a, cl: cl, rng: rng, opts: opts, acked: map[string]acked{}, rejected: map[string]int{}, firstRej: map[string]string{}}
}

// jitter is d scaled by a random factor in [0.5, 1.5).
func (d *device) jitter(dur time.Duration) time.Duration {
	return time.Duration(float64(dur) * (0.5 + d.rng.Float64()))
}

// run records, pushes and pulls until the run ends (end), then pushes what
// is left until the drain deadline. ctx cancels everything (interrupt).
func (d *device) run(ctx context.Context, end, drainEnd time.Time) {
	// Devices start at random moments within the first interval.
	nextWork := time.Now().Add(time.Duration(d.rng.Int64N(int64(d.opts.Interval) + 1)))
	if !sleepUntil(ctx, nextWork) {
		return
	}
	backoff := time.Duration(0)
	for ctx.Err() == nil && !d.cl.c.lockedOut {
		now := time.Now()
		if !now.Before(end) {
			break
		}
		if !now.Before(nextWork) {
			d.record(now)
			nextWork = now.Add(d.jitter(d.opts.Interval))
		}
		ok, wait := d.push(ctx)
		for page := 0; ok && page < d.opts.PullPages; page++ {
			var more bool
			more, ok, wait = d.pull(ctx)
			if !more {
				break
			}
		}
		if !ok {
			// Retry after a backoff (or what the server asked for),
			// recording new work meanwhile as a tablet would.
			if wait == 0 {
				backoff = min(max(2*backoff, 50*time.Millisecond), 2*time.Second)
				wait = time.Duration(d.rng.Int64N(int64(backoff)) + 1)
			}
			sleepUntil(ctx, minTime(now.Add(wait), nextWork, end))
			continue
		}
		backoff = 0
		sleepUntil(ctx, minTime(nextWork, end))
	}
	// Drain: push what is left until it is all acknowledged.
	backoff = 0
	for ctx.Err() == nil && len(d.outbox) > 0 && time.Now().Before(drainEnd) && !d.cl.c.lockedOut {
		ok, wait := d.push(ctx)
		if ok {
			backoff = 0
			continue
		}
		if wait == 0 {
			backoff = min(max(2*backoff, 50*time.Millisecond), 2*time.Second)
			wait = time.Duration(d.rng.Int64N(int64(backoff)) + 1)
		}
		sleepUntil(ctx, minTime(time.Now().Add(wait), drainEnd))
	}
}

// record writes 1 to Batch changes into the outbox.
func (d *device) record(now time.Time) {
	n := 1 + d.rng.IntN(d.opts.Batch)
	for range n {
		c := d.author.next(now)
		raw, err := json.Marshal(c)
		if err != nil {
			panic(err) // a syncproto.Change always marshals
		}
		d.outbox = append(d.outbox, pending{change: c, raw: raw})
	}
	d.sent += n
	d.cl.live.sent.Add(int64(n))
}

// push sends the outbox (at most MaxPushChanges of it) and removes what the
// server acknowledged. It reports whether the push got a 200, and how long to
// wait before retrying when the server said (429).
func (d *device) push(ctx context.Context) (bool, time.Duration) {
	if len(d.outbox) == 0 {
		return true, 0
	}
	batch := d.outbox[:min(len(d.outbox), syncproto.MaxPushChanges)]
	raws := make([]json.RawMessage, len(batch))
	for i, p := range batch {
		raws[i] = p.raw
	}
	body, err := json.Marshal(syncproto.PushRequest{Changes: raws})
	if err != nil {
		panic(err)
	}
	o := d.cl.do(ctx, http.MethodPost, "/v1/sync/push", body)
	switch {
	case o.connErr():
		d.lastError = o.err.Error()
		return false, 0
	case o.status == http.StatusTooManyRequests:
		return false, retryAfter(o.header)
	case o.status >= 500 || o.status == http.StatusUnauthorized:
		return false, 0
	case o.status != http.StatusOK:
		// The batch as a whole was refused: a fault in the soak's
		// changes or in the server, reported, not retried for ever.
		d.refused += len(batch)
		d.outbox = d.outbox[len(batch):]
		return false, 0
	}
	d.cl.c.pushes = append(d.cl.c.pushes, sample{o.start, o.dur})
	var resp syncproto.PushResponse
	if err := json.Unmarshal(o.body, &resp); err != nil || len(resp.Results) != len(batch) {
		d.cl.c.statuses[-1]++ // an unreadable 200
		if _, ok := d.cl.c.firstError[-1]; !ok {
			d.cl.c.firstError[-1] = "push answered 200 with an unreadable body: " + string(o.body)
		}
		return false, 0
	}
	byID := make(map[string]syncproto.PushResult, len(resp.Results))
	for _, r := range resp.Results {
		byID[r.ID] = r
	}
	keep := d.outbox[:0:0]
	for _, p := range batch {
		r, ok := byID[p.change.ID]
		switch {
		case !ok:
			keep = append(keep, p) // no answer for it: send again
		case r.Status == syncproto.StatusApplied || r.Status == syncproto.StatusDuplicate:
			d.acked[p.change.ID] = acked{digest: digest(p.change), device: d.id, status: r.Status}
			d.cl.live.acked.Add(1)
		default:
			code := "?"
			if r.Error != nil {
				code = r.Error.Code
				if _, seen := d.firstRej[code]; !seen {
					d.firstRej[code] = r.Error.Field + ": " + r.Error.Message
				}
			}
			d.rejected[code]++
		}
	}
	d.outbox = append(keep, d.outbox[len(batch):]...)
	return true, 0
}

// pull fetches one page of changes after the device's cursor and moves its
// clock past them, as a tablet would. It reports whether the server has
// more, whether the pull got a 200, and how long the server asked it to
// wait (429).
func (d *device) pull(ctx context.Context) (more, ok bool, wait time.Duration) {
	q := url.Values{"limit": {strconv.Itoa(d.opts.PullLimit)}}
	if d.cursor != "" {
		q.Set("cursor", d.cursor)
	}
	o := d.cl.do(ctx, http.MethodGet, "/v1/sync/pull?"+q.Encode(), nil)
	switch {
	case o.connErr():
		d.lastError = o.err.Error()
		return false, false, 0
	case o.status == http.StatusTooManyRequests:
		return false, false, retryAfter(o.header)
	case o.status == http.StatusBadRequest && o.envelope().Code == syncproto.CodeInvalidCursor:
		d.cursor = ""
		d.resets++
		return false, false, 0
	case o.status != http.StatusOK:
		return false, false, 0
	}
	d.cl.c.pulls = append(d.cl.c.pulls, sample{o.start, o.dur})
	var resp syncproto.PullResponse
	if err := json.Unmarshal(o.body, &resp); err != nil {
		d.cl.c.statuses[-1]++
		if _, ok := d.cl.c.firstError[-1]; !ok {
			d.cl.c.firstError[-1] = "pull answered 200 with an unreadable body: " + err.Error()
		}
		return false, false, 0
	}
	for _, c := range resp.Changes {
		d.author.clock.Update(c.HLC)
	}
	d.pulled += len(resp.Changes)
	d.cursor = resp.Cursor
	return resp.HasMore, true, 0
}

// sleepUntil waits until t or ctx ends; it reports whether ctx is live.
func sleepUntil(ctx context.Context, t time.Time) bool {
	dur := time.Until(t)
	if dur <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(dur)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

func minTime(t time.Time, more ...time.Time) time.Time {
	for _, m := range more {
		if m.Before(t) {
			t = m
		}
	}
	return t
}
