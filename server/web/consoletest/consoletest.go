// Package consoletest runs the real server (on-disk SQLite, the demo
// scenario, the web console mounted as serve mounts it) on a loopback port
// and drives the back-office console in headless Chromium. The console's
// browser tests and its memory bench (bench/console) use it.
package consoletest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/server/web"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/gofiber/fiber/v2"
)

// Server is a running server with the demo incident loaded.
type Server struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Incident is the demo incident's id.
	Incident string
	// Store is the server's store.
	Store *sqlite.Store
	// Auth issues codes and tokens.
	Auth *auth.Service
	// Sync is the sync service.
	Sync *care.Sync

	srv   *api.Server
	conns *countingListener
}

// Start opens a SQLite database in dir, loads the scenario file (relative
// to the repository root: root is that directory), and serves on a loopback
// port with the console mounted, as serve does.
func Start(ctx context.Context, dir, root string, log *slog.Logger) (*Server, error) {
	return StartWith(ctx, dir, root, log, Options{})
}

// Options change what StartWith builds.
type Options struct {
	// Config, when set, changes the server's configuration before it
	// starts; base is the address it will serve on (for a council
	// sign-in's redirect URI).
	Config func(base string, cfg *api.Config) error
	// Scenario, when set, is loaded instead of the demo scenario's file
	// (e.g. demo.Home, a larger home).
	Scenario *demo.Scenario
}

// StartWith is Start with options.
func StartWith(ctx context.Context, dir, root string, log *slog.Logger, opts Options) (*Server, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	store, err := sqlite.Open(ctx, filepath.Join(dir, "continuity.db"))
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	keys, err := auth.LoadKeys(dir, time.Now())
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("load keys: %w", err)
	}
	syn := care.NewSync(store, domain.Registry(domain.Options{}), time.Now, "server", log)
	svc := auth.NewService(store, auth.NewTokens(keys, time.Now), time.Now)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		store.Close()
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	cfg := api.Config{Store: store, Access: store, Sync: syn, Auth: svc, Logger: log, RateLimit: 100000,
		Mount: func(app *fiber.App) { web.Mount(app, web.Options{}) }}
	if opts.Config != nil {
		if err := opts.Config(base, &cfg); err != nil {
			ln.Close()
			store.Close()
			return nil, err
		}
	}
	srv := api.New(cfg)
	var sc demo.Scenario
	if opts.Scenario != nil {
		sc = *opts.Scenario
	} else if sc, err = demo.Load(filepath.Join(root, demo.DefaultPath)); err != nil {
		ln.Close()
		store.Close()
		return nil, err
	}
	for start := 0; start < len(sc.Changes); start += syncproto.MaxPushChanges {
		end := min(start+syncproto.MaxPushChanges, len(sc.Changes))
		resp, err := syn.Push(ctx, care.SystemPrincipal, syncproto.PushRequest{Changes: sc.Changes[start:end]})
		if err != nil {
			ln.Close()
			store.Close()
			return nil, fmt.Errorf("load demo: %w", err)
		}
		for _, r := range resp.Results {
			if r.Status == syncproto.StatusRejected {
				ln.Close()
				store.Close()
				return nil, fmt.Errorf("demo change %s rejected: %v", r.ID, r.Error)
			}
		}
	}
	cl := &countingListener{Listener: ln}
	go srv.Serve(cl)
	return &Server{URL: base, Incident: sc.IncidentID, Store: store, Auth: svc, Sync: syn, srv: srv, conns: cl}, nil
}

// Close stops the server and closes the store.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	return errors.Join(err, s.Store.Close())
}

// OpenConnections is how many TCP connections the server holds open now.
func (s *Server) OpenConnections() int64 { return s.conns.open.Load() }

// User registers a user with a role and grants them incidents ("*" for
// all), as an admin would.
func (s *Server) User(ctx context.Context, subject, role string, incidents ...string) error {
	if _, err := s.Auth.AddUser(ctx, subject, role, ""); err != nil {
		return err
	}
	for _, inc := range incidents {
		if err := s.Store.GrantScope(ctx, care.Grant{Subject: subject, IncidentID: inc, GrantedAt: time.Now().UTC(), GrantedBy: "consoletest"}); err != nil {
			return err
		}
	}
	return nil
}

// Code issues a one-time enrolment code for a new device of subject.
func (s *Server) Code(ctx context.Context, subject, deviceName string) (string, error) {
	c, err := s.Auth.IssueCode(ctx, subject, deviceName, "consoletest", 0)
	return c.Code, err
}

// Token registers subject's device and returns an access token for it, for
// a Go SDK tablet.
func (s *Server) Token(ctx context.Context, subject, role, device string, ttl time.Duration) (string, error) {
	if err := s.Auth.EnsureDevice(ctx, subject, device); err != nil {
		return "", err
	}
	return s.Auth.Tokens().Issue(care.Principal{Subject: subject, Role: role, DeviceID: device}, ttl)
}

// countingListener counts the connections it accepted that are still open.
type countingListener struct {
	net.Listener
	open atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.open.Add(1)
	return &countedConn{Conn: c, l: l}, nil
}

type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}

// ChromiumPath finds Chromium: $CHROMIUM, /usr/bin/chromium, or chromium
// or google-chrome on PATH. It returns "" when there is none.
func ChromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// SignIn opens the console in the browser and signs in with an enrolment
// code, waiting for the first screen to be drawn.
func SignIn(bctx context.Context, baseURL, code string) error {
	err := chromedp.Do(bctx,
		chromedp.Navigate(baseURL+"/console/"),
		chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.Click(chromedp.CSS(`#sign-in button[type=submit]`)))
	if err != nil {
		return err
	}
	_, err = chromedp.Run(bctx, chromedp.Poll[bool](`document.getElementById('main-content').hasAttribute('data-ready')`, chromedp.WithPollingTimeout(30*time.Second)))
	return err
}

// PageMemory is what the page holds after a full garbage collection.
type PageMemory struct {
	// HeapUsed is the JavaScript heap in use (Runtime.getHeapUsage).
	HeapUsed float64
	// Metrics are Performance.getMetrics: JSHeapUsedSize, Nodes,
	// JSEventListeners, Documents ...
	Metrics map[string]float64
}

// MeasurePage collects garbage in the page, then reads its heap and the
// performance metrics.
func MeasurePage(bctx context.Context) (PageMemory, error) {
	if _, err := chromedp.Call(bctx, performance.Enable, performance.EnableParams{}); err != nil {
		return PageMemory{}, err
	}
	for range 2 {
		if _, err := chromedp.Call(bctx, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
			return PageMemory{}, err
		}
	}
	h, err := chromedp.Call(bctx, runtime.GetHeapUsage, cdp.Empty{})
	if err != nil {
		return PageMemory{}, err
	}
	m, err := chromedp.Call(bctx, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		return PageMemory{}, err
	}
	pm := PageMemory{HeapUsed: h.UsedSize, Metrics: map[string]float64{}}
	for _, x := range m.Metrics {
		pm.Metrics[x.Name] = x.Value
	}
	return pm, nil
}
