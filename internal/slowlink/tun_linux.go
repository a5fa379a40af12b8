package slowlink

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"
)

// The TUN emulator's addresses: each link has its own two namespaces, so
// every link can use the same pair, and the host's namespace never sees
// them.
const (
	tunClientIP = "10.250.0.1" // namespace A, the client's side
	tunServerIP = "10.250.0.2" // namespace B, the server's side
	tunDevice   = "ctslow0"
)

// openTUN makes the TUN emulator: namespaces A and B, each with a TUN
// device whose other end is this process, which moves the packets between
// them shaped as p each way. A client connects to a listener on the host's
// loopback; each connection is dialled again from a socket in A to a
// listener in B, which dials the server on the host's loopback. So the
// bytes cross the emulated link as a TCP connection between A's and B's
// kernels, and nothing is made in the host's namespace (a new link there
// makes browsers running at the time abort their loads). It returns a nil
// link and why when the machine does not allow it, and an error when
// something that should work fails. why is kept as Link.Why.
func openTUN(target string, p Profile, why string) (*Link, string, error) {
	if os.Geteuid() != 0 {
		return nil, "making network namespaces needs root", nil
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, "iproute2's ip is not installed", nil
	}
	if f, err := os.OpenFile("/dev/net/tun", os.O_RDWR, 0); err != nil {
		return nil, fmt.Sprintf("no TUN devices here (%v)", err), nil
	} else {
		f.Close()
	}
	k := links.Add(1)
	nsA, nsB := fmt.Sprintf("ct-tun-%d-%d-a", os.Getpid(), k), fmt.Sprintf("ct-tun-%d-%d-b", os.Getpid(), k)
	if out, err := exec.Command("ip", "netns", "add", nsA).CombinedOutput(); err != nil {
		return nil, fmt.Sprintf("network namespaces are not allowed here (ip netns add: %v: %s)", err, strings.TrimSpace(string(out))), nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Link{conns: map[net.Conn]bool{}, Why: why, cancel: cancel, namespaces: []string{nsA, nsB}}
	l.cleanup = append(l.cleanup, func() { _ = exec.Command("ip", "netns", "del", nsA).Run() })
	fail := func(err error) (*Link, string, error) {
		_ = l.Close()
		return nil, "", err
	}
	if err := runCmd("ip", "netns", "add", nsB); err != nil {
		return fail(err)
	}
	l.cleanup = append(l.cleanup, func() { _ = exec.Command("ip", "netns", "del", nsB).Run() })
	tunA, err := openTUNIn(nsA, tunDevice)
	if err != nil {
		return fail(err)
	}
	l.cleanup = append(l.cleanup, func() { tunA.Close() })
	tunB, err := openTUNIn(nsB, tunDevice)
	if err != nil {
		return fail(err)
	}
	l.cleanup = append(l.cleanup, func() { tunB.Close() })
	for _, args := range [][]string{
		{"ip", "-n", nsA, "addr", "add", tunClientIP, "peer", tunServerIP, "dev", tunDevice},
		{"ip", "-n", nsA, "link", "set", tunDevice, "up"},
		{"ip", "-n", nsB, "addr", "add", tunServerIP, "peer", tunClientIP, "dev", tunDevice},
		{"ip", "-n", nsB, "link", "set", tunDevice, "up"},
	} {
		if err := runCmd(args...); err != nil {
			return fail(err)
		}
	}
	// B's listener hands each connection to the server; the host's
	// listener hands each client's connection to B, from A.
	lnB, err := listenIn(nsB, tunServerIP+":0")
	if err != nil {
		return fail(err)
	}
	l.cleanup = append(l.cleanup, func() { lnB.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(fmt.Errorf("slowlink: listen: %w", err))
	}
	l.ln, l.Addr = ln, ln.Addr().String()
	if p.Seed == 0 {
		p.Seed = uint64(k)
	}
	l.up, l.down = newDirection(p, p.UpKbit, 1), newDirection(p, p.DownKbit, 2)
	l.How = fmt.Sprintf("a user-space link emulator between two network namespaces over TUN devices (%s; queue %d packets each way; loss seed %d)", p, l.up.limit, p.Seed)
	l.wg.Add(4)
	go func() { defer l.wg.Done(); l.up.run(ctx, tunA, tunB) }()
	go func() { defer l.wg.Done(); l.down.run(ctx, tunB, tunA) }()
	go l.forward(ctx, lnB, func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", target)
	})
	toB := lnB.Addr().String()
	go l.forward(ctx, ln, func(ctx context.Context) (net.Conn, error) {
		var c net.Conn
		err := inNamespace(nsA, func() error {
			var d net.Dialer
			var err error
			c, err = d.DialContext(ctx, "tcp", toB)
			return err
		})
		if err != nil && c != nil {
			c.Close()
			c = nil
		}
		return c, err
	})
	return l, "", nil
}

// openTUNIn makes a TUN device (IP packets, no packet information header)
// named name inside the named namespace: it is opened and made by a thread
// that joined the namespace, and its file keeps working from any thread.
// Reads and writes go through the runtime's poller, so closing the file
// ends a read waiting on it.
func openTUNIn(ns, name string) (*os.File, error) {
	var f *os.File
	err := inNamespace(ns, func() error {
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("slowlink: open /dev/net/tun: %w", err)
		}
		ifr, err := unix.NewIfreq(name)
		if err == nil {
			ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
			err = unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr)
		}
		if err != nil {
			unix.Close(fd)
			return fmt.Errorf("slowlink: make TUN device %s in %s: %w", name, ns, err)
		}
		f = os.NewFile(uintptr(fd), "tun:"+ns+"/"+name)
		return nil
	})
	if err != nil && f != nil {
		f.Close()
		f = nil
	}
	if f == nil && err == nil {
		err = errors.New("slowlink: no TUN device made")
	}
	return f, err
}
