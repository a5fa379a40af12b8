package api_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"pgregory.net/rapid"
)

// TestServer_NoServerErrorForClientMistakes sends pushes and pulls built from
// valid changes with random parts replaced by random JSON: whatever a device
// sends, the answer is never a 5xx, and a 200 push answers every change.
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
		body := map[string]any{"changes": changes}
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
		q := fmt.Sprintf("/v1/sync/pull?limit=%d&cursor=%s", rapid.IntRange(-3, 6000).Draw(rt, "limit"), rapid.SampledFrom([]string{"", "c1.x", "c1.eyJwIjoxfQ", "%00"}).Draw(rt, "cursor"))
		if r := e.do("GET", q, tok, nil); r.Status >= 500 {
			rt.Fatalf("pull %s answered %d: %s", q, r.Status, r.Body)
		}
	})
}
