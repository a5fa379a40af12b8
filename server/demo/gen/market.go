// This file writes the market the council knows (providers, services, vacancies) and the concerns that escalate.

package main

import (
	"fmt"
)

// ---- 2 November: the market as the council knows it ----

func (s *story) market() {
	b := s.b
	b.at(nov(2, 9, 0))
	for i, p := range providers {
		f := F{
			"name": p.name, "cqc_provider_id": fmt.Sprintf("1-10%08d", 4417+i*7919), "organisation_type": p.orgType,
			"head_office_address": p.hoAddress, "head_office_postcode": p.hoPostcode, "owner": p.owner,
			"contact_phone": fmt.Sprintf("01632 960%03d", 200+i), "contact_email": "office@" + p.key + ".example.org",
			"regulated": true, "contracted_la": true, "contracted_icb": p.key == "trentside" || p.key == "larkfield",
			"market_oversight": false, "local_authority_areas": p.areas, "bcp_exists": true, "bcp_viable": true,
			"contracting_suspended": false,
		}
		if p.key == "larkfield" {
			f["contact_name"] = "Carol Whitmore (registered manager)"
			f["nominated_individual"] = "Graham Pell"
			f["total_beds"] = 42
			f["market_oversight_risk"] = "amber"
		}
		b.put("providers", providerID(p.key), f)
	}
	for i, sv := range services {
		b.put("services", serviceID(sv.key), F{
			"provider_id": providerID(sv.provider), "name": sv.name, "service_type": sv.serviceType,
			"cqc_location_id": fmt.Sprintf("1-20%08d", 1187+i*6151), "address": sv.address, "town": sv.town,
			"postcode": sv.pc, "local_authority": sv.la, "area": sv.area, "registered_manager": sv.manager,
			"phone": fmt.Sprintf("01632 960%03d", 300+i), "email": "manager@" + sv.key + ".example.org",
			"regulated": true, "registration_categories": sv.cats, "beds": sv.beds, "cqc_rating": ratingBefore(sv),
			"cqc_rated_on": ratedOnBefore(sv), "contracted_la": true, "contracted_icb": sv.serviceType == "nursing",
			"contracting_suspended": false, "operating_status": "operating",
		})
	}
	for _, sv := range services {
		for _, v := range sv.vac {
			b.put("vacancies", vacancyID(sv.key, v.cat), F{
				"service_id": serviceID(sv.key), "category": v.cat, "places": v.places, "accepting": true,
				"area": sv.area, "as_of": "2026-11-02", "weekly_fee": v.fee,
			})
		}
	}
	// Larkfield's quality history: GREEN after last year's monitoring visit.
	b.put("rag_statuses", id("rag", "larkfield/1"), F{
		"provider_id": providerID("larkfield"), "service_id": serviceID("larkfield-house"), "status": "GREEN",
		"reason":     "Monitoring visit undertaken within past 18 months; audit actions addressed; nil concerns from GP or fieldworkers.",
		"decided_at": "2025-09-18T14:00:00Z", "decided_by": qmo, "decided_by_role": "quality_officer",
		"below_triggers_reason": "CQC's April 2025 report (requires improvement): every action of the provider's plan was checked complete at this visit; GREEN until CQC re-inspects.",
	})
}

// Larkfield was rated Requires improvement before CQC's November inspection.
func ratingBefore(sv svcRow) string {
	if sv.key == "larkfield-house" {
		return "requires_improvement"
	}
	return sv.rating
}

func ratedOnBefore(sv svcRow) string {
	if sv.key == "larkfield-house" {
		return "2025-04-09"
	}
	return sv.ratedOn
}

func vacancyID(serviceKey, cat string) string { return id("vacancy", serviceKey+"/"+cat) }

// ---- 2 to 11 November: concerns escalate ----

func (s *story) concerns() {
	b := s.b
	lp, lh := providerID("larkfield"), serviceID("larkfield-house")
	c1, c2, c3, c4, c5 := id("concern", "larkfield/1"), id("concern", "larkfield/2"), id("concern", "larkfield/3"), id("concern", "larkfield/4"), id("concern", "larkfield/5")

	b.at(nov(2, 10, 30))
	b.put("concerns", c1, F{
		"provider_id": lp, "service_id": lh, "source": "whistleblowing", "raised_on": "2026-11-02", "raised_by": "withheld (member of staff)",
		"description": "Night shifts repeatedly run with two carers for 42 residents; agency staff not turning up because invoices are unpaid.",
		"evidence":    "Rotas for the last three weeks supplied by the whistleblower.", "resolve_by": "2026-11-16", "status": "open",
	})
	b.at(nov(3, 11, 0))
	b.put("concerns", c2, F{
		"provider_id": lp, "source": "finance", "raised_on": "2026-11-03", "raised_by": "ASC Finance Team",
		"description": "Provider has asked for payment in advance and staff wages for October were paid late.",
		"evidence":    "Email from the provider's finance director dated 30 October.", "resolve_by": "2026-11-10", "status": "open",
	})
	b.at(nov(3, 15, 0))
	b.put("rag_statuses", id("rag", "larkfield/2"), F{
		"provider_id": lp, "service_id": lh, "previous_status": "GREEN", "status": "AMBER",
		"reason":     "High risk of moving to Red (soft intelligence): whistleblowing about staffing not yet resolved; financial pressures reported by Finance.",
		"decided_at": "2026-11-03T15:00:00Z", "decided_by": qmo, "decided_by_role": "quality_officer", "concern_ids": []string{c1, c2},
	})
	b.at(nov(5, 9, 45))
	b.put("concerns", c3, F{
		"provider_id": lp, "service_id": lh, "source": "safeguarding", "raised_on": "2026-11-05", "raised_by": "MASH",
		"description":            "Three safeguarding alerts in a week: missed time-critical medication and an unwitnessed fall not reported to family.",
		"safeguarding_reference": "MASH-2026-11-0412", "resolve_by": "2026-11-12", "status": "open",
	})
	b.at(nov(6, 16, 20))
	b.put("concerns", c4, F{
		"provider_id": lp, "service_id": lh, "source": "cqc", "raised_on": "2026-11-06", "raised_by": cqcManager,
		"description": "CQC inspected on 4 and 5 November; overall rating Inadequate; warning notices on staffing and safe care and treatment.",
		"resolve_by":  "2026-11-20", "status": "open",
	})
	b.put("services", lh, F{"cqc_rating": "inadequate", "cqc_rated_on": "2026-11-05"})
	b.at(nov(9, 10, 0))
	b.put("rag_statuses", id("rag", "larkfield/3"), F{
		"provider_id": lp, "service_id": lh, "previous_status": "AMBER", "status": "RED",
		"reason":     "CQC rating of Inadequate and warning notices; high level of safeguarding notifications; high risk of closure (financial pressures); final contract breach notice issued.",
		"decided_at": "2026-11-09T10:00:00Z", "decided_by": headCommission, "decided_by_role": "commissioner",
		"concern_ids": []string{c1, c2, c3, c4}, "market_oversight_risk": "red",
	})
	b.put("providers", lp, F{
		"contracting_suspended": true, "suspended_on": "2026-11-09", "market_oversight_risk": "red",
		"suspension_reason": "RED status: no new placements while the CQC warning notices and contract breach are outstanding.",
	})
	b.put("services", lh, F{"contracting_suspended": true})
	b.at(nov(11, 17, 10))
	b.put("concerns", c5, F{
		"provider_id": lp, "source": "provider", "raised_on": "2026-11-11", "raised_by": "Graham Pell (nominated individual)",
		"description": "Provider notified the council that joint administrators have been appointed and the home will close.",
		"status":      "open",
	})
	b.put("providers", lp, F{
		"insolvency_event": "administrator_appointed", "insolvency_event_on": "2026-11-11",
		"administrator":         "Kestrel Restructuring LLP, joint administrators (invented)",
		"administrator_contact": "Hannah Cross, 01632 960250, larkfield@kestrel.example.org", "bcp_viable": false,
	})
	for _, c := range []string{c1, c2, c3} {
		b.put("concerns", c, F{"status": "unresolved", "resolution": "Overtaken by the provider's business failure; managed under the incident."})
	}
}
