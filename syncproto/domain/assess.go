package domain

import (
	"encoding/json"
	"sort"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
)

// ProviderAssessment is what the procedure's provider-level tests say about a
// provider, from its records: whether CQC's market oversight regime covers it
// (003 s.5), whether the council's s.48 temporary duty is engaged by its
// failure (003 s.3, s.4, s.8), and what a neighbouring authority's suspension
// means for each of its services (003 s.9).
type ProviderAssessment struct {
	ProviderID string `json:"provider_id"`
	// Oversight is "residential" or "non_residential": which test applied.
	Oversight       string         `json:"oversight"`
	MarketOversight rules.Decision `json:"market_oversight"`
	// OversightError explains why the test could not be applied (missing
	// figures), if it could not.
	OversightError string `json:"oversight_error,omitempty"`
	// TemporaryDuty is the duty for a council-funded person (not NHS CHC).
	TemporaryDuty rules.DutyDecision `json:"temporary_duty"`
	// NeighbourSuspensions says, per service, what follows from a
	// neighbouring authority's suspension; empty when none is recorded.
	NeighbourSuspensions []ServiceSuspension `json:"neighbour_suspensions,omitempty"`
}

// ServiceSuspension is the s.9 decision for one service.
type ServiceSuspension struct {
	ServiceID string                   `json:"service_id"`
	Name      string                   `json:"name"`
	Decision  rules.SuspensionDecision `json:"decision"`
}

// AssessProvider applies the provider-level rules to a provider, its
// services and the incidents opened for it.
func AssessProvider(provider *syncproto.Record, services, incidents []*syncproto.Record) ProviderAssessment {
	a := ProviderAssessment{ProviderID: provider.ID}
	byArea := map[string]int{}
	residential := false
	for _, s := range services {
		if s.Deleted() {
			continue
		}
		if rules.ServiceType(str(s, "service_type")).IsCareHome() {
			residential = true
			area := str(s, "local_authority")
			if area == "" {
				area = "unknown area"
			}
			byArea[area] += integer(s, "beds")
		}
	}
	declaredBeds := integer(provider, "total_beds")
	if declaredBeds > 0 {
		residential = true
	}
	var err error
	if residential {
		a.Oversight = "residential"
		var areas []rules.AreaBeds
		for area, beds := range byArea {
			areas = append(areas, rules.AreaBeds{Area: area, ProviderBeds: beds})
		}
		sort.Slice(areas, func(i, j int) bool { return areas[i].Area < areas[j].Area })
		// 003 s.5 counts beds "anywhere in England": the provider's
		// declared totals, not only the services recorded here.
		a.MarketOversight, err = rules.ResidentialOversight(rules.ResidentialCapacity{Areas: areas,
			DeclaredTotalBeds: declaredBeds, DeclaredAreasWithBeds: integer(provider, "areas_with_beds")})
	} else {
		a.Oversight = "non_residential"
		var hours float64
		_ = jsonNumber(provider.Value("hours_per_week"), &hours)
		a.MarketOversight, err = rules.NonResidentialOversight(rules.NonResidentialCapacity{HoursPerWeek: hours, PeoplePerWeek: integer(provider, "people_per_week")})
	}
	if err != nil {
		a.OversightError = err.Error()
	}

	regulated, _ := boolean(provider, "regulated")
	facts := rules.DutyFacts{RegisteredProvider: regulated, RegulatedActivity: regulated,
		ProviderIsIndividual: str(provider, "organisation_type") == "individual"}
	if ev := str(provider, "insolvency_event"); ev != "" {
		facts.Events = []rules.FailureEvent{rules.FailureEvent(ev)}
		facts.Cause = rules.CauseBusinessFailure
	}
	var carry rules.CarryOnFacts
	for _, inc := range incidents {
		if inc.Deleted() || str(inc, "status") != "active" {
			continue
		}
		if integer(inc, "process") == int(rules.ProcessProviderFailureManagement) {
			carry.Process2Active = true
			if continuing, _ := boolean(inc, "service_continuing"); continuing {
				carry.ServiceContinuing = true
			}
		} else {
			carry.Process1Active = true
		}
		if cause := str(inc, "cause"); cause != "" {
			facts.Cause = rules.InabilityCause(cause)
		}
	}
	for _, s := range services {
		if st := str(s, "operating_status"); !s.Deleted() && (st == "closing" || st == "closed") {
			carry.ServicesStopping++
		}
	}
	// 003 s.3 condition 2: "Where the provider can continue the activity
	// despite business failure the duty will not be triggered".
	var carryReasons []string
	facts.UnableToCarryOn, carryReasons = rules.UnableToCarryOn(carry)
	a.TemporaryDuty = rules.TemporaryDuty(facts)
	a.TemporaryDuty.Reasons = append(carryReasons, a.TemporaryDuty.Reasons...)

	if str(provider, "suspended_by_authority") != "" {
		for _, s := range services {
			if s.Deleted() {
				continue
			}
			a.NeighbourSuspensions = append(a.NeighbourSuspensions, ServiceSuspension{ServiceID: s.ID, Name: str(s, "name"),
				Decision: rules.NeighbourSuspension(rules.ServiceType(str(s, "service_type")))})
		}
		sort.Slice(a.NeighbourSuspensions, func(i, j int) bool { return a.NeighbourSuspensions[i].Name < a.NeighbourSuspensions[j].Name })
	}
	return a
}

// jsonNumber decodes a JSON number into v, leaving it unchanged otherwise.
func jsonNumber(raw []byte, v *float64) error {
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, v)
}
