package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/server/sqlite"
)

// craftedBackup writes a real backup of a fresh database to dir/name and
// runs stmts on it.
func craftedBackup(t *testing.T, dir, name string, stmts ...string) string {
	t.Helper()
	ctx := context.Background()
	src := filepath.Join(dir, name+".src.db")
	s, err := sqlite.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if _, err := sqlite.Backup(ctx, src, path); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path
}

// TestVerify_CraftedBackup: a backup is trusted as the server's own database,
// so anything in its schema the migrations did not make (a trigger that
// grants scopes or deletes audit rows) or anything missing is refused, by
// name, and neither restore nor --replace touches the live database.
func TestVerify_CraftedBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	s, err := sqlite.Open(ctx, live)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ExecForTest(ctx, "INSERT INTO users (subject, role, created_at) VALUES ('keep-me', 'admin', '2026-12-01T00:00:00Z')"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	liveBefore, err := os.ReadFile(live)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name  string
		stmts []string
		want  []string
	}{
		{"triggers that grant every incident and hide the audit",
			[]string{
				`CREATE TRIGGER grant_all AFTER INSERT ON changes BEGIN INSERT INTO scope_grants (subject, incident_id, granted_at, granted_by) VALUES ('mallory', '*', '2026-12-01', 'x'); END`,
				`CREATE TRIGGER hide_reads AFTER INSERT ON read_audit BEGIN DELETE FROM read_audit WHERE id = NEW.id; END`,
			},
			[]string{"extra trigger grant_all", "extra trigger hide_reads"}},
		{"an extra view", []string{`CREATE VIEW peek AS SELECT * FROM users`}, []string{"extra view peek"}},
		{"an extra index", []string{`CREATE INDEX users_role ON users (role)`}, []string{"extra index users_role"}},
		{"a changed table", []string{`ALTER TABLE users ADD COLUMN note TEXT`}, []string{"changed table users"}},
		{"a missing table", []string{`DROP TABLE read_audit`}, []string{"missing table read_audit", "missing index read_audit_resident"}},
		{"a broken foreign key", []string{`PRAGMA foreign_keys = OFF`, `INSERT INTO devices (id, subject, enrolled_at) VALUES ('tab-x', 'nobody', '2026-12-01')`}, []string{"foreign key check", "devices"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := craftedBackup(t, dir, strings.ReplaceAll(tc.name, " ", "-")+".db", tc.stmts...)
			_, err := sqlite.Verify(ctx, path)
			if !errors.Is(err, sqlite.ErrBackupInvalid) {
				t.Fatalf("verify = %v, want ErrBackupInvalid", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("verify error %q does not name %q", err, w)
				}
			}
			if _, err := sqlite.Restore(ctx, path, live, sqlite.RestoreOptions{Replace: true}); !errors.Is(err, sqlite.ErrBackupInvalid) {
				t.Fatalf("restore --replace = %v, want ErrBackupInvalid", err)
			}
			assertLiveUntouched(t, dir, live, liveBefore)
		})
	}

	t.Run("a hollow file is refused", func(t *testing.T) {
		hollow := filepath.Join(dir, "hollow.db")
		db, err := sql.Open("sqlite3", hollow)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')))`,
			`INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (11, 1)`,
			`CREATE TABLE changes (seq INTEGER PRIMARY KEY)`,
		} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		_, err = sqlite.Verify(ctx, hollow)
		if !errors.Is(err, sqlite.ErrBackupInvalid) || !strings.Contains(err.Error(), "missing table users") || !strings.Contains(err.Error(), "changed table changes") {
			t.Fatalf("verify hollow = %v, want ErrBackupInvalid naming missing table users and changed table changes", err)
		}
		if _, err := sqlite.Restore(ctx, hollow, live, sqlite.RestoreOptions{Replace: true}); !errors.Is(err, sqlite.ErrBackupInvalid) {
			t.Fatalf("restore --replace hollow = %v, want ErrBackupInvalid", err)
		}
		assertLiveUntouched(t, dir, live, liveBefore)
	})

	t.Run("a replace that fails after moving the live database puts it back", func(t *testing.T) {
		good := craftedBackup(t, dir, "good.db")
		for _, step := range []string{"rename", "open"} {
			t.Run(step, func(t *testing.T) {
				undo := sqlite.SetRestoreFaultForTest(func(s string) error {
					if s == step {
						return errors.New("disk full")
					}
					return nil
				})
				_, err := sqlite.Restore(ctx, good, live, sqlite.RestoreOptions{Replace: true})
				undo()
				if err == nil || !strings.Contains(err.Error(), "disk full") {
					t.Fatalf("restore = %v, want the injected failure", err)
				}
				assertLiveUntouched(t, dir, live, liveBefore)
			})
		}
	})
}

// assertLiveUntouched checks that the live database holds what it held,
// opens, and that no restore left files beside it.
func assertLiveUntouched(t *testing.T, dir, live string, before []byte) {
	t.Helper()
	after, err := os.ReadFile(live)
	if err != nil {
		t.Fatalf("live database gone: %v", err)
	}
	if string(after) != string(before) {
		t.Fatal("live database changed")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".replaced-") || strings.HasSuffix(e.Name(), ".restoring") {
			t.Fatalf("restore left %s behind", e.Name())
		}
	}
	ctx := context.Background()
	db, err := sql.Open("sqlite3", "file:"+live+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE subject = 'keep-me'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("live database does not hold its user: %d %v", n, err)
	}
}
