package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeCouch speaks the little of CouchDB's HTTP API the couch case uses, as
// pouchdb-server answers it: the root, PUT /db, POST /db/_bulk_docs (a
// document whose _id is taken is a conflict) and GET /db/_changes with
// include_docs, since and limit (results oldest first, each the document's
// latest, its seq after its doc). It stands in for the real server in unit
// tests; the comparison itself runs against pouchdb-server.
type fakeCouch struct {
	// stringSeqs sends sequences as strings, as CouchDB 2 and later do.
	stringSeqs bool
	// noDocs leaves the documents out of _changes results.
	noDocs bool

	mu   sync.Mutex
	dbs  map[string][]map[string]json.RawMessage // documents in seq order
	seen map[string]bool                         // database/_id taken
}

func newFakeCouch() *fakeCouch {
	return &fakeCouch{dbs: map[string][]map[string]json.RawMessage{}, seen: map[string]bool{}}
}

func (f *fakeCouch) seq(n int) any {
	if f.stringSeqs {
		return fmt.Sprintf("%d-g1AAAA", n)
	}
	return n
}

func (f *fakeCouch) parseSeq(s string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(s, "-g1AAAA"))
	return n
}

func (f *fakeCouch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	send := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	db, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/":
		send(http.StatusOK, map[string]string{"express-pouchdb": "Welcome!", "version": "fake"})
	case r.Method == http.MethodPut && rest == "":
		if _, ok := f.dbs[db]; ok {
			send(http.StatusPreconditionFailed, map[string]string{"error": "file_exists"})
			return
		}
		f.dbs[db] = nil
		send(http.StatusCreated, map[string]bool{"ok": true})
	case r.Method == http.MethodPost && rest == "_bulk_docs":
		var req struct {
			Docs []map[string]json.RawMessage `json:"docs"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Docs == nil {
			send(http.StatusBadRequest, map[string]string{"error": "bad_request"})
			return
		}
		var out []map[string]any
		for i, d := range req.Docs {
			var id string
			if err := json.Unmarshal(d["_id"], &id); err != nil || id == "" {
				send(http.StatusBadRequest, map[string]string{"error": "bad_request"})
				return
			}
			if f.seen[db+"/"+id] {
				out = append(out, map[string]any{"id": id, "error": "conflict", "reason": "Document update conflict"})
				continue
			}
			f.seen[db+"/"+id] = true
			rev := fmt.Sprintf("1-%032x", len(f.dbs[db])+i)
			d["_rev"] = jsonValue(rev)
			f.dbs[db] = append(f.dbs[db], d)
			out = append(out, map[string]any{"ok": true, "id": id, "rev": rev})
		}
		send(http.StatusCreated, out)
	case r.Method == http.MethodGet && rest == "_changes":
		docs, ok := f.dbs[db]
		if !ok {
			send(http.StatusNotFound, map[string]string{"error": "not_found"})
			return
		}
		since := f.parseSeq(r.URL.Query().Get("since"))
		limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
		if err != nil || r.URL.Query().Get("include_docs") != "true" {
			send(http.StatusBadRequest, map[string]string{"error": "bad_request"})
			return
		}
		type result struct {
			ID      string                     `json:"id"`
			Changes []map[string]string        `json:"changes"`
			Doc     map[string]json.RawMessage `json:"doc,omitempty"`
			Seq     any                        `json:"seq"`
		}
		results := []result{}
		last := since
		for i := since; i < len(docs) && len(results) < limit; i++ {
			var id, rev string
			_ = json.Unmarshal(docs[i]["_id"], &id)
			_ = json.Unmarshal(docs[i]["_rev"], &rev)
			res := result{ID: id, Changes: []map[string]string{{"rev": rev}}, Seq: f.seq(i + 1)}
			if !f.noDocs {
				res.Doc = docs[i]
			}
			results = append(results, res)
			last = i + 1
		}
		send(http.StatusOK, map[string]any{"results": results, "last_seq": f.seq(last)})
	default:
		send(http.StatusNotFound, map[string]string{"error": "not_found"})
	}
}

// fakeCouchEnv, when set, makes the test binary a fake pouchdb-server
// command (fakeCouchMain).
const fakeCouchEnv = "CONTINUITY_BENCH_FAKE_COUCH"

// fakeCouchMain serves fakeCouch on the --host and --port it is given, as
// pouchdb-server's command would, until interrupted; with --version it
// prints one, as node does.
func fakeCouchMain() int {
	fs := flag.NewFlagSet("pouchdb-server", flag.ContinueOnError)
	host := fs.String("host", "127.0.0.1", "")
	port := fs.Int("port", 5984, "")
	fs.String("dir", ".", "")
	fs.String("config", "config.json", "")
	fs.Bool("no-stdout-logs", false, "")
	version := fs.Bool("version", false, "")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if *version {
		fmt.Println("v0.0.0-fake")
		return 0
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(*port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() { _ = http.Serve(ln, newFakeCouch()) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	return 0
}

// TestBench_CouchWriters checks the couch writers send the residents the
// devices push: writer d's batches hold, in order, device d's changes'
// records, as documents with the record id and the six fields.
func TestBench_CouchWriters(t *testing.T) {
	t.Run("same residents", func(t *testing.T) {
		w, err := newPushWorkload(3, 250, 40, 0, 5)
		if err != nil {
			t.Fatal(err)
		}
		writers, err := couchWriters(w)
		if err != nil {
			t.Fatal(err)
		}
		if len(writers) != 3 {
			t.Fatalf("%d writers, want 3", len(writers))
		}
		total := 0
		for d, batches := range writers {
			if len(batches) != len(w.Devices[d].Bodies) {
				t.Fatalf("writer %d has %d batches, device %d pushes", d, len(batches), len(w.Devices[d].Bodies))
			}
			for i, b := range batches {
				var push struct {
					Changes []struct {
						RecordID string                     `json:"record_id"`
						Fields   map[string]json.RawMessage `json:"fields"`
					} `json:"changes"`
				}
				var docs struct {
					Docs []map[string]json.RawMessage `json:"docs"`
				}
				if err := json.Unmarshal(w.Devices[d].Bodies[i], &push); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(b.Body, &docs); err != nil {
					t.Fatal(err)
				}
				if b.Docs != len(docs.Docs) || len(docs.Docs) != len(push.Changes) {
					t.Fatalf("writer %d batch %d: %d docs (says %d), device pushes %d", d, i, len(docs.Docs), b.Docs, len(push.Changes))
				}
				for j, c := range push.Changes {
					doc := docs.Docs[j]
					if got := string(doc["_id"]); got != strconv.Quote(c.RecordID) {
						t.Errorf("doc _id %s, record %s", got, c.RecordID)
					}
					if len(doc) != 7 || len(c.Fields) != 6 {
						t.Errorf("doc has %d members, change %d fields; want 7 and 6", len(doc), len(c.Fields))
					}
					for k, v := range c.Fields {
						if !bytes.Equal(doc[k], v) {
							t.Errorf("doc %s = %s, change has %s", k, doc[k], v)
						}
					}
				}
				total += len(docs.Docs)
			}
		}
		if total != 250 {
			t.Errorf("%d docs, want 250", total)
		}
	})
	t.Run("updates refused", func(t *testing.T) {
		w, err := newPushWorkload(2, 100, 20, 0.5, 5)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := couchWriters(w); err == nil {
			t.Error("couchWriters accepted a workload with updates")
		}
	})
}

// TestCouchClient_Push checks the writers' documents are all stored and
// that one refused document fails the push.
func TestCouchClient_Push(t *testing.T) {
	ctx := context.Background()
	w, err := newPushWorkload(4, 330, 50, 0, 6)
	if err != nil {
		t.Fatal(err)
	}
	writers, err := couchWriters(w)
	if err != nil {
		t.Fatal(err)
	}
	fake := newFakeCouch()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c := &couchClient{db: srv.URL + "/residents", client: newClient(4)}
	t.Run("create", func(t *testing.T) {
		if err := c.create(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.create(ctx); err == nil {
			t.Error("creating an existing database did not fail")
		}
	})
	t.Run("all stored", func(t *testing.T) {
		n, elapsed, err := c.push(ctx, writers)
		if err != nil || n != 330 || elapsed <= 0 {
			t.Fatalf("push = %d, %v, %v; want 330 stored", n, elapsed, err)
		}
		if got := len(fake.dbs["residents"]); got != 330 {
			t.Errorf("server holds %d documents, want 330", got)
		}
	})
	t.Run("conflict fails", func(t *testing.T) {
		_, _, err := c.push(ctx, writers)
		if err == nil || !strings.Contains(err.Error(), "conflict") {
			t.Errorf("pushing the same documents again: %v; want a conflict", err)
		}
	})
	t.Run("short answer fails", func(t *testing.T) {
		b := writers[0][0]
		b.Docs++
		if err := c.bulkDocs(ctx, b); err == nil {
			t.Error("bulkDocs accepted fewer results than documents")
		}
	})
}

// TestCouchClient_Changes checks the initial sync from _changes counts every
// record over the pages it should, whichever way sequences are written, and
// fails on pages that do not carry their documents.
func TestCouchClient_Changes(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name                  string
		records, limit, pages int
		stringSeqs            bool
	}{
		{"last page short", 250, 100, 3, false},
		{"last page empty", 200, 100, 3, false},
		{"one page", 40, 100, 1, false},
		{"empty", 0, 100, 1, false},
		{"string sequences", 250, 100, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeCouch()
			fake.stringSeqs = tc.stringSeqs
			srv := httptest.NewServer(fake)
			defer srv.Close()
			c := &couchClient{db: srv.URL + "/residents", client: newClient(1)}
			if err := c.create(ctx); err != nil {
				t.Fatal(err)
			}
			if tc.records > 0 {
				w, err := newPushWorkload(2, tc.records, 30, 0, 8)
				if err != nil {
					t.Fatal(err)
				}
				writers, err := couchWriters(w)
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := c.push(ctx, writers); err != nil {
					t.Fatal(err)
				}
			}
			st, _, err := c.changes(ctx, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if st.Records != tc.records || st.Changes != tc.records || st.Pages != tc.pages {
				t.Errorf("changes = %+v; want %d records over %d pages", st, tc.records, tc.pages)
			}
		})
	}
	t.Run("no documents", func(t *testing.T) {
		fake := newFakeCouch()
		fake.noDocs = true
		srv := httptest.NewServer(fake)
		defer srv.Close()
		c := &couchClient{db: srv.URL + "/residents", client: newClient(1)}
		if err := c.create(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.bulkDocs(ctx, couchBatch{Body: []byte(`{"docs":[{"_id":"a"},{"_id":"b"}]}`), Docs: 2}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.changes(ctx, 10); err == nil || !strings.Contains(err.Error(), "without its document") {
			t.Errorf("changes without documents: %v; want an error", err)
		}
	})
}

// TestBench_ReadCouchTail checks a _changes page's last_seq and result count
// are read without decoding it, and a page that would be miscounted is
// caught by the decode.
func TestBench_ReadCouchTail(t *testing.T) {
	t.Run("number", func(t *testing.T) {
		p, err := readCouchTail([]byte(`{"results":[{"id":"a","doc":{"notes":"\"seq\":1"},"seq":1},{"id":"b","seq":2}],"last_seq":2}` + "\n"))
		if err != nil || p.lastSeq != "2" || p.results != 2 {
			t.Errorf("readCouchTail = %q, %d, %v; want 2, 2", p.lastSeq, p.results, err)
		}
	})
	t.Run("string", func(t *testing.T) {
		p, err := readCouchTail([]byte(`{"results":[],"last_seq":"7-g1AAAA","pending":0}`))
		if err != nil || p.lastSeq != "7-g1AAAA" || p.results != 0 {
			t.Errorf("readCouchTail = %q, %d, %v; want 7-g1AAAA, 0", p.lastSeq, p.results, err)
		}
	})
	t.Run("no tail", func(t *testing.T) {
		if _, err := readCouchTail([]byte(`{"results":[]}`)); err == nil {
			t.Error("readCouchTail accepted a page with no last_seq")
		}
	})
	t.Run("miscounted", func(t *testing.T) {
		body := []byte(`{"results":[{"id":"a","doc":{"_id":"a","seq":9},"seq":1}],"last_seq":1}`)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }))
		defer srv.Close()
		c := &couchClient{db: srv.URL + "/residents", client: newClient(1)}
		if _, _, err := c.changes(context.Background(), 10); err == nil {
			t.Error("a page whose results were miscounted was accepted")
		}
	})
}

// TestBench_Couch runs the couch case end to end at toy sizes against the
// fake server as a command (this test binary re-executed), checking both
// servers were sent and gave back every record and the report has its rows.
func TestBench_Couch(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(fakeCouchEnv, "1")
	cfg := config{Devices: 3, Batch: 40, Records: 250, PullLimit: 100, Seed: 4, Dir: t.TempDir()}
	res, err := runCouch(context.Background(), cfg, exe)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]serverFigures{"continuity": res.Ours, "pouchdb-server": res.Theirs} {
		if f.Push.Items != 250 || f.Sync.Items != 250 || f.Pages != 3 || f.Peak <= 0 || f.Ready <= 0 || f.Peak < f.Ready/2 {
			t.Errorf("%s: %+v; want 250 pushed and pulled over 3 pages, and memory", name, f)
		}
	}
	var out bytes.Buffer
	writeCouchReport(&out, []couchResults{res})
	for _, want := range []string{"pouchdb-server fake on Node.js v0.0.0-fake", "| push (records/s) |", "| initial sync (records/s) |", "| peak RSS (MB) |", "| measure | Continuity | pouchdb-server | Continuity / pouchdb-server |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if entries, _ := os.ReadDir(cfg.Dir); len(entries) != 0 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// TestBench_CouchFlags checks the couch case fails, saying how to install
// pouchdb-server, when it has no command to run, alone or as part of the
// whole run (before anything is measured).
func TestBench_CouchFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no command", []string{"--case", "couch"}},
		{"missing command", []string{"--case", "couch", "--couch-cmd", "/nonexistent/pouchdb-server"}},
		{"missing command in the whole run", []string{"--couch-cmd", "/nonexistent/pouchdb-server"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), couchInstall) {
				t.Errorf("run %v: %v; want an error saying %q", tc.args, err, couchInstall)
			}
		})
	}
}
