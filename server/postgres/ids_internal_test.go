package postgres

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"pgregory.net/rapid"
)

// TestIsID: only canonical lower-case UUIDs are ids; an upper-case or
// braced UUID names no stored change or record (the text columns compared
// bytes), so it must not be cast to the uuid it spells.
func TestIsID(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"0190a5b2-7c3e-7d41-9f00-1234567890ab", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"0190A5B2-7C3E-7D41-9F00-1234567890AB", false},
		{"{0190a5b2-7c3e-7d41-9f00-1234567890ab}", false},
		{"0190a5b27c3e7d419f001234567890ab", false},
		{"0190a5b2-7c3e-7d41-9f00-1234567890a", false},
		{"0190a5b2-7c3e-7d41-9f00-1234567890abc", false},
		{"0190a5b2_7c3e-7d41-9f00-1234567890ab", false},
		{"0190a5b2-7c3e-7d41-9f00-1234567890ag", false},
		{"", false},
		{"q", false},
	} {
		t.Run(tc.s, func(t *testing.T) {
			if got := isID(tc.s); got != tc.want {
				t.Fatalf("isID(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

// TestIDBound: for any string after, the ids greater than after in byte
// order (how the text column compared them) are exactly the ids the bound
// admits, so a page of records after any cursor is the same as before the
// columns became uuid.
func TestIDBound(t *testing.T) {
	// Strings made of characters around the ones an id may hold, so that
	// prefixes of ids, ids with a character just above or below, and ids
	// followed by more all come up.
	alphabet := []byte("/09:`af g-,.ZA")
	piece := rapid.Custom(func(t *rapid.T) string {
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0: // an id
			return rapid.SampledFrom(pool).Draw(t, "id")
		case 1: // a prefix of an id, maybe with one character changed, maybe with more after
			id := rapid.SampledFrom(pool).Draw(t, "id")
			b := []byte(id[:rapid.IntRange(0, 36).Draw(t, "cut")])
			if len(b) > 0 && rapid.Bool().Draw(t, "change") {
				b[rapid.IntRange(0, len(b)-1).Draw(t, "at")] = rapid.SampledFrom(alphabet).Draw(t, "c")
			}
			return string(b) + rapid.StringOfN(rapid.SampledFrom([]rune(string(alphabet))), 0, 3, -1).Draw(t, "more")
		case 2:
			return ""
		default:
			return rapid.StringOfN(rapid.SampledFrom([]rune(string(alphabet))), 0, 40, -1).Draw(t, "any")
		}
	})
	rapid.Check(t, func(t *rapid.T) {
		after := piece.Draw(t, "after")
		bound, inclusive, none := idBound(after)
		if !none && !isID(bound) {
			t.Fatalf("idBound(%q) = %q, not an id", after, bound)
		}
		for _, id := range pool {
			want := id > after
			got := !none && (id > bound || inclusive && id == bound)
			if got != want {
				t.Fatalf("after %q: id %s admitted %v, want %v (bound %q, inclusive %v, none %v)", after, id, got, want, bound, inclusive, none)
			}
		}
	})
}

// pool is ids to compare with: random ones, the smallest and largest, and
// ids one character away from others.
var pool = func() []string {
	ids := []string{"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "0000000a-0000-0000-0000-000000000000",
		"99999999-9999-9999-9999-999999999999", "9999999a-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-fffffffffff0"}
	for i := 0; i < 60; i++ {
		id := uuid.NewString()
		ids = append(ids, id, strings.Replace(id, id[5:6], "9", 1), id[:35]+"f", id[:35]+"0")
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}()
