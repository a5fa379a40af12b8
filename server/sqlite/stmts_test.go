package sqlite

import "testing"

func TestPow2(t *testing.T) {
	for _, tc := range []struct{ n, below, above int }{
		{1, 1, 1}, {2, 2, 2}, {3, 2, 4}, {44, 32, 64}, {116, 64, 128}, {128, 128, 128}, {300, 256, 512}, {500, 256, 512}, {512, 512, 512},
	} {
		if got := pow2Below(tc.n); got != tc.below {
			t.Errorf("pow2Below(%d) = %d, want %d", tc.n, got, tc.below)
		}
		if got := pow2Above(tc.n); got != tc.above {
			t.Errorf("pow2Above(%d) = %d, want %d", tc.n, got, tc.above)
		}
	}
}
