package api_test

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/google/uuid"
)

// TestServer_ProviderFailureScenario plays part of the demo scenario (a
// Derby care home whose provider fails, seed 003) against a real server over
// HTTP: the market is registered, the Director activates the procedure, two
// social workers record residents and checks offline and converge, capacity
// is assessed and best-interests decisions rest on it, moves are planned and
// logged on the day, and the decision log is kept. Every pushed change's
// status and code is asserted exactly; test names cite the seed section the
// rule comes from.
func TestServer_ProviderFailureScenario(t *testing.T) {
	e := newEnv(t)

	// The market (cf. testdata/scenario: Larkfield Care Ltd fails; Oakwood
	// Grange has dementia places; Chester Green Lodge is residential only).
	larkfieldCare, oakwoodCare := uuid.NewString(), uuid.NewString()
	larkfieldHouse, oakwoodGrange, chesterGreen := uuid.NewString(), uuid.NewString(), uuid.NewString()
	inc := uuid.NewString()

	// Users and devices are enrolled once; each *Tok function issues a fresh
	// access token at the injected clock's time, as a device refreshes its
	// own: the scenario runs over more than a day of clock time and access
	// tokens last an hour.
	adminTok := e.pfUser("ada", "admin", "admin-laptop")
	directorTok := e.pfUser("martin", "director", "dir-laptop", inc)
	kimTok := e.pfUser("kim", "social_worker", "tab-kim", inc)
	deanTok := e.pfUser("dean", "social_worker", "tab-dean", inc)
	tomTok := e.pfUser("tom", "transport_coordinator", "van-tom", inc)
	boTok := e.pfUser("bea", "back_office", "desk-bea", "*")

	admin := newWriter("admin-laptop", e.clock.Now)
	director := newWriter("dir-laptop", e.clock.Now)
	kim := newWriter("tab-kim", e.clock.Now)
	dean := newWriter("tab-dean", e.clock.Now)
	tom := newWriter("van-tom", e.clock.Now)

	// rejected collects every change the server should have quarantined:
	// change id -> "code@field".
	rejected := map[string]string{}
	cases := func(t *testing.T, cs []pfCase) {
		t.Helper()
		e.pfCases(t, cs)
		for _, c := range cs {
			if code, ok := strings.CutPrefix(c.want, "rejected:"); ok {
				rejected[c.change["id"].(string)] = code
			}
		}
	}
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	// setClock moves the injected clock forward to at.
	setClock := func(at string) {
		t.Helper()
		when, err := time.Parse(time.RFC3339, at)
		if err != nil {
			t.Fatal(err)
		}
		if d := when.Sub(e.clock.Now()); d > 0 {
			e.clock.Advance(d)
		}
	}

	step("domain.md Records: admin registers the failing provider and the services with places", func(t *testing.T) {
		cases(t, []pfCase{
			{"failing provider Larkfield Care Ltd", adminTok, admin.upsert("providers", larkfieldCare, map[string]any{
				"name": "Larkfield Care Ltd", "cqc_provider_id": "1-1000004417", "organisation_type": "company", "regulated": true,
				"contracted_la": true, "contracted_icb": true, "total_beds": 42, "local_authority_areas": []string{"Derby City Council"},
				"bcp_exists": true, "bcp_viable": false, "owner": "Larkfield Care Holdings Ltd",
			}), "applied"},
			{"destination provider Oakwood Care Ltd", adminTok, admin.upsert("providers", oakwoodCare, map[string]any{
				"name": "Oakwood Care Ltd", "cqc_provider_id": "1-1000012336", "organisation_type": "company", "regulated": true, "contracted_la": true,
			}), "applied"},
			{"failing home Larkfield House", adminTok, admin.upsert("services", larkfieldHouse, map[string]any{
				"provider_id": larkfieldCare, "name": "Larkfield House", "service_type": "residential", "cqc_location_id": "1-2000001187",
				"regulated": true, "beds": 42, "registration_categories": []string{"residential", "residential_dementia", "nursing"},
				"local_authority": "Derby City Council", "operating_status": "closing",
			}), "applied"},
			{"003 Appendix 2 7.5 destination registered for residential dementia", adminTok, admin.upsert("services", oakwoodGrange, map[string]any{
				"provider_id": oakwoodCare, "name": "Oakwood Grange", "service_type": "residential", "regulated": true, "beds": 60,
				"registration_categories": []string{"residential", "residential_dementia"}, "local_authority": "Derby City Council", "operating_status": "operating",
			}), "applied"},
			{"003 Appendix 2 7.5 service registered for residential only", adminTok, admin.upsert("services", chesterGreen, map[string]any{
				"provider_id": oakwoodCare, "name": "Chester Green Lodge", "service_type": "residential", "regulated": true, "beds": 24,
				"registration_categories": []string{"residential"}, "local_authority": "Derby City Council", "operating_status": "operating",
			}), "applied"},
		})
	})

	incident := func(w *writer, criterion string, process int) map[string]any {
		return w.upsert("incidents", inc, map[string]any{
			"incident_id": inc, "provider_id": larkfieldCare, "service_ids": []string{larkfieldHouse},
			"title": "Larkfield House: imminent business failure", "trigger_criterion": criterion, "process": process,
			"status": "active", "activated_at": "2026-11-23T10:00:00Z", "activated_by": "Martin Coles, Service Director",
			"reason": "Joint administrators appointed; the provider cannot carry on at Larkfield House.", "cause": "business_failure",
			"lead_officer": "Helen Radcliffe (Provider Failure Manager)", "date_initiated": "2026-11-23",
		})
	}
	step("003 s.10 activation of the procedure", func(t *testing.T) {
		cases(t, []pfCase{
			{"003 Appendix 1 a social worker may not activate", kimTok, incident(kim, "ii", 2), "rejected:forbidden_role@collection"},
			{"003 Appendix 1 criterion ii instigates Process 2 not Process 1", directorTok, incident(director, "ii", 1), "rejected:process_mismatch@fields.process"},
			{"003 Appendix 1 the Director activates Process 2 on criterion ii", directorTok, incident(director, "ii", 2), "applied"},
		})
	})

	step("003 Appendix 2 the Management Checklist is created with 99 items", func(t *testing.T) {
		changes, _, _ := e.pullAll(boTok(), "", 500)
		st := pfState{}
		st.apply(changes...)
		var numbers []string
		byResp := map[string]int{}
		for _, r := range st {
			if r.Collection != "checklist_items" || pfString(r, "incident_id") != inc {
				continue
			}
			numbers = append(numbers, pfString(r, "number"))
			byResp[pfString(r, "responsibility")]++
			if s := pfString(r, "status"); s != "not_started" {
				t.Errorf("item %s has status %q, want not_started", pfString(r, "number"), s)
			}
		}
		if len(numbers) != 99 {
			t.Fatalf("back office sees %d checklist items for the incident, want 99", len(numbers))
		}
		for _, n := range []string{"1.1", "2.8", "3.8", "7.5", "7.17", "9.4", "10.3"} {
			if !slices.Contains(numbers, n) {
				t.Errorf("checklist lacks item %s", n)
			}
		}
		for _, n := range []string{"2.7", "9.3"} {
			if slices.Contains(numbers, n) {
				t.Errorf("checklist has item %s, which the seed skips", n)
			}
		}
		// The seed leaves the columns "To be completed by the JISG": DCC by
		// default; the items' own words give 2.25 "NHS to follow incident
		// reporting processes" to the NHS, and 7.14 ("Use current Care
		// staff") and 7.24 ("Provider Customer information ... transfer")
		// to the Provider.
		if byResp["DCC"] != 96 || byResp["NHS"] != 1 || byResp["Provider"] != 2 {
			t.Errorf("responsibilities = %v, want 96 DCC, 1 NHS and 2 Provider", byResp)
		}
	})

	// Residents of Larkfield House, all needing residential dementia care.
	edith, doris, arthur, mabel := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	person := func(given, family, nhs, dob, room string, extra map[string]any) map[string]any {
		f := map[string]any{
			"incident_id": inc, "given_name": given, "family_name": family, "nhs_number": nhs, "date_of_birth": dob,
			"current_service_id": larkfieldHouse, "room": room, "registration_category": "residential_dementia",
			"funding_stream": "la_funded", "status": "in_placement", "friendship_group": "Garden Room",
		}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	check := func(w *writer, res, at, visitor string) map[string]any {
		return w.upsert("safe_and_well_checks", uuid.NewString(), map[string]any{
			"incident_id": inc, "resident_id": res, "visited_at": at, "outcome": "safe_and_well", "seen": true,
			"feels_safe": "yes", "visitor_name": visitor, "visitor_role": "Social worker", "location": "Larkfield House",
			"medication": "MAR chart up to date.", "family_informed": true, "follow_up_due": "2026-11-25",
		})
	}

	kimState, deanState := pfState{}, pfState{}
	var kimCursor, deanCursor string
	step("003 s.12 and Appendix 2 3.1 social workers record residents and safe-and-well checks offline and converge", func(t *testing.T) {
		// Online: Kim records Edith; both tablets sync before going on site.
		first := kim.upsert("residents", edith, person("Edith", "Marsh", "9434765900", "1936-03-14", "1", nil))
		if got := statusesOf(e.pfPush(t, kimTok(), first)); got != "applied" {
			t.Fatalf("Edith: %s", got)
		}
		kimState.applyWire(t, "tab-kim", first)
		var cs []syncproto.Change
		cs, kimCursor, _ = e.pullAll(kimTok(), "", 50)
		kimState.apply(cs...)
		pfObserve(kim, cs)
		cs, deanCursor, _ = e.pullAll(deanTok(), "", 50)
		deanState.apply(cs...)
		pfObserve(dean, cs)
		if deanState[pfKey("residents", edith)] == nil || deanState[pfKey("incidents", inc)] == nil {
			t.Fatalf("Dean's tablet lacks Edith or the incident after its initial sync")
		}

		// Offline on site: both edit Edith's record, each records residents
		// and checks. Nothing is pushed until the signal comes back.
		kimOffline := []map[string]any{
			kim.upsert("residents", edith, map[string]any{"notes": "Settled; asks for her daughter Julie.", "very_frail": false}),
			kim.upsert("residents", doris, person("Doris", "Pike", "9434765919", "1939-07-02", "2", map[string]any{
				"wishes_to_move_early": true, "carers": []map[string]any{{"name": "Ken Pike", "relationship": "son", "phone": "07700 900002", "next_of_kin": true}},
			})),
			kim.upsert("residents", arthur, person("Arthur", "Bell", "9434765927", "1934-11-30", "3", map[string]any{
				"lpa": []map[string]any{{"kind": "lpa_health_welfare", "name": "Susan Bell", "relationship": "daughter", "registered_on": "2018-05-10", "seen": true}},
			})),
			check(kim, edith, "2026-11-23T10:20:00Z", "Kim Ashdown"),
			check(kim, doris, "2026-11-23T10:40:00Z", "Kim Ashdown"),
			check(kim, arthur, "2026-11-23T11:00:00Z", "Kim Ashdown"),
		}
		deanOffline := []map[string]any{
			dean.upsert("residents", edith, map[string]any{"notes": "Daughter Julie visiting at 2pm.", "gp": "Mill Lane Surgery, Derby"}),
			dean.upsert("residents", mabel, person("Mabel", "Hart", "9434765935", "1941-01-19", "4", map[string]any{"assess_early": true, "assess_early_reason": "Anxious about change"})),
			check(dean, mabel, "2026-11-23T10:25:00Z", "Dean Foster"),
			check(dean, edith, "2026-11-23T10:50:00Z", "Dean Foster"),
		}
		kimState.applyWire(t, "tab-kim", kimOffline...)
		deanState.applyWire(t, "tab-dean", deanOffline...)
		e.clock.Advance(90 * time.Minute)

		// Back in signal, out of order: Dean first, then Kim.
		if got := statusesOf(e.pfPush(t, deanTok(), deanOffline...)); got != "applied,applied,applied,applied" {
			t.Fatalf("Dean's push: %s", got)
		}
		if got := statusesOf(e.pfPush(t, kimTok(), kimOffline...)); got != "applied,applied,applied,applied,applied,applied" {
			t.Fatalf("Kim's push: %s", got)
		}
		cs, kimCursor, _ = e.pullAll(kimTok(), kimCursor, 50)
		kimState.apply(cs...)
		pfObserve(kim, cs)
		cs, deanCursor, _ = e.pullAll(deanTok(), deanCursor, 50)
		deanState.apply(cs...)
		pfObserve(dean, cs)

		all, _, _ := e.pullAll(boTok(), "", 500)
		office := pfState{}
		office.apply(all...)
		pfSameState(t, "Kim's tablet", kimState, office)
		pfSameState(t, "Dean's tablet", deanState, office)
		r := office[pfKey("residents", edith)]
		if pfString(r, "gp") == "" || r.Value("very_frail") == nil {
			t.Errorf("per-field merge lost an edit of Edith: %s", pfObject(r))
		}
		n := 0
		for _, rec := range office {
			if rec.Collection == "safe_and_well_checks" {
				n++
			}
		}
		if n != 5 {
			t.Errorf("back office holds %d safe-and-well checks, want 5", n)
		}
	})

	const where = "Where to live when Larkfield House closes"
	assessment := func(res, outcome string, extra map[string]any) map[string]any {
		f := map[string]any{
			"incident_id": inc, "resident_id": res, "decision": where, "decision_type": "accommodation",
			"can_wait": false, "reason_for_doubt": "Diagnosis of dementia; recent memory very poor.",
			"relevant_information": "Larkfield House is closing. Options: Oakwood Grange or another home with dementia places.", "how_information_given": "In short sentences, with photographs of the homes.",
			"practicable_steps": "Morning visit; glasses and hearing aids in; key worker present.", "impairment_duration": "lasting",
			"impairment": true, "impairment_evidence": "Dementia recorded by the GP; disorientated to time and place.",
			"can_communicate": true, "outcome": outcome, "assessor_name": "Kim Ashdown", "assessor_role": "Social worker",
			"assessor_organisation": "Derby City Council", "sittings": []map[string]any{{"date": "2026-11-23", "venue": "Resident's room"}},
		}
		if outcome == "lacks_capacity" {
			f["can_understand"], f["can_retain"], f["can_use_or_weigh"], f["causative_nexus"] = false, false, false, true
			f = mcaEvidence(f)
		} else {
			f["can_understand"], f["can_retain"], f["can_use_or_weigh"] = true, true, true
			f["persons_decision"] = "I want to go to Oakwood with my friends."
		}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	caEdith1, caEdith2, caDoris, caArthur := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	step("003 Appendix 2 3.8 two-stage capacity assessments: signed is never edited, only superseded", func(t *testing.T) {
		cases(t, []pfCase{
			{"003 Appendix 2 3.8 assessment recorded", kimTok, kim.upsert("capacity_assessments", caEdith1, assessment(edith, "lacks_capacity", nil)), "applied"},
			{"003 Appendix 2 3.8 assessment signed", kimTok, kim.upsert("capacity_assessments", caEdith1, map[string]any{"signed_at": "2026-11-23T12:00:00Z", "signed_by": "Kim Ashdown"}), "applied"},
		})
		// Stamped after the signature (an edit stamped before it would lose
		// to the create under last-writer-wins and change nothing).
		edit := kim.upsert("capacity_assessments", caEdith1, map[string]any{"can_understand": true, "understand_evidence": "Seemed to follow on a second visit."})
		cases(t, []pfCase{
			{"domain.md capacity assessment: a signed stage-2 answer is never edited", kimTok, edit, "rejected:assessment_signed@fields.can_understand"},
			{"domain.md capacity assessment: superseded by a new assessment naming it", kimTok, kim.upsert("capacity_assessments", caEdith2, assessment(edith, "lacks_capacity", map[string]any{
				"supersedes_id": caEdith1, "sittings": []map[string]any{{"date": "2026-11-23", "venue": "Resident's room"}, {"date": "2026-11-23", "venue": "Lounge, with Julie"}},
				"signed_at": "2026-11-23T12:20:00Z", "signed_by": "Kim Ashdown",
			})), "applied"},
			{"003 Appendix 2 3.8 Doris has capacity to decide", kimTok, kim.upsert("capacity_assessments", caDoris, assessment(doris, "has_capacity", map[string]any{"signed_at": "2026-11-23T12:20:00Z", "signed_by": "Kim Ashdown"})), "applied"},
			{"003 Appendix 2 3.8 Arthur lacks capacity to decide", kimTok, kim.upsert("capacity_assessments", caArthur, assessment(arthur, "lacks_capacity", map[string]any{"signed_at": "2026-11-23T12:20:00Z", "signed_by": "Kim Ashdown"})), "applied"},
		})
		r := e.do("GET", "/v1/quarantine", boTok(), nil)
		if r.Status != 200 {
			t.Fatalf("quarantine: %d %s", r.Status, r.Body)
		}
		var q pfQuarantine
		r.decode(t, &q)
		found := false
		for _, en := range q.Entries {
			if en.ChangeID == edit["id"] {
				found = true
				if en.Error.Code != "assessment_signed" || en.Error.Field != "fields.can_understand" || en.DeviceID != "tab-kim" || en.RecordID != caEdith1 {
					t.Errorf("quarantine entry = %+v", en)
				}
			}
		}
		if !found {
			t.Errorf("back office's quarantine does not list the rejected edit %s", edit["id"])
		}
	})

	biEdith := uuid.NewString()
	bestInterests := func(res, assessmentID, maker string) map[string]any {
		return map[string]any{
			"incident_id": inc, "resident_id": res, "assessment_id": assessmentID, "decision": where,
			"decision_type": "accommodation", "setting": "care_home", "expected_stay_days": 365,
			"no_assumption_from_age_or_appearance": true, "can_wait": false,
			"wishes_and_feelings": "Wants to stay with her friends from the Garden Room.",
			"consultees": []map[string]any{
				{"name": "Julie Marsh", "role": "family", "relationship": "daughter", "view": "Oakwood, near family", "consulted_on": "2026-11-23"},
				{"name": "Larkfield key worker", "role": "paid_carer", "consulted_on": "2026-11-23"},
			},
			"options": []map[string]any{{"option": "Oakwood Grange", "least_restrictive": true, "chosen": true}}, "decision_reached": "Move to Oakwood Grange.",
			"decision_maker": maker, "decided_at": "2026-11-23T12:30:00Z",
		}
	}
	step("003 Appendix 2 3.8 and 3.11 best-interests decisions", func(t *testing.T) {
		cases(t, []pfCase{
			{"003 Appendix 2 3.8 resting on the assessment that found capacity lacking", kimTok,
				kim.upsert("best_interests_decisions", biEdith, bestInterests(edith, caEdith2, "council")), "applied"},
			{"domain.md best-interests decision: not on a superseded assessment", kimTok,
				kim.upsert("best_interests_decisions", uuid.NewString(), bestInterests(edith, caEdith1, "council")), "rejected:best_interests_assessment_superseded@fields.assessment_id"},
			{"003 Appendix 2 3.8 not for a person who has capacity", kimTok,
				kim.upsert("best_interests_decisions", uuid.NewString(), bestInterests(doris, caDoris, "council")), "rejected:best_interests_needs_lacking_capacity@fields.assessment_id"},
			{"003 Appendix 2 3.11 a health and welfare attorney decides, not the council", kimTok,
				kim.upsert("best_interests_decisions", uuid.NewString(), bestInterests(arthur, caArthur, "council")), "rejected:lpa_decides@fields.decision_maker"},
			{"003 Appendix 2 3.11 the health and welfare attorney's decision is recorded", kimTok,
				kim.upsert("best_interests_decisions", uuid.NewString(), bestInterests(arthur, caArthur, "attorney")), "applied"},
		})
	})

	// Moves are planned for Tuesday 24 November 2026 (GMT, so UTC is London
	// time). Each rejected case concerns a different resident or does not
	// exist afterwards, so each asserts one rule.
	moveEdith, moveDoris := uuid.NewString(), uuid.NewString()
	move := func(res, to, at, arrive string, extra map[string]any) map[string]any {
		f := map[string]any{
			"incident_id": inc, "resident_id": res, "from_service_id": larkfieldHouse, "to_service_id": to,
			"planned_at": at, "status": "planned", "transport": "car", "transport_paid_by": "council",
			"escort": "Key worker from Larkfield House", "escort_familiar": true, "medication_travelling": true,
		}
		if arrive != "" {
			f["planned_arrival_at"] = arrive
		}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	step("003 Appendix 2 section 7 relocation: moves planned by a social worker", func(t *testing.T) {
		cases(t, []pfCase{
			{"003 Appendix 2 7.5 and 7.9 move to a registered destination in working hours", kimTok, kim.upsert("moves", moveEdith,
				move(edith, oakwoodGrange, "2026-11-24T10:00:00Z", "2026-11-24T10:45:00Z", map[string]any{"chosen_by": "best_interests", "best_interests_decision_id": biEdith})), "applied"},
			{"domain.md a resident is in one place at a time", kimTok, kim.upsert("moves", uuid.NewString(),
				move(edith, oakwoodGrange, "2026-11-24T10:30:00Z", "", nil)), "rejected:resident_double_placed@fields.planned_at"},
			{"003 s.11 transfers within normal working hours: 22:00 without a reason", kimTok, kim.upsert("moves", moveDoris,
				move(doris, oakwoodGrange, "2026-11-24T22:00:00Z", "", map[string]any{"chosen_by": "resident"})), "rejected:move_out_of_hours@fields.planned_at"},
			{"003 s.11 transfers within normal working hours: 22:00 with a reason", kimTok, kim.upsert("moves", moveDoris,
				move(doris, oakwoodGrange, "2026-11-24T22:00:00Z", "", map[string]any{"chosen_by": "resident", "out_of_hours_reason": "Night staff walk-out; Doris asked to go tonight with her son."})), "applied"},
			{"003 Appendix 2 7.5 destination registered for category", kimTok, kim.upsert("moves", uuid.NewString(),
				move(mabel, chesterGreen, "2026-11-24T11:00:00Z", "2026-11-24T11:30:00Z", nil)), "rejected:destination_not_registered@fields.to_service_id"},
		})
	})

	legEdith := uuid.NewString()
	step("003 Appendix 2 7.11 to 7.21 the transport coordinator logs the day of the move", func(t *testing.T) {
		setClock("2026-11-24T10:00:00Z")
		cases(t, []pfCase{
			{"003 Appendix 2 7.11 move in transit", tomTok, tom.upsert("moves", moveEdith, map[string]any{"status": "in_transit", "vehicle": "Council car DE70 ABC"}), "applied"},
			{"003 Appendix 2 7.13 leg departed with a familiar escort", tomTok, tom.upsert("move_legs", legEdith, map[string]any{
				"incident_id": inc, "move_id": moveEdith, "sequence": 1, "departed_at": "2026-11-24T10:05:00Z", "vehicle": "Council car DE70 ABC", "escort": "Julie Marsh (daughter) and key worker",
			}), "applied"},
		})
		setClock("2026-11-24T11:05:00Z")
		cases(t, []pfCase{
			{"003 Appendix 2 7.21 leg arrived, identity confirmed, handed over", tomTok, tom.upsert("move_legs", legEdith, map[string]any{
				"arrived_at": "2026-11-24T10:50:00Z", "identity_confirmed": true, "handed_over": true, "handed_over_at": "2026-11-24T11:00:00Z", "handed_over_to": "Oakwood Grange deputy manager",
			}), "applied"},
			{"003 Appendix 2 7.11 the move has arrived", tomTok, tom.upsert("moves", moveEdith, map[string]any{"status": "arrived"}), "applied"},
			{"003 Appendix 2 7.15 7.20 7.21 7.24 a move is not completed before its hand-over", tomTok, tom.upsert("moves", moveEdith, map[string]any{"status": "completed", "records_handed_over": true}), "rejected:handover_incomplete@fields.status"},
			{"003 Appendix 2 7.15 move completed after the hand-over", tomTok, tom.upsert("moves", moveEdith, map[string]any{"status": "completed", "records_handed_over": true,
				"care_plan_handed_over": true, "medication_travelling": true}), "applied"},
			{"003 Appendix 2 7.17 movement log entry", tomTok, tom.upsert("movement_log", uuid.NewString(), map[string]any{
				"incident_id": inc, "resident_id": edith, "move_id": moveEdith, "event": "handed_over", "occurred_at": "2026-11-24T11:00:00Z",
				"from_service_id": larkfieldHouse, "to_service_id": oakwoodGrange, "recorded_by": "Tom Reid",
			}), "applied"},
			{"domain.md a move cannot arrive before it departs", tomTok, tom.upsert("move_legs", uuid.NewString(), map[string]any{
				"incident_id": inc, "move_id": moveDoris, "sequence": 1, "departed_at": "2026-11-24T22:05:00Z", "arrived_at": "2026-11-24T21:40:00Z",
			}), "rejected:leg_arrives_before_departure@fields.arrived_at"},
			{"domain.md roles: only a social worker changes a move's destination", tomTok, tom.upsert("moves", moveDoris, map[string]any{"to_service_id": chesterGreen}), "rejected:forbidden_role@fields.to_service_id"},
		})
	})

	dlActivation, dlEdith := uuid.NewString(), uuid.NewString()
	step("003 Appendix 2 7.17 and 9.1 the decision log", func(t *testing.T) {
		cases(t, []pfCase{
			{"003 Appendix 2 9.1 the Director logs the activation", directorTok, director.upsert("decision_log", dlActivation, map[string]any{
				"incident_id": inc, "decided_at": "2026-11-23T10:00:00Z", "decision": "Activate Process 2 (Provider Failure Management) for Larkfield House.",
				"rationale": "Trigger criterion (ii): imminent business failure.", "decided_by": "Martin Coles", "role": "director",
			}), "applied"},
			{"003 Appendix 2 7.17 a social worker logs a move decision", kimTok, kim.upsert("decision_log", dlEdith, map[string]any{
				"incident_id": inc, "decided_at": "2026-11-23T12:30:00Z", "decision": "Edith moves to Oakwood Grange in her best interests.",
				"decided_by": "Kim Ashdown", "role": "social_worker", "resident_id": edith,
			}), "applied"},
			{"003 Schedules A and B logs are append-only: an edit is refused", kimTok, kim.upsert("decision_log", dlEdith, map[string]any{
				"decision": "Edith moves to Chester Green Lodge.",
			}), "rejected:log_append_only@op"},
			{"003 Schedules A and B logs are append-only: back office may not delete an entry", boTok,
				newWriter("desk-bea", e.clock.Now).del("decision_log", dlActivation), "rejected:log_append_only@op"},
		})
		all, _, _ := e.pullAll(boTok(), "", 500)
		st := pfState{}
		st.apply(all...)
		if got := pfString(st[pfKey("decision_log", dlEdith)], "decision"); got != "Edith moves to Oakwood Grange in her best interests." {
			t.Errorf("decision log entry now reads %q", got)
		}
		if r := st[pfKey("decision_log", dlActivation)]; r == nil || r.Deleted() {
			t.Errorf("the activation entry is gone from the decision log")
		}
	})

	step("003 Appendix 2 9.2 the administrative lead sees every rejection in quarantine", func(t *testing.T) {
		r := e.do("GET", "/v1/quarantine", boTok(), nil)
		if r.Status != 200 {
			t.Fatalf("quarantine: %d %s", r.Status, r.Body)
		}
		var q pfQuarantine
		r.decode(t, &q)
		got := map[string]string{}
		for _, en := range q.Entries {
			got[en.ChangeID] = en.Error.Code + "@" + en.Error.Field
		}
		if len(got) != len(rejected) {
			t.Errorf("quarantine holds %d entries, want %d", len(got), len(rejected))
		}
		for id, want := range rejected {
			if got[id] != want {
				t.Errorf("quarantine entry for %s = %q, want %q", id, got[id], want)
			}
		}
	})
}

// pfCase is one pushed change and the result it must get.
type pfCase struct {
	name   string
	tok    func() string // a fresh token of the user pushing
	change map[string]any
	want   string // as statusesOf writes it
}

// pfCases pushes each case's change as a subtest and stops the test at the
// first whose outcome is not the one it wants.
func (e *env) pfCases(t *testing.T, cs []pfCase) {
	t.Helper()
	for _, c := range cs {
		if !t.Run(c.name, func(t *testing.T) {
			r := e.pfPush(t, c.tok(), c.change)
			if got := statusesOf(r); got != c.want {
				t.Fatalf("got %s, want %s (%+v)", got, c.want, r.Results[0].Error)
			}
		}) {
			t.FailNow()
		}
	}
}

// pfUser enrols a user and device with the given incident scopes and returns
// a function that issues a fresh access token for them at the injected
// clock's current time.
func (e *env) pfUser(sub, role, device string, incidents ...string) func() string {
	e.t.Helper()
	e.token(sub, role, device, incidents...)
	return func() string {
		e.t.Helper()
		tok, err := e.auth.Tokens().Issue(care.Principal{Subject: sub, Role: role, DeviceID: device}, time.Hour)
		if err != nil {
			e.t.Fatal(err)
		}
		return tok
	}
}

// pfPush is env.push failing the calling (sub)test rather than the
// top-level one.
func (e *env) pfPush(t *testing.T, token string, changes ...map[string]any) syncproto.PushResponse {
	t.Helper()
	r := e.do("POST", "/v1/sync/push", token, map[string]any{"changes": changes})
	if r.Status != 200 {
		t.Fatalf("push: status %d: %s", r.Status, r.Body)
	}
	var out syncproto.PushResponse
	r.decode(t, &out)
	if len(out.Results) != len(changes) {
		t.Fatalf("push: %d results for %d changes", len(out.Results), len(changes))
	}
	return out
}

// pfQuarantine is the body of GET /v1/quarantine.
type pfQuarantine struct {
	Entries []struct {
		ChangeID string          `json:"change_id"`
		RecordID string          `json:"record_id"`
		DeviceID string          `json:"device_id"`
		Error    syncproto.Error `json:"error"`
	} `json:"entries"`
}

// pfState is a device's local replica: merged record states by collection
// and id.
type pfState map[string]*syncproto.Record

func pfKey(collection, id string) string { return collection + "/" + id }

func (s pfState) apply(cs ...syncproto.Change) {
	for _, c := range cs {
		k := pfKey(c.Collection, c.RecordID)
		if s[k] == nil {
			s[k] = syncproto.NewRecord(c.Collection, c.RecordID)
		}
		s[k].Apply(c)
	}
}

// applyWire applies a device's own wire changes, stamped as the server
// stamps them (with the pushing device's id).
func (s pfState) applyWire(t *testing.T, device string, cs ...map[string]any) {
	t.Helper()
	for _, m := range cs {
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		c, perr := syncproto.ParseChange(raw)
		if perr != nil {
			t.Fatalf("parse own change: %v", perr)
		}
		c.DeviceID = device
		s.apply(c)
	}
}

// pfObserve advances a device's clock past what it pulled.
func pfObserve(w *writer, cs []syncproto.Change) {
	for _, c := range cs {
		w.clock.Update(c.HLC)
	}
}

// pfSameState fails unless two replicas hold the same records in the same
// merged state.
func pfSameState(t *testing.T, who string, got, want pfState) {
	t.Helper()
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if want[k] == nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, w := got[k], want[k]
		switch {
		case g == nil:
			t.Errorf("%s lacks %s", who, k)
		case w == nil:
			t.Errorf("%s holds %s, which back office does not", who, k)
		case !g.Equal(w):
			t.Errorf("%s: %s differs:\n got %s\nwant %s", who, k, pfObject(g), pfObject(w))
		}
	}
}

func pfObject(r *syncproto.Record) string {
	if r == nil {
		return "<nil>"
	}
	b, _ := json.Marshal(r.Object())
	return string(b)
}

func pfString(r *syncproto.Record, field string) string {
	if r == nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(r.Value(field), &s)
	return s
}
