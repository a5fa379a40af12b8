package syncproto

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxCounter is the largest logical counter an HLC can carry in its wire form.
const MaxCounter = 99999

// maxWall is the largest wall-clock value (milliseconds) that fits in 15 digits.
const maxWall = 999999999999999

var nodeRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// HLC is a hybrid logical clock timestamp (Kulkarni et al. 2014): a physical
// wall-clock reading in milliseconds, a logical counter that orders events
// within the same millisecond, and the id of the node that produced it.
//
// Its wire form, WWWWWWWWWWWWWWW-CCCCC-NODE, sorts lexicographically in the
// same order as Compare.
type HLC struct {
	// Wall is milliseconds since the Unix epoch.
	Wall int64
	// Counter orders events that share a Wall value.
	Counter int
	// Node identifies the clock that produced the timestamp.
	Node string
}

// ValidNodeID reports whether id may be used as an HLC node id.
func ValidNodeID(id string) bool { return nodeRE.MatchString(id) }

// String returns the wire form of h.
func (h HLC) String() string {
	b := make([]byte, 0, 22+len(h.Node))
	return string(h.AppendText(b))
}

// AppendText appends the wire form of h to b.
func (h HLC) AppendText(b []byte) []byte {
	b = appendPadded(b, h.Wall, 15)
	b = append(b, '-')
	b = appendPadded(b, int64(h.Counter), 5)
	b = append(b, '-')
	return append(b, h.Node...)
}

// appendPadded appends n in decimal, zero-padded to width (as %0*d does).
func appendPadded(b []byte, n int64, width int) []byte {
	if n < 0 {
		return fmt.Appendf(b, "%0*d", width, n)
	}
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], n, 10)
	for i := len(d); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, d...)
}

// IsZero reports whether h is the zero timestamp.
func (h HLC) IsZero() bool { return h.Wall == 0 && h.Counter == 0 && h.Node == "" }

// Time returns the wall-clock part of h as a time.Time in UTC.
func (h HLC) Time() time.Time { return time.UnixMilli(h.Wall).UTC() }

// ParseHLC parses the wire form WWWWWWWWWWWWWWW-CCCCC-NODE.
func ParseHLC(s string) (HLC, error) {
	if len(s) < 15+1+5+1+1 || s[15] != '-' || s[21] != '-' {
		return HLC{}, fmt.Errorf("hlc %q: want WWWWWWWWWWWWWWW-CCCCC-NODE", s)
	}
	wall, err := parseDigits(s[:15])
	if err != nil {
		return HLC{}, fmt.Errorf("hlc %q: wall clock: %w", s, err)
	}
	counter, err := parseDigits(s[16:21])
	if err != nil {
		return HLC{}, fmt.Errorf("hlc %q: counter: %w", s, err)
	}
	node := s[22:]
	if !ValidNodeID(node) {
		return HLC{}, fmt.Errorf("hlc %q: node id must match [A-Za-z0-9._-]{1,64}", s)
	}
	return HLC{Wall: wall, Counter: int(counter), Node: node}, nil
}

func parseDigits(s string) (int64, error) {
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not all decimal digits", s)
		}
	}
	return strconv.ParseInt(s, 10, 64)
}

// MarshalText encodes h in its wire form.
func (h HLC) MarshalText() ([]byte, error) { return h.AppendText(make([]byte, 0, 22+len(h.Node))), nil }

// UnmarshalText decodes h from its wire form.
func (h *HLC) UnmarshalText(b []byte) error {
	v, err := ParseHLC(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// Compare orders two timestamps: by wall clock, then counter, then node id.
// It returns -1, 0 or +1.
func (h HLC) Compare(o HLC) int {
	switch {
	case h.Wall != o.Wall:
		return cmpInt(h.Wall, o.Wall)
	case h.Counter != o.Counter:
		return cmpInt(int64(h.Counter), int64(o.Counter))
	default:
		return strings.Compare(h.Node, o.Node)
	}
}

func cmpInt(a, b int64) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// Clock generates HLC timestamps for one node. It is safe for concurrent use.
// The physical clock is injected so tests and devices with wrong clocks can be
// simulated.
type Clock struct {
	mu   sync.Mutex
	node string
	now  func() time.Time
	last HLC
}

// NewClock returns a clock for node reading physical time from now (time.Now
// when nil). It panics if node is not a valid node id: a programming error.
func NewClock(node string, now func() time.Time) *Clock {
	if !ValidNodeID(node) {
		panic(fmt.Sprintf("syncproto: invalid HLC node id %q", node))
	}
	if now == nil {
		now = time.Now
	}
	return &Clock{node: node, now: now}
}

// Node returns the clock's node id.
func (c *Clock) Node() string { return c.node }

// Last returns the most recent timestamp issued or observed.
func (c *Clock) Last() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// Now returns a new timestamp for a local event, later than every timestamp
// the clock has issued or observed.
func (c *Clock) Now() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	pt := c.physical()
	if pt > c.last.Wall {
		c.last = HLC{Wall: pt, Node: c.node}
	} else {
		c.last = c.bump(c.last.Wall, c.last.Counter+1)
	}
	return c.last
}

// Update merges a timestamp received from another node, so the next Now is
// later than it, and returns the clock's new reading.
func (c *Clock) Update(remote HLC) HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	pt := c.physical()
	l := c.last
	switch {
	case pt > l.Wall && pt > remote.Wall:
		c.last = HLC{Wall: pt, Node: c.node}
	case l.Wall == remote.Wall:
		c.last = c.bump(l.Wall, max(l.Counter, remote.Counter)+1)
	case l.Wall > remote.Wall:
		c.last = c.bump(l.Wall, l.Counter+1)
	default:
		c.last = c.bump(remote.Wall, remote.Counter+1)
	}
	return c.last
}

// Reset forgets the clock's history and restarts it at least at floor. A
// device uses it after the server rejects its timestamps as too far ahead.
func (c *Clock) Reset(floor HLC) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = HLC{Wall: floor.Wall, Counter: floor.Counter, Node: c.node}
}

// bump returns a timestamp at wall with counter, carrying into the wall clock
// when the counter would overflow its five digits.
func (c *Clock) bump(wall int64, counter int) HLC {
	if counter > MaxCounter {
		wall, counter = wall+1, 0
	}
	return HLC{Wall: wall, Counter: counter, Node: c.node}
}

func (c *Clock) physical() int64 {
	ms := c.now().UnixMilli()
	if ms < 0 {
		return 0
	}
	if ms > maxWall {
		return maxWall
	}
	return ms
}
