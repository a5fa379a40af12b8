package rules

// The seed's obligations as data (see asdata.go): each is checked by the
// server on every write of its collection and by the devices from GET
// /v1/schema. The collections are declared in syncproto/schema
// (obligations.go).

// Violation codes of the obligations' records.
const (
	// CodeWrittenAgreementRequired: a payment to the provider or its
	// administrator approved or paid without a written agreement (003
	// s.11: "An explicit written agreement must first be sought and
	// obtained").
	CodeWrittenAgreementRequired = "written_agreement_required"
	// CodeCostRecoveryIncomplete: a cost recovery that names no person or
	// no authority to recover from (003 s.3).
	CodeCostRecoveryIncomplete = "cost_recovery_incomplete"
	// CodeNotificationByTelephone: a s.10 lead told other than by
	// telephone (or in person).
	CodeNotificationByTelephone = "notification_by_telephone"
	// CodeNotificationAcknowledgement: an acknowledgement with no one
	// named, by administrative staff, or of a s.10 call not confirmed in
	// writing.
	CodeNotificationAcknowledgement = "notification_acknowledgement_invalid"
	// CodeBelongingsIncomplete: petty cash without its amount, or
	// belongings handed over without when and to whom (4.10).
	CodeBelongingsIncomplete = "belongings_incomplete"
	// CodeComplaintIncomplete: a complaint resolved without its
	// resolution, or a dispute escalated or resolved before the Head of
	// Service was told in writing (8.1, s.3).
	CodeComplaintIncomplete = "complaint_incomplete"
	// CodeObligationIncomplete: a Communications Plan entry done without
	// when, agency cover without the agency, a self-funder's
	// responsibility without the capacity check, or a SAB referral made
	// on a decision not to refer.
	CodeObligationIncomplete = "obligation_incomplete"
)

// present is a condition: field has a value.
func present(field string) Cond { return Cond{Field: field, Present: true} }

// in is a condition: field is one of vals.
func in(field string, vals ...string) Cond {
	out := make([]any, len(vals))
	for i, v := range vals {
		out[i] = v
	}
	return Cond{Field: field, In: out}
}

// never is a condition that does not hold.
var never = Cond{Any: []Cond{}}

// s10Lead: the recipient is one of the leads 003 s.10 names.
var s10Lead = in("recipient_kind", "head_of_commissioning", "service_director", "head_of_safeguarding")

// always is a requirement the server checks on every write.
func always(code, field, message string, when, require Cond) Requirement {
	return Requirement{Code: code, Field: field, Message: message, When: when, Require: require, Applies: "always"}
}

// ObligationRequirements are the obligations' record rules by collection.
var ObligationRequirements = map[string][]Requirement{
	"payments": {
		always(CodeWrittenAgreementRequired, "written_agreement_on",
			"A payment to the provider or its administrator needs an explicit written agreement first (003 s.11): enter the date of the written agreement, or keep the payment proposed or withheld",
			Cond{All: []Cond{in("kind", "to_provider", "to_administrator"), in("status", "approved", "paid")}}, present("written_agreement_on")),
		always(CodeWrittenAgreementRequired, "written_agreement_ref",
			"A payment to the provider or its administrator needs an explicit written agreement first (003 s.11): enter the written agreement's reference",
			Cond{All: []Cond{in("kind", "to_provider", "to_administrator"), in("status", "approved", "paid")}}, present("written_agreement_ref")),
		always(CodeCostRecoveryIncomplete, "recover_from_authority",
			"Enter the authority where the person is ordinarily resident, from which the cost is recovered (003 s.3)",
			in("kind", "cost_recovery"), present("recover_from_authority")),
		always(CodeCostRecoveryIncomplete, "resident_id",
			"Choose the person whose care the cost is recovered for (003 s.3)",
			in("kind", "cost_recovery"), present("resident_id")),
	},
	"notifications": {
		always(CodeNotificationByTelephone, "channel",
			"The Head of Commissioning, the Service Director and the Head of Safeguarding must be told immediately by telephone, with confirmation in writing (003 s.10): record the call",
			s10Lead, in("channel", "phone", "in_person")),
		always(CodeNotificationAcknowledgement, "acknowledged_by",
			"Enter who acknowledged the notification",
			present("acknowledged_at"), present("acknowledged_by")),
		always(CodeNotificationAcknowledgement, "acknowledged_by_kind",
			"It is not acceptable to leave a message with administrative staff (003 s.10): the lead, or their nominated deputy, must acknowledge it",
			Cond{All: []Cond{s10Lead, in("acknowledged_by_kind", "administrative_staff")}}, never),
		always(CodeNotificationAcknowledgement, "confirmed_in_writing_at",
			"Enter when the call was confirmed in writing (email) before recording it acknowledged (003 s.10)",
			Cond{All: []Cond{s10Lead, present("acknowledged_at")}}, present("confirmed_in_writing_at")),
	},
	"resident_belongings": {
		always(CodeBelongingsIncomplete, "amount",
			"Enter the amount of petty cash counted (4.10)",
			in("kind", "petty_cash"), present("amount")),
		always(CodeBelongingsIncomplete, "handed_over_at",
			"Enter when the money or belongings were handed over at the move (4.10)",
			in("status", "handed_over"), present("handed_over_at")),
		always(CodeBelongingsIncomplete, "handed_over_to",
			"Enter who received the money or belongings at the new home (4.10)",
			in("status", "handed_over"), present("handed_over_to")),
	},
	"complaints": {
		always(CodeComplaintIncomplete, "resolution",
			"Enter how the complaint or dispute was resolved (8.1)",
			in("status", "resolved"), present("resolution")),
		always(CodeComplaintIncomplete, "resolved_at",
			"Enter when the complaint or dispute was resolved (8.1)",
			in("status", "resolved"), present("resolved_at")),
		always(CodeComplaintIncomplete, "head_of_service_informed_at",
			"Where a dispute occurs staff must inform their Head of Service in writing (003 s.3): enter when they were told",
			Cond{All: []Cond{in("kind", "dispute"), in("status", "escalated", "resolved")}}, present("head_of_service_informed_at")),
	},
	"communication_plans": {
		always(CodeObligationIncomplete, "done_at",
			"Enter when they were told", in("status", "done"), present("done_at")),
	},
	"staffing_cover": {
		always(CodeObligationIncomplete, "agency_name",
			"Enter the staffing agency providing the cover (2.9)", in("cover_kind", "agency"), present("agency_name")),
	},
	"resident_responsibilities": {
		always(CodeObligationIncomplete, "capacity_checked",
			"Answer whether the self-funder's capacity was checked (4.5, see 3.8)", in("kind", "self_funder"), present("capacity_checked")),
	},
	"sab_referrals": {
		always(CodeObligationIncomplete, "decision",
			"A referral was made: choose the decision to refer (10.3)", present("referred_at"), in("decision", "refer")),
	},
}
