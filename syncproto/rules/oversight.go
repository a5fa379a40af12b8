package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Decision is the answer of an eligibility rule. Eligible is the verdict;
// Criteria lists the stable codes of the criteria that were met (empty when
// none); Reasons explains, in the seed's words, each criterion considered.
type Decision struct {
	Eligible bool     `json:"eligible"`           // the verdict
	Criteria []string `json:"criteria,omitempty"` // stable codes of the criteria met
	Reasons  []string `json:"reasons"`            // each criterion considered, in the seed's words
}

// Market-oversight criterion codes (003 s.5), as returned in Decision.Criteria.
const (
	// CriterionResidentialA: at least 2,000 beds anywhere in England.
	CriterionResidentialA = "residential_a"
	// CriterionResidentialB: 1,000 to less than 2,000 beds, with at least one
	// bed in 16 or more local-authority areas.
	CriterionResidentialB = "residential_b"
	// CriterionResidentialC: 1,000 to less than 2,000 beds, and in at least 3
	// local-authority areas the provider's capacity is more than 10% of the
	// total capacity in that area.
	CriterionResidentialC = "residential_c"
	// CriterionNonResidentialA: at least 30,000 hours of care a week.
	CriterionNonResidentialA = "non_residential_a"
	// CriterionNonResidentialB: at least 2,000 people receive care in a week.
	CriterionNonResidentialB = "non_residential_b"
	// CriterionNonResidentialC: at least 800 people receive care in a week and
	// hours divided by people is more than 30.
	CriterionNonResidentialC = "non_residential_c"
)

// Figures of the CQC market-oversight criteria, 003 s.5.
const (
	// OversightBedsLarge is criterion (a): "at least 2,000" beds.
	OversightBedsLarge = 2000
	// OversightBedsMid is the floor of criteria (b) and (c): "between a total of
	// 1,000 and less than 2,000".
	OversightBedsMid = 1000
	// OversightAreasWithABed is criterion (b): "at least 1 bed in 16 or more
	// local authority areas".
	OversightAreasWithABed = 16
	// OversightAreasWithShare is criterion (c): "at least 3 local authority areas".
	OversightAreasWithShare = 3
	// OversightAreaSharePercent is criterion (c): "more than 10%".
	OversightAreaSharePercent = 10
	// OversightHoursLarge is non-residential (a): "at least 30,000 hours".
	OversightHoursLarge = 30000
	// OversightPeopleLarge is non-residential (b): "at least 2,000 people".
	OversightPeopleLarge = 2000
	// OversightPeopleMid is non-residential (c): "at least 800 people".
	OversightPeopleMid = 800
	// OversightHoursPerPerson is non-residential (c): hours divided by people
	// "must be more than 30".
	OversightHoursPerPerson = 30
)

// AreaBeds is a residential provider's capacity in one local-authority area.
type AreaBeds struct {
	// Area names the local-authority area (e.g. "Derby City").
	Area string
	// ProviderBeds is the provider's beds in the area.
	ProviderBeds int
	// AreaTotalBeds is the total residential capacity of the area, all
	// providers together; 0 when not known. Criterion (c) needs it.
	AreaTotalBeds int
}

// ResidentialCapacity is a residential provider's bed capacity in England,
// area by area. Entries naming the same area are added together.
type ResidentialCapacity struct {
	Areas []AreaBeds // capacity area by area, as recorded locally
	// DeclaredTotalBeds is the provider's declared bed capacity anywhere in
	// England (providers.total_beds); 0 when not declared. The test counts
	// "at least 2,000 anywhere in England", not the beds recorded here, so
	// the larger of this and the areas' sum is used.
	DeclaredTotalBeds int
	// DeclaredAreasWithBeds is the number of local-authority areas in which
	// the provider declares at least one bed; 0 when not declared. The
	// larger of this and the areas recorded with a bed is used for (b).
	DeclaredAreasWithBeds int
}

// NonResidentialCapacity is a non-residential provider's weekly activity
// anywhere in England.
type NonResidentialCapacity struct {
	// HoursPerWeek is the hours of care provided in a week.
	HoursPerWeek float64
	// PeoplePerWeek is the number of people provided with care in that week.
	PeoplePerWeek int
}

// ResidentialOversight decides whether a residential care provider falls
// under CQC's market-oversight regime (003 s.5, "Residential care criteria").
// It returns an error (Violations, CodeInvalidInput) only for negative figures.
//
// Criterion (c) is read as the seed words it: the provider's capacity in an
// area is more than 10% of the total capacity in that area (its market share
// there); an area whose total is unknown (0) cannot count towards (c).
func ResidentialOversight(c ResidentialCapacity) (Decision, error) {
	var vs Violations
	byArea := map[string]AreaBeds{}
	for i, a := range c.Areas {
		if a.ProviderBeds < 0 || a.AreaTotalBeds < 0 {
			vs = append(vs, violation(CodeInvalidInput, fmt.Sprintf("areas.%d", i), "bed figures cannot be negative (area %q)", a.Area))
			continue
		}
		key := strings.TrimSpace(a.Area)
		agg := byArea[key]
		agg.Area = key
		agg.ProviderBeds += a.ProviderBeds
		if a.AreaTotalBeds > agg.AreaTotalBeds {
			agg.AreaTotalBeds = a.AreaTotalBeds
		}
		byArea[key] = agg
	}
	if c.DeclaredTotalBeds < 0 || c.DeclaredAreasWithBeds < 0 {
		vs = append(vs, violation(CodeInvalidInput, "declared_total_beds", "declared figures cannot be negative"))
	}
	if len(vs) > 0 {
		return Decision{}, vs
	}
	areas := make([]string, 0, len(byArea))
	total, withBed := 0, 0
	for name, a := range byArea {
		areas = append(areas, name)
		total += a.ProviderBeds
		if a.ProviderBeds >= 1 {
			withBed++
		}
	}
	sort.Strings(areas)
	var declared []string
	if c.DeclaredTotalBeds > total {
		declared = append(declared, fmt.Sprintf("the provider declares %d beds in England (%d recorded locally)", c.DeclaredTotalBeds, total))
		total = c.DeclaredTotalBeds
	}
	if c.DeclaredAreasWithBeds > withBed {
		declared = append(declared, fmt.Sprintf("the provider declares beds in %d local authority areas (%d recorded locally)", c.DeclaredAreasWithBeds, withBed))
		withBed = c.DeclaredAreasWithBeds
	}
	var shareAreas, unknownAreas []string
	for _, name := range areas {
		a := byArea[name]
		switch {
		case a.ProviderBeds == 0:
		case a.AreaTotalBeds == 0:
			unknownAreas = append(unknownAreas, name)
		case a.ProviderBeds*100 > OversightAreaSharePercent*a.AreaTotalBeds:
			shareAreas = append(shareAreas, name)
		}
	}

	var d Decision
	if len(declared) > 0 {
		d.Reasons = append(d.Reasons, "003 s.5 counts bed capacity anywhere in England: "+strings.Join(declared, "; "))
	}
	mid := total >= OversightBedsMid && total < OversightBedsLarge
	if total >= OversightBedsLarge {
		d.Criteria = append(d.Criteria, CriterionResidentialA)
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 residential (a): %d beds is at least 2,000 anywhere in England", total))
	} else {
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 residential (a) not met: %d beds is fewer than 2,000", total))
	}
	switch {
	case mid && withBed >= OversightAreasWithABed:
		d.Criteria = append(d.Criteria, CriterionResidentialB)
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 residential (b): %d beds (between 1,000 and less than 2,000) with at least 1 bed in %d local authority areas (16 or more)", total, withBed))
	case mid:
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 residential (b) not met: a bed in %d local authority areas, fewer than 16", withBed))
	default:
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 residential (b) not met: %d beds is not between 1,000 and less than 2,000", total))
	}
	switch {
	case mid && len(shareAreas) >= OversightAreasWithShare:
		d.Criteria = append(d.Criteria, CriterionResidentialC)
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 residential (c): capacity is more than 10%% of the total capacity in %d local authority areas (%s), at least 3", len(shareAreas), strings.Join(shareAreas, ", ")))
	case mid:
		r := fmt.Sprintf("003 s.5 residential (c) not met: capacity is more than 10%% of the area's total in %d local authority areas, fewer than 3", len(shareAreas))
		if len(unknownAreas) > 0 {
			r += fmt.Sprintf(" (area totals unknown for %s)", strings.Join(unknownAreas, ", "))
		}
		d.Reasons = append(d.Reasons, r)
	default:
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 residential (c) not met: %d beds is not between 1,000 and less than 2,000", total))
	}
	d.Eligible = len(d.Criteria) > 0
	return d, nil
}

// NonResidentialOversight decides whether a non-residential care provider
// falls under CQC's market-oversight regime (003 s.5, "Non-residential care
// criteria"). It returns an error (Violations, CodeInvalidInput) only for
// negative figures.
func NonResidentialOversight(c NonResidentialCapacity) (Decision, error) {
	var vs Violations
	if c.HoursPerWeek < 0 {
		vs = append(vs, violation(CodeInvalidInput, "hours_per_week", "hours of care cannot be negative"))
	}
	if c.PeoplePerWeek < 0 {
		vs = append(vs, violation(CodeInvalidInput, "people_per_week", "number of people cannot be negative"))
	}
	if len(vs) > 0 {
		return Decision{}, vs
	}
	h, p := c.HoursPerWeek, c.PeoplePerWeek
	var d Decision
	if h >= OversightHoursLarge {
		d.Criteria = append(d.Criteria, CriterionNonResidentialA)
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 non-residential (a): %s hours of care in a week is at least 30,000", fmtHours(h)))
	} else {
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 non-residential (a) not met: %s hours of care in a week is fewer than 30,000", fmtHours(h)))
	}
	if p >= OversightPeopleLarge {
		d.Criteria = append(d.Criteria, CriterionNonResidentialB)
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 non-residential (b): %d people provided with care in a week is at least 2,000", p))
	} else {
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 non-residential (b) not met: %d people is fewer than 2,000", p))
	}
	switch {
	case p < OversightPeopleMid:
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 non-residential (c) not met: %d people is fewer than 800", p))
	case h > OversightHoursPerPerson*float64(p):
		d.Criteria = append(d.Criteria, CriterionNonResidentialC)
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 non-residential (c): %d people (at least 800) and %s hours is more than 30 hours a person (more than %d hours)", p, fmtHours(h), OversightHoursPerPerson*p))
	default:
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.5 non-residential (c) not met: for %d people more than %d hours of care must be provided in the week, not %s", p, OversightHoursPerPerson*p, fmtHours(h)))
	}
	d.Eligible = len(d.Criteria) > 0
	return d, nil
}

// fmtHours prints hours without a trailing ".0" for whole numbers.
func fmtHours(h float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", h), "0"), ".")
}
