package schema

// The domain collections (domain.md "Records"; seed 003). Residents and
// SafeAndWellChecks are declared in collections.go with the sync core.
//
// Scoping: every collection about an incident carries incident_id and is
// scoped by it. Incidents are scoped by their own id: an incident record
// carries incident_id equal to its record id, so a device granted the
// incident receives the incident itself. Providers, services, vacancies,
// concerns and RAG status entries describe the market and exist before (and
// across) incidents, so they are not incident-scoped; concerns and RAG
// statuses are read-restricted by role instead (commercial confidentiality).
//
// Cross-record rules (one place at a time, best interests resting on an
// assessment that found capacity lacking, signed assessments never edited,
// an incident's incident_id equal to its id ...) live in syncproto/rules and
// are wired as Collection.Rules elsewhere.

// Providers are care providers: the organisations that run services.
var Providers = Collection{
	Name:      "providers",
	Retention: RetainMarket,
	Doc:       "a care provider (the registered organisation), failing or with capacity",
	Fields: []Field{
		required(label("name", 300, "the provider's name")),
		{Name: "cqc_provider_id", Kind: String, Check: matching(cqcID, "a CQC id such as 1-10552899555"), Spec: patternSpec(cqcID, "a CQC id such as 1-10552899555"), Doc: "CQC provider id"},
		enum("organisation_type", OrganisationTypes, "legal form; business failure of an individual is bankruptcy"),
		text("head_office_address", 1000, "head office address, if different from the services"),
		postcode("head_office_postcode", "head office postcode"),
		text("owner", 300, "owner or company"),
		text("nominated_individual", 200, "CQC nominated individual"),
		text("contact_name", 200, "lead contact at the provider"),
		text("contact_phone", 50, "lead contact's telephone"),
		email("contact_email", "lead contact's email address"),
		text("administrator", 300, "administrator, receiver or liquidator, once appointed, with their firm"),
		text("administrator_contact", 500, "how to reach the administrator"),
		enum("insolvency_event", InsolvencyEvents, "the business-failure event, 003 s.4 (a)-(i) or bankruptcy"),
		date("insolvency_event_on", "when the insolvency event happened"),
		boolean("regulated", "registered with CQC for a regulated activity"),
		boolean("contracted_la", "contracted by the local authority"),
		boolean("contracted_icb", "contracted by the ICB"),
		boolean("market_oversight", "in CQC's market oversight regime (003 s.5)"),
		enum("market_oversight_risk", MarketOversightRisks, "CQC market oversight financial risk"),
		count("total_beds", "declared beds across England, for the market oversight test (003 s.5: \"at least 2,000 anywhere in England\")"),
		count("areas_with_beds", "declared number of local-authority areas in England where the provider has at least one bed (003 s.5 (b))"),
		amount("hours_per_week", "hours of non-residential care a week across England"),
		count("people_per_week", "people given non-residential care a week across England"),
		texts("local_authority_areas", 400, 200, "local-authority areas the provider serves"),
		boolean("bcp_exists", "a business continuity plan is in place (003 Appendix 2, 2.15)"),
		boolean("bcp_viable", "the business continuity plan is still viable"),
		boolean("contracting_suspended", "the council has suspended contracting with the provider"),
		text("suspension_reason", 2000, "why contracting is suspended, e.g. a neighbouring authority's suspension (003 s.9)"),
		text("suspended_by_authority", 200, "the authority whose suspension this follows, if not the council's own"),
		date("suspended_on", "when contracting was suspended"),
		enum("suspension_recommendation", SuspensionRecommendations, "a recommendation to the Director to suspend contracting, or to lift a suspension (003 Appendix 1: \"Recommend Provider suspension by report to Director\")"),
		text("suspension_report", 20000, "the report to the Director behind the recommendation"),
		text("suspension_recommended_by", 200, "who recommended"),
		date("suspension_recommended_on", "when it was recommended"),
		text("suspension_decided_by", 200, "the Director who decided to suspend or lift"),
		boolean("flagged_for_review", "the provider is flagged for the QMT's attention, e.g. after a neighbouring authority's suspension (003 s.9)"),
		text("flag_reason", 2000, "why the provider is flagged"),
		text("notes", 20000, ""),
	},
}

// Services are a provider's services or locations (a care home, a home-care
// branch).
var Services = Collection{
	Name:      "services",
	Retention: RetainMarket,
	Lookups:   []string{"provider_id"},
	Doc:       "a provider's service or location, e.g. a care home",
	Fields: []Field{
		required(ref("provider_id", "the provider that runs the service")),
		required(label("name", 300, "the service's name")),
		required(enum("service_type", ServiceTypes, "kind of service")),
		{Name: "cqc_location_id", Kind: String, Check: matching(cqcID, "a CQC id such as 1-10552899555"), Spec: patternSpec(cqcID, "a CQC id such as 1-10552899555"), Doc: "CQC location id"},
		text("address", 1000, "street address"),
		text("town", 200, "town or city"),
		postcode("postcode", "postcode"),
		text("local_authority", 200, "local-authority area the service is in"),
		text("area", 200, "locality within the authority, as vacancies are searched"),
		text("registered_manager", 200, "CQC registered manager"),
		text("phone", 50, "telephone"),
		email("email", "the service's email address"),
		boolean("regulated", "registered with CQC"),
		enums("registration_categories", RegistrationCategories, "categories of care the service is registered for"),
		count("beds", "registered beds (residential services)"),
		amount("hours_per_week", "hours of care a week (non-residential services)"),
		count("people_per_week", "people given care a week (non-residential services)"),
		enum("cqc_rating", CQCRatings, "CQC overall rating"),
		date("cqc_rated_on", "date of the latest CQC rating"),
		boolean("contracted_la", "contracted by the local authority"),
		boolean("contracted_icb", "contracted by the ICB"),
		boolean("contracting_suspended", "the council has suspended contracting with the service"),
		enum("operating_status", []string{"operating", "closing", "closed"}, "whether the service is still running"),
		text("notes", 20000, ""),
	},
}

// Concerns are concerns and intelligence about a provider (003 Appendix 1,
// "Triggering the QMT Quality Assurance Process").
var Concerns = Collection{
	Name:      "concerns",
	Retention: RetainConcern,
	Lookups:   []string{"provider_id"},
	Order:     []FieldOrder{{"raised_on", "resolved_on"}, {"raised_on", "resolve_by"}},
	Doc:       "a concern or piece of intelligence about a provider; commercially confidential",
	Fields: []Field{
		required(ref("provider_id", "the provider concerned")),
		ref("service_id", "the service concerned, if one"),
		required(enum("source", ConcernSources, "where the concern came from")),
		required(date("raised_on", "when the concern was raised")),
		text("raised_by", 200, "who raised it (may be withheld for whistleblowing)"),
		required(label("description", 20000, "what the concern is")),
		text("evidence", 20000, "evidence seen"),
		text("safeguarding_reference", 50, "MASH or s.42 enquiry reference"),
		date("resolve_by", "the fixed date by which it should be resolved"),
		required(enum("status", ConcernStatuses, "resolved or not by the fixed date")),
		date("resolved_on", "when it was resolved"),
		text("resolution", 20000, "how it was resolved, or why not"),
	},
}

// RAGStatuses are the history of a provider's QMT RAG status: one record per
// escalation or de-escalation.
var RAGStatuses = Collection{
	Name:      "rag_statuses",
	Retention: RetainMarket,
	Lookups:   []string{"provider_id"},
	Doc:       "one step of a provider's RAG status history (003 Appendix 1); commercially confidential",
	Fields: []Field{
		required(ref("provider_id", "the provider rated")),
		ref("service_id", "the service rated, if the rating is for one service"),
		enum("previous_status", RAGLevels, "the status before this step"),
		required(enum("status", RAGLevels, "the status from this step")),
		required(label("reason", 20000, "why: the RAG tool's indicators met")),
		required(instant("decided_at", "when the step was decided")),
		required(label("decided_by", 200, "who decided")),
		required(enum("decided_by_role", Roles, "the decider's role: escalation rights depend on it")),
		refs("concern_ids", 200, "concerns that led to the step"),
		enum("market_oversight_risk", MarketOversightRisks, "CQC market oversight rating at the time, if known"),
		enum("delegated_from_role", Roles, "the role whose authority the decider exercises by delegation: commissioner, for the Senior QMO acting in the Head of Adults Commissioning's absence (003 Appendix 1)"),
		text("delegated_by", 200, "who delegated their authority"),
		text("delegation_reason", 2000, "why, e.g. the Head of Adults Commissioning's absence"),
		text("below_triggers_reason", 20000, "why the provider is rated below what the RAG tool's triggers give (003 Appendix 1), e.g. a CQC Inadequate rating whose warning notices have been lifted"),
	},
}

// Incidents are provider failures or service interruptions being managed.
var Incidents = Collection{
	Name:       "incidents",
	Retention:  RetainIncidentRecord,
	Lookups:    []string{"provider_id"},
	Order:      []FieldOrder{{"activated_at", "escalated_at"}},
	ScopeField: "incident_id",
	Doc:        "one provider failure or service interruption; incident_id is the record's own id",
	Fields: []Field{
		required(Field{Name: "incident_id", Kind: String, Tag: "uuid", Doc: "the incident's own id: equal to the record id, so the incident is in its own scope"}),
		required(ref("provider_id", "the provider that is failing")),
		refs("service_ids", 200, "the services affected"),
		required(label("title", 300, "short name, e.g. the service and the trigger")),
		required(enum("trigger_criterion", TriggerCriteria, "activation criterion, 003 s.10 (i)-(iv)")),
		required(Field{Name: "process", Kind: Integer, Tag: "oneof=1 2", Doc: "1: Final Concerns Response Management; 2: Provider Failure Management"}),
		required(enum("status", IncidentStatuses, "active or closed")),
		required(instant("activated_at", "when the procedure was activated")),
		text("activated_by", 200, "who activated it (the Director for Process 2)"),
		required(label("reason", 20000, "why the trigger criterion is met")),
		enum("cause", InabilityCauses, "why the provider cannot carry on"),
		boolean("business_continuity_plan_failed", "criterion iv: the provider's own plan is unable, or has failed, to address the impact"),
		boolean("final_concerns_meeting_held", "criterion i: a Final Concerns Response Meeting was held"),
		text("agreed_with", 200, "Process 1 is a joint decision: who agreed with the activator (003 s.10 (i) \"in conjunction with the Director\")"),
		enum("agreed_with_role", Roles, "their role: the director when a commissioner activates Process 1, the commissioner when the director does"),
		boolean("process_1_provider_failed", "the provider failed at the end of Process 1 (003 Appendix 1)"),
		instant("escalated_at", "when Process 1 was escalated to Process 2 (the Process 1 history is kept)"),
		text("escalated_by", 200, "the Director who decided to escalate to Process 2"),
		text("escalation_reason", 20000, "why the provider failed at the end of Process 1"),
		boolean("service_continuing", "the provider carries on the activity despite its failure, e.g. an administrator keeps the home open (003 s.3, s.7): the s.48 duty is not triggered"),
		text("lead_officer", 200, "the Provider Failure Manager or Concerns Response Manager"),
		list[Member]("steering_group", 50, "the Joint Incident Steering Group; mark the chair"),
		date("date_initiated", "the checklist's 'Date initiated'"),
		date("failure_expected_on", "when the service is expected to stop"),
		text("timescale", 2000, "timescale for the failure, as known"),
		date("icb_notified_on", "when the ICB was notified"),
		date("cqc_notified_on", "when CQC was notified"),
		text("situation", 20000, "brief description of the situation, updated as it develops"),
		boolean("public", "the failure is public; before that, commercial confidentiality applies"),
		enum("outcome", IncidentOutcomes, "remedial work, suspended, or provider failure"),
		date("outcome_on", "when the outcome was decided"),
		text("notes", 20000, ""),
	},
}

// ChecklistItems are the Management Checklist's actions for one incident
// (003 Appendix 2).
var ChecklistItems = Collection{
	Name:       "checklist_items",
	Retention:  RetainIncidentRecord,
	ScopeField: "incident_id",
	Doc:        "one action of the Management Checklist for an incident",
	Fields: []Field{
		IncidentField,
		required(Field{Name: "section", Kind: Integer, Tag: "gte=1,lte=10", Doc: "section 1 to 10"}),
		text("section_title", 200, "the section's title"),
		required(Field{Name: "number", Kind: String, Check: matching(checklistNumber, "an item number such as 2.10"), Spec: patternSpec(checklistNumber, "an item number such as 2.10"), Doc: "item number as printed, e.g. 2.10"}),
		required(label("text", 5000, "the action")),
		required(enum("responsibility", Responsibilities, "DCC, NHS or Provider")),
		enum("responsibility_source", ResponsibilitySources, "how the responsibility was set"),
		text("owner_role", 200, "the named role that owns the action, e.g. Provider Failure Manager (syncproto/checklist duties; the lead officer reassigns it)"),
		text("officer_initials", 10, "initials of the responsible officer"),
		text("notes", 20000, ""),
		required(enum("status", ChecklistStatuses, "where the action stands")),
		date("due_on", "when the action is due"),
		date("completed_on", "when the action was done"),
		list[Evidence]("evidence", 50, "records that show the action done: a meeting, a log entry, a set of checks"),
		text("waiver_reason", 5000, "why the Director waived the action (status not applicable)"),
	},
}

// CapacityAssessments are Mental Capacity Act 2005 assessments, one per
// specific decision. Once signed an assessment is a legal record: it is never
// edited, only superseded (a rule in syncproto/rules).
var CapacityAssessments = Collection{
	Name:           "capacity_assessments",
	Retention:      RetainCareRecord,
	AboutOnePerson: true,
	Lookups:        []string{"resident_id"},
	ScopeField:     "incident_id",
	Doc:            "a two-stage mental capacity assessment for one specific decision",
	Fields: []Field{
		IncidentField,
		required(refTo("residents", "resident_id", "the person assessed")),
		required(label("decision", 1000, "the specific decision, e.g. where to live after the closure")),
		enum("decision_type", DecisionTypes, "kind of decision"),
		text("reason_for_doubt", 5000, "why capacity is in doubt"),
		text("relevant_information", 10000, "the options and their consequences"),
		text("how_information_given", 5000, "how the information was put to the person"),
		text("practicable_steps", 5000, "steps taken to help the person decide: venue, communication aids, helpers"),
		boolean("can_wait", "the decision can wait until the person may regain capacity"),
		text("can_wait_reason", 2000, "why it can or cannot wait"),
		boolean("impairment", "stage 1: an impairment of, or disturbance in the functioning of, the mind or brain"),
		text("impairment_evidence", 5000, "stage 1 evidence; no formal diagnosis needed"),
		enum("impairment_duration", ImpairmentDurations, "temporary or lasting"),
		boolean("can_understand", "stage 2: can understand the relevant information"),
		text("understand_evidence", 5000, "evidence for understanding"),
		boolean("can_retain", "stage 2: can retain it"),
		text("retain_evidence", 5000, "evidence for retaining"),
		boolean("can_use_or_weigh", "stage 2: can use or weigh it"),
		text("use_or_weigh_evidence", 5000, "evidence for using or weighing"),
		boolean("can_communicate", "stage 2: can communicate the decision"),
		text("communicate_evidence", 5000, "evidence for communicating"),
		boolean("causative_nexus", "unable to decide because of the impairment"),
		text("causative_nexus_evidence", 5000, "evidence that the inability is because of the impairment"),
		flagged(enum("outcome", CapacityOutcomes, "has or lacks capacity for this decision")),
		text("persons_decision", 5000, "if the person has capacity, their decision in their own words"),
		text("assessor_name", 200, "assessor"),
		text("assessor_role", 200, "assessor's role"),
		text("assessor_organisation", 200, "assessor's organisation"),
		list[Sitting]("sittings", 50, "the sittings, with dates"),
		instant("signed_at", "when the assessment was signed; signed assessments are never edited"),
		text("signed_by", 200, "who signed"),
		refTo("capacity_assessments", "supersedes_id", "the signed assessment this one supersedes"),
	},
}

// BestInterestsDecisions are MCA 2005 s.4 best-interests decisions, each
// resting on the assessment that found capacity lacking.
var BestInterestsDecisions = Collection{
	Name:           "best_interests_decisions",
	Retention:      RetainCareRecord,
	AboutOnePerson: true,
	Lookups:        []string{"resident_id"},
	Order:          []FieldOrder{{"imca_referral_date", "imca_report_on"}},
	ScopeField:     "incident_id",
	Doc:            "a best-interests decision for a person who lacks capacity for it",
	Fields: []Field{
		IncidentField,
		required(refTo("capacity_assessments", "assessment_id", "the capacity assessment that found capacity lacking")),
		required(refTo("residents", "resident_id", "the person")),
		required(label("decision", 1000, "the specific decision, as in the assessment")),
		enum("decision_type", DecisionTypes, "kind of decision, for the IMCA test"),
		enum("setting", Settings, "where an accommodation decision would place the person"),
		said(count("expected_stay_days", "expected length of stay, for the IMCA test"), "how many days the person is expected to stay"),
		boolean("authority_present", "an attorney or deputy has authority for this decision (then they decide)"),
		text("authority_name", 200, "that attorney or deputy"),
		enum("authority_kind", AuthorityKinds, "their authority"),
		boolean("no_assumption_from_age_or_appearance", "s.4(1): not decided merely on age, appearance or behaviour"),
		boolean("can_wait", "s.4(3): whether the person may regain capacity and the decision can wait"),
		text("participation", 5000, "s.4(4): how the person was helped to take part"),
		text("wishes_and_feelings", 5000, "s.4(6)(a): past and present wishes and feelings"),
		text("beliefs_and_values", 5000, "s.4(6)(b): beliefs and values"),
		text("other_factors", 5000, "s.4(6)(c): other factors they would consider"),
		list[Consultee]("consultees", 50, "who was consulted, their views and when"),
		list[OptionConsidered]("options", 20, "options considered; mark the least restrictive and the chosen"),
		text("decision_reached", 5000, "the decision made in the person's best interests"),
		text("least_restrictive_reasoning", 5000, "why the choice is the least restrictive that meets the need"),
		enum("decision_maker", DecisionMakers, "who decides"),
		text("decision_maker_name", 200, "the decision-maker"),
		text("decision_maker_role", 200, "their role"),
		boolean("imca_required", "an IMCA must be instructed, as the recorder judged it; reports work it out from the rule"),
		text("imca_urgency_reason", 2000, "the urgency exception: why the move was made before an IMCA could be instructed (MCA 2005 ss.38(4), 39(4))"),
		date("imca_referral_date", "when the IMCA was instructed"),
		text("imca_name", 200, "the IMCA"),
		date("imca_report_on", "when the IMCA's report was received"),
		text("imca_report", 20000, "summary of the IMCA's report"),
		instant("decided_at", "when the decision was made"),
	},
}

// Moves are residents' moves from one service to another.
var Moves = Collection{
	Name:           "moves",
	Retention:      RetainCareRecord,
	AboutOnePerson: true,
	Lookups:        []string{"resident_id", "to_service_id"},
	ScopeField:     "incident_id",
	Doc:            "a resident's move to another service",
	Fields: []Field{
		IncidentField,
		required(refTo("residents", "resident_id", "who moves")),
		required(ref("from_service_id", "where from")),
		required(flagged(ref("to_service_id", "where to: registered for the category needed, able to meet needs"))),
		enum("chosen_by", MoveChoosers, "who chose the destination"),
		refTo("best_interests_decisions", "best_interests_decision_id", "the best-interests decision behind the choice, if any"),
		flagged(instant("planned_at", "planned departure; within normal working hours")),
		instant("planned_arrival_at", "planned arrival"),
		text("out_of_hours_reason", 2000, "why the move is planned outside normal working hours"),
		required(flagged(enum("status", MoveStatuses, "where the move stands"))),
		text("cancelled_reason", 2000, "why the move was cancelled"),
		text("hold_reason", 2000, "why the move is on hold, e.g. the person was admitted to hospital (set by the server)"),
		enum("transport", TransportModes, "how the person travels"),
		amount("transport_cost", "transport cost in pounds"),
		enum("transport_paid_by", Payers, "who pays for transport"),
		text("vehicle", 200, "vehicle, e.g. a registration or a firm"),
		text("escort", 200, "who accompanies the person: someone familiar"),
		boolean("escort_familiar", "the escort is someone the person knows"),
		text("equipment_travelling", 2000, "equipment that travels with the person"),
		boolean("medication_travelling", "medication and MAR chart travel with the person"),
		boolean("records_handed_over", "care records and summaries handed to the new provider"),
		boolean("gp_changed", "GP change recorded"),
		boolean("dwp_notified", "DWP notified of the change of home"),
		boolean("placing_authority_notified", "the placing authority or receiving NHS notified"),
		boolean("contract_issued", "new contract issued, old one ended"),
		text("destination_override_reason", 2000, "a commissioner's reason for placing despite concerns about the destination provider: RED, provider failure or suspended (003 Appendix 2, 7.6)"),
		text("destination_override_by", 200, "the commissioner who recorded the override"),
		enum("destination_override_role", Roles, "the role that recorded the override: commissioner"),
		text("vacancy_override_reason", 2000, "a commissioner's reason for placing beyond the places the destination declared for the category (vacancies)"),
		text("vacancy_override_by", 200, "the commissioner who recorded the over-booking override"),
		enum("vacancy_override_role", Roles, "the role that recorded the over-booking override: commissioner"),
		boolean("care_plan_handed_over", "hand-over: care summaries and care plan given to the new provider, staff hand-over done (003 Appendix 2, 7.15, 7.16)"),
		boolean("identity_confirmed", "hand-over: the receiving home confirmed the person's identity (7.21); a leg's identity_confirmed also counts"),
		boolean("equipment_transferred", "hand-over: equipment travelling with the person transferred and installed (7.12); needed only when equipment_travelling is set"),
		text("handover_override_reason", 2000, "why the move is completed before every hand-over item is done; recorded only by a role that leads the move, never for medication (7.20) or identity (7.21)"),
		enum("handover_override_role", Roles, "the role that recorded the hand-over override: social_worker, or nhs_liaison for a fully funded NHS customer"),
		instant("completed_at", "when the person was handed over at the new home; post-move reviews are scheduled from it"),
		date("post_move_review_due", "when the post-move review is due"),
		text("notes", 20000, ""),
	},
}

// MoveLegs are the legs of a move as logged on the day.
var MoveLegs = Collection{
	Name:       "move_legs",
	Retention:  RetainCareRecord,
	Lookups:    []string{"move_id"},
	ScopeField: "incident_id",
	Doc:        "one leg of a move, logged on the day",
	Fields: []Field{
		IncidentField,
		required(refTo("moves", "move_id", "the move")),
		Field{Name: "sequence", Kind: Integer, Tag: "gte=1,lte=20", Doc: "1 for the first leg"},
		text("from_place", 300, "where the leg starts, if not the move's origin"),
		text("to_place", 300, "where the leg ends, if not the move's destination"),
		instant("departed_at", "when the person left"),
		instant("arrived_at", "when the person arrived"),
		text("vehicle", 200, "vehicle used"),
		text("escort", 200, "who went with the person"),
		boolean("identity_confirmed", "the receiving service confirmed the person's identity"),
		boolean("handed_over", "the person, medication and records were handed over"),
		boolean("belongings_checked", "the person's belongings travelled with them and were checked at the hand-over"),
		instant("handed_over_at", "when the handover was done"),
		text("handed_over_to", 200, "who received the handover"),
		text("notes", 5000, ""),
	},
}

// MoveCorrections put right a mistake in a completed move: a completed move
// is history and never edited, so a correction is a new record with its
// reason and who made it (append-only, like the logs). kind void: the move
// did not happen; destination: the person went to to_service_id instead;
// completed_at: the move was completed at completed_at instead. The
// resident's recorded whereabouts follow it.
var MoveCorrections = Collection{
	Name:       "move_corrections",
	Retention:  RetainCareRecord,
	Lookups:    []string{"resident_id", "move_id"},
	ScopeField: "incident_id",
	Doc:        "a correction of a completed move: void, another destination or another completion time (append-only)",
	Fields: []Field{
		IncidentField,
		required(refTo("moves", "move_id", "the completed move corrected")),
		required(refTo("residents", "resident_id", "the person moved: the move's resident")),
		required(enum("kind", CorrectionKinds, "void: the move did not happen; destination: the person went to to_service_id instead; completed_at: the move was completed at completed_at instead")),
		ref("to_service_id", "where the person went instead (kind destination)"),
		instant("completed_at", "when the move was completed instead (kind completed_at)"),
		required(label("reason", 2000, "why the move is corrected")),
		required(label("corrected_by", 200, "who corrected it")),
	},
}

// Vacancies are other services' spare places.
var Vacancies = Collection{
	Name:      "vacancies",
	Retention: RetainMarket,
	Lookups:   []string{"service_id"},
	Doc:       "spare places at a service in one category of care",
	Fields: []Field{
		required(ref("service_id", "the service with the places")),
		required(enum("category", RegistrationCategories, "category of care")),
		required(count("places", "number of places")),
		required(boolean("accepting", "accepting placements now")),
		text("area", 200, "area the service is in"),
		date("as_of", "when the figure was confirmed"),
		amount("weekly_fee", "weekly fee in pounds"),
		text("notes", 2000, ""),
	},
}

// DecisionLog is the incident's append-only log of decisions (003 Appendix
// 2, 7.17 and 9.1).
var DecisionLog = Collection{
	Name:       "decision_log",
	Retention:  RetainIncidentRecord,
	ScopeField: "incident_id",
	Doc:        "an entry in the incident's decision log (append-only)",
	Fields: []Field{
		IncidentField,
		required(instant("decided_at", "when the decision was made")),
		required(label("decision", 20000, "what was decided")),
		text("rationale", 20000, "why"),
		required(label("decided_by", 200, "who decided")),
		text("role", 200, "their role"),
		refTo("residents", "resident_id", "the person the decision is about, if one"),
		refTo("meeting_records", "meeting_id", "the meeting where it was made, if one"),
		text("recorded_by", 200, "who logged it"),
	},
}

// MovementLog is the incident's append-only log of residents' movements
// (003 Appendix 2, 7.17).
var MovementLog = Collection{
	Name:       "movement_log",
	Retention:  RetainIncidentRecord,
	ScopeField: "incident_id",
	Doc:        "an entry in the incident's movement log (append-only)",
	Fields: []Field{
		IncidentField,
		required(refTo("residents", "resident_id", "who moved")),
		refTo("moves", "move_id", "the move"),
		required(enum("event", MovementEvents, "what happened")),
		required(instant("occurred_at", "when")),
		ref("from_service_id", "from"),
		ref("to_service_id", "to"),
		text("recorded_by", 200, "who logged it"),
		text("notes", 5000, ""),
	},
}

// RiskLog is the incident's risk log, reviewed throughout (003 Appendix 2,
// 2.6 and 9.5). Entries are appended; a review is a new entry.
var RiskLog = Collection{
	Name:       "risk_log",
	Retention:  RetainIncidentRecord,
	ScopeField: "incident_id",
	Doc:        "an entry in the incident's risk log (append-only)",
	Fields: []Field{
		IncidentField,
		required(instant("raised_at", "when the entry was made")),
		required(label("risk", 5000, "the risk")),
		refTo("residents", "resident_id", "the person at risk, if one"),
		required(enum("level", RiskLevels, "rating")),
		text("mitigation", 5000, "what reduces it"),
		text("owner", 200, "who owns it"),
		required(enum("status", RiskStatuses, "open, mitigated or closed")),
		date("review_by", "when it is next reviewed"),
		refTo("risk_log", "supersedes_id", "the earlier entry this review replaces"),
		text("recorded_by", 200, "who logged it"),
	},
}

// CommunicationsLog is the incident's append-only log of communications
// (003 Appendix 2, 6; Schedule B "Communications Plan").
var CommunicationsLog = Collection{
	Name:       "communications_log",
	Retention:  RetainIncidentRecord,
	ScopeField: "incident_id",
	Doc:        "an entry in the incident's communications log (append-only)",
	Fields: []Field{
		IncidentField,
		required(instant("occurred_at", "when")),
		required(enum("channel", CommunicationChannels, "how")),
		required(enum("direction", CommunicationDirections, "incoming or outgoing")),
		required(enum("party", CommunicationParties, "who with")),
		text("with_whom", 200, "name of the person or body"),
		refTo("residents", "resident_id", "the person it was about, if one"),
		required(label("summary", 20000, "what was said")),
		text("recorded_by", 200, "who logged it"),
	},
}

// MeetingRecords are the records of the incident's meetings (003 Appendix 2,
// 9.1).
var MeetingRecords = Collection{
	Name:       "meeting_records",
	Retention:  RetainIncidentRecord,
	ScopeField: "incident_id",
	Doc:        "the record of a meeting held for the incident (append-only)",
	Fields: []Field{
		IncidentField,
		required(enum("meeting_type", MeetingTypes, "kind of meeting")),
		required(instant("held_at", "when it started")),
		text("venue", 300, "where, or virtual"),
		text("chair", 200, "who chaired"),
		list[Member]("attendees", 100, "who attended"),
		required(label("summary", 50000, "minutes or summary")),
		text("decisions", 20000, "decisions made (also entered in the decision log)"),
		list[ActionItem]("actions", 200, "actions agreed"),
		date("next_meeting_on", "when it next meets"),
		text("recorded_by", 200, "who took the record"),
	},
}

// ResidentEvents are deaths and hospital admissions and discharges of
// residents during the incident; each updates where the person is.
var ResidentEvents = Collection{
	Name:       "resident_events",
	Retention:  RetainUndecided,
	Lookups:    []string{"resident_id"},
	Order:      []FieldOrder{{"occurred_at", "family_informed_at"}, {"occurred_at", "cqc_notified_at"}, {"occurred_at", "coroner_notified_at"}, {"occurred_at", "placing_authority_notified_at"}},
	ScopeField: "incident_id",
	Doc:        "a death, hospital admission or discharge of a resident during the incident",
	Fields: []Field{
		IncidentField,
		required(refTo("residents", "resident_id", "the person")),
		required(enum("event", ResidentEventKinds, "what happened")),
		required(said(happened("occurred_at", "when"), "the date it happened")),
		text("place", 300, "where it happened (e.g. in the home, on the way to hospital)"),
		text("hospital", 300, "the hospital and ward, for an admission"),
		ref("discharged_to_service_id", "for a discharge: the home the person went to"),
		refTo("moves", "move_id", "for a discharge to another home: the completed move that took the person there, with its hand-over and reviews"),
		refTo("resident_events", "corrects_event_id", "the earlier event this record corrects: same event with the corrected facts, or entered_in_error when it never happened (events are never edited or deleted)"),
		text("correction_reason", 2000, "why the earlier event is corrected; required with corrects_event_id"),
		text("details", 5000, "what happened"),
		instant("family_informed_at", "when the family or representative was told"),
		text("family_informed_by", 200, "who told them"),
		instant("cqc_notified_at", "when CQC was notified (a death is notified to CQC)"),
		boolean("coroner_relevant", "the death is reportable to the coroner (e.g. unexpected, or under a DoLS authorisation)"),
		instant("coroner_notified_at", "when the coroner was told"),
		instant("placing_authority_notified_at", "when the placing authority was told, for a person placed by another authority"),
		text("recorded_by", 200, "who recorded it"),
	},
}

// PostMoveReviews are the programme of Social Worker / Nursing reviews after
// a move (003 Appendix 2, 7.19), scheduled from the move's completion and
// recorded like safe-and-well checks.
var PostMoveReviews = Collection{
	Name:       "post_move_reviews",
	Retention:  RetainUndecided,
	ScopeField: "incident_id",
	Doc:        "a review visit after a resident's move (003 Appendix 2, 7.19)",
	Fields: []Field{
		IncidentField,
		required(refTo("residents", "resident_id", "the person reviewed")),
		refTo("moves", "move_id", "the move reviewed"),
		ref("service_id", "the new home"),
		required(enum("review_type", ReviewTypes, "which review of the programme")),
		required(date("due_on", "when the review is due")),
		happened("visited_at", "when the review visit took place; unset while it is still to do"),
		text("reviewer_name", 200, "who reviewed"),
		text("reviewer_role", 200, "social worker, nurse"),
		enum("outcome", ReviewOutcomes, "settled, concerns, or not seen"),
		enum("feels_safe", FeelsSafe, "whether the person says they feel safe and settled"),
		text("in_own_words", 5000, "what the person said, in their own words"),
		text("wellbeing", 5000, "health and emotional wellbeing after the move (9.4)"),
		text("actions", 5000, "actions agreed"),
		date("follow_up_due", "when to review again, if needed"),
		text("notes", 5000, ""),
	},
}

// FamilyContacts is the per-resident log of contact with families,
// carers and representatives (003 Appendix 2, 5.1-5.5, 7.2-7.9): who, when,
// how, what was said, preferences and visits offered. Append-only.
var FamilyContacts = Collection{
	Name:       "family_contacts",
	Retention:  RetainUndecided,
	ScopeField: "incident_id",
	Doc:        "an entry in a resident's family and representatives contact log (append-only)",
	Fields: []Field{
		IncidentField,
		required(refTo("residents", "resident_id", "the person the contact is about")),
		required(label("contact_name", 200, "who: the relative, carer or representative")),
		text("relationship", 100, "their relationship to the person"),
		required(said(happened("occurred_at", "when"), "the date of the contact")),
		required(enum("channel", CommunicationChannels, "how")),
		required(enum("direction", CommunicationDirections, "incoming or outgoing")),
		required(label("summary", 20000, "what was said")),
		text("preferences", 5000, "preferences stated about the new home (7.2)"),
		boolean("visit_offered", "a view, visit or trial visit of a home was offered (7.7)"),
		ref("visit_service_id", "the home offered for a visit"),
		date("visit_on", "when the visit is arranged"),
		text("recorded_by", 200, "who logged it"),
	},
}

// PlacementDecisions record the decision on the new home and the date to
// move, and who made it (003 Appendix 2, 7.9), checked against the
// person's capacity.
var PlacementDecisions = Collection{
	Name:       "placement_decisions",
	Retention:  RetainUndecided,
	ScopeField: "incident_id",
	Doc:        "the decision on a resident's new home and who made it (003 Appendix 2, 7.9)",
	Fields: []Field{
		IncidentField,
		required(refTo("residents", "resident_id", "the person")),
		required(ref("service_id", "the new home chosen")),
		required(instant("decided_at", "when it was decided")),
		required(enum("chosen_by", MoveChoosers, "who decided: the person, a carer, a representative (attorney or deputy), or a best-interests decision")),
		required(label("decided_by_name", 200, "the person who decided")),
		refTo("best_interests_decisions", "best_interests_decision_id", "the best-interests decision, when the person lacks capacity"),
		text("preferences_considered", 5000, "how the person's and family's stated preferences were weighed (7.2, 7.3)"),
		boolean("visited", "the person or family viewed or visited the home (7.7)"),
		date("move_on", "the date agreed to move"),
		text("notes", 5000, ""),
	},
}

// CrossAuthorityNotifications record who in another authority or the NHS
// was told about a resident, and when (003 Appendix 2, 4.2 and 7.23).
var CrossAuthorityNotifications = Collection{
	Name:       "cross_authority_notifications",
	Retention:  RetainUndecided,
	Order:      []FieldOrder{{"notified_at", "acknowledged_at"}},
	ScopeField: "incident_id",
	Doc:        "a notification to another authority or NHS body about a resident (003 Appendix 2, 4.2, 7.23)",
	Fields: []Field{
		IncidentField,
		refTo("residents", "resident_id", "the person"),
		refTo("moves", "move_id", "the move notified, for an out-of-county placement"),
		required(enum("recipient_kind", NotificationRecipients, "placing authority (4.2), or receiving authority or NHS (7.23)")),
		required(label("recipient", 200, "the authority or NHS body")),
		required(instant("notified_at", "when")),
		text("notified_by", 200, "who notified"),
		enum("channel", CommunicationChannels, "how"),
		text("summary", 5000, "what was said, e.g. whether they wish the JISG to act on their behalf (4.2)"),
		instant("acknowledged_at", "when the recipient acknowledged it"),
	},
}

// TeamTasks are tasks for a council team that arise outside an incident,
// e.g. the details of a neighbouring authority's suspension sent to the
// social care team (003 s.9). Not incident-scoped; read-restricted.
var TeamTasks = Collection{
	Name:      "team_tasks",
	Retention: RetainUndecided,
	Order:     []FieldOrder{{"created_at", "done_at"}},
	Doc:       "a task or notification for a council team about a provider (e.g. 003 s.9)",
	Fields: []Field{
		required(ref("provider_id", "the provider concerned")),
		required(enum("team", Teams, "the team the task is for")),
		required(label("title", 300, "what to do")),
		text("details", 20000, "the details sent"),
		enum("source", TaskSources, "what raised the task"),
		required(instant("created_at", "when it was raised")),
		required(enum("status", TaskStatuses, "open or done")),
		instant("done_at", "when it was done"),
		text("done_by", 200, "who did it"),
		ref("resident_id", "the person the task is about, if one"),
		ref("move_id", "the move that raised the task, if one"),
		ref("service_id", "the service the task is for, e.g. the new home"),
		date("due_on", "when the task is due"),
	},
}
