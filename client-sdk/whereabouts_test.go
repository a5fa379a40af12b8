package continuity

import (
	"encoding/json"
	"testing"
)

// TestClient_WhereaboutsJSON: the app reads where a person is from the
// records on the tablet, with the server's derivation: a completed move
// places them, a later hospital admission puts them in hospital.
func TestClient_WhereaboutsJSON(t *testing.T) {
	c, _ := openClient(t, nil)
	enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "social_worker")
	inc, home, newHome := newID(), newID(), newID()
	rid := mustResident(t, c, inc, "Edith", "Marsh")
	put := func(collection, id string, f map[string]any) {
		t.Helper()
		if _, ok := f["status"]; !ok || f["resident_id"] != nil {
			f["incident_id"] = inc // a create names its incident; a step of the move does not
		}
		b, _ := json.Marshal(f)
		if _, err := c.Put(collection, id, string(b)); err != nil {
			t.Fatalf("Put %s: %v", collection, err)
		}
	}
	read := func() map[string]any {
		t.Helper()
		s, err := c.WhereaboutsJSON(rid)
		if err != nil {
			t.Fatal(err)
		}
		var w map[string]any
		if err := json.Unmarshal([]byte(s), &w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	move := newID()
	// Through the seed's path, as the tablet's own rules require: planned,
	// the leg departed and arrived, in transit, arrived, completed.
	put("moves", move, map[string]any{"resident_id": rid, "from_service_id": home, "to_service_id": newHome, "status": "planned",
		"planned_at": "2026-11-24T10:00:00Z", "planned_arrival_at": "2026-11-24T10:45:00Z"})
	enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "transport_coordinator") // the day's legs are the coordinator's
	put("move_legs", newID(), map[string]any{"move_id": move, "sequence": 1, "departed_at": "2026-11-24T10:00:00Z", "arrived_at": "2026-11-24T10:40:00Z"})
	put("moves", move, map[string]any{"status": "in_transit"})
	put("moves", move, map[string]any{"status": "arrived"})
	put("moves", move, map[string]any{"status": "completed", "completed_at": "2026-11-24T10:45:00Z",
		"medication_travelling": true, "care_plan_handed_over": true, "identity_confirmed": true, "records_handed_over": true})
	enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "social_worker")
	if w := read(); w["kind"] != "service" || w["service_id"] != newHome || w["record_id"] != move || w["moved"] != true {
		t.Fatalf("after the move: %v", w)
	}
	put("resident_events", newID(), map[string]any{"resident_id": rid, "event": "hospital_admission", "occurred_at": "2026-11-25T10:00:00Z", "hospital": "Royal Derby"})
	if w := read(); w["kind"] != "hospital" || w["location"] != "Royal Derby" || w["since"] != "2026-11-25T10:00:00Z" {
		t.Fatalf("after the admission: %v", w)
	}
	if _, err := c.WhereaboutsJSON("not-a-uuid"); err == nil {
		t.Fatal("a bad id is refused")
	}
}
