package domain

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// memory is an in-memory schema.Lookup over merged records.
type memory map[string]*syncproto.Record

func (m memory) Record(collection, id string) (*syncproto.Record, error) {
	if r, ok := m[collection+"/"+id]; ok {
		return r.Clone(), nil
	}
	return nil, nil
}

func (m memory) Find(collection, field string, value json.RawMessage) ([]*syncproto.Record, error) {
	var out []*syncproto.Record
	for _, r := range m {
		if r.Collection == collection && string(r.Value(field)) == string(value) {
			out = append(out, r.Clone())
		}
	}
	return out, nil
}

func (m memory) Written(string) (schema.WriteInfo, bool, error) {
	return schema.WriteInfo{}, false, nil
}

// world applies changes through the registry as a server would.
type world struct {
	t     *testing.T
	reg   *schema.Registry
	data  memory
	clock *syncproto.Clock
	now   time.Time
}

func newWorld(t *testing.T) *world {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // a Monday
	return &world{t: t, reg: Registry(Options{}), data: memory{}, clock: syncproto.NewClock("tab-1", func() time.Time { return now }), now: now}
}

// put checks and applies an upsert by role; it returns the rejection code.
func (w *world) put(role, collection, id string, fields map[string]any) string {
	w.t.Helper()
	raw := map[string]json.RawMessage{}
	for k, v := range fields {
		b, _ := json.Marshal(v)
		raw[k] = b
	}
	c := syncproto.Change{ID: uuid.NewString(), Collection: collection, RecordID: id, Op: syncproto.OpUpsert, Fields: raw,
		HLC: w.clock.Now(), RecordedAt: w.now, DeviceID: "tab-1"}
	before, _ := w.data.Record(collection, id)
	if before == nil {
		before = syncproto.NewRecord(collection, id)
	}
	if e := w.reg.CheckFields(c, before); e != nil {
		return e.Code + "@" + e.Field
	}
	after := before.Clone()
	after.Apply(c)
	ctx := schema.Context{Lookup: w.data, Role: role, Now: w.now, Clock: w.clock}
	if e := w.reg.CheckRules(ctx, c, before, after); e != nil {
		return e.Code + "@" + e.Field
	}
	w.data[collection+"/"+id] = after
	return "applied"
}

func TestRegistry_IncidentRules(t *testing.T) {
	w := newWorld(t)
	prov := uuid.NewString()
	inc := uuid.NewString()
	if got := w.put("admin", "providers", prov, map[string]any{"name": "Larkfield Care Ltd", "regulated": true}); got != "applied" {
		t.Fatal(got)
	}
	create := map[string]any{"incident_id": inc, "provider_id": prov, "title": "Larkfield House", "trigger_criterion": "ii", "process": 2,
		"status": "active", "activated_at": "2026-11-23T10:00:00Z", "reason": "administrators appointed"}
	cases := []struct {
		name, role string
		fields     map[string]any
		want       string
	}{
		{"003 s.10 (ii) activates Process 2 by the Director", "director", create, "applied"},
		{"003 s.10 the process cannot be changed away from the criterion's", "director", map[string]any{"process": 1}, "process_mismatch@fields.process"},
		{"003 Appendix 1 a commissioner may not re-point Process 2 to criterion (i)", "commissioner", map[string]any{"trigger_criterion": "i", "process": 1}, "activation_not_permitted@"},
		{"003 s.10 (iv) needs the provider's business continuity plan to have failed", "director", map[string]any{"trigger_criterion": "iv"}, "business_continuity_plan_not_failed@fields.business_continuity_plan_failed"},
		{"notes can still be edited", "commissioner", map[string]any{"situation": "residents' families told"}, "applied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := w.put(tc.role, "incidents", inc, tc.fields); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRegistry_RAGFromHistory(t *testing.T) {
	w := newWorld(t)
	prov := uuid.NewString()
	w.put("admin", "providers", prov, map[string]any{"name": "Larkfield Care Ltd"})
	step := func(role, prev, status string) string {
		f := map[string]any{"provider_id": prov, "status": status, "reason": "RAG tool indicators", "decided_at": w.now.Format(time.RFC3339),
			"decided_by": "someone", "decided_by_role": role}
		if prev != "" {
			f["previous_status"] = prev
		}
		w.now = w.now.Add(time.Hour)
		return w.put(role, "rag_statuses", uuid.NewString(), f)
	}
	cases := []struct {
		name, role, prev, status, want string
	}{
		{"003 Appendix 1 a QMO escalates GREEN to AMBER", "quality_officer", "", "AMBER", "applied"},
		{"003 Appendix 1 the commissioner escalates AMBER to RED", "commissioner", "AMBER", "RED", "applied"},
		{"003 Appendix 1 a QMO may not de-escalate RED, even claiming AMBER", "quality_officer", "AMBER", "GREEN", "previous_status_mismatch@fields.previous_status"},
		{"003 Appendix 1 a QMO may not de-escalate RED", "quality_officer", "", "AMBER", "rag_deescalation_not_permitted@fields.status"},
		{"003 Appendix 1 a QMO may not escalate RED to PROVIDER FAILURE", "quality_officer", "RED", "PROVIDER_FAILURE", "rag_escalation_not_permitted@fields.status"},
		{"003 Appendix 1 Head of Adults Commissioning: Escalate from RED to PROVIDER FAILURE", "commissioner", "RED", "PROVIDER_FAILURE", "applied"},
		{"003 Appendix 1 the commissioner may not de-escalate PROVIDER FAILURE", "commissioner", "PROVIDER_FAILURE", "RED", "rag_deescalation_not_permitted@fields.status"},
		{"003 Appendix 1 the Director de-escalates PROVIDER FAILURE to RED", "director", "PROVIDER_FAILURE", "RED", "applied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := step(tc.role, tc.prev, tc.status); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRegistry_MoveDestination(t *testing.T) {
	w := newWorld(t)
	inc, provA, provB := uuid.NewString(), uuid.NewString(), uuid.NewString()
	from, ok, suspended := uuid.NewString(), uuid.NewString(), uuid.NewString()
	w.put("admin", "providers", provA, map[string]any{"name": "Oakwood Care"})
	w.put("admin", "providers", provB, map[string]any{"name": "Suspended Care"})
	if got := w.put("director", "providers", provB, map[string]any{"contracting_suspended": true, "suspension_decided_by": "Service Director"}); got != "applied" {
		t.Fatal(got)
	}
	for id, p := range map[string]string{from: provA, ok: provA, suspended: provB} {
		if got := w.put("admin", "services", id, map[string]any{"provider_id": p, "name": "Home " + id[:4], "service_type": "residential",
			"regulated": true, "registration_categories": []string{"residential"}}); got != "applied" {
			t.Fatal(got)
		}
	}
	res := uuid.NewString()
	w.put("social_worker", "residents", res, map[string]any{"incident_id": inc, "given_name": "Edith", "family_name": "Barlow",
		"current_service_id": from, "registration_category": "residential"})
	move := func(to string) string {
		return w.put("social_worker", "moves", uuid.NewString(), map[string]any{"incident_id": inc, "resident_id": res,
			"from_service_id": from, "to_service_id": to, "status": "planned", "planned_at": "2026-11-24T10:00:00Z"})
	}
	cases := []struct{ name, to, want string }{
		{"003 Appendix 2 7.5 a destination nobody has recorded is refused", uuid.NewString(), "destination_unknown@fields.to_service_id"},
		{"003 s.9 a service of a suspended provider is refused", suspended, "destination_suspended@fields.to_service_id"},
		{"003 Appendix 2 7.5 a registered destination is accepted", ok, "applied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := move(tc.to); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestNeighbourSuspensionEffect(t *testing.T) {
	w := newWorld(t)
	prov, home, care := uuid.NewString(), uuid.NewString(), uuid.NewString()
	w.put("admin", "providers", prov, map[string]any{"name": "Northfield Care Group"})
	w.put("admin", "services", home, map[string]any{"provider_id": prov, "name": "Northfield House", "service_type": "residential"})
	w.put("admin", "services", care, map[string]any{"provider_id": prov, "name": "Northfield Home Care", "service_type": "domiciliary"})
	before, _ := w.data.Record("providers", prov)
	after := before.Clone()
	c := syncproto.Change{ID: uuid.NewString(), Collection: "providers", RecordID: prov, Op: syncproto.OpUpsert,
		Fields: map[string]json.RawMessage{"suspended_by_authority": json.RawMessage(`"Nottinghamshire County Council"`)}, HLC: w.clock.Now(), DeviceID: "tab-1"}
	after.Apply(c)
	out, err := w.reg.Effects(schema.Context{Lookup: w.data, Role: "commissioner", Now: w.now, Clock: w.clock}, c, before, after)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("003 s.9 care homes are suspended automatically", func(t *testing.T) {
		n := 0
		for _, x := range out {
			if x.Collection == "services" {
				n++
				if x.RecordID != home || string(x.Fields["contracting_suspended"]) != "true" {
					t.Fatalf("effects = %+v", out)
				}
			}
		}
		if n != 1 {
			t.Fatalf("%d services suspended, want 1", n)
		}
	})
	t.Run("003 s.9 the provider is flagged and the details sent to the relevant social care team", func(t *testing.T) {
		var flagged, task bool
		for _, x := range out {
			switch {
			case x.Collection == "providers" && x.RecordID == prov && string(x.Fields["flagged_for_review"]) == "true":
				flagged = true
			case x.Collection == "team_tasks" && string(x.Fields["team"]) == `"social_care"` && string(x.Fields["provider_id"]) == `"`+prov+`"` &&
				strings.Contains(string(x.Fields["details"]), "Northfield House") && strings.Contains(string(x.Fields["details"]), "Northfield Home Care"):
				task = true
			}
		}
		if !flagged || !task {
			t.Fatalf("flagged %v, task %v: %+v", flagged, task, out)
		}
	})
	t.Run("003 s.9 home care is reviewed, not suspended", func(t *testing.T) {
		for _, x := range out {
			if x.RecordID == care {
				t.Fatal("domiciliary service suspended automatically")
			}
		}
	})
	t.Run("recording the same suspension again does nothing", func(t *testing.T) {
		again, _ := w.reg.Effects(schema.Context{Lookup: w.data, Role: "commissioner", Now: w.now, Clock: w.clock}, c, after, after)
		if len(again) != 0 {
			t.Fatalf("effects = %+v", again)
		}
	})
}

func TestAssessProvider(t *testing.T) {
	w := newWorld(t)
	rec := func(col string, f map[string]any) *syncproto.Record {
		id := uuid.NewString()
		if got := w.put("admin", col, id, f); got != "applied" {
			t.Fatalf("%s: %s", col, got)
		}
		r, _ := w.data.Record(col, id)
		return r
	}
	t.Run("003 s.5 residential: 2,000 beds is in the regime; 003 s.4 administrator appointed engages s.48", func(t *testing.T) {
		p := rec("providers", map[string]any{"name": "Big Homes plc", "regulated": true, "insolvency_event": "administrator_appointed"})
		var svcs []*syncproto.Record
		for i, beds := range []int{1200, 800} {
			svcs = append(svcs, rec("services", map[string]any{"provider_id": p.ID, "name": "Home " + string(rune('A'+i)), "service_type": "residential",
				"beds": beds, "local_authority": []string{"Derby", "Nottingham"}[i], "operating_status": "closing"}))
		}
		a := AssessProvider(p, svcs, nil)
		if a.Oversight != "residential" || !a.MarketOversight.Eligible {
			t.Fatalf("oversight = %+v", a)
		}
		if !a.TemporaryDuty.S48Engaged {
			t.Fatalf("duty = %+v", a.TemporaryDuty)
		}
	})
	t.Run("003 s.5 non-residential: 900 people need more than 27,000 hours", func(t *testing.T) {
		for _, tc := range []struct {
			hours float64
			want  bool
		}{{27000, false}, {27001, true}} {
			p := rec("providers", map[string]any{"name": "Home Support Ltd", "people_per_week": 900, "hours_per_week": tc.hours})
			if a := AssessProvider(p, nil, nil); a.MarketOversight.Eligible != tc.want {
				t.Fatalf("%v hours: eligible = %v", tc.hours, a.MarketOversight.Eligible)
			}
		}
	})
	t.Run("003 s.8 no business failure: s.48 not engaged", func(t *testing.T) {
		p := rec("providers", map[string]any{"name": "Flooded Home Ltd", "regulated": true})
		if a := AssessProvider(p, nil, nil); a.TemporaryDuty.S48Engaged {
			t.Fatalf("duty = %+v", a.TemporaryDuty)
		}
	})
}
