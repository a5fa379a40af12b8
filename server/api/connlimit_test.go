package api_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/syncproto"
)

// halfSent is a request whose headers never end: the connection stays open
// until the server's read timeout.
const halfSent = "GET /healthz HTTP/1.1\r\nHost: continuity\r\nX-Slow: "

// dialFrom opens a raw TCP connection to the server at url from the local
// address from (any 127.0.0.0/8 address is this host on Linux).
func dialFrom(t *testing.T, url, from string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: patience}
	c, err := d.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// answer sends a whole GET /healthz on c and reads the response.
func answer(t *testing.T, c net.Conn) (*http.Response, []byte) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(patience))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: continuity\r\n\r\n"); err != nil {
		t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// TestServer_ConnectionsPerAddress: one address cannot hold more than its
// share of connections open, half-sent requests included; its next
// connection is answered 429 with the error envelope and Retry-After, while
// another address still connects. A trusted proxy's connections are not
// counted (it carries many clients).
func TestServer_ConnectionsPerAddress(t *testing.T) {
	const perAddress = 5
	proxy := "127.0.0.3"
	e := newEnv(t, func(c *api.Config) {
		c.MaxConnsPerAddress = perAddress
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix(proxy + "/32")}
	})
	var held []net.Conn
	for range perAddress {
		c := dialFrom(t, e.url, "127.0.0.1")
		if _, err := io.WriteString(c, halfSent); err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	t.Run("the address's next connection is refused", func(t *testing.T) {
		resp, body := answer(t, dialFrom(t, e.url, "127.0.0.1"))
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("connection %d of one address: %d, Retry-After %q: %s", perAddress+1, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		var env syncproto.ErrorEnvelope
		if err := json.Unmarshal(body, &env); err != nil || env.Error == nil || env.Error.Code != syncproto.CodeRateLimited {
			t.Fatalf("body %s: %v", body, err)
		}
	})
	t.Run("another address still connects", func(t *testing.T) {
		if resp, body := answer(t, dialFrom(t, e.url, "127.0.0.2")); resp.StatusCode != http.StatusOK {
			t.Fatalf("other address: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("a trusted proxy is not counted", func(t *testing.T) {
		for range perAddress {
			c := dialFrom(t, e.url, proxy)
			if _, err := io.WriteString(c, halfSent); err != nil {
				t.Fatal(err)
			}
		}
		if resp, body := answer(t, dialFrom(t, e.url, proxy)); resp.StatusCode != http.StatusOK {
			t.Fatalf("proxy's connection %d: %d %s", perAddress+1, resp.StatusCode, body)
		}
	})
	t.Run("a closed connection frees its place", func(t *testing.T) {
		held[0].Close()
		deadline := time.Now().Add(patience)
		for {
			resp, _ := answer(t, dialFrom(t, e.url, "127.0.0.1"))
			if resp.StatusCode == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("still refused after a connection closed: %d", resp.StatusCode)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
