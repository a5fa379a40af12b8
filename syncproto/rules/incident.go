package rules

import "fmt"

// TriggerCriterion is one of the trigger criteria i–iv that activate the
// Managing Provider Failure Procedure (003 s.10, repeated in Appendix 1
// "Escalation to Provider Failure Process").
type TriggerCriterion string

// Trigger criteria, 003 s.10.
const (
	// CriterionDecommission is (i): a decision to decommission care because
	// improvement measures are not met and/or significant and widespread
	// evidenced allegations of abuse.
	CriterionDecommission TriggerCriterion = "i"
	// CriterionImminentBusinessFailure is (ii): DCC is notified of the imminent
	// business failure of a regulated care provider registered as operating in
	// Derby City.
	CriterionImminentBusinessFailure TriggerCriterion = "ii"
	// CriterionCQCAction is (iii): DCC is advised of the immediate suspension,
	// closure and de-registration of a regulated care provider by the CQC.
	CriterionCQCAction TriggerCriterion = "iii"
	// CriterionUnplannedInterruption is (iv): a major and immediate unplanned
	// service interruption (e.g. a significant fire or flood) and the
	// provider's own business continuity plan is unable, or has failed, to
	// address it.
	CriterionUnplannedInterruption TriggerCriterion = "iv"
)

// Process is one of the two processes of 003 Appendix 1.
type Process int

// The processes, 003 Appendix 1 Schedules A and B.
const (
	// ProcessFinalConcernsResponse is Process 1, Final Concerns Response
	// Management (Schedule A).
	ProcessFinalConcernsResponse Process = 1
	// ProcessProviderFailureManagement is Process 2, Provider Failure
	// Management (Schedule B).
	ProcessProviderFailureManagement Process = 2
)

// String returns the process's name as the seed gives it.
func (p Process) String() string {
	switch p {
	case ProcessFinalConcernsResponse:
		return "Process 1 - Final Concerns Response Management"
	case ProcessProviderFailureManagement:
		return "Process 2 - Provider Failure Management"
	}
	return fmt.Sprintf("Process(%d)", int(p))
}

// ActivationRequest asks to activate the procedure for a provider.
type ActivationRequest struct {
	Criterion TriggerCriterion // i, ii, iii or iv
	// Role is who activates.
	Role Role
	// RegulatedProvider: the provider is a regulated care provider (criteria
	// ii and iii are about regulated providers).
	RegulatedProvider bool
	// BusinessContinuityPlanFailed: the provider's own business continuity
	// plan is unable, or has failed, to address the service impact
	// (criterion iv).
	BusinessContinuityPlanFailed bool
	// Reason records why the criterion is met.
	Reason string
	// AgreedWith is the role of the other person in a joint decision:
	// Process 1 is instigated by the Head of Commissioning "in conjunction
	// with the Director" (003 s.10 (i)), so a commissioner names the
	// director who agreed and a director names the commissioner.
	AgreedWith Role
	// AgreedWithName names who agreed.
	AgreedWithName string
}

// Activation is the answer of ProcessFor and ActivateIncident.
type Activation struct {
	Process Process `json:"process"` // the process instigated
	// RAG is the status the provider stands at once the process runs: RED
	// for Process 1 (the Head of Commissioning instigates it "from RED status
	// onwards"), PROVIDER_FAILURE for Process 2.
	RAG     RAGStatus `json:"rag"`
	Reasons []string  `json:"reasons"` // in the seed's words
}

// ProcessFor returns the process a trigger criterion leads to (003 Appendix 1,
// "Provider Failure Process"): criterion i instigates Process 1 (Schedule A);
// ii, iii and iv instigate Process 2 (Schedule B). ok is false for an unknown
// criterion.
func ProcessFor(c TriggerCriterion) (p Process, ok bool) {
	switch c {
	case CriterionDecommission:
		return ProcessFinalConcernsResponse, true
	case CriterionImminentBusinessFailure, CriterionCQCAction, CriterionUnplannedInterruption:
		return ProcessProviderFailureManagement, true
	}
	return 0, false
}

// ActivateIncident checks an activation request and returns the process it
// instigates (003 s.10 Activation of the Managing Provider Failure Procedure;
// Appendix 1 "Escalation to Provider Failure Process" and "Provider Failure
// Process").
//
// Who may activate: "The Director of Integration and Direct Services is
// responsible for the DECISION to ACTIVATE the Provider Failure PROCESSES", so
// Process 2 is the director's alone; Process 1 may also be instigated by the
// Head of Adults Commissioning (commissioner), who "if agreed instigate[s]
// Process 1 Final Concerns Response Management" on a contract breach.
// Starting Process 1 is a joint decision: criterion (i) "may be taken by
// DCC's Head of Commissioning in conjunction with the Director of
// Integration and Direct Services", so the request records who agreed
// (AgreedWith: the director when a commissioner activates, the commissioner
// when the director does); without it, joint_decision_required.
func ActivateIncident(r ActivationRequest) (Activation, Violations) {
	var vs Violations
	p, ok := ProcessFor(r.Criterion)
	if !ok {
		vs = append(vs, violation(CodeUnknownTriggerCriterion, "criterion", "trigger criterion %q is not one of i, ii, iii, iv (003 s.10)", r.Criterion))
	}
	if blank(r.Reason) {
		vs = append(vs, violation(CodeReasonRequired, "reason", "record why the trigger criterion is met"))
	}
	switch {
	case !r.Role.Valid():
		vs = append(vs, violation(CodeUnknownRole, "role", "unknown role %q", r.Role))
	case ok && p == ProcessProviderFailureManagement && r.Role != RoleDirector:
		vs = append(vs, violation(CodeActivationNotPermitted, "role", "%s may not activate Process 2: the Director of Integration and Direct Services is responsible for the decision to activate the Provider Failure processes (003 Appendix 1)", r.Role))
	case ok && p == ProcessFinalConcernsResponse && r.Role != RoleDirector && r.Role != RoleCommissioner:
		vs = append(vs, violation(CodeActivationNotPermitted, "role", "%s may not instigate Process 1: the Head of Adults Commissioning or the Director does (003 Appendix 1)", r.Role))
	}
	if ok && p == ProcessFinalConcernsResponse && (r.Role == RoleDirector || r.Role == RoleCommissioner) {
		partner := RoleDirector
		if r.Role == RoleDirector {
			partner = RoleCommissioner
		}
		if r.AgreedWith != partner || blank(r.AgreedWithName) {
			vs = append(vs, violation(CodeJointDecisionRequired, "agreed_with_role", "starting Process 1 is a joint decision taken by the Head of Commissioning in conjunction with the Director (003 s.10 (i)): record the %s who agreed (agreed_with_role %s and agreed_with)", partner, partner))
		}
	}
	switch r.Criterion {
	case CriterionImminentBusinessFailure, CriterionCQCAction:
		if !r.RegulatedProvider {
			vs = append(vs, violation(CodeProviderNotRegulated, "regulated_provider", "criterion %s concerns a regulated care provider (003 s.10)", r.Criterion))
		}
	case CriterionUnplannedInterruption:
		if !r.BusinessContinuityPlanFailed {
			vs = append(vs, violation(CodeBusinessContinuityPlanNotFailed, "business_continuity_plan_failed", "criterion iv needs a major and immediate unplanned service interruption and the care provider's own business continuity plan to be unable or to have failed to address the resulting service impact (003 s.10)"))
		}
	}
	if len(vs) > 0 {
		return Activation{}, vs
	}
	a := Activation{Process: p}
	if p == ProcessFinalConcernsResponse {
		a.RAG = RAGRed
		a.Reasons = []string{"003 Appendix 1: where Trigger Criteria i) has been applied then PROCESS 1 (Schedule A) will be instigated; if the Provider fails at the end of PROCESS 1 then PROCESS 2 will be instigated"}
	} else {
		a.RAG = RAGProviderFailure
		a.Reasons = []string{fmt.Sprintf("003 Appendix 1: where Trigger Criteria ii), iii) or iv) has been applied then PROCESS 2 (Schedule B) will be instigated (criterion %s); this is provider failure where there are no remedial options available to DCC to save the provider in its current state", r.Criterion)}
	}
	return a, nil
}

// CheckProcess checks that an incident's process follows from its trigger
// criterion (003 Appendix 1, "Provider Failure Process"): criteria ii, iii
// and iv instigate Process 2; criterion i instigates Process 1, and "If the
// Provider fails at the end of PROCESS 1 then PROCESS 2 will be instigated",
// so an incident on criterion i is at Process 2 exactly when its escalation
// from Process 1 is recorded (escalated).
func CheckProcess(c TriggerCriterion, p Process, escalated bool) Violations {
	want, ok := ProcessFor(c)
	if !ok {
		return Violations{violation(CodeUnknownTriggerCriterion, "criterion", "trigger criterion %q is not one of i, ii, iii, iv (003 s.10)", c)}
	}
	switch {
	case want == ProcessFinalConcernsResponse && escalated && p == ProcessProviderFailureManagement:
		return nil
	case want == ProcessFinalConcernsResponse && escalated:
		return Violations{violation(CodeProcessMismatch, "process", "the incident was escalated from Process 1 to Process 2, so it is at Process 2, not %d (003 Appendix 1)", int(p))}
	case want == ProcessFinalConcernsResponse && p == ProcessProviderFailureManagement:
		return Violations{violation(CodeProcessMismatch, "process", "trigger criterion i instigates Process 1; Process 2 follows only when the Provider fails at the end of Process 1: record the escalation (escalated_at, escalated_by, escalation_reason) (003 Appendix 1)")}
	case p != want:
		return Violations{violation(CodeProcessMismatch, "process", "trigger criterion %s instigates Process %d, not %d (003 Appendix 1, Provider Failure Process)", c, int(want), int(p))}
	case escalated:
		return Violations{violation(CodeProcessMismatch, "escalated_at", "only a Process 1 incident (criterion i) is escalated to Process 2; criterion %s starts at Process 2 (003 Appendix 1)", c)}
	}
	return nil
}

// Process1Outcome is how Process 1 (Final Concerns Response) ended.
type Process1Outcome struct {
	// FinalConcernsMeetingHeld: the Final Concerns Response Meeting has been
	// held (and re-convened to discuss the provider's response).
	FinalConcernsMeetingHeld bool
	// ProviderFailed: the provider failed to meet the Final Action Plan by its
	// absolute deadline.
	ProviderFailed bool
	// Role is who escalates.
	Role Role
	// Reason records the recommendation and why.
	Reason string
}

// EscalateProcess1 decides whether Process 1 leads on to Process 2 (003
// Appendix 1 "Provider Failure Process": "If the Provider fails at the end of
// PROCESS 1 then PROCESS 2 will be instigated"; s.10 (i): "A 'Final Concerns
// Response Meeting' will need to have been held before the decision is made
// and authorised"). Only the director activates Process 2.
func EscalateProcess1(o Process1Outcome) (Activation, Violations) {
	var vs Violations
	if blank(o.Reason) {
		vs = append(vs, violation(CodeReasonRequired, "reason", "record the recommendation to escalate and why"))
	}
	if o.Role != RoleDirector {
		vs = append(vs, violation(CodeActivationNotPermitted, "role", "%s may not activate Process 2: the Director of Integration and Direct Services is responsible for the decision (003 Appendix 1)", o.Role))
	}
	if !o.FinalConcernsMeetingHeld {
		vs = append(vs, violation(CodeFinalConcernsMeetingRequired, "final_concerns_meeting_held", "a 'Final Concerns Response Meeting' will need to have been held before the decision is made and authorised (003 s.10 (i))"))
	}
	if !o.ProviderFailed {
		vs = append(vs, violation(CodeProcess1NotFailed, "provider_failed", "Process 2 follows Process 1 only if the Provider fails at the end of Process 1; otherwise the meeting de-escalates (003 Appendix 1)"))
	}
	if len(vs) > 0 {
		return Activation{}, vs
	}
	return Activation{
		Process: ProcessProviderFailureManagement,
		RAG:     RAGProviderFailure,
		Reasons: []string{"003 Appendix 1: the Provider failed at the end of PROCESS 1, so PROCESS 2 (Schedule B) is instigated"},
	}, nil
}
