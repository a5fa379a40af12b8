package access

import (
	"os"
	"strings"
	"testing"
)

func TestCheck_Matrix(t *testing.T) {
	// Written out by hand from the roles table of domain.md: who writes what.
	cases := []struct {
		role, collection string
		op               Operation
		fields           []string
		allowed          bool
	}{
		{SocialWorker, "residents", Create, nil, true},
		{SocialWorker, "residents", Update, []string{"notes"}, true},
		{SocialWorker, "residents", Delete, nil, false},
		{SocialWorker, "safe_and_well_checks", Create, nil, true},
		{SocialWorker, "capacity_assessments", Create, nil, true},
		{SocialWorker, "best_interests_decisions", Create, nil, true},
		{SocialWorker, "moves", Create, nil, true},
		{SocialWorker, "move_legs", Create, nil, false},
		{SocialWorker, "rag_statuses", Create, nil, false},
		{SocialWorker, "incidents", Create, nil, false},
		{SocialWorker, "decision_log", Create, nil, true},
		{SocialWorker, "decision_log", Update, []string{"text"}, false},
		{SocialWorker, "checklist_items", Update, []string{"status", "notes"}, true},
		{SocialWorker, "checklist_items", Update, []string{"responsibility"}, false},
		{TransportCoordinator, "move_legs", Create, nil, true},
		{TransportCoordinator, "move_legs", Update, []string{"arrived_at"}, true},
		{TransportCoordinator, "moves", Update, []string{"status"}, true},
		{TransportCoordinator, "moves", Update, []string{"to_service_id"}, false},
		{TransportCoordinator, "moves", Create, nil, false},
		{TransportCoordinator, "residents", Create, nil, false},
		{TransportCoordinator, "safe_and_well_checks", Create, nil, false},
		{TransportCoordinator, "movement_log", Create, nil, true},
		{TransportCoordinator, "decision_log", Create, nil, false},
		{QualityOfficer, "concerns", Create, nil, true},
		{QualityOfficer, "rag_statuses", Create, nil, true},
		{QualityOfficer, "incidents", Create, nil, false},
		{QualityOfficer, "residents", Create, nil, false},
		{Commissioner, "rag_statuses", Create, nil, true},
		{Commissioner, "vacancies", Delete, nil, true},
		{Commissioner, "checklist_items", Create, nil, true},
		{Commissioner, "residents", Update, []string{"notes"}, false},
		{Director, "incidents", Create, nil, true},
		{Director, "rag_statuses", Create, nil, true},
		{Director, "moves", Create, nil, false},
		{BackOffice, "residents", Update, []string{"current_service_id"}, true},
		{BackOffice, "residents", Delete, nil, true},
		{BackOffice, "residents", Create, nil, false},
		{BackOffice, "moves", Update, []string{"to_service_id"}, true},
		{BackOffice, "decision_log", Create, nil, true},
		{BackOffice, "movement_log", Update, nil, false},
		{NHSLiaison, "residents", Update, []string{"funding_stream"}, true},
		{NHSLiaison, "residents", Update, []string{"given_name"}, false},
		{NHSLiaison, "residents", Create, nil, false},
		// "the NHS will lead and co-ordinate all actions relating to fully funded NHS customers" (003 Appendix 1).
		{NHSLiaison, "moves", Create, nil, true},
		{NHSLiaison, "best_interests_decisions", Create, nil, true},
		// "Recommend Provider suspension by report to Director": the Director decides.
		{Director, "providers", Update, []string{"contracting_suspended", "suspension_decided_by"}, true},
		{Director, "providers", Create, nil, false},
		// 003 Appendix 2, 7.6: the commissioner's override of concerns about a destination.
		{Commissioner, "moves", Update, []string{"destination_override_reason"}, true},
		{TransportCoordinator, "moves", Update, []string{"handover_override_reason", "care_plan_handed_over", "identity_confirmed"}, true},
		{SocialWorker, "family_contacts", Create, nil, true},
		{SocialWorker, "family_contacts", Update, nil, false},
		{SocialWorker, "team_tasks", Update, []string{"status", "done_at"}, true},
		{SocialWorker, "team_tasks", Update, []string{"title"}, false},
		{Admin, "residents", Create, nil, false},
		{Admin, "safe_and_well_checks", Update, nil, false},
		{Admin, "providers", Create, nil, true},
		{Admin, "services", Update, nil, true},
		{System, "residents", Delete, nil, true},
		{"", "residents", Create, nil, false},
		{"wizard", "residents", Create, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.role+"/"+tc.collection+"/"+string(tc.op), func(t *testing.T) {
			err := Check(tc.role, tc.collection, tc.op, tc.fields)
			if (err == nil) != tc.allowed {
				t.Fatalf("Check = %v, want allowed=%v", err, tc.allowed)
			}
			if err != nil && err.Code != "forbidden_role" && !(AppendOnly[tc.collection] && err.Code == "log_append_only") {
				t.Fatalf("code = %s", err.Code)
			}
		})
	}
}

// TestTable_LogsAppendOnly: no role may update or delete a log entry.
func TestTable_LogsAppendOnly(t *testing.T) {
	for role, cols := range Table {
		for _, l := range []string{"decision_log", "movement_log", "risk_log", "communications_log", "meeting_records", "family_contacts"} {
			for _, op := range []Operation{Update, Delete} {
				if Check(role, l, op, nil) == nil {
					t.Errorf("%s may %s %s", role, op, l)
				}
			}
		}
		_ = cols
	}
}

func TestCanRead(t *testing.T) {
	cases := []struct {
		role, collection string
		want             bool
	}{
		{SocialWorker, "residents", true},
		{TransportCoordinator, "concerns", false},
		{TransportCoordinator, "rag_statuses", false},
		{QualityOfficer, "concerns", true},
		{Commissioner, "rag_statuses", true},
		// "confirm the RAG status of the Provider to the relevant social worker(s)" (003 Appendix 1).
		{SocialWorker, "rag_statuses", true},
		{TransportCoordinator, "team_tasks", false},
		{SocialWorker, "team_tasks", true},
		{SocialWorker, "concerns", true},
		{NHSLiaison, "rag_statuses", false},
		{Admin, "concerns", false},
		{System, "concerns", true},
		// Payments to a provider or administrator are commercially
		// confidential (003 s.11).
		{SocialWorker, "payments", false},
		{Director, "payments", true},
	}
	for _, tc := range cases {
		t.Run(tc.role+"/"+tc.collection, func(t *testing.T) {
			if got := CanRead(tc.role, tc.collection); got != tc.want {
				t.Fatalf("CanRead = %v", got)
			}
		})
	}
	if h := Hidden(TransportCoordinator); len(h) != 4 || h[0] != "concerns" || h[1] != "payments" {
		t.Fatalf("Hidden(transport) = %v", h)
	}
}

// TestMarkdown_InDocs keeps the table in docs/security.md the one in code.
func TestMarkdown_InDocs(t *testing.T) {
	b, err := os.ReadFile("../../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), Markdown()) {
		t.Fatalf("docs/security.md does not contain the current permission table; paste this in:\n%s", Markdown())
	}
}
