package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// couchInstall is how to install the pouchdb-server the couch case runs.
const couchInstall = "npm install --prefix /tmp/pouch pouchdb-server@4.2.0"

// couchDatabase is the database the couch case writes to and reads from.
const couchDatabase = "residents"

// errCouchNeedsCmd is the error of a couch case run without --couch-cmd.
var errCouchNeedsCmd = errors.New("--case couch needs --couch-cmd, the path of pouchdb-server's command: install it with `" +
	couchInstall + "` and pass --couch-cmd /tmp/pouch/node_modules/.bin/pouchdb-server")

// couchResults are the figures of the couch case: the same residents pushed
// to, then pulled from, Continuity and pouchdb-server in one run.
type couchResults struct {
	Config  config
	Machine machine
	Date    time.Time
	// Records is how many new residents each server was sent.
	Records int
	// Couch names pouchdb-server's version and the Node.js it ran on.
	Couch string
	// Ours is Continuity's figures, Theirs pouchdb-server's.
	Ours, Theirs serverFigures
}

// serverFigures are one server's figures in the couch case.
type serverFigures struct {
	// Push and Sync count records; their CPU is the bench client's.
	Push, Sync phase
	// PushCPU and SyncCPU are the server process's own CPU time over each
	// phase; zero when unknown.
	PushCPU, SyncCPU time.Duration
	// Pages is how many pages the initial sync took.
	Pages int
	// Ready is the server's resident set size once it was ready, before
	// either phase, and Peak its peak (VmHWM) after both; bytes.
	Ready, Peak int64
}

// runCouch runs the couch case in a temporary folder under cfg.Dir:
// Continuity's server (an ingest server in a child process, SQLite on an
// on-disk file) and pouchdb-server (command, a child process with LevelDB on
// disk) both start; then each in turn is sent cfg.Records new residents by
// cfg.Devices writers in batches of cfg.Batch and has them pulled by one
// reader from nothing at cfg.PullLimit a page. Every document must be
// acknowledged and every record pulled.
func runCouch(ctx context.Context, cfg config, command string) (couchResults, error) {
	res := couchResults{Config: cfg, Machine: thisMachine(), Date: time.Now(), Records: cfg.Records}
	res.Machine.SQLite, _, _ = sqlite3.Version()
	dir, err := os.MkdirTemp(cfg.Dir, "continuity-bench-*")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	res.Config.Dir = dir

	cfg.logf("generating %d new residents for %d writers in batches of %d", cfg.Records, cfg.Devices, cfg.Batch)
	w, err := newPushWorkload(cfg.Devices, cfg.Records, cfg.Batch, 0, cfg.Seed)
	if err != nil {
		return res, err
	}
	docs, err := couchWriters(w)
	if err != nil {
		return res, err
	}

	cfg.logf("starting Continuity and pouchdb-server")
	// One device more than the writers: the last is the reader, enrolled
	// and granted the incident but never pushing.
	ours, err := startIngestChild(ctx, filepath.Join(dir, "continuity"), cfg.Devices+1, w.Incident, serverProfile(cfg.CPUProfile, "couch-server-"+cfg.IDs))
	if err != nil {
		return res, fmt.Errorf("continuity: %w", err)
	}
	defer ours.close()
	theirs, err := startCouch(ctx, command, filepath.Join(dir, "pouchdb-server"))
	if err != nil {
		return res, fmt.Errorf("pouchdb-server: %w", err)
	}
	defer theirs.close()
	res.Couch = "pouchdb-server " + theirs.Version + " on Node.js " + theirs.runtime(ctx)
	db := &couchClient{db: theirs.URL + "/" + couchDatabase, client: newClient(cfg.Devices)}
	defer db.client.CloseIdleConnections()
	if err := db.create(ctx); err != nil {
		return res, fmt.Errorf("pouchdb-server: %w", err)
	}
	if res.Ours.Ready, err = processStatus(ours.pid(), "VmRSS:"); err != nil {
		return res, err
	}
	if res.Theirs.Ready, err = processStatus(theirs.pid(), "VmRSS:"); err != nil {
		return res, err
	}

	pusher := &ingestRun{url: ours.info.URL, client: newClient(cfg.Devices), tokens: ours.info.Tokens[:cfg.Devices], w: w}
	defer pusher.client.CloseIdleConnections()
	reader := &syncRun{url: ours.info.URL, client: newClient(1), token: ours.info.Tokens[cfg.Devices]}
	defer reader.close()
	if err := res.Ours.run(ctx, cfg, "continuity", ours.pid(), pusher.push, func(ctx context.Context) (pullStats, time.Duration, error) {
		return reader.pull(ctx, cfg.PullLimit)
	}); err != nil {
		return res, fmt.Errorf("continuity: %w", err)
	}
	if err := res.Theirs.run(ctx, cfg, "pouchdb", theirs.pid(), func(ctx context.Context) (int, time.Duration, error) {
		return db.push(ctx, docs)
	}, func(ctx context.Context) (pullStats, time.Duration, error) {
		return db.changes(ctx, cfg.PullLimit)
	}); err != nil {
		return res, fmt.Errorf("pouchdb-server: %w", err)
	}
	if res.Ours.Peak, err = processStatus(ours.pid(), "VmHWM:"); err != nil {
		return res, err
	}
	if res.Theirs.Peak, err = processStatus(theirs.pid(), "VmHWM:"); err != nil {
		return res, err
	}
	logged, err := ours.finish()
	if err != nil {
		return res, fmt.Errorf("continuity: %w", err)
	}
	if logged != int64(cfg.Records) {
		return res, fmt.Errorf("continuity: change log holds %d changes, want %d", logged, cfg.Records)
	}
	return res, theirs.close()
}

// run times one server's push (push, as every writer at once) and then its
// initial sync (pull), with the server process pid's CPU time over each,
// and checks each handled every record. Label names the server in progress
// lines and CPU profiles.
func (f *serverFigures) run(ctx context.Context, cfg config, label string, pid int,
	push func(context.Context) (int, time.Duration, error), pull func(context.Context) (pullStats, time.Duration, error)) error {
	cfg.logf("%s: push", label)
	var err error
	f.Push, f.PushCPU, err = measureServer(cfg, "couch-push-"+label+"-"+cfg.IDs, pid, func() (int, time.Duration, error) { return push(ctx) })
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	if f.Push.Items != cfg.Records {
		return fmt.Errorf("push: %d records acknowledged, want %d", f.Push.Items, cfg.Records)
	}
	cfg.logf("%s: initial sync at %d a page", label, cfg.PullLimit)
	var st pullStats
	f.Sync, f.SyncCPU, err = measureServer(cfg, "couch-pull-"+label+"-"+cfg.IDs, pid, func() (int, time.Duration, error) {
		s, el, err := pull(ctx)
		st = s
		return s.Records, el, err
	})
	if err != nil {
		return fmt.Errorf("initial sync: %w", err)
	}
	if st.Records != cfg.Records {
		return fmt.Errorf("initial sync: pulled %d records, want %d", st.Records, cfg.Records)
	}
	f.Pages = st.Pages
	return nil
}

// measureServer runs a timed phase with measure and returns, besides, the
// CPU time the server process pid used over it (zero when unknown).
func measureServer(cfg config, name string, pid int, f func() (int, time.Duration, error)) (phase, time.Duration, error) {
	c0, ok0 := childCPU(pid)
	p, err := measure(cfg, name, f)
	c1, ok1 := childCPU(pid)
	if !ok0 || !ok1 {
		return p, 0, err
	}
	return p, c1 - c0, err
}

// couchBatch is one _bulk_docs request body and how many documents it holds.
type couchBatch struct {
	Body []byte
	Docs int
}

// couchWriters returns a creates-only workload's pushes as _bulk_docs bodies
// for as many writers: writer d sends, in order, the residents device d
// pushes, each as a document whose _id is the record's id and whose other
// members are the change's fields.
func couchWriters(w *pushWorkload) ([][]couchBatch, error) {
	if w.Updates > 0 {
		return nil, errors.New("couch: the workload must be creates only")
	}
	out := make([][]couchBatch, len(w.Devices))
	for i, rows := range w.RawBatches {
		docs := make([]map[string]json.RawMessage, len(rows))
		for j, row := range rows {
			var c struct {
				RecordID string                     `json:"record_id"`
				Fields   map[string]json.RawMessage `json:"fields"`
			}
			if err := json.Unmarshal(row.Body, &c); err != nil {
				return nil, fmt.Errorf("couch: change %s: %w", row.ID, err)
			}
			doc := maps.Clone(c.Fields)
			doc["_id"] = jsonValue(c.RecordID)
			docs[j] = doc
		}
		body, err := json.Marshal(map[string]any{"docs": docs})
		if err != nil {
			return nil, err
		}
		// Batch i went to device i mod devices (newPushWorkload deals them
		// round-robin).
		d := i % len(w.Devices)
		out[d] = append(out[d], couchBatch{Body: body, Docs: len(rows)})
	}
	return out, nil
}

// couchClient speaks the little of CouchDB's HTTP API the couch case needs,
// to one database, with no credentials (pouchdb-server's default).
type couchClient struct {
	// db is the database's URL.
	db     string
	client *http.Client
}

// create makes the database.
func (c *couchClient) create(ctx context.Context) error {
	var resp struct {
		OK bool `json:"ok"`
	}
	if err := callStatus(ctx, c.client, http.MethodPut, c.db, "", nil, &resp, http.StatusCreated, http.StatusAccepted); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	if !resp.OK {
		return errors.New("create database: not ok")
	}
	return nil
}

// couchDocResult is one document's answer in a _bulk_docs response.
type couchDocResult struct {
	ID     string `json:"id"`
	OK     bool   `json:"ok"`
	Rev    string `json:"rev"`
	Error  string `json:"error"`
	Reason string `json:"reason"`
}

// bulkDocs sends one batch and checks every document in it was stored.
func (c *couchClient) bulkDocs(ctx context.Context, b couchBatch) error {
	var res []couchDocResult
	if err := callStatus(ctx, c.client, http.MethodPost, c.db+"/_bulk_docs", "", b.Body, &res, http.StatusCreated, http.StatusAccepted); err != nil {
		return err
	}
	if len(res) != b.Docs {
		return fmt.Errorf("%d results for %d documents", len(res), b.Docs)
	}
	for _, r := range res {
		if !r.OK || r.Error != "" || r.Rev == "" {
			return fmt.Errorf("document %s not stored: %s: %s", r.ID, r.Error, r.Reason)
		}
	}
	return nil
}

// push has every writer send its batches at once, each writer one request
// at a time. It returns the documents stored and the wall time from the
// first request to the last response; it fails on the first document not
// stored.
func (c *couchClient) push(ctx context.Context, writers [][]couchBatch) (int, time.Duration, error) {
	return writeAll(ctx, len(writers), func(ctx context.Context, w int) (int, error) {
		n := 0
		for i, b := range writers[w] {
			if err := c.bulkDocs(ctx, b); err != nil {
				return n, fmt.Errorf("writer %d batch %d: %w", w+1, i, err)
			}
			n += b.Docs
		}
		return n, nil
	})
}

// couchPage is a _changes page as fetched: its body, its results as counted
// by their "seq" keys, and its last_seq read from its end.
type couchPage struct {
	body    []byte
	results int
	lastSeq string
}

// couchChanges is as much of a _changes page as the couch case checks.
type couchChanges struct {
	Results []struct {
		ID      string `json:"id"`
		Deleted bool   `json:"deleted"`
		Doc     *struct {
			ID string `json:"_id"`
		} `json:"doc"`
	} `json:"results"`
	LastSeq json.RawMessage `json:"last_seq"`
}

var (
	// seqKey is in each result of a _changes page. Inside a JSON string
	// every quote is escaped, so it can only be a key (a document holding a
	// "seq" member would be miscounted, which the decode would catch).
	seqKey = []byte(`"seq":`)
	// lastSeqKey opens a _changes page's tail.
	lastSeqKey = []byte(`"last_seq":`)
)

// readCouchTail reads a _changes page's last_seq from its end and counts
// its results, without decoding them.
func readCouchTail(body []byte) (couchPage, error) {
	p := couchPage{body: body, results: bytes.Count(body, seqKey)}
	i := bytes.LastIndex(body, lastSeqKey)
	if i < 0 {
		return p, errors.New("changes page has no last_seq")
	}
	var t struct {
		LastSeq json.RawMessage `json:"last_seq"`
	}
	tail := append([]byte{'{'}, body[i:]...)
	if err := json.Unmarshal(tail, &t); err != nil {
		return p, fmt.Errorf("changes page tail: %w", err)
	}
	var err error
	p.lastSeq, err = seqString(t.LastSeq)
	return p, err
}

// seqString returns a sequence as since= takes it: CouchDB 2 and later send
// an opaque string, PouchDB a number.
func seqString(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", fmt.Errorf("sequence %s is neither a string nor a number", raw)
	}
	return n.String(), nil
}

// changes performs an initial sync from _changes with include_docs: from no
// sequence, limit a page, following last_seq until a page holds fewer than
// limit results. Like the Continuity client (syncRun.pull) it reads each
// page's last_seq from the page's end and counts its results, asks for the
// next page, and meanwhile decodes the page in another goroutine (each
// result's id and document, and the count and last_seq again, which must
// agree); the time ends when the last page is decoded. Records are the
// results that carry their document and are not deletions.
func (c *couchClient) changes(ctx context.Context, limit int) (pullStats, time.Duration, error) {
	var (
		st    pullStats
		since string
	)
	fetch := func(ctx context.Context) (couchPage, bool, error) {
		u := fmt.Sprintf("%s/_changes?include_docs=true&limit=%d", c.db, limit)
		if since != "" {
			u += "&since=" + url.QueryEscape(since)
		}
		body, err := get(ctx, c.client, u, "")
		if err != nil {
			return couchPage{}, false, err
		}
		p, err := readCouchTail(body)
		if err != nil {
			return p, false, err
		}
		if p.results > 0 && p.lastSeq == since {
			return p, false, fmt.Errorf("changes: last_seq stayed at %q after %d results", since, p.results)
		}
		since = p.lastSeq
		return p, p.results >= limit, nil
	}
	decode := func(p couchPage) error {
		var page couchChanges
		if err := json.Unmarshal(p.body, &page); err != nil {
			return fmt.Errorf("decode changes page %d: %w", st.Pages+1, err)
		}
		if seq, err := seqString(page.LastSeq); err != nil || seq != p.lastSeq || len(page.Results) != p.results {
			return fmt.Errorf("changes page %d: tail read %q and %d results, page says %s and %d", st.Pages+1, p.lastSeq, p.results, page.LastSeq, len(page.Results))
		}
		st.Pages++
		st.Changes += len(page.Results)
		for _, r := range page.Results {
			if r.Deleted {
				continue
			}
			if r.Doc == nil || r.Doc.ID != r.ID {
				return fmt.Errorf("changes page %d: %s came without its document", st.Pages, r.ID)
			}
			st.Records++
		}
		return nil
	}
	elapsed, err := pipeline(ctx, fetch, decode)
	return st, elapsed, err
}

// couchServer is pouchdb-server running as a child process on a loopback
// port, its LevelDB files, configuration and log in one folder.
type couchServer struct {
	// URL is the server's root; Version what the root says it is.
	URL, Version string
	cmd          *exec.Cmd
	out          string // the file its standard output and error go to
	exited       chan struct{}
	waitErr      error
	closed       bool
}

// startCouch starts command (pouchdb-server) on a free loopback port with
// its databases under dir/data, logging only errors, and waits until it
// answers.
func startCouch(ctx context.Context, command, dir string) (*couchServer, error) {
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	// At its default level (info) it logs a line per request to a file
	// that, without --no-stdout-logs, it also tails to its output.
	conf, err := json.Marshal(map[string]any{"log": map[string]string{"file": filepath.Join(dir, "log.txt"), "level": "error"}})
	if err != nil {
		return nil, err
	}
	confPath := filepath.Join(dir, "config.json")
	if err := os.WriteFile(confPath, conf, 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "output.txt")
	f, err := os.Create(out)
	if err != nil {
		return nil, err
	}
	defer f.Close() // the child has its own descriptor
	cmd := exec.CommandContext(ctx, command, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--dir", data, "--config", confPath, "--no-stdout-logs")
	cmd.Dir = dir // anything else it writes stays in the run's folder
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", command, err)
	}
	s := &couchServer{URL: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, out: out, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := s.ready(ctx, time.Minute); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// ready waits up to limit for the server's root to answer with its version.
func (s *couchServer) ready(ctx context.Context, limit time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(limit)
	for {
		var root struct {
			Version string `json:"version"`
		}
		err := callStatus(ctx, client, http.MethodGet, s.URL+"/", "", nil, &root, http.StatusOK)
		if err == nil && root.Version != "" {
			s.Version = root.Version
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("exited before answering (%v): %s", s.waitErr, s.output())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer at %s within %v (last: %v): %s", s.URL, limit, err, s.output())
		}
	}
}

// output returns the end of what the server printed.
func (s *couchServer) output() string {
	b, _ := os.ReadFile(s.out)
	b = bytes.TrimSpace(b)
	if len(b) > 2048 {
		b = b[len(b)-2048:]
	}
	if len(b) == 0 {
		return "(no output)"
	}
	return string(b)
}

// pid returns the server's process id (pouchdb-server's command is a Node.js
// script, so this is the node process serving).
func (s *couchServer) pid() int { return s.cmd.Process.Pid }

// runtime returns the version of the program running the server (node), or
// "unknown".
func (s *couchServer) runtime(ctx context.Context) string {
	exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(s.pid()), "exe"))
	if err != nil {
		return "unknown"
	}
	out, err := exec.CommandContext(ctx, exe, "--version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// close stops the server with an interrupt (on which it exits at once),
// killing it after 10 seconds. It fails if the server had exited before.
func (s *couchServer) close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	select {
	case <-s.exited:
		return fmt.Errorf("pouchdb-server exited early (%v): %s", s.waitErr, s.output())
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return errors.New("pouchdb-server did not stop on an interrupt; killed")
	}
	return nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// writeCouchReport prints the couch case's table for one kind of ids, with
// the machine and the workload. With one run it prints that run's figures;
// with more, each measure's median over the runs and its range, each ratio
// the median of the ratios within each run, and how many runs.
func writeCouchReport(w io.Writer, runs []couchResults) {
	if len(runs) == 0 {
		return
	}
	r := runs[0]
	c := r.Config
	k := couchKind{IDs: c.IDs, Runs: runs}
	// A server's pages are the same in every run unless it paged
	// differently: then their median and range.
	oursPages, theirsPages := k.figures(func(f serverFigures) float64 { return float64(f.Pages) })
	pages := func(xs []float64) string {
		s := spreadOf(xs)
		if s.Min == s.Max {
			return decimals(0)(s.Median)
		}
		return s.format(len(runs), decimals(0), "")
	}
	fmt.Fprintf(w, "Continuity beside pouchdb-server, %s\n\n", r.Date.Format("2006-01-02 15:04 MST"))
	writeMachine(w, r.Machine)
	fmt.Fprintf(w, "servers:  Continuity (child process, SQLite on an on-disk file, WAL, synchronous=FULL) and %s (child process, LevelDB on disk, log level error), on loopback, files in %s\n", r.Couch, c.Dir)
	fmt.Fprintf(w, "push:     %s new six-field residents dealt to %d writers in batches of %d, each writer one request at a time (POST /v1/sync/push; POST /%s/_bulk_docs), %s ids as record ids and document _ids\n",
		group(float64(r.Records)), c.Devices, c.Batch, couchDatabase, c.IDs)
	fmt.Fprintf(w, "sync:     one reader from nothing, %s a page, each page decoded while the next is fetched (GET /v1/sync/pull; GET /%s/_changes?include_docs=true), pages: %s and %s\n",
		group(float64(c.PullLimit)), couchDatabase, pages(oursPages), pages(theirsPages))
	if len(runs) > 1 {
		fmt.Fprintf(w, "runs:     %d with %s ids, each on fresh servers with freshly generated residents, alternating with the other kind of ids when both run; "+
			"each figure is the median over the %d runs and its range (min–max), each ratio the median of the ratios within each run\n", len(runs), c.IDs, len(runs))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| measure | Continuity | pouchdb-server | Continuity / pouchdb-server |")
	fmt.Fprintln(w, "|---|--:|--:|--:|")
	row := func(name string, format func(float64) string, value func(serverFigures) float64) {
		ours, theirs := k.figures(value)
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", name, spreadOf(ours).format(len(runs), format, ""), spreadOf(theirs).format(len(runs), format, ""),
			spreadOf(ratiosWithin(ours, theirs)).format(len(runs), decimals(2), "×"))
	}
	busy := func(cpu time.Duration, p phase) float64 {
		if p.Elapsed <= 0 {
			return 0
		}
		return cpu.Seconds() / p.Elapsed.Seconds()
	}
	row("push (records/s)", group, pushRate)
	row("initial sync (records/s)", group, func(f serverFigures) float64 { return f.Sync.rate() })
	row("peak RSS (MB)", decimals(1), func(f serverFigures) float64 { return float64(f.Peak) / (1 << 20) })
	row("RSS when ready (MB)", decimals(1), func(f serverFigures) float64 { return float64(f.Ready) / (1 << 20) })
	row("push wall (s)", decimals(2), func(f serverFigures) float64 { return f.Push.Elapsed.Seconds() })
	row("initial sync wall (s)", decimals(2), func(f serverFigures) float64 { return f.Sync.Elapsed.Seconds() })
	row("server CPU cores busy, push", decimals(2), func(f serverFigures) float64 { return busy(f.PushCPU, f.Push) })
	row("server CPU cores busy, initial sync", decimals(2), func(f serverFigures) float64 { return busy(f.SyncCPU, f.Sync) })
}

// The couch case's aims: push beside pouchdb-server, by kind of ids.
const (
	aimCouchPushV7 = 3.0
	aimCouchPushV4 = 2.0
)

// writeCouchAims prints the couch aims (couchAims) with their results: for
// each kind of ids its push ratio to pouchdb-server and Continuity's peak
// RSS, and, with both kinds, Continuity's own v4 / v7 push ratio.
func writeCouchAims(w io.Writer, kinds []couchKind) {
	fmt.Fprintln(w, "| aim | measured | aim | result |")
	fmt.Fprintln(w, "|---|--:|--:|---|")
	for _, a := range couchAims(kinds) {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", a.Name, a.Measured, a.Aim, verdict(a.Met))
	}
}
