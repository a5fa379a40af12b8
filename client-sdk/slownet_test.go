package continuity

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/continuity-care/continuity/internal/slowlink"
	"github.com/continuity-care/continuity/server/demo"
)

// demoServer runs the server binary listening on loopback with the demo
// scenario loaded, and returns its URL, the demo incident and its database.
func demoServer(t *testing.T, bin string) (url, incident, db string) {
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
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--rate-limit", "100000", "--demo", "--demo-file", root)
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
		t.Fatalf("the server did not say where it listens: %s", stderr.String())
	}
	return url, sc.IncidentID, db
}

// pageCounter counts the pull answers a client received and their bytes.
type pageCounter struct {
	next  http.RoundTripper
	mu    sync.Mutex
	bytes int64 // pull bodies, decompressed
	wire  int64 // every answer's bytes as received
	pages int
}

func (p *pageCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := p.next.RoundTrip(req)
	if err != nil || req.URL.Path != "/v1/sync/pull" || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	p.mu.Lock()
	p.pages++
	p.mu.Unlock()
	resp.Body = &countingBody{ReadCloser: resp.Body, p: p}
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

// TestClient_SlowNetwork runs the Go SDK against the server behind an
// emulated 3G link (slowlink: tc netem between network namespaces where the
// kernel has it, a shaping proxy otherwise): the demo incident's first sync
// arrives whole (its time is logged, not asserted), and a link that drops
// in the middle of a page (the connection cut after some bytes of the third
// pull answer) leads to a sync that loses nothing and fetches exactly that
// one page again.
func TestClient_SlowNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("slow network: runs the server behind an emulated 3G link")
	}
	bin := realServer(t).bin
	direct, incident, db := demoServer(t, bin)
	token := func(device string) string {
		cmd := exec.Command(bin, "token", "--sub", "sw-"+device, "--role", "social_worker", "--device", device, "--ttl", "1h", "--scope", "incident:"+incident, "--db", db)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("token: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	// link puts the link and a pull cutter between a client and the server.
	how := ""
	link := func(cut *slowlink.PullCutter) string {
		px, err := slowlink.NewProxy(direct, cut.Wrap)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { px.Close() })
		l, err := slowlink.Open(strings.TrimPrefix(px.URL, "http://"), slowlink.Regular3G)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			t.Logf("slow network %s, packets: %s", l.Addr, l.Report())
			l.Close()
		})
		if how == "" {
			how = l.How
			if l.Why != "" {
				t.Logf("slow network: not tc netem: %s", l.Why)
			}
			t.Logf("slow network: %s", l.How)
		}
		return "http://" + l.Addr
	}
	// The first sync's records are what each later sync must bring.
	sync := func(device string, limit int, cut *slowlink.PullCutter) (*pageCounter, *SyncReport, time.Duration, int) {
		url := link(cut)
		pc := &pageCounter{}
		var d net.Dialer
		pc.next = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &countingConn{Conn: c, p: pc}, nil
		}}
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

	first, rep, el, want := sync("tab-slow-1", 0, &slowlink.PullCutter{})
	if want == 0 || rep.Pulled == 0 {
		t.Fatalf("the first sync brought %d records (%d changes)", want, rep.Pulled)
	}
	t.Logf("demo incident, first sync over %s (%s): %d changes, %d records in %d pages, %d bytes of pages (%d bytes received in all, compressed), %.2f s",
		slowlink.Regular3G.Name, how, rep.Pulled, want, first.pages, first.bytes, first.wire, el.Seconds())

	const limit = 50
	whole := &slowlink.PullCutter{}
	if _, _, _, got := sync("tab-slow-2", limit, whole); got != want {
		t.Fatalf("a sync at %d a page brought %d records, want %d", limit, got, want)
	}
	// The third answer is cut after 1,000 bytes (a compressed page of 50
	// demo changes is several times that).
	dropped := &slowlink.PullCutter{Page: 3, After: 1000}
	pc, rep, el, got := sync("tab-slow-3", limit, dropped)
	if !dropped.Cut() {
		t.Fatal("the link was never cut")
	}
	if got != want {
		t.Fatalf("after the link dropped mid-page the device holds %d records, want %d", got, want)
	}
	again, most := dropped.Repeats()
	if again != 1 || most != 2 || dropped.Pulls() != whole.Pulls()+1 {
		t.Fatalf("after the drop the sync asked for %d pages (%d again, one page %d times); without a drop it takes %d", dropped.Pulls(), again, most, whole.Pulls())
	}
	t.Logf("link dropped 1,000 bytes into page 3 of %d (at %d a page): %d pages asked for, %d again, %d changes, %d bytes received, %.2f s", whole.Pulls(), limit, dropped.Pulls(), again, rep.Pulled, pc.wire, el.Seconds())
}
