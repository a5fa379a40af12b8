package reports

import (
	"sort"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/rules"
)

// MoveBoard is an incident's moves as the incident room follows them on the
// day: every move with its legs, when it falls and whether it is late.
type MoveBoard struct {
	IncidentID  string    `json:"incident_id"`
	GeneratedAt time.Time `json:"generated_at"`
	Today       string    `json:"today"`
	Moves       []MoveRow `json:"moves"`
}

// When a move falls, relative to today (Europe/London).
const (
	WhenEarlier  = "earlier"    // planned before today
	WhenToday    = "today"      // planned today
	WhenUpcoming = "upcoming"   // planned after today
	WhenUnplaned = "undated"    // no planned time
	WhenOnRoad   = "in_transit" // on the road now, whenever planned
)

// Hand-over states of a move, from its legs.
const (
	HandoverNotStarted = "not_started" // nobody has left yet
	HandoverDeparted   = "departed"    // left, not arrived
	HandoverArrived    = "arrived"     // arrived, not handed over
	HandoverDone       = "handed_over" // person, medication and records handed over
)

// Late reasons of a move.
const (
	LateDeparture = "late_departure" // planned time passed and nobody has left
	LateArrival   = "late_arrival"   // planned arrival passed and not arrived
)

// MoveRow is one move.
type MoveRow struct {
	MoveID           string     `json:"move_id"`
	ResidentID       string     `json:"resident_id"`
	ResidentName     string     `json:"resident_name"`
	From             string     `json:"from"`
	To               string     `json:"to"`
	Status           string     `json:"status"`
	When             string     `json:"when"`
	Day              string     `json:"day,omitempty"`
	PlannedAt        *time.Time `json:"planned_at,omitempty"`
	PlannedArrivalAt *time.Time `json:"planned_arrival_at,omitempty"`
	Transport        string     `json:"transport,omitempty"`
	Vehicle          string     `json:"vehicle,omitempty"`
	Escort           string     `json:"escort,omitempty"`
	EscortFamiliar   bool       `json:"escort_familiar,omitempty"`
	Medication       bool       `json:"medication_travelling,omitempty"`
	RecordsHanded    bool       `json:"records_handed_over,omitempty"`
	Handover         string     `json:"handover"`
	Late             string     `json:"late,omitempty"`
	Legs             []LegRow   `json:"legs"`
	// CompletedAt is when a completed move was completed as recorded (its
	// completed_at, else its legs' latest hand-over or arrival).
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	// Corrections put right a completed move (append-only), oldest first.
	Corrections []CorrectionRow `json:"corrections,omitempty"`
	// Void, EffectiveToServiceID, EffectiveTo and EffectiveCompletedAt are
	// the completed move as its corrections leave it (rules.Correct): void
	// when it did not happen, else where the person went and when.
	Void                 bool       `json:"void,omitempty"`
	EffectiveToServiceID string     `json:"effective_to_service_id,omitempty"`
	EffectiveTo          string     `json:"effective_to,omitempty"`
	EffectiveCompletedAt *time.Time `json:"effective_completed_at,omitempty"`
}

// CorrectionRow is one correction of a completed move.
type CorrectionRow struct {
	CorrectionID string `json:"correction_id"`
	// Kind is void, destination or completed_at (rules.CorrectionKind).
	Kind string `json:"kind"`
	// ToServiceID and To are where the person went instead (destination).
	ToServiceID string `json:"to_service_id,omitempty"`
	To          string `json:"to,omitempty"`
	// CompletedAt is when the move was completed instead (completed_at).
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Reason      string     `json:"reason"`
	CorrectedBy string     `json:"corrected_by"`
	// CorrectedAt is when the correction was recorded (its stamp).
	CorrectedAt *time.Time `json:"corrected_at,omitempty"`
}

// LegRow is one leg of a move as logged on the day.
type LegRow struct {
	LegID             string     `json:"leg_id"`
	Sequence          int        `json:"sequence"`
	DepartedAt        *time.Time `json:"departed_at,omitempty"`
	ArrivedAt         *time.Time `json:"arrived_at,omitempty"`
	Vehicle           string     `json:"vehicle,omitempty"`
	Escort            string     `json:"escort,omitempty"`
	IdentityConfirmed bool       `json:"identity_confirmed"`
	HandedOver        bool       `json:"handed_over"`
	HandedOverTo      string     `json:"handed_over_to,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Moves works out the move board as of now. Moves come in planned order
// (undated last), then by id.
func Moves(d Data, now time.Time) MoveBoard {
	ix := newIndex(d)
	day := today(now)
	mb := MoveBoard{IncidentID: d.IncidentID, GeneratedAt: now.UTC(), Today: day, Moves: []MoveRow{}}
	legs := map[string][]*syncproto.Record{}
	for _, l := range ix.all("move_legs") {
		legs[str(l, "move_id")] = append(legs[str(l, "move_id")], l)
	}
	corrections := map[string][]*syncproto.Record{}
	for _, c := range ix.all(domain.MoveCorrections) {
		corrections[str(c, "move_id")] = append(corrections[str(c, "move_id")], c)
	}
	for _, m := range ix.all("moves") {
		rid := str(m, "resident_id")
		row := MoveRow{
			MoveID: m.ID, ResidentID: rid, ResidentName: residentName(ix.get("residents", rid)),
			From: serviceName(ix, str(m, "from_service_id")), To: serviceName(ix, str(m, "to_service_id")),
			Status: str(m, "status"), PlannedAt: timePtr(instant(m, "planned_at")), PlannedArrivalAt: timePtr(instant(m, "planned_arrival_at")),
			Transport: str(m, "transport"), Vehicle: str(m, "vehicle"), Escort: str(m, "escort"), EscortFamiliar: boolean(m, "escort_familiar"),
			Medication: boolean(m, "medication_travelling"), RecordsHanded: boolean(m, "records_handed_over"),
			Handover: HandoverNotStarted, Legs: []LegRow{},
		}
		ls := legs[m.ID]
		sort.SliceStable(ls, func(i, j int) bool {
			if a, b := integer(ls[i], "sequence"), integer(ls[j], "sequence"); a != b {
				return a < b
			}
			return ls[i].ID < ls[j].ID
		})
		departed, arrived, handed := false, false, false
		for _, l := range ls {
			lr := LegRow{LegID: l.ID, Sequence: integer(l, "sequence"), DepartedAt: timePtr(instant(l, "departed_at")), ArrivedAt: timePtr(instant(l, "arrived_at")),
				Vehicle: str(l, "vehicle"), Escort: str(l, "escort"), IdentityConfirmed: boolean(l, "identity_confirmed"), HandedOver: boolean(l, "handed_over"), HandedOverTo: str(l, "handed_over_to")}
			departed = departed || lr.DepartedAt != nil
			arrived = arrived || lr.ArrivedAt != nil
			handed = handed || lr.HandedOver
			row.Legs = append(row.Legs, lr)
		}
		switch {
		case handed:
			row.Handover = HandoverDone
		case arrived:
			row.Handover = HandoverArrived
		case departed || row.Status == moveInTransit:
			row.Handover = HandoverDeparted
		}
		if row.PlannedAt != nil {
			row.Day = today(*row.PlannedAt)
		}
		switch {
		case row.Status == moveInTransit:
			row.When = WhenOnRoad
		case row.Day == "":
			row.When = WhenUnplaned
		case row.Day < day:
			row.When = WhenEarlier
		case row.Day == day:
			row.When = WhenToday
		default:
			row.When = WhenUpcoming
		}
		switch {
		case row.Status == movePlanned && !departed && row.PlannedAt != nil && now.After(*row.PlannedAt):
			row.Late = LateDeparture
		case activeMove(row.Status) && departed && !arrived && row.PlannedArrivalAt != nil && now.After(*row.PlannedArrivalAt):
			row.Late = LateArrival
		}
		if row.Status == moveCompleted || len(corrections[m.ID]) > 0 {
			correctMove(ix, &row, m, ls, corrections[m.ID])
		}
		mb.Moves = append(mb.Moves, row)
	}
	sort.SliceStable(mb.Moves, func(i, j int) bool {
		a, b := mb.Moves[i], mb.Moves[j]
		if (a.PlannedAt == nil) != (b.PlannedAt == nil) {
			return a.PlannedAt != nil
		}
		if a.PlannedAt != nil && !a.PlannedAt.Equal(*b.PlannedAt) {
			return a.PlannedAt.Before(*b.PlannedAt)
		}
		return a.MoveID < b.MoveID
	})
	return mb
}

// correctMove fills in a completed move's completion, its corrections and
// what they leave of it.
func correctMove(ix *index, row *MoveRow, m *syncproto.Record, legs, corrections []*syncproto.Record) {
	completed := domain.WhereaboutsMoveOf(m, legs).CompletedAt
	row.CompletedAt = timePtr(completed)
	var cs []rules.MoveCorrection
	for _, r := range corrections {
		c := domain.MoveCorrectionOf(r)
		cs = append(cs, c)
		row.Corrections = append(row.Corrections, CorrectionRow{CorrectionID: r.ID, Kind: string(c.Kind), ToServiceID: c.ToServiceID, To: serviceName(ix, c.ToServiceID),
			CompletedAt: timePtr(c.CompletedAt), Reason: str(r, "reason"), CorrectedBy: str(r, "corrected_by"), CorrectedAt: timePtr(c.Recorded)})
	}
	sort.SliceStable(row.Corrections, func(i, j int) bool {
		a, b := row.Corrections[i].CorrectedAt, row.Corrections[j].CorrectedAt
		if (a == nil) != (b == nil) {
			return a != nil
		}
		if a != nil && !a.Equal(*b) {
			return a.Before(*b)
		}
		return row.Corrections[i].CorrectionID < row.Corrections[j].CorrectionID
	})
	cm := rules.Correct(rules.Move{ID: m.ID, ResidentID: row.ResidentID, FromServiceID: str(m, "from_service_id"), ToServiceID: str(m, "to_service_id")}, completed, cs)
	row.Void = cm.Void
	if !cm.Void {
		row.EffectiveToServiceID, row.EffectiveTo, row.EffectiveCompletedAt = cm.ToServiceID, serviceName(ix, cm.ToServiceID), timePtr(cm.CompletedAt)
	}
}
