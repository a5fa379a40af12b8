package schema

import "time"

// Field-set building blocks shared by the collection declarations.

// IncidentField is the uuid field that scopes a record to its incident.
var IncidentField = Field{Name: "incident_id", Kind: String, Tag: "uuid", Required: true, Doc: "the incident (provider failure case) the record belongs to"}

// Residents is the residents (customers) collection.
var Residents = Collection{
	Name:       "residents",
	Retention:  RetainCareRecord,
	ScopeField: "incident_id",
	Doc:        "a person living in (or served by) the failing service",
	Fields: []Field{
		IncidentField,
		{Name: "given_name", Kind: String, Tag: "min=1,max=200", Required: true, Doc: "given name"},
		{Name: "family_name", Kind: String, Tag: "min=1,max=200", Required: true, Doc: "family name"},
		{Name: "date_of_birth", Kind: String, Tag: "date", Check: birthDate, Spec: birthDateSpec, Doc: "YYYY-MM-DD, not in the future", Say: "date of birth"},
		{Name: "nhs_number", Kind: String, Tag: "nhs_number", Doc: "10 digits, no spaces; the last is the modulus-11 check digit", Say: "NHS number"},
		{Name: "current_service_id", Kind: String, Tag: "uuid", Policy: Flag, Doc: "where the person lives now"},
		{Name: "notes", Kind: String, Tag: "max=20000"},
		text("preferred_name", 200, "what the person likes to be called"),
		text("room", 20, "room at the current service"),
		historic("admitted_on", "when the person moved into the current service"),
		enum("status", ResidentStatuses, "where the person stands in the incident"),
		flagged(enum("registration_category", RegistrationCategories, "category of care the person needs (003 Appendix 2, 3.3)")),
		flagged(enum("funding_stream", FundingStreams, "who funds the placement (003 Appendix 2, section 4); superseded by funding_streams, read when that is unset")),
		flagged(enums("funding_streams", FundingStreams, "every stream funding the placement, several at once (e.g. a self-funder receiving FNC; 003 Appendix 2 header counts them in separate columns)")),
		text("placing_authority", 200, "the authority that placed the person (out-of-area and s117 placements)"),
		text("case_reference", 50, "the council's case reference"),
		enum("chc_status", CHCStatuses, "NHS Continuing Healthcare status"),
		amount("weekly_fee", "current weekly fee in pounds (003 Appendix 2, 4.7)"),
		text("needs_summary", 20000, "summary of care and support needs"),
		boolean("very_frail", "very frail or nearing the end of life: exceptional arrangements (3.5)"),
		boolean("end_of_life", "receiving end-of-life care"),
		boolean("assess_early", "prone to stress, anxiety or complexity: assess early (3.7)"),
		text("assess_early_reason", 2000, "why to assess early"),
		boolean("wishes_to_move_early", "wishes to move sooner rather than later (3.6)"),
		text("friendship_group", 100, "label shared by residents who should be kept together where practicable (3.1, 7.4)"),
		enum("dols_status", DoLSStatuses, "Deprivation of Liberty Safeguards authorisation (3.10)"),
		date("dols_expiry", "when the DoLS authorisation expires"),
		text("dols_supervisory_body", 200, "the DoLS supervisory body"),
		text("dols_representative", 200, "relevant person's representative (family or paid)"),
		text("dols_imca", 200, "IMCA instructed under DoLS"),
		list[PowerOfAttorney]("lpa", 10, "Lasting and Enduring Powers of Attorney and deputies (3.11, 4.11)"),
		boolean("advocacy_needed", "needs generic advocacy to support the transfer (3.9)"),
		text("advocate", 200, "the advocate"),
		text("gp", 500, "GP practice and contact"),
		text("medication_summary", 20000, "medication summary"),
		list[Equipment]("equipment", 50, "equipment the person uses, who owns it, whether it can transfer (2.13)"),
		list[Carer]("carers", 20, "carers and significant others (section 5)"),
		text("communication_needs", 2000, "language, sensory or communication needs"),
		text("current_location", 300, "where the person is now when not at a service, e.g. a hospital and ward (whereabouts)"),
		instant("whereabouts_updated_at", "when current_service_id, current_location or status last changed"),
		refs("preferred_service_ids", 20, "homes the person or their family prefer (003 Appendix 2, 7.2, 7.9)"),
		texts("preferred_areas", 20, 200, "areas the person or their family prefer, e.g. near a daughter in Belper"),
		text("preferences", 5000, "stated preferences about the new home, in the person's or family's words"),
		text("about_me", 10000, "what matters to the person, in their own words, for the receiving home's transfer summary"),
	},
}

// SafeAndWellChecks is the safe-and-well checks collection.
var SafeAndWellChecks = Collection{
	Name:           "safe_and_well_checks",
	Retention:      RetainCareRecord,
	AboutOnePerson: true,
	ScopeField:     "incident_id",
	Doc:            "a visit to check a resident is safe and well",
	Fields: []Field{
		IncidentField,
		{Name: "resident_id", Kind: String, Tag: "uuid", Required: true, Ref: "residents", Doc: "the person checked"},
		required(said(happened("visited_at", "when the person was visited"), "the date and time of the visit")),
		{Name: "outcome", Kind: String, Tag: "oneof=safe_and_well concerns not_seen", Required: true, Doc: "safe and well, concerns, or not seen", Say: "the outcome of the check"},
		{Name: "observations", Kind: String, Tag: "max=20000", Doc: "observations in general"},
		{Name: "actions", Kind: String, Tag: "max=20000", Doc: "actions taken or needed, as text"},
		text("visitor_name", 200, "who visited"),
		text("visitor_role", 200, "their role"),
		text("location", 300, "where the person was seen"),
		boolean("seen", "the person was seen in person"),
		enum("feels_safe", FeelsSafe, "whether the person says they feel safe"),
		text("in_own_words", 5000, "what the person said, in their own words"),
		text("wellbeing", 5000, "observations: emotional wellbeing"),
		text("physical", 5000, "observations: physical health"),
		text("environment", 5000, "observations: environment"),
		text("medication", 5000, "observations: medication and MAR chart"),
		text("nutrition_hydration", 5000, "observations: nutrition and hydration"),
		text("belongings_equipment", 5000, "observations: belongings and equipment"),
		boolean("family_informed", "family informed of the check"),
		boolean("safeguarding_raised", "a safeguarding concern was raised"),
		text("s42_reference", 50, "the s.42 enquiry reference"),
		text("risks", 5000, "risks identified"),
		withKeyCheck(list[ActionItem]("action_items", 50, "actions with owner and due date"), "due_on",
			&Spec{Type: SpecDateRange, From: EarliestEvent.Format(time.DateOnly), To: LatestEvent.Format(time.DateOnly), MaxDaysPast: NewActionMaxDaysPast, OnCreate: true}),
		said(date("follow_up_due", "when the next check is due"), "the date the next check is due"),
		refTo("safe_and_well_checks", "previous_check_id", "the previous check of this person"),
	},
}

// Core returns the collections of the sync core.
func Core() []Collection { return []Collection{Residents, SafeAndWellChecks} }
