package reports

import (
	"sort"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/checklist"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// ChecklistView is the incident's Management Checklist (003 Appendix 2) by
// section, with each section's progress.
type ChecklistView struct {
	IncidentID string             `json:"incident_id"`
	Today      string             `json:"today"`
	Total      ChecklistProgress  `json:"total"`
	Sections   []ChecklistSection `json:"sections"`
}

// ChecklistSection is one section with its items in number order.
type ChecklistSection struct {
	Section  int               `json:"section"`
	Title    string            `json:"title"`
	Progress ChecklistProgress `json:"progress"`
	Items    []ChecklistRow    `json:"items"`
}

// ChecklistRow is one checklist item with its duty (syncproto/checklist):
// owner, due time, who signs it off and the evidence that shows it.
type ChecklistRow struct {
	ID              string `json:"id"`
	Number          string `json:"number"`
	Text            string `json:"text"`
	Responsibility  string `json:"responsibility"`
	OfficerInitials string `json:"officer_initials,omitempty"`
	Status          string `json:"status"`
	DueOn           string `json:"due_on,omitempty"`
	CompletedOn     string `json:"completed_on,omitempty"`
	Notes           string `json:"notes,omitempty"`
	// Overdue is set when the due date has passed and the item is neither
	// done nor not applicable.
	Overdue bool `json:"overdue"`
	// OwnerRole is the named role that owns the item; ResponsibilitySource
	// how the owner was set, and Confirmed whether the JISG confirmed it
	// (rather than a default the software or the seed's roles gave).
	OwnerRole            string `json:"owner_role,omitempty"`
	ResponsibilitySource string `json:"responsibility_source,omitempty"`
	Confirmed            bool   `json:"confirmed"`
	// DueRule says how the item falls due; DueSetBy is "lead_officer" when
	// the lead officer set due_on, "rule" when the rule gave it, "" when
	// there is no date yet.
	DueRule  string `json:"due_rule,omitempty"`
	DueKind  string `json:"due_kind,omitempty"`
	DueSetBy string `json:"due_set_by,omitempty"`
	// SignOff are the roles that may mark it done; EvidenceRequired whether
	// it needs evidence, and HasEvidence whether any is linked or made.
	SignOff          []string `json:"sign_off"`
	EvidenceRequired bool     `json:"evidence_required"`
	HasEvidence      bool     `json:"has_evidence"`
	// Evidence are the records linked to it; AutoEvidence the records the
	// software made that show it, nobody linking them, each with its state.
	Evidence     []EvidenceRow `json:"evidence"`
	AutoEvidence []EvidenceRow `json:"auto_evidence"`
	// WaiverReason is why the Director waived it (not applicable).
	WaiverReason string `json:"waiver_reason,omitempty"`
}

// EvidenceRow is one record that shows a checklist item done.
type EvidenceRow struct {
	Collection string `json:"collection"`
	RecordID   string `json:"record_id"`
	// Label names the kind of record; State says where it stands
	// ("signed", "not signed", "completed").
	Label string `json:"label,omitempty"`
	State string `json:"state,omitempty"`
	Note  string `json:"note,omitempty"`
}

// MakeChecklist works out the checklist view as of now.
func MakeChecklist(d Data, now time.Time) ChecklistView {
	ix := newIndex(d)
	day := today(now)
	progress, total := checklistProgress(ix)
	v := ChecklistView{IncidentID: d.IncidentID, Today: day, Total: total, Sections: []ChecklistSection{}}
	bySection := map[int]int{}
	for _, p := range progress {
		bySection[p.Section] = len(v.Sections)
		v.Sections = append(v.Sections, ChecklistSection{Section: p.Section, Title: p.Title, Progress: p, Items: []ChecklistRow{}})
	}
	facts := dueFacts(ix)
	for _, it := range ix.all("checklist_items") {
		i, ok := bySection[integer(it, "section")]
		if !ok {
			continue
		}
		v.Sections[i].Items = append(v.Sections[i].Items, checklistRow(ix, it, facts, day))
	}
	for i := range v.Sections {
		items := v.Sections[i].Items
		sort.SliceStable(items, func(a, b int) bool {
			if c := checklist.CompareNumbers(items[a].Number, items[b].Number); c != 0 {
				return c < 0
			}
			return items[a].ID < items[b].ID
		})
	}
	return v
}

// checklistRow works out one item's row as of day.
func checklistRow(ix *index, it *syncproto.Record, facts checklist.Facts, day string) ChecklistRow {
	row := ChecklistRow{ID: it.ID, Number: str(it, "number"), Text: str(it, "text"), Responsibility: str(it, "responsibility"),
		OfficerInitials: str(it, "officer_initials"), Status: str(it, "status"), DueOn: str(it, "due_on"), CompletedOn: str(it, "completed_on"), Notes: str(it, "notes"),
		OwnerRole: str(it, "owner_role"), ResponsibilitySource: str(it, "responsibility_source"), WaiverReason: str(it, "waiver_reason"),
		SignOff: []string{}, Evidence: []EvidenceRow{}, AutoEvidence: []EvidenceRow{}}
	row.Confirmed = row.ResponsibilitySource == "jisg"
	var ev []schema.Evidence
	if v := value(it, "evidence"); v != nil {
		_ = jsonUnmarshal(v, &ev)
	}
	for _, e := range ev {
		er := EvidenceRow{Collection: e.Collection, RecordID: e.RecordID, Note: e.Note, State: "not found"}
		if r := ix.get(e.Collection, e.RecordID); r != nil {
			er.State = "recorded"
			if s := str(r, "status"); s != "" {
				er.State = strings.ReplaceAll(s, "_", " ")
			}
		}
		row.Evidence = append(row.Evidence, er)
	}
	d, ok := checklist.DutyOf(row.Number)
	if ok {
		if row.OwnerRole == "" {
			row.OwnerRole = d.OwnerRole
		}
		row.DueRule, row.DueKind = d.Due.Text, string(d.Due.Kind)
		row.SignOff = append(row.SignOff, d.SignOff...)
		row.EvidenceRequired = d.EvidenceRequired
		f := facts
		for _, a := range d.Auto {
			for _, r := range ix.all(a.Collection) {
				if !a.Matches(recordFields(r)) {
					continue
				}
				row.AutoEvidence = append(row.AutoEvidence, EvidenceRow{Collection: a.Collection, RecordID: r.ID, Label: a.Label, State: evidenceState(r, a)})
				if a.TimeField != "" {
					if t := instant(r, a.TimeField); t.After(f.LatestEvidenceAt) {
						f.LatestEvidenceAt = t
					}
				}
			}
		}
		if row.DueOn == "" {
			if at, ok := d.Due.DueAt(f); ok {
				row.DueOn, row.DueSetBy = today(at), "rule"
			}
		} else {
			row.DueSetBy = "lead_officer"
		}
	} else if row.DueOn != "" {
		row.DueSetBy = "lead_officer"
	}
	row.HasEvidence = len(row.Evidence) > 0 || len(row.AutoEvidence) > 0
	row.Overdue = validDate(row.DueOn) && row.DueOn < day && row.Status != "done" && row.Status != "not_applicable"
	return row
}

// evidenceState says where an automatic evidence record stands, in words.
func evidenceState(r *syncproto.Record, a checklist.AutoEvidence) string {
	if a.StateField == "" {
		return "recorded"
	}
	v := str(r, a.StateField)
	if a.StateLabel != "" {
		if v == "" || v == "false" {
			return "not " + a.StateLabel
		}
		return a.StateLabel
	}
	if v == "" {
		return "recorded"
	}
	return strings.ReplaceAll(v, "_", " ")
}

// recordFields decodes a record's values for checklist.AutoEvidence.Matches.
func recordFields(r *syncproto.Record) map[string]any {
	out := map[string]any{}
	for name, v := range r.Fields {
		var x any
		if jsonUnmarshal(v.Value, &x) == nil {
			out[name] = x
		}
	}
	return out
}

// dueFacts are what the checklist's due rules count from: the incident's
// activation, its first Provider Failure Management (or Final Concerns
// Response) meeting, its first planned move and first completed move.
func dueFacts(ix *index) checklist.Facts {
	var f checklist.Facts
	if inc := ix.incident(); inc != nil {
		f.ActivatedAt = instant(inc, "activated_at")
	}
	earliest := func(cur *time.Time, t time.Time) {
		if !t.IsZero() && (cur.IsZero() || t.Before(*cur)) {
			*cur = t
		}
	}
	for _, m := range ix.all("meeting_records") {
		if t := str(m, "meeting_type"); t == "provider_failure_management" || t == "final_concerns_response" {
			earliest(&f.FirstMeetingAt, instant(m, "held_at"))
		}
	}
	for _, m := range ix.all("moves") {
		if str(m, "status") == moveCancelled {
			continue
		}
		earliest(&f.FirstMoveAt, instant(m, "planned_at"))
		if str(m, "status") == moveCompleted {
			earliest(&f.FirstCompletedAt, instant(m, "completed_at"))
		}
	}
	return f
}

// OverdueItem is a checklist item past its due date, for the board, the
// summary and the Director's report.
type OverdueItem struct {
	Number    string `json:"number"`
	Text      string `json:"text"`
	OwnerRole string `json:"owner_role,omitempty"`
	DueOn     string `json:"due_on"`
	Status    string `json:"status"`
}

// overdueItems lists the incident's overdue checklist items as of day, in
// the seed's order.
func overdueItems(ix *index, day string) []OverdueItem {
	facts := dueFacts(ix)
	out := []OverdueItem{}
	for _, it := range ix.all("checklist_items") {
		row := checklistRow(ix, it, facts, day)
		if row.Overdue {
			out = append(out, OverdueItem{Number: row.Number, Text: row.Text, OwnerRole: row.OwnerRole, DueOn: row.DueOn, Status: row.Status})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return checklist.CompareNumbers(out[a].Number, out[b].Number) < 0 })
	return out
}
