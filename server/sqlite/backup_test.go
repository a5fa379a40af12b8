package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/sqlite"
)

func TestBackup_Restore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "live.db")
	s, err := sqlite.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	copyPath := filepath.Join(dir, "copy.db")
	info, err := sqlite.Backup(ctx, src, copyPath)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := sqlite.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != latest {
		t.Fatalf("backup at migration %d, want %d", info.Version, latest)
	}

	t.Run("replace keeps the old database aside", func(t *testing.T) {
		target := filepath.Join(dir, "target.db")
		if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 29, 14, 5, 0, 0, time.UTC)
		if _, err := sqlite.Restore(ctx, copyPath, target, sqlite.RestoreOptions{Replace: true, Now: func() time.Time { return at }}); err != nil {
			t.Fatal(err)
		}
		old, err := os.ReadFile(target + ".replaced-20261129T140500Z")
		if err != nil || string(old) != "old" {
			t.Fatalf("old database not kept aside: %v %q", err, old)
		}
		if _, err := sqlite.Verify(ctx, target); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a backup from a newer server is refused", func(t *testing.T) {
		newer := filepath.Join(dir, "newer.db")
		if _, err := sqlite.Backup(ctx, src, newer); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("sqlite3", newer)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)", latest+1); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if _, err := sqlite.Verify(ctx, newer); !errors.Is(err, sqlite.ErrBackupInvalid) {
			t.Fatalf("verify newer = %v, want ErrBackupInvalid", err)
		}
	})
	t.Run("a truncated file is refused", func(t *testing.T) {
		data, err := os.ReadFile(copyPath)
		if err != nil {
			t.Fatal(err)
		}
		cut := filepath.Join(dir, "cut.db")
		if err := os.WriteFile(cut, data[:len(data)/2], 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := sqlite.Verify(ctx, cut); !errors.Is(err, sqlite.ErrBackupInvalid) {
			t.Fatalf("verify truncated = %v, want ErrBackupInvalid", err)
		}
	})
}
