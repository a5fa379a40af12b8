package continuity

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
)

// Yes/no answers in typed records. A question not answered is "": nothing
// is written, so an unanswered question never overwrites another device's
// answer (and a "no" is never recorded by default).
const (
	Yes = "yes"
	No  = "no"
)

// Collection names of the typed helpers.
const (
	CollectionResidents           = "residents"
	CollectionSafeAndWellChecks   = "safe_and_well_checks"
	CollectionCapacityAssessments = "capacity_assessments"
	CollectionMoves               = "moves"
	CollectionMoveLegs            = "move_legs"
	CollectionDecisionLog         = "decision_log"
)

// binding ties a typed struct's Go field to a record field.
type binding struct {
	name string
	kind bindKind
	s    *string
	i    *int
}

type bindKind int

const (
	bindString bindKind = iota
	bindYesNo
	bindInt
)

func str(name string, p *string) binding   { return binding{name: name, kind: bindString, s: p} }
func yesno(name string, p *string) binding { return binding{name: name, kind: bindYesNo, s: p} }
func integer(name string, p *int) binding  { return binding{name: name, kind: bindInt, i: p} }

// encode returns the fields a typed struct sets (empty values are left out)
// merged with its ExtraJSON object.
func encode(bs []binding, extraJSON string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for _, b := range bs {
		var v any
		switch b.kind {
		case bindString:
			if *b.s == "" {
				continue
			}
			v = *b.s
		case bindYesNo:
			switch strings.ToLower(strings.TrimSpace(*b.s)) {
			case "":
				continue
			case Yes, "true":
				v = true
			case No, "false":
				v = false
			default:
				return nil, syncproto.Errorf(syncproto.CodeInvalidValue, "fields."+b.name, "%s must be %q, %q or empty (not answered), not %q", b.name, Yes, No, *b.s)
			}
		case bindInt:
			if *b.i == 0 {
				continue
			}
			v = *b.i
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out[b.name] = raw
	}
	if strings.TrimSpace(extraJSON) != "" {
		extra, err := decodeFields(extraJSON)
		if err != nil {
			return nil, err
		}
		for k, v := range extra {
			if _, dup := out[k]; dup {
				return nil, syncproto.Errorf(syncproto.CodeInvalidValue, "fields."+k, "%s is set both as a typed field and in ExtraJSON", k)
			}
			out[k] = v
		}
	}
	return out, nil
}

// decode fills a typed struct from a record's current values.
func decode(bs []binding, r *syncproto.Record) {
	for _, b := range bs {
		raw := r.Value(b.name)
		switch b.kind {
		case bindString:
			var s string
			_ = json.Unmarshal(raw, &s)
			*b.s = s
		case bindYesNo:
			var v *bool
			_ = json.Unmarshal(raw, &v)
			switch {
			case v == nil:
				*b.s = ""
			case *v:
				*b.s = Yes
			default:
				*b.s = No
			}
		case bindInt:
			var n int
			_ = json.Unmarshal(raw, &n)
			*b.i = n
		}
	}
}

// fieldsJSON is a record's current values as a JSON object.
func fieldsJSON(r *syncproto.Record) string {
	b, _ := json.Marshal(r.Object())
	return string(b)
}

// nowRFC3339 is the device's current time for default event times.
func (c *Client) nowRFC3339() string { return c.now().UTC().Format(time.RFC3339) }

// stringField reads a string field of a local record ("" when absent).
func (c *Client) stringField(collection, id, field string) string {
	if id == "" {
		return ""
	}
	sr, err := c.get(collection, id)
	if err != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(sr.rec.Value(field), &s)
	return s
}

// exists reports whether the device holds a live record.
func (c *Client) exists(collection, id string) bool {
	if id == "" {
		return false
	}
	_, err := c.get(collection, id)
	return err == nil
}

// ----- residents -----

// Resident is a person living in, or served by, the failing service. Empty
// strings are not written, so saving a Resident with only some fields set
// updates only those; use Put with null to clear a field.
type Resident struct {
	// ID is the record id; empty creates a new resident.
	ID string
	// IncidentID is required when the resident is created.
	IncidentID string
	// GivenName: given name.
	GivenName string
	// FamilyName: family name.
	FamilyName string
	// PreferredName: what the person likes to be called.
	PreferredName string
	// DateOfBirth is YYYY-MM-DD.
	DateOfBirth string
	// NHSNumber is 10 digits with a valid check digit.
	NHSNumber string
	// Room: room at the current service.
	Room string
	// CurrentServiceID: where the person lives now.
	CurrentServiceID string
	// Status: where the person stands in the incident.
	Status string
	// RegistrationCategory: category of care the person needs (003 Appendix 2, 3.3).
	RegistrationCategory string
	// FundingStream: who funds the placement (003 Appendix 2, section 4).
	FundingStream string
	// NeedsSummary: summary of care and support needs.
	NeedsSummary string
	// MedicationSummary: medication summary.
	MedicationSummary string
	// GP: GP practice and contact.
	GP string
	// CommunicationNeeds: language, sensory or communication needs.
	CommunicationNeeds string
	// FriendshipGroup: label shared by residents who should be kept together where practicable (3.1, 7.4).
	FriendshipGroup string
	// DoLSStatus: Deprivation of Liberty Safeguards authorisation (3.10).
	DoLSStatus string
	// Notes is free text.
	Notes string
	// VeryFrail, EndOfLife, AssessEarly, WishesToMoveEarly and
	// AdvocacyNeeded are Yes, No or "" (not answered).
	VeryFrail string
	// EndOfLife: receiving end-of-life care.
	EndOfLife string
	// AssessEarly: prone to stress, anxiety or complexity: assess early (3.7).
	AssessEarly string
	// WishesToMoveEarly: wishes to move sooner rather than later (3.6).
	WishesToMoveEarly string
	// AdvocacyNeeded: needs generic advocacy to support the transfer (3.9).
	AdvocacyNeeded string
	// ExtraJSON holds further fields to write, as a JSON object (e.g.
	// carers, lpa, equipment).
	ExtraJSON string
	// Pending and FieldsJSON are set when read: unsynced changes, and every
	// current field as a JSON object.
	Pending bool
	// FieldsJSON is every current field as a JSON object (set when read).
	FieldsJSON string
}

func (r *Resident) bind() []binding {
	return []binding{
		str("incident_id", &r.IncidentID), str("given_name", &r.GivenName), str("family_name", &r.FamilyName),
		str("preferred_name", &r.PreferredName), str("date_of_birth", &r.DateOfBirth), str("nhs_number", &r.NHSNumber),
		str("room", &r.Room), str("current_service_id", &r.CurrentServiceID), str("status", &r.Status),
		str("registration_category", &r.RegistrationCategory), str("funding_stream", &r.FundingStream),
		str("needs_summary", &r.NeedsSummary), str("medication_summary", &r.MedicationSummary), str("gp", &r.GP),
		str("communication_needs", &r.CommunicationNeeds), str("friendship_group", &r.FriendshipGroup),
		str("dols_status", &r.DoLSStatus), str("notes", &r.Notes),
		yesno("very_frail", &r.VeryFrail), yesno("end_of_life", &r.EndOfLife), yesno("assess_early", &r.AssessEarly),
		yesno("wishes_to_move_early", &r.WishesToMoveEarly), yesno("advocacy_needed", &r.AdvocacyNeeded),
	}
}

// ResidentList is a list of residents.
type ResidentList struct{ items []*Resident }

// Len returns the number of residents.
func (l *ResidentList) Len() int { return len(l.items) }

// At returns the i-th resident.
func (l *ResidentList) At(i int) *Resident { return l.items[i] }

// SaveResident adds a resident (ID empty) or updates one, writing the fields
// that are set. It returns the resident's id.
func (c *Client) SaveResident(r *Resident) (string, error) {
	if r == nil {
		return "", errors.New("continuity: no resident")
	}
	fields, err := encode(r.bind(), r.ExtraJSON)
	if err != nil {
		return "", err
	}
	if len(fields) == 0 {
		return "", syncproto.Errorf(syncproto.CodeMissingField, "fields", "nothing to save")
	}
	return c.write(CollectionResidents, r.ID, syncproto.OpUpsert, fields)
}

func residentFrom(sr storedRecord) *Resident {
	r := &Resident{ID: sr.rec.ID, Pending: sr.pending, FieldsJSON: fieldsJSON(sr.rec)}
	decode(r.bind(), sr.rec)
	return r
}

// Resident returns a resident held on the device.
func (c *Client) Resident(id string) (*Resident, error) {
	sr, err := c.get(CollectionResidents, id)
	if err != nil {
		return nil, err
	}
	return residentFrom(sr), nil
}

// ResidentsOf returns an incident's residents, by family then given name.
func (c *Client) ResidentsOf(incidentID string) (*ResidentList, error) {
	rs, err := c.query(CollectionResidents, incidentID, "", "")
	if err != nil {
		return nil, err
	}
	l := &ResidentList{}
	for _, sr := range rs {
		l.items = append(l.items, residentFrom(sr))
	}
	sort.SliceStable(l.items, func(i, j int) bool {
		a, b := l.items[i], l.items[j]
		if x, y := strings.ToLower(a.FamilyName), strings.ToLower(b.FamilyName); x != y {
			return x < y
		}
		if x, y := strings.ToLower(a.GivenName), strings.ToLower(b.GivenName); x != y {
			return x < y
		}
		return a.ID < b.ID
	})
	return l, nil
}

// ----- safe-and-well checks -----

// SafeAndWellCheck is a visit to check a resident is safe and well.
type SafeAndWellCheck struct {
	// ID is the record id; empty records a new check. An app that saves a
	// draft as the person types passes the same id each time.
	ID string
	// ResidentID is required. IncidentID defaults to the resident's.
	ResidentID string
	// IncidentID: the incident (provider failure case) the record belongs to.
	IncidentID string
	// VisitedAt is RFC 3339; it defaults to now on a new check.
	VisitedAt string
	// Outcome is safe_and_well, concerns or not_seen.
	Outcome string
	// Observations: observations in general.
	Observations string
	// Actions: actions taken or needed, as text.
	Actions string
	// VisitorName: who visited.
	VisitorName string
	// VisitorRole: their role.
	VisitorRole string
	// Location: where the person was seen.
	Location string
	// Seen, FamilyInformed and SafeguardingRaised are Yes, No or "".
	Seen string
	// FamilyInformed: family informed of the check.
	FamilyInformed string
	// SafeguardingRaised: a safeguarding concern was raised.
	SafeguardingRaised string
	// FeelsSafe is yes, no, unsure or unable_to_say.
	FeelsSafe string
	// InOwnWords: what the person said, in their own words.
	InOwnWords string
	// Wellbeing: observations: emotional wellbeing.
	Wellbeing string
	// Physical: observations: physical health.
	Physical string
	// Environment: observations: environment.
	Environment string
	// Medication: observations: medication and MAR chart.
	Medication string
	// NutritionHydration: observations: nutrition and hydration.
	NutritionHydration string
	// BelongingsEquipment: observations: belongings and equipment.
	BelongingsEquipment string
	// S42Reference: the s.42 enquiry reference.
	S42Reference string
	// Risks: risks identified.
	Risks string
	// FollowUpDue is YYYY-MM-DD.
	FollowUpDue string
	// PreviousCheckID defaults to the resident's latest check on a new check.
	PreviousCheckID string
	// ExtraJSON holds further fields to write, as a JSON object (e.g.
	// action_items).
	ExtraJSON string
	// Pending and FieldsJSON are set when read.
	Pending bool
	// FieldsJSON is every current field as a JSON object (set when read).
	FieldsJSON string
}

func (s *SafeAndWellCheck) bind() []binding {
	return []binding{
		str("incident_id", &s.IncidentID), str("resident_id", &s.ResidentID), str("visited_at", &s.VisitedAt),
		str("outcome", &s.Outcome), str("observations", &s.Observations), str("actions", &s.Actions),
		str("visitor_name", &s.VisitorName), str("visitor_role", &s.VisitorRole), str("location", &s.Location),
		yesno("seen", &s.Seen), yesno("family_informed", &s.FamilyInformed), yesno("safeguarding_raised", &s.SafeguardingRaised),
		str("feels_safe", &s.FeelsSafe), str("in_own_words", &s.InOwnWords), str("wellbeing", &s.Wellbeing),
		str("physical", &s.Physical), str("environment", &s.Environment), str("medication", &s.Medication),
		str("nutrition_hydration", &s.NutritionHydration), str("belongings_equipment", &s.BelongingsEquipment),
		str("s42_reference", &s.S42Reference), str("risks", &s.Risks), str("follow_up_due", &s.FollowUpDue),
		str("previous_check_id", &s.PreviousCheckID),
	}
}

// CheckList is a list of safe-and-well checks.
type CheckList struct{ items []*SafeAndWellCheck }

// Len returns the number of checks.
func (l *CheckList) Len() int { return len(l.items) }

// At returns the i-th check.
func (l *CheckList) At(i int) *SafeAndWellCheck { return l.items[i] }

// RecordCheck records (or, with the ID of an existing check, updates) a
// safe-and-well check. It returns the check's id.
func (c *Client) RecordCheck(s *SafeAndWellCheck) (string, error) {
	if s == nil {
		return "", errors.New("continuity: no check")
	}
	v := *s
	if v.ResidentID != "" {
		id, err := canonID("fields.resident_id", v.ResidentID)
		if err != nil {
			return "", err
		}
		v.ResidentID = id
	}
	if !c.exists(CollectionSafeAndWellChecks, v.ID) {
		if v.IncidentID == "" {
			v.IncidentID = c.stringField(CollectionResidents, v.ResidentID, "incident_id")
		}
		if v.VisitedAt == "" {
			v.VisitedAt = c.nowRFC3339()
		}
		if v.PreviousCheckID == "" && v.ResidentID != "" {
			if prev, err := c.ChecksOf(v.ResidentID); err == nil && prev.Len() > 0 {
				v.PreviousCheckID = prev.At(0).ID
			}
		}
	}
	fields, err := encode(v.bind(), v.ExtraJSON)
	if err != nil {
		return "", err
	}
	return c.write(CollectionSafeAndWellChecks, v.ID, syncproto.OpUpsert, fields)
}

func checkFrom(sr storedRecord) *SafeAndWellCheck {
	s := &SafeAndWellCheck{ID: sr.rec.ID, Pending: sr.pending, FieldsJSON: fieldsJSON(sr.rec)}
	decode(s.bind(), sr.rec)
	return s
}

// Check returns a safe-and-well check held on the device.
func (c *Client) Check(id string) (*SafeAndWellCheck, error) {
	sr, err := c.get(CollectionSafeAndWellChecks, id)
	if err != nil {
		return nil, err
	}
	return checkFrom(sr), nil
}

// ChecksOf returns a resident's checks, latest visit first.
func (c *Client) ChecksOf(residentID string) (*CheckList, error) {
	id, err := canonID("resident_id", residentID)
	if err != nil {
		return nil, err
	}
	rs, err := c.query(CollectionSafeAndWellChecks, "", "resident_id", id)
	if err != nil {
		return nil, err
	}
	l := &CheckList{}
	for _, sr := range rs {
		l.items = append(l.items, checkFrom(sr))
	}
	sort.SliceStable(l.items, func(i, j int) bool {
		a, b := parseTime(l.items[i].VisitedAt), parseTime(l.items[j].VisitedAt)
		if !a.Equal(b) {
			return a.After(b)
		}
		return l.items[i].ID > l.items[j].ID
	})
	return l, nil
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// ----- capacity assessments -----

// CapacityAssessment is a Mental Capacity Act 2005 assessment for one
// specific decision. Stages may be filled in any order and saved as often as
// needed until it is signed; once signed it is never edited, only superseded
// by a new assessment naming it in SupersedesID.
type CapacityAssessment struct {
	// ID is the record id; empty starts a new assessment.
	ID string
	// ResidentID is required. IncidentID defaults to the resident's.
	ResidentID string
	// IncidentID: the incident (provider failure case) the record belongs to.
	IncidentID string
	// Decision is the specific decision, e.g. "where to live after the
	// closure". DecisionType is accommodation, serious_medical_treatment or
	// other.
	Decision string
	// DecisionType: kind of decision.
	DecisionType string
	// ReasonForDoubt: why capacity is in doubt.
	ReasonForDoubt string
	// RelevantInformation: the options and their consequences.
	RelevantInformation string
	// HowInformationGiven: how the information was put to the person.
	HowInformationGiven string
	// PracticableSteps: steps taken to help the person decide: venue, communication aids, helpers.
	PracticableSteps string
	// CanWait and the stage answers below are Yes, No or "".
	CanWait string
	// CanWaitReason: why it can or cannot wait.
	CanWaitReason string
	// Impairment is stage 1; ImpairmentDuration is temporary or lasting.
	Impairment string
	// ImpairmentEvidence: stage 1 evidence; no formal diagnosis needed.
	ImpairmentEvidence string
	// ImpairmentDuration: temporary or lasting.
	ImpairmentDuration string
	// Stage 2.
	CanUnderstand string
	// UnderstandEvidence: evidence for understanding.
	UnderstandEvidence string
	// CanRetain: stage 2: can retain it.
	CanRetain string
	// RetainEvidence: evidence for retaining.
	RetainEvidence string
	// CanUseOrWeigh: stage 2: can use or weigh it.
	CanUseOrWeigh string
	// UseOrWeighEvidence: evidence for using or weighing.
	UseOrWeighEvidence string
	// CanCommunicate: stage 2: can communicate the decision.
	CanCommunicate string
	// CommunicateEvidence: evidence for communicating.
	CommunicateEvidence string
	// CausativeNexus: unable to decide because of the impairment.
	CausativeNexus string
	// CausativeNexusEvidence: evidence that the inability is because of the impairment.
	CausativeNexusEvidence string
	// Outcome is has_capacity or lacks_capacity; PersonsDecision is the
	// person's decision in their own words when they have capacity.
	Outcome string
	// PersonsDecision: if the person has capacity, their decision in their own words.
	PersonsDecision string
	// AssessorName: assessor.
	AssessorName string
	// AssessorRole: assessor's role.
	AssessorRole string
	// AssessorOrganisation: assessor's organisation.
	AssessorOrganisation string
	// SupersedesID names the signed assessment this one replaces.
	SupersedesID string
	// SignedAt and SignedBy are set by SignCapacityAssessment; read only.
	SignedAt string
	// SignedBy: who signed.
	SignedBy string
	// ExtraJSON holds further fields to write, as a JSON object (e.g.
	// sittings).
	ExtraJSON string
	// Pending and FieldsJSON are set when read.
	Pending bool
	// FieldsJSON is every current field as a JSON object (set when read).
	FieldsJSON string
}

func (a *CapacityAssessment) bind() []binding {
	return []binding{
		str("incident_id", &a.IncidentID), str("resident_id", &a.ResidentID), str("decision", &a.Decision),
		str("decision_type", &a.DecisionType), str("reason_for_doubt", &a.ReasonForDoubt),
		str("relevant_information", &a.RelevantInformation), str("how_information_given", &a.HowInformationGiven),
		str("practicable_steps", &a.PracticableSteps), yesno("can_wait", &a.CanWait), str("can_wait_reason", &a.CanWaitReason),
		yesno("impairment", &a.Impairment), str("impairment_evidence", &a.ImpairmentEvidence),
		str("impairment_duration", &a.ImpairmentDuration),
		yesno("can_understand", &a.CanUnderstand), str("understand_evidence", &a.UnderstandEvidence),
		yesno("can_retain", &a.CanRetain), str("retain_evidence", &a.RetainEvidence),
		yesno("can_use_or_weigh", &a.CanUseOrWeigh), str("use_or_weigh_evidence", &a.UseOrWeighEvidence),
		yesno("can_communicate", &a.CanCommunicate), str("communicate_evidence", &a.CommunicateEvidence),
		yesno("causative_nexus", &a.CausativeNexus), str("causative_nexus_evidence", &a.CausativeNexusEvidence),
		str("outcome", &a.Outcome), str("persons_decision", &a.PersonsDecision),
		str("assessor_name", &a.AssessorName), str("assessor_role", &a.AssessorRole),
		str("assessor_organisation", &a.AssessorOrganisation), str("supersedes_id", &a.SupersedesID),
	}
}

// readBind adds the read-only fields.
func (a *CapacityAssessment) readBind() []binding {
	return append(a.bind(), str("signed_at", &a.SignedAt), str("signed_by", &a.SignedBy))
}

// CapacityAssessmentList is a list of capacity assessments.
type CapacityAssessmentList struct{ items []*CapacityAssessment }

// Len returns the number of assessments.
func (l *CapacityAssessmentList) Len() int { return len(l.items) }

// At returns the i-th assessment.
func (l *CapacityAssessmentList) At(i int) *CapacityAssessment { return l.items[i] }

// SaveCapacityAssessment starts or updates an unsigned assessment, writing
// the fields that are set, and returns its id. A signed assessment cannot be
// changed: start a new one with SupersedesID.
func (c *Client) SaveCapacityAssessment(a *CapacityAssessment) (string, error) {
	if a == nil {
		return "", errors.New("continuity: no assessment")
	}
	v := *a
	if v.SignedAt != "" || v.SignedBy != "" {
		return "", syncproto.Errorf(syncproto.CodeInvalidValue, "fields.signed_at", "sign an assessment with SignCapacityAssessment")
	}
	if !c.exists(CollectionCapacityAssessments, v.ID) && v.IncidentID == "" {
		v.IncidentID = c.stringField(CollectionResidents, v.ResidentID, "incident_id")
	}
	fields, err := encode(v.bind(), v.ExtraJSON)
	if err != nil {
		return "", err
	}
	return c.write(CollectionCapacityAssessments, v.ID, syncproto.OpUpsert, fields)
}

// SignCapacityAssessment signs an assessment now, by signedBy. It must have
// an outcome; once signed it is a legal record and is never edited.
func (c *Client) SignCapacityAssessment(id, signedBy string) error {
	a, err := c.CapacityAssessment(id)
	if err != nil {
		return err
	}
	switch {
	case a.SignedAt != "":
		return syncproto.Errorf(rules.CodeAssessmentSigned, "fields.signed_at", "the assessment was signed at %s; supersede it with a new assessment", a.SignedAt)
	case a.Outcome == "":
		return syncproto.Errorf(syncproto.CodeMissingField, "fields.outcome", "record the outcome before signing")
	case strings.TrimSpace(signedBy) == "":
		return syncproto.Errorf(syncproto.CodeMissingField, "fields.signed_by", "say who signs")
	}
	fields := map[string]json.RawMessage{}
	fields["signed_at"], _ = json.Marshal(c.nowRFC3339())
	fields["signed_by"], _ = json.Marshal(strings.TrimSpace(signedBy))
	_, err = c.write(CollectionCapacityAssessments, a.ID, syncproto.OpUpsert, fields)
	return err
}

func assessmentFrom(sr storedRecord) *CapacityAssessment {
	a := &CapacityAssessment{ID: sr.rec.ID, Pending: sr.pending, FieldsJSON: fieldsJSON(sr.rec)}
	decode(a.readBind(), sr.rec)
	return a
}

// CapacityAssessment returns an assessment held on the device.
func (c *Client) CapacityAssessment(id string) (*CapacityAssessment, error) {
	sr, err := c.get(CollectionCapacityAssessments, id)
	if err != nil {
		return nil, err
	}
	return assessmentFrom(sr), nil
}

// CapacityAssessmentsOf returns a resident's assessments, by decision then id.
func (c *Client) CapacityAssessmentsOf(residentID string) (*CapacityAssessmentList, error) {
	id, err := canonID("resident_id", residentID)
	if err != nil {
		return nil, err
	}
	rs, err := c.query(CollectionCapacityAssessments, "", "resident_id", id)
	if err != nil {
		return nil, err
	}
	l := &CapacityAssessmentList{}
	for _, sr := range rs {
		l.items = append(l.items, assessmentFrom(sr))
	}
	sort.SliceStable(l.items, func(i, j int) bool {
		if l.items[i].Decision != l.items[j].Decision {
			return l.items[i].Decision < l.items[j].Decision
		}
		return l.items[i].ID < l.items[j].ID
	})
	return l, nil
}

// ----- moves -----

// Move is a resident's move to another service.
type Move struct {
	// ID is the record id; empty plans a new move.
	ID string
	// ResidentID is required. IncidentID defaults to the resident's and
	// FromServiceID to the resident's current service.
	ResidentID string
	// IncidentID: the incident (provider failure case) the record belongs to.
	IncidentID string
	// FromServiceID: where from.
	FromServiceID string
	// ToServiceID: where to: registered for the category needed, able to meet needs.
	ToServiceID string
	// ChosenBy is resident, carer, representative or best_interests.
	ChosenBy string
	// BestInterestsDecisionID: the best-interests decision behind the choice, if any.
	BestInterestsDecisionID string
	// PlannedAt and PlannedArrivalAt are RFC 3339; a move outside normal
	// working hours needs OutOfHoursReason.
	PlannedAt string
	// PlannedArrivalAt: planned arrival (RFC 3339).
	PlannedArrivalAt string
	// OutOfHoursReason: why the move is planned outside normal working hours.
	OutOfHoursReason string
	// Status is planned (the default for a new move), in_transit, completed
	// or cancelled.
	Status string
	// CancelledReason: why the move was cancelled.
	CancelledReason string
	// Transport is car, minibus, ambulance, wheelchair_taxi or other.
	Transport string
	// TransportPaidBy: who pays for transport.
	TransportPaidBy string
	// Vehicle: vehicle, e.g. a registration or a firm.
	Vehicle string
	// Escort: who accompanies the person: someone familiar.
	Escort string
	// EquipmentTravelling: equipment that travels with the person.
	EquipmentTravelling string
	// EscortFamiliar, MedicationTravelling and RecordsHandedOver are Yes,
	// No or "".
	EscortFamiliar string
	// MedicationTravelling: medication and MAR chart travel with the person.
	MedicationTravelling string
	// RecordsHandedOver: care records and summaries handed to the new provider.
	RecordsHandedOver string
	// Notes is free text.
	Notes string
	// ExtraJSON holds further fields to write, as a JSON object (e.g.
	// transport_cost, gp_changed).
	ExtraJSON string
	// Pending and FieldsJSON are set when read.
	Pending bool
	// FieldsJSON is every current field as a JSON object (set when read).
	FieldsJSON string
}

func (m *Move) bind() []binding {
	return []binding{
		str("incident_id", &m.IncidentID), str("resident_id", &m.ResidentID), str("from_service_id", &m.FromServiceID),
		str("to_service_id", &m.ToServiceID), str("chosen_by", &m.ChosenBy),
		str("best_interests_decision_id", &m.BestInterestsDecisionID), str("planned_at", &m.PlannedAt),
		str("planned_arrival_at", &m.PlannedArrivalAt), str("out_of_hours_reason", &m.OutOfHoursReason),
		str("status", &m.Status), str("cancelled_reason", &m.CancelledReason), str("transport", &m.Transport),
		str("transport_paid_by", &m.TransportPaidBy), str("vehicle", &m.Vehicle), str("escort", &m.Escort),
		str("equipment_travelling", &m.EquipmentTravelling), yesno("escort_familiar", &m.EscortFamiliar),
		yesno("medication_travelling", &m.MedicationTravelling), yesno("records_handed_over", &m.RecordsHandedOver),
		str("notes", &m.Notes),
	}
}

// MoveList is a list of moves.
type MoveList struct{ items []*Move }

// Len returns the number of moves.
func (l *MoveList) Len() int { return len(l.items) }

// At returns the i-th move.
func (l *MoveList) At(i int) *Move { return l.items[i] }

// PlanMove plans a move (ID empty) or updates one, writing the fields that
// are set, and returns its id.
func (c *Client) PlanMove(m *Move) (string, error) {
	if m == nil {
		return "", errors.New("continuity: no move")
	}
	v := *m
	if !c.exists(CollectionMoves, v.ID) {
		if v.IncidentID == "" {
			v.IncidentID = c.stringField(CollectionResidents, v.ResidentID, "incident_id")
		}
		if v.FromServiceID == "" {
			v.FromServiceID = c.stringField(CollectionResidents, v.ResidentID, "current_service_id")
		}
		if v.Status == "" {
			v.Status = "planned"
		}
	}
	if v.PlannedAt != "" && v.PlannedArrivalAt != "" && parseTime(v.PlannedArrivalAt).Before(parseTime(v.PlannedAt)) {
		return "", syncproto.Errorf(rules.CodeMoveEndsBeforeStart, "fields.planned_arrival_at", "a move cannot arrive before it departs")
	}
	fields, err := encode(v.bind(), v.ExtraJSON)
	if err != nil {
		return "", err
	}
	return c.write(CollectionMoves, v.ID, syncproto.OpUpsert, fields)
}

func moveFrom(sr storedRecord) *Move {
	m := &Move{ID: sr.rec.ID, Pending: sr.pending, FieldsJSON: fieldsJSON(sr.rec)}
	decode(m.bind(), sr.rec)
	return m
}

// Move returns a move held on the device.
func (c *Client) Move(id string) (*Move, error) {
	sr, err := c.get(CollectionMoves, id)
	if err != nil {
		return nil, err
	}
	return moveFrom(sr), nil
}

// MovesOf returns a resident's moves, by planned time.
func (c *Client) MovesOf(residentID string) (*MoveList, error) {
	id, err := canonID("resident_id", residentID)
	if err != nil {
		return nil, err
	}
	rs, err := c.query(CollectionMoves, "", "resident_id", id)
	if err != nil {
		return nil, err
	}
	l := &MoveList{}
	for _, sr := range rs {
		l.items = append(l.items, moveFrom(sr))
	}
	sort.SliceStable(l.items, func(i, j int) bool {
		return parseTime(l.items[i].PlannedAt).Before(parseTime(l.items[j].PlannedAt))
	})
	return l, nil
}

// MoveLeg is one leg of a move as logged on the day.
type MoveLeg struct {
	// ID is the record id; empty logs a new leg.
	ID string
	// MoveID is required; IncidentID defaults to the move's.
	MoveID string
	// IncidentID: the incident (provider failure case) the record belongs to.
	IncidentID string
	// Sequence is 1 for the first leg; 0 on a new leg means the next one.
	Sequence int
	// FromPlace: where the leg starts, if not the move's origin.
	FromPlace string
	// ToPlace: where the leg ends, if not the move's destination.
	ToPlace string
	// DepartedAt, ArrivedAt and HandedOverAt are RFC 3339.
	DepartedAt string
	// ArrivedAt: when the person arrived (RFC 3339).
	ArrivedAt string
	// Vehicle: vehicle used.
	Vehicle string
	// Escort: who went with the person.
	Escort string
	// HandedOverAt: when the handover was done (RFC 3339).
	HandedOverAt string
	// HandedOverTo: who received the handover.
	HandedOverTo string
	// IdentityConfirmed and HandedOver are Yes, No or "".
	IdentityConfirmed string
	// HandedOver: the person, medication and records were handed over.
	HandedOver string
	// Notes is free text.
	Notes string
	// ExtraJSON holds further fields to write, as a JSON object.
	ExtraJSON string
	// Pending and FieldsJSON are set when read.
	Pending bool
	// FieldsJSON is every current field as a JSON object (set when read).
	FieldsJSON string
}

func (m *MoveLeg) bind() []binding {
	return []binding{
		str("incident_id", &m.IncidentID), str("move_id", &m.MoveID), integer("sequence", &m.Sequence),
		str("from_place", &m.FromPlace), str("to_place", &m.ToPlace), str("departed_at", &m.DepartedAt),
		str("arrived_at", &m.ArrivedAt), str("vehicle", &m.Vehicle), str("escort", &m.Escort),
		str("handed_over_at", &m.HandedOverAt), str("handed_over_to", &m.HandedOverTo),
		yesno("identity_confirmed", &m.IdentityConfirmed), yesno("handed_over", &m.HandedOver), str("notes", &m.Notes),
	}
}

// MoveLegList is a list of move legs.
type MoveLegList struct{ items []*MoveLeg }

// Len returns the number of legs.
func (l *MoveLegList) Len() int { return len(l.items) }

// At returns the i-th leg.
func (l *MoveLegList) At(i int) *MoveLeg { return l.items[i] }

// LogMoveLeg logs a leg of a move (ID empty) or updates one (e.g. its
// arrival), and returns its id. The times must run in order: departed,
// arrived, handed over.
func (c *Client) LogMoveLeg(leg *MoveLeg) (string, error) {
	if leg == nil {
		return "", errors.New("continuity: no move leg")
	}
	v := *leg
	existing := &MoveLeg{}
	if sr, err := c.get(CollectionMoveLegs, v.ID); v.ID != "" && err == nil {
		decode(existing.bind(), sr.rec)
	} else {
		if v.MoveID != "" {
			if id, err := canonID("fields.move_id", v.MoveID); err == nil {
				v.MoveID = id
			}
		}
		if v.IncidentID == "" {
			v.IncidentID = c.stringField(CollectionMoves, v.MoveID, "incident_id")
		}
		if v.Sequence == 0 && v.MoveID != "" {
			legs, err := c.LegsOf(v.MoveID)
			if err == nil {
				v.Sequence = legs.Len() + 1
			}
		}
	}
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	dep, arr, hand := pick(v.DepartedAt, existing.DepartedAt), pick(v.ArrivedAt, existing.ArrivedAt), pick(v.HandedOverAt, existing.HandedOverAt)
	switch {
	case arr != "" && dep == "":
		return "", syncproto.Errorf(rules.CodeLegArrivalWithoutDeparture, "fields.arrived_at", "a leg cannot arrive without departing; log departed_at")
	case arr != "" && parseTime(arr).Before(parseTime(dep)):
		return "", syncproto.Errorf(rules.CodeLegArrivesBeforeDeparture, "fields.arrived_at", "a leg cannot arrive (%s) before it departs (%s)", arr, dep)
	case hand != "" && arr == "":
		return "", syncproto.Errorf(rules.CodeLegHandoverBeforeArrival, "fields.handed_over_at", "a handover comes after arrival; log arrived_at")
	case hand != "" && parseTime(hand).Before(parseTime(arr)):
		return "", syncproto.Errorf(rules.CodeLegHandoverBeforeArrival, "fields.handed_over_at", "the handover (%s) cannot come before the arrival (%s)", hand, arr)
	}
	fields, err := encode(v.bind(), v.ExtraJSON)
	if err != nil {
		return "", err
	}
	return c.write(CollectionMoveLegs, v.ID, syncproto.OpUpsert, fields)
}

func legFrom(sr storedRecord) *MoveLeg {
	m := &MoveLeg{ID: sr.rec.ID, Pending: sr.pending, FieldsJSON: fieldsJSON(sr.rec)}
	decode(m.bind(), sr.rec)
	return m
}

// LegsOf returns a move's legs in sequence.
func (c *Client) LegsOf(moveID string) (*MoveLegList, error) {
	id, err := canonID("move_id", moveID)
	if err != nil {
		return nil, err
	}
	rs, err := c.query(CollectionMoveLegs, "", "move_id", id)
	if err != nil {
		return nil, err
	}
	l := &MoveLegList{}
	for _, sr := range rs {
		l.items = append(l.items, legFrom(sr))
	}
	sort.SliceStable(l.items, func(i, j int) bool { return l.items[i].Sequence < l.items[j].Sequence })
	return l, nil
}

// ----- decision log -----

// DecisionNote is an entry in an incident's decision log. The log is
// append-only: an entry is never changed; a correction is a new entry.
type DecisionNote struct {
	// ID is set when read; a new note always gets a new id.
	ID string
	// IncidentID, Decision and DecidedBy are required.
	IncidentID string
	// Decision: what was decided.
	Decision string
	// Rationale: why.
	Rationale string
	// DecidedBy: who decided.
	DecidedBy string
	// Role: their role.
	Role string
	// DecidedAt is RFC 3339; it defaults to now.
	DecidedAt string
	// ResidentID: the person the decision is about, if one.
	ResidentID string
	// MeetingID: the meeting where it was made, if one.
	MeetingID string
	// RecordedBy: who logged it.
	RecordedBy string
	// Pending and FieldsJSON are set when read.
	Pending bool
	// FieldsJSON is every current field as a JSON object (set when read).
	FieldsJSON string
}

func (n *DecisionNote) bind() []binding {
	return []binding{
		str("incident_id", &n.IncidentID), str("decision", &n.Decision), str("rationale", &n.Rationale),
		str("decided_by", &n.DecidedBy), str("role", &n.Role), str("decided_at", &n.DecidedAt),
		str("resident_id", &n.ResidentID), str("meeting_id", &n.MeetingID), str("recorded_by", &n.RecordedBy),
	}
}

// DecisionNoteList is a list of decision-log entries.
type DecisionNoteList struct{ items []*DecisionNote }

// Len returns the number of entries.
func (l *DecisionNoteList) Len() int { return len(l.items) }

// At returns the i-th entry.
func (l *DecisionNoteList) At(i int) *DecisionNote { return l.items[i] }

// AddDecisionLogNote appends an entry to an incident's decision log and
// returns its id.
func (c *Client) AddDecisionLogNote(n *DecisionNote) (string, error) {
	if n == nil {
		return "", errors.New("continuity: no decision note")
	}
	v := *n
	if v.ID != "" {
		return "", syncproto.Errorf(rules.CodeLogAppendOnly, "record_id", "the decision log is append-only: add a new entry instead of changing %s", v.ID)
	}
	if v.DecidedAt == "" {
		v.DecidedAt = c.nowRFC3339()
	}
	fields, err := encode(v.bind(), "")
	if err != nil {
		return "", err
	}
	return c.write(CollectionDecisionLog, "", syncproto.OpUpsert, fields)
}

// DecisionLog returns an incident's decision log, oldest first.
func (c *Client) DecisionLog(incidentID string) (*DecisionNoteList, error) {
	rs, err := c.query(CollectionDecisionLog, incidentID, "", "")
	if err != nil {
		return nil, err
	}
	l := &DecisionNoteList{}
	for _, sr := range rs {
		n := &DecisionNote{ID: sr.rec.ID, Pending: sr.pending, FieldsJSON: fieldsJSON(sr.rec)}
		decode(n.bind(), sr.rec)
		l.items = append(l.items, n)
	}
	sort.SliceStable(l.items, func(i, j int) bool {
		a, b := parseTime(l.items[i].DecidedAt), parseTime(l.items[j].DecidedAt)
		if !a.Equal(b) {
			return a.Before(b)
		}
		return l.items[i].ID < l.items[j].ID
	})
	return l, nil
}
