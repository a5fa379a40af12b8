package syncproto

import (
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// propertySeed is the rapid seed used unless -rapid.seed (or RAPID_SEED) is
// given, so that `go test` explores the same cases on every run. Pass
// -rapid.seed=0 explicitly for a fresh random seed.
const propertySeed = 20261123

// checkProperty runs prop with rapid for at least n cases. rapid's default is
// 100 cases per Check and its settings are command-line flags, so unless the
// caller chose -rapid.checks or -rapid.seed (or the RAPID_CHECKS/RAPID_SEED
// environment variables), they are set here for the duration of the check and
// restored afterwards. Tests using it must not run in parallel.
func checkProperty(t *testing.T, n int, prop func(*rapid.T)) {
	t.Helper()
	explicit := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	override := func(name, env, value string) {
		f := flag.Lookup(name)
		if f == nil || explicit[name] {
			return
		}
		if _, ok := os.LookupEnv(env); ok {
			return
		}
		old := f.Value.String()
		if err := f.Value.Set(value); err != nil {
			t.Fatalf("set -%s: %v", name, err)
		}
		t.Cleanup(func() { _ = f.Value.Set(old) })
	}
	override("rapid.checks", "RAPID_CHECKS", strconv.Itoa(n))
	override("rapid.seed", "RAPID_SEED", strconv.Itoa(propertySeed))
	rapid.Check(t, prop)
}

// stillClock is a physical clock the test moves by hand.
type stillClock struct{ ms int64 }

func (s *stillClock) now() time.Time { return time.UnixMilli(s.ms) }

// genHLC draws a valid timestamp, biased towards collisions in every part so
// that ties on wall and counter are common.
func genHLC() *rapid.Generator[HLC] {
	return rapid.Custom(func(t *rapid.T) HLC {
		wall := rapid.OneOf(
			rapid.Int64Range(0, 3),
			rapid.SampledFrom([]int64{1795000000000, 1795000000001, maxWall - 1, maxWall}),
			rapid.Int64Range(0, maxWall),
		).Draw(t, "wall")
		counter := rapid.OneOf(
			rapid.IntRange(0, 3),
			rapid.SampledFrom([]int{9, 10, 99, 100, MaxCounter - 1, MaxCounter}),
			rapid.IntRange(0, MaxCounter),
		).Draw(t, "counter")
		node := rapid.OneOf(
			rapid.SampledFrom([]string{"a", "b", "a.", "a-", "a_", "A", "Z", "0", "9", "-", ".", "_", "tab-7", "tab-70", "tab-8"}),
			rapid.StringMatching(`[A-Za-z0-9._-]{1,64}`),
		).Draw(t, "node")
		return HLC{Wall: wall, Counter: counter, Node: node}
	})
}

func TestParseHLC_RoundTrip(t *testing.T) {
	node64 := strings.Repeat("n", 64)
	tests := []struct {
		name string
		in   string
		want HLC
	}{
		{"protocol example", "001795000000000-00003-tab-7", HLC{Wall: 1795000000000, Counter: 3, Node: "tab-7"}},
		{"zero wall and counter", "000000000000000-00000-a", HLC{Node: "a"}},
		{"largest wall and counter", "999999999999999-99999-z", HLC{Wall: maxWall, Counter: MaxCounter, Node: "z"}},
		{"64-char node", "000000000000001-00001-" + node64, HLC{Wall: 1, Counter: 1, Node: node64}},
		{"node of punctuation", "000000000000001-00001-._-", HLC{Wall: 1, Counter: 1, Node: "._-"}},
		{"node that is a dash", "000000000000001-00001--", HLC{Wall: 1, Counter: 1, Node: "-"}},
		{"node with digits and case", "000000000000001-00001-Tab.09_x", HLC{Wall: 1, Counter: 1, Node: "Tab.09_x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseHLC(tc.in)
			if err != nil {
				t.Fatalf("ParseHLC(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("ParseHLC(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if s := got.String(); s != tc.in {
				t.Fatalf("String() = %q, want %q", s, tc.in)
			}
			b, err := got.MarshalText()
			if err != nil || string(b) != tc.in {
				t.Fatalf("MarshalText() = %q, %v", b, err)
			}
			var u HLC
			if err := u.UnmarshalText([]byte(tc.in)); err != nil || u != tc.want {
				t.Fatalf("UnmarshalText(%q) = %+v, %v", tc.in, u, err)
			}
		})
	}
}

func TestParseHLC_Rejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"too short to hold a node", "000000000000001-00001-"},
		{"only wall", "000000000000001"},
		{"wall of 14 digits", "00000000000001-00001-tab"},
		{"wall of 16 digits", "0000000000000001-00001-tab"},
		{"counter of 4 digits", "000000000000001-0001-tab"},
		{"counter of 6 digits", "000000000000001-000001-tab"},
		{"letter in wall", "00000000000000a-00001-tab"},
		{"sign in wall", "+00000000000001-00001-tab"},
		{"minus in wall", "-00000000000001-00001-tab"},
		{"space in wall", " 00000000000001-00001-tab"},
		{"letter in counter", "000000000000001-0000x-tab"},
		{"sign in counter", "000000000000001-+0001-tab"},
		{"non-ASCII digit in wall", "00000000000000٣-00001-tab"},
		{"space in node", "000000000000001-00001-tab 7"},
		{"slash in node", "000000000000001-00001-tab/7"},
		{"colon in node", "000000000000001-00001-tab:7"},
		{"non-ASCII node", "000000000000001-00001-täb"},
		{"trailing newline", "000000000000001-00001-tab\n"},
		{"65-char node", "000000000000001-00001-" + strings.Repeat("n", 65)},
		{"missing first dash", "000000000000001_00001-tab"},
		{"missing second dash", "000000000000001-00001_tab"},
		{"no dashes", "00000000000000100001tab"},
		{"colons instead of dashes", "000000000000001:00001:tab"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := ParseHLC(tc.in); err == nil {
				t.Fatalf("ParseHLC(%q) = %+v, want an error", tc.in, got)
			}
			var h HLC
			if err := h.UnmarshalText([]byte(tc.in)); err == nil {
				t.Fatalf("UnmarshalText(%q) accepted", tc.in)
			}
			if h != (HLC{}) {
				t.Fatalf("UnmarshalText(%q) changed the receiver to %+v", tc.in, h)
			}
		})
	}
}

func TestHLC_Compare(t *testing.T) {
	tests := []struct {
		name string
		a, b HLC
		want int
	}{
		{"equal", HLC{5, 1, "a"}, HLC{5, 1, "a"}, 0},
		{"wall first", HLC{5, 99, "z"}, HLC{6, 0, "a"}, -1},
		{"counter second", HLC{5, 2, "a"}, HLC{5, 1, "z"}, 1},
		{"node last", HLC{5, 1, "tab-7"}, HLC{5, 1, "tab-8"}, -1},
		{"node prefix sorts first", HLC{5, 1, "tab"}, HLC{5, 1, "tab-7"}, -1},
		{"node bytewise, upper before lower", HLC{5, 1, "Z"}, HLC{5, 1, "a"}, -1},
		{"counter 10 after 9", HLC{5, 10, "a"}, HLC{5, 9, "a"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Compare(tc.b); got != tc.want {
				t.Fatalf("%v.Compare(%v) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			if got := tc.b.Compare(tc.a); got != -tc.want {
				t.Fatalf("%v.Compare(%v) = %d, want %d", tc.b, tc.a, got, -tc.want)
			}
		})
	}
}

// TestHLC_CompareMatchesWireOrder checks the protocol's promise that the wire
// form sorts lexicographically in clock order, and that it round-trips.
func TestHLC_CompareMatchesWireOrder(t *testing.T) {
	checkProperty(t, 1000, func(t *rapid.T) {
		a := genHLC().Draw(t, "a")
		b := genHLC().Draw(t, "b")
		sa, sb := a.String(), b.String()
		if len(sa) != 22+len(a.Node) {
			t.Fatalf("String() = %q has the wrong width", sa)
		}
		if got, want := strings.Compare(sa, sb), a.Compare(b); got != want {
			t.Fatalf("strings.Compare(%q, %q) = %d but Compare = %d", sa, sb, got, want)
		}
		if a.Compare(b) != -b.Compare(a) {
			t.Fatalf("Compare is not antisymmetric for %v, %v", a, b)
		}
		if (a.Compare(b) == 0) != (a == b) {
			t.Fatalf("Compare(%v, %v) = 0 disagrees with ==", a, b)
		}
		back, err := ParseHLC(sa)
		if err != nil || back != a {
			t.Fatalf("ParseHLC(%q) = %+v, %v; want %+v", sa, back, err, a)
		}
	})
}

func TestHLC_TimeAndIsZero(t *testing.T) {
	h := HLC{Wall: 1795000000123, Counter: 4, Node: "tab-7"}
	if got, want := h.Time(), time.UnixMilli(1795000000123).UTC(); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Time() = %v, want %v in UTC", got, want)
	}
	if h.IsZero() || !(HLC{}).IsZero() || (HLC{Node: "a"}).IsZero() {
		t.Fatal("IsZero is wrong")
	}
}

func TestValidNodeID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"tab-7", true},
		{"a", true},
		{"A.b_c-9", true},
		{"...", true},
		{strings.Repeat("x", 64), true},
		{"", false},
		{strings.Repeat("x", 65), false},
		{"tab 7", false},
		{"tab/7", false},
		{"tab:7", false},
		{"tab@council", false},
		{"täb", false},
		{"tab\n", false},
		{"\ntab", false},
		{"tab-7\x00", false},
	}
	for _, tc := range tests {
		t.Run(strconv.Quote(tc.id), func(t *testing.T) {
			if got := ValidNodeID(tc.id); got != tc.want {
				t.Fatalf("ValidNodeID(%q) = %v, want %v", tc.id, got, tc.want)
			}
		})
	}
}

func TestNewClock(t *testing.T) {
	t.Run("invalid node panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("NewClock with an invalid node did not panic")
			}
		}()
		NewClock("tab 7", nil)
	})
	t.Run("nil now uses the system clock", func(t *testing.T) {
		c := NewClock("tab-7", nil)
		before := time.Now().UnixMilli()
		h := c.Now()
		after := time.Now().UnixMilli()
		if h.Wall < before || h.Wall > after || h.Node != "tab-7" || c.Node() != "tab-7" {
			t.Fatalf("Now() = %v, want wall in [%d, %d] on tab-7", h, before, after)
		}
	})
}

func TestClock_Now(t *testing.T) {
	const base = 1795000000000
	tests := []struct {
		name     string
		physical []int64 // physical reading for each successive Now
		want     []HLC   // expected stamps (node "n")
	}{
		{
			name:     "physical clock advancing",
			physical: []int64{base, base + 1, base + 5},
			want:     []HLC{{base, 0, "n"}, {base + 1, 0, "n"}, {base + 5, 0, "n"}},
		},
		{
			name:     "physical clock standing still",
			physical: []int64{base, base, base, base},
			want:     []HLC{{base, 0, "n"}, {base, 1, "n"}, {base, 2, "n"}, {base, 3, "n"}},
		},
		{
			name:     "physical clock going backwards",
			physical: []int64{base, base - 1, base - 3600000, base + 1},
			want:     []HLC{{base, 0, "n"}, {base, 1, "n"}, {base, 2, "n"}, {base + 1, 0, "n"}},
		},
		{
			name:     "physical clock reset to the epoch",
			physical: []int64{base, 0, 0, base},
			want:     []HLC{{base, 0, "n"}, {base, 1, "n"}, {base, 2, "n"}, {base, 3, "n"}},
		},
		{
			name:     "physical clock past the 15-digit wall is clamped",
			physical: []int64{maxWall + 5000, maxWall + 6000},
			want:     []HLC{{maxWall, 0, "n"}, {maxWall, 1, "n"}},
		},
		{
			name:     "physical clock before the epoch is clamped",
			physical: []int64{-5000, -1, 3},
			want:     []HLC{{0, 1, "n"}, {0, 2, "n"}, {3, 0, "n"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pc := &stillClock{}
			c := NewClock("n", pc.now)
			var prev HLC
			for i, pt := range tc.physical {
				pc.ms = pt
				got := c.Now()
				if got != tc.want[i] {
					t.Fatalf("Now() #%d at physical %d = %v, want %v", i, pt, got, tc.want[i])
				}
				if i > 0 && got.Compare(prev) <= 0 {
					t.Fatalf("Now() #%d = %v is not after %v", i, got, prev)
				}
				if c.Last() != got {
					t.Fatalf("Last() = %v, want %v", c.Last(), got)
				}
				if _, err := ParseHLC(got.String()); err != nil {
					t.Fatalf("Now() = %v has no valid wire form: %v", got, err)
				}
				prev = got
			}
		})
	}
}

// TestClock_NowMonotonic drives a clock with an arbitrary physical clock
// (backwards jumps, standing still, wild values) and checks that every stamp
// is later than the one before, never behind the physical clock, and exactly
// at the greatest physical reading so far (Kulkarni: l = max pt).
func TestClock_NowMonotonic(t *testing.T) {
	checkProperty(t, 1000, func(t *rapid.T) {
		pc := &stillClock{ms: rapid.Int64Range(0, 2000000000000).Draw(t, "start")}
		c := NewClock("n", pc.now)
		var prev HLC
		var maxPT int64
		steps := rapid.IntRange(1, 200).Draw(t, "steps")
		for i := range steps {
			pc.ms += rapid.OneOf(
				rapid.Just(int64(0)),
				rapid.Int64Range(-3, 3),
				rapid.Int64Range(-86400000, 86400000),
			).Draw(t, "step")
			pt := max(pc.ms, 0)
			maxPT = max(maxPT, pt)
			got := c.Now()
			if i > 0 && got.Compare(prev) <= 0 {
				t.Fatalf("Now() = %v is not after %v", got, prev)
			}
			if got.Wall < pt {
				t.Fatalf("Now() = %v is behind the physical clock %d", got, pt)
			}
			if got.Wall != maxPT {
				t.Fatalf("Now() = %v, want wall %d (greatest physical reading)", got, maxPT)
			}
			if got.Counter > i+1 {
				t.Fatalf("Now() = %v: counter exceeds the number of events %d", got, i+1)
			}
			prev = got
		}
	})
}

func TestClock_Update(t *testing.T) {
	const base = 1795000000000
	farAhead := int64(253402300799999) // 9999-12-31T23:59:59.999Z
	tests := []struct {
		name     string
		last     HLC   // clock state before the update (via Reset)
		physical int64 // physical reading during the update
		remote   HLC
		want     HLC
	}{
		{"physical ahead of both", HLC{base, 4, "n"}, base + 10, HLC{base + 5, 7, "r"}, HLC{base + 10, 0, "n"}},
		{"remote behind local", HLC{base, 4, "n"}, base - 100, HLC{base - 50, 9, "r"}, HLC{base, 5, "n"}},
		{"remote behind, physical equals local", HLC{base, 4, "n"}, base, HLC{base - 50, 9, "r"}, HLC{base, 5, "n"}},
		{"same wall, remote counter larger", HLC{base, 4, "n"}, base - 1, HLC{base, 9, "r"}, HLC{base, 10, "n"}},
		{"same wall, local counter larger", HLC{base, 9, "n"}, base - 1, HLC{base, 4, "r"}, HLC{base, 10, "n"}},
		{"same wall and counter", HLC{base, 4, "n"}, base, HLC{base, 4, "r"}, HLC{base, 5, "n"}},
		{"same wall, physical equal too", HLC{base, 4, "n"}, base, HLC{base, 9, "r"}, HLC{base, 10, "n"}},
		{"remote ahead", HLC{base, 4, "n"}, base + 1, HLC{base + 5, 2, "r"}, HLC{base + 5, 3, "n"}},
		{"remote ahead, physical equal to remote", HLC{base, 4, "n"}, base + 5, HLC{base + 5, 2, "r"}, HLC{base + 5, 3, "n"}},
		{"remote far ahead", HLC{base, 4, "n"}, base, HLC{farAhead, 0, "r"}, HLC{farAhead, 1, "n"}},
		{"remote at the largest wall", HLC{base, 4, "n"}, base, HLC{maxWall, 5, "r"}, HLC{maxWall, 6, "n"}},
		{"fresh clock, remote behind physical", HLC{}, base, HLC{base - 1, 3, "r"}, HLC{base, 0, "n"}},
		{"fresh clock, remote ahead of physical", HLC{}, base, HLC{base + 1, 3, "r"}, HLC{base + 1, 4, "n"}},
		{"remote counter at max carries", HLC{base, 4, "n"}, base, HLC{base + 5, MaxCounter, "r"}, HLC{base + 6, 0, "n"}},
		{"local counter at max carries", HLC{base, MaxCounter, "n"}, base, HLC{base - 5, 1, "r"}, HLC{base + 1, 0, "n"}},
		{"both counters at max carries", HLC{base, MaxCounter, "n"}, base, HLC{base, MaxCounter, "r"}, HLC{base + 1, 0, "n"}},
		{"remote from the same node", HLC{base, 4, "n"}, base, HLC{base, 7, "n"}, HLC{base, 8, "n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pc := &stillClock{ms: tc.physical}
			c := NewClock("n", pc.now)
			c.Reset(tc.last)
			got := c.Update(tc.remote)
			if got != tc.want {
				t.Fatalf("Update(%v) from %v at physical %d = %v, want %v", tc.remote, tc.last, tc.physical, got, tc.want)
			}
			if got.Compare(tc.last) <= 0 || got.Compare(tc.remote) <= 0 {
				t.Fatalf("Update(%v) = %v is not after both last %v and remote", tc.remote, got, tc.last)
			}
			if c.Last() != got {
				t.Fatalf("Last() = %v, want %v", c.Last(), got)
			}
			next := c.Now()
			if next.Compare(got) <= 0 || next.Compare(tc.remote) <= 0 {
				t.Fatalf("Now() after Update = %v, not after %v and %v", next, got, tc.remote)
			}
		})
	}
}

// TestClock_UpdateProperties interleaves local events and received stamps on
// a clock whose physical time wanders, and checks Kulkarni's properties:
// every reading is later than everything issued or observed before (so
// causality is preserved), the wall part is the greatest of the physical
// time, the previous wall and the remote wall (bar counter carry), and the
// wire form stays valid.
func TestClock_UpdateProperties(t *testing.T) {
	checkProperty(t, 1000, func(t *rapid.T) {
		const base = 1795000000000
		pc := &stillClock{ms: base}
		c := NewClock("local", pc.now)
		var prev HLC
		steps := rapid.IntRange(1, 100).Draw(t, "steps")
		for i := range steps {
			pc.ms += rapid.Int64Range(-5000, 5000).Draw(t, "drift")
			pt := max(pc.ms, 0)
			var got HLC
			wantWall := max(pt, prev.Wall)
			if rapid.Bool().Draw(t, "receive") {
				remote := HLC{
					Wall: rapid.OneOf(
						rapid.Int64Range(base-10000, base+10000),
						rapid.Int64Range(max(prev.Wall-2, 0), min(prev.Wall+2, maxWall-1)),
						rapid.Int64Range(0, maxWall-1),
					).Draw(t, "remote wall"),
					Counter: rapid.OneOf(rapid.IntRange(0, 5), rapid.IntRange(MaxCounter-2, MaxCounter)).Draw(t, "remote counter"),
					Node:    rapid.SampledFrom([]string{"a", "local", "zz"}).Draw(t, "remote node"),
				}
				wantWall = max(wantWall, remote.Wall)
				got = c.Update(remote)
				if got.Compare(remote) <= 0 {
					t.Fatalf("Update(%v) = %v is not after the remote", remote, got)
				}
			} else {
				got = c.Now()
			}
			if i > 0 && got.Compare(prev) <= 0 {
				t.Fatalf("reading %v is not after the previous %v", got, prev)
			}
			if got.Wall != wantWall && !(got.Wall == wantWall+1 && got.Counter == 0) {
				t.Fatalf("reading %v: wall should be max(pt, last, remote) = %d", got, wantWall)
			}
			if got.Node != "local" || got.Counter < 0 || got.Counter > MaxCounter {
				t.Fatalf("reading %v is not a valid local stamp", got)
			}
			if _, err := ParseHLC(got.String()); err != nil {
				t.Fatalf("reading %v has no valid wire form: %v", got, err)
			}
			prev = got
		}
	})
}

func TestClock_CounterOverflow(t *testing.T) {
	const base = 1795000000000
	t.Run("Now carries into the wall", func(t *testing.T) {
		pc := &stillClock{ms: base}
		c := NewClock("n", pc.now)
		c.Reset(HLC{Wall: base, Counter: MaxCounter - 1})
		want := []HLC{{base, MaxCounter, "n"}, {base + 1, 0, "n"}, {base + 1, 1, "n"}}
		for i, w := range want {
			if got := c.Now(); got != w {
				t.Fatalf("Now() #%d = %v, want %v", i, got, w)
			}
		}
		// The physical clock catching up with the carried wall keeps counting.
		pc.ms = base + 1
		if got, w := c.Now(), (HLC{base + 1, 2, "n"}); got != w {
			t.Fatalf("Now() = %v, want %v", got, w)
		}
		pc.ms = base + 2
		if got, w := c.Now(), (HLC{base + 2, 0, "n"}); got != w {
			t.Fatalf("Now() = %v, want %v", got, w)
		}
	})
	t.Run("a full millisecond of events stays ordered", func(t *testing.T) {
		pc := &stillClock{ms: base}
		c := NewClock("n", pc.now)
		prev := c.Now()
		for range MaxCounter + 10 {
			got := c.Now()
			if got.Compare(prev) <= 0 || got.Counter > MaxCounter {
				t.Fatalf("Now() = %v after %v", got, prev)
			}
			if got.String() <= prev.String() {
				t.Fatalf("wire form %q does not sort after %q", got, prev)
			}
			prev = got
		}
		if want := (HLC{base + 1, 9, "n"}); prev != want {
			t.Fatalf("last Now() = %v, want %v", prev, want)
		}
	})
}

func TestClock_Reset(t *testing.T) {
	const base = 1795000000000
	pc := &stillClock{ms: base}
	c := NewClock("n", pc.now)
	ahead := c.Update(HLC{Wall: base + 3600000, Counter: 7, Node: "skewed"})
	if ahead.Wall != base+3600000 {
		t.Fatalf("Update from a skewed device = %v", ahead)
	}
	// The server says the clock is too far ahead: the device resets to the
	// server's time and its next stamps follow that, not the skewed reading.
	floor := HLC{Wall: base + 10, Counter: 2, Node: "server"}
	c.Reset(floor)
	if got, want := c.Last(), (HLC{base + 10, 2, "n"}); got != want {
		t.Fatalf("Last() after Reset = %v, want %v", got, want)
	}
	got := c.Now()
	if want := (HLC{base + 10, 3, "n"}); got != want {
		t.Fatalf("Now() after Reset = %v, want %v", got, want)
	}
	if got.Compare(floor) <= 0 || got.Compare(ahead) >= 0 {
		t.Fatalf("Now() after Reset = %v, want between %v and %v", got, floor, ahead)
	}
}

func TestClock_ConcurrentUse(t *testing.T) {
	c := NewClock("n", (&stillClock{ms: 1795000000000}).now)
	const workers, each = 4, 500
	out := make(chan HLC, workers*each)
	done := make(chan struct{})
	for w := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range each {
				if (w+i)%3 == 0 {
					out <- c.Update(HLC{Wall: 1795000000000, Counter: i, Node: "r"})
				} else {
					out <- c.Now()
				}
			}
		}()
	}
	for range workers {
		<-done
	}
	close(out)
	seen := map[HLC]bool{}
	for h := range out {
		if seen[h] {
			t.Fatalf("stamp %v issued twice", h)
		}
		seen[h] = true
	}
}
