package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/syncproto"
)

// TestRestore_NewEpoch: 'restore' gives the restored database a new epoch
// before it goes live, and 'epoch new' does so after a restore the server did
// not do. A refresh token issued after the backup (rotated in the interval the
// restore lost) is then answered 401 reenrol_required, one from before the
// backup still works, and a token the server never issued is plain
// unauthorized.
func TestRestore_NewEpoch(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "continuity.db")
	epochOf := func() string {
		t.Helper()
		out, _ := command(t, "epoch", "show", "--db", db)
		e, ok := strings.CutPrefix(strings.TrimSpace(out), "epoch ")
		if !ok || len(e) != 32 {
			t.Fatalf("epoch show: %q", out)
		}
		return e
	}
	command(t, "user", "add", "--db", db, "--sub", "sam", "--role", "social_worker")
	out, _ := command(t, "device", "enrol", "--db", db, "--sub", "sam", "--device", "tab-1")
	var enrolled struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &enrolled); err != nil {
		t.Fatalf("device enrol printed %q: %v", out, err)
	}
	first := epochOf()
	if !strings.HasSuffix(enrolled.RefreshToken, "."+first) {
		t.Fatalf("refresh token %q does not carry the epoch %s", enrolled.RefreshToken, first)
	}
	backup := filepath.Join(dir, "before.db")
	command(t, "backup", "--db", db, "--to", backup)

	s := startServer(t, "--db", db)
	var rotated struct {
		RefreshToken string `json:"refresh_token"`
	}
	if code := s.post(t, "/v1/auth/token", "", map[string]string{"refresh_token": enrolled.RefreshToken}, &rotated); code != 200 {
		t.Fatalf("refresh before the restore = %d", code)
	}
	s.cmd.Process.Kill()
	<-s.done

	out, _ = command(t, "restore", "--from", backup, "--db", db, "--replace")
	second := epochOf()
	if second == first || !strings.Contains(out, second) {
		t.Fatalf("restore left the epoch %s (was %s): %s", second, first, out)
	}
	out, _ = command(t, "epoch", "new", "--db", db)
	third := epochOf()
	if third == second || !strings.Contains(out, third) {
		t.Fatalf("epoch new left the epoch %s (was %s): %s", third, second, out)
	}

	s = startServer(t, "--db", db)
	cases := []struct {
		name, token string
		status      int
		code        string
	}{
		{"issued after the backup", rotated.RefreshToken, 401, syncproto.CodeReenrolRequired},
		{"never issued, this epoch", "crt_000000000000000000000000.c2VjcmV0." + third, 401, syncproto.CodeUnauthorized},
		{"issued before the backup", enrolled.RefreshToken, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body struct {
				Error *syncproto.Error `json:"error"`
			}
			code := s.post(t, "/v1/auth/token", "", map[string]string{"refresh_token": tc.token}, &body)
			if code != tc.status || (tc.code != "" && (body.Error == nil || body.Error.Code != tc.code)) {
				t.Fatalf("%d %+v, want %d %s", code, body.Error, tc.status, tc.code)
			}
		})
	}
}
