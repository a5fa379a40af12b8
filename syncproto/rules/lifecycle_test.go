package rules

import (
	"slices"
	"testing"
	"time"
)

func TestCheckMoveTransition_SeedsPath(t *testing.T) {
	tests := []struct {
		name     string
		from, to MoveStatus
		codes    []string
	}{
		{"003 App.2 7.11 planned to in transit", MovePlanned, MoveInProgress, nil},
		{"in transit to arrived", MoveInProgress, MoveArrived, nil},
		{"003 App.2 7.15-7.24 arrived to completed", MoveArrived, MoveCompleted, nil},
		{"planned is not completed in one step", MovePlanned, MoveCompleted, []string{CodeMoveTransitionInvalid}},
		{"in transit is completed through arrived (its gate is CheckArrived's, checked with the hand-over)", MoveInProgress, MoveCompleted, nil},
		{"on hold from arrived", MoveArrived, MoveOnHold, nil},
		{"on hold resumes as planned", MoveOnHold, MovePlanned, nil},
		{"on hold does not jump to in transit", MoveOnHold, MoveInProgress, []string{CodeMoveTransitionInvalid}},
		{"cancelled from in transit", MoveInProgress, MoveCancelled, nil},
		{"cancelled is final", MoveCancelled, MovePlanned, []string{CodeMoveTransitionInvalid}},
		{"completed is final: not cancelled", MoveCompleted, MoveCancelled, []string{CodeMoveCompletedFinal}},
		{"unchanged is no transition", MoveCompleted, MoveCompleted, nil},
		{"unknown status", MovePlanned, "teleported", []string{CodeInvalidInput}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckMoveTransition(tc.from, tc.to).Codes(); !slices.Equal(got, tc.codes) {
				t.Fatalf("got %v, want %v", got, tc.codes)
			}
		})
	}
}

func TestCheckArrived_LegsDepartedAndArrived(t *testing.T) {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		legs []Leg
		want bool
	}{
		{"no leg", nil, false},
		{"departed only", []Leg{{DepartedAt: at}}, false},
		{"departed and arrived", []Leg{{DepartedAt: at, ArrivedAt: at.Add(time.Hour)}}, true},
		{"a second leg still on the road", []Leg{{DepartedAt: at, ArrivedAt: at.Add(time.Hour)}, {DepartedAt: at.Add(2 * time.Hour)}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(CheckArrived(Move{Legs: tc.legs})) == 0; got != tc.want {
				t.Fatalf("arrived = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckHandover_OverrideRoles(t *testing.T) {
	all := Handover{Medication: true, CarePlan: true, IdentityConfirmed: true, Records: true}
	noPlan := all
	noPlan.CarePlan = false
	noMeds := noPlan
	noMeds.Medication = false
	with := func(h Handover, reason string, role Role) Handover {
		h.OverrideReason, h.OverrideRole = reason, role
		return h
	}
	tests := []struct {
		name  string
		h     Handover
		codes []string
	}{
		{"003 App.2 7.15-7.24 every item done", all, nil},
		{"care plan missing, no override", noPlan, []string{CodeHandoverIncomplete}},
		{"003 App.1 Operations: the social worker overrides the care plan", with(noPlan, "fire", RoleSocialWorker), nil},
		{"the transport coordinator may not override", with(noPlan, "driver in a hurry", RoleTransportCoordinator), []string{CodeHandoverOverrideNotPermitted}},
		{"003 App.2 7.20 medication is never overridden", with(noMeds, "fire", RoleSocialWorker), []string{CodeHandoverIncomplete}},
		{"equipment travelling must be transferred (7.12)", Handover{Medication: true, CarePlan: true, IdentityConfirmed: true, Records: true, EquipmentNeeded: true}, []string{CodeHandoverIncomplete}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckHandover(tc.h).Codes(); !slices.Equal(got, tc.codes) {
				t.Fatalf("got %v, want %v", got, tc.codes)
			}
		})
	}
	t.Run("medication (7.20) and identity (7.21) are not overridable in the gate", func(t *testing.T) {
		for _, it := range MoveCompletionGate().Items {
			if (it.Field == "medication_travelling" || it.Field == "identity_confirmed") == it.Overridable {
				t.Errorf("%s overridable = %v", it.Field, it.Overridable)
			}
		}
	})
}

func TestCheckMoveCorrection_CompletedMovesOnly(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	done := Move{ID: "m1", ResidentID: "r1", FromServiceID: "home", ToServiceID: "oak", Status: MoveCompleted}
	c := func(kind CorrectionKind, f func(*MoveCorrection)) MoveCorrection {
		x := MoveCorrection{ID: "c1", MoveID: "m1", ResidentID: "r1", Kind: kind, Reason: "wrong", CorrectedBy: "Bea"}
		if f != nil {
			f(&x)
		}
		return x
	}
	tests := []struct {
		name     string
		c        MoveCorrection
		move     Move
		existing []MoveCorrection
		codes    []string
	}{
		{"void", c(CorrectionVoid, nil), done, nil, nil},
		{"not a completed move", c(CorrectionVoid, nil), Move{ID: "m1", ResidentID: "r1", Status: MovePlanned}, nil, []string{CodeMoveCorrectionInvalid}},
		{"another resident", c(CorrectionVoid, func(x *MoveCorrection) { x.ResidentID = "r2" }), done, nil, []string{CodeMoveCorrectionInvalid}},
		{"destination needs the service", c(CorrectionDestination, nil), done, nil, []string{CodeMoveCorrectionInvalid}},
		{"destination", c(CorrectionDestination, func(x *MoveCorrection) { x.ToServiceID = "elm" }), done, nil, nil},
		{"completion time in the future", c(CorrectionCompletedAt, func(x *MoveCorrection) { x.CompletedAt = now.Add(time.Hour) }), done, nil, []string{CodeDateInFuture}},
		{"nothing after a void", c(CorrectionCompletedAt, func(x *MoveCorrection) { x.CompletedAt = now }), done, []MoveCorrection{c(CorrectionVoid, func(x *MoveCorrection) { x.ID = "c0" })}, []string{CodeMoveCorrectionInvalid}},
		{"each kind once", c(CorrectionDestination, func(x *MoveCorrection) { x.ToServiceID = "elm" }), done, []MoveCorrection{c(CorrectionDestination, func(x *MoveCorrection) { x.ID = "c0"; x.ToServiceID = "ash" })}, []string{CodeMoveCorrectionInvalid}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckMoveCorrection(tc.c, tc.move, tc.existing, now).Codes(); !slices.Equal(got, tc.codes) {
				t.Fatalf("got %v, want %v", got, tc.codes)
			}
		})
	}
	t.Run("the latest completed move not voided, as corrected, is where the person is", func(t *testing.T) {
		moves := []WhereaboutsMove{
			{ID: "m1", FromServiceID: "home", ToServiceID: "temp", Status: string(MoveCompleted), CompletedAt: now.Add(-48 * time.Hour)},
			{ID: "m2", FromServiceID: "temp", ToServiceID: "oak", Status: string(MoveCompleted), CompletedAt: now.Add(-24 * time.Hour)},
		}
		cs := []MoveCorrection{{ID: "c1", MoveID: "m2", Kind: CorrectionDestination, ToServiceID: "elm"}}
		if where := DeriveWhereabouts(WhereaboutsFacts{Placement: "home", Moves: moves, Corrections: cs}); where.ServiceID != "elm" {
			t.Fatalf("at %+v, want elm", where)
		}
		cs = append(cs, MoveCorrection{ID: "c2", MoveID: "m2", Kind: CorrectionVoid})
		if where := DeriveWhereabouts(WhereaboutsFacts{Placement: "home", Moves: moves, Corrections: cs}); where.ServiceID != "temp" {
			t.Fatalf("after the void at %+v, want temp", where)
		}
	})
}

func TestCheckSigningEvidence_MCA(t *testing.T) {
	no, yes := false, true
	stages := TwoStage{Impairment: &yes, Understand: &no, CausativeNexus: &yes}
	full := AssessmentEvidence{RelevantInformation: "options", HowInformationGiven: "photographs", PracticableSteps: "morning visit",
		ImpairmentEvidence: "dementia", Understand: "could not say", CausativeNexusEvidence: "because of dementia", Assessor: "Kim", Sittings: []string{"2026-11-23"}}
	if vs := CheckSigningEvidence(LacksCapacity, stages, full); len(vs) != 0 {
		t.Fatalf("full evidence: %v", vs)
	}
	if vs := CheckSigningEvidence(HasCapacity, stages, AssessmentEvidence{}); len(vs) != 0 {
		t.Fatalf("MCA s.1(2) capacity is presumed: %v", vs)
	}
	bare := CheckSigningEvidence(LacksCapacity, stages, AssessmentEvidence{})
	var fields []string
	for _, v := range bare {
		fields = append(fields, v.Field)
	}
	want := []string{"relevant_information", "how_information_given", "practicable_steps", "impairment_evidence", "understand_evidence", "causative_nexus_evidence", "assessor_name", "sittings"}
	if !slices.Equal(fields, want) {
		t.Fatalf("three bare booleans: %v, want %v", fields, want)
	}
}
