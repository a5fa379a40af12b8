package slowlink

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// serveTCP listens on loopback until the test ends and gives each
// connection to handle, which closes it; it returns the address.
func serveTCP(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return ln.Addr().String()
}

// echoServer echoes every connection's bytes back.
func echoServer(t *testing.T) string {
	t.Helper()
	return serveTCP(t, func(c net.Conn) { _, _ = io.Copy(c, c); c.Close() })
}

// roundTrip sends n random bytes through addr and checks they come back.
func roundTrip(t *testing.T, addr string, n int) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := make([]byte, n)
	_, _ = rand.Read(want)
	go func() { _, _ = c.Write(want) }()
	got := make([]byte, n)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read back through the link: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the bytes came back changed")
	}
}

func TestLink_Open(t *testing.T) {
	target := echoServer(t)
	t.Run("shaping proxy: every byte arrives, in order", func(t *testing.T) {
		l, err := OpenProxy(target, Profile{DownKbit: 8000, UpKbit: 8000, Delay: time.Millisecond}, "test")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if l.Netem || !strings.Contains(l.How, "proxy") {
			t.Fatalf("link %+v", l)
		}
		roundTrip(t, l.Addr, 20000)
	})
	t.Run("network namespace: the listener is inside, the bytes cross the veth", func(t *testing.T) {
		// An empty profile: no qdisc, so this runs where the kernel has no
		// netem but allows namespaces. It adds a veth to the host's
		// namespace, a network change that makes any Chromium running at
		// the same time abort its loads (ERR_NETWORK_CHANGED): so it runs
		// only when asked, which .ci/run does after the browser tests.
		if os.Getenv("CONTINUITY_SLOWLINK") != "namespace" {
			t.Skip("the namespace plumbing runs with CONTINUITY_SLOWLINK=namespace, apart from the browser tests (.ci/run does)")
		}
		l, err := Open(target, Profile{})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if !l.Netem {
			t.Skipf("no network namespace here: %s", l.Why)
		}
		if !strings.HasPrefix(l.Addr, "10.") {
			t.Fatalf("listening on %s, want the namespace's end of the veth", l.Addr)
		}
		roundTrip(t, l.Addr, 20000)
	})
}

func TestPullCutter_Wrap(t *testing.T) {
	page := strings.Repeat("x", 10000)
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, page) })
	cut := &PullCutter{Page: 2, After: 3000}
	srv := httptest.NewServer(cut.Wrap(backend))
	defer srv.Close()
	get := func(cursor string) (int, error) {
		resp, err := http.Get(srv.URL + PullPath + "?cursor=" + cursor)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return len(b), err
	}
	if n, err := get("a"); err != nil || n != len(page) {
		t.Fatalf("page 1: %d bytes, %v", n, err)
	}
	n, err := get("b")
	if err == nil || n > 3000 {
		t.Fatalf("page 2: %d bytes and %v, want it cut after 3000", n, err)
	}
	if n, err := get("b"); err != nil || n != len(page) {
		t.Fatalf("page 2 again: %d bytes, %v", n, err)
	}
	if _, err := http.Get(srv.URL + "/v1/other"); err != nil {
		t.Fatal(err)
	}
	again, most := cut.Repeats()
	if cut.Pulls() != 3 || again != 1 || most != 2 || !cut.Cut() {
		t.Fatalf("pulls %d, again %d, most %d, cut %v", cut.Pulls(), again, most, cut.Cut())
	}
}
