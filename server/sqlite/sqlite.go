// Package sqlite implements care.Store on an embedded SQLite database: WAL
// journal, synchronous=FULL, one writer connection and a pool of readers.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/continuity-care/continuity/migrations"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
	sqlite3 "github.com/mattn/go-sqlite3" // database/sql driver "sqlite3"
	"github.com/pressly/goose/v3"
)

var (
	_ care.Store      = (*Store)(nil)
	_ care.ChangeFeed = (*Store)(nil)
)

// Lookups are the (collection, field) pairs the domain rules find records
// by, declared on each schema.Collection; each has a partial index named
// records_<collection>_by_<field> (written by migrations/internal/viewgen).
var Lookups = schema.Lookups()

// Store is the SQLite implementation of care.Store.
type Store struct {
	path   string
	writer *sql.DB
	reader *sql.DB
	// ws are the writer's prepared statements (stmts.go).
	ws *writerStmts
	// filter rules out lookups of ids the database does not hold
	// (filter.go); only the writer's goroutine uses it.
	filter *keyFilter
	// ckpt is the checkpointer's connection (checkpoint.go); ckptWake
	// wakes it after a commit and ckptDone closes when it stops.
	ckpt     *sql.DB
	ckptWake chan struct{}
	ckptDone chan struct{}
	// hub is the change feed: the writer publishes each commit to it. One
	// process holds the database, so in-process is everywhere.
	hub *care.Hub
	// pushes queue for the group committer (push.go).
	pushes chan *pushJob
	quit   chan struct{}
	done   chan struct{}
	closed sync.Once
}

// WriterDriver is the database/sql driver the writer opens its connection
// with: SQLite with the writer's settings that a DSN cannot carry
// (writerPragmas). The bench's raw baseline uses it too.
const WriterDriver = "sqlite3-continuity-writer"

// walAutocheckpoint is how many WAL pages (of 4 KiB) a commit may leave
// before it copies them back into the database file. SQLite's default,
// 1,000, made almost every group commit a checkpoint too, rewriting the same
// randomly placed index pages each time; at 8,192 (a WAL of up to 32 MiB on
// disk, not in memory) each dirty page is copied back less often. Commits are
// as durable either way: each one is in the fsynced WAL before it is
// answered.
const walAutocheckpoint = 8192

// writerCacheKiB is the writer's page cache (16 MiB; negative, as SQLite's
// cache_size takes KiB). At SQLite's default of 2 MB the two indexes that a
// new record with a random (version 4) id inserts into at a random place,
// changes.id and records_key (about 5 MB together at 50,000 records), did
// not fit beside the pages every push appends to, so each insert read its
// leaf page back through the WAL index. In isolation (SQLite alone, 50,000
// rows in transactions of 500) the larger cache took 13% off the CPU of
// inserting with v4 ids; the writer still spends more with v4 than with v7
// ids (docs/benchmarks.md). The cache grows only as pages are used; the
// ingest server's peak RSS over 50,000 records stays under 100 MB.
const writerCacheKiB = -16 << 10

// writerTempStore keeps the writer's temporary files in memory, set once
// the migrations have run. Any statement that may abort part-way after
// changing several rows keeps a statement journal: a copy of each page it
// first changes, so that an error can undo it. flush's log insert is written
// to need none (push.go, migration 00022), but its records' insert (for the
// rules' json_extract indexes), retention's deletes and any sort the writer
// does still use temporary storage; on disk each journal was
// a file written and thrown away with its statement, in memory it is at most
// one statement's pages. It is not set while migrating: with temporary
// storage in memory SQLite sorts all of an index build in memory too.
const writerTempStore = "PRAGMA temp_store = MEMORY"

// writerPragmas run on each connection the writer opens.
var writerPragmas = fmt.Sprintf("PRAGMA wal_autocheckpoint = %d; PRAGMA cache_size = %d", walAutocheckpoint, writerCacheKiB)

func init() {
	sql.Register(WriterDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		_, err := c.Exec(writerPragmas, nil)
		return err
	}})
}

func dsn(path string, readOnly bool) string {
	q := "_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000&_foreign_keys=on"
	if readOnly {
		// 8 MiB of page cache per reader. It was 64 MiB: each reader's
		// cache then grew with the database during initial syncs (peak RSS
		// 117 MB after pulling 50,000 records, against 67 MB now), and
		// pulls were no faster, since the operating system caches the file.
		q += "&mode=ro&_query_only=true&_cache_size=-8192"
	} else {
		q += "&_txlock=immediate"
	}
	return "file:" + path + "?" + q
}

// Open opens (creating if needed) the database at path and applies any
// pending migrations.
func Open(ctx context.Context, path string) (_ *Store, err error) {
	if err := preparePrivate(path); err != nil {
		return nil, err
	}
	// undo closes, last first, what Open has opened, if it fails.
	var undo []func()
	defer func() {
		for i := len(undo) - 1; err != nil && i >= 0; i-- {
			undo[i]()
		}
	}()
	w, err := openOne(ctx, WriterDriver, path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	undo = append(undo, func() { w.Close() })
	if err := Migrate(ctx, w); err != nil {
		return nil, err
	}
	// Statistics for the query planner, refreshed cheaply on each start.
	if _, err := w.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		return nil, fmt.Errorf("optimize: %w", err)
	}
	// Only now, so that a migration's index builds still sort on disk.
	if _, err := w.ExecContext(ctx, writerTempStore); err != nil {
		return nil, fmt.Errorf("temp store: %w", err)
	}
	r, err := sql.Open("sqlite3", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	undo = append(undo, func() { r.Close() })
	r.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
	ws, err := prepareWriter(ctx, w)
	if err != nil {
		return nil, err
	}
	undo = append(undo, ws.close)
	filter, err := loadKeyFilter(ctx, w)
	if err != nil {
		return nil, err
	}
	ck, err := openCheckpointer(ctx, path)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, writer: w, reader: r, hub: care.NewHub(), ws: ws, filter: filter,
		ckpt: ck, ckptWake: make(chan struct{}, 1), ckptDone: make(chan struct{}),
		pushes: make(chan *pushJob), quit: make(chan struct{}), done: make(chan struct{})}
	go s.commitLoop()
	go s.checkpointLoop()
	return s, nil
}

// openOne opens path with driver as one connection, kept open, for
// writing: the writer's, or the checkpointer's.
func openOne(ctx context.Context, driver, path string) (*sql.DB, error) {
	db, err := sql.Open(driver, dsn(path, false))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Migrate applies pending migrations to db.
func Migrate(ctx context.Context, db *sql.DB) error {
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.SQLite())
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if err := migrations.CheckNotNewer(ctx, p); err != nil {
		return fmt.Errorf("%w", err)
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
	s.closed.Do(func() { close(s.quit) })
	<-s.done
	<-s.ckptDone
	s.ws.close()
	_, err := s.writer.Exec("PRAGMA optimize")
	return errors.Join(err, s.ckpt.Close(), s.reader.Close(), s.writer.Close())
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

// Subscribe implements care.ChangeFeed: the writer wakes subscriptions after
// each commit.
func (s *Store) Subscribe(p care.Principal) *care.Subscription { return s.hub.Subscribe(p) }

// accessChanged tells the change feed that a user's access changed.
func (s *Store) accessChanged(subject string) { s.hub.Publish(care.Commit{Access: subject}) }

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
	rows, err := q.QueryContext(ctx, "SELECT collection, record_id, scope, state FROM "+from+" WHERE collection = '"+collection+"' AND json_extract(state, '$.fields."+field+".value') = ? ORDER BY record_id", v)
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	return scanRecords(rows)
}

// scanRecords scans rows of (collection, record_id, scope, state).
func scanRecords(rows *sql.Rows) ([]*syncproto.Record, error) {
	defer rows.Close()
	var out []*syncproto.Record
	for rows.Next() {
		var collection, id, scope string
		var state []byte
		if err := rows.Scan(&collection, &id, &scope, &state); err != nil {
			return nil, fmt.Errorf("scan record: %w", err)
		}
		r, err := care.DecodeState(collection, id, scope, state)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// scanState scans state page rows of (collection, record_id, scope, wire,
// wire_n, state), state only where wire_n is 0.
func scanState(rows *sql.Rows) ([]care.StateRecord, error) {
	defer rows.Close()
	var out []care.StateRecord
	for rows.Next() {
		var collection, id, scope string
		var wire, state []byte
		var n int
		if err := rows.Scan(&collection, &id, &scope, &wire, &n, &state); err != nil {
			return nil, fmt.Errorf("scan record: %w", err)
		}
		r, err := care.ReadStateRecord(collection, id, scope, wire, n, state)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
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
// nil) plus the records of unscoped collections, less hidden collections. A
// row of a scoped collection with an empty scope never passes a scoped
// filter.
func filterClause(f care.Filter, args []any) (string, []any) {
	var sb strings.Builder
	if f.Scopes != nil {
		sb.WriteString(" AND (scope IN (")
		args = placeholders(&sb, f.Scopes, args)
		sb.WriteString(")")
		if len(f.Unscoped) > 0 {
			sb.WriteString(" OR (scope = '' AND collection IN (")
			args = placeholders(&sb, f.Unscoped, args)
			sb.WriteString("))")
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

// changesQuery returns the query of a log page: at most n changes after a
// position that pass f, in seq order. Its cost depends on n, not on how long
// the log is or how many changes of other incidents follow the cursor:
//
//   - every incident (Scopes nil): walk the log in seq (rowid) order from the
//     cursor, dropping only hidden collections (NOT INDEXED: never gather
//     and sort);
//   - some incidents: for each, seek the changes_scope (scope, seq) index at
//     the cursor and take its first n; the same for the unscoped
//     collections' rows (scope ”); then the first n of those by seq, and
//     their bodies by rowid.
func changesQuery(after int64, f care.Filter, n int) (string, []any) {
	var hidden strings.Builder
	var hargs []any
	if len(f.Hidden) > 0 {
		hidden.WriteString(" AND collection NOT IN (")
		hargs = placeholders(&hidden, f.Hidden, nil)
		hidden.WriteString(")")
	}
	if f.Scopes == nil {
		args := append([]any{after}, hargs...)
		if f.ScopedOnly {
			return "SELECT seq, body FROM changes NOT INDEXED WHERE seq > ? AND scope != ''" + hidden.String() + " ORDER BY seq LIMIT ?", append(args, n)
		}
		return "SELECT seq, body FROM changes NOT INDEXED WHERE seq > ?" + hidden.String() + " ORDER BY seq LIMIT ?", append(args, n)
	}
	var arms []string
	var args []any
	for _, sc := range sortedUnique(f.Scopes) {
		if sc == "" {
			continue // an empty scope is never a pass
		}
		arms = append(arms, "SELECT seq FROM (SELECT seq FROM changes INDEXED BY changes_scope WHERE scope = ? AND seq > ?"+hidden.String()+" ORDER BY seq LIMIT ?)")
		args = append(append(append(args, sc, after), hargs...), n)
	}
	if len(f.Unscoped) > 0 && !f.ScopedOnly {
		var sb strings.Builder
		sb.WriteString("SELECT seq FROM (SELECT seq FROM changes INDEXED BY changes_scope WHERE scope = '' AND seq > ? AND collection IN (")
		args = append(args, after)
		args = placeholders(&sb, f.Unscoped, args)
		sb.WriteString(")" + hidden.String() + " ORDER BY seq LIMIT ?)")
		args = append(append(args, hargs...), n)
		arms = append(arms, sb.String())
	}
	if len(arms) == 0 {
		return "SELECT seq, body FROM changes WHERE 0", nil
	}
	return "SELECT seq, body FROM changes WHERE seq IN (SELECT seq FROM (" + strings.Join(arms, " UNION ALL ") + ") ORDER BY seq LIMIT ?) ORDER BY seq", append(args, n)
}

// sortedUnique returns xs sorted, without repeats.
func sortedUnique(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// historyQuery reads a record's changes through changes_rec, its record's
// rowid and then the log order.
var historyQuery = "SELECT seq, body, subject, role, received_at FROM changes INDEXED BY changes_rec WHERE rec = (SELECT rowid FROM records WHERE " + recordByKey + ") ORDER BY seq"

// History implements care.Store.
func (s *Store) History(ctx context.Context, collection, id string) ([]care.AuditedChange, error) {
	rows, err := s.reader.QueryContext(ctx, historyQuery, collection, id, id)
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
	return queryAll(ctx, s.reader, "incidents", incidentsQuery, scanString)
}

// Changes implements care.Store.
func (s *Store) Changes(ctx context.Context, after int64, f care.Filter, limit int) (care.LogPage, error) {
	q, args := changesQuery(after, f, limit+1)
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return care.LogPage{}, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	var page care.LogPage
	for rows.Next() {
		var lc care.LoggedChange
		if err := rows.Scan(&lc.Position, &lc.Body); err != nil {
			return care.LogPage{}, fmt.Errorf("scan change: %w", err)
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

// stateColumns are what a state page reads (scanState).
const stateColumns = "collection, record_id, scope, wire, wire_n, CASE WHEN wire_n = 0 THEN state END"

// State implements care.Store.
func (s *Store) State(ctx context.Context, afterCollection, afterID string, f care.Filter, limit int) (care.StatePage, error) {
	// Two range seeks on records_key: the rest of the current collection,
	// then the collections after it. (A row-value comparison would seek on
	// the collection only and scan the rest.)
	q, args := stateRestQuery(afterCollection, afterID, f, limit+1)
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return care.StatePage{}, fmt.Errorf("state: %w", err)
	}
	recs, err := scanState(rows)
	if err != nil {
		return care.StatePage{}, err
	}
	if len(recs) <= limit {
		q, args := stateLaterQuery(afterCollection, f, limit+1-len(recs))
		rows, err := s.reader.QueryContext(ctx, q, args...)
		if err != nil {
			return care.StatePage{}, fmt.Errorf("state: %w", err)
		}
		more, err := scanState(rows)
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

// stateRestQuery is State's first query: up to n records of the cursor's
// collection after its record, in records_key order.
func stateRestQuery(afterCollection, afterID string, f care.Filter, n int) (string, []any) {
	where, args := filterClause(f, []any{afterCollection, afterID})
	return "SELECT " + stateColumns + " FROM records INDEXED BY records_key WHERE collection = ? AND " + keyColumn("record_id") + " > " + paramKey + where +
		" ORDER BY " + keyColumn("record_id") + " LIMIT ?", append(args, n)
}

// stateLaterQuery is State's second query: up to n records of the
// collections after the cursor's, in records_key order.
func stateLaterQuery(afterCollection string, f care.Filter, n int) (string, []any) {
	where, args := filterClause(f, []any{afterCollection})
	return "SELECT " + stateColumns + " FROM records INDEXED BY records_key WHERE collection > ?" + where +
		" ORDER BY collection, " + keyColumn("record_id") + " LIMIT ?", append(args, n)
}

// Records implements care.Store.
func (s *Store) Records(ctx context.Context, collection string, f care.Filter) ([]*syncproto.Record, error) {
	q, args := recordsQuery(collection, f)
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("records: %w", err)
	}
	return scanRecords(rows)
}

// recordsQuery is Records' query: the live records of a collection that
// pass f, by record id.
func recordsQuery(collection string, f care.Filter) (string, []any) {
	where, args := filterClause(f, []any{collection})
	return "SELECT collection, record_id, scope, state FROM records WHERE collection = ? AND deleted = 0" + where + " ORDER BY " + keyColumn("record_id"), args
}

// incidentsQuery is Incidents' query.
const incidentsQuery = "SELECT DISTINCT scope FROM records WHERE scope != '' ORDER BY scope"

// Record implements care.Store.
func (s *Store) Record(ctx context.Context, collection, id string) (*syncproto.Record, error) {
	var scope string
	var state []byte
	switch err := s.reader.QueryRowContext(ctx, "SELECT scope, state FROM records WHERE "+recordByKey, collection, id, id).Scan(&scope, &state); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("record: %w", err)
	}
	return care.DecodeState(collection, id, scope, state)
}

// Quarantine implements care.Store.
func (s *Store) Quarantine(ctx context.Context, f care.QuarantineFilter) ([]care.QuarantineEntry, error) {
	// An id_reused entry's id was applied before, with other content: its
	// own content never was.
	q := `SELECT q.id, q.change_id, q.collection, q.record_id, q.device_id, q.subject, q.role, q.code, q.field, q.message, q.raw, q.received_at, q.scope,
		q.code != 'id_reused' AND EXISTS (SELECT 1 FROM changes c WHERE ` + changeOf("q.change_id") + `)
		FROM quarantine q WHERE q.id > ?`
	args := []any{f.AfterID}
	if f.DeviceID != "" {
		q += " AND q.device_id = ?"
		args = append(args, f.DeviceID)
	}
	if f.Scopes != nil {
		var sb strings.Builder
		sb.WriteString(" AND (q.scope IN (")
		args = placeholders(&sb, f.Scopes, args)
		sb.WriteString(")")
		if f.OwnDevice != "" {
			sb.WriteString(" OR q.device_id = ?")
			args = append(args, f.OwnDevice)
		}
		sb.WriteString(")")
		q += sb.String()
	}
	if f.OpenOnly {
		q += " AND (q.code = 'id_reused' OR NOT EXISTS (SELECT 1 FROM changes c WHERE " + changeOf("q.change_id") + "))"
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
			&e.Error.Code, &e.Error.Field, &e.Error.Message, &raw, &received, &e.IncidentID, &e.AppliedLater); err != nil {
			return nil, fmt.Errorf("scan quarantine: %w", err)
		}
		e.Raw = json.RawMessage(raw)
		e.ReceivedAt, _ = time.Parse(time.RFC3339Nano, received)
		out = append(out, e)
	}
	return out, rows.Err()
}

// createPrivate creates path, empty, readable and writable by this user
// alone (0600, whatever the umask), unless it exists.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return errors.Join(f.Chmod(0o600), f.Close())
}

// preparePrivate makes the database at path, and the -wal and -shm files
// SQLite creates beside it with its mode, readable by this user alone:
// it creates the data folder 0700 and the database file 0600 before SQLite
// opens it (SQLite would create it 0644 less the umask), and narrows the
// files of a database created by an older server to 0600.
func preparePrivate(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return fmt.Errorf("create data folder: %w", err)
			}
			if err := os.Chmod(dir, 0o700); err != nil {
				return fmt.Errorf("create data folder: %w", err)
			}
		}
	}
	if err := createPrivate(path); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		st, err := os.Stat(path + suffix)
		if err != nil || st.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(path+suffix, st.Mode().Perm()&0o700); err != nil {
			slog.Warn("the database file is readable by other users and could not be narrowed", "path", path+suffix, "err", err)
		}
	}
	return nil
}
