// Package slowlink puts an emulated slow, lossy network link between a
// client and a server on this machine, for the slow-network tests and
// benches (docs/benchmarks.md, "The slow link"):
//
//   - with tc netem, where the kernel has it and the process is root: a
//     network namespace joined to this one by a veth pair whose two ends are
//     shaped (rate, delay and loss each way); a forwarder listens inside the
//     namespace and passes each connection on to the server;
//   - otherwise, where the process may make network namespaces and TUN
//     devices, a link emulator in user space: two namespaces, each with a TUN
//     device, and this process between them moving every IP packet from one
//     to the other after losing it at random, queueing it at the rate and
//     delaying it (tun_linux.go); the kernels in the namespaces do TCP, with
//     real retransmissions;
//   - otherwise a shaping TCP proxy in user space: rate and delay each way,
//     no packet loss. Link.How says which one runs, Link.Why why not netem.
//
// It also has a PullCutter, which cuts the connection under one pull
// answer after a given number of its bytes: a link that drops mid-page.
package slowlink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Profile is a link's shape.
type Profile struct {
	// Name is how reports name the link, e.g. "regular 3G".
	Name string
	// DownKbit and UpKbit are the rates towards the client and towards the
	// server, in kbit/s.
	DownKbit, UpKbit int
	// Delay is the one-way delay (each way: the round trip is twice it).
	Delay time.Duration
	// LossPercent is the share of packets lost each way (netem and the
	// TUN emulator; the proxy loses none).
	LossPercent float64
	// Seed seeds the TUN emulator's random losses, so that the same
	// packets lose the same way again. 0: the link's number in this
	// process, so the links of one run lose differently and a run again
	// loses as before.
	Seed uint64
	// QueuePackets bounds the TUN emulator's queue each way: a packet
	// that finds it full is dropped (0: DefaultQueuePackets).
	QueuePackets int
}

// Regular3G is what browsers' network throttling calls "regular 3G":
// 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip, 1 % loss each way.
var Regular3G = Profile{Name: "regular 3G", DownKbit: 1600, UpKbit: 750, Delay: 75 * time.Millisecond, LossPercent: 1}

// String describes the profile, e.g. "1600 kbit/s down, 750 kbit/s up,
// 150 ms RTT, 1% loss".
func (p Profile) String() string {
	return fmt.Sprintf("%d kbit/s down, %d kbit/s up, %d ms RTT, %g%% loss", p.DownKbit, p.UpKbit, (2 * p.Delay).Milliseconds(), p.LossPercent)
}

// Link is a running emulated link in front of one server address.
type Link struct {
	// Addr is where clients connect (host:port): their bytes cross the
	// link to the server and back.
	Addr string
	// Netem is true when the link is tc netem between network namespaces,
	// false for the shaping proxy.
	Netem bool
	// How says in words what emulates the link.
	How string
	// Why says why tc netem was not used ("" when it was).
	Why string

	ln      net.Listener
	mu      sync.Mutex
	conns   map[net.Conn]bool
	cleanup []func()
	// up and down are the TUN emulator's directions (nil otherwise).
	up, down *direction
	// cancel stops the TUN emulator's goroutines, wg waits for them.
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// namespaces are the TUN emulator's, removed on Close.
	namespaces []string
}

// Counts returns what the TUN emulator did to the packets each way so far
// (up: towards the server); ok is false for the other kinds of link,
// which count nothing.
func (l *Link) Counts() (up, down Counts, ok bool) {
	if l.up == nil {
		return Counts{}, Counts{}, false
	}
	return l.up.counts(), l.down.counts(), true
}

// Report says in words what the link did to the packets, e.g. "up: 1200
// packets, 12 lost (1.00%), ...; down: ...", or that it does not count.
func (l *Link) Report() string {
	up, down, ok := l.Counts()
	if !ok {
		return "no packet counts (only the TUN emulator counts)"
	}
	return fmt.Sprintf("up: %s; down: %s", up, down)
}

// Open starts a link shaped as p in front of target (host:port): netem
// where it can, else the TUN emulator, else the shaping proxy. Close it
// when done.
//
// CONTINUITY_SLOWLINK=proxy asks for the proxy; CONTINUITY_SLOWLINK=tun for
// the TUN emulator (an error where it cannot run); CONTINUITY_SLOWLINK=namespace
// for the namespace and veth pair without shaping (to check that plumbing on
// a kernel without netem; nothing is slow then).
func Open(target string, p Profile) (*Link, error) {
	mode := os.Getenv("CONTINUITY_SLOWLINK")
	switch mode {
	case "proxy":
		return OpenProxy(target, p, "CONTINUITY_SLOWLINK=proxy")
	case "tun":
		l, reason, err := openTUN(target, p, "CONTINUITY_SLOWLINK=tun")
		if err == nil && l == nil {
			err = fmt.Errorf("slowlink: CONTINUITY_SLOWLINK=tun, but %s", reason)
		}
		return l, err
	case "namespace":
		p = Profile{}
	}
	l, why, err := openNetem(target, p)
	if err != nil || l != nil {
		return l, err
	}
	if mode != "namespace" {
		l, reason, err := openTUN(target, p, why)
		if err != nil || l != nil {
			return l, err
		}
		why += "; no TUN emulator either: " + reason
	}
	return OpenProxy(target, p, why)
}

// OpenProxy starts the shaping TCP proxy in front of target; why is kept
// as Link.Why.
func OpenProxy(target string, p Profile, why string) (*Link, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("slowlink: listen: %w", err)
	}
	l := &Link{Addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}, Why: why,
		How: fmt.Sprintf("a shaping TCP proxy in user space (%d kbit/s down, %d kbit/s up, %d ms RTT; no packet loss)", p.DownKbit, p.UpKbit, (2 * p.Delay).Milliseconds())}
	go l.serve(target, func(client, server net.Conn) {
		go pace(server, client, p.UpKbit*1000, p.Delay)
		go pace(client, server, p.DownKbit*1000, p.Delay)
	})
	return l, nil
}

// forward accepts connections on ln and joins each to one that dial makes,
// each dialled in its own goroutine (a lost SYN holds up that connection
// alone); the goroutines are in l.wg.
func (l *Link) forward(ctx context.Context, ln net.Listener, dial func(context.Context) (net.Conn, error)) {
	defer l.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			srv, err := dial(ctx)
			if err != nil {
				c.Close()
				return
			}
			if !l.track(c, srv) {
				return
			}
			l.wg.Add(2)
			go func() { defer l.wg.Done(); _, _ = io.Copy(c, srv); c.Close(); srv.Close() }()
			go func() { defer l.wg.Done(); _, _ = io.Copy(srv, c); c.Close(); srv.Close() }()
		}()
	}
}

// serve accepts connections and joins each to a new one to target.
func (l *Link) serve(target string, join func(client, server net.Conn)) {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		srv, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		if !l.track(c, srv) {
			return
		}
		join(c, srv)
	}
}

// track keeps the connections to close with the link; false when it is
// closed already.
func (l *Link) track(cs ...net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns == nil {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		l.conns[c] = true
	}
	return true
}

// Close stops the link: its listener, every connection through it, and
// (netem) the namespace and the veth pair, or (TUN) the namespaces, the
// devices and every goroutine of the emulator, which it waits for.
func (l *Link) Close() error {
	var err error
	if l.ln != nil {
		err = l.ln.Close()
	}
	if l.cancel != nil {
		l.cancel()
	}
	l.mu.Lock()
	for c := range l.conns {
		c.Close()
	}
	l.conns = nil
	l.mu.Unlock()
	for i := len(l.cleanup) - 1; i >= 0; i-- {
		l.cleanup[i]()
	}
	l.cleanup = nil
	l.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// pipe copies both ways between a and b without shaping (the netem
// forwarder: the kernel shapes).
func pipe(a, b net.Conn) {
	go func() { _, _ = io.Copy(a, b); a.Close(); b.Close() }()
	go func() { _, _ = io.Copy(b, a); a.Close(); b.Close() }()
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
