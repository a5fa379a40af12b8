package schema

// Object and array-item shapes of the domain collections. Each is a group of
// values written together, so it syncs as one field value (last writer wins
// for the whole group). They are decoded strictly (unknown keys are
// rejected) and validated by their validate tags; see StructOf.

// Carer is a carer or significant other of a resident (003 Appendix 2,
// section 5: names, addresses and telephone numbers; carers with special
// factors of their own, such as their own health or living out of area).
type Carer struct {
	Name         string `json:"name" validate:"required,max=200"`
	Relationship string `json:"relationship,omitempty" validate:"max=100"`
	Phone        string `json:"phone,omitempty" validate:"max=50"`
	Email        string `json:"email,omitempty" validate:"omitempty,email"`
	Address      string `json:"address,omitempty" validate:"max=500"`
	Postcode     string `json:"postcode,omitempty" validate:"omitempty,uk_postcode"`
	// NextOfKin marks the resident's next of kin.
	NextOfKin bool `json:"next_of_kin,omitempty"`
	// MainContact marks the person to contact first.
	MainContact bool `json:"main_contact,omitempty"`
	// OutOfArea: the carer lives outside the council's area.
	OutOfArea bool `json:"out_of_area,omitempty"`
	// OwnNeeds describes the carer's own needs (health, age, caring for
	// others) to consider, e.g. for a carer's assessment.
	OwnNeeds string `json:"own_needs,omitempty" validate:"max=2000"`
	Notes    string `json:"notes,omitempty" validate:"max=2000"`
}

// PowerOfAttorney is a Lasting or Enduring Power of Attorney, or a Court of
// Protection deputyship, held for a resident (003 Appendix 2, 3.11 and 4.11).
type PowerOfAttorney struct {
	// Kind is one of AuthorityKinds.
	Kind         string `json:"kind" validate:"required,oneof=lpa_health_welfare lpa_property_affairs deputy_health_welfare deputy_property_affairs enduring_power_of_attorney"`
	Name         string `json:"name" validate:"required,max=200"`
	Relationship string `json:"relationship,omitempty" validate:"max=100"`
	Phone        string `json:"phone,omitempty" validate:"max=50"`
	Email        string `json:"email,omitempty" validate:"omitempty,email"`
	// RegisteredOn is when the Office of the Public Guardian registered the
	// power (or the court made the order), YYYY-MM-DD.
	RegisteredOn string `json:"registered_on,omitempty" validate:"omitempty,date"`
	// Reference is the OPG or court reference.
	Reference string `json:"reference,omitempty" validate:"max=50"`
	// Restrictions records limits on the attorney's or deputy's authority,
	// e.g. an LPA that does not cover where the person lives.
	Restrictions string `json:"restrictions,omitempty" validate:"max=2000"`
	// Seen: the council has seen the registered instrument or order.
	Seen bool `json:"seen,omitempty"`
}

// Equipment is an item of equipment a resident uses (003 Appendix 2, 2.13:
// "Who owns it? Can it be transferred?").
type Equipment struct {
	Item string `json:"item" validate:"required,max=200"`
	// Owner is one of EquipmentOwners.
	Owner        string `json:"owner,omitempty" validate:"omitempty,oneof=resident provider nhs council other"`
	Transferable bool   `json:"transferable,omitempty"`
	Notes        string `json:"notes,omitempty" validate:"max=1000"`
}

// ActionItem is an action with an owner and a due date.
type ActionItem struct {
	Action string `json:"action" validate:"required,max=2000"`
	Owner  string `json:"owner,omitempty" validate:"max=200"`
	// DueOn is YYYY-MM-DD.
	DueOn string `json:"due_on,omitempty" validate:"omitempty,date"`
	Done  bool   `json:"done,omitempty"`
}

// Sitting is one session of a capacity assessment.
type Sitting struct {
	// Date is YYYY-MM-DD.
	Date  string `json:"date" validate:"required,date"`
	Venue string `json:"venue,omitempty" validate:"max=500"`
	// Present lists who was there (helpers, interpreters, family).
	Present string `json:"present,omitempty" validate:"max=1000"`
	Notes   string `json:"notes,omitempty" validate:"max=5000"`
}

// Consultee is someone consulted about a best-interests decision (MCA 2005
// s.4(7)).
type Consultee struct {
	Name string `json:"name" validate:"required,max=200"`
	// Role is one of ConsulteeRoles.
	Role         string `json:"role" validate:"required,oneof=family friend unpaid_carer attorney deputy paid_carer professional imca advocate"`
	Relationship string `json:"relationship,omitempty" validate:"max=100"`
	// View is what they said about the person's wishes and best interests.
	View string `json:"view,omitempty" validate:"max=5000"`
	// ConsultedOn is YYYY-MM-DD.
	ConsultedOn string `json:"consulted_on,omitempty" validate:"omitempty,date"`
	// Unsuitable: it is not practicable or appropriate to consult them.
	Unsuitable       bool   `json:"unsuitable,omitempty"`
	UnsuitableReason string `json:"unsuitable_reason,omitempty" validate:"max=1000"`
}

// OptionConsidered is one option weighed in a best-interests decision.
type OptionConsidered struct {
	Option   string `json:"option" validate:"required,max=1000"`
	Benefits string `json:"benefits,omitempty" validate:"max=5000"`
	Risks    string `json:"risks,omitempty" validate:"max=5000"`
	// LeastRestrictive marks the least restrictive option (MCA 2005 s.1(6)).
	LeastRestrictive bool `json:"least_restrictive,omitempty"`
	Chosen           bool `json:"chosen,omitempty"`
}

// Member is a person on a group or at a meeting: the incident's steering
// group (JISG) or a meeting's attendees.
type Member struct {
	Name         string `json:"name" validate:"required,max=200"`
	Role         string `json:"role,omitempty" validate:"max=200"`
	Organisation string `json:"organisation,omitempty" validate:"max=200"`
	Chair        bool   `json:"chair,omitempty"`
}

// Evidence points a checklist item at a record that shows it done (a
// meeting, a log entry, a set of checks).
type Evidence struct {
	// Collection and RecordID name the record.
	Collection string `json:"collection" validate:"required,max=100"`
	RecordID   string `json:"record_id" validate:"required,uuid"`
	Note       string `json:"note,omitempty" validate:"max=1000"`
}
