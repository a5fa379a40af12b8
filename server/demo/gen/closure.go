// This file writes the end of the week and what the closure team records every day.

package main

import (
	"fmt"
	"time"

	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// ---- 20 November: progress meeting, vacancies, risk review ----

func (s *story) endOfWeek() {
	b := s.b
	b.at(nov(20, 10, 0))
	// The homes confirm their free places: those who have moved in are no
	// longer among them; places reserved by planned moves still are (the
	// planned moves use them, so they are not netted out twice).
	moved := map[string]map[string]int{
		"belper-riverside": {"residential": 1},
		"littleover-court": {"nursing": 1},
		"ilkeston-willows": {"residential": 1},
	}
	reserved := map[string]map[string]int{
		"oakwood-grange":       {"residential": 2, "residential_dementia": 2},
		"allestree-park-house": {"residential_dementia": 1},
	}
	for _, sv := range services {
		for _, v := range sv.vac {
			n, r := moved[sv.key][v.cat], reserved[sv.key][v.cat]
			if n == 0 && r == 0 {
				continue
			}
			f := F{"places": v.places - n, "as_of": "2026-11-20"}
			if r > 0 {
				f["notes"] = fmt.Sprintf("%d of these place(s) reserved for Larkfield House residents by planned moves.", r)
			}
			b.put("vacancies", vacancyID(sv.key, v.cat), f)
		}
	}
	b.at(nov(20, 11, 0))
	b.put("meeting_records", id("meeting", "progress-1"), F{
		"incident_id": incidentID, "meeting_type": "progress", "held_at": "2026-11-20T11:00:00Z", "venue": "Teams", "chair": headCommission,
		"attendees": []schema.Member{
			{Name: headCommission, Role: "Provider Failure Manager", Organisation: "Derby City Council", Chair: true},
			{Name: chcLead, Role: "CHC Lead", Organisation: "NHS Derby and Derbyshire ICB"},
			{Name: seniorQMO, Role: "Senior QMO", Organisation: "Derby City Council"},
			{Name: "Hannah Cross", Role: "Joint administrator", Organisation: "Kestrel Restructuring LLP"},
		},
		"summary":         "Three residents moved safely; Garden Room group moves on 24 November; Walter Greaves's move re-planned; Vera Goodall still in hospital; Cyril Naylor to stay until a CHC fast-track decision.",
		"decisions":       "No moves for very frail residents without a GP review.",
		"actions":         []schema.ActionItem{{Action: "CHC fast-track decision for Cyril Naylor", Owner: chcLead, DueOn: "2026-11-23"}},
		"next_meeting_on": "2026-11-27", "recorded_by": adminLead,
	})
	b.put("risk_log", id("risk", "staffing-review-1"), F{
		"incident_id": incidentID, "raised_at": "2026-11-20T12:00:00Z",
		"risk":  "Staff leave before residents are moved, leaving unsafe staffing at night.",
		"level": "high", "mitigation": "Agency cover stable this week; retention payment agreed; moves spread over two weeks (7.28).",
		"owner": seniorQMO, "status": "open", "review_by": "2026-11-27", "supersedes_id": id("risk", "staffing"), "recorded_by": adminLead,
	})
	b.put("risk_log", id("risk", "confidentiality-review-1"), F{
		"incident_id": incidentID, "raised_at": "2026-11-20T12:05:00Z", "risk": "News of the failure leaks before families are told.",
		"level": "low", "mitigation": "Closure announced on 16 November after families were told.", "owner": commsLead, "status": "closed",
		"supersedes_id": id("risk", "confidentiality"), "recorded_by": adminLead,
	})
	b.put("safe_and_well_checks", id("check", residentID(rAlbert)+"/2"), F{
		"incident_id": incidentID, "resident_id": residentID(rAlbert), "visited_at": "2026-11-20T14:00:00Z", "outcome": "safe_and_well",
		"visitor_name": socialWorkers[rAlbert%len(socialWorkers)].name, "visitor_role": "Social worker", "location": "Larkfield House",
		"seen": true, "feels_safe": "yes", "physical": "Pressure ulcer healing; district nurse visiting daily.",
		"previous_check_id": id("check", residentID(rAlbert)+"/1"), "follow_up_due": "2026-11-27",
	})
	s.tick("7.21", nov(20, 15, 0), "in_progress", "DF", "Identity confirmed at every arrival so far.")
	s.tick("7.26", nov(20, 15, 0), "in_progress", "LC", "DWP notified for the first two moves.")
	s.tick("9.1", nov(20, 15, 0), "in_progress", "LC", "")
	s.tick("9.2", nov(20, 15, 0), "done", "HR", "Lee Chambers is the administrative lead.")
	s.tick("9.5", nov(20, 15, 0), "in_progress", "LC", "Risk log reviewed on 20 November.")
}

// residentIndex finds a resident by given name.
func residentIndex(given string) int {
	for i, r := range residents {
		if r.given == given {
			return i
		}
	}
	panic("no resident " + given)
}

// ---- 12 to 21 November: what the closure team records every day ----

// closureRecords adds the records a closure team keeps every day (issue
// 13): deaths and hospital admissions, family contact, the decisions on new
// homes, the post-move review programme, cross-authority notifications,
// funding as several streams and checklist items tied to their evidence.
func (s *story) closureRecords() {
	b := s.b
	b.at(nov(21, 9, 0))
	vera, gladys, stanley := residentID(rVera), residentID(residentIndex("Gladys")), residentID(residentIndex("Stanley"))
	// A self-funder receiving Funded Nursing Care counts in both columns.
	b.put("residents", stanley, F{"funding_streams": []string{schema.FundingSelfFunder, schema.FundingFNC}})
	b.put("residents", residentID(rEdith), F{"about_me": "I like my tea strong, the radio on in the morning and my daughter's photographs by the bed.",
		"preferences": "Julie would like her mother near Mickleover so she can visit after work.", "preferred_service_ids": []string{serviceID("oakwood-grange")}})
	b.put("resident_events", id("event", "vera/admission"), F{
		"incident_id": incidentID, "resident_id": vera, "event": "hospital_admission", "occurred_at": "2026-11-12T08:30:00Z",
		"hospital": "Royal Derby Hospital, ward 306", "details": "Chest infection; admitted by ambulance.",
		"family_informed_at": "2026-11-12T09:30:00Z", "family_informed_by": "Larkfield House nurse in charge", "recorded_by": adminLead,
	})
	b.put("residents", vera, F{"current_location": "Royal Derby Hospital, ward 306", "whereabouts_updated_at": "2026-11-12T08:30:00Z"})
	b.put("resident_events", id("event", "gladys/death"), F{
		"incident_id": incidentID, "resident_id": gladys, "event": "death", "occurred_at": "2026-11-21T05:40:00Z",
		"place": "Larkfield House", "details": "Died peacefully in her sleep; an expected death, certified by her GP.",
		"family_informed_at": "2026-11-21T07:00:00Z", "family_informed_by": "Larkfield House nurse in charge",
		"cqc_notified_at": "2026-11-21T10:00:00Z", "coroner_relevant": false, "recorded_by": adminLead,
	})
	b.put("residents", gladys, F{"status": "deceased", "current_location": "Larkfield House", "whereabouts_updated_at": "2026-11-21T05:40:00Z"})
	b.put("decision_log", id("decision", "gladys"), F{
		"incident_id": incidentID, "decided_at": "2026-11-21T11:00:00Z", "resident_id": gladys,
		"decision":   "Gladys Ormerod died on 21 November; DWP and the family's solicitor to be told; no move to plan.",
		"decided_by": headCommission, "role": "commissioner", "recorded_by": adminLead,
	})

	// Family and representatives (5.1-5.5, 7.2-7.9).
	for _, i := range []int{rEdith, rHarold, rAlice, rLeonard, rEileen} {
		r := residents[i]
		if len(r.kin) == 0 {
			continue
		}
		k := r.kin[0]
		b.put("family_contacts", id("contact", residentID(i)+"/1"), F{
			"incident_id": incidentID, "resident_id": residentID(i), "contact_name": k.name, "relationship": k.rel,
			"occurred_at": "2026-11-13T14:00:00Z", "channel": "in_person", "direction": "outgoing",
			"summary":     "Explained the closure and the timetable; talked through the homes with places.",
			"preferences": "A home nearby, with a garden.", "visit_offered": true, "visit_service_id": serviceID("oakwood-grange"), "visit_on": "2026-11-15",
			"recorded_by": socialWorkers[i%len(socialWorkers)].name,
		})
	}

	// The decisions on the new homes (7.9), for the moves made.
	for _, m := range []struct {
		key      string
		resident int
		to       string
		chosenBy string
		on       string
	}{{"alice", rAlice, "belper-riverside", "resident", "2026-11-17"}, {"leonard", rLeonard, "littleover-court", "best_interests", "2026-11-17"},
		{"eileen", rEileen, "ilkeston-willows", "resident", "2026-11-17"}} {
		f := F{"incident_id": incidentID, "resident_id": residentID(m.resident), "service_id": serviceID(m.to),
			"decided_at": m.on + "T10:00:00Z", "chosen_by": m.chosenBy, "move_on": m.on, "visited": true,
			"decided_by_name": residents[m.resident].given + " " + residents[m.resident].family}
		if did, ok := s.bestInterests[m.resident]; ok && m.chosenBy == "best_interests" {
			f["best_interests_decision_id"] = did
			f["decided_by_name"] = socialWorkers[m.resident%len(socialWorkers)].name
		}
		b.put("placement_decisions", id("placement", m.key), f)
	}

	// The post-move review programme (7.19), as the server schedules it on
	// completion, and the first reviews done.
	for _, m := range []struct {
		key  string
		done time.Time
		to   string
		res  int
	}{{"alice", nov(18, 10, 55), "belper-riverside", rAlice}, {"leonard", nov(18, 15, 0), "littleover-court", rLeonard}, {"eileen", nov(19, 11, 30), "ilkeston-willows", rEileen}} {
		mid := id("move", m.key)
		for _, o := range rules.DefaultReviewSchedule() {
			b.putID(domain.ReviewCreateID(mid, o.Type), "post_move_reviews", domain.ReviewID(mid, o.Type), F{
				"incident_id": incidentID, "resident_id": residentID(m.res), "move_id": mid, "service_id": serviceID(m.to),
				"review_type": o.Type, "due_on": rules.ReviewDue(m.done, o, london),
			})
		}
	}
	b.put("post_move_reviews", domain.ReviewID(id("move", "alice"), "72_hours"), F{
		"visited_at": "2026-11-21T11:00:00Z", "reviewer_name": socialWorkers[rAlice%len(socialWorkers)].name, "reviewer_role": "Social worker",
		"outcome": "settled", "feels_safe": "yes", "in_own_words": "My room looks over the river and Sarah came on Thursday.",
		"wellbeing": "Settled, eating well, has joined the knitting group.",
	})

	// Cross-authority notifications (4.2, 7.23).
	b.put("cross_authority_notifications", id("notify", "eileen/placing"), F{
		"incident_id": incidentID, "resident_id": residentID(rEileen), "recipient_kind": "placing_authority", "recipient": residents[rEileen].placing,
		"notified_at": "2026-11-13T11:00:00Z", "notified_by": seniorQMO, "channel": "email",
		"summary": "Told of the failure; they ask the JISG to act on their behalf to relocate Eileen (4.2).", "acknowledged_at": "2026-11-13T15:00:00Z",
	})
	b.put("cross_authority_notifications", id("notify", "eileen/receiving"), F{
		"incident_id": incidentID, "resident_id": residentID(rEileen), "move_id": id("move", "eileen"), "recipient_kind": "receiving_authority",
		"recipient": "Derbyshire County Council", "notified_at": "2026-11-19T15:30:00Z", "notified_by": seniorQMO, "channel": "email",
		"summary": "Eileen Pargeter placed at Ilkeston Willows (7.23).",
	})

	// Checklist items tied to the records that show them done.
	b.at(nov(21, 12, 0))
	b.put("checklist_items", checklistID("9.1"), F{"status": "done", "completed_on": "2026-11-21", "evidence": []schema.Evidence{
		{Collection: "meeting_records", RecordID: s.meetingPFM, Note: "Provider Failure Management meeting, 12 November"},
		{Collection: "meeting_records", RecordID: id("meeting", "progress-1"), Note: "Progress meeting, 20 November"},
	}})
	b.put("checklist_items", checklistID("4.2"), F{"status": "done", "completed_on": "2026-11-21", "evidence": []schema.Evidence{{Collection: "cross_authority_notifications", RecordID: id("notify", "eileen/placing")}}})
}

// london is the zone review dates are written in.
var london = func() *time.Location {
	loc, err := time.LoadLocation(rules.LondonZone)
	if err != nil {
		panic(err)
	}
	return loc
}()
