package domain

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/checklist"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

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
		return syncproto.Errorf(CodeIncidentIDMismatch, "fields.incident_id", "an incident's incident_id must be its own record id %s", c.RecordID)
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
	if d, ok := checklist.DutyOf(it.Number); ok {
		// The owner the seed names (syncproto/checklist duties); the
		// party is the item's own when its text assigns it elsewhere.
		m["owner_role"] = d.OwnerRole
		if d.Owner != it.Responsibility {
			m["responsibility"], m["responsibility_source"] = string(d.Owner), checklist.SourceItemText
		}
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
	for i, it := range items {
		// The checklist is as old as the incident that made it: its items
		// are stamped just after the incident's change, so that progress
		// recorded after the incident (a tick, a due date), however late it
		// reaches the server, is never overwritten by the blank item.
		hlc := syncproto.HLC{Wall: c.HLC.Wall, Counter: c.HLC.Counter + 1 + i, Node: ctx.Clock.Node()}
		if hlc.Counter > syncproto.MaxCounter {
			hlc.Wall, hlc.Counter = hlc.Wall+1, i
		}
		if c.HLC.IsZero() {
			hlc = ctx.Clock.Now()
		}
		out = append(out, syncproto.Change{
			ID: ChecklistCreateID(inc, it.Number), Collection: "checklist_items", RecordID: ChecklistItemID(inc, it.Number),
			Op: syncproto.OpUpsert, Fields: ChecklistFields(inc, it), HLC: hlc, RecordedAt: ctx.Now.UTC(),
			DeviceID: ctx.Clock.Node(),
		})
	}
	return out, nil
}

// closeRule gates an incident's close (003 Appendix 2, 8.2, 10.1, 10.3):
// it is refused while a resident has no known outcome, a move is open, a
// post-move review is overdue and not rescheduled, a checklist item is
// neither done nor waived with a reason, or no debrief is recorded. The
// refusal lists what remains (Error.Details).
func closeRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() || str(after, "status") != "closed" || (!isCreate(before) && str(before, "status") == "closed") || ctx.Local {
		return nil
	}
	if system(ctx) {
		// The server's own changes (demo data, a replayed history) are
		// not gated; no person holds the system role, so every close a
		// person makes, from any client, is.
		return nil
	}
	st, err := CloseStateOf(ctx.Lookup, after, ctx.Now)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the incident's records")
	}
	e := violationError(rules.CheckClose(st))
	if e != nil {
		e.Details = st.Remaining()
	}
	return e
}

// CloseStateOf reads what an incident's close is judged on, as of now.
func CloseStateOf(l schema.Lookup, inc *syncproto.Record, now time.Time) (rules.CloseState, error) {
	var st rules.CloseState
	id := jsonString(inc.ID)
	find := func(col string) ([]*syncproto.Record, error) {
		recs, err := l.Find(col, "incident_id", id)
		if err != nil {
			return nil, err
		}
		out := recs[:0]
		for _, r := range recs {
			if r.Exists() && !r.Deleted() {
				out = append(out, r)
			}
		}
		return out, nil
	}
	residents, err := find("residents")
	if err != nil {
		return st, err
	}
	staying := str(inc, "outcome") == "remedial_work" || str(inc, "outcome") == "suspended"
	if b, ok := boolean(inc, "service_continuing"); ok && b {
		staying = true
	}
	names := map[string]string{}
	for _, r := range residents {
		name := strings.TrimSpace(str(r, "given_name") + " " + str(r, "family_name"))
		if name == "" {
			name = "resident " + r.ID
		}
		names[r.ID] = name
		switch s := str(r, "status"); {
		case s == "moved" || s == "deceased" || s == "left":
		case s == "in_placement" && staying:
		default:
			st.ResidentsWithoutOutcome = append(st.ResidentsWithoutOutcome, name)
		}
	}
	moves, err := find("moves")
	if err != nil {
		return st, err
	}
	for _, m := range moves {
		if s := str(m, "status"); s != "completed" && s != "cancelled" {
			st.OpenMoves = append(st.OpenMoves, fmt.Sprintf("%s (%s)", whose(names, str(m, "resident_id")), strings.ReplaceAll(s, "_", " ")))
		}
	}
	reviews, err := find("post_move_reviews")
	if err != nil {
		return st, err
	}
	today := now.In(rules.DefaultWorkingHours().Location).Format(time.DateOnly)
	for _, r := range reviews {
		if str(r, "visited_at") == "" && str(r, "due_on") < today {
			st.ReviewsOutstanding = append(st.ReviewsOutstanding, fmt.Sprintf("%s, %s review due %s", whose(names, str(r, "resident_id")), strings.ReplaceAll(str(r, "review_type"), "_", " "), str(r, "due_on")))
		}
	}
	items, err := find("checklist_items")
	if err != nil {
		return st, err
	}
	for _, it := range items {
		s := str(it, "status")
		if s == "done" || (s == "not_applicable" && strings.TrimSpace(str(it, "waiver_reason")) != "") {
			continue
		}
		st.ItemsOutstanding = append(st.ItemsOutstanding, fmt.Sprintf("%s %s (%s)", str(it, "number"), str(it, "text"), strings.ReplaceAll(s, "_", " ")))
	}
	slices.SortFunc(st.ItemsOutstanding, func(a, b string) int { return checklist.CompareNumbers(firstWord(a), firstWord(b)) })
	meetings, err := find("meeting_records")
	if err != nil {
		return st, err
	}
	for _, m := range meetings {
		if str(m, "meeting_type") == "debrief" {
			st.DebriefHeld = true
		}
	}
	return st, nil
}

func whose(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "resident " + id
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}
