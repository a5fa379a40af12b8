package reports

import (
	"sort"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// Board is the incident room's board: one row per resident, the counts the
// room watches, and the summary those counts come from (so the board and
// GET /v1/incidents/{id}/summary can never disagree).
type Board struct {
	IncidentID    string      `json:"incident_id"`
	IncidentTitle string      `json:"incident_title,omitempty"`
	GeneratedAt   time.Time   `json:"generated_at"`
	Today         string      `json:"today"`
	Counts        BoardCounts `json:"counts"`
	Summary       Summary     `json:"summary"`
	Residents     []BoardRow  `json:"residents"`
}

// BoardCounts are the figures at the top of the board. ToMove, Moved,
// InTransit and OpenConflicts are the summary's moves.residents_still_to_move,
// moves.residents_moved, moves.in_transit and conflicts.open.
type BoardCounts struct {
	Residents     int `json:"residents"`       // residents of the incident
	ToMove        int `json:"to_move"`         // residents still to move
	Moved         int `json:"moved"`           // residents with a completed move
	InTransit     int `json:"in_transit"`      // moves in transit
	NotSeen24h    int `json:"not_seen_24h"`    // residents nobody has seen in the last 24 hours
	Due           int `json:"due"`             // residents due a safe-and-well check (summary safe_and_well.due)
	OpenConflicts int `json:"open_conflicts"`  // conflicts awaiting back office
	LateMoves     int `json:"late_moves"`      // moves running late (see MoveRow.Late)
	AwaitingBI    int `json:"awaiting_bi"`     // assessments lacking capacity with no best-interests decision
	UnderDoLS     int `json:"under_dols"`      // residents under a DoLS authorisation
	StillToCheck  int `json:"never_checked"`   // residents never checked
	WithoutPlan   int `json:"without_plan"`    // residents still to move with no planned move
	ChecklistDone int `json:"checklist_done"`  // checklist items done
	ChecklistAll  int `json:"checklist_items"` // checklist items
	// ChecklistOverdue counts checklist items past their due date
	// (summary checklist_overdue).
	ChecklistOverdue int `json:"checklist_overdue"`
	// OnHold counts moves on hold (e.g. the person was admitted to
	// hospital); DoLSToRequest people who moved under a DoLS authorisation
	// and need a new request at their new home (3.10); PostMoveOutstanding
	// and PostMoveOverdue the work after moves not done (GP, DWP, contract,
	// placing authority: summary post_move).
	OnHold              int `json:"on_hold"`
	DoLSToRequest       int `json:"dols_to_request"`
	PostMoveOutstanding int `json:"post_move_outstanding"`
	PostMoveOverdue     int `json:"post_move_overdue"`
}

// Where-now kinds of a board row.
const (
	WhereHome      = "home"       // at the service they live in
	WhereHospital  = "hospital"   // in hospital
	WhereInTransit = "in_transit" // on the road
	WhereMoved     = "moved"      // moved to another service
	WhereDeceased  = "deceased"   // has died
	WhereLeft      = "left"       // has left the incident otherwise
)

// Check states of a board row.
const (
	CheckNever   = "never_checked" // never checked: visit due
	CheckOverdue = "overdue"       // follow-up date has passed
	CheckDue     = "due_today"     // follow-up is today
	CheckOK      = "ok"            // next check not yet due
	CheckNone    = "not_due"       // not expected (deceased, left)
)

// BoardRow is one resident on the board.
type BoardRow struct {
	ResidentID string `json:"resident_id"`
	Name       string `json:"name"`
	// FamilyName and GivenName are the parts of Name, so the board sorts
	// by family name as a register does.
	FamilyName string `json:"family_name,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	// NHSNumber tells two people of the same name apart and is what the
	// room searches by; the board is of the principal's incident only.
	NHSNumber string `json:"nhs_number,omitempty"`
	Room      string `json:"room,omitempty"`
	Status    string `json:"status,omitempty"`
	// WhereNow is one of the Where* kinds; WhereText says it in words
	// ("moved to Oakwood Court").
	WhereNow  string `json:"where_now"`
	WhereText string `json:"where_text"`
	Funding   string `json:"funding_stream,omitempty"`
	DoLS      string `json:"dols_status,omitempty"`
	DoLSUntil string `json:"dols_expiry,omitempty"`
	// LastCheckAt and LastOutcome describe the latest safe-and-well check.
	LastCheckAt *time.Time `json:"last_check_at,omitempty"`
	LastOutcome string     `json:"last_outcome,omitempty"`
	// NextDue is the latest check's follow-up date; CheckState one of the
	// Check* states.
	NextDue    string `json:"next_due,omitempty"`
	CheckState string `json:"check_state"`
	// NotSeen24h is set when nobody has seen the person in the 24 hours
	// before the board was made (and they are still the incident's to see).
	NotSeen24h bool `json:"not_seen_24h"`
	// Capacity is the outcome of the person's latest current capacity
	// assessment: not_assessed, in_progress, has_capacity, lacks_capacity.
	Capacity string `json:"capacity"`
	// BestInterests is not_needed, awaiting, in_progress or decided.
	BestInterests string `json:"best_interests"`
	// PlannedMove is the person's active (planned or in-transit) move.
	PlannedMove *BoardMove `json:"planned_move,omitempty"`
	VeryFrail   bool       `json:"very_frail,omitempty"`
	AssessEarly bool       `json:"assess_early,omitempty"`
	// DoLSToRequest is set when the person's DoLS authorisation did not
	// follow them to their new home: a new request is needed (3.10).
	DoLSToRequest bool `json:"dols_to_request,omitempty"`
	// PostMoveOutstanding lists the work after the person's move not yet
	// done (gp_change, dwp, contract, placing_authority).
	PostMoveOutstanding []string `json:"post_move_outstanding,omitempty"`
}

// BoardMove is a resident's active move as the board shows it.
type BoardMove struct {
	MoveID    string     `json:"move_id"`
	Status    string     `json:"status"`
	To        string     `json:"to"`
	PlannedAt *time.Time `json:"planned_at,omitempty"`
	// HoldReason says why a move on hold waits (e.g. a hospital
	// admission).
	HoldReason string `json:"hold_reason,omitempty"`
}

// MakeBoard works out the board as of now.
func MakeBoard(d Data, now time.Time) Board {
	ix := newIndex(d)
	sum := Summarize(d, now)
	b := Board{IncidentID: d.IncidentID, IncidentTitle: sum.IncidentTitle, GeneratedAt: sum.GeneratedAt, Today: sum.Today, Summary: sum, Residents: []BoardRow{}}
	latest := map[string]*syncproto.Record{}
	lastSeen := map[string]time.Time{}
	for _, c := range ix.all("safe_and_well_checks") {
		rid := str(c, "resident_id")
		if l := latest[rid]; l == nil || laterCheck(c, l) {
			latest[rid] = c
		}
		if str(c, "outcome") != "not_seen" {
			if t := instant(c, "visited_at"); t.After(lastSeen[rid]) {
				lastSeen[rid] = t
			}
		}
	}
	moves := map[string][]*syncproto.Record{}
	for _, m := range ix.all("moves") {
		moves[str(m, "resident_id")] = append(moves[str(m, "resident_id")], m)
	}
	caps, bis := capacityStates(ix)
	postMove := map[string][]string{}
	for _, t := range sum.PostMove.Tasks {
		postMove[t.ResidentID] = append(postMove[t.ResidentID], t.Item)
	}
	for _, r := range ix.all("residents") {
		row := BoardRow{
			ResidentID: r.ID, Name: residentName(r), FamilyName: str(r, "family_name"), GivenName: str(r, "given_name"),
			NHSNumber: str(r, "nhs_number"), Room: str(r, "room"), Status: str(r, "status"),
			Funding: str(r, "funding_stream"), DoLS: str(r, "dols_status"), DoLSUntil: str(r, "dols_expiry"),
			VeryFrail: boolean(r, "very_frail"), AssessEarly: boolean(r, "assess_early"),
			Capacity: "not_assessed", BestInterests: "not_needed",
		}
		if c, ok := caps[r.ID]; ok {
			row.Capacity = c
		}
		if s, ok := bis[r.ID]; ok {
			row.BestInterests = s
		}
		row.WhereNow, row.WhereText = whereNow(ix, r, moves[r.ID])
		row.DoLSToRequest = row.DoLS == schema.DoLSNewRequestNeeded
		row.PostMoveOutstanding = postMove[r.ID]
		if m := activeMoveOf(moves[r.ID]); m != nil {
			bm := &BoardMove{MoveID: m.ID, Status: str(m, "status"), To: serviceName(ix, str(m, "to_service_id")), HoldReason: str(m, "hold_reason")}
			if t := instant(m, "planned_at"); !t.IsZero() {
				bm.PlannedAt = &t
			}
			row.PlannedMove = bm
		}
		l := latest[r.ID]
		if l != nil {
			if t := instant(l, "visited_at"); !t.IsZero() {
				row.LastCheckAt = &t
			}
			row.LastOutcome = str(l, "outcome")
			row.NextDue = str(l, "follow_up_due")
		}
		active := row.Status != statusDeceased && row.Status != statusLeft
		switch {
		case !active:
			row.CheckState = CheckNone
		case l == nil:
			row.CheckState = CheckNever
		case validDate(row.NextDue) && row.NextDue < b.Today:
			row.CheckState = CheckOverdue
		case validDate(row.NextDue) && row.NextDue == b.Today:
			row.CheckState = CheckDue
		default:
			row.CheckState = CheckOK
		}
		if active && row.WhereNow != WhereMoved && now.Sub(lastSeen[r.ID]) > 24*time.Hour {
			row.NotSeen24h = true
			b.Counts.NotSeen24h++
		}
		b.Residents = append(b.Residents, row)
	}
	sort.SliceStable(b.Residents, func(i, j int) bool {
		if b.Residents[i].Name != b.Residents[j].Name {
			return b.Residents[i].Name < b.Residents[j].Name
		}
		return b.Residents[i].ResidentID < b.Residents[j].ResidentID
	})
	b.Counts.Residents = sum.Residents.Total
	b.Counts.ToMove = sum.Moves.ResidentsStillToMove
	b.Counts.Moved = sum.Moves.ResidentsMoved
	b.Counts.InTransit = sum.Moves.InTransit
	b.Counts.Due = sum.SafeAndWell.Due
	b.Counts.OpenConflicts = sum.Conflicts.Open
	b.Counts.AwaitingBI = sum.Capacity.AwaitingBestInterests
	b.Counts.UnderDoLS = sum.Residents.UnderDoLS
	b.Counts.StillToCheck = sum.SafeAndWell.ResidentsNeverChecked
	b.Counts.WithoutPlan = sum.Moves.ResidentsWithoutPlan
	b.Counts.ChecklistDone = sum.ChecklistTotal.Done
	b.Counts.ChecklistAll = sum.ChecklistTotal.Items
	b.Counts.ChecklistOverdue = len(sum.ChecklistOverdue)
	b.Counts.OnHold = sum.Moves.OnHold
	b.Counts.DoLSToRequest = sum.Residents.DoLSNewRequestNeeded
	b.Counts.PostMoveOutstanding = sum.PostMove.Outstanding
	b.Counts.PostMoveOverdue = sum.PostMove.Overdue
	for _, m := range Moves(d, now).Moves {
		if m.Late != "" {
			b.Counts.LateMoves++
		}
	}
	return b
}

// activeMoveOf returns a resident's in-transit, planned or held move, in
// that order, the earliest planned first.
func activeMoveOf(ms []*syncproto.Record) *syncproto.Record {
	rank := map[string]int{moveInTransit: 0, movePlanned: 1, moveOnHold: 2}
	var best *syncproto.Record
	for _, m := range ms {
		s := str(m, "status")
		r, ok := rank[s]
		if !ok {
			continue
		}
		switch br := rank[str(best, "status")]; {
		case best == nil || r < br:
			best = m
		case r == br && instant(m, "planned_at").Before(instant(best, "planned_at")):
			best = m
		}
	}
	return best
}

// whereNow says where a resident is: dead or gone, on the road, moved, in
// hospital or at home (rules.DeriveWhereabouts when records place them).
func whereNow(ix *index, r *syncproto.Record, ms []*syncproto.Record) (string, string) {
	if w, ok := ix.derived()[r.ID]; ok && w.Derived {
		switch w.Kind {
		case "deceased":
			return WhereDeceased, "deceased"
		case "hospital":
			return WhereHospital, "in hospital" + orEmpty(" (", w.Location, ")")
		}
		if w.InTransitMoveID != "" {
			return WhereInTransit, "in transit to " + orSomewhere(serviceName(ix, str(ix.get("moves", w.InTransitMoveID), "to_service_id")))
		}
		if w.Moved {
			return WhereMoved, "moved to " + orSomewhere(serviceName(ix, w.ServiceID))
		}
		home := serviceName(ix, w.ServiceID)
		if home == "" {
			home = "home"
		}
		return WhereHome, home
	}
	switch str(r, "status") {
	case statusDeceased:
		return WhereDeceased, "deceased"
	case statusLeft:
		return WhereLeft, "left the service"
	}
	for _, m := range ms {
		if str(m, "status") == moveInTransit {
			return WhereInTransit, "in transit to " + orSomewhere(serviceName(ix, str(m, "to_service_id")))
		}
	}
	switch str(r, "status") {
	case statusMoved:
		return WhereMoved, "moved to " + orSomewhere(serviceName(ix, str(r, "current_service_id")))
	case "in_hospital":
		return WhereHospital, "in hospital"
	}
	home := serviceName(ix, str(r, "current_service_id"))
	if home == "" {
		home = "home"
	}
	return WhereHome, home
}

// orEmpty is pre+s+post, or "" when s is.
func orEmpty(pre, s, post string) string {
	if s == "" {
		return ""
	}
	return pre + s + post
}

func orSomewhere(s string) string {
	if s == "" {
		return "another service"
	}
	return s
}

// capacityStates works out each resident's capacity and best-interests
// state from their latest current (not superseded) assessment.
func capacityStates(ix *index) (map[string]string, map[string]string) {
	superseded := map[string]bool{}
	for _, a := range ix.all("capacity_assessments") {
		if id := str(a, "supersedes_id"); id != "" {
			superseded[id] = true
		}
	}
	bestFor := map[string]*syncproto.Record{}
	for _, b := range ix.all("best_interests_decisions") {
		aid := str(b, "assessment_id")
		if prev := bestFor[aid]; prev == nil || !instant(b, "decided_at").IsZero() {
			bestFor[aid] = b
		}
	}
	latest := map[string]*syncproto.Record{}
	for _, a := range ix.all("capacity_assessments") {
		if superseded[a.ID] {
			continue
		}
		rid := str(a, "resident_id")
		if l := latest[rid]; l == nil || assessedAt(a).After(assessedAt(l)) || (assessedAt(a).Equal(assessedAt(l)) && a.ID > l.ID) {
			latest[rid] = a
		}
	}
	caps, bis := map[string]string{}, map[string]string{}
	for rid, a := range latest {
		switch o := str(a, "outcome"); o {
		case "has_capacity":
			caps[rid] = o
		case "lacks_capacity":
			caps[rid] = o
			switch b := bestFor[a.ID]; {
			case b == nil:
				bis[rid] = "awaiting"
			case instant(b, "decided_at").IsZero():
				bis[rid] = "in_progress"
			default:
				bis[rid] = "decided"
			}
		default:
			caps[rid] = "in_progress"
		}
	}
	return caps, bis
}

// assessedAt is when an assessment was signed, or the zero time.
func assessedAt(a *syncproto.Record) time.Time { return instant(a, "signed_at") }
