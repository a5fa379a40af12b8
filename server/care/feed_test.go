package care_test

import (
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/care"
)

// woken reports what a subscription was woken for, without waiting: Publish
// signals before it returns.
func woken(s *care.Subscription) (care.Wake, bool) {
	select {
	case <-s.C():
		return s.Take(), true
	default:
		return care.Wake{}, false
	}
}

func TestHub_Publish(t *testing.T) {
	amy := care.Principal{Subject: "amy", Role: care.RoleSocialWorker, DeviceID: "tab-a", Scopes: []string{"incident:A"}}
	all := care.Principal{Subject: "dee", Role: care.RoleDirector, DeviceID: "tab-d", Scopes: []string{"incident:*"}}
	none := care.Principal{Subject: "nia", Role: care.RoleSocialWorker, DeviceID: "tab-n"}
	revokedAt := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	revoked := amy
	revoked.DeviceID, revoked.DeviceRevokedAt = "tab-r", &revokedAt
	touch := func(col, scope, dev string) care.Commit {
		return care.Commit{Position: 7, Touched: []care.Touch{{Collection: col, Scope: scope, DeviceID: dev}}}
	}
	cases := []struct {
		name   string
		p      care.Principal
		commit care.Commit
		want   care.Wake
		wake   bool
	}{
		{"granted incident", amy, touch("residents", "A", "tab-b"), care.Wake{Position: 7}, true},
		{"other incident", amy, touch("residents", "B", "tab-b"), care.Wake{}, false},
		{"no grants sees no incident", none, touch("residents", "A", "tab-b"), care.Wake{}, false},
		{"no grants sees unscoped", none, touch("providers", "", "tab-b"), care.Wake{Position: 7}, true},
		{"every incident", all, touch("residents", "B", "tab-b"), care.Wake{Position: 7}, true},
		{"hidden collection", amy, touch("rag_statuses", "", "qo-1"), care.Wake{}, false},
		{"hidden collection, role may read", all, touch("rag_statuses", "", "qo-1"), care.Wake{Position: 7}, true},
		{"own device", amy, touch("residents", "A", "tab-a"), care.Wake{}, false},
		{"server follow-up of own push", amy, touch("conflicts", "A", "server"), care.Wake{Position: 7}, true},
		{"revoked device", revoked, touch("residents", "A", "tab-b"), care.Wake{}, false},
		{"all", amy, care.Commit{Position: 9, All: true}, care.Wake{Position: 9}, true},
		{"own access changed", amy, care.Commit{Access: "amy"}, care.Wake{Access: true}, true},
		{"another user's access", amy, care.Commit{Access: "ben"}, care.Wake{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := care.NewHub()
			s := h.Subscribe(tc.p)
			defer s.Close()
			h.Publish(tc.commit)
			got, ok := woken(s)
			if ok != tc.wake || got != tc.want {
				t.Fatalf("woken %v with %+v, want %v with %+v", ok, got, tc.wake, tc.want)
			}
		})
	}
	t.Run("wakes coalesce to the highest position", func(t *testing.T) {
		h := care.NewHub()
		s := h.Subscribe(amy)
		defer s.Close()
		for _, p := range []int64{3, 9, 5} {
			h.Publish(care.Commit{Position: p, Touched: []care.Touch{{Collection: "residents", Scope: "A"}}})
		}
		if got, ok := woken(s); !ok || got.Position != 9 {
			t.Fatalf("woken %v at %d, want 9", ok, got.Position)
		}
		if _, ok := woken(s); ok {
			t.Fatal("woken twice for one drained batch")
		}
	})
	t.Run("SetPrincipal re-filters; Close stops", func(t *testing.T) {
		h := care.NewHub()
		s := h.Subscribe(amy)
		wider := amy
		wider.Scopes = []string{"incident:A", "incident:B"}
		s.SetPrincipal(wider)
		h.Publish(touch("residents", "B", "tab-b"))
		if _, ok := woken(s); !ok {
			t.Fatal("not woken for a newly granted incident")
		}
		s.Close()
		if h.Len() != 0 {
			t.Fatalf("%d subscriptions after Close", h.Len())
		}
		h.Publish(touch("residents", "A", "tab-b"))
		if _, ok := woken(s); ok {
			t.Fatal("woken after Close")
		}
	})
}

func TestTouches(t *testing.T) {
	tc := func(c, s, d string) care.Touch { return care.Touch{Collection: c, Scope: s, DeviceID: d} }
	got := care.Touches([]care.Touch{tc("b", "1", "x"), tc("a", "2", "x"), tc("b", "1", "x"), tc("a", "1", "y")})
	want := []care.Touch{tc("a", "1", "y"), tc("a", "2", "x"), tc("b", "1", "x")}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
