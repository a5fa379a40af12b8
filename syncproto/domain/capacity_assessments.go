package domain

import (
	"encoding/json"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// TwoStageOf reads the two-stage test of a capacity assessment record.
func TwoStageOf(r *syncproto.Record) rules.TwoStage {
	return rules.TwoStage{
		Impairment: boolPtr(r, "impairment"), Understand: boolPtr(r, "can_understand"), Retain: boolPtr(r, "can_retain"),
		UseOrWeigh: boolPtr(r, "can_use_or_weigh"), Communicate: boolPtr(r, "can_communicate"), CausativeNexus: boolPtr(r, "causative_nexus"),
	}
}

// AssessmentOf reads what the best-interests rules need of an assessment.
func AssessmentOf(r *syncproto.Record) rules.CapacityAssessment {
	st := TwoStageOf(r)
	return rules.CapacityAssessment{ID: r.ID, ResidentID: str(r, "resident_id"), Decision: str(r, "decision"),
		Outcome: rules.CapacityOutcome(str(r, "outcome")), SupersedesID: str(r, "supersedes_id"), Stages: &st, SignedAt: instant(r, "signed_at")}
}

// EvidenceOf reads the evidence a capacity assessment records besides its
// answers.
func EvidenceOf(r *syncproto.Record) rules.AssessmentEvidence {
	e := rules.AssessmentEvidence{
		RelevantInformation: str(r, "relevant_information"), HowInformationGiven: str(r, "how_information_given"),
		PracticableSteps: str(r, "practicable_steps"), ImpairmentEvidence: str(r, "impairment_evidence"),
		Understand: str(r, "understand_evidence"), Retain: str(r, "retain_evidence"), UseOrWeigh: str(r, "use_or_weigh_evidence"),
		Communicate: str(r, "communicate_evidence"), CausativeNexusEvidence: str(r, "causative_nexus_evidence"), Assessor: str(r, "assessor_name"),
	}
	var sittings []schema.Sitting
	_ = json.Unmarshal(r.Value("sittings"), &sittings)
	for _, s := range sittings {
		e.Sittings = append(e.Sittings, s.Date)
	}
	return e
}

// assessmentRule: a signed capacity assessment is never edited, only
// superseded by a new one that names it.
func assessmentRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	var beforeF, afterF rules.Fields
	if !isCreate(before) {
		beforeF = fieldsOf(before)
	}
	if !after.Deleted() {
		afterF = fieldsOf(after)
	}
	if e := violationError(rules.CheckAssessmentChange(beforeF, afterF)); e != nil {
		return e
	}
	if afterF != nil && rules.Signed(afterF) && (beforeF == nil || !rules.Signed(beforeF)) {
		// 003 Appendix 2, 3.8 "Two-stage Assessments": an incoherent
		// assessment cannot be signed.
		if e := violationError(rules.CheckTwoStage(rules.CapacityOutcome(str(after, "outcome")), TwoStageOf(after))); e != nil {
			return e
		}
		// MCA 2005 s.1(3), ss.2-3: a signed "lacks capacity" gives its
		// evidence, the assessor and when.
		if e := violationError(rules.CheckSigningEvidence(rules.CapacityOutcome(str(after, "outcome")), TwoStageOf(after), EvidenceOf(after))); e != nil {
			return e
		}
	}
	if sup := str(after, "supersedes_id"); sup != "" && (isCreate(before) || str(before, "supersedes_id") != sup) {
		prev, err := ctx.Lookup.Record("capacity_assessments", sup)
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the superseded assessment")
		}
		if prev == nil || !prev.Exists() {
			return syncproto.Errorf(CodeSupersedesUnknown, "fields.supersedes_id", "assessment %s that this one supersedes is not known", sup)
		}
		return violationError(rules.CheckSupersedes(fieldsOf(prev), afterF))
	}
	return nil
}
