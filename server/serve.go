package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/web"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/gofiber/fiber/v2"
)

const (
	defaultAddr        = "127.0.0.1:8080"
	defaultMetricsAddr = "127.0.0.1:9090"
	defaultDB          = "data/continuity.db"
	defaultDemo        = "testdata/scenario/scenario.json"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", defaultAddr, "address to listen on")
	metricsAddr := fs.String("metrics-addr", defaultMetricsAddr, "address of the separate listener for GET /metrics (Prometheus), loopback by default; the API's listener does not answer /metrics; empty: no metrics listener")
	logFormat := fs.String("log-format", "text", "log format on stderr: text or json (every component, the PostgreSQL change feed and the SQLite checkpointer included)")
	dbPath := fs.String("db", defaultDB, "SQLite database file (created and migrated on start), or a postgres:// URL")
	passwordFile := addPasswordFileFlag(fs)
	demo := fs.Bool("demo", false, "load the demo scenario (idempotent)")
	demoFile := fs.String("demo-file", defaultDemo, "scenario file loaded by --demo")
	rate := fs.Int("rate-limit", 600, "requests per minute allowed to one device")
	authFails := fs.Int("auth-fail-limit", 30, "requests with invalid credentials per minute allowed from one client address before 429")
	idleLock := fs.Duration("idle-lock", api.DefaultIdleLock, "how long the field app may sit untouched before it locks and asks for the device PIN")
	trustedProxies := fs.String("trusted-proxies", "",
		"comma-separated IP addresses and CIDR ranges of the reverse proxies in front of the server, whose --proxy-header names the client address for the per-address limits; empty: trust none")
	proxyHeader := fs.String("proxy-header", api.HeaderXForwardedFor, "header the --trusted-proxies name the client address in: X-Forwarded-For or X-Real-IP")
	streamsPerDevice := fs.Int("max-streams-per-device", api.DefaultMaxStreamsPerDevice,
		"change streams one device may hold open at once; past it the device's next stream gets 429")
	connsPerIP := fs.Int("max-conns-per-ip", api.DefaultMaxConnsPerAddress,
		"connections one client address (an IPv6 client: its /64) may hold open at once, half-sent requests included; past it the next gets 429 and is closed. Connections from --trusted-proxies are not counted. 0: no cap")
	reuse := fs.Duration("refresh-reuse-interval", care.DefaultRefreshReuseInterval,
		"how long after its use a refresh token may be presented again while its successor is unused (a retry after a lost answer); 0: any second use revokes the chain")
	signIn := addSignInFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *reuse < 0 {
		return fmt.Errorf("serve: --refresh-reuse-interval must be 0 or more, not %s", *reuse)
	}
	if *streamsPerDevice < 1 {
		return fmt.Errorf("serve: --max-streams-per-device must be 1 or more, not %d", *streamsPerDevice)
	}
	if *connsPerIP < 0 {
		return fmt.Errorf("serve: --max-conns-per-ip must be 0 (no cap) or more, not %d", *connsPerIP)
	}
	maxConns := *connsPerIP
	if maxConns == 0 {
		maxConns = -1
	}
	proxies, err := api.ParseTrustedProxies(*trustedProxies)
	if err != nil {
		return fmt.Errorf("serve: --trusted-proxies: %w", err)
	}
	header, err := api.ParseProxyHeader(*proxyHeader)
	if err != nil {
		return fmt.Errorf("serve: --proxy-header: %w", err)
	}
	log, err := newLogger(*logFormat, stderr)
	if err != nil {
		return fmt.Errorf("serve: --log-format: %w", err)
	}
	// Components that log through slog.Default (the PostgreSQL change
	// feed, the SQLite checkpointer) write in the same format.
	prevDefault := slog.Default()
	slog.SetDefault(log)
	defer slog.SetDefault(prevDefault)
	db, err := withPasswordFile(*dbPath, *passwordFile)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if len(proxies) > 0 {
		log.Info("per-address limits use the client address trusted proxies name", "trusted_proxies", proxies, "header", header)
	} else if flagSet(fs, "proxy-header") {
		log.Warn("--proxy-header has no effect without --trusted-proxies: the header is ignored")
	}

	store, err := openStore(ctx, db)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("close database", "err", err)
		} else {
			log.Info("database closed")
		}
	}()
	keys, err := loadKeys(*dbPath)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	registry := newRegistry()
	sync := care.NewSync(store, registry, time.Now, "server", log)
	if sync.Cursors, err = care.NewCursorCodec(keys.CursorKeys()...); err != nil {
		return err
	}
	authSvc := auth.NewService(store, auth.NewTokens(keys, time.Now), time.Now)
	authSvc.ReuseInterval = *reuse
	council, err := councilSignIn(ctx, signIn, authSvc, store, log)
	if err != nil {
		return err
	}
	srv := api.New(api.Config{OIDC: council, Store: store, Access: store, Audit: store, Sync: sync, Auth: authSvc, Logger: log, RateLimit: *rate, AuthFailLimit: *authFails, IdleLock: *idleLock,
		TrustedProxies: proxies, ProxyHeader: header, MaxStreamsPerDevice: *streamsPerDevice, MaxConnsPerAddress: maxConns,
		Mount: func(app *fiber.App) { web.Mount(app, web.Options{}) }})

	incident := ""
	if *demo {
		incident, err = loadDemo(ctx, sync, *demoFile)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	errc := make(chan error, 2)
	metricsNote := "no metrics listener"
	if *metricsAddr != "" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("serve: --metrics-addr: %w", err)
		}
		msrv := &http.Server{Handler: metricsMux(srv.Metrics()), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := msrv.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics listener: %w", err)
			}
		}()
		defer msrv.Close()
		metricsNote = "metrics on http://" + mln.Addr().String() + "/metrics"
	}
	go func() { errc <- srv.Serve(ln) }()

	fmt.Fprintf(stdout, "Continuity is listening on http://%s (database %s; %s)\n", ln.Addr(), redact(*dbPath), metricsNote)
	scope := ""
	if incident != "" {
		fmt.Fprintf(stdout, "Demo data loaded: incident %s\n", incident)
		scope = " --scope incident:" + incident
	}
	fmt.Fprintf(stdout, "Get an access token (valid 1h) for trying the API:\n  %s token --db %s --sub alice --role social_worker --device tab-1%s\n", selfCommand(), redact(*dbPath), scope)
	if incident != "" {
		if err := demoCodes(ctx, authSvc, store, incident, "http://"+ln.Addr().String(), redact(*dbPath), stdout); err != nil {
			return err
		}
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// demoFileShape is the scenario file: the incident and its changes.
type demoFileShape struct {
	IncidentID string            `json:"incident_id"`
	Changes    []json.RawMessage `json:"changes"`
}

// loadDemo pushes the scenario's changes as the demo seed device. Change ids
// are fixed, so loading twice changes nothing.
func loadDemo(ctx context.Context, sync *care.Sync, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w (run from the repository root, or pass --demo-file)", err)
	}
	var f demoFileShape
	if err := json.Unmarshal(b, &f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	p := care.SystemPrincipal
	for start := 0; start < len(f.Changes); start += syncproto.MaxPushChanges {
		end := min(start+syncproto.MaxPushChanges, len(f.Changes))
		resp, err := sync.Push(ctx, p, syncproto.PushRequest{Changes: f.Changes[start:end]})
		if err != nil {
			return "", err
		}
		for _, r := range resp.Results {
			if r.Status == syncproto.StatusRejected {
				return "", fmt.Errorf("demo change %s rejected: %v", r.ID, r.Error)
			}
		}
	}
	return f.IncidentID, nil
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", defaultDB, "SQLite database file, or a postgres:// URL (without its password: use --db-password-file or PGPASSWORD)")
	passwordFile := addPasswordFileFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := withPasswordFile(*dbPath, *passwordFile)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	store, err := openStore(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s is up to date\n", redact(*dbPath))
	return store.Close()
}

// scopeList collects repeated --scope flags.
type scopeList []string

func (s *scopeList) String() string { return fmt.Sprint(*s) }

func (s *scopeList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

func token(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sub := fs.String("sub", "", "user name (required)")
	role := fs.String("role", "", "role (required): one of social_worker, transport_coordinator, quality_officer, commissioner, director, back_office, nhs_liaison, admin")
	device := fs.String("device", "", "device id (required)")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	dbPath := fs.String("db", defaultDB, "database whose signing key is used")
	var scopes scopeList
	fs.Var(&scopes, "scope", "grant, e.g. incident:<uuid> (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sub == "" || *role == "" || *device == "" {
		return errors.New("token: --sub, --role and --device are required")
	}
	if !care.ValidRole(*role) {
		return fmt.Errorf("token: unknown role %q (one of %v)", *role, care.Roles)
	}
	if !auth.ValidSubject(*sub) {
		return fmt.Errorf("token: --sub %q: subject must be 1-64 characters of letters, digits, . _ @ -, not only dots, and not a name the server acts as (system)", *sub)
	}
	if !auth.ValidDevice(*device) {
		return fmt.Errorf("token: --device %q: a device id must match [A-Za-z0-9._-]{1,64}, not be only dots, and not be a name the server acts as (server, retention)", *device)
	}
	for _, sc := range scopes {
		if err := care.CheckScope(sc); err != nil {
			return fmt.Errorf("token: %w", err)
		}
	}
	svc, store, err := openAuth(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	// Act as an admin would: the user with this role, the device enrolled
	// to them, and the scopes granted, so the server honours them.
	if _, err := svc.AddUser(ctx, *sub, *role, ""); err != nil {
		return err
	}
	if err := svc.EnsureDevice(ctx, *sub, *device); err != nil {
		return err
	}
	for _, sc := range scopes {
		inc := strings.TrimPrefix(sc, "incident:")
		if err := store.GrantScope(ctx, care.Grant{Subject: *sub, IncidentID: strings.ToLower(inc), GrantedAt: time.Now().UTC(), GrantedBy: "token-command"}); err != nil {
			return err
		}
	}
	tok, err := svc.Tokens().Issue(care.Principal{Subject: *sub, Role: *role, DeviceID: *device, Scopes: scopes}, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// openAuth opens the database and the auth service over its signing keys.
func openAuth(ctx context.Context, dbPath string) (*auth.Service, store, error) {
	store, err := openStore(ctx, dbPath)
	if err != nil {
		return nil, nil, err
	}
	keys, err := loadKeys(dbPath)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return auth.NewService(store, auth.NewTokens(keys, time.Now), time.Now), store, nil
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// selfCommand is how a person runs this program again: "go run ./server"
// when it was started by go run (its binary is in a go-build folder), else
// the path it was started as (/app/continuity in the container image).
func selfCommand() string {
	exe := os.Args[0]
	if strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return "go run ./server"
	}
	return exe
}

// newLogger returns the server's logger on w in the format --log-format
// names: text (slog's key=value) or json.
func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("%q is not a log format: use text or json", format)
}

// metricsMux answers GET /metrics, and 404 for anything else.
func metricsMux(h http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return mux
}
