package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/google/uuid"
)

// demoIncident is Larkfield House, the demo scenario's incident.
const demoIncident = "f05f4698-b205-5dc8-baea-d5625368b932"

// TestBackup_WhileDevicesPush backs up a running server while devices push,
// restores the copy into a new server, and finds there every change that was
// acknowledged before the backup began ("If the disk dies tonight,
// what do we lose?").
func TestBackup_WhileDevicesPush(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "continuity.db")
	s := startServer(t, "--demo", "--db", db, "--demo-file", "../testdata/scenario/scenario.json")

	const devices = 4
	tokens := make([]string, devices)
	for i := range tokens {
		tok, _ := command(t, "token", "--db", db, "--sub", fmt.Sprintf("sw%d", i), "--role", "social_worker",
			"--device", fmt.Sprintf("tab-b%d", i), "--scope", "incident:"+demoIncident)
		tokens[i] = strings.TrimSpace(tok)
	}

	var (
		mu    sync.Mutex
		acked []string // change ids in the order their pushes were answered
		stop  atomic.Bool
		wg    sync.WaitGroup
		fails atomic.Int64
	)
	for i := 0; i < devices; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			clock := syncproto.NewClock(fmt.Sprintf("tab-b%d", i), nil)
			for !stop.Load() {
				var changes []map[string]any
				for j := 0; j < 20; j++ {
					changes = append(changes, map[string]any{
						"id": uuid.NewString(), "collection": "residents", "record_id": uuid.NewString(), "op": "upsert",
						"fields": map[string]any{"incident_id": demoIncident, "given_name": "Edith", "family_name": fmt.Sprintf("Barlow-%d", j)},
						"hlc":    clock.Now().String(), "recorded_at": time.Now().UTC().Format(time.RFC3339Nano),
					})
				}
				var resp syncproto.PushResponse
				if code := s.post(t, "/v1/sync/push", tokens[i], map[string]any{"changes": changes}, &resp); code != 200 {
					fails.Add(1)
					return
				}
				mu.Lock()
				for _, r := range resp.Results {
					if r.Status == syncproto.StatusApplied {
						acked = append(acked, r.ID)
					}
				}
				mu.Unlock()
			}
		}(i)
	}

	// Let the devices get going, then note what was acknowledged before the
	// backup began, and back up while they carry on.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 400 || fails.Load() > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	backupFile := filepath.Join(dir, "backups", "continuity-backup.db")
	if err := os.MkdirAll(filepath.Dir(backupFile), 0o700); err != nil {
		t.Fatal(err)
	}
	out, _ := command(t, "backup", "--db", db, "--to", backupFile)
	if !strings.Contains(out, "backup written") {
		t.Fatalf("backup printed %q", out)
	}
	time.Sleep(50 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if fails.Load() > 0 {
		t.Fatalf("%d pushes failed during the backup", fails.Load())
	}
	mu.Lock()
	total := len(acked)
	mu.Unlock()
	t.Logf("acknowledged before backup: %d; in all: %d", len(before), total)

	t.Run("a second backup to the same file is refused", func(t *testing.T) {
		if _, stderr := commandFails(t, "backup", "--db", db, "--to", backupFile); !strings.Contains(stderr, "already exists") {
			t.Fatalf("stderr %q", stderr)
		}
	})
	t.Run("restore refuses a corrupt file", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.db")
		if err := os.WriteFile(bad, []byte("not a database at all, just words"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, stderr := commandFails(t, "restore", "--from", bad, "--db", filepath.Join(dir, "x", "c.db"))
		if !strings.Contains(stderr, "not a usable Continuity backup") {
			t.Fatalf("stderr %q", stderr)
		}
	})
	t.Run("restore refuses to overwrite without --replace", func(t *testing.T) {
		_, stderr := commandFails(t, "restore", "--from", backupFile, "--db", db)
		if !strings.Contains(stderr, "--replace") {
			t.Fatalf("stderr %q", stderr)
		}
	})

	restored := filepath.Join(dir, "restored", "continuity.db")
	out, _ = command(t, "restore", "--from", backupFile, "--db", restored)
	if !strings.Contains(out, "restored") {
		t.Fatalf("restore printed %q", out)
	}
	// The signing keys are backed up separately (docs/operations.md).
	keys, err := os.ReadFile(filepath.Join(filepath.Dir(db), "signing-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(restored), "signing-keys.json"), keys, 0o600); err != nil {
		t.Fatal(err)
	}
	s2 := startServer(t, "--db", restored)
	tok, _ := command(t, "token", "--db", restored, "--sub", "bea", "--role", "back_office", "--device", "desk-1", "--scope", "incident:*")
	found := map[string]bool{}
	for _, c := range s2.pullAll(t, strings.TrimSpace(tok)) {
		found[c.ID] = true
	}
	lost := 0
	for _, id := range before {
		if !found[id] {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d changes acknowledged before the backup are missing after restore", lost, len(before))
	}
	// An old token still verifies on the restored server: the keys came too.
	var me json.RawMessage
	if code := s2.get(t, "/v1/sync/pull?limit=1", tokens[0], &me); code != 200 {
		t.Fatalf("device token on restored server = %d", code)
	}
}

// commandFails runs the binary expecting it to fail, and returns what it
// printed.
func commandFails(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err == nil {
		t.Fatalf("%v succeeded; want failure\n%s", args, stdout.String())
	}
	return stdout.String(), stderr.String()
}
