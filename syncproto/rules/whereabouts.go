package rules

import (
	"sort"
	"time"
)

// Whereabouts are derived, never typed: DeriveWhereabouts works out where one
// person is from the records that say so (completed moves, their
// corrections, hospital admissions and discharges, deaths, and the
// corrections of those events). The server keeps residents.current_service_id,
// status and whereabouts_updated_at in step with it, and the board, the
// summary, the reports and the app read it.

// Resident event kinds (resident_events.event).
const (
	EventDeath             = "death"
	EventHospitalAdmission = "hospital_admission"
	EventHospitalDischarge = "hospital_discharge"
	// EventEnteredInError names, through CorrectsEventID, an event that
	// never happened.
	EventEnteredInError = "entered_in_error"
)

// Whereabouts kinds.
const (
	PlaceService  = "service"
	PlaceHospital = "hospital"
	PlaceDeceased = "deceased"
	PlaceUnknown  = "unknown"
)

// WhereaboutsMove is one of the person's moves as the whereabouts read it.
type WhereaboutsMove struct {
	ID            string
	FromServiceID string
	ToServiceID   string
	// Status is the move's status (planned, in_transit, completed, ...);
	// only completed moves place the person.
	Status string
	// CompletedAt is when the person was handed over (completed_at, else
	// the last hand-over or arrival of its legs).
	CompletedAt time.Time
	// PlannedAt is the planned departure: with CompletedAt it orders the
	// person's moves, to find where they were placed.
	PlannedAt time.Time
}

// ResidentEvent is a death, hospital admission or discharge, or the
// correction of one.
type ResidentEvent struct {
	ID         string
	Event      string
	OccurredAt time.Time
	// Hospital is where an admission took the person.
	Hospital string
	// DischargedTo is the home a discharge took the person to ("" for back
	// to where they were placed).
	DischargedTo string
	// CorrectsEventID names the event this one corrects: it takes its
	// place (same kind, corrected facts) or, as EventEnteredInError,
	// removes it.
	CorrectsEventID string
}

// WhereaboutsFacts are everything DeriveWhereabouts reads about one person.
type WhereaboutsFacts struct {
	// Placement is where the person was placed before any move: the
	// residents record's current_service_id as first typed. It is used only
	// when no move names the person's origin (the server keeps
	// current_service_id in step with the moves, so once there are moves
	// the origin of the earliest one says where the person was placed).
	Placement   string
	Moves       []WhereaboutsMove
	Corrections []MoveCorrection
	Events      []ResidentEvent
}

// Location is where the person is, since when, and which record says so.
type Location struct {
	// Kind is PlaceService, PlaceHospital, PlaceDeceased or PlaceUnknown.
	Kind string `json:"kind"`
	// ServiceID is the home the person is at (PlaceService), or the home
	// they are placed at while in hospital.
	ServiceID string `json:"service_id,omitempty"`
	// Location is the hospital, for PlaceHospital.
	Location string `json:"location,omitempty"`
	// Since is when the person got there (zero when no record says).
	Since time.Time `json:"since,omitzero"`
	// Collection and RecordID name the record that says so (moves or
	// resident_events); CorrectionID the correction that changed it.
	Collection   string `json:"collection,omitempty"`
	RecordID     string `json:"record_id,omitempty"`
	CorrectionID string `json:"correction_id,omitempty"`
	// Moved is set when the person is at a home a move took them to, not
	// the one they were placed at.
	Moved bool `json:"moved"`
	// InTransitMoveID is a move under way (in_transit), if any.
	InTransitMoveID string `json:"in_transit_move_id,omitempty"`
	// Derived is false when the person has no move and no event: then the
	// residents record's own values stand.
	Derived bool `json:"derived"`
}

// Status is the residents.status the whereabouts imply ("" when not
// derived).
func (w Location) Status() string {
	if !w.Derived {
		return ""
	}
	switch w.Kind {
	case PlaceDeceased:
		return "deceased"
	case PlaceHospital:
		return "in_hospital"
	case PlaceService:
		if w.Moved {
			return "moved"
		}
		return "in_placement"
	}
	return ""
}

// EffectiveEvents returns the events that stand after their corrections:
// an event named by another's CorrectsEventID is replaced by it, and an
// EventEnteredInError stands for nothing. Order: by time, then id.
func EffectiveEvents(evs []ResidentEvent) []ResidentEvent {
	corrected := map[string]bool{}
	for _, e := range evs {
		if e.CorrectsEventID != "" && e.CorrectsEventID != e.ID {
			corrected[e.CorrectsEventID] = true
		}
	}
	var out []ResidentEvent
	for _, e := range evs {
		if corrected[e.ID] || e.Event == EventEnteredInError {
			continue
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].OccurredAt.Equal(out[j].OccurredAt) {
			return out[i].OccurredAt.Before(out[j].OccurredAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// correctedMove is a move after its corrections.
type correctedMove struct {
	WhereaboutsMove
	void         bool
	correctionID string
}

func applyCorrections(m WhereaboutsMove, cs []MoveCorrection) correctedMove {
	out := correctedMove{WhereaboutsMove: m}
	var dest, done *MoveCorrection
	later := func(a, b *MoveCorrection) bool {
		if !a.Recorded.Equal(b.Recorded) {
			return a.Recorded.After(b.Recorded)
		}
		return a.ID > b.ID
	}
	for i := range cs {
		c := &cs[i]
		if c.MoveID != m.ID {
			continue
		}
		switch c.Kind {
		case CorrectionVoid:
			out.void = true
			if out.correctionID == "" || c.ID < out.correctionID {
				out.correctionID = c.ID
			}
		case CorrectionDestination:
			if c.ToServiceID != "" && (dest == nil || later(c, dest)) {
				dest = c
			}
		case CorrectionCompletedAt:
			if !c.CompletedAt.IsZero() && (done == nil || later(c, done)) {
				done = c
			}
		}
	}
	if out.void {
		return out
	}
	if dest != nil {
		out.ToServiceID, out.correctionID = dest.ToServiceID, dest.ID
	}
	if done != nil {
		out.CompletedAt = done.CompletedAt
		if out.correctionID == "" {
			out.correctionID = done.ID
		}
	}
	return out
}

// fact is one record that places the person at a time.
type fact struct {
	at         time.Time
	rank       int // order of facts at the same instant
	id         string
	collection string
	kind       string // PlaceService, PlaceHospital, "return", PlaceDeceased
	service    string
	location   string
	correction string
}

// DeriveWhereabouts works out where one person is now. The rules, in the
// order they apply:
//
//   - a death that stands (after corrections) is final: deceased since it;
//   - otherwise the latest of the person's placing facts, in time order,
//     says where they are: a completed move that was not voided (at its
//     corrected completion time, to its corrected destination), a hospital
//     admission (in hospital, still placed at the home they came from), a
//     discharge (to the home it names, or back to the home they were
//     placed at before the admission);
//   - with no fact, the person is at their placement: the origin of their
//     earliest move (completed or voided), else Placement;
//   - a move in transit is reported alongside (InTransitMoveID).
//
// It is pure and its answer does not depend on the order of its inputs.
func DeriveWhereabouts(f WhereaboutsFacts) Location {
	moves := append([]WhereaboutsMove(nil), f.Moves...)
	sort.Slice(moves, func(i, j int) bool { return moves[i].ID < moves[j].ID })
	out := Location{Kind: PlaceUnknown}
	base := f.Placement
	// The origin of the person's earliest move (by completion, else planned
	// time; any status) is where they were placed.
	var first *WhereaboutsMove
	key := func(m *WhereaboutsMove) time.Time {
		if m.Status == "completed" && !m.CompletedAt.IsZero() {
			return m.CompletedAt
		}
		return m.PlannedAt
	}
	for i := range moves {
		m := &moves[i]
		if m.FromServiceID == "" {
			continue
		}
		if first == nil || earlier(key(m), key(first)) {
			first = m
		}
	}
	if first != nil {
		base = first.FromServiceID
	}
	var facts []fact
	// Any move or event makes the answer derived: a move that was completed
	// and is no longer (or a death entered in error) puts the person back.
	out.Derived = len(moves) > 0 || len(f.Events) > 0
	for _, m := range moves {
		if m.Status == "in_transit" && (out.InTransitMoveID == "" || m.ID < out.InTransitMoveID) {
			out.InTransitMoveID = m.ID
		}
		if m.Status != "completed" {
			continue
		}
		cm := applyCorrections(m, f.Corrections)
		if cm.void {
			continue
		}
		facts = append(facts, fact{at: cm.CompletedAt, rank: 0, id: m.ID, collection: "moves", kind: PlaceService, service: cm.ToServiceID, correction: cm.correctionID})
	}
	for _, e := range EffectiveEvents(f.Events) {
		ft := fact{at: e.OccurredAt, id: e.ID, collection: "resident_events"}
		if e.CorrectsEventID != "" {
			ft.correction = e.ID
		}
		switch e.Event {
		case EventDeath:
			ft.kind, ft.rank = PlaceDeceased, 3
		case EventHospitalAdmission:
			ft.kind, ft.rank, ft.location = PlaceHospital, 2, e.Hospital
		case EventHospitalDischarge:
			ft.rank = 1
			if e.DischargedTo != "" {
				ft.kind, ft.service = PlaceService, e.DischargedTo
			} else {
				ft.kind = "return"
			}
		default:
			continue
		}
		facts = append(facts, ft)
	}
	sort.Slice(facts, func(i, j int) bool {
		a, b := facts[i], facts[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		return a.id < b.id
	})
	// Walk the facts: svc is the home the person is placed at (where they
	// go back to from hospital).
	svc, moved := base, false
	cur := Location{Kind: PlaceService, ServiceID: base}
	if base == "" {
		cur.Kind = PlaceUnknown
	}
	var death *fact
	for i := range facts {
		ft := facts[i]
		if ft.kind == PlaceDeceased {
			if death == nil {
				death = &facts[i]
			}
			continue
		}
		switch ft.kind {
		case PlaceService:
			svc, moved = ft.service, ft.service != base
			cur = Location{Kind: PlaceService, ServiceID: svc, Moved: moved}
		case PlaceHospital:
			cur = Location{Kind: PlaceHospital, ServiceID: svc, Location: ft.location, Moved: moved}
		case "return":
			cur = Location{Kind: PlaceService, ServiceID: svc, Moved: moved}
			if svc == "" {
				cur.Kind = PlaceUnknown
			}
		}
		cur.Since, cur.Collection, cur.RecordID, cur.CorrectionID = ft.at, ft.collection, ft.id, ft.correction
	}
	if death != nil {
		cur = Location{Kind: PlaceDeceased, ServiceID: svc, Since: death.at, Collection: death.collection, RecordID: death.id, CorrectionID: death.correction, Moved: moved}
	}
	cur.Derived, cur.InTransitMoveID = out.Derived, out.InTransitMoveID
	if cur.Kind == PlaceDeceased {
		cur.InTransitMoveID = ""
	}
	return cur
}

// SameValue reports whether two field values mean the same (compared by
// their JSON meaning, as the append-only checks compare them).
func SameValue(a, b any) bool { return sameValue(a, b) }

// earlier orders times with the zero time last.
func earlier(a, b time.Time) bool {
	switch {
	case a.IsZero():
		return false
	case b.IsZero():
		return true
	}
	return a.Before(b)
}
