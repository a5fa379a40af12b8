package syncproto

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// manyKeysChange is one upsert whose fields object holds keys members named
// u100000, u100001 ... each with the value 1.
func manyKeysChange(keys int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"id":"0b3c5c7e-9d55-4c11-8a43-5f6f8f0d2a01","collection":"residents","record_id":"7c1d2a4e-0f5b-4d8e-9a3c-2b6e8f1d4c07","op":"upsert","hlc":"` + validHLC + `","recorded_at":"2026-11-23T09:30:00Z","fields":{`)
	for i := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"u%d":1`, 100000+i)
	}
	b.WriteString(`}}`)
	return b.Bytes()
}

// allocated is the bytes f allocates on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDecodePush_UnknownKeysCostLittle: a 3.5 MB push of one change with
// 300,000 keys is refused for a fraction of its own size in memory: neither
// the body nor the fields are copied or decoded into maps before the change
// is refused (the keys were once decoded in full: about 100 MB a push).
func TestDecodePush_UnknownKeysCostLittle(t *testing.T) {
	change := manyKeysChange(300_000)
	body := append(append([]byte(`{"changes":[`), change...), `]}`...)
	if len(body) < 3_000_000 {
		t.Fatalf("body is %d bytes", len(body))
	}
	var perr *Error
	n := allocated(func() {
		req, e := DecodePush(body)
		if e != nil {
			t.Fatal(e)
		}
		_, perr = ParseChange(req.Changes[0])
	})
	if perr == nil || perr.Code != CodeTooLarge || perr.Field != "fields" {
		t.Fatalf("ParseChange = %v, want too_large on fields", perr)
	}
	if n > 256<<10 {
		t.Fatalf("refusing a %d-byte push allocated %d bytes, want at most 256 KiB", len(body), n)
	}
}

// TestParseChange_FieldBound: a change carries at most MaxChangeFields
// fields; at the bound it parses.
func TestParseChange_FieldBound(t *testing.T) {
	t.Run("at the bound", func(t *testing.T) {
		c, e := ParseChange(manyKeysChange(MaxChangeFields))
		if e != nil || len(c.Fields) != MaxChangeFields {
			t.Fatalf("ParseChange = %d fields, %v", len(c.Fields), e)
		}
	})
	t.Run("past the bound", func(t *testing.T) {
		_, e := ParseChange(manyKeysChange(MaxChangeFields + 1))
		if e == nil || e.Code != CodeTooLarge || e.Field != "fields" {
			t.Fatalf("ParseChange = %v, want too_large on fields", e)
		}
	})
}

// TestParseChangeWith_StopsAtUnknownField: the field check sees names in
// the order sent and the first it refuses ends the parse; nothing after it
// is looked at, and a refused change carries no fields.
func TestParseChangeWith_StopsAtUnknownField(t *testing.T) {
	var seen []string
	check := func(collection, name string) *Error {
		seen = append(seen, collection+"."+name)
		if name == "u100002" {
			return Errorf(CodeUnknownField, "fields."+name, "no field %q", name)
		}
		return nil
	}
	c, e := ParseChangeWith(manyKeysChange(200), check)
	if e == nil || e.Code != CodeUnknownField || e.Field != "fields.u100002" {
		t.Fatalf("ParseChangeWith = %v", e)
	}
	if got := strings.Join(seen, ","); got != "residents.u100000,residents.u100001,residents.u100002" {
		t.Fatalf("checked %s", got)
	}
	if c.Fields != nil {
		t.Fatalf("refused change kept %d fields", len(c.Fields))
	}
}

// TestParseChange_FieldsTwice: a change naming fields twice is refused (a
// decoder would merge the two objects).
func TestParseChange_FieldsTwice(t *testing.T) {
	raw := bytes.Replace(manyKeysChange(1), []byte(`"fields":{`), []byte(`"fields":{"a":1},"fields":{`), 1)
	if _, e := ParseChange(raw); e == nil || e.Code != CodeInvalidValue || e.Field != "fields" {
		t.Fatalf("ParseChange = %v", e)
	}
}
