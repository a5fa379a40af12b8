package rules

import (
	"slices"
	"strings"
	"testing"
)

func TestRAGTriggers_003Appendix1Words(t *testing.T) {
	// Each trigger's words appear, as printed, in 003 Appendix 1 "The QMT's
	// RAG status" under the colour it is given.
	want := map[string]struct {
		level RAGStatus
		words string
	}{
		TriggerCQCInadequate:          {RAGRed, "CQC Rating of Inadequate and/or Warning Notices"},
		TriggerSuspension:             {RAGRed, "Suspension (including voluntary)"},
		TriggerCQCRequiresImprovement: {RAGAmber, "CQC inspection report – requires improvement"},
		TriggerSafeguardingUnresolved: {RAGAmber, "Safeguarding's / Whistle blows (not yet resolved)"},
		TriggerComplaintsUnresolved:   {RAGAmber, "Unresolved customer complaints"},
		TriggerProfessionalConcerns:   {RAGAmber, "Concerns from GP, Fieldworkers, Healthcare Professionals"},
	}
	got := RAGTriggers()
	if len(got) != len(want) {
		t.Fatalf("%d triggers, want %d", len(got), len(want))
	}
	for i, tr := range got {
		w, ok := want[tr.Code]
		if !ok || tr.Level != w.level || tr.Words != w.words {
			t.Errorf("trigger %s = %s %q, want %s %q", tr.Code, tr.Level, tr.Words, w.level, w.words)
		}
		if i > 0 && got[i-1].Level.Level() < tr.Level.Level() {
			t.Errorf("triggers not highest colour first at %s", tr.Code)
		}
	}
	got[0].Words = "changed"
	if RAGTriggers()[0].Words == "changed" {
		t.Error("RAGTriggers returns the table itself")
	}
}

func TestRAGFloor_HighestTriggerMet(t *testing.T) {
	tests := []struct {
		name  string
		facts RAGFacts
		floor RAGStatus
		codes []string
	}{
		{"nothing known", RAGFacts{}, "", nil},
		{"rated good, concerns resolved elsewhere", RAGFacts{CQCRatings: []string{"good", "outstanding"}, UnresolvedConcerns: []string{"finance", "other"}}, "", nil},
		{"003 App.1 AMBER: CQC inspection report – requires improvement", RAGFacts{CQCRatings: []string{"requires_improvement"}}, RAGAmber, []string{TriggerCQCRequiresImprovement}},
		{"003 App.1 AMBER: whistle blows not yet resolved", RAGFacts{UnresolvedConcerns: []string{"whistleblowing"}}, RAGAmber, []string{TriggerSafeguardingUnresolved}},
		{"003 App.1 AMBER: unresolved customer complaints", RAGFacts{UnresolvedConcerns: []string{"complaint"}}, RAGAmber, []string{TriggerComplaintsUnresolved}},
		{"003 App.1 AMBER: concerns from health professionals", RAGFacts{UnresolvedConcerns: []string{"health_professional"}}, RAGAmber, []string{TriggerProfessionalConcerns}},
		{"003 App.1 RED: suspension", RAGFacts{Suspended: true}, RAGRed, []string{TriggerSuspension}},
		{"003 App.1 RED over AMBER: one home Inadequate, another RI, a safeguarding concern open", RAGFacts{CQCRatings: []string{"requires_improvement", " Inadequate "},
			UnresolvedConcerns: []string{"safeguarding"}}, RAGRed, []string{TriggerCQCInadequate, TriggerCQCRequiresImprovement, TriggerSafeguardingUnresolved}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			floor, met := RAGFloor(tc.facts)
			var codes []string
			for _, m := range met {
				codes = append(codes, m.Code)
			}
			if floor != tc.floor || !slices.Equal(codes, tc.codes) {
				t.Errorf("RAGFloor = %s %v, want %s %v", floor, codes, tc.floor, tc.codes)
			}
		})
	}
}

func TestCheckRAGFloor_003Appendix1(t *testing.T) {
	inadequateSafeguarding := RAGFacts{CQCRatings: []string{"inadequate"}, UnresolvedConcerns: []string{"safeguarding"}}
	tests := []struct {
		name   string
		r      RAGRating
		codes  []string
		quotes []string
	}{
		{"issue: GREEN while CQC Inadequate with an open safeguarding concern", RAGRating{Status: RAGGreen, Facts: inadequateSafeguarding},
			[]string{CodeRAGBelowTriggers}, []string{"CQC Rating of Inadequate and/or Warning Notices", "Safeguarding's / Whistle blows (not yet resolved)", "at least RED"}},
		{"AMBER is still below the RED trigger, which alone is named", RAGRating{Status: RAGAmber, Facts: inadequateSafeguarding},
			[]string{CodeRAGBelowTriggers}, []string{"CQC Rating of Inadequate"}},
		{"RED is what the triggers give", RAGRating{Status: RAGRed, Facts: inadequateSafeguarding}, nil, nil},
		{"PROVIDER_FAILURE is above them", RAGRating{Status: RAGProviderFailure, Facts: inadequateSafeguarding}, nil, nil},
		{"below the triggers with a recorded reason", RAGRating{Status: RAGAmber, Facts: inadequateSafeguarding, BelowTriggersReason: "RED recommended to the Head of Adults Commissioning"}, nil, nil},
		{"a blank reason is no reason", RAGRating{Status: RAGGreen, Facts: RAGFacts{Suspended: true}, BelowTriggersReason: "  "}, []string{CodeRAGBelowTriggers}, []string{"Suspension (including voluntary)"}},
		{"no trigger, GREEN", RAGRating{Status: RAGGreen}, nil, nil},
		{"an unknown status is CheckRAGTransition's", RAGRating{Status: "PURPLE", Facts: inadequateSafeguarding}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := CheckRAGFloor(tc.r)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("codes %v, want %v (%v)", vs.Codes(), tc.codes, vs)
			}
			for _, q := range tc.quotes {
				if !strings.Contains(vs[0].Message, q) {
					t.Errorf("message %q does not say %q", vs[0].Message, q)
				}
			}
			if tc.name == "AMBER is still below the RED trigger, which alone is named" && strings.Contains(vs[0].Message, "Safeguarding's") {
				t.Errorf("message names the AMBER trigger AMBER already meets: %q", vs[0].Message)
			}
		})
	}
}
