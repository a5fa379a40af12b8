package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/continuity-care/continuity/server/sqlite"
)

// TestStore_FileModes: the database, its -wal and -shm, backups and
// restored copies are readable by the server's user alone, inside a folder
// only it can list, whatever the umask.
func TestStore_FileModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "c.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ExecForTest(ctx, "INSERT INTO users (subject, role, created_at) VALUES ('a', 'admin', '2026-12-01T00:00:00Z')"); err != nil {
		t.Fatal(err)
	}
	wantMode(t, dir, 0o700)
	for _, suffix := range []string{"", "-wal", "-shm"} {
		wantMode(t, path+suffix, 0o600)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	if _, err := sqlite.Backup(ctx, path, backup); err != nil {
		t.Fatal(err)
	}
	wantMode(t, backup, 0o600)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(t.TempDir(), "new", "r.db")
	if _, err := sqlite.Restore(ctx, backup, restored, sqlite.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	wantMode(t, filepath.Dir(restored), 0o700)
	wantMode(t, restored, 0o600)

	t.Run("an older server's world-readable files are narrowed", func(t *testing.T) {
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		wantMode(t, path, 0o600)
	})
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s has mode %#o, want %#o", filepath.Base(path), got, want)
	}
}
