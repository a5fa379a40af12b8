package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/care"
)

// EnrolmentCodes checks a care.AccessStore's one-time enrolment codes. a and
// b are two handles on one database (two replicas, for a shared database):
// a code claimed through both at once is spent exactly once.
func EnrolmentCodes(t *testing.T, a, b care.AccessStore) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	if err := a.PutUser(ctx, care.User{Subject: "nia", Role: care.RoleSocialWorker, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	code := func(id string, ttl time.Duration) care.EnrolmentCode {
		return care.EnrolmentCode{ID: id, Subject: "nia", DeviceName: "Tablet " + id, DeviceID: "dev-" + id, CreatedBy: "ada",
			CreatedAt: now, ExpiresAt: now.Add(ttl), Hash: []byte("hash-" + id)}
	}
	token := func(id string) care.RefreshToken {
		return care.RefreshToken{ID: "rt-" + id, Family: "f-" + id, Hash: []byte{1}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	put := func(c care.EnrolmentCode) {
		t.Helper()
		if err := a.PutEnrolmentCode(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(cs []care.EnrolmentCode) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.ID)
		}
		return fmt.Sprint(s)
	}

	t.Run("unknown user", func(t *testing.T) {
		c := code("ghost", time.Minute)
		c.Subject = "ghost"
		if err := a.PutEnrolmentCode(ctx, c); !errors.Is(err, care.ErrNotFound) {
			t.Fatalf("code for an unknown user: %v", err)
		}
	})
	t.Run("claim enrols the device with its first refresh token", func(t *testing.T) {
		put(code("c1", 15*time.Minute))
		got, err := b.ClaimEnrolmentCode(ctx, []byte("hash-c1"), now.Add(time.Minute), token("c1"))
		if err != nil || got.ID != "c1" || got.DeviceID != "dev-c1" || got.Subject != "nia" || got.DeviceName != "Tablet c1" || !got.ExpiresAt.Equal(now.Add(15*time.Minute)) {
			t.Fatalf("claim = %+v, %v", got, err)
		}
		d, err := a.Device(ctx, "dev-c1")
		if err != nil || d.Subject != "nia" || d.Name != "Tablet c1" || !d.EnrolledAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("device = %+v, %v", d, err)
		}
		rotated, err := a.RotateRefreshToken(ctx, "rt-c1", func(care.RefreshToken) bool { return true }, now.Add(2*time.Minute), token("c1-next"))
		if err != nil || rotated.DeviceID != "dev-c1" {
			t.Fatalf("the first refresh token: %+v, %v", rotated, err)
		}
		if _, err := a.ClaimEnrolmentCode(ctx, []byte("hash-c1"), now.Add(3*time.Minute), token("c1-again")); !errors.Is(err, care.ErrCodeSpent) {
			t.Fatalf("second claim: %v", err)
		}
	})
	t.Run("two replicas claim one code at once", func(t *testing.T) {
		for round := 0; round < 10; round++ {
			id := fmt.Sprint("race", round)
			put(code(id, 15*time.Minute))
			errs := make([]error, 6)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					st := a
					if i%2 == 1 {
						st = b
					}
					_, errs[i] = st.ClaimEnrolmentCode(ctx, []byte("hash-"+id), now.Add(time.Minute), token(fmt.Sprint(id, "-", i)))
				}(i)
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, care.ErrCodeSpent):
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d claims won (%v)", round, won, errs)
			}
		}
	})
	t.Run("expired, unknown, cancelled", func(t *testing.T) {
		put(code("old", 15*time.Minute))
		if _, err := a.ClaimEnrolmentCode(ctx, []byte("hash-old"), now.Add(15*time.Minute), token("old")); !errors.Is(err, care.ErrCodeExpired) {
			t.Fatalf("claim at expiry: %v", err)
		}
		if _, err := a.Device(ctx, "dev-old"); !errors.Is(err, care.ErrNotFound) {
			t.Fatalf("an expired code enrolled its device: %v", err)
		}
		if _, err := a.ClaimEnrolmentCode(ctx, []byte("no such hash"), now, token("none")); !errors.Is(err, care.ErrNotFound) {
			t.Fatalf("unknown hash: %v", err)
		}
		put(code("cx", 15*time.Minute))
		if err := b.CancelEnrolmentCode(ctx, "cx", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"cx", "c1", "old", "nope"} {
			if err := a.CancelEnrolmentCode(ctx, id, now.Add(15*time.Minute)); !errors.Is(err, care.ErrNotFound) {
				t.Fatalf("cancel %s: %v", id, err)
			}
		}
		if _, err := a.ClaimEnrolmentCode(ctx, []byte("hash-cx"), now.Add(2*time.Minute), token("cx")); !errors.Is(err, care.ErrCodeSpent) {
			t.Fatalf("claim a cancelled code: %v", err)
		}
	})
	t.Run("a taken device id leaves the code unspent", func(t *testing.T) {
		c := code("dup", 15*time.Minute)
		c.DeviceID = "dev-c1"
		put(c)
		if _, err := a.ClaimEnrolmentCode(ctx, []byte("hash-dup"), now.Add(time.Minute), token("dup")); !errors.Is(err, care.ErrExists) {
			t.Fatalf("claim with a taken device id: %v", err)
		}
		list, err := b.EnrolmentCodes(ctx, now.Add(time.Minute))
		if err != nil || ids(list) != "[dup old]" {
			t.Fatalf("open codes = %s, %v", ids(list), err)
		}
	})
	t.Run("list holds only open codes, oldest first", func(t *testing.T) {
		later := code("later", 15*time.Minute)
		later.CreatedAt = now.Add(time.Second)
		put(later)
		list, err := a.EnrolmentCodes(ctx, now.Add(14*time.Minute+time.Millisecond))
		if err != nil || ids(list) != "[dup old later]" {
			t.Fatalf("open codes = %s, %v", ids(list), err)
		}
		if l := list[2]; l.Subject != "nia" || l.DeviceName != "Tablet later" || l.CreatedBy != "ada" || !l.CreatedAt.Equal(now.Add(time.Second)) || string(l.Hash) != "hash-later" {
			t.Fatalf("listed code = %+v", l)
		}
		list, err = a.EnrolmentCodes(ctx, now.Add(15*time.Minute))
		if err != nil || len(list) != 0 {
			t.Fatalf("open codes at expiry = %s, %v", ids(list), err)
		}
	})
}
