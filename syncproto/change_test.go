package syncproto

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

const (
	validID     = "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
	validRecord = "3a7e1b2c-0d4e-4f5a-8b6c-7d8e9f0a1b2c"
	validHLC    = "001795000000000-00003-tab-7"
)

// changeJSON returns a valid upsert as JSON, with edit applied to its
// attributes first (set a key to a value, or delete it with a nil value).
func changeJSON(edit map[string]any) []byte {
	m := map[string]any{
		"id":          validID,
		"collection":  "residents",
		"record_id":   validRecord,
		"op":          "upsert",
		"fields":      map[string]any{"given_name": "Edith", "notes": nil},
		"hlc":         validHLC,
		"recorded_at": "2026-11-23T09:12:00Z",
	}
	for k, v := range edit {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// raw is a literal JSON value for changeJSON edits.
type raw = json.RawMessage

// drop deletes an attribute in a changeJSON edit.
var drop any

func TestParseChange_Valid(t *testing.T) {
	recorded := time.Date(2026, 11, 23, 9, 12, 0, 0, time.UTC)
	h, _ := ParseHLC(validHLC)
	tests := []struct {
		name string
		in   []byte
		want Change
	}{
		{
			name: "upsert",
			in:   changeJSON(nil),
			want: Change{ID: validID, Collection: "residents", RecordID: validRecord, Op: OpUpsert, HLC: h, RecordedAt: recorded,
				Fields: map[string]json.RawMessage{"given_name": raw(`"Edith"`), "notes": raw(`null`)}},
		},
		{
			name: "delete",
			in:   changeJSON(map[string]any{"op": "delete", "fields": drop}),
			want: Change{ID: validID, Collection: "residents", RecordID: validRecord, Op: OpDelete, HLC: h, RecordedAt: recorded},
		},
		{
			name: "delete with null fields",
			in:   changeJSON(map[string]any{"op": "delete", "fields": raw(`null`)}),
			want: Change{ID: validID, Collection: "residents", RecordID: validRecord, Op: OpDelete, HLC: h, RecordedAt: recorded},
		},
		{
			name: "delete with empty fields",
			in:   changeJSON(map[string]any{"op": "delete", "fields": raw(`{}`)}),
			want: Change{ID: validID, Collection: "residents", RecordID: validRecord, Op: OpDelete, HLC: h, RecordedAt: recorded},
		},
		{
			name: "upper-case uuids normalised to lower case",
			in:   changeJSON(map[string]any{"id": strings.ToUpper(validID), "record_id": strings.ToUpper(validRecord)}),
			want: Change{ID: validID, Collection: "residents", RecordID: validRecord, Op: OpUpsert, HLC: h, RecordedAt: recorded,
				Fields: map[string]json.RawMessage{"given_name": raw(`"Edith"`), "notes": raw(`null`)}},
		},
		{
			name: "device_id in the body ignored",
			in:   changeJSON(map[string]any{"device_id": "tab-evil"}),
			want: Change{ID: validID, Collection: "residents", RecordID: validRecord, Op: OpUpsert, HLC: h, RecordedAt: recorded,
				Fields: map[string]json.RawMessage{"given_name": raw(`"Edith"`), "notes": raw(`null`)}},
		},
		{
			name: "device_id of any type ignored",
			in:   changeJSON(map[string]any{"device_id": raw(`{"spoof":[1]}`)}),
			want: Change{ID: validID, Collection: "residents", RecordID: validRecord, Op: OpUpsert, HLC: h, RecordedAt: recorded,
				Fields: map[string]json.RawMessage{"given_name": raw(`"Edith"`), "notes": raw(`null`)}},
		},
		{
			name: "field values compacted",
			in: []byte(`{"id":"` + validID + `","collection":"residents","record_id":"` + validRecord + `","op":"upsert",
				"fields": {"a": [ 1 , 2 ], "b": { "k" : "v w" }, "c": 1.50, "é ☃": "x"},
				"hlc":"` + validHLC + `","recorded_at":"2026-11-23T09:12:00Z"}`),
			want: Change{ID: validID, Collection: "residents", RecordID: validRecord, Op: OpUpsert, HLC: h, RecordedAt: recorded,
				Fields: map[string]json.RawMessage{"a": raw(`[1,2]`), "b": raw(`{"k":"v w"}`), "c": raw(`1.50`), "é ☃": raw(`"x"`)}},
		},
		{
			name: "seen kept, recorded_at with offset and nanoseconds",
			in:   changeJSON(map[string]any{"seen": "c1.eyJ9", "recorded_at": "2026-11-23T10:12:00.123456789+01:00"}),
			want: Change{ID: validID, Collection: "residents", RecordID: validRecord, Op: OpUpsert, HLC: h, Seen: "c1.eyJ9",
				RecordedAt: recorded.Add(123456789 * time.Nanosecond),
				Fields:     map[string]json.RawMessage{"given_name": raw(`"Edith"`), "notes": raw(`null`)}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, e := ParseChange(tc.in)
			if e != nil {
				t.Fatalf("ParseChange(%s): %v", tc.in, e)
			}
			if err := sameChange(got, tc.want); err != nil {
				t.Fatalf("ParseChange(%s): %v", tc.in, err)
			}
			if err := got.Validate(); err != nil {
				t.Fatalf("Validate() of a parsed change: %v", err)
			}
		})
	}
}

// sameChange reports how two changes differ: byte-equal field values, equal
// instants for recorded_at.
func sameChange(got, want Change) error {
	switch {
	case got.ID != want.ID, got.Collection != want.Collection, got.RecordID != want.RecordID, got.Op != want.Op,
		got.HLC != want.HLC, got.DeviceID != want.DeviceID, got.Seen != want.Seen, !got.RecordedAt.Equal(want.RecordedAt):
		return fmt.Errorf("got %+v, want %+v", got, want)
	case (got.Fields == nil) != (want.Fields == nil):
		return fmt.Errorf("fields %v, want %v", got.Fields, want.Fields)
	case !maps.EqualFunc(got.Fields, want.Fields, func(a, b json.RawMessage) bool { return string(a) == string(b) }):
		return fmt.Errorf("fields %s, want %s", fieldsString(got.Fields), fieldsString(want.Fields))
	}
	return nil
}

func fieldsString(f map[string]json.RawMessage) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func TestParseChange_Rejects(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		code  string
		field string
	}{
		{"not JSON", []byte(`{"id": `), CodeInvalidJSON, ""},
		{"empty", []byte(``), CodeInvalidJSON, ""},
		{"an array", []byte(`[]`), CodeInvalidJSON, ""},
		{"a string", []byte(`"change"`), CodeInvalidJSON, ""},
		{"null", []byte(`null`), CodeMissingField, "id"},
		{"empty object", []byte(`{}`), CodeMissingField, "id"},

		{"missing id", changeJSON(map[string]any{"id": drop}), CodeMissingField, "id"},
		{"empty id", changeJSON(map[string]any{"id": ""}), CodeMissingField, "id"},
		{"null id", changeJSON(map[string]any{"id": raw(`null`)}), CodeMissingField, "id"},
		{"non-uuid id", changeJSON(map[string]any{"id": "change-1"}), CodeInvalidUUID, "id"},
		{"uuid without dashes", changeJSON(map[string]any{"id": strings.ReplaceAll(validID, "-", "")}), CodeInvalidUUID, "id"},
		{"uuid in braces", changeJSON(map[string]any{"id": "{" + validID + "}"}), CodeInvalidUUID, "id"},
		{"urn uuid", changeJSON(map[string]any{"id": "urn:uuid:" + validID}), CodeInvalidUUID, "id"},
		{"uuid with a non-hex digit", changeJSON(map[string]any{"id": "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5g"}), CodeInvalidUUID, "id"},
		{"id a number", changeJSON(map[string]any{"id": 7}), CodeWrongType, "id"},

		{"missing collection", changeJSON(map[string]any{"collection": drop}), CodeMissingField, "collection"},
		{"empty collection", changeJSON(map[string]any{"collection": ""}), CodeMissingField, "collection"},
		{"collection an object", changeJSON(map[string]any{"collection": raw(`{}`)}), CodeWrongType, "collection"},
		{"collection with a NUL", changeJSON(map[string]any{"collection": "resi\u0000dents"}), CodeInvalidValue, "collection"},
		{"collection in capitals", changeJSON(map[string]any{"collection": "Residents"}), CodeUnknownCollection, "collection"},
		{"seen with a control character", changeJSON(map[string]any{"seen": "c1.\u0000"}), CodeInvalidValue, "seen"},

		{"missing record_id", changeJSON(map[string]any{"record_id": drop}), CodeMissingField, "record_id"},
		{"non-uuid record_id", changeJSON(map[string]any{"record_id": "resident-7"}), CodeInvalidUUID, "record_id"},

		{"unknown attribute", changeJSON(map[string]any{"colour": "red"}), CodeUnknownField, "colour"},
		{"unknown attribute next to a valid one", changeJSON(map[string]any{"server_seq": 5}), CodeUnknownField, "server_seq"},

		{"missing op", changeJSON(map[string]any{"op": drop}), CodeMissingField, "op"},
		{"op merge", changeJSON(map[string]any{"op": "merge"}), CodeInvalidValue, "op"},
		{"op in capitals", changeJSON(map[string]any{"op": "UPSERT"}), CodeInvalidValue, "op"},
		{"op empty", changeJSON(map[string]any{"op": ""}), CodeInvalidValue, "op"},
		{"op a number", changeJSON(map[string]any{"op": 1}), CodeWrongType, "op"},

		{"missing hlc", changeJSON(map[string]any{"hlc": drop}), CodeMissingField, "hlc"},
		{"bad hlc", changeJSON(map[string]any{"hlc": "2026-11-23T09:12:00Z"}), CodeInvalidHLC, "hlc"},
		{"hlc with a short counter", changeJSON(map[string]any{"hlc": "001795000000000-0003-tab-7"}), CodeInvalidHLC, "hlc"},
		{"hlc with a bad node", changeJSON(map[string]any{"hlc": "001795000000000-00003-tab 7"}), CodeInvalidHLC, "hlc"},
		{"hlc a number", changeJSON(map[string]any{"hlc": 1795000000000}), CodeWrongType, "hlc"},

		{"missing recorded_at", changeJSON(map[string]any{"recorded_at": drop}), CodeMissingField, "recorded_at"},
		{"bad recorded_at", changeJSON(map[string]any{"recorded_at": "yesterday"}), CodeInvalidValue, "recorded_at"},
		{"recorded_at without zone", changeJSON(map[string]any{"recorded_at": "2026-11-23T09:12:00"}), CodeInvalidValue, "recorded_at"},
		{"recorded_at with a space", changeJSON(map[string]any{"recorded_at": "2026-11-23 09:12:00Z"}), CodeInvalidValue, "recorded_at"},
		{"recorded_at hour 24", changeJSON(map[string]any{"recorded_at": "2026-11-23T24:00:00Z"}), CodeInvalidValue, "recorded_at"},
		{"recorded_at a number", changeJSON(map[string]any{"recorded_at": 1795000000}), CodeWrongType, "recorded_at"},

		{"upsert without fields", changeJSON(map[string]any{"fields": drop}), CodeMissingField, "fields"},
		{"upsert with empty fields", changeJSON(map[string]any{"fields": raw(`{}`)}), CodeMissingField, "fields"},
		{"upsert with null fields", changeJSON(map[string]any{"fields": raw(`null`)}), CodeMissingField, "fields"},
		{"delete with fields", changeJSON(map[string]any{"op": "delete"}), CodeInvalidValue, "fields"},
		{"delete with one null field", changeJSON(map[string]any{"op": "delete", "fields": raw(`{"notes":null}`)}), CodeInvalidValue, "fields"},
		{"fields an array", changeJSON(map[string]any{"fields": raw(`[{"given_name":"Edith"}]`)}), CodeWrongType, "fields"},
		{"fields a string", changeJSON(map[string]any{"fields": "given_name=Edith"}), CodeWrongType, "fields"},
		// The decoder checks the whole text before looking at any field, so a
		// malformed value makes the change as a whole invalid JSON.
		{"field value not JSON", []byte(`{"id":"` + validID + `","collection":"residents","record_id":"` + validRecord +
			`","op":"upsert","fields":{"given_name":Edith},"hlc":"` + validHLC + `","recorded_at":"2026-11-23T09:12:00Z"}`), CodeInvalidJSON, ""},
		{"field value with a leading zero", []byte(`{"id":"` + validID + `","collection":"residents","record_id":"` + validRecord +
			`","op":"upsert","fields":{"room":012},"hlc":"` + validHLC + `","recorded_at":"2026-11-23T09:12:00Z"}`), CodeInvalidJSON, ""},
		{"field value cut short", []byte(`{"id":"` + validID + `","collection":"residents","record_id":"` + validRecord +
			`","op":"upsert","fields":{"notes":"unterminated}`), CodeInvalidJSON, ""},

		{"seen a number", changeJSON(map[string]any{"seen": 5}), CodeWrongType, "seen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, e := ParseChange(tc.in)
			if e == nil {
				t.Fatalf("ParseChange(%s) = %+v, want %s on %q", tc.in, c, tc.code, tc.field)
			}
			if e.Code != tc.code || e.Field != tc.field {
				t.Fatalf("ParseChange(%s) = %s on %q (%s), want %s on %q", tc.in, e.Code, e.Field, e.Message, tc.code, tc.field)
			}
			if e.Message == "" {
				t.Fatalf("error %s has no message", e.Code)
			}
		})
	}
}

// TestParseChange_CheckOrder pins which problem is reported when a change has
// several: the envelope is checked in the documented attribute order.
func TestParseChange_CheckOrder(t *testing.T) {
	tests := []struct {
		name  string
		edit  map[string]any
		field string
	}{
		{"id before collection", map[string]any{"id": "x", "collection": drop}, "id"},
		{"collection before record_id", map[string]any{"collection": drop, "record_id": "x"}, "collection"},
		{"record_id before op", map[string]any{"record_id": "x", "op": "merge"}, "record_id"},
		{"op before hlc", map[string]any{"op": "merge", "hlc": "x"}, "op"},
		{"hlc before recorded_at", map[string]any{"hlc": "x", "recorded_at": "x"}, "hlc"},
		{"recorded_at before fields", map[string]any{"recorded_at": "x", "fields": drop}, "recorded_at"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, e := ParseChange(changeJSON(tc.edit))
			if e == nil || e.Field != tc.field {
				t.Fatalf("ParseChange = %v, want an error on %q", e, tc.field)
			}
		})
	}
}

func TestChange_Validate(t *testing.T) {
	good, e := ParseChange(changeJSON(nil))
	if e != nil {
		t.Fatal(e)
	}
	tests := []struct {
		name   string
		mutate func(c *Change)
		code   string // "" for valid
	}{
		{"parsed change", func(*Change) {}, ""},
		{"with a device id (set by the server)", func(c *Change) { c.DeviceID = "tab-7" }, ""},
		{"delete", func(c *Change) { c.Op, c.Fields = OpDelete, nil }, ""},
		{"zero hlc", func(c *Change) { c.HLC = HLC{} }, CodeInvalidHLC},
		{"upsert without fields", func(c *Change) { c.Fields = nil }, CodeMissingField},
		{"bad record id", func(c *Change) { c.RecordID = "r1" }, CodeInvalidUUID},
		{"unknown op", func(c *Change) { c.Op = "patch" }, CodeInvalidValue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			c.Fields = maps.Clone(good.Fields)
			tc.mutate(&c)
			err := c.Validate()
			if tc.code == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != tc.code {
				t.Fatalf("Validate() = %v, want %s", err, tc.code)
			}
		})
	}
}

func TestChange_Stamp(t *testing.T) {
	c, e := ParseChange(changeJSON(nil))
	if e != nil {
		t.Fatal(e)
	}
	c.DeviceID = "dev-1"
	if got, want := c.Stamp(), (Stamp{HLC: c.HLC, Device: "dev-1", ChangeID: validID}); got != want {
		t.Fatalf("Stamp() = %+v, want %+v", got, want)
	}
}

func TestDecodePush(t *testing.T) {
	many := func(n int) []byte {
		items := make([]string, n)
		for i := range items {
			items[i] = string(changeJSON(nil))
		}
		return []byte(`{"changes":[` + strings.Join(items, ",") + `]}`)
	}
	tests := []struct {
		name  string
		in    []byte
		code  string // "" when the push decodes
		field string
		count int // number of raw changes when it decodes
	}{
		{"empty push", []byte(`{"changes":[]}`), "", "", 0},
		{"one change", []byte(`{"changes":[` + string(changeJSON(nil)) + `]}`), "", "", 1},
		{"changes kept raw, bad ones included", []byte(`{"changes":[1,"x",null,{},[]]}`), "", "", 5},
		{"duplicates kept", []byte(`{"changes":[` + string(changeJSON(nil)) + `,` + string(changeJSON(nil)) + `]}`), "", "", 2},
		{"1,000 changes", many(MaxPushChanges), "", "", MaxPushChanges},
		// A Go client marshals a nil slice as null; it is taken as an empty
		// push, not rejected (server/api's empty-batch test relies on it).
		{"changes null", []byte(`{"changes":null}`), "", "", 0},

		{"not JSON", []byte(`{"changes":[`), CodeInvalidJSON, "", 0},
		{"empty body", nil, CodeInvalidJSON, "", 0},
		{"trailing garbage", []byte(`{"changes":[]} x`), CodeInvalidJSON, "", 0},
		{"an array", []byte(`[{"changes":[]}]`), CodeInvalidJSON, "", 0},
		{"a string", []byte(`"changes"`), CodeInvalidJSON, "", 0},
		{"a number", []byte(`42`), CodeInvalidJSON, "", 0},
		{"null body", []byte(`null`), CodeMissingField, "changes", 0},
		{"missing changes", []byte(`{}`), CodeMissingField, "changes", 0},
		{"unknown top-level key", []byte(`{"changes":[],"cursor":"c1"}`), CodeUnknownField, "cursor", 0},
		{"unknown key alone", []byte(`{"change":[]}`), CodeUnknownField, "change", 0},
		{"changes an object", []byte(`{"changes":{"0":{}}}`), CodeWrongType, "changes", 0},
		{"changes a string", []byte(`{"changes":"[]"}`), CodeWrongType, "changes", 0},
		{"changes a number", []byte(`{"changes":1}`), CodeWrongType, "changes", 0},
		{"1,001 changes", many(MaxPushChanges + 1), CodeTooLarge, "changes", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, e := DecodePush(tc.in)
			if tc.code == "" {
				if e != nil {
					t.Fatalf("DecodePush: %v", e)
				}
				if len(req.Changes) != tc.count {
					t.Fatalf("DecodePush gave %d changes, want %d", len(req.Changes), tc.count)
				}
				return
			}
			if e == nil {
				t.Fatalf("DecodePush(%.80s) = %d changes, want %s on %q", tc.in, len(req.Changes), tc.code, tc.field)
			}
			if e.Code != tc.code || e.Field != tc.field {
				t.Fatalf("DecodePush(%.80s) = %s on %q (%s), want %s on %q", tc.in, e.Code, e.Field, e.Message, tc.code, tc.field)
			}
			if req.Changes != nil {
				t.Fatalf("DecodePush returned changes with an error")
			}
		})
	}
}

func TestChangeIDOf(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{string(changeJSON(nil)), validID},
		{`{"id":"not-a-uuid","op":"??"}`, "not-a-uuid"},
		{`{"id":7}`, ""},
		{`{"id":null}`, ""},
		{`[]`, ""},
		{`nope`, ""},
		{``, ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := ChangeIDOf(json.RawMessage(tc.in)); got != tc.want {
				t.Fatalf("ChangeIDOf(%s) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestError_Error(t *testing.T) {
	if got := Errorf(CodeInvalidUUID, "id", "bad %s", "id").Error(); got != "invalid_uuid: bad id (id)" {
		t.Fatalf("Error() = %q", got)
	}
	if got := Errorf(CodeInvalidJSON, "", "bad").Error(); got != "invalid_json: bad" {
		t.Fatalf("Error() = %q", got)
	}
}

func TestNewID(t *testing.T) {
	t.Run("a version 7 UUID that ParseChange accepts", func(t *testing.T) {
		id := NewID()
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 || u.String() != id {
			t.Fatalf("NewID() = %q: version %d, err %v", id, u.Version(), err)
		}
		if _, e := parseUUID("id", &id); e != nil {
			t.Fatalf("parseUUID(%q): %v", id, e)
		}
	})
	t.Run("ids made later sort later", func(t *testing.T) {
		prev := NewID()
		for i := 0; i < 10000; i++ {
			next := NewID()
			if next <= prev {
				t.Fatalf("id %d: %q does not sort after %q", i, next, prev)
			}
			prev = next
		}
	})
}
