package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestCheckDestinationTriggers_003App2_7_6(t *testing.T) {
	commissioner := DestinationOverride{Reason: "s.42 enquiry found no risk to new residents", Role: RoleCommissioner}
	tests := []struct {
		name  string
		d     DestinationFacts
		o     DestinationOverride
		codes []string
	}{
		{"no concerns", DestinationFacts{ServiceID: "s", CQCRating: "good"}, DestinationOverride{}, nil},
		{"requires improvement does not hold a move back", DestinationFacts{ServiceID: "s", CQCRating: "requires_improvement"}, DestinationOverride{}, nil},
		{"CQC Inadequate", DestinationFacts{ServiceID: "s", CQCRating: "Inadequate"}, DestinationOverride{}, []string{CodeDestinationCQCInadequate}},
		{"a safeguarding concern not yet resolved", DestinationFacts{ServiceID: "s", UnresolvedSafeguarding: []string{"MASH-1"}}, DestinationOverride{}, []string{CodeDestinationSafeguarding}},
		{"both", DestinationFacts{ServiceID: "s", CQCRating: "inadequate", UnresolvedSafeguarding: []string{"MASH-1"}}, DestinationOverride{},
			[]string{CodeDestinationCQCInadequate, CodeDestinationSafeguarding}},
		{"the commissioner's override", DestinationFacts{ServiceID: "s", CQCRating: "inadequate", UnresolvedSafeguarding: []string{"MASH-1"}}, commissioner, nil},
		{"an override by a social worker is refused and does not count", DestinationFacts{ServiceID: "s", CQCRating: "inadequate"},
			DestinationOverride{Reason: "family keen", Role: RoleSocialWorker}, []string{CodeOverrideNotPermitted, CodeDestinationCQCInadequate}},
		{"a role without a reason is no override", DestinationFacts{ServiceID: "s", CQCRating: "inadequate"}, DestinationOverride{Role: RoleCommissioner}, []string{CodeDestinationCQCInadequate}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := CheckDestinationTriggers(tc.d, tc.o)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("codes %v, want %v", vs.Codes(), tc.codes)
			}
			for _, v := range vs {
				if v.Code != CodeOverrideNotPermitted && !strings.Contains(v.Message, "ensure there are no concerns about the Care Provider") {
					t.Errorf("message %q does not quote 7.6", v.Message)
				}
			}
		})
	}
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPlacesLeft_PlannedAndCompletedMovesUsePlaces(t *testing.T) {
	const svc, dementia = "oakwood", RegistrationCategory("residential_dementia")
	vac := []Vacancy{{ID: "v1", ServiceID: svc, Category: dementia, Places: 3, Accepting: true, AsOf: day("2026-11-20")},
		{ID: "v2", ServiceID: svc, Category: "residential", Places: 4, Accepting: true}}
	move := func(id string, st MoveStatus, done string) Placement {
		p := Placement{MoveID: id, ServiceID: svc, Category: dementia, Status: st}
		if done != "" {
			p.CompletedAt, _ = time.Parse(time.RFC3339, done)
		}
		return p
	}
	tests := []struct {
		name       string
		moves      []Placement
		used, left int
	}{
		{"none", nil, 0, 3},
		{"a planned move uses one", []Placement{move("a", MovePlanned, "")}, 1, 2},
		{"so do in-progress and completed moves", []Placement{move("a", MovePlanned, ""), move("b", MoveInProgress, ""), move("c", MoveCompleted, "2026-11-24T11:00:00Z")}, 3, 0},
		{"issue: five dementia moves into 3 places", []Placement{move("a", MoveCompleted, "2026-11-24T11:00:00Z"), move("b", MoveCompleted, "2026-11-24T12:00:00Z"),
			move("c", MoveCompleted, "2026-11-24T13:00:00Z"), move("d", MoveCompleted, "2026-11-24T14:00:00Z"), move("e", MoveCompleted, "2026-11-24T15:00:00Z")}, 5, -2},
		{"a cancelled move does not", []Placement{move("a", MoveCancelled, "")}, 0, 3},
		{"a move completed before the figure was confirmed is already in the home", []Placement{move("a", MoveCompleted, "2026-11-19T16:00:00Z")}, 0, 3},
		{"one completed on the day it was confirmed counts", []Placement{move("a", MoveCompleted, "2026-11-20T09:00:00Z")}, 1, 2},
		{"the day is London's: 23:30 UTC on 19 November is still the 19th", []Placement{move("a", MoveCompleted, "2026-11-19T23:30:00Z")}, 0, 3},
		{"another category or service does not", []Placement{{MoveID: "r", ServiceID: svc, Category: "residential", Status: MovePlanned},
			{MoveID: "x", ServiceID: "elsewhere", Category: dementia, Status: MovePlanned}}, 0, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := PlacesLeft(vac, tc.moves, svc, dementia)
			if !p.Known || !p.Accepting || p.Declared != 3 || p.Used != tc.used || p.Left != tc.left {
				t.Errorf("PlacesLeft = %+v, want used %d left %d", p, tc.used, tc.left)
			}
		})
	}
	t.Run("no vacancy record: nothing known", func(t *testing.T) {
		if p := PlacesLeft(vac, []Placement{move("a", MovePlanned, "")}, "unknown", dementia); p.Known || p.Used != 0 {
			t.Errorf("PlacesLeft = %+v", p)
		}
	})
	t.Run("a vacancy not accepting offers none", func(t *testing.T) {
		p := PlacesLeft([]Vacancy{{ServiceID: svc, Category: dementia, Places: 3}}, nil, svc, dementia)
		if !p.Known || p.Accepting || p.Declared != 0 || p.Left != 0 {
			t.Errorf("PlacesLeft = %+v", p)
		}
	})
}

func TestCheckVacancy_003App2_2_9(t *testing.T) {
	const svc, dementia = "oakwood", RegistrationCategory("residential_dementia")
	vac := []Vacancy{{ID: "v1", ServiceID: svc, Category: dementia, Places: 3, Accepting: true, AsOf: day("2026-11-20")}}
	planned := func(id string) Placement {
		return Placement{MoveID: id, ServiceID: svc, Category: dementia, Status: MovePlanned}
	}
	three := []Placement{planned("a"), planned("b"), planned("c")}
	commissioner := VacancyOverride{Reason: "a fourth room agreed by phone", Role: RoleCommissioner}
	tests := []struct {
		name   string
		vac    []Vacancy
		others []Placement
		m      Placement
		o      VacancyOverride
		codes  []string
		says   string
	}{
		{"the third place", vac, three[:2], planned("c"), VacancyOverride{}, nil, ""},
		{"issue: a fourth beyond the 3 places declared", vac, three, planned("d"), VacancyOverride{}, []string{CodeVacancyOverbooked}, "has 3 place(s) for residential_dementia as of 2026-11-20 and 3 are taken"},
		{"a move already counted is itself, not another", vac, three, planned("c"), VacancyOverride{}, nil, ""},
		{"a completed move is judged as a planned one", vac, three, Placement{MoveID: "d", ServiceID: svc, Category: dementia, Status: MoveCompleted}, VacancyOverride{}, []string{CodeVacancyOverbooked}, ""},
		{"a cancelled move takes no place", vac, three, Placement{MoveID: "d", ServiceID: svc, Category: dementia, Status: MoveCancelled}, VacancyOverride{}, nil, ""},
		{"the commissioner's override", vac, three, planned("d"), commissioner, nil, ""},
		{"an override by a social worker", vac, three, planned("d"), VacancyOverride{Reason: "keen", Role: RoleSocialWorker}, []string{CodeOverrideNotPermitted, CodeVacancyOverbooked}, ""},
		{"not accepting placements", []Vacancy{{ServiceID: svc, Category: dementia, Places: 3, AsOf: day("2026-11-19")}}, nil, planned("a"), VacancyOverride{}, []string{CodeVacancyOverbooked}, "is not accepting placements for residential_dementia as of 2026-11-19"},
		{"no vacancy record: not judged", nil, three, planned("d"), VacancyOverride{}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := CheckVacancy(tc.vac, tc.others, tc.m, tc.o)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("codes %v, want %v (%v)", vs.Codes(), tc.codes, vs)
			}
			if tc.says != "" && !strings.Contains(vs.Error(), tc.says) {
				t.Errorf("%q does not say %q", vs.Error(), tc.says)
			}
			if vs.Has(CodeVacancyOverbooked) && !strings.Contains(vs.Error(), "potential capacity") {
				t.Errorf("%q does not quote 2.9", vs.Error())
			}
		})
	}
}

// TestPlacesLeft_Property: what is left does not depend on the order of the
// moves, equals the declared places less the moves an independent count
// finds, and no sequence of moves each admitted by CheckVacancy (without
// override) ever leaves fewer than zero places.
func TestPlacesLeft_Property(t *testing.T) {
	statuses := []MoveStatus{MovePlanned, MoveInProgress, MoveCompleted, MoveCancelled}
	cats := []RegistrationCategory{"residential", "residential_dementia"}
	rapid.Check(t, func(t *rapid.T) {
		places := rapid.IntRange(0, 5).Draw(t, "places")
		vac := []Vacancy{{ID: "v", ServiceID: "s", Category: cats[1], Places: places, Accepting: rapid.Bool().Draw(t, "accepting"), AsOf: day("2026-11-20")}}
		n := rapid.IntRange(0, 12).Draw(t, "moves")
		var admitted, all []Placement
		for i := range n {
			p := Placement{MoveID: fmt.Sprint("m", i), ServiceID: rapid.SampledFrom([]string{"s", "t"}).Draw(t, "service"),
				Category: rapid.SampledFrom(cats).Draw(t, "category"), Status: rapid.SampledFrom(statuses).Draw(t, "status")}
			if p.Status == MoveCompleted && rapid.Bool().Draw(t, "completed before as_of") {
				p.CompletedAt = time.Date(2026, 11, 19, 12, 0, 0, 0, time.UTC)
			}
			all = append(all, p)
			if len(CheckVacancy(vac, admitted, p, VacancyOverride{})) == 0 {
				admitted = append(admitted, p)
			}
		}
		// Independent count.
		want := 0
		for _, p := range all {
			if p.ServiceID == "s" && p.Category == cats[1] && p.Status != MoveCancelled && p.CompletedAt.IsZero() {
				want++
			}
		}
		got := PlacesLeft(vac, all, "s", cats[1])
		declared := 0
		if vac[0].Accepting {
			declared = places
		}
		if got.Used != want || got.Left != declared-want {
			t.Fatalf("PlacesLeft = %+v, want used %d of %d", got, want, declared)
		}
		shuffled := slices.Clone(all)
		slices.Reverse(shuffled)
		if again := PlacesLeft(vac, shuffled, "s", cats[1]); again.Used != got.Used || again.Left != got.Left {
			t.Fatalf("order changed the answer: %+v then %+v", got, again)
		}
		if left := PlacesLeft(vac, admitted, "s", cats[1]).Left; left < 0 {
			t.Fatalf("moves admitted one by one over-booked: %d left", left)
		}
	})
}
