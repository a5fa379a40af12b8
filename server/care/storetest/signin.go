package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/care"
)

// SignInAccess is a store that keeps users, devices and council sign-ins.
type SignInAccess interface {
	care.AccessStore
	care.SignInStore
}

// SignIns checks a care.SignInStore. a and b are two handles on one
// database (two replicas, for a shared database): a handoff claimed
// through both at once is collected exactly once.
func SignIns(t *testing.T, a, b SignInAccess) {
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	if err := a.PutUser(ctx, care.User{Subject: "alice", Role: care.RoleBackOffice, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	session := func(dev string) care.ExternalSession {
		t.Helper()
		if err := a.EnrolDevice(ctx, care.Device{ID: dev, Subject: "alice", EnrolledAt: now}); err != nil {
			t.Fatal(err)
		}
		s := care.ExternalSession{DeviceID: dev, Subject: "alice", CreatedAt: now, ExpiresAt: now.Add(8 * time.Hour),
			ProviderRefresh: []byte("sealed-rt-" + dev), IDToken: []byte("sealed-id-" + dev),
			HandoffHash: []byte("handoff-" + dev), HandoffExpiresAt: now.Add(2 * time.Minute)}
		if err := a.PutExternalSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("handoff claimed once, on one of two replicas", func(t *testing.T) {
		s := session("console-1")
		var wg sync.WaitGroup
		var mu sync.Mutex
		var won, lost int
		for _, h := range []SignInAccess{a, b, a, b} {
			wg.Add(1)
			go func(h SignInAccess) {
				defer wg.Done()
				got, err := h.ClaimHandoff(ctx, s.HandoffHash, now.Add(time.Minute))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && got.DeviceID == s.DeviceID && string(got.ProviderRefresh) == "sealed-rt-console-1":
					won++
				case errors.Is(err, care.ErrHandoffSpent):
					lost++
				default:
					t.Errorf("claim: %+v %v", got, err)
				}
			}(h)
		}
		wg.Wait()
		if won != 1 || lost != 3 {
			t.Fatalf("%d claims won, %d lost; want exactly one", won, lost)
		}
	})
	t.Run("expired or unknown handoff", func(t *testing.T) {
		s := session("console-2")
		if _, err := b.ClaimHandoff(ctx, s.HandoffHash, now.Add(2*time.Minute)); !errors.Is(err, care.ErrHandoffSpent) {
			t.Fatalf("claim at expiry: %v", err)
		}
		if _, err := b.ClaimHandoff(ctx, []byte("nobody"), now); !errors.Is(err, care.ErrHandoffSpent) {
			t.Fatalf("unknown: %v", err)
		}
	})
	t.Run("update, read, end", func(t *testing.T) {
		s := session("console-3")
		if err := b.UpdateExternalSession(ctx, s.DeviceID, []byte("rt2"), []byte("id2")); err != nil {
			t.Fatal(err)
		}
		got, err := a.ExternalSession(ctx, s.DeviceID)
		if err != nil || string(got.ProviderRefresh) != "rt2" || string(got.IDToken) != "id2" || !got.ExpiresAt.Equal(s.ExpiresAt) || got.EndedAt != nil {
			t.Fatalf("after update: %+v %v", got, err)
		}
		for range 2 { // idempotent
			if err := a.EndExternalSession(ctx, s.DeviceID, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		got, err = b.ExternalSession(ctx, s.DeviceID)
		if err != nil || got.EndedAt == nil || !got.EndedAt.Equal(now.Add(time.Hour)) || got.ProviderRefresh != nil {
			t.Fatalf("after end: %+v %v", got, err)
		}
		if _, err := a.ExternalSession(ctx, "no-such-device"); !errors.Is(err, care.ErrNotFound) {
			t.Fatalf("unknown device: %v", err)
		}
		if err := a.UpdateExternalSession(ctx, "no-such-device", nil, nil); !errors.Is(err, care.ErrNotFound) {
			t.Fatalf("update unknown device: %v", err)
		}
	})
	t.Run("ended session's handoff cannot be claimed", func(t *testing.T) {
		s := session("console-4")
		if err := a.EndExternalSession(ctx, s.DeviceID, now); err != nil {
			t.Fatal(err)
		}
		if _, err := b.ClaimHandoff(ctx, s.HandoffHash, now); !errors.Is(err, care.ErrHandoffSpent) {
			t.Fatalf("claim after end: %v", err)
		}
	})
	t.Run("audit in order, paged", func(t *testing.T) {
		for i, ev := range []string{care.AuthSignIn, care.AuthRefused, care.AuthSignOut} {
			if err := a.RecordAuthEvent(ctx, care.AuthEvent{At: now.Add(time.Duration(i) * time.Second), Event: ev, Subject: "alice", Role: care.RoleBackOffice,
				DeviceID: "console-1", Method: "oidc", Detail: "d", Address: "192.0.2.1"}); err != nil {
				t.Fatal(err)
			}
		}
		all, err := b.AuthEvents(ctx, 0, 0)
		if err != nil || len(all) != 3 || all[0].Event != care.AuthSignIn || all[2].Event != care.AuthSignOut || !all[1].At.Equal(now.Add(time.Second)) ||
			all[0].Address != "192.0.2.1" || all[0].Method != "oidc" {
			t.Fatalf("events: %+v %v", all, err)
		}
		page, err := b.AuthEvents(ctx, all[0].ID, 1)
		if err != nil || len(page) != 1 || page[0].ID != all[1].ID {
			t.Fatalf("page after the first: %+v %v", page, err)
		}
	})
}
