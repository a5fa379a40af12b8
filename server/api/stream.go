package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/gofiber/fiber/v2"
)

// Change stream defaults.
const (
	// DefaultStreamHeartbeat is how often an idle stream sends a comment
	// line (the protocol promises at least every 25 s), and re-checks the
	// device's access.
	DefaultStreamHeartbeat = 20 * time.Second
	// DefaultMaxStreams bounds the change streams one server holds open.
	DefaultMaxStreams = 10000
	// DefaultMaxStreamsPerDevice bounds the change streams one device holds
	// open: a tablet needs one, a browser with a few tabs open a few more.
	DefaultMaxStreamsPerDevice = 4
	// streamWriteWait is how long one write to a stream may take before the
	// client is taken to be gone.
	streamWriteWait = 30 * time.Second
	// streamRetryMillis is the reconnection delay the stream suggests to
	// EventSource clients.
	streamRetryMillis = 2000
)

// Change stream event names (docs/protocol.md, "Change stream").
const (
	// EventCursor says a change the device may see committed: pull.
	EventCursor = "cursor"
	// EventTokenExpired ends the stream when the access token expires:
	// refresh it and connect again.
	EventTokenExpired = "token_expired"
	// EventRevoked ends the stream when the device may no longer read
	// (revoked, or its user disabled): do not reconnect.
	EventRevoked = "revoked"
)

// streamLimit counts open streams against a bound for the server and one
// for each device, so one device cannot hold the server's streams (each a
// descriptor and a goroutine's memory) and starve every other device.
type streamLimit struct {
	open      atomic.Int64
	max       int64
	perDevice int

	mu       sync.Mutex
	byDevice map[string]int
}

// errStreamsPerDevice and errStreamsServer say why acquire refused.
var (
	errStreamsPerDevice = errors.New("device holds as many streams as it may")
	errStreamsServer    = errors.New("server holds as many streams as it may")
)

// acquire takes one stream for device, or says which bound refused it.
func (l *streamLimit) acquire(device string) error {
	l.mu.Lock()
	if l.byDevice[device] >= l.perDevice {
		l.mu.Unlock()
		return errStreamsPerDevice
	}
	if l.open.Add(1) > l.max {
		l.open.Add(-1)
		l.mu.Unlock()
		return errStreamsServer
	}
	if l.byDevice == nil {
		l.byDevice = map[string]int{}
	}
	l.byDevice[device]++
	l.mu.Unlock()
	return nil
}

// release gives back a stream acquire took for device.
func (l *streamLimit) release(device string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open.Add(-1)
	if l.byDevice[device]--; l.byDevice[device] <= 0 {
		delete(l.byDevice, device)
	}
}

// OpenStreams returns the number of change streams open now.
func (s *Server) OpenStreams() int { return int(s.streams.open.Load()) }

// stream serves GET /v1/sync/stream: a text/event-stream that sends a cursor
// event whenever a change the device may see commits, a comment line at
// least every heartbeat, and ends with token_expired when the access token
// expires (or revoked when the device may no longer read). It never carries
// record data: the device pulls.
func (s *Server) stream(c *fiber.Ctx) error {
	if s.feed == nil {
		return syncproto.Errorf(syncproto.CodeUnavailable, "", "this server has no change stream; poll GET /v1/sync/pull")
	}
	p := principal(c)
	token := strings.Clone(strings.TrimSpace(strings.TrimPrefix(header(c, fiber.HeaderAuthorization), "Bearer ")))
	since := query(c, "cursor")
	if since == "" {
		since = header(c, "Last-Event-ID")
	}
	catchUp := false
	if since != "" {
		var err error
		if catchUp, err = s.cfg.Sync.Behind(c.UserContext(), p, since); err != nil {
			return err
		}
	}
	device := strings.Clone(p.DeviceID)
	switch err := s.streams.acquire(device); {
	case errors.Is(err, errStreamsPerDevice):
		c.Set(fiber.HeaderRetryAfter, "30")
		return syncproto.Errorf(syncproto.CodeRateLimited, "", "device %s holds %d change streams, as many as one device may; close one (one stream per device is enough) or poll GET /v1/sync/pull", device, s.streams.perDevice)
	case err != nil:
		c.Set(fiber.HeaderRetryAfter, "30")
		return syncproto.Errorf(syncproto.CodeUnavailable, "", "this server holds as many change streams as it may; poll GET /v1/sync/pull and try the stream again later")
	}
	sub := s.feed.Subscribe(p)
	st := &sseStream{srv: s, sub: sub, p: p, token: token, conn: c.Context().Conn(), catchUp: catchUp}
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	// fasthttp runs the writer on its own goroutine, feeding the
	// connection through a pipe; when the client goes, the next write
	// fails and the stream ends, releasing the subscription.
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.streams.release(device)
		defer sub.Close()
		st.run(w)
	})
	return nil
}

// sseStream is one open change stream.
type sseStream struct {
	srv     *Server
	sub     *care.Subscription
	p       care.Principal
	token   string
	conn    net.Conn
	catchUp bool
	w       *bufio.Writer
}

// run writes the stream until the client goes, the token expires, the
// device loses access or the server shuts down.
func (st *sseStream) run(w *bufio.Writer) {
	st.w = w
	s := st.srv
	ctx := context.Background()
	if !st.send(fmt.Sprintf("retry: %d\n: continuity change stream\n\n", streamRetryMillis)) {
		return
	}
	if st.catchUp && !st.cursor(ctx, 0) {
		return
	}
	heartbeat := time.NewTicker(s.heartbeat)
	defer heartbeat.Stop()
	var expiry <-chan time.Time
	if !st.p.ExpiresAt.IsZero() {
		t := time.NewTimer(st.p.ExpiresAt.Sub(s.cfg.Now()))
		defer t.Stop()
		expiry = t.C
	}
	for {
		select {
		case <-s.stopStreams:
			return
		case <-expiry:
			st.end(EventTokenExpired, syncproto.Errorf(syncproto.CodeUnauthorized, "Authorization", "access token has expired; refresh it and connect again"))
			return
		case <-st.sub.C():
			wake := st.sub.Take()
			if wake.Access {
				ok, changed := st.recheck(ctx)
				if !ok {
					return
				}
				if changed && !st.cursor(ctx, 0) {
					return
				}
			}
			if wake.Position > 0 && !st.cursor(ctx, wake.Position) {
				return
			}
		case <-heartbeat.C:
			ok, changed := st.recheck(ctx)
			if !ok {
				return
			}
			if changed && !st.cursor(ctx, 0) {
				return
			}
			if !st.send(": ping\n\n") {
				return
			}
		}
	}
}

// recheck authenticates the token again, as each request would be: a device
// that may no longer read gets a revoked event; new grants or a new role
// re-filter the subscription (changed: the device should pull, for a
// backfill or a purge). ok is false when the stream must end.
func (st *sseStream) recheck(ctx context.Context) (ok, changed bool) {
	s := st.srv
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := s.cfg.Auth.Authenticate(actx, st.token)
	var pe *syncproto.Error
	switch {
	case err == nil && p.DeviceRevokedAt != nil:
		st.end(EventRevoked, syncproto.Errorf(syncproto.CodeUnauthorized, "Authorization", "device %s has been revoked", p.DeviceID))
		return false, false
	case err != nil && errors.As(err, &pe) && pe.Code == syncproto.CodeUnauthorized:
		if !st.p.ExpiresAt.IsZero() && !s.cfg.Now().Before(st.p.ExpiresAt) {
			st.end(EventTokenExpired, pe)
		} else {
			st.end(EventRevoked, pe)
		}
		return false, false
	case err != nil:
		// The database did not answer: keep the stream and the old view;
		// the next heartbeat tries again.
		s.log.Warn("change stream: access re-check failed", "device", st.p.DeviceID, "err", err)
		return true, false
	}
	changed = p.Role != st.p.Role || !slices.Equal(care.IncidentScopes(p), care.IncidentScopes(st.p))
	if changed {
		st.sub.SetPrincipal(p)
	}
	p.ExpiresAt = st.p.ExpiresAt
	st.p = p
	return true, changed
}

// cursor sends a cursor event for the log position (the head when 0).
func (st *sseStream) cursor(ctx context.Context, position int64) bool {
	cur, err := st.srv.cfg.Sync.StreamCursor(ctx, st.p, position)
	if err != nil {
		st.srv.log.Warn("change stream: read head", "err", err)
		return false
	}
	data, _ := json.Marshal(struct {
		Cursor string `json:"cursor"`
	}{cur})
	return st.send("id: " + cur + "\nevent: " + EventCursor + "\ndata: " + string(data) + "\n\n")
}

// end sends a last event carrying the error envelope.
func (st *sseStream) end(event string, e *syncproto.Error) {
	data, _ := json.Marshal(syncproto.ErrorEnvelope{Error: e})
	st.send("event: " + event + "\ndata: " + string(data) + "\n\n")
}

// send writes and flushes; false means the client is gone.
func (st *sseStream) send(s string) bool {
	if st.conn != nil {
		_ = st.conn.SetWriteDeadline(time.Now().Add(streamWriteWait))
	}
	if _, err := st.w.WriteString(s); err != nil {
		return false
	}
	return st.w.Flush() == nil
}
