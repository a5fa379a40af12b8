package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServe_ProxyFlagsRefused: a bad --trusted-proxies or --proxy-header
// stops serve before it opens the database, with an error naming the flag.
func TestServe_ProxyFlagsRefused(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"a prefix past 32 bits", []string{"--trusted-proxies", "10.0.0.0/33"}, `--trusted-proxies: "10.0.0.0/33" is not an IP address or CIDR range`},
		{"a host name", []string{"--trusted-proxies", "127.0.0.1,lb.council.example"}, `--trusted-proxies: "lb.council.example"`},
		{"everyone", []string{"--trusted-proxies", "0.0.0.0/0"}, "--trusted-proxies: \"0.0.0.0/0\" would trust every address"},
		{"Forwarded", []string{"--trusted-proxies", "127.0.0.1", "--proxy-header", "Forwarded"}, `--proxy-header: "Forwarded" is not a supported proxy header: use X-Forwarded-For or X-Real-IP`},
		{"empty header", []string{"--proxy-header", ""}, "--proxy-header"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "continuity.db")
			var out, errb bytes.Buffer
			err := run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--db", db}, tc.args...), &out, &errb)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if _, err := os.Stat(db); !os.IsNotExist(err) {
				t.Fatalf("the database was opened before the flags were checked: %v", err)
			}
		})
	}
}

// TestServe_TrustedProxies runs the binary behind a "proxy" on 127.0.0.1:
// with --trusted-proxies each forwarded client has its own invalid
// credentials limit; without, the header is ignored and a --proxy-header
// given alone is warned about.
func TestServe_TrustedProxies(t *testing.T) {
	badFrom := func(s *server, header, client string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", s.url+"/v1/sync/pull", nil)
		req.Header.Set("Authorization", "Bearer not.a.token")
		req.Header.Set(header, client)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	stop := func(s *server) string {
		t.Helper()
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Fatal("server did not stop on SIGTERM")
		}
		return s.stderr.String()
	}

	s := startServer(t, "--db", filepath.Join(t.TempDir(), "c.db"), "--auth-fail-limit", "2", "--trusted-proxies", "127.0.0.1, 10.0.0.0/8")
	for i, want := range []int{401, 401, 429} {
		if got := badFrom(s, "X-Forwarded-For", "1.2.3.4, 203.0.113.7"); got != want {
			t.Fatalf("203.0.113.7 request %d = %d, want %d", i, got, want)
		}
	}
	if got := badFrom(s, "X-Forwarded-For", "198.51.100.9"); got != 401 {
		t.Fatalf("another client = %d, want 401", got)
	}
	if logs := stop(s); !strings.Contains(logs, "trusted_proxies=\"[127.0.0.1/32 10.0.0.0/8]\" header=X-Forwarded-For") {
		t.Fatalf("start-up log does not name the trusted proxies:\n%s", logs)
	}

	s = startServer(t, "--db", filepath.Join(t.TempDir(), "c.db"), "--auth-fail-limit", "2", "--proxy-header", "x-real-ip")
	for i, want := range []int{401, 401, 429} {
		if got := badFrom(s, "X-Real-IP", []string{"203.0.113.7", "198.51.100.9", "192.0.2.1"}[i]); got != want {
			t.Fatalf("untrusted request %d = %d, want %d", i, got, want)
		}
	}
	if logs := stop(s); !strings.Contains(logs, "--proxy-header has no effect without --trusted-proxies") {
		t.Fatalf("no warning about --proxy-header alone:\n%s", logs)
	}
}

// TestServe_CapFlags: --max-conns-per-ip and --max-streams-per-device reach
// the server, and a value that makes no sense stops serve before it opens
// the database.
func TestServe_CapFlags(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		cases := []struct {
			name string
			args []string
			want string
		}{
			{"no streams", []string{"--max-streams-per-device", "0"}, "--max-streams-per-device must be 1 or more"},
			{"negative connections", []string{"--max-conns-per-ip", "-1"}, "--max-conns-per-ip must be 0 (no cap) or more"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				db := filepath.Join(t.TempDir(), "continuity.db")
				var out, errb bytes.Buffer
				err := run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--db", db}, tc.args...), &out, &errb)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				if _, err := os.Stat(db); !os.IsNotExist(err) {
					t.Fatalf("the database was opened before the flags were checked: %v", err)
				}
			})
		}
	})
	t.Run("connections per address", func(t *testing.T) {
		s := startServer(t, "--db", filepath.Join(t.TempDir(), "c.db"), "--max-conns-per-ip", "2")
		addr := strings.TrimPrefix(s.url, "http://")
		for range 2 {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
				t.Fatal(err)
			}
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("third connection = %d, want 429", resp.StatusCode)
		}
	})
}
