package continuity

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/demo"
)

// A "regular 3G" link, as browsers' network throttling names it: 1.6 Mbit/s
// down, 750 kbit/s up, 150 ms round trip (75 ms each way), 1 % loss each
// way.
const (
	slowDown  = "1600kbit"
	slowUp    = "750kbit"
	slowDelay = "75ms"
	slowLoss  = "1%"
)

// slowLink is a network namespace joined to this one by a veth pair whose
// two ends are shaped with tc netem: the server runs inside, the client
// outside.
type slowLink struct {
	ns, host, peer string // namespace and the two ends' names
	hostIP, nsIP   string
}

// sh runs a command, failing the test with its output.
func sh(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// newSlowLink makes the namespace and the link, or returns nil and why it
// cannot: it needs root, iproute2 (ip, tc) and the kernel's netem.
func newSlowLink(t *testing.T) (*slowLink, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil, "making a network namespace needs root"
	}
	for _, c := range []string{"ip", "tc"} {
		if _, err := exec.LookPath(c); err != nil {
			return nil, "iproute2's " + c + " is not installed"
		}
	}
	n := os.Getpid() % 200
	l := &slowLink{ns: fmt.Sprintf("ct-slow-%d", os.Getpid()), host: fmt.Sprintf("ctsh%d", os.Getpid()), peer: fmt.Sprintf("ctsn%d", os.Getpid()),
		hostIP: fmt.Sprintf("10.231.%d.1", n), nsIP: fmt.Sprintf("10.231.%d.2", n)}
	if out, err := exec.Command("ip", "netns", "add", l.ns).CombinedOutput(); err != nil {
		return nil, fmt.Sprintf("network namespaces are not allowed here (ip netns add: %v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		_ = exec.Command("ip", "link", "del", l.host).Run()
		_ = exec.Command("ip", "netns", "del", l.ns).Run()
	})
	sh(t, "ip", "link", "add", l.host, "type", "veth", "peer", "name", l.peer)
	sh(t, "ip", "link", "set", l.peer, "netns", l.ns)
	sh(t, "ip", "addr", "add", l.hostIP+"/30", "dev", l.host)
	sh(t, "ip", "link", "set", l.host, "up")
	sh(t, "ip", "netns", "exec", l.ns, "ip", "addr", "add", l.nsIP+"/30", "dev", l.peer)
	sh(t, "ip", "netns", "exec", l.ns, "ip", "link", "set", l.peer, "up")
	sh(t, "ip", "netns", "exec", l.ns, "ip", "link", "set", "lo", "up")
	// Egress of each end: the host's is the client's upload, the
	// namespace's the download.
	if out, err := exec.Command("tc", "qdisc", "add", "dev", l.host, "root", "netem", "delay", slowDelay, "loss", slowLoss, "rate", slowUp).CombinedOutput(); err != nil {
		return nil, fmt.Sprintf("the kernel has no tc netem (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	sh(t, "ip", "netns", "exec", l.ns, "tc", "qdisc", "add", "dev", l.peer, "root", "netem", "delay", slowDelay, "loss", slowLoss, "rate", slowDown)
	return l, ""
}

// setUp brings the client's end of the link up or down.
func (l *slowLink) setUp(t *testing.T, up bool) {
	t.Helper()
	state := "down"
	if up {
		state = "up"
	}
	sh(t, "ip", "link", "set", l.host, state)
}

// demoServer runs the server binary (after the command prefix, e.g. ip
// netns exec) listening on addr with the demo scenario loaded, and returns
// its URL, the demo incident and its database.
func demoServer(t *testing.T, bin string, prefix []string, addr string) (url, incident, db string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "continuity.db")
	root, err := filepath.Abs(filepath.Join("..", demo.DefaultPath))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := demo.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	args := append(append([]string(nil), prefix...), bin, "serve", "--addr", addr, "--db", db, "--rate-limit", "100000", "--demo", "--demo-file", root)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "listening on "); ok {
				found <- strings.Fields(rest)[0]
			}
		}
	}()
	select {
	case url = <-found:
	case <-time.After(60 * time.Second):
		t.Fatalf("the server in the namespace did not say where it listens: %s", stderr.String())
	}
	return url, sc.IncidentID, db
}

// pageCounter counts the pull answers a client received, by the cursor they
// were asked from, and can run a hook when a pull's answer begins.
type pageCounter struct {
	next     http.RoundTripper
	mu       sync.Mutex
	byCursor map[string]int
	bytes    int64 // pull bodies, decompressed
	wire     int64 // every answer's bytes as received
	onPage   func(n int)
	pages    int
}

func (p *pageCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := p.next.RoundTrip(req)
	if err != nil || req.URL.Path != "/v1/sync/pull" || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	p.mu.Lock()
	p.byCursor[req.URL.Query().Get("cursor")]++
	p.pages++
	n, hook := p.pages, p.onPage
	p.mu.Unlock()
	resp.Body = &countingBody{ReadCloser: resp.Body, p: p}
	if hook != nil {
		hook(n)
	}
	return resp, nil
}

// countingConn counts the bytes a connection received, as they crossed the
// wire (compressed or not).
type countingConn struct {
	net.Conn
	p *pageCounter
}

func (c *countingConn) Read(x []byte) (int, error) {
	n, err := c.Conn.Read(x)
	c.p.mu.Lock()
	c.p.wire += int64(n)
	c.p.mu.Unlock()
	return n, err
}

type countingBody struct {
	io.ReadCloser
	p *pageCounter
}

func (b *countingBody) Read(x []byte) (int, error) {
	n, err := b.ReadCloser.Read(x)
	b.p.mu.Lock()
	b.p.bytes += int64(n)
	b.p.mu.Unlock()
	return n, err
}

// TestClient_SlowNetwork runs the server in a network namespace behind an
// emulated 3G link (tc netem) and the Go SDK outside it: the demo
// incident's first sync arrives whole (its time is logged, not asserted),
// and a link that goes down in the middle of a page comes back to a sync
// that loses nothing and fetches at most one page twice.
func TestClient_SlowNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("slow network: runs the server behind an emulated 3G link")
	}
	bin := realServer(t).bin
	var url, incident, db, how string
	var drop func()
	if l, why := newSlowLink(t); l != nil {
		url, incident, db = demoServer(t, bin, []string{"ip", "netns", "exec", l.ns}, l.nsIP+":0")
		how = "tc netem between network namespaces, " + slowLoss + " loss each way"
		drop = func() {
			// The link goes down under the page for two seconds.
			l.setUp(t, false)
			go func() {
				time.Sleep(2 * time.Second)
				_ = exec.Command("ip", "link", "set", l.host, "up").Run()
			}()
		}
	} else {
		if os.Getenv("CI") == "true" {
			t.Logf("slow network: %s; CI emulates the link in user space instead", why)
		}
		t.Logf("slow network: %s, so the link is a shaping TCP proxy instead (rate and delay each way; no packet loss)", why)
		var direct string
		direct, incident, db = demoServer(t, bin, nil, "127.0.0.1:0")
		px := newShaper(t, strings.TrimPrefix(direct, "http://"))
		url, how, drop = "http://"+px.addr, "a shaping TCP proxy", px.drop
	}
	token := func(device string) string {
		cmd := exec.Command(bin, "token", "--sub", "sw-"+device, "--role", "social_worker", "--device", device, "--ttl", "1h", "--scope", "incident:"+incident, "--db", db)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("token: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	// The first sync's records are what each later sync must bring.
	sync := func(device string, limit int, hook func(c *pageCounter) func(int)) (*pageCounter, *SyncReport, time.Duration, int) {
		pc := &pageCounter{byCursor: map[string]int{}}
		var d net.Dialer
		pc.next = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &countingConn{Conn: c, p: pc}, nil
		}}
		if hook != nil {
			pc.onPage = hook(pc)
		}
		c, _ := openClient(t, func(cfg *Config) {
			cfg.HTTPClient = &http.Client{Transport: pc, Timeout: 2 * time.Minute}
			cfg.PullLimit = limit
			cfg.MaxRetries = 20
		})
		if err := c.EnrolWithAccessToken(url, token(device)); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		rep, err := c.Sync()
		if err != nil {
			t.Fatalf("sync over the slow link: %v", err)
		}
		el := time.Since(start)
		recs := incidentRecords(viewRecords(t, c, "records"), incident, nil)
		return pc, rep, el, len(recs)
	}

	first, rep, el, want := sync("tab-slow-1", 0, nil)
	if want == 0 || rep.Pulled == 0 {
		t.Fatalf("the first sync brought %d records (%d changes)", want, rep.Pulled)
	}
	t.Logf("demo incident, first sync over 3G (%s down, %s up, 150 ms RTT; %s): %d changes, %d records in %d pages, %d bytes of pages (%d bytes received in all, compressed), %.2f s",
		slowDown, slowUp, how, rep.Pulled, want, first.pages, first.bytes, first.wire, el.Seconds())

	const limit = 50
	whole, _, _, got := sync("tab-slow-2", limit, nil)
	if got != want {
		t.Fatalf("a sync at %d a page brought %d records, want %d", limit, got, want)
	}
	dropped, rep, el, got := sync("tab-slow-3", limit, func(pc *pageCounter) func(int) {
		return func(n int) {
			if n == 3 {
				drop() // the third page's answer has begun
			}
		}
	})
	if got != want {
		t.Fatalf("after the link dropped mid-page the device holds %d records, want %d", got, want)
	}
	again := 0
	for cursor, n := range dropped.byCursor {
		if n > 2 {
			t.Fatalf("the page after cursor %q was fetched %d times", cursor, n)
		}
		again += n - 1
	}
	if again > 1 || dropped.pages > whole.pages+1 {
		t.Fatalf("after the drop the sync fetched %d pages (%d twice); without a drop it takes %d", dropped.pages, again, whole.pages)
	}
	t.Logf("link dropped under page 3 of %d (at %d a page): %d pages fetched, %d fetched again, %d changes, %.2f s", whole.pages, limit, dropped.pages, again, rep.Pulled, el.Seconds())
}

// shaper is a TCP proxy emulating a slow link in user space: each way, the
// bytes leave at the link's rate and arrive a one-way delay later.
type shaper struct {
	addr   string
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

// newShaper listens on loopback and forwards to target through the link.
func newShaper(t *testing.T, target string) *shaper {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &shaper{addr: ln.Addr().String(), target: target}
	t.Cleanup(func() { ln.Close(); s.drop() })
	down, _ := strconv.Atoi(strings.TrimSuffix(slowDown, "kbit"))
	up, _ := strconv.Atoi(strings.TrimSuffix(slowUp, "kbit"))
	delay, _ := time.ParseDuration(slowDelay)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			srv, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			s.mu.Lock()
			s.conns = append(s.conns, c, srv)
			s.mu.Unlock()
			go pace(srv, c, up*1000, delay)
			go pace(c, srv, down*1000, delay)
		}
	}()
	return s
}

// drop closes every connection through the link, as a link that goes away.
func (s *shaper) drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
}

// pace copies src to dst at bits per second, each chunk delivered delay
// after it was read.
func pace(dst, src net.Conn, bits int, delay time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	q := make(chan chunk, 4096)
	go func() {
		defer close(q)
		for {
			b := make([]byte, 1400)
			n, err := src.Read(b)
			if n > 0 {
				q <- chunk{b[:n], time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	defer dst.Close()
	for c := range q {
		time.Sleep(time.Until(c.at.Add(delay)))
		if _, err := dst.Write(c.b); err != nil {
			src.Close()
			return
		}
		time.Sleep(time.Duration(len(c.b)*8) * time.Second / time.Duration(bits))
	}
}
