package rules

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Handover is the state of a move's hand-over items when it is completed
// (003 Appendix 2, 7.12, 7.15, 7.20, 7.21, 7.24).
type Handover struct {
	// Medication: "Customer medications and treatment details to go with
	// customers" (7.20).
	Medication bool
	// CarePlan: "Staff handover to new providers – verbal, electronic and
	// written. Care summaries, including care plan" (7.15).
	CarePlan bool
	// IdentityConfirmed: "Particular attention to be made to ensure correct
	// identification of relocated customers" (7.21).
	IdentityConfirmed bool
	// Records: "Provider Customer information / case files / summaries
	// transfer with Customers" (7.24).
	Records bool
	// EquipmentNeeded: equipment travels with the person; then
	// EquipmentTransferred must be done (7.12).
	EquipmentNeeded      bool
	EquipmentTransferred bool
	// OverrideReason records why the move is completed without every item.
	OverrideReason string
}

// Missing returns the hand-over items not done, in the seed's order.
func (h Handover) Missing() []string {
	var out []string
	if !h.CarePlan {
		out = append(out, "care plan and care summaries (7.15)")
	}
	if !h.Medication {
		out = append(out, "medication and treatment details (7.20)")
	}
	if !h.IdentityConfirmed {
		out = append(out, "identity confirmed (7.21)")
	}
	if !h.Records {
		out = append(out, "case files and records (7.24)")
	}
	if h.EquipmentNeeded && !h.EquipmentTransferred {
		out = append(out, "equipment transferred (7.12)")
	}
	return out
}

// CheckHandover gates a move's completion on its hand-over (003 Appendix 2,
// 7.15, 7.20, 7.21, 7.24 and 7.12): a move cannot be completed until every
// hand-over item is done, or an override reason is recorded.
func CheckHandover(h Handover) Violations {
	missing := h.Missing()
	if len(missing) == 0 || !blank(h.OverrideReason) {
		return nil
	}
	return Violations{violation(CodeHandoverIncomplete, "status", "the move cannot be completed before its hand-over: %s not done; record them, or the reason to complete without them (handover_override_reason)", strings.Join(missing, ", "))}
}

// ReviewOffset is one review of the post-move programme: its type and how
// long after the move it is due.
type ReviewOffset struct {
	Type  string        // e.g. "72_hours"
	After time.Duration // after the move's completion
}

// DefaultReviewSchedule is the post-move review programme (003 Appendix 2,
// 7.19: "Establish a programme of Social Worker / Nursing reviews ... to
// ensure Customers well-being after the move"): a review 72 hours after the
// move and another at 4 weeks.
func DefaultReviewSchedule() []ReviewOffset {
	return []ReviewOffset{{Type: "72_hours", After: 72 * time.Hour}, {Type: "4_weeks", After: 28 * 24 * time.Hour}}
}

// ReviewDue is when a review is due: the calendar date, in loc, of the move's
// completion plus the offset.
func ReviewDue(completed time.Time, o ReviewOffset, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return completed.Add(o.After).In(loc).Format(time.DateOnly)
}

// CheckResidentAlive refuses a plan or event for a resident who has died
// (issue 13: "no move can be planned for a resident who has died"). diedAt
// is the recorded death, zero when none.
func CheckResidentAlive(diedAt time.Time, what string) Violations {
	if diedAt.IsZero() {
		return nil
	}
	return Violations{violation(CodeResidentDeceased, "resident_id", "the resident died on %s: no %s can be recorded for them", diedAt.UTC().Format(time.DateOnly), what)}
}

// Place is one answer to "where is the person now".
type Place struct {
	// Kind is "service" (at a care home or other service), "hospital",
	// "in_transit", "deceased" or "unknown".
	Kind string `json:"kind"`
	// ServiceID names the service when Kind is service.
	ServiceID string `json:"service_id,omitempty"`
	// Location describes a place that is not a service (a hospital ward).
	Location string `json:"location,omitempty"`
}

// Whereabouts works out where a resident is now from their status, current
// service and location, and whether a move is under way: one answer for the
// console and the app (issue 13, "where is Mrs X right now").
func Whereabouts(status, currentServiceID, location string, inTransit bool) Place {
	switch {
	case status == "deceased":
		return Place{Kind: "deceased", Location: location}
	case status == "in_hospital":
		return Place{Kind: "hospital", Location: location, ServiceID: currentServiceID}
	case inTransit:
		return Place{Kind: "in_transit", ServiceID: currentServiceID}
	case currentServiceID != "":
		return Place{Kind: "service", ServiceID: currentServiceID}
	case location != "":
		return Place{Kind: "other", Location: location}
	}
	return Place{Kind: "unknown"}
}

// CrossAuthorityNeed is a notification 003 Appendix 2 asks for.
type CrossAuthorityNeed struct {
	ResidentID string `json:"resident_id"`
	MoveID     string `json:"move_id,omitempty"`
	// Kind is placing_authority (4.2) or receiving_authority or receiving_nhs
	// (7.23).
	Kind string `json:"kind"`
	// Authority names who must be told.
	Authority string `json:"authority"`
	Reason    string `json:"reason"`
}

// CrossAuthorityPlacement is what CrossAuthorityNeeds reads about one
// resident.
type CrossAuthorityPlacement struct {
	ResidentID string
	// PlacingAuthority is the authority that placed the person, "" for the
	// council's own residents.
	PlacingAuthority string
	// HomeAuthority is the council's own area (the failing service's local
	// authority).
	HomeAuthority string
	// Moves are the resident's moves that are not cancelled: id and the
	// destination's local authority.
	Moves []struct{ ID, DestinationAuthority string }
}

// CrossAuthorityNeeds lists who must be notified about a resident: the
// placing authority of a person placed by another authority (003 Appendix 2,
// 4.2 "Any Out of County funded Customers? Make external commissioners aware
// of situation"), and for a move out of the county the receiving authority
// and NHS (7.23 "Placements made Out of County should be notified to the
// receiving NHS / Local Authority").
func CrossAuthorityNeeds(p CrossAuthorityPlacement) []CrossAuthorityNeed {
	var out []CrossAuthorityNeed
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	if p.PlacingAuthority != "" && norm(p.PlacingAuthority) != norm(p.HomeAuthority) {
		out = append(out, CrossAuthorityNeed{ResidentID: p.ResidentID, Kind: "placing_authority", Authority: p.PlacingAuthority,
			Reason: "003 Appendix 2, 4.2: make external commissioners aware of the situation, and confirm whether they wish the JISG to act on their behalf"})
	}
	for _, m := range p.Moves {
		if m.DestinationAuthority == "" || p.HomeAuthority == "" || norm(m.DestinationAuthority) == norm(p.HomeAuthority) {
			continue
		}
		for _, k := range []string{"receiving_authority", "receiving_nhs"} {
			out = append(out, CrossAuthorityNeed{ResidentID: p.ResidentID, MoveID: m.ID, Kind: k, Authority: m.DestinationAuthority,
				Reason: fmt.Sprintf("003 Appendix 2, 7.23: the placement in %s is out of county and is notified to the receiving NHS / Local Authority", m.DestinationAuthority)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].MoveID < out[j].MoveID })
	return out
}
