package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/care"
)

// RefreshRotation checks a care.AccessStore's refresh-token rotation. a and b
// are two handles on one database (two replicas, for a shared database);
// live returns the ids of a family's tokens that are neither used nor
// revoked, read straight from the database.
func RefreshRotation(t *testing.T, a, b care.AccessStore, live func(family string) []string) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	if err := a.PutUser(ctx, care.User{Subject: "bob", Role: care.RoleSocialWorker, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := a.EnrolDevice(ctx, care.Device{ID: "tab-9", Subject: "bob", EnrolledAt: now}); err != nil {
		t.Fatal(err)
	}
	ok := func(care.RefreshToken) bool { return true }
	token := func(id string, at time.Duration) care.RefreshToken {
		return care.RefreshToken{ID: id, Hash: []byte(id), IssuedAt: now.Add(at), ExpiresAt: now.Add(time.Hour)}
	}
	first := token("t1", 0)
	first.Family, first.DeviceID = "f1", "tab-9"
	if err := a.PutRefreshToken(ctx, first); err != nil {
		t.Fatal(err)
	}
	t.Run("a token whose hash does not match is unknown", func(t *testing.T) {
		if _, err := a.RotateRefreshToken(ctx, "t1", func(care.RefreshToken) bool { return false }, now, care.DefaultRefreshReuseInterval, token("x", 0)); !errors.Is(err, care.ErrNotFound) {
			t.Fatalf("mismatched hash: %v", err)
		}
		if _, err := a.RotateRefreshToken(ctx, "nope", ok, now, care.DefaultRefreshReuseInterval, token("x", 0)); !errors.Is(err, care.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}
	})
	t.Run("rotation issues a successor in the family", func(t *testing.T) {
		got, err := a.RotateRefreshToken(ctx, "t1", ok, now.Add(time.Minute), care.DefaultRefreshReuseInterval, token("t2", time.Minute))
		if err != nil || got.ID != "t1" || got.DeviceID != "tab-9" {
			t.Fatalf("rotate = %+v, %v", got, err)
		}
		if l := live("f1"); fmt.Sprint(l) != "[t2]" {
			t.Fatalf("live = %v, want [t2]", l)
		}
	})
	// A device whose refresh answer was lost retries on both replicas at
	// once: both get a pair and only the later successor stays valid.
	t.Run("a lost answer retried on two replicas at once leaves one live successor", func(t *testing.T) {
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, st := range []care.AccessStore{a, b} {
			wg.Add(1)
			go func(i int, st care.AccessStore) {
				defer wg.Done()
				_, errs[i] = st.RotateRefreshToken(ctx, "t1", ok, now.Add(90*time.Second), care.DefaultRefreshReuseInterval, token(fmt.Sprint("t3-", i), time.Duration(90+i)*time.Second))
			}(i, st)
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("retries within grace: %v, %v", errs[0], errs[1])
		}
		l := live("f1")
		if len(l) != 1 || !strings.HasPrefix(l[0], "t3-") {
			t.Fatalf("live successors = %v, want one t3", l)
		}
		if _, err := b.RotateRefreshToken(ctx, l[0], ok, now.Add(2*time.Minute), care.DefaultRefreshReuseInterval, token("t4", 2*time.Minute)); err != nil {
			t.Fatalf("rotate the live successor: %v", err)
		}
	})
	t.Run("reuse after the grace period ends the chain", func(t *testing.T) {
		if _, err := a.RotateRefreshToken(ctx, "t1", ok, now.Add(10*time.Minute), care.DefaultRefreshReuseInterval, token("t5", 10*time.Minute)); !errors.Is(err, care.ErrTokenReused) {
			t.Fatalf("reuse after grace: %v", err)
		}
		if _, err := a.RotateRefreshToken(ctx, "t4", ok, now.Add(11*time.Minute), care.DefaultRefreshReuseInterval, token("t6", 11*time.Minute)); !errors.Is(err, care.ErrTokenRevoked) {
			t.Fatalf("successor after the chain ended: %v", err)
		}
		if l := live("f1"); len(l) != 0 {
			t.Fatalf("live after the chain ended = %v", l)
		}
	})
	t.Run("an expired token is refused and its chain kept", func(t *testing.T) {
		e := token("e1", 0)
		e.Family, e.DeviceID, e.ExpiresAt = "f3", "tab-9", now.Add(time.Minute)
		if err := a.PutRefreshToken(ctx, e); err != nil {
			t.Fatal(err)
		}
		if _, err := a.RotateRefreshToken(ctx, "e1", ok, now.Add(time.Minute), care.DefaultRefreshReuseInterval, token("e2", time.Minute)); !errors.Is(err, care.ErrTokenRevoked) {
			t.Fatalf("expired: %v", err)
		}
		if l := live("f3"); fmt.Sprint(l) != "[e1]" {
			t.Fatalf("live = %v, want [e1] (nothing issued, nothing revoked)", l)
		}
	})
	t.Run("revoking the device revokes its tokens", func(t *testing.T) {
		u := token("u1", 0)
		u.Family, u.DeviceID = "f2", "tab-9"
		if err := a.PutRefreshToken(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := a.RevokeDevice(ctx, "tab-9", now); err != nil {
			t.Fatal(err)
		}
		if _, err := a.RotateRefreshToken(ctx, "u1", ok, now.Add(time.Minute), care.DefaultRefreshReuseInterval, token("u2", time.Minute)); !errors.Is(err, care.ErrTokenRevoked) {
			t.Fatalf("token of a revoked device: %v", err)
		}
	})
}
