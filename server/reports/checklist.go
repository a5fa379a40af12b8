package reports

import (
	"sort"
	"strconv"
	"strings"
	"time"
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

// ChecklistRow is one checklist item.
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
	for _, it := range ix.all("checklist_items") {
		i, ok := bySection[integer(it, "section")]
		if !ok {
			continue
		}
		row := ChecklistRow{ID: it.ID, Number: str(it, "number"), Text: str(it, "text"), Responsibility: str(it, "responsibility"),
			OfficerInitials: str(it, "officer_initials"), Status: str(it, "status"), DueOn: str(it, "due_on"), CompletedOn: str(it, "completed_on"), Notes: str(it, "notes")}
		row.Overdue = validDate(row.DueOn) && row.DueOn < day && row.Status != "done" && row.Status != "not_applicable"
		v.Sections[i].Items = append(v.Sections[i].Items, row)
	}
	for i := range v.Sections {
		items := v.Sections[i].Items
		sort.SliceStable(items, func(a, b int) bool {
			if c := compareItemNumbers(items[a].Number, items[b].Number); c != 0 {
				return c < 0
			}
			return items[a].ID < items[b].ID
		})
	}
	return v
}

// compareItemNumbers orders checklist item numbers as printed: 2.9 before
// 2.10. It returns -1, 0 or 1.
func compareItemNumbers(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		switch {
		case ea == nil && eb == nil && na != nb:
			if na < nb {
				return -1
			}
			return 1
		case (ea != nil || eb != nil) && pa[i] != pb[i]:
			return strings.Compare(pa[i], pb[i])
		}
	}
	switch {
	case len(pa) < len(pb):
		return -1
	case len(pa) > len(pb):
		return 1
	}
	return 0
}
