package domain

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// diedAt is when the resident died, from a death event that stands after
// its corrections, or their status; zero when they have not.
func diedAt(l schema.Lookup, res *syncproto.Record, residentID string) (time.Time, error) {
	evs, err := l.Find("resident_events", "resident_id", jsonString(residentID))
	if err != nil {
		return time.Time{}, err
	}
	var all []rules.ResidentEvent
	corrected := false
	for _, e := range evs {
		if !e.Deleted() {
			all = append(all, ResidentEventOf(e))
			corrected = corrected || str(e, "corrects_event_id") != ""
		}
	}
	for _, e := range rules.EffectiveEvents(all) {
		if e.Event == rules.EventDeath {
			return e.OccurredAt, nil
		}
	}
	if str(res, "status") == "deceased" && !corrected {
		if t := instant(res, "whereabouts_updated_at"); !t.IsZero() {
			return t, nil
		}
		return time.Unix(0, 1), nil
	}
	return time.Time{}, nil
}

// eventFacts are the fields of a resident event that say what happened:
// never edited once recorded (a correction is a new record). The rest (who
// was told, and when) is filled in as it happens.
var eventFacts = []string{"incident_id", "resident_id", "event", "occurred_at", "place", "hospital", "discharged_to_service_id", "move_id",
	"corrects_event_id", "correction_reason"}

// Codes of the resident events rule.
const (
	// CodeEventAppendOnly: a death, admission or discharge deleted or its
	// facts edited.
	CodeEventAppendOnly = "event_append_only"
	// CodeEventCorrection: a correction that does not name an event it may
	// correct.
	CodeEventCorrection = "event_correction_invalid"
	// CodeDischargeNeedsMove: a discharge to another home that names no
	// completed move there.
	CodeDischargeNeedsMove = "discharge_needs_move"
)

// residentEventRule: deaths, admissions and discharges are append-only (a
// wrong one is corrected by a new record naming it in corrects_event_id,
// with a reason); nothing is recorded for a resident after their death but
// the death itself, once, and its corrections; a discharge to another home
// is a move, so it names the completed move that took the person there.
func residentEventRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if c.Op == syncproto.OpDelete || after.Deleted() {
		if isCreate(before) || system(ctx) {
			return nil
		}
		return syncproto.Errorf(CodeEventAppendOnly, "op", "a %s cannot be deleted: deaths, admissions and discharges are kept; record a correction naming it in corrects_event_id (event entered_in_error if it never happened), with the reason",
			strings.ReplaceAll(str(before, "event"), "_", " "))
	}
	if !isCreate(before) {
		if system(ctx) {
			return nil
		}
		bf, af := fieldsOf(before), fieldsOf(after)
		for _, f := range eventFacts {
			if !rules.SameValue(bf[f], af[f]) {
				return syncproto.Errorf(CodeEventAppendOnly, "fields."+f, "%s of a recorded %s cannot be edited: record a correction naming it in corrects_event_id, with the corrected facts and the reason (correction_reason)",
					f, strings.ReplaceAll(str(before, "event"), "_", " "))
			}
		}
		return nil
	}
	internal := syncproto.Errorf(syncproto.CodeInternal, "", "could not read the resident's records")
	rid := str(after, "resident_id")
	res, err := ctx.Lookup.Record("residents", rid)
	if err != nil {
		return internal
	}
	if (res == nil || !res.Exists()) && !ctx.Local {
		return syncproto.Errorf(CodeResidentUnknown, "fields.resident_id", "resident %s is not known", rid)
	}
	kind := str(after, "event")
	if target := str(after, "corrects_event_id"); target != "" || kind == rules.EventEnteredInError {
		return eventCorrectionRule(ctx, after, rid, target, kind)
	}
	died, err := diedAt(ctx.Lookup, res, rid)
	if err != nil {
		return internal
	}
	if e := violationError(rules.CheckResidentAlive(died, strings.ReplaceAll(kind, "_", " "))); e != nil {
		return e
	}
	if kind == rules.EventHospitalDischarge && str(after, "discharged_to_service_id") != "" {
		return dischargeRule(ctx, res, after, rid)
	}
	return nil
}

// eventCorrectionRule: a correction names an event of the same person
// that no other record has corrected yet, gives the reason, and is either
// the same kind of event (with the corrected facts) or entered_in_error.
func eventCorrectionRule(ctx schema.Context, after *syncproto.Record, rid, target, kind string) *syncproto.Error {
	if target == "" {
		return syncproto.Errorf(CodeEventCorrection, "fields.corrects_event_id", "entered_in_error names the event that never happened in corrects_event_id")
	}
	if strings.TrimSpace(str(after, "correction_reason")) == "" {
		return syncproto.Errorf(rules.CodeReasonRequired, "fields.correction_reason", "a correction of a recorded event needs its reason (correction_reason)")
	}
	if target == after.ID {
		return syncproto.Errorf(CodeEventCorrection, "fields.corrects_event_id", "a record cannot correct itself")
	}
	t, err := ctx.Lookup.Record("resident_events", target)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the event corrected")
	}
	if t == nil || !t.Exists() || t.Deleted() {
		if ctx.Local {
			return nil
		}
		return syncproto.Errorf(CodeEventCorrection, "fields.corrects_event_id", "event %s is not known: a correction names a recorded event", target)
	}
	if str(t, "resident_id") != rid {
		return syncproto.Errorf(CodeEventCorrection, "fields.corrects_event_id", "event %s is another person's", target)
	}
	if str(t, "event") == rules.EventEnteredInError {
		return syncproto.Errorf(CodeEventCorrection, "fields.corrects_event_id", "event %s is itself a record of an error: record the event again instead", target)
	}
	if kind != rules.EventEnteredInError && kind != str(t, "event") {
		return syncproto.Errorf(CodeEventCorrection, "fields.event", "a correction of a %s is a %s with the corrected facts, or entered_in_error if it never happened",
			strings.ReplaceAll(str(t, "event"), "_", " "), str(t, "event"))
	}
	others, err := ctx.Lookup.Find("resident_events", "resident_id", jsonString(rid))
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the resident's events")
	}
	for _, o := range others {
		if o.ID != after.ID && !o.Deleted() && str(o, "corrects_event_id") == target {
			return syncproto.Errorf(CodeEventCorrection, "fields.corrects_event_id", "event %s was already corrected by %s: correct that record instead", target, o.ID)
		}
	}
	return nil
}

// dischargeRule: "a discharge to another home is a move": the person goes
// from hospital to a home other than their placement only through a
// completed move (its hand-over, 003 Appendix 2 7.15–7.21, and its
// post-move reviews, 7.19), which the discharge names in move_id.
func dischargeRule(ctx schema.Context, res, after *syncproto.Record, rid string) *syncproto.Error {
	to := str(after, "discharged_to_service_id")
	f, err := WhereaboutsFactsOf(ctx.Lookup, res, rid, nil)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the resident's moves")
	}
	if w := rules.DeriveWhereabouts(f); w.ServiceID == to {
		return nil
	}
	mid := str(after, "move_id")
	need := func(why string) *syncproto.Error {
		return syncproto.Errorf(CodeDischargeNeedsMove, "fields.move_id", "a discharge to another home is a move: %s; complete the person's move to that home with its hand-over (003 Appendix 2, 7.15-7.21) and post-move reviews (7.19), then name it in move_id", why)
	}
	if mid == "" {
		return need("no move is named")
	}
	m, err := ctx.Lookup.Record("moves", mid)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the move")
	}
	if m == nil || !m.Exists() || m.Deleted() {
		if ctx.Local {
			return nil
		}
		return need("move " + mid + " is not known")
	}
	switch {
	case str(m, "resident_id") != rid:
		return need("move " + mid + " is another person's")
	case str(m, "to_service_id") != to:
		return need("move " + mid + " goes to another home")
	case str(m, "status") != "completed":
		return need("move " + mid + " is not completed")
	}
	return nil
}

// ResidentEventEffect: an admission puts the person's planned moves on
// hold, with the reason (the move waits for the discharge); a death
// cancels their planned and held moves; a discharge to another home closes
// the person's other open moves from their old home. Where the person is
// is WhereaboutsEffect's.
func ResidentEventEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	if after.Deleted() || !isCreate(before) || str(after, "corrects_event_id") != "" {
		return nil, nil
	}
	if ctx.Clock == nil {
		return nil, fmt.Errorf("resident event: no clock to stamp the changes")
	}
	rid := str(after, "resident_id")
	at := str(after, "occurred_at")
	day := at
	if len(day) > 10 {
		day = day[:10]
	}
	moves, err := ctx.Lookup.Find("moves", "resident_id", jsonString(rid))
	if err != nil {
		return nil, err
	}
	sort.Slice(moves, func(i, j int) bool { return moves[i].ID < moves[j].ID })
	var out []syncproto.Change
	switch str(after, "event") {
	case rules.EventDeath:
		for _, m := range moves {
			if st := str(m, "status"); !m.Deleted() && (st == "planned" || st == "in_transit" || st == "on_hold") {
				out = append(out, effectChange(ctx, derivedID("cancel-on-death", c.ID, m.ID), "moves", m.ID, map[string]any{
					"status": "cancelled", "cancelled_reason": "The resident died on " + day + "."}))
			}
		}
	case rules.EventHospitalAdmission:
		where := firstNonEmpty(str(after, "hospital"), str(after, "place"), "hospital")
		for _, m := range moves {
			if !m.Deleted() && str(m, "status") == "planned" {
				out = append(out, effectChange(ctx, derivedID("hold-on-admission", c.ID, m.ID), "moves", m.ID, map[string]any{
					"status": "on_hold", "hold_reason": "Admitted to " + where + " on " + day + ": the move waits for the discharge and a new plan."}))
			}
		}
	case rules.EventHospitalDischarge:
		mid := str(after, "move_id")
		if mid == "" {
			return nil, nil
		}
		done, err := ctx.Lookup.Record("moves", mid)
		if err != nil || done == nil {
			return nil, err
		}
		out = append(out, closeOtherMoves(ctx, c.ID, done, moves, "The person was discharged from hospital to another home by move "+mid+".")...)
	}
	return out, nil
}

// closeOtherMoves cancels the person's open (planned or on hold) moves from
// the same home as the completed move done: they will not happen now.
func closeOtherMoves(ctx schema.Context, changeID string, done *syncproto.Record, moves []*syncproto.Record, why string) []syncproto.Change {
	var out []syncproto.Change
	for _, m := range moves {
		if m.ID == done.ID || m.Deleted() || str(m, "from_service_id") != str(done, "from_service_id") {
			continue
		}
		if st := str(m, "status"); st == "planned" || st == "on_hold" {
			out = append(out, effectChange(ctx, derivedID("close-superseded", changeID, m.ID), "moves", m.ID, map[string]any{
				"status": "cancelled", "cancelled_reason": why}))
		}
	}
	return out
}
