package rules

import (
	"slices"
	"testing"
	"time"
)

const whereToLive = "where to live after the closure"

func TestCheckBestInterests(t *testing.T) {
	now := time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC)
	signed := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	lacks := CapacityAssessment{ID: "ca-1", ResidentID: "r1", Decision: whereToLive, Outcome: LacksCapacity, SignedAt: signed}
	draft := lacks
	draft.SignedAt = time.Time{}
	daughter := Consultee{Name: "Jane (daughter)", Role: ConsulteeFamily}
	base := BestInterestsDecision{
		ResidentID: "r1", Decision: whereToLive, AssessmentID: "ca-1", DecisionMaker: DecisionMakerCouncil,
		Type: DecisionAccommodation, Setting: SettingCareHome, ExpectedStay: 52 * 7 * 24 * time.Hour,
		Consultees: []Consultee{daughter},
	}
	hwLPA := Authority{Kind: LPAHealthWelfare, Name: "Tom (son)", CoversDecision: true}
	tests := []struct {
		name        string
		edit        func(*BestInterestsDecision)
		assessments []CapacityAssessment
		authorities []Authority
		codes       []string
	}{
		{"MCA s.4 decision on an assessment that found capacity lacking", nil, []CapacityAssessment{lacks}, nil, nil},
		{"no assessment on record", nil, nil, nil, []string{CodeBestInterestsNeedsLackingCapacity}},
		{"no assessment named", func(d *BestInterestsDecision) { d.AssessmentID = "" }, []CapacityAssessment{lacks}, nil, []string{CodeBestInterestsNeedsLackingCapacity}},
		{"assessment found capacity: the person decides", nil, []CapacityAssessment{{ID: "ca-1", ResidentID: "r1", Decision: whereToLive, Outcome: HasCapacity}}, nil, []string{CodeBestInterestsNeedsLackingCapacity}},
		{"assessment for a different decision", func(d *BestInterestsDecision) { d.Decision = "medication" }, []CapacityAssessment{lacks}, nil, []string{CodeBestInterestsNeedsLackingCapacity}},
		{"assessment of a different resident", func(d *BestInterestsDecision) { d.ResidentID = "r2" }, []CapacityAssessment{lacks}, nil, []string{CodeBestInterestsNeedsLackingCapacity}},
		{"decision wording compared ignoring case and spacing", func(d *BestInterestsDecision) { d.Decision = "Where to live  after the closure" }, []CapacityAssessment{lacks}, nil, nil},
		{"assessment superseded by a later one", nil, []CapacityAssessment{lacks, {ID: "ca-2", ResidentID: "r1", Decision: whereToLive, Outcome: LacksCapacity, SupersedesID: "ca-1", SignedAt: signed.Add(time.Hour)}}, nil, []string{CodeBestInterestsAssessmentSuperseded, CodeBestInterestsAssessmentSuperseded}},
		{"a draft grounds nothing: the assessment is not signed", nil, []CapacityAssessment{draft}, nil, []string{CodeBestInterestsNeedsLackingCapacity}},
		{"the person's latest signed assessment counts: a later signed one found capacity", nil, []CapacityAssessment{lacks, {ID: "ca-9", ResidentID: "r1", Decision: whereToLive, Outcome: HasCapacity, SignedAt: signed.Add(time.Hour)}}, nil, []string{CodeBestInterestsAssessmentSuperseded}},
		{"a later draft does not displace the signed assessment", nil, []CapacityAssessment{lacks, {ID: "ca-9", ResidentID: "r1", Decision: whereToLive, Outcome: HasCapacity}}, nil, nil},
		// 003 App.2 3.11: identify health and welfare deputies and attorneys.
		{"003 App.2 3.11 H&W LPA with authority: council may not decide", nil, []CapacityAssessment{lacks}, []Authority{hwLPA}, []string{CodeLPADecides}},
		{"003 App.2 3.11 H&W LPA with authority decides", func(d *BestInterestsDecision) { d.DecisionMaker = DecisionMakerAttorney }, []CapacityAssessment{lacks}, []Authority{hwLPA}, nil},
		{"003 App.2 3.11 H&W deputy with authority: council may not decide", nil, []CapacityAssessment{lacks}, []Authority{{Kind: DeputyHealthWelfare, Name: "Ann", CoversDecision: true}}, []string{CodeDeputyDecides}},
		{"003 App.2 3.11 H&W deputy decides", func(d *BestInterestsDecision) { d.DecisionMaker = DecisionMakerDeputy }, []CapacityAssessment{lacks}, []Authority{{Kind: DeputyHealthWelfare, Name: "Ann", CoversDecision: true}}, nil},
		{"H&W LPA restricted so it does not cover this decision: council decides", nil, []CapacityAssessment{lacks}, []Authority{{Kind: LPAHealthWelfare, Name: "Tom"}}, nil},
		{"003 App.2 4.11 property & affairs LPA does not decide where to live", nil, []CapacityAssessment{lacks}, []Authority{{Kind: LPAPropertyAffairs, Name: "Tom", CoversDecision: true}}, nil},
		{"attorney recorded as decision-maker without an LPA", func(d *BestInterestsDecision) { d.DecisionMaker = DecisionMakerAttorney }, []CapacityAssessment{lacks}, nil, []string{CodeDecisionMakerWithoutAuthority}},
		{"deputy recorded as decision-maker without a deputyship", func(d *BestInterestsDecision) { d.DecisionMaker = DecisionMakerDeputy }, []CapacityAssessment{lacks}, nil, []string{CodeDecisionMakerWithoutAuthority}},
		// 003 App.2 3.8: "IMCAS appointed for those lacking family / friends".
		{"003 App.2 3.8 nobody but paid carers, long-term care-home move: IMCA required", func(d *BestInterestsDecision) {
			d.Consultees = []Consultee{{Name: "key worker", Role: ConsulteePaidCarer}}
		}, []CapacityAssessment{lacks}, nil, []string{CodeIMCARequired}},
		{"003 App.2 3.8 IMCA referral date recorded", func(d *BestInterestsDecision) {
			d.Consultees = nil
			d.IMCAReferralDate = now.Add(-24 * time.Hour)
		}, []CapacityAssessment{lacks}, nil, nil},
		{"IMCA referral date in the future", func(d *BestInterestsDecision) {
			d.Consultees = nil
			d.IMCAReferralDate = now.Add(24 * time.Hour)
		}, []CapacityAssessment{lacks}, nil, []string{CodeDateInFuture}},
		{"unsuitable family member does not count: IMCA required", func(d *BestInterestsDecision) {
			d.Consultees = []Consultee{{Name: "estranged son", Role: ConsulteeFamily, Unsuitable: true}}
		}, []CapacityAssessment{lacks}, nil, []string{CodeIMCARequired}},
		{"everything wrong at once", func(d *BestInterestsDecision) {
			d.Consultees = nil
			d.DecisionMaker = DecisionMakerCouncil
		}, []CapacityAssessment{{ID: "ca-1", ResidentID: "r1", Decision: whereToLive, Outcome: HasCapacity}}, nil, []string{CodeBestInterestsNeedsLackingCapacity, CodeIMCARequired}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := base
			d.Consultees = slices.Clone(base.Consultees)
			if tc.edit != nil {
				tc.edit(&d)
			}
			vs := CheckBestInterests(d, tc.assessments, tc.authorities, now)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}

func TestIMCARequired_LongTermMoveThresholds(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name    string
		typ     DecisionType
		setting Setting
		stay    time.Duration
		want    bool
	}{
		{"care home: exactly 8 weeks is not more than 8 weeks", DecisionAccommodation, SettingCareHome, 56 * day, false},
		{"care home: 8 weeks and a day", DecisionAccommodation, SettingCareHome, 57 * day, true},
		{"care home: respite of 2 weeks", DecisionAccommodation, SettingCareHome, 14 * day, false},
		{"hospital: exactly 28 days is not more than 28 days", DecisionAccommodation, SettingHospital, 28 * day, false},
		{"hospital: 29 days", DecisionAccommodation, SettingHospital, 29 * day, true},
		{"other accommodation, a year", DecisionAccommodation, SettingOther, 365 * day, false},
		{"serious medical treatment", DecisionSeriousMedicalTreatment, "", 0, true},
		{"other decision", DecisionOther, "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := BestInterestsDecision{Type: tc.typ, Setting: tc.setting, ExpectedStay: tc.stay,
				Consultees: []Consultee{{Name: "care worker", Role: ConsulteePaidCarer}, {Name: "GP", Role: ConsulteeProfessional}}}
			if got := IMCARequired(d, nil); got.Eligible != tc.want {
				t.Fatalf("got %v, want %v: %q", got.Eligible, tc.want, got.Reasons)
			}
			// Someone appropriate to consult (family, friend) or an attorney means no IMCA.
			d.Consultees = append(d.Consultees, Consultee{Name: "friend", Role: ConsulteeFriend})
			if IMCARequired(d, nil).Eligible {
				t.Fatal("a friend can be consulted: no IMCA required")
			}
			d.Consultees = nil
			if IMCARequired(d, []Authority{{Kind: LPAHealthWelfare, Name: "Tom", CoversDecision: true}}).Eligible {
				t.Fatal("an H&W attorney decides: no IMCA required")
			}
		})
	}
}
