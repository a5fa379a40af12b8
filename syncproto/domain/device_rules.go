package domain

// DeviceCollection is a collection that the field app or the console writes,
// with the source files of this package holding its server rules.
type DeviceCollection struct {
	Name    string
	Sources []string
}

// DeviceWrittenCollections are the collections people write from the field
// app and the console. Every rule the server enforces on them must reach the
// device as data, or be listed in ServerOnlyRules with the reason it cannot.
var DeviceWrittenCollections = []DeviceCollection{
	{Name: "safe_and_well_checks"},
	{Name: "capacity_assessments", Sources: []string{"capacity_assessments.go"}},
	{Name: "best_interests_decisions", Sources: []string{"best_interests_decisions.go"}},
	{Name: "moves", Sources: []string{"moves.go", "destinations.go"}},
	{Name: "move_legs", Sources: []string{"move_legs.go"}},
	{Name: "movement_log", Sources: []string{"logs.go"}},
	{Name: "family_contacts", Sources: []string{"logs.go"}},
	{Name: "checklist_items", Sources: []string{"checklist_items.go"}},
	// The seed's obligations, recorded in the console: their rules are
	// rules.ObligationRequirements, exported as data.
	{Name: "notifications", Sources: []string{"obligations.go"}},
	{Name: "communication_plans", Sources: []string{"obligations.go"}},
	{Name: "staffing_cover", Sources: []string{"obligations.go"}},
	{Name: "payments", Sources: []string{"obligations.go"}},
	{Name: "resident_responsibilities", Sources: []string{"obligations.go"}},
	{Name: "resident_belongings", Sources: []string{"obligations.go"}},
	{Name: "complaints", Sources: []string{"obligations.go"}},
	{Name: "sab_referrals", Sources: []string{"obligations.go"}},
}

// ServerOnlyRules are the rule codes the server can raise on a device-written
// collection that the device does not evaluate before saving, by collection
// and code, each with the reason.
var ServerOnlyRules = map[string]map[string]string{
	"capacity_assessments": {
		"capacity_evidence_missing": "the MCA evidence a signed 'lacks capacity' needs (s.1(3), ss.2–3): the app's signing screens ask for each piece, but the rule is not yet exported as data (next candidate: a Requirement applied at signing)",
		"assessment_signed":         "a signed assessment is never edited: the app opens a new assessment that supersedes it instead of editing, so it cannot write one",
		"supersedes_mismatch":       "compares with the superseded assessment, which the device may not hold",
		"supersedes_unknown":        "needs the superseded assessment to exist on the server",
	},
	"best_interests_decisions": {
		"best_interests_assessment_superseded":  crossRecords,
		"best_interests_needs_lacking_capacity": crossRecords,
		"capacity_test_incoherent":              "judges the assessment relied on, which the device may not hold; its own two-stage test is exported on capacity_assessments",
		"date_in_future":                        "compares dates with the server's clock at the time of the decision; not yet data (next candidate: a not_future spec on the decision's dates)",
		"decision_maker_without_authority":      crossRecords,
		"deputy_decides":                        crossRecords + "; the app shows the attorney or deputy on record before the decision is recorded",
		"lpa_decides":                           crossRecords + "; the app shows the attorney or deputy on record before the decision is recorded",
		"imca_required":                         crossRecords,
		"nhs_lead_chc_only":                     "depends on the person's funding and the writer's role, known to the server",
	},
	"moves": {
		"destination_cqc_inadequate":       crossRecords,
		"destination_safeguarding_concern": crossRecords,
		"vacancy_overbooked":               crossRecords + "; every device's moves to the home count, so only the server can judge it",
		"choice_needs_best_interests":      crossRecords,
		"choice_not_the_persons":           crossRecords,
		"handover_override_not_permitted":  "depends on the writer's role and the person's funding, known to the server; the transport screen offers the override only to the roles gates.move_completion names",
		"move_completed_final":             "compares with the move as stored; the transport screen offers no edit of a completed move",
		"move_not_arrived":                 "judges all the move's legs together; the transport screen completes a move only after its last leg has arrived",
		"move_transition_invalid":          "compares with the move's stored status; the transport screen takes a move along the seed's path only (planned, in transit, arrived, completed)",
		"reason_required":                  "a cancellation's reason: moves are cancelled in the console, which the server answers at once",
		"capacity_test_incoherent":         crossRecords,
		"choice_needs_capacity":            crossRecords,
		"destination_not_registered":       crossRecords,
		"destination_rag_red":              crossRecords,
		"destination_suspended":            crossRecords,
		"destination_unknown":              crossRecords,
		"handover_incomplete":              "the hand-over gate: exported as data under gates.move_completion by the move lifecycle work; the transport screen builds its checklist from it, or from the same move fields until then, and offers the override only to roles allowed",
		"imca_required":                    crossRecords,
		"invalid_input":                    "the council's working hours are server configuration",
		"invalid_working_hours":            "the council's working hours are the server's configuration (the seed's 09:00–17:00 weekdays unless set), not the record; a device cannot mend them",
		"leg_arrival_without_departure":    "judges all the move's legs together; the transport screen writes legs in order, with ids derived from the move and sequence, so it cannot produce one",
		"leg_arrives_before_departure":     "judges all the move's legs together; the transport screen writes legs in order, with ids derived from the move and sequence, so it cannot produce one",
		"leg_handover_before_arrival":      "judges all the move's legs together; the transport screen writes legs in order, with ids derived from the move and sequence, so it cannot produce one",
		"legs_overlap":                     "judges all the move's legs together; the transport screen writes legs in order, with ids derived from the move and sequence, so it cannot produce one",
		"move_ends_before_start":           "moves are planned in the console, which the server answers at once",
		"move_origin_mismatch":             crossRecords,
		"move_out_of_hours":                "the council's working hours are server configuration; moves are planned in the console, which the server answers at once",
		"move_same_service":                "moves are planned in the console, which the server answers at once",
		"nhs_lead_chc_only":                "depends on the person's funding and the writer's role, known to the server",
		"override_not_permitted":           "depends on the writer's role, known to the server",
		"resident_deceased":                crossRecords,
		"resident_double_placed":           crossRecords,
	},
	"move_legs": {
		"move_completed_final":          "compares with the move as stored; the transport screen offers no change to a completed move's legs",
		"leg_arrival_without_departure": "judges all the move's legs together; the transport screen writes legs in order, with ids derived from the move and sequence, so it cannot produce one",
		"leg_arrives_before_departure":  "judges all the move's legs together; the transport screen writes legs in order, with ids derived from the move and sequence, so it cannot produce one",
		"leg_handover_before_arrival":   "judges all the move's legs together; the transport screen writes legs in order, with ids derived from the move and sequence, so it cannot produce one",
		"legs_overlap":                  "judges all the move's legs together; the transport screen writes legs in order, with ids derived from the move and sequence, so it cannot produce one",
		"move_unknown":                  "needs the move to exist on the server",
	},
	"movement_log":    {"log_append_only": "the app only appends log entries, each with a new id", "unknown_log_kind": "fixed by the server's wiring, not by what is written"},
	"family_contacts": {"log_append_only": "the app only appends log entries, each with a new id", "unknown_log_kind": "fixed by the server's wiring, not by what is written"},
	"checklist_items": {
		"evidence_unknown":                     "needs the records named as evidence to exist on the server",
		"checklist_sign_off_not_permitted":     "depends on the writer's role, known to the server; the roles that sign off each item reach the device as data (GET /v1/schema gates.checklist_sign_off), and the console offers sign-off only to them",
		"checklist_waiver_not_permitted":       "depends on the writer's role, known to the server; the waiver roles reach the device as data (gates.checklist_sign_off.waiver_roles), and the console offers the waiver only to them",
		"checklist_reassign_not_permitted":     "depends on the writer's role, known to the server; the lead officer's roles reach the device as data (gates.checklist_sign_off.reassign_roles), and the console offers reassignment only to them",
		"checklist_automatic_evidence_missing": crossRecords + "; the items whose records stand as evidence reach the device as data (gates.checklist_sign_off, auto_evidence)",
	},
}

// crossRecords is the reason for rules judged against other records.
const crossRecords = "judged against other records (the resident, their moves, assessments, services, providers): the device may not hold them all, so the server decides"
