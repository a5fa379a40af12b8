package slowlink

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// links numbers the netem links this process makes (names and subnets).
var links atomic.Int32

// openNetem makes the namespace, the veth pair and the qdiscs, and a
// forwarder listening inside the namespace. It returns a nil link and why
// when the machine does not allow it (not root, no iproute2, no namespaces,
// no netem), and an error when something that should work fails.
func openNetem(target string, p Profile) (*Link, string, error) {
	if os.Geteuid() != 0 {
		return nil, "making a network namespace needs root", nil
	}
	for _, c := range []string{"ip", "tc"} {
		if _, err := exec.LookPath(c); err != nil {
			return nil, "iproute2's " + c + " is not installed", nil
		}
	}
	k := links.Add(1)
	pid := os.Getpid() % 100000
	ns := fmt.Sprintf("ct-slow-%d-%d", pid, k)
	host, peer := fmt.Sprintf("cth%05d%02d", pid, k%100), fmt.Sprintf("ctn%05d%02d", pid, k%100)
	// A /30 of its own, from the pid (processes testing at once must not
	// share one): 10.<200+pid/250%50>.<pid%250>.<4k+1> here, <4k+2> in the
	// namespace.
	base := fmt.Sprintf("10.%d.%d", 200+pid/250%50, pid%250)
	hostIP, nsIP := fmt.Sprintf("%s.%d", base, (k%60)*4+1), fmt.Sprintf("%s.%d", base, (k%60)*4+2)

	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		return nil, fmt.Sprintf("network namespaces are not allowed here (ip netns add: %v: %s)", err, strings.TrimSpace(string(out))), nil
	}
	// Ask the namespace's own loopback for netem before any link is made
	// in the host's namespace: adding and removing a veth there is a
	// network change every browser on the machine sees (Chromium aborts
	// its loads with ERR_NETWORK_CHANGED), so a kernel without netem must
	// not get one just to find that out.
	if p != (Profile{}) {
		if out, err := exec.Command("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms").CombinedOutput(); err != nil {
			_ = exec.Command("ip", "netns", "del", ns).Run()
			return nil, fmt.Sprintf("the kernel has no tc netem (tc qdisc add ... netem: %v: %s)", err, strings.TrimSpace(string(out))), nil
		}
		if err := exec.Command("ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", "lo", "root").Run(); err != nil {
			_ = exec.Command("ip", "netns", "del", ns).Run()
			return nil, "", fmt.Errorf("slowlink: remove the netem probe: %w", err)
		}
	}
	l := &Link{Netem: true, conns: map[net.Conn]bool{}}
	l.cleanup = append(l.cleanup, func() {
		_ = exec.Command("ip", "link", "del", host).Run()
		_ = exec.Command("ip", "netns", "del", ns).Run()
	})
	fail := func(err error) (*Link, string, error) {
		_ = l.Close()
		return nil, "", err
	}
	for _, args := range [][]string{
		{"ip", "link", "add", host, "type", "veth", "peer", "name", peer},
		{"ip", "link", "set", peer, "netns", ns},
		{"ip", "addr", "add", hostIP + "/30", "dev", host},
		{"ip", "link", "set", host, "up"},
		{"ip", "netns", "exec", ns, "ip", "addr", "add", nsIP + "/30", "dev", peer},
		{"ip", "netns", "exec", ns, "ip", "link", "set", peer, "up"},
		{"ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"},
	} {
		if err := runCmd(args...); err != nil {
			return fail(err)
		}
	}
	// The egress of each end: the host's is the client's upload, the
	// namespace's the download.
	netem := func(rate int) []string {
		return []string{"root", "netem", "delay", fmt.Sprintf("%dms", p.Delay.Milliseconds()), "loss", fmt.Sprintf("%g%%", p.LossPercent), "rate", fmt.Sprintf("%dkbit", rate)}
	}
	// An empty profile asks for the namespace and its link alone, unshaped.
	if p != (Profile{}) {
		if out, err := exec.Command("tc", append([]string{"qdisc", "add", "dev", host}, netem(p.UpKbit)...)...).CombinedOutput(); err != nil {
			_ = l.Close()
			return nil, fmt.Sprintf("the kernel has no tc netem (tc qdisc add ... netem: %v: %s)", err, strings.TrimSpace(string(out))), nil
		}
		if err := runCmd(append([]string{"ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", peer}, netem(p.DownKbit)...)...); err != nil {
			return fail(err)
		}
	}
	ln, err := listenIn(ns, nsIP+":0")
	if err != nil {
		return fail(err)
	}
	l.ln, l.Addr = ln, ln.Addr().String()
	l.How = fmt.Sprintf("tc netem between network namespaces (%s)", p)
	if p == (Profile{}) {
		l.How = "a network namespace and a veth pair, unshaped"
	}
	go l.serve(target, func(client, server net.Conn) { pipe(client, server) })
	return l, "", nil
}

// runCmd runs a command (ip, tc), its output in the error when it fails.
func runCmd(args ...string) error {
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		return fmt.Errorf("slowlink: %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// listenIn opens a TCP listener inside the named network namespace: the
// socket is made by a thread that joins the namespace for that moment, and
// stays in it; connections it accepts cross the namespace's links.
func listenIn(ns, addr string) (net.Listener, error) {
	var ln net.Listener
	err := inNamespace(ns, func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	})
	if err != nil && ln != nil {
		ln.Close()
		ln = nil
	}
	return ln, err
}

// inNamespace runs f on an OS thread that has joined the named network
// namespace (/var/run/netns/ns) for the call: the sockets and devices f
// makes are the namespace's, and stay in it after the thread leaves.
func inNamespace(ns string, f func() error) error {
	target, err := os.Open("/var/run/netns/" + ns)
	if err != nil {
		return fmt.Errorf("slowlink: namespace %s: %w", ns, err)
	}
	defer target.Close()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("slowlink: this thread's namespace: %w", err)
			return
		}
		defer orig.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- fmt.Errorf("slowlink: join namespace %s: %w", ns, err)
			return
		}
		ferr := f()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread stays locked, so it ends with this goroutine
			// rather than serve others from the wrong namespace.
			done <- errors.Join(ferr, fmt.Errorf("slowlink: leave namespace %s: %w", ns, err))
			return
		}
		runtime.UnlockOSThread()
		done <- ferr
	}()
	return <-done
}
