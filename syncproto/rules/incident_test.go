package rules

import (
	"slices"
	"testing"
)

func TestActivateIncident_TriggerCriteria(t *testing.T) {
	tests := []struct {
		name    string
		req     ActivationRequest
		process Process
		rag     RAGStatus
		codes   []string
	}{
		{"003 s.10 (i) decision to decommission -> Process 1 (director, in conjunction with the Head of Commissioning)",
			ActivationRequest{Criterion: CriterionDecommission, Role: RoleDirector, Reason: "improvement measures not met", AgreedWith: RoleCommissioner, AgreedWithName: "Gail Whitworth"}, ProcessFinalConcernsResponse, RAGRed, nil},
		{"003 App.1 (i) Head of Adults Commissioning instigates Process 1 on contract breach, in conjunction with the Director",
			ActivationRequest{Criterion: CriterionDecommission, Role: RoleCommissioner, Reason: "final contract breach notice", AgreedWith: RoleDirector, AgreedWithName: "Martin Coles"}, ProcessFinalConcernsResponse, RAGRed, nil},
		{"003 s.10 (i) \"in conjunction with the Director\": the commissioner alone may not start Process 1",
			ActivationRequest{Criterion: CriterionDecommission, Role: RoleCommissioner, Reason: "final contract breach notice"}, 0, "", []string{CodeJointDecisionRequired}},
		{"003 s.10 (i) the joint decision names who agreed",
			ActivationRequest{Criterion: CriterionDecommission, Role: RoleDirector, Reason: "x", AgreedWith: RoleCommissioner}, 0, "", []string{CodeJointDecisionRequired}},
		{"003 s.10 (i) the partner is the Head of Commissioning, not a QMO",
			ActivationRequest{Criterion: CriterionDecommission, Role: RoleDirector, Reason: "x", AgreedWith: RoleQualityOfficer, AgreedWithName: "Q"}, 0, "", []string{CodeJointDecisionRequired}},
		{"003 s.10 (ii) imminent business failure of a regulated provider -> Process 2",
			ActivationRequest{Criterion: CriterionImminentBusinessFailure, Role: RoleDirector, RegulatedProvider: true, Reason: "administrator appointed"}, ProcessProviderFailureManagement, RAGProviderFailure, nil},
		{"003 s.10 (iii) CQC suspension, closure and de-registration -> Process 2",
			ActivationRequest{Criterion: CriterionCQCAction, Role: RoleDirector, RegulatedProvider: true, Reason: "CQC urgent cancellation"}, ProcessProviderFailureManagement, RAGProviderFailure, nil},
		{"003 s.10 (iv) fire and the business continuity plan has failed -> Process 2",
			ActivationRequest{Criterion: CriterionUnplannedInterruption, Role: RoleDirector, BusinessContinuityPlanFailed: true, Reason: "significant fire"}, ProcessProviderFailureManagement, RAGProviderFailure, nil},
		{"003 s.10 (iv) fire but the provider's own BCP copes: not activated",
			ActivationRequest{Criterion: CriterionUnplannedInterruption, Role: RoleDirector, Reason: "flood"}, 0, "", []string{CodeBusinessContinuityPlanNotFailed}},
		{"003 s.10 (ii) concerns a regulated care provider",
			ActivationRequest{Criterion: CriterionImminentBusinessFailure, Role: RoleDirector, Reason: "insolvency"}, 0, "", []string{CodeProviderNotRegulated}},
		{"003 App.1 only the Director activates Process 2",
			ActivationRequest{Criterion: CriterionCQCAction, Role: RoleCommissioner, RegulatedProvider: true, Reason: "CQC"}, 0, "", []string{CodeActivationNotPermitted}},
		{"003 App.1 a QMO cannot instigate Process 1",
			ActivationRequest{Criterion: CriterionDecommission, Role: RoleQualityOfficer, Reason: "x"}, 0, "", []string{CodeActivationNotPermitted}},
		{"unknown criterion v",
			ActivationRequest{Criterion: "v", Role: RoleDirector, Reason: "x"}, 0, "", []string{CodeUnknownTriggerCriterion}},
		{"a reason is required",
			ActivationRequest{Criterion: CriterionCQCAction, Role: RoleDirector, RegulatedProvider: true}, 0, "", []string{CodeReasonRequired}},
		{"unknown role",
			ActivationRequest{Criterion: CriterionCQCAction, Role: "", RegulatedProvider: true, Reason: "x"}, 0, "", []string{CodeUnknownRole}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, vs := ActivateIncident(tc.req)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
			if a.Process != tc.process || a.RAG != tc.rag {
				t.Fatalf("got %v %s, want %v %s", a.Process, a.RAG, tc.process, tc.rag)
			}
			if len(tc.codes) == 0 && len(a.Reasons) == 0 {
				t.Fatal("no reasons")
			}
		})
	}
}

func TestProcessFor_003Appendix1(t *testing.T) {
	want := map[TriggerCriterion]Process{"i": 1, "ii": 2, "iii": 2, "iv": 2}
	for c, p := range want {
		got, ok := ProcessFor(c)
		if !ok || got != p {
			t.Errorf("criterion %s: got %v %v, want %v", c, got, ok, p)
		}
	}
	if _, ok := ProcessFor(""); ok {
		t.Error("empty criterion accepted")
	}
	if ProcessFinalConcernsResponse.String() != "Process 1 - Final Concerns Response Management" || ProcessProviderFailureManagement.String() != "Process 2 - Provider Failure Management" {
		t.Error("process names differ from the seed")
	}
}

func TestEscalateProcess1_003Appendix1(t *testing.T) {
	tests := []struct {
		name  string
		o     Process1Outcome
		codes []string
	}{
		{"003 App.1 provider fails at the end of Process 1 -> Process 2", Process1Outcome{true, true, RoleDirector, "final action plan not met by the absolute deadline"}, nil},
		{"003 s.10 (i) a Final Concerns Response Meeting must have been held", Process1Outcome{false, true, RoleDirector, "x"}, []string{CodeFinalConcernsMeetingRequired}},
		{"003 App.1 provider met the plan: de-escalate, not Process 2", Process1Outcome{true, false, RoleDirector, "x"}, []string{CodeProcess1NotFailed}},
		{"003 App.1 only the Director activates", Process1Outcome{true, true, RoleCommissioner, "x"}, []string{CodeActivationNotPermitted}},
		{"reason required", Process1Outcome{true, true, RoleDirector, ""}, []string{CodeReasonRequired}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, vs := EscalateProcess1(tc.o)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
			if len(tc.codes) == 0 && (a.Process != ProcessProviderFailureManagement || a.RAG != RAGProviderFailure) {
				t.Fatalf("got %+v", a)
			}
		})
	}
}

func TestCheckProcess_003Appendix1Escalation(t *testing.T) {
	tests := []struct {
		name      string
		c         TriggerCriterion
		p         Process
		escalated bool
		codes     []string
	}{
		{"003 App.1 criterion i instigates Process 1", CriterionDecommission, ProcessFinalConcernsResponse, false, nil},
		// "If the Provider fails at the end of PROCESS 1 then PROCESS 2 will be instigated".
		{"003 App.1 if the Provider fails at the end of PROCESS 1 then PROCESS 2", CriterionDecommission, ProcessProviderFailureManagement, true, nil},
		{"003 App.1 Process 2 on criterion i needs the escalation recorded", CriterionDecommission, ProcessProviderFailureManagement, false, []string{CodeProcessMismatch}},
		{"003 App.1 an escalated incident is at Process 2", CriterionDecommission, ProcessFinalConcernsResponse, true, []string{CodeProcessMismatch}},
		{"003 App.1 criteria ii, iii, iv instigate Process 2", CriterionCQCAction, ProcessProviderFailureManagement, false, nil},
		{"003 App.1 criterion ii is not Process 1", CriterionImminentBusinessFailure, ProcessFinalConcernsResponse, false, []string{CodeProcessMismatch}},
		{"003 App.1 only Process 1 is escalated", CriterionUnplannedInterruption, ProcessProviderFailureManagement, true, []string{CodeProcessMismatch}},
		{"unknown criterion", "v", ProcessProviderFailureManagement, false, []string{CodeUnknownTriggerCriterion}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if vs := CheckProcess(tc.c, tc.p, tc.escalated); !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}
