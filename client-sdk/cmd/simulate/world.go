package main

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// world is what the council knows when the teams go on site: the incident,
// the closing home, its residents and the services with places.
type world struct {
	incident  string
	home      string // the closing service
	homeName  string
	residents []person // sorted by id
	byID      map[string]person
	services  map[string]service
	dests     []service // other services moves may go to, sorted by id
}

// person is a resident as the scenario has them.
type person struct {
	id, given, family, room, category, funding, status, current string
}

func (p person) name() string { return p.given + " " + p.family }

// service is a care service.
type service struct {
	id, name, manager string
	categories        []string
	usable            bool // registered, and contracting not suspended
}

func (s service) offers(category string) bool { return slices.Contains(s.categories, category) }

// loadWorld reads the scenario file.
func loadWorld(path string) (*world, error) {
	sc, err := demo.Load(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	st, err := demo.Apply(sc)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	w := &world{incident: sc.IncidentID, byID: map[string]person{}, services: map[string]service{}}
	if inc := st.Record("incidents", sc.IncidentID); inc != nil {
		var ids []string
		_ = json.Unmarshal(inc.Value("service_ids"), &ids)
		if len(ids) > 0 {
			w.home = ids[0]
		}
	}
	str := func(r *syncproto.Record, f string) string { return schema.StringValue(r, f) }
	flag := func(r *syncproto.Record, f string) bool {
		var b bool
		if r != nil {
			_ = json.Unmarshal(r.Value(f), &b)
		}
		return b
	}
	for _, r := range st.Records("services") {
		s := service{id: r.ID, name: str(r, "name"), manager: str(r, "registered_manager")}
		_ = json.Unmarshal(r.Value("registration_categories"), &s.categories)
		prov := st.Record("providers", str(r, "provider_id"))
		s.usable = flag(r, "regulated") && !flag(r, "contracting_suspended") && !flag(prov, "contracting_suspended")
		w.services[s.id] = s
	}
	if h, ok := w.services[w.home]; ok {
		w.homeName = h.name
	} else {
		return nil, fmt.Errorf("scenario %s: the incident names no known service", path)
	}
	for _, s := range sortedServices(w.services) {
		if s.id != w.home && s.usable {
			w.dests = append(w.dests, s)
		}
	}
	for _, r := range st.Records("residents") {
		if str(r, "incident_id") != sc.IncidentID {
			continue
		}
		p := person{id: r.ID, given: str(r, "given_name"), family: str(r, "family_name"), room: str(r, "room"),
			category: str(r, "registration_category"), funding: str(r, "funding_stream"), status: str(r, "status"),
			current: str(r, "current_service_id")}
		w.residents = append(w.residents, p)
		w.byID[p.id] = p
	}
	if len(w.residents) == 0 {
		return nil, fmt.Errorf("scenario %s has no residents in incident %s", path, sc.IncidentID)
	}
	return w, nil
}

func sortedServices(m map[string]service) []service {
	out := make([]service, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b service) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	return out
}
