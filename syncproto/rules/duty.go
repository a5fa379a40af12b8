package rules

import (
	"fmt"
	"strings"
)

// FailureEvent is one of the events that make up "business failure" in the
// Care and Support (Business Failure) Regulations 2014, as listed in 003 s.4.
type FailureEvent string

// Business-failure events, 003 s.4 (a)–(i) for a provider that is not an
// individual, and bankruptcy for an individual.
const (
	// EventAdministratorAppointed is (a) "an administrator is appointed".
	EventAdministratorAppointed FailureEvent = "administrator_appointed"
	// EventReceiverAppointed is (b) "a receiver or an administrative receiver is appointed".
	EventReceiverAppointed FailureEvent = "receiver_appointed"
	// EventVoluntaryWindingUpResolution is (c) "a resolution for a voluntary
	// winding up without a declaration of solvency is passed".
	EventVoluntaryWindingUpResolution FailureEvent = "voluntary_winding_up_without_solvency_declaration"
	// EventLiquidatorAppointed is (d) "a liquidator is appointed".
	EventLiquidatorAppointed FailureEvent = "liquidator_appointed"
	// EventWindingUpOrder is (e) "a winding up order is made by a court".
	EventWindingUpOrder FailureEvent = "winding_up_order"
	// EventMembersToCreditorsWindingUp is (f) "a members' voluntary winding up
	// becomes a creditors' voluntary winding up".
	EventMembersToCreditorsWindingUp FailureEvent = "members_to_creditors_voluntary_winding_up"
	// EventInsolventPartnershipOrder is (g) "an order by virtue of Article 11 of
	// the Insolvent Partnerships Order 1994 ... is made".
	EventInsolventPartnershipOrder FailureEvent = "insolvent_partnerships_article_11_order"
	// EventAdministrationToWindingUp is (h) "administration moves to winding up
	// pursuant to an order of a court".
	EventAdministrationToWindingUp FailureEvent = "administration_to_winding_up"
	// EventCharityTrusteesCannotPay is (i) "the charity trustees of the provider
	// become unable to pay their debts as they fall due".
	EventCharityTrusteesCannotPay FailureEvent = "charity_trustees_unable_to_pay_debts"
	// EventIndividualBankrupt: "Where the business failure relates to an
	// individual person, business failure means that the individual has been
	// declared bankrupt."
	EventIndividualBankrupt FailureEvent = "individual_declared_bankrupt"
)

// CorporateFailureEvents returns the events (a)–(i) of 003 s.4, in order.
func CorporateFailureEvents() []FailureEvent {
	return []FailureEvent{
		EventAdministratorAppointed, EventReceiverAppointed, EventVoluntaryWindingUpResolution,
		EventLiquidatorAppointed, EventWindingUpOrder, EventMembersToCreditorsWindingUp,
		EventInsolventPartnershipOrder, EventAdministrationToWindingUp, EventCharityTrusteesCannotPay,
	}
}

// failureEventLetter returns the seed's letter for a corporate event, or "".
func failureEventLetter(e FailureEvent) string {
	for i, c := range CorporateFailureEvents() {
		if c == e {
			return string(rune('a' + i))
		}
	}
	return ""
}

// InabilityCause is why a provider cannot carry on the activity.
type InabilityCause string

// Causes of a provider's inability to carry on a regulated activity (the
// typology of domain.md; only business failure engages s.48).
const (
	// CauseBusinessFailure: financial failure of the business (003 s.4).
	CauseBusinessFailure InabilityCause = "business_failure"
	// CauseRegulatoryAction: CQC closure, suspension or de-registration.
	CauseRegulatoryAction InabilityCause = "regulatory_action"
	// CauseOperational: operational collapse, e.g. no qualified staff.
	CauseOperational InabilityCause = "operational"
	// CauseEmergency: fire, flood or another emergency.
	CauseEmergency InabilityCause = "emergency"
	// CauseOther: any other cause, e.g. a planned closure or sale.
	CauseOther InabilityCause = "other"
)

// DutyFacts are the facts the temporary-duty rule weighs for one person
// served by one provider.
type DutyFacts struct {
	// RegisteredProvider: the provider is registered with CQC (condition 1).
	RegisteredProvider bool
	// UnableToCarryOn: the provider is unable to carry on the particular
	// activity (condition 2). "Where the provider can continue the activity
	// despite business failure the duty will not be triggered."
	UnableToCarryOn bool
	// RegulatedActivity: the activity it cannot carry on is a regulated
	// activity (condition 3).
	RegulatedActivity bool
	// Cause is why it cannot carry on (condition 4 needs business failure).
	Cause InabilityCause
	// ProviderIsIndividual: the provider is an individual person, for whom
	// business failure means bankruptcy; otherwise events (a)–(i) apply.
	ProviderIsIndividual bool
	// Events are the business-failure events that have happened.
	Events []FailureEvent
	// NHSCHCFunded: the person receives NHS Continuing Healthcare.
	NHSCHCFunded bool
	// NeedsChanged: the person's needs appear to have changed (relevant to NHS
	// CHC residents only).
	NeedsChanged bool
	// UrgentNeeds: the person's needs appear to the council to be urgent, in
	// the everyday meaning of "urgent" (003 s.8).
	UrgentNeeds bool
}

// Basis names the legal footing on which a person's needs are met.
type Basis string

// Bases returned by TemporaryDuty.
const (
	// BasisS48TemporaryDuty: Care Act 2014 s.48 temporary duty; the council
	// must meet the needs, whoever funded them (self-funders included).
	BasisS48TemporaryDuty Basis = "care_act_s48_temporary_duty"
	// BasisS19UrgentNeedsPower: Care Act 2014 s.19(3) power to meet needs that
	// appear urgent; the council may act but need not.
	BasisS19UrgentNeedsPower Basis = "care_act_s19_3_urgent_needs_power"
	// BasisNHSContinuingHealthcare: the person's needs are NHS CHC, the NHS's
	// responsibility, which the council cannot provide.
	BasisNHSContinuingHealthcare Basis = "nhs_continuing_healthcare"
	// BasisNone: no duty or power to act is engaged on these facts.
	BasisNone Basis = "none"
)

// S48Conditions are the four conditions of 003 s.3, each as found.
type S48Conditions struct {
	RegisteredProvider bool `json:"registered_provider"` // condition 1
	UnableToCarryOn    bool `json:"unable_to_carry_on"`  // condition 2
	RegulatedActivity  bool `json:"regulated_activity"`  // condition 3
	BusinessFailure    bool `json:"business_failure"`    // condition 4, with the s.4 definition
}

// All reports whether all four conditions hold.
func (c S48Conditions) All() bool {
	return c.RegisteredProvider && c.UnableToCarryOn && c.RegulatedActivity && c.BusinessFailure
}

// DutyDecision is the answer of TemporaryDuty.
type DutyDecision struct {
	// Basis is the duty or power that applies.
	Basis Basis `json:"basis"`
	// Mandatory is true for a duty (the council must act) and false for a
	// power or for none.
	Mandatory bool `json:"mandatory"`
	// S48Engaged reports whether the s.48 temporary duty is engaged for the
	// provider's failure, whether or not it falls to the council for this
	// person (it does not for an NHS CHC person whose needs are unchanged).
	S48Engaged bool `json:"s48_engaged"`
	// Conditions are the four s.48 conditions as found.
	Conditions S48Conditions `json:"conditions"`
	// Reasons explains the decision in the seed's words.
	Reasons []string `json:"reasons"`
}

// BusinessFailure reports whether events amount to "business failure" as 003
// s.4 defines it: for an individual, bankruptcy; otherwise any of (a)–(i).
// The reasons name the events that count and those that cannot count for
// this kind of provider.
func BusinessFailure(individual bool, events []FailureEvent) (bool, []string) {
	var counted, ignored []string
	for _, e := range events {
		letter := failureEventLetter(e)
		switch {
		case individual && e == EventIndividualBankrupt:
			counted = append(counted, "the individual has been declared bankrupt")
		case !individual && letter != "":
			counted = append(counted, fmt.Sprintf("(%s) %s", letter, e))
		default:
			ignored = append(ignored, string(e))
		}
	}
	var reasons []string
	if len(counted) > 0 {
		reasons = append(reasons, "003 s.4 business failure: "+strings.Join(counted, "; "))
	} else if individual {
		reasons = append(reasons, "003 s.4: for an individual, business failure means the individual has been declared bankrupt; no bankruptcy is recorded")
	} else {
		reasons = append(reasons, "003 s.4: none of the business-failure events (a)-(i) is recorded")
	}
	if len(ignored) > 0 {
		kind := "a provider that is not an individual"
		if individual {
			kind = "an individual"
		}
		reasons = append(reasons, fmt.Sprintf("003 s.4: not business-failure events for %s: %s", kind, strings.Join(ignored, ", ")))
	}
	return len(counted) > 0, reasons
}

// TemporaryDuty decides which duty or power covers a person whose provider
// cannot carry on (003 s.3 Care Act (2014) – Temporary Duty; s.4 Definitions;
// s.8 Service interruptions other than business failure).
//
// The s.48 duty is engaged only when all four conditions of 003 s.3 hold:
// registered provider, unable to carry on the activity, the activity is
// regulated, and the inability is due to business failure (s.4). It applies
// "regardless of whether the individual's care is funded by the local
// authority or not". For a person in receipt of NHS CHC whose needs have not
// changed, the needs are the NHS's to meet. Otherwise, when s.48 is not
// engaged, the s.19(3) urgent-needs power may be used if the needs appear
// urgent; it is a power, not a duty ("DCC has a power to act to meet needs,
// but this doesn't mean that it must act").
func TemporaryDuty(f DutyFacts) DutyDecision {
	var d DutyDecision
	bf, bfReasons := BusinessFailure(f.ProviderIsIndividual, f.Events)
	d.Conditions = S48Conditions{
		RegisteredProvider: f.RegisteredProvider,
		UnableToCarryOn:    f.UnableToCarryOn,
		RegulatedActivity:  f.RegulatedActivity,
		BusinessFailure:    bf && f.Cause == CauseBusinessFailure,
	}
	c := d.Conditions
	d.Reasons = append(d.Reasons, condReason(c.RegisteredProvider, "003 s.3 condition 1: the provider must be a registered care provider"))
	if f.UnableToCarryOn {
		d.Reasons = append(d.Reasons, "003 s.3 condition 2 met: the provider is unable to carry out the particular activity")
	} else {
		d.Reasons = append(d.Reasons, "003 s.3 condition 2 not met: where the provider can continue the activity despite business failure the duty will not be triggered")
	}
	d.Reasons = append(d.Reasons, condReason(c.RegulatedActivity, "003 s.3 condition 3: the activity the provider is unable to carry out must be a regulated activity"))
	switch {
	case c.BusinessFailure:
		d.Reasons = append(d.Reasons, "003 s.3 condition 4 met: the inability is due to the provider's business failure")
	case f.Cause != CauseBusinessFailure:
		d.Reasons = append(d.Reasons, fmt.Sprintf("003 s.3 condition 4 not met: the inability is due to %q, not the provider's business failure", causeOrUnknown(f.Cause)))
	default:
		d.Reasons = append(d.Reasons, "003 s.3 condition 4 not met: the financial trouble is not business failure as defined in the Business Failure Regulations 2014")
	}
	d.Reasons = append(d.Reasons, bfReasons...)
	d.S48Engaged = c.All()

	if f.NHSCHCFunded && !f.NeedsChanged {
		d.Basis = BasisNHSContinuingHealthcare
		d.Mandatory = false
		d.Reasons = append(d.Reasons, "003 s.3: the person receives NHS Continuing Healthcare and their needs do not appear to have changed, so it is reasonable for DCC to conclude it need do nothing to meet them; the duty to provide NHS CHC is the responsibility of the NHS and DCC cannot provide it")
		return d
	}
	if f.NHSCHCFunded {
		d.Reasons = append(d.Reasons, "003 s.3: the person receives NHS CHC but their needs appear to have changed, so DCC considers them")
	}
	if d.S48Engaged {
		d.Basis = BasisS48TemporaryDuty
		d.Mandatory = true
		d.Reasons = append(d.Reasons, "003 s.3: all four conditions hold, so DCC must, for so long as it considers necessary, meet the needs the provider was meeting, regardless of whether the individual's care is funded by the local authority or not")
		return d
	}
	if f.UrgentNeeds {
		d.Basis = BasisS19UrgentNeedsPower
		d.Mandatory = false
		d.Reasons = append(d.Reasons, "003 s.8: the s.48 duty is not engaged but the needs appear urgent, so DCC may meet them under its urgent-needs power (Care Act s.19(3)); it has a power to act, which does not mean that it must act")
		return d
	}
	d.Basis = BasisNone
	d.Reasons = append(d.Reasons, "003 s.8: the s.48 duty is not engaged and no urgent need is recorded; in all cases the test for the power is whether there is an urgent need to be met")
	return d
}

func condReason(met bool, text string) string {
	if met {
		return text + " - met"
	}
	return text + " - not met"
}

func causeOrUnknown(c InabilityCause) string {
	if c == "" {
		return "unknown"
	}
	return string(c)
}

// CarryOnFacts are what the records say about whether a provider can carry
// on the activity (s.48 condition 2).
type CarryOnFacts struct {
	// ServicesStopping counts the provider's services recorded as closing or
	// closed.
	ServicesStopping int
	// Process2Active: an active incident at Process 2 (Provider Failure
	// Management, "provider failure where there are no remedial options
	// available to DCC to save the provider in its current state").
	Process2Active bool
	// Process1Active: an active incident at Process 1 (Final Concerns
	// Response), where the provider is still given a Final Action Plan.
	Process1Active bool
	// ServiceContinuing: the records say the provider carries on the
	// activity despite its difficulties, e.g. an administrator keeps the
	// home running as a going concern (003 s.7).
	ServiceContinuing bool
}

// UnableToCarryOn decides s.48 condition 2 from the records (003 s.3: "The
// provider must be unable to carry out the particular activity. Where the
// provider can continue the activity despite business failure the duty will
// not be triggered"; s.7: under an Administrator "the service will usually
// continue to be provided, and the exercise of DCC's temporary duties may
// not be called for"). A provider is unable to carry on when one of its
// services is closing or closed, or when Provider Failure Management
// (Process 2) is running and the records do not say the service continues.
// A Process 1 incident alone never counts: the provider is still carrying
// on, working to its Final Action Plan.
func UnableToCarryOn(f CarryOnFacts) (bool, []string) {
	switch {
	case f.ServicesStopping > 0:
		return true, []string{fmt.Sprintf("003 s.3 condition 2: %d of the provider's services are closing or closed, so it is unable to carry out the activity", f.ServicesStopping)}
	case f.Process2Active && !f.ServiceContinuing:
		return true, []string{"003 s.3 condition 2: Provider Failure Management (Process 2) is running and the service is not recorded as continuing"}
	case f.Process2Active:
		return false, []string{"003 s.3: the provider continues the activity despite its failure (recorded as continuing), so the duty will not be triggered (003 s.7)"}
	case f.Process1Active:
		return false, []string{"003 s.3: a Final Concerns Response (Process 1) does not make the provider unable to carry on; where the provider can continue the activity the duty will not be triggered"}
	}
	return false, []string{"003 s.3: nothing recorded shows the provider unable to carry out the activity"}
}
