// Package sqlite implements care.Store on an embedded SQLite database: WAL
// journal, synchronous=FULL, one writer connection and a pool of readers.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/continuity-care/continuity/migrations"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
	_ "github.com/mattn/go-sqlite3" // database/sql driver "sqlite3"
	"github.com/pressly/goose/v3"
)

var (
	_ care.Store      = (*Store)(nil)
	_ care.ChangeFeed = (*Store)(nil)
)

// Lookups are the (collection, field) pairs the domain rules find records
// by; each has a partial index (migration 00003, written by
// migrations/internal/viewgen from this list).
var Lookups = [][2]string{
	{"moves", "resident_id"}, {"move_legs", "move_id"}, {"capacity_assessments", "resident_id"},
	{"rag_statuses", "provider_id"}, {"conflicts", "record_id"},
}

// Store is the SQLite implementation of care.Store.
type Store struct {
	path   string
	writer *sql.DB
	reader *sql.DB
	// hub is the change feed: Apply publishes each commit to it. One
	// process holds the database, so in-process is everywhere.
	hub *care.Hub
}

func dsn(path string, readOnly bool) string {
	q := "_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_foreign_keys=on"
	if readOnly {
		q += "&mode=ro&_query_only=true&_cache_size=-65536"
	} else {
		q += "&_txlock=immediate"
	}
	return "file:" + path + "?" + q
}

// Open opens (creating if needed) the database at path and applies any
// pending migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
	}
	w, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := Migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	// Statistics for the query planner, refreshed cheaply on each start.
	if _, err := w.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		w.Close()
		return nil, fmt.Errorf("optimize: %w", err)
	}
	r, err := sql.Open("sqlite3", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
	return &Store{path: path, writer: w, reader: r, hub: care.NewHub()}, nil
}

// Migrate applies pending migrations to db.
func Migrate(ctx context.Context, db *sql.DB) error {
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.SQLite())
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the readers, then the writer (which checkpoints the WAL),
// after refreshing the planner's statistics.
func (s *Store) Close() error {
	_, err := s.writer.Exec("PRAGMA optimize")
	return errors.Join(err, s.reader.Close(), s.writer.Close())
}

// Ping checks that both the writer and the readers answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("ping readers: %w", err)
	}
	var n int
	if err := s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	return nil
}

// Apply implements care.Store.
func (s *Store) Apply(ctx context.Context, b care.Batch) (care.BatchResult, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return care.BatchResult{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	a, err := newApplier(ctx, tx)
	if err != nil {
		return care.BatchResult{}, err
	}
	defer a.close()
	if err := a.prefetch(b.Items); err != nil {
		return care.BatchResult{}, err
	}
	res := care.BatchResult{Results: make([]syncproto.PushResult, len(b.Items))}
	received := b.ReceivedAt.UTC().Format(time.RFC3339Nano)
	seen := map[string]bool{}
	for i, it := range b.Items {
		r, err := a.apply(b, it, received, seen)
		if err != nil {
			return care.BatchResult{}, fmt.Errorf("change %d: %w", i, err)
		}
		res.Results[i] = r
	}
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM changes").Scan(&res.Position); err != nil {
		return care.BatchResult{}, fmt.Errorf("read position: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return care.BatchResult{}, fmt.Errorf("commit: %w", err)
	}
	if len(a.touched) > 0 {
		s.hub.Publish(care.Commit{Position: res.Position, Touched: care.Touches(a.touched)})
	}
	return res, nil
}

// Subscribe implements care.ChangeFeed: Apply wakes subscriptions after
// each commit.
func (s *Store) Subscribe(p care.Principal) *care.Subscription { return s.hub.Subscribe(p) }

// accessChanged tells the change feed that a user's access changed.
func (s *Store) accessChanged(subject string) { s.hub.Publish(care.Commit{Access: subject}) }

// applier holds the prepared statements of one push transaction.
type applier struct {
	ctx                                     context.Context
	tx                                      *sql.Tx
	dup, insChange, getRec, putRec, insQuar *sql.Stmt
	cache                                   map[[2]string]*syncproto.Record
	// logged holds the ids of the batch's changes already in the log.
	logged map[string]bool
	// touched lists what each change logged touched, for the change feed.
	touched []care.Touch
}

func newApplier(ctx context.Context, tx *sql.Tx) (*applier, error) {
	a := &applier{ctx: ctx, tx: tx, cache: map[[2]string]*syncproto.Record{}}
	stmts := []struct {
		dst **sql.Stmt
		q   string
	}{
		{&a.dup, "SELECT 1 FROM changes WHERE id = ?"},
		{&a.insChange, `INSERT INTO changes (id, collection, record_id, scope, op, hlc, device_id, subject, role, seen, recorded_at, received_at, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&a.getRec, "SELECT state FROM records WHERE collection = ? AND record_id = ?"},
		{&a.putRec, `INSERT INTO records (collection, record_id, scope, deleted, state, created_seq, updated_seq) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (collection, record_id) DO UPDATE SET scope = excluded.scope, deleted = excluded.deleted, state = excluded.state, updated_seq = excluded.updated_seq`},
		{&a.insQuar, `INSERT INTO quarantine (change_id, collection, record_id, device_id, subject, role, code, field, message, raw, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	}
	for _, st := range stmts {
		p, err := tx.PrepareContext(ctx, st.q)
		if err != nil {
			a.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*st.dst = p
	}
	return a, nil
}

func (a *applier) close() {
	for _, st := range []*sql.Stmt{a.dup, a.insChange, a.getRec, a.putRec, a.insQuar} {
		if st != nil {
			st.Close()
		}
	}
}

func (a *applier) apply(b care.Batch, it care.Incoming, received string, seen map[string]bool) (syncproto.PushResult, error) {
	if it.Err != nil {
		return a.quarantine(b, it, it.Err, received)
	}
	c := it.Change
	if seen[c.ID] {
		return syncproto.PushResult{ID: c.ID, Status: syncproto.StatusDuplicate}, nil
	}
	if a.logged[c.ID] {
		return syncproto.PushResult{ID: c.ID, Status: syncproto.StatusDuplicate}, nil
	}
	before, err := a.Record(c.Collection, c.RecordID)
	if err != nil {
		return syncproto.PushResult{}, err
	}
	if before == nil {
		before = syncproto.NewRecord(c.Collection, c.RecordID)
	}
	after := before.Clone()
	after.Apply(c)
	v := b.Check(a, c, before, after)
	res := syncproto.PushResult{ID: c.ID, Status: syncproto.StatusApplied}
	if v.Err != nil {
		if res, err = a.quarantine(b, it, v.Err, received); err != nil {
			return res, err
		}
	} else {
		if err := a.write(b.Principal, c, it.Body, v.Scope, after, received); err != nil {
			return syncproto.PushResult{}, err
		}
		seen[c.ID] = true
	}
	for _, x := range v.Extra {
		if err := a.follow(b, x, received, seen); err != nil {
			return syncproto.PushResult{}, fmt.Errorf("server change %s: %w", x.ID, err)
		}
	}
	return res, nil
}

// prefetch reads, in two queries, which of the batch's changes are already
// logged and the current state of the records they touch, instead of two
// queries per change.
func (a *applier) prefetch(items []care.Incoming) error {
	a.logged = map[string]bool{}
	var ids []any
	var keys []any
	seenKey := map[[2]string]bool{}
	for _, it := range items {
		if it.Err != nil {
			continue
		}
		ids = append(ids, it.Change.ID)
		k := [2]string{it.Change.Collection, it.Change.RecordID}
		if !seenKey[k] {
			seenKey[k] = true
			keys = append(keys, k[0], k[1])
		}
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		rows, err := a.tx.QueryContext(a.ctx, "SELECT id FROM changes WHERE id IN (?"+strings.Repeat(",?", len(chunk)-1)+")", chunk...)
		if err != nil {
			return fmt.Errorf("check duplicates: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("check duplicates: %w", err)
			}
			a.logged[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("check duplicates: %w", err)
		}
	}
	for start := 0; start < len(keys); start += 1000 {
		chunk := keys[start:min(start+1000, len(keys))]
		n := len(chunk) / 2
		rows, err := a.tx.QueryContext(a.ctx, "SELECT state FROM records WHERE (collection, record_id) IN (VALUES (?,?)"+strings.Repeat(",(?,?)", n-1)+")", chunk...)
		if err != nil {
			return fmt.Errorf("load records: %w", err)
		}
		recs, err := scanRecords(rows)
		if err != nil {
			return err
		}
		for i := 0; i < len(chunk); i += 2 {
			a.cache[[2]string{chunk[i].(string), chunk[i+1].(string)}] = nil
		}
		for _, r := range recs {
			a.cache[[2]string{r.Collection, r.ID}] = r
		}
	}
	return nil
}

// follow applies a change the server made because of another one, as the
// system principal, unless it is already applied.
func (a *applier) follow(b care.Batch, x syncproto.Change, received string, seen map[string]bool) error {
	if seen[x.ID] {
		return nil
	}
	var one int
	switch err := a.dup.QueryRowContext(a.ctx, x.ID).Scan(&one); {
	case err == nil:
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("check duplicate: %w", err)
	}
	before, err := a.Record(x.Collection, x.RecordID)
	if err != nil {
		return err
	}
	if before == nil {
		before = syncproto.NewRecord(x.Collection, x.RecordID)
	}
	after := before.Clone()
	after.Apply(x)
	scope := ""
	if b.Follow != nil {
		v := b.Follow(a, x, before, after)
		if v.Err != nil {
			return fmt.Errorf("server change refused: %w", v.Err)
		}
		scope = v.Scope
	}
	if err := a.write(care.SystemPrincipal, x, nil, scope, after, received); err != nil {
		return err
	}
	seen[x.ID] = true
	return nil
}

// write logs a change (body is its encoding, or nil to encode it here) and
// stores the record's new state.
func (a *applier) write(p care.Principal, c syncproto.Change, body []byte, scope string, after *syncproto.Record, received string) error {
	if body == nil {
		var err error
		if body, err = json.Marshal(c); err != nil {
			return fmt.Errorf("encode change: %w", err)
		}
	}
	r, err := a.insChange.ExecContext(a.ctx, c.ID, c.Collection, c.RecordID, scope, string(c.Op), c.HLC.String(), c.DeviceID,
		p.Subject, p.Role, c.Seen, c.RecordedAt.UTC().Format(time.RFC3339Nano), received, body)
	if err != nil {
		return fmt.Errorf("log change: %w", err)
	}
	seq, err := r.LastInsertId()
	if err != nil {
		return fmt.Errorf("log change: %w", err)
	}
	state, err := json.Marshal(after)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	if _, err := a.putRec.ExecContext(a.ctx, c.Collection, c.RecordID, scope, after.Deleted(), state, seq, seq); err != nil {
		return fmt.Errorf("store record: %w", err)
	}
	a.cache[[2]string{c.Collection, c.RecordID}] = after
	a.touched = append(a.touched, care.Touch{Collection: c.Collection, Scope: scope, DeviceID: c.DeviceID})
	return nil
}

func (a *applier) quarantine(b care.Batch, it care.Incoming, e *syncproto.Error, received string) (syncproto.PushResult, error) {
	p := b.Principal
	raw := string(it.Raw)
	if !json.Valid(it.Raw) {
		q, _ := json.Marshal(raw)
		raw = string(q)
	}
	if _, err := a.insQuar.ExecContext(a.ctx, it.ID, it.Change.Collection, it.Change.RecordID, p.DeviceID, p.Subject, p.Role,
		e.Code, e.Field, e.Message, raw, received); err != nil {
		return syncproto.PushResult{}, fmt.Errorf("quarantine: %w", err)
	}
	return syncproto.PushResult{ID: it.ID, Status: syncproto.StatusRejected, Error: e}, nil
}

// Written implements schema.Lookup inside the push transaction.
func (a *applier) Written(changeID string) (schema.WriteInfo, bool, error) {
	var w schema.WriteInfo
	switch err := a.tx.QueryRowContext(a.ctx, "SELECT seq, subject, role FROM changes WHERE id = ?", changeID).Scan(&w.Position, &w.Subject, &w.Role); {
	case errors.Is(err, sql.ErrNoRows):
		return w, false, nil
	case err != nil:
		return w, false, fmt.Errorf("written: %w", err)
	}
	return w, true, nil
}

// Record implements schema.Lookup inside the push transaction.
func (a *applier) Record(collection, id string) (*syncproto.Record, error) {
	if r, ok := a.cache[[2]string{collection, id}]; ok {
		if r == nil {
			return nil, nil // known absent
		}
		return r.Clone(), nil
	}
	var state []byte
	switch err := a.getRec.QueryRowContext(a.ctx, collection, id).Scan(&state); {
	case errors.Is(err, sql.ErrNoRows):
		a.cache[[2]string{collection, id}] = nil
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("load record: %w", err)
	}
	r, err := decodeRecord(state)
	if err != nil {
		return nil, err
	}
	a.cache[[2]string{collection, id}] = r
	return r.Clone(), nil
}

// Find implements schema.Lookup inside the push transaction.
func (a *applier) Find(collection, field string, value json.RawMessage) ([]*syncproto.Record, error) {
	return find(a.ctx, a.tx, collection, field, value)
}

type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func find(ctx context.Context, q queryer, collection, field string, value json.RawMessage) ([]*syncproto.Record, error) {
	if strings.ContainsAny(field, `."'$[]`) {
		return nil, fmt.Errorf("find: bad field name %q", field)
	}
	var v any
	if err := json.Unmarshal(value, &v); err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	if b, ok := v.(bool); ok {
		v = 0
		if b {
			v = 1
		}
	}
	// The collection is a literal so the planner can use the partial
	// lookup index of this collection and field (migration 00003).
	for _, r := range collection {
		if !(r >= 'a' && r <= 'z' || r == '_') {
			return nil, fmt.Errorf("find: bad collection name %q", collection)
		}
	}
	from := "records"
	if slices.Contains(Lookups, [2]string{collection, field}) {
		from += " INDEXED BY records_" + collection + "_by_" + field
	}
	rows, err := q.QueryContext(ctx, "SELECT state FROM "+from+" WHERE collection = '"+collection+"' AND json_extract(state, '$.fields."+field+".value') = ? ORDER BY record_id", v)
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	return scanRecords(rows)
}

func scanRecords(rows *sql.Rows) ([]*syncproto.Record, error) {
	defer rows.Close()
	var out []*syncproto.Record
	for rows.Next() {
		var state []byte
		if err := rows.Scan(&state); err != nil {
			return nil, fmt.Errorf("scan record: %w", err)
		}
		r, err := decodeRecord(state)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func decodeRecord(state []byte) (*syncproto.Record, error) {
	var r syncproto.Record
	if err := json.Unmarshal(state, &r); err != nil {
		return nil, fmt.Errorf("decode record state: %w", err)
	}
	if r.Fields == nil {
		r.Fields = map[string]syncproto.FieldState{}
	}
	return &r, nil
}

// Head implements care.Store.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var n int64
	if err := s.reader.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM changes").Scan(&n); err != nil {
		return 0, fmt.Errorf("head: %w", err)
	}
	return n, nil
}

// filterClause returns the SQL for a filter: the listed incidents (all when
// nil) plus unscoped records, less hidden collections.
func filterClause(f care.Filter, args []any) (string, []any) {
	var sb strings.Builder
	if f.Scopes != nil {
		sb.WriteString(" AND (scope = ''")
		if len(f.Scopes) > 0 {
			sb.WriteString(" OR scope IN (")
			args = placeholders(&sb, f.Scopes, args)
			sb.WriteString(")")
		}
		sb.WriteString(")")
	}
	if f.ScopedOnly {
		sb.WriteString(" AND scope != ''")
	}
	if len(f.Hidden) > 0 {
		sb.WriteString(" AND collection NOT IN (")
		args = placeholders(&sb, f.Hidden, args)
		sb.WriteString(")")
	}
	return sb.String(), args
}

func placeholders(sb *strings.Builder, vals []string, args []any) []any {
	for i, v := range vals {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("?")
		args = append(args, v)
	}
	return args
}

// History implements care.Store.
func (s *Store) History(ctx context.Context, collection, id string) ([]care.AuditedChange, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT seq, body, subject, role, received_at FROM changes WHERE collection = ? AND record_id = ? ORDER BY seq", collection, id)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	out := []care.AuditedChange{}
	for rows.Next() {
		var a care.AuditedChange
		var body []byte
		var received string
		if err := rows.Scan(&a.Position, &body, &a.Subject, &a.Role, &received); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		if err := json.Unmarshal(body, &a.Change); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		a.ReceivedAt = parseTS(received)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Incidents implements care.Store.
func (s *Store) Incidents(ctx context.Context) ([]string, error) {
	return queryAll(ctx, s.reader, "incidents", "SELECT DISTINCT scope FROM records WHERE scope != '' ORDER BY scope", scanString)
}

// Changes implements care.Store.
func (s *Store) Changes(ctx context.Context, after int64, f care.Filter, limit int) (care.LogPage, error) {
	where, args := filterClause(f, []any{after})
	args = append(args, limit+1)
	// NOT INDEXED: walk the log in seq (rowid) order from the cursor and
	// filter, rather than gather every later change of the scopes and sort.
	rows, err := s.reader.QueryContext(ctx, "SELECT seq, body FROM changes NOT INDEXED WHERE seq > ?"+where+" ORDER BY seq LIMIT ?", args...)
	if err != nil {
		return care.LogPage{}, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	var page care.LogPage
	for rows.Next() {
		var lc care.LoggedChange
		var body []byte
		if err := rows.Scan(&lc.Position, &body); err != nil {
			return care.LogPage{}, fmt.Errorf("scan change: %w", err)
		}
		if err := json.Unmarshal(body, &lc.Change); err != nil {
			return care.LogPage{}, fmt.Errorf("decode change %d: %w", lc.Position, err)
		}
		page.Changes = append(page.Changes, lc)
	}
	if err := rows.Err(); err != nil {
		return care.LogPage{}, fmt.Errorf("changes: %w", err)
	}
	if len(page.Changes) > limit {
		page.Changes, page.More = page.Changes[:limit], true
	}
	return page, nil
}

// State implements care.Store.
func (s *Store) State(ctx context.Context, afterCollection, afterID string, f care.Filter, limit int) (care.StatePage, error) {
	// Two range seeks on the (collection, record_id) index: the rest of the
	// current collection, then the collections after it. (A row-value
	// comparison would seek on the collection only and scan the rest.)
	where, args := filterClause(f, []any{afterCollection, afterID})
	rows, err := s.reader.QueryContext(ctx, "SELECT state FROM records INDEXED BY records_key WHERE collection = ? AND record_id > ?"+where+" ORDER BY record_id LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return care.StatePage{}, fmt.Errorf("state: %w", err)
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return care.StatePage{}, err
	}
	if len(recs) <= limit {
		where, args := filterClause(f, []any{afterCollection})
		rows, err := s.reader.QueryContext(ctx, "SELECT state FROM records INDEXED BY records_key WHERE collection > ?"+where+" ORDER BY collection, record_id LIMIT ?", append(args, limit+1-len(recs))...)
		if err != nil {
			return care.StatePage{}, fmt.Errorf("state: %w", err)
		}
		more, err := scanRecords(rows)
		if err != nil {
			return care.StatePage{}, err
		}
		recs = append(recs, more...)
	}
	page := care.StatePage{Records: recs}
	if len(recs) > limit {
		page.Records, page.More = recs[:limit], true
	}
	return page, nil
}

// Records implements care.Store.
func (s *Store) Records(ctx context.Context, collection string, f care.Filter) ([]*syncproto.Record, error) {
	where, args := filterClause(f, []any{collection})
	rows, err := s.reader.QueryContext(ctx, "SELECT state FROM records WHERE collection = ? AND deleted = 0"+where+" ORDER BY record_id", args...)
	if err != nil {
		return nil, fmt.Errorf("records: %w", err)
	}
	return scanRecords(rows)
}

// Record implements care.Store.
func (s *Store) Record(ctx context.Context, collection, id string) (*syncproto.Record, error) {
	var state []byte
	switch err := s.reader.QueryRowContext(ctx, "SELECT state FROM records WHERE collection = ? AND record_id = ?", collection, id).Scan(&state); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("record: %w", err)
	}
	return decodeRecord(state)
}

// Quarantine implements care.Store.
func (s *Store) Quarantine(ctx context.Context, f care.QuarantineFilter) ([]care.QuarantineEntry, error) {
	q := `SELECT q.id, q.change_id, q.collection, q.record_id, q.device_id, q.subject, q.role, q.code, q.field, q.message, q.raw, q.received_at,
		EXISTS (SELECT 1 FROM changes c WHERE c.id = q.change_id AND q.change_id != '')
		FROM quarantine q WHERE q.id > ?`
	args := []any{f.AfterID}
	if f.DeviceID != "" {
		q += " AND q.device_id = ?"
		args = append(args, f.DeviceID)
	}
	if f.OpenOnly {
		q += " AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.id = q.change_id AND q.change_id != '')"
	}
	q += " ORDER BY q.id LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	defer rows.Close()
	out := []care.QuarantineEntry{}
	for rows.Next() {
		var e care.QuarantineEntry
		var raw, received string
		if err := rows.Scan(&e.ID, &e.ChangeID, &e.Collection, &e.RecordID, &e.DeviceID, &e.Subject, &e.Role,
			&e.Error.Code, &e.Error.Field, &e.Error.Message, &raw, &received, &e.AppliedLater); err != nil {
			return nil, fmt.Errorf("scan quarantine: %w", err)
		}
		e.Raw = json.RawMessage(raw)
		e.ReceivedAt, _ = time.Parse(time.RFC3339Nano, received)
		out = append(out, e)
	}
	return out, rows.Err()
}
