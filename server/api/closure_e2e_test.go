package api_test

import (
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/server/reports"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// TestServer_ClosureScenario plays a care-home closure end to end over HTTP,
// as seed 003 describes it: RAG escalation by the QMO and the Head of
// Adults Commissioning, Process 1 (Final Concerns Response) started jointly,
// escalation to Process 2 by the Director, safe-and-well checks, two-stage
// capacity assessments and best-interests decisions, family contact and the
// decisions on new homes, a death, a hospital admission, moves gated by their
// hand-over (one to a RED provider on the commissioner's override),
// cross-authority notifications, post-move reviews and checklist evidence;
// then the Director's situation report, the whereabouts list and a transfer
// summary. Every figure of the report is checked against counts the test
// keeps from what it did (the model), not numbers typed twice.
func TestServer_ClosureScenario(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	larkfieldCare, oakwoodCare, belperCare, redfernCare := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	larkfield, oakwood, belper, redfern := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()

	adminTok := e.pfUser("ada", "admin", "admin-laptop")
	qmoTok := e.pfUser("quinn", "quality_officer", "qmo-laptop")
	headTok := e.pfUser("gail", "commissioner", "head-laptop", inc)
	directorTok := e.pfUser("martin", "director", "dir-laptop", inc)
	kimTok := e.pfUser("kim", "social_worker", "tab-kim", inc)
	tomTok := e.pfUser("tom", "transport_coordinator", "van-tom", inc)
	nhsTok := e.pfUser("nia", "nhs_liaison", "icb-nia", inc)
	boTok := e.pfUser("bea", "back_office", "desk-bea", "*")
	admin, qmo, head := newWriter("admin-laptop", e.clock.Now), newWriter("qmo-laptop", e.clock.Now), newWriter("head-laptop", e.clock.Now)
	director, kim, tom, nhs := newWriter("dir-laptop", e.clock.Now), newWriter("tab-kim", e.clock.Now), newWriter("van-tom", e.clock.Now), newWriter("icb-nia", e.clock.Now)

	cases := e.pfCases
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	setClock := func(at string) {
		when, err := time.Parse(time.RFC3339, at)
		if err != nil {
			t.Fatal(err)
		}
		if d := when.Sub(e.clock.Now()); d > 0 {
			e.clock.Advance(d)
		}
	}

	// model is what the test knows it did: where each resident is, and the
	// report's figures worked out from it.
	type person struct {
		name, place, status string
		funding             []string
		deceased            bool
	}
	model := map[string]*person{}
	var movesCompleted, movesPlanned, deaths, admissions, commsInPeriod []string

	step("domain.md Records: the market", func(t *testing.T) {
		cases(t, []pfCase{
			{"003 s.5 Larkfield Care declares its beds in England", adminTok, admin.upsert("providers", larkfieldCare, map[string]any{"name": "Larkfield Care Ltd", "regulated": true, "total_beds": 42}), "applied"},
			{"Oakwood Care", adminTok, admin.upsert("providers", oakwoodCare, map[string]any{"name": "Oakwood Care Ltd", "regulated": true}), "applied"},
			{"Belper Care", adminTok, admin.upsert("providers", belperCare, map[string]any{"name": "Belper Care Ltd", "regulated": true}), "applied"},
			{"Redfern Care", adminTok, admin.upsert("providers", redfernCare, map[string]any{"name": "Redfern Care Ltd", "regulated": true}), "applied"},
		})
		for _, s := range []struct{ id, prov, name, la string }{
			{larkfield, larkfieldCare, "Larkfield House", "Derby City Council"}, {oakwood, oakwoodCare, "Oakwood Grange", "Derby City Council"},
			{belper, belperCare, "Belper Riverside", "Derbyshire County Council"}, {redfern, redfernCare, "Redfern Court", "Derby City Council"},
		} {
			cases(t, []pfCase{{s.name, adminTok, admin.upsert("services", s.id, map[string]any{"provider_id": s.prov, "name": s.name, "service_type": "residential",
				"regulated": true, "registration_categories": []string{"residential", "residential_dementia", "nursing"}, "local_authority": s.la}), "applied"}})
		}
	})

	rag := func(w *writer, prov, prev, status, role string, extra map[string]any) map[string]any {
		f := map[string]any{"provider_id": prov, "status": status, "reason": "QMT RAG tool indicators", "decided_at": e.clock.Now().UTC().Format(time.RFC3339),
			"decided_by": role, "decided_by_role": role}
		if prev != "" {
			f["previous_status"] = prev
		}
		for k, v := range extra {
			f[k] = v
		}
		return w.upsert("rag_statuses", uuid.NewString(), f)
	}
	step("003 Appendix 1 RAG escalation", func(t *testing.T) {
		cases(t, []pfCase{
			{"003 App.1 the QMO manages to AMBER", qmoTok, rag(qmo, larkfieldCare, "", "AMBER", "quality_officer", nil), "applied"},
			{"003 App.1 the QMO only recommends AMBER to RED", qmoTok, rag(qmo, larkfieldCare, "AMBER", "RED", "quality_officer", nil), "rejected:rag_escalation_not_permitted@fields.status"},
			{"003 App.1 the Head of Adults Commissioning agrees AMBER to RED", headTok, rag(head, larkfieldCare, "AMBER", "RED", "commissioner", nil), "applied"},
			{"003 App.1 Redfern Court's provider is RED (CQC warning notices)", headTok, rag(head, redfernCare, "", "RED", "commissioner", nil), "applied"},
		})
		e.clock.Advance(time.Minute)
	})

	p1 := map[string]any{"incident_id": inc, "provider_id": larkfieldCare, "service_ids": []string{larkfield}, "title": "Larkfield House closure",
		"trigger_criterion": "i", "process": 1, "status": "active", "activated_at": "2026-11-23T10:00:00Z", "reason": "Improvement measures not met; final contract breach notice."}
	step("003 s.10 (i) Process 1 is a joint decision", func(t *testing.T) {
		joint := map[string]any{}
		for k, v := range p1 {
			joint[k] = v
		}
		joint["agreed_with"], joint["agreed_with_role"] = "Martin Coles", "director"
		cases(t, []pfCase{
			{"003 s.10 (i) \"in conjunction with the Director\": not alone", headTok, head.upsert("incidents", inc, p1), "rejected:joint_decision_required@fields.agreed_with_role"},
			{"003 App.1 the Head of Commissioning instigates Process 1 with the Director", headTok, head.upsert("incidents", inc, joint), "applied"},
		})
	})

	residents := []struct {
		key, given, family, nhs string
		extra                   map[string]any
	}{
		{"edith", "Edith", "Marsh", "9434765919", map[string]any{"funding_streams": []string{"la_funded"}, "registration_category": "residential_dementia",
			"carers":   []map[string]any{{"name": "Ann Marsh", "relationship": "daughter", "phone": "07700 900001", "next_of_kin": true}},
			"about_me": "I like my tea strong and the radio on in the morning.", "medication_summary": "Donepezil 10mg at night", "preferred_service_ids": []string{oakwood}}},
		{"harold", "Harold", "Ince", "9990000018", map[string]any{"funding_streams": []string{"self_funder", "fnc"}, "registration_category": "nursing"}},
		{"eileen", "Eileen", "Pargeter", "9990000026", map[string]any{"funding_streams": []string{"out_of_area"}, "placing_authority": "Nottinghamshire County Council", "registration_category": "residential"}},
		{"cyril", "Cyril", "Naylor", "4010232137", map[string]any{"funding_streams": []string{"nhs_chc"}, "registration_category": "nursing"}},
		{"vera", "Vera", "Goodall", "", map[string]any{"funding_streams": []string{"la_funded"}, "registration_category": "residential"}},
		{"albert", "Albert", "Dunn", "", map[string]any{"funding_stream": "la_funded", "registration_category": "residential"}},
	}
	id := map[string]string{}
	step("003 Appendix 2 3.1 the list of residents, funding as several streams (section 4)", func(t *testing.T) {
		for _, r := range residents {
			id[r.key] = uuid.NewString()
			f := map[string]any{"incident_id": inc, "given_name": r.given, "family_name": r.family, "current_service_id": larkfield, "status": "in_placement"}
			if r.nhs != "" {
				f["nhs_number"] = r.nhs
			}
			for k, v := range r.extra {
				f[k] = v
			}
			cases(t, []pfCase{{r.given, kimTok, kim.upsert("residents", id[r.key], f), "applied"}})
			p := &person{name: r.given + " " + r.family, place: larkfield, status: "in_placement"}
			if fs, ok := r.extra["funding_streams"].([]string); ok {
				p.funding = fs
			} else {
				p.funding = []string{r.extra["funding_stream"].(string)}
			}
			model[id[r.key]] = p
		}
	})

	step("003 s.12 safe-and-well checks", func(t *testing.T) {
		for key, due := range map[string]string{"edith": "2026-11-30", "harold": "2026-11-30", "eileen": "2026-11-26", "cyril": "2026-11-30", "vera": "2026-11-30"} {
			cases(t, []pfCase{{key, kimTok, kim.upsert("safe_and_well_checks", uuid.NewString(), map[string]any{"incident_id": inc, "resident_id": id[key],
				"visited_at": "2026-11-23T11:00:00Z", "outcome": "safe_and_well", "seen": true, "feels_safe": "yes", "follow_up_due": due,
				"in_own_words": "I want to stay with my friends."}), "applied"}})
		}
	})

	escalate := map[string]any{"process": 2, "escalated_at": "2026-11-23T12:00:00Z", "escalated_by": "Martin Coles, Service Director",
		"escalation_reason": "The provider did not meet the Final Action Plan by its absolute deadline.", "process_1_provider_failed": true}
	step("003 Appendix 1 Process 1 escalates to Process 2", func(t *testing.T) {
		e.clock.Advance(time.Hour) // later than the Process 1 writes, so the escalation wins per field
		held := map[string]any{"final_concerns_meeting_held": true}
		for k, v := range escalate {
			held[k] = v
		}
		cases(t, []pfCase{
			{"003 App.1 the Head of Commissioning may not activate Process 2", headTok, head.upsert("incidents", inc, held), "rejected:activation_not_permitted@"},
			{"003 s.10 (i) a Final Concerns Response Meeting will need to have been held", directorTok, director.upsert("incidents", inc, escalate), "rejected:final_concerns_meeting_required@fields.final_concerns_meeting_held"},
			{"003 App.1 If the Provider fails at the end of PROCESS 1 then PROCESS 2 will be instigated", directorTok, director.upsert("incidents", inc, held), "applied"},
		})
	})

	yes, no := true, false
	caEdith, caHarold, biEdith := uuid.NewString(), uuid.NewString(), uuid.NewString()
	edithCA := mcaEvidence(map[string]any{"incident_id": inc, "resident_id": id["edith"], "decision": "Where to live after Larkfield House closes", "decision_type": "accommodation",
		"outcome": "lacks_capacity", "impairment": no, "can_understand": no, "can_retain": no, "can_use_or_weigh": no, "can_communicate": yes, "causative_nexus": yes,
		"signed_at": "2026-11-23T14:00:00Z", "signed_by": "Kim Adams"})
	step("003 Appendix 2 3.8 two-stage assessments and best interests", func(t *testing.T) {
		cases(t, []pfCase{
			{"003 App.2 3.8 'lacks capacity' without stage 1 cannot be signed", kimTok, kim.upsert("capacity_assessments", caEdith, edithCA), "rejected:capacity_test_incoherent@fields.impairment"},
		})
		edithCA["impairment"] = yes
		cases(t, []pfCase{
			{"003 App.2 3.8 a coherent two-stage assessment is signed", kimTok, kim.upsert("capacity_assessments", caEdith, edithCA), "applied"},
			{"003 App.2 3.8 Harold has capacity for the decision", kimTok, kim.upsert("capacity_assessments", caHarold, map[string]any{"incident_id": inc, "resident_id": id["harold"],
				"decision": "Where to live after Larkfield House closes", "decision_type": "accommodation", "outcome": "has_capacity", "impairment": no,
				"can_understand": yes, "can_retain": yes, "can_use_or_weigh": yes, "can_communicate": yes, "persons_decision": "Belper, near my son",
				"signed_at": "2026-11-23T14:30:00Z", "signed_by": "Kim Adams"}), "applied"},
			{"MCA s.4 best interests with her daughter consulted", kimTok, kim.upsert("best_interests_decisions", biEdith, map[string]any{"incident_id": inc, "assessment_id": caEdith,
				"resident_id": id["edith"], "decision": "Where to live after Larkfield House closes", "decision_type": "accommodation", "setting": "care_home",
				"decision_maker": "council", "consultees": []map[string]any{{"name": "Ann Marsh", "role": "family", "view": "Oakwood Grange, near me"}},
				"decision_reached": "Move to Oakwood Grange", "decided_at": "2026-11-23T15:00:00Z"}), "applied"},
		})
	})

	step("003 Appendix 2 5.1-5.5 7.2-7.9 family contact and the decision on the new home", func(t *testing.T) {
		contact := func(res, who, summary string, visit bool) map[string]any {
			return kim.upsert("family_contacts", uuid.NewString(), map[string]any{"incident_id": inc, "resident_id": res, "contact_name": who, "relationship": "child",
				"occurred_at": "2026-11-23T16:00:00Z", "channel": "phone", "direction": "outgoing", "summary": summary, "visit_offered": visit, "visit_service_id": oakwood})
		}
		cases(t, []pfCase{
			{"003 App.2 7.7 Edith's daughter is offered a visit", kimTok, contact(id["edith"], "Ann Marsh", "Explained the closure; she prefers Oakwood Grange.", true), "applied"},
			{"003 App.2 5.3 Harold's son", kimTok, contact(id["harold"], "Paul Ince", "Harold wants to be near Paul in Belper.", false), "applied"},
			{"003 App.2 7.9 a person lacking capacity does not choose alone", kimTok, kim.upsert("placement_decisions", uuid.NewString(), map[string]any{"incident_id": inc,
				"resident_id": id["edith"], "service_id": oakwood, "decided_at": "2026-11-23T17:00:00Z", "chosen_by": "resident", "decided_by_name": "Edith Marsh"}), "rejected:choice_needs_capacity@fields.chosen_by"},
			{"003 App.2 7.9 Edith's new home by best-interests decision", kimTok, kim.upsert("placement_decisions", uuid.NewString(), map[string]any{"incident_id": inc,
				"resident_id": id["edith"], "service_id": oakwood, "decided_at": "2026-11-23T17:00:00Z", "chosen_by": "best_interests", "decided_by_name": "Kim Adams",
				"best_interests_decision_id": biEdith, "preferences_considered": "Her daughter's preference for Oakwood Grange."}), "applied"},
			{"003 App.2 7.9 Harold chooses Belper Riverside", kimTok, kim.upsert("placement_decisions", uuid.NewString(), map[string]any{"incident_id": inc,
				"resident_id": id["harold"], "service_id": belper, "decided_at": "2026-11-23T17:10:00Z", "chosen_by": "resident", "decided_by_name": "Harold Ince", "visited": true}), "applied"},
		})
	})

	mv := map[string]string{"edith": uuid.NewString(), "harold": uuid.NewString(), "eileen": uuid.NewString(), "cyril": uuid.NewString(), "albert": uuid.NewString()}
	plan := func(w *writer, key, to, at string, extra map[string]any) map[string]any {
		start, _ := time.Parse(time.RFC3339, at)
		f := map[string]any{"incident_id": inc, "resident_id": id[key], "from_service_id": larkfield, "to_service_id": to, "status": "planned",
			"planned_at": at, "planned_arrival_at": start.Add(45 * time.Minute).Format(time.RFC3339), "chosen_by": "resident", "medication_travelling": true}
		for k, v := range extra {
			f[k] = v
		}
		return w.upsert("moves", mv[key], f)
	}
	override := map[string]any{"destination_override_reason": "Only residential vacancy in Derby this week; daily QMO visits agreed.",
		"destination_override_by": "Gail Whitworth", "destination_override_role": "commissioner"}
	step("003 Appendix 2 section 7 moves planned", func(t *testing.T) {
		cases(t, []pfCase{
			{"003 App.2 7.9 Edith's move rests on the best-interests decision", kimTok, plan(kim, "edith", oakwood, "2026-11-24T10:00:00Z", map[string]any{"chosen_by": "best_interests", "best_interests_decision_id": biEdith}), "applied"},
			{"Harold's move out of county", kimTok, plan(kim, "harold", belper, "2026-11-24T13:00:00Z", nil), "applied"},
			{"003 App.2 7.6 no move to a RED-rated provider", kimTok, plan(kim, "eileen", redfern, "2026-11-30T10:00:00Z", nil), "rejected:destination_rag_red@fields.to_service_id"},
			{"003 App.2 7.6 the commissioner's recorded override", headTok, plan(head, "eileen", redfern, "2026-11-30T10:00:00Z", override), "applied"},
			{"003 App.1 NHS liaison does not plan for a council-funded resident", nhsTok, plan(nhs, "albert", oakwood, "2026-11-30T11:00:00Z", nil), "rejected:nhs_lead_chc_only@fields.resident_id"},
			{"003 App.1 the NHS leads for a fully funded NHS customer", nhsTok, plan(nhs, "cyril", oakwood, "2026-11-30T13:00:00Z", nil), "applied"},
			{"Albert's move is planned", kimTok, plan(kim, "albert", oakwood, "2026-11-30T11:00:00Z", nil), "applied"},
		})
	})

	step("a hospital admission and a death during the incident", func(t *testing.T) {
		setClock("2026-11-23T20:00:00Z")
		cases(t, []pfCase{
			{"Vera is admitted to hospital", kimTok, kim.upsert("resident_events", uuid.NewString(), map[string]any{"incident_id": inc, "resident_id": id["vera"],
				"event": "hospital_admission", "occurred_at": "2026-11-23T19:30:00Z", "hospital": "Royal Derby Hospital, ward 305", "family_informed_at": "2026-11-23T19:45:00Z"}), "applied"},
			{"Albert dies; family, CQC and coroner told", kimTok, kim.upsert("resident_events", uuid.NewString(), map[string]any{"incident_id": inc, "resident_id": id["albert"],
				"event": "death", "occurred_at": "2026-11-23T19:50:00Z", "place": "Larkfield House, room 4", "family_informed_at": "2026-11-23T20:00:00Z",
				"cqc_notified_at": "2026-11-23T20:00:00Z", "coroner_relevant": false}), "applied"},
			{"no move can be planned for a resident who has died", kimTok, kim.upsert("moves", uuid.NewString(), map[string]any{"incident_id": inc, "resident_id": id["albert"],
				"from_service_id": larkfield, "to_service_id": belper, "status": "planned", "planned_at": "2026-12-01T10:00:00Z"}), "rejected:resident_deceased@fields.resident_id"},
		})
		model[id["vera"]].status, model[id["vera"]].place = "in_hospital", "hospital"
		model[id["albert"]].deceased, model[id["albert"]].status = true, "deceased"
		admissions, deaths = append(admissions, id["vera"]), append(deaths, id["albert"])
	})

	arrivedBy := func(done string, d time.Duration) string {
		at, err := time.Parse(time.RFC3339, done)
		if err != nil {
			t.Fatal(err)
		}
		return at.Add(d).UTC().Format(time.RFC3339)
	}
	complete := func(key, to, done string) []pfCase {
		return []pfCase{
			{key + " departs", tomTok, tom.upsert("moves", mv[key], map[string]any{"status": "in_transit"}), "applied"},
			{key + "'s leg departs and arrives", tomTok, tom.upsert("move_legs", uuid.NewString(), map[string]any{"incident_id": inc, "move_id": mv[key], "sequence": 1,
				"departed_at": arrivedBy(done, -40*time.Minute), "arrived_at": arrivedBy(done, -5*time.Minute)}), "applied"},
			{key + " arrives", tomTok, tom.upsert("moves", mv[key], map[string]any{"status": "arrived"}), "applied"},
			{"003 App.2 7.15 7.21 7.24 not completed before the hand-over", tomTok, tom.upsert("moves", mv[key], map[string]any{"status": "completed"}), "rejected:handover_incomplete@fields.status"},
			{"003 App.2 7.15 7.20 7.21 7.24 hand-over done, move completed", tomTok, tom.upsert("moves", mv[key], map[string]any{"status": "completed",
				"care_plan_handed_over": true, "identity_confirmed": true, "records_handed_over": true, "completed_at": done}), "applied"},
		}
	}
	step("003 Appendix 2 7.11-7.24 moves on the day, gated by the hand-over", func(t *testing.T) {
		setClock("2026-11-24T15:00:00Z")
		cases(t, complete("edith", oakwood, "2026-11-24T10:50:00Z"))
		cases(t, complete("harold", belper, "2026-11-24T13:55:00Z"))
		model[id["edith"]].place, model[id["edith"]].status = oakwood, "moved"
		model[id["harold"]].place, model[id["harold"]].status = belper, "moved"
		movesCompleted = append(movesCompleted, mv["edith"], mv["harold"])
		movesPlanned = append(movesPlanned, mv["eileen"], mv["cyril"])
	})

	step("003 Appendix 2 4.2 and 7.23 cross-authority notifications", func(t *testing.T) {
		cases(t, []pfCase{
			{"003 App.2 4.2 the placing authority is told", headTok, head.upsert("cross_authority_notifications", uuid.NewString(), map[string]any{"incident_id": inc,
				"resident_id": id["eileen"], "recipient_kind": "placing_authority", "recipient": "Nottinghamshire County Council", "notified_at": "2026-11-24T15:00:00Z",
				"summary": "They wish the JISG to act on their behalf."}), "applied"},
			{"003 App.2 7.23 the receiving authority is told of Harold's placement", kimTok, kim.upsert("cross_authority_notifications", uuid.NewString(), map[string]any{"incident_id": inc,
				"resident_id": id["harold"], "move_id": mv["harold"], "recipient_kind": "receiving_authority", "recipient": "Derbyshire County Council", "notified_at": "2026-11-24T15:10:00Z"}), "applied"},
		})
	})

	step("003 Appendix 2 7.19 post-move reviews", func(t *testing.T) {
		setClock("2026-11-28T09:00:00Z")
		// Edith's 72-hour review was done; Harold's is overdue.
		changes, _, _ := e.pullAll(boTok(), "", 500)
		var edith72 string
		n := 0
		for _, c := range changes {
			if c.Collection == "post_move_reviews" && strings.Contains(string(c.Fields["review_type"]), "72_hours") {
				n++
				if strings.Contains(string(c.Fields["resident_id"]), id["edith"]) {
					edith72 = c.RecordID
				}
			}
		}
		if n != 2 || edith72 == "" {
			t.Fatalf("%d 72-hour reviews scheduled (Edith's %q), want one per completed move", n, edith72)
		}
		cases(t, []pfCase{{"Edith's 72-hour review, recorded like a safe-and-well check", kimTok, kim.upsert("post_move_reviews", edith72, map[string]any{
			"visited_at": "2026-11-27T11:00:00Z", "reviewer_name": "Kim Adams", "reviewer_role": "Social worker", "outcome": "settled", "feels_safe": "yes",
			"in_own_words": "The garden is lovely."}), "applied"}})
	})

	meeting := uuid.NewString()
	step("checklist items tied to evidence; risks and communications", func(t *testing.T) {
		cases(t, []pfCase{
			{"003 App.2 9.1 the JISG meeting", headTok, head.upsert("meeting_records", meeting, map[string]any{"incident_id": inc, "meeting_type": "jisg",
				"held_at": "2026-11-27T10:00:00Z", "summary": "Progress reviewed."}), "applied"},
			{"003 App.2 9.1 is Administration's to sign off, not a social worker's", kimTok, kim.upsert("checklist_items", domain.ChecklistItemID(inc, "9.1"), map[string]any{"status": "done",
				"evidence": []map[string]any{{"collection": "meeting_records", "record_id": meeting}}}), "rejected:checklist_sign_off_not_permitted@fields.status"},
			{"003 App.2 9.1 done, the meeting is its evidence", headTok, head.upsert("checklist_items", domain.ChecklistItemID(inc, "9.1"), map[string]any{"status": "done",
				"evidence": []map[string]any{{"collection": "meeting_records", "record_id": meeting}}}), "applied"},
			{"003 App.2 1.1 is the Provider Failure Manager's, not a social worker's", kimTok, kim.upsert("checklist_items", domain.ChecklistItemID(inc, "1.1"), map[string]any{"status": "done"}),
				"rejected:checklist_sign_off_not_permitted@fields.status"},
			{"003 App.2 2.10 done, no evidence (it needs none)", headTok, head.upsert("checklist_items", domain.ChecklistItemID(inc, "2.10"), map[string]any{"status": "done"}), "applied"},
			{"003 App.2 9.5 a high risk", headTok, head.upsert("risk_log", uuid.NewString(), map[string]any{"incident_id": inc, "raised_at": "2026-11-27T10:30:00Z",
				"risk": "Night staffing falls below safe levels.", "level": "high", "status": "open", "owner": "Senior QMO"}), "applied"},
			{"a closed risk is not reported", headTok, head.upsert("risk_log", uuid.NewString(), map[string]any{"incident_id": inc, "raised_at": "2026-11-27T10:40:00Z",
				"risk": "Leak to the press.", "level": "low", "status": "closed"}), "applied"},
			{"a communication before the period", headTok, head.upsert("communications_log", uuid.NewString(), map[string]any{"incident_id": inc, "occurred_at": "2026-11-23T12:30:00Z",
				"channel": "email", "direction": "outgoing", "party": "cqc", "summary": "Told CQC of the escalation."}), "applied"},
		})
		for _, at := range []string{"2026-11-27T11:00:00Z", "2026-11-27T15:00:00Z"} {
			c := head.upsert("communications_log", uuid.NewString(), map[string]any{"incident_id": inc, "occurred_at": at,
				"channel": "phone", "direction": "outgoing", "party": "family", "summary": "Update to families."})
			cases(t, []pfCase{{"a communication in the period", headTok, c, "applied"}})
			commsInPeriod = append(commsInPeriod, c["record_id"].(string))
		}
	})

	const since = "2026-11-23T18:00:00Z"
	var rep reports.SituationReport
	step("the Director's daily situation report, every figure from the model", func(t *testing.T) {
		r := e.do("GET", "/v1/incidents/"+inc+"/situation-report?since="+since+"&until="+e.clock.Now().UTC().Format(time.RFC3339), directorTok(), nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		r.decode(t, &rep)
		want := map[string]int{}
		var living int
		for _, p := range model {
			switch {
			case p.deceased:
				want["deceased"]++
			case p.status == "in_hospital":
				want["in_hospital"]++
			case p.place == larkfield:
				want["at_failing"]++
			default:
				want["at_new_home"]++
			}
			if !p.deceased {
				living++
			}
			for _, f := range p.funding {
				want["funding."+f]++
			}
		}
		s := rep.Summary
		got := map[string]int{
			"deceased": s.Whereabouts.Deceased, "in_hospital": s.Whereabouts.InHospital, "at_failing": s.Whereabouts.AtFailingService, "at_new_home": s.Whereabouts.AtNewHome,
			"funding.la_funded": s.Residents.ByFunding.LAFunded, "funding.self_funder": s.Residents.ByFunding.SelfFunder, "funding.fnc": s.Residents.ByFunding.FNC,
			"funding.out_of_area": s.Residents.ByFunding.OutOfArea, "funding.nhs_chc": s.Residents.ByFunding.NHSCHC,
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %d, model says %d", k, got[k], v)
			}
		}
		checks := []struct {
			name      string
			got, want int
		}{
			{"residents", s.Residents.Total, len(model)},
			{"whereabouts total", s.Whereabouts.Total, len(model)},
			{"moves done in the period", len(rep.MovesDone), len(movesCompleted)},
			{"moves planned", len(rep.MovesPlanned), len(movesPlanned)},
			{"moves cancelled (Albert's, by his death)", s.Moves.Cancelled, len(deaths)},
			{"deaths", len(rep.Deaths), len(deaths)},
			{"admissions", len(rep.Admissions), len(admissions)},
			{"events.deaths", s.Events.Deaths, len(deaths)},
			{"in hospital now", s.Events.InHospitalNow, len(admissions)},
			// Eileen's follow-up was due on 26 November; Albert, never checked, has died.
			{"overdue checks", len(rep.OverdueChecks), 1},
			// Two completed moves, two reviews each; Edith's 72-hour review done; Harold's (due 27 November) overdue.
			{"reviews scheduled", s.Reviews.Scheduled, 2 * len(movesCompleted)},
			{"reviews done", s.Reviews.Done, 1},
			{"reviews overdue", len(rep.OverdueReviews), 1},
			{"hand-overs full", s.Handover.Full, len(movesCompleted)},
			{"capacity: lacks", s.Capacity.LacksCapacity, 1},
			{"capacity: has", s.Capacity.HasCapacity, 1},
			{"best interests", s.BestInterests.Decisions, 1},
			{"IMCA required by the rule (daughter consulted)", s.BestInterests.IMCARequired, 0},
			{"family contacts", s.Family.Contacts, 2},
			{"visits offered", s.Family.VisitsOffered, 1},
			{"placement decisions", s.Family.PlacementDecisions, 2},
			{"residents not contacted (living)", s.Family.ResidentsNotContacted, living - 2},
			// Eileen's placing authority (4.2), Harold's out-of-county move to the receiving authority and NHS (7.23).
			{"cross-authority needed", s.CrossAuthority.Needed, 3},
			{"cross-authority notified", s.CrossAuthority.Notified, 2},
			{"cross-authority outstanding", len(s.CrossAuthority.Outstanding), 1},
			{"checklist done without evidence", len(s.ChecklistWithoutEvidence), 1},
			{"risks", len(rep.Risks), 1},
			{"communications in the period", len(rep.Communications), len(commsInPeriod)},
			{"open conflicts", rep.OpenConflicts, len(e.conflicts(boTok(), "?status=open&incident_id="+inc))},
			{"process", rep.Process, 2},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
			}
		}
		if rep.RAG != "PROVIDER_FAILURE" {
			t.Errorf("RAG = %q: escalation to Process 2 sets PROVIDER_FAILURE", rep.RAG)
		}
		if len(s.ChecklistWithoutEvidence) == 1 && s.ChecklistWithoutEvidence[0] != "2.10" {
			t.Errorf("without evidence = %v", s.ChecklistWithoutEvidence)
		}
		if len(s.CrossAuthority.Outstanding) == 1 && s.CrossAuthority.Outstanding[0].Kind != "receiving_nhs" {
			t.Errorf("outstanding = %+v", s.CrossAuthority.Outstanding)
		}
	})

	step("the report as CSV and as a printable page with a strict CSP", func(t *testing.T) {
		r := e.do("GET", "/v1/incidents/"+inc+"/situation-report?format=csv&since="+since+"&until="+e.clock.Now().UTC().Format(time.RFC3339), directorTok(), nil)
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(r.Body), reports.BOM))).ReadAll()
		if r.Status != 200 || err != nil {
			t.Fatalf("%d %v", r.Status, err)
		}
		byName := map[string]string{}
		for _, row := range rows[1:] {
			byName[row[0]] = row[1]
		}
		for name, v := range map[string]int{"situation.deaths_in_period": len(rep.Deaths), "situation.moves_done_in_period": len(rep.MovesDone),
			"whereabouts.in_hospital": rep.Summary.Whereabouts.InHospital, "reviews.overdue": rep.Summary.Reviews.Overdue} {
			if byName[name] != strconv.Itoa(v) {
				t.Errorf("CSV %s = %q, JSON %d", name, byName[name], v)
			}
		}
		page := e.do("GET", "/v1/incidents/"+inc+"/situation-report?format=html&since="+since+"&until="+e.clock.Now().UTC().Format(time.RFC3339), directorTok(), nil)
		csp := page.Header.Get("Content-Security-Policy")
		if page.Status != 200 || !strings.HasPrefix(csp, "default-src 'none'; style-src 'sha256-") || strings.Contains(csp, "unsafe") {
			t.Fatalf("%d CSP %q", page.Status, csp)
		}
		body := string(page.Body)
		if strings.Contains(body, "<script") || !strings.Contains(body, "Albert Dunn") || !strings.Contains(body, "Royal Derby Hospital") {
			t.Fatalf("page: %s", body)
		}
		if bad := e.do("GET", "/v1/incidents/"+inc+"/situation-report?format=pdf", directorTok(), nil); bad.Status != 400 || bad.errorBody(t).Field != "format" {
			t.Fatalf("format=pdf: %d", bad.Status)
		}
		if bad := e.do("GET", "/v1/incidents/"+inc+"/situation-report?since=yesterday", directorTok(), nil); bad.Status != 400 || bad.errorBody(t).Field != "since" {
			t.Fatalf("since=yesterday: %d", bad.Status)
		}
	})

	step("whereabouts: one answer to where is Mrs X right now", func(t *testing.T) {
		r := e.do("GET", "/v1/incidents/"+inc+"/whereabouts", kimTok(), nil)
		var w reports.WhereaboutsReport
		r.decode(t, &w)
		where := map[string]string{}
		total := 0
		for _, g := range w.Places {
			total += g.Count
			if g.Count != len(g.Residents) {
				t.Errorf("%s count %d, %d residents", g.Kind, g.Count, len(g.Residents))
			}
			for _, p := range g.Residents {
				switch g.Kind {
				case "service":
					where[p.ResidentID] = g.ServiceID
				default:
					where[p.ResidentID] = g.Kind
				}
			}
		}
		if total != len(model) {
			t.Fatalf("whereabouts lists %d residents, want %d", total, len(model))
		}
		for rid, p := range model {
			want := p.place
			switch {
			case p.deceased:
				want = "deceased"
			case p.status == "in_hospital":
				want = "hospital"
			}
			if where[rid] != want {
				t.Errorf("%s is at %s, model says %s", p.name, where[rid], want)
			}
		}
		if !w.Places[0].Failing || w.Places[0].ServiceName != "Larkfield House" {
			t.Errorf("first place = %+v, want the failing home", w.Places[0])
		}
	})

	step("003 Appendix 2 7.15 7.20 7.24 Edith's transfer summary for the receiving home", func(t *testing.T) {
		r := e.do("GET", "/v1/incidents/"+inc+"/residents/"+id["edith"]+"/transfer-summary", tomTok(), nil)
		if r.Status != 403 {
			t.Fatalf("transport coordinator: %d", r.Status)
		}
		r = e.do("GET", "/v1/incidents/"+inc+"/residents/"+id["edith"]+"/transfer-summary", kimTok(), nil)
		var ts reports.TransferSummary
		r.decode(t, &ts)
		if ts.ToService != "Oakwood Grange" || ts.MedicationSummary == "" || !strings.Contains(ts.InOwnWords, "radio") || len(ts.Contacts) != 1 ||
			ts.Capacity != "lacks_capacity" || len(ts.HandoverMissing) != 0 || ts.LatestSaid != "The garden is lovely." {
			t.Fatalf("transfer summary = %+v", ts)
		}
		page := e.do("GET", "/v1/incidents/"+inc+"/residents/"+id["edith"]+"/transfer-summary?format=html", kimTok(), nil)
		if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Security-Policy"), "default-src 'none'") || !strings.Contains(string(page.Body), "9434765919") {
			t.Fatalf("page %d %q", page.Status, page.Header.Get("Content-Security-Policy"))
		}
		if nf := e.do("GET", "/v1/incidents/"+inc+"/residents/"+uuid.NewString()+"/transfer-summary", kimTok(), nil); nf.Status != 404 {
			t.Fatalf("unknown resident: %d", nf.Status)
		}
		other := e.pfUser("sid", "social_worker", "tab-sid", uuid.NewString())
		if nf := e.do("GET", "/v1/incidents/"+inc+"/residents/"+id["edith"]+"/transfer-summary", other(), nil); nf.Status != 404 {
			t.Fatalf("out of scope: %d", nf.Status)
		}
	})
}

// TestServer_DemoClosureRecords: the demo scenario (go run ./server) carries
// the closure team's records, and the server's reports show them with the
// figures the scenario's own records give.
func TestServer_DemoClosureRecords(t *testing.T) {
	e := newEnv(t)
	sc := loadScenario(t, e)
	st, err := demo.Apply(sc)
	if err != nil {
		t.Fatal(err)
	}
	count := func(col string, keep func(f func(string) string) bool) int {
		n := 0
		for _, r := range st.Records(col) {
			if keep(func(field string) string { return schema.StringValue(r, field) }) {
				n++
			}
		}
		return n
	}
	every := func(func(string) string) bool { return true }
	deaths := count("resident_events", func(f func(string) string) bool { return f("event") == "death" })
	admissions := count("resident_events", func(f func(string) string) bool { return f("event") == "hospital_admission" })
	inHospital := count("residents", func(f func(string) string) bool { return f("status") == "in_hospital" })
	reviews := count("post_move_reviews", every)
	reviewed := count("post_move_reviews", func(f func(string) string) bool { return f("visited_at") != "" })
	contacts := count("family_contacts", every)
	decisions := count("placement_decisions", every)
	if deaths == 0 || admissions == 0 || reviews == 0 || contacts == 0 || decisions == 0 {
		t.Fatalf("the demo lacks closure records: %d deaths, %d admissions, %d reviews, %d contacts, %d decisions", deaths, admissions, reviews, contacts, decisions)
	}
	bo := e.token("bea", "director", "desk-1", sc.IncidentID)
	r := e.do("GET", "/v1/incidents/"+sc.IncidentID+"/situation-report?since=2026-11-01T00:00:00Z&until="+e.clock.Now().UTC().Format(time.RFC3339), bo, nil)
	var rep reports.SituationReport
	r.decode(t, &rep)
	s := rep.Summary
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"deaths", len(rep.Deaths), deaths}, {"admissions", len(rep.Admissions), admissions}, {"in hospital", s.Whereabouts.InHospital, inHospital},
		{"reviews scheduled", s.Reviews.Scheduled, reviews}, {"reviews done", s.Reviews.Done, reviewed},
		{"family contacts", s.Family.Contacts, contacts}, {"placement decisions", s.Family.PlacementDecisions, decisions},
		{"deceased", s.Whereabouts.Deceased, count("residents", func(f func(string) string) bool { return f("status") == "deceased" })},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, the scenario has %d", c.name, c.got, c.want)
		}
	}
	w := e.do("GET", "/v1/incidents/"+sc.IncidentID+"/whereabouts", bo, nil)
	var wr reports.WhereaboutsReport
	w.decode(t, &wr)
	if wr.Counts.Total != len(st.Records("residents")) || wr.Counts.InHospital != inHospital {
		t.Fatalf("whereabouts counts = %+v", wr.Counts)
	}
}
