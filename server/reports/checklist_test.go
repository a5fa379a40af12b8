package reports

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/checklist"
	"github.com/continuity-care/continuity/syncproto/domain"
)

// checklistData is an incident activated on 20 November with its whole
// checklist, one capacity assessment in draft and a lead officer's due date.
func checklistData(t *testing.T) Data {
	t.Helper()
	inc := "6d1f7b1e-0000-4000-8000-000000000001"
	d := Data{IncidentID: inc, Records: map[string][]*syncproto.Record{
		"incidents": {rec("incidents", inc, map[string]any{"incident_id": inc, "title": "Larkfield", "status": "active", "process": 2,
			"activated_at": "2026-11-20T09:00:00Z"})},
		"capacity_assessments": {rec("capacity_assessments", "6d1f7b1e-0000-4000-8000-000000000002", map[string]any{"incident_id": inc,
			"resident_id": "6d1f7b1e-0000-4000-8000-000000000003", "decision": "Where to live"})},
	}}
	for _, it := range checklist.Items() {
		f := map[string]any{}
		for k, v := range domain.ChecklistFields(inc, it) {
			var x any
			_ = json.Unmarshal(v, &x)
			f[k] = x
		}
		if it.Number == "2.10" {
			f["due_on"] = "2026-11-30"
		}
		if it.Number == "2.1" {
			f["status"] = "done"
		}
		d.Records["checklist_items"] = append(d.Records["checklist_items"], rec("checklist_items", domain.ChecklistItemID(inc, it.Number), f))
	}
	return d
}

func TestMakeChecklist_DutiesDueAndEvidence(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	v := MakeChecklist(checklistData(t), now)
	rows := map[string]ChecklistRow{}
	for _, s := range v.Sections {
		for _, r := range s.Items {
			rows[r.Number] = r
		}
	}
	cases := []struct {
		name, number string
		check        func(r ChecklistRow) bool
	}{
		{"1.1 due 24 hours after activation, by the rule, overdue", "1.1", func(r ChecklistRow) bool {
			return r.DueOn == "2026-11-21" && r.DueSetBy == "rule" && r.Overdue && r.OwnerRole == checklist.OwnerPFM
		}},
		{"2.1 done is never overdue", "2.1", func(r ChecklistRow) bool { return r.DueOn == "2026-11-21" && !r.Overdue }},
		{"2.8 the Director signs off; no meeting yet, so no date", "2.8", func(r ChecklistRow) bool {
			return len(r.SignOff) == 1 && r.SignOff[0] == "director" && r.DueOn == "" && !r.Overdue && r.EvidenceRequired
		}},
		{"2.10 the lead officer's date, not yet passed", "2.10", func(r ChecklistRow) bool {
			return r.DueOn == "2026-11-30" && r.DueSetBy == "lead_officer" && !r.Overdue
		}},
		{"3.8 shows the capacity assessment nobody linked, with its state", "3.8", func(r ChecklistRow) bool {
			return len(r.AutoEvidence) == 1 && r.AutoEvidence[0].Collection == "capacity_assessments" && r.AutoEvidence[0].State == "not signed" && r.HasEvidence
		}},
		{"7.24 is the Provider's, from the item's words, not JISG-confirmed", "7.24", func(r ChecklistRow) bool {
			return r.Responsibility == "Provider" && r.ResponsibilitySource == checklist.SourceItemText && !r.Confirmed
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, ok := rows[c.number]
			if !ok || !c.check(r) {
				t.Fatalf("%+v", r)
			}
		})
	}
	sum := Summarize(checklistData(t), now)
	board := MakeBoard(checklistData(t), now)
	sit := Situation(checklistData(t), now, now.Add(-24*time.Hour), now)
	if n := len(sum.ChecklistOverdue); n == 0 || board.Counts.ChecklistOverdue != n || len(sit.OverdueItems) != n {
		t.Fatalf("overdue: summary %d, board %d, Director's report %d", n, board.Counts.ChecklistOverdue, len(sit.OverdueItems))
	}
	for _, o := range sum.ChecklistOverdue {
		if rows[o.Number].Overdue != true {
			t.Errorf("%s counted overdue but the view says not", o.Number)
		}
	}
	if sum.ChecklistOverdue[0].Number != "1.1" {
		t.Errorf("first overdue %s, want 1.1", sum.ChecklistOverdue[0].Number)
	}
}
