package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/reports"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/checklist"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/google/uuid"
)

// TestServer_ChecklistDrivesTheClosure: the Management Checklist (003
// Appendix 2) over HTTP. Each item is signed off only by the roles its duty
// names, needs its evidence, shows the records the work itself made, and the
// incident closes only when what remains is done, the refusal listing it.
func TestServer_ChecklistDrivesTheClosure(t *testing.T) {
	e := newEnv(t)
	inc, provider, home := uuid.NewString(), uuid.NewString(), uuid.NewString()
	adminTok := e.pfUser("ada", "admin", "admin-laptop")
	directorTok := e.pfUser("martin", "director", "dir-laptop", inc)
	headTok := e.pfUser("gail", "commissioner", "head-laptop", inc)
	kimTok := e.pfUser("kim", "social_worker", "tab-kim", inc)
	admin, director := newWriter("admin-laptop", e.clock.Now), newWriter("dir-laptop", e.clock.Now)
	head, kim := newWriter("head-laptop", e.clock.Now), newWriter("tab-kim", e.clock.Now)
	item := func(n string) string { return domain.ChecklistItemID(inc, n) }
	res, decision, assessment, debrief := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	push := func(t *testing.T, tok func() string, change map[string]any) syncproto.PushResult {
		t.Helper()
		return e.pfPush(t, tok(), change).Results[0]
	}
	run := e.pfCases
	view := func(t *testing.T) map[string]reports.ChecklistRow {
		t.Helper()
		var v reports.ChecklistView
		e.do("GET", "/v1/incidents/"+inc+"/checklist", directorTok(), nil).decode(t, &v)
		rows := map[string]reports.ChecklistRow{}
		for _, s := range v.Sections {
			for _, r := range s.Items {
				rows[r.Number] = r
			}
		}
		if len(rows) != 99 {
			t.Fatalf("%d items in the view", len(rows))
		}
		return rows
	}

	run(t, []pfCase{
		{"the provider", adminTok, admin.upsert("providers", provider, map[string]any{"name": "Larkfield Care Ltd", "regulated": true}), "applied"},
		{"its home", adminTok, admin.upsert("services", home, map[string]any{"provider_id": provider, "name": "Larkfield House", "service_type": "residential",
			"regulated": true, "registration_categories": []string{"residential"}, "local_authority": "Derby City Council"}), "applied"},
		{"003 App.1 the Director activates Process 2", directorTok, director.upsert("incidents", inc, map[string]any{"incident_id": inc, "provider_id": provider,
			"service_ids": []string{home}, "title": "Larkfield House closure", "trigger_criterion": "ii", "process": 2, "status": "active",
			"activated_at": "2026-11-23T09:00:00Z", "reason": "Administrators appointed"}), "applied"},
		{"a resident", kimTok, kim.upsert("residents", res, map[string]any{"incident_id": inc, "given_name": "Edith", "family_name": "Barlow",
			"current_service_id": home, "registration_category": "residential", "status": "in_placement"}), "applied"},
		{"the Director's decision, in the decision log", directorTok, director.upsert("decision_log", decision, map[string]any{"incident_id": inc,
			"decided_at": "2026-11-23T11:00:00Z", "decision": "Close Larkfield House and move every resident", "decided_by": "Martin", "role": "director"}), "applied"},
	})
	e.clock.Advance(time.Minute) // after the server's own changes (the checklist)
	ev := []map[string]any{{"collection": "decision_log", "record_id": decision}}

	t.Run("sign-off", func(t *testing.T) {
		run(t, []pfCase{
			{"a social worker cannot sign off 2.8, the Director's decision", kimTok, kim.upsert("checklist_items", item("2.8"), map[string]any{"status": "done", "evidence": ev}),
				"rejected:checklist_sign_off_not_permitted@fields.status"},
			{"a social worker cannot sign off 10.2, the report to the SAB", kimTok, kim.upsert("checklist_items", item("10.2"), map[string]any{"status": "done", "evidence": ev}),
				"rejected:checklist_sign_off_not_permitted@fields.status"},
			{"2.8 requires evidence: refused without", directorTok, director.upsert("checklist_items", item("2.8"), map[string]any{"status": "done"}),
				"rejected:checklist_evidence_required@fields.evidence"},
			{"2.8 done by the Director with the decision linked", directorTok, director.upsert("checklist_items", item("2.8"), map[string]any{"status": "done", "evidence": ev}), "applied"},
			{"a commissioner cannot waive an item", headTok, head.upsert("checklist_items", item("2.26"), map[string]any{"status": "not_applicable", "waiver_reason": "single home"}),
				"rejected:checklist_waiver_not_permitted@fields.status"},
			{"a social worker cannot move a due date", kimTok, kim.upsert("checklist_items", item("2.13"), map[string]any{"status": "in_progress", "officer_initials": "KO", "notes": "equipment list started"}), "applied"},
			{"the lead officer reassigns 2.13 and sets its due date", headTok, head.upsert("checklist_items", item("2.13"), map[string]any{"owner_role": "Operations (social workers)",
				"responsibility_source": "jisg", "due_on": "2026-11-20"}), "applied"},
		})
		rows := view(t)
		if r := rows["2.8"]; r.Status != "done" || len(r.Evidence) != 1 || r.Evidence[0].RecordID != decision {
			t.Errorf("2.8: %+v", r)
		}
		if r := rows["2.13"]; !r.Confirmed || r.DueSetBy != "lead_officer" || !r.Overdue {
			t.Errorf("2.13 reassigned by the lead officer and overdue: %+v", r)
		}
	})

	t.Run("3.8 shows the capacity records nobody linked", func(t *testing.T) {
		if r := view(t)["3.8"]; len(r.AutoEvidence) != 0 || r.HasEvidence {
			t.Fatalf("3.8 before any assessment: %+v", r)
		}
		run(t, []pfCase{
			{"3.8 cannot be done before any capacity record", kimTok, kim.upsert("checklist_items", item("3.8"), map[string]any{"status": "done"}),
				"rejected:checklist_automatic_evidence_missing@fields.evidence"},
			{"a capacity assessment, in draft", kimTok, kim.upsert("capacity_assessments", assessment, map[string]any{"incident_id": inc, "resident_id": res,
				"decision": "Where Edith lives after Larkfield House closes", "decision_type": "accommodation", "assessor_name": "Kim Okafor"}), "applied"},
		})
		r := view(t)["3.8"]
		if len(r.Evidence) != 0 || len(r.AutoEvidence) != 1 || r.AutoEvidence[0].RecordID != assessment || r.AutoEvidence[0].State != "not signed" {
			t.Fatalf("3.8: %+v", r)
		}
		run(t, []pfCase{{"3.8 done by the social worker on the assessment", kimTok, kim.upsert("checklist_items", item("3.8"), map[string]any{"status": "done"}), "applied"}})
	})

	close := func() map[string]any { return director.upsert("incidents", inc, map[string]any{"status": "closed"}) }
	t.Run("close refused with what remains", func(t *testing.T) {
		r := push(t, directorTok, close())
		if r.Error == nil || r.Error.Code != "incident_close_blocked" {
			t.Fatalf("got %+v", r)
		}
		all := strings.Join(r.Error.Details, "\n")
		for _, want := range []string{"No known outcome for Edith Barlow", "No debrief recorded", "Checklist item not done or waived by the Director: 1.1 Assemble team"} {
			if !strings.Contains(all, want) {
				t.Errorf("details do not say %q:\n%s", want, all)
			}
		}
		if strings.Contains(all, ": 2.8 ") || strings.Contains(all, ": 3.8 ") {
			t.Errorf("details list items already done:\n%s", all)
		}
		if n := len(r.Error.Details); n != 1+1+97 {
			t.Errorf("%d things remain, want the resident, the debrief and 97 items", n)
		}
	})

	t.Run("close accepted once done", func(t *testing.T) {
		run(t, []pfCase{
			{"Edith left for her daughter's", kimTok, kim.upsert("residents", res, map[string]any{"status": "left", "current_location": "with her daughter"}), "applied"},
			{"8.2 the debrief is held and recorded", directorTok, director.upsert("meeting_records", debrief, map[string]any{"incident_id": inc, "meeting_type": "debrief",
				"held_at": "2026-11-30T10:00:00Z", "summary": "Lessons identified; referral to the SAB considered and not needed (10.3)"}), "applied"},
		})
		var waive []map[string]any
		for _, it := range checklist.Items() {
			if it.Number == "2.8" || it.Number == "3.8" {
				continue
			}
			waive = append(waive, director.upsert("checklist_items", item(it.Number), map[string]any{"status": "not_applicable", "waiver_reason": "Closure completed; not needed for a single home"}))
		}
		res := e.pfPush(t, directorTok(), waive...)
		for i, r := range res.Results {
			if r.Status != "applied" {
				t.Fatalf("waiver %d: %+v", i, r.Error)
			}
		}
		run(t, []pfCase{{"the incident closes", directorTok, close(), "applied"}})
	})
}
