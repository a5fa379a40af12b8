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

// diedAt is when the resident died, from their status or a death event;
// zero when they have not.
func diedAt(l schema.Lookup, res *syncproto.Record, residentID string) (time.Time, error) {
	evs, err := l.Find("resident_events", "resident_id", jsonString(residentID))
	if err != nil {
		return time.Time{}, err
	}
	for _, e := range evs {
		if !e.Deleted() && str(e, "event") == "death" {
			return instant(e, "occurred_at"), nil
		}
	}
	if str(res, "status") == "deceased" {
		if t := instant(res, "whereabouts_updated_at"); !t.IsZero() {
			return t, nil
		}
		return time.Unix(0, 1), nil
	}
	return time.Time{}, nil
}

// residentEventRule: nothing is recorded for a resident after their death
// but the death itself, once.
func residentEventRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() || !isCreate(before) {
		return nil
	}
	rid := str(after, "resident_id")
	res, err := ctx.Lookup.Record("residents", rid)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the resident")
	}
	if (res == nil || !res.Exists()) && !ctx.Local {
		return syncproto.Errorf("resident_unknown", "fields.resident_id", "resident %s is not known", rid)
	}
	died, err := diedAt(ctx.Lookup, res, rid)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the resident's events")
	}
	what := strings.ReplaceAll(str(after, "event"), "_", " ")
	return violationError(rules.CheckResidentAlive(died, what))
}

// ResidentEventEffect updates where a resident is when a death, hospital
// admission or discharge is recorded; a death cancels the resident's
// planned moves.
func ResidentEventEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	if after.Deleted() || !isCreate(before) {
		return nil, nil
	}
	if ctx.Clock == nil {
		return nil, fmt.Errorf("resident event: no clock to stamp the changes")
	}
	rid := str(after, "resident_id")
	res, err := ctx.Lookup.Record("residents", rid)
	if err != nil || res == nil || !res.Exists() {
		return nil, err
	}
	at := str(after, "occurred_at")
	f := map[string]any{"whereabouts_updated_at": at}
	var out []syncproto.Change
	switch str(after, "event") {
	case "death":
		f["status"] = "deceased"
		if p := str(after, "place"); p != "" {
			f["current_location"] = p
		}
		moves, err := ctx.Lookup.Find("moves", "resident_id", jsonString(rid))
		if err != nil {
			return nil, err
		}
		sort.Slice(moves, func(i, j int) bool { return moves[i].ID < moves[j].ID })
		for _, m := range moves {
			if st := str(m, "status"); !m.Deleted() && (st == "planned" || st == "in_transit") {
				out = append(out, effectChange(ctx, derivedID("cancel-on-death", c.ID, m.ID), "moves", m.ID, map[string]any{
					"status": "cancelled", "cancelled_reason": "The resident died on " + at[:10] + "."}))
			}
		}
	case "hospital_admission":
		f["status"] = "in_hospital"
		loc := str(after, "hospital")
		if loc == "" {
			loc = str(after, "place")
		}
		f["current_location"] = loc
	case "hospital_discharge":
		to := str(after, "discharged_to_service_id")
		if to == "" {
			// Back where they were placed.
			f["status"] = "in_placement"
		} else {
			f["current_service_id"] = to
			if to == str(res, "current_service_id") {
				f["status"] = "in_placement"
			} else {
				f["status"] = "moved"
			}
		}
		f["current_location"] = nil
	default:
		return nil, nil
	}
	return append([]syncproto.Change{effectChange(ctx, derivedID("whereabouts", c.ID), "residents", rid, f)}, out...), nil
}
