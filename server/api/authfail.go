package api

import (
	"errors"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/time/rate"
)

// failLimiter limits requests with bad credentials per client address: a
// token bucket (golang.org/x/time/rate) per address, of Config.AuthFailLimit
// failures per RateWindow. Only failures spend it, so a device with a valid
// token is never held back by another's failures behind the same address
// (a council office's NAT); an expired access token is not a failure.
type failLimiter struct {
	mu     sync.Mutex
	every  rate.Limit
	burst  int
	now    func() time.Time
	byAddr map[string]*rate.Limiter
}

// maxFailAddrs is how many addresses are tracked before the ones whose
// buckets have refilled are forgotten.
const maxFailAddrs = 10000

func newFailLimiter(perWindow int, window time.Duration, now func() time.Time) *failLimiter {
	return &failLimiter{every: rate.Limit(float64(perWindow) / window.Seconds()), burst: perWindow, now: now, byAddr: map[string]*rate.Limiter{}}
}

// fail records a failure from addr and reports whether addr is over its
// limit, and if so how long until it may fail again.
func (f *failLimiter) fail(addr string) (time.Duration, bool) {
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	lim, ok := f.byAddr[addr]
	if !ok {
		if len(f.byAddr) >= maxFailAddrs {
			for a, l := range f.byAddr {
				if l.TokensAt(now) >= float64(f.burst) {
					delete(f.byAddr, a)
				}
			}
		}
		lim = rate.NewLimiter(f.every, f.burst)
		f.byAddr[addr] = lim
	}
	if lim.AllowN(now, 1) {
		return 0, false
	}
	r := lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return wait, true
}

// countFailure turns a refusal of bad credentials into 429 rate_limited
// (with Retry-After) once the client's address is over its limit; other
// errors, and an expired access token, pass unchanged.
func (s *Server) countFailure(c *fiber.Ctx, err error) error {
	var pe *syncproto.Error
	if err == nil || !errors.As(err, &pe) || pe.Code != syncproto.CodeUnauthorized || errors.Is(err, auth.ErrTokenExpired) {
		return err
	}
	wait, limited := s.authFails.fail(s.clientIP(c))
	if !limited {
		return err
	}
	secs := strconv.Itoa(int(math.Ceil(wait.Seconds())))
	c.Set(fiber.HeaderRetryAfter, secs)
	return syncproto.Errorf(syncproto.CodeRateLimited, "Authorization", "too many requests with invalid credentials from this address; retry after %s seconds", secs)
}
