package api

import (
	"net/netip"
	"testing"
)

// TestProxyTrust_Client: the address a request from a peer is counted
// against, given the proxy header's lines.
func TestProxyTrust_Client(t *testing.T) {
	trusted, err := ParseTrustedProxies("127.0.0.1, 10.0.0.0/8, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	p := proxyTrust{header: HeaderXForwardedFor, trusted: trusted}
	cases := []struct {
		name  string
		peer  string
		lines []string
		want  string
	}{
		{"an untrusted peer is itself", "192.0.2.1", []string{"203.0.113.7"}, "192.0.2.1"},
		{"no header: the proxy", "127.0.0.1", nil, "127.0.0.1"},
		{"an empty header: the proxy", "127.0.0.1", []string{""}, "127.0.0.1"},
		{"one entry", "127.0.0.1", []string{"203.0.113.7"}, "203.0.113.7"},
		{"right-most untrusted", "127.0.0.1", []string{"1.2.3.4, 203.0.113.7"}, "203.0.113.7"},
		{"trusted hops skipped", "10.0.0.1", []string{"1.2.3.4, 203.0.113.7 , 10.2.2.2,10.3.3.3"}, "203.0.113.7"},
		{"across lines", "127.0.0.1", []string{"1.2.3.4, 203.0.113.7", "10.2.2.2"}, "203.0.113.7"},
		{"an empty line in the trusted part stops", "127.0.0.1", []string{"203.0.113.7", "", "10.2.2.2"}, "10.2.2.2"},
		{"garbage from a trusted hop: that hop", "127.0.0.1", []string{"203.0.113.7, unknown, 10.2.2.2"}, "10.2.2.2"},
		{"garbage at the right: the peer", "127.0.0.1", []string{"203.0.113.7, _hidden"}, "127.0.0.1"},
		{"an empty entry: the peer", "127.0.0.1", []string{"203.0.113.7,"}, "127.0.0.1"},
		{"garbage left of the client is not read", "127.0.0.1", []string{"<script>, 203.0.113.7"}, "203.0.113.7"},
		{"every entry trusted: the left-most", "127.0.0.1", []string{"10.0.0.5, 10.1.1.1"}, "10.0.0.5"},
		{"a port", "127.0.0.1", []string{"203.0.113.7:51234"}, "203.0.113.7"},
		{"IPv6", "fd00::1", []string{"2001:DB8::7"}, "2001:db8::7"},
		{"bracketed IPv6", "127.0.0.1", []string{"[2001:db8::7]"}, "2001:db8::7"},
		{"bracketed IPv6 with a port", "127.0.0.1", []string{"[2001:db8::7]:443"}, "2001:db8::7"},
		{"a zone is dropped", "127.0.0.1", []string{"fe80::1%eth0"}, "fe80::1"},
		{"IPv4 in IPv6 is IPv4", "127.0.0.1", []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
		{"IPv4 in IPv6 of a trusted proxy is trusted", "127.0.0.1", []string{"203.0.113.7, ::ffff:10.2.2.2"}, "203.0.113.7"},
		{"a bracketed IPv4 is garbage", "127.0.0.1", []string{"[203.0.113.7]"}, "127.0.0.1"},
	}
	for _, tc := range cases {
		var lines [][]byte
		for _, l := range tc.lines {
			lines = append(lines, []byte(l))
		}
		got := p.client(netip.MustParseAddr(tc.peer), lines)
		if got.String() != tc.want {
			t.Errorf("%s: %s %q = %s, want %s", tc.name, tc.peer, tc.lines, got, tc.want)
		}
	}
}

func TestLimitKey(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::ffff", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"::1", "::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
	} {
		if got := limitKey(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("limitKey(%s) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}
