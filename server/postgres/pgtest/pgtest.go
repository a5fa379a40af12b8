// Package pgtest gives tests an empty PostgreSQL schema of their own on the
// server named by CONTINUITY_TEST_POSTGRES. Without that variable the test is
// skipped, except in CI (CI=true), which installs PostgreSQL: there it fails.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable holding the test server's DSN.
const EnvDSN = "CONTINUITY_TEST_POSTGRES"

// BaseDSN returns the test server's DSN, skipping (or, in CI, failing) the
// test when there is none.
func BaseDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(EnvDSN + " is not set; CI must provide a PostgreSQL server (server/postgres/DESIGN.md)")
		}
		t.Skip(EnvDSN + " is not set (e.g. postgres://continuity:continuity@127.0.0.1:5432/continuity_test?sslmode=disable)")
	}
	return dsn
}

// FreshDSN creates an empty schema, dropped when the test ends, and returns
// a DSN whose search_path is that schema.
func FreshDSN(t testing.TB) string {
	t.Helper()
	base := BaseDSN(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to the test PostgreSQL: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "continuity_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		conn.Close(ctx)
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
		conn.Close(ctx)
	})
	if strings.Contains(base, "://") {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("%s: %v", EnvDSN, err)
		}
		q := u.Query()
		q.Set("search_path", name)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return base + " search_path=" + name
}
