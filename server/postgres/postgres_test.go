package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/continuity-care/continuity/migrations"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/care/storetest"
	"github.com/continuity-care/continuity/server/postgres"
	"github.com/continuity-care/continuity/server/postgres/pgtest"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// baseDSN and freshDB give each test its own schema (see pgtest).
func baseDSN(t testing.TB) string { return pgtest.BaseDSN(t) }

func freshDB(t testing.TB) string { return pgtest.FreshDSN(t) }

// connect opens one connection (pool settings in dsn are ignored).
func connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("CONTINUITY_TEST_POSTGRES: %v", err)
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg.ConnConfig)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	return conn
}

// connectAndOpen opens a plain connection and the store on dsn, both closed
// when the test ends.
func connectAndOpen(t testing.TB, dsn string) (*pgx.Conn, *postgres.Store) {
	t.Helper()
	conn := connect(t, dsn)
	t.Cleanup(func() { conn.Close(context.Background()) })
	s := open(t, dsn)
	t.Cleanup(func() { s.Close() })
	return conn, s
}

func open(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func TestStore_Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		dsn := freshDB(t)
		return func(t *testing.T) care.Store {
			s := open(t, dsn)
			s.SetBeforeCommit(jitter)
			return s
		}
	})
}

func TestStore_Open(t *testing.T) {
	t.Run("reopen is idempotent", func(t *testing.T) {
		dsn := freshDB(t)
		for i := 0; i < 2; i++ {
			s := open(t, dsn)
			if err := s.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
			s.Close()
		}
	})
	t.Run("replicas starting together migrate once", func(t *testing.T) {
		dsn := freshDB(t)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := postgres.Open(context.Background(), dsn)
				if err == nil {
					s.Close()
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("commits are always flushed", func(t *testing.T) {
		dsn := freshDB(t)
		if strings.Contains(dsn, "://") {
			dsn += "&synchronous_commit=off"
		} else {
			dsn += " synchronous_commit=off"
		}
		s := open(t, dsn)
		defer s.Close()
		if v, err := s.SettingForTest(context.Background(), "synchronous_commit"); err != nil || v != "on" {
			t.Fatalf("synchronous_commit = %q (%v), want on", v, err)
		}
	})
	t.Run("bad dsn fails clearly", func(t *testing.T) {
		baseDSN(t)
		if _, err := postgres.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"); err == nil {
			t.Fatal("want error")
		}
	})
}

// TestViews: every synced collection has a reporting view, and each one can be
// queried.
func TestViews(t *testing.T) {
	var all strings.Builder
	err := fs.WalkDir(migrations.Postgres(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.Postgres(), p)
		all.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	views := map[string]bool{}
	for _, m := range regexp.MustCompile(`CREATE VIEW v_(\w+)`).FindAllStringSubmatch(all.String(), -1) {
		views[m[1]] = true
	}
	for _, c := range schema.Domain() {
		if !views[c.Name] {
			t.Errorf("no view v_%s in migrations/postgres", c.Name)
		}
	}
	if os.Getenv("CONTINUITY_TEST_POSTGRES") == "" && os.Getenv("CI") != "true" {
		return
	}
	dsn := freshDB(t)
	s := open(t, dsn)
	defer s.Close()
	conn := connect(t, dsn)
	defer conn.Close(context.Background())
	for name := range views {
		if _, err := conn.Exec(context.Background(), "SELECT * FROM v_"+name+" LIMIT 1"); err != nil {
			t.Errorf("v_%s: %v", name, err)
		}
	}
}

// gen makes changes with increasing HLCs for one device.
type gen struct {
	clock *syncproto.Clock
	dev   string
}

func newGen(dev string) *gen {
	base := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	return &gen{clock: syncproto.NewClock(dev, func() time.Time { return base }), dev: dev}
}

func (g *gen) upsert(collection, record string, fields map[string]any) care.Incoming {
	f := map[string]json.RawMessage{}
	for k, v := range fields {
		b, _ := json.Marshal(v)
		f[k] = b
	}
	return incoming(syncproto.Change{ID: uuid.NewString(), Collection: collection, RecordID: record, Op: syncproto.OpUpsert,
		Fields: f, HLC: g.clock.Now(), RecordedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), DeviceID: g.dev})
}

func (g *gen) del(collection, record string) care.Incoming {
	return incoming(syncproto.Change{ID: uuid.NewString(), Collection: collection, RecordID: record, Op: syncproto.OpDelete,
		HLC: g.clock.Now(), RecordedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), DeviceID: g.dev})
}

func incoming(c syncproto.Change) care.Incoming {
	raw, _ := json.Marshal(c)
	return care.Incoming{Raw: raw, Change: c, ID: c.ID}
}

func allow(schema.Lookup, syncproto.Change, *syncproto.Record, *syncproto.Record) care.Verdict {
	return care.Verdict{}
}

func batch(check care.Checker, items ...care.Incoming) care.Batch {
	return care.Batch{Principal: care.Principal{Subject: "alice", Role: care.RoleSocialWorker, DeviceID: "tab-1"},
		ReceivedAt: time.Now(), Items: items, Check: check}
}

// readLog returns the whole log, checking positions are 1, 2, 3, ...
func readLog(t *testing.T, s care.Store) []care.LoggedChange {
	t.Helper()
	var out []care.LoggedChange
	var pos int64
	for {
		p, err := s.Changes(context.Background(), pos, care.Filter{}, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, lc := range p.Changes {
			if lc.Position != pos+1 {
				t.Fatalf("log position %d follows %d", lc.Position, pos)
			}
			pos = lc.Position
			out = append(out, lc)
		}
		if !p.More {
			return out
		}
	}
}

// TestReplicas: two Stores ("replicas") on one database take pushes at once,
// with overlapping records and the same changes retried on both, while
// readers on both follow the log. Every reader sees every applied change
// exactly once, in position order with no gap; no change is logged twice;
// every record's state is the merge of the changes logged for it.
func TestReplicas(t *testing.T) {
	t.Run("contended", func(t *testing.T) { testReplicas(t, 12) })
	t.Run("spread", func(t *testing.T) { testReplicas(t, 2000) })
}

// jitter widens the window between a push's append and its commit, where a
// log whose positions were not in commit order would let readers skip.
func jitter() { time.Sleep(time.Duration(mrand.IntN(1500)) * time.Microsecond) }

func testReplicas(t *testing.T, shared int) {
	dsn := freshDB(t)
	replicas := []*postgres.Store{open(t, dsn), open(t, dsn)}
	defer replicas[0].Close()
	defer replicas[1].Close()
	for _, r := range replicas {
		r.SetBeforeCommit(jitter)
	}
	ctx := context.Background()

	const writers, batches, perBatch = 6, 20, 10
	sharedIDs := make([]string, shared)
	for i := range sharedIDs {
		sharedIDs[i] = uuid.NewString()
	}
	// Written positions the checker saw for changes earlier in the same
	// batch, to compare with where they landed.
	var reported sync.Map
	check := func(l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) care.Verdict {
		if prev, ok := c.Fields["prev"]; ok {
			var id string
			_ = json.Unmarshal(prev, &id)
			if w, found, err := l.Written(id); err == nil && found {
				reported.Store(id, w.Position)
			}
		}
		return care.Verdict{}
	}

	type outcome struct{ id, status string }
	outcomes := make(chan outcome, writers*batches*perBatch*2)
	pushed := make(chan syncproto.Change, writers*batches*perBatch)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			g := newGen(fmt.Sprintf("tab-%d", w))
			for b := 0; b < batches; b++ {
				var items []care.Incoming
				prev := ""
				for i := 0; i < perBatch; i++ {
					var it care.Incoming
					fields := map[string]any{"given_name": fmt.Sprint(w, "-", b, "-", i)}
					if b%4 == 0 {
						// The checker asks where the previous change landed:
						// a position known only once the push appends.
						fields["prev"] = prev
					}
					switch {
					case i%5 == 4:
						it = g.del("residents", sharedIDs[(w+b+i)%shared])
					case i%2 == 0:
						it = g.upsert("residents", sharedIDs[(w*7+b+i)%shared], fields)
					default:
						it = g.upsert("residents", uuid.NewString(), fields)
					}
					prev = it.ID
					items = append(items, it)
					pushed <- it.Change
				}
				// The same push to both replicas at once, as a device whose
				// request timed out might retry it elsewhere.
				var pwg sync.WaitGroup
				for r := range replicas {
					pwg.Add(1)
					go func(r int) {
						defer pwg.Done()
						res, err := care.Apply(ctx, replicas[r], batch(check, items...))
						if err != nil {
							t.Errorf("Apply: %v", err)
							return
						}
						for _, x := range res.Results {
							outcomes <- outcome{x.ID, x.Status}
						}
					}(r)
				}
				pwg.Wait()
			}
		}(w)
	}

	const readers = 4
	done := make(chan struct{})
	seen := make([][]care.LoggedChange, readers)
	var rwg sync.WaitGroup
	for r := 0; r < readers; r++ {
		rwg.Add(1)
		go func(r int) {
			defer rwg.Done()
			s := replicas[r%2]
			var pos int64
			follow := func() bool {
				p, err := s.Changes(ctx, pos, care.Filter{}, 7)
				if err != nil {
					t.Errorf("Changes: %v", err)
					return false
				}
				for _, lc := range p.Changes {
					if lc.Position != pos+1 {
						t.Errorf("reader %d: position %d after %d", r, lc.Position, pos)
					}
					seen[r] = append(seen[r], lc)
					pos = lc.Position
				}
				return p.More
			}
			for {
				select {
				case <-done:
					for follow() {
					}
					return
				default:
					if !follow() {
						head, err := s.Head(ctx)
						if err != nil {
							t.Errorf("Head: %v", err)
							return
						}
						if head < pos {
							t.Errorf("reader %d: head %d behind what it read (%d)", r, head, pos)
						}
					}
				}
			}
		}(r)
	}
	wg.Wait()
	close(done)
	rwg.Wait()
	close(outcomes)
	close(pushed)
	if t.Failed() {
		return
	}

	applied := map[string]int{}
	for o := range outcomes {
		switch o.status {
		case syncproto.StatusApplied:
			applied[o.id]++
		case syncproto.StatusDuplicate:
		default:
			t.Fatalf("change %s: %s", o.id, o.status)
		}
	}
	total := writers * batches * perBatch
	if len(applied) != total {
		t.Fatalf("%d changes applied, want %d", len(applied), total)
	}
	for id, n := range applied {
		if n != 1 {
			t.Fatalf("change %s applied %d times", id, n)
		}
	}
	log := readLog(t, replicas[0])
	if len(log) != total {
		t.Fatalf("log has %d changes, want %d", len(log), total)
	}
	at := map[string]int64{}
	for _, lc := range log {
		if _, dup := at[storetest.MustChange(lc).ID]; dup {
			t.Fatalf("change %s logged twice", storetest.MustChange(lc).ID)
		}
		at[storetest.MustChange(lc).ID] = lc.Position
	}
	for r := range seen {
		if len(seen[r]) != total {
			t.Fatalf("reader %d saw %d changes, want %d", r, len(seen[r]), total)
		}
		for i, lc := range seen[r] {
			if storetest.MustChange(lc).ID != storetest.MustChange(log[i]).ID {
				t.Fatalf("reader %d: position %d is %s, log says %s", r, lc.Position, storetest.MustChange(lc).ID, storetest.MustChange(log[i]).ID)
			}
		}
	}
	if head, err := replicas[1].Head(ctx); err != nil || head != int64(total) {
		t.Fatalf("head = %d (%v), want %d", head, err, total)
	}
	checked := 0
	reported.Range(func(k, v any) bool {
		if at[k.(string)] != v.(int64) {
			t.Errorf("Written reported %s at %d; it is at %d", k, v, at[k.(string)])
		}
		checked++
		return true
	})
	if checked == 0 {
		t.Error("the checker never saw a Written position")
	}
	// Every record's state is the merge of everything pushed to it.
	want := map[string]*syncproto.Record{}
	for c := range pushed {
		r := want[c.RecordID]
		if r == nil {
			r = syncproto.NewRecord(c.Collection, c.RecordID)
			want[c.RecordID] = r
		}
		r.Apply(c)
	}
	for id, w := range want {
		got, err := replicas[1].Record(ctx, "residents", id)
		if err != nil || got == nil {
			t.Fatalf("record %s: %v %v", id, got, err)
		}
		if !got.Equal(w) {
			t.Fatalf("record %s\n got %+v\nwant %+v", id, got, w)
		}
		h, err := replicas[0].History(ctx, "residents", id)
		if err != nil {
			t.Fatal(err)
		}
		replay := syncproto.NewRecord("residents", id)
		for _, a := range h {
			replay.Apply(a.Change)
		}
		if !replay.Equal(w) {
			t.Fatalf("record %s: its history does not merge to its state", id)
		}
	}
	t.Logf("%d changes in %d pushes; %d attempts ran again", total, writers*batches*2, replicas[0].RetriesForTest()+replicas[1].RetriesForTest())
}

// oneMovePerResident rejects a move when the resident already has another:
// a rule that reads other records, which concurrent pushes must not both
// pass.
func oneMovePerResident(l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) care.Verdict {
	if c.Collection != "moves" {
		return care.Verdict{}
	}
	others, err := l.Find("moves", "resident_id", after.Value("resident_id"))
	if err != nil {
		return care.Verdict{Err: syncproto.Errorf(syncproto.CodeInternal, "", "%v", err)}
	}
	for _, o := range others {
		if o.ID != c.RecordID && !o.Deleted() {
			return care.Verdict{Err: syncproto.Errorf(syncproto.CodeRuleViolation, "fields.resident_id", "resident %s already has a move", o.Value("resident_id"))}
		}
	}
	return care.Verdict{}
}

// TestWriteSkew: pushes on two replicas race to give one resident a move.
// Exactly one wins, as if the pushes had run one at a time.
func TestWriteSkew(t *testing.T) {
	dsn := freshDB(t)
	replicas := []*postgres.Store{open(t, dsn), open(t, dsn)}
	defer replicas[0].Close()
	defer replicas[1].Close()
	ctx := context.Background()
	for round := 0; round < 10; round++ {
		resident := uuid.NewString()
		const racers = 6
		var wg sync.WaitGroup
		statuses := make(chan string, racers)
		start := make(chan struct{})
		for i := 0; i < racers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				g := newGen(fmt.Sprintf("tab-%d", i))
				// Another record in the batch too, so pushes also append.
				items := []care.Incoming{
					g.upsert("residents", uuid.NewString(), map[string]any{"given_name": "x"}),
					g.upsert("moves", uuid.NewString(), map[string]any{"resident_id": resident}),
				}
				<-start
				res, err := care.Apply(ctx, replicas[i%2], batch(oneMovePerResident, items...))
				if err != nil {
					t.Errorf("Apply: %v", err)
					return
				}
				statuses <- res.Results[1].Status
			}(i)
		}
		close(start)
		wg.Wait()
		close(statuses)
		won := 0
		for s := range statuses {
			if s == syncproto.StatusApplied {
				won++
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d moves applied for one resident, want 1", round, won)
		}
	}
	t.Logf("%d attempts ran again", replicas[0].RetriesForTest()+replicas[1].RetriesForTest())
}

// TestDeadlockRetried: two pushes lock records in opposite orders through the
// server changes they cause. PostgreSQL aborts one; it runs again and both
// land, with their server changes applied once.
func TestDeadlockRetried(t *testing.T) {
	dsn := freshDB(t)
	a, b := open(t, dsn), open(t, dsn)
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	r1, r2 := uuid.NewString(), uuid.NewString()
	g := newGen("tab-1")
	apply(t, a, allow, g.upsert("residents", r1, map[string]any{"given_name": "one"}), g.upsert("residents", r2, map[string]any{"given_name": "two"}))

	server := newGen("server")
	var mu sync.Mutex
	extras := map[string]syncproto.Change{} // by the record they are about, made once
	extraFor := func(record string) syncproto.Change {
		mu.Lock()
		defer mu.Unlock()
		if x, ok := extras[record]; ok {
			return x
		}
		x := server.upsert("residents", record, map[string]any{"notes": "touched"}).Change
		extras[record] = x
		return x
	}
	// Each push holds its own record, waits (the first time only) until the
	// other holds its own, then touches the other's record.
	held := map[string]chan struct{}{r1: make(chan struct{}), r2: make(chan struct{})}
	var once sync.Map
	crossing := func(other string) care.Checker {
		return func(l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) care.Verdict {
			if _, loaded := once.LoadOrStore(c.RecordID, true); !loaded {
				close(held[c.RecordID])
				select {
				case <-held[other]:
				case <-time.After(5 * time.Second):
				}
			}
			return care.Verdict{Extra: []syncproto.Change{extraFor(other)}}
		}
	}
	var wg sync.WaitGroup
	results := make([]care.BatchResult, 2)
	for i, p := range []struct {
		s            *postgres.Store
		mine, theirs string
	}{{a, r1, r2}, {b, r2, r1}} {
		wg.Add(1)
		it := g.upsert("residents", p.mine, map[string]any{"given_name": "mine"})
		go func(i int) {
			defer wg.Done()
			res, err := care.Apply(ctx, p.s, batch(crossing(p.theirs), it))
			if err != nil {
				t.Errorf("Apply: %v", err)
			}
			results[i] = res
		}(i)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i, res := range results {
		if res.Results[0].Status != syncproto.StatusApplied {
			t.Fatalf("push %d: %+v", i, res.Results)
		}
	}
	if n := a.RetriesForTest() + b.RetriesForTest(); n == 0 {
		t.Fatal("no push ran again: the test did not deadlock")
	}
	log := readLog(t, a)
	if len(log) != 2+2+2 {
		t.Fatalf("log has %d changes, want 6", len(log))
	}
	for _, r := range []string{r1, r2} {
		rec, _ := a.Record(ctx, "residents", r)
		if string(rec.Value("notes")) != `"touched"` || string(rec.Value("given_name")) != `"mine"` {
			t.Fatalf("record %s = %+v", r, rec.Object())
		}
	}
}

func apply(t *testing.T, s care.Store, check care.Checker, items ...care.Incoming) care.BatchResult {
	t.Helper()
	res, err := care.Apply(context.Background(), s, batch(check, items...))
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return res
}

// TestUnstorable: a change PostgreSQL could not store or index is quarantined
// with the field named; the rest of the push applies and later pushes work.
func TestUnstorable(t *testing.T) {
	dsn := freshDB(t)
	s := open(t, dsn)
	defer s.Close()
	ctx := context.Background()
	g := newGen("tab-1")
	rec := uuid.NewString()
	nul := g.upsert("residents", rec, map[string]any{"given_name": "A\u0000B"})
	surrogate := g.upsert("residents", rec, map[string]any{"given_name": "x"})
	surrogate.Change.Fields["given_name"] = json.RawMessage(`"\ud800"`)
	good := g.upsert("residents", rec, map[string]any{"given_name": "Ada"})
	badUTF8 := care.Incoming{Raw: []byte("{\"id\":\"\xff\"}"), ID: "x", Err: syncproto.Errorf(syncproto.CodeInvalidJSON, "", "bad")}
	res := apply(t, s, allow, nul, surrogate, good, badUTF8)
	got := []string{res.Results[0].Status, res.Results[1].Status, res.Results[2].Status, res.Results[3].Status}
	if fmt.Sprint(got) != "[rejected rejected applied rejected]" {
		t.Fatalf("statuses %v", got)
	}
	if e := res.Results[0].Error; e == nil || e.Code != syncproto.CodeInvalidValue || e.Field != "fields.given_name" {
		t.Fatalf("error = %+v", e)
	}
	q, err := s.Quarantine(ctx, care.QuarantineFilter{Limit: 10})
	if err != nil || len(q) != 3 {
		t.Fatalf("quarantine: %d entries, %v", len(q), err)
	}
	for _, e := range q {
		if !json.Valid(e.Raw) {
			t.Fatalf("quarantined raw is not JSON: %q", e.Raw)
		}
	}
	// A lookup over the collection still works.
	apply(t, s, func(l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) care.Verdict {
		if _, err := l.Find("residents", "given_name", json.RawMessage(`"Ada"`)); err != nil {
			t.Errorf("Find: %v", err)
		}
		return care.Verdict{}
	}, g.upsert("residents", uuid.NewString(), map[string]any{"given_name": "Bo"}))
}

// TestFind: lookups compare as JSON, see the push's own writes, and find
// nothing for null; rejected new records leave no row behind.
func TestFind(t *testing.T) {
	dsn := freshDB(t)
	s := open(t, dsn)
	defer s.Close()
	ctx := context.Background()
	g := newGen("tab-1")
	res := uuid.NewString()
	apply(t, s, allow,
		g.upsert("moves", uuid.NewString(), map[string]any{"resident_id": res, "legs": 2}),
		g.upsert("moves", uuid.NewString(), map[string]any{"resident_id": res, "legs": 2.0, "flag": true}),
		g.upsert("moves", uuid.NewString(), map[string]any{"resident_id": "other", "legs": "2"}),
	)
	count := func(field string, value string) int {
		n := -1
		apply(t, s, func(l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) care.Verdict {
			recs, err := l.Find("moves", field, json.RawMessage(value))
			if err != nil {
				t.Errorf("Find(%s, %s): %v", field, value, err)
			}
			n = len(recs)
			return care.Verdict{Err: syncproto.Errorf(syncproto.CodeRuleViolation, "", "probe")}
		}, g.upsert("probes", uuid.NewString(), map[string]any{"x": 1}))
		return n
	}
	cases := []struct {
		field, value string
		want         int
	}{
		{"resident_id", `"` + res + `"`, 2},
		{"legs", `2`, 2},
		{"legs", `"2"`, 1},
		{"flag", `true`, 1},
		{"resident_id", `null`, 0},
		{"missing", `"x"`, 0},
	}
	for _, c := range cases {
		if got := count(c.field, c.value); got != c.want {
			t.Errorf("Find(%s = %s) = %d, want %d", c.field, c.value, got, c.want)
		}
	}
	// The probes were rejected: their new records must not exist.
	if st, err := s.State(ctx, "", "", care.Filter{}, 100); err != nil || len(st.Records) != 3 {
		t.Fatalf("state has %d records (%v), want 3", len(st.Records), err)
	}
	conn := connect(t, dsn)
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM records WHERE state IS NULL OR created_seq IS NULL OR updated_seq IS NULL").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d records without state or positions (%v)", n, err)
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM v_moves WHERE resident_id = $1", res).Scan(&n); err != nil || n != 2 {
		t.Fatalf("v_moves has %d moves of the resident (%v), want 2", n, err)
	}
	if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `EXPLAIN SELECT record_id, state FROM records WHERE collection = 'moves' AND state->'fields'->'resident_id'->>'value' = $1 AND json_typeof(state->'fields'->'resident_id'->'value') = 'string' ORDER BY record_id`, "x")
	if err != nil {
		t.Fatal(err)
	}
	var plan string
	for rows.Next() {
		var line string
		_ = rows.Scan(&line)
		plan += line + "\n"
	}
	if !strings.Contains(plan, "records_moves_by_resident_id") {
		t.Errorf("string lookup does not use records_moves_by_resident_id:\n%s", plan)
	}
}

// TestAccess covers the access store, including two replicas rotating the
// same refresh token at once.
func TestAccess(t *testing.T) {
	dsn := freshDB(t)
	s := open(t, dsn)
	defer s.Close()
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	if _, err := s.User(ctx, "nobody"); err != care.ErrNotFound {
		t.Fatalf("User(nobody) = %v", err)
	}
	if err := s.PutUser(ctx, care.User{Subject: "bob", Role: care.RoleSocialWorker, Name: "Bob", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutUser(ctx, care.User{Subject: "bob", Role: care.RoleDirector, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	u, err := s.User(ctx, "bob")
	if err != nil || u.Role != care.RoleDirector || u.Name != "Bob" || !u.CreatedAt.Equal(now) || u.CreatedAt.Location() != time.UTC {
		t.Fatalf("User = %+v, %v", u, err)
	}
	if err := s.EnrolDevice(ctx, care.Device{ID: "tab-9", Subject: "ghost", EnrolledAt: now}); !isErr(err, care.ErrNotFound) {
		t.Fatalf("enrol for unknown user: %v", err)
	}
	if err := s.EnrolDevice(ctx, care.Device{ID: "tab-9", Subject: "bob", EnrolledAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.EnrolDevice(ctx, care.Device{ID: "tab-9", Subject: "bob", EnrolledAt: now}); !isErr(err, care.ErrExists) {
		t.Fatalf("enrol twice: %v", err)
	}
	inc := uuid.NewString()
	for i := 0; i < 2; i++ {
		if err := s.GrantScope(ctx, care.Grant{Subject: "bob", IncidentID: inc, GrantedAt: now, GrantedBy: "admin"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.GrantScope(ctx, care.Grant{Subject: "ghost", IncidentID: inc, GrantedAt: now}); !isErr(err, care.ErrNotFound) {
		t.Fatalf("grant to unknown user: %v", err)
	}
	if g, _ := s.Grants(ctx, "bob"); fmt.Sprint(g) != fmt.Sprint([]string{inc}) {
		t.Fatalf("grants = %v", g)
	}
	if err := s.RevokeScope(ctx, "bob", inc, now); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeScope(ctx, "bob", inc, now); !isErr(err, care.ErrNotFound) {
		t.Fatalf("revoke twice: %v", err)
	}
	if g, _ := s.Grants(ctx, "bob"); len(g) != 0 {
		t.Fatalf("grants after revoke = %v", g)
	}

	// Revoking the device revokes its tokens.
	if err := s.PutRefreshToken(ctx, care.RefreshToken{ID: "u1", Family: "f2", DeviceID: "tab-9", Hash: []byte{9}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeDevice(ctx, "tab-9", now); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeDevice(ctx, "tab-0", now); !isErr(err, care.ErrNotFound) {
		t.Fatalf("revoke unknown device: %v", err)
	}
	if d, err := s.Device(ctx, "tab-9"); err != nil || d.RevokedAt == nil || !d.RevokedAt.Equal(now) {
		t.Fatalf("device = %+v, %v", d, err)
	}
	if ds, _ := s.Devices(ctx); len(ds) != 1 {
		t.Fatalf("devices = %+v", ds)
	}
	if us, _ := s.Users(ctx); len(us) != 1 {
		t.Fatalf("users = %+v", us)
	}
}

func isErr(err, target error) bool { return errors.Is(err, target) }

// BenchmarkApply measures pushes of 50 new records each, from 1 and 8
// concurrent pushers, with random (v4) and time-ordered (v7) ids for the
// changes and records.
func BenchmarkApply(b *testing.B) {
	for _, bc := range []struct {
		ids     string
		pushers int
	}{{"v4", 1}, {"v4", 8}, {"v7", 1}, {"v7", 8}} {
		pushers := bc.pushers
		newID := uuid.NewString
		if bc.ids == "v7" {
			newID = func() string { return uuid.Must(uuid.NewV7()).String() }
		}
		b.Run(fmt.Sprintf("ids=%s/pushers=%d", bc.ids, pushers), func(b *testing.B) {
			dsn := freshDB(b)
			s := open(b, dsn)
			defer s.Close()
			ctx := context.Background()
			const perPush = 50
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for p := 0; p < pushers; p++ {
				wg.Add(1)
				go func(p int) {
					defer wg.Done()
					g := newGen(fmt.Sprint("tab-", p))
					for next.Add(1) <= int64(b.N) {
						items := make([]care.Incoming, perPush)
						for i := range items {
							items[i] = g.upsert("residents", newID(), map[string]any{"given_name": "n", "incident_id": "x"})
							items[i].Change.ID = newID()
							items[i] = incoming(items[i].Change)
						}
						if _, err := care.Apply(ctx, s, batch(allow, items...)); err != nil {
							b.Error(err)
							return
						}
					}
				}(p)
			}
			wg.Wait()
			b.ReportMetric(float64(b.N*perPush)/b.Elapsed().Seconds(), "changes/s")
			// The indexes that find a change or a record by id: their size
			// per change says how many pages random ids spread over.
			conn := connect(b, dsn)
			defer conn.Close(ctx)
			var size int64
			if err := conn.QueryRow(ctx, `SELECT pg_relation_size('changes_id_key') + pg_relation_size('changes_record')
				+ pg_relation_size('records_pkey')`).Scan(&size); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(size)/float64(b.N*perPush), "id-index-bytes/change")
		})
	}
}

// TestStore_RefreshRotation runs the refresh-token rotation checks on two
// replicas sharing one database: the token row lock serialises them.
func TestStore_RefreshRotation(t *testing.T) {
	dsn := freshDB(t)
	conn, a := connectAndOpen(t, dsn)
	b := open(t, dsn)
	defer b.Close()
	storetest.RefreshRotation(t, a, b, func(family string) []string {
		rows, err := conn.Query(context.Background(), "SELECT id FROM refresh_tokens WHERE family = $1 AND revoked_at IS NULL AND used_at IS NULL ORDER BY id", family)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return ids
	})
}

// TestStore_EnrolmentCodes runs the enrolment-code checks on two replicas
// sharing one database.
func TestStore_EnrolmentCodes(t *testing.T) {
	dsn := freshDB(t)
	a, b := open(t, dsn), open(t, dsn)
	defer a.Close()
	defer b.Close()
	storetest.EnrolmentCodes(t, a, b)
}

// TestStore_MigrateTombstoneScopes: migration 00006 files the tombstones
// (and the changes written onto them) that older releases stored under no
// incident back under their record's incident.
func TestStore_MigrateTombstoneScopes(t *testing.T) {
	dsn := freshDB(t)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	storetest.MigrateLegacy(t, storetest.LegacyDB{
		DB: stdlib.OpenDB(*cfg.ConnConfig), Dialect: goose.DialectPostgres, Migrations: migrations.Postgres(),
		Placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
		Arg: func(v any) any {
			if b, ok := v.([]byte); ok {
				return string(b)
			}
			return v
		},
		Head: "UPDATE log_head SET seq = ?",
		Open: func(t *testing.T) care.Store { return open(t, dsn) },
	})
}
