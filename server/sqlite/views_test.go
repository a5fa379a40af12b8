package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/continuity-care/continuity/server/care/storetest"
	"github.com/continuity-care/continuity/server/sqlite"
)

// TestStore_ViewsHaveEveryField runs storetest.ViewsHaveEveryField on a
// migrated SQLite database.
func TestStore_ViewsHaveEveryField(t *testing.T) {
	db := migratedDB(t)
	storetest.ViewsHaveEveryField(t, func(t *testing.T, view string) []string {
		return queryStrings(t, db, "SELECT name FROM pragma_table_info(?)", view)
	})
}

// TestStore_LookupsAreIndexed runs storetest.LookupsAreIndexed: SQLite's
// Find names these indexes in its INDEXED BY hint.
func TestStore_LookupsAreIndexed(t *testing.T) {
	db := migratedDB(t)
	storetest.LookupsAreIndexed(t, func(t *testing.T, name string) bool {
		return len(queryStrings(t, db, "SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?", name)) == 1
	})
}

// queryStrings returns a one-column query's rows.
func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
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
