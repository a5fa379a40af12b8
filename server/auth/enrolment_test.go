package auth

import (
	"math"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestCodeAlphabet(t *testing.T) {
	if strings.ContainsAny(CodeAlphabet, "01ILOU") {
		t.Fatalf("alphabet %q has a look-alike character", CodeAlphabet)
	}
	seen := map[rune]bool{}
	for _, r := range CodeAlphabet {
		if seen[r] {
			t.Fatalf("alphabet repeats %c", r)
		}
		seen[r] = true
	}
	if bits := float64(CodeLength) * math.Log2(float64(len(CodeAlphabet))); bits < 40 {
		t.Fatalf("a code carries %.1f bits; at least 40 are needed", bits)
	}
}

func TestNormalizeCode(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"K7QM-4XRT-9P", "K7QM4XRT9P", true},
		{"k7qm-4xrt-9p", "K7QM4XRT9P", true},
		{"K7QM4XRT9P", "K7QM4XRT9P", true},
		{" k7qm 4xrt 9p ", "K7QM4XRT9P", true},
		{"K7QM–4XRT–9P", "K7QM4XRT9P", true}, // en dashes, as phones type them
		{"K7QM-4XRT-9", "", false},
		{"K7QM-4XRT-9PP", "", false},
		{"K7QM-4XRT-1P", "", false}, // 1 is not in the alphabet
		{"K7QM-4XRT-OP", "", false}, // nor is O
		{"K7QM_4XRT_9P", "", false},
		{"", "", false},
		{strings.Repeat("-", 1000), "", false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := NormalizeCode(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("NormalizeCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestNewCode: every code is CodeLength characters of the alphabet, reads
// back from its grouped form however it is typed, and is shown 4-4-2.
func TestNewCode(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		c, err := newCode()
		if err != nil {
			rt.Fatal(err)
		}
		if len(c) != CodeLength || strings.Trim(c, CodeAlphabet) != "" {
			rt.Fatalf("code %q", c)
		}
		shown := FormatCode(c)
		if len(shown) != 12 || shown[4] != '-' || shown[9] != '-' {
			rt.Fatalf("shown as %q", shown)
		}
		typed := rapid.SampledFrom([]func(string) string{
			strings.ToLower, strings.ToUpper,
			func(s string) string { return strings.ReplaceAll(s, "-", "") },
			func(s string) string { return strings.ReplaceAll(s, "-", " ") },
		}).Draw(rt, "typing")(shown)
		if back, ok := NormalizeCode(typed); !ok || back != c {
			rt.Fatalf("%q typed as %q reads back as %q, %v", c, typed, back, ok)
		}
	})
	// The characters are drawn evenly: over 3,000 codes each of the 30
	// appears close to 1,000 times (a check that fails for a modulo-biased
	// or stuck generator, not a test of randomness).
	counts := map[rune]int{}
	for i := 0; i < 3000; i++ {
		c, _ := newCode()
		for _, r := range c {
			counts[r]++
		}
	}
	for _, r := range CodeAlphabet {
		if counts[r] < 700 || counts[r] > 1300 {
			t.Fatalf("%c drawn %d times in 30,000 characters", r, counts[r])
		}
	}
}

func TestDeviceIDFor(t *testing.T) {
	cases := map[string]string{
		"Ward iPad 3":            "ward-ipad-3-",
		"  Café — Room 12  ":     "caf-room-12-",
		"📱":                      "device-",
		strings.Repeat("a", 100): strings.Repeat("a", 40) + "-",
	}
	for name, prefix := range cases {
		id := deviceIDFor(name)
		if !strings.HasPrefix(id, prefix) || len(id) != len(prefix)+6 || len(id) > 64 {
			t.Fatalf("deviceIDFor(%q) = %q, want %s + 6 characters", name, id, prefix)
		}
	}
}
