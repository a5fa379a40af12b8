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

// Logs written for people (003 Appendix 2, 7.17 "maintain a log of
// decisions and movement of customers"; 9.1): the server writes the
// movement log and the decision log from the records themselves — moves,
// legs, deaths, admissions and discharges, corrections, overrides,
// activations and suspensions. People may still add entries of their own.
// Each entry's id is derived from the record and the event it logs, so a
// replay, a duplicate or a second device triggering the same event logs it
// once.

// LogRecordedBy is the recorded_by of the log entries the server writes.
const LogRecordedBy = "Continuity (from the records)"

// MovementLogID is the id of the movement log entry the server writes for
// an event of a record (a move's status, a leg's departure, a death, ...).
func MovementLogID(recordID, event string) string { return derivedID("movement-log", recordID, event) }

// DecisionLogID is the id of the decision log entry the server writes for a
// decision recorded on a record.
func DecisionLogID(recordID, decision string) string {
	return derivedID("decision-log", recordID, decision)
}

// logEntry makes one log entry unless it is already there.
func logEntry(ctx schema.Context, collection, id string, fields map[string]any) ([]syncproto.Change, error) {
	if r, err := ctx.Lookup.Record(collection, id); err != nil {
		return nil, err
	} else if r != nil && r.Exists() {
		return nil, nil
	}
	for k, v := range fields {
		if s, ok := v.(string); ok && s == "" {
			delete(fields, k)
		}
	}
	fields["recorded_by"] = LogRecordedBy
	return []syncproto.Change{effectChange(ctx, derivedID(collection+"-create", id), collection, id, fields)}, nil
}

// stamp is t as RFC 3339, or now when t is zero.
func stamp(ctx schema.Context, t time.Time) string {
	if t.IsZero() {
		t = ctx.Now
	}
	return t.UTC().Format(time.RFC3339)
}

// byRole names who decided when the record does not: the role of the
// person who recorded it.
func byRole(ctx schema.Context, names ...string) string {
	for _, n := range names {
		if strings.TrimSpace(n) != "" {
			return n
		}
	}
	if ctx.Role == "" {
		return "the server"
	}
	return strings.ReplaceAll(ctx.Role, "_", " ")
}

// moveLogEvents are the movement log events of a move's statuses.
var moveLogEvents = map[string]string{"planned": "planned", "completed": "completed", "cancelled": "cancelled", "on_hold": "on_hold"}

// MovesLogEffect logs a move's status as it changes (planned, completed,
// cancelled, on hold) in the movement log, and the overrides recorded on it
// (destination, hand-over) in the decision log.
func MovesLogEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	if after.Deleted() {
		return nil, nil
	}
	if ctx.Clock == nil {
		return nil, fmt.Errorf("movement log: no clock to stamp the entries")
	}
	var out []syncproto.Change
	st := str(after, "status")
	inc, rid := str(after, "incident_id"), str(after, "resident_id")
	if ev, ok := moveLogEvents[st]; ok && (isCreate(before) || str(before, "status") != st) {
		at := ctx.Now
		notes := ""
		switch st {
		case "completed":
			at = completedAt(ctx.Lookup, after, ctx.Now)
			if r := str(after, "handover_override_reason"); r != "" {
				notes = "Hand-over override: " + r
			}
		case "cancelled":
			notes = str(after, "cancelled_reason")
		case "on_hold":
			notes = str(after, "hold_reason")
		}
		cs, err := logEntry(ctx, "movement_log", MovementLogID(after.ID, ev), map[string]any{"incident_id": inc, "resident_id": rid, "move_id": after.ID,
			"event": ev, "occurred_at": stamp(ctx, at), "from_service_id": str(after, "from_service_id"), "to_service_id": str(after, "to_service_id"), "notes": notes})
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	decisions := []struct{ field, key, text string }{
		{"destination_override_reason", "destination-override", "Place the person with a provider of concern (commissioner's override, 003 Appendix 2, 7.6)."},
		{"handover_override_reason", "handover-override", "Complete the move before every hand-over item was done."},
	}
	for _, d := range decisions {
		why := str(after, d.field)
		if why == "" || why == str(before, d.field) {
			continue
		}
		cs, err := logEntry(ctx, "decision_log", DecisionLogID(after.ID, d.key), map[string]any{"incident_id": inc, "resident_id": rid,
			"decided_at": stamp(ctx, ctx.Now), "decision": d.text, "rationale": why,
			"decided_by": byRole(ctx, str(after, "destination_override_by")), "role": str(after, "destination_override_role")})
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// LegsLogEffect logs a leg's departure, arrival and hand-over in the
// movement log, at the times the leg records.
func LegsLogEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	if after.Deleted() {
		return nil, nil
	}
	if ctx.Clock == nil {
		return nil, fmt.Errorf("movement log: no clock to stamp the entries")
	}
	m, err := ctx.Lookup.Record("moves", str(after, "move_id"))
	if err != nil || m == nil || !m.Exists() {
		return nil, err
	}
	var out []syncproto.Change
	for _, e := range []struct{ field, event string }{{"departed_at", "departed"}, {"arrived_at", "arrived"}, {"handed_over_at", "handed_over"}} {
		at := instant(after, e.field)
		if at.IsZero() || (!isCreate(before) && instant(before, e.field).Equal(at)) {
			continue
		}
		cs, err := logEntry(ctx, "movement_log", MovementLogID(after.ID, e.event), map[string]any{"incident_id": str(m, "incident_id"),
			"resident_id": str(m, "resident_id"), "move_id": m.ID, "event": e.event, "occurred_at": stamp(ctx, at),
			"from_service_id": str(m, "from_service_id"), "to_service_id": str(m, "to_service_id"), "notes": firstNonEmpty(str(after, "to_place"), str(after, "handed_over_to"))})
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// EventsLogEffect logs a death, admission or discharge in the movement log
// at the time it happened, and a correction of one in both logs (the
// decision to correct the record, with its reason).
func EventsLogEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	if after.Deleted() || !isCreate(before) {
		return nil, nil
	}
	if ctx.Clock == nil {
		return nil, fmt.Errorf("movement log: no clock to stamp the entries")
	}
	inc, rid, kind := str(after, "incident_id"), str(after, "resident_id"), str(after, "event")
	ev, notes := kind, firstNonEmpty(str(after, "hospital"), str(after, "place"), str(after, "details"))
	target := str(after, "corrects_event_id")
	if target != "" {
		ev, notes = "corrected", "Corrects "+target+": "+str(after, "correction_reason")
	}
	f := map[string]any{"incident_id": inc, "resident_id": rid, "event": ev, "occurred_at": stamp(ctx, instant(after, "occurred_at")),
		"to_service_id": str(after, "discharged_to_service_id"), "move_id": str(after, "move_id"), "notes": notes}
	out, err := logEntry(ctx, "movement_log", MovementLogID(after.ID, ev), f)
	if err != nil || target == "" {
		return out, err
	}
	what := "Correct the record of event " + target + ": " + strings.ReplaceAll(kind, "_", " ") + "."
	if kind == rules.EventEnteredInError {
		what = "Record that event " + target + " never happened (entered in error)."
	}
	cs, err := logEntry(ctx, "decision_log", DecisionLogID(after.ID, "event-correction"), map[string]any{"incident_id": inc, "resident_id": rid,
		"decided_at": stamp(ctx, ctx.Now), "decision": what, "rationale": str(after, "correction_reason"), "decided_by": byRole(ctx, str(after, "recorded_by"))})
	return append(out, cs...), err
}

// CorrectionsLogEffect logs a move correction in the movement log and, as
// the decision it is, with its reason in the decision log.
func CorrectionsLogEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	if after.Deleted() || !isCreate(before) {
		return nil, nil
	}
	if ctx.Clock == nil {
		return nil, fmt.Errorf("movement log: no clock to stamp the entries")
	}
	inc, rid, mid, kind := str(after, "incident_id"), str(after, "resident_id"), str(after, "move_id"), str(after, "kind")
	what := map[rules.CorrectionKind]string{
		rules.CorrectionVoid:        "Correct move " + mid + ": it did not happen.",
		rules.CorrectionDestination: "Correct move " + mid + ": the person went to another home.",
		rules.CorrectionCompletedAt: "Correct move " + mid + ": it was completed at another time.",
	}[rules.CorrectionKind(kind)]
	if what == "" {
		what = "Correct move " + mid + "."
	}
	out, err := logEntry(ctx, "movement_log", MovementLogID(after.ID, "corrected"), map[string]any{"incident_id": inc, "resident_id": rid, "move_id": mid,
		"event": "corrected", "occurred_at": stamp(ctx, ctx.Now), "to_service_id": str(after, "to_service_id"), "notes": what + " " + str(after, "reason")})
	if err != nil {
		return nil, err
	}
	cs, err := logEntry(ctx, "decision_log", DecisionLogID(after.ID, "move-correction"), map[string]any{"incident_id": inc, "resident_id": rid,
		"decided_at": stamp(ctx, ctx.Now), "decision": what, "rationale": str(after, "reason"), "decided_by": byRole(ctx, str(after, "corrected_by"))})
	return append(out, cs...), err
}

// IncidentLogEffect logs the activation of the procedure (003 s.10) in the
// incident's decision log.
func IncidentLogEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	if after.Deleted() || str(after, "status") != "active" || (!isCreate(before) && str(before, "status") == "active") {
		return nil, nil
	}
	if ctx.Clock == nil {
		return nil, fmt.Errorf("decision log: no clock to stamp the entries")
	}
	process := "Process 1 (Final Concerns Response Management)"
	if integer(after, "process") == 2 {
		process = "Process 2 (Provider Failure Management)"
	}
	return logEntry(ctx, "decision_log", DecisionLogID(after.ID, "activate"), map[string]any{"incident_id": after.ID,
		"decided_at": stamp(ctx, instant(after, "activated_at")), "decision": "Activate " + process + " for " + firstNonEmpty(str(after, "title"), "the provider") + ".",
		"rationale": str(after, "reason"), "decided_by": byRole(ctx, str(after, "activated_by"), str(after, "agreed_with"))})
}

// SuspensionLogEffect logs a suspension of contracting with a provider or
// service (003 s.9; Appendix 1) in the decision log of every incident of
// that provider.
func SuspensionLogEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	now, _ := boolean(after, "contracting_suspended")
	was, _ := boolean(before, "contracting_suspended")
	if after.Deleted() || !now || was {
		return nil, nil
	}
	if ctx.Clock == nil {
		return nil, fmt.Errorf("decision log: no clock to stamp the entries")
	}
	prov := after.ID
	if c.Collection == "services" {
		prov = str(after, "provider_id")
	}
	if prov == "" {
		return nil, nil
	}
	incs, err := ctx.Lookup.Find("incidents", "provider_id", jsonString(prov))
	if err != nil {
		return nil, err
	}
	sort.Slice(incs, func(i, j int) bool { return incs[i].ID < incs[j].ID })
	var out []syncproto.Change
	for _, inc := range incs {
		if inc.Deleted() {
			continue
		}
		when := instant(after, "suspended_on")
		cs, err := logEntry(ctx, "decision_log", DecisionLogID(after.ID, "suspend/"+inc.ID+"/"+str(after, "suspended_on")), map[string]any{"incident_id": inc.ID,
			"decided_at": stamp(ctx, when), "decision": "Suspend contracting with " + firstNonEmpty(str(after, "name"), "the "+strings.TrimSuffix(c.Collection, "s")) + ".",
			"rationale": firstNonEmpty(str(after, "suspension_reason"), str(after, "suspension_report")), "decided_by": byRole(ctx, str(after, "suspension_decided_by"), str(after, "suspended_by_authority"))})
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}
