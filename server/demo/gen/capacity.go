// This file writes capacity assessments and best-interests decisions.

package main

import (
	"time"

	"github.com/continuity-care/continuity/syncproto/schema"
)

// ---- 14 to 16 November: capacity assessments and best interests ----

const moveDecision = "Where to live when Larkfield House closes"

func (s *story) capacity() {
	b := s.b
	s.finalAssessment = map[int]string{}
	s.bestInterests = map[int]string{}
	b.at(nov(14, 9, 0))
	n := 0
	for i, r := range residents {
		if r.mca == "" {
			continue
		}
		sw := socialWorkers[n%len(socialWorkers)]
		// Saturday and Sunday on site: eight assessments, then the rest.
		when := nov(14, 10, 0).Add(time.Duration(n) * 45 * time.Minute)
		if n >= 8 {
			when = nov(15, 10, 0).Add(time.Duration(n-8) * 45 * time.Minute)
		}
		n++
		b.at(when)
		aid := id("assessment", residentID(i)+"/1")
		outcome := "has_capacity"
		if r.mca == "lacks" || r.mca == "delirium" {
			outcome = "lacks_capacity"
		}
		f := s.assessment(i, r, sw.name, when, outcome)
		if r.mca == "delirium" {
			f["reason_for_doubt"] = "Suddenly confused since 12 November; GP suspects a urinary tract infection."
			f["impairment_evidence"] = "Delirium, probably from a urinary tract infection; antibiotics started 13 November."
			f["impairment_duration"] = "temporary"
			f["can_wait"] = true
			f["can_wait_reason"] = "The home closes on 4 December; she may regain capacity within days, so reassess after the antibiotics."
		}
		b.put("capacity_assessments", aid, f)
		// Signing makes it a legal record.
		b.put("capacity_assessments", aid, F{"signed_at": ts(when.Add(50 * time.Minute)), "signed_by": sw.name})
		s.finalAssessment[i] = aid
	}
	// Best-interests decisions for those who lack capacity.
	b.at(nov(16, 9, 0))
	for i, r := range residents {
		if r.mca != "lacks" {
			continue
		}
		s.bestInterestsDecision(i, r)
	}
}

// reassess records Olive Stansfield's second assessment, once the infection
// has cleared: it supersedes the first, which is never edited.
func (s *story) reassess() {
	b := s.b
	b.at(nov(17, 10, 0))
	olive := residents[rOlive]
	aid2 := id("assessment", residentID(rOlive)+"/2")
	f := s.assessment(rOlive, olive, socialWorkers[2].name, nov(17, 10, 0), "has_capacity")
	f["supersedes_id"] = s.finalAssessment[rOlive]
	f["reason_for_doubt"] = "Reassessment after delirium: the earlier assessment found she lacked capacity while unwell."
	f["persons_decision"] = "I'd like to go to Allestree Park House. My sister lived there and they were good to her."
	f["signed_at"] = "2026-11-17T10:50:00Z"
	f["signed_by"] = socialWorkers[2].name
	b.put("capacity_assessments", aid2, f)
	s.finalAssessment[rOlive] = aid2
	s.tick("3.8", nov(17, 10, 55), "in_progress", "KA", "Twelve assessments so far; six best-interests decisions; IMCA instructed for Walter Greaves.")
	s.tick("3.11", nov(17, 10, 55), "done", "KA", "Health and welfare attorneys contacted for Edith Marsh, Wilfred Mellor, Joan Whitworth and Mabel Sutcliffe.")
}

// assessment returns the fields of a capacity assessment about the move.
func (s *story) assessment(i int, r resRow, assessor string, when time.Time, outcome string) F {
	lacks := outcome == "lacks_capacity"
	f := F{
		"incident_id": incidentID, "resident_id": residentID(i), "decision": moveDecision, "decision_type": "accommodation",
		"relevant_information":  "Larkfield House is closing by 4 December. Options: homes with places that meet " + r.given + "'s needs, near family where possible, with friends where possible; what each is like; that staying is not possible.",
		"how_information_given": "In " + r.given + "'s room, in short sentences, with photographs of the homes and a key worker present.",
		"practicable_steps":     "Morning visit when most alert; hearing aids and glasses in; familiar key worker; information repeated and written down.",
		"can_wait":              false, "can_wait_reason": "The home closes by 4 December.",
		"assessor_name": assessor, "assessor_role": "Social worker", "assessor_organisation": "Derby City Council",
		"sittings": []schema.Sitting{{Date: day(when), Venue: "Larkfield House, own room", Present: "key worker"}},
		"outcome":  outcome,
	}
	if lacks {
		f["reason_for_doubt"] = "Diagnosis of dementia or cognitive impairment; recent memory very poor."
		f["impairment"] = true
		f["impairment_evidence"] = "Diagnosed dementia recorded by the GP; disorientated to time and place at both sittings."
		f["impairment_duration"] = "lasting"
		f["can_understand"] = false
		f["understand_evidence"] = "Could not say, in any words, that the home is closing after it was explained three ways."
		f["can_retain"] = false
		f["retain_evidence"] = "Did not recall the photographs or the explanation after five minutes."
		f["can_use_or_weigh"] = false
		f["use_or_weigh_evidence"] = "Could not compare the options; repeated that they would go home to their parents."
		f["can_communicate"] = true
		f["communicate_evidence"] = "Speaks clearly and expresses likes and dislikes."
		f["causative_nexus"] = true
		f["causative_nexus_evidence"] = "The inability to understand, retain and weigh is because of the dementia, not the way the information was given."
		f["sittings"] = []schema.Sitting{
			{Date: day(when.AddDate(0, 0, -1)), Venue: "Larkfield House, quiet lounge", Present: "key worker", Notes: "Unsettled; sitting ended early and resumed next day."},
			{Date: day(when), Venue: "Larkfield House, own room", Present: "key worker and family member where possible"},
		}
	} else {
		f["reason_for_doubt"] = "Asked to confirm capacity because of the speed of the move; no diagnosis of impairment."
		f["impairment"] = false
		f["impairment_evidence"] = "No impairment of, or disturbance in the functioning of, the mind or brain found."
		f["can_understand"] = true
		f["can_retain"] = true
		f["can_use_or_weigh"] = true
		f["can_communicate"] = true
		f["persons_decision"] = map[bool]string{true: "I want to be near my daughter.", false: "I'll go where my friends go."}[r.movesEarly]
	}
	return f
}

// bestInterestsDecision records the decision for a resident who lacks
// capacity to decide where to live.
func (s *story) bestInterestsDecision(i int, r resRow) {
	b := s.b
	did := id("best-interests", residentID(i)+"/1")
	s.bestInterests[i] = did
	var consultees []schema.Consultee
	for _, k := range r.kin {
		consultees = append(consultees, schema.Consultee{Name: k.name, Role: "family", Relationship: k.rel, View: "Wants " + r.given + " to stay with friends and near family.", ConsultedOn: "2026-11-15"})
	}
	consultees = append(consultees, schema.Consultee{Name: "Larkfield key worker", Role: "paid_carer", View: "Knows " + r.given + " well; recommends a calm, familiar escort.", ConsultedOn: "2026-11-15"})
	f := F{
		"incident_id": incidentID, "assessment_id": s.finalAssessment[i], "resident_id": residentID(i), "decision": moveDecision,
		"decision_type": "accommodation", "setting": "care_home", "expected_stay_days": 365, "authority_present": false,
		"no_assumption_from_age_or_appearance": true, "can_wait": false,
		"participation":       r.given + " was shown photographs of the homes and visited with a key worker.",
		"wishes_and_feelings": "Has always said they like a garden and company; settled with the same friends for years.",
		"beliefs_and_values":  "Family matters most; attends the home's Sunday service.",
		"decision_maker":      "council", "decision_maker_name": socialWorkers[i%len(socialWorkers)].name, "decision_maker_role": "Social worker",
		"decided_at": ts(b.now),
	}
	dest := "Oakwood Grange"
	switch i {
	case rJoan:
		dest = "Allestree Park House, with the other Chapel Friends when they move"
	case rLeonard:
		dest = "Littleover Court Nursing Home"
		f["decision_maker"] = "nhs"
		f["decision_maker_name"] = chcLead
		f["decision_maker_role"] = "CHC Lead, NHS Derby and Derbyshire ICB"
	case rWalter:
		dest = "Chester Green Lodge"
		f["imca_required"] = true
		f["imca_referral_date"] = "2026-11-14"
		f["imca_name"] = imcaName + ", " + imcaOrg
		f["imca_report_on"] = "2026-11-16"
		f["imca_report"] = "Walter has no family or friends to consult. He enjoys walking in the garden and watching football. Supports a home with secure gardens near the city."
		consultees = append(consultees, schema.Consultee{Name: imcaName, Role: "imca", View: "See IMCA report.", ConsultedOn: "2026-11-16"})
	case rMabel:
		dest = "Allestree Park House"
	}
	for _, l := range r.lpa {
		if l.kind == hw {
			f["authority_present"] = true
			f["authority_name"] = l.name
			f["authority_kind"] = hw
			f["decision_maker"] = "attorney"
			f["decision_maker_name"] = l.name
			f["decision_maker_role"] = "Attorney for health and welfare (" + l.rel + ")"
		}
	}
	f["consultees"] = consultees
	f["options"] = []schema.OptionConsidered{
		{Option: dest, Benefits: "Meets assessed needs; registered for the category of care; familiar faces or family nearby.", Risks: "Disruption of any move.", LeastRestrictive: true, Chosen: true},
		{Option: "Another home further away", Benefits: "More places available.", Risks: "Further from family and friends."},
	}
	f["decision_reached"] = "Move to " + dest + "."
	f["least_restrictive_reasoning"] = "Staying is not possible; this option keeps contact with family and friends and needs no extra restrictions."
	b.put("best_interests_decisions", did, f)
}
