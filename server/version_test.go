package main

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/continuity-care/continuity/migrations"
	"github.com/continuity-care/continuity/server/postgres/pgtest"
	"github.com/continuity-care/continuity/server/sqlite"
)

// TestServe_RefusesNewerDatabase: a database migrated by a newer server (a
// migration this binary does not know) is refused by 'migrate' and 'serve',
// which exit non-zero naming both versions, on SQLite and PostgreSQL.
func TestServe_RefusesNewerDatabase(t *testing.T) {
	latest, err := sqlite.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}
	// A migration may exist on one store only (PostgreSQL's 00021), so
	// each store has its own newest, and newer is newer than both.
	names, err := fs.Glob(migrations.Postgres(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	latestOf := map[string]int64{"sqlite": latest}
	for _, n := range names {
		if v, err := strconv.ParseInt(strings.SplitN(n, "_", 2)[0], 10, 64); err == nil {
			latestOf["postgres"] = max(latestOf["postgres"], v)
		}
	}
	newer := max(latestOf["sqlite"], latestOf["postgres"]) + 1
	cases := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string {
			db := filepath.Join(t.TempDir(), "data", "continuity.db")
			command(t, "migrate", "--db", db)
			conn, err := sql.Open("sqlite3", db)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)", newer); err != nil {
				t.Fatal(err)
			}
			return db
		},
		"postgres": func(t *testing.T) string {
			dsn := pgtest.FreshDSN(t)
			command(t, "migrate", "--db", dsn)
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, "INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)", newer); err != nil {
				t.Fatal(err)
			}
			return dsn
		},
	}
	for name, newerDB := range cases {
		t.Run(name, func(t *testing.T) {
			db := newerDB(t)
			for _, args := range [][]string{{"migrate", "--db", db}, {"serve", "--addr", "127.0.0.1:0", "--db", db}} {
				stdout, stderr := commandFails(t, args...)
				if strings.Contains(stdout, "up to date") {
					t.Fatalf("%s called a newer database up to date: %s", args[0], stdout)
				}
				for _, want := range []string{fmt.Sprintf("migration %d", newer), fmt.Sprintf("up to %d", latestOf[name])} {
					if !strings.Contains(stderr, want) {
						t.Fatalf("%s: %q does not say %q", args[0], stderr, want)
					}
				}
			}
		})
	}
}
