package syncproto

import (
	"bytes"
	"encoding/json"
	"testing"
)

// pushCodes are the codes DecodePush may answer with.
var pushCodes = map[string]bool{
	CodeInvalidJSON: true, CodeUnknownField: true, CodeMissingField: true, CodeWrongType: true, CodeTooLarge: true,
}

// changeCodes are the codes ParseChange may answer with.
var changeCodes = map[string]bool{
	CodeInvalidJSON: true, CodeUnknownField: true, CodeMissingField: true, CodeWrongType: true,
	CodeInvalidUUID: true, CodeInvalidValue: true, CodeInvalidHLC: true, CodeUnknownCollection: true, CodeTooLarge: true,
}

// wireValue is a field value as json.Marshal sends it: compact, with <, >, &,
// U+2028 and U+2029 escaped inside strings.
func wireValue(t *testing.T, v json.RawMessage) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal value %q: %v", v, err)
	}
	return string(b)
}

// FuzzDecodePush feeds arbitrary bodies to the push decoder, and every change
// it lets through to ParseChange, then checks that a parsed change survives
// the trip a pull makes (json.Marshal, then ParseChange on the other side).
//
// The seed corpus is in testdata/fuzz/FuzzDecodePush; `go test` runs it.
func FuzzDecodePush(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		req, e := DecodePush(body)
		if e != nil {
			if !pushCodes[e.Code] || e.Message == "" || req.Changes != nil {
				t.Fatalf("DecodePush error %+v with %d changes", e, len(req.Changes))
			}
			return
		}
		if len(req.Changes) > MaxPushChanges {
			t.Fatalf("DecodePush accepted %d changes", len(req.Changes))
		}
		if !json.Valid(body) {
			t.Fatalf("DecodePush accepted a body that is not JSON")
		}
		rec := map[string]*Record{}
		for i, raw := range req.Changes {
			if !json.Valid(raw) {
				t.Fatalf("change %d is not valid JSON: %q", i, raw)
			}
			_ = ChangeIDOf(raw)
			c, e := ParseChange(raw)
			if e != nil {
				if !changeCodes[e.Code] || e.Message == "" {
					t.Fatalf("ParseChange error %+v", e)
				}
				continue
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("parsed change %s does not validate: %v", raw, err)
			}
			// Field values are kept compact (ParseChange compacts objects and
			// arrays and keeps other values as the one token they are).
			for name, v := range c.Fields {
				var buf bytes.Buffer
				if err := json.Compact(&buf, v); err != nil || !bytes.Equal(buf.Bytes(), v) {
					t.Fatalf("field %q of %s is kept as %q, not compact JSON (%v)", name, raw, v, err)
				}
			}

			// The trip a pull makes: marshal, parse on the other side.
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatalf("json.Marshal(%+v): %v", c, err)
			}
			back, e := ParseChange(b)
			if e != nil {
				t.Fatalf("re-parsing %s: %v", b, e)
			}
			if err := sameEnvelope(back, c); err != nil {
				t.Fatalf("round trip of %s changed the change: %v", raw, err)
			}
			// Field values come back as the same JSON, spelt as json.Marshal
			// spells it (see DESIGN.md on value bytes).
			if len(back.Fields) != len(c.Fields) {
				t.Fatalf("round trip changed the fields: %s -> %s", fieldsString(c.Fields), fieldsString(back.Fields))
			}
			for name, v := range c.Fields {
				w, ok := back.Fields[name]
				if !ok || wireValue(t, v) != string(w) {
					t.Fatalf("round trip changed field %q: %s -> %s", name, v, w)
				}
			}
			// After one trip the encoding is a fixed point, byte for byte.
			b2, err := json.Marshal(back)
			if err != nil {
				t.Fatalf("json.Marshal(%+v): %v", back, err)
			}
			if !bytes.Equal(b, b2) {
				t.Fatalf("second encoding differs:\n%s\n%s", b, b2)
			}
			again, e := ParseChange(b2)
			if e != nil {
				t.Fatalf("re-parsing %s: %v", b2, e)
			}
			if err := sameChange(again, back); err != nil {
				t.Fatalf("second round trip: %v", err)
			}

			// Whatever a push carries, merging it is idempotent.
			r, ok := rec[c.RecordID]
			if !ok {
				r = NewRecord(c.Collection, c.RecordID)
				rec[c.RecordID] = r
			}
			r.Apply(c)
			before := r.Clone()
			if r.Apply(c) || !r.Equal(before) {
				t.Fatalf("applying %s twice changed the record", raw)
			}
		}
	})
}

// sameEnvelope is sameChange without the field values.
func sameEnvelope(got, want Change) error {
	got.Fields, want.Fields = nil, nil
	return sameChange(got, want)
}

// TestParseChange_ValueEscaping pins the one way a change is not byte-stable
// across the wire: json.Marshal escapes <, >, & (and U+2028/9) in field
// values, ParseChange keeps what the device sent. The values are the same
// JSON; Record.Equal, which compares bytes, would call them different.
func TestParseChange_ValueEscaping(t *testing.T) {
	in := changeJSON(map[string]any{"fields": raw(`{"notes":"<b>Tom & Jerry</b>"}`)})
	in = bytes.ReplaceAll(in, []byte(`\u003c`), []byte(`<`))
	in = bytes.ReplaceAll(in, []byte(`\u003e`), []byte(`>`))
	in = bytes.ReplaceAll(in, []byte(`\u0026`), []byte(`&`))
	c, e := ParseChange(in)
	if e != nil {
		t.Fatal(e)
	}
	if got := string(c.Fields["notes"]); got != `"<b>Tom & Jerry</b>"` {
		t.Fatalf("parsed value %s, want it as sent", got)
	}
	b, _ := json.Marshal(c)
	back, e := ParseChange(b)
	if e != nil {
		t.Fatal(e)
	}
	if got := string(back.Fields["notes"]); got != `"\u003cb\u003eTom \u0026 Jerry\u003c/b\u003e"` {
		t.Fatalf("value after a round trip %s", got)
	}
	var s1, s2 string
	if json.Unmarshal(c.Fields["notes"], &s1) != nil || json.Unmarshal(back.Fields["notes"], &s2) != nil || s1 != s2 {
		t.Fatalf("values differ as JSON: %q vs %q", s1, s2)
	}
}
