package care

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/continuity-care/continuity/syncproto"
)

// The stored form of a record's state, shared by the stores. A record row
// keeps two encodings, both written by EncodeState:
//
//   - state, the compact merged state the push merges into and the rules'
//     lookups and reporting views read: {"v":2,"fields":{"<name>":{"value":
//     <json>,"s":<i>}},"stamps":[{"hlc","device_id","change_id",
//     "recorded_at"}],"tombstone":{...},"tombstone_recorded_at":"..."}, each
//     distinct stamp written once and named by its index. Values stay at
//     $.fields.<name>.value, where the lookup indexes and views find them.
//     DecodeState also reads the first form, which wrote every field's stamp
//     in full (rows written before migration 00010).
//   - wire, the changes that rebuild the record (syncproto.Record.Changes)
//     as the pull serves them: encoded JSON objects joined by commas, with
//     their number. An initial-sync page is these bytes, copied.

// StateRecord is one record's state as a state page serves it.
type StateRecord struct {
	Collection string
	ID         string
	// Scope is the incident the record is filed under.
	Scope string
	// Count is how many changes Wire holds.
	Count int
	// Wire is the changes that rebuild the record, as JSON objects joined
	// by commas.
	Wire []byte
}

// Record decodes the record a StateRecord serves (for tests and tools; the
// pull never does).
func (r StateRecord) Record() (*syncproto.Record, error) {
	cs, err := DecodeWire(r.Wire)
	if err != nil {
		return nil, err
	}
	rec := syncproto.NewRecord(r.Collection, r.ID)
	for _, c := range cs {
		rec.Apply(c)
	}
	rec.Scope = r.Scope
	return rec, nil
}

// DecodeWire decodes changes joined by commas.
func DecodeWire(wire []byte) ([]syncproto.Change, error) {
	var cs []syncproto.Change
	if len(wire) == 0 {
		return cs, nil
	}
	b := make([]byte, 0, len(wire)+2)
	b = append(append(append(b, '['), wire...), ']')
	if err := json.Unmarshal(b, &cs); err != nil {
		return nil, fmt.Errorf("decode changes: %w", err)
	}
	return cs, nil
}

// storedStamp is a stamp with its recorded time, as state keeps it.
type storedStamp struct {
	HLC        syncproto.HLC `json:"hlc"`
	Device     string        `json:"device_id"`
	ChangeID   string        `json:"change_id"`
	RecordedAt time.Time     `json:"recorded_at"`
}

// storedField is one field of either stored form.
type storedField struct {
	Value json.RawMessage `json:"value"`
	// S indexes the stamps (form 2).
	S int `json:"s"`
	// Stamp and RecordedAt are the first form's.
	Stamp      *syncproto.Stamp `json:"stamp"`
	RecordedAt time.Time        `json:"recorded_at"`
}

// storedState reads either stored form.
type storedState struct {
	V                   int                    `json:"v"`
	Fields              map[string]storedField `json:"fields"`
	Stamps              []storedStamp          `json:"stamps"`
	Tombstone           *syncproto.Stamp       `json:"tombstone"`
	TombstoneRecordedAt time.Time              `json:"tombstone_recorded_at"`
}

// DecodeState decodes a stored state (either form) of the record
// collection/id, filed under scope.
func DecodeState(collection, id, scope string, state []byte) (*syncproto.Record, error) {
	var st storedState
	if err := json.Unmarshal(state, &st); err != nil {
		return nil, fmt.Errorf("decode record state: %w", err)
	}
	r := &syncproto.Record{Collection: collection, ID: id, Scope: scope, Fields: make(map[string]syncproto.FieldState, len(st.Fields)),
		Tombstone: st.Tombstone, TombstoneRecordedAt: st.TombstoneRecordedAt}
	for name, f := range st.Fields {
		switch {
		case st.V >= 2:
			if f.S < 0 || f.S >= len(st.Stamps) {
				return nil, fmt.Errorf("decode record state: field %s names stamp %d of %d", name, f.S, len(st.Stamps))
			}
			s := st.Stamps[f.S]
			r.Fields[name] = syncproto.FieldState{Value: f.Value, Stamp: syncproto.Stamp{HLC: s.HLC, Device: s.Device, ChangeID: s.ChangeID}, RecordedAt: s.RecordedAt}
		case f.Stamp != nil:
			r.Fields[name] = syncproto.FieldState{Value: f.Value, Stamp: *f.Stamp, RecordedAt: f.RecordedAt}
		default:
			return nil, fmt.Errorf("decode record state: field %s has no stamp", name)
		}
	}
	return r, nil
}

// EncodedState is a record's state in both stored encodings.
type EncodedState struct {
	// State is the compact merged state.
	State []byte
	// Wire is the record's changes as served, joined by commas; Count is
	// how many.
	Wire  []byte
	Count int
}

// EncodeState encodes r for storage (see the package comment on stored
// state). It writes what encoding r.Changes() would, without building
// them: the field names are sorted once, and each change's fields are the
// names whose stamp is that change's.
func EncodeState(r *syncproto.Record) EncodedState {
	names := make([]string, 0, len(r.Fields))
	size := 0
	for name, f := range r.Fields {
		names = append(names, name)
		size += len(name) + len(f.Value)
	}
	slices.Sort(names)
	// The distinct stamps, each with the recorded time of its first field
	// by name, in stamp order: the upsert changes that rebuild the record.
	// (A record's fields carry few stamps: a linear search costs less than
	// hashing them.)
	type change struct {
		stamp syncproto.Stamp
		at    time.Time
	}
	ups := make([]change, 0, 4)
	of := make([]int, len(names)) // of[i]: the stamp of names[i], by place in ups (after sorting)
	for _, name := range names {
		f := r.Fields[name]
		if !slices.ContainsFunc(ups, func(c change) bool { return c.stamp == f.Stamp }) {
			ups = append(ups, change{f.Stamp, f.RecordedAt})
		}
	}
	slices.SortFunc(ups, func(a, b change) int { return a.stamp.Compare(b.stamp) })
	for i, name := range names {
		s := r.Fields[name].Stamp
		of[i] = slices.IndexFunc(ups, func(c change) bool { return c.stamp == s })
	}
	count := len(ups)
	if r.Tombstone != nil {
		count++
	}
	// Room for both encodings at once: the values and names once in each,
	// and a stamp's or a change's own members.
	st := make([]byte, 0, size+24*len(names)+160*count+64)
	wire := make([]byte, 0, size+4*len(names)+260*count)
	st = append(st, `{"v":2,"fields":{`...)
	for i, name := range names {
		if i > 0 {
			st = append(st, ',')
		}
		st = appendString(st, name)
		st = append(st, `:{"value":`...)
		st = append(st, r.Fields[name].Value...)
		st = append(st, `,"s":`...)
		st = strconv.AppendInt(st, int64(of[i]), 10)
		st = append(st, '}')
	}
	st = append(st, `},"stamps":[`...)
	for i, c := range ups {
		if i > 0 {
			st = append(st, ',')
		}
		st = append(st, `{"hlc":`...)
		st = appendHLC(st, c.stamp.HLC)
		st = append(st, `,"device_id":`...)
		st = appendString(st, c.stamp.Device)
		st = append(st, `,"change_id":`...)
		st = appendString(st, c.stamp.ChangeID)
		st = append(st, `,"recorded_at":`...)
		st = appendTime(st, c.at)
		st = append(st, '}')
	}
	st = append(st, ']')
	if r.Tombstone != nil {
		st = append(st, `,"tombstone":{"hlc":`...)
		st = appendHLC(st, r.Tombstone.HLC)
		st = append(st, `,"device_id":`...)
		st = appendString(st, r.Tombstone.Device)
		st = append(st, `,"change_id":`...)
		st = appendString(st, r.Tombstone.ChangeID)
		st = append(st, `},"tombstone_recorded_at":`...)
		st = appendTime(st, r.TombstoneRecordedAt)
		// The delete comes first among the changes (Record.Changes).
		wire = appendWireChange(wire, r, *r.Tombstone, r.TombstoneRecordedAt, syncproto.OpDelete, nil, nil, 0)
	}
	st = append(st, '}')
	for i, c := range ups {
		if i > 0 || r.Tombstone != nil {
			wire = append(wire, ',')
		}
		wire = appendWireChange(wire, r, c.stamp, c.at, syncproto.OpUpsert, names, of, i)
	}
	return EncodedState{State: st, Wire: wire, Count: count}
}

// appendWireChange appends, as AppendChange writes it, the change of r
// stamped s: a delete, or an upsert of the names whose stamp (of) is
// the one at place k.
func appendWireChange(b []byte, r *syncproto.Record, s syncproto.Stamp, at time.Time, op syncproto.Op, names []string, of []int, k int) []byte {
	b = appendChangeHead(b, s.ChangeID, r.Collection, r.ID, op)
	if op == syncproto.OpUpsert {
		b = append(b, `,"fields":{`...)
		first := true
		for i, name := range names {
			if of[i] != k {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendString(b, name)
			b = append(b, ':')
			b = append(b, r.Fields[name].Value...)
		}
		b = append(b, '}')
	}
	return append(appendChangeTail(b, s.HLC, at, s.Device), '}')
}

// appendChangeHead appends a change's members before its fields, as
// json.Marshal orders them: {"id", "collection", "record_id", "op".
func appendChangeHead(b []byte, id, collection, recordID string, op syncproto.Op) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, id)
	b = append(b, `,"collection":`...)
	b = appendString(b, collection)
	b = append(b, `,"record_id":`...)
	b = appendString(b, recordID)
	b = append(b, `,"op":`...)
	return appendString(b, string(op))
}

// appendChangeTail appends a change's members after its fields: "hlc",
// "recorded_at", and "device_id" when set. The caller closes the object.
func appendChangeTail(b []byte, h syncproto.HLC, at time.Time, device string) []byte {
	b = append(b, `,"hlc":`...)
	b = appendHLC(b, h)
	b = append(b, `,"recorded_at":`...)
	b = appendTime(b, at)
	if device != "" {
		b = append(b, `,"device_id":`...)
		b = appendString(b, device)
	}
	return b
}

// AppendChange appends c's wire form, as json.Marshal encodes it (the same
// members in the same order; strings escaped without HTML escapes).
func AppendChange(b []byte, c *syncproto.Change) []byte {
	b = appendChangeHead(b, c.ID, c.Collection, c.RecordID, c.Op)
	if len(c.Fields) > 0 {
		b = append(b, `,"fields":{`...)
		var stack [16]string
		names := stack[:0]
		for name := range c.Fields {
			names = append(names, name)
		}
		slices.Sort(names)
		for i, name := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, name)
			b = append(b, ':')
			b = append(b, c.Fields[name]...)
		}
		b = append(b, '}')
	}
	b = appendChangeTail(b, c.HLC, c.RecordedAt, c.DeviceID)
	if c.Seen != "" {
		b = append(b, `,"seen":`...)
		b = appendString(b, c.Seen)
	}
	return append(b, '}')
}

func appendHLC(b []byte, h syncproto.HLC) []byte {
	var buf [64]byte
	t := h.AppendText(buf[:0])
	for _, c := range t {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return appendString(b, string(t))
		}
	}
	b = append(b, '"')
	b = append(b, t...)
	return append(b, '"')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD (as encoding/json
// does), U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// ReadStateRecord returns a state row as a StateRecord: its stored wire
// form, or, for a row written before the wire form was kept (count 0), one
// built from its state.
func ReadStateRecord(collection, id, scope string, wire []byte, count int, state []byte) (StateRecord, error) {
	sr := StateRecord{Collection: collection, ID: id, Scope: scope, Count: count, Wire: wire}
	if count > 0 {
		return sr, nil
	}
	r, err := DecodeState(collection, id, scope, state)
	if err != nil {
		return sr, err
	}
	enc := EncodeState(r)
	sr.Wire, sr.Count = enc.Wire, enc.Count
	return sr, nil
}
