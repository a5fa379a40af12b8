package api_test

import (
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/reports"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// mcaEvidence is the evidence a signed "lacks capacity" assessment records
// (MCA 2005 s.1(3), ss.2-3): the information given and how, the practicable
// steps, the evidence for each stage, the assessor and a dated sitting.
func mcaEvidence(extra map[string]any) map[string]any {
	f := map[string]any{
		"relevant_information":     "The home is closing. Options: Oakwood Grange or another home with places; what each is like.",
		"how_information_given":    "In her room, in short sentences, with photographs of the homes and her key worker present.",
		"practicable_steps":        "Morning visit when most alert; glasses and hearing aids in; information repeated and written down.",
		"impairment_evidence":      "Diagnosed dementia recorded by the GP; disorientated to time and place.",
		"understand_evidence":      "Could not say, in any words, that the home is closing after it was explained three ways.",
		"retain_evidence":          "Did not recall the photographs after five minutes.",
		"use_or_weigh_evidence":    "Could not compare the options; repeated that she would go home to her parents.",
		"communicate_evidence":     "Speaks clearly and says what she likes.",
		"causative_nexus_evidence": "The inability to understand, retain and weigh is because of the dementia.",
		"assessor_name":            "Kim Adams",
		"sittings":                 []map[string]any{{"date": "2026-11-23", "venue": "Her room"}},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// moveWorld is a failing home (Larkfield House), a good destination
// (Oakwood Grange), a RED one (Redfern Court) and a suspended one (Chester
// Green Lodge), with the people who work on a closure.
type moveWorld struct {
	e                                        *env
	inc                                      string
	larkfield, oakwood, redfern, chester     string
	adminTok, headTok, directorTok           func() string
	kimTok, tomTok, boTok, nhsTok            func() string
	admin, head, director, kim, tom, bo, nhs *writer
}

func newMoveWorld(t *testing.T) *moveWorld {
	t.Helper()
	e := newEnv(t)
	w := &moveWorld{e: e, inc: uuid.NewString(), larkfield: uuid.NewString(), oakwood: uuid.NewString(), redfern: uuid.NewString(), chester: uuid.NewString()}
	w.adminTok = e.pfUser("ada", "admin", "admin-laptop")
	w.headTok = e.pfUser("gail", "commissioner", "head-laptop", w.inc)
	w.directorTok = e.pfUser("martin", "director", "dir-laptop", w.inc)
	w.kimTok = e.pfUser("kim", "social_worker", "tab-kim", w.inc)
	w.tomTok = e.pfUser("tom", "transport_coordinator", "van-tom", w.inc)
	w.boTok = e.pfUser("bea", "back_office", "desk-bea", "*")
	w.nhsTok = e.pfUser("nia", "nhs_liaison", "icb-nia", w.inc)
	// One clock for every device, a millisecond on at each reading: the
	// cases' changes are stamped in the order they are written, so each
	// later write wins, whichever device makes it.
	start, n := e.clock.Now(), 0
	tick := func() time.Time {
		n++
		return start.Add(time.Duration(n) * time.Millisecond)
	}
	w.admin, w.head, w.director = newWriter("admin-laptop", tick), newWriter("head-laptop", tick), newWriter("dir-laptop", tick)
	w.kim, w.tom, w.bo, w.nhs = newWriter("tab-kim", tick), newWriter("van-tom", tick), newWriter("desk-bea", tick), newWriter("icb-nia", tick)
	provs := map[string]string{}
	for _, s := range []struct{ id, name string }{{w.larkfield, "Larkfield House"}, {w.oakwood, "Oakwood Grange"}, {w.redfern, "Redfern Court"}, {w.chester, "Chester Green Lodge"}} {
		prov := uuid.NewString()
		provs[s.id] = prov
		w.mustApply(t, w.adminTok, w.admin.upsert("providers", prov, map[string]any{"name": s.name + " Ltd", "regulated": true}))
		w.mustApply(t, w.adminTok, w.admin.upsert("services", s.id, map[string]any{"provider_id": prov, "name": s.name, "service_type": "residential",
			"regulated": true, "registration_categories": []string{"residential", "residential_dementia"}, "local_authority": "Derby City Council"}))
	}
	w.mustApply(t, w.headTok, w.head.upsert("rag_statuses", uuid.NewString(), map[string]any{"provider_id": provs[w.redfern], "status": "RED",
		"reason": "CQC warning notices", "decided_at": "2026-11-20T10:00:00Z", "decided_by": "Gail", "decided_by_role": "commissioner"}))
	w.mustApply(t, w.headTok, w.head.upsert("providers", provs[w.chester], map[string]any{"suspension_recommendation": "suspend",
		"suspension_report": "Unresolved complaints.", "suspension_recommended_by": "Gail", "suspension_recommended_on": "2026-11-19"}))
	w.mustApply(t, w.directorTok, w.director.upsert("providers", provs[w.chester], map[string]any{"contracting_suspended": true, "suspension_decided_by": "Martin", "suspended_on": "2026-11-19"}))
	return w
}

func (w *moveWorld) mustApply(t *testing.T, tok func() string, change map[string]any) {
	t.Helper()
	if got := statusesOf(w.e.pfPush(t, tok(), change)); got != "applied" {
		t.Fatalf("setup %s/%s: %s", change["collection"], change["record_id"], got)
	}
}

// resident adds a resident at Larkfield House.
func (w *moveWorld) resident(t *testing.T, name string, extra map[string]any) string {
	t.Helper()
	id := uuid.NewString()
	f := map[string]any{"incident_id": w.inc, "given_name": name, "family_name": "Marsh", "current_service_id": w.larkfield, "status": "in_placement",
		"registration_category": "residential", "funding_streams": []string{"la_funded"}}
	for k, v := range extra {
		f[k] = v
	}
	w.mustApply(t, w.kimTok, w.kim.upsert("residents", id, f))
	return id
}

// move is a move of res from Larkfield House to Oakwood Grange on Tuesday
// 24 November 2026 at 10:00, chosen by the resident.
func (w *moveWorld) move(res string, extra map[string]any) map[string]any {
	f := map[string]any{"incident_id": w.inc, "resident_id": res, "from_service_id": w.larkfield, "to_service_id": w.oakwood, "status": "planned",
		"planned_at": "2026-11-24T10:00:00Z", "planned_arrival_at": "2026-11-24T10:45:00Z", "chosen_by": "resident"}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// handover is every hand-over item done (003 Appendix 2, 7.15, 7.20, 7.21, 7.24).
func handover(extra map[string]any) map[string]any {
	f := map[string]any{"care_plan_handed_over": true, "medication_travelling": true, "identity_confirmed": true, "records_handed_over": true}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// leg is a leg of move that departed and arrived on the day.
func (w *moveWorld) leg(move string) map[string]any {
	return w.tom.upsert("move_legs", uuid.NewString(), map[string]any{"incident_id": w.inc, "move_id": move, "sequence": 1,
		"departed_at": "2026-11-24T10:05:00Z", "arrived_at": "2026-11-24T10:50:00Z"})
}

// complete takes a planned move along the seed's path to completed.
func (w *moveWorld) complete(t *testing.T, move string) {
	t.Helper()
	w.mustApply(t, w.tomTok, w.tom.upsert("moves", move, map[string]any{"status": "in_transit"}))
	w.mustApply(t, w.tomTok, w.leg(move))
	w.mustApply(t, w.tomTok, w.tom.upsert("moves", move, map[string]any{"status": "arrived"}))
	w.mustApply(t, w.tomTok, w.tom.upsert("moves", move, handover(map[string]any{"status": "completed", "completed_at": "2026-11-24T11:00:00Z"})))
}

// run pushes each case and checks its result.
func (w *moveWorld) run(t *testing.T, cases []pfCase) {
	t.Helper()
	for _, c := range cases {
		if !t.Run(c.name, func(t *testing.T) {
			r := w.e.pfPush(t, c.tok(), c.change)
			if got := statusesOf(r); got != c.want {
				t.Fatalf("got %s, want %s (%+v)", got, c.want, r.Results[0].Error)
			}
		}) {
			t.FailNow()
		}
	}
}

// field is a record's current value of a field as the back office pulls it.
func (w *moveWorld) field(t *testing.T, collection, id, name string) string {
	t.Helper()
	changes, _, _ := w.e.pullAll(w.boTok(), "", 500)
	r := syncproto.NewRecord(collection, id)
	for _, c := range changes {
		if c.Collection == collection && c.RecordID == id {
			r.Apply(c)
		}
	}
	return schema.StringValue(r, name)
}

// TestServer_MoveCreatedInAnyStatusPassesEveryGate: a move created already
// completed (or in transit, or arrived) is judged by every planning rule and
// by the gates of the steps it claims to have passed.
func TestServer_MoveCreatedInAnyStatusPassesEveryGate(t *testing.T) {
	w := newMoveWorld(t)
	edith := w.resident(t, "Edith", nil)
	lacks := w.resident(t, "Joan", nil)
	w.mustApply(t, w.kimTok, w.kim.upsert("capacity_assessments", uuid.NewString(), mcaEvidence(map[string]any{"incident_id": w.inc, "resident_id": lacks,
		"decision": "Where to live", "decision_type": "accommodation", "outcome": "lacks_capacity", "impairment": true, "can_understand": false,
		"can_retain": false, "can_use_or_weigh": false, "can_communicate": true, "causative_nexus": true, "signed_at": "2026-11-23T12:00:00Z", "signed_by": "Kim"})))
	done := func(res string, extra map[string]any) map[string]any {
		return w.kim.upsert("moves", uuid.NewString(), w.move(res, handover(merge(map[string]any{"status": "completed", "completed_at": "2026-11-24T11:00:00Z"}, extra))))
	}
	w.run(t, []pfCase{
		{"issue: completed on creation to a RED, suspended home, chosen by a person lacking capacity, on a Friday at 20:00, hand-over overridden as 'urgent' (003 App.2 7.5 7.6 3.8 7.9 s.11)", w.kimTok,
			w.kim.upsert("moves", uuid.NewString(), w.move(lacks, map[string]any{"status": "completed", "to_service_id": w.chester, "planned_at": "2026-11-27T20:00:00Z",
				"planned_arrival_at": "2026-11-27T20:45:00Z", "completed_at": "2026-11-27T20:00:00Z", "handover_override_reason": "urgent", "handover_override_role": "social_worker"})),
			"rejected:destination_suspended@fields.to_service_id"},
		{"003 App.2 7.6 \"ensure there are no concerns about the Care Provider\": no completed move to a RED provider", w.kimTok, done(edith, map[string]any{"to_service_id": w.redfern}), "rejected:destination_rag_red@fields.to_service_id"},
		{"003 s.11 \"All transfers ... within normal working hours\": not even when created completed", w.kimTok,
			done(edith, map[string]any{"planned_at": "2026-11-27T20:00:00Z", "planned_arrival_at": "2026-11-27T20:45:00Z"}), "rejected:move_out_of_hours@fields.planned_at"},
		{"003 App.2 7.3 \"in adherence to the principles of the Mental Capacity Act 2005\": a person lacking capacity does not choose alone", w.kimTok, done(lacks, nil), "rejected:choice_needs_capacity@fields.chosen_by"},
		{"003 App.2 7.11 a move created completed without a leg that departed and arrived", w.kimTok, done(edith, nil), "rejected:move_not_arrived@fields.status"},
		{"nor created arrived", w.kimTok, w.kim.upsert("moves", uuid.NewString(), w.move(edith, map[string]any{"status": "arrived"})), "rejected:move_not_arrived@fields.status"},
		{"003 s.11 created in transit, still within normal working hours", w.kimTok,
			w.kim.upsert("moves", uuid.NewString(), w.move(edith, map[string]any{"status": "in_transit", "planned_at": "2026-11-28T20:00:00Z", "planned_arrival_at": "2026-11-28T20:45:00Z"})), "rejected:move_out_of_hours@fields.planned_at"},
	})
	t.Run("the person's recorded whereabouts are not moved by a refused move", func(t *testing.T) {
		for _, res := range []string{edith, lacks} {
			if got := w.field(t, "residents", res, "current_service_id"); got != w.larkfield {
				t.Fatalf("resident %s recorded at %s, want Larkfield House", res, got)
			}
		}
	})
}

// TestServer_MoveLifecycle: a move's status goes planned → in transit →
// arrived → completed, or on hold or cancelled before it completes; a
// completed move is never re-pointed, cancelled or deleted.
func TestServer_MoveLifecycle(t *testing.T) {
	w := newMoveWorld(t)
	edith := w.resident(t, "Edith", nil)
	mv := uuid.NewString()
	w.mustApply(t, w.kimTok, w.kim.upsert("moves", mv, w.move(edith, nil)))
	w.run(t, []pfCase{
		{"003 App.2 7.9-7.24 a planned move is not completed in one step", w.tomTok, w.tom.upsert("moves", mv, handover(map[string]any{"status": "completed"})), "rejected:move_transition_invalid@fields.status"},
		{"nor arrived before it departs", w.tomTok, w.tom.upsert("moves", mv, map[string]any{"status": "arrived"}), "rejected:move_transition_invalid@fields.status"},
		{"003 App.2 7.11 in transit", w.tomTok, w.tom.upsert("moves", mv, map[string]any{"status": "in_transit"}), "applied"},
		{"003 App.2 7.11 not arrived before the leg arrives", w.tomTok, w.tom.upsert("moves", mv, map[string]any{"status": "arrived"}), "rejected:move_not_arrived@fields.status"},
		{"the leg departs and arrives", w.tomTok, w.leg(mv), "applied"},
		{"in transit straight to completed passes through arrived: the hand-over's gate still holds", w.tomTok, w.tom.upsert("moves", mv, map[string]any{"status": "completed"}), "rejected:handover_incomplete@fields.status"},
		{"arrived", w.tomTok, w.tom.upsert("moves", mv, map[string]any{"status": "arrived"}), "applied"},
		{"003 App.2 7.15 7.20 7.21 7.24 not completed before the hand-over", w.tomTok, w.tom.upsert("moves", mv, map[string]any{"status": "completed"}), "rejected:handover_incomplete@fields.status"},
		{"completed after the hand-over", w.tomTok, w.tom.upsert("moves", mv, handover(map[string]any{"status": "completed", "completed_at": "2026-11-24T11:00:00Z"})), "applied"},
		{"issue: a completed move cannot be re-pointed to a suspended RED home", w.kimTok, w.kim.upsert("moves", mv, map[string]any{"to_service_id": w.redfern}), "rejected:move_completed_final@fields.to_service_id"},
		{"nor given to another resident", w.kimTok, w.kim.upsert("moves", mv, map[string]any{"resident_id": w.resident(t, "Doris", nil)}), "rejected:move_completed_final@fields.resident_id"},
		{"nor started elsewhere", w.kimTok, w.kim.upsert("moves", mv, map[string]any{"from_service_id": w.chester}), "rejected:move_completed_final@fields.from_service_id"},
		{"nor completed at another time", w.tomTok, w.tom.upsert("moves", mv, map[string]any{"completed_at": "2026-11-24T12:00:00Z"}), "rejected:move_completed_final@fields.completed_at"},
		{"nor its hand-over unticked", w.tomTok, w.tom.upsert("moves", mv, map[string]any{"medication_travelling": false}), "rejected:move_completed_final@fields.medication_travelling"},
		{"issue: a completed move cannot be cancelled", w.kimTok, w.kim.upsert("moves", mv, map[string]any{"status": "cancelled", "cancelled_reason": "mistake"}), "rejected:move_completed_final@fields.status"},
		{"nor deleted", w.boTok, w.bo.del("moves", mv), "rejected:move_completed_final@op"},
		{"nor its legs deleted", w.tomTok, w.tom.upsert("move_legs", uuid.NewString(), map[string]any{"incident_id": w.inc, "move_id": mv, "sequence": 2,
			"departed_at": "2026-11-24T12:00:00Z"}), "rejected:move_completed_final@fields.move_id"},
		{"the paperwork after the move is still recorded (7.22, 7.26)", w.kimTok, w.kim.upsert("moves", mv, map[string]any{"gp_changed": true, "dwp_notified": true}), "applied"},
	})
	if got := w.field(t, "residents", edith, "current_service_id"); got != w.oakwood {
		t.Fatalf("after the move Edith is recorded at %s, want Oakwood Grange", got)
	}

	other := uuid.NewString()
	w.mustApply(t, w.kimTok, w.kim.upsert("moves", other, w.move(w.resident(t, "Harold", nil), nil)))
	w.run(t, []pfCase{
		{"a move is put on hold", w.kimTok, w.kim.upsert("moves", other, map[string]any{"status": "on_hold"}), "applied"},
		{"an on-hold move resumes as planned, not in transit", w.tomTok, w.tom.upsert("moves", other, map[string]any{"status": "in_transit"}), "rejected:move_transition_invalid@fields.status"},
		{"003 App.2 7.17 a cancellation gives its reason", w.kimTok, w.kim.upsert("moves", other, map[string]any{"status": "cancelled"}), "rejected:reason_required@fields.cancelled_reason"},
		{"cancelled with its reason", w.kimTok, w.kim.upsert("moves", other, map[string]any{"status": "cancelled", "cancelled_reason": "Admitted to hospital."}), "applied"},
		{"a cancelled move is final", w.kimTok, w.kim.upsert("moves", other, map[string]any{"status": "planned"}), "rejected:move_transition_invalid@fields.status"},
	})
}

// TestServer_MoveCorrection: a mistake in a completed move is put right by
// a correction record, with its reason and who made it, by a role the
// access table allows; the person's recorded whereabouts follow it.
func TestServer_MoveCorrection(t *testing.T) {
	w := newMoveWorld(t)
	edith := w.resident(t, "Edith", nil)
	mv := uuid.NewString()
	w.mustApply(t, w.kimTok, w.kim.upsert("moves", mv, w.move(edith, nil)))
	planned := uuid.NewString()
	harold := w.resident(t, "Harold", nil)
	w.mustApply(t, w.kimTok, w.kim.upsert("moves", planned, w.move(harold, nil)))
	w.complete(t, mv)
	correction := func(wr *writer, move, res string, f map[string]any) map[string]any {
		return wr.upsert("move_corrections", uuid.NewString(), merge(map[string]any{"incident_id": w.inc, "move_id": move, "resident_id": res,
			"reason": "The escort took her to Redfern Court: Oakwood's lift was out of order.", "corrected_by": "Bea Lowe"}, f))
	}
	dest := correction(w.bo, mv, edith, map[string]any{"kind": "destination", "to_service_id": w.redfern})
	w.run(t, []pfCase{
		{"003 App.2 7.17 a transport coordinator does not correct the record", w.tomTok, correction(w.tom, mv, edith, map[string]any{"kind": "void"}), "rejected:forbidden_role@collection"},
		{"nor a social worker", w.kimTok, correction(w.kim, mv, edith, map[string]any{"kind": "void"}), "rejected:forbidden_role@collection"},
		{"a correction names the move's resident", w.boTok, correction(w.bo, mv, harold, map[string]any{"kind": "void"}), "rejected:move_correction_invalid@fields.resident_id"},
		{"a move that is not completed is not corrected", w.boTok, correction(w.bo, planned, harold, map[string]any{"kind": "void"}), "rejected:move_correction_invalid@fields.move_id"},
		{"a destination correction names the destination", w.boTok, correction(w.bo, mv, edith, map[string]any{"kind": "destination"}), "rejected:move_correction_invalid@fields.to_service_id"},
		{"003 App.2 9.2 \"Designate an administrative lead to collate all records\": the back office corrects the destination", w.boTok, dest, "applied"},
		{"a correction is never edited", w.boTok, w.bo.upsert("move_corrections", dest["record_id"].(string), map[string]any{"reason": "changed my mind"}), "rejected:log_append_only@op"},
		{"nor deleted", w.boTok, w.bo.del("move_corrections", dest["record_id"].(string)), "rejected:log_append_only@op"},
		{"one destination correction per move", w.headTok, correction(w.head, mv, edith, map[string]any{"kind": "destination", "to_service_id": w.chester}), "rejected:move_correction_invalid@fields.kind"},
	})
	if got := w.field(t, "residents", edith, "current_service_id"); got != w.redfern {
		t.Fatalf("after the destination correction Edith is recorded at %s, want Redfern Court", got)
	}
	w.e.clock.Advance(2 * 24 * time.Hour) // 25 November: the day after the move
	w.run(t, []pfCase{
		{"003 App.1 the Provider Failure Manager (the Director) voids a move that did not happen", w.directorTok, correction(w.director, mv, edith, map[string]any{"kind": "void",
			"reason": "Entered against the wrong resident; Edith did not move."}), "applied"},
		{"a voided move takes no further correction", w.boTok, correction(w.bo, mv, edith, map[string]any{"kind": "completed_at", "completed_at": "2026-11-24T11:30:00Z"}), "rejected:move_correction_invalid@fields.move_id"},
	})
	if got := w.field(t, "residents", edith, "current_service_id"); got != w.larkfield {
		t.Fatalf("after the void Edith is recorded at %s, want back at Larkfield House", got)
	}
	if got := w.field(t, "residents", edith, "status"); got != "in_placement" {
		t.Fatalf("after the void Edith's status is %s, want in_placement", got)
	}
}

// TestServer_HandoverOverride: only the roles that lead the move may
// complete it without its full hand-over, and never without medication
// (7.20) or identity (7.21).
func TestServer_HandoverOverride(t *testing.T) {
	w := newMoveWorld(t)
	arrived := func(name string) string {
		mv := uuid.NewString()
		w.mustApply(t, w.kimTok, w.kim.upsert("moves", mv, w.move(w.resident(t, name, nil), nil)))
		w.mustApply(t, w.tomTok, w.tom.upsert("moves", mv, map[string]any{"status": "in_transit"}))
		w.mustApply(t, w.tomTok, w.leg(mv))
		w.mustApply(t, w.tomTok, w.tom.upsert("moves", mv, map[string]any{"status": "arrived"}))
		return mv
	}
	a, b := arrived("Edith"), arrived("Harold")
	w.run(t, []pfCase{
		{"issue: a transport coordinator completes with no medication, care plan, records or identity check, typing 'driver in a hurry' (003 App.2 7.15 7.20 7.21 7.24)", w.tomTok,
			w.tom.upsert("moves", a, map[string]any{"status": "completed", "handover_override_reason": "driver in a hurry"}), "rejected:handover_override_not_permitted@fields.handover_override_reason"},
		{"the override is recorded in the name of who makes it", w.kimTok, w.kim.upsert("moves", a, map[string]any{"handover_override_reason": "Fire: records follow by courier", "handover_override_role": "commissioner"}),
			"rejected:handover_override_not_permitted@fields.handover_override_role"},
		{"003 App.1 Operations (social worker) \"Transfer of individual placements/packages to alternative provision\" records the override", w.kimTok,
			w.kim.upsert("moves", a, map[string]any{"handover_override_reason": "Fire at the home: records follow by courier", "handover_override_role": "social_worker"}), "applied"},
		{"003 App.2 7.20 \"Customer medications and treatment details to go with customers\": never overridden", w.tomTok,
			w.tom.upsert("moves", a, map[string]any{"status": "completed", "identity_confirmed": true}), "rejected:handover_incomplete@fields.status"},
		{"003 App.2 7.21 \"ensure correct identification of relocated customers\": never overridden", w.tomTok,
			w.tom.upsert("moves", a, map[string]any{"status": "completed", "medication_travelling": true, "identity_confirmed": false}), "rejected:handover_incomplete@fields.status"},
		{"with medication and identity, the override stands for the care plan and records (7.15, 7.24)", w.tomTok,
			w.tom.upsert("moves", a, map[string]any{"status": "completed", "medication_travelling": true, "identity_confirmed": true}), "applied"},
		{"003 App.1 \"the NHS will lead ... fully funded NHS customers\": NHS liaison does not override for a council-funded resident", w.nhsTok,
			w.nhs.upsert("moves", b, map[string]any{"handover_override_reason": "Ward bed freed", "handover_override_role": "nhs_liaison"}), "rejected:nhs_lead_chc_only@fields.resident_id"},
	})
}

// TestServer_ChoiceFitsCapacity: who chose a new home must fit the person's
// capacity (MCA 2005 s.1; 003 App.2 7.3 "Maximise resident/carer ability to
// make an informed choice ... in adherence to the principles of the Mental
// Capacity Act 2005"); drafts ground nothing; a signature needs the MCA's
// evidence.
func TestServer_ChoiceFitsCapacity(t *testing.T) {
	w := newMoveWorld(t)
	joan, mary, olive := w.resident(t, "Joan", nil), w.resident(t, "Mary", nil), w.resident(t, "Olive", nil)
	lacks := func(res string, extra map[string]any) map[string]any {
		return mcaEvidence(merge(map[string]any{"incident_id": w.inc, "resident_id": res, "decision": "Where to live", "decision_type": "accommodation",
			"outcome": "lacks_capacity", "impairment": true, "can_understand": false, "can_retain": false, "can_use_or_weigh": false,
			"can_communicate": true, "causative_nexus": true}, extra))
	}
	has := func(res string, extra map[string]any) map[string]any {
		return merge(map[string]any{"incident_id": w.inc, "resident_id": res, "decision": "Where to live", "decision_type": "accommodation",
			"outcome": "has_capacity", "impairment": false, "can_understand": true, "can_retain": true, "can_use_or_weigh": true, "can_communicate": true,
			"persons_decision": "Allestree, near my sister", "signed_at": "2026-11-23T11:00:00Z", "signed_by": "Kim"}, extra)
	}
	bi := func(res, assessment string, extra map[string]any) map[string]any {
		return merge(map[string]any{"incident_id": w.inc, "resident_id": res, "assessment_id": assessment, "decision": "Where to live",
			"decision_type": "accommodation", "setting": "care_home", "decision_maker": "council",
			"consultees": []map[string]any{{"name": "Ann", "role": "family", "view": "Oakwood"}}, "decision_reached": "Move to Oakwood Grange"}, extra)
	}
	caJoan, caMary, caOliveDraft, biJoan, biOlive := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	bare := map[string]any{"incident_id": w.inc, "resident_id": joan, "decision": "Where to live", "decision_type": "accommodation", "outcome": "lacks_capacity",
		"impairment": true, "can_understand": false, "causative_nexus": true, "signed_at": "2026-11-23T12:00:00Z", "signed_by": "Kim"}
	w.run(t, []pfCase{
		{"issue: a signed 'lacks capacity' with three bare booleans: no evidence, information, practicable steps (MCA s.1(3)), assessor or sitting", w.kimTok,
			w.kim.upsert("capacity_assessments", uuid.NewString(), bare), "rejected:capacity_evidence_missing@fields.relevant_information"},
		{"MCA s.1(3) \"all practicable steps to help him to do so have been taken without success\"", w.kimTok,
			w.kim.upsert("capacity_assessments", uuid.NewString(), lacks(joan, map[string]any{"practicable_steps": "", "signed_at": "2026-11-23T12:00:00Z", "signed_by": "Kim"})),
			"rejected:capacity_evidence_missing@fields.practicable_steps"},
		{"MCA s.3 the evidence for each stage 2 answer", w.kimTok,
			w.kim.upsert("capacity_assessments", uuid.NewString(), lacks(joan, map[string]any{"retain_evidence": nil, "signed_at": "2026-11-23T12:00:00Z", "signed_by": "Kim"})),
			"rejected:capacity_evidence_missing@fields.retain_evidence"},
		{"the assessment signed with its evidence", w.kimTok, w.kim.upsert("capacity_assessments", caJoan, lacks(joan, map[string]any{"signed_at": "2026-11-23T12:00:00Z", "signed_by": "Kim"})), "applied"},
		{"issue: lacking capacity, chosen by a carer, no best-interests decision (MCA 2005 s.4)", w.kimTok,
			w.kim.upsert("moves", uuid.NewString(), w.move(joan, map[string]any{"chosen_by": "carer"})), "rejected:choice_needs_best_interests@fields.best_interests_decision_id"},
		{"MCA s.4 the best-interests decision, made", w.kimTok, w.kim.upsert("best_interests_decisions", biJoan, bi(joan, caJoan, map[string]any{"decided_at": "2026-11-23T15:00:00Z"})), "applied"},
		{"003 App.2 7.9 the move rests on the best-interests decision", w.kimTok,
			w.kim.upsert("moves", uuid.NewString(), w.move(joan, map[string]any{"chosen_by": "best_interests", "best_interests_decision_id": biJoan})), "applied"},
		{"Mary has capacity (signed)", w.kimTok, w.kim.upsert("capacity_assessments", caMary, has(mary, nil)), "applied"},
		{"issue: a person with capacity who chose another home, recorded as chosen by her carer (003 App.2 7.3 \"maximise the resident's ability to make an informed choice\")", w.kimTok,
			w.kim.upsert("moves", uuid.NewString(), w.move(mary, map[string]any{"chosen_by": "carer"})), "rejected:choice_not_the_persons@fields.chosen_by"},
		{"she chooses", w.kimTok, w.kim.upsert("moves", uuid.NewString(), w.move(mary, map[string]any{"chosen_by": "resident"})), "applied"},
		{"Olive's signed assessment says she has capacity", w.kimTok, w.kim.upsert("capacity_assessments", uuid.NewString(), has(olive, nil)), "applied"},
		{"a draft says she lacks it", w.kimTok, w.kim.upsert("capacity_assessments", caOliveDraft, lacks(olive, nil)), "applied"},
		{"issue: a best-interests decision resting on an unsigned draft is refused: drafts ground nothing", w.kimTok,
			w.kim.upsert("best_interests_decisions", biOlive, bi(olive, caOliveDraft, map[string]any{"decided_at": "2026-11-23T15:00:00Z"})), "rejected:best_interests_needs_lacking_capacity@fields.assessment_id"},
		{"the draft does not stop her choosing: her latest signed assessment counts", w.kimTok,
			w.kim.upsert("moves", uuid.NewString(), w.move(olive, map[string]any{"chosen_by": "resident", "planned_at": "2026-11-25T10:00:00Z", "planned_arrival_at": "2026-11-25T10:45:00Z"})), "applied"},
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

// TestServer_MovesShowCorrections: the moves report a console reads carries
// a completed move's corrections, pushed like any record, and the move as
// they leave it.
func TestServer_MovesShowCorrections(t *testing.T) {
	w := newMoveWorld(t)
	larkC := uuid.NewString()
	w.mustApply(t, w.adminTok, w.admin.upsert("providers", larkC, map[string]any{"name": "Larkfield Care Ltd", "regulated": true}))
	w.mustApply(t, w.headTok, w.head.upsert("incidents", w.inc, map[string]any{"incident_id": w.inc, "provider_id": larkC, "title": "Larkfield House closure",
		"trigger_criterion": "i", "process": 1, "status": "active", "activated_at": "2026-11-23T10:00:00Z", "reason": "Improvement measures not met.",
		"agreed_with": "Martin Coles", "agreed_with_role": "director"}))
	edith, harold := w.resident(t, "Edith", nil), w.resident(t, "Harold", nil)
	moved, voided := uuid.NewString(), uuid.NewString()
	w.mustApply(t, w.kimTok, w.kim.upsert("moves", moved, w.move(edith, nil)))
	w.mustApply(t, w.kimTok, w.kim.upsert("moves", voided, w.move(harold, nil)))
	w.complete(t, moved)
	w.complete(t, voided)
	correction := func(move, res string, f map[string]any) map[string]any {
		return w.bo.upsert("move_corrections", uuid.NewString(), merge(map[string]any{"incident_id": w.inc, "move_id": move, "resident_id": res, "corrected_by": "Bea Lowe"}, f))
	}
	w.run(t, []pfCase{
		{"the back office corrects the destination", w.boTok, correction(moved, edith, map[string]any{"kind": "destination", "to_service_id": w.redfern,
			"reason": "Oakwood's lift was out of order."}), "applied"},
		{"and voids a move that did not happen", w.boTok, correction(voided, harold, map[string]any{"kind": "void", "reason": "Entered against the wrong resident."}), "applied"},
	})
	var mb reports.MoveBoard
	r := w.e.do("GET", "/v1/incidents/"+w.inc+"/moves", w.directorTok(), nil)
	if r.Status != 200 {
		t.Fatalf("GET moves: %d %s", r.Status, r.Body)
	}
	r.decode(t, &mb)
	rows := map[string]reports.MoveRow{}
	for _, m := range mb.Moves {
		rows[m.MoveID] = m
	}
	t.Run("another destination", func(t *testing.T) {
		m := rows[moved]
		if m.To != "Oakwood Grange" || m.Void || m.EffectiveTo != "Redfern Court" || m.EffectiveCompletedAt == nil || !m.EffectiveCompletedAt.Equal(*m.CompletedAt) {
			t.Fatalf("to %q, effective %q at %v (completed %v), void %v; want Oakwood Grange corrected to Redfern Court", m.To, m.EffectiveTo, m.EffectiveCompletedAt, m.CompletedAt, m.Void)
		}
		if len(m.Corrections) != 1 {
			t.Fatalf("corrections %+v", m.Corrections)
		}
		if c := m.Corrections[0]; c.Kind != "destination" || c.To != "Redfern Court" || c.Reason != "Oakwood's lift was out of order." || c.CorrectedBy != "Bea Lowe" || c.CorrectedAt == nil {
			t.Fatalf("correction %+v", c)
		}
	})
	t.Run("a move that did not happen", func(t *testing.T) {
		m := rows[voided]
		if !m.Void || m.EffectiveTo != "" || len(m.Corrections) != 1 || m.Corrections[0].Kind != "void" || m.Corrections[0].Reason != "Entered against the wrong resident." {
			t.Fatalf("void %v, effective %q, corrections %+v", m.Void, m.EffectiveTo, m.Corrections)
		}
	})
}
