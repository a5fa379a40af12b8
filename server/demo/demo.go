// Package demo reads the synthetic demo scenario (testdata/scenario, written
// by ./gen): an invented 42-bed Derby care home whose provider fails, its
// residents, the nearby homes with places, and the first week of the
// council's response. It also works out the scenario's figures from the data
// itself, so other tests can check their own figures against them rather
// than against numbers typed twice.
package demo

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// DefaultPath is the scenario file, relative to the repository root.
const DefaultPath = "testdata/scenario/scenario.json"

// Scenario is the scenario file: the incident it is about and the wire
// changes that build it, in an order that can be applied front to back.
type Scenario struct {
	IncidentID string            `json:"incident_id"`
	Changes    []json.RawMessage `json:"changes"`
}

// Load reads a scenario file.
func Load(path string) (Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Scenario{}, err
	}
	var s Scenario
	if err := json.Unmarshal(b, &s); err != nil {
		return Scenario{}, fmt.Errorf("%s: %w", path, err)
	}
	if s.IncidentID == "" || len(s.Changes) == 0 {
		return Scenario{}, fmt.Errorf("%s: want {\"incident_id\": ..., \"changes\": [...]}", path)
	}
	return s, nil
}

// State is the merged state of every record, by collection and record id.
type State map[string]map[string]*syncproto.Record

// Records returns the records of a collection that are not deleted, sorted
// by id.
func (st State) Records(collection string) []*syncproto.Record {
	var out []*syncproto.Record
	for _, r := range st[collection] {
		if !r.Deleted() {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Record returns one record, or nil.
func (st State) Record(collection, id string) *syncproto.Record { return st[collection][id] }

// Apply parses the scenario's changes and merges them, in order, into the
// state of each record, as the server would.
func Apply(s Scenario) (State, error) {
	st := State{}
	for i, raw := range s.Changes {
		c, e := syncproto.ParseChange(raw)
		if e != nil {
			return nil, fmt.Errorf("change %d: %v", i, e)
		}
		col := st[c.Collection]
		if col == nil {
			col = map[string]*syncproto.Record{}
			st[c.Collection] = col
		}
		r := col[c.RecordID]
		if r == nil {
			r = syncproto.NewRecord(c.Collection, c.RecordID)
			col[c.RecordID] = r
		}
		r.Apply(c)
	}
	return st, nil
}

// Figures are the scenario's headline numbers, worked out from its records'
// final state.
type Figures struct {
	// Providers and Services count the market: the failing provider and its
	// home, and the nearby ones.
	Providers int `json:"providers"`
	Services  int `json:"services"`
	// Residents counts the incident's residents; ResidentsByFunding by
	// funding stream (a resident funded by several counts in each),
	// ResidentsByCategory by registration_category.
	Residents           int            `json:"residents"`
	ResidentsByFunding  map[string]int `json:"residents_by_funding"`
	ResidentsByCategory map[string]int `json:"residents_by_category"`
	// PlacingAuthorities counts out-of-area residents by placing authority.
	PlacingAuthorities map[string]int `json:"placing_authorities"`
	// UnderDoLS counts residents with an urgent or standard DoLS
	// authorisation in force.
	UnderDoLS int `json:"under_dols"`
	// FriendshipGroups counts residents by friendship group label.
	FriendshipGroups map[string]int `json:"friendship_groups"`
	// WithLPA counts residents with at least one power of attorney or
	// deputyship; WithHealthWelfareLPA those with a health and welfare LPA.
	WithLPA              int `json:"with_lpa"`
	WithHealthWelfareLPA int `json:"with_health_welfare_lpa"`
	// VeryFrail and WishToMoveEarly count residents so flagged.
	VeryFrail       int `json:"very_frail"`
	WishToMoveEarly int `json:"wish_to_move_early"`
	// Vacancies counts vacancy records; VacantPlaces sums the places left
	// (rules.PlacesLeft: declared places less those planned and completed
	// moves use) of those accepting placements, PlacesByCategory by
	// category.
	Vacancies        int            `json:"vacancies"`
	VacantPlaces     int            `json:"vacant_places"`
	PlacesByCategory map[string]int `json:"places_by_category"`
	// MovesByStatus counts moves by status.
	MovesByStatus map[string]int `json:"moves_by_status"`
	// AssessmentsByOutcome counts capacity assessments by outcome, and
	// SupersededAssessments those another assessment supersedes.
	AssessmentsByOutcome  map[string]int `json:"assessments_by_outcome"`
	SupersededAssessments int            `json:"superseded_assessments"`
	// BestInterestsDecisions counts best-interests decisions.
	BestInterestsDecisions int `json:"best_interests_decisions"`
	// ChecksByOutcome counts safe-and-well checks by outcome.
	ChecksByOutcome map[string]int `json:"checks_by_outcome"`
	// ChecklistByStatus counts the incident's checklist items by status.
	ChecklistByStatus map[string]int `json:"checklist_by_status"`
}

// Counts works out the scenario's figures from its data.
func Counts(s Scenario) (Figures, error) {
	st, err := Apply(s)
	if err != nil {
		return Figures{}, err
	}
	f := Figures{
		Providers: len(st.Records("providers")), Services: len(st.Records("services")),
		ResidentsByFunding: map[string]int{}, ResidentsByCategory: map[string]int{}, PlacingAuthorities: map[string]int{},
		FriendshipGroups: map[string]int{}, PlacesByCategory: map[string]int{}, MovesByStatus: map[string]int{},
		AssessmentsByOutcome: map[string]int{}, ChecksByOutcome: map[string]int{}, ChecklistByStatus: map[string]int{},
	}
	for _, r := range st.Records("residents") {
		if str(r, "incident_id") != s.IncidentID {
			continue
		}
		f.Residents++
		// Funding can be several streams at once; each is counted.
		for _, funding := range schema.FundingStreamsOf(r) {
			f.ResidentsByFunding[funding]++
		}
		f.ResidentsByCategory[str(r, "registration_category")]++
		if schema.HasFunding(r, schema.FundingOutOfArea) {
			f.PlacingAuthorities[str(r, "placing_authority")]++
		}
		if schema.UnderDoLS(str(r, "dols_status")) {
			f.UnderDoLS++
		}
		if g := str(r, "friendship_group"); g != "" {
			f.FriendshipGroups[g]++
		}
		var lpa []schema.PowerOfAttorney
		if v := r.Value("lpa"); v != nil {
			if err := json.Unmarshal(v, &lpa); err != nil {
				return Figures{}, fmt.Errorf("resident %s: lpa: %w", r.ID, err)
			}
		}
		if len(lpa) > 0 {
			f.WithLPA++
		}
		for _, a := range lpa {
			if a.Kind == "lpa_health_welfare" {
				f.WithHealthWelfareLPA++
				break
			}
		}
		if boolean(r, "very_frail") {
			f.VeryFrail++
		}
		if boolean(r, "wishes_to_move_early") {
			f.WishToMoveEarly++
		}
	}
	var vacancies []rules.Vacancy
	for _, r := range st.Records("vacancies") {
		f.Vacancies++
		var n int
		if err := json.Unmarshal(r.Value("places"), &n); err != nil {
			return Figures{}, fmt.Errorf("vacancy %s: places: %w", r.ID, err)
		}
		asOf, _ := time.Parse(time.DateOnly, str(r, "as_of"))
		vacancies = append(vacancies, rules.Vacancy{ID: r.ID, ServiceID: str(r, "service_id"), Category: rules.RegistrationCategory(str(r, "category")),
			Places: n, Accepting: boolean(r, "accepting"), AsOf: asOf})
	}
	var placements []rules.Placement
	for _, r := range st.Records("moves") {
		status := rules.MoveStatus(str(r, "status"))
		completed, _ := time.Parse(time.RFC3339, str(r, "completed_at"))
		placements = append(placements, rules.Placement{MoveID: r.ID, ServiceID: str(r, "to_service_id"), Status: status, CompletedAt: completed,
			Category: rules.RegistrationCategory(str(st.Record("residents", str(r, "resident_id")), "registration_category"))})
	}
	counted := map[[2]string]bool{}
	for _, v := range vacancies {
		k := [2]string{v.ServiceID, string(v.Category)}
		if counted[k] {
			continue
		}
		counted[k] = true
		if p := rules.PlacesLeft(vacancies, placements, v.ServiceID, v.Category); p.Accepting && p.Left > 0 {
			f.VacantPlaces += p.Left
			f.PlacesByCategory[string(v.Category)] += p.Left
		}
	}
	for _, r := range st.Records("moves") {
		f.MovesByStatus[str(r, "status")]++
	}
	superseded := map[string]bool{}
	for _, r := range st.Records("capacity_assessments") {
		f.AssessmentsByOutcome[str(r, "outcome")]++
		if id := str(r, "supersedes_id"); id != "" {
			superseded[id] = true
		}
	}
	f.SupersededAssessments = len(superseded)
	f.BestInterestsDecisions = len(st.Records("best_interests_decisions"))
	for _, r := range st.Records("safe_and_well_checks") {
		f.ChecksByOutcome[str(r, "outcome")]++
	}
	for _, r := range st.Records("checklist_items") {
		f.ChecklistByStatus[str(r, "status")]++
	}
	return f, nil
}

func str(r *syncproto.Record, field string) string { return schema.StringValue(r, field) }

func boolean(r *syncproto.Record, field string) bool {
	var b bool
	return r.Value(field) != nil && json.Unmarshal(r.Value(field), &b) == nil && b
}
