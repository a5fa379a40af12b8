package reports

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// SituationReport is what the Director reads and sends upwards: the
// summary, moves and checks per day, the open risks and the decisions since
// yesterday.
type SituationReport struct {
	IncidentID    string    `json:"incident_id"`
	IncidentTitle string    `json:"incident_title,omitempty"`
	GeneratedAt   time.Time `json:"generated_at"`
	Today         string    `json:"today"`
	// Since is the start of yesterday (Europe/London): decisions from then
	// on are listed.
	Since     time.Time       `json:"since"`
	Summary   Summary         `json:"summary"`
	Days      []DayFigures    `json:"days"`
	OpenRisks []RiskEntry     `json:"open_risks"`
	Decisions []DecisionEntry `json:"decisions_since_yesterday"`
}

// DayFigures are one calendar day's moves and checks.
type DayFigures struct {
	Day string `json:"day"` // YYYY-MM-DD, Europe/London
	// MovesPlanned counts moves planned to leave that day (not
	// cancelled); MovesArrived counts movement-log arrivals that day.
	MovesPlanned int `json:"moves_planned"`
	MovesArrived int `json:"moves_arrived"`
	// Checks counts safe-and-well checks made that day; NotSeen those that
	// did not see the person.
	Checks  int `json:"checks"`
	NotSeen int `json:"not_seen"`
}

// RiskEntry is a risk-log entry that is still open.
type RiskEntry struct {
	ID           string    `json:"id"`
	RaisedAt     time.Time `json:"raised_at"`
	Risk         string    `json:"risk"`
	Level        string    `json:"level"`
	Mitigation   string    `json:"mitigation,omitempty"`
	Owner        string    `json:"owner,omitempty"`
	ReviewBy     string    `json:"review_by,omitempty"`
	ResidentName string    `json:"resident_name,omitempty"`
}

var riskRank = map[string]int{"very_high": 0, "high": 1, "medium": 2, "low": 3}

// MakeSituationReport works out the situation report as of now. Days run
// from the first to the last day with a move or a check, at most 31 days
// ending at the latest such day.
func MakeSituationReport(d Data, now time.Time) SituationReport {
	ix := newIndex(d)
	sum := Summarize(d, now)
	y := now.In(london).AddDate(0, 0, -1)
	since := time.Date(y.Year(), y.Month(), y.Day(), 0, 0, 0, 0, london).UTC()
	sr := SituationReport{IncidentID: d.IncidentID, IncidentTitle: sum.IncidentTitle, GeneratedAt: sum.GeneratedAt, Today: sum.Today, Since: since, Summary: sum, Days: []DayFigures{}, OpenRisks: []RiskEntry{}, Decisions: []DecisionEntry{}}
	days := map[string]*DayFigures{}
	at := func(t time.Time) *DayFigures {
		k := today(t)
		if days[k] == nil {
			days[k] = &DayFigures{Day: k}
		}
		return days[k]
	}
	for _, m := range ix.all("moves") {
		if t := instant(m, "planned_at"); !t.IsZero() && str(m, "status") != moveCancelled {
			at(t).MovesPlanned++
		}
	}
	for _, e := range ix.all("movement_log") {
		if t := instant(e, "occurred_at"); !t.IsZero() && str(e, "event") == "arrived" {
			at(t).MovesArrived++
		}
	}
	for _, c := range ix.all("safe_and_well_checks") {
		if t := instant(c, "visited_at"); !t.IsZero() {
			f := at(t)
			f.Checks++
			if str(c, "outcome") == "not_seen" {
				f.NotSeen++
			}
		}
	}
	keys := sortedKeys(days)
	if len(keys) > 0 {
		last, _ := time.Parse(time.DateOnly, keys[len(keys)-1])
		first, _ := time.Parse(time.DateOnly, keys[0])
		if last.Sub(first) > 30*24*time.Hour {
			first = last.AddDate(0, 0, -30)
		}
		for t := first; !t.After(last); t = t.AddDate(0, 0, 1) {
			k := t.Format(time.DateOnly)
			if f := days[k]; f != nil {
				sr.Days = append(sr.Days, *f)
			} else {
				sr.Days = append(sr.Days, DayFigures{Day: k})
			}
		}
	}
	superseded := map[string]bool{}
	for _, r := range ix.all("risk_log") {
		if id := str(r, "supersedes_id"); id != "" {
			superseded[id] = true
		}
	}
	for _, r := range ix.all("risk_log") {
		if superseded[r.ID] || str(r, "status") != "open" {
			continue
		}
		sr.OpenRisks = append(sr.OpenRisks, RiskEntry{ID: r.ID, RaisedAt: instant(r, "raised_at"), Risk: str(r, "risk"), Level: str(r, "level"),
			Mitigation: str(r, "mitigation"), Owner: str(r, "owner"), ReviewBy: str(r, "review_by"), ResidentName: residentName(ix.get("residents", str(r, "resident_id")))})
	}
	sort.SliceStable(sr.OpenRisks, func(i, j int) bool {
		a, b := sr.OpenRisks[i], sr.OpenRisks[j]
		if riskRank[a.Level] != riskRank[b.Level] {
			return riskRank[a.Level] < riskRank[b.Level]
		}
		return byTime(a.RaisedAt, b.RaisedAt, a.ID, b.ID)
	})
	for _, e := range DecisionLog(d) {
		if !e.DecidedAt.Before(since) {
			sr.Decisions = append(sr.Decisions, e)
		}
	}
	return sr
}

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
