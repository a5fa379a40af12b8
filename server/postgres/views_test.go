package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/continuity-care/continuity/server/care/storetest"
	"github.com/continuity-care/continuity/server/postgres"
	"github.com/continuity-care/continuity/server/postgres/pgtest"
)

// TestStore_ViewsHaveEveryField runs storetest.ViewsHaveEveryField on a
// migrated PostgreSQL schema.
func TestStore_ViewsHaveEveryField(t *testing.T) {
	conn := migratedConn(t)
	storetest.ViewsHaveEveryField(t, func(t *testing.T, view string) []string {
		return queryStrings(t, conn, `SELECT column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`, view)
	})
}

// TestStore_LookupsAreIndexed runs storetest.LookupsAreIndexed: each
// lookup has its partial expression index.
func TestStore_LookupsAreIndexed(t *testing.T) {
	conn := migratedConn(t)
	storetest.LookupsAreIndexed(t, func(t *testing.T, name string) bool {
		return len(queryStrings(t, conn, "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1", name)) == 1
	})
}

// queryStrings returns a one-column query's rows.
func queryStrings(t *testing.T, conn *pgx.Conn, q string, args ...any) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
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
