package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"
	"golang.org/x/sync/semaphore"
)

// What a hostile or careless client can send is stopped here, before a
// handler runs (docs/security.md, "Hostile review").
//
// Request bodies are streamed (fiber.Config.StreamRequestBody): fasthttp
// reads the headers and at most 8 KiB of a body before the handler chain
// runs, so authentication and the route's size cap come before the body is
// read. Only readBody reads a body, with the route's cap, while holding a
// share of a server-wide byte budget; handlers take it from bodyOf.
//
// Fiber's strings (c.Params, c.Query, c.Get, c.Method, c.Body) are views of
// buffers reused by the next request on the connection. Handlers take them
// through param, query and header, which copy; a value is never kept
// beyond the request otherwise. fiber.Config.Immutable (copy every string on
// every access) was considered and not used: a copy at the few places a
// value crosses into the service layer is enough, and TestSource_FiberStrings
// keeps raw accessors out of the handlers.

// Body caps, per route.
const (
	// smallBodyBytes caps the admin and token requests: a few short strings.
	smallBodyBytes = 64 << 10
	// resolveBodyBytes caps a conflict resolution: one field value and a note.
	resolveBodyBytes = 1 << 20
	// importBodyBytes caps the CQC directory CSV (about 8 MiB in 2026).
	importBodyBytes = 16 << 20
	// drainBytes is the most of an unread body the server reads and drops
	// to keep the connection open; a larger unread body closes it.
	drainBytes = 64 << 10
	// lingerTime and lingerBytes bound what the server drops of a refused
	// large body while the client reads the answer.
	lingerTime  = 5 * time.Second
	lingerBytes = 32 << 20
	// DefaultBodyBudget is the default of Config.BodyBudget.
	DefaultBodyBudget = 32 << 20
)

// bodyKey is the Locals key of the body read by readBody.
const bodyKey = "continuity.body"

// bodyBudget bounds the bytes of request bodies being read or handled at
// once. Each request holds its declared length (its route's cap when the
// length is not declared) until its handler returns.
type bodyBudget struct {
	sem   *semaphore.Weighted
	total int64
}

func newBodyBudget(total int64) *bodyBudget {
	if total <= 0 {
		total = DefaultBodyBudget
	}
	total = max(total, importBodyBytes)
	return &bodyBudget{sem: semaphore.NewWeighted(total), total: total}
}

// readBody returns the handler that reads a route's request body, at most
// limit bytes: a declared Content-Length over the cap is refused (413)
// before a byte more is read; when the server already holds its budget of
// bodies the request is refused (503 with Retry-After) without reading it.
// A gzip body (Content-Encoding: gzip) is read compressed and then
// decompressed, the cap and the budget applying to its decompressed size:
// a body that decompresses past the cap is refused (413) as soon as it does.
// Other encodings are refused (415). The body is kept for bodyOf.
func (s *Server) readBody(limit int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		gzipped := false
		switch enc := strings.TrimSpace(string(c.Request().Header.Peek(fiber.HeaderContentEncoding))); {
		case enc == "" || strings.EqualFold(enc, "identity"):
		case strings.EqualFold(enc, "gzip") || strings.EqualFold(enc, "x-gzip"):
			gzipped = true
		default:
			return syncproto.Errorf(syncproto.CodeUnsupportedMedia, fiber.HeaderContentEncoding, "send the body uncompressed or gzip-compressed (Content-Encoding %q is not accepted)", enc)
		}
		n := c.Request().Header.ContentLength()
		if n > limit {
			return syncproto.Errorf(syncproto.CodeTooLarge, "", "the body is %d bytes; this route accepts at most %s", n, sizeWords(limit))
		}
		weight := int64(limit)
		if n >= 0 && !gzipped {
			weight = int64(n)
		}
		if weight > 0 {
			if !s.bodies.sem.TryAcquire(weight) {
				c.Set(fiber.HeaderRetryAfter, "1")
				return syncproto.Errorf(syncproto.CodeUnavailable, "", "the server is reading as many request bodies as it may; retry after 1 second (Retry-After)")
			}
			s.metrics.bodyBytes.Add(float64(weight))
			defer func() {
				s.metrics.bodyBytes.Sub(float64(weight))
				s.bodies.sem.Release(weight)
			}()
		}
		body, err := readLimited(c, n, limit)
		if err != nil {
			return err
		}
		if gzipped {
			if body, err = gunzipLimited(body, limit); err != nil {
				return err
			}
		}
		c.Locals(bodyKey, body)
		return c.Next()
	}
}

// readLimited reads the request body, declared as n bytes (negative when
// not declared), refusing more than limit.
func readLimited(c *fiber.Ctx, n, limit int) ([]byte, error) {
	stream := c.Context().RequestBodyStream()
	if stream == nil {
		// Not streamed (a body fasthttp had already read): copy it.
		b := c.Request().Body()
		if len(b) > limit {
			return nil, syncproto.Errorf(syncproto.CodeTooLarge, "", "the body is over %s, the limit of this route", sizeWords(limit))
		}
		return bytes.Clone(b), nil
	}
	// Room for the declared length and bytes.MinRead more: ReadFrom grows
	// (doubles) a buffer with less than MinRead free before each read, so
	// a buffer of exactly the body's length is copied into one twice its
	// size just to see the end of the body.
	buf := bytes.NewBuffer(make([]byte, 0, max(n, 0)+bytes.MinRead))
	_, err := buf.ReadFrom(io.LimitReader(stream, int64(limit)+1))
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, syncproto.Errorf(syncproto.CodeTimeout, "", "the body did not arrive in time")
		}
		return nil, syncproto.Errorf(syncproto.CodeInvalidRequest, "", "the body could not be read: %v", err)
	}
	if buf.Len() > limit {
		return nil, syncproto.Errorf(syncproto.CodeTooLarge, "", "the body is over %s, the limit of this route", sizeWords(limit))
	}
	return buf.Bytes(), nil
}

// gunzipLimited decompresses a gzip body, refusing it (413) once it passes
// limit bytes decompressed: a small body that inflates without end (a
// decompression bomb) costs at most limit bytes.
func gunzipLimited(body []byte, limit int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, syncproto.Errorf(syncproto.CodeInvalidRequest, fiber.HeaderContentEncoding, "the body is not gzip: %v", err)
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(limit, 8*len(body))+bytes.MinRead))
	_, err = buf.ReadFrom(io.LimitReader(zr, int64(limit)+1))
	if buf.Len() > limit {
		return nil, syncproto.Errorf(syncproto.CodeTooLarge, "", "the body decompresses to over %s, the limit of this route", sizeWords(limit))
	}
	if err != nil {
		return nil, syncproto.Errorf(syncproto.CodeInvalidRequest, fiber.HeaderContentEncoding, "the gzip body could not be decompressed: %v", err)
	}
	return buf.Bytes(), nil
}

// bodyOf returns the body readBody read. A route whose handler reads a body
// without readBody in its chain is a programming error: it gets an empty
// body, never an unbounded read.
func bodyOf(c *fiber.Ctx) []byte {
	b, _ := c.Locals(bodyKey).([]byte)
	return b
}

// sizeWords writes a byte count as KiB or MiB.
func sizeWords(n int) string {
	if n >= 1<<20 {
		return strconv.Itoa(n>>20) + " MiB"
	}
	return strconv.Itoa(n>>10) + " KiB"
}

// edge runs first on every request: it refuses query parameters and paths
// that are not UTF-8 text, and after the handler it deals with a body
// nobody read (a refused request). A small one (at most drainBytes) is read
// and dropped, keeping the connection. A larger one is not read: the answer
// is sent at once and the connection then lingers, dropping what still
// arrives for at most lingerTime and lingerBytes, before it is closed.
// Closing at once would make the client's kernel drop the answer it had not
// read yet (a TCP reset), and a client would see a broken connection
// instead of 401 or 413. Lingering holds a 32 KiB buffer, never the body.
func (s *Server) edge(c *fiber.Ctx) error {
	if c.Protocol() == "https" {
		// Over TLS, directly or through a trusted proxy that says so in
		// X-Forwarded-Proto (fiber believes it only from TrustedProxies).
		c.Set(fiber.HeaderStrictTransportSecurity, hstsValue)
	}
	if strings.HasPrefix(c.Path(), "/v1/") {
		// API answers carry personal data: no cache, shared or private, may
		// keep them. A handler may say otherwise (GET /v1/schema, which
		// holds none, is revalidated by its ETag).
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	if e := checkFraming(c); e != nil {
		// Which length the body has is ambiguous, so where the next
		// request starts is too: answer and close.
		c.Context().SetConnectionClose()
		return e
	}
	err := s.checkURL(c)
	if err == nil {
		err = c.Next()
	}
	if c.Locals(bodyKey) != nil {
		return err
	}
	stream := c.Context().RequestBodyStream()
	if stream == nil {
		return err
	}
	n := c.Request().Header.ContentLength()
	if n >= 0 && n <= drainBytes {
		if _, derr := io.Copy(io.Discard, io.LimitReader(stream, int64(n))); derr != nil {
			c.Context().SetConnectionClose()
		}
		return err
	}
	// The answer says Connection: close, so fasthttp would close at once;
	// it is written here instead, on the hijacked connection, which then
	// lingers.
	if err != nil {
		if herr := c.App().ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	c.Response().SetConnectionClose()
	var answer bytes.Buffer
	if _, werr := c.Response().WriteTo(&answer); werr != nil {
		return werr
	}
	c.Context().HijackSetNoResponse(true)
	c.Context().Hijack(func(conn net.Conn) {
		_ = conn.SetDeadline(time.Now().Add(lingerTime))
		if _, werr := conn.Write(answer.Bytes()); werr != nil {
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(conn, lingerBytes))
	})
	return nil
}

// hstsValue is the Strict-Transport-Security header sent on every answer
// to a request that arrived over TLS: browsers then use HTTPS for a year.
// Subdomains are left out: a council's other sites are not this server's
// to decide.
const hstsValue = "max-age=31536000"

// checkFraming refuses a request with more than one Content-Length header
// (or one holding a list), which RFC 9112 section 6.3 makes an
// unrecoverable framing error: fasthttp would believe the last, a proxy in
// front perhaps the first, and the difference smuggles a request. A
// malformed single value never gets here: fasthttp refuses it while
// reading the headers (errorHandler answers without echoing them).
func checkFraming(c *fiber.Ctx) *syncproto.Error {
	raw := c.Request().Header.RawHeaders()
	n := 0
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !bytes.EqualFold(bytes.TrimSpace(name), []byte(fiber.HeaderContentLength)) {
			continue
		}
		n++
		if bytes.IndexByte(value, ',') >= 0 {
			n++
		}
	}
	if n > 1 {
		return syncproto.Errorf(syncproto.CodeInvalidRequest, fiber.HeaderContentLength, "send Content-Length once, with one value")
	}
	return nil
}

// refuseUnknownMethods answers a request whose method the server does not
// know (Fiber would answer it in plain text before any handler runs) with
// 405 method_not_allowed in the error envelope.
func (s *Server) refuseUnknownMethods() {
	srv := s.app.Server()
	next := srv.Handler
	srv.Handler = func(ctx *fasthttp.RequestCtx) {
		m := string(ctx.Method())
		if slices.Contains(fiber.DefaultMethods, m) {
			next(ctx)
			return
		}
		b, _ := json.Marshal(syncproto.ErrorEnvelope{Error: syncproto.Errorf(syncproto.CodeMethodNotAllowed, "method",
			"the method %q is not served; use GET, POST or DELETE", strings.ToValidUTF8(m, "\uFFFD"))})
		ctx.SetStatusCode(fiber.StatusMethodNotAllowed)
		ctx.SetContentType(fiber.MIMEApplicationJSON)
		ctx.SetBody(b)
		if ctx.Request.Header.ContentLength() != 0 {
			ctx.SetConnectionClose()
		}
	}
}

// checkURL refuses a path or query parameter that is not UTF-8 text without
// U+0000, naming the parameter.
func (s *Server) checkURL(c *fiber.Ctx) error {
	if p := c.Request().URI().Path(); !utf8.Valid(p) || bytes.IndexByte(p, 0) >= 0 {
		return syncproto.Errorf(syncproto.CodeInvalidValue, "path", "the path must be UTF-8 text without U+0000")
	}
	var bad string
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if bad == "" && (!utf8.Valid(k) || !utf8.Valid(v) || bytes.IndexByte(k, 0) >= 0 || bytes.IndexByte(v, 0) >= 0) {
			bad = strings.ToValidUTF8(string(k), "\uFFFD")
		}
	})
	if bad != "" {
		return syncproto.Errorf(syncproto.CodeInvalidValue, bad, "query parameter %s must be UTF-8 text without U+0000", bad)
	}
	return nil
}

// param returns a route parameter as a string of its own.
func param(c *fiber.Ctx, name string) string { return utils.CopyString(c.Params(name)) }

// query returns a query parameter as a string of its own.
func query(c *fiber.Ctx, name string) string { return utils.CopyString(c.Query(name)) }

// header returns a request header as a string of its own.
func header(c *fiber.Ctx, name string) string { return utils.CopyString(c.Get(name)) }
