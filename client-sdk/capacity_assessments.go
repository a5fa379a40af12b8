package continuity

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
)

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
