// Package rules holds the domain rules of Continuity as pure functions over
// plain Go values: the Care Act 2014 s.48 temporary duty, CQC market-oversight
// eligibility, RAG escalation rights, incident activation, move invariants,
// record immutability and Mental Capacity Act best-interests checks.
//
// Nothing here does I/O, reads the clock or keeps state: the time a rule needs
// is passed in, and every answer explains itself, either as a Decision-style
// result with reasons or as Violations with stable machine codes. The seed
// document each rule comes from (seed 003, Derby City Council's "Managing
// Provider Concerns to Provider Failure") is named in the doc comments; see
// DESIGN.md for the map.
package rules

import (
	"fmt"
	"strings"
)

// Violation codes. They are stable: clients and the server branch on them, and
// they travel in the wire protocol's rule_violation results. Never rename one.
const (
	// CodeInvalidInput: a figure or value given to a rule is out of range.
	CodeInvalidInput = "invalid_input"
	// CodeReasonRequired: a step that must be justified has no reason.
	CodeReasonRequired = "reason_required"
	// CodeUnknownRole: the role is not one of the product's roles.
	CodeUnknownRole = "unknown_role"

	// CodeRAGUnknownStatus: a RAG status outside GREEN, AMBER, RED, PROVIDER_FAILURE.
	CodeRAGUnknownStatus = "rag_unknown_status"
	// CodeRAGUnchanged: a RAG "transition" that does not change the status.
	CodeRAGUnchanged = "rag_unchanged"
	// CodeRAGEscalationNotPermitted: the role may not escalate to that status.
	CodeRAGEscalationNotPermitted = "rag_escalation_not_permitted"
	// CodeRAGDeescalationNotPermitted: the role may not de-escalate from that status.
	CodeRAGDeescalationNotPermitted = "rag_deescalation_not_permitted"

	// CodeUnknownTriggerCriterion: a trigger criterion other than i–iv.
	CodeUnknownTriggerCriterion = "unknown_trigger_criterion"
	// CodeActivationNotPermitted: the role may not activate that process.
	CodeActivationNotPermitted = "activation_not_permitted"
	// CodeProviderNotRegulated: criteria ii and iii concern a regulated provider.
	CodeProviderNotRegulated = "provider_not_regulated"
	// CodeBusinessContinuityPlanNotFailed: criterion iv needs the provider's own
	// business continuity plan to be unable to cope, or to have failed.
	CodeBusinessContinuityPlanNotFailed = "business_continuity_plan_not_failed"
	// CodeFinalConcernsMeetingRequired: Process 1 may only escalate to Process 2
	// after a Final Concerns Response Meeting.
	CodeFinalConcernsMeetingRequired = "final_concerns_meeting_required"
	// CodeProcess1NotFailed: Process 2 follows Process 1 only if the provider failed.
	CodeProcess1NotFailed = "process1_provider_not_failed"

	// CodeResidentDoublePlaced: a move overlaps another of the same resident's moves.
	CodeResidentDoublePlaced = "resident_double_placed"
	// CodeMoveOriginMismatch: a move does not start where the resident is.
	CodeMoveOriginMismatch = "move_origin_mismatch"
	// CodeMoveSameService: a move's origin and destination are the same service.
	CodeMoveSameService = "move_same_service"
	// CodeMoveEndsBeforeStart: a move's planned end precedes its planned start.
	CodeMoveEndsBeforeStart = "move_ends_before_start"
	// CodeMoveOutOfHours: a move is planned outside normal working hours and no
	// out-of-hours reason is recorded.
	CodeMoveOutOfHours = "move_out_of_hours"
	// CodeInvalidWorkingHours: a WorkingHours value that cannot be used.
	CodeInvalidWorkingHours = "invalid_working_hours"
	// CodeLegArrivesBeforeDeparture: a leg's arrival precedes its departure.
	CodeLegArrivesBeforeDeparture = "leg_arrives_before_departure"
	// CodeLegArrivalWithoutDeparture: a leg has arrived but never departed.
	CodeLegArrivalWithoutDeparture = "leg_arrival_without_departure"
	// CodeLegHandoverBeforeArrival: a handover is logged before the arrival.
	CodeLegHandoverBeforeArrival = "leg_handover_before_arrival"
	// CodeLegsOverlap: a leg departs before the previous leg has arrived.
	CodeLegsOverlap = "legs_overlap"
	// CodeDestinationNotRegistered: the destination service is not registered
	// for a registration category the resident needs.
	CodeDestinationNotRegistered = "destination_not_registered"
	// CodeDestinationSuspended: contracting with the destination is suspended.
	CodeDestinationSuspended = "destination_suspended"

	// CodeAssessmentSigned: a signed capacity assessment was changed or deleted.
	CodeAssessmentSigned = "assessment_signed"
	// CodeSupersedesMismatch: a superseding assessment does not name, or does
	// not match, the assessment it replaces.
	CodeSupersedesMismatch = "supersedes_mismatch"
	// CodeLogAppendOnly: a log record was changed or deleted.
	CodeLogAppendOnly = "log_append_only"
	// CodeUnknownLogKind: a log kind outside decision, movement, risk,
	// communications and meeting.
	CodeUnknownLogKind = "unknown_log_kind"

	// CodeBestInterestsNeedsLackingCapacity: a best-interests decision without a
	// current capacity assessment, for the same decision, that found capacity lacking.
	CodeBestInterestsNeedsLackingCapacity = "best_interests_needs_lacking_capacity"
	// CodeBestInterestsAssessmentSuperseded: the assessment relied on has been
	// superseded by a later one.
	CodeBestInterestsAssessmentSuperseded = "best_interests_assessment_superseded"
	// CodeLPADecides: a health and welfare attorney has authority for the
	// decision, but someone else is recorded as the decision-maker.
	CodeLPADecides = "lpa_decides"
	// CodeDeputyDecides: a health and welfare deputy has authority for the
	// decision, but someone else is recorded as the decision-maker.
	CodeDeputyDecides = "deputy_decides"
	// CodeDecisionMakerWithoutAuthority: an attorney or deputy is recorded as
	// decision-maker but no such authority for this decision is on record.
	CodeDecisionMakerWithoutAuthority = "decision_maker_without_authority"
	// CodeIMCARequired: an IMCA must be instructed and no referral date is recorded.
	CodeIMCARequired = "imca_required"
	// CodeDateInFuture: a date that records something done lies after "now".
	CodeDateInFuture = "date_in_future"

	// CodeDelegationInvalid: a delegation the seed does not allow, or one
	// that does not say who delegated and why.
	CodeDelegationInvalid = "delegation_invalid"
	// CodeSuspensionNeedsDirector: suspending contracting, or lifting a
	// suspension, is the Director's decision on a report.
	CodeSuspensionNeedsDirector = "suspension_needs_director"
	// CodeProcessMismatch: the process does not follow from the trigger
	// criterion (and, for Process 2 on criterion i, no escalation is recorded).
	CodeProcessMismatch = "process_mismatch"
	// CodeJointDecisionRequired: Process 1 is instigated by the Head of
	// Commissioning in conjunction with the Director; who agreed is missing.
	CodeJointDecisionRequired = "joint_decision_required"
	// CodeCapacityIncoherent: a capacity assessment's outcome does not follow
	// from its two stages and causative nexus.
	CodeCapacityIncoherent = "capacity_test_incoherent"
	// CodeNHSLeadsCHCOnly: NHS liaison plans moves and best-interests
	// decisions only for fully funded NHS (CHC) residents.
	CodeNHSLeadsCHCOnly = "nhs_lead_chc_only"
	// CodeDestinationRAG: the destination provider is RED or in provider
	// failure and no commissioner's override is recorded.
	CodeDestinationRAG = "destination_rag_red"
	// CodeOverrideNotPermitted: a destination override recorded by someone
	// other than a commissioner.
	CodeOverrideNotPermitted = "override_not_permitted"
	// CodeChoiceNeedsCapacity: a move chosen by the resident alone when they
	// lack capacity for the decision where to live.
	CodeChoiceNeedsCapacity = "choice_needs_capacity"
	// CodeResidentDeceased: a move or plan for a resident who has died.
	CodeResidentDeceased = "resident_deceased"
	// CodeHandoverIncomplete: a move completed before its hand-over items
	// are done and with no override reason.
	CodeHandoverIncomplete = "handover_incomplete"
	// CodeHandoverOverrideNotPermitted: a hand-over override recorded by a
	// role the seed does not give that authority.
	CodeHandoverOverrideNotPermitted = "handover_override_not_permitted"
	// CodeMoveTransitionInvalid: a move's status changes off its lifecycle
	// (planned → in_transit → arrived → completed; on hold, cancelled).
	CodeMoveTransitionInvalid = "move_transition_invalid"
	// CodeMoveCompletedFinal: a completed move's person, services or
	// completion time changed, or the move cancelled or deleted.
	CodeMoveCompletedFinal = "move_completed_final"
	// CodeMoveNotArrived: a move marked arrived or completed before a leg
	// departed and arrived.
	CodeMoveNotArrived = "move_not_arrived"
	// CodeMoveCorrectionInvalid: a move correction that does not fit its
	// move (not completed, another resident, already voided, a kind made
	// twice) or lacks what its kind needs.
	CodeMoveCorrectionInvalid = "move_correction_invalid"
	// CodeChoiceNotThePersons: a move for a person with capacity recorded
	// as chosen by someone else.
	CodeChoiceNotThePersons = "choice_not_the_persons"
	// CodeChoiceNeedsBestInterests: a move for a person who lacks capacity
	// with neither a made best-interests decision for it nor an attorney or
	// deputy with the authority.
	CodeChoiceNeedsBestInterests = "choice_needs_best_interests"
	// CodeCapacityEvidenceMissing: a "lacks capacity" assessment signed
	// without the evidence the MCA asks for.
	CodeCapacityEvidenceMissing = "capacity_evidence_missing"
)

// AllCodes returns every violation code of the package, in declaration order.
func AllCodes() []string {
	return []string{
		CodeInvalidInput,
		CodeReasonRequired,
		CodeUnknownRole,
		CodeRAGUnknownStatus,
		CodeRAGUnchanged,
		CodeRAGEscalationNotPermitted,
		CodeRAGDeescalationNotPermitted,
		CodeUnknownTriggerCriterion,
		CodeActivationNotPermitted,
		CodeProviderNotRegulated,
		CodeBusinessContinuityPlanNotFailed,
		CodeFinalConcernsMeetingRequired,
		CodeProcess1NotFailed,
		CodeResidentDoublePlaced,
		CodeMoveOriginMismatch,
		CodeMoveSameService,
		CodeMoveEndsBeforeStart,
		CodeMoveOutOfHours,
		CodeInvalidWorkingHours,
		CodeLegArrivesBeforeDeparture,
		CodeLegArrivalWithoutDeparture,
		CodeLegHandoverBeforeArrival,
		CodeLegsOverlap,
		CodeDestinationNotRegistered,
		CodeDestinationSuspended,
		CodeRAGBelowTriggers,
		CodeDestinationCQCInadequate,
		CodeDestinationSafeguarding,
		CodeVacancyOverbooked,
		CodeAssessmentSigned,
		CodeSupersedesMismatch,
		CodeLogAppendOnly,
		CodeUnknownLogKind,
		CodeBestInterestsNeedsLackingCapacity,
		CodeBestInterestsAssessmentSuperseded,
		CodeLPADecides,
		CodeDeputyDecides,
		CodeDecisionMakerWithoutAuthority,
		CodeIMCARequired,
		CodeDateInFuture,
		CodeDelegationInvalid,
		CodeSuspensionNeedsDirector,
		CodeProcessMismatch,
		CodeJointDecisionRequired,
		CodeCapacityIncoherent,
		CodeNHSLeadsCHCOnly,
		CodeDestinationRAG,
		CodeOverrideNotPermitted,
		CodeChoiceNeedsCapacity,
		CodeResidentDeceased,
		CodeHandoverIncomplete,
		CodeHandoverOverrideNotPermitted,
		CodeMoveTransitionInvalid,
		CodeMoveCompletedFinal,
		CodeMoveNotArrived,
		CodeMoveCorrectionInvalid,
		CodeChoiceNotThePersons,
		CodeChoiceNeedsBestInterests,
		CodeCapacityEvidenceMissing,
		CodeWrittenAgreementRequired,
		CodeCostRecoveryIncomplete,
		CodeNotificationByTelephone,
		CodeNotificationAcknowledgement,
		CodeBelongingsIncomplete,
		CodeComplaintIncomplete,
		CodeObligationIncomplete,
		CodeChecklistSignOffNotPermitted,
		CodeChecklistEvidenceRequired,
		CodeChecklistAutomaticEvidenceMissing,
		CodeChecklistWaiverNotPermitted,
		CodeChecklistWaiverReasonRequired,
		CodeChecklistReassignNotPermitted,
		CodeIncidentCloseBlocked,
	}
}

// Violation is one broken rule. Code is stable and snake_case; Field names the
// offending input (JSON field name, dots for nesting) when there is one;
// Message explains it to a person, quoting the seed where it can.
type Violation struct {
	Code    string `json:"code"`            // stable snake_case machine code
	Field   string `json:"field,omitempty"` // offending input field, if any
	Message string `json:"message"`         // for people
}

// Error implements error.
func (v Violation) Error() string {
	if v.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", v.Code, v.Message, v.Field)
	}
	return fmt.Sprintf("%s: %s", v.Code, v.Message)
}

// Violations is every rule a value breaks, in a stable order. A nil or empty
// Violations means the value is acceptable.
type Violations []Violation

// Error implements error, joining the violations with "; ".
func (vs Violations) Error() string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Error()
	}
	return strings.Join(parts, "; ")
}

// Err returns nil when vs is empty and vs otherwise, so that a caller can write
// `if err := rules.CheckX(...).Err(); err != nil` without the typed-nil trap.
func (vs Violations) Err() error {
	if len(vs) == 0 {
		return nil
	}
	return vs
}

// Has reports whether any violation carries code.
func (vs Violations) Has(code string) bool {
	for _, v := range vs {
		if v.Code == code {
			return true
		}
	}
	return false
}

// Codes returns the codes of vs, in order, duplicates kept.
func (vs Violations) Codes() []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Code
	}
	return out
}

// violation builds a Violation with a formatted message.
func violation(code, field, format string, args ...any) Violation {
	return Violation{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// blank reports whether s is empty once surrounding white space is removed.
func blank(s string) bool { return strings.TrimSpace(s) == "" }
