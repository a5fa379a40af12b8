package continuity

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // database/sql driver "sqlite3"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// Keys of the meta table.
const (
	metaServerURL     = "server_url"
	metaDeviceID      = "device_id"
	metaTokenKind     = "token_kind"
	metaAccessToken   = "access_token"
	metaAccessExpires = "access_expires_at_ms"
	metaRefreshToken  = "refresh_token"
	metaRole          = "role"
	metaCursor        = "cursor"
	metaClock         = "clock_last"
	metaMaxSeen       = "max_seen_hlc"
	metaOffset        = "clock_offset_ms"
	metaLastSync      = "last_sync_at"
	metaLastAttempt   = "last_attempt_at"
	metaLastError     = "last_error"
)

// Token kinds stored under metaTokenKind.
const (
	tokenKindStatic  = "static"
	tokenKindRefresh = "refresh"
)

// Outbox entry states.
const (
	outboxPending  = "pending"
	outboxRejected = "rejected"
)

// schemaVersion is the local database's user_version after migration.
const schemaVersion = 1

var migrations = []string{
	// 1: meta, base state, local view, outbox.
	`CREATE TABLE meta (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE base (
		collection  TEXT NOT NULL,
		record_id   TEXT NOT NULL,
		incident_id TEXT NOT NULL DEFAULT '',
		state       TEXT NOT NULL,
		PRIMARY KEY (collection, record_id)
	) WITHOUT ROWID;
	CREATE INDEX base_incident ON base (incident_id);
	CREATE TABLE records (
		collection  TEXT NOT NULL,
		record_id   TEXT NOT NULL,
		incident_id TEXT NOT NULL DEFAULT '',
		deleted     INTEGER NOT NULL,
		pending     INTEGER NOT NULL,
		state       TEXT NOT NULL,
		PRIMARY KEY (collection, record_id)
	) WITHOUT ROWID;
	CREATE INDEX records_incident ON records (collection, incident_id);
	CREATE INDEX records_resident ON records (collection, json_extract(state, '$.fields.resident_id.value'));
	CREATE TABLE outbox (
		seq         INTEGER PRIMARY KEY AUTOINCREMENT,
		change_id   TEXT NOT NULL UNIQUE,
		collection  TEXT NOT NULL,
		record_id   TEXT NOT NULL,
		change      TEXT NOT NULL,
		state       TEXT NOT NULL DEFAULT 'pending',
		code        TEXT NOT NULL DEFAULT '',
		field       TEXT NOT NULL DEFAULT '',
		message     TEXT NOT NULL DEFAULT '',
		rejected_at TEXT NOT NULL DEFAULT '',
		created_at  TEXT NOT NULL
	);
	CREATE INDEX outbox_record ON outbox (collection, record_id);
	CREATE INDEX outbox_state ON outbox (state, seq);`,
}

// store is the device's SQLite database.
type store struct {
	db  *sql.DB
	reg *schema.Registry
}

// openStore opens (creating and migrating) the database at path.
func openStore(path string, reg *schema.Registry) (*store, error) {
	if path == "" {
		return nil, errors.New("continuity: a database path is required")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("continuity: create database directory: %w", err)
		}
	}
	// The tablet's copy of people's records is readable by this user
	// alone: SQLite creates the database 0644 (less the umask) and gives
	// its -wal and -shm the database's mode, so create it 0600 first.
	if f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		if err := errors.Join(f.Chmod(0o600), f.Close()); err != nil {
			return nil, fmt.Errorf("continuity: create database: %w", err)
		}
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("continuity: create database: %w", err)
	}
	dsn := path + "?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_foreign_keys=on&_txlock=immediate"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("continuity: open database: %w", err)
	}
	// Writes are serialised by the client; a few connections let reads run
	// beside a write transaction on WAL snapshots.
	db.SetMaxOpenConns(4)
	s := &store{db: db, reg: reg}
	if err := s.check(); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// check makes sure the durability settings took effect.
func (s *store) check() error {
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("continuity: open database: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("continuity: database journal mode is %q, want wal", mode)
	}
	var syncMode int
	if err := s.db.QueryRow("PRAGMA synchronous").Scan(&syncMode); err != nil {
		return fmt.Errorf("continuity: open database: %w", err)
	}
	if syncMode != 2 {
		return fmt.Errorf("continuity: database synchronous is %d, want 2 (FULL)", syncMode)
	}
	return nil
}

func (s *store) migrate() error {
	var v int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("continuity: read schema version: %w", err)
	}
	if v > schemaVersion {
		return fmt.Errorf("continuity: database schema version %d is newer than this SDK (%d)", v, schemaVersion)
	}
	for ; v < schemaVersion; v++ {
		err := s.tx(context.Background(), func(t *txn) error {
			if _, err := t.tx.Exec(migrations[v]); err != nil {
				return err
			}
			_, err := t.tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", v+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("continuity: migrate database to version %d: %w", v+1, err)
		}
	}
	return nil
}

func (s *store) close() error { return s.db.Close() }

// txn is one write transaction.
type txn struct {
	tx  *sql.Tx
	s   *store
	ctx context.Context
}

// tx runs fn in a write transaction (BEGIN IMMEDIATE), committing when it
// returns nil. A commit is durable when it returns (synchronous=FULL).
func (s *store) tx(ctx context.Context, fn func(*txn) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("continuity: begin: %w", err)
	}
	if err := fn(&txn{tx: tx, s: s, ctx: ctx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("continuity: commit: %w", err)
	}
	return nil
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func getMeta(ctx context.Context, q queryer, key string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("continuity: read %s: %w", key, err)
	}
	return v, nil
}

func (t *txn) meta(key string) (string, error) { return getMeta(t.ctx, t.tx, key) }

func (t *txn) setMeta(key, value string) error {
	_, err := t.tx.ExecContext(t.ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
	if err != nil {
		return fmt.Errorf("continuity: write %s: %w", key, err)
	}
	return nil
}

// hlcMeta reads an HLC stored under key (zero when absent).
func (t *txn) hlcMeta(key string) (syncproto.HLC, error) {
	v, err := t.meta(key)
	if err != nil || v == "" {
		return syncproto.HLC{}, err
	}
	return syncproto.ParseHLC(v)
}

// raiseHLCMeta stores h under key unless a later HLC is stored there.
func (t *txn) raiseHLCMeta(key string, h syncproto.HLC) error {
	cur, err := t.hlcMeta(key)
	if err != nil {
		return err
	}
	if h.Compare(cur) > 0 {
		return t.setMeta(key, h.String())
	}
	return nil
}

// scopeField is the field naming a collection's incident.
func (s *store) scopeField(collection string) string {
	if s.reg != nil {
		if col, ok := s.reg.Collection(collection); ok {
			return col.ScopeField
		}
	}
	return "incident_id"
}

func (s *store) incidentOf(r *syncproto.Record) string {
	f := s.scopeField(r.Collection)
	if f == "" {
		return ""
	}
	return schema.StringValue(r, f)
}

func decodeRecord(state string) (*syncproto.Record, error) {
	var r syncproto.Record
	if err := json.Unmarshal([]byte(state), &r); err != nil {
		return nil, fmt.Errorf("continuity: decode stored record: %w", err)
	}
	if r.Fields == nil {
		r.Fields = map[string]syncproto.FieldState{}
	}
	return &r, nil
}

func loadRecord(ctx context.Context, q queryer, table, collection, id string) (*syncproto.Record, error) {
	var state string
	err := q.QueryRowContext(ctx, "SELECT state FROM "+table+" WHERE collection = ? AND record_id = ?", collection, id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("continuity: read %s %s: %w", collection, id, err)
	}
	return decodeRecord(state)
}

// view returns the local view of a record (nil when unknown).
func (t *txn) view(collection, id string) (*syncproto.Record, error) {
	return loadRecord(t.ctx, t.tx, "records", collection, id)
}

// base returns the server-acknowledged state of a record (nil when unknown).
func (t *txn) base(collection, id string) (*syncproto.Record, error) {
	return loadRecord(t.ctx, t.tx, "base", collection, id)
}

// putBase stores a record's server-acknowledged state.
func (t *txn) putBase(r *syncproto.Record) error {
	state, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("continuity: encode record: %w", err)
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO base (collection, record_id, incident_id, state) VALUES (?, ?, ?, ?)
		ON CONFLICT (collection, record_id) DO UPDATE SET
			incident_id = CASE WHEN excluded.incident_id <> '' THEN excluded.incident_id ELSE base.incident_id END,
			state = excluded.state`,
		r.Collection, r.ID, t.s.incidentOf(r), string(state))
	if err != nil {
		return fmt.Errorf("continuity: store record: %w", err)
	}
	return nil
}

// applyToBase merges changes the server holds into the base state.
func (t *txn) applyToBase(cs ...syncproto.Change) error {
	cache := map[[2]string]*syncproto.Record{}
	var order [][2]string
	for _, c := range cs {
		k := [2]string{c.Collection, c.RecordID}
		r, ok := cache[k]
		if !ok {
			var err error
			if r, err = t.base(c.Collection, c.RecordID); err != nil {
				return err
			}
			if r == nil {
				r = syncproto.NewRecord(c.Collection, c.RecordID)
			}
			cache[k] = r
			order = append(order, k)
		}
		r.Apply(c)
	}
	for _, k := range order {
		if err := t.putBase(cache[k]); err != nil {
			return err
		}
		if err := t.refresh(k[0], k[1]); err != nil {
			return err
		}
	}
	return nil
}

// pendingChanges returns a record's pending outbox changes in write order.
func (t *txn) pendingChanges(collection, id string) ([]syncproto.Change, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT change FROM outbox WHERE collection = ? AND record_id = ? AND state = ? ORDER BY seq", collection, id, outboxPending)
	if err != nil {
		return nil, fmt.Errorf("continuity: read outbox: %w", err)
	}
	defer rows.Close()
	var out []syncproto.Change
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("continuity: read outbox: %w", err)
		}
		c, err := decodeChange(body)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// refresh recomputes the local view of one record: its base state merged with
// its pending changes.
func (t *txn) refresh(collection, id string) error {
	base, err := t.base(collection, id)
	if err != nil {
		return err
	}
	if base == nil {
		base = syncproto.NewRecord(collection, id)
	}
	pending, err := t.pendingChanges(collection, id)
	if err != nil {
		return err
	}
	v := base.Clone()
	for _, c := range pending {
		v.Apply(c)
	}
	if !v.Exists() {
		_, err := t.tx.ExecContext(t.ctx, "DELETE FROM records WHERE collection = ? AND record_id = ?", collection, id)
		return err
	}
	state, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("continuity: encode record: %w", err)
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO records (collection, record_id, incident_id, deleted, pending, state) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (collection, record_id) DO UPDATE SET
			incident_id = CASE WHEN excluded.incident_id <> '' THEN excluded.incident_id ELSE records.incident_id END,
			deleted = excluded.deleted, pending = excluded.pending, state = excluded.state`,
		collection, id, t.s.incidentOf(v), v.Deleted(), len(pending) > 0, string(state))
	if err != nil {
		return fmt.Errorf("continuity: store view: %w", err)
	}
	return nil
}

// purge deletes every local record of the incidents (pending outbox entries
// stay: they are the person's work, and the server decides about them).
func (t *txn) purge(incidents []string) (int, error) {
	n := 0
	for _, inc := range incidents {
		if inc == "" {
			continue
		}
		if _, err := t.tx.ExecContext(t.ctx, "DELETE FROM base WHERE incident_id = ?", inc); err != nil {
			return n, fmt.Errorf("continuity: purge: %w", err)
		}
		res, err := t.tx.ExecContext(t.ctx, "DELETE FROM records WHERE incident_id = ?", inc)
		if err != nil {
			return n, fmt.Errorf("continuity: purge: %w", err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}

// outboxEntry is one queued change.
type outboxEntry struct {
	seq    int64
	change syncproto.Change
	state  string
	code   string
	field  string
	msg    string
	at     string
}

func decodeChange(body string) (syncproto.Change, error) {
	var c syncproto.Change
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return c, fmt.Errorf("continuity: decode queued change: %w", err)
	}
	return c, nil
}

// enqueue stores a change in the outbox and refreshes its record's view.
func (t *txn) enqueue(c syncproto.Change, now time.Time) error {
	body, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("continuity: encode change: %w", err)
	}
	if _, err := t.tx.ExecContext(t.ctx, "INSERT INTO outbox (change_id, collection, record_id, change, created_at) VALUES (?, ?, ?, ?, ?)",
		c.ID, c.Collection, c.RecordID, string(body), now.UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("continuity: queue change: %w", err)
	}
	return t.refresh(c.Collection, c.RecordID)
}

// requeueOwn puts back in the outbox, pending, every change this device
// wrote that still wins a field or a tombstone of its base state, with its
// original id, stamp and recorded time (syncproto.Record.Changes): after the
// server's database was restored from a backup it may have lost them. The
// server answers duplicate for those it still has, and merging is
// idempotent, so nothing is applied twice. It returns how many were queued.
func (t *txn) requeueOwn(device string, now time.Time) (int, error) {
	if device == "" {
		return 0, nil
	}
	rows, err := t.tx.QueryContext(t.ctx, "SELECT state FROM base ORDER BY collection, record_id")
	if err != nil {
		return 0, fmt.Errorf("continuity: read base state: %w", err)
	}
	var own []syncproto.Change
	for rows.Next() {
		var state string
		if err := rows.Scan(&state); err != nil {
			rows.Close()
			return 0, fmt.Errorf("continuity: read base state: %w", err)
		}
		r, err := decodeRecord(state)
		if err != nil {
			rows.Close()
			return 0, err
		}
		for _, c := range r.Changes() {
			if c.DeviceID == device && c.HLC.Node == device {
				own = append(own, c)
			}
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, fmt.Errorf("continuity: read base state: %w", err)
	}
	n := 0
	for _, c := range own {
		body, err := json.Marshal(c)
		if err != nil {
			return 0, fmt.Errorf("continuity: encode change: %w", err)
		}
		res, err := t.tx.ExecContext(t.ctx, "INSERT OR IGNORE INTO outbox (change_id, collection, record_id, change, created_at) VALUES (?, ?, ?, ?, ?)",
			c.ID, c.Collection, c.RecordID, string(body), now.UTC().Format(time.RFC3339Nano))
		if err != nil {
			return 0, fmt.Errorf("continuity: queue change: %w", err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
			if err := t.refresh(c.Collection, c.RecordID); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// outboxEntries returns outbox entries in a state, in write order.
func outboxEntries(ctx context.Context, q queryer, state string, limit int) ([]outboxEntry, error) {
	query := "SELECT seq, change, state, code, field, message, rejected_at FROM outbox WHERE state = ? ORDER BY seq"
	args := []any{state}
	if limit > 0 {
		query += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("continuity: read outbox: %w", err)
	}
	defer rows.Close()
	var out []outboxEntry
	for rows.Next() {
		var e outboxEntry
		var body string
		if err := rows.Scan(&e.seq, &body, &e.state, &e.code, &e.field, &e.msg, &e.at); err != nil {
			return nil, fmt.Errorf("continuity: read outbox: %w", err)
		}
		if e.change, err = decodeChange(body); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// acknowledge removes an entry the server applied (or already had) and merges
// it into the base state.
func (t *txn) acknowledge(c syncproto.Change) error {
	if _, err := t.tx.ExecContext(t.ctx, "DELETE FROM outbox WHERE change_id = ?", c.ID); err != nil {
		return fmt.Errorf("continuity: acknowledge: %w", err)
	}
	if err := t.raiseHLCMeta(metaMaxSeen, c.HLC); err != nil {
		return err
	}
	return t.applyToBase(c)
}

// reject keeps an entry with the server's reason and drops it from the view.
func (t *txn) reject(c syncproto.Change, e *syncproto.Error, now time.Time) error {
	code, field, msg := syncproto.CodeInternal, "", "rejected without a reason"
	if e != nil {
		code, field, msg = e.Code, e.Field, e.Message
	}
	if _, err := t.tx.ExecContext(t.ctx, "UPDATE outbox SET state = ?, code = ?, field = ?, message = ?, rejected_at = ? WHERE change_id = ?",
		outboxRejected, code, field, msg, now.UTC().Format(time.RFC3339Nano), c.ID); err != nil {
		return fmt.Errorf("continuity: keep rejected change: %w", err)
	}
	return t.refresh(c.Collection, c.RecordID)
}

// replace rewrites a queued change (a new stamp) and puts it back in the
// pending state.
func (t *txn) replace(c syncproto.Change) error {
	body, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("continuity: encode change: %w", err)
	}
	if _, err := t.tx.ExecContext(t.ctx, "UPDATE outbox SET change = ?, state = ?, code = '', field = '', message = '', rejected_at = '' WHERE change_id = ?",
		string(body), outboxPending, c.ID); err != nil {
		return fmt.Errorf("continuity: re-stamp change: %w", err)
	}
	return t.refresh(c.Collection, c.RecordID)
}

// outboxEntry returns one entry by change id.
func (t *txn) outboxEntry(changeID string) (*outboxEntry, error) {
	var e outboxEntry
	var body string
	err := t.tx.QueryRowContext(t.ctx, "SELECT seq, change, state, code, field, message, rejected_at FROM outbox WHERE change_id = ?", changeID).
		Scan(&e.seq, &body, &e.state, &e.code, &e.field, &e.msg, &e.at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("continuity: read outbox: %w", err)
	}
	if e.change, err = decodeChange(body); err != nil {
		return nil, err
	}
	return &e, nil
}

// countOutbox counts entries in a state.
func countOutbox(ctx context.Context, q queryer, state string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM outbox WHERE state = ?", state).Scan(&n); err != nil {
		return 0, fmt.Errorf("continuity: count outbox: %w", err)
	}
	return n, nil
}

// storedRecord is a row of the local view.
type storedRecord struct {
	rec      *syncproto.Record
	incident string
	pending  bool
}

var fieldNameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,100}$`)

// findRecords returns the live (not deleted) view records of a collection,
// optionally of one incident, optionally whose field equals value (compared
// by JSON meaning).
func findRecords(ctx context.Context, q queryer, collection, incident, field string, value json.RawMessage) ([]storedRecord, error) {
	query := "SELECT state, incident_id, pending FROM records WHERE collection = ? AND deleted = 0"
	args := []any{collection}
	if incident != "" {
		query += " AND incident_id = ?"
		args = append(args, incident)
	}
	var want any
	if field != "" {
		if !fieldNameRE.MatchString(field) {
			return nil, fmt.Errorf("continuity: %q is not a field name", field)
		}
		if err := json.Unmarshal(value, &want); err != nil {
			return nil, fmt.Errorf("continuity: value for %s is not JSON: %w", field, err)
		}
		if s, ok := want.(string); ok {
			if field == "resident_id" {
				// The literal path matches the records_resident index.
				query += " AND json_extract(state, '$.fields.resident_id.value') = ?"
			} else {
				query += " AND json_extract(state, '$.fields." + field + ".value') = ?"
			}
			args = append(args, s)
		}
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("continuity: query %s: %w", collection, err)
	}
	defer rows.Close()
	var out []storedRecord
	for rows.Next() {
		var state string
		var sr storedRecord
		if err := rows.Scan(&state, &sr.incident, &sr.pending); err != nil {
			return nil, fmt.Errorf("continuity: query %s: %w", collection, err)
		}
		if sr.rec, err = decodeRecord(state); err != nil {
			return nil, err
		}
		if field != "" && !jsonEqual(sr.rec.Value(field), want) {
			continue
		}
		out = append(out, sr)
	}
	return out, rows.Err()
}

// jsonEqual compares a raw JSON value with a decoded one by meaning.
func jsonEqual(raw json.RawMessage, want any) bool {
	if len(bytes.TrimSpace(raw)) == 0 {
		return want == nil
	}
	var got any
	if json.Unmarshal(raw, &got) != nil {
		return false
	}
	return reflect.DeepEqual(got, want)
}

// lookup implements schema.Lookup over the local view inside a transaction,
// so collection rules can run on the device before a change is queued.
type lookup struct{ t *txn }

// Record implements schema.Lookup.
func (l lookup) Record(collection, id string) (*syncproto.Record, error) {
	return l.t.view(collection, id)
}

// Find implements schema.Lookup.
func (l lookup) Find(collection, field string, value json.RawMessage) ([]*syncproto.Record, error) {
	rs, err := findRecords(l.t.ctx, l.t.tx, collection, "", field, value)
	if err != nil {
		return nil, err
	}
	out := make([]*syncproto.Record, len(rs))
	for i, r := range rs {
		out[i] = r.rec
	}
	return out, nil
}

// Written implements schema.Lookup: only the server knows its log.
func (lookup) Written(string) (schema.WriteInfo, bool, error) { return schema.WriteInfo{}, false, nil }
