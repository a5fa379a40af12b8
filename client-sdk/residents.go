package continuity

import (
	"errors"
	"sort"
	"strings"

	"github.com/continuity-care/continuity/syncproto"
)

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
