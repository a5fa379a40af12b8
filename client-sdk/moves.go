package continuity

import (
	"errors"
	"sort"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
)

// Move is a resident's move to another service.
type Move struct {
	// ID is the record id; empty plans a new move.
	ID string
	// ResidentID is required. IncidentID defaults to the resident's and
	// FromServiceID to the resident's current service.
	ResidentID string
	// IncidentID: the incident (provider failure case) the record belongs to.
	IncidentID string
	// FromServiceID: where from.
	FromServiceID string
	// ToServiceID: where to: registered for the category needed, able to meet needs.
	ToServiceID string
	// ChosenBy is resident, carer, representative or best_interests.
	ChosenBy string
	// BestInterestsDecisionID: the best-interests decision behind the choice, if any.
	BestInterestsDecisionID string
	// PlannedAt and PlannedArrivalAt are RFC 3339; a move outside normal
	// working hours needs OutOfHoursReason.
	PlannedAt string
	// PlannedArrivalAt: planned arrival (RFC 3339).
	PlannedArrivalAt string
	// OutOfHoursReason: why the move is planned outside normal working hours.
	OutOfHoursReason string
	// Status is planned (the default for a new move), in_transit, completed
	// or cancelled.
	Status string
	// CancelledReason: why the move was cancelled.
	CancelledReason string
	// Transport is car, minibus, ambulance, wheelchair_taxi or other.
	Transport string
	// TransportPaidBy: who pays for transport.
	TransportPaidBy string
	// Vehicle: vehicle, e.g. a registration or a firm.
	Vehicle string
	// Escort: who accompanies the person: someone familiar.
	Escort string
	// EquipmentTravelling: equipment that travels with the person.
	EquipmentTravelling string
	// EscortFamiliar, MedicationTravelling and RecordsHandedOver are Yes,
	// No or "".
	EscortFamiliar string
	// MedicationTravelling: medication and MAR chart travel with the person.
	MedicationTravelling string
	// RecordsHandedOver: care records and summaries handed to the new provider.
	RecordsHandedOver string
	// Notes is free text.
	Notes string
	// ExtraJSON holds further fields to write, as a JSON object (e.g.
	// transport_cost, gp_changed).
	ExtraJSON string
	// Pending and FieldsJSON are set when read.
	Pending bool
	// FieldsJSON is every current field as a JSON object (set when read).
	FieldsJSON string
}

func (m *Move) bind() []binding {
	return []binding{
		str("incident_id", &m.IncidentID), str("resident_id", &m.ResidentID), str("from_service_id", &m.FromServiceID),
		str("to_service_id", &m.ToServiceID), str("chosen_by", &m.ChosenBy),
		str("best_interests_decision_id", &m.BestInterestsDecisionID), str("planned_at", &m.PlannedAt),
		str("planned_arrival_at", &m.PlannedArrivalAt), str("out_of_hours_reason", &m.OutOfHoursReason),
		str("status", &m.Status), str("cancelled_reason", &m.CancelledReason), str("transport", &m.Transport),
		str("transport_paid_by", &m.TransportPaidBy), str("vehicle", &m.Vehicle), str("escort", &m.Escort),
		str("equipment_travelling", &m.EquipmentTravelling), yesno("escort_familiar", &m.EscortFamiliar),
		yesno("medication_travelling", &m.MedicationTravelling), yesno("records_handed_over", &m.RecordsHandedOver),
		str("notes", &m.Notes),
	}
}

// MoveList is a list of moves.
type MoveList struct{ items []*Move }

// Len returns the number of moves.
func (l *MoveList) Len() int { return len(l.items) }

// At returns the i-th move.
func (l *MoveList) At(i int) *Move { return l.items[i] }

// PlanMove plans a move (ID empty) or updates one, writing the fields that
// are set, and returns its id.
func (c *Client) PlanMove(m *Move) (string, error) {
	if m == nil {
		return "", errors.New("continuity: no move")
	}
	v := *m
	if !c.exists(CollectionMoves, v.ID) {
		if v.IncidentID == "" {
			v.IncidentID = c.stringField(CollectionResidents, v.ResidentID, "incident_id")
		}
		if v.FromServiceID == "" {
			v.FromServiceID = c.stringField(CollectionResidents, v.ResidentID, "current_service_id")
		}
		if v.Status == "" {
			v.Status = "planned"
		}
	}
	if v.PlannedAt != "" && v.PlannedArrivalAt != "" && parseTime(v.PlannedArrivalAt).Before(parseTime(v.PlannedAt)) {
		return "", syncproto.Errorf(rules.CodeMoveEndsBeforeStart, "fields.planned_arrival_at", "a move cannot arrive before it departs")
	}
	fields, err := encode(v.bind(), v.ExtraJSON)
	if err != nil {
		return "", err
	}
	return c.write(CollectionMoves, v.ID, syncproto.OpUpsert, fields)
}

func moveFrom(sr storedRecord) *Move {
	m := &Move{ID: sr.rec.ID, Pending: sr.pending, FieldsJSON: fieldsJSON(sr.rec)}
	decode(m.bind(), sr.rec)
	return m
}

// Move returns a move held on the device.
func (c *Client) Move(id string) (*Move, error) {
	sr, err := c.get(CollectionMoves, id)
	if err != nil {
		return nil, err
	}
	return moveFrom(sr), nil
}

// MovesOf returns a resident's moves, by planned time.
func (c *Client) MovesOf(residentID string) (*MoveList, error) {
	id, err := canonID("resident_id", residentID)
	if err != nil {
		return nil, err
	}
	rs, err := c.query(CollectionMoves, "", "resident_id", id)
	if err != nil {
		return nil, err
	}
	l := &MoveList{}
	for _, sr := range rs {
		l.items = append(l.items, moveFrom(sr))
	}
	sort.SliceStable(l.items, func(i, j int) bool {
		return parseTime(l.items[i].PlannedAt).Before(parseTime(l.items[j].PlannedAt))
	})
	return l, nil
}

// MoveLeg is one leg of a move as logged on the day.
type MoveLeg struct {
	// ID is the record id; empty logs a new leg.
	ID string
	// MoveID is required; IncidentID defaults to the move's.
	MoveID string
	// IncidentID: the incident (provider failure case) the record belongs to.
	IncidentID string
	// Sequence is 1 for the first leg; 0 on a new leg means the next one.
	Sequence int
	// FromPlace: where the leg starts, if not the move's origin.
	FromPlace string
	// ToPlace: where the leg ends, if not the move's destination.
	ToPlace string
	// DepartedAt, ArrivedAt and HandedOverAt are RFC 3339.
	DepartedAt string
	// ArrivedAt: when the person arrived (RFC 3339).
	ArrivedAt string
	// Vehicle: vehicle used.
	Vehicle string
	// Escort: who went with the person.
	Escort string
	// HandedOverAt: when the handover was done (RFC 3339).
	HandedOverAt string
	// HandedOverTo: who received the handover.
	HandedOverTo string
	// IdentityConfirmed and HandedOver are Yes, No or "".
	IdentityConfirmed string
	// HandedOver: the person, medication and records were handed over.
	HandedOver string
	// Notes is free text.
	Notes string
	// ExtraJSON holds further fields to write, as a JSON object.
	ExtraJSON string
	// Pending and FieldsJSON are set when read.
	Pending bool
	// FieldsJSON is every current field as a JSON object (set when read).
	FieldsJSON string
}

func (m *MoveLeg) bind() []binding {
	return []binding{
		str("incident_id", &m.IncidentID), str("move_id", &m.MoveID), integer("sequence", &m.Sequence),
		str("from_place", &m.FromPlace), str("to_place", &m.ToPlace), str("departed_at", &m.DepartedAt),
		str("arrived_at", &m.ArrivedAt), str("vehicle", &m.Vehicle), str("escort", &m.Escort),
		str("handed_over_at", &m.HandedOverAt), str("handed_over_to", &m.HandedOverTo),
		yesno("identity_confirmed", &m.IdentityConfirmed), yesno("handed_over", &m.HandedOver), str("notes", &m.Notes),
	}
}

// MoveLegList is a list of move legs.
type MoveLegList struct{ items []*MoveLeg }

// Len returns the number of legs.
func (l *MoveLegList) Len() int { return len(l.items) }

// At returns the i-th leg.
func (l *MoveLegList) At(i int) *MoveLeg { return l.items[i] }

// LogMoveLeg logs a leg of a move (ID empty) or updates one (e.g. its
// arrival), and returns its id. The times must run in order: departed,
// arrived, handed over.
func (c *Client) LogMoveLeg(leg *MoveLeg) (string, error) {
	if leg == nil {
		return "", errors.New("continuity: no move leg")
	}
	v := *leg
	existing := &MoveLeg{}
	if sr, err := c.get(CollectionMoveLegs, v.ID); v.ID != "" && err == nil {
		decode(existing.bind(), sr.rec)
	} else {
		if v.MoveID != "" {
			if id, err := canonID("fields.move_id", v.MoveID); err == nil {
				v.MoveID = id
			}
		}
		if v.IncidentID == "" {
			v.IncidentID = c.stringField(CollectionMoves, v.MoveID, "incident_id")
		}
		if v.Sequence == 0 && v.MoveID != "" {
			legs, err := c.LegsOf(v.MoveID)
			if err == nil {
				v.Sequence = legs.Len() + 1
			}
		}
	}
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	dep, arr, hand := pick(v.DepartedAt, existing.DepartedAt), pick(v.ArrivedAt, existing.ArrivedAt), pick(v.HandedOverAt, existing.HandedOverAt)
	switch {
	case arr != "" && dep == "":
		return "", syncproto.Errorf(rules.CodeLegArrivalWithoutDeparture, "fields.arrived_at", "a leg cannot arrive without departing; log departed_at")
	case arr != "" && parseTime(arr).Before(parseTime(dep)):
		return "", syncproto.Errorf(rules.CodeLegArrivesBeforeDeparture, "fields.arrived_at", "a leg cannot arrive (%s) before it departs (%s)", arr, dep)
	case hand != "" && arr == "":
		return "", syncproto.Errorf(rules.CodeLegHandoverBeforeArrival, "fields.handed_over_at", "a handover comes after arrival; log arrived_at")
	case hand != "" && parseTime(hand).Before(parseTime(arr)):
		return "", syncproto.Errorf(rules.CodeLegHandoverBeforeArrival, "fields.handed_over_at", "the handover (%s) cannot come before the arrival (%s)", hand, arr)
	}
	fields, err := encode(v.bind(), v.ExtraJSON)
	if err != nil {
		return "", err
	}
	return c.write(CollectionMoveLegs, v.ID, syncproto.OpUpsert, fields)
}

func legFrom(sr storedRecord) *MoveLeg {
	m := &MoveLeg{ID: sr.rec.ID, Pending: sr.pending, FieldsJSON: fieldsJSON(sr.rec)}
	decode(m.bind(), sr.rec)
	return m
}

// LegsOf returns a move's legs in sequence.
func (c *Client) LegsOf(moveID string) (*MoveLegList, error) {
	id, err := canonID("move_id", moveID)
	if err != nil {
		return nil, err
	}
	rs, err := c.query(CollectionMoveLegs, "", "move_id", id)
	if err != nil {
		return nil, err
	}
	l := &MoveLegList{}
	for _, sr := range rs {
		l.items = append(l.items, legFrom(sr))
	}
	sort.SliceStable(l.items, func(i, j int) bool { return l.items[i].Sequence < l.items[j].Sequence })
	return l, nil
}
