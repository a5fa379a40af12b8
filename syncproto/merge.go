package syncproto

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Stamp is a write's position in the last-writer-wins order: by HLC, then
// device id, then change id. The change id only breaks ties that a correct
// clock never produces, so the order is total and merges converge regardless.
type Stamp struct {
	HLC      HLC    `json:"hlc"`
	Device   string `json:"device_id"`
	ChangeID string `json:"change_id"`
}

// Compare returns -1, 0 or +1 as s is before, equal to or after o.
func (s Stamp) Compare(o Stamp) int {
	if c := s.HLC.Compare(o.HLC); c != 0 {
		return c
	}
	if c := strings.Compare(s.Device, o.Device); c != 0 {
		return c
	}
	return strings.Compare(s.ChangeID, o.ChangeID)
}

// FieldState is the winning write of one field.
type FieldState struct {
	Value      json.RawMessage `json:"value"`
	Stamp      Stamp           `json:"stamp"`
	RecordedAt time.Time       `json:"recorded_at"`
}

// Record is the merged state of one record: each field's winning write and the
// latest tombstone. Fields written at or before the tombstone are void and not
// kept; a field written after it revives the record.
type Record struct {
	Collection string                `json:"collection"`
	ID         string                `json:"record_id"`
	Fields     map[string]FieldState `json:"fields"`
	Tombstone  *Stamp                `json:"tombstone,omitempty"`
	// TombstoneRecordedAt is the person's time of the winning delete.
	TombstoneRecordedAt time.Time `json:"tombstone_recorded_at,omitzero"`
	// Scope is the incident the server files the record under, kept when
	// the record is deleted (a tombstone has no fields to derive it from).
	// The server's stores fill it from their own column; it is not part of
	// the merged state, so it is neither encoded nor compared.
	Scope string `json:"-"`
}

// NewRecord returns an empty record state.
func NewRecord(collection, id string) *Record {
	return &Record{Collection: collection, ID: id, Fields: map[string]FieldState{}}
}

// Exists reports whether the record has ever been written.
func (r *Record) Exists() bool { return len(r.Fields) > 0 || r.Tombstone != nil }

// Deleted reports whether the record is currently deleted: it has a tombstone
// and no field written after it.
func (r *Record) Deleted() bool { return r.Tombstone != nil && len(r.Fields) == 0 }

// Value returns the current value of a field, or nil when unset or void.
func (r *Record) Value(field string) json.RawMessage {
	if f, ok := r.Fields[field]; ok {
		return f.Value
	}
	return nil
}

// Apply merges c into r and reports whether the state changed. Applying the
// same set of changes in any order, any number of times, gives the same state.
func (r *Record) Apply(c Change) bool {
	if r.Fields == nil {
		r.Fields = map[string]FieldState{}
	}
	s := c.Stamp()
	changed := false
	switch c.Op {
	case OpDelete:
		if r.Tombstone == nil || s.Compare(*r.Tombstone) > 0 {
			ts := s
			r.Tombstone = &ts
			r.TombstoneRecordedAt = c.RecordedAt.UTC()
			changed = true
			for name, f := range r.Fields {
				if f.Stamp.Compare(s) <= 0 {
					delete(r.Fields, name)
				}
			}
		}
	case OpUpsert:
		if r.Tombstone != nil && s.Compare(*r.Tombstone) <= 0 {
			return false
		}
		for name, v := range c.Fields {
			cur, ok := r.Fields[name]
			if ok && s.Compare(cur.Stamp) <= 0 {
				continue
			}
			r.Fields[name] = FieldState{Value: v, Stamp: s, RecordedAt: c.RecordedAt.UTC()}
			changed = true
		}
	}
	return changed
}

// Changes returns the record's state as the fewest changes that rebuild it:
// the tombstone (if any) and one upsert per original change whose writes still
// win, each keeping its original id, HLC, device and recorded time. Applied to
// an empty record, in any order, they give back r.
func (r *Record) Changes() []Change {
	var out []Change
	if r.Tombstone != nil {
		out = append(out, Change{
			ID: r.Tombstone.ChangeID, Collection: r.Collection, RecordID: r.ID, Op: OpDelete,
			HLC: r.Tombstone.HLC, DeviceID: r.Tombstone.Device, RecordedAt: r.TombstoneRecordedAt,
		})
	}
	// A record's fields carry few distinct stamps (one per change that
	// still wins a field), so they are grouped by a linear search rather
	// than a map, which would hash three strings per field.
	start := len(out)
	for name, f := range r.Fields {
		i := start
		for i < len(out) && out[i].Stamp() != f.Stamp {
			i++
		}
		if i == len(out) {
			out = append(out, Change{
				ID: f.Stamp.ChangeID, Collection: r.Collection, RecordID: r.ID, Op: OpUpsert,
				HLC: f.Stamp.HLC, DeviceID: f.Stamp.Device, RecordedAt: f.RecordedAt,
				Fields: map[string]json.RawMessage{},
			})
		}
		out[i].Fields[name] = f.Value
	}
	slices.SortFunc(out[start:], func(a, b Change) int { return a.Stamp().Compare(b.Stamp()) })
	return out
}

// Equal reports whether two record states are the same.
func (r *Record) Equal(o *Record) bool {
	if r.Collection != o.Collection || r.ID != o.ID || len(r.Fields) != len(o.Fields) {
		return false
	}
	if (r.Tombstone == nil) != (o.Tombstone == nil) || (r.Tombstone != nil && *r.Tombstone != *o.Tombstone) {
		return false
	}
	for name, f := range r.Fields {
		g, ok := o.Fields[name]
		if !ok || f.Stamp != g.Stamp || !bytes.Equal(f.Value, g.Value) {
			return false
		}
	}
	return true
}

// Object returns the record's current values as a JSON object, or nil when the
// record is deleted.
func (r *Record) Object() map[string]json.RawMessage {
	if r.Deleted() {
		return nil
	}
	m := make(map[string]json.RawMessage, len(r.Fields))
	for name, f := range r.Fields {
		m[name] = f.Value
	}
	return m
}

// Clone returns a deep copy of r (field values are shared: they are never
// modified in place).
func (r *Record) Clone() *Record {
	c := &Record{Collection: r.Collection, ID: r.ID, Fields: make(map[string]FieldState, len(r.Fields)), TombstoneRecordedAt: r.TombstoneRecordedAt, Scope: r.Scope}
	for k, v := range r.Fields {
		c.Fields[k] = v
	}
	if r.Tombstone != nil {
		t := *r.Tombstone
		c.Tombstone = &t
	}
	return c
}
