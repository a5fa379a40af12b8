package care

import (
	"context"
	"time"
)

// Read actions recorded in the read audit.
const (
	// ReadExport is a subject-access export of everything about a person.
	ReadExport = "export"
	// ReadHistory is a record's audit history opened by a person.
	ReadHistory = "history"
	// ReadReport is a report that names an incident's residents.
	ReadReport = "report"
)

// ReadEvent is one read of personal data that a person made on purpose:
// who, when, what and why. Writes are audited by the change log itself.
type ReadEvent struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Subject  string    `json:"subject"`
	Role     string    `json:"role"`
	DeviceID string    `json:"device_id"`
	// Action is ReadExport, ReadHistory or ReadReport.
	Action string `json:"action"`
	// Collection and RecordID name the record read, when one was.
	Collection string `json:"collection,omitempty"`
	RecordID   string `json:"record_id,omitempty"`
	// ResidentID is the person the read concerns; empty for a report
	// about a whole incident.
	ResidentID string `json:"resident_id,omitempty"`
	// IncidentID is the incident the read data belongs to.
	IncidentID string `json:"incident_id"`
	// Detail says which report or export format.
	Detail string `json:"detail,omitempty"`
}

// ReadFilter selects read events.
type ReadFilter struct {
	// ResidentID selects reads of that person, and the reports about
	// their incident (IncidentID must then be the person's incident).
	ResidentID string
	// IncidentID selects reads of one incident's data.
	IncidentID string
	// Incidents, when not nil, are the only incidents whose reads pass
	// (the caller's scopes).
	Incidents []string
	// AfterID pages: only events with a larger id.
	AfterID int64
	// Limit caps the number of events.
	Limit int
}

// ReadAuditStore keeps the read audit. Events are never updated.
type ReadAuditStore interface {
	// RecordRead stores one read event.
	RecordRead(ctx context.Context, e ReadEvent) error
	// Reads lists read events oldest first.
	Reads(ctx context.Context, f ReadFilter) ([]ReadEvent, error)
}
