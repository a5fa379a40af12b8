package rules

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"pgregory.net/rapid"
)

var wt0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func at(m int) time.Time { return wt0.Add(time.Duration(m) * time.Minute) }

func TestDeriveWhereabouts_Cases(t *testing.T) {
	for _, c := range []struct {
		name string
		f    WhereaboutsFacts
		want Location
	}{
		{"nothing recorded: the residents record stands", WhereaboutsFacts{Placement: "A"}, Location{Kind: PlaceService, ServiceID: "A"}},
		{"a planned move places nobody", WhereaboutsFacts{Placement: "A", Moves: []WhereaboutsMove{{ID: "m", FromServiceID: "A", ToServiceID: "B", Status: "planned"}}},
			Location{Kind: PlaceService, ServiceID: "A", Derived: true}},
		{"a completed move", WhereaboutsFacts{Placement: "B", Moves: []WhereaboutsMove{{ID: "m", FromServiceID: "A", ToServiceID: "B", Status: "completed", CompletedAt: at(10)}}},
			Location{Kind: PlaceService, ServiceID: "B", Moved: true, Since: at(10), Collection: "moves", RecordID: "m", Derived: true}},
		{"void: the move did not happen", WhereaboutsFacts{Placement: "B", Moves: []WhereaboutsMove{{ID: "m", FromServiceID: "A", ToServiceID: "B", Status: "completed", CompletedAt: at(10)}},
			Corrections: []MoveCorrection{{ID: "c", MoveID: "m", Kind: CorrectionVoid}}}, Location{Kind: PlaceService, ServiceID: "A", Derived: true}},
		{"destination: the person went elsewhere", WhereaboutsFacts{Moves: []WhereaboutsMove{{ID: "m", FromServiceID: "A", ToServiceID: "B", Status: "completed", CompletedAt: at(10)}},
			Corrections: []MoveCorrection{{ID: "c", MoveID: "m", Kind: CorrectionDestination, ToServiceID: "C"}}},
			Location{Kind: PlaceService, ServiceID: "C", Moved: true, Since: at(10), Collection: "moves", RecordID: "m", CorrectionID: "c", Derived: true}},
		{"completed_at corrected: order follows the corrected time", WhereaboutsFacts{Moves: []WhereaboutsMove{{ID: "m", FromServiceID: "A", ToServiceID: "B", Status: "completed", CompletedAt: at(10)}},
			Corrections: []MoveCorrection{{ID: "c", MoveID: "m", Kind: CorrectionCompletedAt, CompletedAt: at(30)}},
			Events:      []ResidentEvent{{ID: "e", Event: EventHospitalAdmission, OccurredAt: at(20), Hospital: "RDH"}}},
			Location{Kind: PlaceService, ServiceID: "B", Moved: true, Since: at(30), Collection: "moves", RecordID: "m", CorrectionID: "c", Derived: true}},
		{"admission then discharge back", WhereaboutsFacts{Placement: "A", Events: []ResidentEvent{{ID: "e1", Event: EventHospitalAdmission, OccurredAt: at(1), Hospital: "RDH"},
			{ID: "e2", Event: EventHospitalDischarge, OccurredAt: at(2)}}}, Location{Kind: PlaceService, ServiceID: "A", Since: at(2), Collection: "resident_events", RecordID: "e2", Derived: true}},
		{"a death entered in error never happened", WhereaboutsFacts{Placement: "A", Events: []ResidentEvent{{ID: "d", Event: EventDeath, OccurredAt: at(1)},
			{ID: "x", Event: EventEnteredInError, OccurredAt: at(2), CorrectsEventID: "d"}}}, Location{Kind: PlaceService, ServiceID: "A", Derived: true}},
		{"a corrected death counts at its corrected time", WhereaboutsFacts{Placement: "A", Events: []ResidentEvent{{ID: "d", Event: EventDeath, OccurredAt: at(5)},
			{ID: "x", Event: EventDeath, OccurredAt: at(3), CorrectsEventID: "d"}}},
			Location{Kind: PlaceDeceased, ServiceID: "A", Since: at(3), Collection: "resident_events", RecordID: "x", CorrectionID: "x", Derived: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := DeriveWhereabouts(c.f); got != c.want {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestDeriveWhereabouts_OrderFreeAndOracle: the answer does not depend on the
// order of the inputs and equals a separate, simpler replay of the facts
// (all times distinct).
func TestDeriveWhereabouts_OrderFreeAndOracle(t *testing.T) {
	homes := []string{"A", "B", "C", "D"}
	rapid.Check(t, func(t *rapid.T) {
		n := 0
		tick := func() time.Time { n++; return at(n * 7) }
		var f WhereaboutsFacts
		f.Placement = "A"
		for i := range rapid.IntRange(0, 3).Draw(t, "moves") {
			m := WhereaboutsMove{ID: fmt.Sprintf("m%d", i), FromServiceID: "A", ToServiceID: rapid.SampledFrom(homes[1:]).Draw(t, "to"),
				Status: rapid.SampledFrom([]string{"planned", "in_transit", "completed", "completed", "cancelled"}).Draw(t, "status"), CompletedAt: tick()}
			f.Moves = append(f.Moves, m)
			for k := range rapid.IntRange(0, 2).Draw(t, "corrections") {
				c := MoveCorrection{ID: fmt.Sprintf("c%d%d", i, k), MoveID: m.ID, Kind: rapid.SampledFrom([]CorrectionKind{CorrectionVoid, CorrectionDestination, CorrectionCompletedAt}).Draw(t, "kind"),
					ToServiceID: rapid.SampledFrom(homes).Draw(t, "cto"), CompletedAt: tick(), Recorded: tick()}
				f.Corrections = append(f.Corrections, c)
			}
		}
		for i := range rapid.IntRange(0, 4).Draw(t, "events") {
			e := ResidentEvent{ID: fmt.Sprintf("e%d", i), Event: rapid.SampledFrom([]string{EventHospitalAdmission, EventHospitalDischarge, EventDeath}).Draw(t, "event"), OccurredAt: tick(), Hospital: "RDH"}
			if e.Event == EventHospitalDischarge && rapid.Bool().Draw(t, "to a home") {
				e.DischargedTo = rapid.SampledFrom(homes).Draw(t, "dto")
			}
			if i > 0 && rapid.Bool().Draw(t, "corrects") {
				e.CorrectsEventID = fmt.Sprintf("e%d", rapid.IntRange(0, i-1).Draw(t, "target"))
				if rapid.Bool().Draw(t, "in error") {
					e.Event = EventEnteredInError
				}
			}
			f.Events = append(f.Events, e)
		}
		got := DeriveWhereabouts(f)
		shuffled := WhereaboutsFacts{Placement: f.Placement, Moves: rapid.Permutation(f.Moves).Draw(t, "pm"),
			Corrections: rapid.Permutation(f.Corrections).Draw(t, "pc"), Events: rapid.Permutation(f.Events).Draw(t, "pe")}
		if again := DeriveWhereabouts(shuffled); again != got {
			t.Fatalf("order changed the answer: %+v vs %+v", got, again)
		}
		kind, svc := whereaboutsOracle(f)
		if got.Kind != kind || (kind == PlaceService && got.ServiceID != svc) {
			t.Fatalf("derived %+v, oracle %s %s", got, kind, svc)
		}
	})
}

// whereaboutsOracle replays the facts in time order on a small state machine.
func whereaboutsOracle(f WhereaboutsFacts) (string, string) {
	type step struct {
		at        time.Time
		what, svc string
	}
	var steps []step
	for _, m := range f.Moves {
		if m.Status != "completed" {
			continue
		}
		to, when, void := m.ToServiceID, m.CompletedAt, false
		var lastDest, lastDone time.Time
		for _, c := range f.Corrections {
			if c.MoveID != m.ID {
				continue
			}
			switch c.Kind {
			case CorrectionVoid:
				void = true
			case CorrectionDestination:
				if c.Recorded.After(lastDest) {
					to, lastDest = c.ToServiceID, c.Recorded
				}
			case CorrectionCompletedAt:
				if c.Recorded.After(lastDone) {
					when, lastDone = c.CompletedAt, c.Recorded
				}
			}
		}
		if !void {
			steps = append(steps, step{when, "move", to})
		}
	}
	replaced := map[string]bool{}
	for _, e := range f.Events {
		if e.CorrectsEventID != "" {
			replaced[e.CorrectsEventID] = true
		}
	}
	for _, e := range f.Events {
		if !replaced[e.ID] && e.Event != EventEnteredInError {
			steps = append(steps, step{e.OccurredAt, e.Event, e.DischargedTo})
		}
	}
	sort.Slice(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })
	home, where := f.Placement, PlaceService
	for _, s := range steps {
		switch s.what {
		case EventDeath:
			return PlaceDeceased, ""
		case "move":
			home, where = s.svc, PlaceService
		case EventHospitalAdmission:
			where = PlaceHospital
		case EventHospitalDischarge:
			where = PlaceService
			if s.svc != "" {
				home = s.svc
			}
		}
	}
	return where, home
}
