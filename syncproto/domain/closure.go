package domain

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// What a closure team needs every day (issue 13): the rules and effects of
// deaths and hospital admissions, hand-over, post-move reviews, placement
// decisions, checklist evidence, escalation from Process 1 to Process 2 and
// suspension by the Director.

// closureNamespace roots the ids of the changes these effects make, so that
// every replica derives the same ids and an effect triggered twice makes its
// records once.
var closureNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://continuity.example/closure"))

// derivedID is a deterministic id for a record or change an effect makes.
func derivedID(parts ...string) string {
	return uuid.NewSHA1(closureNamespace, []byte(strings.Join(parts, "/"))).String()
}

// ReviewID is the record id of a post-move review scheduled for a move.
func ReviewID(moveID, reviewType string) string { return derivedID("review", moveID, reviewType) }

// ReviewCreateID is the id of the change that schedules a post-move review.
func ReviewCreateID(moveID, reviewType string) string {
	return derivedID("review-create", moveID, reviewType)
}

// boolPtr is a boolean field's value, nil when unset.
func boolPtr(r *syncproto.Record, name string) *bool {
	if b, ok := boolean(r, name); ok {
		return &b
	}
	return nil
}

// TwoStageOf reads the two-stage test of a capacity assessment record.
func TwoStageOf(r *syncproto.Record) rules.TwoStage {
	return rules.TwoStage{
		Impairment: boolPtr(r, "impairment"), Understand: boolPtr(r, "can_understand"), Retain: boolPtr(r, "can_retain"),
		UseOrWeigh: boolPtr(r, "can_use_or_weigh"), Communicate: boolPtr(r, "can_communicate"), CausativeNexus: boolPtr(r, "causative_nexus"),
	}
}

// AssessmentOf reads what the best-interests rules need of an assessment.
func AssessmentOf(r *syncproto.Record) rules.CapacityAssessment {
	st := TwoStageOf(r)
	return rules.CapacityAssessment{ID: r.ID, ResidentID: str(r, "resident_id"), Decision: str(r, "decision"),
		Outcome: rules.CapacityOutcome(str(r, "outcome")), SupersedesID: str(r, "supersedes_id"), Stages: &st}
}

// BestInterestsOf reads a best-interests decision record. A blank
// expected_stay_days is not zero: StayUnknown is set.
func BestInterestsOf(r *syncproto.Record) rules.BestInterestsDecision {
	d := rules.BestInterestsDecision{
		ResidentID: str(r, "resident_id"), Decision: str(r, "decision"), AssessmentID: str(r, "assessment_id"),
		DecisionMaker: rules.DecisionMakerKind(str(r, "decision_maker")), Type: rules.DecisionType(str(r, "decision_type")),
		Setting: rules.Setting(str(r, "setting")), ExpectedStay: time.Duration(integer(r, "expected_stay_days")) * 24 * time.Hour,
		StayUnknown:      r.Value("expected_stay_days") == nil || string(r.Value("expected_stay_days")) == "null",
		IMCAReferralDate: instant(r, "imca_referral_date"), UrgentReason: str(r, "imca_urgency_reason"),
	}
	var consultees []struct {
		Role       string `json:"role"`
		Name       string `json:"name"`
		Unsuitable bool   `json:"unsuitable"`
	}
	_ = json.Unmarshal(r.Value("consultees"), &consultees)
	for _, cn := range consultees {
		d.Consultees = append(d.Consultees, rules.Consultee{Name: cn.Name, Role: rules.ConsulteeRole(cn.Role), Unsuitable: cn.Unsuitable})
	}
	return d
}

// AuthoritiesOf reads a resident's attorneys and deputies, and the one a
// best-interests decision records as present (decision may be nil).
func AuthoritiesOf(resident, decision *syncproto.Record) []rules.Authority {
	var out []rules.Authority
	if resident != nil {
		var lpas []struct {
			Kind         string `json:"kind"`
			Name         string `json:"name"`
			Restrictions string `json:"restrictions"`
		}
		_ = json.Unmarshal(resident.Value("lpa"), &lpas)
		for _, a := range lpas {
			out = append(out, rules.Authority{Kind: rules.AuthorityKind(a.Kind), Name: a.Name, CoversDecision: strings.TrimSpace(a.Restrictions) == ""})
		}
	}
	if present, _ := boolean(decision, "authority_present"); present {
		out = append(out, rules.Authority{Kind: rules.AuthorityKind(str(decision, "authority_kind")), Name: str(decision, "authority_name"), CoversDecision: true})
	}
	return out
}

// IMCAFor says whether an IMCA must be instructed for a best-interests
// decision, by the rule (003 Appendix 2, 3.8), not by the recorder's flag.
func IMCAFor(decision, resident *syncproto.Record) rules.Decision {
	return rules.IMCARequired(BestInterestsOf(decision), AuthoritiesOf(resident, decision))
}

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

// effectChange builds a change an effect makes.
func effectChange(ctx schema.Context, id, collection, record string, fields map[string]any) syncproto.Change {
	raw := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		b, _ := json.Marshal(v)
		raw[k] = b
	}
	return syncproto.Change{ID: id, Collection: collection, RecordID: record, Op: syncproto.OpUpsert, Fields: raw,
		HLC: ctx.Clock.Now(), RecordedAt: ctx.Now.UTC(), DeviceID: ctx.Clock.Node()}
}

// london is the zone review due dates are written in.
var london = func() *time.Location {
	loc, err := time.LoadLocation(rules.LondonZone)
	if err != nil {
		return time.UTC
	}
	return loc
}()

// moveCompletionEffect: completing a move updates where the resident is now
// and their status (whereabouts), and schedules the post-move reviews (003
// Appendix 2, 7.19) from the completion time.
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
		if res != nil && res.Exists() && !res.Deleted() && str(res, "status") != "deceased" {
			f := map[string]any{}
			if str(res, "current_service_id") != to {
				f["current_service_id"] = to
			}
			if str(res, "status") != "moved" {
				f["status"] = "moved"
			}
			if str(res, "current_location") != "" {
				f["current_location"] = nil
			}
			if len(f) > 0 {
				f["whereabouts_updated_at"] = done.UTC().Format(time.RFC3339)
				out = append(out, effectChange(ctx, derivedID("whereabouts", c.ID), "residents", rid, f))
			}
		}
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

// placementDecisionRule: the decision on the new home (003 Appendix 2, 7.9)
// is checked against the person's capacity, and NHS liaison decides only
// for CHC residents.
func placementDecisionRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() {
		return nil
	}
	internal := syncproto.Errorf(syncproto.CodeInternal, "", "could not read the records this decision depends on")
	rid := str(after, "resident_id")
	res, err := ctx.Lookup.Record("residents", rid)
	if err != nil {
		return internal
	}
	if !system(ctx) {
		if e := violationError(rules.CheckNHSLead(rules.Role(ctx.Role), schema.FundingStreamsOf(res))); e != nil {
			return e
		}
	}
	died, err := diedAt(ctx.Lookup, res, rid)
	if err != nil {
		return internal
	}
	if e := violationError(rules.CheckResidentAlive(died, "placement decision")); e != nil {
		return e
	}
	mc, err := moveChoice(ctx.Lookup, res, rid, str(after, "chosen_by"), str(after, "best_interests_decision_id"))
	if err != nil {
		return internal
	}
	return violationError(rules.CheckMoveChoice(mc))
}

// suspensionRule: suspending contracting with a provider or service, or
// lifting it, is the Director's decision on a report (003 Appendix 1); a
// neighbouring authority's suspension of care home placements suspends
// automatically (s.9).
func suspensionRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() || system(ctx) || !touches(c, "contracting_suspended") {
		return nil
	}
	was, _ := boolean(before, "contracting_suspended")
	now, _ := boolean(after, "contracting_suspended")
	if was == now {
		return nil
	}
	careHome := rules.ServiceType(str(after, "service_type")).IsCareHome()
	if c.Collection == "providers" {
		services, err := ctx.Lookup.Find("services", "provider_id", jsonString(c.RecordID))
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the provider's services")
		}
		for _, s := range services {
			careHome = careHome || (!s.Deleted() && rules.ServiceType(str(s, "service_type")).IsCareHome())
		}
	}
	neighbour := str(after, "suspended_by_authority")
	if c.Collection == "services" {
		prov, err := ctx.Lookup.Record("providers", str(after, "provider_id"))
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the provider")
		}
		neighbour = str(prov, "suspended_by_authority")
	}
	return violationError(rules.CheckSuspension(rules.SuspensionChange{Role: rules.Role(ctx.Role), Suspend: now, NeighbourAuthority: neighbour, CareHome: careHome}))
}

// evidenceRule: a checklist item's evidence names records of known
// collections that exist and belong to the item's incident.
func evidenceRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() || !touches(c, "evidence") {
		return nil
	}
	var ev []schema.Evidence
	_ = json.Unmarshal(after.Value("evidence"), &ev)
	reg := evidenceRegistry()
	for i, e := range ev {
		col, ok := reg.Collection(e.Collection)
		if !ok {
			return syncproto.Errorf("evidence_unknown", "fields.evidence", "evidence %d names an unknown collection %q", i, e.Collection)
		}
		if ctx.Local {
			continue
		}
		r, err := ctx.Lookup.Record(e.Collection, e.RecordID)
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the evidence")
		}
		if r == nil || !r.Exists() || r.Deleted() {
			return syncproto.Errorf("evidence_unknown", "fields.evidence", "evidence %d: %s %s is not known", i, e.Collection, e.RecordID)
		}
		if col.ScopeField != "" && str(r, col.ScopeField) != str(after, "incident_id") {
			return syncproto.Errorf("evidence_unknown", "fields.evidence", "evidence %d: %s %s belongs to another incident", i, e.Collection, e.RecordID)
		}
	}
	return nil
}

// evidenceRegistry knows the collections evidence may name; built once.
var evidenceRegistry = sync.OnceValue(schema.NewDomainRegistry)

// EscalationEffect: when Process 1 is escalated to Process 2 (003 Appendix
// 1, "If the Provider fails at the end of PROCESS 1 then PROCESS 2 will be
// instigated"), the provider's RAG is set to PROVIDER_FAILURE if it is not
// already, and the decision is logged; the incident keeps its Process 1
// history (activated_at, the change log).
func EscalationEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	at := str(after, "escalated_at")
	if after.Deleted() || at == "" || (!isCreate(before) && str(before, "escalated_at") != "") {
		return nil, nil
	}
	if ctx.Clock == nil {
		return nil, fmt.Errorf("escalation: no clock to stamp the changes")
	}
	inc, prov := c.RecordID, str(after, "provider_id")
	by, why := str(after, "escalated_by"), str(after, "escalation_reason")
	var out []syncproto.Change
	current, err := latestRAG(ctx.Lookup, prov, "")
	if err != nil {
		return nil, err
	}
	if current != rules.RAGProviderFailure {
		f := map[string]any{"provider_id": prov, "status": string(rules.RAGProviderFailure), "decided_at": at, "decided_by": by,
			"decided_by_role": string(rules.RoleDirector), "reason": "Process 1 escalated to Process 2: " + why}
		if current != "" {
			f["previous_status"] = string(current)
		}
		out = append(out, effectChange(ctx, derivedID("escalate-rag-change", inc), "rag_statuses", derivedID("escalate-rag", inc), f))
	}
	out = append(out, effectChange(ctx, derivedID("escalate-log-change", inc), "decision_log", derivedID("escalate-log", inc), map[string]any{
		"incident_id": inc, "decided_at": at, "decided_by": by, "role": string(rules.RoleDirector), "recorded_by": "Continuity (escalation)",
		"decision":  "Escalate from Process 1 (Final Concerns Response) to Process 2 (Provider Failure Management).",
		"rationale": why,
	}))
	return out, nil
}

// neighbourNotice flags the provider and raises the social care team's task
// for a neighbouring authority's suspension (003 s.9).
func neighbourNotice(ctx schema.Context, c syncproto.Change, provider *syncproto.Record, authority string, services []*syncproto.Record) []syncproto.Change {
	var homes, review []string
	for _, svc := range services {
		if svc.Deleted() {
			continue
		}
		d := rules.NeighbourSuspension(rules.ServiceType(str(svc, "service_type")))
		if d.Action == rules.SuspendAutomatically {
			homes = append(homes, str(svc, "name"))
		} else {
			review = append(review, str(svc, "name"))
		}
	}
	sort.Strings(homes)
	sort.Strings(review)
	details := fmt.Sprintf("%s has suspended placements with %s.", authority, str(provider, "name"))
	if r := str(provider, "suspension_reason"); r != "" {
		details += " Reason given: " + r
	}
	if len(homes) > 0 {
		details += " Contracting is suspended here automatically for its care homes (003 s.9): " + strings.Join(homes, ", ") + "."
	}
	if len(review) > 0 {
		details += " To review before any decision to suspend (003 s.9): " + strings.Join(review, ", ") + "."
	}
	details += " Check the residents we place there and confirm the provider's RAG status to the relevant social workers."
	key := c.RecordID + "/" + authority
	return []syncproto.Change{
		effectChange(ctx, derivedID("neighbour-flag", key), "providers", c.RecordID, map[string]any{
			"flagged_for_review": true, "flag_reason": authority + " suspended placements (003 s.9); suspension is a RED indicator in the QMT's RAG tool",
		}),
		effectChange(ctx, derivedID("neighbour-task-change", key), "team_tasks", derivedID("neighbour-task", key), map[string]any{
			"provider_id": c.RecordID, "team": "social_care", "source": "neighbouring_authority_suspension", "status": "open",
			"title":   "Neighbouring authority suspension: " + str(provider, "name"),
			"details": details, "created_at": ctx.Now.UTC().Format(time.RFC3339),
		}),
	}
}
