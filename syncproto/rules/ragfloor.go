package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Violation codes of the RAG tool's triggers, the destination checks that
// follow from them and vacancies. Stable: never rename one.
const (
	// CodeRAGBelowTriggers: a provider rated better than the RAG tool's
	// triggers allow (003 Appendix 1) and no reason recorded for it.
	CodeRAGBelowTriggers = "rag_below_triggers"
	// CodeDestinationCQCInadequate: the destination is rated Inadequate by
	// CQC and no commissioner's override is recorded.
	CodeDestinationCQCInadequate = "destination_cqc_inadequate"
	// CodeDestinationSafeguarding: a safeguarding concern about the
	// destination is not resolved and no commissioner's override is recorded.
	CodeDestinationSafeguarding = "destination_safeguarding_concern"
	// CodeVacancyOverbooked: a move would take more places than the
	// destination has for the category, and no commissioner's override is
	// recorded.
	CodeVacancyOverbooked = "vacancy_overbooked"
)

// RAGTrigger is one indicator of the QMT's RAG rated tool (003 Appendix 1,
// "The QMT's RAG status") that Continuity can see in the records.
type RAGTrigger struct {
	// Code names the trigger; stable.
	Code string `json:"code"`
	// Level is the colour the appendix lists the indicator under: a provider
	// that meets it is rated at least this.
	Level RAGStatus `json:"level"`
	// Words are the appendix's own words for the indicator.
	Words string `json:"words"`
}

// RAG trigger codes (RAGTriggers).
const (
	TriggerCQCInadequate          = "cqc_inadequate"
	TriggerSuspension             = "suspension"
	TriggerCQCRequiresImprovement = "cqc_requires_improvement"
	TriggerSafeguardingUnresolved = "safeguarding_unresolved"
	TriggerComplaintsUnresolved   = "complaints_unresolved"
	TriggerProfessionalConcerns   = "professional_concerns"
)

// ragTriggers is the table of RAGTriggers, highest colour first.
var ragTriggers = []RAGTrigger{
	{TriggerCQCInadequate, RAGRed, "CQC Rating of Inadequate and/or Warning Notices"},
	{TriggerSuspension, RAGRed, "Suspension (including voluntary)"},
	{TriggerCQCRequiresImprovement, RAGAmber, "CQC inspection report – requires improvement"},
	{TriggerSafeguardingUnresolved, RAGAmber, "Safeguarding's / Whistle blows (not yet resolved)"},
	{TriggerComplaintsUnresolved, RAGAmber, "Unresolved customer complaints"},
	{TriggerProfessionalConcerns, RAGAmber, "Concerns from GP, Fieldworkers, Healthcare Professionals"},
}

// RAGTriggers returns the RAG tool's indicators that the records show, each
// with the colour 003 Appendix 1 gives it and its words, highest colour
// first. The other indicators of the appendix (a CQC Notice of Proposal of
// Closure, contract breach and default notices, audit scores, "High level
// and/or seriousness of Safeguarding Notifications", high risk of closure,
// soft intelligence …) are the QMO's judgement and are recorded in the
// step's reason; they are not derived.
func RAGTriggers() []RAGTrigger { return append([]RAGTrigger(nil), ragTriggers...) }

// RAGFacts are what the records say about a provider, or one of its
// services, for its RAG triggers.
type RAGFacts struct {
	// CQCRatings are the CQC overall ratings of the services rated (the
	// schema's CQCRatings: "inadequate", "requires_improvement", …).
	CQCRatings []string
	// Suspended: contracting with the provider or the service is suspended,
	// by the council or after a neighbouring authority (003 s.9).
	Suspended bool
	// UnresolvedConcerns are the sources of its concerns not yet resolved
	// (the schema's ConcernSources: "safeguarding", "whistleblowing",
	// "complaint", "health_professional", …).
	UnresolvedConcerns []string
}

// TriggersMet returns the triggers the facts meet, highest colour first.
func TriggersMet(f RAGFacts) []RAGTrigger {
	met := map[string]bool{}
	for _, r := range f.CQCRatings {
		switch strings.ToLower(strings.TrimSpace(r)) {
		case "inadequate":
			met[TriggerCQCInadequate] = true
		case "requires_improvement":
			met[TriggerCQCRequiresImprovement] = true
		}
	}
	met[TriggerSuspension] = f.Suspended
	for _, s := range f.UnresolvedConcerns {
		switch s {
		case "safeguarding", "whistleblowing":
			met[TriggerSafeguardingUnresolved] = true
		case "complaint":
			met[TriggerComplaintsUnresolved] = true
		case "health_professional":
			met[TriggerProfessionalConcerns] = true
		}
	}
	var out []RAGTrigger
	for _, t := range ragTriggers {
		if met[t.Code] {
			out = append(out, t)
		}
	}
	return out
}

// RAGFloor is the lowest status the facts allow: the highest colour of the
// triggers met ("" when none is met), with those triggers.
func RAGFloor(f RAGFacts) (RAGStatus, []RAGTrigger) {
	met := TriggersMet(f)
	if len(met) == 0 {
		return "", nil
	}
	sort.SliceStable(met, func(i, j int) bool { return met[i].Level.Level() > met[j].Level.Level() })
	return met[0].Level, met
}

// RAGRating is a proposed RAG status and what the records say about the
// provider.
type RAGRating struct {
	Status RAGStatus // the status proposed
	Facts  RAGFacts  // the provider's (or service's) facts
	// BelowTriggersReason says why the provider is rated below what its
	// triggers give (e.g. the warning notices have been lifted and the
	// re-inspection report is awaited); blank when none.
	BelowTriggersReason string
}

// CheckRAGFloor checks that a provider is not rated better than the RAG
// tool's triggers allow (003 Appendix 1: the QMO will "apply the QMT's RAG
// rated tool and confirm the RAG status of the Provider"): a status below
// RAGFloor needs a recorded reason (below_triggers_reason). The message
// quotes each trigger met in the appendix's words.
func CheckRAGFloor(r RAGRating) Violations {
	floor, met := RAGFloor(r.Facts)
	if floor == "" || r.Status.Level() >= floor.Level() || !r.Status.Valid() || !blank(r.BelowTriggersReason) {
		return nil
	}
	var words []string
	for _, t := range met {
		if t.Level.Level() > r.Status.Level() {
			words = append(words, fmt.Sprintf("%q (%s)", t.Words, t.Level))
		}
	}
	return Violations{violation(CodeRAGBelowTriggers, "below_triggers_reason",
		"the provider cannot be rated %s: the QMT's RAG tool lists %s (003 Appendix 1, \"The QMT's RAG status\"); rate it at least %s, or record in below_triggers_reason why it is rated lower",
		r.Status, strings.Join(words, ", "), floor)}
}
