package domain

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// BestInterestsOf reads a best-interests decision record. A blank
// expected_stay_days is not zero: StayUnknown is set.
func BestInterestsOf(r *syncproto.Record) rules.BestInterestsDecision {
	d := rules.BestInterestsDecision{
		ResidentID: str(r, "resident_id"), Decision: str(r, "decision"), AssessmentID: str(r, "assessment_id"),
		DecisionMaker: rules.DecisionMakerKind(str(r, "decision_maker")), Type: rules.DecisionType(str(r, "decision_type")),
		Setting: rules.Setting(str(r, "setting")), ExpectedStay: time.Duration(integer(r, "expected_stay_days")) * 24 * time.Hour,
		StayUnknown:      r.Value("expected_stay_days") == nil || string(r.Value("expected_stay_days")) == "null",
		IMCAReferralDate: instant(r, "imca_referral_date"), UrgentReason: str(r, "imca_urgency_reason"),
	}
	var consultees []struct {
		Role       string `json:"role"`
		Name       string `json:"name"`
		Unsuitable bool   `json:"unsuitable"`
	}
	_ = json.Unmarshal(r.Value("consultees"), &consultees)
	for _, cn := range consultees {
		d.Consultees = append(d.Consultees, rules.Consultee{Name: cn.Name, Role: rules.ConsulteeRole(cn.Role), Unsuitable: cn.Unsuitable})
	}
	return d
}

// AuthoritiesOf reads a resident's attorneys and deputies, and the one a
// best-interests decision records as present (decision may be nil).
func AuthoritiesOf(resident, decision *syncproto.Record) []rules.Authority {
	var out []rules.Authority
	if resident != nil {
		var lpas []struct {
			Kind         string `json:"kind"`
			Name         string `json:"name"`
			Restrictions string `json:"restrictions"`
		}
		_ = json.Unmarshal(resident.Value("lpa"), &lpas)
		for _, a := range lpas {
			out = append(out, rules.Authority{Kind: rules.AuthorityKind(a.Kind), Name: a.Name, CoversDecision: strings.TrimSpace(a.Restrictions) == ""})
		}
	}
	if present, _ := boolean(decision, "authority_present"); present {
		out = append(out, rules.Authority{Kind: rules.AuthorityKind(str(decision, "authority_kind")), Name: str(decision, "authority_name"), CoversDecision: true})
	}
	return out
}

// IMCAFor says whether an IMCA must be instructed for a best-interests
// decision, by the rule (003 Appendix 2, 3.8), not by the recorder's flag.
func IMCAFor(decision, resident *syncproto.Record) rules.Decision {
	return rules.IMCARequired(BestInterestsOf(decision), AuthoritiesOf(resident, decision))
}

// bestInterestsRule: a best-interests decision rests on a coherent
// assessment that found capacity lacking for the same decision; an attorney
// or deputy with authority decides instead; an IMCA is instructed when
// required (a blank expected stay is not zero) unless the urgency exception
// is recorded; NHS liaison decides only for CHC residents.
func bestInterestsRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() {
		return nil
	}
	internal := syncproto.Errorf(syncproto.CodeInternal, "", "could not read the records this decision depends on")
	res, err := ctx.Lookup.Record("residents", str(after, "resident_id"))
	if err != nil {
		return internal
	}
	if !system(ctx) {
		if e := violationError(rules.CheckNHSLead(rules.Role(ctx.Role), schema.FundingStreamsOf(res))); e != nil {
			return e
		}
	}
	d := BestInterestsOf(after)
	recs, err := ctx.Lookup.Find("capacity_assessments", "resident_id", jsonString(d.ResidentID))
	if err != nil {
		return internal
	}
	var assessments []rules.CapacityAssessment
	for _, r := range recs {
		if r.Deleted() {
			continue
		}
		assessments = append(assessments, AssessmentOf(r))
	}
	return violationError(rules.CheckBestInterests(d, assessments, AuthoritiesOf(res, after), ctx.Now))
}
