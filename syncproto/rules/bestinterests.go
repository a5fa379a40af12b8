package rules

import (
	"fmt"
	"strings"
	"time"
)

// CapacityOutcome is the outcome of a capacity assessment for one decision.
type CapacityOutcome string

// Capacity outcomes (Mental Capacity Act 2005, two-stage test).
const (
	HasCapacity   CapacityOutcome = "has_capacity"
	LacksCapacity CapacityOutcome = "lacks_capacity"
)

// CapacityAssessment is what the best-interests rule needs of an assessment.
type CapacityAssessment struct {
	ID         string // the assessment's id
	ResidentID string // whose capacity
	// Decision is the specific decision assessed, e.g. "where to live after
	// the closure"; capacity is decision-specific.
	Decision string
	Outcome  CapacityOutcome // has or lacks capacity for the decision
	// SupersedesID names the assessment this one supersedes, if any.
	SupersedesID string
	// Stages are the two-stage test's answers; when set, a best-interests
	// decision may rest on the assessment only if its outcome follows from
	// them (CheckTwoStage).
	Stages *TwoStage
	// SignedAt is when the assessment was signed; zero for a draft. A
	// draft grounds nothing.
	SignedAt time.Time
}

// AuthorityKind is a kind of legal authority to decide for a person.
type AuthorityKind string

// Authorities to decide (domain.md "Resident": Lasting Powers of Attorney and
// deputies; 003 Appendix 2, 3.11 and 4.11).
const (
	LPAHealthWelfare      AuthorityKind = "lpa_health_welfare"
	DeputyHealthWelfare   AuthorityKind = "deputy_health_welfare"
	LPAPropertyAffairs    AuthorityKind = "lpa_property_affairs"
	DeputyPropertyAffairs AuthorityKind = "deputy_property_affairs"
	// EnduringPowerOfAttorney is a pre-2007 power over property and affairs.
	EnduringPowerOfAttorney AuthorityKind = "enduring_power_of_attorney"
)

// Authority is an attorney or deputy on record for a resident.
type Authority struct {
	Kind AuthorityKind // LPA or deputy, health and welfare or property and affairs
	Name string        // the attorney's or deputy's name
	// CoversDecision: the LPA or court order gives authority for this
	// particular decision (an LPA may be restricted; a deputy's order names
	// the decisions it covers).
	CoversDecision bool
}

// decides reports whether a health and welfare authority covers the decision.
func (a Authority) decides() bool {
	return a.CoversDecision && (a.Kind == LPAHealthWelfare || a.Kind == DeputyHealthWelfare)
}

// DecisionMakerKind is who makes a best-interests decision.
type DecisionMakerKind string

// Decision makers.
const (
	// DecisionMakerCouncil: the council (its social worker) decides.
	DecisionMakerCouncil DecisionMakerKind = "council"
	// DecisionMakerNHS: the NHS decides (e.g. clinicians; NHS CHC residents).
	DecisionMakerNHS DecisionMakerKind = "nhs"
	// DecisionMakerAttorney: a health and welfare attorney decides.
	DecisionMakerAttorney DecisionMakerKind = "attorney"
	// DecisionMakerDeputy: a health and welfare deputy decides.
	DecisionMakerDeputy DecisionMakerKind = "deputy"
)

// DecisionType is the kind of best-interests decision, for the IMCA test.
type DecisionType string

// Decision types.
const (
	// DecisionAccommodation: where the person is to live (a move).
	DecisionAccommodation DecisionType = "accommodation"
	// DecisionSeriousMedicalTreatment: serious medical treatment.
	DecisionSeriousMedicalTreatment DecisionType = "serious_medical_treatment"
	// DecisionOther: any other decision.
	DecisionOther DecisionType = "other"
)

// Setting is where an accommodation decision would place the person.
type Setting string

// Settings of an accommodation decision.
const (
	SettingCareHome Setting = "care_home"
	SettingHospital Setting = "hospital"
	SettingOther    Setting = "other"
)

// Long-term move thresholds for instructing an IMCA (domain.md "Best-interests
// decision": "more than 8 weeks in a care home, 28 days in hospital").
const (
	IMCACareHomeStay = 8 * 7 * 24 * time.Hour
	IMCAHospitalStay = 28 * 24 * time.Hour
)

// ConsulteeRole is a consultee's relation to the person.
type ConsulteeRole string

// Consultee roles. Paid carers and professionals do not count as someone
// "appropriate to consult" for the IMCA test; an IMCA consulted is not one
// either (they are the answer to there being nobody).
const (
	ConsulteeFamily       ConsulteeRole = "family"
	ConsulteeFriend       ConsulteeRole = "friend"
	ConsulteeUnpaidCarer  ConsulteeRole = "unpaid_carer"
	ConsulteeAttorney     ConsulteeRole = "attorney"
	ConsulteeDeputy       ConsulteeRole = "deputy"
	ConsulteePaidCarer    ConsulteeRole = "paid_carer"
	ConsulteeProfessional ConsulteeRole = "professional"
	ConsulteeIMCA         ConsulteeRole = "imca"
	ConsulteeAdvocate     ConsulteeRole = "advocate"
)

// Consultee is someone consulted, or available to consult, about the decision.
type Consultee struct {
	Name string        // who
	Role ConsulteeRole // their relation to the person
	// Unsuitable: it is not practicable or appropriate to consult them (e.g.
	// estranged, unwilling, or the subject of a safeguarding concern).
	Unsuitable bool
}

// appropriate reports whether the consultee counts as someone appropriate to
// consult, other than paid carers.
func (c Consultee) appropriate() bool {
	if c.Unsuitable {
		return false
	}
	switch c.Role {
	case ConsulteeFamily, ConsulteeFriend, ConsulteeUnpaidCarer, ConsulteeAttorney, ConsulteeDeputy:
		return true
	}
	return false
}

// BestInterestsDecision is a best-interests decision as recorded (MCA 2005 s.4).
type BestInterestsDecision struct {
	ResidentID string // whose decision
	// Decision is the specific decision, matching the assessment's.
	Decision string
	// AssessmentID is the capacity assessment that found capacity lacking.
	AssessmentID  string
	DecisionMaker DecisionMakerKind // who is recorded as deciding
	Type          DecisionType      // for the IMCA test
	// Setting and ExpectedStay describe an accommodation decision.
	Setting      Setting
	ExpectedStay time.Duration // expected length of the stay
	// StayUnknown: no expected stay is recorded. A blank is not zero: a
	// move out of a closing care home is presumed long-term.
	StayUnknown bool
	Consultees  []Consultee // people consulted or available to consult
	// UrgentReason records the urgency exception: the move had to be made
	// as a matter of urgency, before an IMCA could be instructed (MCA 2005
	// ss.38(4), 39(4)); the IMCA is instructed afterwards.
	UrgentReason string
	// IMCAReferralDate is when an IMCA was instructed; zero if not.
	IMCAReferralDate time.Time
}

// IMCARequired decides whether an IMCA must be instructed (domain.md
// "Best-interests decision"; 003 Appendix 2, 3.8 "IMCAS appointed for those
// lacking family / friends"): nobody appropriate can be consulted other than
// paid carers, and the decision is a long-term move (more than 8 weeks in a
// care home, more than 28 days in hospital) or serious medical treatment.
// A health and welfare attorney or deputy with authority counts as someone
// appropriate. A blank expected stay is not zero: with StayUnknown the move
// is presumed long-term.
func IMCARequired(d BestInterestsDecision, authorities []Authority) Decision {
	var out Decision
	for _, c := range d.Consultees {
		if c.appropriate() {
			out.Reasons = append(out.Reasons, fmt.Sprintf("an IMCA is not required: %s (%s) can be consulted", c.Name, c.Role))
			return out
		}
	}
	for _, a := range authorities {
		if a.decides() {
			out.Reasons = append(out.Reasons, fmt.Sprintf("an IMCA is not required: %s holds a %s with authority for this decision", a.Name, a.Kind))
			return out
		}
	}
	out.Reasons = append(out.Reasons, "nobody appropriate can be consulted other than paid carers")
	switch {
	case d.Type == DecisionSeriousMedicalTreatment:
		out.Eligible = true
		out.Criteria = []string{"serious_medical_treatment"}
		out.Reasons = append(out.Reasons, "the decision is about serious medical treatment, so an IMCA must be instructed")
	case d.Type == DecisionAccommodation && (d.Setting == SettingCareHome || d.Setting == SettingHospital) && d.StayUnknown:
		out.Eligible = true
		out.Criteria = []string{"long_term_move_" + string(d.Setting)}
		out.Reasons = append(out.Reasons, "no expected stay is recorded, and a blank is not zero: a move out of a closing home is presumed long-term, so an IMCA must be instructed (003 Appendix 2, 3.8 \"IMCAS appointed for those lacking family / friends\")")
	case d.Type == DecisionAccommodation && d.Setting == SettingCareHome && d.ExpectedStay > IMCACareHomeStay:
		out.Eligible = true
		out.Criteria = []string{"long_term_move_care_home"}
		out.Reasons = append(out.Reasons, "the decision is a long-term move: more than 8 weeks in a care home, so an IMCA must be instructed (003 Appendix 2, 3.8)")
	case d.Type == DecisionAccommodation && d.Setting == SettingHospital && d.ExpectedStay > IMCAHospitalStay:
		out.Eligible = true
		out.Criteria = []string{"long_term_move_hospital"}
		out.Reasons = append(out.Reasons, "the decision is a long-term move: more than 28 days in hospital, so an IMCA must be instructed")
	default:
		out.Reasons = append(out.Reasons, "the decision is neither serious medical treatment nor a long-term move (more than 8 weeks in a care home, 28 days in hospital), so an IMCA is not required (one may still be instructed)")
	}
	return out
}

// CheckBestInterests checks a best-interests decision (Mental Capacity Act
// 2005 s.4; domain.md "Best-interests decision"; 003 Appendix 2, 3.8 and 3.11):
//   - it rests on a capacity assessment of the same person for the same
//     decision that found capacity lacking, and that has not been superseded;
//   - where a health and welfare attorney or deputy has authority for the
//     decision, they decide, not the council (lpa_decides / deputy_decides);
//   - an attorney or deputy recorded as decision-maker has such authority;
//   - when IMCARequired, an IMCA referral date is recorded, not after now.
//
// assessments are the resident's capacity assessments; authorities their
// attorneys and deputies; now is the current time, injected.
func CheckBestInterests(d BestInterestsDecision, assessments []CapacityAssessment, authorities []Authority, now time.Time) Violations {
	var vs Violations
	var found *CapacityAssessment
	for i := range assessments {
		if assessments[i].ID == d.AssessmentID && d.AssessmentID != "" {
			found = &assessments[i]
		}
	}
	switch {
	case found == nil:
		vs = append(vs, violation(CodeBestInterestsNeedsLackingCapacity, "assessment_id", "a best-interests decision needs the capacity assessment that found capacity lacking; assessment %q is not on record", d.AssessmentID))
	case found.ResidentID != d.ResidentID || !sameDecision(found.Decision, d.Decision):
		vs = append(vs, violation(CodeBestInterestsNeedsLackingCapacity, "assessment_id", "assessment %s is about %q for resident %s, not %q for resident %s; capacity is decision-specific", found.ID, found.Decision, found.ResidentID, d.Decision, d.ResidentID))
	case found.Outcome != LacksCapacity:
		vs = append(vs, violation(CodeBestInterestsNeedsLackingCapacity, "assessment_id", "assessment %s found the person %s for this decision, so they make it themselves (including unwise decisions); no best-interests decision is made", found.ID, strings.ReplaceAll(string(found.Outcome), "_", " ")))
	case found.SignedAt.IsZero():
		vs = append(vs, violation(CodeBestInterestsNeedsLackingCapacity, "assessment_id", "assessment %s is an unsigned draft: a draft grounds nothing; a best-interests decision rests on a signed two-stage assessment (003 Appendix 2, 3.8 \"Two-stage Assessments of Customers capacity to make decisions about accommodation move\")", found.ID))
	case found.Stages != nil && !Coherent(found.Outcome, *found.Stages):
		vs = append(vs, violation(CodeCapacityIncoherent, "assessment_id", "assessment %s is not a coherent two-stage assessment (%s), so no best-interests decision may rest on it (003 Appendix 2, 3.8)", found.ID, joinCodes(CheckTwoStage(found.Outcome, *found.Stages))))
	}
	if found != nil {
		for _, a := range assessments {
			if a.SupersedesID == found.ID {
				vs = append(vs, violation(CodeBestInterestsAssessmentSuperseded, "assessment_id", "assessment %s has been superseded by %s; rest the decision on the current assessment", found.ID, a.ID))
			}
		}
		if latest := LatestSigned(assessments, found.ResidentID, found.Decision); latest != nil && latest.ID != found.ID && !found.SignedAt.IsZero() {
			vs = append(vs, violation(CodeBestInterestsAssessmentSuperseded, "assessment_id", "the person's latest signed assessment of this decision is %s (%s), signed after %s: rest the decision on it", latest.ID, strings.ReplaceAll(string(latest.Outcome), "_", " "), found.ID))
		}
	}

	var lpa, deputy *Authority
	for i, a := range authorities {
		if !a.decides() {
			continue
		}
		if a.Kind == LPAHealthWelfare && lpa == nil {
			lpa = &authorities[i]
		}
		if a.Kind == DeputyHealthWelfare && deputy == nil {
			deputy = &authorities[i]
		}
	}
	switch {
	case lpa != nil && d.DecisionMaker != DecisionMakerAttorney:
		vs = append(vs, violation(CodeLPADecides, "decision_maker", "%s holds a Lasting Power of Attorney for health and welfare with authority for this decision, so they decide; the decision-maker is recorded as %q", lpa.Name, d.DecisionMaker))
	case lpa == nil && deputy != nil && d.DecisionMaker != DecisionMakerDeputy:
		vs = append(vs, violation(CodeDeputyDecides, "decision_maker", "%s is the health and welfare deputy with authority for this decision, so they decide; the decision-maker is recorded as %q", deputy.Name, d.DecisionMaker))
	case d.DecisionMaker == DecisionMakerAttorney && lpa == nil:
		vs = append(vs, violation(CodeDecisionMakerWithoutAuthority, "decision_maker", "an attorney is recorded as decision-maker but no health and welfare LPA with authority for this decision is on record"))
	case d.DecisionMaker == DecisionMakerDeputy && deputy == nil:
		vs = append(vs, violation(CodeDecisionMakerWithoutAuthority, "decision_maker", "a deputy is recorded as decision-maker but no health and welfare deputyship with authority for this decision is on record"))
	}

	if req := IMCARequired(d, authorities); req.Eligible && d.IMCAReferralDate.IsZero() && blank(d.UrgentReason) {
		vs = append(vs, violation(CodeIMCARequired, "imca_referral_date", "%s; record the IMCA referral date, or the urgency exception", strings.Join(req.Reasons, "; ")))
	}
	if !d.IMCAReferralDate.IsZero() && d.IMCAReferralDate.After(now) {
		vs = append(vs, violation(CodeDateInFuture, "imca_referral_date", "the IMCA referral date %s is in the future", d.IMCAReferralDate.Format(time.DateOnly)))
	}
	return vs
}

// LatestSigned returns the person's latest signed assessment of the
// decision (by signing time, then id), or nil when none is signed. Drafts
// ground nothing; the latest signed assessment is the person's capacity for
// the decision, whether or not it names the one before in supersedes_id.
// An empty decision matches any.
func LatestSigned(assessments []CapacityAssessment, residentID, decision string) *CapacityAssessment {
	var best *CapacityAssessment
	for i := range assessments {
		a := &assessments[i]
		if a.SignedAt.IsZero() || a.ResidentID != residentID || (decision != "" && !sameDecision(a.Decision, decision)) {
			continue
		}
		if best == nil || a.SignedAt.After(best.SignedAt) || (a.SignedAt.Equal(best.SignedAt) && a.ID > best.ID) {
			best = a
		}
	}
	return best
}

// sameDecision compares decision descriptions ignoring case and spacing.
func sameDecision(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	return norm(a) == norm(b)
}

// MoveChoice is what CheckMoveChoice needs to judge who chose a resident's
// new home (003 Appendix 2, 7.3 and 7.9).
type MoveChoice struct {
	// ChosenBy is who is recorded as choosing: resident, carer,
	// representative or best_interests.
	ChosenBy string
	// LacksCapacity: the resident's latest signed assessment for the
	// decision where to live found capacity lacking (coherently). Without
	// one the person is presumed to have capacity (MCA 2005 s.1(2)).
	LacksCapacity bool
	// BestInterests is the best-interests decision behind the move, if any.
	BestInterests *BestInterestsDecision
	// BestInterestsDecided: the move names a best-interests decision for
	// it that is made (decided_at recorded) and rests on the person's
	// latest signed assessment.
	BestInterestsDecided bool
	// Authorities are the resident's attorneys and deputies.
	Authorities []Authority
	// IMCAReferred: an IMCA has been instructed for the person.
	IMCAReferred bool
}

// CheckMoveChoice checks who chose a resident's new home against their
// capacity (003 Appendix 2, 7.3 "Maximise resident/carer ability to make an
// informed choice ... in adherence to the principles of the Mental Capacity
// Act 2005"; 7.9 "Decision by customer/carer on new provision"; 3.8 "IMCAS
// appointed for those lacking family / friends"). A person who lacks
// capacity for the decision does not choose alone: the move rests on a
// best-interests decision, or the attorney or deputy who holds the authority
// chooses. A care-home move for such a person with nobody appropriate to
// consult needs an IMCA, unless the urgency exception is recorded.
//
// A person with capacity (their latest signed assessment, or the
// presumption of MCA 2005 s.1(2) when none is signed) chooses for
// themselves: a move recorded as chosen by a carer, a representative or a
// best-interests decision is refused (7.3 "Maximise resident/carer ability
// to make an informed choice"; MCA 2005 s.1(4) the right to make an unwise
// decision). For a person who lacks capacity, the move names a made
// best-interests decision for it that rests on the latest signed
// assessment, or a health and welfare attorney or deputy with the authority
// is recorded.
func CheckMoveChoice(c MoveChoice) Violations {
	if !c.LacksCapacity {
		switch c.ChosenBy {
		case "carer", "representative", "best_interests":
			return Violations{violation(CodeChoiceNotThePersons, "chosen_by", "the person has capacity to decide where to live (their latest signed assessment, or the presumption of capacity, MCA 2005 s.1(2)), so they choose: a move chosen by %s is not theirs; record their own choice (chosen_by resident) (003 Appendix 2, 7.3 \"Maximise resident/carer ability to make an informed choice ... in adherence to the principles of the Mental Capacity Act 2005\")", strings.ReplaceAll(c.ChosenBy, "_", " "))}
		}
		return nil
	}
	var vs Violations
	if c.ChosenBy == "resident" || c.ChosenBy == "" {
		vs = append(vs, violation(CodeChoiceNeedsCapacity, "chosen_by", "the person lacks capacity to decide where to live, so they do not choose alone: record the best-interests decision (chosen_by best_interests) or the attorney or deputy who chose (003 Appendix 2, 7.3 and 7.9)"))
	}
	authority := false
	for _, a := range c.Authorities {
		authority = authority || a.decides()
	}
	if !authority && !c.BestInterestsDecided {
		vs = append(vs, violation(CodeChoiceNeedsBestInterests, "best_interests_decision_id", "the person lacks capacity to decide where to live: the move rests on a made best-interests decision for it (best_interests_decision_id, with decided_at, on the latest signed assessment), or on a health and welfare attorney or deputy with the authority (MCA 2005 s.4; 003 Appendix 2, 3.8 and 3.11)"))
	}
	d := BestInterestsDecision{Type: DecisionAccommodation, Setting: SettingCareHome, StayUnknown: true}
	if c.BestInterests != nil {
		d = *c.BestInterests
	}
	if req := IMCARequired(d, c.Authorities); req.Eligible && d.IMCAReferralDate.IsZero() && !c.IMCAReferred && blank(d.UrgentReason) {
		vs = append(vs, violation(CodeIMCARequired, "best_interests_decision_id", "%s; instruct an IMCA before the move, or record the urgency exception", strings.Join(req.Reasons, "; ")))
	}
	return vs
}
