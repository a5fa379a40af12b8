package rules

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// london returns a wall-clock time in Europe/London.
func london(t *testing.T, y int, mo time.Month, d, h, mi int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(LondonZone)
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(y, mo, d, h, mi, 0, 0, loc)
}

func TestDefaultWorkingHours(t *testing.T) {
	wh := DefaultWorkingHours()
	if wh.Start != Clock(9, 0) || wh.End != Clock(17, 0) || wh.Location.String() != "Europe/London" || len(wh.Days) != 5 {
		t.Fatalf("got %+v", wh)
	}
	if vs := wh.Validate(); len(vs) != 0 {
		t.Fatal(vs)
	}
}

func TestWorkingHours_Within(t *testing.T) {
	wh := DefaultWorkingHours()
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"Wednesday 09:00 (start is inside)", london(t, 2024, 2, 7, 9, 0), true},
		{"Wednesday 17:00 (end is inside)", london(t, 2024, 2, 7, 17, 0), true},
		{"Wednesday 08:59", london(t, 2024, 2, 7, 8, 59), false},
		{"Wednesday 17:01", london(t, 2024, 2, 7, 17, 1), false},
		{"Wednesday 17:00:30", london(t, 2024, 2, 7, 17, 0).Add(30 * time.Second), false},
		{"Saturday 11:00", london(t, 2024, 2, 10, 11, 0), false},
		{"Sunday 11:00", london(t, 2024, 2, 11, 11, 0), false},
		// British Summer Time: 08:30 UTC is 09:30 in London in July.
		{"BST: 08:30 UTC in July is 09:30 London", time.Date(2024, 7, 3, 8, 30, 0, 0, time.UTC), true},
		{"BST: 16:30 UTC in July is 17:30 London", time.Date(2024, 7, 3, 16, 30, 0, 0, time.UTC), false},
		{"GMT: 08:30 UTC in January is 08:30 London", time.Date(2024, 1, 3, 8, 30, 0, 0, time.UTC), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := wh.Within(tc.at); got != tc.want {
				t.Fatalf("Within(%s) = %v", tc.at, got)
			}
		})
	}
}

func TestWorkingHours_Validate(t *testing.T) {
	wh := DefaultWorkingHours()
	bad := []WorkingHours{
		{Start: Clock(17, 0), End: Clock(9, 0), Days: wh.Days, Location: wh.Location},
		{Start: Clock(9, 0), End: Clock(17, 0), Location: wh.Location},
		{Start: Clock(9, 0), End: Clock(17, 0), Days: wh.Days},
		{Start: Clock(9, 60), End: Clock(17, 0), Days: wh.Days, Location: wh.Location},
	}
	for i, b := range bad {
		if vs := b.Validate(); !vs.Has(CodeInvalidWorkingHours) {
			t.Errorf("case %d: want invalid_working_hours, got %v", i, vs)
		}
	}
}

func TestCheckWorkingHours_003s11(t *testing.T) {
	wh := DefaultWorkingHours()
	custom := wh
	custom.Start, custom.End = Clock(8, 0), Clock(20, 0)
	custom.Days = append(slices.Clone(wh.Days), time.Saturday)
	tests := []struct {
		name  string
		m     Move
		wh    WorkingHours
		codes []string
	}{
		{"003 s.11 Tuesday 10:00-11:30 is within normal working hours",
			Move{PlannedStart: london(t, 2024, 3, 5, 10, 0), PlannedEnd: london(t, 2024, 3, 5, 11, 30)}, wh, nil},
		{"003 s.11 Tuesday 18:00 start is out of hours",
			Move{PlannedStart: london(t, 2024, 3, 5, 18, 0)}, wh, []string{CodeMoveOutOfHours}},
		{"003 s.11 Tuesday 16:30 start, 17:30 arrival is out of hours",
			Move{PlannedStart: london(t, 2024, 3, 5, 16, 30), PlannedEnd: london(t, 2024, 3, 5, 17, 30)}, wh, []string{CodeMoveOutOfHours}},
		{"003 s.11 Saturday move is out of hours",
			Move{PlannedStart: london(t, 2024, 3, 9, 10, 0)}, wh, []string{CodeMoveOutOfHours}},
		{"003 s.11 Monday 16:00 to Tuesday 10:00 runs through the night",
			Move{PlannedStart: london(t, 2024, 3, 4, 16, 0), PlannedEnd: london(t, 2024, 3, 5, 10, 0)}, wh, []string{CodeMoveOutOfHours}},
		{"003 s.11 out of hours with a recorded reason is allowed",
			Move{PlannedStart: london(t, 2024, 3, 9, 22, 0), OutOfHoursReason: "fire: building evacuated, residents must move tonight"}, wh, nil},
		{"configurable hours: Saturday 19:00 within 08:00-20:00 Mon-Sat",
			Move{PlannedStart: london(t, 2024, 3, 9, 19, 0)}, custom, nil},
		{"invalid working hours are reported, not guessed",
			Move{PlannedStart: london(t, 2024, 3, 5, 10, 0)}, WorkingHours{}, []string{CodeInvalidWorkingHours, CodeInvalidWorkingHours, CodeInvalidWorkingHours}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := CheckWorkingHours(tc.m, tc.wh)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}

func TestCheckLegs_ArrivalAfterDeparture(t *testing.T) {
	at := func(h, m int) time.Time { return london(t, 2024, 3, 5, h, m) }
	tests := []struct {
		name  string
		legs  []Leg
		codes []string
	}{
		{"departed, arrived, handed over in order", []Leg{{at(10, 0), at(10, 40), at(10, 50)}}, nil},
		{"departed only (in transit)", []Leg{{DepartedAt: at(10, 0)}}, nil},
		{"a leg cannot arrive before it departs", []Leg{{DepartedAt: at(10, 0), ArrivedAt: at(9, 59)}}, []string{CodeLegArrivesBeforeDeparture}},
		{"arrival at the departure instant is allowed", []Leg{{DepartedAt: at(10, 0), ArrivedAt: at(10, 0)}}, nil},
		{"arrived without departing", []Leg{{ArrivedAt: at(10, 0)}}, []string{CodeLegArrivalWithoutDeparture}},
		{"handed over before arrival", []Leg{{at(10, 0), at(10, 40), at(10, 30)}}, []string{CodeLegHandoverBeforeArrival}},
		{"handed over, never arrived", []Leg{{DepartedAt: at(10, 0), HandedOverAt: at(10, 30)}}, []string{CodeLegHandoverBeforeArrival}},
		{"second leg departs before the first arrives", []Leg{{DepartedAt: at(10, 0), ArrivedAt: at(10, 40)}, {DepartedAt: at(10, 30), ArrivedAt: at(11, 0)}}, []string{CodeLegsOverlap}},
		{"second leg departs after the first arrives", []Leg{{DepartedAt: at(10, 0), ArrivedAt: at(10, 40)}, {DepartedAt: at(10, 45), ArrivedAt: at(11, 0)}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := CheckLegs(Move{Legs: tc.legs})
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}

func TestCheckOnePlace_ResidentNotDoublePlaced(t *testing.T) {
	at := func(d, h, m int) time.Time { return london(t, 2024, 3, d, h, m) }
	planned := func(id string, d, h1, h2 int) Move {
		return Move{ID: id, ResidentID: "r1", Status: MovePlanned, FromServiceID: "a", ToServiceID: "b", PlannedStart: at(d, h1, 0), PlannedEnd: at(d, h2, 0)}
	}
	tests := []struct {
		name     string
		existing []Move
		m        Move
		codes    []string
	}{
		{"no other moves", nil, planned("m", 5, 10, 11), nil},
		{"overlapping planned move", []Move{planned("x", 5, 10, 12)}, planned("m", 5, 11, 13), []string{CodeResidentDoublePlaced}},
		{"same start instant", []Move{{ID: "x", ResidentID: "r1", Status: MovePlanned, PlannedStart: at(5, 10, 0)}}, Move{ID: "m", ResidentID: "r1", Status: MovePlanned, PlannedStart: at(5, 10, 0)}, []string{CodeResidentDoublePlaced}},
		{"back to back: arrival 11:00, next departure 11:00", []Move{planned("x", 5, 10, 11)}, planned("m", 5, 11, 12), nil},
		{"another day", []Move{planned("x", 4, 10, 11)}, planned("m", 5, 10, 11), nil},
		{"cancelled moves do not count", []Move{func() Move { x := planned("x", 5, 10, 12); x.Status = MoveCancelled; return x }()}, planned("m", 5, 11, 13), nil},
		{"another resident's move does not count", []Move{func() Move { x := planned("x", 5, 10, 12); x.ResidentID = "r2"; return x }()}, planned("m", 5, 11, 13), nil},
		{"the move itself (an update) does not count", []Move{planned("m", 5, 10, 12)}, planned("m", 5, 11, 13), nil},
		{"in transit (departed, not arrived) blocks any later move", []Move{{ID: "x", ResidentID: "r1", Status: MoveInProgress, Legs: []Leg{{DepartedAt: at(4, 10, 0)}}}}, planned("m", 6, 10, 11), []string{CodeResidentDoublePlaced}},
		{"a completed move's actual times count", []Move{{ID: "x", ResidentID: "r1", Status: MoveCompleted, PlannedStart: at(5, 9, 0), Legs: []Leg{{DepartedAt: at(5, 10, 0), ArrivedAt: at(5, 12, 0)}}}}, planned("m", 5, 11, 13), []string{CodeResidentDoublePlaced}},
		{"overlapping two moves reports both", []Move{planned("x", 5, 10, 12), planned("y", 5, 12, 14)}, planned("m", 5, 11, 13), []string{CodeResidentDoublePlaced, CodeResidentDoublePlaced}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := CheckOnePlace(tc.existing, tc.m)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}

func TestCheckOrigin_StartsWhereTheResidentIs(t *testing.T) {
	at := func(d, h int) time.Time { return london(t, 2024, 3, d, h, 0) }
	first := Move{ID: "x", ResidentID: "r1", Status: MoveCompleted, FromServiceID: "home-a", ToServiceID: "temp-b", PlannedStart: at(4, 10), PlannedEnd: at(4, 11)}
	tests := []struct {
		name     string
		existing []Move
		current  string
		from     string
		codes    []string
	}{
		{"no earlier move: from the current placement", nil, "home-a", "home-a", nil},
		{"no earlier move: wrong origin", nil, "home-a", "home-z", []string{CodeMoveOriginMismatch}},
		{"003 App.2 7.29 second move: from the temporary home", []Move{first}, "home-a", "temp-b", nil},
		{"second move from the original home is wrong", []Move{first}, "temp-b", "home-a", []string{CodeMoveOriginMismatch}},
		{"current placement unknown: nothing to check", nil, "", "anywhere", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Move{ID: "m", ResidentID: "r1", Status: MovePlanned, FromServiceID: tc.from, ToServiceID: "new-c", PlannedStart: at(6, 10)}
			vs := CheckOrigin(tc.existing, m, tc.current)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}

func TestCheckDestination_RegisteredForCategory(t *testing.T) {
	nursingDementia := Service{ID: "s1", Registered: true, Categories: []RegistrationCategory{"Nursing", "Dementia", "Caring for adults over 65 yrs"}}
	tests := []struct {
		name  string
		needs []RegistrationCategory
		dest  Service
		codes []string
	}{
		{"003 App.2 7.5 registered for the category required", []RegistrationCategory{"nursing"}, nursingDementia, nil},
		{"003 App.2 7.5 every needed category, case and spacing ignored", []RegistrationCategory{" dementia ", "NURSING"}, nursingDementia, nil},
		{"003 App.2 7.5 not registered for dementia", []RegistrationCategory{"dementia"}, Service{ID: "s2", Registered: true, Categories: []RegistrationCategory{"Nursing"}}, []string{CodeDestinationNotRegistered}},
		{"003 App.2 7.5 not registered with CQC at all", []RegistrationCategory{"nursing"}, Service{ID: "s3", Categories: []RegistrationCategory{"nursing"}}, []string{CodeDestinationNotRegistered}},
		{"two missing categories, two violations", []RegistrationCategory{"learning disabilities", "mental health"}, nursingDementia, []string{CodeDestinationNotRegistered, CodeDestinationNotRegistered}},
		{"003 App.2 7.6 a suspended destination is CheckDestinationConcerns' concern", []RegistrationCategory{"nursing"}, Service{ID: "s4", Registered: true, Categories: []RegistrationCategory{"nursing"}, Suspended: true}, nil},
		{"no category needed (e.g. a return home)", nil, Service{ID: "home"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := CheckDestination(tc.needs, tc.dest)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}

func TestCheckMove_AllInvariants(t *testing.T) {
	at := func(d, h int) time.Time { return london(t, 2024, 3, d, h, 0) }
	dest := Service{ID: "new-c", Registered: true, Categories: []RegistrationCategory{"residential"}}
	ok := Move{ID: "m", ResidentID: "r1", Status: MovePlanned, FromServiceID: "home-a", ToServiceID: "new-c", PlannedStart: at(5, 10), PlannedEnd: at(5, 11)}
	base := MoveCheck{Move: ok, CurrentServiceID: "home-a", Destination: dest, Needs: []RegistrationCategory{"residential"}, WorkingHours: DefaultWorkingHours()}
	tests := []struct {
		name  string
		edit  func(*MoveCheck)
		codes []string
	}{
		{"a good planned move", func(*MoveCheck) {}, nil},
		{"status left empty is a plan", func(c *MoveCheck) { c.Move.Status = "" }, nil},
		{"planned end before start", func(c *MoveCheck) { c.Move.PlannedEnd = at(5, 9) }, []string{CodeMoveEndsBeforeStart}},
		{"no planned time", func(c *MoveCheck) { c.Move.PlannedStart, c.Move.PlannedEnd = time.Time{}, time.Time{} }, []string{CodeInvalidInput}},
		{"no resident", func(c *MoveCheck) { c.Move.ResidentID = "" }, []string{CodeInvalidInput}},
		{"same service", func(c *MoveCheck) { c.Move.ToServiceID = "home-a"; c.Destination.ID = "home-a" }, []string{CodeMoveSameService}},
		{"destination is not the move's", func(c *MoveCheck) { c.Destination.ID = "other" }, []string{CodeInvalidInput}},
		{"Saturday, unregistered and double-placed", func(c *MoveCheck) {
			c.Move.PlannedStart, c.Move.PlannedEnd = at(9, 10), at(9, 11)
			c.Needs = []RegistrationCategory{"nursing"}
			c.Existing = []Move{{ID: "x", ResidentID: "r1", Status: MovePlanned, FromServiceID: "home-a", ToServiceID: "y", PlannedStart: at(9, 10)}}
		}, []string{CodeResidentDoublePlaced, CodeDestinationNotRegistered, CodeMoveOutOfHours, CodeMoveOutOfHours}},
		{"completed moves are history: planning rules are not re-applied", func(c *MoveCheck) {
			c.Move.Status = MoveCompleted
			c.Move.PlannedStart, c.Move.PlannedEnd = at(9, 22), time.Time{}
			c.Move.Legs = []Leg{{DepartedAt: at(9, 22), ArrivedAt: at(9, 23)}}
			c.Needs = []RegistrationCategory{"nursing"}
		}, nil},
		{"completed move with an impossible leg", func(c *MoveCheck) {
			c.Move.Status = MoveCompleted
			c.Move.Legs = []Leg{{DepartedAt: at(5, 11), ArrivedAt: at(5, 10)}}
		}, []string{CodeLegArrivesBeforeDeparture}},
		{"unknown status", func(c *MoveCheck) { c.Move.Status = "teleported" }, []string{CodeInvalidInput}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.edit(&c)
			vs := CheckMove(c)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}

// Property: double placement is symmetric — if a clashes with b, b clashes
// with a — and a move never clashes with a copy of itself under another id.
func TestCheckOnePlace_Symmetric(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 48))
	base := time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC)
	random := func(id string) Move {
		m := Move{ID: id, ResidentID: "r1", Status: []MoveStatus{MovePlanned, MoveInProgress, MoveCompleted, MoveCancelled}[rng.IntN(4)]}
		start := base.Add(time.Duration(rng.IntN(48)) * 15 * time.Minute)
		if rng.IntN(2) == 0 {
			m.PlannedStart = start
			if rng.IntN(2) == 0 {
				m.PlannedEnd = start.Add(time.Duration(rng.IntN(8)) * 15 * time.Minute)
			}
		} else {
			leg := Leg{DepartedAt: start}
			if rng.IntN(3) > 0 {
				leg.ArrivedAt = start.Add(time.Duration(rng.IntN(8)) * 15 * time.Minute)
			}
			m.Legs = []Leg{leg}
		}
		return m
	}
	for i := range 5000 {
		a, b := random("a"), random("b")
		ab := len(CheckOnePlace([]Move{a}, b)) > 0
		ba := len(CheckOnePlace([]Move{b}, a)) > 0
		if ab != ba {
			t.Fatalf("case %d: asymmetric clash a=%+v b=%+v: %v %v", i, a, b, ab, ba)
		}
		if a.Status != MoveCancelled {
			c := a
			c.ID = "copy"
			if len(CheckOnePlace([]Move{a}, c)) == 0 {
				t.Fatalf("case %d: a move must clash with a copy of itself: %+v", i, a)
			}
		}
	}
}
