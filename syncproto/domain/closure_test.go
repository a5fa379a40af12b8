package domain

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// putFx is put, then the effects the server would make, applied.
func (w *world) putFx(role, collection, id string, fields map[string]any) (string, []syncproto.Change) {
	w.t.Helper()
	before, _ := w.data.Record(collection, id)
	if before == nil {
		before = syncproto.NewRecord(collection, id)
	}
	got := w.put(role, collection, id, fields)
	if got != "applied" {
		return got, nil
	}
	after, _ := w.data.Record(collection, id)
	raw := map[string]json.RawMessage{}
	for k, v := range fields {
		b, _ := json.Marshal(v)
		raw[k] = b
	}
	c := syncproto.Change{ID: uuid.NewString(), Collection: collection, RecordID: id, Op: syncproto.OpUpsert, Fields: raw, HLC: w.clock.Now(), DeviceID: "tab-1"}
	out, err := w.reg.Effects(schema.Context{Lookup: w.data, Role: role, Now: w.now, Clock: w.clock}, c, before, after)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, x := range out {
		r, _ := w.data.Record(x.Collection, x.RecordID)
		if r == nil {
			r = syncproto.NewRecord(x.Collection, x.RecordID)
		}
		r.Apply(x)
		w.data[x.Collection+"/"+x.RecordID] = r
	}
	return got, out
}

func (w *world) str(collection, id, field string) string {
	r, _ := w.data.Record(collection, id)
	return schema.StringValue(r, field)
}

// expect runs cases of (role, collection, id, fields) -> want.
type step struct {
	name, role, collection, id string
	fields                     map[string]any
	want                       string
}

func (w *world) run(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		if !t.Run(s.name, func(t *testing.T) {
			if got, _ := w.putFx(s.role, s.collection, s.id, s.fields); got != s.want {
				t.Fatalf("got %s, want %s", got, s.want)
			}
		}) {
			t.FailNow()
		}
	}
}

func TestRegistry_Process1EscalatesToProcess2(t *testing.T) {
	w := newWorld(t)
	prov, inc := uuid.NewString(), uuid.NewString()
	w.put("admin", "providers", prov, map[string]any{"name": "Larkfield Care Ltd", "regulated": true})
	w.put("commissioner", "rag_statuses", uuid.NewString(), map[string]any{"provider_id": prov, "status": "RED", "reason": "final contract breach notice",
		"decided_at": "2026-11-09T10:00:00Z", "decided_by": "Head of Commissioning", "decided_by_role": "commissioner"})
	p1 := map[string]any{"incident_id": inc, "provider_id": prov, "title": "Larkfield House: final concerns", "trigger_criterion": "i", "process": 1,
		"status": "active", "activated_at": "2026-11-10T10:00:00Z", "reason": "improvement measures not met"}
	with := func(m map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	escalate := map[string]any{"process": 2, "escalated_at": "2026-11-20T10:00:00Z", "escalated_by": "Martin Coles, Service Director",
		"escalation_reason": "Final Action Plan not met by the absolute deadline", "process_1_provider_failed": true}
	w.run(t, []step{
		{"003 s.10 (i) \"in conjunction with the Director\": the commissioner alone may not start Process 1", "commissioner", "incidents", inc, p1, "joint_decision_required@fields.agreed_with_role"},
		{"003 s.10 (i) the Head of Commissioning starts Process 1 with the Director's agreement", "commissioner", "incidents", inc,
			with(p1, "agreed_with", "Martin Coles", "agreed_with_role", "director"), "applied"},
		{"003 App.1 Process 2 on criterion i needs the escalation recorded", "director", "incidents", inc, map[string]any{"process": 2}, "process_mismatch@fields.process"},
		{"003 App.1 only the Director escalates to Process 2", "commissioner", "incidents", inc, with(escalate, "final_concerns_meeting_held", true), "activation_not_permitted@"},
		{"003 s.10 (i) a Final Concerns Response Meeting will need to have been held", "director", "incidents", inc, escalate, "final_concerns_meeting_required@fields.final_concerns_meeting_held"},
		{"003 App.1 If the Provider fails at the end of PROCESS 1 then PROCESS 2 will be instigated", "director", "incidents", inc, with(escalate, "final_concerns_meeting_held", true), "applied"},
	})
	t.Run("003 App.1 escalation keeps the Process 1 history and sets RAG to PROVIDER_FAILURE", func(t *testing.T) {
		if w.str("incidents", inc, "activated_at") != "2026-11-10T10:00:00Z" || w.str("incidents", inc, "trigger_criterion") != "i" {
			t.Fatal("Process 1 history lost")
		}
		rag, _ := latestRAG(w.data, prov, "")
		if rag != "PROVIDER_FAILURE" {
			t.Fatalf("RAG = %s", rag)
		}
		if w.str("decision_log", derivedID("escalate-log", inc), "decided_by") != "Martin Coles, Service Director" {
			t.Fatal("escalation not in the decision log")
		}
	})
}

func TestRegistry_RAGDelegation(t *testing.T) {
	w := newWorld(t)
	prov := uuid.NewString()
	w.put("admin", "providers", prov, map[string]any{"name": "Oakwood Care"})
	rag := func(status, prev string, extra map[string]any) map[string]any {
		w.now = w.now.Add(time.Hour)
		f := map[string]any{"provider_id": prov, "status": status, "previous_status": prev, "reason": "RAG tool indicators",
			"decided_at": w.now.Format(time.RFC3339), "decided_by": "Sam Senior", "decided_by_role": "quality_officer"}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	delegated := map[string]any{"delegated_from_role": "commissioner", "delegated_by": "Head of Adults Commissioning", "delegation_reason": "on annual leave"}
	w.run(t, []step{
		{"003 App.1 a QMO manages to AMBER", "quality_officer", "rag_statuses", uuid.NewString(), rag("AMBER", "GREEN", nil), "applied"},
		{"003 App.1 a QMO only recommends AMBER to RED", "quality_officer", "rag_statuses", uuid.NewString(), rag("RED", "AMBER", nil), "rag_escalation_not_permitted@fields.status"},
		{"003 App.1 delegated to Senior QMO in QMT in their absence: AMBER to RED", "quality_officer", "rag_statuses", uuid.NewString(), rag("RED", "AMBER", delegated), "applied"},
		{"003 App.1 the delegated Senior QMO escalates from RED to PROVIDER FAILURE", "quality_officer", "rag_statuses", uuid.NewString(), rag("PROVIDER_FAILURE", "RED", delegated), "applied"},
		{"003 App.1 the Director's authority is not delegated to a QMO", "quality_officer", "rag_statuses", uuid.NewString(),
			rag("RED", "PROVIDER_FAILURE", map[string]any{"delegated_from_role": "director", "delegated_by": "Director", "delegation_reason": "away"}), "delegation_invalid@fields.delegated_from_role"},
	})
}

func TestRegistry_SuspensionIsTheDirectorsDecision(t *testing.T) {
	w := newWorld(t)
	prov := uuid.NewString()
	w.put("admin", "providers", prov, map[string]any{"name": "Chester Green Care"})
	w.put("admin", "services", uuid.NewString(), map[string]any{"provider_id": prov, "name": "Chester Green Lodge", "service_type": "residential"})
	w.run(t, []step{
		{"003 App.1 Recommend Provider suspension by report to Director: the commissioner may not suspend", "commissioner", "providers", prov,
			map[string]any{"contracting_suspended": true}, "suspension_needs_director@fields.contracting_suspended"},
		{"003 App.1 the commissioner records the recommendation and report", "commissioner", "providers", prov,
			map[string]any{"suspension_recommendation": "suspend", "suspension_report": "Two warning notices; unresolved complaints.", "suspension_recommended_by": "Gail Whitworth", "suspension_recommended_on": "2026-11-19"}, "applied"},
		{"003 App.1 the Director decides on the report", "director", "providers", prov, map[string]any{"contracting_suspended": true, "suspension_decided_by": "Martin Coles", "suspended_on": "2026-11-19"}, "applied"},
		{"003 App.1 Recommend lifting Provider suspension by report: a QMO may not lift it", "quality_officer", "providers", prov, map[string]any{"contracting_suspended": false}, "suspension_needs_director@fields.contracting_suspended"},
		{"003 App.1 the Director lifts it", "director", "providers", prov, map[string]any{"contracting_suspended": false}, "applied"},
		{"003 s.9 a neighbouring authority's care home suspension suspends automatically", "commissioner", "providers", prov,
			map[string]any{"suspended_by_authority": "Nottinghamshire County Council", "contracting_suspended": true}, "applied"},
	})
}

// closureWorld is a failing home with one resident and a destination.
type closureWorld struct {
	*world
	inc, larkfield, oakwood, redHome, res string
}

func newClosureWorld(t *testing.T) closureWorld {
	w := newWorld(t)
	cw := closureWorld{world: w, inc: uuid.NewString(), larkfield: uuid.NewString(), oakwood: uuid.NewString(), redHome: uuid.NewString(), res: uuid.NewString()}
	pA, pB, pRed := uuid.NewString(), uuid.NewString(), uuid.NewString()
	for id, name := range map[string]string{pA: "Larkfield Care", pB: "Oakwood Care", pRed: "Red Care"} {
		w.put("admin", "providers", id, map[string]any{"name": name, "regulated": true})
	}
	for id, p := range map[string]string{cw.larkfield: pA, cw.oakwood: pB, cw.redHome: pRed} {
		if got := w.put("admin", "services", id, map[string]any{"provider_id": p, "name": "Home " + id[:4], "service_type": "residential",
			"regulated": true, "registration_categories": []string{"residential", "residential_dementia"}, "local_authority": "Derby City Council"}); got != "applied" {
			t.Fatal(got)
		}
	}
	w.put("commissioner", "rag_statuses", uuid.NewString(), map[string]any{"provider_id": pRed, "status": "RED", "reason": "CQC warning notices",
		"decided_at": "2026-11-01T10:00:00Z", "decided_by": "Head", "decided_by_role": "commissioner"})
	if got := w.put("social_worker", "residents", cw.res, map[string]any{"incident_id": cw.inc, "given_name": "Edith", "family_name": "Marsh",
		"current_service_id": cw.larkfield, "registration_category": "residential", "status": "in_placement", "funding_streams": []string{"la_funded"}}); got != "applied" {
		t.Fatal(got)
	}
	return cw
}

func (cw closureWorld) move(to string, extra map[string]any) map[string]any {
	f := map[string]any{"incident_id": cw.inc, "resident_id": cw.res, "from_service_id": cw.larkfield, "to_service_id": to,
		"status": "planned", "planned_at": "2026-11-24T10:00:00Z", "planned_arrival_at": "2026-11-24T10:45:00Z", "chosen_by": "resident"}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func TestRegistry_DestinationConcernsAndNHSLead(t *testing.T) {
	cw := newClosureWorld(t)
	override := map[string]any{"destination_override_reason": "Only vacancy near her daughter; daily QMO visits agreed", "destination_override_by": "Gail Whitworth", "destination_override_role": "commissioner"}
	cw.run(t, []step{
		{"003 App.2 7.6 no move to a RED-rated provider", "social_worker", "moves", uuid.NewString(), cw.move(cw.redHome, nil), "destination_rag_red@fields.to_service_id"},
		{"003 App.2 7.6 a social worker cannot record the commissioner's override", "social_worker", "moves", uuid.NewString(),
			cw.move(cw.redHome, map[string]any{"destination_override_reason": "family wish", "destination_override_role": "social_worker"}), "override_not_permitted@fields.destination_override_reason"},
		{"003 App.2 7.6 nor claim it was a commissioner's", "social_worker", "moves", uuid.NewString(), cw.move(cw.redHome, override), "override_not_permitted@fields.destination_override_role"},
		{"003 Appendix 1: the NHS leads for fully funded NHS customers only", "nhs_liaison", "moves", uuid.NewString(), cw.move(cw.oakwood, nil), "nhs_lead_chc_only@fields.resident_id"},
		{"003 App.2 7.6 the commissioner's recorded override", "commissioner", "moves", uuid.NewString(), cw.move(cw.redHome, override), "applied"},
	})
	t.Run("003 Appendix 1: NHS liaison plans the move of a CHC resident", func(t *testing.T) {
		chc := uuid.NewString()
		cw.put("social_worker", "residents", chc, map[string]any{"incident_id": cw.inc, "given_name": "Cyril", "family_name": "Naylor",
			"current_service_id": cw.larkfield, "funding_streams": []string{"nhs_chc"}})
		f := cw.move(cw.oakwood, map[string]any{"resident_id": chc})
		if got := cw.put("nhs_liaison", "moves", uuid.NewString(), f); got != "applied" {
			t.Fatal(got)
		}
	})
}

func TestRegistry_DeathsAdmissionsAndWhereabouts(t *testing.T) {
	cw := newClosureWorld(t)
	move, adm := uuid.NewString(), uuid.NewString()
	cw.run(t, []step{
		{"a move is planned", "social_worker", "moves", move, cw.move(cw.oakwood, nil), "applied"},
		{"a hospital admission during the incident", "social_worker", "resident_events", adm, map[string]any{"incident_id": cw.inc, "resident_id": cw.res,
			"event": "hospital_admission", "occurred_at": "2026-11-21T02:00:00Z", "hospital": "Royal Derby Hospital, ward 305", "family_informed_at": "2026-11-21T07:00:00Z"}, "applied"},
	})
	t.Run("an admission updates where the resident is", func(t *testing.T) {
		if cw.str("residents", cw.res, "status") != "in_hospital" || cw.str("residents", cw.res, "current_location") != "Royal Derby Hospital, ward 305" {
			t.Fatalf("resident = %s at %s", cw.str("residents", cw.res, "status"), cw.str("residents", cw.res, "current_location"))
		}
	})
	cw.run(t, []step{
		{"a death during the incident (family, CQC and coroner told)", "social_worker", "resident_events", uuid.NewString(), map[string]any{"incident_id": cw.inc, "resident_id": cw.res,
			"event": "death", "occurred_at": "2026-11-22T04:30:00Z", "place": "Royal Derby Hospital", "family_informed_at": "2026-11-22T06:00:00Z",
			"cqc_notified_at": "2026-11-22T10:00:00Z", "coroner_relevant": true, "coroner_notified_at": "2026-11-22T11:00:00Z"}, "applied"},
	})
	t.Run("a death updates whereabouts and cancels the planned move", func(t *testing.T) {
		if cw.str("residents", cw.res, "status") != "deceased" {
			t.Fatal("resident not deceased")
		}
		if cw.str("moves", move, "status") != "cancelled" {
			t.Fatalf("move %s", cw.str("moves", move, "status"))
		}
	})
	cw.run(t, []step{
		{"no move can be planned for a resident who has died", "social_worker", "moves", uuid.NewString(), cw.move(cw.oakwood, map[string]any{"planned_at": "2026-11-25T10:00:00Z", "planned_arrival_at": "2026-11-25T10:30:00Z"}), "resident_deceased@fields.resident_id"},
		{"nor an admission after death", "social_worker", "resident_events", uuid.NewString(), map[string]any{"incident_id": cw.inc, "resident_id": cw.res,
			"event": "hospital_admission", "occurred_at": "2026-11-23T02:00:00Z"}, "resident_deceased@fields.resident_id"},
	})
}

func TestRegistry_HandoverGatesCompletion(t *testing.T) {
	cw := newClosureWorld(t)
	move := uuid.NewString()
	cw.run(t, []step{
		{"a move with equipment travelling is planned", "social_worker", "moves", move, cw.move(cw.oakwood, map[string]any{"equipment_travelling": "pressure mattress"}), "applied"},
		{"in transit", "transport_coordinator", "moves", move, map[string]any{"status": "in_transit", "medication_travelling": true}, "applied"},
		{"003 App.2 7.11 not arrived before a leg departs and arrives", "transport_coordinator", "moves", move, map[string]any{"status": "arrived"}, "move_not_arrived@fields.status"},
		{"the leg departs and arrives", "transport_coordinator", "move_legs", uuid.NewString(), map[string]any{"incident_id": cw.inc, "move_id": move, "sequence": 1,
			"departed_at": "2026-11-24T10:05:00Z", "arrived_at": "2026-11-24T10:50:00Z"}, "applied"},
		{"completed from in transit passes the hand-over's gate too", "transport_coordinator", "moves", move, map[string]any{"status": "completed", "records_handed_over": true}, "handover_incomplete@fields.status"},
		{"arrived", "transport_coordinator", "moves", move, map[string]any{"status": "arrived"}, "applied"},
		{"003 App.2 7.15 7.20 7.21 7.24 a move cannot be completed before its hand-over", "transport_coordinator", "moves", move,
			map[string]any{"status": "completed", "records_handed_over": true}, "handover_incomplete@fields.status"},
		{"003 App.2 7.12 equipment transferred is a hand-over item when equipment travels", "transport_coordinator", "moves", move,
			map[string]any{"status": "completed", "records_handed_over": true, "care_plan_handed_over": true, "identity_confirmed": true}, "handover_incomplete@fields.status"},
		{"003 App.2 the hand-over done, the move completes", "transport_coordinator", "moves", move,
			map[string]any{"status": "completed", "records_handed_over": true, "care_plan_handed_over": true, "identity_confirmed": true,
				"equipment_transferred": true, "completed_at": "2026-11-24T11:00:00Z"}, "applied"},
	})
	t.Run("whereabouts: completing a move updates where the resident is now and their status", func(t *testing.T) {
		if cw.str("residents", cw.res, "current_service_id") != cw.oakwood || cw.str("residents", cw.res, "status") != "moved" {
			t.Fatalf("resident at %s, %s", cw.str("residents", cw.res, "current_service_id"), cw.str("residents", cw.res, "status"))
		}
	})
	t.Run("003 App.2 7.19 reviews scheduled 72 hours and 4 weeks after the move", func(t *testing.T) {
		for typ, due := range map[string]string{"72_hours": "2026-11-27", "4_weeks": "2026-12-22"} {
			if got := cw.str("post_move_reviews", ReviewID(move, typ), "due_on"); got != due {
				t.Errorf("%s review due %q, want %s", typ, got, due)
			}
		}
	})
	t.Run("an override reason completes a move without every item", func(t *testing.T) {
		res2, m2 := uuid.NewString(), uuid.NewString()
		cw.put("social_worker", "residents", res2, map[string]any{"incident_id": cw.inc, "given_name": "Harold", "family_name": "Ince", "current_service_id": cw.larkfield})
		f := cw.move(cw.oakwood, map[string]any{"resident_id": res2, "planned_at": "2026-11-24T13:00:00Z", "planned_arrival_at": "2026-11-24T13:45:00Z"})
		cw.put("social_worker", "moves", m2, f)
		cw.put("transport_coordinator", "moves", m2, map[string]any{"status": "in_transit"})
		cw.put("transport_coordinator", "move_legs", uuid.NewString(), map[string]any{"incident_id": cw.inc, "move_id": m2, "sequence": 1,
			"departed_at": "2026-11-24T13:05:00Z", "arrived_at": "2026-11-24T13:50:00Z"})
		if got := cw.put("transport_coordinator", "moves", m2, map[string]any{"status": "arrived"}); got != "applied" {
			t.Fatal(got)
		}
		if got := cw.put("transport_coordinator", "moves", m2, map[string]any{"status": "completed", "handover_override_reason": "driver in a hurry"}); got != "handover_override_not_permitted@fields.handover_override_reason" {
			t.Fatalf("003 App.2 7.20 7.21: a transport coordinator's override: %s", got)
		}
		if got := cw.put("social_worker", "moves", m2, map[string]any{"handover_override_reason": "Fire at the home: moved at once; records follow by courier", "handover_override_role": "social_worker"}); got != "applied" {
			t.Fatal(got)
		}
		if got := cw.put("transport_coordinator", "moves", m2, map[string]any{"status": "completed"}); got != "handover_incomplete@fields.status" {
			t.Fatalf("003 App.2 7.21 identity is never overridden: %s", got)
		}
		if got := cw.put("transport_coordinator", "moves", m2, map[string]any{"status": "completed", "identity_confirmed": true, "medication_travelling": true}); got != "applied" {
			t.Fatal(got)
		}
	})
}

func TestRegistry_ChoiceAgainstCapacity(t *testing.T) {
	cw := newClosureWorld(t)
	ca := uuid.NewString()
	yes, no := true, false
	assessment := map[string]any{"incident_id": cw.inc, "resident_id": cw.res, "decision": "Where to live after Larkfield House closes",
		"decision_type": "accommodation", "outcome": "lacks_capacity", "impairment": yes, "can_understand": no, "can_retain": no,
		"can_use_or_weigh": no, "can_communicate": yes, "causative_nexus": yes,
		"relevant_information": "Larkfield House is closing; the homes with places and what each is like", "how_information_given": "In her room, with photographs",
		"practicable_steps": "Morning visit, hearing aids in, key worker present", "impairment_evidence": "Diagnosed dementia",
		"understand_evidence": "Could not say the home is closing", "retain_evidence": "Did not recall the photographs after five minutes",
		"use_or_weigh_evidence": "Could not compare the options", "communicate_evidence": "Speaks clearly",
		"causative_nexus_evidence": "Because of the dementia", "assessor_name": "Kim", "sittings": []map[string]any{{"date": "2026-11-20"}}}
	incoherent := map[string]any{}
	for k, v := range assessment {
		incoherent[k] = v
	}
	incoherent["impairment"] = false
	incoherent["signed_at"] = "2026-11-20T10:00:00Z"
	bi := map[string]any{"incident_id": cw.inc, "assessment_id": ca, "resident_id": cw.res, "decision": "Where to live after Larkfield House closes",
		"decision_type": "accommodation", "setting": "care_home", "decision_maker": "council",
		"consultees": []map[string]any{{"name": "Key worker", "role": "paid_carer"}}}
	urgent := map[string]any{}
	for k, v := range bi {
		urgent[k] = v
	}
	urgent["imca_urgency_reason"] = "Home closed overnight after a fire"
	cw.run(t, []step{
		{"003 App.2 3.8 an incoherent two-stage assessment cannot be signed", "social_worker", "capacity_assessments", uuid.NewString(), incoherent, "capacity_test_incoherent@fields.impairment"},
		{"003 App.2 3.8 a coherent two-stage assessment is signed", "social_worker", "capacity_assessments", ca,
			merge(assessment, map[string]any{"signed_at": "2026-11-20T10:00:00Z", "signed_by": "Kim"}), "applied"},
		{"003 App.2 7.3 7.9 a person lacking capacity does not choose alone", "social_worker", "moves", uuid.NewString(), cw.move(cw.oakwood, nil), "choice_needs_capacity@fields.chosen_by"},
		{"003 App.2 7.9 nor in a placement decision", "social_worker", "placement_decisions", uuid.NewString(), map[string]any{"incident_id": cw.inc, "resident_id": cw.res,
			"service_id": cw.oakwood, "decided_at": "2026-11-21T10:00:00Z", "chosen_by": "resident", "decided_by_name": "Edith Marsh"}, "choice_needs_capacity@fields.chosen_by"},
		{"003 App.2 3.8 IMCAS for those lacking family / friends: a blank expected stay is not zero", "social_worker", "best_interests_decisions", uuid.NewString(), bi, "imca_required@fields.imca_referral_date"},
		{"MCA s.38(4) the urgency exception recorded", "social_worker", "best_interests_decisions", uuid.NewString(), urgent, "applied"},
	})
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestRegistry_ChecklistEvidence(t *testing.T) {
	cw := newClosureWorld(t)
	item, meeting := uuid.NewString(), uuid.NewString()
	cw.put("commissioner", "checklist_items", item, map[string]any{"incident_id": cw.inc, "section": 9, "number": "9.1", "text": "Maintain a record of meetings", "responsibility": "DCC", "status": "in_progress"})
	cw.put("commissioner", "meeting_records", meeting, map[string]any{"incident_id": cw.inc, "meeting_type": "jisg", "held_at": "2026-11-20T10:00:00Z", "summary": "JISG met"})
	cw.run(t, []step{
		{"evidence must name a record that exists", "social_worker", "checklist_items", item,
			map[string]any{"evidence": []map[string]any{{"collection": "meeting_records", "record_id": uuid.NewString()}}}, "evidence_unknown@fields.evidence"},
		{"evidence names a known collection", "social_worker", "checklist_items", item,
			map[string]any{"evidence": []map[string]any{{"collection": "minutes", "record_id": meeting}}}, "evidence_unknown@fields.evidence"},
		{"003 App.2 9.1 is Administration's to sign off, not a social worker's", "social_worker", "checklist_items", item,
			map[string]any{"status": "done", "evidence": []map[string]any{{"collection": "meeting_records", "record_id": meeting}}}, "checklist_sign_off_not_permitted@fields.status"},
		{"003 App.2 9.1 Maintain a record of meetings: the meeting is the evidence", "back_office", "checklist_items", item,
			map[string]any{"status": "done", "evidence": []map[string]any{{"collection": "meeting_records", "record_id": meeting}}}, "applied"},
	})
}

func TestAssessProvider_SeedCorrections(t *testing.T) {
	w := newWorld(t)
	rec := func(col string, f map[string]any) *syncproto.Record {
		id := uuid.NewString()
		if got := w.put("admin", col, id, f); got != "applied" {
			t.Fatalf("%s: %s", col, got)
		}
		r, _ := w.data.Record(col, id)
		return r
	}
	incident := func(process int, extra map[string]any) *syncproto.Record {
		r := syncproto.NewRecord("incidents", uuid.NewString())
		f := map[string]any{"status": "active", "process": process, "cause": "business_failure"}
		for k, v := range extra {
			f[k] = v
		}
		for k, v := range f {
			b, _ := json.Marshal(v)
			r.Fields[k] = syncproto.FieldState{Value: b}
		}
		return r
	}
	t.Run("003 s.5 a 2,500-bed group with one 42-bed home here is in the regime (at least 2,000 anywhere in England)", func(t *testing.T) {
		p := rec("providers", map[string]any{"name": "Big Group plc", "total_beds": 2500})
		home := rec("services", map[string]any{"provider_id": p.ID, "name": "Larkfield House", "service_type": "residential", "beds": 42, "local_authority": "Derby City Council"})
		if a := AssessProvider(p, []*syncproto.Record{home}, nil); !a.MarketOversight.Eligible {
			t.Fatalf("%+v", a.MarketOversight)
		}
	})
	p := rec("providers", map[string]any{"name": "Larkfield Care", "regulated": true, "insolvency_event": "administrator_appointed"})
	home := rec("services", map[string]any{"provider_id": p.ID, "name": "Larkfield House", "service_type": "residential", "operating_status": "operating"})
	cases := []struct {
		name      string
		incidents []*syncproto.Record
		want      bool
	}{
		{"003 s.3 Where the provider can continue the activity the duty will not be triggered: Process 1", []*syncproto.Record{incident(1, nil)}, false},
		{"003 s.7 administrator keeps the home running under Process 2: not triggered", []*syncproto.Record{incident(2, map[string]any{"service_continuing": true})}, false},
		{"003 s.3 Process 2 and the home not continuing: all four conditions", []*syncproto.Record{incident(2, nil)}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if a := AssessProvider(p, []*syncproto.Record{home}, tc.incidents); a.TemporaryDuty.S48Engaged != tc.want {
				t.Fatalf("engaged %v: %q", a.TemporaryDuty.S48Engaged, a.TemporaryDuty.Reasons)
			}
		})
	}
}
