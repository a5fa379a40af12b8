// Package api is Continuity's HTTP interface (Fiber v2): the sync endpoints,
// quarantine, health, readiness and metrics. Every /v1 route requires a bearer
// token; every error is the JSON envelope {"error": {code, message, field}}.
package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/cqc"
	"github.com/continuity-care/continuity/server/oidc"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config wires the server's dependencies.
type Config struct {
	Store  care.Store
	Access care.AccessStore
	// Audit keeps the read audit; when nil, Store is used if it keeps one.
	Audit  care.ReadAuditStore
	Sync   *care.Sync
	Auth   *auth.Service
	Logger *slog.Logger
	// RateLimit is the most requests one device (or, before
	// authentication, one address) may make per RateWindow; 0 means 600.
	RateLimit int
	// RateWindow is the rate-limit window; 0 means one minute.
	RateWindow time.Duration
	// EnrolFailures is how many failed POST /v1/auth/enrol attempts one
	// client address may make per EnrolFailureWindow; 0 means 10.
	EnrolFailures int
	// EnrolFailureWindow is the enrolment failure window; 0 means 15
	// minutes.
	EnrolFailureWindow time.Duration
	// Now is the injected clock (time.Now when nil).
	Now func() time.Time
	// IdleLock is how long the field app may sit untouched before it
	// locks and asks for the device PIN (GET /v1/me, idle_lock_seconds);
	// 0 means DefaultIdleLock.
	IdleLock time.Duration
	// Mount, when set, adds routes (the web app and console, with their
	// security headers) ahead of the API's own routes and catch-all.
	Mount func(app *fiber.App)
	// Feed wakes change streams (GET /v1/sync/stream); nil uses Store when
	// it is a care.ChangeFeed, else the stream answers 503.
	Feed care.ChangeFeed
	// StreamHeartbeat is how often an idle change stream sends a comment
	// and re-checks the device's access; 0 means DefaultStreamHeartbeat.
	StreamHeartbeat time.Duration
	// MaxStreams bounds the change streams held open; 0 means
	// DefaultMaxStreams.
	MaxStreams int
	// MaxStreamsPerDevice bounds the change streams one device holds open;
	// past it the device's next stream gets 429 and Retry-After. 0 means
	// DefaultMaxStreamsPerDevice.
	MaxStreamsPerDevice int
	// MaxConnsPerAddress bounds the connections one client address holds
	// open at once (an IPv6 client counted by its /64; connections from a
	// trusted proxy are not counted: connlimit.go). 0 means
	// DefaultMaxConnsPerAddress; a negative number, no cap.
	MaxConnsPerAddress int
	// AuthFailLimit is the most requests with invalid credentials (bad,
	// forged or revoked tokens; not an expired one) one client address may
	// make per RateWindow before getting 429; 0 means 30.
	AuthFailLimit int
	// ReadTimeout is how long a request's headers and body may take to
	// arrive (408 timeout after it); 0 means 60 seconds.
	ReadTimeout time.Duration
	// BodyBudget is the most bytes of request bodies read or handled at
	// once; past it a request with a body gets 503 and Retry-After. 0 means
	// DefaultBodyBudget.
	BodyBudget int64
	// TrustedProxies are the reverse proxies and load balancers in front
	// of the server (ParseTrustedProxies). The per-address limits count a
	// request from one of them against the client address its ProxyHeader
	// names (clientaddr.go); from any other address the header is ignored.
	// Empty: trust none, and the limits use the connection's address.
	TrustedProxies []netip.Prefix
	// ProxyHeader is the header TrustedProxies name the client in:
	// X-Forwarded-For (when empty) or X-Real-IP (ParseProxyHeader; New
	// panics on any other).
	ProxyHeader string
	// OIDC, when set, is the council sign-in (server/oidc): its routes
	// under /v1/auth/oidc, and its check at every token refresh.
	OIDC *oidc.Service
}

// Server is the HTTP server.
type Server struct {
	app     *fiber.App
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	audit   care.ReadAuditStore
	// reportReads remembers recent report reads so a screen left open and
	// refreshing on every push is audited once a window, not per refresh.
	reportReads recentReads

	feed        care.ChangeFeed
	heartbeat   time.Duration
	streams     streamLimit
	stopStreams chan struct{}
	stopOnce    sync.Once
	bodies      *bodyBudget
	authFails   *failLimiter
	proxies     proxyTrust
}

const principalKey = "principal"

// New builds the server and its routes.
func New(cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, log: log, metrics: newMetrics(), bodies: newBodyBudget(cfg.BodyBudget)}
	s.proxies = newProxyTrust(cfg.TrustedProxies, cfg.ProxyHeader)
	trusted := make([]string, len(cfg.TrustedProxies))
	for i, p := range cfg.TrustedProxies {
		trusted[i] = p.String()
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "continuity",
		DisableStartupMessage: true,
		// Bodies are streamed: each route reads its own with its own cap
		// (readBody), after authentication. See edge.go. With streaming,
		// fasthttp reads at most 8 KiB of a body before the handlers when
		// the declared length is within BodyLimit, and waits for one byte
		// more than that when it is over; so BodyLimit is set past every
		// route's cap and the caps are readBody's.
		StreamRequestBody: true,
		BodyLimit:         1 << 30,
		ReadTimeout:       cmp.Or(cfg.ReadTimeout, 60*time.Second),
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorHandler:      errorHandler(log, s.databaseDown),
		// X-Forwarded-Proto and X-Forwarded-Host are believed only from
		// the trusted proxies (c.Protocol, c.Hostname). ProxyHeader is not
		// set, so c.IP() stays the connection's address: with it, c.IP()
		// would return what the client wrote in the header. The limits use
		// clientIP (clientaddr.go).
		EnableTrustedProxyCheck: true,
		TrustedProxies:          trusted,
	})
	s.refuseUnknownMethods()
	s.app.Use(recover.New())
	s.app.Use(s.metrics.middleware)
	s.app.Use(s.edge)
	// Answers are compressed when the client accepts it (br, else gzip),
	// the change stream too: fasthttp compresses a streamed body through a
	// writer flushed after every write, so each event still leaves at once
	// (TestServer_CompressedResponses). Bodies under 200 bytes, and bodies
	// already encoded (the web app's files), are sent as they are. The
	// default levels (gzip 6, br 4) cost the demo incident's initial sync
	// about 7–11 ms of CPU more than none and send 110–121 bytes a change
	// instead of 711; the fastest levels saved 4 ms and sent 137–140
	// (docs/benchmarks.md).
	s.app.Use(compress.New(compress.Config{Level: compress.LevelDefault}))
	if cfg.Mount != nil {
		cfg.Mount(s.app)
	}
	s.app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	s.app.Get("/readyz", s.readyz)
	s.app.Get("/openapi.json", serveOpenAPI)

	if cfg.RateLimit == 0 {
		cfg.RateLimit = 600
	}
	if cfg.RateWindow == 0 {
		cfg.RateWindow = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.EnrolFailures == 0 {
		cfg.EnrolFailures = DefaultEnrolFailures
	}
	if cfg.EnrolFailureWindow == 0 {
		cfg.EnrolFailureWindow = DefaultEnrolFailureWindow
	}
	if cfg.AuthFailLimit == 0 {
		cfg.AuthFailLimit = 30
	}
	s.cfg = cfg
	s.authFails = newFailLimiter(cfg.AuthFailLimit, cfg.RateWindow, cfg.Now)
	s.audit = cfg.Audit
	if s.audit == nil {
		s.audit, _ = cfg.Store.(care.ReadAuditStore)
	}
	s.feed = cfg.Feed
	if s.feed == nil {
		s.feed, _ = cfg.Store.(care.ChangeFeed)
	}
	s.heartbeat = cmp.Or(cfg.StreamHeartbeat, DefaultStreamHeartbeat)
	s.streams.max = int64(cmp.Or(cfg.MaxStreams, DefaultMaxStreams))
	s.streams.perDevice = cmp.Or(cfg.MaxStreamsPerDevice, DefaultMaxStreamsPerDevice)
	s.stopStreams = make(chan struct{})
	if cfg.OIDC != nil && cfg.Auth != nil && cfg.Auth.SessionCheck == nil {
		cfg.Auth.SessionCheck = cfg.OIDC.CheckSession
	}
	s.app.Post("/v1/auth/token", s.rateLimit(func(c *fiber.Ctx) string { return "ip:" + s.clientIP(c) }), s.readBody(smallBodyBytes), s.refresh)
	s.app.Post("/v1/auth/enrol", s.rateLimit(func(c *fiber.Ctx) string { return "ip:" + s.clientIP(c) }), s.limitEnrolFailures(), renderErrors, s.readBody(smallBodyBytes), s.enrol)
	s.app.Post("/v1/auth/device-wiped", s.rateLimit(func(c *fiber.Ctx) string { return "ip:" + s.clientIP(c) }), s.readBody(smallBodyBytes), s.deviceWiped)
	s.oidcPublicRoutes()
	v1 := s.app.Group("/v1", advertisePushLimit, s.authenticate, s.rateLimit(func(c *fiber.Ctx) string { return "device:" + principal(c).DeviceID }), s.refuseRevoked)
	v1.Post("/sync/push", s.readBody(syncproto.MaxPushBytes), s.push)
	v1.Get("/sync/pull", s.pull)
	v1.Get("/sync/stream", s.stream)
	v1.Get("/quarantine", s.quarantine)
	v1.Get("/records/:collection/:id/history", s.history)
	v1.Get("/conflicts", s.listConflicts)
	v1.Post("/conflicts/:id/resolve", s.readBody(resolveBodyBytes), s.resolveConflict)
	s.reportRoutes(v1)
	s.governanceRoutes(v1)
	s.consoleRoutes(v1)
	s.selfRoutes(v1)
	s.oidcRoutes(v1)
	admin := v1.Group("/admin", s.requireRole(care.RoleAdmin))
	s.adminRoutes(admin)
	s.enrolmentCodeRoutes(admin)
	admin.Get("/auth-events", s.authEvents)
	admin.Post("/import/cqc", s.readBody(importBodyBytes), s.importCQC)
	s.app.Use(func(c *fiber.Ctx) error {
		return syncproto.Errorf(syncproto.CodeNotFound, "", "no route %s %s", c.Method(), c.Path())
	})
	return s
}

// HeaderMaxPushBytes is the response header, on every /v1 answer, that
// advertises the largest push body (in bytes) the server accepts, so that
// the SDKs size their batches below it before the first push.
const HeaderMaxPushBytes = "Continuity-Max-Push-Bytes"

// advertisePushLimit sets HeaderMaxPushBytes.
func advertisePushLimit(c *fiber.Ctx) error {
	c.Set(HeaderMaxPushBytes, strconv.Itoa(syncproto.MaxPushBytes))
	return c.Next()
}

// Metrics returns the Prometheus handler. It is not routed on the API's
// listener: serve gives it its own (--metrics-addr, loopback by default),
// so a reverse proxy in front of the API never publishes it.
func (s *Server) Metrics() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// App returns the Fiber app, for mounting further routes.
func (s *Server) App() *fiber.App { return s.app }

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if n := cmp.Or(s.cfg.MaxConnsPerAddress, DefaultMaxConnsPerAddress); n > 0 {
		ln = &connLimiter{Listener: ln, max: n, proxies: &s.proxies}
	}
	return s.app.Listener(ln)
}

// Shutdown ends the change streams, stops accepting connections and waits
// for in-flight requests.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() { close(s.stopStreams) })
	return s.app.ShutdownWithContext(ctx)
}

// databaseDown reports whether the database fails to answer a ping now:
// an error a handler returned is then the database's being unreachable
// (stopped, cut off, its file gone), not a fault to answer 500 for.
func (s *Server) databaseDown(c *fiber.Ctx) bool {
	if s.cfg.Store == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.cfg.Store.Ping(ctx) != nil
}

func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		return syncproto.Errorf(syncproto.CodeUnavailable, "", "database is not answering")
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

// authenticate requires a valid bearer token and stores its principal.
func (s *Server) authenticate(c *fiber.Ctx) error {
	h := header(c, fiber.HeaderAuthorization)
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return s.countFailure(c, syncproto.Errorf(syncproto.CodeUnauthorized, "Authorization", "send Authorization: Bearer <access token>"))
	}
	p, err := s.cfg.Auth.Authenticate(c.UserContext(), strings.TrimSpace(tok))
	if err != nil {
		return s.countFailure(c, err)
	}
	c.Locals(principalKey, p)
	return c.Next()
}

// refuseRevoked lets a revoked device do nothing but push (what it authored
// before revocation is applied, the rest quarantined).
func (s *Server) refuseRevoked(c *fiber.Ctx) error {
	p := principal(c)
	if p.DeviceRevokedAt != nil && !(c.Method() == fiber.MethodPost && c.Path() == "/v1/sync/push") {
		return syncproto.Errorf(syncproto.CodeUnauthorized, "Authorization", "device %s has been revoked", p.DeviceID)
	}
	return c.Next()
}

// requireRole admits only principals with one of the roles.
func (s *Server) requireRole(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := principal(c)
		for _, r := range roles {
			if p.Role == r {
				return c.Next()
			}
		}
		return syncproto.Errorf(syncproto.CodeForbiddenRole, "", "this needs the role %s", strings.Join(roles, " or "))
	}
}

func principal(c *fiber.Ctx) care.Principal {
	p, _ := c.Locals(principalKey).(care.Principal)
	return p
}

func (s *Server) push(c *fiber.Ctx) error {
	req, perr := syncproto.DecodePush(bodyOf(c))
	if perr != nil {
		return perr
	}
	resp, err := s.cfg.Sync.Push(c.UserContext(), principal(c), req)
	if err != nil {
		var pe *syncproto.Error
		if errors.As(err, &pe) {
			return pe
		}
		return err
	}
	for _, r := range resp.Results {
		s.metrics.pushChanges.WithLabelValues(r.Status).Inc()
	}
	return c.JSON(resp)
}

func (s *Server) pull(c *fiber.Ctx) error {
	limit := 0
	if v := query(c, "limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInvalidValue, "limit", "limit must be a whole number between 1 and %d", syncproto.MaxPullLimit)
		}
		if n == 0 {
			n = -1 // explicit 0 is out of range
		}
		limit = n
	}
	p := principal(c)
	resp, err := s.cfg.Sync.Pull(c.UserContext(), care.PullRequest{Cursor: query(c, "cursor"), Limit: limit, Filter: s.cfg.Sync.FilterFor(p)})
	if err != nil {
		return err
	}
	s.metrics.pullChanges.Add(float64(resp.Count))
	// The changes are already JSON (their stored form): copy them out.
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(resp.AppendJSON(make([]byte, 0, resp.Len())))
}

func (s *Server) history(c *fiber.Ctx) error {
	id, err := uuid.Parse(param(c, "id"))
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInvalidUUID, "id", "record id must be a UUID")
	}
	collection := param(c, "collection")
	h, err := s.cfg.Sync.History(c.UserContext(), principal(c), collection, id.String())
	if err != nil {
		return err
	}
	if err := s.auditRead(c, historyRead(collection, id.String(), h)); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"collection": collection, "record_id": id.String(), "history": h})
}

// importCQC imports CQC's care directory CSV sent as the request body.
func (s *Server) importCQC(c *fiber.Ctx) error {
	body := bodyOf(c)
	if len(body) == 0 {
		return syncproto.Errorf(syncproto.CodeMissingField, "body", "send the CQC care directory CSV file as the request body")
	}
	rep, err := cqc.Import(c.UserContext(), s.cfg.Sync, principal(c), bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, cqc.ErrNoHeader) {
			return syncproto.Errorf(syncproto.CodeInvalidValue, "body", "%v", err)
		}
		return err
	}
	s.log.Info("cqc directory imported", "by", principal(c).Subject, "rows", rep.Parse.Read, "applied", rep.Applied, "errors", len(rep.Parse.Errors))
	return c.JSON(rep)
}

func (s *Server) listConflicts(c *fiber.Ctx) error {
	status := query(c, "status")
	if status != "" && status != "open" && status != "resolved" {
		return syncproto.Errorf(syncproto.CodeInvalidValue, "status", "status must be open or resolved")
	}
	inc := query(c, "incident_id")
	if inc != "" {
		id, err := uuid.Parse(inc)
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInvalidUUID, "incident_id", "incident_id must be a UUID")
		}
		inc = id.String()
	}
	cs, err := s.cfg.Sync.Conflicts(c.UserContext(), principal(c), status, inc)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"conflicts": cs})
}

type resolveRequest struct {
	ChangeID string          `json:"change_id" validate:"omitempty,uuid"`
	Value    json.RawMessage `json:"value"`
	Note     string          `json:"note" validate:"max=5000"`
}

func (s *Server) resolveConflict(c *fiber.Ctx) error {
	id, err := uuid.Parse(param(c, "id"))
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInvalidUUID, "id", "conflict id must be a UUID")
	}
	var req resolveRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	ch, err := s.cfg.Sync.Resolve(c.UserContext(), principal(c), id.String(), care.Resolution{ChangeID: req.ChangeID, Value: req.Value, Note: req.Note})
	if err != nil {
		return err
	}
	out := fiber.Map{"conflict_id": id.String(), "status": "resolved"}
	if ch.ID != "" { // settled with a note alone, no value was written
		out["change"] = ch
	}
	return c.JSON(out)
}

func (s *Server) quarantine(c *fiber.Ctx) error {
	f := care.QuarantineFilter{DeviceID: query(c, "device_id")}
	switch query(c, "status") {
	case "", "all":
	case "open":
		f.OpenOnly = true
	default:
		return syncproto.Errorf(syncproto.CodeInvalidValue, "status", "status must be open or all")
	}
	if v := query(c, "after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return syncproto.Errorf(syncproto.CodeInvalidValue, "after", "after must be a quarantine entry id")
		}
		f.AfterID = n
	}
	if v := query(c, "limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return syncproto.Errorf(syncproto.CodeInvalidValue, "limit", "limit must be between 1 and 1000")
		}
		f.Limit = n
	}
	entries, err := s.cfg.Sync.Quarantine(c.UserContext(), principal(c), f)
	if err != nil {
		return err
	}
	for i := range entries {
		entries[i].Raw = decodableRaw(entries[i].Raw)
	}
	return c.JSON(fiber.Map{"entries": entries})
}

// decodableRaw returns a quarantined change as stored when it is valid JSON
// in valid UTF-8, and otherwise as a JSON string (invalid bytes as U+FFFD), so
// one bad entry never stops a client decoding the page.
func decodableRaw(raw json.RawMessage) json.RawMessage {
	if utf8.Valid(raw) && json.Valid(raw) {
		return raw
	}
	q, _ := json.Marshal(strings.ToValidUTF8(string(raw), "\uFFFD"))
	return q
}
