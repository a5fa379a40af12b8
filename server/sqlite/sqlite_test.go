package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/continuity-care/continuity/migrations"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/care/storetest"
	"github.com/continuity-care/continuity/server/sqlite"
)

func TestStore_Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		path := filepath.Join(t.TempDir(), "continuity.db")
		return func(t *testing.T) care.Store {
			s, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			return s
		}
	})
}

func TestStore_Open(t *testing.T) {
	t.Run("creates folder and migrates", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nested", "data", "c.db")
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("reopen is idempotent", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "c.db")
		for i := 0; i < 2; i++ {
			s, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
		}
	})
	t.Run("unwritable path fails clearly", func(t *testing.T) {
		if _, err := sqlite.Open(context.Background(), "/proc/nope/c.db"); err == nil {
			t.Fatal("want error")
		}
	})
}

// TestStore_RefreshRotation runs the refresh-token rotation checks on two
// handles on one database file.
func TestStore_RefreshRotation(t *testing.T) {
	path, handles := twoHandles(t)
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.RefreshRotation(t, handles[0], handles[1], func(family string) []string {
		rows, err := db.Query("SELECT id FROM refresh_tokens WHERE family = ? AND revoked_at IS NULL AND used_at IS NULL ORDER BY id", family)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	})
}

func TestStore_EnrolmentCodes(t *testing.T) {
	_, handles := twoHandles(t)
	storetest.EnrolmentCodes(t, handles[0], handles[1])
}

// TestStore_MigrateTombstoneScopes: migration 00006 files the tombstones
// (and the changes written onto them) that older releases stored under no
// incident back under their record's incident.
func TestStore_MigrateTombstoneScopes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	storetest.MigrateLegacy(t, storetest.LegacyDB{
		DB: db, Dialect: goose.DialectSQLite3, Migrations: migrations.SQLite(),
		Placeholder: func(int) string { return "?" },
		Arg: func(v any) any {
			if at, ok := v.(time.Time); ok {
				return at.Format(time.RFC3339Nano)
			}
			return v
		},
		Open: func(t *testing.T) care.Store {
			s, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	})
}

// twoHandles opens two stores on one new database file, as two processes
// would, closed when the test ends.
func twoHandles(t *testing.T) (string, [2]*sqlite.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "continuity.db")
	var handles [2]*sqlite.Store
	for i := range handles {
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		handles[i] = s
	}
	return path, handles
}
