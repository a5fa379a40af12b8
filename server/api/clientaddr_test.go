package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/server/api"
)

// xff is an X-Forwarded-For header, one line per argument.
func xff(lines ...string) http.Header { return http.Header{"X-Forwarded-For": lines} }

// TestServer_ClientAddress: the per-address limits count a request from a
// trusted proxy against the client address the proxy header names (the
// right-most address in it that is not a trusted proxy), and ignore the
// header from anyone else. Every test client connects from 127.0.0.1; each
// step sends a request with invalid credentials (the limit is 2 a window)
// and expects 401 while its address is under the limit, 429 after.
func TestServer_ClientAddress(t *testing.T) {
	type step struct {
		name   string
		header http.Header
		want   int
	}
	xri := func(v string) http.Header { return http.Header{"X-Real-Ip": {v}} }
	cases := []struct {
		name    string
		trusted string
		header  string
		steps   []step
	}{
		{"no trusted proxies: the header is ignored", "", "", []step{
			{"client A", xff("203.0.113.7"), 401},
			{"client B", xff("198.51.100.9"), 401},
			{"client C shares 127.0.0.1 with A and B", xff("192.0.2.1"), 429},
			{"no header", nil, 429},
		}},
		{"a trusted range that is not the peer: the header is ignored", "10.0.0.0/8", "", []step{
			{"client A", xff("203.0.113.7"), 401},
			{"client B", xff("198.51.100.9"), 401},
			{"client C", xff("192.0.2.1"), 429},
		}},
		{"trusted 127.0.0.1: counted per forwarded address", "127.0.0.1", "", []step{
			{"A 1", xff("203.0.113.7"), 401},
			{"A 2", xff("203.0.113.7"), 401},
			{"A locked out", xff("203.0.113.7"), 429},
			{"B still served", xff("198.51.100.9"), 401},
			{"the proxy's own requests (no header) are the proxy's", nil, 401},
			{"IPv6 client", xff("2001:db8::1"), 401},
			{"the same IPv6 client bracketed with a port", xff("[2001:db8::1]:4711"), 401},
			{"the IPv6 client locked out", xff("2001:DB8:0::1"), 429},
			{"and any address it takes in its /64", xff("2001:db8::9:8:7:6"), 429},
			{"the next /64 served", xff("2001:db8:0:1::1"), 401},
		}},
		{"a spoofed chain counts as the right-most untrusted address", "127.0.0.1", "", []step{
			{"spoof 1", xff("1.2.3.4, 203.0.113.7"), 401},
			{"spoof 2, another made-up first entry", xff("5.6.7.8, 203.0.113.7"), 401},
			{"the real client locked out", xff("203.0.113.7"), 429},
			{"whatever it writes first", xff("9.9.9.9,203.0.113.7"), 429},
			{"or on an earlier header line", xff("9.9.9.9", "203.0.113.7"), 429},
			{"its neighbour served", xff("1.2.3.4, 203.0.113.8"), 401},
			{"a client claiming to be the locked-out one is itself", xff("203.0.113.7, 198.51.100.20"), 401},
		}},
		{"a chain of trusted proxies is skipped", "127.0.0.1, 10.0.0.0/8", "", []step{
			{"via 10.1.2.3", xff("1.2.3.4, 203.0.113.7, 10.1.2.3"), 401},
			{"via 10.9.9.9 on its own line", xff("203.0.113.7", "10.9.9.9"), 401},
			{"locked out, directly", xff("203.0.113.7"), 429},
			{"garbage written by a trusted hop: the hop is counted", xff("203.0.113.9, unknown, 10.1.2.3"), 401},
			{"10.1.2.3 again", xff("unknown, 10.1.2.3"), 401},
			{"10.1.2.3 locked out", xff("10.1.2.3"), 429},
		}},
		{"X-Real-IP", "127.0.0.1", "X-Real-IP", []step{
			{"A 1", xri("203.0.113.7"), 401},
			{"A 2", xri("203.0.113.7"), 401},
			{"A locked out", xri("203.0.113.7"), 429},
			{"B served", xri("198.51.100.9"), 401},
			{"X-Forwarded-For is not read", http.Header{"X-Real-Ip": {"203.0.113.7"}, "X-Forwarded-For": {"198.51.100.10"}}, 429},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			proxies, err := api.ParseTrustedProxies(tc.trusted)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, func(c *apiConfig) { c.AuthFailLimit = 2; c.TrustedProxies = proxies; c.ProxyHeader = tc.header })
			for _, s := range tc.steps {
				r := e.doWith("GET", "/v1/sync/pull", "not.a.token", nil, s.header)
				if r.Status != s.want {
					t.Fatalf("%s (%v): %d %s, want %d", s.name, s.header, r.Status, r.Body, s.want)
				}
			}
		})
	}
}

// TestServer_ClientAddressLimits: behind a trusted proxy the enrolment-code
// limiter and the per-address rate limit of POST /v1/auth/token count each
// forwarded client on its own too.
func TestServer_ClientAddressLimits(t *testing.T) {
	proxies, err := api.ParseTrustedProxies("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("enrolment codes", func(t *testing.T) {
		e := newEnv(t, func(c *apiConfig) { c.EnrolFailures = 2; c.TrustedProxies = proxies })
		for i, want := range []int{401, 401, 429} {
			if r := e.doWith("POST", "/v1/auth/enrol", "", map[string]any{"code": "K7QM-4XRT-9P"}, xff("1.2.3.4, 203.0.113.7")); r.Status != want {
				t.Fatalf("wrong code %d: %d %s, want %d", i, r.Status, r.Body, want)
			}
		}
		if r := e.doWith("POST", "/v1/auth/enrol", "", map[string]any{"code": "K7QM-4XRT-9P"}, xff("198.51.100.9")); r.Status != 401 {
			t.Fatalf("another client: %d %s", r.Status, r.Body)
		}
	})
	t.Run("token refresh rate limit", func(t *testing.T) {
		e := newEnv(t, func(c *apiConfig) { c.RateLimit = 2; c.TrustedProxies = proxies })
		body := map[string]any{"refresh_token": "crt_nope.nope"}
		for i, want := range []int{401, 401, 429} {
			r := e.doWith("POST", "/v1/auth/token", "", body, xff("203.0.113.7"))
			if r.Status != want || (want == 429 && !strings.Contains(string(r.Body), "rate_limited")) {
				t.Fatalf("refresh %d: %d %s, want %d", i, r.Status, r.Body, want)
			}
		}
		if r := e.doWith("POST", "/v1/auth/token", "", body, xff("198.51.100.9")); r.Status != 401 {
			t.Fatalf("another client: %d %s", r.Status, r.Body)
		}
	})
}

// TestParseTrustedProxies: the values of --trusted-proxies and
// --proxy-header that start the server, and those that stop it.
func TestParseTrustedProxies(t *testing.T) {
	good := []struct{ in, want string }{
		{"", "[]"},
		{" , ", "[]"},
		{"127.0.0.1", "[127.0.0.1/32]"},
		{"10.0.0.0/8, 192.168.1.7/24 ,2001:db8::/32,::1", "[10.0.0.0/8 192.168.1.0/24 2001:db8::/32 ::1/128]"},
	}
	for _, tc := range good {
		got, err := api.ParseTrustedProxies(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if s := fmt.Sprint(got); s != tc.want {
			t.Errorf("%q = %s, want %s", tc.in, s, tc.want)
		}
	}
	for _, in := range []string{"10.0.0.0/33", "10.0.0", "proxy.council.gov.uk", "10.0.0.0/8;10.1.0.0/16", "0.0.0.0/0", "::/0", "::ffff:10.0.0.1", "fe80::1%eth0", "127.0.0.1, nonsense"} {
		if got, err := api.ParseTrustedProxies(in); err == nil {
			t.Errorf("%q = %v, want an error", in, got)
		}
	}
	for in, want := range map[string]string{"X-Forwarded-For": "X-Forwarded-For", "x-forwarded-for": "X-Forwarded-For", "X-Real-IP": "X-Real-IP", "x-real-ip": "X-Real-IP"} {
		if got, err := api.ParseProxyHeader(in); err != nil || got != want {
			t.Errorf("header %q = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "Forwarded", "X-Client-IP", "CF-Connecting-IP", "True-Client-IP"} {
		if got, err := api.ParseProxyHeader(in); err == nil {
			t.Errorf("header %q = %q, want an error", in, got)
		}
	}
}
