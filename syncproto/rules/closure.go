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
	// OverrideRole is the role that recorded OverrideReason; only the roles
	// of MoveCompletionGate().OverrideRoles may override.
	OverrideRole Role
}

// GateItem is one item of a gate, as data: the record field that shows it
// done, a plain-English label, the seed reference, and whether a recorded
// override may stand in for it.
type GateItem struct {
	Field       string `json:"field"`
	Label       string `json:"label"`
	SeedRef     string `json:"seed_ref"`
	Overridable bool   `json:"overridable"`
	// RequiredWhen names a field that must be set for the item to be
	// needed at all ("" when it is always needed).
	RequiredWhen string `json:"required_when,omitempty"`
}

// Gate is a checklist that must be done before a step, and the roles that
// may record an override of its overridable items.
type Gate struct {
	Items         []GateItem `json:"items"`
	OverrideRoles []Role     `json:"override_roles"`
}

// MoveCompletionGate is the hand-over a move must pass before it is
// completed (003 Appendix 2, 7.12, 7.15, 7.20, 7.21, 7.24), in the seed's
// order. Medication (7.20) and identity (7.21) are never overridden. An
// override is recorded only by the roles that lead the move for the person
// (003 Appendix 1, Provider Failure Management Team): Operations, the
// council's social workers, "Ensure the safety and wellbeing of customers
// through managing ... Transfer of individual placements/packages to
// alternative provision"; and for fully funded NHS customers NHS liaison,
// since "the NHS will lead and co-ordinate all actions relating to fully
// funded NHS customers". The transport coordinator logs the day; it does not
// decide to hand over less.
func MoveCompletionGate() Gate {
	return Gate{
		Items: []GateItem{
			{Field: "care_plan_handed_over", Label: "Care summaries and care plan handed over; staff hand-over to the new provider done", SeedRef: "003 Appendix 2, 7.15", Overridable: true},
			{Field: "medication_travelling", Label: "Medication and treatment details go with the person", SeedRef: "003 Appendix 2, 7.20", Overridable: false},
			{Field: "identity_confirmed", Label: "The receiving home has confirmed the person's identity", SeedRef: "003 Appendix 2, 7.21", Overridable: false},
			{Field: "records_handed_over", Label: "Case files and summaries transferred with the person, or copies made and transferred", SeedRef: "003 Appendix 2, 7.24", Overridable: true},
			{Field: "equipment_transferred", Label: "Equipment transferred and installed", SeedRef: "003 Appendix 2, 7.12", Overridable: true, RequiredWhen: "equipment_travelling"},
		},
		OverrideRoles: []Role{RoleSocialWorker, RoleNHSLiaison},
	}
}

// MayOverride reports whether role is one of the gate's override roles.
func (g Gate) MayOverride(role Role) bool {
	for _, r := range g.OverrideRoles {
		if r == role {
			return true
		}
	}
	return false
}

// done reports whether the hand-over item named by field is done, and
// whether it is needed at all.
func (h Handover) done(field string) (done, needed bool) {
	switch field {
	case "care_plan_handed_over":
		return h.CarePlan, true
	case "medication_travelling":
		return h.Medication, true
	case "identity_confirmed":
		return h.IdentityConfirmed, true
	case "records_handed_over":
		return h.Records, true
	case "equipment_transferred":
		return h.EquipmentTransferred, h.EquipmentNeeded
	}
	return false, true
}

// missingItems returns the gate's items not done, in the seed's order.
func (h Handover) missingItems() []GateItem {
	var out []GateItem
	for _, it := range MoveCompletionGate().Items {
		if done, needed := h.done(it.Field); needed && !done {
			out = append(out, it)
		}
	}
	return out
}

// Missing returns the hand-over items not done, in the seed's order.
func (h Handover) Missing() []string {
	var out []string
	for _, it := range h.missingItems() {
		out = append(out, itemName(it))
	}
	return out
}

// itemName is an item's label with its seed section, as messages name it.
func itemName(it GateItem) string {
	return fmt.Sprintf("%s (%s)", strings.ToLower(it.Label[:1])+it.Label[1:], strings.TrimPrefix(it.SeedRef, "003 Appendix 2, "))
}

// CheckHandover gates a move's completion on its hand-over, as
// MoveCompletionGate lists it (003 Appendix 2, 7.15, 7.20, 7.21, 7.24 and
// 7.12): a move cannot be completed until every item is done. An override
// reason stands in for the overridable items only, and only when recorded
// by one of the gate's override roles; medication (7.20) and identity
// (7.21) are never overridden.
func CheckHandover(h Handover) Violations {
	missing := h.missingItems()
	if len(missing) == 0 {
		return nil
	}
	gate := MoveCompletionGate()
	var names, fixed []string
	for _, it := range missing {
		names = append(names, itemName(it))
		if !it.Overridable {
			fixed = append(fixed, itemName(it))
		}
	}
	if blank(h.OverrideReason) {
		return Violations{violation(CodeHandoverIncomplete, "status", "the move cannot be completed before its hand-over: %s not done; record them, or the reason to complete without them (handover_override_reason)", strings.Join(names, ", "))}
	}
	var vs Violations
	if !gate.MayOverride(h.OverrideRole) {
		vs = append(vs, violation(CodeHandoverOverrideNotPermitted, "handover_override_reason", "only %s may complete a move without its full hand-over, not %q: the override is theirs who lead the move (003 Appendix 1: Operations \"Transfer of individual placements/packages to alternative provision\"; \"the NHS will lead and co-ordinate all actions relating to fully funded NHS customers\")", roleList(gate.OverrideRoles), h.OverrideRole))
	}
	if len(fixed) > 0 {
		vs = append(vs, violation(CodeHandoverIncomplete, "status", "the move cannot be completed without %s, whatever the override: \"Customer medications and treatment details to go with customers\" (7.20) and \"ensure correct identification of relocated customers\" (7.21)", strings.Join(fixed, ", ")))
	}
	return vs
}

func roleList(rs []Role) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, " or ")
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
// ("no move can be planned for a resident who has died"). diedAt
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
// console and the app ("where is Mrs X right now").
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
