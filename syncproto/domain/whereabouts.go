package domain

import (
	"fmt"
	"sort"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// MoveCorrections is the collection of corrections to completed moves. It is
// declared by the move lifecycle; the whereabouts read it by name and work
// the same when it is absent.
const MoveCorrections = "move_corrections"

// WhereaboutsMoveOf reads a move record (and its legs, for the completion
// time) as the whereabouts read it.
func WhereaboutsMoveOf(m *syncproto.Record, legs []*syncproto.Record) rules.WhereaboutsMove {
	wm := rules.WhereaboutsMove{ID: m.ID, FromServiceID: str(m, "from_service_id"), ToServiceID: str(m, "to_service_id"), Status: str(m, "status"),
		CompletedAt: instant(m, "completed_at"), PlannedAt: instant(m, "planned_at")}
	if wm.CompletedAt.IsZero() {
		for _, lg := range legs {
			if lg == nil || lg.Deleted() {
				continue
			}
			for _, f := range []string{"handed_over_at", "arrived_at"} {
				if t := instant(lg, f); t.After(wm.CompletedAt) {
					wm.CompletedAt = t
				}
			}
		}
	}
	return wm
}

// MoveCorrectionOf reads a move_corrections record with the time it was
// recorded (which orders two corrections of one kind for the whereabouts).
func MoveCorrectionOf(r *syncproto.Record) rules.MoveCorrection {
	c := CorrectionOf(r)
	if f, ok := r.Fields["kind"]; ok {
		c.Recorded = f.Stamp.HLC.Time()
	}
	return c
}

// ResidentEventOf reads a resident_events record.
func ResidentEventOf(r *syncproto.Record) rules.ResidentEvent {
	return rules.ResidentEvent{ID: r.ID, Event: str(r, "event"), OccurredAt: instant(r, "occurred_at"), Hospital: firstNonEmpty(str(r, "hospital"), str(r, "place")),
		DischargedTo: str(r, "discharged_to_service_id"), CorrectsEventID: str(r, "corrects_event_id")}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// override replaces (or adds) the record with the same id in recs: the
// record being changed, as it will be.
func override(recs []*syncproto.Record, r *syncproto.Record) []*syncproto.Record {
	if r == nil {
		return recs
	}
	out := make([]*syncproto.Record, 0, len(recs)+1)
	found := false
	for _, x := range recs {
		if x.ID == r.ID {
			x, found = r, true
		}
		out = append(out, x)
	}
	if !found {
		out = append(out, r)
	}
	return out
}

// holds reports whether recs has a record with id.
func holds(recs []*syncproto.Record, id string) bool {
	for _, r := range recs {
		if r.ID == id {
			return true
		}
	}
	return false
}

// WhereaboutsFactsOf gathers what rules.DeriveWhereabouts reads about one
// resident through a lookup; changed, when not nil, is a record as the
// change being applied leaves it (a move, leg, event or correction).
func WhereaboutsFactsOf(l schema.Lookup, res *syncproto.Record, residentID string, changed *syncproto.Record) (rules.WhereaboutsFacts, error) {
	f := rules.WhereaboutsFacts{Placement: str(res, "current_service_id")}
	key := jsonString(residentID)
	moves, err := l.Find("moves", "resident_id", key)
	if err != nil {
		return f, err
	}
	if changed != nil && changed.Collection == "moves" {
		moves = override(moves, changed)
	}
	sort.Slice(moves, func(i, j int) bool { return moves[i].ID < moves[j].ID })
	for _, m := range moves {
		if m.Deleted() || str(m, "resident_id") != residentID {
			continue
		}
		legs, err := l.Find("move_legs", "move_id", jsonString(m.ID))
		if err != nil {
			return f, err
		}
		if changed != nil && changed.Collection == "move_legs" && (str(changed, "move_id") == m.ID || holds(legs, changed.ID)) {
			legs = override(legs, changed)
		}
		f.Moves = append(f.Moves, WhereaboutsMoveOf(m, legs))
	}
	corr, err := l.Find(MoveCorrections, "resident_id", key)
	if err != nil {
		return f, err
	}
	if changed != nil && changed.Collection == MoveCorrections {
		corr = override(corr, changed)
	}
	for _, c := range corr {
		if !c.Deleted() && str(c, "resident_id") == residentID {
			f.Corrections = append(f.Corrections, MoveCorrectionOf(c))
		}
	}
	evs, err := l.Find("resident_events", "resident_id", key)
	if err != nil {
		return f, err
	}
	if changed != nil && changed.Collection == "resident_events" {
		evs = override(evs, changed)
	}
	for _, e := range evs {
		if !e.Deleted() && str(e, "resident_id") == residentID {
			f.Events = append(f.Events, ResidentEventOf(e))
		}
	}
	return f, nil
}

// WhereaboutsOf derives where a resident is now from the records a lookup
// holds (the server's store, or the SDK's local replica).
func WhereaboutsOf(l schema.Lookup, residentID string) (rules.Location, error) {
	res, err := l.Record("residents", residentID)
	if err != nil {
		return rules.Location{}, err
	}
	f, err := WhereaboutsFactsOf(l, res, residentID, nil)
	if err != nil {
		return rules.Location{}, err
	}
	return rules.DeriveWhereabouts(f), nil
}

// whereaboutsResident is the resident a change of a move, leg, event or
// correction is about.
func whereaboutsResident(l schema.Lookup, after *syncproto.Record) (string, error) {
	if after.Collection != "move_legs" {
		return str(after, "resident_id"), nil
	}
	m, err := l.Record("moves", str(after, "move_id"))
	if err != nil || m == nil {
		return "", err
	}
	return str(m, "resident_id"), nil
}

// WhereaboutsEffect keeps the resident's current_service_id, status,
// current_location and whereabouts_updated_at in step with
// rules.DeriveWhereabouts after any change to a move, a leg, a resident
// event or a move correction (deletions included). Whereabouts are
// derived, never typed: the effect writes only what differs, with an id
// derived from the triggering change.
func WhereaboutsEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	if ctx.Clock == nil {
		return nil, fmt.Errorf("whereabouts: no clock to stamp the changes")
	}
	rec := after
	if after.Deleted() && before != nil {
		// A deleted record's fields are gone: read who it was about from
		// before, and leave it out of the facts.
		rec = before
	}
	rid, err := whereaboutsResident(ctx.Lookup, rec)
	if err != nil || rid == "" {
		return nil, err
	}
	res, err := ctx.Lookup.Record("residents", rid)
	if err != nil || res == nil || !res.Exists() || res.Deleted() {
		return nil, err
	}
	f, err := WhereaboutsFactsOf(ctx.Lookup, res, rid, after)
	if err != nil {
		return nil, err
	}
	w := rules.DeriveWhereabouts(f)
	fields := WhereaboutsFields(res, w)
	if len(fields) == 0 {
		return nil, nil
	}
	return []syncproto.Change{effectChange(ctx, derivedID("whereabouts", c.ID), "residents", rid, fields)}, nil
}

// WhereaboutsFields are the residents fields to write so that res reads as
// w (none when it already does, or when nothing places the person).
func WhereaboutsFields(res *syncproto.Record, w rules.Location) map[string]any {
	if !w.Derived {
		return nil
	}
	f := map[string]any{}
	if w.ServiceID != "" && str(res, "current_service_id") != w.ServiceID {
		f["current_service_id"] = w.ServiceID
	}
	if st := w.Status(); st != "" && str(res, "status") != st {
		f["status"] = st
	}
	if w.Kind != rules.PlaceDeceased {
		loc := ""
		if w.Kind == rules.PlaceHospital {
			loc = w.Location
		}
		if str(res, "current_location") != loc {
			if loc == "" {
				f["current_location"] = nil
			} else {
				f["current_location"] = loc
			}
		}
	}
	if !w.Since.IsZero() && !instant(res, "whereabouts_updated_at").Equal(w.Since) {
		f["whereabouts_updated_at"] = w.Since.UTC().Format(time.RFC3339)
	}
	if len(f) == 0 {
		return nil
	}
	return f
}

// CodeWhereaboutsDerived: a person typed where a resident is while records
// (moves, events) say it.
const CodeWhereaboutsDerived = "whereabouts_derived"

// whereaboutsRule: whereabouts are derived, never typed. Once a resident has
// a move or an event, their current_service_id, status, current_location and
// whereabouts_updated_at follow the records (WhereaboutsEffect); a person may
// write them only with the values the records give (an unchanged replay).
// Where someone is is changed by recording what happened: a move, an
// admission or discharge, a death, or a correction.
func whereaboutsRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if system(ctx) || after.Deleted() || isCreate(before) || !touches(c, "current_service_id", "status", "current_location", "whereabouts_updated_at") {
		return nil
	}
	f, err := WhereaboutsFactsOf(ctx.Lookup, before, after.ID, nil)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the resident's moves and events")
	}
	w := rules.DeriveWhereabouts(f)
	if !w.Derived {
		return nil
	}
	// Judge the values the change carries, whether or not they win the
	// merge (a losing write is refused too: it was typed all the same).
	typed := after.Clone()
	for k, v := range c.Fields {
		typed.Fields[k] = syncproto.FieldState{Value: v}
	}
	wrong := WhereaboutsFields(typed, w)
	// In a fixed order, so that every replica names the same field.
	for _, name := range []string{"current_service_id", "status", "current_location", "whereabouts_updated_at"} {
		want, differs := wrong[name]
		if _, typed := c.Fields[name]; typed && differs {
			return syncproto.Errorf(CodeWhereaboutsDerived, "fields."+name, "%s is worked out from the person's moves and events (now %v): record the move, admission, discharge or death, or correct the record that is wrong, instead of typing it", name, want)
		}
	}
	return nil
}
