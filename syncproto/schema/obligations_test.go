package schema

import "testing"

func TestDomain_Notifications(t *testing.T) {
	runCollectionCase(t, "notifications", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "recipient_kind": "head_of_safeguarding", "recipient": "Head of Safeguarding Adults",
			"notified_at": "2026-11-12T09:10:00Z", "notified_by": "Senior QMO", "channel": "phone",
			"confirmed_in_writing_at": "2026-11-12T09:30:00Z", "acknowledged_by": "Pat Lead", "acknowledged_by_kind": "lead",
			"acknowledged_at": "2026-11-12T09:40:00Z", "summary": "Alleged neglect behind the failure",
		},
		required: []string{"incident_id", "recipient_kind", "recipient", "notified_at", "channel"},
		scope:    "incident_id",
		bad: join([]badCase{{name: "unknown recipient", field: "recipient_kind", value: "mayor"},
			{name: "unknown acknowledger", field: "acknowledged_by_kind", value: "receptionist"}},
			timeCases("notified_at"), timeCases("acknowledged_at")),
	})
}

func TestDomain_CommunicationPlans(t *testing.T) {
	runCollectionCase(t, "communication_plans", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "audience": "families_carers", "told_by": "Lead social worker", "method": "in_person",
			"planned_at": "2026-11-13T10:00:00Z", "script": "The home is closing; you will be helped to choose", "script_agreed_by": "Comms officer",
			"status": "done", "done_at": "2026-11-13T11:00:00Z", "notes": "",
		},
		required: []string{"incident_id", "audience", "told_by", "status"},
		scope:    "incident_id",
		bad:      join([]badCase{{name: "unknown audience", field: "audience", value: "everyone"}, {name: "empty teller", field: "told_by", value: ""}}, timeCases("planned_at")),
	})
}

func TestDomain_StaffingCover(t *testing.T) {
	runCollectionCase(t, "staffing_cover", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "service_id": tService, "recorded_at": "2026-11-13T08:00:00Z", "cover_kind": "agency",
			"staff_in_post": 14, "staff_needed": 22, "agency_name": "Derwent Care Staffing", "agency_acceptable": true, "shifts_covered": 30,
			"agency_contact": "01332 000000", "gaps": "Night nurse", "recorded_by": "QMO",
		},
		required: []string{"incident_id", "recorded_at", "cover_kind"},
		scope:    "incident_id",
		bad:      join([]badCase{uuidCase("service_id"), {name: "negative staff", field: "staff_in_post", value: -1}}, timeCases("recorded_at")),
	})
}

func TestDomain_Payments(t *testing.T) {
	runCollectionCase(t, "payments", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "kind": "to_administrator", "party": "Begbies Traynor", "amount": 12500.5,
			"purpose": "Agency staff at Maple Court for two weeks", "service_id": tService, "status": "paid",
			"written_agreement_ref": "WA-2026-14", "written_agreement_on": "2026-11-13", "paid_on": "2026-11-14",
			"resident_id": tResident, "agreement_signed_by": "Administrator", "recover_from_authority": "Nottinghamshire", "invoiced_on": "2026-11-20", "recovered_on": "2026-11-30", "recorded_by": "Finance", "notes": "",
		},
		required: []string{"incident_id", "kind", "party", "amount", "purpose", "status"},
		scope:    "incident_id",
		bad:      join([]badCase{{name: "negative amount", field: "amount", value: -5}, {name: "unknown kind", field: "kind", value: "gift"}}, dateCases("paid_on")),
	})
}

func TestDomain_ResidentResponsibilities(t *testing.T) {
	runCollectionCase(t, "resident_responsibilities", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "resident_id": tResident, "kind": "lead_worker", "responsible_name": "Sam Social",
			"responsible_role": "Social worker", "on_site": true, "allocated_on": "2026-11-12",
			"organisation": "DCC", "capacity_checked": true, "representation": "Daughter", "notes": "",
		},
		required: []string{"incident_id", "resident_id", "kind", "responsible_name", "allocated_on"},
		scope:    "incident_id",
		bad:      join([]badCase{uuidCase("resident_id"), {name: "unknown kind", field: "kind", value: "buddy"}}, dateCases("allocated_on")),
	})
}

func TestDomain_ResidentBelongings(t *testing.T) {
	runCollectionCase(t, "resident_belongings", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "resident_id": tResident, "kind": "petty_cash", "description": "Petty cash tin", "amount": 42.1,
			"counted_at": "2026-11-14T09:00:00Z", "counted_by": "Bea", "status": "handed_over", "move_id": tMove,
			"handed_over_at": "2026-11-18T10:40:00Z", "handed_over_to": "Oakwood Grange manager", "witnessed_by": "Kim", "notes": "",
		},
		required: []string{"incident_id", "resident_id", "kind", "description", "counted_at", "counted_by", "status"},
		scope:    "incident_id",
		bad:      join([]badCase{uuidCase("move_id"), {name: "negative amount", field: "amount", value: -1}}, timeCases("counted_at")),
	})
}

func TestDomain_Complaints(t *testing.T) {
	runCollectionCase(t, "complaints", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "kind": "dispute", "raised_by": "ICB", "raised_at": "2026-11-15T12:00:00Z", "about": "Funding of CHC residents",
			"summary": "Who funds the escort", "status": "resolved", "head_of_service_informed_at": "2026-11-15T13:00:00Z",
			"resolved_at": "2026-11-16T12:00:00Z", "resolution": "Split 50/50", "resident_id": tResident, "resolve_by": "2026-11-20", "legal_involved": false, "recorded_by": "Bea",
		},
		required: []string{"incident_id", "kind", "raised_by", "raised_at", "summary", "status"},
		scope:    "incident_id",
		bad:      join([]badCase{{name: "unknown kind", field: "kind", value: "moan"}}, timeCases("raised_at"), dateCases("resolve_by")),
	})
}

func TestDomain_SABReferrals(t *testing.T) {
	runCollectionCase(t, "sab_referrals", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "considered_at": "2026-12-01T10:00:00Z", "decision": "refer", "reason": "Neglect across the home",
			"decided_by": "Director", "referred_at": "2026-12-02T10:00:00Z", "sab_reference": "SAB-26-3", "meeting_id": tDecision,
		},
		required: []string{"incident_id", "considered_at", "decision", "reason", "decided_by"},
		scope:    "incident_id",
		bad:      join([]badCase{{name: "unknown decision", field: "decision", value: "maybe"}, {name: "empty reason", field: "reason", value: ""}}, timeCases("considered_at")),
	})
}
