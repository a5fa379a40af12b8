package rules

import (
	"fmt"
	"sort"
	"strings"
	"time"
	// Embed the time-zone database so that Europe/London loads on any host,
	// including minimal containers with no /usr/share/zoneinfo.
	_ "time/tzdata"
)

// TimeOfDay is a wall-clock time of day, in WorkingHours.Location.
type TimeOfDay struct {
	Hour   int // 0-23 (24 allowed only as 24:00 for an end)
	Minute int // 0-59
}

// Clock returns the time of day h:m.
func Clock(h, m int) TimeOfDay { return TimeOfDay{Hour: h, Minute: m} }

// minutes is the time of day as minutes after midnight.
func (t TimeOfDay) minutes() int { return t.Hour*60 + t.Minute }

// String formats t as HH:MM.
func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", t.Hour, t.Minute) }

// valid reports whether t is a real time of day, allowing 24:00 as an end.
func (t TimeOfDay) valid() bool {
	return t.Hour >= 0 && t.Minute >= 0 && t.Minute < 60 && (t.Hour < 24 || (t.Hour == 24 && t.Minute == 0))
}

// WorkingHours is the council's "normal working hours": the days of the week
// and the wall-clock span, both in Location, within which transfers happen.
type WorkingHours struct {
	Start    TimeOfDay      // first minute of working hours
	End      TimeOfDay      // last minute of working hours (inclusive)
	Days     []time.Weekday // working days
	Location *time.Location // zone of Start and End; Europe/London by default
}

// LondonZone is the IANA name of the time zone of English councils.
const LondonZone = "Europe/London"

// DefaultWorkingHours returns Monday to Friday, 09:00 to 17:00, Europe/London.
// The zone database is embedded (time/tzdata), so loading cannot fail on a
// correct build; if it somehow does, DefaultWorkingHours panics rather than
// silently using another zone.
func DefaultWorkingHours() WorkingHours {
	loc, err := time.LoadLocation(LondonZone)
	if err != nil {
		panic(fmt.Sprintf("rules: cannot load %s: %v", LondonZone, err))
	}
	return WorkingHours{
		Start:    Clock(9, 0),
		End:      Clock(17, 0),
		Days:     []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		Location: loc,
	}
}

// Validate reports why wh cannot be used, if it cannot.
func (wh WorkingHours) Validate() Violations {
	var vs Violations
	if !wh.Start.valid() || !wh.End.valid() || wh.Start.minutes() >= wh.End.minutes() {
		vs = append(vs, violation(CodeInvalidWorkingHours, "working_hours", "working hours %s-%s are not a span within one day", wh.Start, wh.End))
	}
	if len(wh.Days) == 0 {
		vs = append(vs, violation(CodeInvalidWorkingHours, "working_hours.days", "working hours name no days"))
	}
	if wh.Location == nil {
		vs = append(vs, violation(CodeInvalidWorkingHours, "working_hours.location", "working hours have no time zone"))
	}
	return vs
}

// Within reports whether t falls within wh: on one of its days, at or after
// Start and at or before End, in wh's Location (so British Summer Time is
// honoured). A zero wh.Location is read as UTC.
func (wh WorkingHours) Within(t time.Time) bool {
	loc := wh.Location
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	day := false
	for _, d := range wh.Days {
		if d == lt.Weekday() {
			day = true
			break
		}
	}
	m := lt.Hour()*60 + lt.Minute()
	if lt.Second() != 0 || lt.Nanosecond() != 0 {
		// 17:00:30 is after 17:00.
		if m == wh.End.minutes() {
			return false
		}
	}
	return day && m >= wh.Start.minutes() && m <= wh.End.minutes()
}

// MoveStatus is where a move stands.
type MoveStatus string

// Move statuses, as the moves collection spells them. The lifecycle is
// MoveTransitions.
const (
	MovePlanned MoveStatus = "planned"
	// MoveInProgress: the person has left (in transit).
	MoveInProgress MoveStatus = "in_transit"
	// MoveArrived: every leg has arrived; the hand-over is under way.
	MoveArrived   MoveStatus = "arrived"
	MoveCompleted MoveStatus = "completed"
	MoveCancelled MoveStatus = "cancelled"
	// MoveOnHold: the move is paused (e.g. the person was admitted to
	// hospital); it resumes as planned or is cancelled.
	MoveOnHold MoveStatus = "on_hold"
)

// MoveTransitions is a move's lifecycle: from each status, the statuses it
// may move to. The seed's path is planned → in transit → arrived →
// completed (003 Appendix 2, 7.9 "Decision by customer/carer on new
// provision and date to move", 7.11 transport, 7.13 accompanied on the day,
// 7.15–7.24 the hand-over); a move is put on hold or cancelled from any
// state that is not final, and an on-hold move resumes as planned.
// Completed and cancelled are final. A move in transit may be completed in
// one step when its last leg has arrived: it passes through arrived, whose
// gate (CheckArrived) is checked with the hand-over's, so two devices
// logging the same day converge on completed instead of one refusing the
// other's "arrived" after the completion.
func MoveTransitions() map[MoveStatus][]MoveStatus {
	return map[MoveStatus][]MoveStatus{
		MovePlanned:    {MoveInProgress, MoveOnHold, MoveCancelled},
		MoveInProgress: {MoveArrived, MoveCompleted, MoveOnHold, MoveCancelled},
		MoveArrived:    {MoveCompleted, MoveOnHold, MoveCancelled},
		MoveOnHold:     {MovePlanned, MoveCancelled},
		MoveCompleted:  nil,
		MoveCancelled:  nil,
	}
}

// Known reports whether s is a status of the lifecycle.
func (s MoveStatus) Known() bool {
	_, ok := MoveTransitions()[s]
	return ok
}

// CheckMoveTransition checks a change of a move's status against
// MoveTransitions. An unchanged status is no transition. A completed move
// is history: it is never cancelled, reopened or otherwise changed; a
// mistake in it is put right with a correction record.
func CheckMoveTransition(from, to MoveStatus) Violations {
	if from == to {
		return nil
	}
	if !to.Known() {
		return Violations{violation(CodeInvalidInput, "status", "unknown move status %q", to)}
	}
	if from == MoveCompleted {
		return Violations{violation(CodeMoveCompletedFinal, "status", "a completed move cannot become %s: it is history; put a mistake right with a move correction (void, destination or completion time) with its reason", to)}
	}
	for _, s := range MoveTransitions()[from] {
		if s == to {
			return nil
		}
	}
	next := make([]string, 0, 3)
	for _, s := range MoveTransitions()[from] {
		next = append(next, string(s))
	}
	allowed := "nothing: it is final"
	if len(next) > 0 {
		allowed = strings.Join(next, ", ")
	}
	return Violations{violation(CodeMoveTransitionInvalid, "status", "a move goes planned → in_transit → arrived → completed, or on hold or cancelled before it completes (003 Appendix 2, 7.9–7.24); from %s it may become %s, not %s", from, allowed, to)}
}

// CheckArrived is the gate of arrival (and so of completion): the move has
// at least one leg, and every leg departed and arrived ("a move cannot
// arrive before it departs", domain.md; 003 Appendix 2, 7.11 transport and
// 7.13 "accompanied by someone familiar on the day of the move"). The order
// of the times is CheckLegs'.
func CheckArrived(m Move) Violations {
	if len(m.Legs) == 0 {
		return Violations{violation(CodeMoveNotArrived, "status", "the move has no leg logged: a move arrives only after the day's leg is logged as departed and arrived (003 Appendix 2, 7.11)")}
	}
	var vs Violations
	for i, l := range m.Legs {
		switch {
		case l.DepartedAt.IsZero():
			vs = append(vs, violation(CodeMoveNotArrived, "status", "leg %d is not logged as departed: a move arrives only after each leg departs and arrives (003 Appendix 2, 7.11)", i+1))
		case l.ArrivedAt.IsZero():
			vs = append(vs, violation(CodeMoveNotArrived, "status", "leg %d departed but is not logged as arrived: a move arrives only after each leg arrives (003 Appendix 2, 7.11)", i+1))
		}
	}
	return vs
}

// Leg is one stage of a move as logged on the day. Zero times are not yet logged.
type Leg struct {
	DepartedAt   time.Time // left the origin (or the previous stop)
	ArrivedAt    time.Time // arrived at the destination (or next stop)
	HandedOverAt time.Time // handed over to the receiving staff
}

// Move is a resident's planned or actual transfer from one service to another.
type Move struct {
	ID            string     // the move record's id
	ResidentID    string     // who moves
	FromServiceID string     // where from
	ToServiceID   string     // where to
	Status        MoveStatus // planned, in_progress, completed or cancelled; "" is planned
	// PlannedStart and PlannedEnd are the planned departure and arrival;
	// PlannedEnd may be zero.
	PlannedStart time.Time
	PlannedEnd   time.Time // planned arrival; may be zero
	// OutOfHoursReason justifies a move planned outside working hours.
	OutOfHoursReason string
	Legs             []Leg // logged on the day, in order
}

// Interval returns the span of time the move occupies the resident. When any
// leg has departed, the actual times are used: the first departure to the last
// arrival, and open (no end yet) while the last leg has not arrived and the
// move is not completed. Otherwise the planned span is used, an instant when
// PlannedEnd is zero. ok is false when the move has no time at all.
func (m Move) Interval() (start, end time.Time, open, ok bool) {
	var first, last time.Time
	arrivedAll := true
	for _, l := range m.Legs {
		if !l.DepartedAt.IsZero() && (first.IsZero() || l.DepartedAt.Before(first)) {
			first = l.DepartedAt
		}
		if l.ArrivedAt.IsZero() {
			arrivedAll = false
			continue
		}
		if l.ArrivedAt.After(last) {
			last = l.ArrivedAt
		}
	}
	if !first.IsZero() {
		if !arrivedAll && m.Status != MoveCompleted && m.Status != MoveCancelled {
			return first, time.Time{}, true, true
		}
		if last.IsZero() || last.Before(first) {
			last = first
		}
		return first, last, false, true
	}
	if m.PlannedStart.IsZero() {
		return time.Time{}, time.Time{}, false, false
	}
	end = m.PlannedEnd
	if end.IsZero() || end.Before(m.PlannedStart) {
		end = m.PlannedStart
	}
	return m.PlannedStart, end, false, true
}

// span is a move's interval, end ignored when open.
type span struct {
	start, end time.Time
	open       bool
}

func (a span) overlaps(b span) bool {
	if a.start.Equal(b.start) {
		return true
	}
	aEndsAfterBStarts := a.open || a.end.After(b.start)
	bEndsAfterAStarts := b.open || b.end.After(a.start)
	return aEndsAfterBStarts && bEndsAfterAStarts
}

// CheckLegs checks the legs of a move: a leg cannot arrive before it departs,
// nor arrive without departing; a handover follows the arrival; and a leg
// does not depart before the previous leg has arrived (domain.md "A resident
// is in exactly one place at a time; a move cannot arrive before it
// departs"). Legs are facts logged on the day and are never checked against
// working hours.
func CheckLegs(m Move) Violations {
	var vs Violations
	for i, l := range m.Legs {
		f := fmt.Sprintf("legs.%d", i)
		switch {
		case l.DepartedAt.IsZero() && !l.ArrivedAt.IsZero():
			vs = append(vs, violation(CodeLegArrivalWithoutDeparture, f+".arrived_at", "leg %d is logged as arrived but not as departed", i+1))
		case !l.ArrivedAt.IsZero() && l.ArrivedAt.Before(l.DepartedAt):
			vs = append(vs, violation(CodeLegArrivesBeforeDeparture, f+".arrived_at", "leg %d arrives at %s, before it departs at %s", i+1, l.ArrivedAt.Format(time.RFC3339), l.DepartedAt.Format(time.RFC3339)))
		}
		if !l.HandedOverAt.IsZero() && (l.ArrivedAt.IsZero() || l.HandedOverAt.Before(l.ArrivedAt)) {
			vs = append(vs, violation(CodeLegHandoverBeforeArrival, f+".handed_over_at", "leg %d is handed over before it arrives", i+1))
		}
		if i > 0 {
			p := m.Legs[i-1]
			if !l.DepartedAt.IsZero() && (p.ArrivedAt.IsZero() || l.DepartedAt.Before(p.ArrivedAt)) {
				vs = append(vs, violation(CodeLegsOverlap, f+".departed_at", "leg %d departs before leg %d has arrived", i+1, i))
			}
		}
	}
	return vs
}

// CheckWorkingHours checks that a move is planned within normal working hours
// (003 s.11: "All transfers of customers between care providers should occur
// within normal working hours"): its planned start and, when given, its planned
// end fall within wh, on the same day; unless an out-of-hours reason is
// recorded. Only the plan is checked; legs logged on the day are facts.
func CheckWorkingHours(m Move, wh WorkingHours) Violations {
	if vs := wh.Validate(); len(vs) > 0 {
		return vs
	}
	if !blank(m.OutOfHoursReason) || m.PlannedStart.IsZero() {
		return nil
	}
	var vs Violations
	desc := fmt.Sprintf("%s-%s on %s", wh.Start, wh.End, weekdays(wh.Days))
	if !wh.Within(m.PlannedStart) {
		vs = append(vs, violation(CodeMoveOutOfHours, "planned_start", "the move is planned to start at %s, outside normal working hours (%s, %s); record an out-of-hours reason (003 s.11)", m.PlannedStart.In(wh.Location).Format("Mon 2 Jan 2006 15:04"), desc, wh.Location))
	}
	if !m.PlannedEnd.IsZero() {
		s, e := m.PlannedStart.In(wh.Location), m.PlannedEnd.In(wh.Location)
		switch {
		case !wh.Within(m.PlannedEnd):
			vs = append(vs, violation(CodeMoveOutOfHours, "planned_end", "the move is planned to end at %s, outside normal working hours (%s, %s); record an out-of-hours reason (003 s.11)", e.Format("Mon 2 Jan 2006 15:04"), desc, wh.Location))
		case s.YearDay() != e.YearDay() || s.Year() != e.Year():
			vs = append(vs, violation(CodeMoveOutOfHours, "planned_end", "the move is planned to run from %s to %s, through the hours outside normal working hours; record an out-of-hours reason (003 s.11)", s.Format("Mon 2 Jan 15:04"), e.Format("Mon 2 Jan 15:04")))
		}
	}
	return vs
}

func weekdays(ds []time.Weekday) string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.String()[:3]
	}
	return strings.Join(names, ",")
}

// HoldsPlace reports whether a move in this status holds the resident's
// place in time: a cancelled move does not, nor does one on hold (e.g. while
// the person is in hospital), which is planned again before it goes ahead.
func (s MoveStatus) HoldsPlace() bool { return s != MoveCancelled && s != MoveOnHold }

// CheckOnePlace checks that a resident is in exactly one place at a time: the
// move m must not overlap any other move of the same resident that is not
// cancelled or on hold (domain.md "A resident is in exactly one place at a time"). A move
// in existing with m's ID is m itself (an update) and is skipped. Moves with
// no time cannot overlap.
func CheckOnePlace(existing []Move, m Move) Violations {
	ms, me, mopen, ok := m.Interval()
	if !ok || !m.Status.HoldsPlace() {
		return nil
	}
	a := span{ms, me, mopen}
	var vs Violations
	for _, o := range existing {
		if o.ResidentID != m.ResidentID || !o.Status.HoldsPlace() || (m.ID != "" && o.ID == m.ID) {
			continue
		}
		os, oe, oopen, ok := o.Interval()
		if !ok {
			continue
		}
		if a.overlaps(span{os, oe, oopen}) {
			vs = append(vs, violation(CodeResidentDoublePlaced, "planned_start", "resident %s would be in two places at once: this move overlaps move %s (%s)", m.ResidentID, o.ID, o.Status))
		}
	}
	return vs
}

// CheckOrigin checks that a move starts where the resident is: at the
// destination of the resident's latest earlier move that is not cancelled,
// or, when there is none, at currentServiceID (if given). Moves that overlap
// m are left to CheckOnePlace.
func CheckOrigin(existing []Move, m Move, currentServiceID string) Violations {
	ms, me, mopen, ok := m.Interval()
	if !ok {
		return nil
	}
	self := span{ms, me, mopen}
	var prior []Move
	for _, o := range existing {
		if o.ResidentID != m.ResidentID || !o.Status.HoldsPlace() || (m.ID != "" && o.ID == m.ID) {
			continue
		}
		os, oe, open, ok := o.Interval()
		// An overlapping move is CheckOnePlace's concern, not an origin.
		if ok && !open && !oe.After(ms) && !self.overlaps(span{os, oe, open}) {
			prior = append(prior, o)
		}
	}
	sort.SliceStable(prior, func(i, j int) bool {
		_, ei, _, _ := prior[i].Interval()
		_, ej, _, _ := prior[j].Interval()
		return ei.Before(ej)
	})
	where, from := currentServiceID, "the resident's current placement"
	if len(prior) > 0 {
		last := prior[len(prior)-1]
		where, from = last.ToServiceID, "the destination of move "+last.ID
	}
	if where == "" || where == m.FromServiceID {
		return nil
	}
	return Violations{violation(CodeMoveOriginMismatch, "from_service_id", "the move starts from service %s but the resident is then at service %s (%s)", m.FromServiceID, where, from)}
}

// RegistrationCategory is a CQC registration category of care (e.g.
// "nursing", "dementia"); compared case-insensitively.
type RegistrationCategory string

// Service is a destination service as the move rules need it.
type Service struct {
	ID string // the service's id
	// Registered: the service is registered with CQC.
	Registered bool
	// Categories are the registration categories it is registered for.
	Categories []RegistrationCategory
	// Suspended: the council has suspended contracting with it (or with its
	// provider).
	Suspended bool
	// RAG is its provider's current QMT RAG status; "" when unrated.
	RAG RAGStatus
}

// DestinationOverride is a commissioner's recorded decision to place a
// resident with a provider despite concerns about it.
type DestinationOverride struct {
	// Reason says why the placement goes ahead; blank means no override.
	Reason string
	// Role is who recorded it.
	Role Role
}

// CheckDestination checks that the destination is registered for every
// registration category the resident needs (003 Appendix 2, 7.5: "Ensure new
// provider is registered for the category of care required and can meet
// needs"; 3.3 "Check current Registration category"). Concerns about the
// provider (suspension, RED) are CheckDestinationConcerns'.
func CheckDestination(needs []RegistrationCategory, dest Service) Violations {
	var vs Violations
	if len(needs) > 0 && !dest.Registered {
		vs = append(vs, violation(CodeDestinationNotRegistered, "to_service_id", "service %s is not registered with CQC; the new provider must be registered for the category of care required (003 Appendix 2, 7.5)", dest.ID))
	} else {
		have := map[string]bool{}
		for _, c := range dest.Categories {
			have[normCategory(c)] = true
		}
		for _, n := range needs {
			if !have[normCategory(n)] {
				vs = append(vs, violation(CodeDestinationNotRegistered, "to_service_id", "service %s is not registered for %q, a category of care the resident needs (003 Appendix 2, 7.5)", dest.ID, n))
			}
		}
	}
	return vs
}

// CheckDestinationConcerns checks that there are no concerns about the
// receiving provider (003 Appendix 2, 7.6: "Liase with CQC, NHS, DCC and
// other local authority staff to ensure there are no concerns about the
// Care Provider"): no move to a provider rated RED or in PROVIDER_FAILURE,
// or with whom contracting is suspended, unless a commissioner records an
// override with its reason. An override recorded by any other role is
// refused (override_not_permitted).
func CheckDestinationConcerns(dest Service, o DestinationOverride) Violations {
	var vs Violations
	if !blank(o.Reason) && o.Role != RoleCommissioner {
		vs = append(vs, violation(CodeOverrideNotPermitted, "destination_override_reason", "only a commissioner (Head of Adults Commissioning) may override concerns about a destination provider, not %s (003 Appendix 2, 7.6)", o.Role))
	}
	overridden := !blank(o.Reason) && o.Role == RoleCommissioner
	if dest.Suspended && !overridden {
		vs = append(vs, violation(CodeDestinationSuspended, "to_service_id", "contracting with service %s is suspended; a commissioner may record an override with its reason (003 Appendix 2, 7.6 \"ensure there are no concerns about the Care Provider\")", dest.ID))
	}
	if (dest.RAG == RAGRed || dest.RAG == RAGProviderFailure) && !overridden {
		vs = append(vs, violation(CodeDestinationRAG, "to_service_id", "service %s belongs to a provider rated %s; a commissioner may record an override with its reason (003 Appendix 2, 7.6 \"ensure there are no concerns about the Care Provider\")", dest.ID, dest.RAG))
	}
	return vs
}

// CheckNHSLead checks that NHS liaison plans moves and best-interests
// decisions only for fully funded NHS residents: "the NHS will lead and
// co-ordinate all actions relating to fully funded NHS customers" (003
// Appendix 1, Schedules A and B). Council roles are not limited here.
// funding are the resident's funding streams (FundingNHSCHC is "nhs_chc").
func CheckNHSLead(role Role, funding []string) Violations {
	if role != RoleNHSLiaison {
		return nil
	}
	for _, f := range funding {
		if f == "nhs_chc" {
			return nil
		}
	}
	return Violations{violation(CodeNHSLeadsCHCOnly, "resident_id", "NHS liaison leads for fully funded NHS (CHC) residents; this resident's funding is %s, so the council plans for them (003 Appendix 1: \"the NHS will lead and co-ordinate all actions relating to fully funded NHS customers\")", fundingList(funding))}
}

func fundingList(f []string) string {
	if len(f) == 0 {
		return "not recorded"
	}
	return strings.Join(f, ", ")
}

func normCategory(c RegistrationCategory) string {
	return strings.ToLower(strings.Join(strings.Fields(string(c)), " "))
}

// MoveCheck gathers what CheckMove needs to judge a new or changed move.
type MoveCheck struct {
	Move Move // the move judged
	// Existing are the resident's other moves (others' are ignored).
	Existing []Move
	// CurrentServiceID is where the resident lives before any of Existing.
	CurrentServiceID string
	// Destination is the service moved to.
	Destination Service
	// Needs are the registration categories the resident needs.
	Needs        []RegistrationCategory
	WorkingHours WorkingHours // normal working hours; see DefaultWorkingHours
	// Override is a commissioner's override of concerns about the
	// destination provider, if recorded.
	Override DestinationOverride
	// Plan: judge the plan whatever the move's status: the move is being
	// created (a move created already in transit, arrived or completed
	// passes every planning gate) or its plan is being changed.
	Plan bool
}

// CheckMove applies every move invariant: legs (always), one place at a time
// (unless cancelled), and for a planned (or status-less) or in-transit move,
// or any move whose plan is judged (c.Plan: being created, or its plan
// changed), also its origin, its destination's
// registration and concerns, and working hours. A move on hold, arrived,
// completed or cancelled is not re-judged against the planning rules when it
// changes: a plan is judged when it is made and while it is under way, and
// putting a move on hold or cancelling it is never refused for its plan.
func CheckMove(c MoveCheck) Violations {
	m := c.Move
	var vs Violations
	if blank(m.ResidentID) {
		vs = append(vs, violation(CodeInvalidInput, "resident_id", "a move names its resident"))
	}
	vs = append(vs, CheckLegs(m)...)
	if !m.PlannedStart.IsZero() && !m.PlannedEnd.IsZero() && m.PlannedEnd.Before(m.PlannedStart) {
		vs = append(vs, violation(CodeMoveEndsBeforeStart, "planned_end", "the move is planned to end before it starts"))
	}
	vs = append(vs, CheckOnePlace(c.Existing, m)...)
	switch {
	case m.Status != "" && !m.Status.Known():
		return append(vs, violation(CodeInvalidInput, "status", "unknown move status %q", m.Status))
	case c.Plan, m.Status == MovePlanned, m.Status == MoveInProgress, m.Status == "":
	default:
		return vs
	}
	if m.PlannedStart.IsZero() {
		vs = append(vs, violation(CodeInvalidInput, "planned_start", "a planned move has a planned date and time"))
	}
	if m.FromServiceID != "" && m.FromServiceID == m.ToServiceID {
		vs = append(vs, violation(CodeMoveSameService, "to_service_id", "the move starts and ends at the same service"))
	}
	if c.Destination.ID != "" && c.Destination.ID != m.ToServiceID {
		vs = append(vs, violation(CodeInvalidInput, "to_service_id", "destination %s is not the move's destination %s", c.Destination.ID, m.ToServiceID))
	}
	vs = append(vs, CheckOrigin(c.Existing, m, c.CurrentServiceID)...)
	vs = append(vs, CheckDestination(c.Needs, c.Destination)...)
	vs = append(vs, CheckDestinationConcerns(c.Destination, c.Override)...)
	vs = append(vs, CheckWorkingHours(m, c.WorkingHours)...)
	return vs
}
