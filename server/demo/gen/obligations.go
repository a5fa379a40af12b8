package main

// obligations records a few of each of the seed's obligations beyond the
// checklist (003 s.3, s.10, s.11, Schedule B; Appendix 2, 2.9, 2.12, 2.16,
// 2.19, 4.5, 4.10, 8.1, 10.3), part-way through the closure: the s.10
// leads told and acknowledged, CQC told; a payment to the administrators
// made on a written agreement and one withheld; a cost recovery from
// Eileen's placing authority; lead workers for some residents; petty cash
// held and one handed over at a move; a complaint open and a dispute
// resolved; a referral to the SAB considered early and left for the
// de-brief.
func (s *story) obligations() {
	b := s.b
	b.at(nov(21, 14, 0))
	// s.10: the leads told by telephone, confirmed by email, acknowledged.
	for _, n := range []struct{ key, kind, who, ackBy, ackKind, at, wrote, ack string }{
		{"head-of-commissioning", "head_of_commissioning", headCommission + ", Head of Commissioning and Market Management", headCommission, "lead", "2026-11-11T16:10:00Z", "2026-11-11T16:25:00Z", "2026-11-11T16:12:00Z"},
		{"service-director", "service_director", director + ", Service Director Integration and Direct Services", "Deputy Service Director", "nominated_deputy", "2026-11-11T16:15:00Z", "2026-11-11T16:25:00Z", "2026-11-11T16:40:00Z"},
		{"head-of-safeguarding", "head_of_safeguarding", headSafeguard + ", Head of Safeguarding Adults and Professional Standards", headSafeguard, "lead", "2026-11-12T09:00:00Z", "2026-11-12T09:20:00Z", "2026-11-12T09:05:00Z"},
	} {
		b.put("notifications", id("notification", n.key), F{
			"incident_id": incidentID, "recipient_kind": n.kind, "recipient": n.who, "notified_at": n.at, "notified_by": seniorQMO, "channel": "phone",
			"confirmed_in_writing_at": n.wrote, "acknowledged_by": n.ackBy, "acknowledged_by_kind": n.ackKind, "acknowledged_at": n.ack,
			"summary": "Administrators appointed at Larkfield House; the home will close.",
		})
	}
	b.put("notifications", id("notification", "cqc"), F{
		"incident_id": incidentID, "recipient_kind": "cqc", "recipient": cqcManager + ", CQC inspection manager", "notified_at": "2026-11-12T11:30:00Z",
		"notified_by": seniorQMO, "channel": "email", "summary": "Provider failure activated; residents' moves to be planned.",
	})
	b.put("notifications", id("notification", "icb"), F{
		"incident_id": incidentID, "recipient_kind": "nhs", "recipient": chcLead + ", ICB CHC lead", "notified_at": "2026-11-12T11:45:00Z",
		"notified_by": seniorQMO, "channel": "phone", "acknowledged_by": chcLead, "acknowledged_by_kind": "lead", "acknowledged_at": "2026-11-12T11:45:00Z",
	})

	// The Communications Plan (2.16, 2.19).
	b.put("communication_plans", id("comms", "families"), F{
		"incident_id": incidentID, "audience": "families_carers", "told_by": "Each resident's lead worker", "method": "in_person",
		"planned_at": "2026-11-13T14:00:00Z", "script": "Larkfield House will close. Nobody has to leave this week; we will help you choose a new home.",
		"script_agreed_by": commsLead, "status": "done", "done_at": "2026-11-13T16:00:00Z",
	})
	b.put("communication_plans", id("comms", "provider-staff"), F{
		"incident_id": incidentID, "audience": "provider_staff", "told_by": "The administrators with " + headCommission, "method": "meeting",
		"planned_at": "2026-11-13T10:00:00Z", "script_agreed_by": commsLead, "status": "done", "done_at": "2026-11-13T11:00:00Z",
	})
	b.put("communication_plans", id("comms", "press"), F{
		"incident_id": incidentID, "audience": "press", "told_by": commsLead, "method": "press_release", "planned_at": "2026-11-24T09:00:00Z", "status": "draft",
	})

	// Staffing and agency cover (Schedule B, 2.9).
	b.put("staffing_cover", id("staffing", "week-1"), F{
		"incident_id": incidentID, "service_id": serviceID("larkfield-house"), "recorded_at": "2026-11-16T08:00:00Z", "cover_kind": "agency",
		"staff_in_post": 21, "staff_needed": 28, "agency_name": "Derwent Care Staffing (invented)", "agency_contact": "01632 960300",
		"agency_acceptable": true, "shifts_covered": 24, "gaps": "Night nurse on Saturday", "recorded_by": qmo,
	})

	// Payments (s.11) and cost recovery (s.3).
	b.put("payments", id("payment", "agency-week-1"), F{
		"incident_id": incidentID, "kind": "to_administrator", "party": "Kestrel Restructuring LLP (invented)", "amount": 18400.0,
		"purpose": "Agency staff at Larkfield House, week of 16 November", "service_id": serviceID("larkfield-house"), "status": "paid",
		"written_agreement_ref": "DCC-LH-WA-01", "written_agreement_on": "2026-11-14", "agreement_signed_by": "Hannah Cross, joint administrator",
		"paid_on": "2026-11-20", "recorded_by": headCommission,
	})
	b.put("payments", id("payment", "utilities"), F{
		"incident_id": incidentID, "kind": "to_provider", "party": "Larkfield Care Ltd", "amount": 3200.0,
		"purpose": "Utilities arrears claimed by the provider", "status": "withheld", "recorded_by": headCommission,
		"notes": "Withheld until a written agreement says it is applied at Larkfield House (s.11).",
	})
	b.put("payments", id("payment", "eileen-recovery"), F{
		"incident_id": incidentID, "kind": "cost_recovery", "party": residents[rEileen].placing, "amount": 1960.0,
		"purpose": "Care for Eileen Pargeter while the council met her needs", "resident_id": residentID(rEileen), "status": "invoiced",
		"recover_from_authority": residents[rEileen].placing, "invoiced_on": "2026-11-20", "recorded_by": adminLead,
	})

	// Lead workers (2.12) and self-funders' responsibility (4.5).
	for _, i := range []int{rEdith, rHarold, rWilfred, rJoan} {
		sw := socialWorkers[i%len(socialWorkers)]
		b.put("resident_responsibilities", id("lead", residentID(i)), F{
			"incident_id": incidentID, "resident_id": residentID(i), "kind": "lead_worker", "responsible_name": sw.name,
			"responsible_role": "Social worker", "organisation": "Derby City Council", "on_site": true, "allocated_on": "2026-11-13",
		})
	}
	b.put("resident_responsibilities", id("selffunder", residentID(rDorothy)), F{
		"incident_id": incidentID, "resident_id": residentID(rDorothy), "kind": "self_funder", "responsible_name": "Derby City Council (temporary duty, s.48)",
		"allocated_on": "2026-11-13", "capacity_checked": true, "representation": "Her son, attorney for property and affairs",
	})

	// Petty cash and belongings (4.10).
	b.put("resident_belongings", id("belongings", residentID(rAlice)), F{
		"incident_id": incidentID, "resident_id": residentID(rAlice), "kind": "petty_cash", "description": "Petty cash held in the office safe",
		"amount": 37.5, "counted_at": "2026-11-16T10:00:00Z", "counted_by": adminLead, "witnessed_by": "Home manager", "status": "handed_over",
		"move_id": id("move", "alice"), "handed_over_at": "2026-11-18T10:50:00Z", "handed_over_to": "Belper Riverside manager",
	})
	b.put("resident_belongings", id("belongings", residentID(rEdith)), F{
		"incident_id": incidentID, "resident_id": residentID(rEdith), "kind": "petty_cash", "description": "Petty cash held in the office safe",
		"amount": 52.2, "counted_at": "2026-11-16T10:10:00Z", "counted_by": adminLead, "witnessed_by": "Home manager", "status": "held",
	})

	// Complaints and disputes (8.1, s.3).
	b.put("complaints", id("complaint", "press"), F{
		"incident_id": incidentID, "kind": "complaint", "raised_by": "Harold's daughter", "raised_at": "2026-11-14T12:00:00Z", "about": "Larkfield House",
		"resident_id": residentID(rHarold), "summary": "Heard about the closure on local radio before the home told her.", "status": "open", "resolve_by": "2026-11-28",
		"recorded_by": qmo,
	})
	b.put("complaints", id("complaint", "escort"), F{
		"incident_id": incidentID, "kind": "dispute", "raised_by": "ICB", "raised_at": "2026-11-15T09:00:00Z", "about": "Who pays for nurse escorts",
		"summary": "The ICB and the council disagreed on who pays for a nurse escort for CHC residents.", "status": "resolved",
		"head_of_service_informed_at": "2026-11-15T10:00:00Z", "resolved_at": "2026-11-17T16:00:00Z", "resolution": "The ICB pays for its residents' escorts.",
		"recorded_by": headCommission,
	})

	// The SAB referral (10.3), considered early at the progress meeting.
	b.put("sab_referrals", id("sab", "progress-1"), F{
		"incident_id": incidentID, "considered_at": "2026-11-20T11:00:00Z", "meeting_id": id("meeting", "progress-1"), "decision": "do_not_refer",
		"reason": "No abuse or neglect behind the failure so far; to be considered again at the de-brief (10.3).", "decided_by": headSafeguard,
	})
}
