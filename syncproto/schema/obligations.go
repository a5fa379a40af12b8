package schema

// The records of the seed's obligations that the checklist alone cannot
// hold (003 s.3, s.10, s.11, Schedule B, Appendix 2 2.9, 2.12, 2.16, 2.19,
// 4.5, 4.10, 8.1, 10.3): each collection names its seed reference in its
// Doc. Cross-field rules (no payment to a provider or administrator without
// a written agreement, s.11; the s.10 leads told by telephone, confirmed in
// writing and acknowledged by the lead or a deputy, not administrative
// staff ...) live in syncproto/domain.

// CommunicationAudiences are who a Communications Plan entry tells (003
// Schedule B "Communications": DCC and Health staff, customers and their
// families, provider and their staff, councillors, press; 2.19 scripts).
var CommunicationAudiences = []string{
	"residents", "families_carers", "provider_staff", "council_health_staff", "councillors", "press", "other",
}

// PlanStatuses are where a Communications Plan entry stands.
var PlanStatuses = []string{"draft", "agreed", "done"}

// CoverKinds are how a service's staffing is kept up (003 s.11 and
// Schedule B "Temporary staffing, (for example via local Agencies)",
// "Temporary management").
var CoverKinds = []string{"provider_staff", "agency", "council_staff", "nhs_staff", "temporary_management"}

// PaymentKinds are the money the council pays or recovers: to the provider
// or its administrator (003 s.11), or a charge or cost recovery from
// another authority (003 s.3).
var PaymentKinds = []string{"to_provider", "to_administrator", "cost_recovery", "charge", "other"}

// PaymentStatuses are where a payment stands; "Payments may need to be
// withheld by commissioners and only paid when situation is resolved"
// (003 s.11).
var PaymentStatuses = []string{"proposed", "withheld", "approved", "paid", "invoiced", "recovered", "disputed"}

// PaymentsNeedingAgreement are the payment statuses that commit the money:
// a payment to the provider or an administrator in one of them needs a
// written agreement first (003 s.11).
var PaymentsNeedingAgreement = []string{"approved", "paid"}

// ResponsibilityKinds are the per-resident responsibilities: the allocated
// lead worker (003 Appendix 2, 2.12) and who takes responsibility for a
// self-funder's care (4.5).
var ResponsibilityKinds = []string{"lead_worker", "self_funder"}

// BelongingKinds are what is held for a resident (003 Appendix 2, 4.10
// "petty cash etc.").
var BelongingKinds = []string{"petty_cash", "belongings", "valuables", "documents"}

// BelongingStatuses are where a resident's money or belongings are.
var BelongingStatuses = []string{"held", "handed_over", "returned_to_family", "missing"}

// NotifiedKinds are who an incident notification went to: the s.10 leads
// (Head of Commissioning and Market Management, Service Director, Head of
// Safeguarding Adults), CQC, other councils and the NHS.
var NotifiedKinds = []string{
	"head_of_commissioning", "service_director", "head_of_safeguarding", "cqc", "other_council", "nhs", "other",
}

// S10Leads are the recipients 003 s.10 says must be told "immediately by
// telephone with confirmation in writing (email)", and whose receipt must
// be "received and acknowledged".
var S10Leads = []string{"head_of_commissioning", "service_director", "head_of_safeguarding"}

// AcknowledgerKinds are who acknowledged a notification: the lead, their
// nominated deputy, or someone else ("It is not acceptable to leave a
// message with administrative staff", 003 s.10).
var AcknowledgerKinds = []string{"lead", "nominated_deputy", "administrative_staff", "other"}

// ComplaintKinds are complaints and disputes (003 Appendix 2, 8.1; s.3 "Where
// a dispute occurs").
var ComplaintKinds = []string{"complaint", "dispute"}

// ComplaintStatuses are where a complaint or dispute stands.
var ComplaintStatuses = []string{"open", "escalated", "resolved"}

// SABDecisions are the outcome of considering a referral to the
// Safeguarding Adults Board (003 Appendix 2, 10.3).
var SABDecisions = []string{"refer", "do_not_refer"}

// CommunicationPlans are the incident's Communications Plan: who tells whom,
// when and how, with the agreed script (003 Schedule B; Appendix 2, 2.16,
// 2.19).
var CommunicationPlans = Collection{
	Name:       "communication_plans",
	Retention:  RetainIncidentRecord,
	Order:      []FieldOrder{{"planned_at", "done_at"}},
	ScopeField: "incident_id",
	Doc:        "an entry of the Communications Plan: who tells whom, when and how, and the script (003 Schedule B; Appendix 2, 2.16, 2.19)",
	Fields: []Field{
		IncidentField,
		required(enum("audience", CommunicationAudiences, "who is told")),
		required(label("told_by", 200, "who tells them")),
		enum("method", CommunicationChannels, "how they are told"),
		instant("planned_at", "when they are to be told"),
		text("script", 20000, "the formal script agreed with the lead Communications Officer (2.19)"),
		text("script_agreed_by", 200, "the Communications Officer who agreed the script"),
		required(enum("status", PlanStatuses, "draft, agreed or done")),
		instant("done_at", "when they were told"),
		text("notes", 5000, ""),
	},
}

// StaffingCover records how the failing service is staffed: the provider's
// staff kept in post and agency or other cover (003 s.11; Schedule B;
// Appendix 2, 2.9).
var StaffingCover = Collection{
	Name:       "staffing_cover",
	Retention:  RetainIncidentRecord,
	ScopeField: "incident_id",
	Doc:        "the staffing of a failing service: staff in post and agency or other cover (003 s.11, Schedule B; Appendix 2, 2.9)",
	Fields: []Field{
		IncidentField,
		ref("service_id", "the service staffed"),
		required(instant("recorded_at", "when the staffing was checked")),
		required(enum("cover_kind", CoverKinds, "who covers: the provider's own staff, an agency, council or NHS staff, temporary management")),
		count("staff_in_post", "the provider's staff still in post"),
		count("staff_needed", "staff needed to run the service safely"),
		text("agency_name", 300, "the staffing agency, for agency cover"),
		text("agency_contact", 500, "the agency's contact details (2.9)"),
		boolean("agency_acceptable", "the agency is one the council accepts using (2.9)"),
		count("shifts_covered", "shifts covered this week"),
		text("gaps", 5000, "shifts or skills not covered"),
		text("recorded_by", 200, "who recorded it"),
	},
}

// Payments are the council's payments to the provider or its administrator,
// which need a written agreement first (003 s.11), and the charges and cost
// recovery from another authority (003 s.3).
var Payments = Collection{
	Name:       "payments",
	Retention:  RetainIncidentRecord,
	Order:      []FieldOrder{{"written_agreement_on", "paid_on"}},
	ScopeField: "incident_id",
	Doc:        "a payment to the provider or administrator (003 s.11, written agreement first) or a charge or cost recovery from another authority (003 s.3)",
	Fields: []Field{
		IncidentField,
		required(enum("kind", PaymentKinds, "to the provider, to the administrator, cost recovery or a charge")),
		required(label("party", 300, "who is paid, or who pays")),
		required(said(amount("amount", "the amount in pounds"), "the amount")),
		required(label("purpose", 2000, "what the money is for, e.g. agency staff at one home")),
		ref("service_id", "the service the money is for"),
		refTo("residents", "resident_id", "the person, for a charge or cost recovery"),
		required(enum("status", PaymentStatuses, "proposed, withheld, approved, paid, invoiced, recovered or disputed")),
		text("written_agreement_ref", 200, "the written agreement's reference (003 s.11)"),
		date("written_agreement_on", "the date of the written agreement"),
		text("agreement_signed_by", 200, "who signed the agreement for the provider or administrator"),
		date("paid_on", "when it was paid"),
		text("recover_from_authority", 200, "the authority where the person is ordinarily resident, from which the cost is recovered (003 s.3)"),
		date("invoiced_on", "when the other authority was invoiced"),
		date("recovered_on", "when the cost was recovered"),
		text("recorded_by", 200, "who recorded it"),
		text("notes", 5000, ""),
	},
}

// ResidentResponsibilities are who is responsible for a resident: the
// allocated lead worker (003 Appendix 2, 2.12) and who takes responsibility
// for a self-funder's care (4.5).
var ResidentResponsibilities = Collection{
	Name:       "resident_responsibilities",
	Retention:  RetainCareRecord,
	ScopeField: "incident_id",
	Doc:        "a resident's lead worker (003 Appendix 2, 2.12) or who takes responsibility for a self-funder's care (4.5)",
	Fields: []Field{
		IncidentField,
		required(refTo("residents", "resident_id", "the person")),
		required(enum("kind", ResponsibilityKinds, "lead worker, or responsibility for a self-funder")),
		required(label("responsible_name", 200, "the lead worker, or who takes responsibility for the person's care")),
		text("responsible_role", 200, "their role"),
		text("organisation", 200, "their organisation"),
		boolean("on_site", "the lead worker is based on site (2.12)"),
		required(date("allocated_on", "when the responsibility was allocated")),
		boolean("capacity_checked", "the self-funder's capacity was checked (4.5, see 3.8)"),
		text("representation", 2000, "the self-funder's representation: family, attorney, advocate (4.5)"),
		text("notes", 5000, ""),
	},
}

// ResidentBelongings are residents' petty cash and belongings held by the
// home, counted, and handed over at the move (003 Appendix 2, 4.10).
var ResidentBelongings = Collection{
	Name:       "resident_belongings",
	Retention:  RetainCareRecord,
	Order:      []FieldOrder{{"counted_at", "handed_over_at"}},
	ScopeField: "incident_id",
	Doc:        "a resident's petty cash or belongings, counted and handed over at the move (003 Appendix 2, 4.10)",
	Fields: []Field{
		IncidentField,
		required(refTo("residents", "resident_id", "the person")),
		required(enum("kind", BelongingKinds, "petty cash, belongings, valuables or documents")),
		required(label("description", 2000, "what is held")),
		said(amount("amount", "the amount of petty cash in pounds"), "the amount of petty cash"),
		required(instant("counted_at", "when it was counted")),
		required(label("counted_by", 200, "who counted it")),
		text("witnessed_by", 200, "who witnessed the count"),
		required(enum("status", BelongingStatuses, "held, handed over, returned to the family, or missing")),
		refTo("moves", "move_id", "the move it travelled with"),
		instant("handed_over_at", "when it was handed over"),
		text("handed_over_to", 200, "who received it at the new home"),
		text("notes", 5000, ""),
	},
}

// Notifications are the incident's notifications: the s.10 leads (by
// telephone with confirmation in writing, received and acknowledged), the
// Head of Safeguarding, CQC, other councils and the NHS, with who
// acknowledged and when (003 s.10).
var Notifications = Collection{
	Name:       "notifications",
	Retention:  RetainIncidentRecord,
	Order:      []FieldOrder{{"notified_at", "acknowledged_at"}, {"notified_at", "confirmed_in_writing_at"}},
	ScopeField: "incident_id",
	Doc:        "a notification of the failure to a lead, CQC, another council or the NHS, and its acknowledgement (003 s.10)",
	Fields: []Field{
		IncidentField,
		required(enum("recipient_kind", NotifiedKinds, "who was told: a s.10 lead, CQC, another council or the NHS")),
		required(label("recipient", 200, "the person or body told")),
		required(instant("notified_at", "when they were told")),
		text("notified_by", 200, "who told them"),
		required(enum("channel", CommunicationChannels, "how they were told")),
		instant("confirmed_in_writing_at", "when it was confirmed in writing (email)"),
		text("acknowledged_by", 200, "who acknowledged it"),
		enum("acknowledged_by_kind", AcknowledgerKinds, "the lead, their nominated deputy, administrative staff or someone else"),
		instant("acknowledged_at", "when it was acknowledged"),
		text("summary", 5000, "what was said"),
	},
}

// Complaints are complaints and disputes between the interested agencies,
// recorded and resolved (003 Appendix 2, 8.1; s.3 "Where a dispute occurs
// staff must inform their Head of Service in writing").
var Complaints = Collection{
	Name:       "complaints",
	Retention:  RetainIncidentRecord,
	Order:      []FieldOrder{{"raised_at", "resolved_at"}},
	ScopeField: "incident_id",
	Doc:        "a complaint or dispute, recorded and resolved (003 Appendix 2, 8.1; s.3)",
	Fields: []Field{
		IncidentField,
		required(enum("kind", ComplaintKinds, "complaint or dispute")),
		required(label("raised_by", 200, "who raised it")),
		required(instant("raised_at", "when it was raised")),
		text("about", 300, "the agency, provider or person it is about"),
		refTo("residents", "resident_id", "the person it concerns, if one"),
		required(label("summary", 20000, "what it is about")),
		required(enum("status", ComplaintStatuses, "open, escalated or resolved")),
		date("resolve_by", "the fixed date by which it should be resolved"),
		instant("head_of_service_informed_at", "when the Head of Service was told in writing, for a dispute (003 s.3)"),
		boolean("legal_involved", "Legal Services are involved"),
		instant("resolved_at", "when it was resolved"),
		text("resolution", 20000, "how it was resolved"),
		text("recorded_by", 200, "who recorded it"),
	},
}

// SABReferrals record the consideration of a referral to the Safeguarding
// Adults Board in the de-brief and review (003 Appendix 2, 10.3).
var SABReferrals = Collection{
	Name:       "sab_referrals",
	Retention:  RetainIncidentRecord,
	Order:      []FieldOrder{{"considered_at", "referred_at"}},
	ScopeField: "incident_id",
	Doc:        "the consideration of a referral to the Safeguarding Adults Board (003 Appendix 2, 10.3)",
	Fields: []Field{
		IncidentField,
		required(instant("considered_at", "when the referral was considered")),
		refTo("meeting_records", "meeting_id", "the de-brief or review meeting where it was considered"),
		required(enum("decision", SABDecisions, "refer, or do not refer")),
		required(label("reason", 5000, "why")),
		required(label("decided_by", 200, "who decided")),
		instant("referred_at", "when the referral was made"),
		text("sab_reference", 100, "the Board's reference"),
	},
}
