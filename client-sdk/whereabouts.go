package continuity

import (
	"encoding/json"
	"fmt"

	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/rules"
)

// WhereaboutsJSON works out where a resident is from the records the device
// holds — their completed moves, move corrections, hospital admissions and
// discharges, deaths and the corrections of those — with the same function
// the server, the board and the reports use (rules.DeriveWhereabouts). It
// returns a JSON object: kind (service, hospital, deceased or unknown),
// service_id, location, since, collection and record_id (the record that
// says so), moved, derived. Whereabouts are derived, never typed.
func (c *Client) WhereaboutsJSON(residentID string) (string, error) {
	if c.closed.Load() {
		return "", ErrClosed
	}
	id, err := canonID("resident_id", residentID)
	if err != nil {
		return "", err
	}
	var w rules.Location
	err = c.st.tx(c.ctx, func(t *txn) error {
		var e error
		w, e = domain.WhereaboutsOf(lookup{t}, id)
		return e
	})
	if err != nil {
		return "", fmt.Errorf("continuity: whereabouts of %s: %w", id, err)
	}
	b, err := json.Marshal(w)
	if err != nil {
		return "", fmt.Errorf("continuity: whereabouts of %s: %w", id, err)
	}
	return string(b), nil
}
