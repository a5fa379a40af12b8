package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// decodeKindGeneral is decodeKind without its fast paths: every value
// through a json.Decoder with UseNumber, as decodeKind decoded before.
func decodeKindGeneral(k Kind, raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	switch n, isNum := v.(json.Number); {
	case k == Any:
		return v, nil
	case k == String:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case k == Number && isNum:
		return n.Float64()
	case k == Integer && isNum:
		return n.Int64()
	case k == Bool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case k == Object || k == Array:
		return decodeKind(k, raw) // no fast path for these
	}
	return nil, fmt.Errorf("not a %s", k)
}

var kindSamples = []string{
	`"Edith"`, `""`, `"caf\u00e9 \"quoted\" \\ tab\t"`, `"\ud83d\ude00"`, `"\ud800"`, ` "padded" `,
	`0`, `-0`, `12`, `-12`, `1.5`, `-1.5e3`, `1e400`, `9223372036854775807`, `9223372036854775808`, `1.0`, `01`, `1.`, `-`, `- 1`,
	`true`, `false`, `null`, `truex`, `{"a":1}`, `[1,"x"]`, `"unterminated`, ``, ` `,
}

// TestDecodeKind_FastPaths checks that decodeKind's fast paths for strings,
// numbers and booleans give the general decoder's value, or fail where it
// fails.
func TestDecodeKind_FastPaths(t *testing.T) {
	for _, k := range []Kind{Any, String, Number, Integer, Bool, Object, Array} {
		for _, raw := range kindSamples {
			t.Run(fmt.Sprintf("%s %s", k, raw), func(t *testing.T) { compareDecodeKind(t, k, []byte(raw)) })
		}
	}
}

// FuzzDecodeKind compares decodeKind with the general decoder on any bytes.
func FuzzDecodeKind(f *testing.F) {
	for _, raw := range kindSamples {
		f.Add(uint8(1), []byte(raw))
		f.Add(uint8(2), []byte(raw))
		f.Add(uint8(3), []byte(raw))
	}
	kinds := []Kind{Any, String, Number, Integer, Bool, Object, Array}
	f.Fuzz(func(t *testing.T, k uint8, raw []byte) {
		compareDecodeKind(t, kinds[int(k)%len(kinds)], raw)
	})
}

func compareDecodeKind(t *testing.T, k Kind, raw []byte) {
	t.Helper()
	got, gerr := decodeKind(k, raw)
	want, werr := decodeKindGeneral(k, raw)
	if (gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeKind(%s, %q) = %#v, %v; the general decoder gives %#v, %v", k, raw, got, gerr, want, werr)
	}
}
