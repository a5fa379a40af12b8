package demo

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// homeNamespace names the records Home adds (UUID v5, as the generator's).
var homeNamespace = uuid.MustParse("3b0c6f1e-6f53-4c55-9b1e-6d1f0b4a6e60")

// Home returns the scenario with its home grown to residents residents and
// a week (days days) of records about them: the demo's own residents, then
// new ones made from them in turn (each a copy of a demo resident with its
// own id, NHS number and case reference), and a safe-and-well check of
// every resident on every day from the day of the demo's first check, as
// the demo's first check is written. Everything else in the demo (the
// market, the incident, its checklist and the demo's own records) is kept.
// The seeds give no figure for how often residents are checked; one check
// a resident a day is this fixture's assumption.
func Home(s Scenario, residents, days int) (Scenario, error) {
	type change = map[string]any
	var all []change
	for i, raw := range s.Changes {
		var c change
		if err := json.Unmarshal(raw, &c); err != nil {
			return Scenario{}, fmt.Errorf("demo: change %d: %w", i, err)
		}
		all = append(all, c)
	}
	fields := func(c change) map[string]any { f, _ := c["fields"].(map[string]any); return f }
	// The demo's residents (their creating change) and its first check.
	var people []change
	var check change
	for _, c := range all {
		f := fields(c)
		switch {
		case c["collection"] == "residents" && f["given_name"] != nil && f["incident_id"] == s.IncidentID:
			people = append(people, c)
		case c["collection"] == "safe_and_well_checks" && check == nil:
			check = c
		}
	}
	if len(people) == 0 || check == nil {
		return Scenario{}, fmt.Errorf("demo: the scenario has no residents or no check to copy")
	}
	newID := func(kind string, n ...int) string {
		key := kind
		for _, x := range n {
			key += "/" + strconv.Itoa(x)
		}
		return uuid.NewSHA1(homeNamespace, []byte(key)).String()
	}
	clone := func(c change) change {
		b, _ := json.Marshal(c)
		var out change
		_ = json.Unmarshal(b, &out)
		return out
	}
	var ids []string
	for _, p := range people {
		ids = append(ids, p["record_id"].(string))
	}
	nhs := nhsNumbers(999100101, residents)
	for i := len(people); i < residents; i++ {
		c := clone(people[i%len(people)])
		c["id"], c["record_id"] = newID("resident-change", i), newID("resident", i)
		f := fields(c)
		f["nhs_number"] = nhs[i]
		f["case_reference"] = fmt.Sprintf("LL6%05d", i)
		all = append(all, c)
		ids = append(ids, c["record_id"].(string))
	}
	first, err := time.Parse(time.RFC3339, fields(check)["visited_at"].(string))
	if err != nil {
		return Scenario{}, fmt.Errorf("demo: the first check's visited_at: %w", err)
	}
	for d := 0; d < days; d++ {
		for i, id := range ids {
			c := clone(check)
			visited := first.AddDate(0, 0, d).Add(time.Duration(i) * 5 * time.Minute)
			recorded := visited.Add(20 * time.Minute)
			c["id"], c["record_id"] = newID("check-change", d, i), newID("check", d, i)
			c["hlc"] = fmt.Sprintf("%015d-00000-seed", recorded.UnixMilli())
			c["recorded_at"] = recorded.Format(time.RFC3339)
			f := fields(c)
			f["resident_id"] = id
			f["visited_at"] = visited.Format(time.RFC3339)
			f["follow_up_due"] = visited.AddDate(0, 0, 1).Format(time.DateOnly)
			f["location"] = fmt.Sprintf("Larkfield House, room %d", i+1)
			all = append(all, c)
		}
	}
	out := Scenario{IncidentID: s.IncidentID}
	for _, c := range all {
		b, err := json.Marshal(c)
		if err != nil {
			return Scenario{}, err
		}
		out.Changes = append(out.Changes, b)
	}
	return out, nil
}

// nhsNumbers returns n valid NHS numbers (modulus 11) from the nine-digit
// prefix from on, in the 999 range reserved for test data; prefixes whose
// check digit would be 10 are skipped. The i-th is at index i.
func nhsNumbers(from, n int) []string {
	var out []string
	for p := from; len(out) < n; p++ {
		s := strconv.Itoa(p)
		if c, ok := schema.NHSCheckDigit(s); ok {
			out = append(out, s+strconv.Itoa(c))
		}
	}
	return out
}
