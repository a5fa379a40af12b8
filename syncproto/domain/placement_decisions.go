package domain

import (
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// placementDecisionRule: the decision on the new home (003 Appendix 2, 7.9)
// is checked against the person's capacity, and NHS liaison decides only
// for CHC residents.
func placementDecisionRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() {
		return nil
	}
	internal := syncproto.Errorf(syncproto.CodeInternal, "", "could not read the records this decision depends on")
	rid := str(after, "resident_id")
	res, err := ctx.Lookup.Record("residents", rid)
	if err != nil {
		return internal
	}
	if !system(ctx) {
		if e := violationError(rules.CheckNHSLead(rules.Role(ctx.Role), schema.FundingStreamsOf(res))); e != nil {
			return e
		}
	}
	died, err := diedAt(ctx.Lookup, res, rid)
	if err != nil {
		return internal
	}
	if e := violationError(rules.CheckResidentAlive(died, "placement decision")); e != nil {
		return e
	}
	mc, err := moveChoice(ctx.Lookup, res, rid, str(after, "chosen_by"), str(after, "best_interests_decision_id"))
	if err != nil {
		return internal
	}
	return violationError(rules.CheckMoveChoice(mc))
}
