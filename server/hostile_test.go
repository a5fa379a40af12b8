package main

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommands_ReservedIdentities: the token, user, device and scope
// commands refuse a subject or device the server acts as, or one of only
// dots, and change nothing.
func TestCommands_ReservedIdentities(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "c.db")
	command(t, "user", "add", "--db", db, "--sub", "sam", "--role", "social_worker")
	cases := [][]string{
		{"token", "--sub", "system", "--role", "admin", "--device", "tab-1"},
		{"token", "--sub", "..", "--role", "admin", "--device", "tab-1"},
		{"token", "--sub", "sam", "--role", "social_worker", "--device", "server"},
		{"token", "--sub", "sam", "--role", "social_worker", "--device", ".."},
		{"user", "add", "--sub", "System", "--role", "admin"},
		{"user", "add", "--sub", ".", "--role", "admin"},
		{"device", "enrol", "--sub", "sam", "--device", "server"},
		{"device", "enrol", "--sub", "sam", "--device", "."},
		{"device", "code", "--sub", "system", "--device", "Ward iPad"},
		{"scope", "grant", "--sub", "..", "--incident", "*"},
		{"scope", "grant", "--sub", "system", "--incident", "*"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			cmd := exec.Command(binary, append(args, "--db", db)...)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), "acts as") {
				t.Fatalf("%v: %s, want a refusal naming the reserved identity", err, out)
			}
		})
	}
}

// TestCommands_FileModes: what the commands create (the data folder, the
// database and its -wal and -shm, the signing keys, a backup) is readable
// by this user alone, whatever the umask.
func TestCommands_FileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	db := filepath.Join(dir, "c.db")
	cmd := exec.Command("sh", "-c", `umask 0 && "$0" "$@"`, binary, "user", "add", "--db", db, "--sub", "sam", "--role", "social_worker")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	cmd = exec.Command("sh", "-c", `umask 0 && "$0" "$@"`, binary, "backup", "--db", db, "--to", backup)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	check := func(path string, want os.FileMode) {
		t.Helper()
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %#o, want %#o", path, got, want)
		}
	}
	check(dir, 0o700)
	check(backup, 0o600)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) < 2 {
		t.Fatalf("the data folder holds only %v", ents)
	}
	for _, e := range ents {
		check(filepath.Join(dir, e.Name()), 0o600)
	}
}

// TestRestore_CraftedBackup: restore --check and restore --replace refuse a
// real backup with a trigger added (one that would grant a user every
// incident on the next push), naming it, and leave the live database as it
// was.
func TestRestore_CraftedBackup(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "data", "c.db")
	command(t, "user", "add", "--db", live, "--sub", "sam", "--role", "social_worker")
	backup := filepath.Join(dir, "b.db")
	command(t, "backup", "--db", live, "--to", backup)
	db, err := sql.Open("sqlite3", backup)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TRIGGER grant_all AFTER INSERT ON changes BEGIN INSERT INTO scope_grants (subject, incident_id, granted_at, granted_by) VALUES ('sam', '*', '2026-12-01', 'x'); END`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, err := os.ReadFile(live)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"restore", "--from", backup, "--check"},
		{"restore", "--from", backup, "--db", live, "--replace"},
	} {
		out, err := exec.Command(binary, args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "extra trigger grant_all") {
			t.Fatalf("%v: %v %s, want a refusal naming the trigger", args, err, out)
		}
	}
	after, err := os.ReadFile(live)
	if err != nil || string(after) != string(before) {
		t.Fatalf("the live database changed or went: %v", err)
	}
}
