// Package access is the role permission table: which role may create, update
// or delete which collection, which fields of a collection a role may write
// when it may write only some, and which collections a role may read. The
// server enforces it on every pushed change; the client SDK uses it to warn
// before it syncs. It does no I/O.
package access

import (
	"sort"
	"strings"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
)

// Operation is what a change does, as far as permissions are concerned.
type Operation string

// Operations a role may be allowed.
const (
	Create Operation = "create"
	Update Operation = "update"
	Delete Operation = "delete"
)

// Rule is one role's permission on one collection.
type Rule struct {
	// Ops are the operations allowed.
	Ops []Operation
	// Fields, when set, are the only fields the role may write.
	Fields []string
}

// Roles.
const (
	SocialWorker         = "social_worker"
	TransportCoordinator = "transport_coordinator"
	QualityOfficer       = "quality_officer"
	Commissioner         = "commissioner"
	Director             = "director"
	BackOffice           = "back_office"
	NHSLiaison           = "nhs_liaison"
	Admin                = "admin"
	// System is the server's own principal (demo loading, checklist
	// creation). It is never issued in a token.
	System = "system"
)

var (
	cu   = []Operation{Create, Update}
	cud  = []Operation{Create, Update, Delete}
	c    = []Operation{Create}
	u    = []Operation{Update}
	ud   = []Operation{Update, Delete}
	logs = []string{"decision_log", "movement_log", "risk_log", "communications_log", "meeting_records", "family_contacts"}
	// handover are the fields of a move the transport coordinator records on
	// the day, the hand-over items included (003 Appendix 2, 7.12, 7.15,
	// 7.20, 7.21, 7.24).
	handover = []string{"status", "transport", "transport_cost", "escort", "vehicle", "equipment_travelling", "medication_travelling",
		"records_handed_over", "care_plan_handed_over", "identity_confirmed", "equipment_transferred", "handover_override_reason", "completed_at"}
	// taskFields are what a team records when it deals with a task.
	taskFields = []string{"status", "done_at", "done_by"}
)

// Table is the permission table: role → collection → rule. Logs are
// append-only, so every role that may write them may only create.
var Table = map[string]map[string]Rule{
	SocialWorker: with(map[string]Rule{
		"residents":                     {Ops: cu},
		"safe_and_well_checks":          {Ops: cu},
		"capacity_assessments":          {Ops: cu},
		"best_interests_decisions":      {Ops: cu},
		"moves":                         {Ops: cu},
		"concerns":                      {Ops: c},
		"checklist_items":               {Ops: u, Fields: []string{"officer_initials", "notes", "status", "completed_on", "evidence"}},
		"resident_events":               {Ops: cu},
		"post_move_reviews":             {Ops: cu},
		"placement_decisions":           {Ops: cu},
		"cross_authority_notifications": {Ops: cu},
		"team_tasks":                    {Ops: u, Fields: taskFields},
		// The seed's obligations a social worker meets (003 s.10; Appendix
		// 2, 2.12 lead worker, 4.5 self-funders, 4.10 petty cash, 8.1).
		"notifications":             {Ops: cu},
		"resident_responsibilities": {Ops: cu},
		"resident_belongings":       {Ops: cu},
		"complaints":                {Ops: cu},
	}, logs...),
	TransportCoordinator: with(map[string]Rule{
		"moves":     {Ops: u, Fields: handover},
		"move_legs": {Ops: cu},
		// Belongings travel with the person and are handed over (4.10).
		"resident_belongings": {Ops: u, Fields: []string{"status", "move_id", "handed_over_at", "handed_over_to", "notes"}},
	}, "movement_log", "communications_log"),
	QualityOfficer: with(map[string]Rule{
		"concerns":     {Ops: cu},
		"rag_statuses": {Ops: c},
		"providers":    {Ops: cu},
		"services":     {Ops: cu},
		"team_tasks":   {Ops: cu},
		// The QMT keeps in touch with the provider and CQC (003 s.10,
		// Schedule B staffing; Appendix 2, 8.1).
		"notifications":  {Ops: cu},
		"staffing_cover": {Ops: cu},
		"complaints":     {Ops: cu},
	}, logs...),
	Commissioner: with(map[string]Rule{
		"concerns":        {Ops: cu},
		"rag_statuses":    {Ops: c},
		"providers":       {Ops: cu},
		"services":        {Ops: cu},
		"vacancies":       {Ops: cud},
		"incidents":       {Ops: cu},
		"checklist_items": {Ops: cu},
		// 003 Appendix 2, 7.6: a commissioner may record an override to
		// place with a provider of concern, so plans such a move.
		"moves":                         {Ops: cu},
		"cross_authority_notifications": {Ops: cu},
		"team_tasks":                    {Ops: cu},
		// A completed move is put right by a correction (append-only):
		// the commissioner may be the Provider Failure Manager (003
		// Appendix 1, "Nominated Lead Commissioner").
		"move_corrections": {Ops: c},
		// The seed's obligations (003 s.3, s.10, s.11, Schedule B;
		// Appendix 2, 2.9, 2.12, 2.16, 2.19, 4.5, 4.10, 8.1, 10.3).
		"notifications":             {Ops: cu},
		"communication_plans":       {Ops: cu},
		"staffing_cover":            {Ops: cu},
		"payments":                  {Ops: cu},
		"resident_responsibilities": {Ops: cu},
		"resident_belongings":       {Ops: cu},
		"complaints":                {Ops: cu},
		"sab_referrals":             {Ops: cu},
	}, logs...),
	Director: with(map[string]Rule{
		"rag_statuses":    {Ops: c},
		"incidents":       {Ops: cu},
		"checklist_items": {Ops: cu},
		// 003 Appendix 1: the Director decides suspension on a report.
		"providers": {Ops: u},
		"services":  {Ops: u},
		// The Provider Failure Manager "Maintain logs for all requests,
		// decisions, and actions" (003 Appendix 1).
		"move_corrections": {Ops: c},
		// The seed's obligations (003 s.3, s.10, s.11, Schedule B;
		// Appendix 2, 2.9, 2.12, 2.16, 2.19, 4.5, 4.10, 8.1, 10.3).
		"notifications":             {Ops: cu},
		"communication_plans":       {Ops: cu},
		"staffing_cover":            {Ops: cu},
		"payments":                  {Ops: cu},
		"resident_responsibilities": {Ops: cu},
		"resident_belongings":       {Ops: cu},
		"complaints":                {Ops: cu},
		"sab_referrals":             {Ops: cu},
	}, logs...),
	BackOffice: with(map[string]Rule{
		"residents":                     {Ops: ud},
		"safe_and_well_checks":          {Ops: ud},
		"capacity_assessments":          {Ops: u},
		"best_interests_decisions":      {Ops: u},
		"moves":                         {Ops: ud},
		"move_legs":                     {Ops: ud},
		"checklist_items":               {Ops: cu},
		"vacancies":                     {Ops: cud},
		"conflicts":                     {Ops: u, Fields: []string{"status", "resolved_by", "resolved_at", "resolution_value", "resolution_change_id", "resolution_note"}},
		"resident_events":               {Ops: ud},
		"post_move_reviews":             {Ops: ud},
		"placement_decisions":           {Ops: ud},
		"cross_authority_notifications": {Ops: ud},
		"team_tasks":                    {Ops: u, Fields: taskFields},
		// "Designate an administrative lead to collate all records" (003
		// Appendix 2, 9.2): the back office corrects a completed move.
		"move_corrections": {Ops: c},
		// The seed's obligations (003 s.3, s.10, s.11, Schedule B;
		// Appendix 2, 2.9, 2.12, 2.16, 2.19, 4.5, 4.10, 8.1, 10.3).
		"notifications":             {Ops: cu},
		"communication_plans":       {Ops: cu},
		"staffing_cover":            {Ops: cu},
		"payments":                  {Ops: cu},
		"resident_responsibilities": {Ops: cu},
		"resident_belongings":       {Ops: cu},
		"complaints":                {Ops: cu},
		"sab_referrals":             {Ops: cu},
	}, logs...),
	NHSLiaison: with(map[string]Rule{
		"residents":            {Ops: u, Fields: []string{"funding_stream", "chc_status", "gp", "medication_summary", "needs_summary", "notes"}},
		"safe_and_well_checks": {Ops: cu},
		"capacity_assessments": {Ops: cu},
		// "the NHS will lead and co-ordinate all actions relating to fully
		// funded NHS customers" (003 Appendix 1): moves and best-interests
		// decisions for CHC residents (a rule limits them to those).
		"moves":                         {Ops: cu},
		"best_interests_decisions":      {Ops: cu},
		"placement_decisions":           {Ops: cu},
		"resident_events":               {Ops: cu},
		"post_move_reviews":             {Ops: cu},
		"cross_authority_notifications": {Ops: cu},
		// The NHS is told, and tells (003 s.10), and leads for fully
		// funded NHS customers (lead worker, 2.12).
		"notifications":             {Ops: cu},
		"resident_responsibilities": {Ops: cu},
		"complaints":                {Ops: cu},
		// 2.25 "NHS to follow incident reporting processes": NHS liaison
		// signs off the NHS's own items (syncproto/checklist duties).
		"checklist_items": {Ops: u, Fields: []string{"officer_initials", "notes", "status", "completed_on", "evidence"}},
	}, "decision_log", "communications_log", "meeting_records", "family_contacts"),
	Admin: {
		"providers": {Ops: cud},
		"services":  {Ops: cud},
		"vacancies": {Ops: cud},
	},
}

// AppendOnly lists collections whose records, once created, are never
// changed or deleted: the logs and the RAG history. Writing one gets
// log_append_only, whatever the role.
var AppendOnly = map[string]bool{
	"decision_log": true, "movement_log": true, "risk_log": true, "communications_log": true,
	"meeting_records": true, "rag_statuses": true, "family_contacts": true, "move_corrections": true,
}

// ReadRestricted lists collections only some roles may read: provider
// concerns and quality ratings are commercially confidential before a failure
// is public (domain.md). Social workers read both: seed 003 Appendix 1 has
// operational colleagues raise concerns with the Quality and Monitoring Team
// and the QMO "confirm the RAG status of the Provider to the relevant social
// worker(s)".
var ReadRestricted = map[string][]string{
	"concerns": {QualityOfficer, Commissioner, Director, BackOffice, SocialWorker},
	// Social workers see the RAG status: the QMO will "confirm the RAG
	// status of the Provider to the relevant social worker(s)" (003
	// Appendix 1).
	"rag_statuses": {QualityOfficer, Commissioner, Director, BackOffice, SocialWorker},
	"team_tasks":   {QualityOfficer, Commissioner, Director, BackOffice, SocialWorker},
	// Payments to a provider or its administrator are commercially
	// confidential (003 s.11).
	"payments": {Commissioner, Director, BackOffice},
}

func with(m map[string]Rule, logCollections ...string) map[string]Rule {
	for _, l := range logCollections {
		m[l] = Rule{Ops: c}
	}
	return m
}

// Check decides whether role may perform op on collection writing fields. It
// returns nil or a forbidden_role error naming the field or collection.
func Check(role, collection string, op Operation, fields []string) *syncproto.Error {
	if role == System {
		return nil
	}
	if AppendOnly[collection] && op != Create {
		return syncproto.Errorf(rules.CodeLogAppendOnly, "op", "%s is append-only: an entry once made is never changed or deleted; add a new entry instead", collection)
	}
	r, ok := Table[role][collection]
	if !ok {
		return syncproto.Errorf(syncproto.CodeForbiddenRole, "collection", "role %s may not write %s", role, collection)
	}
	allowed := false
	for _, o := range r.Ops {
		if o == op {
			allowed = true
		}
	}
	if !allowed {
		return syncproto.Errorf(syncproto.CodeForbiddenRole, "op", "role %s may not %s %s records", role, op, collection)
	}
	if r.Fields != nil && op != Delete {
		sorted := append([]string(nil), fields...)
		sort.Strings(sorted)
		for _, f := range sorted {
			if !contains(r.Fields, f) {
				return syncproto.Errorf(syncproto.CodeForbiddenRole, "fields."+f, "role %s may write only %s of %s", role, strings.Join(r.Fields, ", "), collection)
			}
		}
	}
	return nil
}

// CanRead reports whether role may read records of collection.
func CanRead(role, collection string) bool {
	roles, restricted := ReadRestricted[collection]
	return !restricted || role == System || contains(roles, role)
}

// Hidden returns the collections role may not read, sorted.
func Hidden(role string) []string {
	var out []string
	for col := range ReadRestricted {
		if !CanRead(role, col) {
			out = append(out, col)
		}
	}
	sort.Strings(out)
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
