package rules

import (
	"fmt"
	"strings"
)

// The Management Checklist's sign-off and the gated close (003 Appendix 2;
// the owners, due times and sign-off roles are data in syncproto/checklist).
const (
	// CodeChecklistSignOffNotPermitted: a role marked done an item that
	// another role signs off (2.8, the Director's decision, by a social
	// worker).
	CodeChecklistSignOffNotPermitted = "checklist_sign_off_not_permitted"
	// CodeChecklistEvidenceRequired: an item that needs evidence marked
	// done without any linked.
	CodeChecklistEvidenceRequired = "checklist_evidence_required"
	// CodeChecklistAutomaticEvidenceMissing: an item whose evidence the
	// software makes (capacity assessments for 3.8, moves for 7.20) marked
	// done while no such record exists and none is linked.
	CodeChecklistAutomaticEvidenceMissing = "checklist_automatic_evidence_missing"
	// CodeChecklistWaiverNotPermitted: an item waived (not applicable) by
	// a role other than the Director.
	CodeChecklistWaiverNotPermitted = "checklist_waiver_not_permitted"
	// CodeChecklistWaiverReasonRequired: an item waived without a reason.
	CodeChecklistWaiverReasonRequired = "checklist_waiver_reason_required"
	// CodeChecklistReassignNotPermitted: an item's owner or due date changed
	// by a role other than the lead officer's.
	CodeChecklistReassignNotPermitted = "checklist_reassign_not_permitted"
	// CodeIncidentCloseBlocked: an incident closed with work outstanding
	// (003 Appendix 2, 8.2, 10.1, 10.3); the error lists what remains.
	CodeIncidentCloseBlocked = "incident_close_blocked"
)

// ChecklistRequirements are the checklist's record rules as data, on the
// fields of a checklist_items record: a waived item (not applicable) gives
// its reason, and an item numbered in needEvidence is done only with
// evidence linked. The server enforces them when an item is signed off or
// waived ("sign"); items whose evidence the software makes are judged by the
// server alone (CodeChecklistAutomaticEvidenceMissing).
func ChecklistRequirements(needEvidence []string) []Requirement {
	nums := make([]any, len(needEvidence))
	for i, n := range needEvidence {
		nums[i] = n
	}
	return []Requirement{
		{Code: CodeChecklistWaiverReasonRequired, Field: "waiver_reason", Applies: "sign",
			Message: "Give the reason this item is not needed: only the Director waives an item, and the reason is kept for the review (003 Appendix 2, 10.1)",
			When:    eq("status", "not_applicable"), Require: Cond{Field: "waiver_reason", Present: true}},
		{Code: CodeChecklistEvidenceRequired, Field: "evidence", Applies: "sign",
			Message: "Link the record that shows this item done (a meeting, a decision, a log entry) before marking it done",
			When:    Cond{All: []Cond{eq("status", "done"), {Field: "number", In: nums}}}, Require: Cond{Field: "evidence", Present: true}},
	}
}

// CloseState is what an incident's close is judged on: each list names what
// is outstanding, in plain English; DebriefHeld says whether a debrief /
// lessons-learned record exists.
type CloseState struct {
	ResidentsWithoutOutcome []string
	OpenMoves               []string
	ReviewsOutstanding      []string
	ItemsOutstanding        []string
	DebriefHeld             bool
}

// Remaining lists what stops the incident closing, one plain-English line
// each, in a fixed order.
func (s CloseState) Remaining() []string {
	var out []string
	for _, r := range s.ResidentsWithoutOutcome {
		out = append(out, "No known outcome for "+r+": record where they went, or that they died or left")
	}
	for _, m := range s.OpenMoves {
		out = append(out, "Move still open: "+m)
	}
	for _, r := range s.ReviewsOutstanding {
		out = append(out, "Post-move review overdue and not rescheduled: "+r+" (7.19)")
	}
	for _, it := range s.ItemsOutstanding {
		out = append(out, "Checklist item not done or waived by the Director: "+it)
	}
	if !s.DebriefHeld {
		out = append(out, "No debrief recorded: hold the debrief and record it as a debrief meeting (8.2, 10.1), with the consideration of a referral to the Safeguarding Adults Board (10.3)")
	}
	return out
}

// CheckClose gates closing an incident (003 Appendix 2, 8.2 "Conduct a
// debrief after every incident", 10.1 "once the procedure is completed",
// 10.3): every resident has a known outcome, no move is open, post-move
// reviews are done or rescheduled, every checklist item is done or waived by
// the Director with a reason, and a debrief is recorded. The violation's
// message counts what remains; Remaining lists it.
func CheckClose(s CloseState) Violations {
	left := s.Remaining()
	if len(left) == 0 {
		return nil
	}
	things := "things remain"
	if len(left) == 1 {
		things = "thing remains"
	}
	return Violations{violation(CodeIncidentCloseBlocked, "status", "the incident cannot be closed yet: %d %s (%s)", len(left), things, summarise(left))}
}

// summarise shortens a list for a one-line message: the first three and a
// count of the rest.
func summarise(items []string) string {
	if len(items) <= 3 {
		return strings.Join(items, "; ")
	}
	return fmt.Sprintf("%s; and %d more", strings.Join(items[:3], "; "), len(items)-3)
}
