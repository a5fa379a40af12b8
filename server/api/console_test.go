package api_test

import (
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/server/reports"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

func TestServer_ConsoleViews(t *testing.T) {
	e := newEnv(t)
	sc := loadScenario(t, e)
	st, err := demo.Apply(sc)
	if err != nil {
		t.Fatal(err)
	}
	fig, err := demo.Counts(sc)
	if err != nil {
		t.Fatal(err)
	}
	inc := sc.IncidentID
	base := "/v1/incidents/" + inc
	bo := e.token("bea", "back_office", "desk-1", "*")

	board := func(t *testing.T, tok string) reports.Board {
		t.Helper()
		r := e.do("GET", base+"/board", tok, nil)
		if r.Status != 200 {
			t.Fatalf("board: %d %s", r.Status, r.Body)
		}
		var b reports.Board
		r.decode(t, &b)
		return b
	}
	summary := func(t *testing.T) reports.Summary {
		t.Helper()
		var s reports.Summary
		e.do("GET", base+"/summary", bo, nil).decode(t, &s)
		return s
	}

	t.Run("board has every resident and the summary's figures", func(t *testing.T) {
		b, s := board(t, bo), summary(t)
		if len(b.Residents) != fig.Residents || b.Counts.Residents != fig.Residents {
			t.Fatalf("board rows %d, count %d; scenario has %d residents", len(b.Residents), b.Counts.Residents, fig.Residents)
		}
		want := reports.BoardCounts{Residents: s.Residents.Total, ToMove: s.Moves.ResidentsStillToMove, Moved: s.Moves.ResidentsMoved,
			InTransit: s.Moves.InTransit, OpenConflicts: s.Conflicts.Open, Due: s.SafeAndWell.Due}
		got := b.Counts
		if got.ToMove != want.ToMove || got.Moved != want.Moved || got.InTransit != want.InTransit || got.OpenConflicts != want.OpenConflicts || got.Due != want.Due {
			t.Fatalf("board counts %+v differ from the summary's %+v", got, want)
		}
		if got.InTransit != fig.MovesByStatus["in_transit"] || got.Moved == 0 {
			t.Fatalf("in transit %d (scenario %d), moved %d", got.InTransit, fig.MovesByStatus["in_transit"], got.Moved)
		}
		kinds := map[string]int{}
		due := 0
		for _, r := range b.Residents {
			kinds[r.WhereNow]++
			if r.CheckState == reports.CheckNever || r.CheckState == reports.CheckOverdue || r.CheckState == reports.CheckDue {
				due++
			}
			if r.Name == "" || r.WhereText == "" {
				t.Fatalf("row without name or place: %+v", r)
			}
		}
		if due != s.SafeAndWell.Due {
			t.Fatalf("%d rows due a check, summary says %d", due, s.SafeAndWell.Due)
		}
		if kinds[reports.WhereInTransit] != fig.MovesByStatus["in_transit"] || kinds[reports.WhereMoved] < got.Moved || kinds[reports.WhereHome] == 0 {
			t.Fatalf("where now: %v", kinds)
		}
		// The scenario's last check is days before the test clock: nobody
		// still at the home has been seen in the last day.
		if got.NotSeen24h != kinds[reports.WhereHome]+kinds[reports.WhereHospital]+kinds[reports.WhereInTransit] {
			t.Fatalf("not seen in 24 h = %d, where now %v", got.NotSeen24h, kinds)
		}
	})

	t.Run("board rows carry the NHS number and name parts", func(t *testing.T) {
		want := map[string][3]string{}
		for _, r := range st.Records("residents") {
			want[r.ID] = [3]string{schema.StringValue(r, "nhs_number"), schema.StringValue(r, "family_name"), schema.StringValue(r, "given_name")}
		}
		withNHS := 0
		for _, r := range board(t, bo).Residents {
			w, ok := want[r.ResidentID]
			if !ok {
				t.Fatalf("board row for a resident not in the scenario: %+v", r)
			}
			if got := [3]string{r.NHSNumber, r.FamilyName, r.GivenName}; got != w {
				t.Errorf("row %s: NHS number, family and given name %q, want %q", r.ResidentID, got, w)
			}
			if r.NHSNumber != "" {
				withNHS++
			}
		}
		if withNHS == 0 {
			t.Fatal("no board row has an NHS number")
		}
	})

	t.Run("a check shows on the board", func(t *testing.T) {
		var rid string
		for _, r := range board(t, bo).Residents {
			if r.WhereNow == reports.WhereHome {
				rid = r.ResidentID
				break
			}
		}
		sw := e.token("sam", "social_worker", "tab-1", inc)
		w := newWriter("tab-1", e.clock.Now)
		res := e.push(sw, w.upsert("safe_and_well_checks", uuid.NewString(), map[string]any{
			"incident_id": inc, "resident_id": rid, "visited_at": e.clock.Now().Add(-time.Minute).Format(time.RFC3339),
			"outcome": "safe_and_well", "follow_up_due": "2026-11-25"}))
		if statusesOf(res) != "applied" {
			t.Fatal(statusesOf(res))
		}
		b := board(t, bo)
		for _, r := range b.Residents {
			if r.ResidentID != rid {
				continue
			}
			if r.NotSeen24h || r.CheckState != reports.CheckOK || r.NextDue != "2026-11-25" || r.LastOutcome != "safe_and_well" || r.LastCheckAt == nil {
				t.Fatalf("row after a check: %+v", r)
			}
			return
		}
		t.Fatal("resident gone from the board")
	})

	t.Run("moves", func(t *testing.T) {
		var mb reports.MoveBoard
		r := e.do("GET", base+"/moves", bo, nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		r.decode(t, &mb)
		if want := len(st.Records("moves")); len(mb.Moves) != want {
			t.Fatalf("%d moves, scenario has %d", len(mb.Moves), want)
		}
		when := map[string]int{}
		for _, m := range mb.Moves {
			when[m.When]++
			if m.ResidentName == "" || m.From == "" {
				t.Fatalf("move without names: %+v", m)
			}
			if m.Late == reports.LateDeparture && (m.Status != "planned" || m.PlannedAt == nil || !m.PlannedAt.Before(e.clock.Now())) {
				t.Fatalf("late departure that is not: %+v", m)
			}
			if m.Status == "completed" && m.Late != "" {
				t.Fatalf("a completed move is never late: %+v", m)
			}
		}
		// Test clock 23 November: four moves planned on the 24th, two on
		// the 25th, three before today.
		if when[reports.WhenUpcoming] != 6 || when[reports.WhenEarlier] != 3 || when[reports.WhenOnRoad] != fig.MovesByStatus["in_transit"] {
			t.Fatalf("moves by when: %v", when)
		}
	})

	t.Run("checklist", func(t *testing.T) {
		var v reports.ChecklistView
		e.do("GET", base+"/checklist", bo, nil).decode(t, &v)
		n := 0
		for _, sec := range v.Sections {
			n += len(sec.Items)
			if len(sec.Items) != sec.Progress.Items {
				t.Fatalf("section %d: %d items, progress says %d", sec.Section, len(sec.Items), sec.Progress.Items)
			}
			for i := 1; i < len(sec.Items); i++ {
				if sec.Items[i-1].Number == sec.Items[i].Number {
					t.Fatalf("section %d: item %s twice", sec.Section, sec.Items[i].Number)
				}
			}
		}
		if n != 99 || v.Total.Items != 99 || len(v.Sections) != 10 {
			t.Fatalf("checklist: %d items in %d sections, total %d", n, len(v.Sections), v.Total.Items)
		}
		// The seed has no 2.7: 2.8, 2.9, then 2.10.
		if got := v.Sections[1].Items[6].Number + " " + v.Sections[1].Items[7].Number + " " + v.Sections[1].Items[8].Number; got != "2.8 2.9 2.10" {
			t.Fatalf("items out of order: %s", got)
		}
	})

	t.Run("situation report", func(t *testing.T) {
		var sr reports.SituationReport
		r := e.do("GET", base+"/situation-report", e.token("dee", "director", "desk-d", inc), nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		r.decode(t, &sr)
		checks := 0
		for _, d := range sr.Days {
			checks += d.Checks
		}
		// 43 scenario checks plus the one pushed above.
		if total := fig.ChecksByOutcome["safe_and_well"] + fig.ChecksByOutcome["concerns"] + fig.ChecksByOutcome["not_seen"] + 1; checks != total || sr.Summary.SafeAndWell.Checks != total {
			t.Fatalf("checks per day add up to %d, summary %d, want %d", checks, sr.Summary.SafeAndWell.Checks, total)
		}
		for i := 1; i < len(sr.Days); i++ {
			if sr.Days[i-1].Day >= sr.Days[i].Day {
				t.Fatalf("days out of order: %v", sr.Days)
			}
		}
		if len(sr.Risks) == 0 {
			t.Fatal("the scenario has open risks")
		}
		for _, d := range sr.Decisions {
			if d.DecidedAt.Before(sr.Since) {
				t.Fatalf("decision of %s listed as since %s", d.DecidedAt, sr.Since)
			}
		}
	})

	t.Run("provider register", func(t *testing.T) {
		var pr struct {
			Providers []reports.ProviderRow `json:"providers"`
		}
		r := e.do("GET", "/v1/providers", e.token("quinn", "quality_officer", "desk-q"), nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		r.decode(t, &pr)
		if len(pr.Providers) != fig.Providers {
			t.Fatalf("%d providers, scenario has %d", len(pr.Providers), fig.Providers)
		}
		failing := schema.StringValue(st.Record("incidents", inc), "provider_id")
		rated := 0
		for _, p := range pr.Providers {
			rated += len(p.RAGHistory)
			if p.ProviderID == failing && len(p.Incidents) != 0 {
				t.Fatal("a quality officer with no incident grant sees the incident")
			}
			for i := 1; i < len(p.RAGHistory); i++ {
				if p.RAGHistory[i-1].DecidedAt.Before(p.RAGHistory[i].DecidedAt) {
					t.Fatalf("history not latest first: %+v", p.RAGHistory)
				}
			}
			if len(p.RAGHistory) > 0 && p.RAG != p.RAGHistory[0].Status {
				t.Fatalf("current RAG %s is not the latest step %s", p.RAG, p.RAGHistory[0].Status)
			}
		}
		if rated != len(st.Records("rag_statuses")) {
			t.Fatalf("%d RAG steps, scenario has %d", rated, len(st.Records("rag_statuses")))
		}
		var bb struct {
			Providers []reports.ProviderRow `json:"providers"`
		}
		e.do("GET", "/v1/providers", bo, nil).decode(t, &bb)
		for _, p := range bb.Providers {
			if p.ProviderID == failing && (len(p.Incidents) != 1 || p.Incidents[0] != inc || p.RAG == "") {
				t.Fatalf("back office's view of the failing provider: %+v", p)
			}
		}
	})

	sw := e.token("kim", "social_worker", "tab-k", inc)
	bad := []struct {
		name, token, path string
		status            int
		code              string
	}{
		{"admin may not read the board", e.token("ada", "admin", "desk-a", "*"), base + "/board", 403, "forbidden_role"},
		{"transport coordinator", e.token("ted", "transport_coordinator", "tab-t", inc), base + "/moves", 403, "forbidden_role"},
		{"incident not granted", e.token("sol", "social_worker", "tab-s", uuid.NewString()), base + "/board", 404, "not_found"},
		{"unknown incident", bo, "/v1/incidents/" + uuid.NewString() + "/checklist", 404, "not_found"},
		{"bad id", bo, "/v1/incidents/nope/situation-report", 400, "invalid_uuid"},
		{"social worker may not read the register", sw, "/v1/providers", 403, "forbidden_role"},
		{"admin may not read the register", e.token("ada", "admin", "desk-a", "*"), "/v1/providers", 403, "forbidden_role"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", tc.path, tc.token, nil)
			if r.Status != tc.status || r.errorBody(t).Code != tc.code {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	t.Run("late moves", func(t *testing.T) {
		if n := board(t, bo).Counts.LateMoves; n != 0 {
			t.Fatalf("%d late moves before the first planned departure", n)
		}
		// 24 November, 12:00: the 10:00 and 11:00 moves have not left.
		e.clock.Advance(26 * time.Hour)
		tok := e.token("bea", "back_office", "desk-1", "*")
		var mb reports.MoveBoard
		e.do("GET", base+"/moves", tok, nil).decode(t, &mb)
		late := 0
		for _, m := range mb.Moves {
			if m.Late != "" {
				late++
				if m.Late != reports.LateDeparture || m.When != reports.WhenToday {
					t.Fatalf("late move: %+v", m)
				}
			}
		}
		if late != 2 || board(t, tok).Counts.LateMoves != 2 {
			t.Fatalf("%d late moves, want the 10:00 and the 11:00", late)
		}
	})

}
