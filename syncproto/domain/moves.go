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

// capacityForMove finds the person's latest signed assessment of where to
// live (decision_type accommodation): their capacity for a move. It returns
// nil when none is signed: drafts ground nothing, and capacity is presumed
// (MCA 2005 s.1(2)).
func capacityForMove(l schema.Lookup, residentID string) (*syncproto.Record, error) {
	recs, err := l.Find("capacity_assessments", "resident_id", jsonString(residentID))
	if err != nil {
		return nil, err
	}
	byID := map[string]*syncproto.Record{}
	var as []rules.CapacityAssessment
	for _, r := range recs {
		if r.Deleted() || str(r, "decision_type") != "accommodation" {
			continue
		}
		byID[r.ID] = r
		as = append(as, AssessmentOf(r))
	}
	if latest := rules.LatestSigned(as, residentID, ""); latest != nil {
		return byID[latest.ID], nil
	}
	return nil, nil
}

// moveChoice gathers what rules.CheckMoveChoice needs for a move or a
// placement decision: the person's capacity (their latest signed
// assessment), and the best-interests decision the move names.
func moveChoice(l schema.Lookup, res *syncproto.Record, residentID, chosenBy, decisionID string) (rules.MoveChoice, error) {
	mc := rules.MoveChoice{ChosenBy: chosenBy}
	assessment, err := capacityForMove(l, residentID)
	if err != nil || assessment == nil {
		return mc, err
	}
	if str(assessment, "outcome") != string(rules.LacksCapacity) || !rules.Coherent(rules.LacksCapacity, TwoStageOf(assessment)) {
		return mc, nil
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
	if bi != nil && bi.Exists() && !bi.Deleted() && str(bi, "resident_id") == residentID {
		d := BestInterestsOf(bi)
		mc.BestInterests = &d
		mc.Authorities = AuthoritiesOf(res, bi)
		// For this move: named by it, made (dated), and resting on the
		// person's latest signed assessment.
		mc.BestInterestsDecided = decisionID == bi.ID && str(bi, "decided_at") != "" && str(bi, "assessment_id") == assessment.ID
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
	h := rules.Handover{OverrideReason: str(move, "handover_override_reason"), OverrideRole: rules.Role(str(move, "handover_override_role")),
		EquipmentNeeded: strings.TrimSpace(str(move, "equipment_travelling")) != ""}
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

// moveStatus reads a move's status; a blank status is planned.
func moveStatus(s string) rules.MoveStatus {
	if s == "" {
		return rules.MovePlanned
	}
	return rules.MoveStatus(s)
}

// planFields are a move's plan: who moves, from and to where, when, who
// chose and on what authority. Changing any of them is judged by every
// planning rule, whatever the move's status.
var planFields = []string{"resident_id", "from_service_id", "to_service_id", "planned_at", "planned_arrival_at", "out_of_hours_reason",
	"chosen_by", "best_interests_decision_id", "destination_override_reason", "destination_override_role"}

// frozenWhenCompleted are the fields of a completed move that never change:
// who moved, from and to where, when, and the hand-over that let it
// complete. A mistake is put right with a move correction.
var frozenWhenCompleted = func() []string {
	out := append([]string{"completed_at", "handover_override_reason", "handover_override_role"}, planFields...)
	for _, it := range rules.MoveCompletionGate().Items {
		out = append(out, it.Field)
	}
	return out
}()

// sameJSON reports whether two field values mean the same (a missing value
// and null are the same).
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if len(a) > 0 {
		if json.Unmarshal(a, &x) != nil {
			return string(a) == string(b)
		}
	}
	if len(b) > 0 {
		if json.Unmarshal(b, &y) != nil {
			return false
		}
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

// checkLifecycle applies the move lifecycle (rules.MoveTransitions) to a
// change: a completed move is never deleted, cancelled or re-pointed; the
// status moves only along the seed's path; a cancellation gives its reason.
func checkLifecycle(before, after *syncproto.Record, created bool) *syncproto.Error {
	wasCompleted := !created && str(before, "status") == string(rules.MoveCompleted)
	if after.Deleted() {
		if wasCompleted {
			return syncproto.Errorf(rules.CodeMoveCompletedFinal, "op", "a completed move cannot be deleted: it is the record of where the person went; put a mistake right with a move correction (move_corrections) with its reason")
		}
		return nil
	}
	if wasCompleted {
		for _, f := range frozenWhenCompleted {
			if !sameJSON(before.Value(f), after.Value(f)) {
				return syncproto.Errorf(rules.CodeMoveCompletedFinal, "fields."+f, "%s of a completed move cannot be changed: put a mistake right with a move correction (void, destination or completion time) with its reason", f)
			}
		}
	}
	to := moveStatus(str(after, "status"))
	if !created {
		if e := violationError(rules.CheckMoveTransition(moveStatus(str(before, "status")), to)); e != nil {
			return e
		}
	}
	if to == rules.MoveCancelled && (created || str(before, "status") != string(rules.MoveCancelled)) && strings.TrimSpace(str(after, "cancelled_reason")) == "" {
		return syncproto.Errorf(rules.CodeReasonRequired, "fields.cancelled_reason", "a move is cancelled with its reason (cancelled_reason), for the log of decisions and movement of customers (003 Appendix 2, 7.17)")
	}
	return nil
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

// moveRule: one lifecycle whatever the path (planned → in_transit →
// arrived → completed, or on hold or cancelled before completion; a
// completed move is final); every planning rule whatever status a move is
// created in (a resident is in one place at a time, legs are in order,
// moves fall in working hours unless a reason is recorded, the destination
// is registered for the category the resident needs and there are no
// concerns about it or a commissioner's override, nobody plans a move for a
// resident who has died, NHS liaison plans only for CHC residents, who chose
// is checked against the person's capacity); arrival needs every leg
// departed and arrived; completion needs arrival and the hand-over.
func moveRule(wh rules.WorkingHours) schema.Rule {
	return func(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
		created := isCreate(before) || before.Deleted()
		if e := checkLifecycle(before, after, created); e != nil || after.Deleted() {
			return e
		}
		j := &moveJudgement{ctx: ctx, c: c, after: after, created: created, check: rules.MoveCheck{WorkingHours: wh}}
		if !created {
			j.from = moveStatus(str(before, "status"))
		}
		// The checks in the order they are judged: the first refusal wins.
		for _, check := range []func(*moveJudgement) (*syncproto.Error, error){
			(*moveJudgement).load,
			(*moveJudgement).overrideRoles,
			(*moveJudgement).otherMoves,
			(*moveJudgement).resident,
			(*moveJudgement).alive,
			(*moveJudgement).nhsLead,
			(*moveJudgement).destination,
			(*moveJudgement).plan,
			(*moveJudgement).choice,
			(*moveJudgement).arrival,
			(*moveJudgement).handover,
		} {
			e, err := check(j)
			if err != nil {
				return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the records this move depends on")
			}
			if e != nil {
				return e
			}
		}
		return nil
	}
}

// moveJudgement is one write of a move being judged by moveRule's named
// checks; each check reads what the ones before it loaded.
type moveJudgement struct {
	ctx      schema.Context
	c        syncproto.Change
	after    *syncproto.Record
	created  bool
	from     rules.MoveStatus
	mv       rules.Move
	replan   bool // the plan is (re)made: a new move, or a plan field written
	planning bool // the move is planned or under way, or its plan is remade
	res      *syncproto.Record
	check    rules.MoveCheck
}

// load reads the move with its legs and starts the planning check.
func (j *moveJudgement) load() (*syncproto.Error, error) {
	mv, err := loadMove(j.ctx.Lookup, j.after, nil)
	if err != nil {
		return nil, err
	}
	j.mv = mv
	j.replan = j.created || touches(j.c, planFields...)
	// The plan is judged when the move is made, whatever its status,
	// and while it is planned or under way.
	j.planning = j.replan || mv.Status == rules.MovePlanned || mv.Status == rules.MoveInProgress
	j.check = rules.MoveCheck{Move: mv, WorkingHours: j.check.WorkingHours, Plan: j.replan,
		Override: rules.DestinationOverride{Reason: str(j.after, "destination_override_reason"), Role: rules.Role(str(j.after, "destination_override_role"))}}
	return nil, nil
}

// overrideRoles: a destination override is recorded by the commissioner
// who makes it, and a hand-over override only by the roles allowed it.
func (j *moveJudgement) overrideRoles() (*syncproto.Error, error) {
	if system(j.ctx) {
		return nil, nil
	}
	if touches(j.c, "destination_override_reason", "destination_override_role") && str(j.after, "destination_override_reason") != "" && str(j.after, "destination_override_role") != j.ctx.Role {
		return syncproto.Errorf(rules.CodeOverrideNotPermitted, "fields.destination_override_role", "destination_override_role must be your role (%s): the override is recorded by the commissioner who makes it (003 Appendix 2, 7.6)", j.ctx.Role), nil
	}
	if touches(j.c, "handover_override_reason", "handover_override_role") && strings.TrimSpace(str(j.after, "handover_override_reason")) != "" {
		return checkHandoverOverride(j.ctx, j.after), nil
	}
	return nil, nil
}

// otherMoves loads the resident's other moves as their corrections leave
// them (a voided move did not happen), so that the plan can be checked
// against them: a resident is in one place at a time.
func (j *moveJudgement) otherMoves() (*syncproto.Error, error) {
	others, err := j.ctx.Lookup.Find("moves", "resident_id", jsonString(j.mv.ResidentID))
	if err != nil {
		return nil, err
	}
	corrections, err := correctionsOf(j.ctx.Lookup, j.mv.ResidentID, nil)
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if o.ID == j.after.ID || o.Deleted() {
			continue
		}
		om, err := loadMove(j.ctx.Lookup, o, nil)
		if err != nil {
			return nil, err
		}
		cm := rules.Correct(om, time.Time{}, corrections)
		if cm.Void {
			continue
		}
		om.ToServiceID = cm.ToServiceID
		j.check.Existing = append(j.check.Existing, om)
	}
	return nil, nil
}

// resident loads the person moved: where they are and the registration
// category they need.
func (j *moveJudgement) resident() (*syncproto.Error, error) {
	res, err := j.ctx.Lookup.Record("residents", j.mv.ResidentID)
	if err != nil {
		return nil, err
	}
	j.res = res
	if res != nil {
		j.check.CurrentServiceID = str(res, "current_service_id")
		if cat := str(res, "registration_category"); cat != "" {
			j.check.Needs = []rules.RegistrationCategory{rules.RegistrationCategory(cat)}
		}
	}
	return nil, nil
}

// alive: nobody plans a move for a resident who has died.
func (j *moveJudgement) alive() (*syncproto.Error, error) {
	if !j.planning || !(j.replan || touches(j.c, "status")) {
		return nil, nil
	}
	died, err := diedAt(j.ctx.Lookup, j.res, j.mv.ResidentID)
	if err != nil {
		return nil, err
	}
	return violationError(rules.CheckResidentAlive(died, "move")), nil
}

// nhsLead: NHS liaison plans moves only for CHC-funded residents.
func (j *moveJudgement) nhsLead() (*syncproto.Error, error) {
	if system(j.ctx) || !(j.created || touches(j.c, "to_service_id", "chosen_by", "best_interests_decision_id")) {
		return nil, nil
	}
	return violationError(rules.CheckNHSLead(rules.Role(j.ctx.Role), schema.FundingStreamsOf(j.res))), nil
}

// destination loads the destination service and its provider: registered
// for the category needed, not suspended, and its provider's latest rating.
// On a tablet the service may not have synced yet: the server judges it.
func (j *moveJudgement) destination() (*syncproto.Error, error) {
	dest, err := j.ctx.Lookup.Record("services", j.mv.ToServiceID)
	if err != nil {
		return nil, err
	}
	if dest == nil || dest.Deleted() {
		if j.ctx.Lookup != nil && !j.ctx.Local {
			return syncproto.Errorf(CodeDestinationUnknown, "fields.to_service_id", "service %s is not known: add the destination service before planning a move to it", j.mv.ToServiceID), nil
		}
		j.check.Needs = nil
		return nil, nil
	}
	d := rules.Service{ID: dest.ID}
	var cats []string
	_ = json.Unmarshal(dest.Value("registration_categories"), &cats)
	for _, cat := range cats {
		d.Categories = append(d.Categories, rules.RegistrationCategory(cat))
	}
	reg, ok := boolean(dest, "regulated")
	d.Registered = reg || (!ok && len(cats) > 0)
	d.Suspended, _ = boolean(dest, "contracting_suspended")
	provider := str(dest, "provider_id")
	prov, err := j.ctx.Lookup.Record("providers", provider)
	if err != nil {
		return nil, err
	}
	if suspended, _ := boolean(prov, "contracting_suspended"); suspended {
		d.Suspended = true
	}
	if provider != "" {
		if d.RAG, err = latestRAG(j.ctx.Lookup, provider, ""); err != nil {
			return nil, err
		}
	}
	j.check.Destination = d
	return nil, nil
}

// plan: the planning rules of rules.CheckMove (one place at a time, legs
// in order, working hours, the destination).
func (j *moveJudgement) plan() (*syncproto.Error, error) {
	return violationError(rules.CheckMove(j.check)), nil
}

// choice: who chose the destination is checked against the person's
// capacity (a best-interests decision on a signed assessment, or an
// attorney or deputy).
func (j *moveJudgement) choice() (*syncproto.Error, error) {
	if !j.planning || !(j.created || touches(j.c, "resident_id", "to_service_id", "chosen_by", "best_interests_decision_id")) {
		return nil, nil
	}
	choice, err := moveChoice(j.ctx.Lookup, j.res, j.mv.ResidentID, str(j.after, "chosen_by"), str(j.after, "best_interests_decision_id"))
	if err != nil {
		return nil, err
	}
	return violationError(rules.CheckMoveChoice(choice)), nil
}

// arrival: entering arrived, and again entering completed, needs every leg
// departed and arrived (a leg deleted or moved since the arrival is caught
// at the hand-over).
func (j *moveJudgement) arrival() (*syncproto.Error, error) {
	arriving := j.mv.Status == rules.MoveArrived || j.mv.Status == rules.MoveCompleted
	if !arriving || !(j.created || j.from != j.mv.Status) {
		return nil, nil
	}
	return violationError(rules.CheckArrived(j.mv)), nil
}

// handover: completing needs the hand-over (003 Appendix 2, 7.15–7.24).
func (j *moveJudgement) handover() (*syncproto.Error, error) {
	if j.mv.Status != rules.MoveCompleted || j.from == rules.MoveCompleted {
		return nil, nil
	}
	h, err := handoverOf(j.ctx.Lookup, j.after)
	if err != nil {
		return nil, err
	}
	return violationError(rules.CheckHandover(h)), nil
}

// checkHandoverOverride: a hand-over override is recorded only by a role the
// gate gives that authority (rules.MoveCompletionGate), in its own name, and
// by NHS liaison only for a fully funded NHS customer.
func checkHandoverOverride(ctx schema.Context, after *syncproto.Record) *syncproto.Error {
	gate := rules.MoveCompletionGate()
	role := rules.Role(ctx.Role)
	if !gate.MayOverride(role) {
		return violationError(rules.CheckHandover(rules.Handover{OverrideReason: "override", OverrideRole: role}))
	}
	if str(after, "handover_override_role") != ctx.Role {
		return syncproto.Errorf(rules.CodeHandoverOverrideNotPermitted, "fields.handover_override_role", "handover_override_role must be your role (%s): the override is recorded by who makes it", ctx.Role)
	}
	if role == rules.RoleNHSLiaison {
		res, err := ctx.Lookup.Record("residents", str(after, "resident_id"))
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the resident")
		}
		return violationError(rules.CheckNHSLead(role, schema.FundingStreamsOf(res)))
	}
	return nil
}
