package continuity

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/syncproto"
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	stopServer()
	os.Exit(code)
}

// serverProc is the real server binary, built and started once for every
// end-to-end test in the package.
type serverProc struct {
	dir, bin, db, url string
	// metricsURL is the metrics listener (--metrics-addr), e.g. http://127.0.0.1:40125.
	metricsURL string
	cmd        *exec.Cmd
	stderr     *lockedBuffer
	exited     chan struct{}
}

var (
	e2eOnce   sync.Once
	e2eServer *serverProc
	e2eErr    error
)

// realServer returns the running server, building and starting it on first
// use. End-to-end tests are skipped with -short.
func realServer(t *testing.T) *serverProc {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: builds and runs the server")
	}
	e2eOnce.Do(func() { e2eServer, e2eErr = startServer() })
	if e2eErr != nil {
		t.Fatalf("start the server: %v", e2eErr)
	}
	return e2eServer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startServer() (*serverProc, error) {
	dir, err := os.MkdirTemp("", "continuity-sdk-e2e-")
	if err != nil {
		return nil, err
	}
	s := &serverProc{dir: dir, bin: filepath.Join(dir, "server"), db: filepath.Join(dir, "data", "continuity.db"), stderr: &lockedBuffer{}, exited: make(chan struct{})}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("the go command is needed to build the server: %w", err)
	}
	build := exec.Command(goBin, "build", "-o", s.bin, "github.com/continuity-care/continuity/server")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./server: %v\n%s", err, out)
	}
	if err := s.launch("127.0.0.1:0"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// launch starts the built server on s.db at addr and waits until it is
// ready.
func (s *serverProc) launch(addr string) error {
	s.url, s.stderr, s.exited = "", &lockedBuffer{}, make(chan struct{})
	s.cmd = exec.Command(s.bin, "serve", "--addr", addr, "--metrics-addr", "127.0.0.1:0", "--db", s.db, "--rate-limit", "100000")
	s.cmd.Env = serverEnv()
	s.cmd.Dir = s.dir
	s.cmd.Stderr = s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	exited := s.exited
	go func() { s.cmd.Wait(); close(exited) }()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	deadline := time.After(30 * time.Second)
	for s.url == "" {
		select {
		case l := <-lines:
			if _, rest, ok := strings.Cut(l, "listening on "); ok {
				s.url = strings.Fields(rest)[0]
				if _, m, ok := strings.Cut(rest, "metrics on "); ok {
					s.metricsURL = strings.TrimSuffix(strings.TrimRight(m, ")"), "/metrics")
				}
			}
		case <-s.exited:
			return fmt.Errorf("server exited: %s", s.stderr)
		case <-deadline:
			s.halt()
			return fmt.Errorf("server did not say where it listens: %s", s.stderr)
		}
	}
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Since(start) > 20*time.Second {
			s.halt()
			return fmt.Errorf("server not ready: %v\n%s", err, s.stderr)
		}
	}
}

// halt stops the server process (SIGINT, then SIGKILL after 10 s), keeping
// its folder.
func (s *serverProc) halt() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.exited
		}
	}
}

func (s *serverProc) stop() {
	s.halt()
	os.RemoveAll(s.dir)
}

func stopServer() {
	if e2eServer != nil {
		e2eServer.stop()
	}
}

// run runs a server subcommand (e.g. "token", "user add", "device enrol")
// against the test database; its flags come after the command words.
func (s *serverProc) run(t *testing.T, args ...string) string {
	t.Helper()
	args = append(args, "--db", s.db)
	cmd := exec.Command(s.bin, args...)
	cmd.Env = serverEnv()
	cmd.Dir = s.dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("server %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// token mints an access token with the server's token command.
func (s *serverProc) token(t *testing.T, sub, role, device string, scopes ...string) string {
	t.Helper()
	args := []string{"token", "--sub", sub, "--role", role, "--device", device, "--ttl", "1h"}
	for _, sc := range scopes {
		args = append(args, "--scope", sc)
	}
	return s.run(t, args...)
}

// device opens a tablet enrolled with a minted access token.
func (s *serverProc) device(t *testing.T, sub, role, device string, tweak func(*Config), scopes ...string) *Client {
	t.Helper()
	tok := s.token(t, sub, role, device, scopes...)
	c, _ := openClient(t, tweak)
	if err := c.EnrolWithAccessToken(s.url, tok); err != nil {
		t.Fatal(err)
	}
	return c
}

// get calls the API with a bearer token and decodes the answer.
func (s *serverProc) get(t *testing.T, token, path string, q url.Values, out any) {
	t.Helper()
	u := s.url + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", path, resp.Status, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// pullAll does a fresh initial sync with token and returns the changes and
// the merged record states, as a new device would see them.
func (s *serverProc) pullAll(t *testing.T, token string) ([]syncproto.Change, map[string]*syncproto.Record) {
	t.Helper()
	var all []syncproto.Change
	recs := map[string]*syncproto.Record{}
	cursor := ""
	for {
		q := url.Values{"limit": {"1000"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page syncproto.PullResponse
		s.get(t, token, "/v1/sync/pull", q, &page)
		for _, c := range page.Changes {
			for k, v := range c.Fields {
				c.Fields[k], _ = canonJSON(v)
			}
			all = append(all, c)
			k := c.Collection + "/" + c.RecordID
			if recs[k] == nil {
				recs[k] = syncproto.NewRecord(c.Collection, c.RecordID)
			}
			recs[k].Apply(c)
		}
		cursor = page.Cursor
		if !page.HasMore {
			return all, recs
		}
	}
}

// testSigningKeys are the signing keys every server process of this test
// binary shares, as replicas do (a server on PostgreSQL refuses to start
// without them).
var testSigningKeys = sync.OnceValue(func() string {
	k, err := auth.NewKey(time.Now())
	if err != nil {
		panic(err)
	}
	return auth.FormatKeys([]auth.Key{k})
})

// serverEnv is the environment of the server's processes: this one's, with
// the shared signing keys.
func serverEnv() []string {
	return append(os.Environ(), auth.EnvKeys+"="+testSigningKeys())
}
