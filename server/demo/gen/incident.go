// This file writes the incident the Director activates and its checklist.

package main

import (
	"encoding/json"
	"time"

	"github.com/continuity-care/continuity/syncproto/checklist"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// ---- 12 November: the Director activates Process 2 ----

func (s *story) activation() {
	b := s.b
	lp, lh := providerID("larkfield"), serviceID("larkfield-house")
	b.at(nov(12, 10, 0))
	b.put("rag_statuses", id("rag", "larkfield/4"), F{
		"provider_id": lp, "service_id": lh, "previous_status": "RED", "status": "PROVIDER_FAILURE",
		"reason":     "Administrators appointed on 11 November (business failure, 003 s.4(a)); the home cannot continue and will close.",
		"decided_at": "2026-11-12T10:00:00Z", "decided_by": director, "decided_by_role": "director",
		"concern_ids": []string{id("concern", "larkfield/5")},
	})
	b.at(nov(12, 11, 0))
	b.put("incidents", incidentID, F{
		"incident_id": incidentID, "provider_id": lp, "service_ids": []string{lh},
		"title":             "Larkfield House: provider failure (administration)",
		"trigger_criterion": "ii", "process": 2, "status": "active", "activated_at": "2026-11-12T11:00:00Z",
		"activated_by": director + ", Service Director Integration and Direct Services",
		"reason":       "Notified on 11 November of the imminent business failure of a regulated care provider registered in Derby City: joint administrators appointed.",
		"cause":        "business_failure", "lead_officer": headCommission + " (Provider Failure Manager)",
		"steering_group": []schema.Member{
			{Name: headCommission, Role: "Head of Integrated Commissioning and Market Development", Organisation: "Derby City Council", Chair: true},
			{Name: director, Role: "Service Director Integration and Direct Services", Organisation: "Derby City Council"},
			{Name: headSafeguard, Role: "Head of Safeguarding Adults and Professional Standards", Organisation: "Derby City Council"},
			{Name: seniorQMO, Role: "Senior Quality Monitoring Officer", Organisation: "Derby City Council"},
			{Name: chcLead, Role: "CHC Lead", Organisation: "NHS Derby and Derbyshire ICB"},
			{Name: cqcManager, Role: "Inspection Manager", Organisation: "CQC"},
			{Name: commsLead, Role: "Communications Lead", Organisation: "Derby City Council"},
		},
		"date_initiated": "2026-11-12", "failure_expected_on": "2026-12-04",
		"timescale":       "Administrators will fund the home until 4 December; all residents to be settled elsewhere by then.",
		"icb_notified_on": "2026-11-11", "cqc_notified_on": "2026-11-11",
		"situation": "Larkfield House (42 beds, 42 residents) is in administration and will close. Staff are leaving; agency cover is unreliable.",
		"public":    false, "outcome": "provider_failure", "outcome_on": "2026-11-12",
	})
	b.put("decision_log", id("decision", "activate"), F{
		"incident_id": incidentID, "decided_at": "2026-11-12T11:00:00Z",
		"decision":   "Activate the Managing Provider Failure Procedure, Process 2 (Provider Failure Management), for Larkfield House.",
		"rationale":  "Trigger criterion (ii): notification of imminent business failure. No remedial options are available to save the provider in its current state.",
		"decided_by": director, "role": "director", "recorded_by": adminLead,
	})
	b.put("communications_log", id("comms", "cqc-1"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-12T11:20:00Z", "channel": "phone", "direction": "outgoing",
		"party": "cqc", "with_whom": cqcManager, "summary": "Confirmed activation of Process 2; CQC to share inspection findings and be invited to the PFM meeting.",
		"recorded_by": adminLead,
	})
	b.put("communications_log", id("comms", "icb-1"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-12T11:35:00Z", "channel": "email", "direction": "outgoing",
		"party": "icb", "with_whom": chcLead, "summary": "Asked the ICB to lead for the three fully funded CHC residents and to join the JISG.",
		"recorded_by": adminLead,
	})
	b.put("services", lh, F{"operating_status": "closing"})

	// The Management Checklist for the incident (003 Appendix 2).
	b.at(nov(12, 12, 0))
	// The server creates them when the incident is created; the scenario
	// carries the same changes (same ids), which the server reports as
	// duplicates.
	for _, it := range checklist.Items() {
		f := F{}
		for k, v := range domain.ChecklistFields(incidentID, it) {
			var x any
			if err := json.Unmarshal(v, &x); err != nil {
				panic(err)
			}
			f[k] = x
		}
		b.putID(domain.ChecklistCreateID(incidentID, it.Number), "checklist_items", checklistID(it.Number), f)
	}

	b.at(nov(12, 14, 0))
	s.meetingPFM = id("meeting", "pfm-1")
	b.put("meeting_records", s.meetingPFM, F{
		"incident_id": incidentID, "meeting_type": "provider_failure_management", "held_at": "2026-11-12T14:00:00Z",
		"venue": "Council House, Committee Room 2, and Teams", "chair": headCommission,
		"attendees": []schema.Member{
			{Name: headCommission, Role: "Provider Failure Manager", Organisation: "Derby City Council", Chair: true},
			{Name: headSafeguard, Role: "Head of Safeguarding", Organisation: "Derby City Council"},
			{Name: seniorQMO, Role: "Senior QMO", Organisation: "Derby City Council"},
			{Name: chcLead, Role: "CHC Lead", Organisation: "NHS Derby and Derbyshire ICB"},
			{Name: cqcManager, Role: "Inspection Manager", Organisation: "CQC"},
			{Name: "Hannah Cross", Role: "Joint administrator", Organisation: "Kestrel Restructuring LLP"},
			{Name: commsLead, Role: "Communications Lead", Organisation: "Derby City Council"},
			{Name: adminLead, Role: "Administrative lead", Organisation: "Derby City Council"},
		},
		"summary":   "Options agreed: spot purchase from other care providers; temporary agency staffing funded short-term to keep the home safe until moves are complete. Communications plan agreed; failure not yet public.",
		"decisions": "Spot purchase placements; fund agency staffing to 4 December; NHS leads for CHC residents; safe and well checks for all residents by 13 November.",
		"actions": []schema.ActionItem{
			{Action: "Safe and well checks for every resident", Owner: "Operations", DueOn: "2026-11-13"},
			{Action: "Confirm the list of residents and funding with the provider", Owner: adminLead, DueOn: "2026-11-12"},
			{Action: "Contact placing authorities for out-of-area residents", Owner: seniorQMO, DueOn: "2026-11-13"},
			{Action: "Draft scripts for families, staff and press", Owner: commsLead, DueOn: "2026-11-13"},
		},
		"next_meeting_on": "2026-11-19", "recorded_by": adminLead,
	})
	b.put("decision_log", id("decision", "options"), F{
		"incident_id": incidentID, "decided_at": "2026-11-12T15:10:00Z",
		"decision":   "Relocate all residents by spot purchase; fund agency staffing at Larkfield House until 4 December.",
		"rationale":  "No buyer for the home; administrators will fund it only to 4 December. Enough spare places nearby by category.",
		"decided_by": headCommission, "role": "commissioner", "meeting_id": s.meetingPFM, "recorded_by": adminLead,
	})
	b.put("decision_log", id("decision", "nhs-lead"), F{
		"incident_id": incidentID, "decided_at": "2026-11-12T15:15:00Z",
		"decision":   "The NHS leads and co-ordinates all actions for the three fully funded CHC residents.",
		"rationale":  "003: the NHS will lead and co-ordinate all actions relating to fully funded NHS customers.",
		"decided_by": chcLead, "role": "nhs_liaison", "meeting_id": s.meetingPFM, "recorded_by": adminLead,
	})
	s.tick("1.1", nov(12, 16, 30), "done", "HR", "Team assembled at the PFM meeting.")
	s.tick("1.2", nov(12, 16, 30), "done", "HR", "")
	s.tick("2.1", nov(12, 16, 30), "done", "HR", "Home closes 4 December.")
	s.tick("2.4", nov(12, 16, 30), "done", "GW", "Met the administrators and the registered manager.")
	s.tick("2.6", nov(12, 16, 30), "in_progress", "LC", "Initial risk log started.")
	s.tick("2.9", nov(12, 16, 30), "done", "GW", "Vacancy list of 12 nearby homes confirmed.")
	s.respond("2.17", "Provider", "CW")
	s.respond("2.22", "Provider", "CW")
	s.respond("4.4", "NHS", "AM")
}

// checklistID is the id the server's checklist effect gives an item, so the
// scenario's items are the server's own.
func checklistID(number string) string { return domain.ChecklistItemID(incidentID, number) }

// tick records progress on a checklist item.
func (s *story) tick(number string, at time.Time, status, initials, notes string) {
	if _, ok := checklist.Lookup(number); !ok {
		panic("no checklist item " + number)
	}
	s.b.at(at)
	f := F{"status": status, "officer_initials": initials}
	if status == "done" {
		f["completed_on"] = day(at)
	}
	if notes != "" {
		f["notes"] = notes
	}
	s.b.put("checklist_items", checklistID(number), f)
}

// respond records the JISG's allocation of an item to another party.
func (s *story) respond(number, party, initials string) {
	if _, ok := checklist.Lookup(number); !ok {
		panic("no checklist item " + number)
	}
	s.b.put("checklist_items", checklistID(number), F{"responsibility": party, "responsibility_source": "jisg", "officer_initials": initials})
}
