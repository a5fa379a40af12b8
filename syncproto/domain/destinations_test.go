package domain

import (
	"testing"

	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/google/uuid"
)

// TestRegistry_DestinationVacancies: a move takes a place when it is
// planned, re-pointed or revived, and keeps it while it goes on, even if the
// home's figure drops; the server's own writes (the demo) are judged too.
func TestRegistry_DestinationVacancies(t *testing.T) {
	w := newWorld(t)
	lark, oak, belper, inc := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	prov := uuid.NewString()
	vac := uuid.NewString()
	w.put("admin", "providers", prov, map[string]any{"name": "Care Ltd", "regulated": true})
	for _, s := range []string{lark, oak, belper} {
		w.put("admin", "services", s, map[string]any{"provider_id": prov, "name": "Home " + s[:4], "service_type": "residential", "regulated": true,
			"registration_categories": []string{"residential"}})
	}
	r1, r2, m1, m2 := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	for _, r := range []string{r1, r2} {
		w.put("social_worker", "residents", r, map[string]any{"incident_id": inc, "given_name": "A", "family_name": "B", "current_service_id": lark, "registration_category": "residential"})
	}
	move := func(resident, to, at string) map[string]any {
		return map[string]any{"incident_id": inc, "resident_id": resident, "from_service_id": lark, "to_service_id": to, "status": "planned",
			"planned_at": "2026-11-24T" + at + ":00:00Z", "chosen_by": "resident"}
	}
	w.run(t, []step{
		{"Oakwood declares one residential place", "commissioner", "vacancies", vac, map[string]any{"service_id": oak, "category": "residential", "places": 1, "accepting": true, "as_of": "2026-11-23"}, "applied"},
		{"the first move takes it", "social_worker", "moves", m1, move(r1, oak, "10"), "applied"},
		{"003 App.2 2.9 the second finds none left", "social_worker", "moves", m2, move(r2, oak, "11"), "vacancy_overbooked@fields.to_service_id"},
		{"the server's own writes are judged too", access.System, "moves", m2, move(r2, oak, "11"), "vacancy_overbooked@fields.to_service_id"},
		{"Oakwood is now full", "commissioner", "vacancies", vac, map[string]any{"places": 0}, "applied"},
		{"the first move, re-sent whole with its transport, keeps its place", "social_worker", "moves", m1, map[string]any{"to_service_id": oak, "resident_id": r1, "transport": "car"}, "applied"},
		{"and goes on its way", "transport_coordinator", "moves", m1, map[string]any{"status": "in_transit"}, "applied"},
		{"a move to a home with no vacancy record is not judged", "social_worker", "moves", m2, move(r2, belper, "11"), "applied"},
		{"re-pointing it to the full home is", "social_worker", "moves", m2, map[string]any{"to_service_id": oak}, "vacancy_overbooked@fields.to_service_id"},
	})
}
