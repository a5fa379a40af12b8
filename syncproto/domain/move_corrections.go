package domain

import (
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// CorrectionOf reads a move correction record.
func CorrectionOf(r *syncproto.Record) rules.MoveCorrection {
	return rules.MoveCorrection{ID: r.ID, MoveID: str(r, "move_id"), ResidentID: str(r, "resident_id"), Kind: rules.CorrectionKind(str(r, "kind")),
		ToServiceID: str(r, "to_service_id"), CompletedAt: instant(r, "completed_at"), Reason: str(r, "reason"), CorrectedBy: str(r, "corrected_by")}
}

// correctionsOf reads a resident's move corrections, with extra (the one
// being written) in place of its stored version.
func correctionsOf(l schema.Lookup, residentID string, extra *syncproto.Record) ([]rules.MoveCorrection, error) {
	recs, err := l.Find("move_corrections", "resident_id", jsonString(residentID))
	if err != nil {
		return nil, err
	}
	var out []rules.MoveCorrection
	for _, r := range recs {
		if r.Deleted() || (extra != nil && r.ID == extra.ID) {
			continue
		}
		out = append(out, CorrectionOf(r))
	}
	if extra != nil && !extra.Deleted() {
		out = append(out, CorrectionOf(extra))
	}
	return out, nil
}

// correctionRule: a correction corrects a completed move of the same
// resident, with what its kind needs; a voided move takes no more
// corrections and each kind is made once per move. That it is never changed
// or deleted is the log rule's (append-only).
func correctionRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() || !(isCreate(before) || before.Deleted()) {
		return nil
	}
	internal := syncproto.Errorf(syncproto.CodeInternal, "", "could not read the move this correction corrects")
	move, err := ctx.Lookup.Record("moves", str(after, "move_id"))
	if err != nil {
		return internal
	}
	if move == nil || !move.Exists() || move.Deleted() {
		return syncproto.Errorf(CodeMoveUnknown, "fields.move_id", "move %s is not known", str(after, "move_id"))
	}
	mv, err := loadMove(ctx.Lookup, move, nil)
	if err != nil {
		return internal
	}
	cr := CorrectionOf(after)
	existing, err := correctionsOf(ctx.Lookup, mv.ResidentID, nil)
	if err != nil {
		return internal
	}
	if e := violationError(rules.CheckMoveCorrection(cr, mv, existing, ctx.Now)); e != nil {
		return e
	}
	if cr.Kind == rules.CorrectionDestination {
		dest, err := ctx.Lookup.Record("services", cr.ToServiceID)
		if err != nil {
			return internal
		}
		if (dest == nil || dest.Deleted()) && !ctx.Local {
			return syncproto.Errorf(CodeDestinationUnknown, "fields.to_service_id", "service %s is not known: add the service before correcting a move to it", cr.ToServiceID)
		}
	}
	return nil
}
