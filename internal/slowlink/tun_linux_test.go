package slowlink

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// openTUNLink opens the TUN emulator shaped as p in front of target, or
// skips where the machine does not allow it.
func openTUNLink(t *testing.T, target string, p Profile) *Link {
	t.Helper()
	l, why, err := openTUN(target, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	if l == nil {
		t.Skipf("no TUN emulator here: %s", why)
	}
	return l
}

// sourceServer sends every connection n seeded random bytes and closes it;
// it returns its address and the bytes' sha256.
func sourceServer(t *testing.T, n int) (string, [32]byte) {
	t.Helper()
	data := make([]byte, n)
	r := rand.NewChaCha8([32]byte{1})
	_, _ = r.Read(data)
	addr := serveTCP(t, func(c net.Conn) { _, _ = c.Write(data); c.Close() })
	return addr, sha256.Sum256(data)
}

// download reads all addr sends and returns its sha256 and length.
func download(t *testing.T, addr string) ([32]byte, int64) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h := sha256.New()
	n, err := io.Copy(h, c)
	if err != nil {
		t.Fatalf("read through the link: %v after %d bytes", err, n)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, n
}

func TestLink_TUN(t *testing.T) {
	t.Run("a large transfer through 1% loss arrives intact, and the losses are counted", func(t *testing.T) {
		const n = 4 << 20
		addr, want := sourceServer(t, n)
		l := openTUNLink(t, addr, Profile{LossPercent: 1, Delay: 2 * time.Millisecond, Seed: 3})
		defer l.Close()
		if l.Netem || !strings.Contains(l.How, "TUN") || !strings.HasPrefix(l.Addr, "127.0.0.1:") {
			t.Fatalf("link %q at %s", l.How, l.Addr)
		}
		got, size := download(t, l.Addr)
		if size != n || got != want {
			t.Fatalf("%d bytes arrived, sha256 %x, want %d bytes, %x", size, got, n, want)
		}
		up, down, ok := l.Counts()
		t.Logf("%s", l.Report())
		if !ok || down.Packets < n/1500 || down.Lost == 0 || up.Lost == 0 {
			t.Fatalf("counts up %+v down %+v: want every data packet counted and some lost each way", up, down)
		}
		if share := float64(down.Lost) / float64(down.Packets); share < 0.004 || share > 0.02 {
			t.Fatalf("lost %d of %d packets down (%.2f%%), want about 1%%", down.Lost, down.Packets, 100*share)
		}
	})
	t.Run("an echoed connection survives 5% loss each way", func(t *testing.T) {
		l := openTUNLink(t, echoServer(t), Profile{LossPercent: 5, Delay: 5 * time.Millisecond, Seed: 5})
		defer l.Close()
		roundTrip(t, l.Addr, 1<<20)
		up, down, _ := l.Counts()
		t.Logf("%s", l.Report())
		for _, c := range []Counts{up, down} {
			if share := float64(c.Lost) / float64(c.Packets); c.Packets < 500 || share < 0.02 || share > 0.1 {
				t.Fatalf("counts %+v: want about 5%% of many packets lost", c)
			}
		}
	})
	t.Run("a sender faster than the rate fills the queue to its bound and no further", func(t *testing.T) {
		const n = 600 << 10
		addr, want := sourceServer(t, n)
		l := openTUNLink(t, addr, Profile{DownKbit: 4000, UpKbit: 4000, Delay: 10 * time.Millisecond, QueuePackets: 8})
		defer l.Close()
		got, size := download(t, l.Addr)
		if size != n || got != want {
			t.Fatalf("%d bytes arrived, want %d intact", size, n)
		}
		_, down, _ := l.Counts()
		t.Logf("%s", l.Report())
		if down.TailDropped == 0 || down.MaxQueue != 8 || down.Lost != 0 {
			t.Fatalf("down %+v: want tail drops and the queue at its bound of 8", down)
		}
	})
	t.Run("Close leaves no namespace, file or goroutine behind", func(t *testing.T) {
		served := make(chan int64, 1)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err != nil {
				served <- -1
				return
			}
			n, _ := io.Copy(io.Discard, c)
			c.Close()
			served <- n
		}()
		fdsBefore, ours := openFiles(t), linkGoroutines()
		l := openTUNLink(t, ln.Addr().String(), Profile{LossPercent: 1, Delay: time.Millisecond})
		names := append([]string(nil), l.namespaces...)
		c, err := net.Dial("tcp", l.Addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(bytes.Repeat([]byte("x"), 100000)); err != nil {
			t.Fatal(err)
		}
		c.(*net.TCPConn).CloseWrite()
		if n := <-served; n != 100000 {
			t.Fatalf("the server read %d bytes, want 100000", n)
		}
		c.Close()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		for _, ns := range names {
			if _, err := os.Stat("/var/run/netns/" + ns); !os.IsNotExist(err) {
				t.Errorf("namespace %s is still there (%v)", ns, err)
			}
		}
		for fd, what := range openFiles(t) {
			if fdsBefore[fd] != what {
				t.Errorf("file %s (%s) opened by the link is still open after Close", fd, what)
			}
		}
		if after := linkGoroutines(); after != ours {
			t.Errorf("%d of the link's goroutines before, %d after Close", ours, after)
		}
	})
}

func TestOpen_ChoosesTUN(t *testing.T) {
	target := echoServer(t)
	t.Setenv("CONTINUITY_SLOWLINK", "tun")
	l, err := Open(target, Regular3G)
	if err != nil {
		if os.Geteuid() != 0 {
			t.Skipf("no TUN emulator here: %v", err)
		}
		t.Fatal(err)
	}
	defer l.Close()
	if !strings.Contains(l.How, "TUN") || !strings.Contains(l.How, "1% loss") || l.Why != "CONTINUITY_SLOWLINK=tun" {
		t.Fatalf("how %q, why %q", l.How, l.Why)
	}
	roundTrip(t, l.Addr, 30000)
	if up, _, ok := l.Counts(); !ok || up.Packets == 0 {
		t.Fatalf("counts %+v %v", up, ok)
	}
}

// openFiles lists this process's open file descriptors and what each is
// (sockets, devices, namespaces by their inode), but for the one reading
// the list and pipes: the net package keeps a pool of pipes for splicing
// one TCP connection into another, which outlives any one connection.
func openFiles(t *testing.T) map[string]string {
	t.Helper()
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		t.Fatal(err)
	}
	fds := map[string]string{}
	for _, fd := range names {
		if what, err := os.Readlink("/proc/self/fd/" + fd); err == nil && fd != fmt.Sprint(d.Fd()) && !strings.HasPrefix(what, "pipe:") {
			fds[fd] = what
		}
	}
	return fds
}

// linkGoroutines counts the goroutines running the link's code.
func linkGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "slowlink.(*Link).") || strings.Contains(g, "slowlink.(*direction).") || strings.Contains(g, "slowlink.openTUN") || strings.Contains(g, "slowlink.inNamespace") {
			n++
		}
	}
	return n
}
