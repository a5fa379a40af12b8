package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/continuity-care/continuity/syncproto/checklist"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// item creates the checklist item numbered n in the closure world's
// incident, as the server's checklist effect does, and returns its id.
func (cw closureWorld) item(t *testing.T, n string) string {
	t.Helper()
	it, ok := checklist.Lookup(n)
	if !ok {
		t.Fatalf("no item %s", n)
	}
	id := ChecklistItemID(cw.inc, n)
	f := map[string]any{}
	for k, v := range ChecklistFields(cw.inc, it) {
		f[k] = v
	}
	if got := cw.put("system", "checklist_items", id, f); got != "applied" {
		t.Fatalf("item %s: %s", n, got)
	}
	return id
}

func TestSignOffRule_Duties(t *testing.T) {
	cw := newClosureWorld(t)
	decision := uuid.NewString()
	if got := cw.put("director", "decision_log", decision, map[string]any{"incident_id": cw.inc, "decided_at": "2026-11-20T10:00:00Z",
		"decision": "Activate the full provider failure process", "decided_by": "Director", "role": "director"}); got != "applied" {
		t.Fatal(got)
	}
	ev := []map[string]any{{"collection": "decision_log", "record_id": decision}}
	i28, i38, i103, i210 := cw.item(t, "2.8"), cw.item(t, "3.8"), cw.item(t, "10.3"), cw.item(t, "2.10")
	cw.run(t, []step{
		{"2.8 is the Director's decision: a social worker cannot sign it off", "social_worker", "checklist_items", i28,
			map[string]any{"status": "done", "evidence": ev}, "checklist_sign_off_not_permitted@fields.status"},
		{"2.8 needs evidence: the Director cannot mark it done without", "director", "checklist_items", i28,
			map[string]any{"status": "done"}, "checklist_evidence_required@fields.evidence"},
		{"2.8 an empty evidence list is no evidence", "director", "checklist_items", i28,
			map[string]any{"status": "done", "evidence": []map[string]any{}}, "checklist_evidence_required@fields.evidence"},
		{"2.8 done by the Director with the decision linked", "director", "checklist_items", i28,
			map[string]any{"status": "done", "evidence": ev}, "applied"},
		{"3.8 needs the capacity records, and there are none yet", "social_worker", "checklist_items", i38,
			map[string]any{"status": "done"}, "checklist_automatic_evidence_missing@fields.evidence"},
		{"10.3 waived by a commissioner: only the Director waives", "commissioner", "checklist_items", i103,
			map[string]any{"status": "not_applicable", "waiver_reason": "no safeguarding element"}, "checklist_waiver_not_permitted@fields.status"},
		{"10.3 waived by the Director without a reason", "director", "checklist_items", i103,
			map[string]any{"status": "not_applicable"}, "checklist_waiver_reason_required@fields.waiver_reason"},
		{"10.3 waived by the Director with a reason", "director", "checklist_items", i103,
			map[string]any{"status": "not_applicable", "waiver_reason": "No abuse alleged; the SAB chair agreed no referral is needed"}, "applied"},
		{"a social worker cannot move an item's due date", "social_worker", "checklist_items", i210,
			map[string]any{"due_on": "2026-12-01"}, "checklist_reassign_not_permitted@fields.due_on"},
		{"back office cannot reassign an item's owner", "back_office", "checklist_items", i210,
			map[string]any{"owner_role": "Operations (social workers)"}, "checklist_reassign_not_permitted@fields.due_on"},
		{"the lead officer reassigns owner and due date", "commissioner", "checklist_items", i210,
			map[string]any{"owner_role": "Operations (social workers)", "responsibility_source": "jisg", "due_on": "2026-12-01"}, "applied"},
		{"2.10 needs no evidence: a commissioner marks it done", "commissioner", "checklist_items", i210,
			map[string]any{"status": "done"}, "applied"},
	})
	// 3.8's evidence is made by the work itself: an assessment stands for it.
	a := uuid.NewString()
	if got := cw.put("social_worker", "capacity_assessments", a, map[string]any{"incident_id": cw.inc, "resident_id": cw.res, "decision": "Where to live",
		"decision_type": "accommodation", "assessor_name": "Sam Okafor"}); got != "applied" {
		t.Fatal(got)
	}
	cw.run(t, []step{{"3.8 done once a capacity assessment exists, nobody linking it", "social_worker", "checklist_items", i38,
		map[string]any{"status": "done"}, "applied"}})
}

func TestDuties_SignOffRolesMayWriteTheItem(t *testing.T) {
	// Every role that signs an item off, waives it or reassigns it is a
	// role of the product that may write those fields of checklist_items.
	may := func(role string, fields ...string) {
		t.Helper()
		if !rules.Role(role).Valid() {
			t.Errorf("%q is not a role", role)
		}
		if e := access.Check(role, "checklist_items", access.Update, fields); e != nil {
			t.Errorf("%s may not write %v of checklist_items: %s", role, fields, e.Message)
		}
	}
	for _, d := range checklist.Duties() {
		for _, r := range d.SignOff {
			may(r, "status", "completed_on", "evidence")
		}
	}
	for _, r := range checklist.WaiverRoles {
		may(r, "status", "waiver_reason")
	}
	for _, r := range checklist.ReassignRoles {
		may(r, "responsibility", "responsibility_source", "owner_role", "due_on")
	}
}

func TestCloseRule_ListsWhatRemains(t *testing.T) {
	cw := newClosureWorld(t)
	inc := map[string]any{"incident_id": cw.inc, "provider_id": uuid.NewString(), "title": "Larkfield", "trigger_criterion": "ii", "process": 2,
		"status": "active", "activated_at": "2026-11-20T09:00:00Z", "reason": "Administrator appointed"}
	if got := cw.put("system", "incidents", cw.inc, inc); got != "applied" {
		t.Fatal(got)
	}
	item := cw.item(t, "8.2")
	closed := map[string]any{"status": "closed"}
	got := cw.put("director", "incidents", cw.inc, closed)
	if got != "incident_close_blocked@fields.status" {
		t.Fatalf("got %s", got)
	}
	st, err := CloseStateOf(cw.data, cw.data["incidents/"+cw.inc], cw.now)
	if err != nil {
		t.Fatal(err)
	}
	left := strings.Join(st.Remaining(), "\n")
	for _, want := range []string{"No known outcome for Edith Marsh", "8.2 Conduct a debrief", "No debrief recorded"} {
		if !strings.Contains(left, want) {
			t.Errorf("remaining does not say %q:\n%s", want, left)
		}
	}
	// Do what remains: Edith's outcome, the debrief, the item.
	if got := cw.put("system", "residents", cw.res, map[string]any{"status": "left"}); got != "applied" {
		t.Fatal(got)
	}
	debrief := uuid.NewString()
	if got := cw.put("director", "meeting_records", debrief, map[string]any{"incident_id": cw.inc, "meeting_type": "debrief", "held_at": "2026-11-22T10:00:00Z",
		"summary": "Debrief: lessons identified; SAB referral considered and not needed"}); got != "applied" {
		t.Fatal(got)
	}
	if got := cw.put("director", "checklist_items", item, map[string]any{"status": "done"}); got != "applied" {
		t.Fatal(got)
	}
	if got := cw.put("director", "incidents", cw.inc, closed); got != "applied" {
		t.Fatalf("close once done: %s", got)
	}
}

func TestChecklistEffect_ItemsAsOldAsTheIncident(t *testing.T) {
	// A checklist made when an incident reaches the server late (the demo's
	// history, a tablet that was offline) must not overwrite progress
	// recorded after the incident: the items are stamped just after the
	// incident's change, not at the server's now.
	activated := time.Date(2026, 11, 12, 12, 0, 0, 0, time.UTC)
	serverNow := activated.Add(25 * 24 * time.Hour)
	clock := syncproto.NewClock("server", func() time.Time { return serverNow })
	inc := uuid.NewString()
	for _, tc := range []struct {
		name string
		hlc  syncproto.HLC
	}{
		{"an ordinary incident change", syncproto.HLC{Wall: activated.UnixMilli(), Counter: 3, Node: "tab-1"}},
		{"at the counter's end", syncproto.HLC{Wall: activated.UnixMilli(), Counter: syncproto.MaxCounter - 10, Node: "tab-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := syncproto.Change{ID: uuid.NewString(), Collection: "incidents", RecordID: inc, Op: syncproto.OpUpsert, HLC: tc.hlc}
			out, err := ChecklistEffect(schema.Context{Clock: clock, Now: serverNow}, c, nil, syncproto.NewRecord("incidents", inc))
			if err != nil || len(out) != 99 {
				t.Fatalf("%d changes, %v", len(out), err)
			}
			tick := syncproto.HLC{Wall: activated.Add(time.Minute).UnixMilli(), Node: "tab-2"}
			seen := map[string]bool{}
			for _, ch := range out {
				if ch.HLC.Compare(tc.hlc) <= 0 || ch.HLC.Compare(tick) >= 0 {
					t.Fatalf("item %s stamped %s: not between the incident %s and a tick a minute later %s", ch.RecordID, ch.HLC, tc.hlc, tick)
				}
				if seen[ch.HLC.String()] {
					t.Fatalf("two items stamped %s", ch.HLC)
				}
				seen[ch.HLC.String()] = true
			}
		})
	}
}
