package domain

import (
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// legRule: a leg cannot arrive before it departs, nor be handed over before
// it arrives, and legs of one move do not overlap. The legs of a completed
// move are its history: none is added or deleted, and no departure or
// arrival time changes (a mistake is put right with a move correction).
func legRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	created := isCreate(before) || before.Deleted()
	moveID := str(after, "move_id")
	if after.Deleted() {
		if created {
			return nil
		}
		moveID = str(before, "move_id")
	}
	move, err := ctx.Lookup.Record("moves", moveID)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the move")
	}
	if after.Deleted() {
		if str(move, "status") == string(rules.MoveCompleted) {
			return syncproto.Errorf(rules.CodeMoveCompletedFinal, "op", "a leg of a completed move cannot be deleted: it is the record of the person's journey; put a mistake right with a move correction")
		}
		return nil
	}
	if !created && str(before, "move_id") != moveID {
		prev, err := ctx.Lookup.Record("moves", str(before, "move_id"))
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the move")
		}
		if str(prev, "status") == string(rules.MoveCompleted) {
			return syncproto.Errorf(rules.CodeMoveCompletedFinal, "fields.move_id", "this leg belongs to move %s, which is completed: it is not moved to another move; put a mistake right with a move correction", str(before, "move_id"))
		}
	}
	if move == nil || !move.Exists() {
		return syncproto.Errorf(CodeMoveUnknown, "fields.move_id", "move %s is not known", moveID)
	}
	if str(move, "status") == string(rules.MoveCompleted) {
		if created {
			return syncproto.Errorf(rules.CodeMoveCompletedFinal, "fields.move_id", "move %s is completed: no leg is added to it; put a mistake right with a move correction", moveID)
		}
		for _, f := range []string{"move_id", "departed_at", "arrived_at"} {
			if !sameJSON(before.Value(f), after.Value(f)) {
				return syncproto.Errorf(rules.CodeMoveCompletedFinal, "fields."+f, "%s of a leg of a completed move cannot be changed; put a mistake right with a move correction", f)
			}
		}
	}
	mv, err := loadMove(ctx.Lookup, move, after)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the move's legs")
	}
	return violationError(rules.CheckLegs(mv))
}
