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
		return syncproto.Errorf("previous_status_mismatch", "fields.previous_status", "the provider is %s now, not %s: pull and decide again", current, claimed)
	}
	if from == "" {
		// A provider's first rating: any status the role may reach.
		if to == rules.RAGGreen {
			return nil
		}
		from = rules.RAGGreen
	}
	return violationError(rules.CheckRAGTransition(rules.RAGTransition{From: from, To: to, Role: role, Reason: str(after, "reason")}))
}

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
