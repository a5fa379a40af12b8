package api_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
)

// Regression tests for the cross-incident defects (items 1, 2 and
// the duplicate, HLC-node and reference parts of 6). Each failed on the code
// before the fix; TestServer_CrossIncidentProperty generalises them.

// twoIncidents is a server with incidents A and B and people in each.
type twoIncidents struct {
	e    *env
	A, B string
	// tokens and writers by device id.
	tok map[string]string
	w   map[string]*writer
}

// Devices of the fixture: social workers of A, B and both; back-office of
// A, B and every incident; a quality officer of A.
const (
	devSWA   = "tab-a"
	devSWB   = "tab-b"
	devSWAB  = "tab-ab"
	devBOA   = "bo-a"
	devBOB   = "bo-b"
	devBOAll = "bo-all"
	devQMOA  = "qmo-a"
)

func newTwoIncidents(t *testing.T, e *env) *twoIncidents {
	t.Helper()
	f := &twoIncidents{e: e, A: uuid.NewString(), B: uuid.NewString(), tok: map[string]string{}, w: map[string]*writer{}}
	add := func(sub, role, dev string, incs ...string) {
		f.tok[dev] = e.token(sub, role, dev, incs...)
		// Each stamp a millisecond on: later writes win, as on devices that
		// pulled the earlier ones.
		f.w[dev] = newWriter(dev, func() time.Time { e.clock.Advance(time.Millisecond); return e.clock.Now() })
	}
	add("amy", care.RoleSocialWorker, devSWA, f.A)
	add("ben", care.RoleSocialWorker, devSWB, f.B)
	add("abe", care.RoleSocialWorker, devSWAB, f.A, f.B)
	add("bob", care.RoleBackOffice, devBOA, f.A)
	add("bea", care.RoleBackOffice, devBOB, f.B)
	add("bill", care.RoleBackOffice, devBOAll, care.AllIncidents)
	add("quinn", care.RoleQualityOfficer, devQMOA, f.A)
	return f
}

// push sends changes as a device and returns the statuses.
func (f *twoIncidents) push(dev string, changes ...map[string]any) string {
	f.e.t.Helper()
	return statusesOf(f.e.push(f.tok[dev], changes...))
}

// mustApply pushes changes that must all be applied.
func (f *twoIncidents) mustApply(dev string, changes ...map[string]any) {
	f.e.t.Helper()
	want := strings.TrimSuffix(strings.Repeat("applied,", len(changes)), ",")
	if got := f.push(dev, changes...); got != want {
		f.e.t.Fatalf("push by %s: %s", dev, got)
	}
}

// pulledIDs returns the ids of every change an initial sync brings a device,
// and every record id.
func (f *twoIncidents) pulled(dev string) (changes, records map[string]bool) {
	f.e.t.Helper()
	cs, _, _ := f.e.pullAll(f.tok[dev], "", 50)
	changes, records = map[string]bool{}, map[string]bool{}
	for _, c := range cs {
		changes[c.ID], records[c.RecordID] = true, true
	}
	return changes, records
}

// quarantined returns the change ids of the quarantine entries a device
// lists.
func (f *twoIncidents) quarantined(dev string) map[string]bool {
	f.e.t.Helper()
	r := f.e.do("GET", "/v1/quarantine", f.tok[dev], nil)
	if r.Status != 200 {
		f.e.t.Fatalf("quarantine for %s: %d %s", dev, r.Status, r.Body)
	}
	var q struct {
		Entries []care.QuarantineEntry `json:"entries"`
	}
	r.decode(f.e.t, &q)
	out := map[string]bool{}
	for _, en := range q.Entries {
		out[en.ChangeID] = true
	}
	return out
}

func withFields(base map[string]any, extra map[string]any) map[string]any {
	out := maps.Clone(base)
	maps.Copy(out, extra)
	return out
}

// TestServer_TombstoneKeepsIncident: writes into another
// incident through deleted records.
func TestServer_TombstoneKeepsIncident(t *testing.T) {
	f := newTwoIncidents(t, newEnv(t))
	rB := uuid.NewString()
	f.mustApply(devSWB, f.w[devSWB].upsert("residents", rB, resident(f.B)))
	f.mustApply(devBOB, f.w[devBOB].del("residents", rB))
	var attacks []string

	t.Run("an edit of another incident's deleted record is refused", func(t *testing.T) {
		c := f.w[devSWA].upsert("residents", rB, map[string]any{"notes": "written from A"})
		attacks = append(attacks, c["id"].(string))
		if got := f.push(devSWA, c); got != "rejected:forbidden_scope@fields.incident_id" {
			t.Fatalf("status = %s", got)
		}
	})
	t.Run("incident_id of the pusher's incident does not move a deleted record", func(t *testing.T) {
		c := f.w[devSWA].upsert("residents", rB, withFields(resident(f.A), map[string]any{"notes": "moved to A"}))
		attacks = append(attacks, c["id"].(string))
		if got := f.push(devSWA, c); got != "rejected:forbidden_scope@fields.incident_id" {
			t.Fatalf("status = %s", got)
		}
	})
	t.Run("deleting another incident's tombstone is refused", func(t *testing.T) {
		c := f.w[devBOA].del("residents", rB)
		attacks = append(attacks, c["id"].(string))
		if got := f.push(devBOA, c); got != "rejected:forbidden_scope@fields.incident_id" {
			t.Fatalf("status = %s", got)
		}
	})
	t.Run("a device of both incidents cannot move a deleted record either", func(t *testing.T) {
		c := f.w[devSWAB].upsert("residents", rB, resident(f.A))
		attacks = append(attacks, c["id"].(string))
		if got := f.push(devSWAB, c); got != "rejected:incident_changed@fields.incident_id" {
			t.Fatalf("status = %s", got)
		}
		rA := uuid.NewString()
		f.mustApply(devSWA, f.w[devSWA].upsert("residents", rA, resident(f.A)))
		c = f.w[devSWAB].upsert("residents", rA, map[string]any{"incident_id": f.B})
		attacks = append(attacks, c["id"].(string))
		if got := f.push(devSWAB, c); got != "rejected:incident_changed@fields.incident_id" {
			t.Fatalf("moving a live record: status = %s", got)
		}
	})
	t.Run("a delete of a record nobody created has no incident and is refused", func(t *testing.T) {
		c := f.w[devBOA].del("residents", uuid.NewString())
		attacks = append(attacks, c["id"].(string))
		if got := f.push(devBOA, c); got != "rejected:forbidden_scope@fields.incident_id" {
			t.Fatalf("status = %s", got)
		}
	})
	t.Run("nothing of the attempts reached any device", func(t *testing.T) {
		for _, dev := range []string{devSWA, devSWB, devQMOA, devBOA, devBOB, devBOAll} {
			got, recs := f.pulled(dev)
			for _, id := range attacks {
				if got[id] {
					t.Errorf("refused change %s reached %s", id, dev)
				}
			}
			if dev != devSWB && dev != devBOB && dev != devBOAll && recs[rB] {
				t.Errorf("B's deleted record reached %s", dev)
			}
		}
	})
	t.Run("a revive must carry the fields of a create", func(t *testing.T) {
		if got := f.push(devSWB, f.w[devSWB].upsert("residents", rB, map[string]any{"notes": "back"})); !strings.HasPrefix(got, "rejected:missing_field@fields.") {
			t.Fatalf("partial revive: status = %s", got)
		}
		f.mustApply(devSWB, f.w[devSWB].upsert("residents", rB, resident(f.B)))
		r, err := f.e.store.Record(t.Context(), "residents", rB)
		if err != nil || r == nil || r.Deleted() {
			t.Fatalf("revived record = %+v, %v", r, err)
		}
		if _, recs := f.pulled(devSWA); recs[rB] {
			t.Fatal("the revived record reached A")
		}
		if _, recs := f.pulled(devSWB); !recs[rB] {
			t.Fatal("the revived record did not reach B")
		}
	})
}

// TestServer_QuarantineByIncident: a back-office user of
// one incident never sees another's rejected changes.
func TestServer_QuarantineByIncident(t *testing.T) {
	f := newTwoIncidents(t, newEnv(t))
	bad := f.w[devSWB].upsert("residents", uuid.NewString(), withFields(resident(f.B), map[string]any{"nhs_number": "1234567890"}))
	if got := f.push(devSWB, bad); got != "rejected:invalid_value@fields.nhs_number" {
		t.Fatalf("status = %s", got)
	}
	// A change that does not parse has no incident.
	garbled := uuid.NewString()
	if got := f.push(devSWB, map[string]any{"id": garbled, "collection": "residents", "record_id": "x"}); !strings.HasPrefix(got, "rejected:") {
		t.Fatalf("status = %s", got)
	}
	id := bad["id"].(string)
	for dev, want := range map[string][2]bool{
		devBOA: {false, false}, devBOB: {true, false}, devBOAll: {true, true}, devSWB: {true, true}, devSWA: {false, false},
	} {
		q := f.quarantined(dev)
		if q[id] != want[0] || q[garbled] != want[1] {
			t.Errorf("%s lists B's rejected change: %v (want %v), the unparsed one: %v (want %v)", dev, q[id], want[0], q[garbled], want[1])
		}
	}
}

// TestServer_DuplicateAfterAuthorisation: the
// duplicate answer comes only after authorisation, a reused id with other
// content is refused and kept, the HLC node must be the device, and records
// reference records of their own incident only.
func TestServer_DuplicateAfterAuthorisation(t *testing.T) {
	f := newTwoIncidents(t, newEnv(t))
	rA, rB := uuid.NewString(), uuid.NewString()
	create := f.w[devSWA].upsert("residents", rA, resident(f.A))
	f.mustApply(devSWA, create)
	f.mustApply(devSWB, f.w[devSWB].upsert("residents", rB, resident(f.B)))

	t.Run("another incident's device replaying a change learns nothing", func(t *testing.T) {
		if got := f.push(devSWB, create); got != "rejected:hlc_node_mismatch@hlc" {
			t.Fatalf("replay as sent: status = %s", got)
		}
		restamped := withFields(create, map[string]any{"hlc": f.w[devSWB].clock.Now().String()})
		if got := f.push(devSWB, restamped); got != "rejected:forbidden_scope@fields.incident_id" {
			t.Fatalf("replay restamped: status = %s", got)
		}
	})
	t.Run("the same change again is a duplicate", func(t *testing.T) {
		if got := f.push(devSWA, create); got != "duplicate" {
			t.Fatalf("status = %s", got)
		}
	})
	t.Run("a reused id with other content is refused and kept in quarantine", func(t *testing.T) {
		reused := withFields(create, map[string]any{"fields": withFields(resident(f.A), map[string]any{"given_name": "Edna"})})
		if got := f.push(devSWA, reused); got != "rejected:id_reused@id" {
			t.Fatalf("status = %s", got)
		}
		r := f.e.do("GET", "/v1/quarantine?status=open", f.tok[devBOA], nil)
		var q struct {
			Entries []care.QuarantineEntry `json:"entries"`
		}
		r.decode(t, &q)
		if !slices.ContainsFunc(q.Entries, func(en care.QuarantineEntry) bool {
			return en.ChangeID == create["id"] && en.Error.Code == "id_reused" && !en.AppliedLater && strings.Contains(string(en.Raw), "Edna")
		}) {
			t.Fatalf("A's back-office open quarantine does not hold the reused id: %s", r.Body)
		}
	})
	t.Run("the HLC node must be the pushing device", func(t *testing.T) {
		c := f.w[devSWA].upsert("residents", rA, map[string]any{"notes": "stamped as another tablet"})
		c["hlc"] = strings.Replace(c["hlc"].(string), devSWA, "tab-zz", 1)
		if got := f.push(devSWA, c); got != "rejected:hlc_node_mismatch@hlc" {
			t.Fatalf("status = %s", got)
		}
	})
	check := func(w *writer, inc, res string) map[string]any {
		return w.upsert("safe_and_well_checks", uuid.NewString(), map[string]any{
			"incident_id": inc, "resident_id": res, "outcome": "safe_and_well", "visited_at": "2026-11-23T09:30:00Z",
		})
	}
	t.Run("a record references records of its own incident only", func(t *testing.T) {
		for _, dev := range []string{devSWA, devSWAB} {
			if got := f.push(dev, check(f.w[dev], f.A, rB)); got != "rejected:cross_incident_reference@fields.resident_id" {
				t.Errorf("%s: check in A of B's resident: status = %s", dev, got)
			}
			dl := f.w[dev].upsert("decision_log", uuid.NewString(), map[string]any{
				"incident_id": f.A, "decided_at": "2026-11-23T09:30:00Z", "decision": "move", "decided_by": "amy", "resident_id": rB,
			})
			if got := f.push(dev, dl); got != "rejected:cross_incident_reference@fields.resident_id" {
				t.Errorf("%s: decision in A about B's resident: status = %s", dev, got)
			}
		}
		// A deleted resident keeps its incident for references too.
		f.mustApply(devBOB, f.w[devBOB].del("residents", rB))
		if got := f.push(devSWAB, check(f.w[devSWAB], f.A, rB)); got != "rejected:cross_incident_reference@fields.resident_id" {
			t.Errorf("check in A of B's deleted resident: status = %s", got)
		}
		// Its own incident's resident, and one not yet known, are fine.
		f.mustApply(devSWA, check(f.w[devSWA], f.A, rA), check(f.w[devSWA], f.A, uuid.NewString()))
	})
	t.Run("an edit cannot re-point a reference across incidents", func(t *testing.T) {
		id := uuid.NewString()
		f.mustApply(devSWAB, f.w[devSWAB].upsert("safe_and_well_checks", id, map[string]any{
			"incident_id": f.A, "resident_id": rA, "outcome": "safe_and_well", "visited_at": "2026-11-23T09:30:00Z",
		}))
		rB2 := uuid.NewString()
		f.mustApply(devSWB, f.w[devSWB].upsert("residents", rB2, resident(f.B)))
		if got := f.push(devSWAB, f.w[devSWAB].upsert("safe_and_well_checks", id, map[string]any{"resident_id": rB2})); got != "rejected:cross_incident_reference@fields.resident_id" {
			t.Fatalf("status = %s", got)
		}
	})

}
