package continuity

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// SyncReport says what one sync did.
type SyncReport struct {
	// Pushed is how many changes were sent (a change re-sent after a lost
	// answer or a re-stamp counts again).
	Pushed int
	// Applied counts changes the server applied.
	Applied int
	// Duplicates counts changes the server already had (a re-push).
	Duplicates int
	// Rejected counts changes the server refused; see RejectedChanges.
	Rejected int
	// Restamped counts changes given a new clock stamp because the device
	// clock ran fast.
	Restamped int
	// Pulled is how many changes were received.
	Pulled int
	// Purged is how many local records were deleted because the device no
	// longer holds their incident.
	Purged int
	// Reset is set when the server's database had been restored (or its
	// log rolled back) since the device's last pull: the device dropped
	// its cursor, queued again the changes it wrote (Requeued) and synced
	// from the start. Nothing is lost.
	Reset bool
	// Requeued counts the changes this device wrote that a reset queued
	// again; the server answers duplicate for those it still had.
	Requeued int
}

// maxRestampRounds bounds re-stamping within one sync.
const maxRestampRounds = 3

// Sync pushes the outbox and pulls until the device is up to date. On a
// network failure it retries with backoff, then returns an error wrapping
// ErrOffline; nothing is lost and the next Sync carries on. It returns
// ErrSyncInProgress if another sync is running.
func (c *Client) Sync() (*SyncReport, error) { return c.SyncContext(c.ctx) }

// SyncContext is Sync with a context (for Go callers).
func (c *Client) SyncContext(ctx context.Context) (*SyncReport, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	if !c.syncMu.TryLock() {
		return nil, ErrSyncInProgress
	}
	defer c.syncMu.Unlock()
	if c.closed.Load() {
		return nil, ErrClosed
	}
	ctx, cancel := mergeCancel(ctx, c.ctx)
	defer cancel()
	c.mu.Lock()
	enrolled := c.enrolledLocked()
	c.mu.Unlock()
	if !enrolled {
		return nil, ErrNotEnrolled
	}
	rep := &SyncReport{}
	started := c.now().UTC().Format(time.RFC3339Nano)
	_ = c.st.tx(ctx, func(t *txn) error { return t.setMeta(metaLastAttempt, started) })
	err := c.push(ctx, rep)
	if err == nil {
		err = c.pull(ctx, rep)
	}
	msg, done := "", ""
	if err != nil {
		msg = err.Error()
	} else {
		done = c.now().UTC().Format(time.RFC3339Nano)
	}
	serr := c.st.tx(context.Background(), func(t *txn) error {
		if done != "" {
			if err := t.setMeta(metaLastSync, done); err != nil {
				return err
			}
		}
		return t.setMeta(metaLastError, msg)
	})
	if err == nil {
		err = serr
	}
	return rep, err
}

// mergeCancel returns a context done when either a or b is.
func mergeCancel(a, b context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(a)
	stop := context.AfterFunc(b, cancel)
	return ctx, func() { stop(); cancel() }
}

// push sends the outbox in batches until nothing pending is left.
func (c *Client) push(ctx context.Context, rep *SyncReport) error {
	rounds := 0
	for {
		batch, err := c.nextBatch(ctx)
		if err != nil || len(batch) == 0 {
			return err
		}
		body := syncproto.PushRequest{Changes: make([]json.RawMessage, len(batch))}
		for i, e := range batch {
			w := e.change
			w.DeviceID = "" // set by the server from the token
			body.Changes[i], _ = json.Marshal(w)
		}
		var resp syncproto.PushResponse
		if err := c.do(ctx, http.MethodPost, "/v1/sync/push", nil, body, &resp); err != nil {
			if c.tooLarge(err, body) {
				continue // smaller batches: nothing was applied
			}
			return err
		}
		rep.Pushed += len(batch)
		if len(resp.Results) != len(batch) {
			return fmt.Errorf("continuity: push of %d changes got %d results", len(batch), len(resp.Results))
		}
		skewed, progressed, err := c.settle(ctx, batch, resp, rep)
		if err != nil {
			return err
		}
		if len(skewed) > 0 {
			if rounds++; rounds > maxRestampRounds {
				return fmt.Errorf("continuity: the server still finds this device's clock too far ahead after %d corrections", maxRestampRounds)
			}
			if err := c.restamp(ctx, resp.ServerTime, skewed, rep); err != nil {
				return err
			}
			continue
		}
		c.trackDrift(ctx, resp.ServerTime)
		if !progressed {
			return errors.New("continuity: the server settled none of the pushed changes")
		}
	}
}

// nextBatch returns the oldest pending changes, within the count budget and
// the push body limit: the body's size in bytes, as sent (UTF-8 JSON), stays
// at or under pushBudget. A single change over it is sent alone (the server
// answers why it is refused).
func (c *Client) nextBatch(ctx context.Context) ([]outboxEntry, error) {
	es, err := outboxEntries(ctx, c.st.db, outboxPending, c.cfg.PushBatchSize)
	if err != nil {
		return nil, err
	}
	budget := c.pushBudget()
	size := len(`{"changes":[]}`)
	for i, e := range es {
		w := e.change
		w.DeviceID = "" // as push sends it
		b, _ := json.Marshal(w)
		size += len(b)
		if i > 0 {
			size++ // the comma
		}
		if size > budget && i > 0 {
			return es[:i], nil
		}
	}
	return es, nil
}

// pushBudget is the largest push body to send now.
func (c *Client) pushBudget() int {
	if n := c.pushLimit.Load(); n > 0 {
		return int(n)
	}
	return syncproto.MaxPushBytes
}

// learnPushLimit takes the server's advertised push limit from an answer's
// headers; a limit already lowered by a 413 (a proxy's) is kept.
func (c *Client) learnPushLimit(h http.Header) {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get(headerMaxPushBytes)))
	if err != nil || n < minPushBytes {
		return
	}
	for {
		cur := c.pushLimit.Load()
		if cur != 0 && cur <= int64(n) {
			return
		}
		if c.pushLimit.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}

// tooLarge reports whether err is a 413 for a push of more than one change
// whose batch can be made smaller: it then halves the push limit below the
// refused body's size, so the next batch is split. A single change refused
// as too large is not: err then says what a person can do.
func (c *Client) tooLarge(err error, body syncproto.PushRequest) bool {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusRequestEntityTooLarge || len(body.Changes) < 2 {
		return false
	}
	size := len(`{"changes":[]}`) + len(body.Changes) - 1
	for _, ch := range body.Changes {
		size += len(ch)
	}
	half := int64(size / 2)
	if half < minPushBytes {
		return false
	}
	for {
		cur := c.pushLimit.Load()
		if cur != 0 && cur <= half {
			return true
		}
		if c.pushLimit.CompareAndSwap(cur, half) {
			return true
		}
	}
}

// settle records the server's answers to one push in one transaction:
// applied and duplicate changes leave the outbox and join the base state,
// rejected ones are kept with the reason. It returns the ids rejected for
// clock skew, which stay pending for re-stamping.
func (c *Client) settle(ctx context.Context, batch []outboxEntry, resp syncproto.PushResponse, rep *SyncReport) (map[string]bool, bool, error) {
	skewed := map[string]bool{}
	progressed := false
	err := c.st.tx(ctx, func(t *txn) error {
		for i, r := range resp.Results {
			ch := batch[i].change
			if r.ID != "" && r.ID != ch.ID {
				return fmt.Errorf("continuity: push result %d is for %s, not %s", i, r.ID, ch.ID)
			}
			switch r.Status {
			case syncproto.StatusApplied, syncproto.StatusDuplicate:
				if r.Status == syncproto.StatusApplied {
					rep.Applied++
				} else {
					rep.Duplicates++
				}
				progressed = true
				if err := t.acknowledge(ch); err != nil {
					return err
				}
			case syncproto.StatusRejected:
				if r.Error != nil && r.Error.Code == syncproto.CodeClockSkew {
					skewed[ch.ID] = true
					continue
				}
				rep.Rejected++
				progressed = true
				if err := t.reject(ch, r.Error, c.now()); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return skewed, progressed, err
}

// restamp corrects the device clock from the server's time and gives new
// stamps to the pending changes that cannot be applied with the old ones:
// those rejected for clock skew and any stamped beyond the server's limit
// (which the server cannot have applied). Stamps are given in write order,
// after every stamp the device knows the server accepted, so the person's
// own edits keep their order. recorded_at, the person's time, is kept.
func (c *Client) restamp(ctx context.Context, serverTime time.Time, skewed map[string]bool, rep *SyncReport) error {
	if serverTime.IsZero() {
		return errors.New("continuity: clock_skew without server_time")
	}
	limit := serverTime.Add(syncproto.MaxClockSkew)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.tx(ctx, func(t *txn) error {
		pending, err := outboxEntries(t.ctx, t.tx, outboxPending, 0)
		if err != nil {
			return err
		}
		floor := syncproto.HLC{Wall: serverTime.UnixMilli()}
		seen, err := t.hlcMeta(metaMaxSeen)
		if err != nil {
			return err
		}
		if !seen.Time().After(limit) && seen.Compare(floor) > 0 {
			floor = seen
		}
		var redo []outboxEntry
		for _, e := range pending {
			if skewed[e.change.ID] || e.change.HLC.Time().After(limit) {
				redo = append(redo, e)
			} else if e.change.HLC.Compare(floor) > 0 {
				floor = e.change.HLC
			}
		}
		offset := serverTime.Sub(c.now()).Milliseconds()
		c.offsetMs.Store(offset)
		if err := t.setMeta(metaOffset, strconv.FormatInt(offset, 10)); err != nil {
			return err
		}
		c.clock.Reset(floor)
		for _, e := range redo {
			ch := e.change
			ch.HLC = c.clock.Now()
			if err := t.replace(ch); err != nil {
				return err
			}
			rep.Restamped++
		}
		return t.setMeta(metaClock, c.clock.Last().String())
	})
}

// trackDrift keeps the clock correction current: when the corrected device
// clock is more than half the allowed skew away from the server's time (the
// tablet's clock was changed, or was wrong from the start), the correction
// is reset to the server's.
func (c *Client) trackDrift(ctx context.Context, serverTime time.Time) {
	if serverTime.IsZero() {
		return
	}
	drift := serverTime.Sub(c.physNow())
	if drift < 0 {
		drift = -drift
	}
	if drift <= syncproto.MaxClockSkew/2 {
		return
	}
	offset := serverTime.Sub(c.now()).Milliseconds()
	c.offsetMs.Store(offset)
	_ = c.st.tx(ctx, func(t *txn) error { return t.setMeta(metaOffset, strconv.FormatInt(offset, 10)) })
}

// pull fetches pages until the server has no more, applying each page and
// storing its cursor in one transaction.
func (c *Client) pull(ctx context.Context, rep *SyncReport) error {
	restarted := false
	for {
		cursor, err := getMeta(ctx, c.st.db, metaCursor)
		if err != nil {
			return err
		}
		q := url.Values{"limit": {strconv.Itoa(c.cfg.PullLimit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page syncproto.PullResponse
		err = c.do(ctx, http.MethodGet, "/v1/sync/pull", q, nil, &page)
		var ae *APIError
		if errors.As(err, &ae) && ae.Code == syncproto.CodeInvalidCursor && cursor != "" && !restarted {
			// The server no longer knows the cursor: start again from its
			// current state (merging is idempotent, so nothing is lost).
			restarted = true
			if err := c.st.tx(ctx, func(t *txn) error { return t.setMeta(metaCursor, "") }); err != nil {
				return err
			}
			continue
		}
		if errors.As(err, &ae) && ae.Code == syncproto.CodeCursorReset && !rep.Reset {
			// The server's database was restored from a backup taken
			// before this device's cursor (or its log rolled back): the
			// cursor names positions that now hold other changes, or none.
			// Drop it, queue again what this device wrote (the server may
			// have lost it), push, and sync again from the start.
			if err := c.resetCursor(ctx, rep); err != nil {
				return err
			}
			if err := c.push(ctx, rep); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if err := c.applyPage(ctx, page, rep); err != nil {
			return err
		}
		if !page.HasMore {
			return nil
		}
	}
}

// resetCursor drops the cursor and queues again, in one transaction, the
// changes this device wrote that its base state still holds.
func (c *Client) resetCursor(ctx context.Context, rep *SyncReport) error {
	device := c.DeviceID()
	c.mu.Lock()
	defer c.mu.Unlock()
	rep.Reset = true
	return c.st.tx(ctx, func(t *txn) error {
		if err := t.setMeta(metaCursor, ""); err != nil {
			return err
		}
		n, err := t.requeueOwn(device, c.now())
		rep.Requeued += n
		return err
	})
}

// applyPage merges one pull page into the base state and the view, purges
// incidents the device lost, advances the clock past every stamp received
// and stores the cursor, all in one transaction.
func (c *Client) applyPage(ctx context.Context, page syncproto.PullResponse, rep *SyncReport) error {
	if page.Cursor == "" {
		return errors.New("continuity: pull answer has no cursor")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.tx(ctx, func(t *txn) error {
		n, err := t.purge(page.Purge)
		if err != nil {
			return err
		}
		rep.Purged += n
		var maxHLC syncproto.HLC
		for i := range page.Changes {
			ch := &page.Changes[i]
			for k, v := range ch.Fields {
				if ch.Fields[k], err = canonJSON(v); err != nil {
					return fmt.Errorf("continuity: pulled change %s: %w", ch.ID, err)
				}
			}
			if ch.HLC.Compare(maxHLC) > 0 {
				maxHLC = ch.HLC
			}
		}
		if err := t.applyToBase(page.Changes...); err != nil {
			return err
		}
		rep.Pulled += len(page.Changes)
		if !maxHLC.IsZero() {
			c.clock.Update(maxHLC)
			if err := t.raiseHLCMeta(metaMaxSeen, maxHLC); err != nil {
				return err
			}
			if err := t.setMeta(metaClock, c.clock.Last().String()); err != nil {
				return err
			}
		}
		return t.setMeta(metaCursor, page.Cursor)
	})
}

// do makes one API request with retries: network errors, 5xx and 429 are
// retried with exponential backoff and full jitter (429 waits Retry-After);
// a 401 makes the token source refresh once, then the request is retried.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var payload []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("continuity: encode request: %w", err)
		}
		payload = b
	}
	c.mu.Lock()
	base, tokens := c.serverURL, c.tokens
	c.mu.Unlock()
	target := base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	body, encoding := payload, ""
	if len(payload) >= gzipMinBytes && !c.plainBodies.Load() {
		if z, err := gzipBytes(payload); err == nil {
			body, encoding = z, "gzip"
		}
	}
	refreshed := false
	var last error
	for attempt := 0; ; {
		err := c.once(ctx, method, target, body, encoding, tokens, out)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if encoding != "" && isEncodingRefused(err) {
			// A server from before compressed requests: send this and
			// every later body as it is.
			c.plainBodies.Store(true)
			body, encoding = payload, ""
			continue
		}
		if errors.Is(err, errRefused) {
			if refreshed {
				return fmt.Errorf("%w: %v", ErrUnauthorized, err)
			}
			// Refresh once and ask again at once: not a failed attempt.
			refreshed = true
			tokens.Invalidate()
			continue
		}
		t, ok := isTemporary(err)
		if !ok {
			return err
		}
		last = err
		if attempt >= c.cfg.MaxRetries {
			return c.giveUp(last)
		}
		wait := c.backoff(attempt)
		if t.retryAfter > 0 {
			wait = t.retryAfter
		}
		if wait > c.cfg.MaxRetryAfter {
			return c.giveUp(last)
		}
		if err := c.sleepFn(ctx, wait); err != nil {
			return err
		}
		attempt++
	}
}

// giveUp turns the last temporary failure into the error Sync returns.
func (c *Client) giveUp(last error) error {
	var ae *APIError
	if errors.As(last, &ae) {
		if ae.Status == http.StatusTooManyRequests {
			return ae
		}
		return fmt.Errorf("%w: %v", ErrOffline, ae)
	}
	return fmt.Errorf("%w: %v", ErrOffline, last)
}

// errRefused marks a 401 answer.
var errRefused = errors.New("access token refused")

// gzipMinBytes is the smallest request body sent gzip-compressed: a push of
// a few changes is not worth the CPU.
const gzipMinBytes = 1 << 10

// gzipBytes compresses b with gzip at the fastest level.
func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// isEncodingRefused reports whether err is a server's 415 naming the
// Content-Encoding: a server from before compressed requests.
func isEncodingRefused(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusUnsupportedMediaType && strings.EqualFold(ae.Field, "Content-Encoding")
}

// once makes one request; a body with an encoding (gzip) says so in
// Content-Encoding. Answers come compressed when the server compresses:
// net/http asks for gzip and decompresses unless the caller's transport
// turned that off.
func (c *Client) once(ctx context.Context, method, target string, payload []byte, encoding string, tokens TokenSource, out any) error {
	tok, err := tokens.Token(ctx)
	if err != nil {
		return err
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return fmt.Errorf("continuity: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return &temporary{err: err}
	}
	defer resp.Body.Close()
	c.learnPushLimit(resp.Header)
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return &temporary{err: fmt.Errorf("read answer: %w", err)}
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if err := json.Unmarshal(b, out); err != nil {
			// A cut-off body is a network failure: ask again.
			return &temporary{err: fmt.Errorf("decode answer: %w", err)}
		}
		return nil
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%w: %s", errRefused, apiErrorFrom(resp, b).Message)
	case resp.StatusCode == http.StatusTooManyRequests:
		ae := apiErrorFrom(resp, b)
		ra := ae.retryAfter()
		if ra <= 0 {
			ra = time.Second
		}
		return &temporary{err: ae, retryAfter: ra}
	case resp.StatusCode >= 500:
		return &temporary{err: apiErrorFrom(resp, b)}
	}
	return apiErrorFrom(resp, b)
}

// backoff is the wait before retry n (0-based): uniform in [0, min(max,
// base·2ⁿ)].
func (c *Client) backoff(n int) time.Duration {
	ceil := c.cfg.RetryMax
	if n < 30 {
		if d := c.cfg.RetryBase << n; d > 0 && d < ceil {
			ceil = d
		}
	}
	return time.Duration(c.jitter(int64(ceil) + 1))
}

func randInt63n(n int64) int64 { return rand.Int64N(n) }

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// autoSync is the background sync: a loop calling Sync and the change
// stream that wakes it.
type autoSync struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// streamRetry is how soon auto-sync tries again when a sync it was woken for
// found another sync running.
const streamRetry = time.Second

// StartAutoSync syncs in the background until StopAutoSync or Close. It
// holds the server's change stream open and syncs whenever the server says
// a change the device may see was made, so records arrive within moments;
// every intervalSeconds (at least 5) it pushes changes still waiting. When
// the stream cannot be had (no signal, an older server) it polls: a full
// sync every intervalSeconds, trying the stream again with backoff. Failures
// are recorded in Status and retried; a long Retry-After from the server is
// waited out.
func (c *Client) StartAutoSync(intervalSeconds int) {
	if c.closed.Load() {
		return
	}
	interval := time.Duration(max(intervalSeconds, 5)) * time.Second
	c.StopAutoSync()
	ctx, cancel := context.WithCancel(c.ctx)
	a := &autoSync{cancel: cancel, done: make(chan struct{})}
	c.mu.Lock()
	c.auto = a
	c.mu.Unlock()
	kick := make(chan struct{}, 1)
	streamDone := make(chan struct{})
	go func() {
		defer close(streamDone)
		c.streamLoop(ctx, kick)
	}()
	go func() {
		defer close(a.done)
		defer func() { <-streamDone }()
		due := true
		for {
			wait := interval
			if due {
				_, err := c.SyncContext(ctx)
				var ae *APIError
				switch {
				case errors.As(err, &ae) && ae.retryAfter() > wait:
					wait = ae.retryAfter()
				case errors.Is(err, ErrSyncInProgress):
					// Someone else's sync may have pulled before the
					// change we were woken for: sync again shortly.
					wait = streamRetry
				}
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-kick:
				t.Stop()
				due = true
			case <-t.C:
				// While the stream is live, the interval only pushes.
				n, err := countOutbox(ctx, c.st.db, outboxPending)
				due = !c.live.Load() || err != nil || n > 0
			}
		}
	}()
}

// StopAutoSync stops background sync and waits for it to finish.
func (c *Client) StopAutoSync() {
	c.mu.Lock()
	a := c.auto
	c.auto = nil
	c.mu.Unlock()
	if a != nil {
		a.cancel()
		<-a.done
	}
}
