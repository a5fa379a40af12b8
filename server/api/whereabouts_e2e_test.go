package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// closure is a small care-home closure played over HTTP for the whereabouts
// tests: Larkfield House fails (the incident does NOT list its service_ids,
// which are optional), Oakwood Grange and Belper Riverside receive.
type closure struct {
	e                                      *env
	inc, larkfield, oakwood, belper, belpC string
	kimTok, tomTok, boTok, dirTok, headTok func() string
	kim, tom, bo, dir, head                *writer
}

func newClosure(t *testing.T) *closure {
	t.Helper()
	e := newEnv(t)
	w := &closure{e: e, inc: uuid.NewString(), larkfield: uuid.NewString(), oakwood: uuid.NewString(), belper: uuid.NewString()}
	adminTok := e.pfUser("ada", "admin", "admin-laptop")
	w.kimTok = e.pfUser("kim", "social_worker", "tab-kim", w.inc)
	w.tomTok = e.pfUser("tom", "transport_coordinator", "van-tom", w.inc)
	w.boTok = e.pfUser("bea", "back_office", "desk-bea", "*")
	w.dirTok = e.pfUser("martin", "director", "dir-laptop", w.inc)
	w.headTok = e.pfUser("gail", "commissioner", "head-laptop", w.inc)
	admin := newWriter("admin-laptop", e.clock.Now)
	w.kim, w.tom, w.bo = newWriter("tab-kim", e.clock.Now), newWriter("van-tom", e.clock.Now), newWriter("desk-bea", e.clock.Now)
	w.dir, w.head = newWriter("dir-laptop", e.clock.Now), newWriter("head-laptop", e.clock.Now)
	larkC, oakC := uuid.NewString(), uuid.NewString()
	w.belpC = uuid.NewString()
	var cs []pfCase
	for _, p := range []struct{ id, name string }{{larkC, "Larkfield Care Ltd"}, {oakC, "Oakwood Care Ltd"}, {w.belpC, "Belper Care Ltd"}} {
		cs = append(cs, pfCase{p.name, adminTok, admin.upsert("providers", p.id, map[string]any{"name": p.name, "regulated": true}), "applied"})
	}
	for _, s := range []struct{ id, prov, name string }{{w.larkfield, larkC, "Larkfield House"}, {w.oakwood, oakC, "Oakwood Grange"}, {w.belper, w.belpC, "Belper Riverside"}} {
		cs = append(cs, pfCase{s.name, adminTok, admin.upsert("services", s.id, map[string]any{"provider_id": s.prov, "name": s.name, "service_type": "residential",
			"regulated": true, "registration_categories": []string{"residential", "nursing"}, "local_authority": "Derby City Council"}), "applied"})
	}
	cs = append(cs, pfCase{"003 s.10 (i) Process 1, in conjunction with the Director; service_ids left out", w.headTok, w.head.upsert("incidents", w.inc, map[string]any{
		"incident_id": w.inc, "provider_id": larkC, "title": "Larkfield House closure", "trigger_criterion": "i", "process": 1, "status": "active",
		"activated_at": "2026-11-23T10:00:00Z", "reason": "Improvement measures not met.", "agreed_with": "Martin Coles", "agreed_with_role": "director"}), "applied"})
	w.cases(t, cs)
	return w
}

// cases pushes each change and checks its status, failing the test at the
// first that differs.
func (w *closure) cases(t *testing.T, cs []pfCase) {
	t.Helper()
	for _, c := range cs {
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

// at moves the injected clock forward to when.
func (w *closure) at(t *testing.T, when string) {
	t.Helper()
	at, err := time.Parse(time.RFC3339, when)
	if err != nil {
		t.Fatal(err)
	}
	if d := at.Sub(w.e.clock.Now()); d > 0 {
		w.e.clock.Advance(d)
	}
}

// resident records a resident at Larkfield House.
func (w *closure) resident(t *testing.T, given string, extra map[string]any) string {
	t.Helper()
	id := uuid.NewString()
	f := map[string]any{"incident_id": w.inc, "given_name": given, "family_name": "Example", "current_service_id": w.larkfield, "status": "in_placement",
		"registration_category": "residential"}
	for k, v := range extra {
		f[k] = v
	}
	w.cases(t, []pfCase{{given + " lives at Larkfield House", w.kimTok, w.kim.upsert("residents", id, f), "applied"}})
	return id
}

// plan plans a move from Larkfield House.
func (w *closure) plan(t *testing.T, rid, to, at string) string {
	t.Helper()
	id := uuid.NewString()
	start, _ := time.Parse(time.RFC3339, at)
	w.cases(t, []pfCase{{"a move is planned", w.kimTok, w.kim.upsert("moves", id, map[string]any{"incident_id": w.inc, "resident_id": rid,
		"from_service_id": w.larkfield, "to_service_id": to, "status": "planned", "planned_at": at,
		"planned_arrival_at": start.Add(45 * time.Minute).Format(time.RFC3339), "chosen_by": "resident", "medication_travelling": true}), "applied"}})
	return id
}

// complete logs the move's leg on the day (departed at start, handed over
// 45 minutes later) and completes it after its hand-over.
func (w *closure) complete(t *testing.T, move, start string) {
	t.Helper()
	dep, _ := time.Parse(time.RFC3339, start)
	arr := dep.Add(45 * time.Minute).Format(time.RFC3339)
	w.at(t, dep.Add(time.Hour).Format(time.RFC3339))
	w.cases(t, []pfCase{
		{"departs", w.tomTok, w.tom.upsert("moves", move, map[string]any{"status": "in_transit"}), "applied"},
		{"the leg on the day", w.tomTok, w.tom.upsert("move_legs", uuid.NewString(), map[string]any{"incident_id": w.inc, "move_id": move, "sequence": 1,
			"departed_at": start, "arrived_at": arr, "handed_over_at": arr, "identity_confirmed": true, "handed_over": true, "handed_over_to": "Duty manager"}), "applied"},
		{"arrives: every leg departed and arrived (7.11)", w.tomTok, w.tom.upsert("moves", move, map[string]any{"status": "arrived"}), "applied"},
		{"003 App.2 7.15 7.20 7.21 7.24 hand-over done, move completed", w.tomTok, w.tom.upsert("moves", move, map[string]any{"status": "completed",
			"care_plan_handed_over": true, "identity_confirmed": true, "records_handed_over": true, "medication_travelling": true, "completed_at": arr}), "applied"},
	})
}

// get reads an incident view as JSON.
func (w *closure) get(t *testing.T, tok func() string, path string, v any) {
	t.Helper()
	r := w.e.do("GET", "/v1/incidents/"+w.inc+path, tok(), nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	r.decode(t, v)
}

// record reads a record's merged state from the server's store.
func (w *closure) record(t *testing.T, collection, id string) *syncproto.Record {
	t.Helper()
	r, err := w.e.store.Record(context.Background(), collection, id)
	if err != nil || r == nil {
		t.Fatalf("%s/%s: %v", collection, id, err)
	}
	return r
}

// summary is the part of GET /summary these tests read.
type summary struct {
	Residents struct {
		UnderDoLS            int `json:"under_dols"`
		DoLSNewRequestNeeded int `json:"dols_new_request_needed"`
	} `json:"residents"`
	Moves struct {
		OnHold int `json:"on_hold"`
	} `json:"moves"`
	Whereabouts struct {
		AtFailingService int `json:"at_failing_service"`
		AtNewHome        int `json:"at_new_home"`
		InHospital       int `json:"in_hospital"`
		Deceased         int `json:"deceased"`
	} `json:"whereabouts"`
	Events struct {
		Deaths    int `json:"deaths"`
		Corrected int `json:"corrected"`
	} `json:"events"`
	Reviews struct {
		Scheduled int `json:"scheduled"`
	} `json:"reviews"`
	PostMove struct {
		Outstanding int            `json:"outstanding"`
		Overdue     int            `json:"overdue"`
		ByItem      map[string]int `json:"by_item"`
	} `json:"post_move"`
}

// sitrep is the part of GET /situation-report these tests read.
type sitrep struct {
	MovesDone []struct {
		MoveID string `json:"move_id"`
	} `json:"moves_done"`
	MovesPlanned []struct {
		MoveID string `json:"move_id"`
	} `json:"moves_planned"`
	MovesOnHold []struct {
		MoveID string `json:"move_id"`
	} `json:"moves_on_hold"`
	Deaths []struct {
		ResidentID string `json:"resident_id"`
	} `json:"deaths"`
	PostMoveOutstanding []struct {
		Item    string `json:"item"`
		DueOn   string `json:"due_on"`
		Overdue bool   `json:"overdue"`
	} `json:"post_move_outstanding"`
	DoLSToRequest []struct {
		ResidentID string `json:"resident_id"`
		TaskID     string `json:"task_id"`
		DueOn      string `json:"due_on"`
	} `json:"dols_to_request"`
}

// board is the part of GET /board these tests read.
type board struct {
	Counts struct {
		OnHold              int `json:"on_hold"`
		DoLSToRequest       int `json:"dols_to_request"`
		PostMoveOutstanding int `json:"post_move_outstanding"`
		UnderDoLS           int `json:"under_dols"`
	} `json:"counts"`
	Residents []struct {
		ResidentID  string `json:"resident_id"`
		WhereNow    string `json:"where_now"`
		PlannedMove *struct {
			Status     string `json:"status"`
			HoldReason string `json:"hold_reason"`
		} `json:"planned_move"`
		DoLSToRequest       bool     `json:"dols_to_request"`
		PostMoveOutstanding []string `json:"post_move_outstanding"`
	} `json:"residents"`
}

func (w *closure) summary(t *testing.T) summary {
	t.Helper()
	var s summary
	w.get(t, w.dirTok, "/summary", &s)
	return s
}

// TestServer_WhereaboutsDerivedNeverTyped: "Whereabouts miscounts when the
// incident has no service_ids (optional): a resident still at the failing
// home counted at_new_home" (issue, item 10). Where each person is comes
// from the records that say so, and the residents record follows.
func TestServer_WhereaboutsDerivedNeverTyped(t *testing.T) {
	w := newClosure(t)
	stays, moves := w.resident(t, "Stella", nil), w.resident(t, "Morris", nil)
	mv := w.plan(t, moves, w.oakwood, "2026-11-24T10:00:00Z")
	t.Run("a resident still at the failing home is not at a new home, whether or not the incident lists its services", func(t *testing.T) {
		s := w.summary(t)
		if s.Whereabouts.AtFailingService != 2 || s.Whereabouts.AtNewHome != 0 {
			t.Fatalf("at failing service %d, at new home %d; want 2, 0", s.Whereabouts.AtFailingService, s.Whereabouts.AtNewHome)
		}
	})
	w.complete(t, mv, "2026-11-24T10:00:00Z")
	t.Run("the completed move places the person, and the residents record follows it", func(t *testing.T) {
		s := w.summary(t)
		if s.Whereabouts.AtFailingService != 1 || s.Whereabouts.AtNewHome != 1 {
			t.Fatalf("at failing service %d, at new home %d; want 1, 1", s.Whereabouts.AtFailingService, s.Whereabouts.AtNewHome)
		}
		r := w.record(t, "residents", moves)
		if got := schema.StringValue(r, "current_service_id"); got != w.oakwood {
			t.Fatalf("current_service_id %s, want Oakwood Grange", got)
		}
		if got := schema.StringValue(r, "whereabouts_updated_at"); got != "2026-11-24T10:45:00Z" {
			t.Fatalf("whereabouts_updated_at %s, want the hand-over 10:45", got)
		}
		if got := schema.StringValue(w.record(t, "residents", stays), "status"); got != "in_placement" {
			t.Fatalf("Stella's status %s", got)
		}
		var rep struct {
			Places []struct {
				ServiceID string `json:"service_id"`
				Failing   bool   `json:"failing"`
				Residents []struct {
					ResidentID string `json:"resident_id"`
					Source     string `json:"source"`
					SourceID   string `json:"source_id"`
				} `json:"residents"`
			} `json:"places"`
		}
		w.get(t, w.dirTok, "/whereabouts", &rep)
		found := false
		for _, p := range rep.Places {
			for _, r := range p.Residents {
				if r.ResidentID == moves {
					found = p.ServiceID == w.oakwood && !p.Failing && r.Source == "moves" && r.SourceID == mv
				}
				if r.ResidentID == stays && (!p.Failing || p.ServiceID != w.larkfield) {
					t.Fatalf("Stella is listed at %s (failing %v)", p.ServiceID, p.Failing)
				}
			}
		}
		if !found {
			t.Fatalf("Morris is not at Oakwood Grange by his move: %+v", rep.Places)
		}
	})
	w.cases(t, []pfCase{
		{"whereabouts are never typed: Morris cannot be typed back at Larkfield House", w.kimTok, w.kim.upsert("residents", moves, map[string]any{"current_service_id": w.larkfield, "status": "in_placement"}), "rejected:whereabouts_derived@fields.current_service_id"},
		{"an unchanged replay of what the records say is applied", w.kimTok, w.kim.upsert("residents", moves, map[string]any{"current_service_id": w.oakwood, "status": "moved"}), "applied"},
		{"other details are typed as before", w.kimTok, w.kim.upsert("residents", moves, map[string]any{"room": "12"}), "applied"},
	})
}

// TestServer_EventsAppendOnly: "Deaths can be erased. The back office
// deleted a resident_events death: applied; the person stays deceased but
// the death vanishes from the situation report and summary (deaths: 0)"
// (item 7). Events are append-only; a wrong one is corrected by a new
// record with its reason, and the reports count the corrected truth.
func TestServer_EventsAppendOnly(t *testing.T) {
	w := newClosure(t)
	alice, bert := w.resident(t, "Alice", nil), w.resident(t, "Bert", nil)
	w.at(t, "2026-11-23T20:00:00Z")
	death, wrong := uuid.NewString(), uuid.NewString()
	deathF := map[string]any{"incident_id": w.inc, "resident_id": alice, "event": "death", "occurred_at": "2026-11-23T19:00:00Z", "place": "Larkfield House"}
	w.cases(t, []pfCase{
		{"Alice dies", w.kimTok, w.kim.upsert("resident_events", death, deathF), "applied"},
		{"a death recorded for Bert by mistake", w.kimTok, w.kim.upsert("resident_events", wrong, map[string]any{"incident_id": w.inc, "resident_id": bert,
			"event": "death", "occurred_at": "2026-11-23T19:30:00Z"}), "applied"},
		{"a death cannot be deleted", w.boTok, w.bo.del("resident_events", death), "rejected:event_append_only@op"},
		{"a death's time cannot be edited", w.kimTok, w.kim.upsert("resident_events", death, map[string]any{"occurred_at": "2026-11-23T18:00:00Z"}), "rejected:event_append_only@fields.occurred_at"},
		{"an unchanged replay is applied", w.kimTok, w.kim.upsert("resident_events", death, deathF), "applied"},
		{"who was told is filled in as it happens", w.kimTok, w.kim.upsert("resident_events", death, map[string]any{"family_informed_at": "2026-11-23T19:40:00Z"}), "applied"},
		{"a correction needs its reason", w.kimTok, w.kim.upsert("resident_events", uuid.NewString(), map[string]any{"incident_id": w.inc, "resident_id": bert,
			"event": "entered_in_error", "occurred_at": "2026-11-23T19:30:00Z", "corrects_event_id": wrong}), "rejected:reason_required@fields.correction_reason"},
		{"a correction is the same kind of event, or entered_in_error", w.kimTok, w.kim.upsert("resident_events", uuid.NewString(), map[string]any{"incident_id": w.inc, "resident_id": bert,
			"event": "hospital_admission", "occurred_at": "2026-11-23T19:30:00Z", "corrects_event_id": wrong, "correction_reason": "wrong"}), "rejected:event_correction_invalid@fields.event"},
		{"Bert did not die: entered in error, with the reason", w.kimTok, w.kim.upsert("resident_events", uuid.NewString(), map[string]any{"incident_id": w.inc, "resident_id": bert,
			"event": "entered_in_error", "occurred_at": "2026-11-23T19:30:00Z", "corrects_event_id": wrong, "correction_reason": "Recorded against the wrong resident."}), "applied"},
		{"Alice's death time corrected with the reason", w.kimTok, w.kim.upsert("resident_events", uuid.NewString(), map[string]any{"incident_id": w.inc, "resident_id": alice,
			"event": "death", "occurred_at": "2026-11-23T18:40:00Z", "place": "Larkfield House", "corrects_event_id": death, "correction_reason": "Time confirmed by the GP."}), "applied"},
	})
	t.Run("a death cannot vanish, and a corrected death no longer counts", func(t *testing.T) {
		s := w.summary(t)
		if s.Events.Deaths != 1 || s.Whereabouts.Deceased != 1 || s.Events.Corrected != 2 {
			t.Fatalf("deaths %d, deceased %d, corrected %d; want 1, 1, 2", s.Events.Deaths, s.Whereabouts.Deceased, s.Events.Corrected)
		}
		var rep sitrep
		w.get(t, w.dirTok, "/situation-report", &rep)
		if len(rep.Deaths) != 1 || rep.Deaths[0].ResidentID != alice {
			t.Fatalf("situation report deaths %+v, want Alice's only", rep.Deaths)
		}
		if got := schema.StringValue(w.record(t, "residents", bert), "status"); got != "in_placement" {
			t.Fatalf("Bert's status %s after the death entered in error", got)
		}
		a := w.record(t, "residents", alice)
		if schema.StringValue(a, "status") != "deceased" || schema.StringValue(a, "whereabouts_updated_at") != "2026-11-23T18:40:00Z" {
			t.Fatalf("Alice: %s since %s, want deceased since the corrected time", schema.StringValue(a, "status"), schema.StringValue(a, "whereabouts_updated_at"))
		}
	})
}

// TestServer_DoLSFollowsThePerson: "DoLS stops at the old door" (item 5;
// 003 Appendix 2, 3.10 "refers all those who are DOLS-liable to the DOLS
// Team for new assessment").
func TestServer_DoLSFollowsThePerson(t *testing.T) {
	w := newClosure(t)
	dora := w.resident(t, "Dora", map[string]any{"dols_status": "authorised", "dols_expiry": "2027-03-01"})
	mv := w.plan(t, dora, w.oakwood, "2026-11-24T10:00:00Z")
	if s := w.summary(t); s.Residents.UnderDoLS != 1 {
		t.Fatalf("under DoLS %d before the move", s.Residents.UnderDoLS)
	}
	w.complete(t, mv, "2026-11-24T10:00:00Z")
	t.Run("3.10 the authorisation needs a new request at the new home", func(t *testing.T) {
		if got := schema.StringValue(w.record(t, "residents", dora), "dols_status"); got != schema.DoLSNewRequestNeeded {
			t.Fatalf("dols_status %s", got)
		}
		s := w.summary(t)
		if s.Residents.UnderDoLS != 0 || s.Residents.DoLSNewRequestNeeded != 1 {
			t.Fatalf("under DoLS %d, new request needed %d", s.Residents.UnderDoLS, s.Residents.DoLSNewRequestNeeded)
		}
	})
	t.Run("3.10 the DOLS Team is referred the person for new assessment", func(t *testing.T) {
		task := w.record(t, "team_tasks", domain.DoLSTaskID(mv))
		if schema.StringValue(task, "team") != "dols" || schema.StringValue(task, "status") != "open" || schema.StringValue(task, "resident_id") != dora {
			t.Fatalf("task %s", pfObject(task))
		}
		var rep sitrep
		w.get(t, w.dirTok, "/situation-report", &rep)
		if len(rep.DoLSToRequest) != 1 || rep.DoLSToRequest[0].TaskID != task.ID || rep.DoLSToRequest[0].DueOn != "2026-12-01" {
			t.Fatalf("situation report DoLS to request %+v", rep.DoLSToRequest)
		}
		var b board
		w.get(t, w.dirTok, "/board", &b)
		if b.Counts.DoLSToRequest != 1 || b.Counts.UnderDoLS != 0 || len(b.Residents) != 1 || !b.Residents[0].DoLSToRequest {
			t.Fatalf("board %+v", b)
		}
		var ts struct {
			DoLSStatus string `json:"dols_status"`
			DoLSNote   string `json:"dols_note"`
		}
		w.get(t, w.dirTok, "/residents/"+dora+"/transfer-summary", &ts)
		if ts.DoLSStatus != schema.DoLSNewRequestNeeded || ts.DoLSNote == "" {
			t.Fatalf("transfer summary shows %+v", ts)
		}
	})
}

// TestServer_HospitalJoinsMoves: "Hospital admissions and discharges are
// not joined to moves. After an admission the planned move stays planned; a
// discharge with discharged_to_service_id moves the person with no
// hand-over and no post-move reviews, and the old planned move stays open
// on the Director's report" (item 6).
func TestServer_HospitalJoinsMoves(t *testing.T) {
	w := newClosure(t)
	fred := w.resident(t, "Fred", nil)
	old := w.plan(t, fred, w.oakwood, "2026-11-24T10:00:00Z")
	w.at(t, "2026-11-23T20:00:00Z")
	w.cases(t, []pfCase{{"Fred is admitted to hospital", w.kimTok, w.kim.upsert("resident_events", uuid.NewString(), map[string]any{"incident_id": w.inc,
		"resident_id": fred, "event": "hospital_admission", "occurred_at": "2026-11-23T19:30:00Z", "hospital": "Royal Derby Hospital, ward 305"}), "applied"}})
	t.Run("an admission puts the planned move on hold, on the board", func(t *testing.T) {
		if got := schema.StringValue(w.record(t, "moves", old), "status"); got != "on_hold" {
			t.Fatalf("the planned move is %s", got)
		}
		w.at(t, "2026-11-24T12:00:00Z")
		var b board
		w.get(t, w.dirTok, "/board", &b)
		r := b.Residents[0]
		if b.Counts.OnHold != 1 || r.WhereNow != "hospital" || r.PlannedMove == nil || r.PlannedMove.Status != "on_hold" || r.PlannedMove.HoldReason == "" {
			t.Fatalf("board: %+v %+v", b.Counts, r)
		}
		var mb struct {
			Moves []struct {
				Late string `json:"late"`
			} `json:"moves"`
		}
		w.get(t, w.dirTok, "/moves", &mb)
		if len(mb.Moves) != 1 || mb.Moves[0].Late != "" {
			t.Fatalf("a held move is not a late departure: %+v", mb.Moves)
		}
	})
	w.at(t, "2026-11-25T09:00:00Z")
	t.Run("a discharge to another home is a move: with no move named it is refused", func(t *testing.T) {
		w.cases(t, []pfCase{{"discharged to Belper Riverside with no move", w.kimTok, w.kim.upsert("resident_events", uuid.NewString(), map[string]any{"incident_id": w.inc,
			"resident_id": fred, "event": "hospital_discharge", "occurred_at": "2026-11-25T08:30:00Z", "discharged_to_service_id": w.belper}), "rejected:discharge_needs_move@fields.move_id"}})
	})
	mv := w.plan(t, fred, w.belper, "2026-11-25T11:00:00Z")
	w.complete(t, mv, "2026-11-25T11:00:00Z")
	w.cases(t, []pfCase{{"the discharge names the completed move", w.kimTok, w.kim.upsert("resident_events", uuid.NewString(), map[string]any{"incident_id": w.inc,
		"resident_id": fred, "event": "hospital_discharge", "occurred_at": "2026-11-25T11:00:00Z", "discharged_to_service_id": w.belper, "move_id": mv}), "applied"}})
	t.Run("the move has its hand-over and reviews, and the old plan does not stay open", func(t *testing.T) {
		s := w.summary(t)
		if s.Reviews.Scheduled != 2 || s.Whereabouts.AtNewHome != 1 || s.Whereabouts.InHospital != 0 || s.Moves.OnHold != 0 {
			t.Fatalf("reviews %d, at new home %d, in hospital %d, on hold %d", s.Reviews.Scheduled, s.Whereabouts.AtNewHome, s.Whereabouts.InHospital, s.Moves.OnHold)
		}
		if got := schema.StringValue(w.record(t, "moves", old), "status"); got != "cancelled" {
			t.Fatalf("the old move is %s", got)
		}
		var rep sitrep
		w.get(t, w.dirTok, "/situation-report", &rep)
		if len(rep.MovesPlanned) != 0 || len(rep.MovesOnHold) != 0 {
			t.Fatalf("Director's report still has open moves: %+v %+v", rep.MovesPlanned, rep.MovesOnHold)
		}
		if got := schema.StringValue(w.record(t, "residents", fred), "current_service_id"); got != w.belper {
			t.Fatalf("Fred is at %s", got)
		}
	})
}

// TestServer_LogsWrittenForPeople: "The movement log is hand-keyed only
// (7.17 'maintain a log of decisions and movement of customers'): after 6
// moves, a death and an admission, movement-log had 0 entries" (item 11).
func TestServer_LogsWrittenForPeople(t *testing.T) {
	w := newClosure(t)
	gina, hal := w.resident(t, "Gina", nil), w.resident(t, "Hal", nil)
	mv := w.plan(t, gina, w.oakwood, "2026-11-24T10:00:00Z")
	w.complete(t, mv, "2026-11-24T10:00:00Z")
	admit := w.kim.upsert("resident_events", uuid.NewString(), map[string]any{"incident_id": w.inc, "resident_id": hal, "event": "hospital_admission",
		"occurred_at": "2026-11-24T11:30:00Z", "hospital": "Royal Derby Hospital"})
	w.cases(t, []pfCase{
		{"Hal is admitted", w.kimTok, admit, "applied"},
		{"Hal dies in hospital", w.kimTok, w.kim.upsert("resident_events", uuid.NewString(), map[string]any{"incident_id": w.inc, "resident_id": hal, "event": "death",
			"occurred_at": "2026-11-24T12:30:00Z", "place": "Royal Derby Hospital"}), "applied"},
		{"people may still add entries", w.kimTok, w.kim.upsert("movement_log", uuid.NewString(), map[string]any{"incident_id": w.inc, "resident_id": gina,
			"event": "other", "occurred_at": "2026-11-24T12:00:00Z", "notes": "Settled in; her daughter visited."}), "applied"},
		{"a replay of the admission", w.kimTok, admit, "duplicate"},
	})
	events := func(t *testing.T) map[string]int {
		var ml struct {
			Entries []struct {
				Event      string `json:"event"`
				RecordedBy string `json:"recorded_by"`
			} `json:"entries"`
		}
		w.get(t, w.dirTok, "/movement-log", &ml)
		n := map[string]int{}
		for _, e := range ml.Entries {
			if e.RecordedBy == domain.LogRecordedBy {
				n[e.Event]++
			} else {
				n["by people"]++
			}
		}
		return n
	}
	t.Run("7.17 the movement log is written from the records", func(t *testing.T) {
		n := events(t)
		for ev, want := range map[string]int{"planned": 1, "departed": 1, "arrived": 1, "handed_over": 1, "completed": 1, "hospital_admission": 1, "death": 1, "by people": 1} {
			if n[ev] != want {
				t.Errorf("%s: %d entries, want %d (%v)", ev, n[ev], want, n)
			}
		}
	})
	t.Run("a duplicate push logs nothing twice", func(t *testing.T) {
		w.cases(t, []pfCase{{"the admission pushed again under a new change id", w.kimTok, w.kim.upsert("resident_events", admit["record_id"].(string), admit["fields"].(map[string]any)), "applied"}})
		if n := events(t); n["hospital_admission"] != 1 {
			t.Fatalf("admission logged %d times", n["hospital_admission"])
		}
	})
	t.Run("9.1 the decision log is written from the records", func(t *testing.T) {
		var dl struct {
			Entries []struct {
				Decision   string `json:"decision"`
				RecordedBy string `json:"recorded_by"`
			} `json:"entries"`
		}
		w.get(t, w.dirTok, "/decision-log", &dl)
		if len(dl.Entries) == 0 || dl.Entries[0].RecordedBy != domain.LogRecordedBy {
			t.Fatalf("decision log %+v, want the activation of Process 1", dl.Entries)
		}
	})
}

// TestServer_PostMoveWorkChased: "Work after the move is never chased: GP
// change (7.22), DWP (7.26), new contract (7.27) and the placing authority
// are tick boxes on the move; no figure counts the outstanding ones"
// (item 12).
func TestServer_PostMoveWorkChased(t *testing.T) {
	w := newClosure(t)
	ivy := w.resident(t, "Ivy", map[string]any{"placing_authority": "Nottinghamshire County Council"})
	mv := w.plan(t, ivy, w.oakwood, "2026-11-24T10:00:00Z")
	w.complete(t, mv, "2026-11-24T10:00:00Z")
	t.Run("each item has a due date and is counted outstanding", func(t *testing.T) {
		s := w.summary(t)
		want := map[string]int{"gp_change": 1, "dwp": 1, "contract": 1, "placing_authority": 1}
		if s.PostMove.Outstanding != 4 || s.PostMove.Overdue != 0 {
			t.Fatalf("outstanding %d overdue %d", s.PostMove.Outstanding, s.PostMove.Overdue)
		}
		for k, v := range want {
			if s.PostMove.ByItem[k] != v {
				t.Fatalf("%s: %d", k, s.PostMove.ByItem[k])
			}
		}
		var b board
		w.get(t, w.dirTok, "/board", &b)
		if b.Counts.PostMoveOutstanding != 4 || len(b.Residents[0].PostMoveOutstanding) != 4 {
			t.Fatalf("board %+v", b.Counts)
		}
	})
	w.cases(t, []pfCase{{"7.22 GP changed and 7.26 DWP notified", w.kimTok, w.kim.upsert("moves", mv, map[string]any{"gp_changed": true, "dwp_notified": true}), "applied"}})
	w.at(t, "2026-11-26T12:00:00Z")
	t.Run("done items drop out; the placing authority (due the next day) is overdue", func(t *testing.T) {
		var rep sitrep
		w.get(t, w.dirTok, "/situation-report", &rep)
		due := map[string]string{}
		overdue := 0
		for _, p := range rep.PostMoveOutstanding {
			due[p.Item] = p.DueOn
			if p.Overdue {
				overdue++
			}
		}
		if len(due) != 2 || due["placing_authority"] != "2026-11-25" || due["contract"] != "2026-12-22" || overdue != 1 {
			t.Fatalf("situation report post-move work %+v", rep.PostMoveOutstanding)
		}
	})
}

// TestServer_SituationReportPeriod: "The situation report has no end: the
// 'since 2 Dec' report also shows moves from 3 Dec" (item 13).
func TestServer_SituationReportPeriod(t *testing.T) {
	w := newClosure(t)
	jo, ken := w.resident(t, "Jo", nil), w.resident(t, "Ken", nil)
	first, second := w.plan(t, jo, w.oakwood, "2026-11-24T10:00:00Z"), w.plan(t, ken, w.belper, "2026-11-25T10:00:00Z")
	w.complete(t, first, "2026-11-24T10:00:00Z")
	w.complete(t, second, "2026-11-25T10:00:00Z")
	w.at(t, "2026-11-26T09:00:00Z")
	for _, c := range []struct {
		name, query string
		want        []string
	}{
		{"since 24 Nov shows that day only (a day by default)", "?since=2026-11-24T00:00:00Z", []string{first}},
		{"since and until", "?since=2026-11-24T00:00:00Z&until=2026-11-26T00:00:00Z", []string{first, second}},
		{"until alone: the day before it", "?until=2026-11-25T23:59:59Z", []string{second}},
		{"neither: the last 24 hours", "", []string{second}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var rep sitrep
			w.get(t, w.dirTok, "/situation-report"+c.query, &rep)
			var got []string
			for _, m := range rep.MovesDone {
				got = append(got, m.MoveID)
			}
			if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) || (len(got) > 1 && got[1] != c.want[1]) {
				t.Fatalf("moves done %v, want %v", got, c.want)
			}
		})
	}
	t.Run("until before since is refused", func(t *testing.T) {
		r := w.e.do("GET", "/v1/incidents/"+w.inc+"/situation-report?since=2026-11-25T00:00:00Z&until=2026-11-24T00:00:00Z", w.dirTok(), nil)
		if r.Status != 400 || r.errorBody(t).Field != "until" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}
