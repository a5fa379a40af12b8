package rules

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// DestinationFacts are the concerns about a destination service that the
// RAG tool's RED and AMBER triggers name and that hold a move back (003
// Appendix 2, 7.6).
type DestinationFacts struct {
	ServiceID string // the destination service
	// CQCRating is the service's CQC overall rating ("inadequate", …).
	CQCRating string
	// UnresolvedSafeguarding are references (MASH or s.42, or the concern's
	// id) of safeguarding concerns not yet resolved about the service or
	// about its provider as a whole.
	UnresolvedSafeguarding []string
}

// CheckDestinationTriggers checks that there are no concerns about the
// receiving provider (003 Appendix 2, 7.6: "Liase with CQC, NHS, DCC and
// other local authority staff to ensure there are no concerns about the Care
// Provider"): the destination is not rated Inadequate by CQC ("CQC Rating of
// Inadequate and/or Warning Notices", a RED indicator of 003 Appendix 1) and
// has no safeguarding concern not yet resolved ("Safeguarding's / Whistle
// blows (not yet resolved)"), unless a commissioner records an override with
// its reason, as for a RED or suspended destination
// (CheckDestinationConcerns). An override recorded by any other role is
// refused (override_not_permitted).
func CheckDestinationTriggers(d DestinationFacts, o DestinationOverride) Violations {
	var vs Violations
	if !blank(o.Reason) && o.Role != RoleCommissioner {
		vs = append(vs, violation(CodeOverrideNotPermitted, "destination_override_reason", "only a commissioner (Head of Adults Commissioning) may override concerns about a destination provider, not %s (003 Appendix 2, 7.6)", o.Role))
	}
	if !blank(o.Reason) && o.Role == RoleCommissioner {
		return vs
	}
	if strings.EqualFold(strings.TrimSpace(d.CQCRating), "inadequate") {
		vs = append(vs, violation(CodeDestinationCQCInadequate, "to_service_id", "service %s is rated Inadequate by CQC (\"CQC Rating of Inadequate and/or Warning Notices\" is a RED indicator, 003 Appendix 1); a commissioner may record an override with its reason (003 Appendix 2, 7.6 \"ensure there are no concerns about the Care Provider\")", d.ServiceID))
	}
	if len(d.UnresolvedSafeguarding) > 0 {
		vs = append(vs, violation(CodeDestinationSafeguarding, "to_service_id", "service %s has a safeguarding concern not yet resolved (%s; \"Safeguarding's / Whistle blows (not yet resolved)\", 003 Appendix 1); a commissioner may record an override with its reason (003 Appendix 2, 7.6 \"ensure there are no concerns about the Care Provider\")", d.ServiceID, strings.Join(d.UnresolvedSafeguarding, ", ")))
	}
	return vs
}

// Vacancy is a service's declared places in one category of care.
type Vacancy struct {
	ID        string               // the vacancy record's id
	ServiceID string               // the service with the places
	Category  RegistrationCategory // the category of care
	// Places is the number of places the service offers for new
	// placements, as confirmed on AsOf. Places reserved by moves still
	// planned are not netted out of it: those moves use the places.
	Places int
	// Accepting: the service is accepting placements now; when false it
	// has no places to offer.
	Accepting bool
	// AsOf is the day the figure was confirmed (zero when not known). A
	// person who moved in before that day is already in the home and not
	// among its free places.
	AsOf time.Time
}

// Placement is a move as it uses a destination's places.
type Placement struct {
	MoveID    string               // the move's id
	ServiceID string               // its destination
	Category  RegistrationCategory // the category of care the resident needs
	Status    MoveStatus           // planned, in progress, completed or cancelled
	// CompletedAt is when a completed move handed the person over (zero
	// when not recorded).
	CompletedAt time.Time
}

// VacancyOverride is a commissioner's recorded decision to place a
// resident beyond the places a service declared.
type VacancyOverride struct {
	Reason string // why; blank means no override
	Role   Role   // who recorded it
}

// Places is what is left of a service's places in one category.
type Places struct {
	// Known: the service has declared places in the category (a vacancy
	// record); when false nothing is known and nothing is counted.
	Known bool
	// Declared is the sum of the places of its accepting vacancies.
	Declared int
	// Accepting: at least one of its vacancies is accepting placements.
	Accepting bool
	// AsOf is the latest day the figures were confirmed.
	AsOf time.Time
	// Used counts the moves using the places; Left is Declared - Used (may
	// be negative when over-booked by override).
	Used, Left int
	// MoveIDs are the moves counted in Used, in the order given.
	MoveIDs []string
}

// Uses reports whether a placement takes one of the places of a service's
// category confirmed on asOf: a move to the service, for a resident who
// needs the category, that is not cancelled. A move completed before the
// day the figure was confirmed does not: that person is already in the home.
func (p Placement) Uses(service string, cat RegistrationCategory, asOf time.Time) bool {
	if p.ServiceID != service || normCategory(p.Category) != normCategory(cat) || p.Status == MoveCancelled {
		return false
	}
	if p.Status == MoveCompleted && !p.CompletedAt.IsZero() && !asOf.IsZero() {
		y, m, d := p.CompletedAt.In(londonZone()).Date()
		ay, am, ad := asOf.Date()
		if time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Before(time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)) {
			return false
		}
	}
	return true
}

// PlacesLeft is what is left of a service's places in one category: the
// places of its accepting vacancies in the category less the placements
// that use them (Placement.Uses).
func PlacesLeft(vacancies []Vacancy, placements []Placement, service string, cat RegistrationCategory) Places {
	var p Places
	for _, v := range vacancies {
		if v.ServiceID != service || normCategory(v.Category) != normCategory(cat) {
			continue
		}
		p.Known = true
		if v.Accepting {
			p.Accepting = true
			p.Declared += max(v.Places, 0)
		}
		if v.AsOf.After(p.AsOf) {
			p.AsOf = v.AsOf
		}
	}
	if !p.Known {
		return p
	}
	for _, pl := range placements {
		if pl.Uses(service, cat, p.AsOf) {
			p.Used++
			p.MoveIDs = append(p.MoveIDs, pl.MoveID)
		}
	}
	p.Left = p.Declared - p.Used
	return p
}

// CheckVacancy checks that a move does not over-book its destination: the
// places the service declared for the resident's category (vacancies), less
// those used by the other moves there that are planned, in progress or
// completed (not cancelled), must leave one for this move (003 Appendix 2,
// 2.9 "Seek an up-to-date list of other Providers with potential capacity";
// 7.5 "Ensure new provider is registered for the category of care required
// and can meet needs"). A service with no vacancy record for the category
// is not judged: nothing is known of its places. An over-booking is allowed
// only when a commissioner records an override with its reason; an override
// recorded by any other role is refused (override_not_permitted).
func CheckVacancy(vacancies []Vacancy, others []Placement, m Placement, o VacancyOverride) Violations {
	var vs Violations
	if !blank(o.Reason) && o.Role != RoleCommissioner {
		vs = append(vs, violation(CodeOverrideNotPermitted, "vacancy_override_reason", "only a commissioner (Head of Adults Commissioning or a Lead Commissioner) may place beyond a service's vacancies, not %s", o.Role))
	}
	if m.Status == MoveCancelled || (!blank(o.Reason) && o.Role == RoleCommissioner) {
		return vs
	}
	var rest []Placement
	for _, p := range others {
		if p.MoveID != m.MoveID {
			rest = append(rest, p)
		}
	}
	p := PlacesLeft(vacancies, rest, m.ServiceID, m.Category)
	if !p.Known || !m.Uses(m.ServiceID, m.Category, p.AsOf) || p.Left > 0 {
		return vs
	}
	asOf := ""
	if !p.AsOf.IsZero() {
		asOf = " as of " + p.AsOf.Format(time.DateOnly)
	}
	what := fmt.Sprintf("has %d place(s) for %s%s and %d are taken by planned or completed moves", p.Declared, m.Category, asOf, p.Used)
	if !p.Accepting {
		what = fmt.Sprintf("is not accepting placements for %s%s", m.Category, asOf)
	}
	return append(vs, violation(CodeVacancyOverbooked, "to_service_id",
		"service %s %s: no place is left for this move; a commissioner may record an over-booking override with its reason (003 Appendix 2, 2.9 \"an up-to-date list of other Providers with potential capacity\"; 7.5 \"can meet needs\")",
		m.ServiceID, what))
}

// londonZone is Europe/London (UTC if it cannot be loaded; the zone
// database is embedded, so it can).
var londonZone = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation(LondonZone)
	if err != nil {
		return time.UTC
	}
	return loc
})
