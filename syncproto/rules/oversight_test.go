package rules

import (
	"fmt"
	"slices"
	"testing"
)

// spread returns beds split over n areas, with an unknown area total.
func spread(total, n int) []AreaBeds {
	out := make([]AreaBeds, n)
	for i := range out {
		out[i] = AreaBeds{Area: fmt.Sprintf("LA%02d", i+1), ProviderBeds: total / n}
	}
	out[0].ProviderBeds += total % n
	return out
}

func TestResidentialOversight_SeedCriteria(t *testing.T) {
	tests := []struct {
		name     string
		areas    []AreaBeds
		eligible bool
		criteria []string
	}{
		{"003 s.5 residential (a): at least 2,000 beds, one area", []AreaBeds{{Area: "Derby City", ProviderBeds: 2000}}, true, []string{CriterionResidentialA}},
		{"003 s.5 residential (a): 2,000 beds over 20 areas is (a) not (b)", spread(2000, 20), true, []string{CriterionResidentialA}},
		{"003 s.5 residential (a) boundary: 1,999 beds in one area is not enough", []AreaBeds{{Area: "Derby City", ProviderBeds: 1999}}, false, nil},
		{"003 s.5 residential (b): 1,000 beds with a bed in 16 areas", spread(1000, 16), true, []string{CriterionResidentialB}},
		{"003 s.5 residential (b): 1,999 beds with a bed in 16 areas", spread(1999, 16), true, []string{CriterionResidentialB}},
		{"003 s.5 residential (b) boundary: a bed in only 15 areas", spread(1999, 15), false, nil},
		{"003 s.5 residential (b) boundary: 999 beds in 16 areas is below 1,000", spread(999, 16), false, nil},
		{"003 s.5 residential (b): an area with 0 beds does not count", append(spread(1500, 15), AreaBeds{Area: "Empty", ProviderBeds: 0}), false, nil},
		{"003 s.5 residential (c): more than 10% of total capacity in 3 areas", []AreaBeds{
			{Area: "Derby City", ProviderBeds: 400, AreaTotalBeds: 2000},
			{Area: "Derbyshire", ProviderBeds: 400, AreaTotalBeds: 3000},
			{Area: "Nottingham", ProviderBeds: 200, AreaTotalBeds: 1500},
		}, true, []string{CriterionResidentialC}},
		{"003 s.5 residential (c) boundary: exactly 10% is not more than 10%", []AreaBeds{
			{Area: "Derby City", ProviderBeds: 400, AreaTotalBeds: 2000},
			{Area: "Derbyshire", ProviderBeds: 400, AreaTotalBeds: 3000},
			{Area: "Nottingham", ProviderBeds: 200, AreaTotalBeds: 2000},
		}, false, nil},
		{"003 s.5 residential (c): only 2 areas above 10%", []AreaBeds{
			{Area: "Derby City", ProviderBeds: 500, AreaTotalBeds: 2000},
			{Area: "Derbyshire", ProviderBeds: 500, AreaTotalBeds: 3000},
		}, false, nil},
		{"003 s.5 residential (c): unknown area totals cannot count", []AreaBeds{
			{Area: "Derby City", ProviderBeds: 400},
			{Area: "Derbyshire", ProviderBeds: 400},
			{Area: "Nottingham", ProviderBeds: 200},
		}, false, nil},
		{"003 s.5 residential (c) needs 1,000 beds: 3 dominant areas but 999 beds", []AreaBeds{
			{Area: "Derby City", ProviderBeds: 400, AreaTotalBeds: 1000},
			{Area: "Derbyshire", ProviderBeds: 400, AreaTotalBeds: 1000},
			{Area: "Nottingham", ProviderBeds: 199, AreaTotalBeds: 1000},
		}, false, nil},
		{"003 s.5 residential (b) and (c) both met", append(spread(1000, 13), []AreaBeds{
			{Area: "X1", ProviderBeds: 50, AreaTotalBeds: 100},
			{Area: "X2", ProviderBeds: 50, AreaTotalBeds: 100},
			{Area: "X3", ProviderBeds: 50, AreaTotalBeds: 100},
		}...), true, []string{CriterionResidentialB, CriterionResidentialC}},
		{"003 s.5: entries for the same area are added together", []AreaBeds{
			{Area: "Derby City", ProviderBeds: 1000},
			{Area: " Derby City ", ProviderBeds: 1000},
		}, true, []string{CriterionResidentialA}},
		{"003 s.5: no beds", nil, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ResidentialOversight(ResidentialCapacity{Areas: tc.areas})
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if d.Eligible != tc.eligible || !slices.Equal(d.Criteria, tc.criteria) {
				t.Fatalf("got eligible=%v criteria=%v, want %v %v\nreasons: %v", d.Eligible, d.Criteria, tc.eligible, tc.criteria, d.Reasons)
			}
			if len(d.Reasons) != 3 {
				t.Errorf("want a reason for each of (a), (b), (c); got %v", d.Reasons)
			}
		})
	}
}

func TestResidentialOversight_RejectsNegativeBeds(t *testing.T) {
	_, err := ResidentialOversight(ResidentialCapacity{Areas: []AreaBeds{{Area: "Derby City", ProviderBeds: -1}}})
	vs, ok := err.(Violations)
	if !ok || !vs.Has(CodeInvalidInput) {
		t.Fatalf("want invalid_input, got %v", err)
	}
}

func TestNonResidentialOversight_SeedCriteria(t *testing.T) {
	tests := []struct {
		name     string
		hours    float64
		people   int
		eligible bool
		criteria []string
	}{
		{"003 s.5 non-residential (a): at least 30,000 hours in a week", 30000, 100, true, []string{CriterionNonResidentialA}},
		{"003 s.5 non-residential (a) boundary: 29,999 hours, 799 people", 29999, 799, false, nil},
		{"003 s.5 non-residential (b): at least 2,000 people", 20000, 2000, true, []string{CriterionNonResidentialB}},
		{"003 s.5 non-residential (b) boundary: 1,999 people at 10 hours each", 19990, 1999, false, nil},
		{"003 s.5 non-residential (c) seed example: 900 people need more than 27,000 hours (27,001)", 27001, 900, true, []string{CriterionNonResidentialC}},
		{"003 s.5 non-residential (c) seed example: 900 people and exactly 27,000 hours is not enough", 27000, 900, false, nil},
		{"003 s.5 non-residential (c) seed example: 900 people and 26,999 hours", 26999, 900, false, nil},
		{"003 s.5 non-residential (c): 800 people and 24,001 hours", 24001, 800, true, []string{CriterionNonResidentialC}},
		{"003 s.5 non-residential (c) boundary: 800 people and 24,000 hours (exactly 30)", 24000, 800, false, nil},
		{"003 s.5 non-residential (c) boundary: 799 people even at 37 hours each", 29563, 799, false, nil},
		{"003 s.5 non-residential (c): fractional hours just over 30 a person", 27000.5, 900, true, []string{CriterionNonResidentialC}},
		{"003 s.5 non-residential (a) and (b) and (c)", 70000, 2000, true, []string{CriterionNonResidentialA, CriterionNonResidentialB, CriterionNonResidentialC}},
		{"003 s.5 non-residential (a) and (c)", 30000, 900, true, []string{CriterionNonResidentialA, CriterionNonResidentialC}},
		{"003 s.5 non-residential: nothing", 0, 0, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NonResidentialOversight(NonResidentialCapacity{HoursPerWeek: tc.hours, PeoplePerWeek: tc.people})
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if d.Eligible != tc.eligible || !slices.Equal(d.Criteria, tc.criteria) {
				t.Fatalf("got eligible=%v criteria=%v, want %v %v\nreasons: %v", d.Eligible, d.Criteria, tc.eligible, tc.criteria, d.Reasons)
			}
		})
	}
}

func TestNonResidentialOversight_SeedExampleReason(t *testing.T) {
	// 003 s.5 (c): "if 900 people receive care in a week then more than 27,000
	// hours of care must be provided in that week".
	d, _ := NonResidentialOversight(NonResidentialCapacity{HoursPerWeek: 27000, PeoplePerWeek: 900})
	want := "003 s.5 non-residential (c) not met: for 900 people more than 27000 hours of care must be provided in the week, not 27000"
	if !slices.Contains(d.Reasons, want) {
		t.Fatalf("reasons %q lack %q", d.Reasons, want)
	}
}

func TestNonResidentialOversight_RejectsNegatives(t *testing.T) {
	_, err := NonResidentialOversight(NonResidentialCapacity{HoursPerWeek: -1, PeoplePerWeek: -1})
	vs, ok := err.(Violations)
	if !ok || len(vs) != 2 {
		t.Fatalf("want two invalid_input violations, got %v", err)
	}
}
