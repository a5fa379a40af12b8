package domain

import (
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// ragRule: a RAG step is made by a role allowed to reach it, with a reason;
// the history is append-only.
func ragRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if !isCreate(before) {
		return syncproto.Errorf(rules.CodeLogAppendOnly, "", "a RAG status step is history: record a new step instead of changing this one")
	}
	role := rules.Role(ctx.Role)
	if system(ctx) {
		role = rules.Role(str(after, "decided_by_role"))
	} else if got := str(after, "decided_by_role"); got != ctx.Role {
		return syncproto.Errorf(syncproto.CodeInvalidValue, "fields.decided_by_role", "decided_by_role must be your role (%s), not %q", ctx.Role, got)
	}
	// 003 Appendix 1: the Head of Adults Commissioning's functions are
	// "delegated to Senior QMO in QMT in their absence".
	role, dvs := rules.ActingRole(role, rules.Delegation{From: rules.Role(str(after, "delegated_from_role")), By: str(after, "delegated_by"), Reason: str(after, "delegation_reason")})
	if e := violationError(dvs); e != nil {
		return e
	}
	to := rules.RAGStatus(str(after, "status"))
	// The provider's status is what its history says, not what the device
	// believes: a step from a stale status is refused.
	from, err := latestRAG(ctx.Lookup, str(after, "provider_id"), c.RecordID)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the provider's RAG history")
	}
	if claimed := rules.RAGStatus(str(after, "previous_status")); claimed != "" && claimed != from && !(from == "" && claimed == rules.RAGGreen) {
		current := from
		if current == "" {
			current = rules.RAGGreen
		}
		return syncproto.Errorf(CodePreviousStatusMismatch, "fields.previous_status", "the provider is %s now, not %s: pull and decide again", current, claimed)
	}
	if from == "" {
		// A provider's first rating: any status the role may reach.
		if to == rules.RAGGreen {
			return ragFloorRule(ctx.Lookup, after)
		}
		from = rules.RAGGreen
	}
	if e := violationError(rules.CheckRAGTransition(rules.RAGTransition{From: from, To: to, Role: role, Reason: str(after, "reason")})); e != nil {
		return e
	}
	return ragFloorRule(ctx.Lookup, after)
}

// ragFloorRule: a provider is not rated better than the RAG tool's triggers
// allow (003 Appendix 1) unless below_triggers_reason says why.
func ragFloorRule(l schema.Lookup, after *syncproto.Record) *syncproto.Error {
	if l == nil {
		return nil
	}
	facts, err := ragFactsOf(l, str(after, "provider_id"), str(after, "service_id"))
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the provider's services and concerns")
	}
	return violationError(rules.CheckRAGFloor(rules.RAGRating{Status: rules.RAGStatus(str(after, "status")), Facts: facts, BelowTriggersReason: str(after, "below_triggers_reason")}))
}

// ragFactsOf reads what the records say about a provider for its RAG
// triggers (003 Appendix 1): its services' CQC ratings, whether contracting
// with it or them is suspended, and the sources of its concerns not yet
// resolved. With a service id, only that service and the concerns about it
// or about the provider as a whole count.
func ragFactsOf(l schema.Lookup, providerID, serviceID string) (rules.RAGFacts, error) {
	var f rules.RAGFacts
	prov, err := l.Record("providers", providerID)
	if err != nil {
		return f, err
	}
	if live(prov) {
		f.Suspended, _ = boolean(prov, "contracting_suspended")
	}
	services, err := l.Find("services", "provider_id", jsonString(providerID))
	if err != nil {
		return f, err
	}
	for _, s := range services {
		if !live(s) || (serviceID != "" && s.ID != serviceID) {
			continue
		}
		if r := str(s, "cqc_rating"); r != "" {
			f.CQCRatings = append(f.CQCRatings, r)
		}
		if sus, _ := boolean(s, "contracting_suspended"); sus {
			f.Suspended = true
		}
	}
	concerns, err := l.Find("concerns", "provider_id", jsonString(providerID))
	if err != nil {
		return f, err
	}
	for _, c := range concerns {
		if !live(c) || str(c, "status") == "resolved" {
			continue
		}
		if sid := str(c, "service_id"); serviceID != "" && sid != "" && sid != serviceID {
			continue
		}
		f.UnresolvedConcerns = append(f.UnresolvedConcerns, str(c, "source"))
	}
	return f, nil
}

// live reports whether a record exists and is not deleted.
func live(r *syncproto.Record) bool { return r != nil && r.Exists() && !r.Deleted() }

// latestRAG is the provider's current RAG status ("" when it has none).
func latestRAG(l schema.Lookup, provider, except string) (rules.RAGStatus, error) {
	recs, err := l.Find("rag_statuses", "provider_id", jsonString(provider))
	if err != nil {
		return "", err
	}
	var best *syncproto.Record
	for _, r := range recs {
		if r.ID == except || r.Deleted() {
			continue
		}
		if best == nil || instant(r, "decided_at").After(instant(best, "decided_at")) {
			best = r
		}
	}
	if best == nil {
		return "", nil
	}
	return rules.RAGStatus(str(best, "status")), nil
}
