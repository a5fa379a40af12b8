package reports

import (
	"sort"
	"time"

	"github.com/continuity-care/continuity/syncproto"
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
