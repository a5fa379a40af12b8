package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/postgres/pgtest"
)

// commandEnv runs the binary with extra environment variables (and without
// CONTINUITY_SIGNING_KEYS unless given), returning its output and error.
func commandEnv(t *testing.T, env []string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(binary, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, auth.EnvKeys+"=") && !strings.HasPrefix(kv, "PGPASSWORD=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// withoutPassword returns dsn with its password removed, and the password.
func withoutPassword(t *testing.T, dsn string) (string, string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		t.Fatalf("the test DSN has no user: %v", err)
	}
	pw, _ := u.User.Password()
	u.User = url.User(u.User.Username())
	return u.String(), pw
}

// withPassword returns dsn with password pw.
func withPassword(t *testing.T, dsn, pw string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), pw)
	return u.String()
}

// TestKeys_NewGivesAValueServeReads: 'keys new' prints a value that serve
// and the token command read from CONTINUITY_SIGNING_KEYS; a token signed
// by one process with it verifies in another.
func TestKeys_NewGivesAValueServeReads(t *testing.T) {
	stdout, stderr, err := commandEnv(t, nil, "keys", "new")
	if err != nil {
		t.Fatalf("keys new: %v\n%s", err, stderr)
	}
	value := strings.TrimSpace(stdout)
	if strings.Contains(value, "\n") {
		t.Fatalf("keys new printed more than the value on stdout: %q", stdout)
	}
	ks, err := auth.ParseKeys(value)
	if err != nil {
		t.Fatalf("the printed value does not parse as %s: %v (%q)", auth.EnvKeys, err, value)
	}
	if !strings.Contains(stderr, auth.EnvKeys) {
		t.Errorf("keys new does not say what the value is for: %q", stderr)
	}
	// Two data folders, one key value: a token minted against one verifies
	// against a server on the other.
	env := []string{auth.EnvKeys + "=" + value}
	tok, stderr, err := commandEnv(t, env, "token", "--db", filepath.Join(t.TempDir(), "a.db"), "--sub", "alice", "--role", "social_worker", "--device", "tab-1")
	if err != nil {
		t.Fatalf("token: %v\n%s", err, stderr)
	}
	parsed, err := auth.NewTokens(ks, time.Now).Verify(strings.TrimSpace(tok))
	if err != nil || parsed.Subject != "alice" {
		t.Fatalf("a token signed with the printed keys does not verify with them: %v %+v", err, parsed)
	}
}

// TestKeys_Rotate: rotation works on where the keys come from, and says
// what to distribute.
func TestKeys_Rotate(t *testing.T) {
	first, _, err := commandEnv(t, nil, "keys", "new")
	if err != nil {
		t.Fatal(err)
	}
	first = strings.TrimSpace(first)
	firstKeys, _ := auth.ParseKeys(first)
	oldID := firstKeys.IDs()[0]

	t.Run("an environment file is rotated in place", func(t *testing.T) {
		envFile := filepath.Join(t.TempDir(), "continuity.env")
		if err := os.WriteFile(envFile, []byte("# replicas' environment\nCONTINUITY_PUBLIC=1\n"+auth.EnvKeys+"="+first+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, err := commandEnv(t, nil, "keys", "rotate", "--db", "postgres://continuity@db.internal/continuity", "--env-file", envFile)
		if err != nil {
			t.Fatalf("keys rotate --env-file: %v\n%s", err, stderr)
		}
		b, _ := os.ReadFile(envFile)
		var value string
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, auth.EnvKeys+"="); ok {
				value = v
			}
		}
		ks, err := auth.ParseKeys(value)
		if err != nil {
			t.Fatalf("the rotated file's value does not parse: %v\n%s", err, b)
		}
		if got := ks.IDs(); len(got) != 2 || got[1] != oldID {
			t.Fatalf("rotated keys %v: want a new key in front of %s", got, oldID)
		}
		if !strings.Contains(string(b), "CONTINUITY_PUBLIC=1") || !strings.HasPrefix(string(b), "# replicas'") {
			t.Errorf("the other lines were not kept:\n%s", b)
		}
		if fi, _ := os.Stat(envFile); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
		if !strings.Contains(stdout, "every replica") || !strings.Contains(stderr, oldID) {
			t.Errorf("rotate does not say what to distribute: %q %q", stdout, stderr)
		}
	})
	t.Run("the variable: the new value is printed", func(t *testing.T) {
		dir := t.TempDir()
		stdout, stderr, err := commandEnv(t, []string{auth.EnvKeys + "=" + first}, "keys", "rotate", "--db", filepath.Join(dir, "continuity.db"))
		if err != nil {
			t.Fatalf("keys rotate: %v\n%s", err, stderr)
		}
		ks, err := auth.ParseKeys(strings.TrimSpace(stdout))
		if err != nil {
			t.Fatalf("the printed value does not parse: %v (%q)", err, stdout)
		}
		if got := ks.IDs(); len(got) != 2 || got[1] != oldID {
			t.Fatalf("rotated keys %v: want a new key in front of %s", got, oldID)
		}
		if _, err := os.Stat(filepath.Join(dir, auth.KeyFileName)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a key file was written though the keys come from the variable: %v", err)
		}
	})
	t.Run("PostgreSQL without the variable: nothing written", func(t *testing.T) {
		dir := t.TempDir()
		cmd := exec.Command(binary, "keys", "rotate", "--db", "postgres://continuity@db.internal/continuity")
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), auth.EnvKeys) {
			t.Fatalf("keys rotate on PostgreSQL without keys: %v %s", err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "data")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("rotate made ./data: %v", err)
		}
	})
}

// TestServe_PostgresReplicaNeedsSharedKeys: serve on PostgreSQL without
// CONTINUITY_SIGNING_KEYS exits non-zero saying why, and makes no key of its
// own; with the variable it starts.
func TestServe_PostgresReplicaNeedsSharedKeys(t *testing.T) {
	dsn := pgtest.FreshDSN(t)
	dir := t.TempDir()
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "", "--db", dsn)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, auth.EnvKeys+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("serve started on PostgreSQL without shared keys:\n%s", out)
	}
	for _, want := range []string{auth.EnvKeys + " is not set", "every replica", "keys new"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the refusal does not say %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve made a key folder of its own: %v", err)
	}
	value, _, err := commandEnv(t, nil, "keys", "new")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(auth.EnvKeys, strings.TrimSpace(value))
	s := startServer(t, "--db", dsn)
	resp, err := http.Get(s.url + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("with shared keys: %v %v", err, resp)
	}
	resp.Body.Close()
}

// TestMigrate_NeverPrintsThePassword: the password of --db is printed by no
// command, in success or failure, and can come from --db-password-file or
// PGPASSWORD instead of the URL.
func TestMigrate_NeverPrintsThePassword(t *testing.T) {
	dsn := pgtest.FreshDSN(t)
	bare, pw := withoutPassword(t, dsn)
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const wrong = "Wr0ng-s3cret-PW"
	cases := []struct {
		name   string
		env    []string
		args   []string
		ok     bool
		secret string
	}{
		{"password in the URL", nil, []string{"migrate", "--db", dsn}, true, ":" + pw + "@"},
		{"wrong password in the URL", nil, []string{"migrate", "--db", withPassword(t, dsn, wrong)}, false, wrong},
		{"password parameter", nil, []string{"migrate", "--db", bare + "&password=" + wrong}, false, wrong},
		{"--db-password-file", nil, []string{"migrate", "--db", bare, "--db-password-file", pwFile}, true, ":" + pw + "@"},
		{"PGPASSWORD", []string{"PGPASSWORD=" + pw}, []string{"migrate", "--db", bare}, true, ":" + pw + "@"},
		{"epoch new", nil, []string{"epoch", "new", "--db", dsn}, true, ":" + pw + "@"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, err := commandEnv(t, tc.env, tc.args...)
			if (err == nil) != tc.ok {
				t.Fatalf("%v: err %v, want ok=%v\n%s%s", tc.args, err, tc.ok, stdout, stderr)
			}
			if strings.Contains(stdout+stderr, tc.secret) {
				t.Fatalf("%v printed the password:\n%s%s", tc.args, stdout, stderr)
			}
		})
	}
	t.Run("without any password the connection is refused", func(t *testing.T) {
		if _, _, err := commandEnv(t, []string{"PGPASSFILE=/nonexistent"}, "migrate", "--db", bare); err == nil {
			t.Skip("the test PostgreSQL accepts connections without a password, so the file cases prove nothing more")
		}
	})
}

// TestServe_MetricsListener: /metrics is answered on --metrics-addr and not
// on --addr.
func TestServe_MetricsListener(t *testing.T) {
	s := startServer(t, "--db", filepath.Join(t.TempDir(), "continuity.db"))
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on the API listener: %d, want 404", resp.StatusCode)
	}
	if s.metricsURL == "" {
		t.Fatal("serve did not say where its metrics listener is")
	}
	resp, err = http.Get(s.metricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "continuity_http_requests_total") {
		t.Fatalf("/metrics on the metrics listener: %d %.300s", resp.StatusCode, b)
	}
	t.Run("the default is loopback", func(t *testing.T) {
		if defaultMetricsAddr != "127.0.0.1:9090" {
			t.Fatalf("default --metrics-addr %q is not loopback", defaultMetricsAddr)
		}
	})
}

// TestServe_LogFormat: --log-format json makes every line on stderr JSON,
// including what components log through slog.Default (the PostgreSQL
// change feed, the SQLite checkpointer); a bad format is refused.
func TestServe_LogFormat(t *testing.T) {
	t.Run("json", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var stdout, stderr syncWriter
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--log-format", "json", "--trusted-proxies", "127.0.0.1",
				"--db", filepath.Join(t.TempDir(), "continuity.db")}, &stdout, &stderr)
		}()
		for !strings.Contains(stdout.String(), "listening on") {
			select {
			case err := <-done:
				t.Fatalf("serve exited: %v\n%s", err, stderr.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
		// What the change feed and checkpointer do: log through the default.
		slog.Warn("sqlite: background checkpoint failed; the writer's own checkpoints go on", "err", "probe")
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("serve: %v", err)
		}
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		sawDefault := false
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("a log line is not JSON: %q", l)
			}
			sawDefault = sawDefault || strings.HasPrefix(m["msg"].(string), "sqlite: background checkpoint")
		}
		if !sawDefault || len(lines) < 3 {
			t.Fatalf("the default logger's line is missing:\n%s", stderr.String())
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		var out, errb bytes.Buffer
		err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--log-format", "xml", "--db", filepath.Join(t.TempDir(), "c.db")}, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), "--log-format") {
			t.Fatalf("err = %v", err)
		}
	})
}

// syncWriter is a buffer safe for the writer and a reader at once.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestServe_UnwritableDataFolder: a data folder this user cannot write (a
// root-owned bind mount under the image's user) is refused at start with
// the folder, the user and what to run.
func TestServe_UnwritableDataFolder(t *testing.T) {
	base, err := os.MkdirTemp("", "continuity-unwritable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	dir := filepath.Join(base, "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := binary
	var cred *syscall.SysProcAttr
	if os.Geteuid() == 0 {
		// As in the container: the image's user, not the folder's owner
		// (root), with the binary where that user can run it.
		bin = filepath.Join(base, "continuity")
		b, err := os.ReadFile(binary)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, b, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(base, 0o755); err != nil {
			t.Fatal(err)
		}
		cred = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 10001, Gid: 10001}}
	} else if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "", "--db", filepath.Join(dir, "continuity.db"))
	cmd.SysProcAttr = cred
	cmd.Dir = base
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("serve started on an unwritable data folder:\n%s", out)
	}
	for _, want := range []string{"data folder " + dir + " is not writable", "chown 10001:10001"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("the refusal does not say %q (%v):\n%s", want, err, out)
		}
	}
}
