package rules

import (
	"slices"
	"testing"
	"time"
)

// Tests of the rules corrected against seed 003 ("Rules that
// contradict the seed"); each case names the seed's words.

func TestUnableToCarryOn_003s3Condition2(t *testing.T) {
	tests := []struct {
		name string
		f    CarryOnFacts
		want bool
	}{
		// "Where the provider can continue the activity despite business failure the duty will not be triggered."
		{"003 s.3 a Process 1 incident: the provider carries on, no duty", CarryOnFacts{Process1Active: true}, false},
		{"003 s.3 Process 2 running, the service not continuing: unable to carry on", CarryOnFacts{Process2Active: true}, true},
		// s.7: "the service will usually continue to be provided".
		{"003 s.7 administrator keeps the home running under Process 2: no duty", CarryOnFacts{Process2Active: true, ServiceContinuing: true}, false},
		{"003 s.3 a home recorded closing: unable to carry on", CarryOnFacts{ServicesStopping: 1, Process1Active: true}, true},
		{"nothing recorded", CarryOnFacts{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, reasons := UnableToCarryOn(tc.f)
			if got != tc.want || len(reasons) == 0 {
				t.Fatalf("got %v %q, want %v", got, reasons, tc.want)
			}
			f := failed()
			f.UnableToCarryOn = got
			if TemporaryDuty(f).S48Engaged != tc.want {
				t.Fatal("the duty follows condition 2")
			}
		})
	}
}

func TestResidentialOversight_003s5DeclaredTotals(t *testing.T) {
	tests := []struct {
		name     string
		c        ResidentialCapacity
		criteria []string
	}{
		// "at least 2,000 anywhere in England": a 2,500-bed group with one 42-bed home here.
		{"003 s.5 (a) 2,500 beds anywhere in England, one 42-bed home here", ResidentialCapacity{Areas: []AreaBeds{{Area: "Derby City", ProviderBeds: 42}}, DeclaredTotalBeds: 2500}, []string{CriterionResidentialA}},
		{"003 s.5 (a) the 42 beds recorded here alone are not enough", ResidentialCapacity{Areas: []AreaBeds{{Area: "Derby City", ProviderBeds: 42}}}, nil},
		// "between a total of 1,000 and less than 2,000 with at least 1 bed in 16 or more local authority areas".
		{"003 s.5 (b) 1,200 declared beds in 16 declared areas", ResidentialCapacity{Areas: []AreaBeds{{Area: "Derby City", ProviderBeds: 60}}, DeclaredTotalBeds: 1200, DeclaredAreasWithBeds: 16}, []string{CriterionResidentialB}},
		{"003 s.5 (b) 1,200 declared beds in 15 areas", ResidentialCapacity{DeclaredTotalBeds: 1200, DeclaredAreasWithBeds: 15}, nil},
		{"a declared total below the local count does not lower it", ResidentialCapacity{Areas: []AreaBeds{{Area: "Derby City", ProviderBeds: 2100}}, DeclaredTotalBeds: 40}, []string{CriterionResidentialA}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ResidentialOversight(tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.Criteria, tc.criteria) || d.Eligible != (len(tc.criteria) > 0) {
				t.Fatalf("got %+v, want %v", d, tc.criteria)
			}
		})
	}
	if _, err := ResidentialOversight(ResidentialCapacity{DeclaredTotalBeds: -1}); err == nil {
		t.Fatal("negative declared beds accepted")
	}
}

func ptr(b bool) *bool { return &b }

func TestCheckTwoStage_003App2_3_8(t *testing.T) {
	lacks := TwoStage{Impairment: ptr(true), Understand: ptr(true), Retain: ptr(false), UseOrWeigh: ptr(false), Communicate: ptr(true), CausativeNexus: ptr(true)}
	tests := []struct {
		name    string
		outcome CapacityOutcome
		edit    func(*TwoStage)
		codes   []string
	}{
		{"003 App.2 3.8 two-stage: impairment, abilities not met, causative nexus -> lacks", LacksCapacity, nil, nil},
		{"003 App.2 3.8 'lacks' with no impairment (stage 1) is incoherent", LacksCapacity, func(t *TwoStage) { t.Impairment = ptr(false) }, []string{CodeCapacityIncoherent}},
		{"003 App.2 3.8 'lacks' with stage 1 unanswered is incoherent", LacksCapacity, func(t *TwoStage) { t.Impairment = nil }, []string{CodeCapacityIncoherent}},
		{"003 App.2 3.8 'lacks' with every ability met (stage 2) is incoherent", LacksCapacity, func(t *TwoStage) { t.Retain, t.UseOrWeigh = ptr(true), ptr(true) }, []string{CodeCapacityIncoherent}},
		{"MCA s.2(1) 'lacks' without the causative nexus is incoherent", LacksCapacity, func(t *TwoStage) { t.CausativeNexus = ptr(false) }, []string{CodeCapacityIncoherent}},
		{"all three missing: three violations", LacksCapacity, func(t *TwoStage) { *t = TwoStage{} }, []string{CodeCapacityIncoherent, CodeCapacityIncoherent, CodeCapacityIncoherent}},
		{"'has capacity' with an impairment but every ability met", HasCapacity, func(t *TwoStage) { t.Retain, t.UseOrWeigh = ptr(true), ptr(true) }, nil},
		{"'has capacity' on answers that show it lacking is incoherent", HasCapacity, nil, []string{CodeCapacityIncoherent}},
		{"no outcome cannot be signed", "", nil, []string{CodeCapacityIncoherent}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := lacks
			if tc.edit != nil {
				tc.edit(&st)
			}
			if vs := CheckTwoStage(tc.outcome, st); !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
	t.Run("003 App.2 3.8 no best-interests decision rests on an incoherent assessment", func(t *testing.T) {
		bad := TwoStage{Impairment: ptr(false), Understand: ptr(false), CausativeNexus: ptr(true)}
		a := CapacityAssessment{ID: "ca-1", ResidentID: "r1", Decision: "where to live", Outcome: LacksCapacity, Stages: &bad, SignedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
		d := BestInterestsDecision{ResidentID: "r1", Decision: "where to live", AssessmentID: "ca-1", DecisionMaker: DecisionMakerCouncil, Type: DecisionOther}
		if vs := CheckBestInterests(d, []CapacityAssessment{a}, nil, time.Now()); !slices.Equal(vs.Codes(), []string{CodeCapacityIncoherent}) {
			t.Fatalf("got %v", vs)
		}
		a.Stages = &lacks
		if vs := CheckBestInterests(d, []CapacityAssessment{a}, nil, time.Now()); len(vs) != 0 {
			t.Fatalf("coherent: %v", vs)
		}
	})
}

func TestIMCARequired_003App2_3_8BlankStay(t *testing.T) {
	paid := []Consultee{{Name: "key worker", Role: ConsulteePaidCarer}}
	tests := []struct {
		name string
		d    BestInterestsDecision
		want bool
	}{
		// "IMCAS appointed for those lacking family / friends": a blank expected stay is not zero.
		{"003 App.2 3.8 care-home move with no expected stay recorded: presumed long-term, IMCA", BestInterestsDecision{Type: DecisionAccommodation, Setting: SettingCareHome, StayUnknown: true, Consultees: paid}, true},
		{"003 App.2 3.8 an explicit short stay (respite) is not long-term", BestInterestsDecision{Type: DecisionAccommodation, Setting: SettingCareHome, ExpectedStay: 14 * 24 * time.Hour, Consultees: paid}, false},
		{"003 App.2 3.8 blank stay but family to consult: no IMCA", BestInterestsDecision{Type: DecisionAccommodation, Setting: SettingCareHome, StayUnknown: true, Consultees: []Consultee{{Name: "daughter", Role: ConsulteeFamily}}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IMCARequired(tc.d, nil); got.Eligible != tc.want {
				t.Fatalf("got %v: %q", got.Eligible, got.Reasons)
			}
		})
	}
	t.Run("MCA s.38(4) the urgency exception recorded: no violation until the IMCA is instructed", func(t *testing.T) {
		lacks := CapacityAssessment{ID: "ca-1", ResidentID: "r1", Decision: "where to live", Outcome: LacksCapacity, SignedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
		d := BestInterestsDecision{ResidentID: "r1", Decision: "where to live", AssessmentID: "ca-1", DecisionMaker: DecisionMakerCouncil,
			Type: DecisionAccommodation, Setting: SettingCareHome, StayUnknown: true, Consultees: paid}
		if vs := CheckBestInterests(d, []CapacityAssessment{lacks}, nil, time.Now()); !vs.Has(CodeIMCARequired) {
			t.Fatalf("blank stay: %v", vs)
		}
		d.UrgentReason = "the home closed overnight after a fire"
		if vs := CheckBestInterests(d, []CapacityAssessment{lacks}, nil, time.Now()); len(vs) != 0 {
			t.Fatalf("urgent: %v", vs)
		}
	})
}

func TestCheckMoveChoice_003App2_7_9(t *testing.T) {
	family := &BestInterestsDecision{Type: DecisionAccommodation, Setting: SettingCareHome, StayUnknown: true, Consultees: []Consultee{{Name: "son", Role: ConsulteeFamily}}}
	alone := &BestInterestsDecision{Type: DecisionAccommodation, Setting: SettingCareHome, StayUnknown: true}
	tests := []struct {
		name  string
		c     MoveChoice
		codes []string
	}{
		{"003 App.2 7.9 decision by the customer who has capacity", MoveChoice{ChosenBy: "resident"}, nil},
		{"MCA s.1(2) presumed capacity: the choice is not recorded", MoveChoice{}, nil},
		{"003 App.2 7.3 maximise the resident's ability to make an informed choice: a carer does not choose for a person with capacity", MoveChoice{ChosenBy: "carer"}, []string{CodeChoiceNotThePersons}},
		{"nor a best-interests decision for a person with capacity", MoveChoice{ChosenBy: "best_interests"}, []string{CodeChoiceNotThePersons}},
		// 7.3: "in adherence to the principles of the Mental Capacity Act 2005".
		{"003 App.2 7.3 a person lacking capacity does not choose alone", MoveChoice{ChosenBy: "resident", LacksCapacity: true, BestInterests: family, BestInterestsDecided: true}, []string{CodeChoiceNeedsCapacity}},
		{"MCA s.4 a carer's choice for a person lacking capacity needs the best-interests decision", MoveChoice{ChosenBy: "carer", LacksCapacity: true, BestInterests: family}, []string{CodeChoiceNeedsBestInterests}},
		{"003 App.2 7.9 best-interests decision with family consulted", MoveChoice{ChosenBy: "best_interests", LacksCapacity: true, BestInterests: family, BestInterestsDecided: true}, nil},
		{"003 App.2 3.8 nobody to consult and no IMCA: the move waits", MoveChoice{ChosenBy: "best_interests", LacksCapacity: true, BestInterests: alone, BestInterestsDecided: true}, []string{CodeIMCARequired}},
		{"003 App.2 3.8 nobody to consult, IMCA instructed", MoveChoice{ChosenBy: "best_interests", LacksCapacity: true, BestInterests: alone, IMCAReferred: true, BestInterestsDecided: true}, nil},
		{"003 App.2 3.8 no decision recorded and no IMCA", MoveChoice{ChosenBy: "representative", LacksCapacity: true}, []string{CodeChoiceNeedsBestInterests, CodeIMCARequired}},
		{"003 App.2 3.11 an H&W attorney chooses", MoveChoice{ChosenBy: "representative", LacksCapacity: true, Authorities: []Authority{{Kind: LPAHealthWelfare, Name: "Ann", CoversDecision: true}}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if vs := CheckMoveChoice(tc.c); !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}

func TestCheckDestinationConcerns_003App2_7_6(t *testing.T) {
	override := DestinationOverride{Reason: "only nursing bed within 20 miles; daily QMO visits agreed", Role: RoleCommissioner}
	tests := []struct {
		name  string
		dest  Service
		o     DestinationOverride
		codes []string
	}{
		{"003 App.2 7.6 no concerns about the Care Provider", Service{ID: "s", RAG: RAGGreen}, DestinationOverride{}, nil},
		{"003 App.2 7.6 an AMBER provider is not refused", Service{ID: "s", RAG: RAGAmber}, DestinationOverride{}, nil},
		{"003 App.2 7.6 no move to a RED-rated provider", Service{ID: "s", RAG: RAGRed}, DestinationOverride{}, []string{CodeDestinationRAG}},
		{"003 App.2 7.6 no move to a provider in PROVIDER FAILURE", Service{ID: "s", RAG: RAGProviderFailure}, DestinationOverride{}, []string{CodeDestinationRAG}},
		{"003 s.9 no move to a suspended provider", Service{ID: "s", Suspended: true}, DestinationOverride{}, []string{CodeDestinationSuspended}},
		{"003 App.2 7.6 the commissioner's recorded override", Service{ID: "s", RAG: RAGRed, Suspended: true}, override, nil},
		{"003 App.2 7.6 a social worker cannot override", Service{ID: "s", RAG: RAGRed}, DestinationOverride{Reason: "family wish", Role: RoleSocialWorker}, []string{CodeOverrideNotPermitted, CodeDestinationRAG}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if vs := CheckDestinationConcerns(tc.dest, tc.o); !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}

func TestCheckNHSLead_003Appendix1(t *testing.T) {
	tests := []struct {
		name    string
		role    Role
		funding []string
		codes   []string
	}{
		// "the NHS will lead and co-ordinate all actions relating to fully funded NHS customers".
		{"003 App.1 the NHS leads for a fully funded NHS customer", RoleNHSLiaison, []string{"nhs_chc"}, nil},
		{"003 App.1 NHS liaison does not plan for a council-funded resident", RoleNHSLiaison, []string{"la_funded", "fnc"}, []string{CodeNHSLeadsCHCOnly}},
		{"NHS liaison, funding not recorded", RoleNHSLiaison, nil, []string{CodeNHSLeadsCHCOnly}},
		{"a social worker plans for anyone", RoleSocialWorker, []string{"nhs_chc"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if vs := CheckNHSLead(tc.role, tc.funding); !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}
