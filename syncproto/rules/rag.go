package rules

import "fmt"

// Role is a product role: who a user is, and so what they may write.
type Role string

// The product's roles (domain.md "People and roles").
const (
	RoleSocialWorker         Role = "social_worker"
	RoleTransportCoordinator Role = "transport_coordinator"
	// RoleQualityOfficer is a Quality Monitoring Officer (QMO) of the QMT.
	RoleQualityOfficer Role = "quality_officer"
	// RoleCommissioner is the Head of Adults Commissioning, Integration and
	// Market Development (or the Senior QMO in their absence) and Lead Commissioners.
	RoleCommissioner Role = "commissioner"
	// RoleDirector is the Service Director for Integration and Direct Services.
	RoleDirector   Role = "director"
	RoleBackOffice Role = "back_office"
	RoleNHSLiaison Role = "nhs_liaison"
	RoleAdmin      Role = "admin"
)

// Roles returns every role, in the order of domain.md.
func Roles() []Role {
	return []Role{RoleSocialWorker, RoleTransportCoordinator, RoleQualityOfficer, RoleCommissioner,
		RoleDirector, RoleBackOffice, RoleNHSLiaison, RoleAdmin}
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles() {
		if r == x {
			return true
		}
	}
	return false
}

// RAGStatus is the QMT's quality rating of a provider (003 Appendix 1, "The
// QMT's RAG status"), with PROVIDER_FAILURE above RED.
type RAGStatus string

// RAG statuses, lowest to highest.
const (
	RAGGreen           RAGStatus = "GREEN"
	RAGAmber           RAGStatus = "AMBER"
	RAGRed             RAGStatus = "RED"
	RAGProviderFailure RAGStatus = "PROVIDER_FAILURE"
)

// Level returns the status's rank, 1 (GREEN) to 4 (PROVIDER_FAILURE), or 0
// for an unknown status.
func (s RAGStatus) Level() int {
	switch s {
	case RAGGreen:
		return 1
	case RAGAmber:
		return 2
	case RAGRed:
		return 3
	case RAGProviderFailure:
		return 4
	}
	return 0
}

// Valid reports whether s is a known status.
func (s RAGStatus) Valid() bool { return s.Level() > 0 }

// RAGCeiling returns the highest status a role may move a provider to or from
// in general (003 Appendix 1, "Functions" and "Escalation to Provider Failure
// Process"):
//   - quality_officer (QMO): "Manage actions/improvement ... to AMBER level"
//     and "Manage and communicate de-escalation between AMBER / GREEN levels";
//     a QMO only recommends AMBER to RED.
//   - commissioner (Head of Adults Commissioning, delegated to the Senior QMO
//     in their absence): "Agree recommendation to escalate from AMBER to RED"
//     and "Manage ... de-escalation between RED/AMBER status". Besides, the
//     commissioner makes the one step "Escalate from RED to PROVIDER FAILURE
//     and communicate to relevant colleagues" (see CheckRAGTransition).
//   - director: "responsible for the DECISION to ACTIVATE the Provider Failure
//     PROCESSES".
//
// Any other role has no RAG rights: the ceiling is "" (ok false).
func RAGCeiling(r Role) (RAGStatus, bool) {
	switch r {
	case RoleQualityOfficer:
		return RAGAmber, true
	case RoleCommissioner:
		return RAGRed, true
	case RoleDirector:
		return RAGProviderFailure, true
	}
	return "", false
}

// RAGTransition is a proposed change of a provider's RAG status.
type RAGTransition struct {
	From   RAGStatus // the provider's current status
	To     RAGStatus // the status proposed
	Role   Role      // the role of the user making the change (see ActingRole for a delegation)
	Reason string    // why; required for every step
}

// CheckRAGTransition decides whether role may move a provider from From to To
// (003 Appendix 1, "The QMT's RAG status" and "Functions"). A role may make any
// step, up or down, whose higher end is at or below its RAGCeiling: so a QMO
// moves GREEN<->AMBER, a commissioner also AMBER<->RED, and the director
// every step. The commissioner also escalates from RED to PROVIDER_FAILURE
// (003 Appendix 1 Functions: the Head of Adults Commissioning will "Escalate
// from RED to PROVIDER FAILURE and communicate to relevant colleagues"), but
// from RED only: de-escalating a provider failure, or jumping to it from
// below RED, stays with the director. Activating the Provider Failure
// process (an incident at Process 2) remains the director's decision
// (ActivateIncident). Steps may skip levels (a CQC Notice of Proposal of
// Closure is RED at once) provided the role's ceiling covers them. Every
// step needs a non-empty reason.
func CheckRAGTransition(t RAGTransition) Violations {
	var vs Violations
	if !t.From.Valid() {
		vs = append(vs, violation(CodeRAGUnknownStatus, "from", "unknown RAG status %q", t.From))
	}
	if !t.To.Valid() {
		vs = append(vs, violation(CodeRAGUnknownStatus, "to", "unknown RAG status %q", t.To))
	}
	if blank(t.Reason) {
		vs = append(vs, violation(CodeReasonRequired, "reason", "every RAG escalation or de-escalation must record its reason"))
	}
	if !t.Role.Valid() {
		vs = append(vs, violation(CodeUnknownRole, "role", "unknown role %q", t.Role))
	}
	if len(vs) > 0 && (!t.From.Valid() || !t.To.Valid() || !t.Role.Valid()) {
		return vs
	}
	if t.From == t.To {
		return append(vs, violation(CodeRAGUnchanged, "to", "the provider is already %s", t.To))
	}
	ceiling, ok := RAGCeiling(t.Role)
	up := t.To.Level() > t.From.Level()
	top := max(t.From.Level(), t.To.Level())
	if ok && top <= ceiling.Level() {
		return vs
	}
	if t.Role == RoleCommissioner && t.From == RAGRed && t.To == RAGProviderFailure {
		return vs
	}
	code, verb := CodeRAGDeescalationNotPermitted, "de-escalate"
	if up {
		code, verb = CodeRAGEscalationNotPermitted, "escalate"
	}
	return append(vs, violation(code, "to", "%s may not %s %s to %s: %s", t.Role, verb, t.From, t.To, whoMay(t.From, t.To)))
}

// whoMay explains which role the seed gives a step to.
func whoMay(from, to RAGStatus) string {
	switch max(from.Level(), to.Level()) {
	case RAGAmber.Level():
		return "the QMO manages to AMBER level and de-escalation between AMBER / GREEN (003 Appendix 1, Functions)"
	case RAGRed.Level():
		return "the Head of Adults Commissioning agrees escalation from AMBER to RED and manages de-escalation between RED/AMBER; a QMO only recommends it (003 Appendix 1, Functions)"
	default:
		return "the Head of Adults Commissioning escalates from RED to PROVIDER FAILURE (003 Appendix 1, Functions); any other step to or from PROVIDER FAILURE is the Service Director's, who is responsible for the decision to activate the Provider Failure processes (003 Appendix 1, Escalation to Provider Failure Process)"
	}
}

// Delegation records that a person acts with another role's authority.
type Delegation struct {
	// From is the role whose authority is delegated; "" for none.
	From Role
	// By names who delegated (e.g. the Head of Adults Commissioning).
	By string
	// Reason says why, e.g. "Head of Adults Commissioning on leave".
	Reason string
}

// ActingRole returns the role whose rights a person exercises: their own, or
// the delegated one. The seed allows one delegation: the Head of Adults
// Commissioning's RAG functions are "delegated to Senior QMO in QMT in their
// absence" (003 Appendix 1, Functions), so a quality_officer may act as
// commissioner when the delegation names who delegated and why. Any other
// delegation, or one missing who or why, is refused (delegation_invalid).
func ActingRole(role Role, d Delegation) (Role, Violations) {
	if d.From == "" {
		return role, nil
	}
	var vs Violations
	if d.From != RoleCommissioner || role != RoleQualityOfficer {
		vs = append(vs, violation(CodeDelegationInvalid, "delegated_from_role", "%s may not act as %s: the seed delegates only the Head of Adults Commissioning's functions, to the Senior QMO in QMT in their absence (003 Appendix 1, Functions)", role, d.From))
	}
	if blank(d.By) {
		vs = append(vs, violation(CodeDelegationInvalid, "delegated_by", "record who delegated their authority"))
	}
	if blank(d.Reason) {
		vs = append(vs, violation(CodeDelegationInvalid, "delegation_reason", "record why the authority is delegated (e.g. the Head of Adults Commissioning's absence)"))
	}
	if len(vs) > 0 {
		return role, vs
	}
	return d.From, nil
}

// SuspensionChange is a change to whether the council contracts with a
// provider or service.
type SuspensionChange struct {
	// Role is who makes the change (after any delegation).
	Role Role
	// Suspend is true when contracting is being suspended, false when a
	// suspension is being lifted.
	Suspend bool
	// NeighbourAuthority names the neighbouring authority whose suspension
	// of care home placements this follows (003 s.9), if any.
	NeighbourAuthority string
	// CareHome: the provider or service runs care homes.
	CareHome bool
}

// CheckSuspension decides who may suspend contracting with a provider, or
// lift a suspension (003 Appendix 1, Functions): the Head of Adults
// Commissioning will "Recommend Provider suspension by report to Director"
// and "Recommend lifting Provider suspension by report to Director of
// Integration and Direct Services", so QMOs and commissioners record a
// recommendation and the director decides. The exception is 003 s.9: "When
// a neighbouring local authority places a suspension on care home
// placements DCC will automatically suspend contracting with that
// Provider", which follows from recording the neighbour's suspension.
func CheckSuspension(c SuspensionChange) Violations {
	if c.Role == RoleDirector {
		return nil
	}
	if c.Suspend && !blank(c.NeighbourAuthority) && c.CareHome {
		return nil
	}
	verb, seed := "suspend", "Recommend Provider suspension by report to Director"
	if !c.Suspend {
		verb, seed = "lift the suspension of", "Recommend lifting Provider suspension by report to Director of Integration and Direct Services"
	}
	return Violations{violation(CodeSuspensionNeedsDirector, "contracting_suspended", "%s may not %s contracting: record a recommendation with the report (suspension_recommendation, suspension_report) and the Director decides (003 Appendix 1, Functions: %q)", c.Role, verb, seed)}
}

// ServiceType is the kind of service a provider runs at a location.
type ServiceType string

// Service types (domain.md "Records": Provider and its services).
const (
	ServiceResidential      ServiceType = "residential"
	ServiceNursing          ServiceType = "nursing"
	ServiceDomiciliary      ServiceType = "domiciliary"
	ServiceHousingWithCare  ServiceType = "housing_with_care"
	ServiceSupportedLiving  ServiceType = "supported_living"
	ServiceDayOpportunities ServiceType = "day_opportunities"
	ServiceCommunityMeals   ServiceType = "community_meals"
)

// IsCareHome reports whether the service is a care home (residential or
// nursing), the setting 003 s.9 suspends automatically.
func (t ServiceType) IsCareHome() bool { return t == ServiceResidential || t == ServiceNursing }

// SuspensionAction is what the council does about a neighbouring authority's
// suspension of a provider.
type SuspensionAction string

// Responses to a neighbouring authority's suspension (003 s.9).
const (
	// SuspendAutomatically: suspend contracting here at once and send the
	// details to the relevant social care team.
	SuspendAutomatically SuspensionAction = "suspend_automatically"
	// ReviewBeforeSuspending: look at the issues and whether they are
	// consistent with the care provided locally before deciding.
	ReviewBeforeSuspending SuspensionAction = "review_before_suspending"
)

// SuspensionDecision is the answer of NeighbourSuspension.
type SuspensionDecision struct {
	Action SuspensionAction `json:"action"` // suspend at once, or review first
	// NotifySocialCareTeam: send the details to the relevant social care team.
	NotifySocialCareTeam bool `json:"notify_social_care_team"`
	// RAGIndicator is the RAG level the suspension indicates: "Suspension
	// (including voluntary)" is a RED indicator in the QMT's RAG tool.
	RAGIndicator RAGStatus `json:"rag_indicator"`
	Reasons      []string  `json:"reasons"` // in the seed's words
}

// NeighbourSuspension decides what the council does when a neighbouring local
// authority suspends placements with a provider (003 s.9 The need for
// contingency planning): care homes are suspended here automatically and the
// details sent to the relevant social care team; a domiciliary care provider
// is reviewed — "whether [the issues] are consistent with the care provision
// for Derby City" — before any decision to suspend. The seed names only care
// homes and domiciliary care; every other service type is reviewed too.
func NeighbourSuspension(t ServiceType) SuspensionDecision {
	d := SuspensionDecision{RAGIndicator: RAGRed}
	ind := "003 Appendix 1: \"Suspension (including voluntary)\" is a RED indicator in the QMT's RAG status"
	if t.IsCareHome() {
		d.Action = SuspendAutomatically
		d.NotifySocialCareTeam = true
		d.Reasons = []string{
			"003 s.9: when a neighbouring local authority places a suspension on care home placements DCC will automatically suspend contracting with that Provider and send the details to the relevant social care team",
			ind,
		}
		return d
	}
	d.Action = ReviewBeforeSuspending
	if t == ServiceDomiciliary {
		d.Reasons = []string{
			"003 s.9: if the suspension is with a domiciliary care provider DCC will look at what the issues are and whether they are consistent with the care provision for Derby City before determining if there should be a decision to suspend contracting",
			ind,
		}
		return d
	}
	d.Reasons = []string{
		fmt.Sprintf("003 s.9 names care homes (automatic) and domiciliary care (review); %q is not a care home, so it is reviewed before any decision to suspend", t),
		ind,
	}
	return d
}
