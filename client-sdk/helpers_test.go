package continuity

import (
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/syncproto"
)

// fakeJWT returns an unsigned token with the claims the SDK reads.
func fakeJWT(device, role string) string {
	enc := base64.RawURLEncoding
	h := enc.EncodeToString([]byte(`{"alg":"none"}`))
	p, _ := json.Marshal(map[string]any{"sub": "tester", "device_id": device, "role": role})
	return h + "." + enc.EncodeToString(p) + ".sig"
}

// openClient opens a client on a fresh database in t.TempDir.
func openClient(t *testing.T, tweak func(*Config)) (*Client, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tablet.db")
	cfg := &Config{DBPath: path}
	if tweak != nil {
		tweak(cfg)
	}
	c, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	noSleep(c)
	t.Cleanup(func() { c.Close() })
	return c, path
}

// noSleep makes retries instant and records the waits.
func noSleep(c *Client) *[]time.Duration {
	var mu sync.Mutex
	waits := &[]time.Duration{}
	c.sleepFn = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	c.jitter = func(n int64) int64 { return n - 1 }
	return waits
}

// enrolFake enrols c against url with a static fake token.
func enrolFake(t *testing.T, c *Client, url, device, role string) {
	t.Helper()
	if err := c.EnrolWithAccessToken(url, fakeJWT(device, role)); err != nil {
		t.Fatalf("EnrolWithAccessToken: %v", err)
	}
}

// mustResident saves a new resident and returns its id.
func mustResident(t *testing.T, c *Client, incident, given, family string) string {
	t.Helper()
	id, err := c.SaveResident(&Resident{IncidentID: incident, GivenName: given, FamilyName: family})
	if err != nil {
		t.Fatalf("SaveResident %s %s: %v", given, family, err)
	}
	return id
}

// viewRecords returns every record of the device's local view, by
// collection/id.
func viewRecords(t *testing.T, c *Client, table string) map[string]*syncproto.Record {
	t.Helper()
	rows, err := c.st.db.Query("SELECT state FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]*syncproto.Record{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		r, err := decodeRecord(s)
		if err != nil {
			t.Fatal(err)
		}
		out[r.Collection+"/"+r.ID] = r
	}
	return out
}

// fakeServer is an in-memory stand-in for the sync API, for driving the
// client through failures the real server does not produce on demand.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	now      func() time.Time
	tokens   map[string]string // token → device id
	log      []syncproto.Change
	applied  map[string]bool
	reject   func(syncproto.Change) *syncproto.Error
	fail     []int  // statuses to answer before serving, one per request
	retry    string // Retry-After sent with a 429 from fail
	purge    []string
	pushes   int
	pulls    int
	badAfter int // cursors issued before this log length are refused
	requests []string
}

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{t: t, now: time.Now, tokens: map[string]string{}, applied: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// allow accepts a bearer token for a device.
func (f *fakeServer) allow(token, device string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[token] = device
}

func (f *fakeServer) writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(syncproto.ErrorEnvelope{Error: &syncproto.Error{Code: code, Message: msg}})
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	if len(f.fail) > 0 {
		st := f.fail[0]
		f.fail = f.fail[1:]
		if st == http.StatusTooManyRequests && f.retry != "" {
			w.Header().Set("Retry-After", f.retry)
		}
		f.writeErr(w, st, "unavailable", "scripted failure")
		return
	}
	device, ok := f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		f.writeErr(w, http.StatusUnauthorized, syncproto.CodeUnauthorized, "access token refused: token has expired; refresh it")
		return
	}
	switch r.URL.Path {
	case "/v1/sync/push":
		f.push(w, r, device)
	case "/v1/sync/pull":
		f.pull(w, r)
	default:
		f.writeErr(w, http.StatusNotFound, syncproto.CodeNotFound, "no route")
	}
}

func (f *fakeServer) push(w http.ResponseWriter, r *http.Request, device string) {
	f.pushes++
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		// As the server does: the SDK sends large bodies gzipped.
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			f.writeErr(w, http.StatusBadRequest, syncproto.CodeInvalidRequest, err.Error())
			return
		}
		rd = zr
	}
	body, _ := io.ReadAll(rd)
	req, perr := syncproto.DecodePush(body)
	if perr != nil {
		f.writeErr(w, http.StatusBadRequest, perr.Code, perr.Message)
		return
	}
	received := f.now()
	resp := syncproto.PushResponse{}
	for _, raw := range req.Changes {
		c, perr := syncproto.ParseChange(raw)
		if perr != nil {
			resp.Results = append(resp.Results, syncproto.PushResult{ID: syncproto.ChangeIDOf(raw), Status: syncproto.StatusRejected, Error: perr})
			continue
		}
		c.DeviceID = device
		switch {
		case f.applied[c.ID]:
			resp.Results = append(resp.Results, syncproto.PushResult{ID: c.ID, Status: syncproto.StatusDuplicate})
			continue
		case c.HLC.Time().After(received.Add(syncproto.MaxClockSkew)):
			resp.Results = append(resp.Results, syncproto.PushResult{ID: c.ID, Status: syncproto.StatusRejected,
				Error: syncproto.Errorf(syncproto.CodeClockSkew, "hlc", "too far ahead")})
			continue
		}
		if f.reject != nil {
			if e := f.reject(c); e != nil {
				resp.Results = append(resp.Results, syncproto.PushResult{ID: c.ID, Status: syncproto.StatusRejected, Error: e})
				continue
			}
		}
		f.applied[c.ID] = true
		f.log = append(f.log, c)
		resp.Results = append(resp.Results, syncproto.PushResult{ID: c.ID, Status: syncproto.StatusApplied})
	}
	resp.Cursor = fmt.Sprintf("p%d", len(f.log))
	resp.ServerTime = f.now().UTC()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

func (f *fakeServer) pull(w http.ResponseWriter, r *http.Request) {
	f.pulls++
	pos := 0
	if cur := r.URL.Query().Get("cursor"); cur != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(cur, "p"))
		if err != nil || !strings.HasPrefix(cur, "p") || n > len(f.log) || n < f.badAfter {
			f.writeErr(w, http.StatusBadRequest, syncproto.CodeInvalidCursor, "unknown cursor; start again without one")
			return
		}
		pos = n
	}
	limit := 500
	if v := r.URL.Query().Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	end := min(pos+limit, len(f.log))
	resp := syncproto.PullResponse{Changes: append([]syncproto.Change{}, f.log[pos:end]...), Cursor: fmt.Sprintf("p%d", end), HasMore: end < len(f.log)}
	resp.Purge, f.purge = f.purge, nil
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// state merges the fake server's log into record states.
func (f *fakeServer) state() map[string]*syncproto.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]*syncproto.Record{}
	for _, c := range f.log {
		k := c.Collection + "/" + c.RecordID
		if out[k] == nil {
			out[k] = syncproto.NewRecord(c.Collection, c.RecordID)
		}
		out[k].Apply(c)
	}
	return out
}

// sameRecords reports the first difference between two sets of records.
func sameRecords(a, b map[string]*syncproto.Record) error {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		x, y := a[k], b[k]
		switch {
		case x == nil:
			return fmt.Errorf("%s only in the second set", k)
		case y == nil:
			return fmt.Errorf("%s only in the first set", k)
		case !x.Equal(y):
			xb, _ := json.Marshal(x)
			yb, _ := json.Marshal(y)
			return fmt.Errorf("%s differs:\n  %s\n  %s", k, xb, yb)
		}
	}
	return nil
}

func newID() string { return uuid.NewString() }
