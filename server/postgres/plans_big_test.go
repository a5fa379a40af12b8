package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/postgres"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// The tests in this file load a million rows; they run only when
// CONTINUITY_TEST_POSTGRES_BIG is set, e.g.
//
//	CONTINUITY_TEST_POSTGRES_BIG=1 go test -count=1 -v -timeout 30m -run Big ./server/postgres
//
// and log the plans and timings docs/benchmarks.md records.
func bigDSN(t *testing.T) string {
	t.Helper()
	if os.Getenv("CONTINUITY_TEST_POSTGRES_BIG") == "" {
		t.Skip("CONTINUITY_TEST_POSTGRES_BIG is not set")
	}
	return freshDB(t)
}

// The incidents of the loaded log, and what three kinds of device pull.
const bigA, bigB = "0b7f0d52-3c4e-4a39-9d57-5f1c2a8e6b01", "7c1e9a40-1f2d-4b8e-a6c3-2d9e8f7a5b02"

var (
	marketCollections = []string{"concerns", "providers", "rag_statuses", "services", "team_tasks", "vacancies"}
	bigFilters        = []struct {
		name string
		f    care.Filter
	}{
		{"one incident", care.Filter{Scopes: []string{bigA}, Unscoped: marketCollections}},
		{"two incidents", care.Filter{Scopes: []string{bigA, bigB}, Unscoped: marketCollections}},
		{"every incident", care.Filter{Hidden: []string{"concerns", "rag_statuses", "team_tasks"}}},
	}
)

// fillChangesSQL writes changes 1..$1 (residents changes of incidents $2
// and $3 in turn; every 50th a providers change of no incident) with bodies
// of about 500 bytes, and moves the head to $1.
const fillChangesSQL = `INSERT INTO changes (seq, id, collection, record_id, scope, op, hlc, device_id, subject, role, recorded_at, received_at, body)
SELECT i, id::uuid, col, rid::uuid, sc, 'upsert', hlc, 'tab-seed', 'sw-seed', 'social_worker', t, t,
	json_build_object('id', id, 'collection', col, 'record_id', rid, 'op', 'upsert',
		'fields', json_build_object('incident_id', sc, 'given_name', 'Given ' || i, 'family_name', 'Family ' || i,
			'notes', repeat('n', 240)),
		'hlc', hlc, 'recorded_at', t, 'device_id', 'tab-seed')
FROM (SELECT i, md5('c' || i)::uuid::text AS id, md5('r' || i)::uuid::text AS rid,
		CASE WHEN i % 50 = 0 THEN 'providers' ELSE 'residents' END AS col,
		CASE WHEN i % 50 = 0 THEN '' WHEN i % 2 = 1 THEN $2 ELSE $3 END AS sc,
		lpad(i::text, 13, '0') || '-0000-tab-seed' AS hlc,
		timestamptz '2026-11-23 09:00:00+00' + i * interval '1 ms' AS t
	FROM generate_series(1, $1::bigint) AS i) s;
UPDATE log_head SET seq = $1`

// TestBigChangesPlan loads a log of 1,000 and then 1,000,000 changes and
// logs the plans of a delta pull and its median time through the store.
func TestBigChangesPlan(t *testing.T) {
	dsn := bigDSN(t)
	ctx := context.Background()
	conn := connect(t, dsn)
	defer conn.Close(ctx)
	s := open(t, dsn) // migrates
	defer s.Close()
	medians := map[string]map[int]time.Duration{}
	for _, n := range []int{1_000, 1_000_000} {
		if _, err := conn.Exec(ctx, "TRUNCATE changes"); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		for _, q := range strings.Split(fillChangesSQL, ";\n") {
			args := []any{n, bigA, bigB}
			if strings.HasPrefix(q, "UPDATE") {
				args = args[:1]
			}
			if _, err := conn.Exec(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := conn.Exec(ctx, "VACUUM ANALYZE changes"); err != nil {
			t.Fatal(err)
		}
		var size string
		if err := conn.QueryRow(ctx, "SELECT pg_size_pretty(pg_total_relation_size('changes'))").Scan(&size); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d changes loaded and analysed in %v (changes and its indexes: %s)", n, time.Since(t0).Round(time.Millisecond), size)
		after := int64(n - 200)
		for _, tc := range bigFilters {
			if n == 1_000_000 {
				q, args := postgres.ChangesQueryForTest(after, tc.f, 101)
				t.Logf("%s, after %d changes (custom plan):\n%s\n%s", tc.name, n, q, explain(t, conn, "EXPLAIN (ANALYZE, BUFFERS)", q, args))
				t.Logf("%s, after %d changes (generic plan):\n%s", tc.name, n, explainGeneric(t, conn, "EXPLAIN (ANALYZE, BUFFERS)", q, args))
			}
			// The store's own method, as a pull calls it: the first calls
			// warm the cache and the plan cache settles.
			times := make([]time.Duration, 0, 200)
			for i := 0; i < 210; i++ {
				start := time.Now()
				page, err := s.Changes(ctx, after, tc.f, 100)
				d := time.Since(start)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Changes) != 100 || page.Changes[0].Position <= after {
					t.Fatalf("%s: %d changes", tc.name, len(page.Changes))
				}
				if i >= 10 {
					times = append(times, d)
				}
			}
			slices.Sort(times)
			if medians[tc.name] == nil {
				medians[tc.name] = map[int]time.Duration{}
			}
			medians[tc.name][n] = times[len(times)/2]
			g, c, err := s.PlanCountsForTest(ctx, "FROM changes")
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s after %d changes: median %v of 200 (p90 %v); log queries planned generic %d, custom %d times so far",
				tc.name, n, times[len(times)/2], times[len(times)*9/10], g, c)
		}
	}
	for _, tc := range bigFilters {
		m := medians[tc.name]
		t.Logf("%s: median %v after 1,000, %v after 1,000,000: %.2f×", tc.name, m[1_000], m[1_000_000],
			float64(m[1_000_000])/float64(m[1_000]))
	}
}

// TestBigRecordsScope pushes 200,000 new records through the store with
// records_scope as migration 00001 made it, (scope, collection, record_id),
// and as 00011 makes it, (scope, collection), and logs the time, the WAL written, the
// index's size and the plans of the queries that may use it.
func TestBigRecordsScope(t *testing.T) {
	const total, perPush, pushers, incidents = 200_000, 50, 8, 20
	for _, variant := range []struct{ name, index string }{
		{"(scope, collection, record_id)", "CREATE INDEX records_scope ON records (scope, collection, record_id)"},
		{"(scope, collection)", "CREATE INDEX records_scope ON records (scope, collection)"},
	} {
		t.Run(variant.name, func(t *testing.T) {
			dsn := bigDSN(t)
			ctx := context.Background()
			conn, s := connectAndOpen(t, dsn)
			for _, q := range []string{"DROP INDEX records_scope", variant.index, "CHECKPOINT"} {
				if _, err := conn.Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			var lsn0 string
			if err := conn.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn0); err != nil {
				t.Fatal(err)
			}
			var next atomic.Int64
			var wg sync.WaitGroup
			t0 := time.Now()
			for p := 0; p < pushers; p++ {
				wg.Add(1)
				go func(p int) {
					defer wg.Done()
					g := newGen(fmt.Sprint("tab-", p))
					for k := next.Add(1); k <= total/perPush; k = next.Add(1) {
						inc := fmt.Sprintf("incident-%02d", k%incidents)
						items := make([]care.Incoming, perPush)
						for i := range items {
							items[i] = g.upsert("residents", uuid.NewString(), map[string]any{"given_name": "n", "incident_id": inc})
						}
						if _, err := care.Apply(ctx, s, batch(scopeByIncident, items...)); err != nil {
							t.Error(err)
							return
						}
					}
				}(p)
			}
			wg.Wait()
			elapsed := time.Since(t0)
			var wal, size, dirSize string
			if err := conn.QueryRow(ctx, `SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)),
				pg_size_pretty(pg_relation_size('records_scope')), pg_size_pretty(pg_total_relation_size('records'))`, lsn0).Scan(&wal, &size, &dirSize); err != nil {
				t.Fatal(err)
			}
			t.Logf("push path: %d new records in %d pushes from %d pushers over %d incidents: %v, %.0f changes/s; WAL %s; records_scope %s (records with indexes %s)",
				total, total/perPush, pushers, incidents, elapsed.Round(time.Millisecond), total/elapsed.Seconds(), wal, size, dirSize)

			// The same rows again, inserted directly in one statement.
			for _, q := range []string{"CREATE TABLE records_copy AS SELECT * FROM records", "TRUNCATE records", "CHECKPOINT"} {
				if _, err := conn.Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if err := conn.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn0); err != nil {
				t.Fatal(err)
			}
			t0 = time.Now()
			if _, err := conn.Exec(ctx, "INSERT INTO records SELECT * FROM records_copy ORDER BY random()"); err != nil {
				t.Fatal(err)
			}
			elapsed = time.Since(t0)
			if err := conn.QueryRow(ctx, `SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)),
				pg_size_pretty(pg_relation_size('records_scope'))`, lsn0).Scan(&wal, &size); err != nil {
				t.Fatal(err)
			}
			t.Logf("direct INSERT ... SELECT of the same %d rows in random order: %v; WAL %s; records_scope %s", total, elapsed.Round(time.Millisecond), wal, size)
			for _, q := range []string{"DROP TABLE records_copy", "VACUUM ANALYZE records"} {
				if _, err := conn.Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			for _, tc := range []struct {
				name, collection string
				f                care.Filter
			}{
				{"Records, one incident", "residents", care.Filter{Scopes: []string{"incident-04"}, Unscoped: marketCollections}},
				{"Records, two incidents", "residents", care.Filter{Scopes: []string{"incident-04", "incident-08"}, ScopedOnly: true}},
				{"Records, every incident", "residents", care.Filter{}},
				{"Incidents", "", care.Filter{}},
			} {
				q, args := postgres.RecordsQueryForTest(tc.collection, tc.f)
				t.Logf("%s:\n%s", tc.name, explain(t, conn, "EXPLAIN (ANALYZE, BUFFERS)", q, args))
			}
			q, args := postgres.StateQueryForTest("residents", "8", care.Filter{Scopes: []string{"incident-04"}, Unscoped: marketCollections}, 1001)
			t.Logf("state page, one incident:\n%s", explain(t, conn, "EXPLAIN (ANALYZE, BUFFERS)", q, args))
		})
	}
}

// scopeByIncident files each change under its incident_id field.
func scopeByIncident(_ schema.Lookup, c syncproto.Change, _, _ *syncproto.Record) care.Verdict {
	var incident string
	_ = json.Unmarshal(c.Fields["incident_id"], &incident)
	return care.Verdict{Scope: incident}
}
