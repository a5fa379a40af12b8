package api

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Client addresses behind a reverse proxy.
//
// The per-address limits (invalid credentials, enrolment codes, the
// per-address rate limit on /v1/auth/token and /v1/auth/enrol) key on
// clientIP. With no trusted proxies that is the address of the connection
// (an IPv6 client counted by its /64, limitKey).
// A request whose connection comes from a trusted proxy is counted against
// the client address the proxy header names: the right-most address in it
// that is not itself a trusted proxy. Every proxy appends the address it
// received the request from, so the right-most entries are written by
// proxies the server trusts and everything to their left may have been
// written by the client. From an address that is not a trusted proxy the
// header is ignored.
//
// Fiber v2's c.IP() with fiber.Config.ProxyHeader set returns, for a
// request from a trusted proxy, the header's whole value as sent
// ("1.2.3.4, 203.0.113.7": a key the client varies at will, and "" when
// the header is missing), or with EnableIPValidation its left-most valid
// entry, which the client chooses (ctx.go, IP and extractIPFromHeader, in
// v2.52). Its TrustedProxies also drops a range it cannot parse with only
// a log line, and matches single addresses by their text.
//
// fiber.Config.ProxyHeader is therefore left unset, so c.IP() stays the
// connection's address, and nothing in this package calls it
// (TestSource_ClientAddress): the limits use clientIP.

// Proxy headers clientIP can read.
const (
	HeaderXForwardedFor = fiber.HeaderXForwardedFor
	HeaderXRealIP       = "X-Real-IP"
)

// ParseProxyHeader returns the canonical name of a proxy header:
// X-Forwarded-For or X-Real-IP, in any case. Any other name is an error.
func ParseProxyHeader(name string) (string, error) {
	for _, h := range []string{HeaderXForwardedFor, HeaderXRealIP} {
		if strings.EqualFold(strings.TrimSpace(name), h) {
			return h, nil
		}
	}
	return "", fmt.Errorf("%q is not a supported proxy header: use %s or %s", name, HeaderXForwardedFor, HeaderXRealIP)
}

// ParseTrustedProxies parses a comma-separated list of IP addresses and
// CIDR ranges ("10.0.0.5, 192.168.10.0/24, 2001:db8::/48"). An empty list
// trusts nobody. A range that holds every address (0.0.0.0/0, ::/0) is
// refused: trusting the header from anyone lets any client choose the
// address it is counted against.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		var p netip.Prefix
		if strings.Contains(item, "/") {
			var err error
			if p, err = netip.ParsePrefix(item); err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR range", item)
			}
			p = p.Masked()
		} else {
			a, err := netip.ParseAddr(item)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is not an IP address or CIDR range", item)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() {
			return nil, fmt.Errorf("%q: write an IPv4 address or range as IPv4 (a.b.c.d or a.b.c.d/n)", item)
		}
		if p.Bits() == 0 {
			return nil, fmt.Errorf("%q would trust every address: list only your proxies", item)
		}
		out = append(out, p)
	}
	return out, nil
}

// proxyTrust is the server's trusted proxies and the header they set.
type proxyTrust struct {
	header  string
	trusted []netip.Prefix
}

func (p *proxyTrust) trusts(a netip.Addr) bool {
	for _, t := range p.trusted {
		if t.Contains(a) {
			return true
		}
	}
	return false
}

// client returns the address a request from peer is counted against, given
// the values of the proxy header (every line of it, in order): peer when it
// is not a trusted proxy; else, reading the header's entries right to left,
// the first that is not a trusted proxy. When an entry cannot be read the
// last trusted address read is used (the proxy that passed it on), and when
// every entry is a trusted proxy, the left-most.
func (p *proxyTrust) client(peer netip.Addr, values [][]byte) netip.Addr {
	if !p.trusts(peer) {
		return peer
	}
	addr := peer
	for i := len(values) - 1; i >= 0; i-- {
		v := values[i]
		for {
			j := bytes.LastIndexByte(v, ',')
			a, ok := parseForwarded(bytes.TrimSpace(v[j+1:]))
			if !ok {
				return addr
			}
			addr = a
			if !p.trusts(a) {
				return a
			}
			if j < 0 {
				break
			}
			v = v[:j]
		}
	}
	return addr
}

// parseForwarded reads one entry of a proxy header: an address, or an
// address with a port (1.2.3.4:5678, [2001:db8::1]:5678), or a bracketed
// IPv6 address.
func parseForwarded(b []byte) (netip.Addr, bool) {
	s := string(b)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			inner, ok := strings.CutPrefix(s, "[")
			if ok {
				inner, ok = strings.CutSuffix(inner, "]")
			}
			if !ok {
				return netip.Addr{}, false
			}
			if a, err = netip.ParseAddr(inner); err != nil || !a.Is6() {
				return netip.Addr{}, false
			}
		} else {
			a = ap.Addr()
		}
	}
	return a.WithZone("").Unmap(), true
}

// clientIP is the client address of a request, as the per-address limits
// count it (see the top of this file; limitKey).
func (s *Server) clientIP(c *fiber.Ctx) string {
	ip := c.Context().RemoteIP()
	peer, ok := netip.AddrFromSlice(ip)
	if !ok {
		return ip.String()
	}
	peer = peer.Unmap()
	if len(s.proxies.trusted) == 0 {
		return limitKey(peer)
	}
	return limitKey(s.proxies.client(peer, c.Request().Header.PeekAll(s.proxies.header)))
}

// limitKey is what a per-address limit counts for a client address: an IPv4
// address, or the /64 network an IPv6 address is in. A /64 is one network,
// handed whole to a home, office or phone, whose hosts choose their own
// addresses in it and change them at will (privacy addresses): counted per
// address, one client could take a fresh one for every few guesses.
func limitKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, err := a.Prefix(64)
		if err == nil {
			return p.String()
		}
	}
	return a.String()
}

// newProxyTrust is the trust of Config.TrustedProxies and ProxyHeader.
func newProxyTrust(trusted []netip.Prefix, header string) proxyTrust {
	if header == "" {
		header = HeaderXForwardedFor
	}
	h, err := ParseProxyHeader(header)
	if err != nil {
		panic("api.New: Config.ProxyHeader: " + err.Error())
	}
	return proxyTrust{header: h, trusted: trusted}
}
