package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/continuity-care/continuity/migrations"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/postgres"
)

// TestStore_ChangesPlan: every read of the log in a log page's plan starts
// at the cursor (an index scan whose condition bounds seq), so a delta pull
// costs what follows the cursor, not how long the log is; an incident's
// changes are found by seeking changes_scope (scope, seq). It checks the plan
// made with the arguments and the generic one, which a session's plan cache
// may use instead, at a cursor near the head and one in the middle of the
// log. docs/benchmarks.md has the plans at 1,000,000 changes.
func TestStore_ChangesPlan(t *testing.T) {
	dsn := freshDB(t)
	ctx := context.Background()
	conn, s := connectAndOpen(t, dsn)
	// 20,000 changes of 100 incidents, every tenth a providers change of
	// none, then the planner's statistics.
	if _, err := conn.Exec(ctx, `INSERT INTO changes (seq, id, collection, record_id, scope, op, hlc, device_id, subject, role, recorded_at, received_at, body)
		SELECT i, md5('c' || i)::uuid, CASE WHEN i % 10 = 0 THEN 'providers' ELSE 'residents' END, md5('r' || i)::uuid,
			CASE WHEN i % 10 = 0 THEN '' ELSE 'incident-' || (i % 100) END, 'upsert', 'h' || i, 'tab', 'sw', 'social_worker', now(), now(),
			json_build_object('id', md5('c' || i)::uuid, 'notes', repeat('n', 200))
		FROM generate_series(1, 20000) AS i;
		UPDATE log_head SET seq = 20000;
		ANALYZE changes`); err != nil {
		t.Fatal(err)
	}
	var ten []string
	for i := 1; i <= 10; i++ {
		ten = append(ten, fmt.Sprint("incident-", i))
	}
	market := []string{"providers", "services"}
	for _, tc := range []struct {
		name  string
		f     care.Filter
		seeks int    // how many seeks of changes_scope find incidents' changes
		where string // the filter, plainly
	}{
		{"one incident and the market", care.Filter{Scopes: []string{"incident-3"}, Unscoped: market}, 1,
			"(scope = 'incident-3' OR scope = '' AND collection IN ('providers', 'services'))"},
		{"two incidents, hidden collections", care.Filter{Scopes: []string{"incident-5", "incident-3", "incident-5"}, Unscoped: market, Hidden: []string{"providers"}}, 2,
			"scope IN ('incident-3', 'incident-5')"},
		{"incidents only", care.Filter{Scopes: []string{"incident-3"}, ScopedOnly: true}, 1, "scope = 'incident-3'"},
		{"ten incidents", care.Filter{Scopes: ten, Unscoped: market}, 1, // one seek, joined to the array of incidents
			"(scope IN ('incident-1', 'incident-2', 'incident-3', 'incident-4', 'incident-5', 'incident-6', 'incident-7', 'incident-8', 'incident-9', 'incident-10') OR scope = '' AND collection IN ('providers', 'services'))"},
		{"every incident", care.Filter{Hidden: []string{"concerns", "providers", "team_tasks"}}, 0, "collection <> 'providers'"},
	} {
		for _, after := range []int64{19800, 10000} {
			t.Run(fmt.Sprintf("%s after %d", tc.name, after), func(t *testing.T) {
				q, args := postgres.ChangesQueryForTest(after, tc.f, 101)
				for mode, plan := range map[string]string{
					"with the arguments": explain(t, conn, "EXPLAIN (FORMAT JSON)", q, args),
					"generic":            explainGeneric(t, conn, "EXPLAIN (FORMAT JSON)", q, args),
				} {
					var root []struct{ Plan planNode }
					if err := json.Unmarshal([]byte(plan), &root); err != nil || len(root) != 1 {
						t.Fatalf("%s: %v", plan, err)
					}
					reads, seeks := root[0].Plan.logReads(t)
					if len(reads) == 0 {
						t.Fatalf("%s plan does not read the log:\n%s", mode, plan)
					}
					for _, r := range reads {
						if !cursorBound.MatchString(r) {
							t.Errorf("%s plan reads the log from elsewhere than the cursor (%s):\n%s", mode, r, plan)
						}
					}
					if mode != "generic" && seeks < tc.seeks {
						t.Errorf("%s plan seeks changes_scope for incidents %d times, want %d:\n%s", mode, seeks, tc.seeks, plan)
					}
					if tc.seeks == 0 && seeks > 0 {
						t.Errorf("%s plan seeks incidents for every incident:\n%s", mode, plan)
					}
				}
				// The page is the one a plain filter of the log gives.
				page, err := s.Changes(ctx, after, tc.f, 100)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, c := range page.Changes {
					got = append(got, c.Position)
				}
				rows, err := conn.Query(ctx, "SELECT seq FROM changes WHERE seq > $1 AND "+tc.where+" ORDER BY seq LIMIT 101", after)
				if err != nil {
					t.Fatal(err)
				}
				want, err := pgx.CollectRows(rows, pgx.RowTo[int64])
				if err != nil {
					t.Fatal(err)
				}
				if more := len(want) > 100; more != page.More || !slices.Equal(got, want[:min(len(want), 100)]) {
					t.Errorf("page %v (more %v), want %v", got, page.More, want)
				}
			})
		}
	}
}

// cursorBound matches the condition of an index read of the log that starts
// at the cursor ($1 or, in a generic plan, a parameter) or fetches one seq.
var cursorBound = regexp.MustCompile(`^(Index Scan|Index Only Scan|Bitmap Index Scan) using changes_(pkey|scope): .*\(seq (> ('\d+'::bigint|\$1)|= changes(_\d+)?\.seq)\)`)

// planNode is a node of EXPLAIN (FORMAT JSON).
type planNode struct {
	NodeType  string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	Index     string     `json:"Index Name"`
	IndexCond string     `json:"Index Cond"`
	Plans     []planNode `json:"Plans"`
}

// logReads returns each read of changes in the plan as "node type using
// index: condition", and how many of them seek changes_scope for an
// incident (not the empty scope).
func (n planNode) logReads(t *testing.T) (reads []string, seeks int) {
	if n.Relation == "changes" || strings.HasPrefix(n.Index, "changes_") {
		if n.NodeType != "Bitmap Heap Scan" { // its Bitmap Index Scan is below
			reads = append(reads, n.NodeType+" using "+n.Index+": "+n.IndexCond)
		}
		if n.Index == "changes_scope" && !strings.Contains(n.IndexCond, "scope = ''") {
			seeks++
		}
	}
	for _, c := range n.Plans {
		r, sk := c.logReads(t)
		reads, seeks = append(reads, r...), seeks+sk
	}
	return reads, seeks
}

// explain runs an EXPLAIN of q (explainCmd, e.g. "EXPLAIN (ANALYZE,
// BUFFERS)") with its arguments and returns the plan.
func explain(t testing.TB, conn *pgx.Conn, explainCmd, q string, args []any) string {
	t.Helper()
	rows, err := conn.Query(context.Background(), explainCmd+" "+q, args...)
	if err != nil {
		t.Fatalf("%s %s: %v", explainCmd, q, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s %s: %v", explainCmd, q, err)
	}
	return strings.Join(lines, "\n")
}

// explainGeneric returns the plan PostgreSQL makes of q prepared without
// its arguments' values, as a session's plan cache may use after five
// executions.
func explainGeneric(t testing.TB, conn *pgx.Conn, explainCmd, q string, args []any) string {
	t.Helper()
	ctx := context.Background()
	for _, stmt := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE generic_plan AS " + q} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	defer conn.Exec(ctx, "DEALLOCATE generic_plan; RESET plan_cache_mode")
	// EXECUTE takes its arguments as SQL literals.
	params := make([]string, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case []string:
			if a == nil {
				params[i] = "NULL"
				break
			}
			quoted := make([]string, len(a))
			for j, v := range a {
				quoted[j] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
			}
			params[i] = "ARRAY[" + strings.Join(quoted, ", ") + "]::text[]"
		case string:
			params[i] = "'" + strings.ReplaceAll(a, "'", "''") + "'"
		case int, int64:
			params[i] = fmt.Sprint(a)
		default:
			t.Fatalf("explainGeneric: argument %d is a %T", i+1, a)
		}
	}
	return explain(t, conn, explainCmd, "EXECUTE generic_plan("+strings.Join(params, ", ")+")", nil)
}

// TestStore_RecordsPlan checks the record lists seek records_scope (scope,
// collection) (migration 00011) once a database holds many incidents: one
// or two incidents' records of a collection are found without reading other
// incidents', and the list of incidents reads the index alone.
func TestStore_RecordsPlan(t *testing.T) {
	dsn := freshDB(t)
	ctx := context.Background()
	conn, _ := connectAndOpen(t, dsn) // opening the store migrates the database
	if def := recordsScope(t, conn); !strings.HasSuffix(def, "(scope, collection)") {
		t.Fatalf("records_scope is %s", def)
	}
	// 10,000 records of four collections over 200 incidents (providers in
	// none), then the planner's statistics. (With uuid record ids the rows
	// are narrow enough that at 4,000 the planner reads the whole table for
	// the list of incidents rather than records_scope.)
	for _, q := range []string{`INSERT INTO records (collection, record_id, scope, state, created_seq, updated_seq)
		SELECT CASE i % 4 WHEN 0 THEN 'residents' WHEN 1 THEN 'providers' WHEN 2 THEN 'moves' ELSE 'concerns' END,
			gen_random_uuid(), CASE WHEN i % 4 = 1 THEN '' ELSE 'incident-' || (i % 200) END, '{}', i, i
		FROM generate_series(1, 10000) AS i`, "VACUUM ANALYZE records"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, collection string
		f                care.Filter
		want             *regexp.Regexp
	}{
		{"one incident", "residents", care.Filter{Scopes: []string{"incident-4"}, Unscoped: []string{"providers"}},
			regexp.MustCompile(`Index Scan (using|on) records_scope\s.*\n\s+Index Cond: \(\(scope = ANY \('\{incident-4\}'::text\[\]\)\) AND \(collection = 'residents'::text\)\)`)},
		{"two incidents", "residents", care.Filter{Scopes: []string{"incident-4", "incident-8"}, ScopedOnly: true},
			regexp.MustCompile(`Index Scan (using|on) records_scope\s.*\n\s+Index Cond: \(\(scope = ANY \('\{incident-4,incident-8\}'::text\[\]\)\) AND \(collection = 'residents'::text\)\)`)},
		{"incidents", "", care.Filter{}, regexp.MustCompile(`Index Only Scan using records_scope on records`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, args := postgres.RecordsQueryForTest(tc.collection, tc.f)
			if tc.collection == "" {
				// Whether an index-only scan beats reading the table
				// depends on the visibility map, which VACUUM cannot
				// complete while another session (a test of another
				// package on the same cluster) holds an older snapshot:
				// then the planner rightly reads the table. What this
				// case checks is that records_scope alone answers the
				// list, so the table is taken off the planner's list.
				if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
					t.Fatal(err)
				}
				defer conn.Exec(ctx, "RESET enable_seqscan")
			}
			plan := explain(t, conn, "EXPLAIN", q, args)
			if !tc.want.MatchString(plan) {
				t.Errorf("plan lacks %s:\n%s", tc.want, plan)
			}
			if strings.Contains(plan, "Seq Scan") {
				t.Errorf("plan scans records:\n%s", plan)
			}
		})
	}
}

// TestMigrate_RecordsScope: migration 00011 goes down to the index 00001
// made and up again.
func TestMigrate_RecordsScope(t *testing.T) {
	dsn := freshDB(t)
	ctx := context.Background()
	open(t, dsn).Close()
	p := migrator(t, dsn)
	conn := connect(t, dsn)
	defer conn.Close(ctx)
	if _, err := p.DownTo(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if def := recordsScope(t, conn); !strings.HasSuffix(def, "(scope, collection, record_id)") {
		t.Fatalf("after down, records_scope is %s", def)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if def := recordsScope(t, conn); !strings.HasSuffix(def, "(scope, collection)") {
		t.Fatalf("after up, records_scope is %s", def)
	}
}

// recordsScope returns the definition of the records_scope index.
func recordsScope(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	var def string
	if err := conn.QueryRow(context.Background(), "SELECT indexdef FROM pg_indexes WHERE indexname = 'records_scope' AND schemaname = current_schema()").Scan(&def); err != nil {
		t.Fatal(err)
	}
	return def
}

// migrator returns a goose provider of the PostgreSQL migrations over the
// database at dsn, its connection closed when the test ends.
func migrator(t *testing.T, dsn string) *goose.Provider {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg.ConnConfig)
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.Postgres())
	if err != nil {
		t.Fatal(err)
	}
	return p
}
