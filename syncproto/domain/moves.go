package domain

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// ReviewID is the record id of a post-move review scheduled for a move.
func ReviewID(moveID, reviewType string) string { return derivedID("review", moveID, reviewType) }

// ReviewCreateID is the id of the change that schedules a post-move review.
func ReviewCreateID(moveID, reviewType string) string {
	return derivedID("review-create", moveID, reviewType)
}

// lacksCapacityForMove finds the resident's current (not superseded),
// coherent assessment of an accommodation decision that found capacity
// lacking, if any.
func lacksCapacityForMove(l schema.Lookup, residentID string) (*syncproto.Record, error) {
	recs, err := l.Find("capacity_assessments", "resident_id", jsonString(residentID))
	if err != nil {
		return nil, err
	}
	superseded := map[string]bool{}
	for _, r := range recs {
		if id := str(r, "supersedes_id"); id != "" && !r.Deleted() {
			superseded[id] = true
		}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].ID < recs[j].ID })
	for _, r := range recs {
		if r.Deleted() || superseded[r.ID] || str(r, "decision_type") != "accommodation" {
			continue
		}
		if str(r, "outcome") == "lacks_capacity" && rules.Coherent(rules.LacksCapacity, TwoStageOf(r)) {
			return r, nil
		}
	}
	return nil, nil
}

// moveChoice gathers what rules.CheckMoveChoice needs for a move or a
// placement decision.
func moveChoice(l schema.Lookup, res *syncproto.Record, residentID, chosenBy, decisionID string) (rules.MoveChoice, error) {
	mc := rules.MoveChoice{ChosenBy: chosenBy}
	assessment, err := lacksCapacityForMove(l, residentID)
	if err != nil || assessment == nil {
		return mc, err
	}
	mc.LacksCapacity = true
	mc.Authorities = AuthoritiesOf(res, nil)
	var bi *syncproto.Record
	if decisionID != "" {
		if bi, err = l.Record("best_interests_decisions", decisionID); err != nil {
			return mc, err
		}
	} else {
		all, err := l.Find("best_interests_decisions", "resident_id", jsonString(residentID))
		if err != nil {
			return mc, err
		}
		for _, b := range all {
			if !b.Deleted() && str(b, "assessment_id") == assessment.ID {
				bi = b
			}
		}
	}
	if bi != nil && bi.Exists() && !bi.Deleted() {
		d := BestInterestsOf(bi)
		mc.BestInterests = &d
		mc.Authorities = AuthoritiesOf(res, bi)
		return mc, nil
	}
	// No decision yet: the people to consult are the resident's carers and
	// significant others on record (003 Appendix 2, section 5).
	var carers []schema.Carer
	_ = json.Unmarshal(res.Value("carers"), &carers)
	d := rules.BestInterestsDecision{Type: rules.DecisionAccommodation, Setting: rules.SettingCareHome, StayUnknown: true}
	for _, cr := range carers {
		d.Consultees = append(d.Consultees, rules.Consultee{Name: cr.Name, Role: rules.ConsulteeFamily})
	}
	mc.BestInterests = &d
	return mc, nil
}

// handoverOf reads a move's hand-over items; a leg's identity check counts.
func handoverOf(l schema.Lookup, move *syncproto.Record) (rules.Handover, error) {
	h := rules.Handover{OverrideReason: str(move, "handover_override_reason"), EquipmentNeeded: strings.TrimSpace(str(move, "equipment_travelling")) != ""}
	h.Medication, _ = boolean(move, "medication_travelling")
	h.CarePlan, _ = boolean(move, "care_plan_handed_over")
	h.IdentityConfirmed, _ = boolean(move, "identity_confirmed")
	h.Records, _ = boolean(move, "records_handed_over")
	h.EquipmentTransferred, _ = boolean(move, "equipment_transferred")
	if !h.IdentityConfirmed {
		legs, err := l.Find("move_legs", "move_id", jsonString(move.ID))
		if err != nil {
			return h, err
		}
		for _, lg := range legs {
			if ok, _ := boolean(lg, "identity_confirmed"); ok && !lg.Deleted() {
				h.IdentityConfirmed = true
			}
		}
	}
	return h, nil
}

// completedAt is when a move was completed: completed_at, else its last
// hand-over or arrival, else now.
func completedAt(l schema.Lookup, move *syncproto.Record, now time.Time) time.Time {
	if t := instant(move, "completed_at"); !t.IsZero() {
		return t
	}
	var last time.Time
	if legs, err := l.Find("move_legs", "move_id", jsonString(move.ID)); err == nil {
		for _, lg := range legs {
			for _, f := range []string{"handed_over_at", "arrived_at"} {
				if t := instant(lg, f); t.After(last) {
					last = t
				}
			}
		}
	}
	if !last.IsZero() {
		return last
	}
	return now
}

// london is the zone review due dates are written in.
var london = func() *time.Location {
	loc, err := time.LoadLocation(rules.LondonZone)
	if err != nil {
		return time.UTC
	}
	return loc
}()

// moveCompletionEffect: completing a move schedules the post-move reviews
// (003 Appendix 2, 7.19) from the completion time, marks a DoLS
// authorisation as needing a new request at the new home and raises the
// DoLS team's task (3.10), and cancels the person's other open moves from
// the same home. Where the person is now is WhereaboutsEffect's.
func moveCompletionEffect(schedule []rules.ReviewOffset) schema.Effect {
	return func(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
		if after.Deleted() || str(after, "status") != "completed" || (!isCreate(before) && str(before, "status") == "completed") {
			return nil, nil
		}
		if ctx.Clock == nil {
			return nil, fmt.Errorf("move completion: no clock to stamp the changes")
		}
		done := completedAt(ctx.Lookup, after, ctx.Now)
		rid, to := str(after, "resident_id"), str(after, "to_service_id")
		var out []syncproto.Change
		res, err := ctx.Lookup.Record("residents", rid)
		if err != nil {
			return nil, err
		}
		dols, err := dolsFollowsThePerson(ctx, after, res, to, done)
		if err != nil {
			return nil, err
		}
		out = append(out, dols...)
		others, err := ctx.Lookup.Find("moves", "resident_id", jsonString(rid))
		if err != nil {
			return nil, err
		}
		sort.Slice(others, func(i, j int) bool { return others[i].ID < others[j].ID })
		out = append(out, closeOtherMoves(ctx, c.ID, after, others, "The person moved to another home by move "+after.ID+".")...)
		for _, o := range schedule {
			id := ReviewID(after.ID, o.Type)
			if existing, err := ctx.Lookup.Record("post_move_reviews", id); err != nil {
				return nil, err
			} else if existing != nil && existing.Exists() {
				continue
			}
			out = append(out, effectChange(ctx, ReviewCreateID(after.ID, o.Type), "post_move_reviews", id, map[string]any{
				"incident_id": str(after, "incident_id"), "resident_id": rid, "move_id": after.ID, "service_id": to,
				"review_type": o.Type, "due_on": rules.ReviewDue(done, o, london),
			}))
		}
		return out, nil
	}
}

// moveStatus maps the collection's statuses onto the rules'.
func moveStatus(s string) rules.MoveStatus {
	switch s {
	case "in_transit":
		return rules.MoveInProgress
	case "completed":
		return rules.MoveCompleted
	case "cancelled", "on_hold":
		// A move on hold (e.g. while the person is in hospital) holds no
		// place and is no origin: it is planned again before it goes ahead.
		return rules.MoveCancelled
	}
	return rules.MovePlanned
}

// loadMove builds a rules.Move from a move record and its legs.
func loadMove(l schema.Lookup, m *syncproto.Record, legOverride *syncproto.Record) (rules.Move, error) {
	mv := rules.Move{
		ID: m.ID, ResidentID: str(m, "resident_id"), FromServiceID: str(m, "from_service_id"), ToServiceID: str(m, "to_service_id"),
		Status: moveStatus(str(m, "status")), PlannedStart: instant(m, "planned_at"), PlannedEnd: instant(m, "planned_arrival_at"),
		OutOfHoursReason: str(m, "out_of_hours_reason"),
	}
	legs, err := l.Find("move_legs", "move_id", jsonString(m.ID))
	if err != nil {
		return mv, err
	}
	if legOverride != nil {
		replaced := false
		for i, lg := range legs {
			if lg.ID == legOverride.ID {
				legs[i], replaced = legOverride, true
			}
		}
		if !replaced {
			legs = append(legs, legOverride)
		}
	}
	sort.SliceStable(legs, func(i, j int) bool {
		si, sj := integer(legs[i], "sequence"), integer(legs[j], "sequence")
		if si != sj {
			return si < sj
		}
		return instant(legs[i], "departed_at").Before(instant(legs[j], "departed_at"))
	})
	for _, lg := range legs {
		if lg.Deleted() {
			continue
		}
		mv.Legs = append(mv.Legs, rules.Leg{DepartedAt: instant(lg, "departed_at"), ArrivedAt: instant(lg, "arrived_at"), HandedOverAt: instant(lg, "handed_over_at")})
	}
	return mv, nil
}

// moveRule: a resident is in one place at a time, legs are in order, moves
// fall in working hours unless a reason is recorded, the destination is
// registered for the category the resident needs and there are no concerns
// about it (or a commissioner's override), nobody plans a move for a resident
// who has died, NHS liaison plans only for CHC residents, who chose is
// checked against the person's capacity, and a move is completed only after
// its hand-over.
func moveRule(wh rules.WorkingHours) schema.Rule {
	return func(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
		if after.Deleted() {
			return nil
		}
		internal := syncproto.Errorf(syncproto.CodeInternal, "", "could not read the records this move depends on")
		mv, err := loadMove(ctx.Lookup, after, nil)
		if err != nil {
			return internal
		}
		check := rules.MoveCheck{Move: mv, WorkingHours: wh,
			Override: rules.DestinationOverride{Reason: str(after, "destination_override_reason"), Role: rules.Role(str(after, "destination_override_role"))}}
		if !system(ctx) && touches(c, "destination_override_reason", "destination_override_role") && str(after, "destination_override_reason") != "" && str(after, "destination_override_role") != ctx.Role {
			return syncproto.Errorf(rules.CodeOverrideNotPermitted, "fields.destination_override_role", "destination_override_role must be your role (%s): the override is recorded by the commissioner who makes it (003 Appendix 2, 7.6)", ctx.Role)
		}
		others, err := ctx.Lookup.Find("moves", "resident_id", jsonString(mv.ResidentID))
		if err != nil {
			return internal
		}
		for _, o := range others {
			if o.ID == after.ID || o.Deleted() {
				continue
			}
			om, err := loadMove(ctx.Lookup, o, nil)
			if err != nil {
				return internal
			}
			check.Existing = append(check.Existing, om)
		}
		res, err := ctx.Lookup.Record("residents", mv.ResidentID)
		if err != nil {
			return internal
		}
		if res != nil {
			check.CurrentServiceID = str(res, "current_service_id")
			if cat := str(res, "registration_category"); cat != "" {
				check.Needs = []rules.RegistrationCategory{rules.RegistrationCategory(cat)}
			}
		}
		active := mv.Status == rules.MovePlanned || mv.Status == rules.MoveInProgress
		if active && (isCreate(before) || touches(c, "status", "planned_at", "to_service_id")) {
			died, err := diedAt(ctx.Lookup, res, mv.ResidentID)
			if err != nil {
				return internal
			}
			if e := violationError(rules.CheckResidentAlive(died, "move")); e != nil {
				return e
			}
		}
		if !system(ctx) && (isCreate(before) || touches(c, "to_service_id", "chosen_by", "best_interests_decision_id")) {
			if e := violationError(rules.CheckNHSLead(rules.Role(ctx.Role), schema.FundingStreamsOf(res))); e != nil {
				return e
			}
		}
		dest, err := ctx.Lookup.Record("services", mv.ToServiceID)
		if err != nil {
			return internal
		}
		if dest == nil || dest.Deleted() {
			if ctx.Lookup != nil && !ctx.Local {
				return syncproto.Errorf("destination_unknown", "fields.to_service_id", "service %s is not known: add the destination service before planning a move to it", mv.ToServiceID)
			}
			// On a tablet the service may not have synced yet: the server
			// judges it.
			check.Needs = nil
		} else {
			check.Destination = rules.Service{ID: dest.ID}
			var cats []string
			_ = json.Unmarshal(dest.Value("registration_categories"), &cats)
			for _, cat := range cats {
				check.Destination.Categories = append(check.Destination.Categories, rules.RegistrationCategory(cat))
			}
			reg, ok := boolean(dest, "regulated")
			check.Destination.Registered = reg || (!ok && len(cats) > 0)
			check.Destination.Suspended, _ = boolean(dest, "contracting_suspended")
			provider := str(dest, "provider_id")
			if prov, err := ctx.Lookup.Record("providers", provider); err != nil {
				return internal
			} else if suspended, _ := boolean(prov, "contracting_suspended"); suspended {
				check.Destination.Suspended = true
			}
			if provider != "" {
				rag, err := latestRAG(ctx.Lookup, provider, "")
				if err != nil {
					return internal
				}
				check.Destination.RAG = rag
			}
		}
		if e := violationError(rules.CheckMove(check)); e != nil {
			return e
		}
		if active && (isCreate(before) || touches(c, "to_service_id", "chosen_by", "best_interests_decision_id")) {
			choice, err := moveChoice(ctx.Lookup, res, mv.ResidentID, str(after, "chosen_by"), str(after, "best_interests_decision_id"))
			if err != nil {
				return internal
			}
			if e := violationError(rules.CheckMoveChoice(choice)); e != nil {
				return e
			}
		}
		if mv.Status == rules.MoveCompleted && (isCreate(before) || str(before, "status") != "completed") {
			h, err := handoverOf(ctx.Lookup, after)
			if err != nil {
				return internal
			}
			if e := violationError(rules.CheckHandover(h)); e != nil {
				return e
			}
		}
		return nil
	}
}
