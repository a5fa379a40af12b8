package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// world is what the devices know before they start: the demo incident and
// its residents (from the scenario file the server loads with --demo).
type world struct {
	incident  string
	residents []string // resident record ids in the incident
}

// loadWorld reads the demo scenario.
func loadWorld(path string) (*world, error) {
	sc, err := demo.Load(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	st, err := demo.Apply(sc)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	w := &world{incident: sc.IncidentID}
	for _, r := range st.Records("residents") {
		if schema.StringValue(r, "incident_id") == sc.IncidentID {
			w.residents = append(w.residents, r.ID)
		}
	}
	if len(w.residents) == 0 {
		return nil, fmt.Errorf("scenario %s has no residents in incident %s", path, sc.IncidentID)
	}
	return w, nil
}

// Roles the soak's devices play.
const (
	roleSocialWorker = "social_worker"
	roleTransport    = "transport_coordinator"
)

// author makes one device's changes: what a social worker or a transport
// coordinator records on site, valid against the schema and the role's
// permissions, stamped by the device's own hybrid logical clock.
type author struct {
	w     *world
	role  string
	name  string
	clock *syncproto.Clock
	rng   *rand.Rand
	// checks are the safe-and-well checks this device created, which it
	// later edits.
	checks []string
}

// next makes one change.
func (a *author) next(now time.Time) syncproto.Change {
	r := a.rng.Float64()
	if a.role == roleTransport {
		if r < 0.6 {
			return a.movement(now)
		}
		return a.communication(now)
	}
	switch {
	case r < 0.55 || (r < 0.75 && len(a.checks) == 0):
		return a.newCheck(now)
	case r < 0.75:
		return a.editCheck(now)
	case r < 0.85:
		return a.residentNote(now)
	default:
		return a.communication(now)
	}
}

func (a *author) change(now time.Time, collection, record string, fields map[string]any) syncproto.Change {
	raw := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // plain strings and booleans only
		}
		raw[k] = b
	}
	return syncproto.Change{
		ID:         uuid.NewString(),
		Collection: collection,
		RecordID:   record,
		Op:         syncproto.OpUpsert,
		Fields:     raw,
		HLC:        a.clock.Now(),
		RecordedAt: now.UTC().Truncate(time.Millisecond),
	}
}

func (a *author) resident() string { return a.w.residents[a.rng.IntN(len(a.w.residents))] }

func (a *author) pick(xs []string) string { return xs[a.rng.IntN(len(xs))] }

// stamp is an RFC 3339 time a little before now (when it happened).
func (a *author) stamp(now time.Time, within time.Duration) string {
	return now.Add(-time.Duration(a.rng.Int64N(int64(within)))).UTC().Format(time.RFC3339)
}

func (a *author) newCheck(now time.Time) syncproto.Change {
	id := uuid.NewString()
	a.checks = append(a.checks, id)
	outcome := a.pick([]string{"safe_and_well", "safe_and_well", "safe_and_well", "concerns", "not_seen"})
	fields := map[string]any{
		"incident_id":   a.w.incident,
		"resident_id":   a.resident(),
		"visited_at":    a.stamp(now, 2*time.Hour),
		"outcome":       outcome,
		"observations":  a.sentence(observations, 2),
		"visitor_name":  a.name,
		"visitor_role":  "Social worker",
		"location":      a.pick([]string{"Larkfield House, own room", "Larkfield House, lounge", "Larkfield House, garden room", "Hospital ward"}),
		"seen":          outcome != "not_seen",
		"feels_safe":    a.pick([]string{"yes", "yes", "no", "unsure", "unable_to_say"}),
		"follow_up_due": now.AddDate(0, 0, 1+a.rng.IntN(7)).UTC().Format(time.DateOnly),
	}
	if outcome == "concerns" {
		fields["actions"] = a.sentence(actions, 1)
	}
	return a.change(now, "safe_and_well_checks", id, fields)
}

func (a *author) editCheck(now time.Time) syncproto.Change {
	id := a.checks[a.rng.IntN(len(a.checks))]
	fields := map[string]any{"observations": a.sentence(observations, 3)}
	if a.rng.IntN(2) == 0 {
		fields["actions"] = a.sentence(actions, 1)
	}
	return a.change(now, "safe_and_well_checks", id, fields)
}

func (a *author) residentNote(now time.Time) syncproto.Change {
	return a.change(now, "residents", a.resident(), map[string]any{
		"notes": fmt.Sprintf("%s (%s, %s)", a.sentence(notes, 1), a.name, now.UTC().Format("2 Jan 15:04")),
	})
}

func (a *author) communication(now time.Time) syncproto.Change {
	fields := map[string]any{
		"incident_id": a.w.incident,
		"occurred_at": a.stamp(now, time.Hour),
		"channel":     a.pick([]string{"phone", "email", "in_person", "text_message"}),
		"direction":   a.pick([]string{"incoming", "outgoing"}),
		"party":       a.pick([]string{"family", "carer", "provider_staff", "gp", "icb"}),
		"with_whom":   a.pick([]string{"Daughter", "Son", "Care home manager", "GP surgery", "ICB placements team"}),
		"summary":     a.sentence(summaries, 2),
		"recorded_by": a.name,
	}
	if a.rng.IntN(2) == 0 {
		fields["resident_id"] = a.resident()
	}
	return a.change(now, "communications_log", uuid.NewString(), fields)
}

func (a *author) movement(now time.Time) syncproto.Change {
	return a.change(now, "movement_log", uuid.NewString(), map[string]any{
		"incident_id": a.w.incident,
		"resident_id": a.resident(),
		"event":       a.pick([]string{"planned", "departed", "arrived", "handed_over", "other"}),
		"occurred_at": a.stamp(now, time.Hour),
		"recorded_by": a.name,
		"notes":       a.sentence(journeys, 1),
	})
}

// sentence joins n phrases from a list.
func (a *author) sentence(from []string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = a.pick(from)
	}
	return strings.Join(parts, " ")
}

var observations = []string{
	"Settled and chatting with staff.", "Anxious about the move; reassured.", "Eating and drinking well.",
	"MAR chart up to date; morning medication given.", "Room clean and warm.", "Asked after their daughter.",
	"Walking frame by the bed, in good repair.", "Slept poorly; night staff informed.",
	"Skin intact; pressure care in place.", "Watching television in the lounge.",
}

var actions = []string{
	"Call the family today.", "Ask the GP to review medication.", "Book a follow-up visit tomorrow.",
	"Raise with the care home manager.", "Check the hoist sling size before the move.",
}

var notes = []string{
	"Prefers tea with milk, no sugar.", "Hearing aid in the left ear only.", "Family visiting on Saturday.",
	"Likes the window open at night.", "Needs two staff for transfers.", "Keep with friends from the same corridor.",
}

var summaries = []string{
	"Explained the closure and the timetable.", "Agreed a date for the assessment.",
	"Confirmed the new home can take the equipment.", "Passed on medication details.",
	"Family asked about fees at the new home.", "Confirmed transport for the morning.",
}

var journeys = []string{
	"Transport booked for 10:00.", "Escort travelling with the resident.", "Medication travelled in a sealed bag.",
	"Arrived safely; handed over to the duty manager.", "Delayed by traffic; family informed.",
}
