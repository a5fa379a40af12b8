package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/continuity-care/continuity/internal/slowlink"
	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
)

// DemoIncident is the id of the demo scenario's incident (Larkfield House).
const DemoIncident = "f05f4698-b205-5dc8-baea-d5625368b932"

// ServerOptions tune StartServer.
type ServerOptions struct {
	// NoDemo leaves the database empty instead of loading the demo scenario.
	NoDemo bool
	// Scenario, when set, is loaded instead of the demo scenario's file
	// (e.g. demo.Home, a larger home).
	Scenario *demo.Scenario
	// Files are extra static files served in front of the server, by URL
	// prefix (e.g. "/vectors/" → os.DirFS("testdata/vectors")), on the same
	// origin as the API. A prefix given here wins over the server's routes.
	Files map[string]fs.FS
	// Config, when set, adjusts the API configuration before the server is
	// built (e.g. to mount the web app and console with api.Config.Mount, or
	// to lower the rate limit).
	Config func(*api.Config)
	// Front, when set, wraps the front's handler: a test can answer some
	// requests itself (e.g. 404 for the change stream, to test the polling
	// fallback) and pass the rest on.
	Front func(next http.Handler) http.Handler
}

// Server is the real Continuity server (the wiring main uses) on a real
// on-disk SQLite database in a temporary directory, listening on loopback,
// behind a thin front that serves ServerOptions.Files and can cut the link
// (SetReachable) the way a lost signal does.
type Server struct {
	// URL is the base URL the browser uses, e.g. http://127.0.0.1:40123.
	URL string
	// BackendURL is the API server itself, bypassing the front.
	BackendURL string
	// Incident is the demo incident's id ("" with NoDemo).
	Incident string
	// Auth is the server's auth service (users, devices, tokens).
	Auth *auth.Service
	// Store is the server's database.
	Store *sqlite.Store
	// Sync is the server's sync service.
	Sync *care.Sync
	// DBPath is the SQLite file.
	DBPath string

	front     *httptest.Server
	reachable atomic.Bool
	// serve starts the API server over Store at addr (restart keeps it).
	serve func(addr string) (*api.Server, error)
	api   *api.Server
}

// RepoRoot returns the repository's root directory (found from this source
// file), for fixtures such as the demo scenario.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// StartServer starts the server and stops it when the test ends.
func StartServer(t testing.TB, opts ServerOptions) *Server {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "continuity.db")
	store, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatalf("browsertest: open database: %v", err)
	}
	keys, err := auth.LoadKeys(dir, time.Now())
	if err != nil {
		t.Fatalf("browsertest: signing keys: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("BROWSERTEST_SERVER_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s := &Server{Store: store, DBPath: dbPath}
	s.serve = func(addr string) (*api.Server, error) {
		syn := care.NewSync(s.Store, domain.Registry(domain.Options{}), time.Now, "server", log)
		// Cursors sealed with the keys' cursor key, as serve does, so they
		// outlive a restart (Restore).
		codec, err := care.NewCursorCodec(keys.CursorKeys()...)
		if err != nil {
			return nil, err
		}
		syn.Cursors = codec
		authSvc := auth.NewService(s.Store, auth.NewTokens(keys, time.Now), time.Now)
		cfg := api.Config{Store: s.Store, Access: s.Store, Sync: syn, Auth: authSvc, Logger: log, RateLimit: 100000}
		if opts.Config != nil {
			opts.Config(&cfg)
		}
		srv := api.New(cfg)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		go func() { _ = srv.Serve(ln) }()
		s.BackendURL, s.Auth, s.Sync = "http://"+ln.Addr().String(), authSvc, syn
		return srv, nil
	}
	if s.api, err = s.serve("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	s.reachable.Store(true)

	if !opts.NoDemo {
		sc := opts.Scenario
		if sc == nil {
			loaded, err := demo.Load(filepath.Join(RepoRoot(), "testdata", "scenario", "scenario.json"))
			if err != nil {
				t.Fatalf("browsertest: load demo: %v", err)
			}
			sc = &loaded
		}
		if s.Incident, err = loadDemo(ctx, s.Sync, *sc); err != nil {
			t.Fatalf("browsertest: load demo: %v", err)
		}
	}

	backend, _ := url.Parse(s.BackendURL)
	proxy := httputil.NewSingleHostReverseProxy(backend)
	proxy.FlushInterval = -1 // the change stream must not be buffered
	mux := http.NewServeMux()
	for prefix, fsys := range opts.Files {
		if !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		mux.Handle(prefix, noStore(http.StripPrefix(prefix, http.FileServerFS(fsys))))
	}
	mux.Handle("/", proxy)
	var handler http.Handler = mux
	if opts.Front != nil {
		handler = opts.Front(mux)
	}
	s.front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.reachable.Load() {
			// No signal: drop the connection without an answer.
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		handler.ServeHTTP(w, r)
	}))
	s.URL = s.front.URL

	t.Cleanup(func() {
		s.front.CloseClientConnections()
		s.front.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.api.Shutdown(sctx)
		_ = s.Store.Close()
	})
	return s
}

// Restore stops the API server, puts the SQLite backup at from in place of
// the database as 'server restore --replace' does (which gives it a new
// epoch), and starts the server again at the same address, so the browser
// finds it where it was. Take the backup with sqlite.Backup(ctx, s.DBPath, to).
func (s *Server) Restore(t testing.TB, from string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.front.CloseClientConnections()
	if err := s.api.Shutdown(ctx); err != nil {
		t.Fatalf("browsertest: stop the server: %v", err)
	}
	if err := s.Store.Close(); err != nil {
		t.Fatalf("browsertest: close the database: %v", err)
	}
	if _, err := sqlite.Restore(ctx, from, s.DBPath, sqlite.RestoreOptions{Replace: true}); err != nil {
		t.Fatalf("browsertest: restore: %v", err)
	}
	store, err := sqlite.Open(ctx, s.DBPath)
	if err != nil {
		t.Fatalf("browsertest: open the restored database: %v", err)
	}
	s.Store = store
	if s.api, err = s.serve(strings.TrimPrefix(s.BackendURL, "http://")); err != nil {
		t.Fatalf("browsertest: start the server again: %v", err)
	}
}

// noStore stops the browser caching test files between runs.
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// SetReachable cuts (false) or restores (true) the link between the browser
// and the server: while cut, every connection, including open change
// streams, is dropped without an answer.
func (s *Server) SetReachable(ok bool) {
	s.reachable.Store(ok)
	if !ok {
		s.front.CloseClientConnections()
	}
}

// loadDemo pushes the scenario's changes as the system, as `serve --demo`
// does.
func loadDemo(ctx context.Context, syn *care.Sync, sc demo.Scenario) (string, error) {
	for start := 0; start < len(sc.Changes); start += syncproto.MaxPushChanges {
		end := min(start+syncproto.MaxPushChanges, len(sc.Changes))
		resp, err := syn.Push(ctx, care.SystemPrincipal, syncproto.PushRequest{Changes: sc.Changes[start:end]})
		if err != nil {
			return "", err
		}
		for _, r := range resp.Results {
			if r.Status == syncproto.StatusRejected {
				return "", fmt.Errorf("demo change %s rejected: %v", r.ID, r.Error)
			}
		}
	}
	return sc.IncidentID, nil
}

// User adds (or updates) a user with a role and grants them incidents, as
// an admin would.
func (s *Server) User(t testing.TB, subject, role string, incidents ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Auth.AddUser(ctx, subject, role, ""); err != nil {
		t.Fatalf("browsertest: add user %s: %v", subject, err)
	}
	for _, inc := range incidents {
		if err := s.Store.GrantScope(ctx, care.Grant{Subject: subject, IncidentID: inc, GrantedAt: time.Now().UTC(), GrantedBy: "browsertest"}); err != nil {
			t.Fatalf("browsertest: grant %s to %s: %v", inc, subject, err)
		}
	}
}

// Enrol adds the user (see User), enrols a new device for them and returns
// its first token pair — the body POST /v1/auth/enrol answers — to hand to
// a client (the JavaScript SDK's enrolWithPair, or PairJSON).
func (s *Server) Enrol(t testing.TB, subject, role, deviceID string, incidents ...string) auth.Pair {
	t.Helper()
	s.User(t, subject, role, incidents...)
	p, err := s.Auth.Enrol(context.Background(), subject, deviceID)
	if err != nil {
		t.Fatalf("browsertest: enrol %s for %s: %v", deviceID, subject, err)
	}
	return p
}

// PairJSON is Enrol's pair as a JSON object, ready to paste into a page
// script.
func (s *Server) PairJSON(t testing.TB, subject, role, deviceID string, incidents ...string) string {
	t.Helper()
	b, err := json.Marshal(s.Enrol(t, subject, role, deviceID, incidents...))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Token adds the user (see User), registers the device if needed and
// returns a one-hour access token for it (for Go clients in a test).
func (s *Server) Token(t testing.TB, subject, role, deviceID string, incidents ...string) string {
	t.Helper()
	s.User(t, subject, role, incidents...)
	if err := s.Auth.EnsureDevice(context.Background(), subject, deviceID); err != nil {
		t.Fatalf("browsertest: device %s: %v", deviceID, err)
	}
	tok, err := s.Auth.Tokens().Issue(care.Principal{Subject: subject, Role: role, DeviceID: deviceID}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// EnrolmentCode adds the user (see User) and issues a one-time enrolment
// code for a new device of theirs, as an admin does on the console (POST
// /v1/admin/enrolment-codes). The code is what a person types into the
// app; the device id the server will give is returned with it.
func (s *Server) EnrolmentCode(t testing.TB, subject, role, deviceName string, incidents ...string) auth.IssuedCode {
	t.Helper()
	s.User(t, subject, role, incidents...)
	c, err := s.Auth.IssueCode(context.Background(), subject, deviceName, "browsertest", 0)
	if err != nil {
		t.Fatalf("browsertest: enrolment code for %s: %v", subject, err)
	}
	return c
}

// Link opens an emulated slow link (slowlink.Open: tc netem where the
// kernel has it, else the TUN emulator, else a shaping proxy) in front of
// the server's front, closed when the test ends (logging its packet
// counts), and returns the base URL across it. Give the
// URL to the browser as one of Options.SecureOrigins: across netem it is not
// a loopback address.
func (s *Server) Link(t testing.TB, p slowlink.Profile) (string, *slowlink.Link) {
	t.Helper()
	l, err := slowlink.Open(strings.TrimPrefix(s.URL, "http://"), p)
	if err != nil {
		t.Fatalf("browsertest: slow link: %v", err)
	}
	t.Cleanup(func() {
		t.Logf("slow link, packets: %s", l.Report())
		l.Close()
	})
	if l.Why != "" {
		t.Logf("slow link: not tc netem: %s", l.Why)
	}
	t.Logf("slow link: %s", l.How)
	return "http://" + l.Addr, l
}
