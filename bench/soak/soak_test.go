package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/continuity-care/continuity/syncproto/domain"
)

func testWorld(t *testing.T) *world {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	w, err := loadWorld(filepath.Join(root, defaultOptions().Scenario))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The soak's changes must be ones the server applies: valid against the
// schema, and allowed to the device's role (create or update as the record
// stands), so that a rejection in a soak is a finding about the server.
func TestAuthor_Next(t *testing.T) {
	w := testWorld(t)
	reg := domain.Registry(domain.Options{})
	for _, role := range []string{roleSocialWorker, roleTransport} {
		t.Run(role, func(t *testing.T) {
			a := &author{w: w, role: role, name: "Pat Example", clock: syncproto.NewClock("tab-1", nil), rng: rand.New(rand.NewPCG(3, 4))}
			// Demo residents exist before the soak starts.
			state := map[string]*syncproto.Record{}
			for _, id := range w.residents {
				r := syncproto.NewRecord("residents", id)
				r.Apply(syncproto.Change{ID: "seed-" + id, Collection: "residents", RecordID: id, Op: syncproto.OpUpsert,
					Fields: map[string]json.RawMessage{"given_name": json.RawMessage(`"A"`)}, HLC: syncproto.HLC{Wall: 1, Node: "seed"}})
				state["residents/"+id] = r
			}
			collections := map[string]int{}
			var last syncproto.HLC
			for i := range 2000 {
				c := a.next(time.Now())
				collections[c.Collection]++
				raw, err := json.Marshal(c)
				if err != nil {
					t.Fatal(err)
				}
				parsed, perr := syncproto.ParseChange(raw)
				if perr != nil {
					t.Fatalf("change %d does not parse: %v\n%s", i, perr, raw)
				}
				if parsed.HLC.Compare(last) <= 0 {
					t.Fatalf("change %d: stamp %s is not after %s", i, parsed.HLC, last)
				}
				last = parsed.HLC
				key := c.Collection + "/" + c.RecordID
				cur := state[key]
				if e := reg.CheckFields(parsed, cur); e != nil {
					t.Fatalf("change %d fails the schema: %v\n%s", i, e, raw)
				}
				op := access.Create
				if cur != nil && cur.Exists() {
					op = access.Update
				}
				var fields []string
				for f := range parsed.Fields {
					fields = append(fields, f)
				}
				if e := access.Check(role, parsed.Collection, op, fields); e != nil {
					t.Fatalf("change %d (%s %s) is not allowed to a %s: %v", i, op, parsed.Collection, role, e)
				}
				if cur == nil {
					cur = syncproto.NewRecord(c.Collection, c.RecordID)
					state[key] = cur
				}
				cur.Apply(parsed)
			}
			want := map[string][]string{
				roleSocialWorker: {"safe_and_well_checks", "residents", "communications_log"},
				roleTransport:    {"movement_log", "communications_log"},
			}[role]
			for _, col := range want {
				if collections[col] == 0 {
					t.Errorf("a %s wrote no %s in 2000 changes: %v", role, col, collections)
				}
			}
		})
	}
}

func TestCompare(t *testing.T) {
	mk := func(id, text string) syncproto.Change {
		return syncproto.Change{ID: id, Collection: "residents", RecordID: "r1", Op: syncproto.OpUpsert,
			Fields: map[string]json.RawMessage{"notes": json.RawMessage(text)}, HLC: syncproto.HLC{Wall: 5, Node: "tab-1"}}
	}
	ok, lost, changed, moved := mk("a", `"x"`), mk("b", `"y"`), mk("c", `"z"`), mk("d", `"w"`)
	ackd := map[string]acked{}
	for _, c := range []syncproto.Change{ok, lost, changed, moved} {
		ackd[c.ID] = acked{digest: digest(c), device: "tab-1", status: syncproto.StatusApplied}
	}
	// The server may spell a string differently; the meaning counts.
	okEscaped := mk("a", `"\u0078"`)
	log := map[string]logEntry{
		"a": {digest: digest(okEscaped), device: "tab-1"},
		"c": {digest: digest(mk("c", `"other"`)), device: "tab-1"},
		"d": {digest: digest(moved), device: "tab-2"},
		"e": {digest: digest(mk("e", `"v"`)), device: "tab-1"},
		"f": {digest: digest(mk("f", `"u"`)), device: "tab-9"},
	}
	sent := map[string]bool{"a": true, "b": true, "c": true, "d": true, "e": true}
	got := compare(ackd, sent, log)
	if got.acked != 4 || got.found != 3 || got.lost != 1 || got.altered != 2 || got.unackedFound != 1 {
		t.Fatalf("compare = %+v; want 4 acknowledged, 3 found, 1 lost, 2 altered, 1 found unacknowledged", got)
	}
	if len(got.examples) != 3 || !strings.Contains(strings.Join(got.examples, "\n"), "lost: change b") {
		t.Errorf("examples = %q", got.examples)
	}
}

func TestSplitLatencies(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	kills := []killEvent{{at: at(10), ready: at(10.5)}}
	samples := []sample{
		{at(1), 5 * time.Millisecond},        // steady
		{at(9.9), 200 * time.Millisecond},    // in flight at the kill
		{at(10.6), 40 * time.Millisecond},    // reconnection rush
		{at(12.6), 3 * time.Millisecond},     // steady again
		{at(9.99), 9 * time.Millisecond},     // answered before the kill
		{at(10), 1 * time.Millisecond},       // started at the kill instant
		{at(12.49), 2 * time.Millisecond},    // still within the window
		{at(20), 1500 * time.Millisecond},    // slow but between kills
		{at(9.5), 1000 * time.Millisecond},   // straddles
		{at(0), 10000 * time.Millisecond},    // straddles
		{at(10.4), 50 * time.Millisecond},    // started while down: straddles nothing, before ready
		{at(10.5), 7 * time.Millisecond},     // at ready
		{at(30), 0},                          // zero-length
		{at(11), 10000 * time.Millisecond},   // long, after the kill
		{at(2), 7999 * time.Millisecond},     // ends just before the kill
		{at(2), 8000 * time.Millisecond},     // ends at the kill instant
		{at(10.55), 100 * time.Millisecond},  // rush
		{at(12.5), 100 * time.Millisecond},   // window is half-open
		{at(12.499), 100 * time.Millisecond}, // inside
	}
	l := splitLatencies(samples, kills)
	if l.straddled != 5 {
		t.Errorf("straddled = %d, want 5", l.straddled)
	}
	if len(l.recovery) != 6 {
		t.Errorf("recovery = %v, want 6 samples", l.recovery)
	}
	if len(l.between) != len(samples)-5 || len(l.steady)+len(l.recovery) != len(l.between) {
		t.Errorf("between %d, steady %d, recovery %d of %d", len(l.between), len(l.steady), len(l.recovery), len(samples))
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}, {1, time.Millisecond}} {
		if got := percentile(ds, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("p99 of nothing = %v", got)
	}
	if ds[0] != 100*time.Millisecond {
		t.Error("percentile sorted its argument in place")
	}
}

// A tiny soak against the real server binary: it keeps the command working.
// It asserts what must hold (nothing acknowledged lost or altered, no 5xx,
// no unprompted exit), never timing.
func TestSoak_Small(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server; skipped with -short")
	}
	opts := defaultOptions()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	opts.Repo, opts.DB = root, t.TempDir()
	opts.Devices, opts.Duration, opts.Kills = 5, 3*time.Second, 1
	opts.Interval, opts.Drain = 300*time.Millisecond, 30*time.Second
	// The hostile cases run, and their answers are checked; their RSS
	// growth is a benchmark figure, reported, not asserted.
	opts.AmplifyLimit = 0
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := soak(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	report(&table, res)
	t.Log(table.String())
	if res.verifyErr != nil {
		t.Fatalf("final pull: %v", res.verifyErr)
	}
	if len(res.kills) != 1 {
		t.Errorf("%d kills, want 1", len(res.kills))
	}
	if res.check.acked == 0 {
		t.Fatal("nothing was acknowledged")
	}
	if res.check.lost != 0 || res.check.altered != 0 {
		t.Errorf("%d acknowledged changes lost, %d altered: %v", res.check.lost, res.check.altered, res.check.examples)
	}
	if n := res.serverErrors(); n != 0 {
		t.Errorf("%d 5xx responses: %v", n, res.counters.firstError)
	}
	if res.crashes != 0 {
		t.Errorf("the server exited on its own: %v", res.crashLog)
	}
	if len(res.rejected) != 0 {
		t.Errorf("changes rejected: %v %v", res.rejected, res.firstRejected)
	}
	if len(res.hostile) != 2 {
		t.Fatalf("%d hostile cases ran, want 2", len(res.hostile))
	}
	if flood := res.hostile[0]; flood.statuses[http.StatusOK] != api.DefaultMaxStreamsPerDevice || flood.statuses[http.StatusTooManyRequests] == 0 {
		t.Errorf("stream flood from one device: answers %v, want %d streams let in and the rest 429", flood.statuses, api.DefaultMaxStreamsPerDevice)
	}
	if amp := res.hostile[1]; amp.statuses[http.StatusOK] == 0 {
		t.Errorf("amplification pushes: answers %v, want some answered", amp.statuses)
	}
	if fails := res.failures(); len(fails) != 0 {
		t.Errorf("failures: %v", fails)
	}
}
