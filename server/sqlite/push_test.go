package sqlite_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto"
)

func openTemp(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "continuity.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// appendOne returns a push that logs one new resident of incident inc and
// then fails with fail, if set.
func appendOne(inc string, fail error) (func(care.PushTx) error, string) {
	c := syncproto.Change{ID: uuid.NewString(), Collection: "residents", RecordID: uuid.NewString(), Op: syncproto.OpUpsert,
		Fields:     map[string]json.RawMessage{"incident_id": json.RawMessage(`"` + inc + `"`), "given_name": json.RawMessage(`"Ada"`)},
		HLC:        syncproto.HLC{Wall: (time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC).UnixMilli()), Node: "tab-1"},
		RecordedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), DeviceID: "tab-1"}
	return func(tx care.PushTx) error {
		if _, err := tx.Begin([]string{c.ID}, []care.RecordKey{{Collection: c.Collection, ID: c.RecordID}}); err != nil {
			return err
		}
		after := syncproto.NewRecord(c.Collection, c.RecordID)
		after.Apply(c)
		body, _ := json.Marshal(c)
		if err := tx.Append(care.Principal{Subject: "alice", Role: care.RoleSocialWorker, DeviceID: "tab-1"}, c, body, inc, after); err != nil {
			return err
		}
		tx.Touched([]care.Touch{{Collection: c.Collection, Scope: inc, DeviceID: c.DeviceID}})
		return fail
	}, c.RecordID
}

// applyOne merges c into its record's state, as the push algorithm does,
// and appends it, filed under inc.
func applyOne(tx care.PushTx, p care.Principal, c syncproto.Change, inc string) error {
	after, err := tx.Lock(care.RecordKey{Collection: c.Collection, ID: c.RecordID})
	if err != nil {
		return err
	}
	if after == nil {
		after = syncproto.NewRecord(c.Collection, c.RecordID)
	}
	after.Apply(c)
	body, _ := json.Marshal(c)
	return tx.Append(p, c, body, inc, after)
}

func TestStore_WriteGroup(t *testing.T) {
	t.Run("a failing push does not fail the others", func(t *testing.T) {
		s := openTemp(t)
		ctx := context.Background()
		inc := uuid.NewString()
		boom := errors.New("boom")
		var fns []func(care.PushTx) error
		var recs []string
		for i := range 5 {
			var fail error
			if i == 2 {
				fail = boom
			}
			fn, rec := appendOne(inc, fail)
			fns, recs = append(fns, fn), append(recs, rec)
		}
		pos, errs := s.WriteGroupForTest(fns...)
		for i := range fns {
			r, err := s.Record(ctx, "residents", recs[i])
			if err != nil {
				t.Fatal(err)
			}
			if i == 2 {
				if !errors.Is(errs[i], boom) || r != nil {
					t.Fatalf("failing push: err %v, record %+v; want boom and no record", errs[i], r)
				}
				continue
			}
			if errs[i] != nil || r == nil {
				t.Fatalf("push %d: err %v, record %+v", i, errs[i], r)
			}
		}
		// Positions are each push's own: 1, 2, (failed), 3, 4.
		want := []int64{1, 2, 0, 3, 4}
		for i := range want {
			if pos[i] != want[i] {
				t.Fatalf("positions = %v, want %v", pos, want)
			}
		}
		if head, _ := s.Head(ctx); head != 4 {
			t.Fatalf("head = %d, want 4", head)
		}
	})
	t.Run("concurrent pushes all commit", func(t *testing.T) {
		s := openTemp(t)
		ctx := context.Background()
		inc := uuid.NewString()
		var wg sync.WaitGroup
		errs := make([]error, 40)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fn, _ := appendOne(inc, nil)
				_, errs[i] = s.Write(ctx, time.Now(), fn)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("push %d: %v", i, err)
			}
		}
		if head, _ := s.Head(ctx); head != 40 {
			t.Fatalf("head = %d, want 40", head)
		}
	})
	t.Run("closed store refuses", func(t *testing.T) {
		s := openTemp(t)
		s.Close()
		fn, _ := appendOne(uuid.NewString(), nil)
		if _, err := s.Write(context.Background(), time.Now(), fn); err == nil {
			t.Fatal("a push to a closed store succeeded")
		}
	})
}

// TestStore_ChangesPlan: a log page seeks from the cursor, whatever the
// filter, so a delta pull costs the same however long the log is.
// TestStore_WriterSettings checks the writer's connection keeps every commit
// durable (WAL, synchronous=FULL), checkpoints at walAutocheckpoint pages,
// has a page cache of 16 MiB, room for the indexes that random ids insert
// into at random places, and keeps its statement journals in memory.
func TestStore_WriterSettings(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	for _, tc := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"wal_autocheckpoint", "8192"},
		{"cache_size", "-16384"}, // KiB
		{"temp_store", "2"},      // MEMORY: statement journals
	} {
		t.Run(tc.pragma, func(t *testing.T) {
			got, err := s.WriterPragmaForTest(ctx, tc.pragma)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("PRAGMA %s = %s, want %s", tc.pragma, got, tc.want)
			}
		})
	}
}

// TestStore_RecordsPlan checks the record lists seek records_scope (scope,
// collection) once a database holds many incidents: one incident's records
// of a collection are found without walking other incidents', and the list
// of incidents reads the index alone.
func TestStore_RecordsPlan(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	// 4,000 records of four collections over 200 incidents (providers in
	// none), then the planner's statistics, as PRAGMA optimize gathers them.
	if err := s.ExecForTest(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 4000)
		INSERT INTO records (collection, record_id, record_key, scope, state, created_seq, updated_seq)
		SELECT CASE i % 4 WHEN 0 THEN 'residents' WHEN 1 THEN 'providers' WHEN 2 THEN 'moves' ELSE 'concerns' END,
			lower(hex(b)), b, CASE WHEN i % 4 = 1 THEN '' ELSE 'incident-' || (i % 200) END, '{}', i, i FROM (SELECT i, randomblob(16) AS b FROM n);
		ANALYZE`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, collection string
		f                care.Filter
		want             string
	}{
		{"one incident", "residents", care.Filter{Scopes: []string{"incident-4"}}, "records_scope (scope=? AND collection=?)"},
		{"two incidents", "residents", care.Filter{Scopes: []string{"incident-4", "incident-8"}, ScopedOnly: true}, "records_scope (scope=? AND collection=?)"},
		{"incidents", "", care.Filter{}, "COVERING INDEX records_scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := s.ExplainRecordsForTest(ctx, tc.collection, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, tc.want) {
				t.Errorf("plan lacks %q:\n%s", tc.want, plan)
			}
		})
	}
}

func TestStore_ChangesPlan(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		f    care.Filter
		want []string
	}{
		{"every incident", care.Filter{Hidden: []string{"quality_notes"}}, []string{"SEARCH changes USING INTEGER PRIMARY KEY (rowid>?)"}},
		{"incidents and the market", care.Filter{Scopes: []string{"a", "b"}, Unscoped: []string{"providers", "services"}, Hidden: []string{"x"}},
			[]string{"changes_scope (scope=? AND seq>?)", "SEARCH changes USING INTEGER PRIMARY KEY (rowid=?)"}},
		{"incidents only", care.Filter{Scopes: []string{"a"}, ScopedOnly: true}, []string{"changes_scope (scope=? AND seq>?)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := s.ExplainChangesForTest(ctx, 10, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(plan, w) {
					t.Errorf("plan lacks %q:\n%s", w, plan)
				}
			}
			if strings.Contains(plan, "SCAN changes") {
				t.Errorf("plan scans the log:\n%s", plan)
			}
		})
	}
}

// TestStore_WriteBuffered checks the push's buffered writes (pushTx.flush):
// a push of more changes than one statement writes, with a record changed
// twice and a Find and a Written in the middle, logs every change at
// consecutive positions in order, stores each record's last state once
// with its first and last positions, and lets the lookups see the push's
// own earlier writes.
func TestStore_WriteBuffered(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	inc := uuid.NewString()
	p := care.Principal{Subject: "alice", Role: care.RoleSocialWorker, DeviceID: "tab-1"}
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	mk := func(i int, rec, name string) syncproto.Change {
		return syncproto.Change{ID: syncproto.NewID(), Collection: "residents", RecordID: rec, Op: syncproto.OpUpsert,
			Fields:     map[string]json.RawMessage{"incident_id": json.RawMessage(`"` + inc + `"`), "given_name": json.RawMessage(`"` + name + `"`)},
			HLC:        syncproto.HLC{Wall: t0.UnixMilli() + int64(i), Node: "tab-1"},
			RecordedAt: t0, DeviceID: "tab-1"}
	}
	const n = 300 // two full statements of flushRows and a remainder
	twice, middle := uuid.NewString(), uuid.NewString()
	var cs []syncproto.Change
	for i := range n {
		switch i {
		case 5:
			cs = append(cs, mk(i, twice, "First"))
		case 180:
			cs = append(cs, mk(i, middle, "Middle"))
		case 250:
			cs = append(cs, mk(i, twice, "Second"))
		default:
			cs = append(cs, mk(i, uuid.NewString(), "R"))
		}
	}
	before, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pos, err := s.Write(ctx, t0, func(tx care.PushTx) error {
		var keys []care.RecordKey
		for _, c := range cs {
			keys = append(keys, care.RecordKey{Collection: c.Collection, ID: c.RecordID})
		}
		if _, err := tx.Begin(nil, keys); err != nil {
			return err
		}
		for i, c := range cs {
			if err := applyOne(tx, p, c, inc); err != nil {
				return err
			}
			if i == 200 {
				// Lookups in the middle of the push see its own writes.
				found, err := tx.Find("residents", "given_name", json.RawMessage(`"Middle"`))
				if err != nil || len(found) != 1 || found[0].ID != middle {
					t.Errorf("Find after %d changes: %v, %v; want the record %s", i+1, found, err, middle)
				}
				w, ok, err := tx.Written(cs[150].ID)
				if err != nil || !ok || w.Position != before+151 || w.Subject != "alice" {
					t.Errorf("Written(change 150) = %+v, %v, %v; want position %d by alice", w, ok, err, before+151)
				}
				if logged, err := tx.Logged(cs[199].ID); err != nil || !logged {
					t.Errorf("Logged(change 199) = %v, %v", logged, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pos != before+n {
		t.Fatalf("position after the push = %d, want %d", pos, before+n)
	}
	page, err := s.Changes(ctx, before, care.Filter{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Changes) != n {
		t.Fatalf("the log holds %d changes after the push, want %d", len(page.Changes), n)
	}
	for i, lc := range page.Changes {
		var c syncproto.Change
		if err := json.Unmarshal(lc.Body, &c); err != nil {
			t.Fatal(err)
		}
		if lc.Position != before+int64(i)+1 || c.ID != cs[i].ID {
			t.Fatalf("log entry %d: position %d, change %s; want position %d, change %s", i, lc.Position, c.ID, before+int64(i)+1, cs[i].ID)
		}
	}
	r, err := s.Record(ctx, "residents", twice)
	if err != nil || r == nil {
		t.Fatalf("record changed twice: %v, %v", r, err)
	}
	if got := string(r.Fields["given_name"].Value); got != `"Second"` {
		t.Fatalf("record changed twice holds given_name %s, want \"Second\"", got)
	}
	created, updated, err := s.RecordSeqsForTest(ctx, "residents", twice)
	if err != nil {
		t.Fatal(err)
	}
	if created != before+6 || updated != before+251 {
		t.Fatalf("record changed twice: created_seq %d, updated_seq %d; want %d and %d", created, updated, before+6, before+251)
	}
	// Every logged change names its record's row (rec), and a new record's
	// first change names a row after every earlier one's, so changes_rec
	// grows at its end however random the ids.
	recs, err := s.ChangeRecsForTest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("%d log rows name their record's row, want %d", len(recs), n)
	}
	last := int64(0)
	for i, rec := range recs {
		if rec.RecordID != cs[i].RecordID {
			t.Fatalf("log row %d (rec %d) names record %s, want %s", i, rec.Rec, rec.RecordID, cs[i].RecordID)
		}
		if rec.First {
			if rec.Rec <= last {
				t.Fatalf("log row %d, a new record's first change, names row %d after row %d", i, rec.Rec, last)
			}
			last = rec.Rec
		}
	}
	h, err := s.History(ctx, "residents", twice)
	if err != nil || len(h) != 2 || h[0].Change.ID != cs[5].ID || h[1].Change.ID != cs[250].ID {
		t.Fatalf("history of the record changed twice: %+v, %v; want changes 5 and 250", h, err)
	}
	plan, err := s.ExplainHistoryForTest(ctx, "residents", twice)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "changes_rec (rec=?)") {
		t.Fatalf("history does not seek changes_rec:\n%s", plan)
	}
}

// TestStore_WriteStored checks edits in later pushes update the record's
// one row in place: through Begin's read and through Lock alone, keeping
// created_seq, and filing it under a new incident when its scope changes.
func TestStore_WriteStored(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	incA, incB := uuid.NewString(), uuid.NewString()
	rec := uuid.NewString()
	p := care.Principal{Subject: "alice", Role: care.RoleSocialWorker, DeviceID: "tab-1"}
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	push := func(i int, inc, name string, begin bool) {
		t.Helper()
		c := syncproto.Change{ID: syncproto.NewID(), Collection: "residents", RecordID: rec, Op: syncproto.OpUpsert,
			Fields:     map[string]json.RawMessage{"incident_id": json.RawMessage(`"` + inc + `"`), "given_name": json.RawMessage(`"` + name + `"`)},
			HLC:        syncproto.HLC{Wall: t0.UnixMilli() + int64(i), Node: "tab-1"},
			RecordedAt: t0, DeviceID: "tab-1"}
		k := care.RecordKey{Collection: c.Collection, ID: c.RecordID}
		_, err := s.Write(ctx, t0, func(tx care.PushTx) error {
			if begin {
				if _, err := tx.Begin([]string{c.ID}, []care.RecordKey{k}); err != nil {
					return err
				}
			}
			return applyOne(tx, p, c, inc)
		})
		if err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
	}
	inScope := func(inc string) int {
		t.Helper()
		rs, err := s.Records(ctx, "residents", care.Filter{Scopes: []string{inc}, ScopedOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	before, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	push(1, incA, "Ada", true)
	push(2, incA, "Ada B", true)
	push(3, incA, "Ada C", false)
	push(4, incB, "Ada D", true)
	r, err := s.Record(ctx, "residents", rec)
	if err != nil || r == nil {
		t.Fatalf("record: %v, %v", r, err)
	}
	if got := string(r.Fields["given_name"].Value); got != `"Ada D"` || r.Scope != incB {
		t.Fatalf("record holds given_name %s in %s, want \"Ada D\" in %s", got, r.Scope, incB)
	}
	if a, b := inScope(incA), inScope(incB); a != 0 || b != 1 {
		t.Fatalf("records filed under the first incident %d, the second %d; want 0 and 1", a, b)
	}
	created, updated, err := s.RecordSeqsForTest(ctx, "residents", rec)
	if err != nil {
		t.Fatal(err)
	}
	if created != before+1 || updated != before+4 {
		t.Fatalf("created_seq %d, updated_seq %d; want %d and %d", created, updated, before+1, before+4)
	}
}

// TestStore_KeyPlans checks that every query finding a change or a record by
// its id seeks the 16-byte key indexes (changes_id, records_key), and that
// the ones walking records in id order read them in the index's order: the
// indexes are on the key columns, so a query written against the id's text
// would scan the table instead.
func TestStore_KeyPlans(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if err := s.ExecForTest(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
		INSERT INTO records (collection, record_id, record_key, scope, state, created_seq, updated_seq)
		SELECT CASE i % 2 WHEN 0 THEN 'residents' ELSE 'moves' END, id, unhex(replace(id, '-', '')),
			'incident-' || (i % 20), '{}', i, i
		FROM (SELECT i, lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12)) AS id
			FROM (SELECT i, hex(randomblob(16)) AS h FROM n));
		ANALYZE`); err != nil {
		t.Fatal(err)
	}
	id := "0190f3a4-1b2c-7d3e-8f40-5a6b7c8d9e0f"
	for _, q := range sqlite.KeyQueriesForTest(id, id) {
		t.Run(q.Name, func(t *testing.T) {
			plan, err := s.ExplainForTest(ctx, q.Query, q.Args)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, "INDEX "+q.Seek+"\n") {
				t.Errorf("plan does not seek %s:\n%s", q.Seek, plan)
			}
			for _, bad := range []string{"SCAN changes", "SCAN records", "SCAN r\n", "SCAN c\n"} {
				if strings.Contains(plan, bad) {
					t.Errorf("plan has %q:\n%s", bad, plan)
				}
			}
			if q.Ordered && strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan sorts instead of reading %s in order:\n%s", q.Seek, plan)
			}
		})
	}
}

// TestStore_RecordsInReadsEachRecordOnce checks the writer's batch lookup
// reads each stored record once when the statement has more places than
// keys: Begin binds 3 keys to the statement for 4, and the spare place must
// not join the last record a second time.
func TestStore_RecordsInReadsEachRecordOnce(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	var keys []care.RecordKey
	for range 3 {
		fn, id := appendOne("inc-1", nil)
		if _, err := s.Write(ctx, time.Now(), fn); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, care.RecordKey{Collection: "residents", ID: id})
	}
	for _, n := range []int{4, 8} {
		got, err := s.RecordsInRowsForTest(ctx, keys, n)
		if err != nil || got != 3 {
			t.Errorf("3 keys in a statement for %d: %d rows read, %v; want 3", n, got, err)
		}
	}
}
