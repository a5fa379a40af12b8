package continuity

import (
	"encoding/json"
	"fmt"
)

// Conflict is a disagreement between devices that back-office must settle,
// as synced from the server: two devices wrote a field such as a move's
// destination or a resident's funding without seeing each other's write, or
// an edit raced the signing of an assessment.
type Conflict struct {
	// ID is the conflict record's id.
	ID string
	// IncidentID is the incident it belongs to.
	IncidentID string
	// Kind is concurrent_write or edit_racing_sign_off.
	Kind string
	// Collection, RecordID and Field name what is in dispute.
	Collection string
	// RecordID is the record in dispute.
	RecordID string
	// Field is the field in dispute.
	Field string
	// Status is open or resolved.
	Status string
	// ValuesJSON is the values written, with who wrote them and when, as a
	// JSON array.
	ValuesJSON string
	// ResolutionValueJSON is the value back-office chose, once resolved.
	ResolutionValueJSON string
}

// ConflictList is a list of conflicts.
type ConflictList struct{ items []*Conflict }

// Len returns the number of conflicts.
func (l *ConflictList) Len() int { return len(l.items) }

// At returns the i-th conflict.
func (l *ConflictList) At(i int) *Conflict { return l.items[i] }

// OpenConflicts returns the conflicts of an incident that are still open on
// this device, so the app can warn before anyone acts on a disputed value.
func (c *Client) OpenConflicts(incidentID string) (*ConflictList, error) {
	recs, err := c.List("conflicts", incidentID)
	if err != nil {
		return nil, err
	}
	out := &ConflictList{}
	for _, r := range recs.items {
		var f struct {
			Kind            string          `json:"kind"`
			Collection      string          `json:"collection"`
			RecordID        string          `json:"record_id"`
			Field           string          `json:"field"`
			Status          string          `json:"status"`
			Values          json.RawMessage `json:"values"`
			ResolutionValue json.RawMessage `json:"resolution_value"`
		}
		if err := json.Unmarshal([]byte(r.FieldsJSON), &f); err != nil {
			return nil, fmt.Errorf("conflict %s: %w", r.ID, err)
		}
		if f.Status != "open" {
			continue
		}
		out.items = append(out.items, &Conflict{ID: r.ID, IncidentID: r.IncidentID, Kind: f.Kind, Collection: f.Collection,
			RecordID: f.RecordID, Field: f.Field, Status: f.Status, ValuesJSON: string(f.Values), ResolutionValueJSON: string(f.ResolutionValue)})
	}
	return out, nil
}
