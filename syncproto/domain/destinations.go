package domain

import (
	"fmt"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// destinationRule: a move's destination has no concerns the RAG tool's
// triggers name (CQC Inadequate, a safeguarding concern not yet resolved;
// 003 Appendix 2, 7.6) unless a commissioner records the destination
// override, and it has a place left for the resident's category of care
// (vacancies, 003 Appendix 2, 2.9 and 7.5) unless a commissioner records an
// over-booking override. It judges a move when it is created in any status
// but cancelled, re-pointed, given to another resident, revived from
// cancelled, or its overrides change; a move going on (planned, in transit,
// completed) keeps the place it took.
func destinationRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() || str(after, "status") == "cancelled" {
		return nil
	}
	revived := !isCreate(before) && str(before, "status") == "cancelled"
	if !isCreate(before) && !revived && !changed(before, after, "to_service_id", "resident_id",
		"destination_override_reason", "destination_override_role", "vacancy_override_reason", "vacancy_override_role") {
		// A move going on keeps the place it took and the judgement made
		// when it was planned; re-sending the same values changes nothing.
		return nil
	}
	if !system(ctx) {
		for _, f := range []string{"destination_override", "vacancy_override"} {
			if changed(before, after, f+"_reason", f+"_role") && str(after, f+"_reason") != "" && str(after, f+"_role") != ctx.Role {
				return syncproto.Errorf(rules.CodeOverrideNotPermitted, "fields."+f+"_role", "%s_role must be your role (%s): the override is recorded by the commissioner who makes it", f, ctx.Role)
			}
		}
	}
	if ctx.Lookup == nil {
		return nil
	}
	internal := syncproto.Errorf(syncproto.CodeInternal, "", "could not read the records this move's destination depends on")
	to := str(after, "to_service_id")
	dest, err := ctx.Lookup.Record("services", to)
	if err != nil {
		return internal
	}
	if !live(dest) {
		// An unknown destination is moveRule's (destination_unknown).
		return nil
	}
	facts, err := destinationFactsOf(ctx.Lookup, dest)
	if err != nil {
		return internal
	}
	dov := rules.DestinationOverride{Reason: str(after, "destination_override_reason"), Role: rules.Role(str(after, "destination_override_role"))}
	if e := violationError(rules.CheckDestinationTriggers(facts, dov)); e != nil {
		return e
	}
	res, err := ctx.Lookup.Record("residents", str(after, "resident_id"))
	if err != nil {
		return internal
	}
	cat := rules.RegistrationCategory(str(res, "registration_category"))
	if cat == "" {
		return nil
	}
	vacancies, placements, err := placesOf(ctx.Lookup, to)
	if err != nil {
		return internal
	}
	m := rules.Placement{MoveID: after.ID, ServiceID: to, Category: cat, Status: moveStatus(str(after, "status")), CompletedAt: instant(after, "completed_at")}
	vov := rules.VacancyOverride{Reason: str(after, "vacancy_override_reason"), Role: rules.Role(str(after, "vacancy_override_role"))}
	return violationError(rules.CheckVacancy(vacancies, placements, m, vov))
}

// changed reports whether any of the string fields differs between before
// and after.
func changed(before, after *syncproto.Record, fields ...string) bool {
	for _, f := range fields {
		if str(before, f) != str(after, f) {
			return true
		}
	}
	return false
}

// destinationFactsOf reads the concerns about a destination service that
// hold a move back: its CQC rating and the safeguarding concerns not yet
// resolved about it or about its provider as a whole.
func destinationFactsOf(l schema.Lookup, dest *syncproto.Record) (rules.DestinationFacts, error) {
	f := rules.DestinationFacts{ServiceID: dest.ID, CQCRating: str(dest, "cqc_rating")}
	provider := str(dest, "provider_id")
	if provider == "" {
		return f, nil
	}
	concerns, err := l.Find("concerns", "provider_id", jsonString(provider))
	if err != nil {
		return f, err
	}
	for _, c := range concerns {
		if !live(c) || str(c, "status") == "resolved" || str(c, "source") != "safeguarding" {
			continue
		}
		if sid := str(c, "service_id"); sid != "" && sid != dest.ID {
			continue
		}
		ref := str(c, "safeguarding_reference")
		if ref == "" {
			ref = "concern " + c.ID
		}
		f.UnresolvedSafeguarding = append(f.UnresolvedSafeguarding, ref)
	}
	return f, nil
}

// placesOf reads a service's vacancies and the moves to it, each with the
// category of care its resident needs.
func placesOf(l schema.Lookup, serviceID string) ([]rules.Vacancy, []rules.Placement, error) {
	vrecs, err := l.Find("vacancies", "service_id", jsonString(serviceID))
	if err != nil {
		return nil, nil, err
	}
	var vs []rules.Vacancy
	for _, v := range vrecs {
		if !live(v) {
			continue
		}
		accepting, _ := boolean(v, "accepting")
		var asOf time.Time
		if d := str(v, "as_of"); d != "" {
			asOf, _ = time.Parse(time.DateOnly, d)
		}
		vs = append(vs, rules.Vacancy{ID: v.ID, ServiceID: serviceID, Category: rules.RegistrationCategory(str(v, "category")),
			Places: integer(v, "places"), Accepting: accepting, AsOf: asOf})
	}
	if len(vs) == 0 {
		return nil, nil, nil
	}
	moves, err := l.Find("moves", "to_service_id", jsonString(serviceID))
	if err != nil {
		return nil, nil, err
	}
	var ps []rules.Placement
	for _, m := range moves {
		if !live(m) {
			continue
		}
		res, err := l.Record("residents", str(m, "resident_id"))
		if err != nil {
			return nil, nil, fmt.Errorf("resident of move %s: %w", m.ID, err)
		}
		ps = append(ps, rules.Placement{MoveID: m.ID, ServiceID: serviceID, Category: rules.RegistrationCategory(str(res, "registration_category")),
			Status: moveStatus(str(m, "status")), CompletedAt: instant(m, "completed_at")})
	}
	return vs, ps, nil
}
