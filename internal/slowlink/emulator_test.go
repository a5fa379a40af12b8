package slowlink

import (
	"testing"
	"time"
)

func TestDirection_Admit(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	t.Run("loses about the configured share of many packets, the same ones for the same seed", func(t *testing.T) {
		for _, loss := range []float64{1, 5} {
			const n = 100000
			lost := func(seed uint64) int64 {
				d := newDirection(Profile{LossPercent: loss, Seed: seed}, 0, 1)
				for i := range n {
					d.admit(t0.Add(time.Duration(i)*time.Millisecond), 1500)
				}
				c := d.counts()
				if c.Packets != n || c.Lost+c.TailDropped > n || c.TailDropped != 0 {
					t.Fatalf("counts %+v", c)
				}
				return c.Lost
			}
			got := lost(7)
			// Binomial: the standard deviation is about 31 packets at 1 %
			// and 69 at 5 %; allow more than five.
			want := int64(loss / 100 * n)
			if slack := want / 5; got < want-slack || got > want+slack {
				t.Errorf("%g%% loss: lost %d of %d, want about %d", loss, got, n, want)
			}
			if again := lost(7); again != got {
				t.Errorf("%g%% loss, same seed: lost %d then %d", loss, got, again)
			}
			if other := lost(8); other == got {
				t.Logf("%g%% loss: seeds 7 and 8 lose as many (%d)", loss, got)
			}
		}
	})
	t.Run("no loss configured: nothing lost", func(t *testing.T) {
		d := newDirection(Profile{}, 0, 1)
		for i := range 10000 {
			if _, ok := d.admit(t0.Add(time.Duration(i)), 100); !ok {
				t.Fatalf("packet %d dropped: %+v", i, d.counts())
			}
		}
	})
	t.Run("a burst beyond the queue bound is dropped at the tail, and the queue drains at the rate", func(t *testing.T) {
		d := newDirection(Profile{QueuePackets: 50}, 1200, 1) // a 1500-byte packet takes 10 ms
		var last time.Time
		for i := range 1000 {
			at, ok := d.admit(t0, 1500)
			if ok != (i < 50) {
				t.Fatalf("packet %d: admitted %v", i, ok)
			}
			if ok {
				last = at
			}
		}
		c := d.counts()
		if c.TailDropped != 950 || c.MaxQueue != 50 || c.Lost != 0 {
			t.Fatalf("counts %+v, want 950 tail-dropped, queue at most 50", c)
		}
		if want := t0.Add(500 * time.Millisecond); !last.Equal(want) {
			t.Fatalf("the 50th packet leaves at %v, want %v (50 × 10 ms)", last.Sub(t0), want.Sub(t0))
		}
		// 100 ms on, ten packets have gone: ten places free, no more.
		for i := range 11 {
			if _, ok := d.admit(t0.Add(100*time.Millisecond), 1500); ok != (i < 10) {
				t.Fatalf("100 ms on, packet %d: admitted %v (%+v)", i, ok, d.counts())
			}
		}
		if c := d.counts(); c.MaxQueue != 50 {
			t.Fatalf("queue reached %d, bound 50", c.MaxQueue)
		}
	})
	t.Run("a packet arrives the one-way delay after its last bit left", func(t *testing.T) {
		d := newDirection(Profile{Delay: 75 * time.Millisecond}, 800, 1) // 1000 bytes: 10 ms
		at, ok := d.admit(t0, 1000)
		if !ok || !at.Equal(t0.Add(85*time.Millisecond)) {
			t.Fatalf("arrives at +%v (%v), want +85ms", at.Sub(t0), ok)
		}
		at, _ = d.admit(t0, 1000) // queued behind the first
		if !at.Equal(t0.Add(95 * time.Millisecond)) {
			t.Fatalf("second arrives at +%v, want +95ms", at.Sub(t0))
		}
	})
}
