package apptest

import "testing"

// TestPullTimes: the time from the first pull to synced is split into the
// time some pull answer was awaited and the rest, whether the pages were
// asked for one after the other or the next while one was applied.
func TestPullTimes(t *testing.T) {
	for _, tc := range []struct {
		name           string
		pulls          []Request
		synced         float64
		network, apply float64
	}{
		{"no pull", nil, 100, 0, 0},
		{"one page", []Request{{Start: 10, End: 40}}, 100, 30, 60},
		{"one after the other", []Request{{Start: 10, End: 40}, {Start: 70, End: 90}}, 100, 50, 40},
		{"the next asked for while one is applied", []Request{{Start: 10, End: 40}, {Start: 41, End: 60}}, 100, 49, 41},
		{"the next asked for before one has come", []Request{{Start: 10, End: 40}, {Start: 30, End: 50}}, 100, 40, 50},
		{"out of order", []Request{{Start: 30, End: 50}, {Start: 10, End: 40}}, 100, 40, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			network, apply := pullTimes(tc.pulls, tc.synced)
			if network != tc.network || apply != tc.apply {
				t.Errorf("pullTimes = %v, %v; want %v, %v", network, apply, tc.network, tc.apply)
			}
		})
	}
}
