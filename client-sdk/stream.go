package continuity

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// streamSilence is how long the change stream may say nothing before the
// connection is taken to be dead: the server sends a comment at least
// every 25 s.
const streamSilence = 75 * time.Second

// Change stream event names (docs/protocol.md, "Change stream").
const (
	streamEventCursor       = "cursor"
	streamEventTokenExpired = "token_expired"
	streamEventRevoked      = "revoked"
)

// streamEnd is why a change stream ended.
type streamEnd int

const (
	// streamFailed: it could not connect or the connection broke; back off.
	streamFailed streamEnd = iota
	// streamRefresh: the token expired; refresh and connect again at once.
	streamRefresh
	// streamRefused: the server has no stream, or the device may no
	// longer read; poll, and try the stream again much later.
	streamRefused
)

// streamLoop keeps the change stream connected while auto-sync runs, kicking
// a sync at every cursor event. While it is connected (c.live) auto-sync
// stops polling; when it cannot connect auto-sync polls, and the loop tries
// again with backoff.
func (c *Client) streamLoop(ctx context.Context, kick chan<- struct{}) {
	failures := 0
	withCursor := true
	refreshed := false
	for ctx.Err() == nil {
		end, connected, err := c.streamOnce(ctx, kick, withCursor)
		c.live.Store(false)
		if ctx.Err() != nil {
			return
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.Code == syncproto.CodeInvalidCursor && withCursor {
			// The server no longer knows our cursor: connect without it
			// (the sync that follows restarts the pull).
			withCursor = false
			kickSync(kick)
			continue
		}
		withCursor = true
		if connected {
			failures = 0
		}
		var wait time.Duration
		switch {
		case end == streamRefresh && !refreshed:
			// Once at once; a token refused again at once (a token
			// source that cannot refresh) waits like any failure.
			refreshed = true
			continue
		case end == streamRefused:
			wait = c.cfg.RetryMax
		default:
			wait = c.backoff(failures)
			failures++
		}
		refreshed = false
		if c.sleepFn(ctx, wait) != nil {
			return
		}
	}
}

func kickSync(kick chan<- struct{}) {
	select {
	case kick <- struct{}{}:
	default:
	}
}

// streamOnce connects the change stream and reads it until it ends.
// connected reports whether the server accepted it.
func (c *Client) streamOnce(ctx context.Context, kick chan<- struct{}, withCursor bool) (end streamEnd, connected bool, err error) {
	c.mu.Lock()
	base, tokens := c.serverURL, c.tokens
	c.mu.Unlock()
	if tokens == nil {
		return streamRefused, false, ErrNotEnrolled
	}
	tok, err := tokens.Token(ctx)
	if err != nil {
		return streamFailed, false, err
	}
	target := base + "/v1/sync/stream"
	if withCursor {
		cursor, err := getMeta(ctx, c.st.db, metaCursor)
		if err != nil {
			return streamFailed, false, err
		}
		if cursor != "" {
			target += "?" + url.Values{"cursor": {cursor}}.Encode()
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, target, nil)
	if err != nil {
		return streamRefused, false, fmt.Errorf("continuity: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.streamHC.Do(req)
	if err != nil {
		return streamFailed, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		ae := apiErrorFrom(resp, b)
		switch {
		case resp.StatusCode == http.StatusUnauthorized:
			tokens.Invalidate()
			return streamFailed, false, ae
		case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
			return streamRefused, false, ae
		}
		return streamFailed, false, ae
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return streamRefused, false, fmt.Errorf("continuity: change stream answered %s", resp.Header.Get("Content-Type"))
	}
	c.live.Store(true)
	// Anything committed between the last pull and now: the server sends
	// a cursor event at once when it has our cursor, but a sync costs
	// little and covers a server that did not get one.
	kickSync(kick)
	silence := time.AfterFunc(streamSilence, cancel)
	defer silence.Stop()
	sc := bufio.NewScanner(resp.Body)
	event := ""
	for sc.Scan() {
		silence.Reset(streamSilence)
		line := sc.Text()
		if line == "" {
			switch event {
			case streamEventCursor:
				kickSync(kick)
			case streamEventTokenExpired:
				tokens.Invalidate()
				return streamRefresh, true, nil
			case streamEventRevoked:
				return streamRefused, true, nil
			}
			event = ""
			continue
		}
		if name, ok := strings.CutPrefix(line, "event:"); ok {
			event = strings.TrimSpace(name)
		}
	}
	if err := sc.Err(); err != nil {
		return streamFailed, true, err
	}
	return streamFailed, true, io.ErrUnexpectedEOF
}
