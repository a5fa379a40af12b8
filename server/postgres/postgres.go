// Package postgres implements care.Store and care.AccessStore on PostgreSQL,
// for councils that run several stateless server replicas on one database.
// Pushes from every replica run concurrently, each in one READ COMMITTED
// transaction that locks the rows of the records it writes; they append to
// the change log under a single row lock, so the log's positions are in
// commit order and a reader never skips a change. DESIGN.md has the argument.
package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/continuity-care/continuity/migrations"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
)

var _ care.Store = (*Store)(nil)

// Store is the PostgreSQL implementation of care.Store and care.AccessStore.
// It is safe for concurrent use, and any number of Stores (in one process or
// many) may share one database.
type Store struct {
	pool *pgxpool.Pool
	// retries counts pushes that had to run again (validation failure,
	// deadlock or a concurrent duplicate).
	retries atomic.Int64
	// beforeCommit, when set (by tests), runs just before a push commits.
	beforeCommit func()
	// feed is the change feed every push notifies.
	feed *feed
}

// Open connects to the database named by dsn (a PostgreSQL URL or
// keyword/value string as libpq accepts, e.g.
// "postgres://continuity@db:5432/continuity?sslmode=verify-full"; pgx pool
// settings such as pool_max_conns may be added) and applies any pending
// migrations. The tables live in the connection's current schema (its
// search_path), which the user must be allowed to create tables in.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse dsn: %w", err)
	}
	syncCommit, err := migrate(ctx, cfg.ConnConfig.Copy())
	if err != nil {
		return nil, err
	}
	if syncCommit == "off" {
		// A push is answered only once it is durable: never let the server
		// acknowledge a commit it has not flushed.
		if cfg.ConnConfig.RuntimeParams == nil {
			cfg.ConnConfig.RuntimeParams = map[string]string{}
		}
		cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	var schema string
	if err := pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	f := &feed{hub: care.NewHub(), channel: channelName(schema), cfg: cfg.ConnConfig.Copy(), log: slog.Default(),
		ready: make(chan struct{}), done: make(chan struct{})}
	return &Store{pool: pool, feed: f}, nil
}

// migrate applies pending migrations, holding a session advisory lock (keyed
// by the schema) so that replicas starting together migrate one at a time. It
// returns the session's synchronous_commit setting.
func migrate(ctx context.Context, cc *pgx.ConnConfig) (string, error) {
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("postgres: connect: %w", err)
	}
	defer conn.Close()
	var syncCommit string
	if err := conn.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&syncCommit); err != nil {
		return "", fmt.Errorf("postgres: connect: %w", err)
	}
	const key = "hashtextextended('continuity.migrate.' || current_schema(), 0)"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+key+")"); err != nil {
		return "", fmt.Errorf("postgres: lock for migrations: %w", err)
	}
	// Closing the database would release the lock too; unlocking first keeps
	// it from outliving a failed close.
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock("+key+")")
	return syncCommit, Migrate(ctx, db)
}

// Migrate applies pending migrations to db. Open does this itself; Migrate is
// for tools that hold a *sql.DB (with the pgx driver). Callers running it
// from several processes at once must serialise them.
func Migrate(ctx context.Context, db *sql.DB) error {
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.Postgres())
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if err := migrations.CheckNotNewer(ctx, p); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: apply migrations: %w", err)
	}
	return nil
}

// Close closes every connection of the store.
func (s *Store) Close() error {
	s.feed.stop()
	s.pool.Close()
	return nil
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&n); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// Head implements care.Store. Pushes update log_head in the transaction that
// appends their changes, one at a time, so its committed value is the last
// position any reader can see and nothing at or below it can still appear.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, "SELECT seq FROM log_head").Scan(&n); err != nil {
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
		args = append(args, f.Scopes)
		fmt.Fprintf(&sb, " AND (scope = ANY($%d::text[])", len(args))
		if len(f.Unscoped) > 0 {
			args = append(args, f.Unscoped)
			fmt.Fprintf(&sb, " OR (scope = '' AND collection = ANY($%d::text[]))", len(args))
		}
		sb.WriteString(")")
	}
	if f.ScopedOnly {
		sb.WriteString(" AND scope <> ''")
	}
	if len(f.Hidden) > 0 {
		args = append(args, f.Hidden)
		fmt.Fprintf(&sb, " AND collection <> ALL($%d::text[])", len(args))
	}
	return sb.String(), args
}

// Changes implements care.Store.
func (s *Store) Changes(ctx context.Context, after int64, f care.Filter, limit int) (care.LogPage, error) {
	q, args := changesQuery(after, f, limit+1)
	rows, err := s.pool.Query(ctx, q, args...)
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

// changesQuery returns the query of a log page: at most n changes after a
// position that pass f, in seq order. Every read of the log in its plan
// starts at the cursor, so it costs what follows the cursor, not how long
// the log is (TestStore_ChangesPlan). With every incident it walks the
// primary key from the cursor. With some, each incident, and the unscoped
// collections' rows (filed under the empty scope), is a sub-query of its
// first n changes after the cursor, and the page is the first n of their
// merge by seq. PostgreSQL plans each sub-query knowing the cursor: it seeks
// changes_scope (scope, seq) at the cursor or, for an incident that holds
// most of the changes after it, walks the primary key from the cursor. The
// merge reads a body only for each change it passes on: at 1,000,000 changes
// a page of one incident takes 0.32 ms where the form before it took 0.54
// (docs/benchmarks.md). That form, a seek per incident joined to an array of
// them, the bodies fetched by seq afterwards, serves filters of more than
// maxScopeArms incidents, so the statement does not grow with their number.
func changesQuery(after int64, f care.Filter, n int) (string, []any) {
	args := []any{after, n}
	hidden := ""
	if len(f.Hidden) > 0 {
		args = append(args, f.Hidden)
		hidden = fmt.Sprintf(" AND collection <> ALL($%d::text[])", len(args))
	}
	if f.Scopes == nil {
		scoped := ""
		if f.ScopedOnly {
			scoped = " AND scope <> ''"
		}
		return "SELECT seq, body FROM changes WHERE seq > $1" + scoped + hidden + " ORDER BY seq LIMIT $2", args
	}
	scopes := make([]string, 0, len(f.Scopes))
	for _, sc := range f.Scopes {
		if sc != "" { // an empty scope is never a pass
			scopes = append(scopes, sc)
		}
	}
	slices.Sort(scopes)
	scopes = slices.Compact(scopes) // a scope twice would return its changes twice
	market := ""
	if len(f.Unscoped) > 0 && !f.ScopedOnly {
		args = append(args, f.Unscoped)
		market = fmt.Sprintf("scope = '' AND seq > $1 AND collection = ANY($%d::text[])%s", len(args), hidden)
	}
	if len(scopes) > maxScopeArms {
		args = append(args, scopes)
		arms := fmt.Sprintf(`SELECT p.seq FROM unnest($%d::text[]) AS sc(scope)
		CROSS JOIN LATERAL (SELECT seq FROM changes WHERE scope = sc.scope AND seq > $1%s ORDER BY seq LIMIT $2) p`, len(args), hidden)
		if market != "" {
			arms += " UNION ALL (SELECT seq FROM changes WHERE " + market + " ORDER BY seq LIMIT $2)"
		}
		return "SELECT c.seq, c.body FROM changes c WHERE c.seq IN (SELECT seq FROM (" + arms + ") a ORDER BY seq LIMIT $2) ORDER BY c.seq", args
	}
	var arms []string
	for _, sc := range scopes {
		args = append(args, sc)
		arms = append(arms, fmt.Sprintf("scope = $%d AND seq > $1%s", len(args), hidden))
	}
	if market != "" {
		arms = append(arms, market)
	}
	if len(arms) == 0 {
		return "SELECT seq, body FROM changes WHERE false", nil
	}
	var sb strings.Builder
	sb.WriteString("SELECT seq, body FROM (")
	for i, where := range arms {
		if i > 0 {
			sb.WriteString(" UNION ALL ")
		}
		sb.WriteString("(SELECT seq, body FROM changes WHERE " + where + " ORDER BY seq LIMIT $2)")
	}
	sb.WriteString(") a ORDER BY seq LIMIT $2")
	return sb.String(), args
}

// maxScopeArms is how many incidents a log page's query names one by one.
const maxScopeArms = 8

// State implements care.Store.
func (s *Store) State(ctx context.Context, afterCollection, afterID string, f care.Filter, limit int) (care.StatePage, error) {
	q, args := stateQuery(afterCollection, afterID, f, limit+1)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return care.StatePage{}, fmt.Errorf("state: %w", err)
	}
	defer rows.Close()
	var recs []care.StateRecord
	for rows.Next() {
		var collection, id, scope string
		var wire, state []byte
		var n int
		if err := rows.Scan(&collection, &id, &scope, &wire, &n, &state); err != nil {
			return care.StatePage{}, fmt.Errorf("scan record: %w", err)
		}
		r, err := care.ReadStateRecord(collection, id, scope, wire, n, state)
		if err != nil {
			return care.StatePage{}, err
		}
		recs = append(recs, r)
	}
	if err := rows.Err(); err != nil {
		return care.StatePage{}, fmt.Errorf("state: %w", err)
	}
	page := care.StatePage{Records: recs}
	if len(recs) > limit {
		page.Records, page.More = recs[:limit], true
	}
	return page, nil
}

// stateQuery returns the query of a state page: at most n records after
// (afterCollection, afterID) that pass f, in key order. It walks the primary
// key from that key.
func stateQuery(afterCollection, afterID string, f care.Filter, n int) (string, []any) {
	// Record ids are uuid: the ids after afterID are those after (or from)
	// its bound, and when none is, the page starts at the next collection.
	bound, inclusive, none := idBound(afterID)
	after, args := "(collection, record_id) > ($1, $2::uuid)", []any{afterCollection, bound}
	switch {
	case none:
		after, args = "collection > $1", []any{afterCollection}
	case inclusive:
		after = "(collection, record_id) >= ($1, $2::uuid)"
	}
	where, args := filterClause(f, args)
	args = append(args, n)
	return fmt.Sprintf(`SELECT collection, record_id, scope, wire, wire_n, CASE WHEN wire_n = 0 THEN state END
		FROM records WHERE %s AND state IS NOT NULL%s ORDER BY collection, record_id LIMIT $%d`, after, where, len(args)), args
}

// Records implements care.Store.
func (s *Store) Records(ctx context.Context, collection string, f care.Filter) ([]*syncproto.Record, error) {
	q, args := recordsQuery(collection, f)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("records: %w", err)
	}
	return scanRecords(rows)
}

// recordsQuery returns Records' query: the live records of a collection
// that pass f, by id.
func recordsQuery(collection string, f care.Filter) (string, []any) {
	where, args := filterClause(f, []any{collection})
	return "SELECT collection, record_id, scope, state FROM records WHERE collection = $1 AND NOT deleted AND state IS NOT NULL" + where + " ORDER BY record_id", args
}

// incidentsQuery is Incidents' query.
const incidentsQuery = "SELECT DISTINCT scope FROM records WHERE scope <> '' ORDER BY scope"

// Record implements care.Store.
func (s *Store) Record(ctx context.Context, collection, id string) (*syncproto.Record, error) {
	var scope string
	var state []byte
	switch err := s.pool.QueryRow(ctx, "SELECT scope, state FROM records WHERE collection = $1 AND record_id = $2", collection, idArg(id)).Scan(&scope, &state); {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("record: %w", err)
	}
	if state == nil {
		return nil, nil
	}
	return care.DecodeState(collection, id, scope, state)
}

// History implements care.Store.
func (s *Store) History(ctx context.Context, collection, id string) ([]care.AuditedChange, error) {
	rows, err := s.pool.Query(ctx, "SELECT seq, body, subject, role, received_at FROM changes WHERE collection = $1 AND record_id = $2 ORDER BY seq", collection, idArg(id))
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	out := []care.AuditedChange{}
	for rows.Next() {
		var a care.AuditedChange
		var body []byte
		if err := rows.Scan(&a.Position, &body, &a.Subject, &a.Role, &a.ReceivedAt); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		if err := json.Unmarshal(body, &a.Change); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		a.ReceivedAt = a.ReceivedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// Incidents implements care.Store.
func (s *Store) Incidents(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, incidentsQuery)
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("incidents: %w", err)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// Quarantine implements care.Store.
func (s *Store) Quarantine(ctx context.Context, f care.QuarantineFilter) ([]care.QuarantineEntry, error) {
	// An id_reused entry's id was applied before, with other content: its
	// own content never was.
	const applied = "(q.code <> 'id_reused' AND EXISTS (SELECT 1 FROM changes c WHERE c.id = " + quarantinedID + "))"
	q := `SELECT q.id, q.change_id, q.collection, q.record_id, q.device_id, q.subject, q.role, q.code, q.field, q.message, q.raw, q.received_at, q.scope, ` +
		applied + ` FROM quarantine q WHERE q.id > $1`
	args := []any{f.AfterID}
	if f.DeviceID != "" {
		args = append(args, f.DeviceID)
		q += fmt.Sprintf(" AND q.device_id = $%d", len(args))
	}
	if f.Scopes != nil {
		args = append(args, f.Scopes)
		q += fmt.Sprintf(" AND (q.scope = ANY($%d::text[])", len(args))
		if f.OwnDevice != "" {
			args = append(args, f.OwnDevice)
			q += fmt.Sprintf(" OR q.device_id = $%d", len(args))
		}
		q += ")"
	}
	if f.OpenOnly {
		q += " AND NOT " + applied
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(" ORDER BY q.id LIMIT $%d", len(args))
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("quarantine: %w", err)
	}
	defer rows.Close()
	out := []care.QuarantineEntry{}
	for rows.Next() {
		var e care.QuarantineEntry
		var raw string
		if err := rows.Scan(&e.ID, &e.ChangeID, &e.Collection, &e.RecordID, &e.DeviceID, &e.Subject, &e.Role,
			&e.Error.Code, &e.Error.Field, &e.Error.Message, &raw, &e.ReceivedAt, &e.IncidentID, &e.AppliedLater); err != nil {
			return nil, fmt.Errorf("scan quarantine: %w", err)
		}
		e.Raw = json.RawMessage(raw)
		e.ReceivedAt = e.ReceivedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// scanRecords scans rows of (collection, record_id, scope, state).
func scanRecords(rows pgx.Rows) ([]*syncproto.Record, error) {
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

// utc returns t in UTC, or nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
