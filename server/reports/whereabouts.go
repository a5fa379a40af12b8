package reports

import (
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/rules"
)

// derived works out every resident's whereabouts with
// rules.DeriveWhereabouts, from the same records the server's effect reads
// (moves and their legs, move corrections, resident events and their
// corrections), once per index.
func (ix *index) derived() map[string]rules.Location {
	if ix.places != nil {
		return ix.places
	}
	legs := map[string][]*syncproto.Record{}
	for _, lg := range ix.all("move_legs") {
		legs[str(lg, "move_id")] = append(legs[str(lg, "move_id")], lg)
	}
	facts := map[string]*rules.WhereaboutsFacts{}
	of := func(rid string) *rules.WhereaboutsFacts {
		f := facts[rid]
		if f == nil {
			f = &rules.WhereaboutsFacts{}
			facts[rid] = f
		}
		return f
	}
	for _, m := range ix.all("moves") {
		f := of(str(m, "resident_id"))
		f.Moves = append(f.Moves, domain.WhereaboutsMoveOf(m, legs[m.ID]))
	}
	for _, c := range ix.all(domain.MoveCorrections) {
		f := of(str(c, "resident_id"))
		f.Corrections = append(f.Corrections, domain.MoveCorrectionOf(c))
	}
	for _, e := range ix.all("resident_events") {
		f := of(str(e, "resident_id"))
		f.Events = append(f.Events, domain.ResidentEventOf(e))
	}
	ix.places = map[string]rules.Location{}
	for _, r := range ix.all("residents") {
		f := of(r.ID)
		f.Placement = str(r, "current_service_id")
		ix.places[r.ID] = rules.DeriveWhereabouts(*f)
	}
	return ix.places
}

// effectiveEvents are the incident's resident events that stand after their
// corrections (a corrected death no longer counts; its correction does).
func effectiveEvents(ix *index) []*syncproto.Record {
	var all []rules.ResidentEvent
	for _, e := range ix.all("resident_events") {
		all = append(all, domain.ResidentEventOf(e))
	}
	var out []*syncproto.Record
	for _, e := range rules.EffectiveEvents(all) {
		out = append(out, ix.get("resident_events", e.ID))
	}
	return out
}

// voidedMoves are the moves a correction says did not happen.
func voidedMoves(ix *index) map[string]bool {
	out := map[string]bool{}
	for _, c := range ix.all(domain.MoveCorrections) {
		if rules.CorrectionKind(str(c, "kind")) == rules.CorrectionVoid {
			out[str(c, "move_id")] = true
		}
	}
	return out
}

// placeOf is where one resident is now: derived from the records that say
// so when there are any (rules.DeriveWhereabouts), else as the residents
// record reads.
func placeOf(ix *index, r *syncproto.Record, transit map[string]bool) rules.Place {
	w, ok := ix.derived()[r.ID]
	if !ok || !w.Derived {
		return rules.Whereabouts(str(r, "status"), str(r, "current_service_id"), str(r, "current_location"), transit[r.ID])
	}
	switch w.Kind {
	case rules.PlaceDeceased:
		return rules.Place{Kind: "deceased"}
	case rules.PlaceHospital:
		return rules.Place{Kind: "hospital", ServiceID: w.ServiceID, Location: w.Location}
	case rules.PlaceService:
		if transit[r.ID] {
			return rules.Place{Kind: "in_transit", ServiceID: w.ServiceID}
		}
		return rules.Place{Kind: "service", ServiceID: w.ServiceID}
	}
	return rules.Place{Kind: "unknown"}
}

// movedToNewHome reports whether a resident at a service is at a new home:
// a move took them there (derived), or, with nothing derived, their record
// says moved or names a service that is not one of the incident's failing
// ones when the incident lists them.
func movedToNewHome(ix *index, r *syncproto.Record, p rules.Place, failing map[string]bool) bool {
	if w, ok := ix.derived()[r.ID]; ok && w.Derived {
		return w.Moved
	}
	if str(r, "status") == statusMoved {
		return true
	}
	return len(failing) > 0 && !failing[p.ServiceID] && !ix.incidentProviderService(p.ServiceID)
}

// incidentProviderService reports whether a service is one of the failing
// provider's.
func (ix *index) incidentProviderService(id string) bool {
	prov := str(ix.incident(), "provider_id")
	return prov != "" && str(ix.get("services", id), "provider_id") == prov
}
