package syncproto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Op is what a change does to its record.
type Op string

const (
	// OpUpsert writes the change's fields, creating the record if needed.
	OpUpsert Op = "upsert"
	// OpDelete puts a tombstone on the record at the change's HLC.
	OpDelete Op = "delete"
)

// Change is one write to one record, the unit of sync in both directions.
// ID is the idempotency key: a change with an ID the server already holds is
// a duplicate and changes nothing.
type Change struct {
	ID         string                     `json:"id"`
	Collection string                     `json:"collection"`
	RecordID   string                     `json:"record_id"`
	Op         Op                         `json:"op"`
	Fields     map[string]json.RawMessage `json:"fields,omitempty"`
	HLC        HLC                        `json:"hlc"`
	RecordedAt time.Time                  `json:"recorded_at"`
	// DeviceID is set by the server from the pushing device's token; a value
	// in a pushed body is ignored.
	DeviceID string `json:"device_id,omitempty"`
	// Seen is the cursor of the last pull the device had applied when it made
	// the change, so the server can tell concurrent writes from later ones.
	Seen string `json:"seen,omitempty"`
}

// Stamp returns the position of c in the last-writer-wins order.
func (c Change) Stamp() Stamp { return Stamp{HLC: c.HLC, Device: c.DeviceID, ChangeID: c.ID} }

// wireChange is the loose shape a change is first decoded into, so every
// problem can be reported against the field that has it.
type wireChange struct {
	ID         *string                    `json:"id"`
	Collection *string                    `json:"collection"`
	RecordID   *string                    `json:"record_id"`
	Op         *string                    `json:"op"`
	Fields     map[string]json.RawMessage `json:"fields"`
	HLC        *string                    `json:"hlc"`
	RecordedAt *string                    `json:"recorded_at"`
	DeviceID   json.RawMessage            `json:"device_id"`
	Seen       *string                    `json:"seen"`
}

// envelope is a change's attributes but fields, as read: has holds the
// attr bits of those present.
type envelope struct {
	id, collection, recordID, op, hlc, recordedAt, seen string
	has                                                 int
}

// MaxChangeFields is the most fields one change may carry: several times
// the largest collection's, so a schema can grow, and few enough that a
// change of unknown keys costs little to refuse.
const MaxChangeFields = 256

// FieldCheck says whether a change to collection may carry the field name:
// nil when it may (or when it cannot tell, e.g. an unknown collection), else
// the error to reject the change with. The server passes its schema's.
type FieldCheck func(collection, name string) *Error

// ParseChange decodes and checks the envelope of one change: ids are UUIDs
// (returned in canonical lower-case form), op is known, hlc and recorded_at
// parse, fields is an object of at most MaxChangeFields members, every
// string is UTF-8 text without U+0000 (CheckText). It does not know
// collections; the schema registry checks fields. DeviceID in the input is
// ignored.
func ParseChange(raw json.RawMessage) (Change, *Error) { return ParseChangeWith(raw, nil) }

// ParseChangeWith is ParseChange that also checks each field name with
// check (when not nil) before any field value is decoded or copied, and
// stops at the first it refuses: a change of many unknown keys is refused
// for what it costs to read it once.
func ParseChangeWith(raw json.RawMessage, check FieldCheck) (Change, *Error) {
	// A change of the usual shape (known attributes, each a string without
	// escapes, fields an object) is read in one validating walk; anything
	// else is decoded by encoding/json, which names what is wrong with it.
	env, fields, ok := fastEnvelope(raw)
	if !ok {
		var perr *Error
		if env, fields, perr = decodeEnvelope(raw); perr != nil {
			return Change{}, perr
		}
	}
	return checkEnvelope(raw, &env, fields, check)
}

// decodeEnvelope decodes a change's envelope with encoding/json, strictly,
// and returns it with its raw fields member (nil when absent).
func decodeEnvelope(raw json.RawMessage) (envelope, []byte, *Error) {
	var w wireChange
	// The fields object is found in place and cut out of what the decoder
	// reads: decoding it into a map would copy every key and value before
	// any could be refused.
	env, fields, perr := cutFields(raw)
	if perr != nil {
		return envelope{}, nil, perr
	}
	dec := json.NewDecoder(bytes.NewReader(env))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return envelope{}, nil, decodeError(err)
	}
	if fields != nil && firstByte(fields) != '{' && firstByte(fields) != 'n' {
		return envelope{}, nil, Errorf(CodeWrongType, "fields", "fields must be a JSON %s", jsonKind("fields"))
	}
	var out envelope
	for _, a := range []struct {
		bit int
		src *string
		dst *string
	}{{attrID, w.ID, &out.id}, {attrCollection, w.Collection, &out.collection}, {attrRecordID, w.RecordID, &out.recordID},
		{attrOp, w.Op, &out.op}, {attrHLC, w.HLC, &out.hlc}, {attrRecordedAt, w.RecordedAt, &out.recordedAt}, {attrSeen, w.Seen, &out.seen}} {
		if a.src != nil {
			out.has |= a.bit
			*a.dst = *a.src
		}
	}
	return out, fields, nil
}

// member is one member of a change's fields object: its raw key and value,
// and the key's name once decoded.
type member struct {
	key, value []byte
	name       string
}

// checkEnvelope checks a decoded envelope (w, and fields, the raw fields
// member or nil) and builds the change from it.
func checkEnvelope(raw json.RawMessage, w *envelope, fields []byte, check FieldCheck) (Change, *Error) {
	var stack [16]member
	members := stack[:0]
	for i, more := firstMember(fields); more && len(members) <= MaxChangeFields; {
		var m member
		m.key, m.value, i, more = nextMember(fields, i)
		members = append(members, m)
	}
	n := len(members)
	if n > MaxChangeFields {
		return Change{}, Errorf(CodeTooLarge, "fields", "a change carries at most %d fields", MaxChangeFields)
	}
	var c Change
	var e *Error
	if e = CheckText(raw, ""); e != nil {
		return c, e
	}
	if c.ID, e = uuidAttr("id", w.id, w.has&attrID != 0); e != nil {
		return c, e
	}
	if w.collection == "" {
		return c, Errorf(CodeMissingField, "collection", "collection is required")
	}
	if !validName(w.collection) {
		return c, Errorf(CodeUnknownCollection, "collection", "collection names are lower-case letters, digits and _ (at most 64)")
	}
	c.Collection = w.collection
	if c.RecordID, e = uuidAttr("record_id", w.recordID, w.has&attrRecordID != 0); e != nil {
		return c, e
	}
	if w.has&attrOp == 0 {
		return c, Errorf(CodeMissingField, "op", "op is required")
	}
	switch Op(w.op) {
	case OpUpsert, OpDelete:
		c.Op = Op(w.op)
	default:
		return c, Errorf(CodeInvalidValue, "op", "op must be \"upsert\" or \"delete\", not %q", w.op)
	}
	if w.has&attrHLC == 0 {
		return c, Errorf(CodeMissingField, "hlc", "hlc is required")
	}
	h, err := ParseHLC(w.hlc)
	if err != nil {
		return c, Errorf(CodeInvalidHLC, "hlc", "%v", err)
	}
	c.HLC = h
	if w.has&attrRecordedAt == 0 {
		return c, Errorf(CodeMissingField, "recorded_at", "recorded_at is required")
	}
	t, err := time.Parse(time.RFC3339Nano, w.recordedAt)
	if err != nil {
		return c, Errorf(CodeInvalidValue, "recorded_at", "recorded_at must be an RFC 3339 time such as 2026-11-23T09:30:00Z")
	}
	c.RecordedAt = t
	if w.has&attrSeen != 0 {
		if len(w.seen) > 4096 || !printableASCII(w.seen) {
			return c, Errorf(CodeInvalidValue, "seen", "seen must be a cursor returned by a pull")
		}
		c.Seen = w.seen
	}
	switch c.Op {
	case OpUpsert:
		if n == 0 {
			return c, Errorf(CodeMissingField, "fields", "an upsert needs at least one field")
		}
		for i := range members {
			members[i].name = internName(members[i].key)
		}
		if check != nil {
			for _, m := range members {
				if e = check(c.Collection, m.name); e != nil {
					return c, e
				}
				keepName(m.name)
			}
		}
		// A string, number, true, false or null is one token with nothing
		// around it: already compact. They are copied, together, out of
		// raw, which may be a slice of a whole push body. Only an object
		// or array can hold spaces to drop.
		size := 0
		for _, m := range members {
			if m.value[0] != '{' && m.value[0] != '[' {
				size += len(m.value)
			}
		}
		copied := make([]byte, 0, size)
		c.Fields = make(map[string]json.RawMessage, n)
		for _, m := range members {
			if m.value[0] != '{' && m.value[0] != '[' {
				at := len(copied)
				copied = append(copied, m.value...)
				// Capped, so appending to one value cannot write over the
				// next.
				c.Fields[m.name] = json.RawMessage(copied[at:len(copied):len(copied)])
				continue
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, m.value); err != nil {
				return c, Errorf(CodeInvalidJSON, "fields."+m.name, "field value is not valid JSON")
			}
			c.Fields[m.name] = json.RawMessage(buf.Bytes())
		}
	case OpDelete:
		if n != 0 {
			return c, Errorf(CodeInvalidValue, "fields", "a delete carries no fields")
		}
	}
	return c, nil
}

// cutFields finds the fields member of a change and returns the change
// without it (env) and its raw value (nil when absent). A change that is
// not valid JSON, or not an object, is returned whole for the decoder to
// name what is wrong with it; so is one with fields more than once, whose
// members the decoder would merge: it is refused.
func cutFields(raw []byte) (env, fields []byte, perr *Error) {
	if !json.Valid(raw) || firstByte(raw) != '{' {
		return raw, nil, nil
	}
	start, end, count := 0, 0, 0
	eachMember(raw, func(key, value []byte) bool {
		if keyName(key) != "fields" {
			return true
		}
		count++
		fields = value
		// value is a sub-slice of raw starting at start: the capacities
		// tell where.
		start = cap(raw) - cap(value)
		end = start + len(value)
		return true
	})
	switch count {
	case 0:
		return raw, nil, nil
	case 1:
	default:
		return nil, nil, Errorf(CodeInvalidValue, "fields", "fields appears more than once")
	}
	env = make([]byte, 0, len(raw)-len(fields)+4)
	env = append(append(append(env, raw[:start]...), "null"...), raw[end:]...)
	return env, fields, nil
}

// parseUUID checks the id attribute field, nil when absent, and returns it
// in canonical form.
func parseUUID(field string, s *string) (string, *Error) {
	if s == nil {
		return uuidAttr(field, "", false)
	}
	return uuidAttr(field, *s, true)
}

// uuidAttr checks the id attribute field (s, when present) and returns it
// in canonical form.
func uuidAttr(field string, s string, present bool) (string, *Error) {
	if !present || s == "" {
		return "", Errorf(CodeMissingField, field, "%s is required", field)
	}
	if canonicalUUID(s) {
		return s, nil
	}
	u, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return "", Errorf(CodeInvalidUUID, field, "%s must be a UUID such as 7b0c6f1e-2c1a-4f7e-9d2b-1a2b3c4d5e6f", field)
	}
	return u.String(), nil
}

// decodeError turns a JSON decoding error into a coded error naming the field
// where json can tell it.
func decodeError(err error) *Error {
	var te *json.UnmarshalTypeError
	if ok := asTypeError(err, &te); ok {
		field := te.Field
		if field == "" {
			return Errorf(CodeInvalidJSON, "", "a change must be a JSON object")
		}
		return Errorf(CodeWrongType, field, "%s must be a JSON %s", field, jsonKind(field))
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "json: unknown field ") {
		name := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return Errorf(CodeUnknownField, name, "unknown change attribute %q", name)
	}
	return Errorf(CodeInvalidJSON, "", "change is not valid JSON: %v", err)
}

func asTypeError(err error, target **json.UnmarshalTypeError) bool {
	te, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = te
	}
	return ok
}

func jsonKind(field string) string {
	if field == "fields" {
		return "object"
	}
	return "string"
}

// Validate reports whether a change built locally (by a client) is well formed
// by round-tripping it through ParseChange.
func (c Change) Validate() error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode change: %w", err)
	}
	// device_id is set by the server, so drop it before the strict parse.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("encode change: %w", err)
	}
	delete(m, "device_id")
	b, _ = json.Marshal(m)
	if _, e := ParseChange(b); e != nil {
		return e
	}
	return nil
}

// validName reports whether s can name a collection: [a-z0-9_]{1,64}.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_') {
			return false
		}
	}
	return true
}

// printableASCII reports whether s holds only printable ASCII characters.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// NewID returns a new change or record id: a UUID version 7 (RFC 9562),
// whose first 48 bits are the time in milliseconds. Ids made later sort
// later, so the indexes they key (the change log's id, a record's key) grow
// at their end instead of at random places; servers accept any UUID, so ids
// from older devices (version 4) still work.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}
