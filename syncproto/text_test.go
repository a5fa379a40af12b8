package syncproto

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckText(t *testing.T) {
	cases := []struct {
		name, doc, field string
	}{
		{"plain", `{"a":"b","c":[1,"d",{"e":null}]}`, ""},
		{"escaped text", `{"a":"caf\u00e9 \ud83d\ude00 \\u0000"}`, ""},
		{"not JSON is the decoder's", "{\"a\":\"\xff", ""},
		{"invalid byte", "{\"a\":\"caf\xe9\"}", "a"},
		{"NUL escape", `{"a":{"b":"x\u0000"}}`, "a.b"},
		{"NUL escape in capitals", `{"a":"\U0000"}`, ""},
		{"lone high surrogate", `{"a":["ok","\ud83d"]}`, "a[1]"},
		{"high surrogate then text", `{"a":"\ud83dx"}`, "a"},
		{"lone low surrogate", `{"a":"\ude00"}`, "a"},
		{"two lows", `{"a":"\ude00\ude00"}`, "a"},
		{"bad key", "{\"k\xff\":1}", "k\ufffd"},
		{"after nested values", "{\"a\":{\"b\":[1,2]},\"c\":[[],{}],\"d\":\"\xc0\"}", "d"},
		{"array of arrays", "[[\"x\"],[\"y\",\"\xff\"]]", "[1][1]"},
		{"top-level string", "\"\xff\"", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := CheckText([]byte(tc.doc), "")
			wantBad := tc.field != "" || tc.name == "top-level string"
			if (e != nil) != wantBad {
				t.Fatalf("CheckText(%q) = %v", tc.doc, e)
			}
			if e != nil && (e.Code != CodeInvalidValue || e.Field != tc.field) {
				t.Fatalf("error %+v, want invalid_value at %q", e, tc.field)
			}
		})
	}
	t.Run("prefix", func(t *testing.T) {
		if e := CheckText([]byte("{\"n\":\"\xff\"}"), "fields"); e == nil || e.Field != "fields.n" {
			t.Fatalf("%v", e)
		}
	})
}

// FuzzCheckText: on any input CheckText does not panic, and what it
// accepts as JSON decodes to strings that are valid UTF-8 without U+0000,
// decoded the same by every client (seeds in testdata/fuzz/FuzzCheckText).
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, "{\"a\":\"\xff\"}", `["\u0000"]`, `{"x":"\ud800\udc00"}`, `{"x":"\\ud800"}`, `[[[{"k":"\udfff"}]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		e := CheckText(doc, "p")
		if e != nil {
			if e.Code != CodeInvalidValue || !strings.HasPrefix(e.Field, "p") || !utf8.ValidString(e.Field) || !utf8.ValidString(e.Message) {
				t.Fatalf("bad refusal %+v", e)
			}
			return
		}
		var v any
		if json.Unmarshal(doc, &v) != nil {
			return
		}
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				if strings.ContainsRune(x, 0) || strings.ContainsRune(x, utf8.RuneError) && !strings.Contains(string(doc), "\uFFFD") && !strings.Contains(strings.ToLower(string(doc)), `\ufffd`) {
					t.Fatalf("accepted %q, which decodes to %q", doc, x)
				}
			case []any:
				for _, y := range x {
					walk(y)
				}
			case map[string]any:
				for k, y := range x {
					walk(k)
					walk(y)
				}
			}
		}
		walk(v)
	})
}
