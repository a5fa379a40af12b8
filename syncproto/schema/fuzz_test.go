package schema

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/continuity-care/continuity/syncproto"
)

// FuzzRegistry_CheckFields runs a pushed change with one fuzzed field
// through the edge (syncproto.ParseChange) and the domain's field
// validators: whatever the value, nothing panics, a refusal is a known code
// naming the field under fields., and a value both accept is UTF-8 text
// without U+0000 that survives a JSON round trip unchanged. Seeds: below,
// and testdata/fuzz/FuzzRegistry_CheckFields.
func FuzzRegistry_CheckFields(f *testing.F) {
	reg := NewDomainRegistry()
	names := reg.Names()
	f.Add(uint8(0), "name", []byte(`"Larkfield Care Ltd"`))
	f.Add(uint8(7), "nhs_number", []byte(`"9434765919"`))
	f.Add(uint8(7), "date_of_birth", []byte(`"1938-02-30"`))
	f.Add(uint8(7), "notes", []byte("\"caf\xe9\""))
	f.Add(uint8(7), "notes", []byte(`"a\u0000b"`))
	f.Add(uint8(7), "given_name", []byte(`"\ud800"`))
	f.Add(uint8(5), "steering_group", []byte(`[{"name":"Chair","role":"x","chair":true},{"name":"\udfff"}]`))
	f.Add(uint8(3), "concern_ids", []byte(`["x","x"]`))
	f.Add(uint8(9), "postcode", []byte(`"DE1 2FS"`))
	f.Add(uint8(2), "status", []byte(`{"nested":[1,2,{"deep":null}]}`))
	known := map[string]bool{
		syncproto.CodeInvalidValue: true, syncproto.CodeWrongType: true, syncproto.CodeUnknownField: true,
		syncproto.CodeMissingField: true, syncproto.CodeInvalidJSON: true, syncproto.CodeUnknownCollection: true,
	}
	f.Fuzz(func(t *testing.T, col uint8, field string, value []byte) {
		collection := names[int(col)%len(names)]
		name, _ := json.Marshal(field)
		raw := `{"id":"9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f","collection":"` + collection +
			`","record_id":"3a7e1b2c-0d4e-4f5a-8b6c-7d8e9f0a1b2c","op":"upsert","hlc":"001795000000000-00003-tab-7",` +
			`"recorded_at":"2026-11-23T09:12:00Z","fields":{` + string(name) + `:` + string(value) + `}}`
		c, perr := syncproto.ParseChange(json.RawMessage(raw))
		if perr != nil {
			if !known[perr.Code] {
				t.Fatalf("ParseChange refused with code %q: %v", perr.Code, perr)
			}
			return
		}
		if e := reg.CheckFields(c, nil); e != nil {
			if !known[e.Code] || !strings.HasPrefix(e.Field, "fields.") {
				t.Fatalf("CheckFields refused with %+v", e)
			}
			if e2 := reg.CheckFields(c, nil); !reflect.DeepEqual(e2, e) {
				t.Fatalf("CheckFields is not deterministic: %+v then %+v", e, e2)
			}
			return
		}
		for n, v := range c.Fields {
			if !utf8.ValidString(n) || !utf8.Valid(v) || syncproto.CheckText(v, "fields."+n) != nil {
				t.Fatalf("accepted text a client cannot decode: %q: %q", n, v)
			}
			var decoded any
			if err := json.Unmarshal(v, &decoded); err != nil {
				t.Fatalf("accepted a value that is not JSON: %q", v)
			}
			again, _ := json.Marshal(decoded)
			var twice any
			if err := json.Unmarshal(again, &twice); err != nil {
				t.Fatalf("round trip of %q broke: %v", v, err)
			}
			if strings.ContainsRune(string(again), 0) {
				t.Fatalf("accepted a NUL: %q", v)
			}
		}
	})
}
