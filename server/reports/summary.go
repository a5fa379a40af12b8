package reports

import (
	"sort"
	"strconv"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/checklist"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// Summary is an incident's figures at one moment. Every count is worked out
// from the records in Data; DESIGN.md says how each is counted.
type Summary struct {
	// IncidentID and IncidentTitle name the incident.
	IncidentID    string `json:"incident_id"`
	IncidentTitle string `json:"incident_title,omitempty"`
	// GeneratedAt is the now the summary was worked out for (UTC).
	GeneratedAt time.Time `json:"generated_at"`
	// Today is GeneratedAt's calendar date in Europe/London: the date
	// follow-up dates are compared with.
	Today         string               `json:"today"`
	Residents     ResidentFigures      `json:"residents"`      // who the incident's residents are
	SafeAndWell   SafeAndWellFigures   `json:"safe_and_well"`  // checks done and due
	Capacity      CapacityFigures      `json:"capacity"`       // Mental Capacity Act assessments
	BestInterests BestInterestsFigures `json:"best_interests"` // best-interests decisions
	Moves         MoveFigures          `json:"moves"`          // moves and who still has to move
	Conflicts     ConflictFigures      `json:"conflicts"`      // sync conflicts for back office
	// Checklist is the Management Checklist's progress by section, 1 to 10
	// in order (every section appears, with zeros if it has no items).
	Checklist []ChecklistProgress `json:"checklist"`
	// ChecklistTotal adds up every section.
	ChecklistTotal ChecklistProgress `json:"checklist_total"`
	// ChecklistWithoutEvidence lists the numbers of items marked done that
	// point at no record showing it (checklist evidence).
	ChecklistWithoutEvidence []string `json:"checklist_without_evidence"`
	// ChecklistOverdue lists the items past their due date (the lead
	// officer's due_on, or the date the item's due rule gives), in the
	// seed's order.
	ChecklistOverdue []OverdueItem `json:"checklist_overdue"`
	// Whereabouts counts residents by where they are now.
	Whereabouts WhereaboutsCounts `json:"whereabouts"`
	// Events counts deaths and hospital admissions during the incident.
	Events EventFigures `json:"events"`
	// Reviews counts the post-move review programme (7.19).
	Reviews ReviewFigures `json:"reviews"`
	// Handover counts completed moves by their hand-over.
	Handover HandoverFigures `json:"handover"`
	// Family counts contact with families and decisions on new homes.
	Family FamilyFigures `json:"family"`
	// CrossAuthority counts notifications to other authorities and the NHS.
	CrossAuthority CrossAuthorityFigures `json:"cross_authority"`
	// PostMove counts the work after moves still outstanding: GP change
	// (7.22), DWP (7.26), new contract (7.27), placing authority (7.23).
	PostMove PostMoveFigures `json:"post_move"`
	// DoLSToRequest lists the people whose DoLS authorisation did not
	// follow them to their new home (3.10).
	DoLSToRequest []DoLSToRequest `json:"dols_to_request"`
	// Obligations are the seed's obligations beyond the checklist, the
	// Provider Failure Management meeting's timing among them.
	Obligations ObligationFigures `json:"obligations"`
}

// FundingCounts counts residents by funding stream (003 Appendix 2,
// section 4). Funding can be several things at once (a self-funder
// receiving FNC counts in both columns, as the seed's header counts them in
// separate columns), so the columns may add up to more than the residents.
// Unknown counts residents with no funding stream recorded, and streams
// that are not in the list.
type FundingCounts struct {
	LAFunded           int `json:"la_funded"`            // funded by the council
	NHSCHC             int `json:"nhs_chc"`              // fully funded NHS Continuing Healthcare
	FNC                int `json:"fnc"`                  // Funded Nursing Care
	SelfFunder         int `json:"self_funder"`          // self-funders
	OutOfArea          int `json:"out_of_area"`          // placed by another authority
	S117               int `json:"s117"`                 // section 117 Mental Health Act aftercare
	DWPPreservedRights int `json:"dwp_preserved_rights"` // DWP / preserved rights
	Unknown            int `json:"unknown"`              // none recorded, or not one of the above
}

// add counts one resident with funding stream f.
func (c *FundingCounts) add(f string) {
	switch f {
	case schema.FundingLAFunded:
		c.LAFunded++
	case schema.FundingNHSCHC:
		c.NHSCHC++
	case schema.FundingFNC:
		c.FNC++
	case schema.FundingSelfFunder:
		c.SelfFunder++
	case schema.FundingOutOfArea:
		c.OutOfArea++
	case schema.FundingS117:
		c.S117++
	case schema.FundingDWPPreservedRights:
		c.DWPPreservedRights++
	default:
		c.Unknown++
	}
}

// ResidentFigures count the incident's residents.
type ResidentFigures struct {
	// Total counts every live resident record of the incident.
	Total int `json:"total"`
	// ByFunding counts them by funding stream.
	ByFunding FundingCounts `json:"by_funding"`
	// ByCategory counts them by registration_category ("unknown" when
	// unset); ByStatus by status ("unknown" when unset).
	ByCategory map[string]int `json:"by_category"`
	ByStatus   map[string]int `json:"by_status"`
	// UnderDoLS counts residents with an urgent or standard DoLS
	// authorisation in force (3.10); DoLSNewRequestNeeded those who moved
	// under one and need a new request at their new home.
	UnderDoLS            int `json:"under_dols"`
	DoLSNewRequestNeeded int `json:"dols_new_request_needed"`
	// VeryFrail, AssessEarly and WishesToMoveEarly count residents so
	// flagged (3.5, 3.7, 3.6).
	VeryFrail         int `json:"very_frail"`
	AssessEarly       int `json:"assess_early"`
	WishesToMoveEarly int `json:"wishes_to_move_early"`
	// FriendshipGroups counts distinct friendship group labels, and
	// InFriendshipGroups the residents who carry one (3.1, 7.4).
	FriendshipGroups   int `json:"friendship_groups"`
	InFriendshipGroups int `json:"in_friendship_groups"`
}

// DueResident is a resident due a safe-and-well check.
type DueResident struct {
	ResidentID   string `json:"resident_id"`   // the resident
	ResidentName string `json:"resident_name"` // their full name
	// FollowUpDue is the latest check's follow-up date; empty when the
	// resident has never been checked.
	FollowUpDue string `json:"follow_up_due,omitempty"`
}

// SafeAndWellFigures count safe-and-well checks and who is due one.
type SafeAndWellFigures struct {
	// Checks counts check records; SafeAndWell, Concerns and NotSeen count
	// them by outcome, and SafeguardingRaised those that raised a concern.
	Checks             int `json:"checks"`
	SafeAndWell        int `json:"safe_and_well"`
	Concerns           int `json:"concerns"`
	NotSeen            int `json:"not_seen"`
	SafeguardingRaised int `json:"safeguarding_raised"`
	// OrphanChecks counts checks of people who are not residents of the
	// incident (a data problem to look into).
	OrphanChecks int `json:"orphan_checks"`
	// ResidentsChecked counts residents checked at least once;
	// ResidentsNeverChecked those never checked.
	ResidentsChecked      int `json:"residents_checked"`
	ResidentsNeverChecked int `json:"residents_never_checked"`
	// LatestConcerns and LatestNotSeen count residents whose latest check
	// found concerns or did not see them.
	LatestConcerns int `json:"latest_concerns"`
	LatestNotSeen  int `json:"latest_not_seen"`
	// FollowUpDue counts residents whose latest check's follow_up_due is
	// today or earlier; Due adds the residents never checked. Deceased
	// residents and those who have left are not due.
	FollowUpDue int `json:"follow_up_due"`
	Due         int `json:"due"`
	// DueResidents lists the residents counted in Due, earliest follow-up
	// first (never checked first of all), then by name.
	DueResidents []DueResident `json:"due_residents"`
}

// CapacityFigures count Mental Capacity Act assessments.
type CapacityFigures struct {
	// Assessments counts assessment records; Signed those signed.
	Assessments int `json:"assessments"`
	Signed      int `json:"signed"`
	// HasCapacity, LacksCapacity and NoOutcome count them by outcome.
	HasCapacity   int `json:"has_capacity"`
	LacksCapacity int `json:"lacks_capacity"`
	NoOutcome     int `json:"no_outcome"`
	// Superseded counts assessments another assessment supersedes.
	Superseded int `json:"superseded"`
	// ResidentsAssessed counts residents with at least one assessment.
	ResidentsAssessed int `json:"residents_assessed"`
	// AwaitingBestInterests counts current (not superseded) assessments
	// finding capacity lacking with no best-interests decision resting on
	// them.
	AwaitingBestInterests int `json:"awaiting_best_interests"`
}

// BestInterestsFigures count best-interests decisions.
type BestInterestsFigures struct {
	// Decisions counts best-interests decision records; Decided those with
	// a decided_at time.
	Decisions int `json:"decisions"`
	Decided   int `json:"decided"`
	// IMCARequired counts decisions for which an IMCA must be instructed,
	// by the rule (a blank expected stay is not zero), and IMCAInstructed
	// those with an IMCA referral date.
	IMCARequired   int `json:"imca_required"`
	IMCAInstructed int `json:"imca_instructed"`
}

// MoveFigures count moves and the residents still to move.
type MoveFigures struct {
	// Total counts move records; Planned, InTransit, Completed and
	// Cancelled count them by status, OtherStatus any other or none.
	Total       int `json:"total"`
	Planned     int `json:"planned"`
	InTransit   int `json:"in_transit"`
	Completed   int `json:"completed"`
	Cancelled   int `json:"cancelled"`
	OnHold      int `json:"on_hold"`
	OtherStatus int `json:"other_status"`
	// ResidentsMoved counts residents with a completed move.
	ResidentsMoved int `json:"residents_moved"`
	// ResidentsStillToMove counts residents who have no completed move and
	// are not recorded as moved, deceased or left.
	ResidentsStillToMove int `json:"residents_still_to_move"`
	// ResidentsWithActiveMove counts those of them with a planned or
	// in-transit move; ResidentsWithoutPlan those with neither.
	ResidentsWithActiveMove int `json:"residents_with_active_move"`
	ResidentsWithoutPlan    int `json:"residents_without_plan"`
}

// ConflictFigures count sync conflicts awaiting or given a person's
// decision.
type ConflictFigures struct {
	Total    int `json:"total"`    // conflict records
	Open     int `json:"open"`     // status open: awaiting back office
	Resolved int `json:"resolved"` // status resolved
}

// ChecklistProgress is the progress of one checklist section (or, in
// Summary.ChecklistTotal, all of them; Section is then 0).
type ChecklistProgress struct {
	Section       int    `json:"section"`        // 1 to 10; 0 for the total
	Title         string `json:"title"`          // the section's title as printed
	Items         int    `json:"items"`          // items in the section
	Done          int    `json:"done"`           // status done
	InProgress    int    `json:"in_progress"`    // status in_progress
	NotStarted    int    `json:"not_started"`    // status not_started
	NotApplicable int    `json:"not_applicable"` // status not_applicable
	// OtherStatus counts items with no status or an unknown one.
	OtherStatus int `json:"other_status"`
}

// add counts one item with status s.
func (p *ChecklistProgress) add(s string) {
	p.Items++
	switch s {
	case "done":
		p.Done++
	case "in_progress":
		p.InProgress++
	case "not_started":
		p.NotStarted++
	case "not_applicable":
		p.NotApplicable++
	default:
		p.OtherStatus++
	}
}

// Move statuses (schema.MoveStatuses).
const (
	movePlanned   = "planned"
	moveInTransit = "in_transit"
	moveCompleted = "completed"
	moveCancelled = "cancelled"
	moveOnHold    = "on_hold"
)

// activeMove reports whether a move status means the move is still going
// ahead.
func activeMove(status string) bool { return status == movePlanned || status == moveInTransit }

// Resident statuses that take a person out of the moving.
const (
	statusMoved    = "moved"
	statusDeceased = "deceased"
	statusLeft     = "left"
)

// moveState is what the moves say about each resident.
type moveState struct {
	completed map[string]bool // resident id → has a completed move
	active    map[string]bool // resident id → has a planned or in-transit move
}

func movesByResident(ix *index) moveState {
	ms := moveState{completed: map[string]bool{}, active: map[string]bool{}}
	voided := voidedMoves(ix)
	for _, m := range ix.all("moves") {
		rid := str(m, "resident_id")
		switch s := str(m, "status"); {
		case s == moveCompleted && voided[m.ID]:
		case s == moveCompleted:
			ms.completed[rid] = true
		case activeMove(s):
			ms.active[rid] = true
		}
	}
	return ms
}

// stillToMove reports whether a resident still has to move: no completed
// move and not recorded as moved, deceased or left.
func (ms moveState) stillToMove(r *syncproto.Record) bool {
	switch str(r, "status") {
	case statusMoved, statusDeceased, statusLeft:
		return false
	}
	return !ms.completed[r.ID]
}

// Summarize works out the incident's figures as of now.
func Summarize(d Data, now time.Time) Summary {
	ix := newIndex(d)
	s := Summary{IncidentID: d.IncidentID, GeneratedAt: now.UTC(), Today: today(now)}
	if inc := ix.incident(); inc != nil {
		s.IncidentTitle = str(inc, "title")
	}
	residents := ix.all("residents")
	isResident := map[string]*syncproto.Record{}
	for _, r := range residents {
		isResident[r.ID] = r
	}
	s.Residents = residentFigures(residents)
	s.SafeAndWell = safeAndWell(ix, residents, isResident, s.Today)
	s.Capacity, s.BestInterests = capacity(ix)
	s.Moves = moveFigures(ix, residents)
	for _, c := range ix.all("conflicts") {
		s.Conflicts.Total++
		switch str(c, "status") {
		case "open":
			s.Conflicts.Open++
		case "resolved":
			s.Conflicts.Resolved++
		}
	}
	s.Checklist, s.ChecklistTotal = checklistProgress(ix)
	s.ChecklistWithoutEvidence = checklistWithoutEvidence(ix)
	s.ChecklistOverdue = overdueItems(ix, s.Today)
	s.Whereabouts = whereaboutsCounts(ix)
	s.Events = eventFigures(ix)
	s.Reviews = reviewFigures(ix, s.Today)
	s.Handover = handoverFigures(ix)
	s.Family = familyFigures(ix)
	s.CrossAuthority = crossAuthority(ix)
	s.PostMove = postMoveWork(ix, s.Today)
	s.DoLSToRequest = dolsToRequest(ix)
	s.Residents.DoLSNewRequestNeeded = len(s.DoLSToRequest)
	s.Obligations = obligationFigures(ix, now)
	return s
}

func residentFigures(residents []*syncproto.Record) ResidentFigures {
	f := ResidentFigures{ByCategory: map[string]int{}, ByStatus: map[string]int{}}
	groups := map[string]bool{}
	for _, r := range residents {
		f.Total++
		streams := schema.FundingStreamsOf(r)
		if len(streams) == 0 {
			f.ByFunding.add("")
		}
		for _, st := range streams {
			f.ByFunding.add(st)
		}
		f.ByCategory[orUnknown(str(r, "registration_category"))]++
		f.ByStatus[orUnknown(str(r, "status"))]++
		if schema.UnderDoLS(str(r, "dols_status")) {
			f.UnderDoLS++
		}
		if boolean(r, "very_frail") {
			f.VeryFrail++
		}
		if boolean(r, "assess_early") {
			f.AssessEarly++
		}
		if boolean(r, "wishes_to_move_early") {
			f.WishesToMoveEarly++
		}
		if g := groupLabel(r); g != "" {
			groups[g] = true
			f.InFriendshipGroups++
		}
	}
	f.FriendshipGroups = len(groups)
	return f
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func safeAndWell(ix *index, residents []*syncproto.Record, isResident map[string]*syncproto.Record, day string) SafeAndWellFigures {
	var f SafeAndWellFigures
	latest := map[string]*syncproto.Record{}
	for _, c := range ix.all("safe_and_well_checks") {
		f.Checks++
		switch str(c, "outcome") {
		case "safe_and_well":
			f.SafeAndWell++
		case "concerns":
			f.Concerns++
		case "not_seen":
			f.NotSeen++
		}
		if boolean(c, "safeguarding_raised") {
			f.SafeguardingRaised++
		}
		rid := str(c, "resident_id")
		if isResident[rid] == nil {
			f.OrphanChecks++
			continue
		}
		if l := latest[rid]; l == nil || laterCheck(c, l) {
			latest[rid] = c
		}
	}
	f.DueResidents = []DueResident{}
	for _, r := range residents {
		l := latest[r.ID]
		if l == nil {
			f.ResidentsNeverChecked++
		} else {
			f.ResidentsChecked++
			switch str(l, "outcome") {
			case "concerns":
				f.LatestConcerns++
			case "not_seen":
				f.LatestNotSeen++
			}
		}
		switch str(r, "status") {
		case statusDeceased, statusLeft:
			continue
		}
		switch {
		case l == nil:
			f.Due++
			f.DueResidents = append(f.DueResidents, DueResident{ResidentID: r.ID, ResidentName: residentName(r)})
		case validDate(str(l, "follow_up_due")) && str(l, "follow_up_due") <= day:
			f.Due++
			f.FollowUpDue++
			f.DueResidents = append(f.DueResidents, DueResident{ResidentID: r.ID, ResidentName: residentName(r), FollowUpDue: str(l, "follow_up_due")})
		}
	}
	sort.Slice(f.DueResidents, func(i, j int) bool {
		a, b := f.DueResidents[i], f.DueResidents[j]
		if a.FollowUpDue != b.FollowUpDue {
			return a.FollowUpDue < b.FollowUpDue
		}
		if a.ResidentName != b.ResidentName {
			return a.ResidentName < b.ResidentName
		}
		return a.ResidentID < b.ResidentID
	})
	return f
}

// laterCheck reports whether check a is later than check b: by visited_at,
// then by record id so that the choice never depends on input order.
func laterCheck(a, b *syncproto.Record) bool {
	ta, tb := instant(a, "visited_at"), instant(b, "visited_at")
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a.ID > b.ID
}

func capacity(ix *index) (CapacityFigures, BestInterestsFigures) {
	var cf CapacityFigures
	var bf BestInterestsFigures
	assessments := ix.all("capacity_assessments")
	superseded := map[string]bool{}
	residents := map[string]bool{}
	for _, a := range assessments {
		if id := str(a, "supersedes_id"); id != "" && ix.get("capacity_assessments", id) != nil {
			superseded[id] = true
		}
	}
	rested := map[string]bool{}
	for _, b := range ix.all("best_interests_decisions") {
		bf.Decisions++
		if !instant(b, "decided_at").IsZero() {
			bf.Decided++
		}
		// Counted from the rule (003 Appendix 2, 3.8), not the typed flag.
		if domain.IMCAFor(b, ix.get("residents", str(b, "resident_id"))).Eligible {
			bf.IMCARequired++
		}
		if str(b, "imca_referral_date") != "" {
			bf.IMCAInstructed++
		}
		rested[str(b, "assessment_id")] = true
	}
	for _, a := range assessments {
		cf.Assessments++
		if str(a, "signed_at") != "" {
			cf.Signed++
		}
		residents[str(a, "resident_id")] = true
		switch str(a, "outcome") {
		case "has_capacity":
			cf.HasCapacity++
		case "lacks_capacity":
			cf.LacksCapacity++
			if !superseded[a.ID] && !rested[a.ID] {
				cf.AwaitingBestInterests++
			}
		default:
			cf.NoOutcome++
		}
	}
	cf.Superseded = len(superseded)
	cf.ResidentsAssessed = len(residents)
	return cf, bf
}

func moveFigures(ix *index, residents []*syncproto.Record) MoveFigures {
	var f MoveFigures
	for _, m := range ix.all("moves") {
		f.Total++
		switch str(m, "status") {
		case movePlanned:
			f.Planned++
		case moveInTransit:
			f.InTransit++
		case moveCompleted:
			f.Completed++
		case moveCancelled:
			f.Cancelled++
		case moveOnHold:
			f.OnHold++
		default:
			f.OtherStatus++
		}
	}
	ms := movesByResident(ix)
	for _, r := range residents {
		if ms.completed[r.ID] {
			f.ResidentsMoved++
		}
		if !ms.stillToMove(r) {
			continue
		}
		f.ResidentsStillToMove++
		if ms.active[r.ID] {
			f.ResidentsWithActiveMove++
		} else {
			f.ResidentsWithoutPlan++
		}
	}
	return f
}

func checklistProgress(ix *index) ([]ChecklistProgress, ChecklistProgress) {
	bySection := map[int]*ChecklistProgress{}
	var order []int
	for _, sec := range checklist.Sections() {
		bySection[sec.Number] = &ChecklistProgress{Section: sec.Number, Title: sec.Title}
		order = append(order, sec.Number)
	}
	total := ChecklistProgress{Title: "All sections"}
	for _, it := range ix.all("checklist_items") {
		n := integer(it, "section")
		p := bySection[n]
		if p == nil {
			p = &ChecklistProgress{Section: n, Title: str(it, "section_title")}
			bySection[n] = p
			order = append(order, n)
		}
		if p.Title == "" {
			p.Title = str(it, "section_title")
		}
		status := str(it, "status")
		p.add(status)
		total.add(status)
	}
	sort.Ints(order)
	out := make([]ChecklistProgress, 0, len(order))
	for _, n := range order {
		out = append(out, *bySection[n])
	}
	return out, total
}

// Metric is one figure of a summary, named as a dotted path such as
// "residents.by_funding.la_funded".
type Metric struct {
	Name  string `json:"metric"` // dotted path of the figure
	Value int    `json:"value"`  // the count
}

// Metrics returns every figure of the summary in a fixed order: the rows of
// the summary CSV. Lists (DueResidents) are not figures and are left out;
// map figures come in key order.
func (s Summary) Metrics() []Metric {
	var out []Metric
	add := func(name string, v int) { out = append(out, Metric{Name: name, Value: v}) }
	r := s.Residents
	add("residents.total", r.Total)
	f := r.ByFunding
	add("residents.by_funding.la_funded", f.LAFunded)
	add("residents.by_funding.nhs_chc", f.NHSCHC)
	add("residents.by_funding.fnc", f.FNC)
	add("residents.by_funding.self_funder", f.SelfFunder)
	add("residents.by_funding.out_of_area", f.OutOfArea)
	add("residents.by_funding.s117", f.S117)
	add("residents.by_funding.dwp_preserved_rights", f.DWPPreservedRights)
	add("residents.by_funding.unknown", f.Unknown)
	for _, k := range sortedKeys(r.ByCategory) {
		add("residents.by_category."+k, r.ByCategory[k])
	}
	for _, k := range sortedKeys(r.ByStatus) {
		add("residents.by_status."+k, r.ByStatus[k])
	}
	add("residents.under_dols", r.UnderDoLS)
	add("residents.dols_new_request_needed", r.DoLSNewRequestNeeded)
	add("residents.very_frail", r.VeryFrail)
	add("residents.assess_early", r.AssessEarly)
	add("residents.wishes_to_move_early", r.WishesToMoveEarly)
	add("residents.friendship_groups", r.FriendshipGroups)
	add("residents.in_friendship_groups", r.InFriendshipGroups)

	w := s.SafeAndWell
	add("safe_and_well.checks", w.Checks)
	add("safe_and_well.safe_and_well", w.SafeAndWell)
	add("safe_and_well.concerns", w.Concerns)
	add("safe_and_well.not_seen", w.NotSeen)
	add("safe_and_well.safeguarding_raised", w.SafeguardingRaised)
	add("safe_and_well.orphan_checks", w.OrphanChecks)
	add("safe_and_well.residents_checked", w.ResidentsChecked)
	add("safe_and_well.residents_never_checked", w.ResidentsNeverChecked)
	add("safe_and_well.latest_concerns", w.LatestConcerns)
	add("safe_and_well.latest_not_seen", w.LatestNotSeen)
	add("safe_and_well.follow_up_due", w.FollowUpDue)
	add("safe_and_well.due", w.Due)

	c := s.Capacity
	add("capacity.assessments", c.Assessments)
	add("capacity.signed", c.Signed)
	add("capacity.has_capacity", c.HasCapacity)
	add("capacity.lacks_capacity", c.LacksCapacity)
	add("capacity.no_outcome", c.NoOutcome)
	add("capacity.superseded", c.Superseded)
	add("capacity.residents_assessed", c.ResidentsAssessed)
	add("capacity.awaiting_best_interests", c.AwaitingBestInterests)

	b := s.BestInterests
	add("best_interests.decisions", b.Decisions)
	add("best_interests.decided", b.Decided)
	add("best_interests.imca_required", b.IMCARequired)
	add("best_interests.imca_instructed", b.IMCAInstructed)

	m := s.Moves
	add("moves.total", m.Total)
	add("moves.planned", m.Planned)
	add("moves.in_transit", m.InTransit)
	add("moves.completed", m.Completed)
	add("moves.cancelled", m.Cancelled)
	add("moves.on_hold", m.OnHold)
	add("moves.other_status", m.OtherStatus)
	add("moves.residents_moved", m.ResidentsMoved)
	add("moves.residents_still_to_move", m.ResidentsStillToMove)
	add("moves.residents_with_active_move", m.ResidentsWithActiveMove)
	add("moves.residents_without_plan", m.ResidentsWithoutPlan)

	add("conflicts.total", s.Conflicts.Total)
	add("conflicts.open", s.Conflicts.Open)
	add("conflicts.resolved", s.Conflicts.Resolved)

	progress := func(prefix string, p ChecklistProgress) {
		add(prefix+".items", p.Items)
		add(prefix+".done", p.Done)
		add(prefix+".in_progress", p.InProgress)
		add(prefix+".not_started", p.NotStarted)
		add(prefix+".not_applicable", p.NotApplicable)
		add(prefix+".other_status", p.OtherStatus)
	}
	for _, p := range s.Checklist {
		progress("checklist.section_"+strconv.Itoa(p.Section), p)
	}
	progress("checklist.total", s.ChecklistTotal)
	add("checklist.done_without_evidence", len(s.ChecklistWithoutEvidence))
	add("checklist.overdue", len(s.ChecklistOverdue))

	wh := s.Whereabouts
	add("whereabouts.total", wh.Total)
	add("whereabouts.at_failing_service", wh.AtFailingService)
	add("whereabouts.at_new_home", wh.AtNewHome)
	add("whereabouts.in_hospital", wh.InHospital)
	add("whereabouts.in_transit", wh.InTransit)
	add("whereabouts.deceased", wh.Deceased)
	add("whereabouts.elsewhere", wh.Elsewhere)
	add("whereabouts.unknown", wh.Unknown)
	ev := s.Events
	add("events.deaths", ev.Deaths)
	add("events.hospital_admissions", ev.HospitalAdmissions)
	add("events.hospital_discharges", ev.HospitalDischarges)
	add("events.in_hospital_now", ev.InHospitalNow)
	add("events.family_not_informed", ev.FamilyNotInformed)
	add("events.coroner_pending", ev.CoronerPending)
	add("events.cqc_pending", ev.CQCPending)
	rv := s.Reviews
	add("reviews.scheduled", rv.Scheduled)
	add("reviews.done", rv.Done)
	add("reviews.concerns", rv.Concerns)
	add("reviews.due_today", rv.DueToday)
	add("reviews.overdue", rv.Overdue)
	h := s.Handover
	add("handover.completed", h.Completed)
	add("handover.full", h.Full)
	add("handover.overridden", h.Overridden)
	fm := s.Family
	add("family.contacts", fm.Contacts)
	add("family.visits_offered", fm.VisitsOffered)
	add("family.residents_contacted", fm.ResidentsContacted)
	add("family.residents_not_contacted", fm.ResidentsNotContacted)
	add("family.placement_decisions", fm.PlacementDecisions)
	add("family.residents_decided", fm.ResidentsDecided)
	ca := s.CrossAuthority
	add("cross_authority.placed_by_others", ca.PlacedByOthers)
	add("cross_authority.out_of_county_moves", ca.OutOfCountyMoves)
	add("cross_authority.needed", ca.Needed)
	add("cross_authority.notified", ca.Notified)
	add("cross_authority.outstanding", len(ca.Outstanding))
	add("events.corrected", ev.Corrected)
	pm := s.PostMove
	add("post_move.outstanding", pm.Outstanding)
	add("post_move.overdue", pm.Overdue)
	for _, k := range sortedKeys(pm.ByItem) {
		add("post_move.by_item."+k, pm.ByItem[k])
	}
	s.Obligations.metrics(add)
	return out
}
