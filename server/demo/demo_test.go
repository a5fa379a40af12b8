package demo

import (
	"bytes"
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

var scenarioPath = filepath.Join("..", "..", DefaultPath)

func load(t *testing.T) Scenario {
	t.Helper()
	s, err := Load(scenarioPath)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// applyChecked checks change i's fields against its record in state as the
// server would, then applies it there.
func applyChecked(t *testing.T, reg *schema.Registry, state State, i int, c syncproto.Change) {
	t.Helper()
	if state[c.Collection] == nil {
		state[c.Collection] = map[string]*syncproto.Record{}
	}
	rec := state[c.Collection][c.RecordID]
	if rec == nil {
		rec = syncproto.NewRecord(c.Collection, c.RecordID)
		state[c.Collection][c.RecordID] = rec
	}
	if e := reg.CheckFields(c, rec); e != nil {
		t.Errorf("change %d (%s %s): %v", i, c.Collection, c.RecordID, e)
	}
	rec.Apply(c)
}

func TestLoad(t *testing.T) {
	s := load(t)
	if _, err := syncproto.ParseChange(s.Changes[0]); err != nil {
		t.Fatal(err)
	}
	if len(s.Changes) < 300 {
		t.Fatalf("only %d changes", len(s.Changes))
	}
	if _, err := Load("no/such/file.json"); err == nil {
		t.Fatal("loaded a missing file")
	}
}

// TestEveryChangeIsValid applies the scenario front to back as the server
// would: every change parses, passes the domain schema given the record's
// state before it, and carries a fixed seed HLC and recorded time.
func TestEveryChangeIsValid(t *testing.T) {
	s := load(t)
	reg := schema.NewDomainRegistry()
	state := State{}
	ids := map[string]bool{}
	var prev syncproto.HLC
	for i, raw := range s.Changes {
		c, e := syncproto.ParseChange(raw)
		if e != nil {
			t.Fatalf("change %d: %v", i, e)
		}
		if bytes.Contains(raw, []byte(`"device_id"`)) {
			t.Errorf("change %d carries a device_id", i)
		}
		if ids[c.ID] {
			t.Errorf("change %d: id %s repeated", i, c.ID)
		}
		ids[c.ID] = true
		if c.Op != syncproto.OpUpsert {
			t.Errorf("change %d: op %s", i, c.Op)
		}
		if c.HLC.Node != "seed" || c.HLC.Wall != c.RecordedAt.UnixMilli() {
			t.Errorf("change %d: hlc %s does not match recorded_at %s", i, c.HLC, c.RecordedAt)
		}
		if c.HLC.Compare(prev) <= 0 {
			t.Errorf("change %d: hlc %s not after %s", i, c.HLC, prev)
		}
		prev = c.HLC
		if c.RecordedAt.Year() != 2026 || c.RecordedAt.Month() != time.November {
			t.Errorf("change %d: recorded_at %s is not in November 2026", i, c.RecordedAt)
		}
		applyChecked(t, reg, state, i, c)
	}
}

// refTargets maps reference fields to the collection they point into;
// "" means the referencing record's own collection.
var refTargets = map[string]string{
	"provider_id": "providers", "service_id": "services", "service_ids": "services", "current_service_id": "services",
	"from_service_id": "services", "to_service_id": "services", "resident_id": "residents", "move_id": "moves",
	"assessment_id": "capacity_assessments", "best_interests_decision_id": "best_interests_decisions",
	"previous_check_id": "safe_and_well_checks", "meeting_id": "meeting_records", "concern_ids": "concerns",
	"incident_id": "incidents", "supersedes_id": "",
}

// TestReferencesExistBeforeUse: every id a change refers to names a record
// created by an earlier change (or, for an incident, the change itself), so
// the file can be applied front to back.
func TestReferencesExistBeforeUse(t *testing.T) {
	s := load(t)
	exists := map[string]bool{}
	for i, raw := range s.Changes {
		c, _ := syncproto.ParseChange(raw)
		for _, name := range slices.Sorted(maps.Keys(c.Fields)) {
			target, ok := refTargets[name]
			if !ok {
				continue
			}
			if target == "" {
				target = c.Collection
			}
			var ids []string
			var one string
			if json.Unmarshal(c.Fields[name], &one) == nil {
				ids = []string{one}
			} else if err := json.Unmarshal(c.Fields[name], &ids); err != nil {
				t.Fatalf("change %d: %s: %v", i, name, err)
			}
			for _, id := range ids {
				self := c.Collection == "incidents" && name == "incident_id" && id == c.RecordID
				if !exists[target+"/"+id] && !self {
					t.Errorf("change %d (%s.%s) refers to %s %s before it exists", i, c.Collection, name, target, id)
				}
			}
		}
		exists[c.Collection+"/"+c.RecordID] = true
	}
}

// TestScopes: every incident-scoped record belongs to the scenario's
// incident, and the incident is scoped by its own id.
func TestScopes(t *testing.T) {
	s := load(t)
	reg := schema.NewDomainRegistry()
	st, err := Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	inc := st.Record("incidents", s.IncidentID)
	if inc == nil || schema.StringValue(inc, "incident_id") != s.IncidentID {
		t.Fatalf("incident %s missing or not scoped by its own id", s.IncidentID)
	}
	for _, name := range reg.Names() {
		col, _ := reg.Collection(name)
		for _, r := range st.Records(name) {
			scope := schema.StringValue(r, "incident_id")
			if col.ScopeField == "" && scope != "" {
				t.Errorf("%s %s is not scoped but has incident_id", name, r.ID)
			}
			if col.ScopeField != "" && scope != s.IncidentID {
				t.Errorf("%s %s is in scope %q", name, r.ID, scope)
			}
		}
	}
}

// TestFigures checks the scenario's figures against the brief.
func TestFigures(t *testing.T) {
	s := load(t)
	f, err := Counts(s)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want any) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if !bytes.Equal(g, w) {
			t.Errorf("%s = %s, want %s", name, g, w)
		}
	}
	check("residents", f.Residents, 42)
	check("funding", f.ResidentsByFunding, map[string]int{
		// Stanley Royce is a self-funder receiving FNC: he counts in both columns (003 Appendix 2 header).
		"la_funded": 22, "self_funder": 10, "fnc": 4, "nhs_chc": 3, "out_of_area": 2, "s117": 1, "dwp_preserved_rights": 1,
	})
	check("categories", f.ResidentsByCategory, map[string]int{"residential": 22, "residential_dementia": 12, "nursing": 7, "mental_health": 1})
	check("placing authorities", f.PlacingAuthorities, map[string]int{"Nottinghamshire County Council": 1, "Staffordshire County Council": 1})
	check("friendship groups", f.FriendshipGroups, map[string]int{"Garden Room": 4, "Dominoes Club": 3, "Chapel Friends": 3})
	check("under DoLS", f.UnderDoLS, 5)
	check("with LPA", f.WithLPA, 10)
	check("with health and welfare LPA", f.WithHealthWelfareLPA, 5)
	check("providers", f.Providers, 10)
	check("services", f.Services, 13)
	check("vacancies", f.Vacancies, 22)
	check("places by category", f.PlacesByCategory, map[string]int{
		"residential": 15, "residential_dementia": 8, "nursing": 7, "nursing_dementia": 3, "mental_health": 1,
	})
	check("vacant places", f.VacantPlaces, 34)
	check("moves", f.MovesByStatus, map[string]int{"completed": 3, "planned": 5, "cancelled": 1})
	check("assessments", f.AssessmentsByOutcome, map[string]int{"lacks_capacity": 7, "has_capacity": 5})
	check("superseded", f.SupersededAssessments, 1)
	check("best interests", f.BestInterestsDecisions, 6)
	check("checks", f.ChecksByOutcome, map[string]int{"safe_and_well": 39, "concerns": 3, "not_seen": 1})
	if n := f.ChecklistByStatus["not_started"] + f.ChecklistByStatus["in_progress"] + f.ChecklistByStatus["done"]; n < 90 {
		t.Errorf("checklist has %d items", n)
	}
}

// TestResidents checks the residents' identities.
func TestResidents(t *testing.T) {
	s := load(t)
	st, err := Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	nhs := map[string]bool{}
	names := map[string]bool{}
	for _, r := range st.Records("residents") {
		n := schema.StringValue(r, "nhs_number")
		if !schema.ValidNHSNumber(n) || !strings.HasPrefix(n, "999") || nhs[n] {
			t.Errorf("resident %s: NHS number %q not a unique valid test number", r.ID, n)
		}
		nhs[n] = true
		name := schema.StringValue(r, "given_name") + " " + schema.StringValue(r, "family_name")
		if names[name] {
			t.Errorf("two residents called %s", name)
		}
		names[name] = true
		dols := schema.StringValue(r, "dols_status")
		if schema.UnderDoLS(dols) && schema.StringValue(r, "dols_expiry") == "" {
			t.Errorf("%s is under DoLS with no expiry", name)
		}
		if schema.StringValue(r, "funding_stream") == schema.FundingOutOfArea && schema.StringValue(r, "placing_authority") == "" {
			t.Errorf("%s is out of area with no placing authority", name)
		}
	}
}

// TestStoryHoldsTogether checks the data against the procedure the rules
// package enforces, so the demo loads once those rules are wired: completed
// moves put the resident at the destination, destinations are registered
// for the resident's category, moves are planned in working hours, legs
// arrive after they depart, best-interests decisions rest on an assessment
// that found capacity lacking, and signed assessments are never edited.
func TestStoryHoldsTogether(t *testing.T) {
	s := load(t)
	st, err := Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	get := func(col, id, field string) string { return schema.StringValue(st.Record(col, id), field) }
	for _, m := range st.Records("moves") {
		res := get("moves", m.ID, "resident_id")
		to := get("moves", m.ID, "to_service_id")
		status := get("moves", m.ID, "status")
		if status == "completed" && get("residents", res, "current_service_id") != to {
			t.Errorf("move %s completed but resident %s is not at %s", m.ID, res, to)
		}
		var cats []string
		_ = json.Unmarshal(st.Record("services", to).Value("registration_categories"), &cats)
		if !slices.Contains(cats, get("residents", res, "registration_category")) {
			t.Errorf("move %s: destination not registered for %s", m.ID, get("residents", res, "registration_category"))
		}
		at, err := time.Parse(time.RFC3339, get("moves", m.ID, "planned_at"))
		if err != nil {
			t.Fatalf("move %s: %v", m.ID, err)
		}
		if wd := at.Weekday(); wd == time.Saturday || wd == time.Sunday || at.Hour() < 9 || at.Hour() >= 17 {
			t.Errorf("move %s planned out of hours at %s", m.ID, at)
		}
	}
	for _, l := range st.Records("move_legs") {
		dep := get("move_legs", l.ID, "departed_at")
		arr := get("move_legs", l.ID, "arrived_at")
		ho := get("move_legs", l.ID, "handed_over_at")
		if !(dep < arr && arr <= ho) {
			t.Errorf("leg %s: departed %s, arrived %s, handed over %s", l.ID, dep, arr, ho)
		}
	}
	superseded := map[string]bool{}
	for _, a := range st.Records("capacity_assessments") {
		if id := get("capacity_assessments", a.ID, "supersedes_id"); id != "" {
			superseded[id] = true
		}
	}
	for _, d := range st.Records("best_interests_decisions") {
		aid := get("best_interests_decisions", d.ID, "assessment_id")
		if get("capacity_assessments", aid, "outcome") != "lacks_capacity" || superseded[aid] ||
			get("capacity_assessments", aid, "resident_id") != get("best_interests_decisions", d.ID, "resident_id") ||
			get("capacity_assessments", aid, "decision") != get("best_interests_decisions", d.ID, "decision") {
			t.Errorf("best-interests decision %s does not rest on a current lacks-capacity assessment of the same decision", d.ID)
		}
	}
	signed := map[string]bool{}
	for i, raw := range s.Changes {
		c, _ := syncproto.ParseChange(raw)
		if c.Collection != "capacity_assessments" {
			continue
		}
		if signed[c.RecordID] {
			t.Errorf("change %d edits signed assessment %s", i, c.RecordID)
		}
		if _, ok := c.Fields["signed_at"]; ok {
			signed[c.RecordID] = true
		}
	}
	// The Garden Room friendship group moves together.
	dest := map[string]bool{}
	for _, m := range st.Records("moves") {
		res := get("moves", m.ID, "resident_id")
		if get("residents", res, "friendship_group") == "Garden Room" && get("moves", m.ID, "status") != "cancelled" {
			dest[get("moves", m.ID, "to_service_id")] = true
		}
	}
	if len(dest) != 1 {
		t.Errorf("Garden Room group moves to %d places", len(dest))
	}
}
