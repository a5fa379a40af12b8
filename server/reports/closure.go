package reports

import (
	"sort"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// What a closure team reads every day: where everyone is now,
// deaths and hospital admissions, post-move reviews, hand-overs, family
// contact, cross-authority notifications and checklist evidence.

// WhereaboutsCounts count the incident's residents by where they are now.
type WhereaboutsCounts struct {
	Total int `json:"total"` // residents of the incident
	// AtFailingService counts those still at one of the incident's failing
	// services.
	AtFailingService int `json:"at_failing_service"`
	// AtNewHome counts those at another service (moved).
	AtNewHome  int `json:"at_new_home"`
	InHospital int `json:"in_hospital"`
	InTransit  int `json:"in_transit"`
	Deceased   int `json:"deceased"`
	// Elsewhere counts those recorded somewhere that is not a service (or
	// who have left); Unknown those with no place recorded.
	Elsewhere int `json:"elsewhere"`
	Unknown   int `json:"unknown"`
}

// PlacedResident is one resident in a whereabouts group.
type PlacedResident struct {
	ResidentID string `json:"resident_id"`
	Name       string `json:"name"`
	Status     string `json:"status,omitempty"`
	Room       string `json:"room,omitempty"`
	// Since is when the whereabouts last changed, if recorded.
	Since string `json:"since,omitempty"`
	// Source and SourceID name the record that says where the person is
	// (moves or resident_events), when one does.
	Source   string `json:"source,omitempty"`
	SourceID string `json:"source_id,omitempty"`
}

// PlaceGroup is one place and who is there.
type PlaceGroup struct {
	// Kind is service, hospital, in_transit, deceased, other or unknown
	// (rules.Whereabouts).
	Kind        string `json:"kind"`
	ServiceID   string `json:"service_id,omitempty"`
	ServiceName string `json:"service_name,omitempty"`
	// Failing marks one of the incident's failing services.
	Failing   bool             `json:"failing,omitempty"`
	Location  string           `json:"location,omitempty"`
	Count     int              `json:"count"`
	Residents []PlacedResident `json:"residents"`
}

// WhereaboutsReport answers "where is everyone right now": the incident's
// residents grouped by current place, with counts.
type WhereaboutsReport struct {
	IncidentID  string            `json:"incident_id"`
	GeneratedAt time.Time         `json:"generated_at"`
	Counts      WhereaboutsCounts `json:"counts"`
	Places      []PlaceGroup      `json:"places"`
}

// inTransit returns the residents with a move in transit.
func inTransit(ix *index) map[string]bool {
	out := map[string]bool{}
	for _, m := range ix.all("moves") {
		if str(m, "status") == moveInTransit {
			out[str(m, "resident_id")] = true
		}
	}
	return out
}

// failingServices are the incident's failing services.
func failingServices(ix *index) map[string]bool {
	out := map[string]bool{}
	for _, id := range strs(ix.incident(), "service_ids") {
		out[id] = true
	}
	return out
}

func whereaboutsCounts(ix *index) WhereaboutsCounts {
	var c WhereaboutsCounts
	transit, failing := inTransit(ix), failingServices(ix)
	for _, r := range ix.all("residents") {
		c.Total++
		p := placeOf(ix, r, transit)
		switch {
		case p.Kind == "deceased":
			c.Deceased++
		case p.Kind == "hospital":
			c.InHospital++
		case p.Kind == "in_transit":
			c.InTransit++
		case p.Kind == "service" && str(r, "status") == statusLeft:
			c.Elsewhere++
		case p.Kind == "service" && movedToNewHome(ix, r, p, failing):
			c.AtNewHome++
		case p.Kind == "service":
			c.AtFailingService++
		case p.Kind == "other":
			c.Elsewhere++
		default:
			c.Unknown++
		}
	}
	return c
}

// Whereabouts lists the incident's residents by where they are now, with
// counts: the one answer to "where is Mrs X right now".
func Whereabouts(d Data, now time.Time) WhereaboutsReport {
	ix := newIndex(d)
	rep := WhereaboutsReport{IncidentID: d.IncidentID, GeneratedAt: now.UTC(), Counts: whereaboutsCounts(ix), Places: []PlaceGroup{}}
	transit, failing := inTransit(ix), failingServices(ix)
	groups := map[string]*PlaceGroup{}
	for _, r := range ix.all("residents") {
		p := placeOf(ix, r, transit)
		key := p.Kind + "|" + p.ServiceID + "|" + p.Location
		if p.Kind == "deceased" {
			key = "deceased"
		}
		g := groups[key]
		if g == nil {
			g = &PlaceGroup{Kind: p.Kind, ServiceID: p.ServiceID, Location: p.Location, Failing: p.Kind == "service" && (failing[p.ServiceID] || !movedToNewHome(ix, r, p, failing))}
			if p.Kind == "deceased" {
				g.ServiceID, g.Location = "", ""
			}
			if g.ServiceID != "" {
				g.ServiceName = serviceName(ix, g.ServiceID)
			}
			groups[key] = g
		}
		g.Count++
		pr := PlacedResident{ResidentID: r.ID, Name: residentName(r), Status: str(r, "status"), Room: str(r, "room"), Since: str(r, "whereabouts_updated_at")}
		if w := ix.derived()[r.ID]; w.Derived {
			pr.Status, pr.Source, pr.SourceID = w.Status(), w.Collection, w.RecordID
			if !w.Since.IsZero() {
				pr.Since = w.Since.UTC().Format(time.RFC3339)
			}
		}
		g.Residents = append(g.Residents, pr)
	}
	order := map[string]int{"service": 0, "in_transit": 1, "hospital": 2, "other": 3, "unknown": 4, "deceased": 5}
	for _, g := range groups {
		sort.Slice(g.Residents, func(i, j int) bool {
			if g.Residents[i].Name != g.Residents[j].Name {
				return g.Residents[i].Name < g.Residents[j].Name
			}
			return g.Residents[i].ResidentID < g.Residents[j].ResidentID
		})
		rep.Places = append(rep.Places, *g)
	}
	sort.Slice(rep.Places, func(i, j int) bool {
		a, b := rep.Places[i], rep.Places[j]
		if a.Failing != b.Failing {
			return a.Failing
		}
		if order[a.Kind] != order[b.Kind] {
			return order[a.Kind] < order[b.Kind]
		}
		if a.ServiceName+a.Location != b.ServiceName+b.Location {
			return a.ServiceName+a.Location < b.ServiceName+b.Location
		}
		return a.ServiceID < b.ServiceID
	})
	return rep
}

// EventFigures count deaths and hospital admissions during the incident.
type EventFigures struct {
	Deaths             int `json:"deaths"`
	HospitalAdmissions int `json:"hospital_admissions"`
	HospitalDischarges int `json:"hospital_discharges"`
	// InHospitalNow counts residents whose status is in_hospital.
	InHospitalNow int `json:"in_hospital_now"`
	// FamilyNotInformed counts events with no time the family was told;
	// CoronerPending deaths reportable to the coroner not yet reported;
	// CQCPending deaths not yet notified to CQC.
	FamilyNotInformed int `json:"family_not_informed"`
	CoronerPending    int `json:"coroner_pending"`
	CQCPending        int `json:"cqc_pending"`
	// Corrected counts events a later record corrected or recorded as
	// entered in error: the figures above count the corrected truth.
	Corrected int `json:"corrected"`
}

func eventFigures(ix *index) EventFigures {
	var f EventFigures
	for _, e := range ix.all("resident_events") {
		if str(e, "corrects_event_id") != "" && ix.get("resident_events", str(e, "corrects_event_id")) != nil {
			f.Corrected++
		}
	}
	for _, e := range effectiveEvents(ix) {
		switch str(e, "event") {
		case "death":
			f.Deaths++
			if boolean(e, "coroner_relevant") && str(e, "coroner_notified_at") == "" {
				f.CoronerPending++
			}
			if str(e, "cqc_notified_at") == "" {
				f.CQCPending++
			}
		case "hospital_admission":
			f.HospitalAdmissions++
		case "hospital_discharge":
			f.HospitalDischarges++
		}
		if str(e, "family_informed_at") == "" {
			f.FamilyNotInformed++
		}
	}
	transit := inTransit(ix)
	for _, r := range ix.all("residents") {
		if placeOf(ix, r, transit).Kind == "hospital" {
			f.InHospitalNow++
		}
	}
	return f
}

// DueReview is a post-move review not yet done.
type DueReview struct {
	ReviewID     string `json:"review_id"`
	ResidentID   string `json:"resident_id"`
	ResidentName string `json:"resident_name"`
	ReviewType   string `json:"review_type"`
	DueOn        string `json:"due_on"`
	ServiceName  string `json:"service_name,omitempty"`
}

// ReviewFigures count the post-move review programme (003 Appendix 2,
// 7.19).
type ReviewFigures struct {
	Scheduled int `json:"scheduled"` // review records
	Done      int `json:"done"`      // with a visit recorded
	Concerns  int `json:"concerns"`  // done, outcome concerns
	// DueToday counts reviews not done and due today; Overdue those due
	// before today. Reviews of residents who have died are not due.
	DueToday int `json:"due_today"`
	Overdue  int `json:"overdue"`
	// OverdueReviews lists the overdue reviews, earliest first.
	OverdueReviews []DueReview `json:"overdue_reviews"`
}

func reviewFigures(ix *index, day string) ReviewFigures {
	f := ReviewFigures{OverdueReviews: []DueReview{}}
	for _, r := range ix.all("post_move_reviews") {
		f.Scheduled++
		if str(r, "visited_at") != "" {
			f.Done++
			if str(r, "outcome") == "concerns" {
				f.Concerns++
			}
			continue
		}
		res := ix.get("residents", str(r, "resident_id"))
		if str(res, "status") == statusDeceased {
			continue
		}
		due := str(r, "due_on")
		switch {
		case !validDate(due):
		case due == day:
			f.DueToday++
		case due < day:
			f.Overdue++
			f.OverdueReviews = append(f.OverdueReviews, DueReview{ReviewID: r.ID, ResidentID: res.ID, ResidentName: residentName(res),
				ReviewType: str(r, "review_type"), DueOn: due, ServiceName: serviceName(ix, str(r, "service_id"))})
		}
	}
	sort.Slice(f.OverdueReviews, func(i, j int) bool {
		a, b := f.OverdueReviews[i], f.OverdueReviews[j]
		if a.DueOn != b.DueOn {
			return a.DueOn < b.DueOn
		}
		return a.ReviewID < b.ReviewID
	})
	return f
}

// HandoverFigures count completed moves by their hand-over (003 Appendix 2,
// 7.15, 7.20, 7.21, 7.24).
type HandoverFigures struct {
	// Completed counts completed moves; Full those with every hand-over
	// item done; Overridden those completed on an override reason.
	Completed  int `json:"completed"`
	Full       int `json:"full"`
	Overridden int `json:"overridden"`
}

func handoverFigures(ix *index) HandoverFigures {
	var f HandoverFigures
	for _, m := range ix.all("moves") {
		if str(m, "status") != moveCompleted {
			continue
		}
		f.Completed++
		if len(handoverOf(ix, m).Missing()) == 0 {
			f.Full++
		} else if strings.TrimSpace(str(m, "handover_override_reason")) != "" {
			f.Overridden++
		}
	}
	return f
}

// handoverOf reads a move's hand-over items from the index.
func handoverOf(ix *index, m *syncproto.Record) rules.Handover {
	h := rules.Handover{Medication: boolean(m, "medication_travelling"), CarePlan: boolean(m, "care_plan_handed_over"),
		IdentityConfirmed: boolean(m, "identity_confirmed"), Records: boolean(m, "records_handed_over"),
		EquipmentNeeded: strings.TrimSpace(str(m, "equipment_travelling")) != "", EquipmentTransferred: boolean(m, "equipment_transferred"),
		OverrideReason: str(m, "handover_override_reason")}
	for _, lg := range ix.all("move_legs") {
		if str(lg, "move_id") == m.ID && boolean(lg, "identity_confirmed") {
			h.IdentityConfirmed = true
		}
	}
	return h
}

// FamilyFigures count contact with families and representatives and the
// decisions on new homes (003 Appendix 2, 5.1-5.5, 7.2-7.9).
type FamilyFigures struct {
	Contacts      int `json:"contacts"`       // contact log entries
	VisitsOffered int `json:"visits_offered"` // entries offering a visit (7.7)
	// ResidentsContacted counts residents with at least one entry;
	// ResidentsNotContacted living residents with none.
	ResidentsContacted    int `json:"residents_contacted"`
	ResidentsNotContacted int `json:"residents_not_contacted"`
	// PlacementDecisions counts decisions on a new home (7.9);
	// ResidentsDecided the residents with one.
	PlacementDecisions int `json:"placement_decisions"`
	ResidentsDecided   int `json:"residents_decided"`
}

func familyFigures(ix *index) FamilyFigures {
	var f FamilyFigures
	contacted, decided := map[string]bool{}, map[string]bool{}
	for _, c := range ix.all("family_contacts") {
		f.Contacts++
		if boolean(c, "visit_offered") {
			f.VisitsOffered++
		}
		contacted[str(c, "resident_id")] = true
	}
	for _, p := range ix.all("placement_decisions") {
		f.PlacementDecisions++
		decided[str(p, "resident_id")] = true
	}
	for _, r := range ix.all("residents") {
		switch {
		case contacted[r.ID]:
			f.ResidentsContacted++
		case str(r, "status") != statusDeceased && str(r, "status") != statusLeft:
			f.ResidentsNotContacted++
		}
		if decided[r.ID] {
			f.ResidentsDecided++
		}
	}
	return f
}

// CrossAuthorityFigures count the notifications to other authorities and
// the NHS that 003 Appendix 2, 4.2 and 7.23 ask for.
type CrossAuthorityFigures struct {
	// PlacedByOthers counts residents placed by another authority.
	PlacedByOthers int `json:"placed_by_others"`
	// OutOfCountyMoves counts moves (not cancelled) to a service in
	// another authority's area.
	OutOfCountyMoves int `json:"out_of_county_moves"`
	// Needed counts the notifications needed, Notified those recorded,
	// Outstanding those not yet made (listed).
	Needed      int                        `json:"needed"`
	Notified    int                        `json:"notified"`
	Outstanding []rules.CrossAuthorityNeed `json:"outstanding"`
}

func crossAuthority(ix *index) CrossAuthorityFigures {
	f := CrossAuthorityFigures{Outstanding: []rules.CrossAuthorityNeed{}}
	home := ""
	for id := range failingServices(ix) {
		if la := str(ix.get("services", id), "local_authority"); la != "" && (home == "" || la < home) {
			home = la
		}
	}
	// A need is met by a notification to the same kind of recipient about
	// the same resident (and, for an out-of-county move, the same move).
	done := map[string]bool{}
	for _, n := range ix.all("cross_authority_notifications") {
		rid, kind := str(n, "resident_id"), str(n, "recipient_kind")
		done[rid+"|"+kind] = true
		done[rid+"|"+str(n, "move_id")+"|"+kind] = true
	}
	met := func(n rules.CrossAuthorityNeed) bool {
		if n.MoveID == "" {
			return done[n.ResidentID+"|"+n.Kind]
		}
		return done[n.ResidentID+"|"+n.MoveID+"|"+n.Kind]
	}
	movesOf := map[string][]*syncproto.Record{}
	for _, m := range ix.all("moves") {
		if str(m, "status") != moveCancelled {
			movesOf[str(m, "resident_id")] = append(movesOf[str(m, "resident_id")], m)
		}
	}
	for _, r := range ix.all("residents") {
		p := rules.CrossAuthorityPlacement{ResidentID: r.ID, HomeAuthority: home}
		if schema.HasFunding(r, schema.FundingOutOfArea) || str(r, "placing_authority") != "" {
			p.PlacingAuthority = str(r, "placing_authority")
			if p.PlacingAuthority == "" {
				p.PlacingAuthority = "placing authority not recorded"
			}
		}
		for _, m := range movesOf[r.ID] {
			p.Moves = append(p.Moves, struct{ ID, DestinationAuthority string }{m.ID, str(ix.get("services", str(m, "to_service_id")), "local_authority")})
		}
		needs := rules.CrossAuthorityNeeds(p)
		seenMove := map[string]bool{}
		for _, n := range needs {
			f.Needed++
			if n.Kind == "placing_authority" {
				f.PlacedByOthers++
			} else if !seenMove[n.MoveID] {
				seenMove[n.MoveID] = true
				f.OutOfCountyMoves++
			}
			if met(n) {
				f.Notified++
			} else {
				f.Outstanding = append(f.Outstanding, n)
			}
		}
	}
	return f
}

// checklistWithoutEvidence lists the numbers of checklist items marked done
// with no evidence pointing at the records that show it, nor any record the
// software made that shows it (the item's automatic evidence).
func checklistWithoutEvidence(ix *index) []string {
	out := []string{}
	facts := dueFacts(ix)
	for _, it := range ix.all("checklist_items") {
		if str(it, "status") != "done" {
			continue
		}
		if !checklistRow(ix, it, facts, "").HasEvidence {
			out = append(out, str(it, "number"))
		}
	}
	sort.Slice(out, func(i, j int) bool { return itemLess(out[i], out[j]) })
	return out
}

// itemLess orders checklist numbers as printed: 2.9 before 2.10.
func itemLess(a, b string) bool {
	as, ai, _ := strings.Cut(a, ".")
	bs, bi, _ := strings.Cut(b, ".")
	if len(as) != len(bs) {
		return len(as) < len(bs)
	}
	if as != bs {
		return as < bs
	}
	if len(ai) != len(bi) {
		return len(ai) < len(bi)
	}
	return ai < bi
}
