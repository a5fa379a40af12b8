package checklist

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDuties_OnePerItemInOrder(t *testing.T) {
	items, ds := Items(), Duties()
	if len(ds) != len(items) {
		t.Fatalf("%d duties for %d items", len(ds), len(items))
	}
	for i, it := range items {
		d := ds[i]
		if d.Number != it.Number {
			t.Fatalf("duty %d is %s, item %s", i, d.Number, it.Number)
		}
		t.Run(d.Number, func(t *testing.T) {
			if d.Owner != DCC && d.Owner != NHS && d.Owner != Provider {
				t.Errorf("owner %q", d.Owner)
			}
			if d.OwnerRole == "" || d.OwnerSource == "" || len(d.SignOff) == 0 || d.SignOffWhy == "" || d.Due.Text == "" {
				t.Errorf("incomplete duty %+v", d)
			}
			if d.Due.Kind != DueLeadOfficer && d.Due.SeedWords == "" {
				t.Errorf("a due rule other than the lead officer's rests on the seed's words")
			}
			if it.ResponsibilitySource != SourceDefault && d.Owner != it.Responsibility {
				t.Errorf("owner %s contradicts the seed's %s (%s)", d.Owner, it.Responsibility, it.ResponsibilitySource)
			}
			for _, a := range d.Auto {
				if a.Collection == "" || a.Label == "" {
					t.Errorf("automatic evidence without a collection or label: %+v", a)
				}
			}
		})
	}
}

func TestDuties_DirectorsDecisions(t *testing.T) {
	// The Director's decisions (2.8 next steps; 10.2 the report to the
	// SAB) are signed off by the Director alone; 2.25 by the NHS.
	for n, want := range map[string]string{"2.8": RoleDirector, "10.2": RoleDirector, "10.3": RoleDirector, "2.25": RoleNHSLiaison} {
		d, _ := DutyOf(n)
		if len(d.SignOff) != 1 || d.SignOff[0] != want {
			t.Errorf("%s signed off by %v, want only %s", n, d.SignOff, want)
		}
	}
	d, _ := DutyOf("3.8")
	if !d.EvidenceRequired || len(d.Auto) == 0 || d.Auto[0].Collection != "capacity_assessments" {
		t.Errorf("3.8 is shown by the capacity assessments: %+v", d)
	}
}

func TestDueRule_DueAt(t *testing.T) {
	act := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	meet := act.Add(5 * time.Hour)
	move := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	done := move.Add(time.Hour)
	f := Facts{ActivatedAt: act, FirstMeetingAt: meet, FirstMoveAt: move, FirstCompletedAt: done}
	cases := []struct {
		name string
		r    DueRule
		want time.Time
		ok   bool
	}{
		{"after activation", DueRule{Kind: DueAfterActivation, Hours: 24}, act.Add(24 * time.Hour), true},
		{"at the meeting", DueRule{Kind: DueAfterMeeting}, meet, true},
		{"before the moves", DueRule{Kind: DueBeforeMoves}, move, true},
		{"after the first move", DueRule{Kind: DueAfterMove, Hours: 24}, done.Add(24 * time.Hour), true},
		{"cadence from activation", DueRule{Kind: DueCadence, Hours: 168}, act.Add(168 * time.Hour), true},
		{"lead officer", DueRule{Kind: DueLeadOfficer}, time.Time{}, false},
		{"before close", DueRule{Kind: DueBeforeClose}, time.Time{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := c.r.DueAt(f)
			if ok != c.ok || (ok && !got.Equal(c.want)) {
				t.Fatalf("got %v %v, want %v %v", got, ok, c.want, c.ok)
			}
		})
	}
	t.Run("no meeting yet", func(t *testing.T) {
		if _, ok := (DueRule{Kind: DueAfterMeeting}).DueAt(Facts{ActivatedAt: act}); ok {
			t.Fatal("due before the meeting is held")
		}
	})
	t.Run("cadence from the latest evidence", func(t *testing.T) {
		g := f
		g.LatestEvidenceAt = move
		if got, _ := (DueRule{Kind: DueCadence, Hours: 168}).DueAt(g); !got.Equal(move.Add(168 * time.Hour)) {
			t.Fatalf("got %v", got)
		}
	})
}

func TestAutoEvidence_Matches(t *testing.T) {
	a := AutoEvidence{Collection: "moves", Match: []Match{{Field: "medication_travelling", Values: []any{true}}}}
	cases := []struct {
		name   string
		fields map[string]any
		want   bool
	}{
		{"set", map[string]any{"medication_travelling": true}, true},
		{"not set", map[string]any{"medication_travelling": false}, false},
		{"absent", map[string]any{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := a.Matches(c.fields); got != c.want {
				t.Fatalf("got %v", got)
			}
		})
	}
}

func TestMarkdown_DomainDocMapsEveryItem(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "domain.md"))
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown()
	if !strings.Contains(string(b), md) {
		t.Fatalf("docs/domain.md does not map the checklist's duties as the data has them; paste this table in:\n%s", md)
	}
	for _, it := range Items() {
		if !strings.Contains(md, "\n| "+it.Number+" | ") {
			t.Errorf("the map lacks item %s", it.Number)
		}
	}
}
