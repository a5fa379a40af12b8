package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/care"
)

// TestServer_DeviceWiped: a device that wiped itself is revoked, with its
// reason, only with the wipe secret it gave; the admin's device list shows
// the reason.
func TestServer_DeviceWiped(t *testing.T) {
	e := newEnv(t)
	tok := e.token("sam", "social_worker", "tab-1")
	admin := e.token("ada", "admin", "admin-laptop")
	secret := strings.Repeat("ab", 32)
	other := strings.Repeat("cd", 32)

	// Before any secret is given, nothing revokes the device.
	if r := e.do("POST", "/v1/auth/device-wiped", "", map[string]any{"device_id": "tab-1", "secret": secret, "reason": "pin_lockout"}); r.Status != 401 {
		t.Fatalf("report before a secret was given: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"short secret", map[string]any{"secret": "abc"}, 400, "secret"},
		{"not hex", map[string]any{"secret": strings.Repeat("zz", 32)}, 400, "secret"},
		{"unknown field", map[string]any{"secret": secret, "pin": "1"}, 400, "pin"},
	} {
		t.Run("give/"+c.name, func(t *testing.T) {
			r := e.do("PUT", "/v1/me/wipe-secret", tok, c.body)
			if r.Status != c.status {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if got := r.errorBody(t).Field; got != c.field {
				t.Errorf("field %q, want %q", got, c.field)
			}
		})
	}
	if r := e.do("PUT", "/v1/me/wipe-secret", tok, map[string]any{"secret": secret}); r.Status != 204 {
		t.Fatalf("give the secret: %d %s", r.Status, r.Body)
	}

	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"wrong secret", map[string]any{"device_id": "tab-1", "secret": other, "reason": "pin_lockout"}, 401, "secret"},
		{"unknown device", map[string]any{"device_id": "tab-9", "secret": secret, "reason": "pin_lockout"}, 401, "secret"},
		{"unknown reason", map[string]any{"device_id": "tab-1", "secret": secret, "reason": "lost"}, 400, "reason"},
		{"no device", map[string]any{"secret": secret, "reason": "signed_out"}, 400, "device_id"},
	} {
		t.Run("report/"+c.name, func(t *testing.T) {
			r := e.do("POST", "/v1/auth/device-wiped", "", c.body)
			if r.Status != c.status {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if got := r.errorBody(t).Field; got != c.field {
				t.Errorf("field %q, want %q", got, c.field)
			}
		})
	}
	if d, err := e.store.Device(t.Context(), "tab-1"); err != nil || d.RevokedAt != nil {
		t.Fatalf("refused reports revoked the device: %+v %v", d, err)
	}

	r := e.do("POST", "/v1/auth/device-wiped", "", map[string]any{"device_id": "tab-1", "secret": secret, "reason": "pin_lockout"})
	if r.Status != 200 {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	// A second report (another tab, a retry) keeps the first reason.
	if r := e.do("POST", "/v1/auth/device-wiped", "", map[string]any{"device_id": "tab-1", "secret": secret, "reason": "signed_out"}); r.Status != 200 {
		t.Fatalf("second report: %d %s", r.Status, r.Body)
	}
	var list struct {
		Devices []care.Device `json:"devices"`
	}
	e.do("GET", "/v1/admin/devices", admin, nil).decode(t, &list)
	found := false
	for _, d := range list.Devices {
		if d.ID == "tab-1" {
			found = true
			if d.RevokedAt == nil || d.RevokedReason != care.RevokedPINLockout {
				t.Errorf("device list shows %+v, want revoked for pin_lockout", d)
			}
		}
	}
	if !found {
		t.Fatal("tab-1 not in the device list")
	}
	// The device's token no longer reads.
	if r := e.do("GET", "/v1/me", tok, nil); r.Status != 401 {
		t.Errorf("revoked device's GET /v1/me: %d", r.Status)
	}
}

// TestServer_MeIdleLock: GET /v1/me serves the deployment's idle lock.
func TestServer_MeIdleLock(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  int
		want int
	}{{"default", 0, 300}, {"set", 90, 90}} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(cfg *apiConfig) { cfg.IdleLock = time.Duration(c.cfg) * time.Second })
			var me struct {
				IdleLockSeconds int `json:"idle_lock_seconds"`
			}
			e.do("GET", "/v1/me", e.token("sam", "social_worker", "tab-1"), nil).decode(t, &me)
			if me.IdleLockSeconds != c.want {
				t.Errorf("idle_lock_seconds %d, want %d", me.IdleLockSeconds, c.want)
			}
		})
	}
}
