package slowlink

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
)

// PullPath is the pull endpoint a PullCutter watches.
const PullPath = "/v1/sync/pull"

// PullCutter is an HTTP middleware in front of the server that counts the
// pull pages asked for (by the cursor they start from) and cuts the
// connection under one pull answer after After bytes of its body have
// gone out: the link drops mid-page. It cuts once.
type PullCutter struct {
	// Page is which pull answer to cut, counting from 1 (0: none).
	Page int
	// After is how many bytes of that answer's body (as sent: compressed
	// when the client asked for it) get through before the cut.
	After int64

	mu       sync.Mutex
	pulls    int
	byCursor map[string]int
	cut      bool
}

// Wrap returns next with the cutter in front.
func (c *PullCutter) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != PullPath {
			next.ServeHTTP(w, r)
			return
		}
		c.mu.Lock()
		if c.byCursor == nil {
			c.byCursor = map[string]int{}
		}
		c.pulls++
		c.byCursor[r.URL.Query().Get("cursor")]++
		cutThis := !c.cut && c.pulls == c.Page
		if cutThis {
			c.cut = true
		}
		c.mu.Unlock()
		if cutThis {
			w = &cuttingWriter{ResponseWriter: w, left: c.After}
		}
		next.ServeHTTP(w, r)
	})
}

// Pulls is how many pull pages were asked for.
func (c *PullCutter) Pulls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pulls
}

// Repeats is how many pull pages were asked for again (from a cursor
// already asked for), and the most times one cursor was asked for.
func (c *PullCutter) Repeats() (again, most int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.byCursor {
		again += n - 1
		most = max(most, n)
	}
	return again, most
}

// Cut reports whether the cut has happened.
func (c *PullCutter) Cut() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cut
}

// cuttingWriter lets left bytes of the body out, then drops the connection.
type cuttingWriter struct {
	http.ResponseWriter
	left int64
}

func (w *cuttingWriter) Write(p []byte) (int, error) {
	if int64(len(p)) <= w.left {
		w.left -= int64(len(p))
		return w.ResponseWriter.Write(p)
	}
	_, _ = w.ResponseWriter.Write(p[:w.left])
	w.left = 0
	_ = http.NewResponseController(w.ResponseWriter).Flush()
	// net/http closes the connection without a word for this panic.
	panic(http.ErrAbortHandler)
}

func (w *cuttingWriter) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap is for http.ResponseController.
func (w *cuttingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Proxy is a reverse proxy on loopback in front of a server, with
// middleware (a PullCutter's Wrap) in front of it.
type Proxy struct {
	// URL is the proxy's base URL.
	URL string
	srv *http.Server
}

// NewProxy starts a reverse proxy on loopback to target (a base URL), its
// handler wrapped by wrap when it is not nil.
func NewProxy(target string, wrap func(http.Handler) http.Handler) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1
	var h http.Handler = rp
	if wrap != nil {
		h = wrap(h)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), srv: &http.Server{Handler: h}}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// Close stops the proxy.
func (p *Proxy) Close() error {
	p.srv.SetKeepAlivesEnabled(false)
	if err := p.srv.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
