package api_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestServer_ScopeLeak: two incidents (and a third nobody on the test's
// devices holds), devices of each; no record of an incident a device is not
// granted ever reaches it, through initial sync, deltas, a scope grant
// (backfilled) and a scope removal (purged).
func TestServer_ScopeLeak(t *testing.T) {
	e := newEnv(t)
	incA, incB, incC := uuid.NewString(), uuid.NewString(), uuid.NewString()
	admin := e.token("ada", "admin", "admin-laptop")
	devA := e.token("amy", "social_worker", "tab-a", incA)
	devB := e.token("ben", "social_worker", "tab-b", incB)
	devC := e.token("cat", "social_worker", "tab-c", incC)
	incidentOf := map[string]string{} // record id -> incident
	residentsOf := map[string][]string{}
	writers := map[string]*writer{}
	for _, d := range []string{"tab-a", "tab-b", "tab-c"} {
		writers[d] = newWriter(d, e.clock.Now)
	}
	write := func(tok, dev, inc string, n int) {
		t.Helper()
		w := writers[dev]
		var cs []map[string]any
		for i := 0; i < n; i++ {
			rid := uuid.NewString()
			incidentOf[rid] = inc
			residentsOf[inc] = append(residentsOf[inc], rid)
			cs = append(cs, w.upsert("residents", rid, resident(inc)))
			cid := uuid.NewString()
			incidentOf[cid] = inc
			cs = append(cs, w.upsert("safe_and_well_checks", cid, map[string]any{
				"incident_id": inc, "resident_id": rid, "outcome": "safe_and_well", "visited_at": "2026-11-23T09:30:00Z",
			}))
		}
		for _, r := range e.push(tok, cs...).Results {
			if r.Status != "applied" {
				t.Fatalf("write to %s: %+v", inc, r)
			}
		}
	}
	// Later edits carry no incident_id: the server scopes them by the record.
	edit := func(tok, dev, inc string) {
		t.Helper()
		rid := residentsOf[inc][0]
		if r := e.push(tok, writers[dev].upsert("residents", rid, map[string]any{"notes": "edited"})); r.Results[0].Status != "applied" {
			t.Fatalf("edit %s: %+v", rid, r.Results[0].Error)
		}
	}
	check := func(stage string, got []string, allowed ...string) {
		t.Helper()
		for _, rid := range got {
			if !slices.Contains(allowed, incidentOf[rid]) {
				t.Fatalf("%s: record %s of incident %s leaked to a device holding %v", stage, rid, incidentOf[rid], allowed)
			}
		}
	}
	recordsOf := func(tok, cursor string) ([]string, string, []string) {
		t.Helper()
		changes, next, purge := e.pullAll(tok, cursor, 3)
		var ids []string
		for _, c := range changes {
			ids = append(ids, c.RecordID)
		}
		return ids, next, purge
	}
	count := func(ids []string, inc string) int {
		seen := map[string]bool{}
		for _, id := range ids {
			if incidentOf[id] == inc {
				seen[id] = true
			}
		}
		return len(seen)
	}

	write(devA, "tab-a", incA, 4)
	write(devB, "tab-b", incB, 5)
	write(devC, "tab-c", incC, 2)

	// Initial sync.
	gotA, curA, _ := recordsOf(devA, "")
	check("initial A", gotA, incA)
	if count(gotA, incA) != 8 {
		t.Fatalf("device A got %d of its 8 records", count(gotA, incA))
	}
	gotB, curB, _ := recordsOf(devB, "")
	check("initial B", gotB, incB)

	// Deltas.
	write(devA, "tab-a", incA, 1)
	write(devB, "tab-b", incB, 2)
	write(devC, "tab-c", incC, 1)
	edit(devB, "tab-b", incB)
	gotA, curA, _ = recordsOf(devA, curA)
	check("delta A", gotA, incA)
	if count(gotA, incA) != 2 {
		t.Fatalf("device A delta has %d records of A, want 2", count(gotA, incA))
	}
	gotB, _, _ = recordsOf(devB, curB)
	check("delta B", gotB, incB)

	// Pushing into another incident is refused per change and quarantined.
	t.Run("push outside scope", func(t *testing.T) {
		bRecord := residentsOf[incB][0]
		w := writers["tab-a"]
		newA := uuid.NewString()
		incidentOf[newA] = incA
		r := e.push(devA,
			w.upsert("residents", uuid.NewString(), resident(incB)),
			w.upsert("residents", bRecord, map[string]any{"notes": "not mine"}),
			w.upsert("residents", newA, resident(incA)))
		if got := statusesOf(r); got != "rejected:forbidden_scope@fields.incident_id,rejected:forbidden_scope@fields.incident_id,applied" {
			t.Fatalf("statuses = %s", got)
		}
	})
	edit(devA, "tab-a", incA)
	gotA, curA, _ = recordsOf(devA, curA)
	check("after refused pushes", gotA, incA)

	// Grant B to A's user: the next pull backfills B's state.
	if r := e.do("POST", "/v1/admin/scopes", admin, map[string]any{"subject": "amy", "incident_id": incB}); r.Status != 201 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	gotA, curA, purge := recordsOf(devA, curA)
	check("after grant", gotA, incA, incB)
	if len(purge) != 0 {
		t.Fatalf("purge after a grant: %v", purge)
	}
	wantB := 0
	for _, inc := range incidentOf {
		if inc == incB {
			wantB++
		}
	}
	if count(gotA, incB) != wantB {
		t.Fatalf("backfill brought %d of B's %d records", count(gotA, incB), wantB)
	}

	// Remove A: the next pull tells the device to purge it, then nothing of A.
	e.clock.Advance(time.Minute)
	if r := e.do("DELETE", "/v1/admin/scopes/amy/"+incA, admin, nil); r.Status != 200 {
		t.Fatalf("revoke scope: %d %s", r.Status, r.Body)
	}
	write(devB, "tab-b", incB, 1)
	// A's user may no longer write A either.
	if r := e.push(devA, writers["tab-a"].upsert("residents", uuid.NewString(), resident(incA))); r.Results[0].Error == nil || r.Results[0].Error.Code != "forbidden_scope" {
		t.Fatalf("write to a removed incident: %s", statusesOf(r))
	}
	other := e.token("zed", "social_worker", "tab-z", incA)
	writers["tab-z"] = newWriter("tab-z", e.clock.Now)
	write(other, "tab-z", incA, 2)
	gotA, curA, purge = recordsOf(devA, curA)
	if fmt.Sprint(purge) != fmt.Sprint([]string{incA}) {
		t.Fatalf("purge = %v, want [%s]", purge, incA)
	}
	check("after removal", gotA, incB)
	if count(gotA, incB) != 2 {
		t.Fatalf("after removal A got %d new B records, want 2", count(gotA, incB))
	}
	// And the purge is said once: the following pull is quiet.
	if _, _, purge := recordsOf(devA, curA); len(purge) != 0 {
		t.Fatalf("purge repeated: %v", purge)
	}
	// C never reached A or B at any point (checked at every stage above).
	gotC, _, _ := recordsOf(devC, "")
	check("C", gotC, incC)
}
