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
// durable (WAL, synchronous=FULL) and checkpoints at walAutocheckpoint pages.
func TestStore_WriterSettings(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	for _, tc := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"wal_autocheckpoint", "8192"},
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
		INSERT INTO records (collection, record_id, scope, state, created_seq, updated_seq)
		SELECT CASE i % 4 WHEN 0 THEN 'residents' WHEN 1 THEN 'providers' WHEN 2 THEN 'moves' ELSE 'concerns' END,
			lower(hex(randomblob(16))), CASE WHEN i % 4 = 1 THEN '' ELSE 'incident-' || (i % 200) END, '{}', i, i FROM n;
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
