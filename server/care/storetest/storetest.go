// Package storetest is the conformance suite every care.Store implementation
// runs: idempotent apply, quarantine, commit-order log with scopes, compacted
// state pages, durability across reopen, and the no-skip guarantee under
// concurrent pushes and pulls.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// Opener opens the store under test. Calling it twice with the same t gives
// two handles on the same database (the second after the first is closed, to
// check durability).
type Opener func(t *testing.T) care.Store

// Run runs the whole suite. newDB returns an Opener bound to a fresh database.
func Run(t *testing.T, newDB func(t *testing.T) Opener) {
	t.Run("ApplyAndDuplicates", func(t *testing.T) { testApply(t, newDB(t)) })
	t.Run("Quarantine", func(t *testing.T) { testQuarantine(t, newDB(t)) })
	t.Run("ChangesInCommitOrder", func(t *testing.T) { testChanges(t, newDB(t)) })
	t.Run("ScopesFilter", func(t *testing.T) { testScopes(t, newDB(t)) })
	t.Run("StatePages", func(t *testing.T) { testState(t, newDB(t)) })
	t.Run("LookupInsideBatch", func(t *testing.T) { testLookup(t, newDB(t)) })
	t.Run("TombstoneKeepsScope", func(t *testing.T) { testTombstoneScope(t, newDB(t)) })
	t.Run("DuplicateAfterCheck", func(t *testing.T) { testDuplicate(t, newDB(t)) })
	t.Run("QuarantineByScope", func(t *testing.T) { testQuarantineScopes(t, newDB(t)) })
	t.Run("Durable", func(t *testing.T) { testDurable(t, newDB(t)) })
	t.Run("Epoch", func(t *testing.T) { testEpoch(t, newDB(t)) })
	t.Run("ConcurrentNoSkip", func(t *testing.T) { testNoSkip(t, newDB(t)) })
}

var principal = care.Principal{Subject: "alice", Role: care.RoleSocialWorker, DeviceID: "tab-1"}

// allow accepts every change, scoping it by its incident_id field.
func allow(_ schema.Lookup, c syncproto.Change, before, _ *syncproto.Record) care.Verdict {
	if v, ok := c.Fields["incident_id"]; ok {
		var s string
		_ = json.Unmarshal(v, &s)
		return care.Verdict{Scope: s}
	}
	var s string
	if before != nil {
		_ = json.Unmarshal(before.Value("incident_id"), &s)
	}
	return care.Verdict{Scope: s}
}

// changeGen makes valid changes with increasing HLCs.
type changeGen struct {
	clock *syncproto.Clock
	dev   string
}

func newGen(dev string) *changeGen {
	base := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	return &changeGen{clock: syncproto.NewClock(dev, func() time.Time { return base }), dev: dev}
}

func (g *changeGen) upsert(collection, record string, fields map[string]any) care.Incoming {
	f := map[string]json.RawMessage{}
	for k, v := range fields {
		b, _ := json.Marshal(v)
		f[k] = b
	}
	c := syncproto.Change{ID: uuid.NewString(), Collection: collection, RecordID: record, Op: syncproto.OpUpsert,
		Fields: f, HLC: g.clock.Now(), RecordedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), DeviceID: g.dev}
	raw, _ := json.Marshal(c)
	return care.Incoming{Raw: raw, Change: c, ID: c.ID}
}

func (g *changeGen) del(collection, record string) care.Incoming {
	c := syncproto.Change{ID: uuid.NewString(), Collection: collection, RecordID: record, Op: syncproto.OpDelete,
		HLC: g.clock.Now(), RecordedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), DeviceID: g.dev}
	raw, _ := json.Marshal(c)
	return care.Incoming{Raw: raw, Change: c, ID: c.ID}
}

func apply(t *testing.T, s care.Store, check care.Checker, items ...care.Incoming) care.BatchResult {
	t.Helper()
	if check == nil {
		check = allow
	}
	res, err := care.Apply(context.Background(), s, care.Batch{Principal: principal, ReceivedAt: time.Now(), Items: items, Check: check})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if len(res.Results) != len(items) {
		t.Fatalf("Apply returned %d results for %d items", len(res.Results), len(items))
	}
	return res
}

func statuses(res care.BatchResult) []string {
	out := make([]string, len(res.Results))
	for i, r := range res.Results {
		out[i] = r.Status
	}
	return out
}

func wantStatuses(t *testing.T, res care.BatchResult, want ...string) {
	t.Helper()
	got := statuses(res)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
}

func testApply(t *testing.T, open Opener) {
	s := open(t)
	defer s.Close()
	ctx := context.Background()
	g := newGen("tab-1")
	rec := uuid.NewString()
	inc := uuid.NewString()
	a := g.upsert("residents", rec, map[string]any{"incident_id": inc, "given_name": "Ada"})
	b := g.upsert("residents", rec, map[string]any{"given_name": "Ada May"})
	res := apply(t, s, nil, a, b, a)
	wantStatuses(t, res, "applied", "applied", "duplicate")
	if res.Position < 2 {
		t.Fatalf("position = %d, want >= 2", res.Position)
	}
	// Retried in a later batch: duplicate, nothing changes.
	res2 := apply(t, s, nil, b, a)
	wantStatuses(t, res2, "duplicate", "duplicate")
	if res2.Position != res.Position {
		t.Fatalf("a batch of duplicates moved the log from %d to %d", res.Position, res2.Position)
	}
	r, err := s.Record(ctx, "residents", rec)
	if err != nil || r == nil {
		t.Fatalf("Record: %v %v", r, err)
	}
	if got := string(r.Value("given_name")); got != `"Ada May"` {
		t.Fatalf("given_name = %s", got)
	}
	// A delete tombstones the record; state says so.
	apply(t, s, nil, g.del("residents", rec))
	r, _ = s.Record(ctx, "residents", rec)
	if !r.Deleted() {
		t.Fatalf("record not deleted after delete: %+v", r)
	}
	if r2, _ := s.Record(ctx, "residents", uuid.NewString()); r2 != nil {
		t.Fatalf("unknown record = %+v, want nil", r2)
	}
}

func testQuarantine(t *testing.T, open Opener) {
	s := open(t)
	defer s.Close()
	ctx := context.Background()
	g := newGen("tab-1")
	good := g.upsert("residents", uuid.NewString(), map[string]any{"given_name": "Bea"})
	bad := g.upsert("residents", uuid.NewString(), map[string]any{"given_name": "Cy"})
	unparsed := care.Incoming{Raw: json.RawMessage(`{"id":"x"}`), ID: "x", Err: syncproto.Errorf(syncproto.CodeInvalidUUID, "id", "id must be a UUID")}
	notJSON := care.Incoming{Raw: json.RawMessage(`{not json`), Err: syncproto.Errorf(syncproto.CodeInvalidJSON, "", "bad")}
	reject := func(l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) care.Verdict {
		if c.ID == bad.ID {
			return care.Verdict{Err: syncproto.Errorf(syncproto.CodeRuleViolation, "fields.given_name", "no")}
		}
		return allow(l, c, before, after)
	}
	res := apply(t, s, reject, good, bad, unparsed, notJSON)
	wantStatuses(t, res, "applied", "rejected", "rejected", "rejected")
	if res.Results[1].Error == nil || res.Results[1].Error.Code != syncproto.CodeRuleViolation {
		t.Fatalf("rejection error = %+v", res.Results[1].Error)
	}
	q, err := s.Quarantine(ctx, care.QuarantineFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 3 {
		t.Fatalf("quarantine has %d entries, want 3: %+v", len(q), q)
	}
	if q[0].ChangeID != bad.ID || q[0].Error.Code != syncproto.CodeRuleViolation || q[0].Error.Field != "fields.given_name" || q[0].DeviceID != "tab-1" || q[0].Subject != "alice" {
		t.Fatalf("entry 0 = %+v", q[0])
	}
	if !json.Valid(q[2].Raw) {
		t.Fatalf("raw of a non-JSON change is not kept as valid JSON: %s", q[2].Raw)
	}
	// A rejected change is not in the log; retrying it is not a duplicate.
	res = apply(t, s, nil, bad)
	wantStatuses(t, res, "applied")
	// Its quarantine entry now says so, and drops out of the open list.
	q, _ = s.Quarantine(ctx, care.QuarantineFilter{Limit: 100})
	if !q[0].AppliedLater || q[1].AppliedLater {
		t.Fatalf("applied_later = %v, %v", q[0].AppliedLater, q[1].AppliedLater)
	}
	if open, _ := s.Quarantine(ctx, care.QuarantineFilter{Limit: 100, OpenOnly: true}); len(open) != 2 {
		t.Fatalf("open entries = %d, want 2", len(open))
	}
	// Filters: by device and paging.
	q, _ = s.Quarantine(ctx, care.QuarantineFilter{DeviceID: "other", Limit: 100})
	if len(q) != 0 {
		t.Fatalf("device filter returned %d entries", len(q))
	}
	all, _ := s.Quarantine(ctx, care.QuarantineFilter{Limit: 100})
	q, _ = s.Quarantine(ctx, care.QuarantineFilter{AfterID: all[0].ID, Limit: 1})
	if len(q) != 1 || q[0].ID != all[1].ID {
		t.Fatalf("paging after %d returned %+v", all[0].ID, q)
	}
}

func testChanges(t *testing.T, open Opener) {
	s := open(t)
	defer s.Close()
	ctx := context.Background()
	g := newGen("tab-1")
	var ids []string
	for i := 0; i < 3; i++ {
		var items []care.Incoming
		for j := 0; j < 4; j++ {
			it := g.upsert("residents", uuid.NewString(), map[string]any{"given_name": fmt.Sprint(i, j)})
			items = append(items, it)
			ids = append(ids, it.ID)
		}
		apply(t, s, nil, items...)
	}
	head, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var pos int64
	pages := 0
	for {
		p, err := s.Changes(ctx, pos, care.Filter{}, 5)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		last := pos
		for _, lc := range p.Changes {
			if lc.Position <= last {
				t.Fatalf("positions not increasing: %d after %d", lc.Position, last)
			}
			last = lc.Position
			if mustChange(lc).DeviceID != "tab-1" {
				t.Fatalf("change lost its device id: %+v", mustChange(lc))
			}
			got = append(got, mustChange(lc).ID)
		}
		pos = last
		if !p.More {
			break
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Fatalf("log order differs from commit order\n got %v\nwant %v", got, ids)
	}
	if pos != head || pages != 3 {
		t.Fatalf("ended at %d after %d pages; head %d", pos, pages, head)
	}
	p, _ := s.Changes(ctx, head, care.Filter{}, 10)
	if len(p.Changes) != 0 || p.More {
		t.Fatalf("changes after head = %+v", p)
	}
}

func testScopes(t *testing.T, open Opener) {
	s := open(t)
	defer s.Close()
	ctx := context.Background()
	g := newGen("tab-1")
	incA, incB := uuid.NewString(), uuid.NewString()
	a := g.upsert("residents", uuid.NewString(), map[string]any{"incident_id": incA, "given_name": "A"})
	b := g.upsert("residents", uuid.NewString(), map[string]any{"incident_id": incB, "given_name": "B"})
	u := g.upsert("providers", uuid.NewString(), map[string]any{"name": "Unscoped Ltd"})
	a2 := g.upsert("residents", a.Change.RecordID, map[string]any{"given_name": "A2"}) // scope from state
	// A record of a scoped collection filed under no incident (the sync
	// service refuses to make one; older databases have them): only an
	// all-incidents filter lets it through.
	orphan := g.del("residents", uuid.NewString())
	apply(t, s, nil, a, b, u, a2, orphan)
	unscoped := []string{"providers", "services"}
	cases := []struct {
		name    string
		scopes  []string
		want    []string // change ids in the log
		records int      // records in the state
	}{
		{"all", nil, []string{a.ID, b.ID, u.ID, a2.ID, orphan.ID}, 4},
		{"incident A", []string{incA}, []string{a.ID, u.ID, a2.ID}, 2},
		{"incident B", []string{incB}, []string{b.ID, u.ID}, 2},
		{"none", []string{}, []string{u.ID}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := care.Filter{Scopes: tc.scopes, Unscoped: unscoped}
			p, err := s.Changes(ctx, 0, f, 100)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, lc := range p.Changes {
				got = append(got, mustChange(lc).ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("log: got %v want %v", got, tc.want)
			}
			rs, err := s.Records(ctx, "residents", f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.Collection != "residents" {
					t.Fatalf("Records returned a %s", r.Collection)
				}
				if tc.scopes != nil && !slices.Contains(tc.scopes, r.Scope) {
					t.Fatalf("Records returned %s filed under %q for %v", r.ID, r.Scope, tc.scopes)
				}
			}
			sp, err := s.State(ctx, "", "", f, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(sp.Records) != tc.records {
				t.Fatalf("state: %d records for %v", len(sp.Records), tc.scopes)
			}
		})
	}
	t.Run("without unscoped collections only the incidents pass", func(t *testing.T) {
		p, err := s.Changes(ctx, 0, care.Filter{Scopes: []string{incB}}, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Changes) != 1 || mustChange(p.Changes[0]).ID != b.ID {
			t.Fatalf("log: got %+v, want only %s", p.Changes, b.ID)
		}
	})
}

func testState(t *testing.T, open Opener) {
	s := open(t)
	defer s.Close()
	ctx := context.Background()
	g := newGen("tab-1")
	var items []care.Incoming
	for i := 0; i < 25; i++ {
		items = append(items, g.upsert("residents", uuid.NewString(), map[string]any{"given_name": fmt.Sprint("R", i)}))
	}
	apply(t, s, nil, items...)
	// Field-level history: a later change to one field of the first record.
	first := items[0].Change.RecordID
	apply(t, s, nil, g.upsert("residents", first, map[string]any{"notes": "moved room"}))
	seen := map[string]bool{}
	after := [2]string{}
	for {
		p, err := s.State(ctx, after[0], after[1], care.Filter{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Records {
			k := r.Collection + "/" + r.ID
			if seen[k] {
				t.Fatalf("record %s served twice", k)
			}
			seen[k] = true
			after = [2]string{r.Collection, r.ID}
			rec, err := r.Record()
			if err != nil {
				t.Fatalf("record %s: %v", k, err)
			}
			if cs, _ := care.DecodeWire(r.Wire); len(cs) != r.Count || !slices.EqualFunc(cs, rec.Changes(), func(a, b syncproto.Change) bool { return a.ID == b.ID }) {
				t.Fatalf("record %s: wire holds %d changes (%v), count says %d, state gives %d", k, len(cs), cs, r.Count, len(rec.Changes()))
			}
			if r.ID == first {
				if r.Count != 2 {
					t.Fatalf("compacted state of a record written twice = %d changes, want 2", r.Count)
				}
			}
		}
		if !p.More {
			break
		}
	}
	if len(seen) != 25 {
		t.Fatalf("state pages served %d records, want 25", len(seen))
	}
}

func testLookup(t *testing.T, open Opener) {
	s := open(t)
	defer s.Close()
	g := newGen("tab-1")
	resident := uuid.NewString()
	r := g.upsert("residents", resident, map[string]any{"given_name": "Dee"})
	c1 := g.upsert("safe_and_well_checks", uuid.NewString(), map[string]any{"resident_id": resident, "outcome": "safe_and_well"})
	c2 := g.upsert("safe_and_well_checks", uuid.NewString(), map[string]any{"resident_id": resident, "outcome": "concerns"})
	var found int
	var sawResident bool
	check := func(l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) care.Verdict {
		if c.ID == c2.ID {
			rec, err := l.Record("residents", resident)
			sawResident = err == nil && rec != nil && string(rec.Value("given_name")) == `"Dee"`
			recs, err := l.Find("safe_and_well_checks", "resident_id", json.RawMessage(`"`+resident+`"`))
			if err != nil {
				t.Errorf("Find: %v", err)
			}
			found = len(recs)
		}
		return allow(l, c, before, after)
	}
	apply(t, s, check, r, c1, c2)
	if !sawResident {
		t.Fatal("Lookup.Record did not see a record written earlier in the same batch")
	}
	if found != 1 {
		t.Fatalf("Lookup.Find saw %d earlier checks, want 1", found)
	}
}

// testTombstoneScope: a record keeps the scope it was filed under for ever,
// through its tombstone, whatever a checker derives; Lookup and Record
// report it.
func testTombstoneScope(t *testing.T, open Opener) {
	s := open(t)
	defer s.Close()
	ctx := context.Background()
	g := newGen("tab-1")
	incA, incB := uuid.NewString(), uuid.NewString()
	rec, ref := uuid.NewString(), uuid.NewString()
	apply(t, s, nil, g.upsert("residents", rec, map[string]any{"incident_id": incA, "given_name": "Ann"}), g.del("residents", rec))
	r, err := s.Record(ctx, "residents", rec)
	if err != nil || r == nil || !r.Deleted() || r.Scope != incA {
		t.Fatalf("tombstone = %+v, %v; want deleted, filed under %s", r, err, incA)
	}
	// A write onto the tombstone that a checker scopes as nothing (allow
	// finds no incident_id) stays in the record's incident.
	edit := g.upsert("residents", rec, map[string]any{"given_name": "Ann again"})
	var seenBefore, seenLookup string
	check := func(l schema.Lookup, c syncproto.Change, before, after *syncproto.Record) care.Verdict {
		if c.ID == edit.ID {
			seenBefore = before.Scope
			if other, err := l.Record("residents", rec); err == nil && other != nil {
				seenLookup = other.Scope
			}
		}
		return allow(l, c, before, after)
	}
	wantStatuses(t, apply(t, s, check, edit), "applied")
	if seenBefore != incA || seenLookup != incA {
		t.Fatalf("checker saw scope %q (before) and %q (lookup), want %s", seenBefore, seenLookup, incA)
	}
	if r, _ := s.Record(ctx, "residents", rec); r == nil || r.Scope != incA {
		t.Fatalf("record after the edit = %+v, want filed under %s", r, incA)
	}
	for scope, want := range map[string]int{incA: 3, incB: 0} {
		p, err := s.Changes(ctx, 0, care.Filter{Scopes: []string{scope}}, 100)
		if err != nil || len(p.Changes) != want {
			t.Fatalf("log of %s: %d changes, %v; want %d", scope, len(p.Changes), err, want)
		}
	}
	// A checker that derives another incident cannot move it: the change is
	// quarantined.
	move := g.upsert("residents", rec, map[string]any{"incident_id": incB})
	res := apply(t, s, nil, move, g.upsert("residents", ref, map[string]any{"incident_id": incB, "given_name": "Bo"}))
	wantStatuses(t, res, "rejected", "applied")
	if e := res.Results[0].Error; e == nil || e.Code != syncproto.CodeIncidentChanged {
		t.Fatalf("move error = %+v", e)
	}
	if r, _ := s.Record(ctx, "residents", rec); r.Scope != incA || r.Value("incident_id") != nil {
		t.Fatalf("record after a refused move = %+v", r)
	}
	if rs, _ := s.Records(ctx, "residents", care.Filter{Scopes: []string{incB}}); len(rs) != 1 || rs[0].ID != ref || rs[0].Scope != incB {
		t.Fatalf("records of B = %+v", rs)
	}
}

// testDuplicate: a change whose id is already applied goes to the batch's
// Duplicate checker with the applied change and its scope, before this
// push and earlier in it; a refusal is quarantined under the verdict's scope
// and never counts as applied later.
func testDuplicate(t *testing.T, open Opener) {
	s := open(t)
	defer s.Close()
	ctx := context.Background()
	g := newGen("tab-1")
	inc := uuid.NewString()
	x := g.upsert("residents", uuid.NewString(), map[string]any{"incident_id": inc, "given_name": "Xan"})
	var priors []care.Prior
	refuse := false
	dup := func(_ schema.Lookup, c syncproto.Change, before *syncproto.Record, prior care.Prior) care.Verdict {
		priors = append(priors, prior)
		if before == nil || before.Scope != inc {
			t.Errorf("duplicate checker saw before = %+v", before)
		}
		if refuse {
			return care.Verdict{Err: syncproto.Errorf(syncproto.CodeIDReused, "id", "reused"), Scope: inc}
		}
		return care.Verdict{}
	}
	run := func(items ...care.Incoming) care.BatchResult {
		t.Helper()
		res, err := care.Apply(ctx, s, care.Batch{Principal: principal, ReceivedAt: time.Now(), Items: items, Check: allow, Duplicate: dup})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	wantStatuses(t, run(x, x), "applied", "duplicate")
	wantStatuses(t, run(x), "duplicate")
	if len(priors) != 2 {
		t.Fatalf("duplicate checker called %d times, want 2", len(priors))
	}
	for i, p := range priors {
		if p.Scope != inc || p.Change.ID != x.ID || !care.SameContent(p.Change, x.Change) {
			t.Fatalf("prior %d = %+v", i, p)
		}
	}
	refuse = true
	other := x
	other.Change.Fields = map[string]json.RawMessage{"given_name": json.RawMessage(`"Other"`)}
	other.Raw, _ = json.Marshal(other.Change)
	res := run(other)
	wantStatuses(t, res, "rejected")
	q, err := s.Quarantine(ctx, care.QuarantineFilter{Limit: 10, OpenOnly: true})
	if err != nil || len(q) != 1 {
		t.Fatalf("open quarantine = %+v, %v", q, err)
	}
	if q[0].ChangeID != x.ID || q[0].Error.Code != syncproto.CodeIDReused || q[0].AppliedLater || q[0].IncidentID != inc || !strings.Contains(string(q[0].Raw), "Other") {
		t.Fatalf("entry = %+v", q[0])
	}
	if r, _ := s.Record(ctx, "residents", x.Change.RecordID); string(r.Value("given_name")) != `"Xan"` {
		t.Fatalf("refused duplicate changed the record: %+v", r)
	}
}

// testQuarantineScopes: quarantine entries are listed by the scope they were
// filed under, plus the asking device's own.
func testQuarantineScopes(t *testing.T, open Opener) {
	s := open(t)
	defer s.Close()
	ctx := context.Background()
	incA, incB := uuid.NewString(), uuid.NewString()
	ids := map[string]string{} // change id -> scope|device
	for _, dev := range []string{"tab-1", "tab-2"} {
		g := newGen(dev)
		p := principal
		p.DeviceID = dev
		for _, scope := range []string{incA, incB, ""} {
			it := g.upsert("residents", uuid.NewString(), map[string]any{"given_name": "Q"})
			ids[it.ID] = scope + "|" + dev
			check := func(_ schema.Lookup, c syncproto.Change, _, _ *syncproto.Record) care.Verdict {
				return care.Verdict{Err: syncproto.Errorf(syncproto.CodeRuleViolation, "", "no"), Scope: scope}
			}
			res, err := care.Apply(ctx, s, care.Batch{Principal: p, ReceivedAt: time.Now(), Items: []care.Incoming{it}, Check: check})
			if err != nil {
				t.Fatal(err)
			}
			wantStatuses(t, res, "rejected")
		}
	}
	cases := []struct {
		name string
		f    care.QuarantineFilter
		want []string // scope|device
	}{
		{"every entry", care.QuarantineFilter{}, []string{incA + "|tab-1", incB + "|tab-1", "|tab-1", incA + "|tab-2", incB + "|tab-2", "|tab-2"}},
		{"incident A", care.QuarantineFilter{Scopes: []string{incA}}, []string{incA + "|tab-1", incA + "|tab-2"}},
		{"incident A and own device", care.QuarantineFilter{Scopes: []string{incA}, OwnDevice: "tab-2"}, []string{incA + "|tab-1", incA + "|tab-2", incB + "|tab-2", "|tab-2"}},
		{"no incident", care.QuarantineFilter{Scopes: []string{}}, nil},
		{"one device", care.QuarantineFilter{DeviceID: "tab-1"}, []string{incA + "|tab-1", incB + "|tab-1", "|tab-1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.Limit = 100
			q, err := s.Quarantine(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range q {
				if e.IncidentID+"|"+e.DeviceID != ids[e.ChangeID] {
					t.Fatalf("entry %s filed as %s|%s, pushed as %s", e.ChangeID, e.IncidentID, e.DeviceID, ids[e.ChangeID])
				}
				got = append(got, ids[e.ChangeID])
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func testDurable(t *testing.T, open Opener) {
	s := open(t)
	g := newGen("tab-1")
	it := g.upsert("residents", uuid.NewString(), map[string]any{"given_name": "Eve"})
	res := apply(t, s, nil, it)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := open(t)
	defer s2.Close()
	head, err := s2.Head(context.Background())
	if err != nil || head != res.Position {
		t.Fatalf("after reopen head = %d (%v), want %d", head, err, res.Position)
	}
	res2 := apply(t, s2, nil, it)
	wantStatuses(t, res2, "duplicate")
}

// testEpoch: a new database has an epoch, which is kept across reopening and
// which RenewEpoch (what a restore does) replaces with another.
func testEpoch(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	first, err := s.Epoch(ctx)
	if err != nil || !care.ValidEpoch(first) {
		t.Fatalf("Epoch = %q, %v", first, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t)
	defer s.Close()
	if again, err := s.Epoch(ctx); err != nil || again != first {
		t.Fatalf("after reopen Epoch = %q, %v; want %q", again, err, first)
	}
	r, ok := s.(care.EpochRenewer)
	if !ok {
		t.Fatal("the store cannot renew its epoch")
	}
	renewed, err := r.RenewEpoch(ctx)
	if err != nil || renewed == first || !care.ValidEpoch(renewed) {
		t.Fatalf("RenewEpoch = %q, %v (was %q)", renewed, err, first)
	}
	if now, err := s.Epoch(ctx); err != nil || now != renewed {
		t.Fatalf("Epoch after RenewEpoch = %q, %v; want %q", now, err, renewed)
	}
}

// testNoSkip pushes from several writers while readers follow the log; every
// reader must see every applied change exactly once.
func testNoSkip(t *testing.T, open Opener) {
	s := open(t)
	defer s.Close()
	ctx := context.Background()
	const writers, batches, perBatch, readers = 4, 25, 20, 3
	var wg sync.WaitGroup
	applied := make(chan string, writers*batches*perBatch)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			g := newGen(fmt.Sprintf("tab-%d", w))
			for b := 0; b < batches; b++ {
				var items []care.Incoming
				for i := 0; i < perBatch; i++ {
					items = append(items, g.upsert("residents", uuid.NewString(), map[string]any{"given_name": "n"}))
				}
				res, err := care.Apply(ctx, s, care.Batch{Principal: principal, ReceivedAt: time.Now(), Items: items, Check: allow})
				if err != nil {
					t.Errorf("Apply: %v", err)
					return
				}
				for _, r := range res.Results {
					if r.Status == syncproto.StatusApplied {
						applied <- r.ID
					}
				}
			}
		}(w)
	}
	done := make(chan struct{})
	seen := make([]map[string]int, readers)
	var rwg sync.WaitGroup
	for r := 0; r < readers; r++ {
		seen[r] = map[string]int{}
		rwg.Add(1)
		go func(r int) {
			defer rwg.Done()
			var pos int64
			follow := func() bool {
				p, err := s.Changes(ctx, pos, care.Filter{}, 7)
				if err != nil {
					t.Errorf("Changes: %v", err)
					return false
				}
				for _, lc := range p.Changes {
					seen[r][mustChange(lc).ID]++
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
					follow()
				}
			}
		}(r)
	}
	wg.Wait()
	close(done)
	rwg.Wait()
	close(applied)
	var ids []string
	for id := range applied {
		ids = append(ids, id)
	}
	if len(ids) != writers*batches*perBatch {
		t.Fatalf("applied %d changes, want %d", len(ids), writers*batches*perBatch)
	}
	for r := 0; r < readers; r++ {
		for _, id := range ids {
			if seen[r][id] != 1 {
				t.Fatalf("reader %d saw change %s %d times", r, id, seen[r][id])
			}
		}
		if len(seen[r]) != len(ids) {
			t.Fatalf("reader %d saw %d changes, want %d", r, len(seen[r]), len(ids))
		}
	}
}

// mustChange decodes a logged change, panicking if the store logged one
// that does not decode.
func mustChange(lc care.LoggedChange) syncproto.Change {
	c, err := lc.Change()
	if err != nil {
		panic(err)
	}
	return c
}

// MustChange is mustChange, for other packages' store tests.
func MustChange(lc care.LoggedChange) syncproto.Change { return mustChange(lc) }
