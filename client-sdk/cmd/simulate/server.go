package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// localServer is a server binary built from the repository and started for
// the simulation.
type localServer struct {
	dir, bin, db, url string
	incident          string
	cmd               *exec.Cmd
	log               *lockedBuffer
	exited            chan struct{}
}

// lockedBuffer collects a process's output.
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

// tail is the end of the server's log, for error messages.
func (l *lockedBuffer) tail() string {
	s := l.String()
	if len(s) > 2000 {
		s = "..." + s[len(s)-2000:]
	}
	return strings.TrimSpace(s)
}

// startServer builds ./server into dir and serves the demo scenario on a
// free loopback port with its database in dir.
func startServer(ctx context.Context, repo, dir, scenario string) (*localServer, error) {
	s := &localServer{dir: dir, bin: filepath.Join(dir, "server"), db: filepath.Join(dir, "server-data", "continuity.db"), log: &lockedBuffer{}, exited: make(chan struct{})}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("the go command is needed to build the server: %w", err)
	}
	build := exec.CommandContext(ctx, goBin, "build", "-o", s.bin, "./server")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./server: %v\n%s", err, out)
	}
	// A generous rate limit: twenty tablets share one loopback address.
	s.cmd = exec.Command(s.bin, "serve", "--demo", "--demo-file", scenario, "--addr", "127.0.0.1:0", "--metrics-addr", "", "--db", s.db, "--rate-limit", "100000")
	s.cmd.Dir = repo
	s.cmd.Stderr = s.log
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the server: %w", err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	for s.url == "" || s.incident == "" {
		select {
		case l := <-lines:
			if _, rest, ok := strings.Cut(l, "Continuity is listening on "); ok {
				s.url = strings.Fields(rest)[0]
			}
			if _, rest, ok := strings.Cut(l, "Demo data loaded: incident "); ok {
				s.incident = strings.TrimSpace(rest)
			}
		case <-s.exited:
			return nil, fmt.Errorf("the server exited before listening:\n%s", s.log.tail())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-deadline.C:
			s.stop()
			return nil, fmt.Errorf("the server did not say where it listens within a minute:\n%s", s.log.tail())
		}
	}
	if err := waitReady(ctx, s.url, 30*time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w\n%s", err, s.log.tail())
	}
	return s, nil
}

// waitReady polls /readyz.
func waitReady(ctx context.Context, url string, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("answered %s", resp.Status)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("server at %s not ready: %v", url, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop interrupts the server and waits for it to drain and exit.
func (s *localServer) stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// command runs a server subcommand against the server's database.
func (s *localServer) command(ctx context.Context, args ...string) ([]byte, error) {
	args = append(args, "--db", s.db)
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Dir = s.dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("server %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// tokenPair is what enrolling a device returns.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	DeviceID     string `json:"device_id"`
}

// account is a user with one device, granted some incidents ("*": all).
type account struct {
	subject, role, name, device string
	incidents                   []string
}

// enroller registers users and devices as an admin would.
type enroller interface {
	enrol(ctx context.Context, a account) (tokenPair, error)
}

// cliEnroller uses the server's own admin commands on its database.
type cliEnroller struct{ s *localServer }

func (e cliEnroller) enrol(ctx context.Context, a account) (tokenPair, error) {
	if _, err := e.s.command(ctx, "user", "add", "--sub", a.subject, "--role", a.role, "--name", a.name); err != nil {
		return tokenPair{}, err
	}
	for _, inc := range a.incidents {
		if _, err := e.s.command(ctx, "scope", "grant", "--sub", a.subject, "--incident", inc); err != nil {
			return tokenPair{}, err
		}
	}
	out, err := e.s.command(ctx, "device", "enrol", "--sub", a.subject, "--device", a.device)
	if err != nil {
		return tokenPair{}, err
	}
	var p tokenPair
	if err := json.Unmarshal(out, &p); err != nil || p.RefreshToken == "" {
		return tokenPair{}, fmt.Errorf("device enrol printed no token pair: %s", out)
	}
	return p, nil
}

// apiEnroller uses the admin API of a running server.
type apiEnroller struct {
	url, token string
	hc         *http.Client
}

func (e apiEnroller) enrol(ctx context.Context, a account) (tokenPair, error) {
	if err := e.post(ctx, "/v1/admin/users", map[string]string{"subject": a.subject, "role": a.role, "name": a.name}, nil); err != nil {
		return tokenPair{}, err
	}
	for _, inc := range a.incidents {
		if err := e.post(ctx, "/v1/admin/scopes", map[string]string{"subject": a.subject, "incident_id": inc}, nil); err != nil {
			return tokenPair{}, err
		}
	}
	var p tokenPair
	if err := e.post(ctx, "/v1/admin/devices", map[string]string{"subject": a.subject, "device_id": a.device}, &p); err != nil {
		return tokenPair{}, err
	}
	if p.RefreshToken == "" {
		return tokenPair{}, errors.New("the admin API enrolled the device but returned no refresh token")
	}
	return p, nil
}

func (e apiEnroller) post(ctx context.Context, path string, body, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.hc.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, strings.TrimSpace(string(rb)))
	}
	if out != nil {
		if err := json.Unmarshal(rb, out); err != nil {
			return fmt.Errorf("POST %s: %w", path, err)
		}
	}
	return nil
}
