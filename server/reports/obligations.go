package reports

import (
	"math"
	"slices"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// ObligationFigures are the seed's obligations beyond the checklist, as the
// summary shows them (003 s.3, s.10, s.11, Schedule B; Appendix 2, 2.12,
// 2.16, 4.5, 4.10, 8.1, 10.3).
type ObligationFigures struct {
	// PFMMeeting is the Provider Failure Management meeting's timing
	// against activation: "The DCC lead will immediately call a Provider
	// Failure Management meeting to take place at the earliest practicable
	// opportunity" (003 s.10).
	PFMMeeting PFMTiming `json:"pfm_meeting"`
	// Notifications counts notifications made; S10Unacknowledged those to
	// the s.10 leads not yet acknowledged by the lead or a deputy.
	Notifications     int `json:"notifications"`
	S10Unacknowledged int `json:"s10_unacknowledged"`
	// CommunicationPlan counts the Communications Plan's entries and those
	// done (2.16, 2.19).
	CommunicationPlan     int `json:"communication_plan"`
	CommunicationPlanDone int `json:"communication_plan_done"`
	// StaffingRecords counts staffing and agency cover records (2.9).
	StaffingRecords int `json:"staffing_records"`
	// Payments counts payments; AwaitingAgreement those to the provider or
	// administrator proposed or withheld without a written agreement
	// (s.11); CostRecoveries the charges and recoveries from another
	// authority (s.3).
	Payments          int `json:"payments"`
	AwaitingAgreement int `json:"awaiting_agreement"`
	CostRecoveries    int `json:"cost_recoveries"`
	// ResidentsWithoutLeadWorker counts residents still to move with no
	// lead worker allocated (2.12); SelfFundersWithoutResponsibility the
	// self-funders nobody has taken responsibility for (4.5).
	ResidentsWithoutLeadWorker       int `json:"residents_without_lead_worker"`
	SelfFundersWithoutResponsibility int `json:"self_funders_without_responsibility"`
	// BelongingsHeld counts petty cash and belongings still held by the
	// failing home (4.10).
	BelongingsHeld int `json:"belongings_held"`
	// ComplaintsOpen counts complaints and disputes not resolved (8.1).
	ComplaintsOpen int `json:"complaints_open"`
	// SABConsidered: a referral to the Safeguarding Adults Board was
	// considered (10.3).
	SABConsidered bool `json:"sab_considered"`
}

// PFMTiming is the Provider Failure Management meeting's timing.
type PFMTiming struct {
	// ActivatedAt is when Process 2 began: the escalation from Process 1,
	// or the activation (RFC 3339; empty when not known).
	ActivatedAt string `json:"activated_at,omitempty"`
	// HeldAt is when the first Provider Failure Management meeting was
	// held; empty while none is recorded.
	HeldAt string `json:"held_at,omitempty"`
	// HoursAfterActivation is HeldAt less ActivatedAt in hours, to one
	// decimal place; while no meeting is held, HoursSinceActivation is the
	// time waited so far.
	HoursAfterActivation *float64 `json:"hours_after_activation,omitempty"`
	HoursSinceActivation *float64 `json:"hours_since_activation,omitempty"`
}

// hours is d in hours to one decimal place.
func hours(d time.Duration) *float64 {
	h := math.Round(d.Hours()*10) / 10
	return &h
}

// obligationFigures works out the obligations' figures as of now.
func obligationFigures(ix *index, now time.Time) ObligationFigures {
	var o ObligationFigures
	o.PFMMeeting = pfmTiming(ix, now)
	s10 := map[string]bool{}
	for _, k := range schema.S10Leads {
		s10[k] = true
	}
	for _, n := range ix.all("notifications") {
		o.Notifications++
		if s10[str(n, "recipient_kind")] && (str(n, "acknowledged_at") == "" || str(n, "acknowledged_by_kind") == "administrative_staff") {
			o.S10Unacknowledged++
		}
	}
	for _, p := range ix.all("communication_plans") {
		o.CommunicationPlan++
		if str(p, "status") == "done" {
			o.CommunicationPlanDone++
		}
	}
	o.StaffingRecords = len(ix.all("staffing_cover"))
	for _, p := range ix.all("payments") {
		o.Payments++
		switch kind := str(p, "kind"); {
		case kind == "cost_recovery" || kind == "charge":
			o.CostRecoveries++
		case (kind == "to_provider" || kind == "to_administrator") && str(p, "written_agreement_on") == "":
			o.AwaitingAgreement++
		}
	}
	lead, responsible := map[string]bool{}, map[string]bool{}
	for _, r := range ix.all("resident_responsibilities") {
		switch str(r, "kind") {
		case "lead_worker":
			lead[str(r, "resident_id")] = true
		case "self_funder":
			responsible[str(r, "resident_id")] = true
		}
	}
	ms := movesByResident(ix)
	for _, r := range ix.all("residents") {
		if ms.stillToMove(r) && !lead[r.ID] {
			o.ResidentsWithoutLeadWorker++
		}
		if slices.Contains(strs(r, "funding_streams"), schema.FundingSelfFunder) && !responsible[r.ID] {
			o.SelfFundersWithoutResponsibility++
		}
	}
	for _, b := range ix.all("resident_belongings") {
		if str(b, "status") == "held" {
			o.BelongingsHeld++
		}
	}
	for _, c := range ix.all("complaints") {
		if str(c, "status") != "resolved" {
			o.ComplaintsOpen++
		}
	}
	o.SABConsidered = len(ix.all("sab_referrals")) > 0
	return o
}

// pfmTiming finds the first Provider Failure Management meeting and times
// it from the start of Process 2.
func pfmTiming(ix *index, now time.Time) PFMTiming {
	var t PFMTiming
	inc := ix.incident()
	start := instantOf(inc, "escalated_at")
	if start.IsZero() {
		start = instantOf(inc, "activated_at")
	}
	var held time.Time
	for _, m := range ix.all("meeting_records") {
		if str(m, "meeting_type") != "provider_failure_management" {
			continue
		}
		if at := instantOf(m, "held_at"); !at.IsZero() && (held.IsZero() || at.Before(held)) {
			held = at
		}
	}
	if !held.IsZero() {
		t.HeldAt = held.UTC().Format(time.RFC3339)
	}
	if start.IsZero() {
		return t
	}
	t.ActivatedAt = start.UTC().Format(time.RFC3339)
	if held.IsZero() {
		t.HoursSinceActivation = hours(now.Sub(start))
	} else {
		t.HoursAfterActivation = hours(held.Sub(start))
	}
	return t
}

// instantOf is an RFC 3339 field's time, zero when unset or unreadable.
func instantOf(r *syncproto.Record, name string) time.Time {
	if r == nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, str(r, name))
	if err != nil {
		return time.Time{}
	}
	return t
}

// metrics adds the figures to the summary's metrics.
func (o ObligationFigures) metrics(add func(string, int)) {
	add("obligations.notifications", o.Notifications)
	add("obligations.s10_unacknowledged", o.S10Unacknowledged)
	add("obligations.communication_plan", o.CommunicationPlan)
	add("obligations.communication_plan_done", o.CommunicationPlanDone)
	add("obligations.staffing_records", o.StaffingRecords)
	add("obligations.payments", o.Payments)
	add("obligations.awaiting_agreement", o.AwaitingAgreement)
	add("obligations.cost_recoveries", o.CostRecoveries)
	add("obligations.residents_without_lead_worker", o.ResidentsWithoutLeadWorker)
	add("obligations.self_funders_without_responsibility", o.SelfFundersWithoutResponsibility)
	add("obligations.belongings_held", o.BelongingsHeld)
	add("obligations.complaints_open", o.ComplaintsOpen)
	sab := 0
	if o.SABConsidered {
		sab = 1
	}
	add("obligations.sab_considered", sab)
}
