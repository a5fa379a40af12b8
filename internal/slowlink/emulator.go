package slowlink

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// DefaultQueuePackets is the queue bound of the user-space emulator when
// the profile gives none: about 0.75 s of full-size packets at 1.6 Mbit/s.
const DefaultQueuePackets = 100

// Counts are what the user-space emulator did to the packets of one
// direction of a link.
type Counts struct {
	// Packets and Bytes are what was offered to the link.
	Packets, Bytes int64
	// Lost is how many packets were dropped at random (the profile's loss).
	Lost int64
	// TailDropped is how many were dropped because the queue was full.
	TailDropped int64
	// Delivered is how many came out at the other end.
	Delivered int64
	// MaxQueue is the most packets that were queued at once.
	MaxQueue int
}

// String reads e.g. "1200 packets, 12 lost (1.00%), 0 tail-dropped, queue
// at most 31".
func (c Counts) String() string {
	pct := 0.0
	if c.Packets > 0 {
		pct = 100 * float64(c.Lost) / float64(c.Packets)
	}
	return fmt.Sprintf("%d packets, %d lost (%.2f%%), %d tail-dropped, queue at most %d", c.Packets, c.Lost, pct, c.TailDropped, c.MaxQueue)
}

// direction is one way of the user-space emulator: each packet is lost at
// random with the loss probability, else joins a drop-tail queue of at most
// limit packets that serialises them at the rate, and leaves the far end
// delay after its last bit went out.
type direction struct {
	bits  int // per second; 0: no rate limit
	delay time.Duration
	loss  float64 // probability, 0 to 1
	limit int

	mu        sync.Mutex
	rng       *rand.Rand
	busyUntil time.Time   // when the last queued packet's last bit goes
	departs   []time.Time // when each queued packet's last bit goes, in order
	c         Counts
}

// newDirection makes one direction of a link shaped as p at kbit kbit/s
// (a Seed of 0 is 1); stream tells the two directions' random streams
// apart.
func newDirection(p Profile, kbit int, stream uint64) *direction {
	seed, limit := p.Seed, p.QueuePackets
	if seed == 0 {
		seed = 1
	}
	if limit <= 0 {
		limit = DefaultQueuePackets
	}
	return &direction{bits: kbit * 1000, delay: p.Delay, loss: p.LossPercent / 100, limit: limit, rng: rand.New(rand.NewPCG(seed, stream))}
}

// admit takes a packet of size bytes that arrives at now: false when it is
// lost or finds the queue full, else when it reaches the far end.
func (d *direction) admit(now time.Time, size int) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.c.Packets++
	d.c.Bytes += int64(size)
	if d.loss > 0 && d.rng.Float64() < d.loss {
		d.c.Lost++
		return time.Time{}, false
	}
	gone := 0
	for gone < len(d.departs) && !d.departs[gone].After(now) {
		gone++
	}
	d.departs = append(d.departs[:0], d.departs[gone:]...)
	if len(d.departs) >= d.limit {
		d.c.TailDropped++
		return time.Time{}, false
	}
	end := now
	if d.busyUntil.After(end) {
		end = d.busyUntil
	}
	if d.bits > 0 {
		end = end.Add(time.Duration(size*8) * time.Second / time.Duration(d.bits))
	}
	d.busyUntil = end
	d.departs = append(d.departs, end)
	d.c.MaxQueue = max(d.c.MaxQueue, len(d.departs))
	return end.Add(d.delay), true
}

// delivered counts a packet that came out at the far end.
func (d *direction) delivered() {
	d.mu.Lock()
	d.c.Delivered++
	d.mu.Unlock()
}

// counts returns the direction's counts so far.
func (d *direction) counts() Counts {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.c
}

// packetReader and packetWriter are one end of the emulated wire: a TUN
// device reads and writes one IP packet per call.
type (
	packetReader interface{ Read([]byte) (int, error) }
	packetWriter interface{ Write([]byte) (int, error) }
)

// run moves packets from src to dst through d until src fails (its device
// is closed) or ctx ends.
func (d *direction) run(ctx context.Context, src packetReader, dst packetWriter) {
	type packet struct {
		b  []byte
		at time.Time
	}
	// The delay line: packets leave in the order they arrive, since each
	// one's time is its queue exit plus the same delay. It holds the
	// queue and the packets in flight; when it is full the reader waits,
	// and the kernel's queue in front of the device fills instead.
	line := make(chan packet, 8192)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTimer(time.Hour)
		defer t.Stop()
		for p := range line {
			if wait := time.Until(p.at); wait > 0 {
				t.Reset(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					return
				}
			}
			if _, err := dst.Write(p.b); err != nil {
				if ctx.Err() != nil {
					return
				}
				continue // a packet the far kernel refused is lost on the wire
			}
			d.delivered()
		}
	}()
	defer wg.Wait()
	defer close(line)
	buf := make([]byte, 65536)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		at, ok := d.admit(time.Now(), n)
		if !ok {
			continue
		}
		select {
		case line <- packet{append([]byte(nil), buf[:n]...), at}:
		case <-ctx.Done():
			return
		}
	}
}
