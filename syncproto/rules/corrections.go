package rules

import (
	"sort"
	"time"
)

// CorrectionKind is what a move correction says was wrong.
type CorrectionKind string

// Correction kinds.
const (
	// CorrectionVoid: the move did not happen.
	CorrectionVoid CorrectionKind = "void"
	// CorrectionDestination: the person went to another service.
	CorrectionDestination CorrectionKind = "destination"
	// CorrectionCompletedAt: the move was completed at another time.
	CorrectionCompletedAt CorrectionKind = "completed_at"
)

// MoveCorrection puts right a mistake in a completed move. A completed move
// is history and never edited (CheckMoveTransition): a correction is a new,
// append-only record with its reason and who made it.
type MoveCorrection struct {
	ID          string         // the correction's id
	MoveID      string         // the completed move corrected
	ResidentID  string         // the move's resident
	Kind        CorrectionKind // void, destination or completed_at
	ToServiceID string         // kind destination: where the person went instead
	CompletedAt time.Time      // kind completed_at: when the move was completed instead
	Reason      string         // why
	CorrectedBy string         // who
	// Recorded orders two corrections of the same kind of one move for
	// the whereabouts: the later wins (then the greater ID).
	Recorded time.Time
}

// CheckMoveCorrection checks a new correction of move: the move is
// completed, the correction names the move's resident, gives what its kind
// needs (a destination other than the move's; a completion time not after
// now), and says why and who. A voided move takes no further correction,
// and each kind is made once per move (existing are the move's other
// corrections), so that the record reads one way.
func CheckMoveCorrection(c MoveCorrection, move Move, existing []MoveCorrection, now time.Time) Violations {
	var vs Violations
	if move.Status != MoveCompleted {
		vs = append(vs, violation(CodeMoveCorrectionInvalid, "move_id", "move %s is %s, not completed: a move that is not completed is changed directly, not corrected", move.ID, move.Status))
	}
	if c.ResidentID != move.ResidentID {
		vs = append(vs, violation(CodeMoveCorrectionInvalid, "resident_id", "the correction names resident %s but move %s is of resident %s", c.ResidentID, move.ID, move.ResidentID))
	}
	switch c.Kind {
	case CorrectionVoid:
	case CorrectionDestination:
		switch {
		case blank(c.ToServiceID):
			vs = append(vs, violation(CodeMoveCorrectionInvalid, "to_service_id", "a destination correction names where the person went instead (to_service_id)"))
		case c.ToServiceID == move.ToServiceID:
			vs = append(vs, violation(CodeMoveCorrectionInvalid, "to_service_id", "service %s is already the move's destination", c.ToServiceID))
		}
	case CorrectionCompletedAt:
		switch {
		case c.CompletedAt.IsZero():
			vs = append(vs, violation(CodeMoveCorrectionInvalid, "completed_at", "a completion-time correction gives when the move was completed instead (completed_at)"))
		case c.CompletedAt.After(now):
			vs = append(vs, violation(CodeDateInFuture, "completed_at", "the corrected completion time %s is in the future", c.CompletedAt.UTC().Format(time.RFC3339)))
		}
	default:
		vs = append(vs, violation(CodeInvalidInput, "kind", "unknown correction kind %q", c.Kind))
	}
	if blank(c.Reason) {
		vs = append(vs, violation(CodeReasonRequired, "reason", "a correction gives its reason"))
	}
	if blank(c.CorrectedBy) {
		vs = append(vs, violation(CodeReasonRequired, "corrected_by", "a correction names who made it"))
	}
	for _, e := range existing {
		if e.ID == c.ID || e.MoveID != c.MoveID {
			continue
		}
		switch {
		case e.Kind == CorrectionVoid:
			vs = append(vs, violation(CodeMoveCorrectionInvalid, "move_id", "move %s was voided by correction %s: it did not happen, so nothing more of it is corrected", c.MoveID, e.ID))
		case e.Kind == c.Kind:
			vs = append(vs, violation(CodeMoveCorrectionInvalid, "kind", "move %s already has a %s correction (%s)", c.MoveID, c.Kind, e.ID))
		}
	}
	return vs
}

// CorrectedMove is a completed move as its corrections leave it.
type CorrectedMove struct {
	MoveID        string
	ResidentID    string
	FromServiceID string
	ToServiceID   string    // the destination, corrected
	CompletedAt   time.Time // the completion time, corrected
	Void          bool      // the move did not happen
}

// Correct applies corrections to a completed move: completedAt is the
// move's completion time as recorded; corrections of other moves are
// ignored. With several corrections of one kind (which CheckMoveCorrection
// refuses) the one with the greatest id wins, so every replica agrees.
func Correct(m Move, completedAt time.Time, corrections []MoveCorrection) CorrectedMove {
	out := CorrectedMove{MoveID: m.ID, ResidentID: m.ResidentID, FromServiceID: m.FromServiceID, ToServiceID: m.ToServiceID, CompletedAt: completedAt}
	cs := append([]MoveCorrection(nil), corrections...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	for _, c := range cs {
		if c.MoveID != m.ID {
			continue
		}
		switch c.Kind {
		case CorrectionVoid:
			out.Void = true
		case CorrectionDestination:
			if c.ToServiceID != "" {
				out.ToServiceID = c.ToServiceID
			}
		case CorrectionCompletedAt:
			if !c.CompletedAt.IsZero() {
				out.CompletedAt = c.CompletedAt
			}
		}
	}
	return out
}
