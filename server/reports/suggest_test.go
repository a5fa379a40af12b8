package reports

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/syncproto"
)

var areaOptions = []struct {
	name string
	opts SuggestOptions
}{
	{"default: the home's local authority", SuggestOptions{}},
	{"any area", SuggestOptions{Areas: []string{AnyArea}}},
	{"Derbyshire too", SuggestOptions{Areas: []string{" derbyshire  county council "}}},
}

func TestSuggest_ScenarioDeterministic(t *testing.T) {
	d := scenarioData(t)
	for _, o := range areaOptions {
		t.Run(o.name, func(t *testing.T) {
			want := Suggest(d, o.opts)
			if again := Suggest(d, o.opts); !reflect.DeepEqual(again, want) {
				t.Fatal("two runs differ")
			}
			for seed := uint64(1); seed <= 5; seed++ {
				if got := Suggest(shuffled(d, seed), o.opts); !reflect.DeepEqual(got, want) {
					t.Fatalf("shuffled input (seed %d) gives different suggestions", seed)
				}
			}
			// A record handed over twice is still one resident.
			dup := shuffled(d, 9)
			dup.Records["residents"] = append(dup.Records["residents"], d.Records["residents"]...)
			if got := Suggest(dup, o.opts); !reflect.DeepEqual(got, want) {
				t.Fatal("duplicated records change the suggestions")
			}
		})
	}
}

// TestSuggest_ScenarioInvariants checks every suggestion against the
// scenario's records as counted by the test itself.
func TestSuggest_ScenarioInvariants(t *testing.T) {
	incident, recs := replay(t)
	failing := recs["incidents"][incident]
	failingProvider := failing.s("provider_id")
	// Residents who need a move: no completed, planned or in-transit move.
	moving := map[string]bool{}
	for _, m := range recs["moves"] {
		switch m.s("status") {
		case "completed", "planned", "in_transit":
			moving[m.s("resident_id")] = true
		}
	}
	need := map[string]bool{}
	for id, r := range recs["residents"] {
		if r.s("incident_id") == incident && !moving[id] && r.s("status") != "moved" && r.s("status") != "deceased" {
			need[id] = true
		}
	}
	for _, o := range areaOptions {
		t.Run(o.name, func(t *testing.T) {
			got := Suggest(scenarioData(t), o.opts)
			used := map[string]int{}
			seen := map[string]bool{}
			placed := 0
			for i, s := range got {
				if s.Rank != i+1 {
					t.Errorf("suggestion %d has rank %d", i, s.Rank)
				}
				if seen[s.ResidentID] {
					t.Errorf("%s suggested twice", s.ResidentName)
				}
				seen[s.ResidentID] = true
				if !need[s.ResidentID] {
					t.Errorf("%s does not need a move", s.ResidentName)
				}
				if len(s.Reasons) == 0 {
					t.Errorf("%s: no reasons", s.ResidentName)
				}
				if !s.Placed() {
					continue
				}
				placed++
				res := recs["residents"][s.ResidentID]
				svc := recs["services"][s.ServiceID]
				vac := recs["vacancies"][s.VacancyID]
				if vac == nil || vac.s("service_id") != s.ServiceID {
					t.Fatalf("%s: vacancy %s is not at %s", s.ResidentName, s.VacancyID, s.ServiceName)
				}
				used[s.VacancyID]++
				if s.Category != res.s("registration_category") || vac.s("category") != s.Category {
					t.Errorf("%s: category %s, needs %s, vacancy %s", s.ResidentName, s.Category, res.s("registration_category"), vac.s("category"))
				}
				var cats []string
				for _, c := range svc["registration_categories"].([]any) {
					cats = append(cats, c.(string))
				}
				if !slices.Contains(cats, s.Category) {
					t.Errorf("%s: %s is not registered for %s", s.ResidentName, s.ServiceName, s.Category)
				}
				if !vac.b("accepting") || svc.b("contracting_suspended") || svc.s("provider_id") == failingProvider {
					t.Errorf("%s: %s should not be suggested", s.ResidentName, s.ServiceName)
				}
				if o.opts.Areas == nil && svc.s("local_authority") != "Derby City Council" {
					t.Errorf("%s: %s is outside Derby by default", s.ResidentName, s.ServiceName)
				}
				if !slices.Contains(s.Reasons, "registered for "+s.Category) {
					t.Errorf("%s: reasons %q", s.ResidentName, s.Reasons)
				}
			}
			if len(seen) != len(need) {
				t.Errorf("%d residents suggested for, %d need a move", len(seen), len(need))
			}
			if placed == 0 {
				t.Error("nobody placed")
			}
			for id, n := range used {
				if places := int(recs["vacancies"][id]["places"].(float64)); n > places {
					t.Errorf("vacancy %s: %d suggested, %d places", id, n, places)
				}
			}
			// Flagged residents come first.
			flagged := func(id string) bool {
				r := recs["residents"][id]
				return r.b("very_frail") || r.b("assess_early") || r.b("wishes_to_move_early")
			}
			for i := 1; i < len(got); i++ {
				if flagged(got[i].ResidentID) && !flagged(got[i-1].ResidentID) {
					t.Errorf("flagged %s (rank %d) after unflagged %s", got[i].ResidentName, got[i].Rank, got[i-1].ResidentName)
				}
			}
		})
	}
}

// market builds a small synthetic incident: a failing home in Derby West,
// and the given services and vacancies.
type market struct {
	d Data
}

const synthIncident = "11111111-1111-4111-8111-111111111111"

func newMarket() *market {
	m := &market{d: Data{IncidentID: synthIncident, Records: map[string][]*syncproto.Record{}}}
	m.add("providers", "p-fail", map[string]any{"name": "Failing Ltd"})
	m.add("incidents", synthIncident, map[string]any{"incident_id": synthIncident, "provider_id": "p-fail", "service_ids": []string{"s-fail"}, "title": "Failing"})
	m.service("s-fail", "p-fail", "Failing Home", "Derby City Council", "Derby West", "residential", "residential_dementia")
	// The failing provider's other home, with places: never suggested.
	m.service("s-sister", "p-fail", "Sister Home", "Derby City Council", "Derby West", "residential")
	m.vacancy("v-sister", "s-sister", "residential", 9, true)
	return m
}

func (m *market) add(col, id string, f map[string]any) {
	m.d.Records[col] = append(m.d.Records[col], rec(col, id, f))
}

func (m *market) service(id, provider, name, la, area string, cats ...string) {
	m.add("services", id, map[string]any{"provider_id": provider, "name": name, "service_type": "residential", "local_authority": la, "area": area, "regulated": true, "registration_categories": cats})
}

func (m *market) vacancy(id, service, cat string, places int, accepting bool) {
	m.add("vacancies", id, map[string]any{"service_id": service, "category": cat, "places": places, "accepting": accepting})
}

func (m *market) resident(id, given, family, cat, group string, flags ...string) {
	f := map[string]any{"incident_id": synthIncident, "given_name": given, "family_name": family, "registration_category": cat, "current_service_id": "s-fail", "status": "in_placement"}
	if group != "" {
		f["friendship_group"] = group
	}
	for _, fl := range flags {
		f[fl] = true
	}
	m.add("residents", id, f)
}

// byResident indexes suggestions by resident family name.
func byResident(ss []Suggestion) map[string]Suggestion {
	m := map[string]Suggestion{}
	for _, s := range ss {
		m[s.ResidentName[strings.LastIndex(s.ResidentName, " ")+1:]] = s
	}
	return m
}

func hasReason(s Suggestion, part string) bool {
	for _, r := range s.Reasons {
		if strings.Contains(r, part) {
			return true
		}
	}
	return false
}

func TestSuggest_FriendshipGroup(t *testing.T) {
	garden := func(m *market) {
		m.resident("r1", "Edith", "Marsh", "residential_dementia", "Garden Room")
		m.resident("r2", "Harold", "Pickering", "residential", "Garden Room")
		m.resident("r3", "Dorothy", "Ashworth", "residential", "Garden Room")
	}
	cases := []struct {
		name  string
		setup func(m *market)
		check func(t *testing.T, got map[string]Suggestion)
	}{
		{
			name: "kept together where one service has room, over a nearer one that has not",
			setup: func(m *market) {
				garden(m)
				// Near: same area, but only 2 residential places and no dementia place.
				m.service("s-near", "p-near", "Near House", "Derby City Council", "Derby West", "residential", "residential_dementia")
				m.vacancy("v-near", "s-near", "residential", 2, true)
				// Room: same authority, room for all three.
				m.service("s-room", "p-room", "Roomy Grange", "Derby City Council", "Derby North East", "residential", "residential_dementia")
				m.vacancy("v-room-r", "s-room", "residential", 2, true)
				m.vacancy("v-room-d", "s-room", "residential_dementia", 1, true)
			},
			check: func(t *testing.T, got map[string]Suggestion) {
				for _, n := range []string{"Marsh", "Pickering", "Ashworth"} {
					s := got[n]
					if s.ServiceID != "s-room" {
						t.Errorf("%s: suggested %q, want Roomy Grange", n, s.ServiceName)
					}
					if !hasReason(s, "keeps the Garden Room friendship group together (3 of 3)") {
						t.Errorf("%s: reasons %q", n, s.Reasons)
					}
				}
			},
		},
		{
			name: "split when no service has room, the most kept together",
			setup: func(m *market) {
				garden(m)
				m.service("s-a", "p-a", "Alder House", "Derby City Council", "Derby West", "residential", "residential_dementia")
				m.vacancy("v-a-r", "s-a", "residential", 1, true)
				m.vacancy("v-a-d", "s-a", "residential_dementia", 1, true)
				m.service("s-b", "p-b", "Birch House", "Derby City Council", "Derby East", "residential")
				m.vacancy("v-b", "s-b", "residential", 1, true)
			},
			check: func(t *testing.T, got map[string]Suggestion) {
				at := map[string]int{}
				for _, s := range got {
					at[s.ServiceID]++
					if !hasReason(s, "split") {
						t.Errorf("%s: split not explained: %q", s.ResidentName, s.Reasons)
					}
				}
				if at["s-a"] != 2 || at["s-b"] != 1 {
					t.Errorf("placed %v, want 2 at Alder House and 1 at Birch House", at)
				}
				if !hasReason(got["Marsh"], "only 2 place(s) for the group here: group split") {
					t.Errorf("Marsh: reasons %q", got["Marsh"].Reasons)
				}
			},
		},
		{
			name: "joins members already moving",
			setup: func(m *market) {
				garden(m)
				m.service("s-x", "p-x", "Xylem Court", "Derby City Council", "Derby East", "residential", "residential_dementia")
				// Three places declared: the two moves below use two of them.
				m.vacancy("v-x-r", "s-x", "residential", 3, true)
				m.service("s-y", "p-y", "Yew Court", "Derby City Council", "Derby West", "residential", "residential_dementia")
				m.vacancy("v-y-r", "s-y", "residential", 5, true)
				m.vacancy("v-y-d", "s-y", "residential_dementia", 5, true)
				// Two are already planned to Xylem Court.
				m.add("moves", "m1", map[string]any{"incident_id": synthIncident, "resident_id": "r1", "from_service_id": "s-fail", "to_service_id": "s-x", "status": "planned"})
				m.add("moves", "m2", map[string]any{"incident_id": synthIncident, "resident_id": "r2", "from_service_id": "s-fail", "to_service_id": "s-x", "status": "completed"})
			},
			check: func(t *testing.T, got map[string]Suggestion) {
				if len(got) != 1 {
					t.Fatalf("%d suggestions, want Ashworth only", len(got))
				}
				s := got["Ashworth"]
				if s.ServiceID != "s-x" || !hasReason(s, "keeps the Garden Room friendship group together (3 of 3)") || !hasReason(s, "joins 2 member(s)") {
					t.Errorf("Ashworth: %s, %q", s.ServiceName, s.Reasons)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMarket()
			c.setup(m)
			ss := Suggest(m.d, SuggestOptions{})
			for _, s := range ss {
				if s.ServiceID == "s-sister" || s.ServiceID == "s-fail" {
					t.Errorf("%s: suggested the failing provider's %s", s.ResidentName, s.ServiceName)
				}
			}
			c.check(t, byResident(ss))
		})
	}
}

func TestSuggest_Exclusions(t *testing.T) {
	cases := []struct {
		name  string
		setup func(m *market)
		why   string // part of the unplaced reason
	}{
		{"not registered for the category", func(m *market) {
			m.service("s-x", "p-x", "Wrong Category House", "Derby City Council", "Derby West", "residential")
			m.vacancy("v-x", "s-x", "residential_dementia", 10, true)
		}, "not registered for residential_dementia"},
		{"not registered with CQC", func(m *market) {
			m.add("services", "s-x", map[string]any{"provider_id": "p-x", "name": "Unregistered House", "service_type": "residential", "local_authority": "Derby City Council", "regulated": false, "registration_categories": []string{"residential_dementia"}})
			m.vacancy("v-x", "s-x", "residential_dementia", 10, true)
		}, "not registered with CQC"},
		{"not accepting", func(m *market) {
			m.service("s-x", "p-x", "Paused House", "Derby City Council", "Derby West", "residential_dementia")
			m.vacancy("v-x", "s-x", "residential_dementia", 10, false)
		}, "not accepting"},
		{"no places", func(m *market) {
			m.service("s-x", "p-x", "Full House", "Derby City Council", "Derby West", "residential_dementia")
			m.vacancy("v-x", "s-x", "residential_dementia", 0, true)
		}, "no places"},
		{"places used by planned and completed moves", func(m *market) {
			m.service("s-x", "p-x", "Full House", "Derby City Council", "Derby West", "residential_dementia")
			m.vacancy("v-x", "s-x", "residential_dementia", 2, true)
			for _, k := range []string{"a", "b"} {
				m.resident("r-"+k, "Moved", "Already "+k, "residential_dementia", "")
			}
			m.add("moves", "m-a", map[string]any{"incident_id": synthIncident, "resident_id": "r-a", "from_service_id": "s-fail", "to_service_id": "s-x", "status": "planned"})
			m.add("moves", "m-b", map[string]any{"incident_id": synthIncident, "resident_id": "r-b", "from_service_id": "s-fail", "to_service_id": "s-x", "status": "completed"})
		}, "no places left: 2 declared, 2 used by planned or completed moves"},
		{"provider suspended", func(m *market) {
			m.add("providers", "p-x", map[string]any{"name": "Suspended Ltd", "contracting_suspended": true})
			m.service("s-x", "p-x", "Suspended House", "Derby City Council", "Derby West", "residential_dementia")
			m.vacancy("v-x", "s-x", "residential_dementia", 10, true)
		}, "suspended"},
		{"rated RED", func(m *market) {
			m.service("s-x", "p-x", "Red House", "Derby City Council", "Derby West", "residential_dementia")
			m.vacancy("v-x", "s-x", "residential_dementia", 10, true)
			m.add("rag_statuses", "g1", map[string]any{"provider_id": "p-x", "status": "AMBER", "decided_at": "2026-11-01T10:00:00Z"})
			m.add("rag_statuses", "g2", map[string]any{"provider_id": "p-x", "service_id": "s-x", "status": "RED", "decided_at": "2026-11-02T10:00:00Z"})
		}, "rated RED"},
		{"closing", func(m *market) {
			m.add("services", "s-x", map[string]any{"provider_id": "p-x", "name": "Closing House", "service_type": "residential", "local_authority": "Derby City Council", "regulated": true, "registration_categories": []string{"residential_dementia"}, "operating_status": "closing"})
			m.vacancy("v-x", "s-x", "residential_dementia", 10, true)
		}, "closing"},
		{"outside the areas", func(m *market) {
			m.service("s-x", "p-x", "Far House", "Nottinghamshire County Council", "Gedling", "residential_dementia")
			m.vacancy("v-x", "s-x", "residential_dementia", 10, true)
		}, "outside the areas chosen: Far House"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMarket()
			m.resident("r1", "Walter", "Greaves", "residential_dementia", "")
			c.setup(m)
			ss := Suggest(m.d, SuggestOptions{})
			if len(ss) != 1 {
				t.Fatalf("%d suggestions", len(ss))
			}
			if ss[0].Placed() {
				t.Fatalf("suggested %s", ss[0].ServiceName)
			}
			if !hasReason(ss[0], c.why) {
				t.Errorf("reasons %q do not say %q", ss[0].Reasons, c.why)
			}
		})
	}
	t.Run("no registration category recorded", func(t *testing.T) {
		m := newMarket()
		m.resident("r0", "Nell", "Nocat", "", "")
		m.resident("r1", "Walter", "Greaves", "residential_dementia", "")
		m.service("s-ok", "p-ok", "Right House", "Derby City Council", "Derby East", "residential_dementia")
		m.vacancy("v-ok", "s-ok", "residential_dementia", 1, true)
		ss := Suggest(m.d, SuggestOptions{})
		if len(ss) != 2 || ss[0].ServiceID != "s-ok" || ss[1].Placed() || ss[1].Rank != 2 || !hasReason(ss[1], "no registration category") {
			t.Fatalf("got %+v", ss)
		}
	})
	t.Run("the registered service is chosen over a nearer unregistered one", func(t *testing.T) {
		m := newMarket()
		m.resident("r1", "Walter", "Greaves", "residential_dementia", "")
		m.service("s-x", "p-x", "Wrong Category House", "Derby City Council", "Derby West", "residential")
		m.vacancy("v-x", "s-x", "residential_dementia", 10, true)
		m.service("s-ok", "p-ok", "Right House", "Derby City Council", "Derby East", "residential_dementia")
		m.vacancy("v-ok", "s-ok", "residential_dementia", 1, true)
		ss := Suggest(m.d, SuggestOptions{})
		if len(ss) != 1 || ss[0].ServiceID != "s-ok" {
			t.Fatalf("got %+v", ss)
		}
	})
}

func TestSuggest_AreasAndPriority(t *testing.T) {
	setup := func() *market {
		m := newMarket()
		m.resident("r1", "Ann", "Able", "residential", "")
		m.resident("r2", "Zena", "Zed", "residential", "", "very_frail")
		m.service("s-near", "p-near", "Near House", "Derby City Council", "Derby West", "residential")
		m.vacancy("v-near", "s-near", "residential", 1, true)
		m.service("s-far", "p-far", "Far House", "Derbyshire County Council", "Amber Valley", "residential")
		m.vacancy("v-far", "s-far", "residential", 1, true)
		return m
	}
	cases := []struct {
		name           string
		opts           SuggestOptions
		zed, able      string // service ids; "" unplaced
		ableReasonPart string
	}{
		{"default keeps to the home's authority; the very frail first", SuggestOptions{}, "s-near", "", "places for residential outside the areas chosen: Far House"},
		{"an area by name", SuggestOptions{Areas: []string{"Amber Valley"}}, "s-near", "s-far", "outside the home's local authority: Amber Valley"},
		{"any area", SuggestOptions{Areas: []string{"ANY"}}, "s-near", "s-far", "within the areas chosen"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ss := Suggest(setup().d, c.opts)
			got := byResident(ss)
			if ss[0].ResidentName != "Zena Zed" {
				t.Errorf("first considered: %s", ss[0].ResidentName)
			}
			if got["Zed"].ServiceID != c.zed || got["Able"].ServiceID != c.able {
				t.Errorf("Zed → %q, Able → %q; want %q, %q", got["Zed"].ServiceID, got["Able"].ServiceID, c.zed, c.able)
			}
			if !hasReason(got["Zed"], "same area (Derby West, Derby City Council)") || !hasReason(got["Zed"], "very frail") {
				t.Errorf("Zed: reasons %q", got["Zed"].Reasons)
			}
			if !hasReason(got["Able"], c.ableReasonPart) {
				t.Errorf("Able: reasons %q", got["Able"].Reasons)
			}
		})
	}
}

// TestSuggest_StatedPreferences: "Check choice(s) of area/services available
// ... with resident/carer" (003 Appendix 2, 7.2) and "Decision by
// customer/carer on new provision" (7.9): a home or area the person or their
// family asked for comes before a nearer one.
func TestSuggest_StatedPreferences(t *testing.T) {
	cases := []struct {
		name string
		pref map[string]any
		want string
	}{
		{"no preference: the same area first", nil, "s-near"},
		{"003 App.2 7.2 a preferred home comes first", map[string]any{"preferred_service_ids": []string{"s-far"}}, "s-far"},
		{"003 App.2 7.2 a preferred area comes first, even outside the home's authority", map[string]any{"preferred_areas": []string{"Amber Valley"}}, "s-far"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMarket()
			m.resident("r1", "Edith", "Marsh", "residential", "")
			if c.pref != nil {
				r := m.d.Records["residents"][len(m.d.Records["residents"])-1]
				f := map[string]any{"incident_id": synthIncident, "given_name": "Edith", "family_name": "Marsh", "registration_category": "residential",
					"current_service_id": "s-fail", "status": "in_placement"}
				for k, v := range c.pref {
					f[k] = v
				}
				m.d.Records["residents"][len(m.d.Records["residents"])-1] = rec("residents", r.ID, f)
			}
			m.service("s-near", "p-near", "Near House", "Derby City Council", "Derby West", "residential")
			m.vacancy("v-near", "s-near", "residential", 2, true)
			m.service("s-far", "p-far", "Far House", "Derbyshire County Council", "Amber Valley", "residential")
			m.vacancy("v-far", "s-far", "residential", 2, true)
			got := byResident(Suggest(m.d, SuggestOptions{}))["Marsh"]
			if got.ServiceID != c.want {
				t.Fatalf("suggested %s, want %s (%q)", got.ServiceName, c.want, got.Reasons)
			}
			if c.pref != nil && !hasReason(got, "stated preferences") {
				t.Fatalf("reasons %q", got.Reasons)
			}
		})
	}
}
