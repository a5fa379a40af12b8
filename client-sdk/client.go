package continuity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// Config opens a Client. Only DBPath is needed; the rest tune or replace
// parts for Go callers and tests (gomobile skips the fields it cannot bind).
type Config struct {
	// DBPath is the SQLite file (created if missing), e.g. the app's files
	// directory plus "continuity.db".
	DBPath string
	// PushBatchSize is the most changes one push carries (default and
	// maximum 500).
	PushBatchSize int
	// PullLimit is the page size asked of the server (default 500).
	PullLimit int
	// MaxRetries is how many times one request is retried after a network
	// error, 5xx or 429 before Sync gives up with ErrOffline (default 5;
	// negative means none).
	MaxRetries int

	// Registry validates writes before they are queued (default: the
	// server's, domain.Registry with default options: every collection of
	// the care domain with its rules).
	Registry *schema.Registry
	// HTTPClient makes the requests (default: a client with a 60 s timeout).
	HTTPClient *http.Client
	// Now is the device's wall clock (default time.Now). Tests inject fast
	// or slow clocks.
	Now func() time.Time
	// TokenSource replaces the token source built from the stored
	// enrolment.
	TokenSource TokenSource
	// RetryBase is the backoff bound before the first retry (default
	// 500 ms); it doubles with each retry. The wait is drawn uniformly from
	// zero to the bound (full jitter).
	RetryBase time.Duration
	// RetryMax caps the backoff bound (default 30 s).
	RetryMax time.Duration
	// MaxRetryAfter is the longest Retry-After a sync waits out in place
	// (default 2 minutes); a longer one ends the sync with an APIError
	// carrying it.
	MaxRetryAfter time.Duration
	// PlainRequests sends request bodies uncompressed (default: bodies of
	// 1 KiB or more are gzip-compressed; a server that refuses gzip with 415
	// turns it off by itself).
	PlainRequests bool
}

// maxPushBatch is the SDK's cap on changes per push.
const maxPushBatch = 500

// headerMaxPushBytes is the response header in which the server advertises
// the largest push body it accepts (api.HeaderMaxPushBytes).
const headerMaxPushBytes = "Continuity-Max-Push-Bytes"

// minPushBytes is the smallest body limit a 413 is allowed to teach: below
// it the limit is a proxy's misconfiguration to report, not to work around.
const minPushBytes = 16 << 10

// Client is one device's handle on its local database and its server. It is
// safe for concurrent use; open one Client per database file.
type Client struct {
	cfg  Config
	st   *store
	reg  *schema.Registry
	now  func() time.Time
	hc   *http.Client
	ctx  context.Context
	stop context.CancelFunc

	// mu serialises writes to the database together with the clock, so the
	// stored clock value never goes backwards.
	mu        sync.Mutex
	clock     *syncproto.Clock
	deviceID  string
	serverURL string
	role      string
	tokens    TokenSource
	offsetMs  atomic.Int64
	// pushLimit is the largest push body (UTF-8 bytes) to send: the
	// server's advertised limit (headerMaxPushBytes), lowered when a push
	// is refused as too large (a proxy's smaller limit). 0: not learnt yet,
	// syncproto.MaxPushBytes.
	pushLimit atomic.Int64

	syncMu sync.Mutex
	closed atomic.Bool
	auto   *autoSync
	// live is set while auto-sync holds the change stream open.
	live atomic.Bool
	// plainBodies is set once the server refused a gzip body (415): it
	// is from before compressed requests.
	plainBodies atomic.Bool
	// streamHC makes the change stream's request: HTTPClient without its
	// timeout, which would cut a stream that is meant to stay open.
	streamHC *http.Client
	sleepFn  func(ctx context.Context, d time.Duration) error
	jitter   func(n int64) int64
}

// Open opens (creating if needed) the device database and restores the
// enrolment, clock and cursor stored in it.
func Open(cfg *Config) (*Client, error) {
	if cfg == nil {
		return nil, errors.New("continuity: Open needs a Config with DBPath")
	}
	c := &Client{cfg: *cfg}
	c.plainBodies.Store(cfg.PlainRequests)
	if c.cfg.Registry == nil {
		c.cfg.Registry = domain.Registry(domain.Options{})
	}
	if c.cfg.Now == nil {
		c.cfg.Now = time.Now
	}
	if c.cfg.HTTPClient == nil {
		c.cfg.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if c.cfg.PushBatchSize <= 0 || c.cfg.PushBatchSize > maxPushBatch {
		c.cfg.PushBatchSize = maxPushBatch
	}
	if c.cfg.PullLimit <= 0 || c.cfg.PullLimit > syncproto.MaxPullLimit {
		c.cfg.PullLimit = syncproto.DefaultPullLimit
	}
	if c.cfg.MaxRetries == 0 {
		c.cfg.MaxRetries = 5
	}
	if c.cfg.MaxRetries < 0 {
		c.cfg.MaxRetries = 0
	}
	if c.cfg.RetryBase <= 0 {
		c.cfg.RetryBase = 500 * time.Millisecond
	}
	if c.cfg.RetryMax <= 0 {
		c.cfg.RetryMax = 30 * time.Second
	}
	if c.cfg.MaxRetryAfter <= 0 {
		c.cfg.MaxRetryAfter = 2 * time.Minute
	}
	c.reg, c.now, c.hc = c.cfg.Registry, c.cfg.Now, c.cfg.HTTPClient
	shc := *c.hc
	shc.Timeout = 0
	c.streamHC = &shc
	c.sleepFn = sleepCtx
	c.jitter = randInt63n
	st, err := openStore(c.cfg.DBPath, c.reg)
	if err != nil {
		return nil, err
	}
	c.st = st
	c.ctx, c.stop = context.WithCancel(context.Background())
	if err := c.restore(); err != nil {
		st.close()
		return nil, err
	}
	return c, nil
}

// restore loads the enrolment, clock offset and clock from the database.
func (c *Client) restore() error {
	ctx := context.Background()
	get := func(k string) string {
		v, _ := getMeta(ctx, c.st.db, k)
		return v
	}
	if v := get(metaOffset); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			c.offsetMs.Store(n)
		}
	}
	c.serverURL, c.deviceID, c.role = get(metaServerURL), get(metaDeviceID), get(metaRole)
	if c.deviceID != "" {
		c.clock = syncproto.NewClock(c.deviceID, c.physNow)
		if v := get(metaClock); v != "" {
			h, err := syncproto.ParseHLC(v)
			if err != nil {
				return fmt.Errorf("continuity: stored clock: %w", err)
			}
			c.clock.Reset(h)
		}
	}
	c.tokens = c.cfg.TokenSource
	if c.tokens == nil {
		switch get(metaTokenKind) {
		case tokenKindStatic:
			c.tokens = NewStaticTokenSource(get(metaAccessToken))
		case tokenKindRefresh:
			c.tokens = NewRefreshTokenSource(c.serverURL, dbTokens{c}, c.hc, c.now)
		}
	}
	return nil
}

// physNow is the device clock corrected by the offset learnt from the server,
// the physical time of the HLC.
func (c *Client) physNow() time.Time {
	return c.now().Add(time.Duration(c.offsetMs.Load()) * time.Millisecond)
}

// Close stops background sync, waits for a running sync to end and closes the
// database. Everything saved is already durable.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.StopAutoSync()
	c.stop()
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.close()
}

// Enrolled reports whether the device has a server, a device id and a token.
func (c *Client) Enrolled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.enrolledLocked()
}

func (c *Client) enrolledLocked() bool {
	return c.serverURL != "" && c.deviceID != "" && c.tokens != nil && c.clock != nil
}

// DeviceID returns the enrolled device id ("" before enrolment). It is the
// node id of the device's HLC.
func (c *Client) DeviceID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deviceID
}

// EnrolWithAccessToken enrols the device with a fixed access token (as
// printed by `server token`): the device id and role are read from it. The
// token cannot be renewed; when it expires, enrol again.
func (c *Client) EnrolWithAccessToken(serverURL, accessToken string) error {
	if c.closed.Load() {
		return ErrClosed
	}
	u, err := checkServerURL(serverURL)
	if err != nil {
		return err
	}
	claims, err := parseClaims(strings.TrimSpace(accessToken))
	if err != nil {
		return err
	}
	if !syncproto.ValidNodeID(claims.DeviceID) {
		return fmt.Errorf("continuity: access token names no valid device id (%q)", claims.DeviceID)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	err = c.st.tx(c.ctx, func(t *txn) error {
		for k, v := range map[string]string{
			metaServerURL: u, metaDeviceID: claims.DeviceID, metaTokenKind: tokenKindStatic,
			metaAccessToken: strings.TrimSpace(accessToken), metaAccessExpires: "", metaRefreshToken: "", metaRole: claims.Role,
		} {
			if err := t.setMeta(k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.serverURL, c.role = u, claims.Role
	c.setDeviceLocked(claims.DeviceID)
	if c.cfg.TokenSource == nil {
		c.tokens = NewStaticTokenSource(strings.TrimSpace(accessToken))
	}
	return nil
}

// EnrolWithRefreshToken enrols the device with the refresh token an admin's
// enrolment returned. deviceID is the id the device was enrolled under;
// when empty, the SDK exchanges the refresh token at once (this needs the
// network) and takes the id from the server's answer.
func (c *Client) EnrolWithRefreshToken(serverURL, deviceID, refreshToken string) error {
	if c.closed.Load() {
		return ErrClosed
	}
	u, err := checkServerURL(serverURL)
	if err != nil {
		return err
	}
	refreshToken = strings.TrimSpace(refreshToken)
	if refreshToken == "" {
		return errors.New("continuity: a refresh token is required")
	}
	if deviceID != "" && !syncproto.ValidNodeID(deviceID) {
		return fmt.Errorf("continuity: device id %q must be 1-64 letters, digits, '.', '_' or '-'", deviceID)
	}
	c.mu.Lock()
	err = c.st.tx(c.ctx, func(t *txn) error {
		for k, v := range map[string]string{
			metaServerURL: u, metaTokenKind: tokenKindRefresh, metaRefreshToken: refreshToken,
			metaAccessToken: "", metaAccessExpires: "",
		} {
			if err := t.setMeta(k, v); err != nil {
				return err
			}
		}
		if deviceID != "" {
			return t.setMeta(metaDeviceID, deviceID)
		}
		return nil
	})
	if err != nil {
		c.mu.Unlock()
		return err
	}
	c.serverURL = u
	src := NewRefreshTokenSource(u, dbTokens{c}, c.hc, c.now)
	if c.cfg.TokenSource == nil {
		c.tokens = src
	}
	if deviceID != "" {
		c.setDeviceLocked(deviceID)
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(c.ctx, 60*time.Second)
	defer cancel()
	if _, err := src.Token(ctx); err != nil {
		return fmt.Errorf("continuity: enrol: %w", err)
	}
	id := src.DeviceID()
	if !syncproto.ValidNodeID(id) {
		return fmt.Errorf("continuity: enrol: the server named no valid device id (%q); pass it explicitly", id)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.st.tx(c.ctx, func(t *txn) error { return t.setMeta(metaDeviceID, id) }); err != nil {
		return err
	}
	c.setDeviceLocked(id)
	return nil
}

// setDeviceLocked installs the device id and its clock, keeping the stored
// clock reading.
func (c *Client) setDeviceLocked(id string) {
	last := syncproto.HLC{}
	if c.clock != nil {
		last = c.clock.Last()
	} else if v, _ := getMeta(c.ctx, c.st.db, metaClock); v != "" {
		last, _ = syncproto.ParseHLC(v)
	}
	c.deviceID = id
	c.clock = syncproto.NewClock(id, c.physNow)
	if !last.IsZero() {
		c.clock.Reset(last)
	}
}

func checkServerURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("continuity: server URL %q must look like https://continuity.example.gov.uk", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// dbTokens is the client's TokenStore: the meta table.
type dbTokens struct{ c *Client }

// LoadTokens implements TokenStore.
func (d dbTokens) LoadTokens() (string, string, int64, error) {
	ctx := context.Background()
	rt, err := getMeta(ctx, d.c.st.db, metaRefreshToken)
	if err != nil {
		return "", "", 0, err
	}
	at, err := getMeta(ctx, d.c.st.db, metaAccessToken)
	if err != nil {
		return "", "", 0, err
	}
	exp, _ := getMeta(ctx, d.c.st.db, metaAccessExpires)
	n, _ := strconv.ParseInt(exp, 10, 64)
	return rt, at, n, nil
}

// SaveTokens implements TokenStore; it also records the role the new access
// token carries.
func (d dbTokens) SaveTokens(refresh, accessToken string, expiresMs int64) error {
	claims, _ := parseClaims(accessToken)
	err := d.c.st.tx(context.Background(), func(t *txn) error {
		if err := t.setMeta(metaRefreshToken, refresh); err != nil {
			return err
		}
		if err := t.setMeta(metaAccessToken, accessToken); err != nil {
			return err
		}
		if err := t.setMeta(metaAccessExpires, strconv.FormatInt(expiresMs, 10)); err != nil {
			return err
		}
		if claims.Role != "" {
			return t.setMeta(metaRole, claims.Role)
		}
		return nil
	})
	if err == nil && claims.Role != "" {
		d.c.mu.Lock()
		d.c.role = claims.Role
		d.c.mu.Unlock()
	}
	return err
}

// Put writes fields to a record: fieldsJSON is a JSON object of field names
// and values (null clears a field). recordID "" creates a new record; the
// record id is returned. The write is validated against the schema (and the
// device's role, when known) and returned as an error at once if it fails;
// otherwise it is durable and visible locally when Put returns.
func (c *Client) Put(collection, recordID, fieldsJSON string) (string, error) {
	fields, err := decodeFields(fieldsJSON)
	if err != nil {
		return "", err
	}
	return c.write(collection, recordID, syncproto.OpUpsert, fields)
}

// Delete deletes a record (a tombstone: writes made after it revive it).
func (c *Client) Delete(collection, recordID string) error {
	_, err := c.write(collection, recordID, syncproto.OpDelete, nil)
	return err
}

// decodeFields parses a JSON object of fields into canonical values.
func decodeFields(fieldsJSON string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(fieldsJSON))
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, syncproto.Errorf(syncproto.CodeInvalidJSON, "fields", "fields must be a JSON object such as {\"given_name\": \"Edith\"}")
	}
	if dec.More() {
		return nil, syncproto.Errorf(syncproto.CodeInvalidJSON, "fields", "fields must be one JSON object")
	}
	for k, v := range m {
		cv, err := canonJSON(v)
		if err != nil {
			return nil, syncproto.Errorf(syncproto.CodeInvalidJSON, "fields."+k, "field value is not valid JSON")
		}
		m[k] = cv
	}
	return m, nil
}

// canonJSON returns v in the form encoding/json writes it (compact, HTML
// characters escaped), which is how the server serves values in pulls, so
// local and pulled copies of one write are byte-identical.
func canonJSON(v json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(v)) == 0 {
		v = json.RawMessage("null")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}

// canonID returns a UUID in canonical lower-case form.
func canonID(field, id string) (string, error) {
	u, err := uuid.Parse(strings.TrimSpace(id))
	if err != nil || len(strings.TrimSpace(id)) != 36 {
		return "", syncproto.Errorf(syncproto.CodeInvalidUUID, field, "%s must be a UUID such as 7b0c6f1e-2c1a-4f7e-9d2b-1a2b3c4d5e6f", field)
	}
	return u.String(), nil
}

// write validates, stamps, queues and applies one change.
func (c *Client) write(collection, recordID string, op syncproto.Op, fields map[string]json.RawMessage) (string, error) {
	if c.closed.Load() {
		return "", ErrClosed
	}
	if recordID == "" {
		if op == syncproto.OpDelete {
			return "", syncproto.Errorf(syncproto.CodeMissingField, "record_id", "say which record to delete")
		}
		recordID = syncproto.NewID()
	}
	id, err := canonID("record_id", recordID)
	if err != nil {
		return "", err
	}
	col, ok := c.reg.Collection(collection)
	if !ok {
		return "", syncproto.Errorf(syncproto.CodeUnknownCollection, "collection", "unknown collection %q; known: %s", collection, strings.Join(c.reg.Names(), ", "))
	}
	if f := col.ScopeField; f != "" {
		// Incident ids are compared as strings by the server's scope check.
		if v, ok := fields[f]; ok {
			var s string
			if json.Unmarshal(v, &s) == nil {
				if cid, err := canonID("fields."+f, s); err == nil {
					fields[f], _ = json.Marshal(cid)
				}
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enrolledLocked() {
		return "", ErrNotEnrolled
	}
	err = c.st.tx(c.ctx, func(t *txn) error {
		before, err := t.view(collection, id)
		if err != nil {
			return err
		}
		if before == nil {
			before = syncproto.NewRecord(collection, id)
		}
		if op == syncproto.OpDelete && (!before.Exists() || before.Deleted()) {
			return fmt.Errorf("%w: %s %s", ErrNotFound, collection, id)
		}
		cursor, err := t.meta(metaCursor)
		if err != nil {
			return err
		}
		ch := syncproto.Change{
			ID: syncproto.NewID(), Collection: collection, RecordID: id, Op: op, Fields: fields,
			HLC: c.clock.Now(), RecordedAt: c.now().UTC(), DeviceID: c.deviceID, Seen: cursor,
		}
		if err := c.check(t, ch, before); err != nil {
			return err
		}
		if err := t.enqueue(ch, c.now()); err != nil {
			return err
		}
		return t.setMeta(metaClock, c.clock.Last().String())
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// check validates a change as the server would, as far as the device can:
// envelope, schema and, once the device knows its role (from its access
// token), role permissions and the collection's rules over the local view.
func (c *Client) check(t *txn, ch syncproto.Change, before *syncproto.Record) error {
	wire := ch
	wire.DeviceID = ""
	if err := wire.Validate(); err != nil {
		return err
	}
	if c.role != "" {
		op := access.Update
		switch {
		case ch.Op == syncproto.OpDelete:
			op = access.Delete
		case !before.Exists():
			op = access.Create
		}
		names := make([]string, 0, len(ch.Fields))
		for n := range ch.Fields {
			names = append(names, n)
		}
		if e := access.Check(c.role, ch.Collection, op, names); e != nil {
			return e
		}
	}
	if e := c.reg.CheckFields(ch, before); e != nil {
		return e
	}
	if c.role == "" {
		// Some rules depend on the role (who may activate an incident or
		// step a RAG rating); until the device knows its role the server
		// alone applies them.
		return nil
	}
	after := before.Clone()
	after.Apply(ch)
	ctx := schema.Context{Lookup: lookup{t}, Role: c.role, Now: c.physNow(), Clock: c.clock, Local: true}
	if e := c.reg.CheckRules(ctx, ch, before, after); e != nil {
		return e
	}
	return nil
}

// Record is one record as the device sees it now.
type Record struct {
	// Collection is the record's collection.
	Collection string
	// ID is the record id.
	ID string
	// IncidentID is the incident the record belongs to ("" when the
	// collection is not incident-scoped).
	IncidentID string
	// Pending is true while the device holds changes to it the server has
	// not acknowledged.
	Pending bool
	// FieldsJSON is the record's current fields as a JSON object.
	FieldsJSON string
}

func newRecord(sr storedRecord) *Record {
	b, _ := json.Marshal(sr.rec.Object())
	return &Record{Collection: sr.rec.Collection, ID: sr.rec.ID, IncidentID: sr.incident, Pending: sr.pending, FieldsJSON: string(b)}
}

// RecordList is a list of records (gomobile cannot bind slices).
type RecordList struct{ items []*Record }

// Len returns the number of records.
func (l *RecordList) Len() int { return len(l.items) }

// At returns the i-th record.
func (l *RecordList) At(i int) *Record { return l.items[i] }

// Get returns a record, or ErrNotFound when the device does not hold it or it
// is deleted.
func (c *Client) Get(collection, recordID string) (*Record, error) {
	sr, err := c.get(collection, recordID)
	if err != nil {
		return nil, err
	}
	return newRecord(sr), nil
}

func (c *Client) get(collection, recordID string) (storedRecord, error) {
	if c.closed.Load() {
		return storedRecord{}, ErrClosed
	}
	id, err := canonID("record_id", recordID)
	if err != nil {
		return storedRecord{}, err
	}
	var sr storedRecord
	var state string
	err = c.st.db.QueryRowContext(c.ctx, "SELECT state, incident_id, pending FROM records WHERE collection = ? AND record_id = ? AND deleted = 0", collection, id).
		Scan(&state, &sr.incident, &sr.pending)
	if err != nil {
		return storedRecord{}, fmt.Errorf("%w: %s %s", ErrNotFound, collection, id)
	}
	if sr.rec, err = decodeRecord(state); err != nil {
		return storedRecord{}, err
	}
	return sr, nil
}

// List returns the live records of a collection, of one incident when
// incidentID is not "".
func (c *Client) List(collection, incidentID string) (*RecordList, error) {
	return c.find(collection, incidentID, "", "")
}

// Find returns the live records of a collection whose field holds the string
// value, e.g. Find("moves", "resident_id", id).
func (c *Client) Find(collection, field, value string) (*RecordList, error) {
	return c.find(collection, "", field, value)
}

func (c *Client) find(collection, incidentID, field, value string) (*RecordList, error) {
	rs, err := c.query(collection, incidentID, field, value)
	if err != nil {
		return nil, err
	}
	l := &RecordList{}
	for _, r := range rs {
		l.items = append(l.items, newRecord(r))
	}
	return l, nil
}

func (c *Client) query(collection, incidentID, field, value string) ([]storedRecord, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	var raw json.RawMessage
	if field != "" {
		raw, _ = json.Marshal(value)
	}
	if incidentID != "" {
		id, err := canonID("incident_id", incidentID)
		if err != nil {
			return nil, err
		}
		incidentID = id
	}
	return findRecords(c.ctx, c.st.db, collection, incidentID, field, raw)
}

// PendingCount returns how many changes wait to be pushed (rejected ones not
// counted).
func (c *Client) PendingCount() (int, error) {
	if c.closed.Load() {
		return 0, ErrClosed
	}
	return countOutbox(c.ctx, c.st.db, outboxPending)
}

// LastSyncAt returns when a sync last completed (RFC 3339, device time), or
// "" if never.
func (c *Client) LastSyncAt() (string, error) {
	if c.closed.Load() {
		return "", ErrClosed
	}
	return getMeta(c.ctx, c.st.db, metaLastSync)
}

// Status is the device's sync status, for a status bar.
type Status struct {
	// ServerURL is the server the device syncs with.
	ServerURL string
	// DeviceID is the enrolled device id.
	DeviceID string
	// Role is the role in the device's access token ("" until known).
	Role string
	// Enrolled is true once the device can sync.
	Enrolled bool
	// PendingChanges is how many changes wait to be pushed.
	PendingChanges int
	// RejectedChanges is how many changes the server refused; they need a
	// person.
	RejectedChanges int
	// LastSyncAt is when a sync last completed (RFC 3339, device time; ""
	// if never).
	LastSyncAt string
	// LastAttemptAt is when a sync last started.
	LastAttemptAt string
	// LastError is why the last sync failed ("" when it succeeded).
	LastError string
	// ClockOffsetMillis is the correction applied to the device clock, learnt
	// from the server (negative when the device runs fast).
	ClockOffsetMillis int64
	// Streaming is true while auto-sync holds the server's change stream
	// open: changes arrive as they are made, without polling.
	Streaming bool
}

// Status returns the sync status.
func (c *Client) Status() (*Status, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	s := &Status{ClockOffsetMillis: c.offsetMs.Load(), Streaming: c.live.Load()}
	c.mu.Lock()
	s.ServerURL, s.DeviceID, s.Role, s.Enrolled = c.serverURL, c.deviceID, c.role, c.enrolledLocked()
	c.mu.Unlock()
	var err error
	if s.PendingChanges, err = countOutbox(c.ctx, c.st.db, outboxPending); err != nil {
		return nil, err
	}
	if s.RejectedChanges, err = countOutbox(c.ctx, c.st.db, outboxRejected); err != nil {
		return nil, err
	}
	for k, p := range map[string]*string{metaLastSync: &s.LastSyncAt, metaLastAttempt: &s.LastAttemptAt, metaLastError: &s.LastError} {
		if *p, err = getMeta(c.ctx, c.st.db, k); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// RejectedChange is a change the server refused, kept for a person to see.
type RejectedChange struct {
	// ChangeID is the change's id.
	ChangeID string
	// Collection is the collection written.
	Collection string
	// RecordID is the record written.
	RecordID string
	// Op is upsert or delete.
	Op string
	// FieldsJSON is what the change wrote, as a JSON object.
	FieldsJSON string
	// RecordedAt is when the person made it (RFC 3339).
	RecordedAt string
	// Code is the server's reason code, e.g. forbidden_scope.
	Code string
	// Field is the input the reason is about (e.g. fields.nhs_number).
	Field string
	// Message explains the rejection in words a person can act on.
	Message string
	// RejectedAt is when the device learnt of the rejection (RFC 3339).
	RejectedAt string
}

// RejectedList is a list of rejected changes.
type RejectedList struct{ items []*RejectedChange }

// Len returns the number of rejected changes.
func (l *RejectedList) Len() int { return len(l.items) }

// At returns the i-th rejected change.
func (l *RejectedList) At(i int) *RejectedChange { return l.items[i] }

// RejectedChanges returns the changes the server rejected, oldest first. They
// are not in the local view and are not retried.
func (c *Client) RejectedChanges() (*RejectedList, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	es, err := outboxEntries(c.ctx, c.st.db, outboxRejected, 0)
	if err != nil {
		return nil, err
	}
	l := &RejectedList{}
	for _, e := range es {
		fields := "{}"
		if len(e.change.Fields) > 0 {
			b, _ := json.Marshal(e.change.Fields)
			fields = string(b)
		}
		l.items = append(l.items, &RejectedChange{
			ChangeID: e.change.ID, Collection: e.change.Collection, RecordID: e.change.RecordID, Op: string(e.change.Op),
			FieldsJSON: fields, RecordedAt: e.change.RecordedAt.Format(time.RFC3339Nano),
			Code: e.code, Field: e.field, Message: e.msg, RejectedAt: e.at,
		})
	}
	return l, nil
}

// RetryRejected queues a rejected change again (after the cause was fixed,
// e.g. the device was granted the incident). It gets a new clock stamp, as if
// written now, and is validated again first.
func (c *Client) RetryRejected(changeID string) error {
	if c.closed.Load() {
		return ErrClosed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enrolledLocked() {
		return ErrNotEnrolled
	}
	return c.st.tx(c.ctx, func(t *txn) error {
		e, err := t.outboxEntry(changeID)
		if err != nil {
			return err
		}
		if e == nil || e.state != outboxRejected {
			return fmt.Errorf("%w: no rejected change %s", ErrNotFound, changeID)
		}
		before, err := t.view(e.change.Collection, e.change.RecordID)
		if err != nil {
			return err
		}
		if before == nil {
			before = syncproto.NewRecord(e.change.Collection, e.change.RecordID)
		}
		cursor, err := t.meta(metaCursor)
		if err != nil {
			return err
		}
		ch := e.change
		ch.HLC, ch.Seen, ch.DeviceID = c.clock.Now(), cursor, c.deviceID
		if err := c.check(t, ch, before); err != nil {
			return err
		}
		if err := t.replace(ch); err != nil {
			return err
		}
		return t.setMeta(metaClock, c.clock.Last().String())
	})
}

// DiscardRejected forgets a rejected change (the server keeps its copy in
// quarantine for back-office).
func (c *Client) DiscardRejected(changeID string) error {
	if c.closed.Load() {
		return ErrClosed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.tx(c.ctx, func(t *txn) error {
		res, err := t.tx.ExecContext(t.ctx, "DELETE FROM outbox WHERE change_id = ? AND state = ?", changeID, outboxRejected)
		if err != nil {
			return fmt.Errorf("continuity: discard: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: no rejected change %s", ErrNotFound, changeID)
		}
		return nil
	})
}
