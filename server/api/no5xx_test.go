package api_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"
	"pgregory.net/rapid"
)

// TestServer_NoServerErrorForClientMistakes sends pushes and pulls built from
// valid changes with random parts replaced by random JSON, and sometimes a
// string broken by invalid UTF-8, an escaped NUL or half a surrogate pair:
// whatever a device sends, the answer is never a 5xx, a 200 push answers
// every change, and every answer and later pull is valid UTF-8.
func TestServer_NoServerErrorForClientMistakes(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	tok := e.token("sam", "social_worker", "tab-1", inc)
	w := newWriter("tab-1", e.clock.Now)
	anyJSON := rapid.OneOf(
		rapid.Just[any](nil), rapid.Just[any](true), rapid.Just[any]("\u0000"), rapid.Just[any]("not-a-uuid"),
		rapid.Map(rapid.Int(), func(i int) any { return i }),
		rapid.Map(rapid.String(), func(s string) any { return s }),
		rapid.Just[any]([]any{1, "x"}), rapid.Just[any](map[string]any{"nested": map[string]any{"deep": 1}}),
		rapid.Just[any](uuid.NewString()), rapid.Just[any]("001795000000000-00000-tab-1"),
	)
	keys := []string{"id", "collection", "record_id", "op", "fields", "hlc", "recorded_at", "device_id", "seen", "extra"}
	fieldNames := []string{"incident_id", "given_name", "family_name", "nhs_number", "date_of_birth", "current_service_id", "notes", "lpa", "unknown"}
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 5).Draw(rt, "changes")
		var changes []any
		for i := 0; i < n; i++ {
			c := w.upsert("residents", uuid.NewString(), resident(inc))
			switch rapid.IntRange(0, 3).Draw(rt, "mutation") {
			case 0:
				c[rapid.SampledFrom(keys).Draw(rt, "key")] = anyJSON.Draw(rt, "value")
			case 1:
				c["fields"].(map[string]any)[rapid.SampledFrom(fieldNames).Draw(rt, "field")] = anyJSON.Draw(rt, "value")
			case 2:
				delete(c, rapid.SampledFrom(keys).Draw(rt, "drop"))
			}
			changes = append(changes, c)
		}
		body := []byte(mustJSON(map[string]any{"changes": changes}))
		// Sometimes break the text: a raw byte that is not UTF-8, an
		// escaped NUL or half a surrogate pair, in place of a character
		// inside a string (never a quote or a backslash, so the JSON still
		// parses and the text check, not the decoder, must catch it).
		if rapid.Bool().Draw(rt, "break text") {
			body = breakText(body, rapid.IntRange(0, len(body)-1).Draw(rt, "at"),
				rapid.SampledFrom([]string{"\xff", "\xc0\xaf", "\xed\xa0\x80", `\u0000`, `\ud800`, `\udfff`, "\xe2\x82"}).Draw(rt, "bad"))
		}
		r := e.do("POST", "/v1/sync/push", tok, body)
		if r.Status >= 500 {
			rt.Fatalf("push answered %d: %s", r.Status, r.Body)
		}
		if r.Status == 200 {
			var out struct {
				Results []json.RawMessage `json:"results"`
			}
			if err := json.Unmarshal(r.Body, &out); err != nil || len(out.Results) != n {
				rt.Fatalf("push answered %d results for %d changes: %s", len(out.Results), n, r.Body)
			}
		}
		if !utf8.Valid(r.Body) {
			rt.Fatalf("push answered invalid UTF-8: %q", r.Body)
		}
		if r := e.do("GET", "/v1/sync/pull?limit=5000", tok, nil); r.Status != 200 || !utf8.Valid(r.Body) {
			rt.Fatalf("a pull after it answered %d, valid UTF-8 %v", r.Status, utf8.Valid(r.Body))
		}
		q := fmt.Sprintf("/v1/sync/pull?limit=%d&cursor=%s", rapid.IntRange(-3, 6000).Draw(rt, "limit"), rapid.SampledFrom([]string{"", "c1.x", "c1.eyJwIjoxfQ", "%00"}).Draw(rt, "cursor"))
		if r := e.do("GET", q, tok, nil); r.Status >= 500 {
			rt.Fatalf("pull %s answered %d: %s", q, r.Status, r.Body)
		}
	})
}

// breakText puts bad at the first character of a JSON string at or after
// byte at of body that is a plain letter or digit, or returns body as it
// was when there is none.
func breakText(body []byte, at int, bad string) []byte {
	in := false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c == '\\':
			i++
		case c == '"':
			in = !in
		case in && i >= at && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'):
			return append(append(append([]byte(nil), body[:i]...), bad...), body[i+1:]...)
		}
	}
	return body
}
