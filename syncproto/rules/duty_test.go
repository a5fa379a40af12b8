package rules

import (
	"strings"
	"testing"
)

// failed is a registered provider that cannot carry on a regulated activity
// because an administrator has been appointed.
func failed() DutyFacts {
	return DutyFacts{
		RegisteredProvider: true,
		UnableToCarryOn:    true,
		RegulatedActivity:  true,
		Cause:              CauseBusinessFailure,
		Events:             []FailureEvent{EventAdministratorAppointed},
	}
}

func TestTemporaryDuty_Conditions(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*DutyFacts)
		basis     Basis
		mandatory bool
		engaged   bool
	}{
		{"003 s.3 all four conditions: s.48 duty", func(*DutyFacts) {}, BasisS48TemporaryDuty, true, true},
		{"003 s.3 condition 1: unregistered provider, urgent needs -> s.19(3) power", func(f *DutyFacts) { f.RegisteredProvider = false; f.UrgentNeeds = true }, BasisS19UrgentNeedsPower, false, false},
		{"003 s.3 condition 2 / s.7: administrator keeps the service running -> no duty", func(f *DutyFacts) { f.UnableToCarryOn = false }, BasisNone, false, false},
		{"003 s.3 condition 3: unregulated activity -> none without urgent needs", func(f *DutyFacts) { f.RegulatedActivity = false }, BasisNone, false, false},
		{"003 s.3 condition 4 / s.8: fire, not business failure, urgent -> s.19(3) power", func(f *DutyFacts) {
			f.Cause = CauseEmergency
			f.Events = nil
			f.UrgentNeeds = true
		}, BasisS19UrgentNeedsPower, false, false},
		{"003 s.8: Acts of God do not automatically trigger the power; no urgent need -> none", func(f *DutyFacts) {
			f.Cause = CauseEmergency
			f.Events = nil
		}, BasisNone, false, false},
		{"003 s.4: financial trouble without a listed event is not business failure", func(f *DutyFacts) { f.Events = nil; f.UrgentNeeds = true }, BasisS19UrgentNeedsPower, false, false},
		{"003 s.3 condition 4: failure events but the inability is caused by CQC action", func(f *DutyFacts) { f.Cause = CauseRegulatoryAction }, BasisNone, false, false},
		{"003 s.4 individual: bankruptcy is business failure", func(f *DutyFacts) {
			f.ProviderIsIndividual = true
			f.Events = []FailureEvent{EventIndividualBankrupt}
		}, BasisS48TemporaryDuty, true, true},
		{"003 s.4 individual: a liquidator is not an individual's business failure", func(f *DutyFacts) {
			f.ProviderIsIndividual = true
			f.Events = []FailureEvent{EventLiquidatorAppointed}
		}, BasisNone, false, false},
		{"003 s.4 company: bankruptcy is not a company's business failure", func(f *DutyFacts) {
			f.Events = []FailureEvent{EventIndividualBankrupt}
		}, BasisNone, false, false},
		{"003 s.3 NHS CHC, needs unchanged: the NHS's duty, not the council's", func(f *DutyFacts) { f.NHSCHCFunded = true }, BasisNHSContinuingHealthcare, false, true},
		{"003 s.3 NHS CHC, needs changed: the council's s.48 duty", func(f *DutyFacts) { f.NHSCHCFunded = true; f.NeedsChanged = true }, BasisS48TemporaryDuty, true, true},
		{"003 s.3 NHS CHC, no business failure, urgent: still the NHS's", func(f *DutyFacts) {
			f.NHSCHCFunded = true
			f.Cause = CauseOperational
			f.UrgentNeeds = true
		}, BasisNHSContinuingHealthcare, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := failed()
			tc.edit(&f)
			d := TemporaryDuty(f)
			if d.Basis != tc.basis || d.Mandatory != tc.mandatory || d.S48Engaged != tc.engaged {
				t.Fatalf("got basis=%s mandatory=%v engaged=%v, want %s %v %v\n%s", d.Basis, d.Mandatory, d.S48Engaged, tc.basis, tc.mandatory, tc.engaged, strings.Join(d.Reasons, "\n"))
			}
			if len(d.Reasons) < 5 {
				t.Errorf("want the four conditions and the conclusion explained, got %q", d.Reasons)
			}
		})
	}
}

func TestTemporaryDuty_SelfFundersIncluded(t *testing.T) {
	// 003 s.3: "This duty applies regardless of whether the individual's care
	// is funded by the local authority or not."
	d := TemporaryDuty(failed())
	if !strings.Contains(strings.Join(d.Reasons, "\n"), "regardless of whether the individual's care is funded by the local authority or not") {
		t.Fatalf("reasons do not say self-funders are included: %q", d.Reasons)
	}
}

func TestBusinessFailure_EventsAToI(t *testing.T) {
	// 003 s.4: each of (a)-(i) is business failure for a provider that is not an individual.
	letters := "abcdefghi"
	for i, e := range CorporateFailureEvents() {
		t.Run("003 s.4 ("+letters[i:i+1]+") "+string(e), func(t *testing.T) {
			ok, reasons := BusinessFailure(false, []FailureEvent{e})
			if !ok || !strings.Contains(reasons[0], "("+letters[i:i+1]+")") {
				t.Fatalf("got %v %q", ok, reasons)
			}
			if ok, _ := BusinessFailure(true, []FailureEvent{e}); ok {
				t.Fatalf("(%s) must not count for an individual", letters[i:i+1])
			}
			d := TemporaryDuty(DutyFacts{RegisteredProvider: true, UnableToCarryOn: true, RegulatedActivity: true, Cause: CauseBusinessFailure, Events: []FailureEvent{e}})
			if d.Basis != BasisS48TemporaryDuty {
				t.Fatalf("basis %s", d.Basis)
			}
		})
	}
	if n := len(CorporateFailureEvents()); n != 9 {
		t.Fatalf("003 s.4 lists nine events (a)-(i), got %d", n)
	}
}

func TestBusinessFailure_UnknownEventIgnored(t *testing.T) {
	ok, reasons := BusinessFailure(false, []FailureEvent{"cash_flow_worries"})
	if ok || len(reasons) != 2 || !strings.Contains(reasons[1], "cash_flow_worries") {
		t.Fatalf("got %v %q", ok, reasons)
	}
}
