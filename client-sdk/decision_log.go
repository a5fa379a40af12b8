package continuity

import (
	"errors"
	"sort"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
)

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
