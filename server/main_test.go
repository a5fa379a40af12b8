package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// binary is the server built once for the system tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "continuity-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "continuity")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build server: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func command(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// server is a running server process.
type server struct {
	cmd *exec.Cmd
	url string
	// metricsURL is the --metrics-addr listener, e.g. http://127.0.0.1:40125.
	metricsURL string
	stderr     *bytes.Buffer
	done       chan error
	// printed receives the lines printed after the listening line.
	printed chan string
}

func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
	})
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(60 * time.Second)
	for s.url == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("server exited before listening:\n%s", s.stderr)
			}
			if rest, ok := strings.CutPrefix(l, "Continuity is listening on "); ok {
				s.url = strings.Fields(rest)[0]
				if _, m, ok := strings.Cut(rest, "metrics on "); ok {
					s.metricsURL = strings.TrimSuffix(strings.TrimRight(m, ")"), "/metrics")
				}
			}
		case <-deadline:
			t.Fatalf("server did not start:\n%s", s.stderr)
		}
	}
	s.printed = make(chan string, 100)
	go func() {
		for l := range lines {
			select {
			case s.printed <- l:
			default:
			}
		}
	}()
	return s
}

func (s *server) get(t *testing.T, path, token string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v: %s", path, err, b)
		}
	}
	return resp.StatusCode
}

// pullAll pulls everything the token may see, page by page from the start.
func (s *server) pullAll(t *testing.T, token string) []syncproto.Change {
	t.Helper()
	var all []syncproto.Change
	cursor := ""
	for {
		var p syncproto.PullResponse
		path := "/v1/sync/pull?limit=5000"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if code := s.get(t, path, token, &p); code != 200 {
			t.Fatalf("pull = %d", code)
		}
		all = append(all, p.Changes...)
		cursor = p.Cursor
		if !p.HasMore {
			return all
		}
	}
}

func (s *server) post(t *testing.T, path, token string, body any, v any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.url+path, bytes.NewReader(b))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(rb, v); err != nil {
			t.Fatalf("%s: %v: %s", path, err, rb)
		}
	}
	return resp.StatusCode
}

// TestServe_Demo runs the binary as a council would: serve --demo, tokens
// from the command line, the scenario and its 99-item checklist, enrolment
// by the admin commands, and a clean SIGTERM.
func TestServe_Demo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "continuity.db")
	s := startServer(t, "--demo", "--db", db, "--demo-file", "../testdata/scenario/scenario.json")
	if code := s.get(t, "/readyz", "", nil); code != 200 {
		t.Fatalf("readyz = %d", code)
	}
	info, err := os.Stat(filepath.Join(filepath.Dir(db), "signing-keys.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("signing key file: %v %v", err, info)
	}

	tok, _ := command(t, "token", "--db", db, "--sub", "bea", "--role", "back_office", "--device", "desk-1", "--scope", "incident:*")
	tok = strings.TrimSpace(tok)
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("token printed %q, want only a JWT", tok)
	}
	counts := map[string]int{}
	seen := map[string]bool{}
	for _, c := range s.pullAll(t, tok) {
		if !seen[c.Collection+c.RecordID] {
			counts[c.Collection]++
			seen[c.Collection+c.RecordID] = true
		}
	}
	if counts["residents"] != 42 || counts["checklist_items"] != 99 || counts["incidents"] != 1 {
		t.Fatalf("demo data: %v", counts)
	}

	t.Run("admin commands", func(t *testing.T) {
		command(t, "user", "add", "--db", db, "--sub", "nia", "--role", "social_worker", "--name", "Nia Okafor")
		out, _ := command(t, "device", "enrol", "--db", db, "--sub", "nia", "--device", "tab-nia")
		var pair struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.Unmarshal([]byte(out), &pair); err != nil || pair.RefreshToken == "" {
			t.Fatalf("enrol printed %q", out)
		}
		var fresh struct {
			AccessToken string `json:"access_token"`
		}
		if code := s.post(t, "/v1/auth/token", "", map[string]string{"refresh_token": pair.RefreshToken}, &fresh); code != 200 || fresh.AccessToken == "" {
			t.Fatalf("refresh = %d", code)
		}
		if code := s.get(t, "/v1/sync/pull", fresh.AccessToken, nil); code != 200 {
			t.Fatalf("pull with enrolled device = %d", code)
		}
		command(t, "device", "revoke", "--db", db, "--device", "tab-nia")
		if code := s.get(t, "/v1/sync/pull", fresh.AccessToken, nil); code != 401 {
			t.Fatalf("pull after revoke = %d", code)
		}
		out, _ = command(t, "keys", "rotate", "--db", db)
		if !strings.Contains(out, "still verifying") {
			t.Fatalf("keys rotate printed %q", out)
		}
	})

	t.Run("device code", func(t *testing.T) {
		command(t, "user", "add", "--db", db, "--sub", "omar", "--role", "transport_coordinator")
		out, _ := command(t, "device", "code", "--db", db, "--sub", "omar", "--name", "Minibus phone", "--ttl", "5m")
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		code := lines[len(lines)-1]
		if !regexp.MustCompile(`^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{2}$`).MatchString(code) {
			t.Fatalf("device code printed %q; want the code alone on the last line", out)
		}
		var pair struct {
			AccessToken string `json:"access_token"`
			DeviceID    string `json:"device_id"`
		}
		typed := strings.ToLower(strings.ReplaceAll(code, "-", ""))
		if st := s.post(t, "/v1/auth/enrol", "", map[string]string{"code": typed}, &pair); st != 200 || !strings.HasPrefix(pair.DeviceID, "minibus-phone-") {
			t.Fatalf("enrol with the printed code = %d %+v", st, pair)
		}
		if st := s.get(t, "/v1/sync/pull", pair.AccessToken, nil); st != 200 {
			t.Fatalf("pull with the enrolled device = %d", st)
		}
		if st := s.post(t, "/v1/auth/enrol", "", map[string]string{"code": code}, nil); st != 401 {
			t.Fatalf("second use of the code = %d", st)
		}
	})

	t.Run("SIGTERM drains and closes the database", func(t *testing.T) {
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-s.done:
			if err != nil {
				t.Fatalf("exit: %v\n%s", err, s.stderr)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("server did not stop on SIGTERM")
		}
		if !strings.Contains(s.stderr.String(), "database closed") {
			t.Fatalf("stderr:\n%s", s.stderr)
		}
		// The demo loads again idempotently on the next start.
		s2 := startServer(t, "--demo", "--db", db, "--demo-file", "../testdata/scenario/scenario.json")
		if code := s2.get(t, "/readyz", "", nil); code != 200 {
			t.Fatalf("restart readyz = %d", code)
		}
	})
}

func TestRun_Usage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"token without flags", []string{"token"}, "--sub, --role and --device are required"},
		{"token with bad role", []string{"token", "--sub", "a", "--role", "wizard", "--device", "d"}, "unknown role"},
		{"token with bad scope", []string{"token", "--sub", "a", "--role", "admin", "--device", "d", "--scope", "ward:7"}, "incident:<uuid>"},
		{"import without file", []string{"import", "cqc"}, "usage"},
		{"device code without --sub", []string{"device", "code", "--db", filepath.Join(t.TempDir(), "c.db")}, "--sub is required"},
		{"device code for an unknown user", []string{"device", "code", "--sub", "ghost", "--db", filepath.Join(t.TempDir(), "c.db")}, "no user"},
		{"device code with a long ttl", []string{"device", "code", "--sub", "ghost", "--ttl", "72h", "--db", filepath.Join(t.TempDir(), "c.db")}, "ttl"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), tc.args, &out, &errb)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
