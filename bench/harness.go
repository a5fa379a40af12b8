package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// benchServer is a Continuity server wired as `go run ./server` wires it
// (server/serve.go): the SQLite store on an on-disk file, real signing keys
// and JWT authentication, the sync service over the core collections, and the
// Fiber API listening on a loopback port.
type benchServer struct {
	URL   string
	Store benchStore
	Auth  *auth.Service
	Sync  *care.Sync
	api   *api.Server
	done  chan error

	closeOnce sync.Once
	closeErr  error
}

// benchStore is what the bench needs of a store: both stores are one.
type benchStore interface {
	care.Store
	care.AccessStore
	care.EpochRenewer
}

// startServer starts a server whose database and keys live in dir.
func startServer(ctx context.Context, dir string) (*benchServer, error) {
	store, err := sqlite.Open(ctx, filepath.Join(dir, "continuity.db"))
	if err != nil {
		return nil, err
	}
	return startServerOn(ctx, dir, store)
}

// startServerOn starts a server on store, its keys in dir; the server closes
// the store.
func startServerOn(ctx context.Context, dir string, store benchStore) (*benchServer, error) {
	keys, err := auth.LoadKeys(dir, time.Now())
	if err != nil {
		store.Close()
		return nil, err
	}
	// The server logs at Info to stderr; the bench keeps the handler (and
	// its cost) but drops the output.
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// The registry server/registry.go builds.
	reg := domain.Registry(domain.Options{})
	syn := care.NewSync(store, reg, time.Now, "server", log)
	svc := auth.NewService(store, auth.NewTokens(keys, time.Now), time.Now)
	svc.AccessTTL = 4 * time.Hour // outlive the longest run
	// The rate limiter still runs on every request; it is set never to trip
	// because the bench devices push far faster than any tablet.
	srv := api.New(api.Config{Store: store, Access: store, Sync: syn, Auth: svc, Logger: log, RateLimit: math.MaxInt32})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &benchServer{URL: "http://" + ln.Addr().String(), Store: store, Auth: svc, Sync: syn, api: srv, done: make(chan error, 1)}
	go func() { s.done <- srv.Serve(ln) }()
	return s, nil
}

// Close stops the server, waiting for in-flight requests, and closes the
// store. Later calls return the first call's result.
func (s *benchServer) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := s.api.Shutdown(ctx)
		if serr := <-s.done; serr != nil && !errors.Is(serr, net.ErrClosed) {
			err = errors.Join(err, serr)
		}
		s.closeErr = errors.Join(err, s.Store.Close())
	})
	return s.closeErr
}

// enrol adds a social worker, grants them the incident and enrols their
// device as an administrator would, returning the device's access token.
func (s *benchServer) enrol(ctx context.Context, subject, device, incident string) (string, error) {
	if _, err := s.Auth.AddUser(ctx, subject, benchRole, ""); err != nil {
		return "", fmt.Errorf("add user %s: %w", subject, err)
	}
	if err := s.Store.GrantScope(ctx, care.Grant{Subject: subject, IncidentID: incident, GrantedAt: time.Now().UTC(), GrantedBy: "bench"}); err != nil {
		return "", fmt.Errorf("grant %s: %w", subject, err)
	}
	pair, err := s.Auth.Enrol(ctx, subject, device)
	if err != nil {
		return "", fmt.Errorf("enrol %s: %w", device, err)
	}
	return pair.AccessToken, nil
}

// newClient returns an HTTP client keeping up to conns connections alive.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 10 * time.Minute,
		Transport: &http.Transport{
			MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute,
			DisableCompression: true,
		},
	}
}

// call sends a request with the bearer token and decodes a 200 response's
// JSON body into out.
func call(ctx context.Context, client *http.Client, method, u, token string, body []byte, out any) error {
	return callStatus(ctx, client, method, u, token, body, out, http.StatusOK)
}

// callStatus sends a request, with the bearer token unless it is empty, and
// decodes into out the JSON body of a response whose status is one of ok.
func callStatus(ctx context.Context, client *http.Client, method, u, token string, body []byte, out any, ok ...int) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if !slices.Contains(ok, resp.StatusCode) {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return fmt.Errorf("%s %s: status %d: %s", method, u, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode response: %w", method, u, err)
	}
	return nil
}

// ingestRun is a push-ingest run set up and ready: a fresh server with the
// workload's devices enrolled.
type ingestRun struct {
	srv    *benchServer // nil when the server is another process
	url    string
	client *http.Client
	tokens []string
	w      *pushWorkload
}

// newIngestRun starts a server in dir and enrols the workload's devices.
func newIngestRun(ctx context.Context, dir string, w *pushWorkload) (*ingestRun, error) {
	srv, err := startServer(ctx, dir)
	if err != nil {
		return nil, err
	}
	return ingestOn(ctx, srv, w)
}

// ingestOn enrols the workload's devices on srv, which the run then owns.
func ingestOn(ctx context.Context, srv *benchServer, w *pushWorkload) (*ingestRun, error) {
	r := &ingestRun{srv: srv, url: srv.URL, client: newClient(len(w.Devices)), w: w}
	for _, d := range w.Devices {
		tok, err := srv.enrol(ctx, d.Subject, d.Device, w.Incident)
		if err != nil {
			r.close()
			return nil, err
		}
		r.tokens = append(r.tokens, tok)
	}
	return r, nil
}

// push has every device send its pushes at once, each device one push at a
// time (waiting for each response, as the SDK does). It returns the number
// of changes applied and the wall time from the first push to the last
// response; it fails on the first change not applied.
func (r *ingestRun) push(ctx context.Context) (applied int, elapsed time.Duration, err error) {
	return writeAll(ctx, len(r.w.Devices), func(ctx context.Context, d int) (int, error) {
		dev := r.w.Devices[d]
		n := 0
		for i, body := range dev.Bodies {
			var resp syncproto.PushResponse
			if err := call(ctx, r.client, http.MethodPost, r.url+"/v1/sync/push", r.tokens[d], body, &resp); err != nil {
				return n, fmt.Errorf("device %s push %d: %w", dev.Device, i, err)
			}
			for _, res := range resp.Results {
				if res.Status != syncproto.StatusApplied {
					return n, fmt.Errorf("device %s push %d: change %s %s: %v", dev.Device, i, res.ID, res.Status, res.Error)
				}
			}
			n += len(resp.Results)
		}
		return n, nil
	})
}

// writeAll runs writers writers at once from a common start, writer w
// calling write(ctx, w) once, and returns the sum of what they wrote and the
// wall time from the start to the last writer's return. The first error
// cancels ctx for the others and is returned.
func writeAll(ctx context.Context, writers int, write func(ctx context.Context, w int) (int, error)) (written int, elapsed time.Duration, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		start = make(chan struct{})
	)
	counts := make([]int, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			n, err := write(ctx, w)
			counts[w] = n
			if err != nil {
				mu.Lock()
				if first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	elapsed = time.Since(t0)
	for _, n := range counts {
		written += n
	}
	return written, elapsed, first
}

// logged returns the number of changes in the server's change log.
func (r *ingestRun) logged(ctx context.Context) (int64, error) { return r.srv.Store.Head(ctx) }

func (r *ingestRun) close() error {
	r.client.CloseIdleConnections()
	return r.srv.Close()
}

// rawDSN opens a file as server/sqlite's writer does: WAL journal,
// synchronous=FULL, immediate transactions (opened with sqlite.WriterDriver,
// which adds the writer's checkpoint setting).
func rawDSN(path string) string {
	return "file:" + path + "?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_foreign_keys=on&_txlock=immediate"
}

// rawInsertSQL is the store's change-log insert, the id's key (migration
// 00022) taken from the id.
const rawInsertSQL = `INSERT INTO changes (id, id_key, collection, record_id, scope, op, hlc, device_id, subject, role, seen, recorded_at, received_at, body)
	VALUES (?1, unhex(replace(?1, '-', '')), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)`

// rawRun is the baseline: a single writer inserting change-log rows with a
// prepared statement, one transaction per batch, into a database migrated
// with the store's own migrations (so the changes table has the same columns
// and indexes).
type rawRun struct {
	db   *sql.DB
	stmt *sql.Stmt
}

// newRawRun creates and migrates the database at path.
func newRawRun(ctx context.Context, path string) (*rawRun, error) {
	db, err := sql.Open(sqlite.WriterDriver, rawDSN(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := sqlite.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	stmt, err := db.PrepareContext(ctx, rawInsertSQL)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &rawRun{db: db, stmt: stmt}, nil
}

// insert writes the batches, each in its own transaction, and returns the
// rows written and the wall time taken.
func (r *rawRun) insert(ctx context.Context, batches [][]rawRow) (rows int, elapsed time.Duration, err error) {
	t0 := time.Now()
	for _, b := range batches {
		if err := r.insertBatch(ctx, b); err != nil {
			return rows, time.Since(t0), err
		}
		rows += len(b)
	}
	return rows, time.Since(t0), nil
}

func (r *rawRun) insertBatch(ctx context.Context, b []rawRow) error {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	st := tx.StmtContext(ctx, r.stmt)
	received := time.Now().UTC().Format(time.RFC3339Nano)
	for _, x := range b {
		if _, err := st.ExecContext(ctx, x.ID, x.Collection, x.RecordID, x.Scope, x.Op, x.HLC, x.DeviceID,
			x.Subject, x.Role, x.Seen, x.RecordedAt, received, x.Body); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
	}
	return tx.Commit()
}

// count returns the number of rows in the changes table.
func (r *rawRun) count(ctx context.Context) (int, error) {
	var n int
	err := r.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM changes").Scan(&n)
	return n, err
}

// sqliteVersion returns the SQLite library's version.
func (r *rawRun) sqliteVersion(ctx context.Context) string {
	var v string
	if err := r.db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v); err != nil {
		return "unknown"
	}
	return v
}

func (r *rawRun) close() error {
	return errors.Join(r.stmt.Close(), r.db.Close())
}

// loadBatch is how many changes go into one store transaction when loading
// the initial-sync data set.
const loadBatch = 10000

// syncRun is an initial-sync run set up and ready: a server holding the
// record set and a freshly enrolled device granted its incident.
type syncRun struct {
	srv     *benchServer // nil when the server is another process
	url     string
	client  *http.Client
	token   string
	loading time.Duration
}

// newSyncRun starts a server in dir, loads the record set straight into the
// store (checked against the schema, in big transactions) and enrols the
// device that will pull.
func newSyncRun(ctx context.Context, dir string, set *recordSet) (*syncRun, error) {
	srv, err := startServer(ctx, dir)
	if err != nil {
		return nil, err
	}
	r := &syncRun{srv: srv, url: srv.URL, client: newClient(1)}
	t0 := time.Now()
	if err := load(ctx, srv, set); err != nil {
		r.close()
		return nil, err
	}
	r.loading = time.Since(t0)
	if r.token, err = srv.enrol(ctx, "sw-fresh", "tab-fresh", set.Incident); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// load applies the record set through the store, as a seeding social
// worker's device, checking fields against the schema.
func load(ctx context.Context, srv *benchServer, set *recordSet) error {
	reg := srv.Sync.Registry()
	check := func(_ schema.Lookup, c syncproto.Change, before, _ *syncproto.Record) care.Verdict {
		if e := reg.CheckFields(c, before); e != nil {
			return care.Verdict{Err: e}
		}
		return care.Verdict{Scope: reg.ScopeOf(c, before)}
	}
	p := care.Principal{Subject: "sw-seed", Role: benchRole, DeviceID: "seed-01"}
	for start := 0; start < len(set.Items); start += loadBatch {
		items := set.Items[start:min(start+loadBatch, len(set.Items))]
		res, err := care.Apply(ctx, srv.Store, care.Batch{Principal: p, ReceivedAt: time.Now(), Items: items, Check: check})
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		for _, r := range res.Results {
			if r.Status != syncproto.StatusApplied {
				return fmt.Errorf("load: change %s %s: %v", r.ID, r.Status, r.Error)
			}
		}
	}
	return nil
}

// pullStats is what an initial sync delivered.
type pullStats struct {
	Records, Changes, Pages int
}

// maxPages stops a pull that never ends.
const maxPages = 1_000_000

// pageTail is the end of a pull page: the attributes after its changes.
type pageTail struct {
	Cursor  string   `json:"cursor"`
	HasMore bool     `json:"has_more"`
	Purge   []string `json:"purge"`
}

// pageBody is as much of a pull page as the bench client checks: each
// change's record, and the tail (which must agree with the one read first).
type pageBody struct {
	Changes []struct {
		Collection string `json:"collection"`
		RecordID   string `json:"record_id"`
	} `json:"changes"`
	pageTail
}

// cursorKey opens a page's tail: the server writes cursor, has_more and
// purge after the changes array, and a key inside a change's JSON cannot
// end a page (the whole-page decode checks the tail it found is the page's).
var cursorKey = []byte(`"cursor":`)

// readTail reads a page's cursor and has_more from its end, without
// scanning its changes.
func readTail(body []byte) (pageTail, error) {
	var t pageTail
	i := bytes.LastIndex(body, cursorKey)
	if i < 0 {
		return t, errors.New("page has no cursor")
	}
	tail := make([]byte, 0, len(body)-i+1)
	tail = append(append(tail, '{'), body[i:]...)
	if err := json.Unmarshal(tail, &t); err != nil {
		return t, fmt.Errorf("page tail: %w", err)
	}
	return t, nil
}

// pull performs an initial sync over HTTP: from no cursor, limit records per
// page, until has_more is false. Like a client that stores page n while it
// fetches page n+1, it reads each page's cursor from the page's end, asks for
// the next page, and meanwhile decodes the page (its changes' records, and
// the cursor again, which must agree) in another goroutine; the time ends
// when the last page is decoded. Records are counted as runs of changes to
// one record, which is how a state walk delivers them (ordered by record, a
// record's changes never split across pages).
func (r *syncRun) pull(ctx context.Context, limit int) (pullStats, time.Duration, error) {
	var (
		st                     pullStats
		cursor                 string
		lastCollection, lastID string
	)
	fetch := func(ctx context.Context) ([]byte, bool, error) {
		u := fmt.Sprintf("%s/v1/sync/pull?limit=%d", r.url, limit)
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		body, err := get(ctx, r.client, u, r.token)
		if err != nil {
			return nil, false, err
		}
		t, err := readTail(body)
		if err != nil {
			return nil, false, err
		}
		cursor = t.Cursor
		return body, t.HasMore, nil
	}
	decode := func(body []byte) error {
		var page pageBody
		if err := json.Unmarshal(body, &page); err != nil {
			return fmt.Errorf("decode page %d: %w", st.Pages+1, err)
		}
		if t, _ := readTail(body); t.Cursor != page.Cursor || t.HasMore != page.HasMore {
			return fmt.Errorf("page %d: tail read %q/%v, page says %q/%v", st.Pages+1, t.Cursor, t.HasMore, page.Cursor, page.HasMore)
		}
		st.Pages++
		st.Changes += len(page.Changes)
		for i := range page.Changes {
			c := &page.Changes[i]
			if c.RecordID != lastID || c.Collection != lastCollection {
				st.Records++
				lastCollection, lastID = c.Collection, c.RecordID
			}
		}
		return nil
	}
	elapsed, err := pipeline(ctx, fetch, decode)
	return st, elapsed, err
}

// pipeline pages as a client that stores page n while it fetches page n+1:
// fetch returns the next page and whether another follows, and each page is
// handed to decode, in another goroutine, while the next is fetched. The
// time ends when the last page is decoded. After decode fails, the pages
// still fetched are dropped; fetching stops at its first error or after
// maxPages.
func pipeline[P any](ctx context.Context, fetch func(ctx context.Context) (page P, more bool, err error), decode func(page P) error) (time.Duration, error) {
	var (
		pages   = make(chan P, 2)
		decoded = make(chan error, 1)
	)
	t0 := time.Now()
	go func() {
		var err error
		for p := range pages {
			if err == nil {
				err = decode(p)
			}
		}
		decoded <- err
	}()
	err := func() error {
		for range maxPages {
			p, more, err := fetch(ctx)
			if err != nil {
				return err
			}
			pages <- p
			if !more {
				return nil
			}
		}
		return fmt.Errorf("pull: no end after %d pages", maxPages)
	}()
	close(pages)
	derr := <-decoded
	return time.Since(t0), errors.Join(err, derr)
}

// get sends a GET, with the bearer token unless it is empty, and returns a
// 200 response's body.
func get(ctx context.Context, client *http.Client, u, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return nil, fmt.Errorf("GET %s: status %d: %s", u, resp.StatusCode, b)
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, fmt.Errorf("GET %s: read: %w", u, err)
	}
	return buf.Bytes(), nil
}

func (r *syncRun) close() error {
	r.client.CloseIdleConnections()
	if r.srv == nil {
		return nil
	}
	return r.srv.Close()
}
