// This file writes the residents' and relatives' meetings and the moves.

package main

import (
	"time"

	"github.com/continuity-care/continuity/syncproto/schema"
)

// ---- 16 November: residents' and relatives' meetings; the news is public ----

func (s *story) meetings() {
	b := s.b
	b.at(nov(16, 13, 0))
	b.put("incidents", incidentID, F{"public": true, "situation": "Closure announced on 16 November. Residents and relatives met the council and the administrators."})
	b.put("communications_log", id("comms", "press-1"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-16T13:00:00Z", "channel": "press_release", "direction": "outgoing",
		"party": "press", "with_whom": "Local media",
		"summary":     "Statement: the council is working with the NHS and the administrators so that every resident of Larkfield House is safe and helped to move to a home that meets their needs.",
		"recorded_by": commsLead,
	})
	b.put("communications_log", id("comms", "councillors-1"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-16T13:10:00Z", "channel": "email", "direction": "outgoing",
		"party": "councillor", "with_whom": "Ward councillors and the portfolio holder for adult social care",
		"summary": "Briefing on the closure and the relocation plan (6.1).", "recorded_by": commsLead,
	})
	b.at(nov(16, 14, 0))
	b.put("meeting_records", id("meeting", "residents-1"), F{
		"incident_id": incidentID, "meeting_type": "residents", "held_at": "2026-11-16T14:00:00Z", "venue": "Larkfield House, main lounge",
		"chair": headCommission, "summary": "Explained the closure to residents in plain words; answered questions about friends moving together and about belongings.",
		"recorded_by": adminLead,
	})
	b.at(nov(16, 18, 0))
	b.put("meeting_records", id("meeting", "relatives-1"), F{
		"incident_id": incidentID, "meeting_type": "relatives", "held_at": "2026-11-16T18:00:00Z", "venue": "Larkfield House, dining room",
		"chair": headCommission, "summary": "Relatives' meeting with the council, the ICB and the administrators: timetable, choice of homes, help with visiting, fees and top-ups.",
		"actions": []schema.ActionItem{
			{Action: "Send each family the list of homes with places in their relative's category", Owner: seniorQMO, DueOn: "2026-11-17"},
			{Action: "Arrange visits to homes for families who want them", Owner: "Operations", DueOn: "2026-11-20"},
		},
		"recorded_by": adminLead,
	})
	s.tick("6.3", nov(16, 19, 0), "done", "HR", "")
	s.tick("6.4", nov(16, 19, 0), "done", "HR", "")
	s.tick("7.4", nov(16, 19, 0), "done", "KA", "Garden Room group to move together to Oakwood Grange.")
	b.put("decision_log", id("decision", "garden-room"), F{
		"incident_id": incidentID, "decided_at": "2026-11-16T19:00:00Z",
		"decision":   "The Garden Room friendship group (Edith Marsh, Harold Pickering, Dorothy Ashworth, Wilfred Mellor) will move together to Oakwood Grange on 24 November.",
		"rationale":  "Keeps the friendship group together (3.1, 7.4); Oakwood Grange has residential and dementia places; chosen by the residents with capacity and in the best interests of the two who lack it, with their attorneys.",
		"decided_by": headCommission, "role": "commissioner", "recorded_by": adminLead,
	})
}

// moveRow is a planned move.
type moveRow struct {
	key      string
	resident int
	to       string
	planned  time.Time
	chosenBy string
	// completed moves are carried out in the scenario.
	leg       *legRow
	transport string
	paidBy    string
}

// legRow is a completed move's single leg.
type legRow struct {
	departed, arrived, handedOver time.Time
	vehicle, escort, receivedBy   string
}

// ---- 17 to 19 November: moves ----

func (s *story) moves() {
	b := s.b
	b.at(nov(17, 11, 0))
	moves := []moveRow{
		{key: "alice", resident: rAlice, to: "belper-riverside", planned: nov(18, 10, 0), chosenBy: "resident", transport: "car", paidBy: "resident",
			leg: &legRow{departed: nov(18, 10, 5), arrived: nov(18, 10, 40), handedOver: nov(18, 10, 55), vehicle: "Daughter's car", escort: "Sarah Cope (daughter) and key worker", receivedBy: "Joanne Bradbury, registered manager"}},
		{key: "leonard", resident: rLeonard, to: "littleover-court", planned: nov(18, 14, 0), chosenBy: "best_interests", transport: "ambulance", paidBy: "nhs",
			leg: &legRow{departed: nov(18, 14, 10), arrived: nov(18, 14, 35), handedOver: nov(18, 15, 0), vehicle: "Patient transport ambulance", escort: "Larkfield nurse and Andrew Foxley (son)", receivedBy: "Grace Mensah, registered manager"}},
		{key: "eileen", resident: rEileen, to: "ilkeston-willows", planned: nov(19, 10, 30), chosenBy: "resident", transport: "wheelchair_taxi", paidBy: "placing_authority",
			leg: &legRow{departed: nov(19, 10, 35), arrived: nov(19, 11, 15), handedOver: nov(19, 11, 30), vehicle: "Wheelchair-accessible taxi", escort: "Key worker", receivedBy: "Martin Hollis, registered manager"}},
		{key: "edith", resident: rEdith, to: "oakwood-grange", planned: nov(24, 10, 0), chosenBy: "best_interests", transport: "minibus", paidBy: "council"},
		{key: "harold", resident: rHarold, to: "oakwood-grange", planned: nov(24, 11, 0), chosenBy: "resident", transport: "minibus", paidBy: "council"},
		{key: "dorothy", resident: rDorothy, to: "oakwood-grange", planned: nov(24, 13, 30), chosenBy: "resident", transport: "minibus", paidBy: "resident"},
		{key: "wilfred", resident: rWilfred, to: "oakwood-grange", planned: nov(24, 14, 30), chosenBy: "best_interests", transport: "minibus", paidBy: "council"},
		{key: "walter", resident: rWalter, to: "chester-green-lodge", planned: nov(25, 10, 0), chosenBy: "best_interests", transport: "car", paidBy: "council"},
	}
	for _, m := range moves {
		r := residents[m.resident]
		f := F{
			"incident_id": incidentID, "resident_id": residentID(m.resident), "from_service_id": serviceID("larkfield-house"),
			"to_service_id": serviceID(m.to), "chosen_by": m.chosenBy, "planned_at": ts(m.planned),
			"planned_arrival_at": ts(m.planned.Add(45 * time.Minute)), "status": "planned", "transport": m.transport,
			"transport_paid_by": m.paidBy, "escort": "Key worker from Larkfield House", "escort_familiar": true,
			"medication_travelling": true, "post_move_review_due": day(m.planned.AddDate(0, 0, 7)),
		}
		if did, ok := s.bestInterests[m.resident]; ok {
			f["best_interests_decision_id"] = did
		}
		if m.transport == "ambulance" {
			f["transport_cost"] = 0
		} else {
			f["transport_cost"] = 38.5
		}
		if r.cat == "nursing" {
			f["equipment_travelling"] = "Pressure-relieving mattress (NHS)"
		}
		b.put("moves", id("move", m.key), f)
		b.put("movement_log", id("movement", m.key+"/planned"), F{
			"incident_id": incidentID, "resident_id": residentID(m.resident), "move_id": id("move", m.key), "event": "planned",
			"occurred_at": ts(b.now), "from_service_id": serviceID("larkfield-house"), "to_service_id": serviceID(m.to),
			"recorded_by": transportCoord,
		})
	}
	s.tick("7.5", nov(17, 16, 0), "in_progress", "GW", "Destinations checked for registration category as each move is planned.")
	s.tick("7.9", nov(17, 16, 0), "in_progress", "KA", "")
	s.tick("7.11", nov(17, 16, 0), "done", "DF", "Transport booked for the first eight moves.")
	s.tick("7.17", nov(17, 16, 0), "in_progress", "LC", "Decision and movement logs kept in Continuity.")

	// On the day: depart, arrive, hand over.
	for _, m := range moves {
		if m.leg == nil {
			continue
		}
		mid, lid, rid := id("move", m.key), id("leg", m.key+"/1"), residentID(m.resident)
		b.at(m.leg.departed.Add(2 * time.Minute))
		b.put("move_legs", lid, F{
			"incident_id": incidentID, "move_id": mid, "sequence": 1, "departed_at": ts(m.leg.departed),
			"vehicle": m.leg.vehicle, "escort": m.leg.escort,
		})
		b.put("moves", mid, F{"status": "in_transit", "vehicle": m.leg.vehicle, "escort": m.leg.escort})
		b.put("movement_log", id("movement", m.key+"/departed"), F{
			"incident_id": incidentID, "resident_id": rid, "move_id": mid, "event": "departed", "occurred_at": ts(m.leg.departed),
			"from_service_id": serviceID("larkfield-house"), "to_service_id": serviceID(m.to), "recorded_by": transportCoord,
		})
		b.at(m.leg.arrived.Add(2 * time.Minute))
		b.put("move_legs", lid, F{"arrived_at": ts(m.leg.arrived), "identity_confirmed": true})
		b.put("moves", mid, F{"status": "arrived"})
		b.put("movement_log", id("movement", m.key+"/arrived"), F{
			"incident_id": incidentID, "resident_id": rid, "move_id": mid, "event": "arrived", "occurred_at": ts(m.leg.arrived),
			"from_service_id": serviceID("larkfield-house"), "to_service_id": serviceID(m.to), "recorded_by": transportCoord,
			"notes": "Identity confirmed by the receiving home against the photograph and NHS number.",
		})
		b.at(m.leg.handedOver.Add(2 * time.Minute))
		b.put("move_legs", lid, F{"handed_over": true, "handed_over_at": ts(m.leg.handedOver), "handed_over_to": m.leg.receivedBy})
		b.put("moves", mid, F{"status": "completed", "records_handed_over": true, "care_plan_handed_over": true, "identity_confirmed": true,
			"equipment_transferred": m.leg != nil, "completed_at": ts(m.leg.handedOver)})
		b.put("residents", rid, F{"current_service_id": serviceID(m.to), "status": "moved", "room": nil})
		b.put("movement_log", id("movement", m.key+"/handed-over"), F{
			"incident_id": incidentID, "resident_id": rid, "move_id": mid, "event": "handed_over", "occurred_at": ts(m.leg.handedOver),
			"from_service_id": serviceID("larkfield-house"), "to_service_id": serviceID(m.to), "recorded_by": transportCoord,
			"notes": "Care plan, MAR chart, medication and belongings handed over; verbal handover from the key worker.",
		})
		// The next working day: the paperwork.
		b.at(m.leg.handedOver.Add(2 * time.Hour))
		after := F{"gp_changed": true, "dwp_notified": residents[m.resident].funding != schema.FundingNHSCHC, "contract_issued": true}
		if residents[m.resident].funding == schema.FundingOutOfArea {
			after["placing_authority_notified"] = true
		}
		b.put("moves", mid, after)
	}

	// Chester Green Lodge: a complaint, AMBER, and no new placements; Walter's
	// move is cancelled and a new one planned with the IMCA's input.
	cg := providerID("chestergreen")
	b.at(nov(18, 16, 0))
	cc := id("concern", "chestergreen/1")
	b.put("concerns", cc, F{
		"provider_id": cg, "service_id": serviceID("chester-green-lodge"), "source": "complaint", "raised_on": "2026-11-18",
		"raised_by":   "Relative of a resident",
		"description": "Unresolved complaints about missed medication and no registered manager on site for three weeks.",
		"resolve_by":  "2026-12-02", "status": "open",
	})
	b.at(nov(19, 9, 30))
	b.put("rag_statuses", id("rag", "chestergreen/1"), F{
		"provider_id": cg, "service_id": serviceID("chester-green-lodge"), "previous_status": "GREEN", "status": "AMBER",
		"reason":     "Unresolved customer complaints; no registered manager in place.",
		"decided_at": "2026-11-19T09:30:00Z", "decided_by": qmo, "decided_by_role": "quality_officer", "concern_ids": []string{cc},
	})
	for _, v := range services[5].vac {
		b.put("vacancies", vacancyID("chester-green-lodge", v.cat), F{"accepting": false, "as_of": "2026-11-19", "notes": "Provider has paused admissions during a quality review."})
	}
	b.at(nov(19, 11, 0))
	walter := id("move", "walter")
	b.put("moves", walter, F{"status": "cancelled", "cancelled_reason": "Chester Green Lodge has paused admissions during a quality review (AMBER)."})
	b.put("movement_log", id("movement", "walter/cancelled"), F{
		"incident_id": incidentID, "resident_id": residentID(rWalter), "move_id": walter, "event": "cancelled",
		"occurred_at": "2026-11-19T11:00:00Z", "recorded_by": transportCoord, "notes": "Destination paused admissions.",
	})
	b.put("best_interests_decisions", s.bestInterests[rWalter], F{
		"options": []schema.OptionConsidered{
			{Option: "Allestree Park House", Benefits: "Secure gardens; outstanding rating; near the city.", Risks: "Disruption of any move.", LeastRestrictive: true, Chosen: true},
			{Option: "Chester Green Lodge", Benefits: "Near the city.", Risks: "Paused admissions; AMBER status."},
		},
		"decision_reached": "Move to Allestree Park House.",
		"decided_at":       "2026-11-19T11:30:00Z",
	})
	b.put("decision_log", id("decision", "walter"), F{
		"incident_id": incidentID, "decided_at": "2026-11-19T11:30:00Z", "resident_id": residentID(rWalter),
		"decision":   "Cancel Walter Greaves's move to Chester Green Lodge; move him to Allestree Park House on 25 November.",
		"rationale":  "Chester Green Lodge is AMBER and has paused admissions. The IMCA supports Allestree Park House (secure gardens).",
		"decided_by": socialWorkers[rWalter%len(socialWorkers)].name, "role": "social_worker", "recorded_by": adminLead,
	})
	walter2 := id("move", "walter-2")
	b.put("moves", walter2, F{
		"incident_id": incidentID, "resident_id": residentID(rWalter), "from_service_id": serviceID("larkfield-house"),
		"to_service_id": serviceID("allestree-park-house"), "chosen_by": "best_interests", "best_interests_decision_id": s.bestInterests[rWalter],
		"planned_at": ts(nov(25, 10, 0)), "planned_arrival_at": ts(nov(25, 10, 45)), "status": "planned", "transport": "car",
		"transport_cost": 38.5, "transport_paid_by": "council", "escort": "Key worker from Larkfield House", "escort_familiar": true,
		"medication_travelling": true, "post_move_review_due": "2026-12-02",
	})
	b.put("movement_log", id("movement", "walter-2/planned"), F{
		"incident_id": incidentID, "resident_id": residentID(rWalter), "move_id": walter2, "event": "planned",
		"occurred_at": ts(b.now), "from_service_id": serviceID("larkfield-house"), "to_service_id": serviceID("allestree-park-house"),
		"recorded_by": transportCoord,
	})
	b.put("communications_log", id("comms", "dwp-1"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-19T15:00:00Z", "channel": "letter", "direction": "outgoing",
		"party": "dwp", "with_whom": "Department for Work and Pensions",
		"summary": "Notified the change of home for Alice Brindley and Eileen Pargeter (7.26).", "recorded_by": adminLead,
	})
	b.put("communications_log", id("comms", "notts-2"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-19T15:20:00Z", "channel": "email", "direction": "outgoing",
		"party": "placing_authority", "with_whom": "Nottinghamshire County Council", "resident_id": residentID(rEileen),
		"summary": "Confirmed Eileen Pargeter moved to Ilkeston Willows on 19 November; new contract to follow (7.23).", "recorded_by": seniorQMO,
	})
}
