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
		// Head of Adults Commissioning: "Escalate from RED to PROVIDER FAILURE and communicate to relevant colleagues".
		{"003 App.1 commissioner escalates from RED to PROVIDER FAILURE", RAGTransition{RAGRed, RAGProviderFailure, RoleCommissioner, why}, nil},
		{"003 App.1 commissioner escalates to PROVIDER FAILURE from RED only, not AMBER", RAGTransition{RAGAmber, RAGProviderFailure, RoleCommissioner, why}, []string{CodeRAGEscalationNotPermitted}},
		{"003 App.1 a QMO may not escalate RED to PROVIDER FAILURE", RAGTransition{RAGRed, RAGProviderFailure, RoleQualityOfficer, why}, []string{CodeRAGEscalationNotPermitted}},
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

func TestActingRole_003Appendix1Delegation(t *testing.T) {
	tests := []struct {
		name  string
		role  Role
		d     Delegation
		want  Role
		codes []string
	}{
		{"no delegation: own role", RoleQualityOfficer, Delegation{}, RoleQualityOfficer, nil},
		// "Head of Adults Commissioning ... (delegated to Senior QMO in QMT in their absence)".
		{"003 App.1 delegated to Senior QMO in QMT in their absence", RoleQualityOfficer,
			Delegation{From: RoleCommissioner, By: "Head of Adults Commissioning", Reason: "on annual leave"}, RoleCommissioner, nil},
		{"003 App.1 the delegation records why", RoleQualityOfficer, Delegation{From: RoleCommissioner, By: "Head of Adults Commissioning"}, RoleQualityOfficer, []string{CodeDelegationInvalid}},
		{"003 App.1 the delegation records who delegated", RoleQualityOfficer, Delegation{From: RoleCommissioner, Reason: "absence"}, RoleQualityOfficer, []string{CodeDelegationInvalid}},
		{"003 App.1 the Director's decision is not delegated to a QMO", RoleQualityOfficer, Delegation{From: RoleDirector, By: "Director", Reason: "absence"}, RoleQualityOfficer, []string{CodeDelegationInvalid}},
		{"003 App.1 a social worker is not the Senior QMO", RoleSocialWorker, Delegation{From: RoleCommissioner, By: "Head", Reason: "absence"}, RoleSocialWorker, []string{CodeDelegationInvalid}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, vs := ActingRole(tc.role, tc.d)
			if got != tc.want || !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %s %v, want %s %v", got, vs, tc.want, tc.codes)
			}
		})
	}
	// The delegated QMO escalates RED to PROVIDER FAILURE as the Head would.
	role, _ := ActingRole(RoleQualityOfficer, Delegation{From: RoleCommissioner, By: "Head of Adults Commissioning", Reason: "absence"})
	if vs := CheckRAGTransition(RAGTransition{RAGRed, RAGProviderFailure, role, "administrators appointed"}); len(vs) != 0 {
		t.Fatalf("delegated Senior QMO: %v", vs)
	}
}

func TestCheckSuspension_003Appendix1(t *testing.T) {
	tests := []struct {
		name  string
		c     SuspensionChange
		codes []string
	}{
		// "Recommend Provider suspension by report to Director of Integration & Direct Services".
		{"003 App.1 the commissioner recommends suspension; the Director decides", SuspensionChange{Role: RoleCommissioner, Suspend: true, CareHome: true}, []string{CodeSuspensionNeedsDirector}},
		{"003 App.1 a QMO recommends suspension; the Director decides", SuspensionChange{Role: RoleQualityOfficer, Suspend: true}, []string{CodeSuspensionNeedsDirector}},
		{"003 App.1 the Director decides suspension on the report", SuspensionChange{Role: RoleDirector, Suspend: true}, nil},
		// "Recommend lifting Provider suspension by report to Director".
		{"003 App.1 lifting a suspension is also the Director's", SuspensionChange{Role: RoleCommissioner, Suspend: false}, []string{CodeSuspensionNeedsDirector}},
		// s.9: "DCC will automatically suspend contracting with that Provider".
		{"003 s.9 a neighbouring authority's care home suspension suspends automatically", SuspensionChange{Role: RoleCommissioner, Suspend: true, NeighbourAuthority: "Nottinghamshire County Council", CareHome: true}, nil},
		{"003 s.9 domiciliary care is reviewed, not suspended automatically", SuspensionChange{Role: RoleCommissioner, Suspend: true, NeighbourAuthority: "Nottinghamshire County Council"}, []string{CodeSuspensionNeedsDirector}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if vs := CheckSuspension(tc.c); !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}
