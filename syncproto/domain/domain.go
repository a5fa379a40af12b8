// Package domain wires the provider-failure rules (syncproto/rules) and the
// Management Checklist (syncproto/checklist) into the schema registry, so the
// server checks every pushed change against them and the client SDK can warn
// before it syncs. It does no I/O: other records are read through the
// schema.Lookup the caller provides.
package domain

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/continuity-care/continuity/syncproto/checklist"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// Options configure the rules.
type Options struct {
	// WorkingHours are the council's normal working hours for moves
	// (rules.DefaultWorkingHours when zero: Mon–Fri 09:00–17:00
	// Europe/London).
	WorkingHours rules.WorkingHours
	// ReviewSchedule is the post-move review programme scheduled when a
	// move is completed (rules.DefaultReviewSchedule when nil: 72 hours and
	// 4 weeks, 003 Appendix 2, 7.19).
	ReviewSchedule []rules.ReviewOffset
}

// Registry returns the registry of every domain collection with its rules
// and effects.
func Registry(o Options) *schema.Registry {
	if o.WorkingHours.Location == nil {
		o.WorkingHours = rules.DefaultWorkingHours()
	}
	if o.ReviewSchedule == nil {
		o.ReviewSchedule = rules.DefaultReviewSchedule()
	}
	cols := schema.Domain()
	for i := range cols {
		c := &cols[i]
		switch c.Name {
		case "incidents":
			c.Rules = append(c.Rules, incidentRule)
			c.Effects = append(c.Effects, ChecklistEffect, EscalationEffect)
		case "providers":
			c.Rules = append(c.Rules, suspensionRule)
			c.Effects = append(c.Effects, NeighbourSuspensionEffect)
		case "services":
			c.Rules = append(c.Rules, suspensionRule)
		case "checklist_items":
			c.Rules = append(c.Rules, evidenceRule)
		case "resident_events":
			c.Rules = append(c.Rules, residentEventRule)
			c.Effects = append(c.Effects, ResidentEventEffect)
		case "placement_decisions":
			c.Rules = append(c.Rules, placementDecisionRule)
		case "rag_statuses":
			c.Rules = append(c.Rules, ragRule)
		case "capacity_assessments":
			c.Rules = append(c.Rules, assessmentRule)
		case "best_interests_decisions":
			c.Rules = append(c.Rules, bestInterestsRule)
		case "moves":
			c.Rules = append(c.Rules, moveRule(o.WorkingHours))
			c.Effects = append(c.Effects, moveCompletionEffect(o.ReviewSchedule))
		case "move_legs":
			c.Rules = append(c.Rules, legRule)
		}
		if kind, ok := logKinds[c.Name]; ok {
			c.Rules = append(c.Rules, logRule(kind))
		}
	}
	return schema.MustRegistry(cols...)
}

var logKinds = map[string]rules.LogKind{
	"decision_log":       rules.LogDecision,
	"movement_log":       rules.LogMovement,
	"risk_log":           rules.LogRisk,
	"communications_log": rules.LogCommunications,
	"meeting_records":    rules.LogMeeting,
	"family_contacts":    rules.LogContact,
}

// violationError turns rule violations into the per-change rejection: the
// first violation's code and field, every message.
func violationError(vs rules.Violations) *syncproto.Error {
	if len(vs) == 0 {
		return nil
	}
	msgs := make([]string, len(vs))
	for i, v := range vs {
		msgs[i] = v.Message
	}
	field := ""
	if f := vs[0].Field; f != "" {
		if mapped, ok := ruleFields[f]; ok {
			f = mapped
		}
		if strings.HasPrefix(f, "legs.") {
			f = f[strings.LastIndex(f, ".")+1:]
		}
		if f != "" {
			field = "fields." + f
		}
	}
	return &syncproto.Error{Code: vs[0].Code, Field: field, Message: strings.Join(msgs, "; ")}
}

// ruleFields maps the rules' names for inputs onto the collections' field
// names ("" when the input is not a field of the change).
var ruleFields = map[string]string{
	"planned_start":      "planned_at",
	"planned_end":        "planned_arrival_at",
	"to":                 "status",
	"from":               "previous_status",
	"role":               "",
	"criterion":          "trigger_criterion",
	"regulated_provider": "provider_id",
	"working_hours":      "",
	"agreed_with_role":   "agreed_with_role",
	"provider_failed":    "process_1_provider_failed",
	"reason":             "reason",
}

// fieldsOf decodes a record's current values (nil for a record that does not
// exist or is deleted).
func fieldsOf(r *syncproto.Record) rules.Fields {
	if r == nil || !r.Exists() || r.Deleted() {
		return nil
	}
	f := rules.Fields{}
	for name, v := range r.Fields {
		var x any
		if json.Unmarshal(v.Value, &x) == nil {
			f[name] = x
		}
	}
	f[rules.FieldID] = r.ID
	return f
}

func str(r *syncproto.Record, name string) string { return schema.StringValue(r, name) }

func boolean(r *syncproto.Record, name string) (bool, bool) {
	if r == nil {
		return false, false
	}
	var b bool
	if v := r.Value(name); v != nil && json.Unmarshal(v, &b) == nil {
		return b, true
	}
	return false, false
}

func integer(r *syncproto.Record, name string) int {
	if r == nil {
		return 0
	}
	var n int
	_ = json.Unmarshal(r.Value(name), &n)
	return n
}

func instant(r *syncproto.Record, name string) time.Time {
	s := str(r, name)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t
	}
	return time.Time{}
}

func isCreate(before *syncproto.Record) bool { return before == nil || !before.Exists() }

// system reports whether the change is the server's own (demo data, effects):
// role-based rules do not apply to it, data rules still do.
func system(ctx schema.Context) bool { return ctx.Role == access.System }

// incidentRule: an incident's incident_id is its own id, and activating one
// follows 003 s.10: the trigger criterion chooses the process (criterion i
// instigates Process 1, escalated to Process 2 when the provider fails at its
// end), only the right role may activate it, and Process 1 is a joint
// decision of the Head of Commissioning and the Director.
func incidentRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() {
		return nil
	}
	if id := str(after, "incident_id"); id != c.RecordID {
		return syncproto.Errorf("incident_id_mismatch", "fields.incident_id", "an incident's incident_id must be its own record id %s", c.RecordID)
	}
	activation := []string{"trigger_criterion", "process", "business_continuity_plan_failed", "provider_id", "agreed_with", "agreed_with_role"}
	escalation := []string{"escalated_at", "escalated_by", "escalation_reason", "process_1_provider_failed"}
	if !isCreate(before) && !touches(c, append(activation, escalation...)...) {
		return nil
	}
	criterion := rules.TriggerCriterion(str(after, "trigger_criterion"))
	escalated := str(after, "escalated_at") != ""
	if e := violationError(rules.CheckProcess(criterion, rules.Process(integer(after, "process")), escalated)); e != nil {
		return e
	}
	if system(ctx) {
		return nil
	}
	if escalated && (isCreate(before) || str(before, "escalated_at") == "" || touches(c, escalation...)) {
		// 003 Appendix 1: "If the Provider fails at the end of PROCESS 1
		// then PROCESS 2 will be instigated", by the Director.
		held, _ := boolean(after, "final_concerns_meeting_held")
		failed, _ := boolean(after, "process_1_provider_failed")
		_, vs := rules.EscalateProcess1(rules.Process1Outcome{FinalConcernsMeetingHeld: held, ProviderFailed: failed,
			Role: rules.Role(ctx.Role), Reason: str(after, "escalation_reason")})
		if strings.TrimSpace(str(after, "escalated_by")) == "" {
			vs = append(vs, rules.Violation{Code: syncproto.CodeMissingField, Field: "escalated_by", Message: "record the Director who decided to escalate to Process 2"})
		}
		if e := violationError(vs); e != nil {
			return e
		}
		if !isCreate(before) && !touches(c, activation...) {
			return nil
		}
	}
	if !isCreate(before) && integer(before, "process") == int(rules.ProcessProviderFailureManagement) && ctx.Role != string(rules.RoleDirector) {
		return syncproto.Errorf(rules.CodeActivationNotPermitted, "", "only the Director may change how a Provider Failure (Process 2) incident was activated (003 Appendix 1)")
	}
	regulated := true
	if prov, err := ctx.Lookup.Record("providers", str(after, "provider_id")); err == nil && prov != nil {
		if b, ok := boolean(prov, "regulated"); ok {
			regulated = b
		}
	}
	bcpFailed, _ := boolean(after, "business_continuity_plan_failed")
	_, vs := rules.ActivateIncident(rules.ActivationRequest{
		Criterion: criterion, Role: rules.Role(ctx.Role), RegulatedProvider: regulated,
		BusinessContinuityPlanFailed: bcpFailed, Reason: str(after, "reason"),
		AgreedWith: rules.Role(str(after, "agreed_with_role")), AgreedWithName: str(after, "agreed_with"),
	})
	if !isCreate(before) && !touches(c, "agreed_with", "agreed_with_role") {
		// The joint decision was judged when Process 1 was started, for
		// the role that started it.
		vs = without(vs, rules.CodeJointDecisionRequired)
	}
	return violationError(vs)
}

// without returns vs less the violations with code.
func without(vs rules.Violations, code string) rules.Violations {
	var out rules.Violations
	for _, v := range vs {
		if v.Code != code {
			out = append(out, v)
		}
	}
	return out
}

// touches reports whether a change writes any of the fields.
func touches(c syncproto.Change, fields ...string) bool {
	for _, f := range fields {
		if _, ok := c.Fields[f]; ok {
			return true
		}
	}
	return false
}

// checklistNamespace roots the ids of checklist items, so every replica
// derives the same ids for one incident.
var checklistNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://continuity.example/checklist"))

// ChecklistItemID is the record id of one checklist item of an incident.
func ChecklistItemID(incidentID, number string) string {
	return uuid.NewSHA1(checklistNamespace, []byte("item/"+incidentID+"/"+number)).String()
}

// ChecklistCreateID is the id of the change that creates a checklist item.
func ChecklistCreateID(incidentID, number string) string {
	return uuid.NewSHA1(checklistNamespace, []byte("create/"+incidentID+"/"+number)).String()
}

// ChecklistFields are the fields a new checklist item is created with.
func ChecklistFields(incidentID string, it checklist.Item) map[string]json.RawMessage {
	m := map[string]any{
		"incident_id": incidentID, "section": it.Section, "section_title": it.SectionTitle, "number": it.Number,
		"text": it.Text, "responsibility": string(it.Responsibility), "responsibility_source": it.ResponsibilitySource,
		"status": "not_started",
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		b, _ := json.Marshal(v)
		out[k] = b
	}
	return out
}

// ChecklistEffect creates an incident's Management Checklist (003 Appendix 2)
// when the incident is created: one record per item, with ids derived from
// the incident, so an incident activated twice gets one checklist.
func ChecklistEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	if !isCreate(before) || after.Deleted() {
		return nil, nil
	}
	if ctx.Clock == nil {
		return nil, fmt.Errorf("checklist: no clock to stamp the items")
	}
	inc := c.RecordID
	items := checklist.Items()
	out := make([]syncproto.Change, 0, len(items))
	for _, it := range items {
		out = append(out, syncproto.Change{
			ID: ChecklistCreateID(inc, it.Number), Collection: "checklist_items", RecordID: ChecklistItemID(inc, it.Number),
			Op: syncproto.OpUpsert, Fields: ChecklistFields(inc, it), HLC: ctx.Clock.Now(), RecordedAt: ctx.Now.UTC(),
			DeviceID: ctx.Clock.Node(),
		})
	}
	return out, nil
}

// suspensionNamespace roots the ids of the changes the s.9 effect makes.
var suspensionNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://continuity.example/s9"))

// NeighbourSuspensionEffect applies 003 s.9: when a neighbouring authority's
// suspension of a provider is recorded (suspended_by_authority), contracting
// with the provider's care homes is suspended here automatically; its other
// services (home care and the rest) are left for review, as the seed says.
// The provider is flagged for review and the details are sent to the
// relevant social care team as a team task ("DCC will automatically suspend
// contracting with that Provider and send the details to the relevant social
// care team").
func NeighbourSuspensionEffect(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	by := str(after, "suspended_by_authority")
	if by == "" || by == str(before, "suspended_by_authority") || after.Deleted() {
		return nil, nil
	}
	if ctx.Clock == nil {
		return nil, fmt.Errorf("s.9: no clock to stamp the suspension")
	}
	services, err := ctx.Lookup.Find("services", "provider_id", jsonString(c.RecordID))
	if err != nil {
		return nil, err
	}
	out := neighbourNotice(ctx, c, after, by, services)
	for _, svc := range services {
		if svc.Deleted() || !rules.ServiceType(str(svc, "service_type")).IsCareHome() {
			continue
		}
		if d := rules.NeighbourSuspension(rules.ServiceType(str(svc, "service_type"))); d.Action != rules.SuspendAutomatically {
			continue
		}
		if already, _ := boolean(svc, "contracting_suspended"); already {
			continue
		}
		out = append(out, syncproto.Change{
			ID: uuid.NewSHA1(suspensionNamespace, []byte(svc.ID+"/"+c.ID)).String(), Collection: "services", RecordID: svc.ID,
			Op: syncproto.OpUpsert, Fields: map[string]json.RawMessage{"contracting_suspended": json.RawMessage("true")},
			HLC: ctx.Clock.Now(), RecordedAt: ctx.Now.UTC(), DeviceID: ctx.Clock.Node(),
		})
	}
	return out, nil
}

// ragRule: a RAG step is made by a role allowed to reach it, with a reason;
// the history is append-only.
func ragRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if !isCreate(before) {
		return syncproto.Errorf(rules.CodeLogAppendOnly, "", "a RAG status step is history: record a new step instead of changing this one")
	}
	role := rules.Role(ctx.Role)
	if system(ctx) {
		role = rules.Role(str(after, "decided_by_role"))
	} else if got := str(after, "decided_by_role"); got != ctx.Role {
		return syncproto.Errorf(syncproto.CodeInvalidValue, "fields.decided_by_role", "decided_by_role must be your role (%s), not %q", ctx.Role, got)
	}
	// 003 Appendix 1: the Head of Adults Commissioning's functions are
	// "delegated to Senior QMO in QMT in their absence".
	role, dvs := rules.ActingRole(role, rules.Delegation{From: rules.Role(str(after, "delegated_from_role")), By: str(after, "delegated_by"), Reason: str(after, "delegation_reason")})
	if e := violationError(dvs); e != nil {
		return e
	}
	to := rules.RAGStatus(str(after, "status"))
	// The provider's status is what its history says, not what the device
	// believes: a step from a stale status is refused.
	from, err := latestRAG(ctx.Lookup, str(after, "provider_id"), c.RecordID)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the provider's RAG history")
	}
	if claimed := rules.RAGStatus(str(after, "previous_status")); claimed != "" && claimed != from && !(from == "" && claimed == rules.RAGGreen) {
		current := from
		if current == "" {
			current = rules.RAGGreen
		}
		return syncproto.Errorf("previous_status_mismatch", "fields.previous_status", "the provider is %s now, not %s: pull and decide again", current, claimed)
	}
	if from == "" {
		// A provider's first rating: any status the role may reach.
		if to == rules.RAGGreen {
			return nil
		}
		from = rules.RAGGreen
	}
	return violationError(rules.CheckRAGTransition(rules.RAGTransition{From: from, To: to, Role: role, Reason: str(after, "reason")}))
}

// latestRAG is the provider's current RAG status ("" when it has none).
func latestRAG(l schema.Lookup, provider, except string) (rules.RAGStatus, error) {
	recs, err := l.Find("rag_statuses", "provider_id", jsonString(provider))
	if err != nil {
		return "", err
	}
	var best *syncproto.Record
	for _, r := range recs {
		if r.ID == except || r.Deleted() {
			continue
		}
		if best == nil || instant(r, "decided_at").After(instant(best, "decided_at")) {
			best = r
		}
	}
	if best == nil {
		return "", nil
	}
	return rules.RAGStatus(str(best, "status")), nil
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// assessmentRule: a signed capacity assessment is never edited, only
// superseded by a new one that names it.
func assessmentRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	var beforeF, afterF rules.Fields
	if !isCreate(before) {
		beforeF = fieldsOf(before)
	}
	if !after.Deleted() {
		afterF = fieldsOf(after)
	}
	if e := violationError(rules.CheckAssessmentChange(beforeF, afterF)); e != nil {
		return e
	}
	if afterF != nil && rules.Signed(afterF) && (beforeF == nil || !rules.Signed(beforeF)) {
		// 003 Appendix 2, 3.8 "Two-stage Assessments": an incoherent
		// assessment cannot be signed.
		if e := violationError(rules.CheckTwoStage(rules.CapacityOutcome(str(after, "outcome")), TwoStageOf(after))); e != nil {
			return e
		}
	}
	if sup := str(after, "supersedes_id"); sup != "" && (isCreate(before) || str(before, "supersedes_id") != sup) {
		prev, err := ctx.Lookup.Record("capacity_assessments", sup)
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the superseded assessment")
		}
		if prev == nil || !prev.Exists() {
			return syncproto.Errorf("supersedes_unknown", "fields.supersedes_id", "assessment %s that this one supersedes is not known", sup)
		}
		return violationError(rules.CheckSupersedes(fieldsOf(prev), afterF))
	}
	return nil
}

// logRule: logs are append-only.
func logRule(kind rules.LogKind) schema.Rule {
	return func(_ schema.Context, _ syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
		var beforeF, afterF rules.Fields
		if !isCreate(before) {
			beforeF = fieldsOf(before)
		}
		if !after.Deleted() {
			afterF = fieldsOf(after)
		}
		return violationError(rules.CheckLogChange(kind, beforeF, afterF))
	}
}

// moveStatus maps the collection's statuses onto the rules'.
func moveStatus(s string) rules.MoveStatus {
	switch s {
	case "in_transit":
		return rules.MoveInProgress
	case "completed":
		return rules.MoveCompleted
	case "cancelled":
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

// legRule: a leg cannot arrive before it departs, nor be handed over before
// it arrives, and legs of one move do not overlap.
func legRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() {
		return nil
	}
	move, err := ctx.Lookup.Record("moves", str(after, "move_id"))
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the move")
	}
	if move == nil || !move.Exists() {
		return syncproto.Errorf("move_unknown", "fields.move_id", "move %s is not known", str(after, "move_id"))
	}
	mv, err := loadMove(ctx.Lookup, move, after)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the move's legs")
	}
	return violationError(rules.CheckLegs(mv))
}

// bestInterestsRule: a best-interests decision rests on a coherent
// assessment that found capacity lacking for the same decision; an attorney
// or deputy with authority decides instead; an IMCA is instructed when
// required (a blank expected stay is not zero) unless the urgency exception
// is recorded; NHS liaison decides only for CHC residents.
func bestInterestsRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() {
		return nil
	}
	internal := syncproto.Errorf(syncproto.CodeInternal, "", "could not read the records this decision depends on")
	res, err := ctx.Lookup.Record("residents", str(after, "resident_id"))
	if err != nil {
		return internal
	}
	if !system(ctx) {
		if e := violationError(rules.CheckNHSLead(rules.Role(ctx.Role), schema.FundingStreamsOf(res))); e != nil {
			return e
		}
	}
	d := BestInterestsOf(after)
	recs, err := ctx.Lookup.Find("capacity_assessments", "resident_id", jsonString(d.ResidentID))
	if err != nil {
		return internal
	}
	var assessments []rules.CapacityAssessment
	for _, r := range recs {
		if r.Deleted() {
			continue
		}
		assessments = append(assessments, AssessmentOf(r))
	}
	return violationError(rules.CheckBestInterests(d, assessments, AuthoritiesOf(res, after), ctx.Now))
}
