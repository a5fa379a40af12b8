package checklist

import (
	"encoding/json"
	"slices"
	"time"
)

// Duties: who owns each of the 99 items, when it is due, who may sign it off,
// whether it needs evidence and which records the software itself makes
// that show it. This is the one place the data lives: the server's rules,
// its reports, the exported schema (gates.checklist_sign_off) and the
// console all read it from here, and docs/domain.md maps it (a test checks
// the map against it).
//
// The seed leaves the checklist's responsibility columns blank ("To be
// completed by the JISG"); the owners, sign-off roles and due times below are
// read from the roles the seed gives in Appendix 1 (the Provider Failure
// Manager and the Provider Failure Management Team of Schedule B) and from
// the words of s.10, Schedule B and the items themselves, each quoted in
// SeedWords. Where the seed gives no time, the lead officer sets one (the
// item's due_on).

// The council roles that sign items off (the same values as rules.Role).
const (
	RoleDirector     = "director"
	RoleCommissioner = "commissioner"
	RoleSocialWorker = "social_worker"
	RoleBackOffice   = "back_office"
	RoleNHSLiaison   = "nhs_liaison"
)

// Named owners: the roles of 003 Appendix 1 Schedule B.
const (
	OwnerPFM            = "Provider Failure Manager"
	OwnerDirector       = "Service Director, Integration and Direct Services"
	OwnerOperations     = "Operations (social workers)"
	OwnerCommissioning  = "Strategic Commissioning and Quality Assurance"
	OwnerFinance        = "Finance"
	OwnerLegal          = "Legal/HR"
	OwnerCommunications = "Communications"
	OwnerAdministration = "Administration"
	OwnerNHS            = "NHS"
	OwnerProviderStaff  = "the Provider's care staff"
)

// SourceScheduleB: the owner is the role 003 Appendix 1 Schedule B gives the
// work (or the item's own text names); the JISG still confirms it.
const SourceScheduleB = "schedule_b"

// DueKind is what an item's due time is counted from.
type DueKind string

// The kinds of due rule.
const (
	// DueAfterActivation: Hours after the incident was activated.
	DueAfterActivation DueKind = "after_activation"
	// DueAfterMeeting: Hours after the first Provider Failure Management
	// (or Final Concerns Response) meeting; not due before it is held.
	DueAfterMeeting DueKind = "after_meeting"
	// DueBeforeMoves: before the first planned move leaves.
	DueBeforeMoves DueKind = "before_moves"
	// DueAfterMove: Hours after the first move is completed.
	DueAfterMove DueKind = "after_move"
	// DueCadence: every Hours, counted from the latest automatic evidence
	// (or from activation when there is none).
	DueCadence DueKind = "cadence"
	// DueBeforeClose: before the incident is closed (the close is gated on
	// it); no date.
	DueBeforeClose DueKind = "before_close"
	// DueLeadOfficer: the seed gives no time; the lead officer sets due_on.
	DueLeadOfficer DueKind = "lead_officer"
)

// DueRule is when an item is due.
type DueRule struct {
	Kind  DueKind `json:"kind"`
	Hours int     `json:"hours,omitempty"`
	// Text says the rule in plain English.
	Text string `json:"text"`
	// SeedWords are the seed's words the rule rests on ("" when the seed
	// gives no time).
	SeedWords string `json:"seed_words,omitempty"`
}

// Match restricts automatic evidence to records whose Field has one of
// Values (compared as JSON).
type Match struct {
	Field  string `json:"field"`
	Values []any  `json:"values"`
}

// AutoEvidence is a kind of record the software makes in the ordinary course
// of the work that shows an item done: the item lists them without anyone
// linking them.
type AutoEvidence struct {
	Collection string  `json:"collection"`
	Match      []Match `json:"match,omitempty"`
	// Label names the records in plain English ("capacity assessments").
	Label string `json:"label"`
	// StateField is the field whose value is shown as the record's state;
	// StateLabel names it when the field is a time or a yes/no ("signed").
	StateField string `json:"state_field,omitempty"`
	StateLabel string `json:"state_label,omitempty"`
	// TimeField is when the record was made (for a cadence).
	TimeField string `json:"time_field,omitempty"`
}

// Matches reports whether a record's field values (decoded JSON) are
// automatic evidence of this kind.
func (a AutoEvidence) Matches(fields map[string]any) bool {
	for _, m := range a.Match {
		v, ok := fields[m.Field]
		if !ok {
			return false
		}
		hit := false
		for _, w := range m.Values {
			if jsonEqual(v, w) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

func jsonEqual(a, b any) bool {
	ab, err1 := json.Marshal(a)
	bb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ab) == string(bb)
}

// Duty is what the procedure asks of one item.
type Duty struct {
	Number string `json:"number"`
	// Owner is the party (DCC, NHS or Provider); OwnerRole the named role
	// within it; OwnerSource how it was decided (SourceScheduleB,
	// SourceItemText or SourceDefault).
	Owner       Responsibility `json:"owner"`
	OwnerRole   string         `json:"owner_role"`
	OwnerSource string         `json:"owner_source"`
	Due         DueRule        `json:"due"`
	// SignOff are the roles that may mark the item done; SignOffWhy the
	// seed's words for it.
	SignOff    []string `json:"sign_off"`
	SignOffWhy string   `json:"sign_off_why"`
	// EvidenceRequired: the item is not done without evidence, linked or
	// automatic.
	EvidenceRequired bool `json:"evidence_required"`
	// Auto are the records that show it without anyone linking them.
	Auto []AutoEvidence `json:"auto_evidence,omitempty"`
}

// MaySignOff reports whether role may mark the item done.
func (d Duty) MaySignOff(role string) bool { return slices.Contains(d.SignOff, role) }

// WaiverRoles are the roles that may waive an item (mark it not applicable)
// with a reason: "The Director of Integration and Direct Services is
// responsible for the DECISION to ACTIVATE" the procedure (003 Appendix 1),
// so what it need not do is the Director's to decide.
var WaiverRoles = []string{RoleDirector}

// ReassignRoles are the roles of the lead officer, who may reassign an
// item's owner and due date: the Provider Failure Manager is the Service
// Director or a Head of Commissioning it delegates to (003 Appendix 1
// Schedule B), who must "Set clear timescales for actions".
var ReassignRoles = []string{RoleDirector, RoleCommissioner}

// Facts are what due times are counted from; zero times are unknown.
type Facts struct {
	ActivatedAt      time.Time
	FirstMeetingAt   time.Time
	FirstMoveAt      time.Time
	FirstCompletedAt time.Time
	// LatestEvidenceAt is the time of the item's latest automatic evidence.
	LatestEvidenceAt time.Time
}

// DueAt is when the rule makes an item due, false when it gives no time yet
// (the lead officer's rule, the close, or a meeting or move not yet known).
func (r DueRule) DueAt(f Facts) (time.Time, bool) {
	h := time.Duration(r.Hours) * time.Hour
	switch r.Kind {
	case DueAfterActivation:
		return f.ActivatedAt.Add(h), !f.ActivatedAt.IsZero()
	case DueAfterMeeting:
		return f.FirstMeetingAt.Add(h), !f.FirstMeetingAt.IsZero()
	case DueBeforeMoves:
		return f.FirstMoveAt, !f.FirstMoveAt.IsZero()
	case DueAfterMove:
		return f.FirstCompletedAt.Add(h), !f.FirstCompletedAt.IsZero()
	case DueCadence:
		from := f.LatestEvidenceAt
		if from.IsZero() {
			from = f.ActivatedAt
		}
		return from.Add(h), !from.IsZero()
	}
	return time.Time{}, false
}

// Sign-off role sets, from Appendix 1 Schedule B.
var (
	// pfm: the Provider Failure Manager, the Service Director or the Head
	// of Commissioning it delegates to.
	pfm = []string{RoleDirector, RoleCommissioner}
	// director: the Director's own decisions.
	director = []string{RoleDirector}
	// ops: Operations "Ensure the safety and wellbeing of customers", under
	// the PFM.
	ops = []string{RoleSocialWorker, RoleCommissioner, RoleDirector}
	// support: Strategic Commissioning, QA, Finance, Communications and
	// Legal, who answer to the PFM; the Head of Commissioning signs.
	support = []string{RoleCommissioner, RoleDirector}
	// admin: Administration "Ensure the log and accurate records of all
	// meetings and actions are maintained", under the PFM.
	admin = []string{RoleBackOffice, RoleCommissioner, RoleDirector}
	// nhs: the NHS's own processes.
	nhs = []string{RoleNHSLiaison}
)

const (
	whyPFM       = "Schedule B: the PFM has \"overall management\": \"Develop an agreed action plan and allocate specific option actions\""
	whyOps       = "Schedule B, Operations: \"Ensure the safety and wellbeing of customers through managing: Reviews ... Transfer ... Ongoing DOLS, Best Interest Assessments, Mental Capacity Assessments ... Communication with all individual customers and families\"; the PFM may also sign"
	whySupport   = "Schedule B, Support Functions (Strategic Commissioning, Quality Assurance, Finance, Communications, Legal/HR) under the PFM"
	whyAdmin     = "Schedule B, Administration: \"Ensure the log and accurate records of all meetings and actions are maintained\"; the PFM \"Ensure all meetings / decisions are recorded for audit purposes\""
	whyDirector  = "Appendix 1: \"The Director of Integration and Direct Services is responsible for the DECISION to ACTIVATE the Provider Failure PROCESSES\""
	wordsKeyInfo = "Action Plan: \"Key details and contacts (To be completed as soon as concerns received)\""
	wordsPFMMeet = "s.10: \"The DCC lead will immediately call a Provider Failure Management meeting to take place at the earliest practicable opportunity\""
	wordsAgree   = "Schedule B: \"The meeting will agree: Options ... Actions ... Development and implementation of the Communications Plan\""
)

// Due rules used by several items.
var (
	dueLead       = DueRule{Kind: DueLeadOfficer, Text: "set by the lead officer"}
	dueKeyInfo    = DueRule{Kind: DueAfterActivation, Hours: 24, Text: "within 24 hours of activation", SeedWords: wordsKeyInfo}
	dueAtMeeting  = DueRule{Kind: DueAfterMeeting, Text: "at the first Provider Failure Management meeting", SeedWords: wordsAgree}
	dueBeforeMove = DueRule{Kind: DueBeforeMoves, Text: "before the first move", SeedWords: "Appendix 2 section 7: relocation follows assessment and choice (7.1-7.9)"}
	dueBeforeEnd  = DueRule{Kind: DueBeforeClose, Text: "before the incident is closed", SeedWords: "8.2 \"Conduct a debrief after every incident\"; 10.1 \"once the procedure is completed\""}
)

// Automatic evidence used by several items.
var (
	autoPFMMeeting = AutoEvidence{Collection: "meeting_records", Label: "Provider Failure Management and Final Concerns Response meetings",
		Match:      []Match{{Field: "meeting_type", Values: []any{"provider_failure_management", "final_concerns_response"}}},
		StateField: "held_at", StateLabel: "held", TimeField: "held_at"}
	autoDebrief = AutoEvidence{Collection: "meeting_records", Label: "debrief meetings",
		Match: []Match{{Field: "meeting_type", Values: []any{"debrief"}}}, StateField: "held_at", StateLabel: "held", TimeField: "held_at"}
	autoRiskLog = AutoEvidence{Collection: "risk_log", Label: "risk log entries", StateField: "status", TimeField: "raised_at"}
	autoMoves   = func(field, label string) AutoEvidence {
		return AutoEvidence{Collection: "moves", Label: "moves with " + label, Match: []Match{{Field: field, Values: []any{true}}}, StateField: "status"}
	}
)

// duty builds a Duty.
func duty(number string, owner Responsibility, role string, due DueRule, signOff []string, why string, evidence bool, auto ...AutoEvidence) Duty {
	src := SourceScheduleB
	return Duty{Number: number, Owner: owner, OwnerRole: role, OwnerSource: src, Due: due, SignOff: signOff, SignOffWhy: why, EvidenceRequired: evidence, Auto: auto}
}

// duties are the 99 items' duties, in the seed's order.
var duties = []Duty{
	// 1 Provider Failure Management Team
	duty("1.1", DCC, OwnerPFM, DueRule{Kind: DueAfterActivation, Hours: 24, Text: "within 24 hours of activation", SeedWords: wordsPFMMeet}, pfm,
		"Schedule B: \"Convene the Provider Failure Management Meeting as soon as the decision to activate Process 2 has been authorised\"", true, autoPFMMeeting),
	duty("1.2", DCC, OwnerPFM, dueAtMeeting, pfm, whyPFM, true, autoPFMMeeting),
	// 2 Initial work/clarification
	duty("2.1", DCC, OwnerPFM, dueKeyInfo, pfm, whyPFM, false),
	duty("2.2", DCC, OwnerOperations, dueKeyInfo, ops, whyOps, false,
		AutoEvidence{Collection: "residents", Label: "residents recorded", StateField: "status"}),
	duty("2.3", DCC, OwnerCommissioning, dueKeyInfo, support, "Schedule B, Strategic Commissioning: \"Maintain communication with the provider\"", false),
	duty("2.4", DCC, OwnerPFM, dueAtMeeting, pfm, "Schedule B: the PFM \"Communicate formally and in writing with the provider regarding key decisions and actions\"", false,
		AutoEvidence{Collection: "meeting_records", Label: "meetings with the provider", Match: []Match{{Field: "meeting_type", Values: []any{"provider"}}}, StateField: "held_at", StateLabel: "held", TimeField: "held_at"}),
	duty("2.5", DCC, OwnerCommissioning, dueLead, support, whySupport, false),
	duty("2.6", DCC, OwnerOperations, dueKeyInfo, ops, whyOps, true, autoRiskLog),
	duty("2.8", DCC, OwnerDirector, dueAtMeeting, director, whyDirector, true),
	duty("2.9", DCC, OwnerCommissioning, dueLead, support, "Schedule B, DCC Quality Assurance: \"Identify capacity with contracted Providers\"; Finance: \"enabling care provider staff to remain in post\"", false),
	duty("2.10", DCC, OwnerCommissioning, dueLead, support, whySupport, false),
	duty("2.11", DCC, OwnerPFM, dueAtMeeting, pfm, "Schedule B: the PFM \"Set clear timescales for actions\"", true),
	duty("2.12", DCC, OwnerPFM, dueAtMeeting, pfm, whyPFM, false),
	duty("2.13", DCC, OwnerOperations, dueLead, ops, whyOps, false),
	duty("2.14", DCC, OwnerPFM, dueLead, pfm, whyPFM, false),
	duty("2.15", DCC, OwnerCommissioning, dueKeyInfo, support, "Schedule B, DCC Quality Assurance: \"Manage contract management processes\"", false),
	duty("2.16", DCC, OwnerCommunications, dueAtMeeting, support, "Schedule B, Communications: \"Develop and manage the Communications Plan across stakeholders\"", true),
	duty("2.17", DCC, OwnerPFM, dueLead, pfm, whyPFM, false),
	duty("2.18", DCC, OwnerPFM, dueAtMeeting, pfm, whyPFM, false),
	duty("2.19", DCC, OwnerCommunications, dueLead, support, "Schedule B, Communications: \"Develop and manage the Communications Plan\" with the lead Communications Officer", true),
	duty("2.20", DCC, OwnerOperations, dueLead, ops, whyOps, false),
	duty("2.21", DCC, OwnerPFM, dueKeyInfo, pfm, whyPFM, false),
	duty("2.22", DCC, OwnerCommissioning, dueKeyInfo, support, "Schedule B, Strategic Commissioning: \"Maintain communication with the provider\"", false),
	duty("2.23", DCC, OwnerAdministration, dueLead, admin, "Schedule B, Administration: \"To organise meeting venues\"", false),
	duty("2.24", DCC, OwnerPFM, dueAtMeeting, pfm, whyPFM, false),
	{Number: "2.25", Owner: NHS, OwnerRole: OwnerNHS, OwnerSource: SourceItemText, Due: dueLead, SignOff: nhs,
		SignOffWhy: "the item's own words: \"NHS to follow incident reporting processes\""},
	duty("2.26", DCC, OwnerCommissioning, dueLead, support, whySupport, false),
	duty("2.27", DCC, OwnerPFM, dueLead, pfm, "Schedule B: the PFM \"Keep Service Director(s) and other Heads of Service fully briefed\"", false),
	duty("2.28", DCC, OwnerAdministration, dueAtMeeting, admin, whyAdmin, false),
	// 3 Customers
	duty("3.1", DCC, OwnerOperations, dueKeyInfo, ops, whyOps, true,
		AutoEvidence{Collection: "residents", Label: "residents recorded", StateField: "status"}),
	duty("3.2", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	duty("3.3", DCC, OwnerCommissioning, dueBeforeMove, support, "Schedule B, DCC Quality Assurance; Appendix 2 7.5 \"registered for the category of care required\"", false),
	duty("3.4", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	duty("3.5", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	duty("3.6", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	duty("3.7", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	duty("3.8", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, true,
		AutoEvidence{Collection: "capacity_assessments", Label: "capacity assessments", StateField: "signed_at", StateLabel: "signed"},
		AutoEvidence{Collection: "best_interests_decisions", Label: "best-interests decisions", StateField: "decided_at", StateLabel: "made"}),
	duty("3.9", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	duty("3.10", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	duty("3.11", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	// 4 Financial Responsibilities
	duty("4.1", DCC, OwnerPFM, dueAtMeeting, pfm, whyPFM, false),
	duty("4.2", DCC, OwnerCommissioning, dueBeforeMove, support, "Appendix 1: the Lead Commissioner supports \"Out of area placements\"", true,
		AutoEvidence{Collection: "cross_authority_notifications", Label: "placing authorities notified", Match: []Match{{Field: "recipient_kind", Values: []any{"placing_authority"}}}, StateField: "acknowledged_at", StateLabel: "acknowledged"}),
	duty("4.3", DCC, OwnerFinance, dueKeyInfo, support, "Schedule B, Finance: \"Manage and co-ordinate the implementation of any financial options\"", false),
	duty("4.4", DCC, OwnerFinance, dueKeyInfo, support, "Schedule B: \"the NHS will lead and co-ordinate all actions relating to fully funded NHS customers\"; Finance identifies them", false),
	duty("4.5", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, true),
	duty("4.6", DCC, OwnerFinance, dueLead, support, whySupport, false),
	duty("4.7", DCC, OwnerFinance, dueLead, support, whySupport, false),
	duty("4.8", DCC, OwnerFinance, dueLead, support, whySupport, false),
	duty("4.9", DCC, OwnerLegal, dueLead, support, "Schedule B, Legal/HR: \"To provide advice in relation to the specific situation\"; the PFM \"Seek legal/HR advice as required\"", true),
	duty("4.10", DCC, OwnerFinance, dueBeforeMove, support, whySupport, false),
	duty("4.11", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	// 5 Carers and 'Significant Others'
	duty("5.1", DCC, OwnerOperations, dueKeyInfo, ops, whyOps, false,
		AutoEvidence{Collection: "family_contacts", Label: "contacts with families and carers", StateField: "occurred_at", StateLabel: "contacted", TimeField: "occurred_at"}),
	duty("5.2", DCC, OwnerOperations, dueLead, ops, whyOps, false),
	duty("5.3", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false,
		AutoEvidence{Collection: "family_contacts", Label: "contacts with families and carers", StateField: "occurred_at", StateLabel: "contacted", TimeField: "occurred_at"}),
	duty("5.4", DCC, OwnerOperations, dueLead, ops, whyOps, false),
	duty("5.5", DCC, OwnerOperations, dueLead, ops, whyOps, false),
	// 6 Consultations/Information Management
	duty("6.1", DCC, OwnerCommunications, dueAtMeeting, support, "Schedule B, Communications: the Communications Plan \"across stakeholders\"", false),
	duty("6.2", DCC, OwnerCommunications, dueLead, support, whySupport, false),
	duty("6.3", DCC, OwnerPFM, dueLead, pfm, whyPFM, false,
		AutoEvidence{Collection: "meeting_records", Label: "residents' meetings", Match: []Match{{Field: "meeting_type", Values: []any{"residents"}}}, StateField: "held_at", StateLabel: "held", TimeField: "held_at"}),
	duty("6.4", DCC, OwnerPFM, dueLead, pfm, whyPFM, false,
		AutoEvidence{Collection: "meeting_records", Label: "relatives' meetings", Match: []Match{{Field: "meeting_type", Values: []any{"relatives"}}}, StateField: "held_at", StateLabel: "held", TimeField: "held_at"}),
	duty("6.5", DCC, OwnerPFM, dueAtMeeting, pfm, whyPFM, false),
	// 7 Relocation (if decision is made to close)
	duty("7.1", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	duty("7.2", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false,
		AutoEvidence{Collection: "placement_decisions", Label: "placement decisions", StateField: "decided_at", StateLabel: "decided"}),
	duty("7.3", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false,
		AutoEvidence{Collection: "capacity_assessments", Label: "capacity assessments", StateField: "signed_at", StateLabel: "signed"}),
	duty("7.4", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	duty("7.5", DCC, OwnerCommissioning, dueBeforeMove, support, "Schedule B, DCC Quality Assurance; the server checks each move's destination (CheckDestination)", false,
		AutoEvidence{Collection: "moves", Label: "moves (destination checked by the server)", StateField: "status"}),
	duty("7.6", DCC, OwnerCommissioning, dueBeforeMove, support, "Schedule B, DCC Quality Assurance; CQC \"Inform partner agencies of any enforcement action\"", false,
		AutoEvidence{Collection: "moves", Label: "moves (destination checked by the server)", StateField: "status"}),
	duty("7.7", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	duty("7.8", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	duty("7.9", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false,
		AutoEvidence{Collection: "placement_decisions", Label: "placement decisions", StateField: "decided_at", StateLabel: "decided"}),
	duty("7.10", DCC, OwnerOperations, dueLead, ops, whyOps, false),
	duty("7.11", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false,
		AutoEvidence{Collection: "moves", Label: "moves with transport arranged", Match: []Match{{Field: "status", Values: []any{"planned", "in_transit", "arrived", "completed"}}}, StateField: "status"}),
	duty("7.12", DCC, OwnerOperations, dueLead, ops, whyOps, false, autoMoves("equipment_transferred", "equipment transferred")),
	duty("7.13", DCC, OwnerOperations, dueLead, ops, whyOps, false),
	{Number: "7.14", Owner: Provider, OwnerRole: OwnerProviderStaff, OwnerSource: SourceItemText, Due: dueLead, SignOff: ops,
		SignOffWhy: "the item's own words: \"Use current Care staff to the fullest\"; DCC's Operations confirm it (" + whyOps + ")"},
	duty("7.15", DCC, OwnerOperations, DueRule{Kind: DueAfterMove, Text: "at each move's hand-over", SeedWords: "7.15 \"Staff handover to new providers\""}, ops, whyOps, true, autoMoves("care_plan_handed_over", "care plan handed over")),
	duty("7.16", DCC, OwnerOperations, dueLead, ops, whyOps, false),
	duty("7.17", DCC, OwnerAdministration, DueRule{Kind: DueAfterMove, Text: "from the first move", SeedWords: "7.17 \"Maintain a log of decisions and movement of customers\""}, admin, whyAdmin, true,
		AutoEvidence{Collection: "movement_log", Label: "movement log entries", StateField: "event", TimeField: "occurred_at"}),
	duty("7.18", DCC, OwnerOperations, dueLead, ops, whyOps, false),
	duty("7.19", DCC, OwnerOperations, dueBeforeMove, ops, whyOps+"; 7.19 \"Establish a programme of Social Worker / Nursing reviews\"", true,
		AutoEvidence{Collection: "post_move_reviews", Label: "post-move reviews", StateField: "visited_at", StateLabel: "visited"}),
	duty("7.20", DCC, OwnerOperations, DueRule{Kind: DueAfterMove, Text: "at each move's hand-over", SeedWords: "7.20 \"Customer medications and treatment details to go with customers\""}, ops, whyOps, true, autoMoves("medication_travelling", "medication travelling")),
	duty("7.21", DCC, OwnerOperations, DueRule{Kind: DueAfterMove, Text: "at each move's hand-over", SeedWords: "7.21 \"ensure correct identification of relocated customers\""}, ops, whyOps, true, autoMoves("identity_confirmed", "identity confirmed")),
	duty("7.22", DCC, OwnerOperations, DueRule{Kind: DueAfterMove, Hours: 7 * 24, Text: "7 days after the first move", SeedWords: "the app's post-move work (rules.PostMoveWork): GP change within 7 days"}, ops, whyOps, false, autoMoves("gp_changed", "GP change recorded")),
	duty("7.23", DCC, OwnerOperations, DueRule{Kind: DueAfterMove, Hours: 24, Text: "1 day after the first move", SeedWords: "the app's post-move work (rules.PostMoveWork): placing authority told within a day"}, ops, "Schedule B, Operations: \"Notification to other professionals and relevant health provision for individual customers\"", true,
		AutoEvidence{Collection: "cross_authority_notifications", Label: "receiving authorities and NHS notified", Match: []Match{{Field: "recipient_kind", Values: []any{"receiving_authority", "receiving_nhs"}}}, StateField: "acknowledged_at", StateLabel: "acknowledged"}),
	{Number: "7.24", Owner: Provider, OwnerRole: OwnerProviderStaff, OwnerSource: SourceItemText, Due: DueRule{Kind: DueAfterMove, Text: "at each move's hand-over", SeedWords: "7.24 \"Provider Customer information / case files / summaries transfer with Customers\""},
		SignOff: ops, SignOffWhy: "the item's own words: \"Provider Customer information / case files / summaries transfer with Customers\"; DCC's Operations confirm it at the hand-over",
		EvidenceRequired: true, Auto: []AutoEvidence{autoMoves("records_handed_over", "records handed over")}},
	duty("7.25", DCC, OwnerOperations, dueLead, ops, whyOps, false),
	duty("7.26", DCC, OwnerOperations, DueRule{Kind: DueAfterMove, Hours: 7 * 24, Text: "7 days after the first move", SeedWords: "the app's post-move work (rules.PostMoveWork): DWP told within 7 days"}, ops, whyOps, false, autoMoves("dwp_notified", "DWP notified")),
	duty("7.27", DCC, OwnerCommissioning, DueRule{Kind: DueAfterMove, Hours: 28 * 24, Text: "28 days after the first move", SeedWords: "the app's post-move work (rules.PostMoveWork): contract within 28 days"}, support, "7.27 \"Liase closely with the DCC Commissioning Support Assistants\"", false, autoMoves("contract_issued", "new contract issued")),
	duty("7.28", DCC, OwnerOperations, dueBeforeMove, ops, whyOps, false),
	duty("7.29", DCC, OwnerOperations, dueLead, ops, whyOps, false),
	// 8 Quality Assurance
	duty("8.1", DCC, OwnerCommissioning, dueAtMeeting, support, "Schedule B, DCC Quality Assurance: \"Manage contract management processes\"", true),
	duty("8.2", DCC, OwnerPFM, dueBeforeEnd, pfm, whyPFM, true, autoDebrief),
	// 9 Record Keeping
	duty("9.1", DCC, OwnerAdministration, dueAtMeeting, admin, whyAdmin, true,
		AutoEvidence{Collection: "meeting_records", Label: "meeting records", StateField: "meeting_type", TimeField: "held_at"}),
	duty("9.2", DCC, OwnerAdministration, dueAtMeeting, admin, whyAdmin, false),
	duty("9.4", DCC, OwnerOperations, dueLead, ops, whyOps, false,
		AutoEvidence{Collection: "post_move_reviews", Label: "post-move reviews", StateField: "visited_at", StateLabel: "visited"}),
	duty("9.5", DCC, OwnerAdministration, DueRule{Kind: DueCadence, Hours: 7 * 24, Text: "reviewed every 7 days", SeedWords: "9.5 \"Maintain a risk log that is reviewed throughout the failure process\" (weekly is the app's reading)"}, admin, whyAdmin, true, autoRiskLog),
	// 10 Lessons Learned
	duty("10.1", DCC, OwnerPFM, dueBeforeEnd, pfm, whyPFM, true, autoDebrief),
	duty("10.2", DCC, OwnerDirector, dueBeforeEnd, director, "10.2 \"a Report and Recommendations to be submitted to the relevant groups and management levels within each agency, including the Safeguarding Adults Board\": "+whyDirector, true),
	duty("10.3", DCC, OwnerDirector, dueBeforeEnd, director, "10.3 \"Consideration of referral to the SAB should be included in the de-brief and review\": "+whyDirector, true),
}

// Duties returns every item's duty in the seed's order. The slice is the
// caller's own.
func Duties() []Duty { return slices.Clone(duties) }

// DutyOf returns the duty of the item numbered as printed.
func DutyOf(number string) (Duty, bool) {
	for _, d := range duties {
		if d.Number == number {
			return d, true
		}
	}
	return Duty{}, false
}

// Entry is an item with its duty, as served to clients.
type Entry struct {
	Item
	Duty Duty `json:"duty"`
}

// SignOffGate is the checklist's sign-off rules as data, exported in the
// schema (gates.checklist_sign_off): every item with its duty, who may waive
// and who may reassign.
type SignOffGate struct {
	Items         []Entry  `json:"items"`
	WaiverRoles   []string `json:"waiver_roles"`
	ReassignRoles []string `json:"reassign_roles"`
}

// Gate returns the sign-off gate.
func Gate() SignOffGate {
	items := Items()
	out := SignOffGate{Items: make([]Entry, 0, len(items)), WaiverRoles: slices.Clone(WaiverRoles), ReassignRoles: slices.Clone(ReassignRoles)}
	for _, it := range items {
		d, _ := DutyOf(it.Number)
		out.Items = append(out.Items, Entry{Item: it, Duty: d})
	}
	return out
}
