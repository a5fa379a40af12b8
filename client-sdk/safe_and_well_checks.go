package continuity

import (
	"errors"
	"sort"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

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
