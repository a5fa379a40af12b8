// Package slowlink puts an emulated slow, lossy network link between a
// client and a server on this machine, for the slow-network tests and
// benches (docs/benchmarks.md, "The slow link"):
//
//   - with tc netem, where the kernel has it and the process is root: a
//     network namespace joined to this one by a veth pair whose two ends are
//     shaped (rate, delay and loss each way); a forwarder listens inside the
//     namespace and passes each connection on to the server;
//   - otherwise a shaping TCP proxy in user space: rate and delay each way,
//     no packet loss. Link.How says which one runs, Link.Why why not netem.
//
// It also has a PullCutter, which cuts the connection under one pull
// answer after a given number of its bytes: a link that drops mid-page.
package slowlink

import (
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
	// LossPercent is the share of packets lost each way (netem only).
	LossPercent float64
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
}

// Open starts a link shaped as p in front of target (host:port): netem
// where it can, the shaping proxy otherwise. Close it when done.
//
// CONTINUITY_SLOWLINK=proxy asks for the proxy; CONTINUITY_SLOWLINK=namespace
// for the namespace and veth pair without shaping (to check that plumbing on
// a kernel without netem; nothing is slow then).
func Open(target string, p Profile) (*Link, error) {
	why := "CONTINUITY_SLOWLINK=proxy"
	if os.Getenv("CONTINUITY_SLOWLINK") == "namespace" {
		p = Profile{}
	}
	if os.Getenv("CONTINUITY_SLOWLINK") != "proxy" {
		l, reason, err := openNetem(target, p)
		if err != nil {
			return nil, err
		}
		if l != nil {
			return l, nil
		}
		why = reason
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
// (netem) the namespace and the veth pair.
func (l *Link) Close() error {
	var err error
	if l.ln != nil {
		err = l.ln.Close()
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
