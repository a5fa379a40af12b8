package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/continuity-care/continuity/server/postgres"
	"github.com/continuity-care/continuity/server/postgres/pgtest"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// TestStore_ViewsHaveEveryField: after every migration, each synced
// collection's reporting view v_<collection> has a column for every field the
// schema declares (the PostgreSQL twin of the SQLite store's test).
func TestStore_ViewsHaveEveryField(t *testing.T) {
	ctx := context.Background()
	conn := migratedConn(t)
	for _, c := range schema.Domain() {
		t.Run(c.Name, func(t *testing.T) {
			rows, err := conn.Query(ctx, `SELECT column_name FROM information_schema.columns
				WHERE table_schema = current_schema() AND table_name = $1`, "v_"+c.Name)
			if err != nil {
				t.Fatal(err)
			}
			names, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			cols := map[string]bool{}
			for _, n := range names {
				cols[n] = true
			}
			if len(cols) == 0 {
				t.Fatalf("no view v_%s", c.Name)
			}
			for _, f := range c.Fields {
				if !cols[f.Name] {
					t.Errorf("v_%s has no column %s", c.Name, f.Name)
				}
			}
		})
	}
}

// TestStore_LookupsAreIndexed: every lookup the schema declares has its
// partial expression index.
func TestStore_LookupsAreIndexed(t *testing.T) {
	ctx := context.Background()
	conn := migratedConn(t)
	for _, l := range schema.Lookups() {
		name := "records_" + l[0] + "_by_" + l[1]
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("lookup %s.%s has no index %s", l[0], l[1], name)
		}
	}
}

// migratedConn returns a connection to a fresh schema the store has
// migrated, closed when the test ends.
func migratedConn(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	dsn := pgtest.FreshDSN(t)
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}
