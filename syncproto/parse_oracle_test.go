package syncproto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"pgregory.net/rapid"
)

// TestParseChangeWith_SameAsDecoder checks that the one-walk parse of a
// change accepts and refuses exactly what the encoding/json parse it
// replaced did (parseChangeOracle, kept here as it was), with the same
// change or the same error: over changes built from the attributes a
// device sends, near misses of them (other spellings, repeats, other
// types, escapes, spaces, nesting), and bytes cut or spliced into them.
func TestParseChangeWith_SameAsDecoder(t *testing.T) {
	refuse := func(collection, name string) *Error {
		if strings.HasPrefix(name, "x") {
			return Errorf(CodeUnknownField, "fields."+name, "%s has no field %q", collection, name)
		}
		return nil
	}
	checks := map[string]FieldCheck{"none": nil, "refusing x": refuse}
	for name, check := range checks {
		t.Run(name, func(t *testing.T) {
			checkProperty(t, 300, func(t *rapid.T) {
				for _, raw := range rapid.SliceOfN(genChange(), 1, 20).Draw(t, "changes") {
					if rapid.IntRange(0, 3).Draw(t, "mangle") == 0 {
						raw = mangle(t, raw)
					}
					got, gotErr := ParseChangeWith(raw, check)
					want, wantErr := parseChangeOracle(raw, check)
					if !reflect.DeepEqual(gotErr, wantErr) {
						t.Fatalf("%s\nerror %v, want %v", raw, gotErr, wantErr)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s\nchange %#v, want %#v", raw, got, want)
					}
				}
			})
		})
	}
	t.Run("fixture", func(t *testing.T) {
		body, err := os.ReadFile(pushFixture)
		if err != nil {
			t.Fatal(err)
		}
		req, perr := DecodePush(body)
		if perr != nil {
			t.Fatal(perr)
		}
		for _, raw := range req.Changes {
			got, gotErr := ParseChangeWith(raw, refuse)
			want, wantErr := parseChangeOracle(raw, refuse)
			if gotErr != nil || wantErr != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s\ngot %#v, %v\nwant %#v, %v", raw, got, gotErr, want, wantErr)
			}
		}
	})
}

// TestParseChangeWith_FieldsAreOwnCopies checks each field value of a
// parsed change is a copy of its own: the body may be reused (fiber's
// buffers), and appending to one value must not change another.
func TestParseChangeWith_FieldsAreOwnCopies(t *testing.T) {
	raw := []byte(`{"id":"7b0c6f1e-2c1a-4f7e-9d2b-1a2b3c4d5e6f","collection":"residents","record_id":"0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b","op":"upsert","fields":{"a":"one","b":2,"c":{"d": [1, 2]}},"hlc":"001795426200001-00000-tab-01","recorded_at":"2026-11-23T09:30:00Z"}`)
	c, e := ParseChangeWith(raw, nil)
	if e != nil {
		t.Fatal(e)
	}
	for i := range raw {
		raw[i] = 'z'
	}
	_ = append(c.Fields["a"], "XXXX"...)
	want := map[string]string{"a": `"one"`, "b": `2`, "c": `{"d":[1,2]}`}
	for k, v := range want {
		if string(c.Fields[k]) != v {
			t.Errorf("fields.%s = %s, want %s", k, c.Fields[k], v)
		}
	}
}

// genChange draws a change: mostly the attributes a device sends, with
// near misses of each.
func genChange() *rapid.Generator[[]byte] {
	return rapid.Custom(func(t *rapid.T) []byte {
		type attr struct{ key, value string }
		attrs := []attr{
			{"id", genUUIDValue(t, "id")},
			{"collection", oneOf(t, "collection", `"residents"`, `"Residents"`, `""`, `null`, `7`, `"a\u0062"`)},
			{"record_id", genUUIDValue(t, "record_id")},
			{"op", oneOf(t, "op", `"upsert"`, `"delete"`, `"Upsert"`, `null`, `true`)},
			{"hlc", oneOf(t, "hlc", `"001795426200001-00000-tab-01"`, `"001795426200001-00000-"`, `"nope"`, `1`, `"001795426200001-00000-tab\/01"`)},
			{"recorded_at", oneOf(t, "recorded_at", `"2026-11-23T09:30:00Z"`, `"2026-11-23T09:30:00.123+01:00"`, `"2026-11-23"`, `[]`)},
			{"fields", genFields(t)},
		}
		if rapid.Bool().Draw(t, "with seen") {
			attrs = append(attrs, attr{"seen", rapid.SampledFrom([]string{`"c1.abc"`, `"caf\u00e9"`, `""`, `{}`}).Draw(t, "seen")})
		}
		if rapid.Bool().Draw(t, "with device_id") {
			attrs = append(attrs, attr{"device_id", genJSONValue(t, "device_id", 2)})
		}
		// Near misses: drop, repeat, respell or add an attribute.
		switch rapid.IntRange(0, 11).Draw(t, "miss") {
		case 1:
			i := rapid.IntRange(0, len(attrs)-1).Draw(t, "drop")
			attrs = append(attrs[:i], attrs[i+1:]...)
		case 2:
			// fields repeated is refused; any other attribute's last wins.
			attrs = append(attrs, attr{"fields", genFields(t)}, attrs[rapid.IntRange(0, len(attrs)-1).Draw(t, "repeat")])
			attrs = attrs[:len(attrs)-rapid.IntRange(0, 1).Draw(t, "which")]
		case 3:
			i := rapid.IntRange(0, len(attrs)-1).Draw(t, "respell")
			attrs[i].key = rapid.SampledFrom([]string{strings.ToUpper(attrs[i].key), `\u0069d`, attrs[i].key + "_"}).Draw(t, "as")
		case 4:
			attrs = append(attrs, attr{"extra", genJSONValue(t, "extra", 1)})
		}
		rapid.Permutation(attrs).Draw(t, "order")
		var b bytes.Buffer
		ws := func() { b.WriteString(rapid.SampledFrom([]string{"", "", "", " ", "\n\t", "\r "}).Draw(t, "ws")) }
		ws()
		b.WriteByte('{')
		for i, a := range attrs {
			if i > 0 {
				b.WriteByte(',')
			}
			ws()
			b.WriteString(`"` + a.key + `"`)
			ws()
			b.WriteByte(':')
			ws()
			b.WriteString(a.value)
			ws()
		}
		b.WriteByte('}')
		ws()
		return b.Bytes()
	})
}

func genUUIDValue(t *rapid.T, label string) string {
	var id uuid.UUID
	copy(id[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, label+" bytes"))
	u := id.String()
	return oneOf(t, label,
		`"`+u+`"`, `"`+strings.ToUpper(u)+`"`, `"{`+u+`}"`,
		`"`+strings.ReplaceAll(u, "-", "")+`"`, `"urn:uuid:`+u+`"`, `"`+u[:35]+`g"`, `""`, `null`, `12`)
}

// oneOf draws the first value (a valid one) three times in four, else
// another.
func oneOf(t *rapid.T, label, first string, others ...string) string {
	if rapid.IntRange(0, 3).Draw(t, label+" odd") > 0 {
		return first
	}
	return rapid.SampledFrom(others).Draw(t, label)
}

// genFields draws a fields member: usually an object of a few fields.
func genFields(t *rapid.T) string {
	switch rapid.IntRange(0, 19).Draw(t, "fields kind") {
	case 0:
		return rapid.SampledFrom([]string{`null`, `[]`, `"x"`, `{}`, `1`}).Draw(t, "fields other")
	case 1:
		// More than MaxChangeFields.
		var b strings.Builder
		b.WriteByte('{')
		for i := range MaxChangeFields + rapid.IntRange(-1, 1).Draw(t, "around the limit") {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"f` + strings.Repeat("a", i%7) + string(rune('a'+i%26)) + `":1`)
		}
		b.WriteByte('}')
		return b.String()
	}
	n := rapid.IntRange(0, 7).Draw(t, "fields")
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(rapid.SampledFrom([]string{`"given_name"`, `"notes"`, `"xtra"`, `"n\u0061me"`, `"x\"q"`, `"nhs_number"`, `""`}).Draw(t, "field name"))
		b.WriteString(rapid.SampledFrom([]string{":", " : "}).Draw(t, "colon"))
		b.WriteString(genJSONValue(t, "field value", 3))
	}
	b.WriteByte('}')
	return b.String()
}

// genJSONValue draws a JSON value, some of them not quite valid.
func genJSONValue(t *rapid.T, label string, depth int) string {
	kinds := 9
	if depth > 0 {
		kinds = 11
	}
	switch rapid.IntRange(0, kinds-1).Draw(t, label+" kind") {
	case 0:
		return rapid.SampledFrom([]string{`"Edith"`, `"O'Connor"`, `""`, `"line\nbreak"`, `"tab\tin"`, `"\u00e9t\u00e9"`, `"\ud83d\ude00"`, `"\ud800"`, `"\u0000"`, `"a\/b"`, `"bad\x"`, `"\u12"`}).Draw(t, label)
	case 1:
		return rapid.SampledFrom([]string{`0`, `-1`, `12.5`, `1e3`, `-0.0E-2`, `01`, `1.`, `-`, `.5`, `1e`, `+1`, `123456789012345678901234567890`}).Draw(t, label)
	case 2:
		return rapid.SampledFrom([]string{`true`, `false`, `null`, `tru`, `nul`, `True`}).Draw(t, label)
	case 3:
		return `"` + rapid.StringMatching(`[ -~]{0,12}`).Draw(t, label) + `"`
	case 4:
		return `"` + string(rapid.SliceOfN(rapid.Byte(), 0, 6).Draw(t, label)) + `"`
	case 5:
		return rapid.SampledFrom([]string{"\"caf\xc3\xa9\"", "\"bad \xff byte\"", "\"ctl \x01\"", "\"nul \x00\""}).Draw(t, label)
	case 6:
		return rapid.SampledFrom([]string{`{`, `[1,]`, `{"a":}`, `{"a" 1}`, `[1 2]`, `}`}).Draw(t, label)
	case 7:
		return rapid.SampledFrom([]string{`"2026-11-23"`, `"7554439162"`, `"0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b"`}).Draw(t, label)
	case 8:
		return `"` + strings.Repeat("long ", rapid.IntRange(0, 40).Draw(t, label)) + `"`
	case 9:
		n := rapid.IntRange(0, 3).Draw(t, label+" items")
		items := make([]string, n)
		for i := range items {
			items[i] = genJSONValue(t, label+" item", depth-1)
		}
		return "[ " + strings.Join(items, " , ") + " ]"
	default:
		n := rapid.IntRange(0, 3).Draw(t, label+" members")
		items := make([]string, n)
		for i := range items {
			items[i] = rapid.SampledFrom([]string{`"a"`, `"b"`, `"a"`, `"\u0000"`}).Draw(t, label+" key") + ` : ` + genJSONValue(t, label+" member", depth-1)
		}
		return "{ " + strings.Join(items, " , ") + " }"
	}
}

// mangle cuts, splices or flips bytes of raw.
func mangle(t *rapid.T, raw []byte) []byte {
	out := bytes.Clone(raw)
	switch rapid.IntRange(0, 3).Draw(t, "how") {
	case 0:
		return out[:rapid.IntRange(0, len(out)).Draw(t, "cut at")]
	case 1:
		i := rapid.IntRange(0, len(out)).Draw(t, "splice at")
		ins := rapid.SampledFrom([]string{",", "}", "{", `"`, `\`, ":", " ", "\x00", "\xff", "]", "null"}).Draw(t, "splice")
		return append(out[:i:i], append([]byte(ins), out[i:]...)...)
	case 2:
		if len(out) > 0 {
			out[rapid.IntRange(0, len(out)-1).Draw(t, "flip at")] = rapid.Byte().Draw(t, "to")
		}
		return out
	default:
		return append(out, rapid.SampledFrom([]string{" x", "{}", ",", " "}).Draw(t, "trail")...)
	}
}

// parseChangeOracle is ParseChangeWith as it was before the one-walk
// parse: the envelope decoded by encoding/json, the fields walked in
// place.
func parseChangeOracle(raw json.RawMessage, check FieldCheck) (Change, *Error) {
	var w wireChange
	// The fields object is found in place and cut out of what the decoder
	// reads: decoding it into a map would copy every key and value before
	// any could be refused.
	env, fields, perr := cutFields(raw)
	if perr != nil {
		return Change{}, perr
	}
	dec := json.NewDecoder(bytes.NewReader(env))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Change{}, decodeError(err)
	}
	if fields != nil && firstByte(fields) != '{' && firstByte(fields) != 'n' {
		return Change{}, Errorf(CodeWrongType, "fields", "fields must be a JSON %s", jsonKind("fields"))
	}
	n := 0
	eachMember(fields, func(_, _ []byte) bool { n++; return n <= MaxChangeFields })
	if n > MaxChangeFields {
		return Change{}, Errorf(CodeTooLarge, "fields", "a change carries at most %d fields", MaxChangeFields)
	}
	var c Change
	var e *Error
	if e = CheckText(raw, ""); e != nil {
		return c, e
	}
	if c.ID, e = parseUUIDOracle("id", w.ID); e != nil {
		return c, e
	}
	if w.Collection == nil || *w.Collection == "" {
		return c, Errorf(CodeMissingField, "collection", "collection is required")
	}
	if !validName(*w.Collection) {
		return c, Errorf(CodeUnknownCollection, "collection", "collection names are lower-case letters, digits and _ (at most 64)")
	}
	c.Collection = *w.Collection
	if c.RecordID, e = parseUUIDOracle("record_id", w.RecordID); e != nil {
		return c, e
	}
	if w.Op == nil {
		return c, Errorf(CodeMissingField, "op", "op is required")
	}
	switch Op(*w.Op) {
	case OpUpsert, OpDelete:
		c.Op = Op(*w.Op)
	default:
		return c, Errorf(CodeInvalidValue, "op", "op must be \"upsert\" or \"delete\", not %q", *w.Op)
	}
	if w.HLC == nil {
		return c, Errorf(CodeMissingField, "hlc", "hlc is required")
	}
	h, err := ParseHLC(*w.HLC)
	if err != nil {
		return c, Errorf(CodeInvalidHLC, "hlc", "%v", err)
	}
	c.HLC = h
	if w.RecordedAt == nil {
		return c, Errorf(CodeMissingField, "recorded_at", "recorded_at is required")
	}
	t, err := time.Parse(time.RFC3339Nano, *w.RecordedAt)
	if err != nil {
		return c, Errorf(CodeInvalidValue, "recorded_at", "recorded_at must be an RFC 3339 time such as 2026-11-23T09:30:00Z")
	}
	c.RecordedAt = t
	if w.Seen != nil {
		if len(*w.Seen) > 4096 || !printableASCII(*w.Seen) {
			return c, Errorf(CodeInvalidValue, "seen", "seen must be a cursor returned by a pull")
		}
		c.Seen = *w.Seen
	}
	switch c.Op {
	case OpUpsert:
		if n == 0 {
			return c, Errorf(CodeMissingField, "fields", "an upsert needs at least one field")
		}
		if check != nil {
			eachMember(fields, func(key, _ []byte) bool {
				e = check(c.Collection, keyName(key))
				return e == nil
			})
			if e != nil {
				return c, e
			}
		}
		c.Fields = make(map[string]json.RawMessage, n)
		eachMember(fields, func(key, v []byte) bool {
			name := keyName(key)
			// A string, number, true, false or null is one token with
			// nothing around it: already compact. Only an object or array
			// can hold spaces to drop. Either is copied out of raw, which
			// may be a slice of a whole push body.
			if v[0] != '{' && v[0] != '[' {
				c.Fields[name] = json.RawMessage(bytes.Clone(v))
				return true
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				e = Errorf(CodeInvalidJSON, "fields."+name, "field value is not valid JSON")
				return false
			}
			c.Fields[name] = json.RawMessage(buf.Bytes())
			return true
		})
		if e != nil {
			return c, e
		}
	case OpDelete:
		if n != 0 {
			return c, Errorf(CodeInvalidValue, "fields", "a delete carries no fields")
		}
	}
	return c, nil
}

// parseUUIDOracle is parseUUID as it was: every id through uuid.Parse.
func parseUUIDOracle(field string, s *string) (string, *Error) {
	if s == nil || *s == "" {
		return "", Errorf(CodeMissingField, field, "%s is required", field)
	}
	u, err := uuid.Parse(*s)
	if err != nil || len(*s) != 36 {
		return "", Errorf(CodeInvalidUUID, field, "%s must be a UUID such as 7b0c6f1e-2c1a-4f7e-9d2b-1a2b3c4d5e6f", field)
	}
	return u.String(), nil
}

// TestValidJSON_SameAsJSONValid checks validJSON's own walk never calls
// valid what encoding/json does not, and answers as json.Valid over
// documents built from JSON's pieces, near misses, deep nesting and
// mangled changes.
func TestValidJSON_SameAsJSONValid(t *testing.T) {
	checkProperty(t, 300, func(t *rapid.T) {
		for _, doc := range rapid.SliceOfN(rapid.Custom(func(t *rapid.T) []byte {
			switch rapid.IntRange(0, 4).Draw(t, "kind") {
			case 0:
				return []byte(genJSONValue(t, "value", rapid.IntRange(0, 4).Draw(t, "depth")))
			case 1:
				n := rapid.IntRange(1, 700).Draw(t, "nesting")
				open, end := rapid.SampledFrom([]string{"[", `{"a":`}).Draw(t, "open"), rapid.SampledFrom([]string{"]", "}"}).Draw(t, "close")
				return []byte(strings.Repeat(open, n) + "1" + strings.Repeat(end, n-rapid.IntRange(0, 1).Draw(t, "short")))
			case 2:
				return mangle(t, genChange().Draw(t, "change"))
			case 3:
				return []byte(rapid.StringMatching(`[ \[\]{}",:0-9a-z\\.eE+-]{0,24}`).Draw(t, "tokens"))
			default:
				return genChange().Draw(t, "change")
			}
		}), 1, 20).Draw(t, "docs") {
			if end, ok := walkValue(doc, skipSpace(doc, 0), 0); ok && skipSpace(doc, end) == len(doc) && !json.Valid(doc) {
				t.Fatalf("walkValue calls %q valid", doc)
			}
			if got, want := validJSON(doc), json.Valid(doc); got != want {
				t.Fatalf("validJSON(%q) = %v, json.Valid %v", doc, got, want)
			}
		}
	})
}

// FuzzParseChangeWith_SameAsDecoder checks the one-walk parse against the
// old one (parseChangeOracle) on any bytes: the same change or the same
// error. Seeds: the fixture's first changes, and a few near misses.
func FuzzParseChangeWith_SameAsDecoder(f *testing.F) {
	body, err := os.ReadFile(pushFixture)
	if err != nil {
		f.Fatal(err)
	}
	req, perr := DecodePush(body)
	if perr != nil {
		f.Fatal(perr)
	}
	for _, raw := range req.Changes[:4] {
		f.Add([]byte(raw))
	}
	f.Add([]byte(`{"id":"7b0c6f1e-2c1a-4f7e-9d2b-1a2b3c4d5e6f","collection":"residents","record_id":"7B0C6F1E-2C1A-4F7E-9D2B-1A2B3C4D5E6F","op":"delete","hlc":"001795426200001-00000-tab-01","recorded_at":"2026-11-23T09:30:00Z","device_id":{"a":[1,2.5e3]},"seen":"c1"}`))
	f.Add([]byte(`{"fields":{"a":1},"fields":{"b":2}}`))
	f.Add([]byte(`{"ID":"x","Fields":{"n\u0061me":"\ud800"}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, check := range []FieldCheck{nil, func(_, name string) *Error {
			if strings.HasPrefix(name, "x") {
				return Errorf(CodeUnknownField, "fields."+name, "no field %q", name)
			}
			return nil
		}} {
			got, gotErr := ParseChangeWith(raw, check)
			want, wantErr := parseChangeOracle(raw, check)
			if !reflect.DeepEqual(gotErr, wantErr) || !reflect.DeepEqual(got, want) {
				t.Fatalf("%q\ngot %#v, %v\nwant %#v, %v", raw, got, gotErr, want, wantErr)
			}
		}
		if got, want := validJSON(raw), json.Valid(raw); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid %v", raw, got, want)
		}
	})
}

// TestParseChangeWith_Concurrent parses the fixture from several
// goroutines at once, as concurrent pushes do (the field names they share
// are kept in one table): each gets what a lone parse gets. Run with -race.
func TestParseChangeWith_Concurrent(t *testing.T) {
	body, err := os.ReadFile(pushFixture)
	if err != nil {
		t.Fatal(err)
	}
	req, perr := DecodePush(body)
	if perr != nil {
		t.Fatal(perr)
	}
	accept := func(_, _ string) *Error { return nil }
	want := make([]Change, len(req.Changes))
	for i, raw := range req.Changes {
		want[i], _ = parseChangeOracle(raw, accept)
	}
	errs := make(chan string, 4)
	for range 4 {
		go func() {
			for i, raw := range req.Changes {
				if got, e := ParseChangeWith(raw, accept); e != nil || !reflect.DeepEqual(got, want[i]) {
					errs <- fmt.Sprintf("change %d: %v, %v", i, got, e)
					return
				}
			}
			errs <- ""
		}()
	}
	for range 4 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
