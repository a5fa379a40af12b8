package rules

import (
	"slices"
	"testing"
)

func TestCheckRAGTransition_ByRole(t *testing.T) {
	const why = "contract breach notice issued"
	tests := []struct {
		name  string
		tr    RAGTransition
		codes []string
	}{
		// 003 Appendix 1 Functions, QMO: "Manage actions/improvement ... to AMBER level".
		{"003 App.1 QMO escalates GREEN to AMBER", RAGTransition{RAGGreen, RAGAmber, RoleQualityOfficer, why}, nil},
		// "Manage and communicate de-escalation between AMBER / GREEN levels".
		{"003 App.1 QMO de-escalates AMBER to GREEN", RAGTransition{RAGAmber, RAGGreen, RoleQualityOfficer, "actions addressed"}, nil},
		// "Recommend escalation from AMBER to RED" — recommends, does not decide.
		{"003 App.1 QMO only recommends AMBER to RED", RAGTransition{RAGAmber, RAGRed, RoleQualityOfficer, why}, []string{CodeRAGEscalationNotPermitted}},
		{"003 App.1 QMO cannot de-escalate RED to AMBER", RAGTransition{RAGRed, RAGAmber, RoleQualityOfficer, why}, []string{CodeRAGDeescalationNotPermitted}},
		// Head of Adults Commissioning: "Agree recommendation to escalate from AMBER to RED".
		{"003 App.1 commissioner escalates AMBER to RED", RAGTransition{RAGAmber, RAGRed, RoleCommissioner, "CQC Notice of Proposal of Closure"}, nil},
		// "Manage and communicate to relevant colleagues de-escalation between RED/AMBER status".
		{"003 App.1 commissioner de-escalates RED to AMBER", RAGTransition{RAGRed, RAGAmber, RoleCommissioner, "final action plan met"}, nil},
		{"003 App.1 commissioner also manages GREEN to AMBER", RAGTransition{RAGGreen, RAGAmber, RoleCommissioner, why}, nil},
		{"003 App.1 commissioner may jump GREEN to RED (CQC NOP is RED)", RAGTransition{RAGGreen, RAGRed, RoleCommissioner, "CQC Notice of Proposal of Closure"}, nil},
		// "Notification to the Director ... with recommendation to activate PROVIDER FAILURE PROCESS".
		{"003 App.1 commissioner only recommends RED to PROVIDER_FAILURE", RAGTransition{RAGRed, RAGProviderFailure, RoleCommissioner, why}, []string{CodeRAGEscalationNotPermitted}},
		// "The Director ... is responsible for the DECISION to ACTIVATE the Provider Failure PROCESSES".
		{"003 App.1 director activates RED to PROVIDER_FAILURE", RAGTransition{RAGRed, RAGProviderFailure, RoleDirector, "trigger criterion ii: administrator appointed"}, nil},
		{"003 s.10 director activates straight from GREEN (criterion iv fire)", RAGTransition{RAGGreen, RAGProviderFailure, RoleDirector, "fire; business continuity plan failed"}, nil},
		{"003 App.1 director de-escalates PROVIDER_FAILURE to RED", RAGTransition{RAGProviderFailure, RAGRed, RoleDirector, "buyer found"}, nil},
		{"003 App.1 commissioner cannot de-escalate PROVIDER_FAILURE", RAGTransition{RAGProviderFailure, RAGRed, RoleCommissioner, "buyer found"}, []string{CodeRAGDeescalationNotPermitted}},
		{"003 App.1 social worker alerts the QMT but sets no RAG", RAGTransition{RAGGreen, RAGAmber, RoleSocialWorker, why}, []string{CodeRAGEscalationNotPermitted}},
		{"003 App.1 NHS liaison sets no RAG", RAGTransition{RAGAmber, RAGGreen, RoleNHSLiaison, why}, []string{CodeRAGDeescalationNotPermitted}},
		{"admin sets no RAG", RAGTransition{RAGGreen, RAGAmber, RoleAdmin, why}, []string{CodeRAGEscalationNotPermitted}},
		{"a reason is required for every step", RAGTransition{RAGGreen, RAGAmber, RoleQualityOfficer, "  "}, []string{CodeReasonRequired}},
		{"no reason and no right: both reported", RAGTransition{RAGAmber, RAGRed, RoleQualityOfficer, ""}, []string{CodeReasonRequired, CodeRAGEscalationNotPermitted}},
		{"unchanged status", RAGTransition{RAGAmber, RAGAmber, RoleCommissioner, why}, []string{CodeRAGUnchanged}},
		{"unknown status", RAGTransition{RAGGreen, "PURPLE", RoleDirector, why}, []string{CodeRAGUnknownStatus}},
		{"lower-case status is unknown", RAGTransition{"green", RAGAmber, RoleDirector, why}, []string{CodeRAGUnknownStatus}},
		{"unknown role", RAGTransition{RAGGreen, RAGAmber, "mayor", why}, []string{CodeUnknownRole}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := CheckRAGTransition(tc.tr)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
			if (vs.Err() == nil) != (len(tc.codes) == 0) {
				t.Fatalf("Err() disagrees with the violations")
			}
		})
	}
}

func TestRAGCeiling_EveryRole(t *testing.T) {
	want := map[Role]RAGStatus{RoleQualityOfficer: RAGAmber, RoleCommissioner: RAGRed, RoleDirector: RAGProviderFailure}
	for _, r := range Roles() {
		t.Run(string(r), func(t *testing.T) {
			got, ok := RAGCeiling(r)
			if got != want[r] || ok != (want[r] != "") {
				t.Fatalf("got %q %v, want %q", got, ok, want[r])
			}
		})
	}
}

func TestNeighbourSuspension_003s9(t *testing.T) {
	tests := []struct {
		name   string
		st     ServiceType
		action SuspensionAction
		notify bool
	}{
		{"003 s.9 care home (residential): suspended here automatically", ServiceResidential, SuspendAutomatically, true},
		{"003 s.9 care home (nursing): suspended here automatically", ServiceNursing, SuspendAutomatically, true},
		{"003 s.9 domiciliary care: reviewed before deciding", ServiceDomiciliary, ReviewBeforeSuspending, false},
		{"003 s.9 silent on supported living: reviewed", ServiceSupportedLiving, ReviewBeforeSuspending, false},
		{"003 s.9 silent on day opportunities: reviewed", ServiceDayOpportunities, ReviewBeforeSuspending, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NeighbourSuspension(tc.st)
			if d.Action != tc.action || d.NotifySocialCareTeam != tc.notify || d.RAGIndicator != RAGRed || len(d.Reasons) == 0 {
				t.Fatalf("got %+v", d)
			}
		})
	}
}
