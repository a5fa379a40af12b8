// This file writes the list of residents and their safe and well checks.

package main

import (
	"fmt"
	"time"

	"github.com/continuity-care/continuity/syncproto/schema"
)

// ---- 12 November afternoon: the list of residents (3.1) ----

func (s *story) residentsList() {
	b := s.b
	b.at(nov(12, 16, 45))
	nhs := nhsNumbers(len(residents))
	phone := 0
	for i, r := range residents {
		f := F{
			"incident_id": incidentID, "given_name": r.given, "family_name": r.family, "date_of_birth": r.dob,
			"nhs_number": nhs[i], "current_service_id": serviceID("larkfield-house"), "room": fmt.Sprint(i + 1),
			"admitted_on": admitted(i, r), "status": "in_placement", "registration_category": r.cat, "funding_stream": r.funding,
			"case_reference": fmt.Sprintf("LL%06d", 410200+i*37), "weekly_fee": feesByFunding[r.funding],
			"needs_summary": needs(i, r.cat), "very_frail": r.frail, "end_of_life": r.eol, "assess_early": r.early,
			"wishes_to_move_early": r.movesEarly, "gp": gps[i%len(gps)], "medication_summary": medicationByCategory[r.cat],
			"advocacy_needed": r.advocacy, "dols_status": schema.DoLSNone,
		}
		if r.preferred != "" {
			f["preferred_name"] = r.preferred
		}
		switch r.funding {
		case schema.FundingLAFunded:
			f["placing_authority"] = derby
		case schema.FundingOutOfArea, schema.FundingS117:
			f["placing_authority"] = r.placing
		}
		switch r.funding {
		case schema.FundingNHSCHC:
			f["chc_status"] = "eligible"
		case schema.FundingFNC:
			f["chc_status"] = "not_eligible"
		}
		if i == rCyril {
			f["chc_status"] = "checklist_positive"
		}
		if r.early {
			f["assess_early_reason"] = "Becomes very anxious with change; assess early and with a familiar member of staff."
		}
		if r.advocacy {
			f["advocate"] = "Derwent Advocacy (invented), referral made 12 November"
		}
		if r.group != "" {
			f["friendship_group"] = r.group
		}
		if r.dols {
			f["dols_status"] = schema.DoLSAuthorised
			f["dols_expiry"] = fmt.Sprintf("2027-%02d-%02d", 1+i%12, 1+i%28)
			f["dols_supervisory_body"] = derby
			if len(r.kin) > 0 {
				f["dols_representative"] = r.kin[0].name + " (" + r.kin[0].rel + ")"
			} else {
				f["dols_representative"] = imcaName + ", paid representative, " + imcaOrg
				f["dols_imca"] = imcaName
			}
		}
		if len(r.lpa) > 0 {
			var l []schema.PowerOfAttorney
			for _, a := range r.lpa {
				l = append(l, schema.PowerOfAttorney{Kind: a.kind, Name: a.name, Relationship: a.rel, RegisteredOn: a.on, Seen: a.kind != dpa})
			}
			f["lpa"] = l
		}
		if len(r.kin) > 0 {
			var cs []schema.Carer
			for k, c := range r.kin {
				phone++
				cs = append(cs, schema.Carer{
					Name: c.name, Relationship: c.rel, Phone: fmt.Sprintf("07700 900%03d", phone), Postcode: c.pc,
					NextOfKin: k == 0, MainContact: k == 0, OutOfArea: c.away, OwnNeeds: c.needs,
				})
			}
			f["carers"] = cs
		}
		switch r.cat {
		case "nursing":
			f["equipment"] = []schema.Equipment{
				{Item: "pressure-relieving mattress", Owner: "nhs", Transferable: true},
				{Item: "profiling bed", Owner: "provider", Transferable: false},
			}
		case "residential":
			if i%3 == 0 {
				f["equipment"] = []schema.Equipment{{Item: "wheelchair", Owner: "resident", Transferable: true}}
			}
		}
		if i == rAlbert {
			f["communication_needs"] = "Hard of hearing; hearing aids in both ears."
		}
		b.put("residents", residentID(i), f)
	}
	b.at(nov(12, 17, 30))
	for _, r := range []struct {
		key, risk, level, mitigation, owner string
		resident                            int
	}{
		{"staffing", "Staff leave before residents are moved, leaving unsafe staffing at night.", "very_high", "Agency staffing funded to 4 December; retention payment agreed with administrators; daily staffing check.", seniorQMO, -1},
		{"medication", "Pharmacy supplies stop because invoices are unpaid.", "high", "Council pays the pharmacy directly; MAR charts audited daily.", headSafeguard, -1},
		{"confidentiality", "News of the failure leaks before families are told.", "medium", "Scripts ready; families told in person on 13 November; press statement held.", commsLead, -1},
		{"end-of-life", "A person nearing the end of life is moved when a move would harm them.", "high", "Exceptional arrangements for very frail residents (3.5); GP review before any move.", chcLead, rCyril},
	} {
		f := F{
			"incident_id": incidentID, "raised_at": "2026-11-12T17:30:00Z", "risk": r.risk, "level": r.level,
			"mitigation": r.mitigation, "owner": r.owner, "status": "open", "review_by": "2026-11-16", "recorded_by": adminLead,
		}
		if r.resident >= 0 {
			f["resident_id"] = residentID(r.resident)
		}
		b.put("risk_log", id("risk", r.key), f)
	}
	s.tick("2.2", nov(12, 17, 30), "done", "LC", "42 residents: 22 LA-funded, 9 self-funders, 4 FNC, 3 CHC, 2 out of area, 1 s117, 1 preserved rights.")
	s.tick("3.1", nov(12, 17, 30), "done", "LC", "List confirmed with the registered manager; three friendship groups.")
	s.tick("3.3", nov(12, 17, 30), "done", "LC", "")
	s.tick("3.10", nov(12, 17, 30), "in_progress", "KA", "Five residents with standard DoLS authorisations; DoLS Team told.")
	s.tick("4.3", nov(12, 17, 30), "done", "LC", "22 LA-funded, 1 s117.")
	s.tick("4.6", nov(12, 17, 30), "done", "LC", "One resident with preserved rights.")
}

func admitted(i int, r resRow) string {
	if r.funding == schema.FundingDWPPreservedRights {
		return "1991-06-03"
	}
	return fmt.Sprintf("%d-%02d-%02d", 2016+i%10, 1+(i*5)%12, 1+(i*11)%28)
}

func needs(i int, cat string) string {
	l := needsByCategory[cat]
	return l[i%len(l)]
}

// ---- 13 November: safe and well checks for everyone ----

func (s *story) checks() {
	b := s.b
	b.at(nov(13, 9, 0))
	b.put("communications_log", id("comms", "families-1"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-13T09:00:00Z", "channel": "in_person", "direction": "outgoing",
		"party": "family", "with_whom": "Families and next of kin (meetings and calls through the day)",
		"summary":     "Told families that Larkfield House will close by 4 December, that everyone will be helped to move somewhere that meets their needs, and that friendship groups will be kept together where possible.",
		"recorded_by": commsLead,
	})
	for _, pa := range []struct{ key, authority, resident string }{
		{"notts", "Nottinghamshire County Council", "Eileen Pargeter"},
		{"staffs", "Staffordshire County Council", "Thomas Ackroyd"},
	} {
		b.put("communications_log", id("comms", "placing-"+pa.key), F{
			"incident_id": incidentID, "occurred_at": "2026-11-13T09:30:00Z", "channel": "email", "direction": "outgoing",
			"party": "placing_authority", "with_whom": pa.authority,
			"summary":     "Told the placing authority of the closure (4.2) and asked whether it wants the JISG to act on its behalf to relocate " + pa.resident + ".",
			"recorded_by": seniorQMO,
		})
	}
	slot := nov(13, 9, 30)
	for i, r := range residents {
		sw := socialWorkers[i%len(socialWorkers)]
		visited := slot.Add(time.Duration(i/len(socialWorkers)) * 30 * time.Minute)
		b.at(visited.Add(20 * time.Minute))
		f := F{
			"incident_id": incidentID, "resident_id": residentID(i), "visited_at": ts(visited), "outcome": "safe_and_well",
			"visitor_name": sw.name, "visitor_role": "Social worker", "location": "Larkfield House, room " + fmt.Sprint(i+1),
			"seen": true, "feels_safe": "yes", "wellbeing": "Settled; aware the home is closing.", "physical": "No new concerns.",
			"environment": "Room clean and warm.", "medication": "MAR chart up to date.", "nutrition_hydration": "Eating and drinking well.",
			"belongings_equipment": "Belongings listed for the move.", "family_informed": len(r.kin) > 0,
			"follow_up_due": "2026-11-20",
		}
		if r.cat == "residential_dementia" {
			f["feels_safe"] = "unable_to_say"
			f["wellbeing"] = "Content in familiar surroundings; did not follow the news of the closure."
		}
		switch i {
		case rFrank:
			f["outcome"] = "concerns"
			f["feels_safe"] = "unsure"
			f["in_own_words"] = "I've been here six years. Nobody tells us anything and the night staff keep changing."
			f["wellbeing"] = "Tearful and worried about the move; daughter lives in Sheffield."
			f["action_items"] = []schema.ActionItem{{Action: "Call his daughter today and agree a visit", Owner: sw.name, DueOn: "2026-11-13"}}
			f["follow_up_due"] = "2026-11-16"
		case rCyril:
			f["outcome"] = "concerns"
			f["physical"] = "Very frail; weight down 3 kg in a month; sleeping most of the day."
			f["risks"] = "Moving him could be harmful; nearing the end of life."
			f["action_items"] = []schema.ActionItem{{Action: "GP and CHC fast-track review before any move", Owner: chcLead, DueOn: "2026-11-16"}}
			f["follow_up_due"] = "2026-11-16"
		case rAlbert:
			f["outcome"] = "concerns"
			f["physical"] = "Grade 2 pressure ulcer on the sacrum, not recorded in his care plan."
			f["safeguarding_raised"] = true
			f["s42_reference"] = "S42-2026-0931"
			f["risks"] = "Neglect of pressure care."
			f["action_items"] = []schema.ActionItem{
				{Action: "District nurse visit", Owner: "Larkfield House nurse in charge", DueOn: "2026-11-13"},
				{Action: "Safeguarding referral to MASH", Owner: sw.name, DueOn: "2026-11-13", Done: true},
			}
			f["follow_up_due"] = "2026-11-14"
		case rVera:
			f["outcome"] = "not_seen"
			f["seen"] = false
			delete(f, "feels_safe")
			f["location"] = "Royal Derby Hospital, ward 306"
			f["observations"] = "Admitted to hospital on 12 November with a chest infection; not seen."
			for _, k := range []string{"wellbeing", "physical", "environment", "medication", "nutrition_hydration", "belongings_equipment"} {
				delete(f, k)
			}
			f["follow_up_due"] = "2026-11-17"
		}
		b.put("safe_and_well_checks", id("check", residentID(i)+"/1"), f)
		if i == rVera {
			b.put("residents", residentID(i), F{"status": "in_hospital", "notes": "In Royal Derby Hospital since 12 November; discharge plan to be agreed with the ICB."})
		}
	}
	s.tick("3.5", nov(13, 17, 0), "in_progress", "AM", "Cyril Naylor and Vera Goodall: exceptional arrangements; no move until GP and CHC review.")
	s.tick("3.6", nov(13, 17, 0), "done", "KA", "Alice Brindley and Eileen Pargeter wish to move early.")
	s.tick("3.7", nov(13, 17, 0), "done", "KA", "Derek Lomas and Norman Hepworth to be assessed first.")
	// 4.2 is shown done by the placing authorities' notifications
	// (automatic evidence), recorded on the 19th; until then it is under way.
	s.tick("4.2", nov(13, 17, 0), "in_progress", "GW", "Nottinghamshire and Staffordshire told; both ask the JISG to act for them.")
	s.tick("5.1", nov(13, 17, 0), "done", "LC", "")
	s.tick("2.16", nov(13, 17, 0), "in_progress", "SK", "Families told in person on 13 November.")
	// 2.16 needs its evidence linked: the record of telling the families.
	b.put("checklist_items", checklistID("2.16"), F{"status": "done", "completed_on": "2026-11-13",
		"evidence": []schema.Evidence{{Collection: "communications_log", RecordID: id("comms", "families-1"), Note: "Families told in person"}}})
	// 2.19 the scripts: the lead officer set the date the PFM meeting
	// agreed (13 November); still not done, so overdue.
	b.put("checklist_items", checklistID("2.19"), F{"status": "in_progress", "officer_initials": "SK", "due_on": "2026-11-13",
		"notes": "Press script drafted; staff script waiting for the administrators."})
}
