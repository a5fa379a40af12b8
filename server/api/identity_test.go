package api_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/postgres"
	"github.com/continuity-care/continuity/server/postgres/pgtest"
	"github.com/continuity-care/continuity/server/sqlite"
)

// TestAdmin_ReservedIdentities: a user, device, code or grant cannot be
// made for a name the server acts as (subject system, device server or
// retention), a name of only dots, an empty one or one with a slash or a
// control character; a grant made to such a name before can still be
// revoked through the API.
func TestAdmin_ReservedIdentities(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	admin := e.token("ada", "admin", "tab-a")
	e.token("sam", "social_worker", "tab-s")
	bad := []string{"system", "SYSTEM", ".", "..", "...", "", "a/b", "../ada", "a\x01b", "a\nb"}
	for _, sub := range bad {
		t.Run("subject "+sub, func(t *testing.T) {
			for _, req := range []struct {
				path string
				body map[string]any
			}{
				{"/v1/admin/users", map[string]any{"subject": sub, "role": "admin"}},
				{"/v1/admin/enrolment-codes", map[string]any{"subject": sub, "device_name": "Ward iPad"}},
				{"/v1/admin/scopes", map[string]any{"subject": sub, "incident_id": inc}},
				{"/v1/admin/devices", map[string]any{"subject": sub, "device_id": "tab-new"}},
			} {
				r := e.do("POST", req.path, admin, req.body)
				if r.Status != 400 || r.errorBody(t).Field != "subject" {
					t.Errorf("POST %s subject %q = %d %s, want 400 naming subject", req.path, sub, r.Status, r.Body)
				}
			}
		})
	}
	for _, dev := range []string{"server", "Server", "retention", ".", "..", "", "a/b", "tab\x00"} {
		t.Run("device "+dev, func(t *testing.T) {
			r := e.do("POST", "/v1/admin/devices", admin, map[string]any{"subject": "sam", "device_id": dev})
			if r.Status != 400 || r.errorBody(t).Field != "device_id" {
				t.Errorf("device %q = %d %s, want 400 naming device_id", dev, r.Status, r.Body)
			}
		})
	}
	t.Run("a grant to .. made before is revoked through the API", func(t *testing.T) {
		ctx := context.Background()
		if err := e.store.PutUser(ctx, care.User{Subject: "..", Role: "social_worker", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := e.store.GrantScope(ctx, grant("..", inc, t0)); err != nil {
			t.Fatal(err)
		}
		r := e.do("POST", "/v1/admin/scopes/revoke", admin, map[string]any{"subject": "..", "incident_id": inc})
		if r.Status != 200 {
			t.Fatalf("revoke = %d %s", r.Status, r.Body)
		}
		gs, err := e.store.Grants(ctx, "..")
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(gs, inc) {
			t.Fatalf("the grant to .. is still active: %v", gs)
		}
		if r := e.do("POST", "/v1/admin/scopes/revoke", admin, map[string]any{"subject": "..", "incident_id": inc}); r.Status != 404 {
			t.Fatalf("revoking again = %d %s, want 404", r.Status, r.Body)
		}
	})
}

// TestAdmin_CodeForDisabledUser: no sign-in code is issued for a disabled
// user (it could not be redeemed, and an admin would think it could).
func TestAdmin_CodeForDisabledUser(t *testing.T) {
	dir := t.TempDir()
	var store testStore
	var disable func(subject string)
	ctx := context.Background()
	if os.Getenv("CONTINUITY_TEST_STORE") == "postgres" {
		dsn := pgtest.FreshDSN(t)
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		store = s
		disable = func(subject string) {
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, "UPDATE users SET disabled_at = now() WHERE subject = $1", subject); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		path := filepath.Join(dir, "continuity.db")
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		store = s
		disable = func(subject string) {
			db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("UPDATE users SET disabled_at = ? WHERE subject = ?", time.Now().UTC().Format(time.RFC3339Nano), subject); err != nil {
				t.Fatal(err)
			}
		}
	}
	e := newEnvOn(t, dir, store)
	admin := e.token("ada", "admin", "tab-a")
	e.token("sam", "social_worker", "tab-s")
	if r := e.do("POST", "/v1/admin/enrolment-codes", admin, map[string]any{"subject": "sam", "device_name": "Ward iPad"}); r.Status != 201 {
		t.Fatalf("code for an active user = %d %s", r.Status, r.Body)
	}
	disable("sam")
	r := e.do("POST", "/v1/admin/enrolment-codes", admin, map[string]any{"subject": "sam", "device_name": "Ward iPad 2"})
	if r.Status != 409 || r.errorBody(t).Field != "subject" {
		t.Fatalf("code for a disabled user = %d %s, want 409 naming subject", r.Status, r.Body)
	}
}
