package reports_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/reports"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
	"pgregory.net/rapid"
)

// propDevices push the property test's changes.
var propDevices = []string{"tab-1", "tab-2", "van-3"}

// propIDs are one run's ids: every run is a new incident in the same
// store.
type propIDs struct {
	inc, provider, other, home string // home: the failing home
	homes, people              []string
}

func newPropIDs() propIDs {
	return propIDs{inc: uuid.NewString(), provider: uuid.NewString(), other: uuid.NewString(), home: uuid.NewString(),
		homes: []string{uuid.NewString(), uuid.NewString()}, people: []string{uuid.NewString(), uuid.NewString()}}
}

// propWorld is one on-disk SQLite store behind the real push path.
type propWorld struct {
	store *sqlite.Store
	sync  *care.Sync
	now   time.Time
	// lastErr is the last push's refusal, if any.
	lastErr *syncproto.Error
}

func newPropWorld(t *testing.T, dir string) *propWorld {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	w := &propWorld{store: store, now: time.Date(2026, 12, 20, 12, 0, 0, 0, time.UTC)}
	w.sync = care.NewSync(store, domain.RegistryOf(domain.Options{}, withCorrections(schema.Domain())), func() time.Time { return w.now }, "server", slog.New(slog.NewTextHandler(io.Discard, nil)))
	return w
}

// withCorrections adds the move_corrections collection, in the shape the
// move lifecycle declares it, when the schema does not have it yet: the
// registry wires the whereabouts effect into it by name.
func withCorrections(cols []schema.Collection) []schema.Collection {
	for _, c := range cols {
		if c.Name == domain.MoveCorrections {
			return cols
		}
	}
	uuidF := func(name string, req bool) schema.Field {
		return schema.Field{Name: name, Kind: schema.String, Tag: "uuid", Required: req}
	}
	return append(cols, schema.Collection{Name: domain.MoveCorrections, ScopeField: "incident_id", Doc: "a correction of a completed move (test declaration)",
		Fields: []schema.Field{schema.IncidentField, uuidF("move_id", true), uuidF("resident_id", true),
			{Name: "kind", Kind: schema.String, Tag: "oneof=void destination completed_at", Required: true}, uuidF("to_service_id", false),
			{Name: "completed_at", Kind: schema.String, Tag: "rfc3339"}, {Name: "reason", Kind: schema.String, Tag: "max=2000"}, {Name: "corrected_by", Kind: schema.String, Tag: "max=200"}}})
}

// push pushes one change as its device (a social worker's tablet) and
// returns its status.
func (w *propWorld) push(t *rapid.T, role string, c syncproto.Change) string {
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := w.sync.Push(context.Background(), care.Principal{Subject: c.DeviceID, Role: role, DeviceID: c.DeviceID, Scopes: []string{"incident:" + care.AllIncidents}}, syncproto.PushRequest{Changes: []json.RawMessage{raw}})
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	w.lastErr = resp.Results[0].Error
	return resp.Results[0].Status
}

// device makes one device's changes with its own hybrid logical clock.
type device struct {
	id    string
	clock *syncproto.Clock
}

func (d *device) change(collection, record string, fields map[string]any) syncproto.Change {
	raw := map[string]json.RawMessage{}
	for k, v := range fields {
		b, _ := json.Marshal(v)
		raw[k] = b
	}
	return syncproto.Change{ID: uuid.NewString(), Collection: collection, RecordID: record, Op: syncproto.OpUpsert, Fields: raw,
		HLC: d.clock.Now(), RecordedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), DeviceID: d.id}
}

// stamp is the n-th distinct instant of the test (every generated time
// differs, so the oracle need not break ties).
func stamp(n int) string {
	return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC).Add(time.Duration(n) * 37 * time.Minute).Format(time.RFC3339)
}

// TestWhereabouts_ConvergeWithOracle drives random sequences of move, leg,
// event and correction records from several devices, in random order,
// shuffled and duplicated, through care.Sync over an on-disk SQLite store,
// and checks that every person's whereabouts — the residents record the
// server keeps, and the reports' figures — equal an independent oracle's,
// worked out from the records the server accepted.
func TestWhereabouts_ConvergeWithOracle(t *testing.T) {
	w := newPropWorld(t, t.TempDir())
	defer w.store.Close()
	rapid.Check(t, func(rt *rapid.T) {
		ids := newPropIDs()
		propInc, propProvider, propOther, propHome, propHomes, propPeople := ids.inc, ids.provider, ids.other, ids.home, ids.homes, ids.people
		sys := &device{id: "server-setup", clock: syncproto.NewClock("server-setup", func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) })}
		listServices := rapid.Bool().Draw(rt, "incident lists service_ids")
		setup := []syncproto.Change{
			sys.change("providers", propProvider, map[string]any{"name": "Larkfield Care Ltd", "regulated": true}),
			sys.change("providers", propOther, map[string]any{"name": "Oakwood Care Ltd", "regulated": true}),
			sys.change("services", propHome, map[string]any{"provider_id": propProvider, "name": "Larkfield House", "service_type": "residential", "regulated": true, "registration_categories": []string{"residential"}}),
		}
		for i, h := range propHomes {
			setup = append(setup, sys.change("services", h, map[string]any{"provider_id": propOther, "name": fmt.Sprintf("Home %d", i), "service_type": "residential", "regulated": true, "registration_categories": []string{"residential"}}))
		}
		inc := map[string]any{"incident_id": propInc, "provider_id": propProvider, "title": "Larkfield House closure", "trigger_criterion": "ii", "process": 2, "status": "active",
			"activated_at": "2026-11-23T09:00:00Z", "reason": "Administrators appointed.", "activated_by": "Director"}
		if listServices {
			inc["service_ids"] = []string{propHome}
		}
		setup = append(setup, sys.change("incidents", propInc, inc))
		for i, p := range propPeople {
			setup = append(setup, sys.change("residents", p, map[string]any{"incident_id": propInc, "given_name": fmt.Sprintf("Person %d", i), "family_name": "Example",
				"current_service_id": propHome, "status": "in_placement", "registration_category": "residential"}))
		}
		for _, c := range setup {
			if st := w.push(rt, access.System, c); st != syncproto.StatusApplied {
				rt.Fatalf("setup %s: %s", c.Collection, st)
			}
		}

		// The devices' changes.
		devs := map[string]*device{}
		for _, id := range propDevices {
			devs[id] = &device{id: id, clock: syncproto.NewClock(id, func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) })}
		}
		next := 0
		tick := func() string { next++; return stamp(next) }
		var changes []syncproto.Change
		dev := func(label string) *device { return devs[rapid.SampledFrom(propDevices).Draw(rt, label)] }
		for pi, rid := range propPeople {
			var events []string
			for k := range rapid.IntRange(0, 2).Draw(rt, fmt.Sprintf("p%d moves", pi)) {
				mid := uuid.NewString()
				to := rapid.SampledFrom(propHomes).Draw(rt, fmt.Sprintf("p%d m%d to", pi, k))
				start := tick()
				st, _ := time.Parse(time.RFC3339, start)
				arr := st.Add(20 * time.Minute).Format(time.RFC3339)
				plan := map[string]any{"incident_id": propInc, "resident_id": rid, "from_service_id": propHome,
					"to_service_id": to, "status": "planned", "planned_at": start, "planned_arrival_at": arr, "chosen_by": "resident", "out_of_hours_reason": "test"}
				changes = append(changes, dev("d").change("moves", mid, plan))
				// A later write carries the whole record or only what changed:
				// a device that never saw the create sends it all.
				with := func(f map[string]any) map[string]any {
					if rapid.Bool().Draw(rt, "whole record") {
						for k, v := range plan {
							if _, ok := f[k]; !ok {
								f[k] = v
							}
						}
					}
					return f
				}
				if rapid.Bool().Draw(rt, "leg") {
					changes = append(changes, dev("d").change("move_legs", uuid.NewString(), map[string]any{"incident_id": propInc, "move_id": mid, "sequence": 1,
						"departed_at": start, "arrived_at": arr, "handed_over_at": arr, "identity_confirmed": true}))
				}
				switch rapid.IntRange(0, 3).Draw(rt, "fate") {
				case 1:
					changes = append(changes, dev("d").change("moves", mid, with(map[string]any{"status": "in_transit"})))
				case 2, 3:
					changes = append(changes, dev("d").change("moves", mid, with(map[string]any{"status": "completed", "completed_at": arr, "medication_travelling": true,
						"care_plan_handed_over": true, "identity_confirmed": true, "records_handed_over": true})))
				}
				// At most one correction of each kind per move (the oracle
				// need not order two of the same kind).
				for _, kind := range []string{"void", "destination", "completed_at"} {
					if rapid.IntRange(0, 3).Draw(rt, "correct "+kind) != 0 {
						continue
					}
					f := map[string]any{"incident_id": propInc, "move_id": mid, "resident_id": rid, "kind": kind, "reason": "the record was wrong", "corrected_by": "Bea"}
					switch kind {
					case "destination":
						f["to_service_id"] = rapid.SampledFrom(append([]string{propHome}, propHomes...)).Draw(rt, "corrected destination")
					case "completed_at":
						f["completed_at"] = tick()
					}
					changes = append(changes, dev("d").change(domain.MoveCorrections, uuid.NewString(), f))
				}
				if rapid.IntRange(0, 5).Draw(rt, "cancel") == 0 {
					changes = append(changes, dev("d").change("moves", mid, with(map[string]any{"status": "cancelled", "cancelled_reason": "changed plan"})))
				}
			}
			for k := range rapid.IntRange(0, 3).Draw(rt, fmt.Sprintf("p%d events", pi)) {
				eid := uuid.NewString()
				kind := rapid.SampledFrom([]string{"hospital_admission", "hospital_admission", "hospital_discharge", "death"}).Draw(rt, fmt.Sprintf("p%d e%d", pi, k))
				f := map[string]any{"incident_id": propInc, "resident_id": rid, "event": kind, "occurred_at": tick(), "hospital": "Royal Derby"}
				changes = append(changes, dev("d").change("resident_events", eid, f))
				events = append(events, eid)
			}
			if len(events) > 0 && rapid.Bool().Draw(rt, "correct an event") {
				target := rapid.SampledFrom(events).Draw(rt, "target")
				changes = append(changes, dev("d").change("resident_events", uuid.NewString(), map[string]any{"incident_id": propInc, "resident_id": rid,
					"event": "entered_in_error", "occurred_at": tick(), "corrects_event_id": target, "correction_reason": "wrong person"}))
			}
		}
		// Random order, some pushed twice.
		order := rapid.Permutation(changes).Draw(rt, "order")
		for _, i := range rapid.SliceOfN(rapid.IntRange(0, max(len(order)-1, 0)), 0, 4).Draw(rt, "dups") {
			if len(order) > 0 {
				order = append(order, order[i])
			}
		}
		for _, c := range order {
			role := "social_worker"
			switch c.Collection {
			case "move_legs":
				role = "transport_coordinator"
			case domain.MoveCorrections:
				// Who may correct is the move lifecycle's access table; here
				// the server's own role stands in.
				role = access.System
			}
			if st := w.push(rt, role, c); os.Getenv("PROP_DEBUG") != "" {
				fmt.Println(c.Collection, st, w.lastErr)
			}
		}

		// What the server holds.
		d := reports.Data{IncidentID: propInc, Records: map[string][]*syncproto.Record{}}
		for _, col := range []string{"residents", "moves", "move_legs", "resident_events", domain.MoveCorrections, "services", "providers", "incidents"} {
			recs, err := w.store.Records(context.Background(), col, w.sync.IncidentFilter(propInc))
			if err != nil {
				rt.Fatal(err)
			}
			d.Records[col] = recs
		}
		want := oracle(d, ids)
		rep := reports.Whereabouts(d, w.now)
		got := map[string]string{}
		for _, p := range rep.Places {
			for _, r := range p.Residents {
				got[r.ResidentID] = p.Kind + "|" + p.ServiceID
				if p.Kind == "hospital" || p.Kind == "deceased" {
					got[r.ResidentID] = p.Kind
				}
			}
		}
		counts := map[string]int{}
		for _, rid := range propPeople {
			o := want[rid]
			res := find(d.Records["residents"], rid)
			if st := schema.StringValue(res, "status"); st != o.status {
				rt.Logf("records: %s", dump(d, rid))
				rt.Fatalf("%s: the residents record says %s, the oracle %s (%+v)", rid, st, o.status, o)
			}
			if o.status != "deceased" && o.status != "in_hospital" && schema.StringValue(res, "current_service_id") != o.service {
				rt.Fatalf("%s: the residents record is at %s (%s), the oracle at %s (%+v)", rid, schema.StringValue(res, "current_service_id"), schema.StringValue(res, "status"), o.service, o)
			}
			if got[rid] != o.place {
				rt.Fatalf("%s: the whereabouts report says %s, the oracle %s", rid, got[rid], o.place)
			}
			counts[o.count]++
		}
		c := reports.Summarize(d, w.now).Whereabouts
		if c.Deceased != counts["deceased"] || c.InHospital != counts["in_hospital"] || c.InTransit != counts["in_transit"] ||
			c.AtNewHome != counts["at_new_home"] || c.AtFailingService != counts["at_failing_service"] {
			rt.Fatalf("summary whereabouts %+v, oracle %v", c, counts)
		}
	})
}

// oracleAnswer is where the oracle says a person is.
type oracleAnswer struct {
	status, service, place, count string
}

func find(recs []*syncproto.Record, id string) *syncproto.Record {
	for _, r := range recs {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// oracle works out where each person is from the accepted records, written
// separately from rules.DeriveWhereabouts: replay every placing record in
// time order on a small state machine.
func oracle(d reports.Data, ids propIDs) map[string]oracleAnswer {
	v := func(r *syncproto.Record, f string) string { return schema.StringValue(r, f) }
	type step struct {
		at            string
		kind, service string
	}
	steps := map[string][]step{}
	transit := map[string]bool{}
	void, dest, done := map[string]bool{}, map[string]string{}, map[string]string{}
	for _, c := range d.Records[domain.MoveCorrections] {
		switch v(c, "kind") {
		case "void":
			void[v(c, "move_id")] = true
		case "destination":
			dest[v(c, "move_id")] = v(c, "to_service_id")
		case "completed_at":
			done[v(c, "move_id")] = v(c, "completed_at")
		}
	}
	for _, m := range d.Records["moves"] {
		if m.Deleted() {
			continue
		}
		switch v(m, "status") {
		case "completed":
			if void[m.ID] {
				continue
			}
			to, at := v(m, "to_service_id"), v(m, "completed_at")
			if x := dest[m.ID]; x != "" {
				to = x
			}
			if x := done[m.ID]; x != "" {
				at = x
			}
			steps[v(m, "resident_id")] = append(steps[v(m, "resident_id")], step{at, "move", to})
		case "in_transit":
			transit[v(m, "resident_id")] = true
		}
	}
	gone := map[string]bool{}
	for _, e := range d.Records["resident_events"] {
		if t := v(e, "corrects_event_id"); t != "" {
			gone[t] = true
		}
	}
	for _, e := range d.Records["resident_events"] {
		if gone[e.ID] || v(e, "event") == "entered_in_error" {
			continue
		}
		steps[v(e, "resident_id")] = append(steps[v(e, "resident_id")], step{v(e, "occurred_at"), v(e, "event"), v(e, "discharged_to_service_id")})
	}
	out := map[string]oracleAnswer{}
	for _, rid := range ids.people {
		ss := steps[rid]
		sort.Slice(ss, func(i, j int) bool { return ss[i].at < ss[j].at })
		home, hospital, dead := ids.home, false, false
		for _, s := range ss {
			switch s.kind {
			case "move":
				home, hospital = s.service, false
			case "hospital_admission":
				hospital = true
			case "hospital_discharge":
				hospital = false
				if s.service != "" {
					home = s.service
				}
			case "death":
				dead = true
			}
		}
		a := oracleAnswer{service: home}
		switch {
		case dead:
			a.status, a.place, a.count = "deceased", "deceased", "deceased"
		case hospital:
			a.status, a.place, a.count = "in_hospital", "hospital", "in_hospital"
		default:
			a.status, a.place = "in_placement", "service|"+home
			a.count = "at_failing_service"
			if home != ids.home {
				a.status, a.count = "moved", "at_new_home"
			}
			if transit[rid] {
				a.place, a.count = "in_transit|"+home, "in_transit"
			}
		}
		out[rid] = a
	}
	return out
}

// dump lists a person's moves and events, for a failure's message.
func dump(d reports.Data, rid string) string {
	out := ""
	for _, col := range []string{"moves", "resident_events"} {
		for _, r := range d.Records[col] {
			if schema.StringValue(r, "resident_id") == rid {
				out += fmt.Sprintf("\n  %s %s %s %s %s %s", col, r.ID[:8], schema.StringValue(r, "status")+schema.StringValue(r, "event"),
					schema.StringValue(r, "completed_at")+schema.StringValue(r, "occurred_at"), schema.StringValue(r, "to_service_id"), schema.StringValue(r, "corrects_event_id"))
			}
		}
	}
	return out
}
