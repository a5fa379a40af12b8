package reports

import (
	"sort"
	"time"
)

// MovementEntry is one row of the incident's movement log (collection
// movement_log, 003 Appendix 2, 7.17), with the resident's and services'
// names joined in.
type MovementEntry struct {
	ID string `json:"id"` // the log record's id
	// OccurredAt is when it happened; zero if the record has no valid time.
	OccurredAt      time.Time `json:"occurred_at"`
	Event           string    `json:"event"`                       // planned, departed, arrived, handed_over ...
	ResidentID      string    `json:"resident_id"`                 // who moved
	ResidentName    string    `json:"resident_name"`               // their name; "" if not a resident of the incident
	MoveID          string    `json:"move_id,omitempty"`           // the move
	FromServiceID   string    `json:"from_service_id,omitempty"`   // from
	FromServiceName string    `json:"from_service_name,omitempty"` // its name
	ToServiceID     string    `json:"to_service_id,omitempty"`     // to
	ToServiceName   string    `json:"to_service_name,omitempty"`   // its name
	RecordedBy      string    `json:"recorded_by,omitempty"`       // who logged it
	Notes           string    `json:"notes,omitempty"`             // notes
}

// DecisionEntry is one row of the incident's decision log (collection
// decision_log, 003 Appendix 2, 7.17 and 9.1), with the resident's name
// joined in when the decision is about one person.
type DecisionEntry struct {
	ID string `json:"id"` // the log record's id
	// DecidedAt is when it was decided; zero if the record has no valid
	// time.
	DecidedAt    time.Time `json:"decided_at"`
	Decision     string    `json:"decision"`                // what was decided
	Rationale    string    `json:"rationale,omitempty"`     // why
	DecidedBy    string    `json:"decided_by"`              // who decided
	Role         string    `json:"role,omitempty"`          // their role
	ResidentID   string    `json:"resident_id,omitempty"`   // the person it is about, if one
	ResidentName string    `json:"resident_name,omitempty"` // their name
	MeetingID    string    `json:"meeting_id,omitempty"`    // the meeting where it was made, if one
	RecordedBy   string    `json:"recorded_by,omitempty"`   // who logged it
}

// MovementLog returns the incident's movement log, earliest first (ties by
// record id; entries without a valid time come first).
func MovementLog(d Data) []MovementEntry {
	ix := newIndex(d)
	out := []MovementEntry{}
	for _, r := range ix.all("movement_log") {
		rid, from, to := str(r, "resident_id"), str(r, "from_service_id"), str(r, "to_service_id")
		out = append(out, MovementEntry{
			ID:              r.ID,
			OccurredAt:      instant(r, "occurred_at"),
			Event:           str(r, "event"),
			ResidentID:      rid,
			ResidentName:    residentName(ix.get("residents", rid)),
			MoveID:          str(r, "move_id"),
			FromServiceID:   from,
			FromServiceName: serviceName(ix, from),
			ToServiceID:     to,
			ToServiceName:   serviceName(ix, to),
			RecordedBy:      str(r, "recorded_by"),
			Notes:           str(r, "notes"),
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return byTime(out[i].OccurredAt, out[j].OccurredAt, out[i].ID, out[j].ID) })
	return out
}

// DecisionLog returns the incident's decision log, earliest first (ties by
// record id; entries without a valid time come first).
func DecisionLog(d Data) []DecisionEntry {
	ix := newIndex(d)
	out := []DecisionEntry{}
	for _, r := range ix.all("decision_log") {
		rid := str(r, "resident_id")
		out = append(out, DecisionEntry{
			ID:           r.ID,
			DecidedAt:    instant(r, "decided_at"),
			Decision:     str(r, "decision"),
			Rationale:    str(r, "rationale"),
			DecidedBy:    str(r, "decided_by"),
			Role:         str(r, "role"),
			ResidentID:   rid,
			ResidentName: residentName(ix.get("residents", rid)),
			MeetingID:    str(r, "meeting_id"),
			RecordedBy:   str(r, "recorded_by"),
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return byTime(out[i].DecidedAt, out[j].DecidedAt, out[i].ID, out[j].ID) })
	return out
}

// byTime orders by time, then id.
func byTime(a, b time.Time, ida, idb string) bool {
	if !a.Equal(b) {
		return a.Before(b)
	}
	return ida < idb
}

// serviceName is a service's name, or "" when unknown.
func serviceName(ix *index, id string) string { return str(ix.get("services", id), "name") }
