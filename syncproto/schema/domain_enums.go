package schema

import (
	"encoding/json"
	"strings"

	"github.com/continuity-care/continuity/syncproto"
)

// Enumerations of the care domain (domain.md; seed 003). Values are the
// snake_case wire values a field may hold; the slices are in a sensible
// reading order and are used to build "oneof" validator tags, so a value
// added here is accepted everywhere the enum is used.

// Funding streams of a resident (003 Appendix 2, sections 2.2 and 4: "Fully
// Funded Continuing Healthcare", "Funded Nursing Care", "Self-funders", "Out
// of County", "Section 117 MHA", "Department of Work and Pensions ... or
// 'Preserved Rights'").
const (
	FundingLAFunded           = "la_funded"
	FundingNHSCHC             = "nhs_chc"
	FundingFNC                = "fnc"
	FundingSelfFunder         = "self_funder"
	FundingOutOfArea          = "out_of_area"
	FundingS117               = "s117"
	FundingDWPPreservedRights = "dwp_preserved_rights"
)

// FundingStreams are the values of residents.funding_stream.
var FundingStreams = []string{FundingLAFunded, FundingNHSCHC, FundingFNC, FundingSelfFunder, FundingOutOfArea, FundingS117, FundingDWPPreservedRights}

// FundingStreamsOf returns the streams funding a resident: funding_streams
// when recorded, otherwise the single legacy funding_stream (older records
// and devices), otherwise none. A resident may have several at once (003
// Appendix 2 header: "Fully Funded Continuing Healthcare", "Funded Nursing
// Care", "Self-funders" are separate columns).
func FundingStreamsOf(r *syncproto.Record) []string {
	if r == nil {
		return nil
	}
	var out []string
	if v := r.Value("funding_streams"); v != nil && json.Unmarshal(v, &out) == nil && len(out) > 0 {
		return out
	}
	if s := StringValue(r, "funding_stream"); s != "" {
		return []string{s}
	}
	return nil
}

// HasFunding reports whether a resident is funded (in part) by stream.
func HasFunding(r *syncproto.Record, stream string) bool {
	for _, s := range FundingStreamsOf(r) {
		if s == stream {
			return true
		}
	}
	return false
}

// DoLS authorisation statuses (003 Appendix 2, 3.10).
const (
	// DoLSNone: no Deprivation of Liberty Safeguards authorisation or request.
	DoLSNone = "none"
	// DoLSRequested: a standard authorisation has been requested.
	DoLSRequested = "requested"
	// DoLSUrgent: the managing authority has granted an urgent authorisation.
	DoLSUrgent = "urgent"
	// DoLSAuthorised: a standard authorisation is in force.
	DoLSAuthorised = "authorised"
	// DoLSExpired: an authorisation has lapsed.
	DoLSExpired = "expired"
	// DoLSNewRequestNeeded: the person moved while under an authorisation;
	// it does not follow them, and the new home (the managing authority)
	// must request a new one (003 Appendix 2, 3.10 "refers all those who
	// are DOLS-liable to the DOLS Team for new assessment"). Set by the
	// server when a move is completed.
	DoLSNewRequestNeeded = "new_request_needed"
)

// DoLSStatuses are the values of residents.dols_status.
var DoLSStatuses = []string{DoLSNone, DoLSRequested, DoLSUrgent, DoLSAuthorised, DoLSExpired, DoLSNewRequestNeeded}

// UnderDoLS reports whether a dols_status means the person is currently
// deprived of their liberty under an authorisation (urgent or standard).
func UnderDoLS(status string) bool { return status == DoLSUrgent || status == DoLSAuthorised }

// RegistrationCategories are the categories of care a service is registered
// for, a vacancy offers and a resident needs (003 Appendix 2, 3.3 "Check
// current Registration category", 7.5 "Ensure new provider is registered for
// the category of care required").
var RegistrationCategories = []string{
	"residential", "residential_dementia", "nursing", "nursing_dementia",
	"learning_disability", "mental_health", "physical_disability", "sensory_impairment",
	"substance_misuse", "younger_adults",
}

// ServiceTypes are the kinds of service a provider runs (domain.md
// "Provider").
var ServiceTypes = []string{
	"residential", "nursing", "domiciliary", "housing_with_care", "supported_living",
	"day_opportunities", "community_meals",
}

// RAGLevels are the QMT's RAG statuses, lowest to highest, as the seed
// writes them (003 Appendix 1, "The QMT's RAG status").
var RAGLevels = []string{"GREEN", "AMBER", "RED", "PROVIDER_FAILURE"}

// MarketOversightRisks are CQC market oversight's financial risk ratings
// (003 s.5: green, amber, amber/red, red).
var MarketOversightRisks = []string{"green", "amber", "amber_red", "red"}

// CQCRatings are CQC's overall ratings.
var CQCRatings = []string{"outstanding", "good", "requires_improvement", "inadequate", "not_rated"}

// Roles are the people who use Continuity (domain.md "People and roles").
var Roles = []string{
	"social_worker", "transport_coordinator", "quality_officer", "commissioner",
	"director", "back_office", "nhs_liaison", "admin",
}

// ConcernSources are where a concern or intelligence about a provider came
// from (003 Appendix 1, "Triggering the QMT Quality Assurance Process").
var ConcernSources = []string{
	"operational", "safeguarding", "complaint", "whistleblowing", "finance",
	"health_professional", "cqc", "neighbouring_authority", "provider", "other",
}

// ConcernStatuses: a concern is resolved or not by its fixed date.
var ConcernStatuses = []string{"open", "resolved", "unresolved"}

// InsolvencyEvents are the business-failure events of the Care and Support
// (Business Failure) Regulations 2014 (003 s.4, a–i, and an individual's
// bankruptcy).
var InsolvencyEvents = []string{
	"administrator_appointed", "receiver_appointed", "voluntary_winding_up_without_solvency_declaration",
	"liquidator_appointed", "winding_up_order", "members_to_creditors_voluntary_winding_up",
	"insolvent_partnerships_article_11_order", "administration_to_winding_up",
	"charity_trustees_unable_to_pay_debts", "individual_declared_bankrupt",
}

// OrganisationTypes are the legal forms of a provider (business failure is
// defined differently for an individual).
var OrganisationTypes = []string{"company", "partnership", "charity", "individual", "local_authority", "nhs", "other"}

// TriggerCriteria are the criteria i–iv that activate the Managing Provider
// Failure Procedure (003 s.10).
var TriggerCriteria = []string{"i", "ii", "iii", "iv"}

// InabilityCauses are why a provider cannot carry on (domain.md "The
// situation").
var InabilityCauses = []string{"business_failure", "regulatory_action", "operational", "emergency", "other"}

// SuspensionRecommendations are what a QMO or commissioner recommends to the
// Director (003 Appendix 1: "Recommend Provider suspension by report to
// Director"; "Recommend lifting Provider suspension").
var SuspensionRecommendations = []string{"suspend", "lift"}

// IncidentStatuses are where an incident stands.
var IncidentStatuses = []string{"active", "closed"}

// IncidentOutcomes are the outcomes of 003 Appendix 2 ("Remedial work to be
// undertaken with Provider", "Provider Suspended - Remedial work ...",
// "Provider Failure").
var IncidentOutcomes = []string{"remedial_work", "suspended", "provider_failure"}

// Responsibilities are the checklist's responsibility columns (003
// Appendix 2).
var Responsibilities = []string{"DCC", "NHS", "Provider"}

// ResponsibilitySources say how a checklist item's responsibility was set.
var ResponsibilitySources = []string{"seed_column", "item_text", "default", "jisg"}

// ChecklistStatuses are where a checklist item stands.
var ChecklistStatuses = []string{"not_started", "in_progress", "done", "not_applicable"}

// ResidentStatuses are where a resident stands in the incident.
var ResidentStatuses = []string{"in_placement", "in_hospital", "moved", "deceased", "left"}

// CHCStatuses are where a resident stands with NHS Continuing Healthcare.
var CHCStatuses = []string{"not_assessed", "checklist_positive", "assessment_pending", "eligible", "fast_track", "not_eligible"}

// AuthorityKinds are the kinds of attorney or deputy a resident may have
// (003 Appendix 2, 3.11 and 4.11).
var AuthorityKinds = []string{
	"lpa_health_welfare", "lpa_property_affairs", "deputy_health_welfare",
	"deputy_property_affairs", "enduring_power_of_attorney",
}

// EquipmentOwners are who owns a piece of equipment (003 Appendix 2, 2.13
// "Who owns it? Can it be transferred?").
var EquipmentOwners = []string{"resident", "provider", "nhs", "council", "other"}

// SafeAndWellOutcomes are the outcomes of a safe-and-well check.
var SafeAndWellOutcomes = []string{"safe_and_well", "concerns", "not_seen"}

// FeelsSafe records whether the person says they feel safe.
var FeelsSafe = []string{"yes", "no", "unsure", "unable_to_say"}

// CapacityOutcomes are the outcomes of a capacity assessment for one
// decision.
var CapacityOutcomes = []string{"has_capacity", "lacks_capacity"}

// ImpairmentDurations: an impairment or disturbance may be temporary or
// lasting (MCA 2005 s.2(2)).
var ImpairmentDurations = []string{"temporary", "lasting"}

// DecisionTypes are the kinds of decision, for the IMCA test.
var DecisionTypes = []string{"accommodation", "serious_medical_treatment", "other"}

// Settings are where an accommodation decision would place the person.
var Settings = []string{"care_home", "hospital", "other"}

// DecisionMakers are who makes a best-interests decision.
var DecisionMakers = []string{"council", "nhs", "attorney", "deputy"}

// ConsulteeRoles are a consultee's relation to the person.
var ConsulteeRoles = []string{
	"family", "friend", "unpaid_carer", "attorney", "deputy", "paid_carer",
	"professional", "imca", "advocate",
}

// ResidentEventKinds are the events of a resident during an incident that
// change where they are; entered_in_error, naming an event in
// corrects_event_id, records that the event never happened.
var ResidentEventKinds = []string{"death", "hospital_admission", "hospital_discharge", "entered_in_error"}

// ReviewTypes are the reviews of the post-move programme (003 Appendix 2,
// 7.19).
var ReviewTypes = []string{"72_hours", "4_weeks", "other"}

// ReviewOutcomes are the outcomes of a post-move review.
var ReviewOutcomes = []string{"settled", "concerns", "not_seen"}

// NotificationRecipients are who a cross-authority notification went to.
var NotificationRecipients = []string{"placing_authority", "receiving_authority", "receiving_nhs", "other"}

// Teams are the council teams a task is for.
var Teams = []string{"social_care", "quality_monitoring", "commissioning", "nhs", "dols"}

// TaskSources are what raised a team task.
var TaskSources = []string{"neighbouring_authority_suspension", "dols_new_request", "other"}

// TaskStatuses are where a team task stands.
var TaskStatuses = []string{"open", "done"}

// MoveStatuses are where a move stands.
var MoveStatuses = []string{"planned", "in_transit", "arrived", "completed", "cancelled", "on_hold"}

// CorrectionKinds are the kinds of move correction: the move did not
// happen, it went elsewhere, or it was completed at another time.
var CorrectionKinds = []string{"void", "destination", "completed_at"}

// MoveChoosers are who chose the destination (003 Appendix 2, 7.9
// "Decision by customer/carer on new provision").
var MoveChoosers = []string{"resident", "carer", "representative", "best_interests"}

// TransportModes are how a resident travels (003 Appendix 2, 7.11 "car /
// minibus / ambulance").
var TransportModes = []string{"car", "minibus", "ambulance", "wheelchair_taxi", "other"}

// Payers are who pays for something (7.11 "identify cost and who pays").
var Payers = []string{"council", "nhs", "provider", "resident", "family", "placing_authority", "other"}

// MovementEvents are the entries of the movement log.
var MovementEvents = []string{"planned", "departed", "arrived", "handed_over", "cancelled", "returned", "other",
	"completed", "on_hold", "hospital_admission", "hospital_discharge", "death", "corrected"}

// RiskLevels rate a risk.
var RiskLevels = []string{"low", "medium", "high", "very_high"}

// RiskStatuses are where a risk stands.
var RiskStatuses = []string{"open", "mitigated", "closed"}

// CommunicationChannels are how a communication was made.
var CommunicationChannels = []string{"phone", "email", "letter", "in_person", "meeting", "video_call", "text_message", "press_release", "other"}

// CommunicationDirections say which way a communication went.
var CommunicationDirections = []string{"incoming", "outgoing"}

// CommunicationParties are who a communication was with (003 Appendix 2,
// 6.1 "all groups are consulted").
var CommunicationParties = []string{
	"resident", "family", "carer", "provider", "provider_staff", "administrator",
	"cqc", "icb", "placing_authority", "neighbouring_authority", "dwp", "gp",
	"councillor", "press", "council_staff", "other",
}

// MeetingTypes are the meetings of the procedure (003 Appendix 1 Schedules A
// and B; Appendix 2, 6.3, 6.4, 8.2).
var MeetingTypes = []string{
	"final_concerns_response", "provider_failure_management", "progress", "jisg",
	"residents", "relatives", "provider_staff", "provider", "debrief", "other",
}

// oneOf is the validator tag accepting exactly vals.
func oneOf(vals []string) string { return "oneof=" + strings.Join(vals, " ") }
