package sqlite

import (
	"crypto/rand"
	"testing"
)

// TestKeyFilter_Grow checks the key filter never rules out a key it was
// given, across the sets it grows into as keys outnumber its first set's
// capacity, and rules out most keys it was not given.
func TestKeyFilter_Grow(t *testing.T) {
	f := newKeyFilter(0)
	key := func() (b [16]byte) {
		rand.Read(b[:])
		return b
	}
	var added [][16]byte
	for range 5 * filterMinKeys {
		k := key()
		added = append(added, k)
		if len(added)%2 == 0 {
			f.addChange(k)
		} else {
			f.addRecord("residents", k)
		}
	}
	if len(f.sets) != 3 {
		t.Errorf("%d sets for %d keys from %d: want 3 (each twice the last)", len(f.sets), len(added), filterMinKeys)
	}
	for i, k := range added {
		var ok bool
		if i%2 == 1 {
			ok = f.mayHold(f.changeKey(k))
		} else {
			ok = f.mayHold(f.recordKey("residents", k))
		}
		if !ok {
			t.Fatalf("key %d of %d ruled out after it was added", i, len(added))
		}
	}
	maybe := 0
	const others = 100000
	for range others {
		if f.mayHold(f.changeKey(key())) {
			maybe++
		}
	}
	// Three sets at 1 % each: about 3 %.
	if rate := float64(maybe) / others; rate > 0.05 {
		t.Errorf("%.1f %% of keys never added may be held", 100*rate)
	}
	// A record's key is neither a change's nor another collection's.
	crossed := 0
	for range 1000 {
		k := key()
		f.addRecord("residents", k)
		if f.mayHold(f.changeKey(k)) || f.mayHold(f.recordKey("moves", k)) {
			crossed++
		}
	}
	if crossed > 100 {
		t.Errorf("%d of 1,000 records' keys held as a change's or another collection's", crossed)
	}
}
