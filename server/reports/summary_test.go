package reports

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/syncproto"
)

// scenarioNow is a moment in the scenario's second week (Saturday 21
// November 2026, noon).
var scenarioNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// TestSummarize_ScenarioMatchesDemoCounts checks the summary's figures
// against demo.Counts, which works them out from the same data by its own
// code.
func TestSummarize_ScenarioMatchesDemoCounts(t *testing.T) {
	s := loadScenario(t)
	f, err := demo.Counts(s)
	if err != nil {
		t.Fatal(err)
	}
	sum := Summarize(scenarioData(t), scenarioNow)
	checklistTotal := 0
	for _, n := range f.ChecklistByStatus {
		checklistTotal += n
	}
	movesTotal := 0
	for _, n := range f.MovesByStatus {
		movesTotal += n
	}
	checksTotal := 0
	for _, n := range f.ChecksByOutcome {
		checksTotal += n
	}
	cases := []struct {
		name      string
		got, want int
	}{
		{"residents total", sum.Residents.Total, f.Residents},
		{"la_funded", sum.Residents.ByFunding.LAFunded, f.ResidentsByFunding["la_funded"]},
		{"nhs_chc", sum.Residents.ByFunding.NHSCHC, f.ResidentsByFunding["nhs_chc"]},
		{"fnc", sum.Residents.ByFunding.FNC, f.ResidentsByFunding["fnc"]},
		{"self_funder", sum.Residents.ByFunding.SelfFunder, f.ResidentsByFunding["self_funder"]},
		{"out_of_area", sum.Residents.ByFunding.OutOfArea, f.ResidentsByFunding["out_of_area"]},
		{"s117", sum.Residents.ByFunding.S117, f.ResidentsByFunding["s117"]},
		{"dwp_preserved_rights", sum.Residents.ByFunding.DWPPreservedRights, f.ResidentsByFunding["dwp_preserved_rights"]},
		{"funding unknown", sum.Residents.ByFunding.Unknown, f.ResidentsByFunding[""]},
		{"under DoLS", sum.Residents.UnderDoLS, f.UnderDoLS},
		{"very frail", sum.Residents.VeryFrail, f.VeryFrail},
		{"wish to move early", sum.Residents.WishesToMoveEarly, f.WishToMoveEarly},
		{"friendship groups", sum.Residents.FriendshipGroups, len(f.FriendshipGroups)},
		{"checks", sum.SafeAndWell.Checks, checksTotal},
		{"checks safe and well", sum.SafeAndWell.SafeAndWell, f.ChecksByOutcome["safe_and_well"]},
		{"checks with concerns", sum.SafeAndWell.Concerns, f.ChecksByOutcome["concerns"]},
		{"checks not seen", sum.SafeAndWell.NotSeen, f.ChecksByOutcome["not_seen"]},
		{"assessments has capacity", sum.Capacity.HasCapacity, f.AssessmentsByOutcome["has_capacity"]},
		{"assessments lacks capacity", sum.Capacity.LacksCapacity, f.AssessmentsByOutcome["lacks_capacity"]},
		{"assessments superseded", sum.Capacity.Superseded, f.SupersededAssessments},
		{"best-interests decisions", sum.BestInterests.Decisions, f.BestInterestsDecisions},
		{"moves total", sum.Moves.Total, movesTotal},
		{"moves planned", sum.Moves.Planned, f.MovesByStatus["planned"]},
		{"moves in transit", sum.Moves.InTransit, f.MovesByStatus["in_transit"]},
		{"moves completed", sum.Moves.Completed, f.MovesByStatus["completed"]},
		{"moves cancelled", sum.Moves.Cancelled, f.MovesByStatus["cancelled"]},
		{"checklist items", sum.ChecklistTotal.Items, checklistTotal},
		{"checklist done", sum.ChecklistTotal.Done, f.ChecklistByStatus["done"]},
		{"checklist in progress", sum.ChecklistTotal.InProgress, f.ChecklistByStatus["in_progress"]},
		{"checklist not started", sum.ChecklistTotal.NotStarted, f.ChecklistByStatus["not_started"]},
		{"checklist not applicable", sum.ChecklistTotal.NotApplicable, f.ChecklistByStatus["not_applicable"]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %d, want %d", c.got, c.want)
			}
		})
	}
}

// TestSummarize_ScenarioCountedFromChanges checks the figures demo.Counts
// does not have against counts made here from the scenario's raw changes.
func TestSummarize_ScenarioCountedFromChanges(t *testing.T) {
	incident, recs := replay(t)
	sum := Summarize(scenarioData(t), scenarioNow)
	day := "2026-11-21" // scenarioNow in London (GMT in November)

	residents := map[string]plain{}
	for id, r := range recs["residents"] {
		if r.s("incident_id") == incident {
			residents[id] = r
		}
	}
	// Latest check per resident, by visited_at.
	latest := map[string]plain{}
	orphans := 0
	for _, c := range recs["safe_and_well_checks"] {
		rid := c.s("resident_id")
		if residents[rid] == nil {
			orphans++
			continue
		}
		at, err := time.Parse(time.RFC3339, c.s("visited_at"))
		if err != nil {
			t.Fatal(err)
		}
		if l := latest[rid]; l == nil {
			latest[rid] = c
		} else if lt, _ := time.Parse(time.RFC3339, l.s("visited_at")); at.After(lt) {
			latest[rid] = c
		}
	}
	var never, dueFollowUp, latestConcerns, latestNotSeen int
	for id := range residents {
		l := latest[id]
		if l == nil {
			never++
			continue
		}
		// A resident who has died or left is not due a check.
		if d := l.s("follow_up_due"); d != "" && d <= day && residents[id].s("status") != "deceased" && residents[id].s("status") != "left" {
			dueFollowUp++
		}
		switch l.s("outcome") {
		case "concerns":
			latestConcerns++
		case "not_seen":
			latestNotSeen++
		}
	}
	// Moves.
	completed, active := map[string]bool{}, map[string]bool{}
	for _, m := range recs["moves"] {
		switch m.s("status") {
		case "completed":
			completed[m.s("resident_id")] = true
		case "planned", "in_transit":
			active[m.s("resident_id")] = true
		}
	}
	stillToMove, withoutPlan := 0, 0
	for id, r := range residents {
		if completed[id] || r.s("status") == "moved" || r.s("status") == "deceased" || r.s("status") == "left" {
			continue
		}
		stillToMove++
		if !active[id] {
			withoutPlan++
		}
	}
	// Checklist by section.
	type progress struct{ items, done, inProgress, notStarted, notApplicable int }
	sections := map[int]*progress{}
	for _, it := range recs["checklist_items"] {
		n := int(it["section"].(float64))
		if sections[n] == nil {
			sections[n] = &progress{}
		}
		p := sections[n]
		p.items++
		switch it.s("status") {
		case "done":
			p.done++
		case "in_progress":
			p.inProgress++
		case "not_started":
			p.notStarted++
		case "not_applicable":
			p.notApplicable++
		}
	}
	signed := 0
	for _, a := range recs["capacity_assessments"] {
		if a.s("signed_at") != "" {
			signed++
		}
	}
	openConflicts, resolvedConflicts := 0, 0
	for _, c := range recs["conflicts"] {
		switch c.s("status") {
		case "open":
			openConflicts++
		case "resolved":
			resolvedConflicts++
		}
	}

	cases := []struct {
		name      string
		got, want int
	}{
		{"residents checked", sum.SafeAndWell.ResidentsChecked, len(residents) - never},
		{"residents never checked", sum.SafeAndWell.ResidentsNeverChecked, never},
		{"follow-up due", sum.SafeAndWell.FollowUpDue, dueFollowUp},
		{"due", sum.SafeAndWell.Due, dueFollowUp + never},
		{"due listed", len(sum.SafeAndWell.DueResidents), dueFollowUp + never},
		{"latest check concerns", sum.SafeAndWell.LatestConcerns, latestConcerns},
		{"latest check not seen", sum.SafeAndWell.LatestNotSeen, latestNotSeen},
		{"orphan checks", sum.SafeAndWell.OrphanChecks, orphans},
		{"assessments", sum.Capacity.Assessments, len(recs["capacity_assessments"])},
		{"assessments signed", sum.Capacity.Signed, signed},
		{"residents moved", sum.Moves.ResidentsMoved, len(completed)},
		{"residents still to move", sum.Moves.ResidentsStillToMove, stillToMove},
		{"residents without a plan", sum.Moves.ResidentsWithoutPlan, withoutPlan},
		{"conflicts open", sum.Conflicts.Open, openConflicts},
		{"conflicts resolved", sum.Conflicts.Resolved, resolvedConflicts},
		{"checklist sections", len(sum.Checklist), 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %d, want %d", c.got, c.want)
			}
		})
	}
	for _, p := range sum.Checklist {
		t.Run("checklist section "+p.Title, func(t *testing.T) {
			w := sections[p.Section]
			if w == nil {
				w = &progress{}
			}
			got := progress{p.Items, p.Done, p.InProgress, p.NotStarted, p.NotApplicable}
			if got != *w {
				t.Errorf("section %d: got %+v, want %+v", p.Section, got, *w)
			}
		})
	}
}

// TestSummarize_Synthetic covers what the scenario does not: conflicts,
// deleted records, other incidents' records, deceased residents, an
// unknown funding stream and the London calendar date.
func TestSummarize_Synthetic(t *testing.T) {
	const inc, other = "inc-1", "inc-2"
	deleted := rec("residents", "r-deleted", map[string]any{"incident_id": inc, "given_name": "Gone", "family_name": "Away"})
	deleted.Apply(syncproto.Change{ID: "00000000-0000-4000-8000-00000000ffff", Collection: "residents", RecordID: "r-deleted", Op: syncproto.OpDelete, HLC: syncproto.HLC{Wall: 1 << 40}})
	d := Data{IncidentID: inc, Records: map[string][]*syncproto.Record{
		"residents": {
			rec("residents", "r1", map[string]any{"incident_id": inc, "given_name": "Ann", "family_name": "Able", "funding_stream": "la_funded", "status": "in_placement"}),
			rec("residents", "r2", map[string]any{"incident_id": inc, "given_name": "Bob", "family_name": "Baker", "funding_stream": "council_tax", "status": "in_placement"}),
			rec("residents", "r3", map[string]any{"incident_id": inc, "given_name": "Cy", "family_name": "Cole", "status": "deceased"}),
			rec("residents", "r4", map[string]any{"incident_id": other, "given_name": "Di", "family_name": "Dee", "funding_stream": "nhs_chc"}),
			deleted,
		},
		"safe_and_well_checks": {
			// r1: latest check due on 1 July; now is 00:30 on 1 July in London.
			rec("safe_and_well_checks", "c1", map[string]any{"incident_id": inc, "resident_id": "r1", "visited_at": "2026-06-24T10:00:00Z", "outcome": "concerns", "follow_up_due": "2026-06-25"}),
			rec("safe_and_well_checks", "c2", map[string]any{"incident_id": inc, "resident_id": "r1", "visited_at": "2026-06-25T10:00:00Z", "outcome": "safe_and_well", "follow_up_due": "2026-07-01"}),
			rec("safe_and_well_checks", "c3", map[string]any{"incident_id": inc, "resident_id": "nobody", "visited_at": "2026-06-25T10:00:00Z", "outcome": "not_seen"}),
			rec("safe_and_well_checks", "c4", map[string]any{"incident_id": other, "resident_id": "r4", "visited_at": "2026-06-25T10:00:00Z", "outcome": "safe_and_well"}),
		},
		"conflicts": {
			rec("conflicts", "k1", map[string]any{"incident_id": inc, "status": "open"}),
			rec("conflicts", "k2", map[string]any{"incident_id": inc, "status": "open"}),
			rec("conflicts", "k3", map[string]any{"incident_id": inc, "status": "resolved"}),
			rec("conflicts", "k4", map[string]any{"incident_id": other, "status": "open"}),
		},
		"checklist_items": {
			rec("checklist_items", "i1", map[string]any{"incident_id": inc, "section": 3, "status": "done"}),
			rec("checklist_items", "i2", map[string]any{"incident_id": inc, "section": 3, "status": "not_applicable"}),
			rec("checklist_items", "i3", map[string]any{"incident_id": inc, "section": 10, "status": "in_progress"}),
		},
	}}
	summerNow := time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC) // 00:30 BST on 1 July
	sum := Summarize(d, summerNow)
	cases := []struct {
		name      string
		got, want any
	}{
		{"today in London", sum.Today, "2026-07-01"},
		{"residents", sum.Residents.Total, 3},
		{"la_funded", sum.Residents.ByFunding.LAFunded, 1},
		{"unknown funding", sum.Residents.ByFunding.Unknown, 2},
		{"nhs_chc from the other incident", sum.Residents.ByFunding.NHSCHC, 0},
		{"checks", sum.SafeAndWell.Checks, 3},
		{"orphan checks", sum.SafeAndWell.OrphanChecks, 1},
		{"never checked", sum.SafeAndWell.ResidentsNeverChecked, 2},
		{"follow-up due on the London date", sum.SafeAndWell.FollowUpDue, 1},
		{"due: r1 and never-checked r2, not deceased r3", sum.SafeAndWell.Due, 2},
		{"latest concerns", sum.SafeAndWell.LatestConcerns, 0},
		{"conflicts", sum.Conflicts.Total, 3},
		{"conflicts open", sum.Conflicts.Open, 2},
		{"conflicts resolved", sum.Conflicts.Resolved, 1},
		{"section 3 items", sum.Checklist[2].Items, 2},
		{"section 3 done", sum.Checklist[2].Done, 1},
		{"section 10 in progress", sum.Checklist[9].InProgress, 1},
		{"section 1 empty", sum.Checklist[0].Items, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
	t.Run("an hour earlier it is still 30 June", func(t *testing.T) {
		if got := Summarize(d, summerNow.Add(-time.Hour)).SafeAndWell.FollowUpDue; got != 0 {
			t.Errorf("follow-up due = %d, want 0", got)
		}
	})
}

// TestSummarize_Deterministic checks that the order of the input does not
// show in the output.
func TestSummarize_Deterministic(t *testing.T) {
	d := scenarioData(t)
	want, err := json.Marshal(Summarize(d, scenarioNow))
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 3; seed++ {
		got, _ := json.Marshal(Summarize(shuffled(d, seed), scenarioNow))
		if string(got) != string(want) {
			t.Fatalf("seed %d: summary differs", seed)
		}
	}
	if !strings.Contains(string(want), `"incident_title":"Larkfield House`) {
		t.Errorf("summary has no incident title: %.200s", want)
	}
}
