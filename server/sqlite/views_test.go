package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// TestStore_ViewsHaveEveryField: after every migration, each synced
// collection's reporting view v_<collection> has a column for every field the
// schema declares, so a field added to a collection cannot be missing from
// what back-office staff query (move_legs.belongings_checked once was).
func TestStore_ViewsHaveEveryField(t *testing.T) {
	ctx := context.Background()
	db := migratedDB(t)
	for _, c := range schema.Domain() {
		t.Run(c.Name, func(t *testing.T) {
			rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", "v_"+c.Name)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			cols := map[string]bool{}
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				cols[n] = true
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
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

// TestStore_LookupsAreIndexed: every lookup the schema declares has the
// partial index SQLite's Find names in its INDEXED BY hint.
func TestStore_LookupsAreIndexed(t *testing.T) {
	ctx := context.Background()
	db := migratedDB(t)
	for _, l := range schema.Lookups() {
		name := "records_" + l[0] + "_by_" + l[1]
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("lookup %s.%s has no index %s", l[0], l[1], name)
		}
	}
}

// migratedDB returns a read-only connection to a database the store has
// created and migrated, closed when the test ends.
func migratedDB(t *testing.T) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "migrated.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
