package rules

import "strings"

// TwoStage is the two-stage test of a capacity assessment as recorded
// (Mental Capacity Act 2005 ss.2-3; 003 Appendix 2, 3.8 "Two-stage
// Assessments of Customers capacity to make decisions about accommodation
// move"). Each answer is nil until the assessor records it.
type TwoStage struct {
	// Impairment is stage 1: an impairment of, or disturbance in the
	// functioning of, the mind or brain.
	Impairment *bool
	// Understand, Retain, UseOrWeigh and Communicate are stage 2: whether
	// the person can understand the relevant information, retain it, use or
	// weigh it, and communicate the decision.
	Understand, Retain, UseOrWeigh, Communicate *bool
	// CausativeNexus: the person is unable to decide because of the
	// impairment.
	CausativeNexus *bool
}

// abilities returns the stage 2 answers with their names.
func (t TwoStage) abilities() []struct {
	name string
	v    *bool
} {
	return []struct {
		name string
		v    *bool
	}{{"can_understand", t.Understand}, {"can_retain", t.Retain}, {"can_use_or_weigh", t.UseOrWeigh}, {"can_communicate", t.Communicate}}
}

// Lacks reports whether the answers show capacity lacking: an impairment
// (stage 1), at least one of the four abilities not met (stage 2), and the
// inability caused by the impairment.
func (t TwoStage) Lacks() bool {
	if !yes(t.Impairment) || !yes(t.CausativeNexus) {
		return false
	}
	for _, a := range t.abilities() {
		if no(a.v) {
			return true
		}
	}
	return false
}

func yes(b *bool) bool { return b != nil && *b }
func no(b *bool) bool  { return b != nil && !*b }

// CheckTwoStage checks that an assessment's outcome follows from its two
// stages (MCA 2005 s.2(1): a person lacks capacity "if at the material time
// he is unable to make a decision for himself in relation to the matter
// because of an impairment of, or a disturbance in the functioning of, the
// mind or brain"; s.3(1): unable to understand, retain, use or weigh, or
// communicate). "Lacks capacity" needs stage 1 answered yes, at least one
// stage 2 ability answered no, and the causative nexus answered yes.
// "Has capacity" must not rest on answers that show capacity lacking. The
// order in which the stages were answered is not checked. An empty outcome
// is reported: a signed assessment has one.
func CheckTwoStage(outcome CapacityOutcome, t TwoStage) Violations {
	return Check(TwoStageRequirements, t.fields(outcome))
}

// fields are the answers as the record's field values, for
// TwoStageRequirements; signed_at is set, as CheckTwoStage judges a signed
// assessment.
func (t TwoStage) fields(outcome CapacityOutcome) map[string]any {
	f := map[string]any{"outcome": string(outcome), "signed_at": "signed"}
	if outcome == "" {
		delete(f, "outcome")
	}
	put := func(name string, b *bool) {
		if b != nil {
			f[name] = *b
		}
	}
	put("impairment", t.Impairment)
	for _, a := range t.abilities() {
		put(a.name, a.v)
	}
	put("causative_nexus", t.CausativeNexus)
	return f
}

// AssessmentEvidence is what a capacity assessment records besides its
// answers: the evidence a signed "lacks capacity" must give.
type AssessmentEvidence struct {
	// RelevantInformation is the information given: the options and their
	// consequences (MCA 2005 s.3(1)(a), s.3(4)).
	RelevantInformation string
	// HowInformationGiven is how it was put to the person (s.3(2)).
	HowInformationGiven string
	// PracticableSteps are the steps taken to help the person decide
	// (s.1(3)).
	PracticableSteps string
	// ImpairmentEvidence is the evidence for stage 1.
	ImpairmentEvidence string
	// Understand, Retain, UseOrWeigh and Communicate are the evidence for
	// each stage 2 answer.
	Understand, Retain, UseOrWeigh, Communicate string
	// CausativeNexusEvidence shows the inability is because of the
	// impairment.
	CausativeNexusEvidence string
	// Assessor is who assessed.
	Assessor string
	// Sittings are the dates the assessment was done on.
	Sittings []string
}

// CheckSigningEvidence checks that a "lacks capacity" assessment being
// signed records the Mental Capacity Act's evidence: the information given
// and how (s.3), the practicable steps taken to help the person decide
// (s.1(3) "A person is not to be treated as unable to make a decision unless
// all practicable steps to help him to do so have been taken without
// success"), the evidence for stage 1, for each stage 2 answer and for the
// causative nexus (s.2(1), s.3(1)), the assessor, and when it was done (a
// sitting with its date). Three bare booleans are not an assessment. A "has
// capacity" outcome needs none of it: capacity is presumed (s.1(2)).
func CheckSigningEvidence(outcome CapacityOutcome, t TwoStage, e AssessmentEvidence) Violations {
	if outcome != LacksCapacity {
		return nil
	}
	var vs Violations
	need := func(v, field, what string) {
		if blank(v) {
			vs = append(vs, violation(CodeCapacityEvidenceMissing, field, "a signed 'lacks capacity' records %s (Mental Capacity Act 2005)", what))
		}
	}
	need(e.RelevantInformation, "relevant_information", "the information given: the options and their consequences (s.3(1)(a), s.3(4))")
	need(e.HowInformationGiven, "how_information_given", "how the information was put to the person (s.3(2))")
	need(e.PracticableSteps, "practicable_steps", "the practicable steps taken to help the person decide (s.1(3): \"all practicable steps to help him to do so have been taken without success\")")
	need(e.ImpairmentEvidence, "impairment_evidence", "the evidence of the impairment (stage 1, s.2(1))")
	for _, a := range []struct {
		answer   *bool
		evidence string
		field    string
		what     string
	}{
		{t.Understand, e.Understand, "understand_evidence", "understand the relevant information"},
		{t.Retain, e.Retain, "retain_evidence", "retain it"},
		{t.UseOrWeigh, e.UseOrWeigh, "use_or_weigh_evidence", "use or weigh it"},
		{t.Communicate, e.Communicate, "communicate_evidence", "communicate the decision"},
	} {
		if a.answer != nil {
			need(a.evidence, a.field, "the evidence for the stage 2 answer whether the person can "+a.what+" (s.3(1))")
		}
	}
	need(e.CausativeNexusEvidence, "causative_nexus_evidence", "the evidence that the inability is because of the impairment (s.2(1))")
	need(e.Assessor, "assessor_name", "the assessor")
	dated := false
	for _, d := range e.Sittings {
		dated = dated || !blank(d)
	}
	if !dated {
		vs = append(vs, violation(CodeCapacityEvidenceMissing, "sittings", "a signed 'lacks capacity' records when it was done: at least one sitting with its date"))
	}
	return vs
}

// Coherent reports whether outcome follows from the answers; see
// CheckTwoStage.
func Coherent(outcome CapacityOutcome, t TwoStage) bool { return len(CheckTwoStage(outcome, t)) == 0 }

// joinCodes is a helper for messages listing violation codes.
func joinCodes(vs Violations) string { return strings.Join(vs.Codes(), ", ") }
