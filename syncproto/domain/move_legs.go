package domain

import (
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// legRule: a leg cannot arrive before it departs, nor be handed over before
// it arrives, and legs of one move do not overlap.
func legRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() {
		return nil
	}
	move, err := ctx.Lookup.Record("moves", str(after, "move_id"))
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the move")
	}
	if move == nil || !move.Exists() {
		return syncproto.Errorf("move_unknown", "fields.move_id", "move %s is not known", str(after, "move_id"))
	}
	mv, err := loadMove(ctx.Lookup, move, after)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the move's legs")
	}
	return violationError(rules.CheckLegs(mv))
}
