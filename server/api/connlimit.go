package api

import (
	"encoding/json"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// DefaultMaxConnsPerAddress bounds the connections one client address holds
// open at once: far more than a team's office behind one NAT address needs
// (a browser opens six per host, a tablet one or two), far fewer than the
// thousands a single host can hold half-sent to tie up the server's
// descriptors and memory.
const DefaultMaxConnsPerAddress = 200

// connRefusedWait is how long the server tries to tell a refused connection
// why before closing it.
const connRefusedWait = time.Second

// Per-address connection cap.
//
// fasthttp's own Server.MaxConnsPerIP is not used: it counts only IPv4
// peers (an IPv6 connection is never counted, so every IPv6 client is
// unlimited) and counts each IPv6 host apart when it does, and it answers
// with a plain-text body. connLimiter counts every connection by limitKey,
// an IPv6 client by its /64 like the other per-address limits.
//
// It counts the address the connection comes from, before any request is
// read: a proxy header cannot be believed then, and one connection from a
// proxy carries many clients' requests. Connections from a trusted proxy
// (Config.TrustedProxies) are therefore not counted: the proxy must bound
// connections per client itself (docs/operations.md), and the request
// limits still count the client the proxy names.

// connLimiter wraps a listener so that no client address holds more than
// max connections open at once; a connection past the cap is answered 429
// with the error envelope and Retry-After, and closed.
type connLimiter struct {
	net.Listener
	max     int
	proxies *proxyTrust

	mu   sync.Mutex
	open map[string]int
}

// Accept returns the next connection within its address's cap.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key, counted := l.key(c)
		if !counted {
			return c, nil
		}
		if !l.take(key) {
			go refuseConn(c)
			continue
		}
		return &limitedConn{Conn: c, release: func() { l.give(key) }}, nil
	}
}

// key is what the connection is counted as; counted is false for a
// connection from a trusted proxy or of an address that cannot be read.
func (l *connLimiter) key(c net.Conn) (key string, counted bool) {
	ta, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return "", false
	}
	a, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return "", false
	}
	a = a.Unmap()
	if l.proxies != nil && l.proxies.trusts(a) {
		return "", false
	}
	return limitKey(a), true
}

func (l *connLimiter) take(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] >= l.max {
		return false
	}
	if l.open == nil {
		l.open = map[string]int{}
	}
	l.open[key]++
	return true
}

func (l *connLimiter) give(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// limitedConn gives its place back once, when closed.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close closes the connection and frees its place.
func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// refusedResponse is what a connection past its address's cap is sent.
var refusedResponse = func() []byte {
	body, _ := json.Marshal(syncproto.ErrorEnvelope{Error: syncproto.Errorf(syncproto.CodeRateLimited, "",
		"this address holds as many connections as one address may; close some, or reuse them (keep-alive)")})
	return []byte("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 10\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + string(body))
}()

// refuseConn tells a connection past its cap why, briefly, and closes it.
func refuseConn(c net.Conn) {
	_ = c.SetWriteDeadline(time.Now().Add(connRefusedWait))
	_, _ = c.Write(refusedResponse)
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_ = c.Close()
}
