package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Dates that make sense. Validator tags only check that a date or time is
// well formed (and a real calendar day); these checks reject values no care
// record can hold, such as a visit in the year 0001 or a birth tomorrow.
// They depend on no clock except for dates of birth, which cannot be in the
// future.
var (
	// EarliestEvent is the earliest date an event of a record may carry.
	EarliestEvent = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	// LatestEvent is the first instant after the latest date an event or
	// due date may carry.
	LatestEvent = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	// EarliestBirth is the earliest date of birth accepted.
	EarliestBirth = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
)

// today returns the current time for the date-of-birth check; tests may
// replace it.
var today = func() time.Time { return time.Now().UTC() }

// decodeString decodes a JSON string strictly.
func decodeString(raw json.RawMessage) (string, error) {
	s, err := unquote(raw)
	if err != nil {
		return "", fmt.Errorf("must be a JSON string")
	}
	return s, nil
}

// eventDate is a Field.Check for a YYYY-MM-DD field holding the date of an
// event, a deadline or an expiry: it must fall in [EarliestEvent,
// LatestEvent).
var eventDate = dateBetween(EarliestEvent, LatestEvent)

// historicDate is a Field.Check for a YYYY-MM-DD date that may lie long
// ago, such as an admission decades back: it must fall in [EarliestBirth,
// LatestEvent).
var historicDate = dateBetween(EarliestBirth, LatestEvent)

// dateBetween returns a Field.Check for a YYYY-MM-DD date in [from, to).
func dateBetween(from, to time.Time) func(*Validator, json.RawMessage) error {
	return func(_ *Validator, raw json.RawMessage) error {
		s, err := decodeString(raw)
		if err != nil {
			return err
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return &problem{key: "invalid_value.date", msg: "must be a date written YYYY-MM-DD"}
		}
		if d.Before(from) || !d.Before(to) {
			return rangeProblem(fmt.Sprintf("%s is not a plausible date: it must be from %s to %s", s, from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly)), from, to)
		}
		return nil
	}
}

// eventTime is a Field.Check for an RFC 3339 time of an event: it must fall
// in [EarliestEvent, LatestEvent).
func eventTime(_ *Validator, raw json.RawMessage) error {
	s, err := decodeString(raw)
	if err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return &problem{key: "invalid_value.rfc3339", msg: "must be an RFC 3339 time such as 2026-11-23T09:30:00Z"}
	}
	if t.Before(EarliestEvent) || !t.Before(LatestEvent) {
		return rangeProblem(fmt.Sprintf("%s is not a plausible time: it must be from %s to %s", s, EarliestEvent.Format(time.DateOnly), LatestEvent.AddDate(0, 0, -1).Format(time.DateOnly)), EarliestEvent, LatestEvent)
	}
	return nil
}

// birthDate is a Field.Check for a date of birth: from EarliestBirth to
// today (UTC, with a day's grace for time zones), never in the future.
func birthDate(_ *Validator, raw json.RawMessage) error {
	s, err := decodeString(raw)
	if err != nil {
		return err
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return &problem{key: "invalid_value.date", msg: "must be a date written YYYY-MM-DD"}
	}
	if d.Before(EarliestBirth) {
		return &problem{key: "invalid_value.birth_early", vars: map[string]string{"from": spokenDate(EarliestBirth.Format(time.DateOnly))}, msg: fmt.Sprintf("date of birth %s is before %s", s, EarliestBirth.Format(time.DateOnly))}
	}
	if d.After(today().AddDate(0, 0, 1)) {
		return &problem{key: "invalid_value.birth_future", msg: fmt.Sprintf("date of birth %s is in the future", s)}
	}
	return nil
}

// matching is a Field.Check requiring a string to match re; what describes
// the expected shape for the error.
func matching(re *regexp.Regexp, what string) func(*Validator, json.RawMessage) error {
	return func(_ *Validator, raw json.RawMessage) error {
		s, err := decodeString(raw)
		if err != nil {
			return err
		}
		if !re.MatchString(s) {
			return fmt.Errorf("%q must be %s", s, what)
		}
		return nil
	}
}

// cqcID is the shape of a CQC provider or location id, e.g. 1-10552899555.
var cqcID = regexp.MustCompile(`^1-[0-9]{6,12}$`)

// checklistNumber is the shape of a checklist item number, e.g. 2.10.
var checklistNumber = regexp.MustCompile(`^[0-9]{1,2}\.[0-9]{1,2}$`)

// stringList is a Field.Check for an array of strings: at most maxItems
// items, each a JSON string that passes tag (when not empty) and none
// repeated.
func stringList(tag string, maxItems int) func(*Validator, json.RawMessage) error {
	return func(v *Validator, raw json.RawMessage) error {
		dec := json.NewDecoder(bytes.NewReader(raw))
		var items []json.RawMessage
		if err := dec.Decode(&items); err != nil {
			return fmt.Errorf("must be an array of strings")
		}
		if len(items) > maxItems {
			return fmt.Errorf("has %d items; at most %d are allowed", len(items), maxItems)
		}
		seen := map[string]bool{}
		for i, it := range items {
			s, err := decodeString(it)
			if err != nil {
				return fmt.Errorf("item %d must be a string", i)
			}
			if tag != "" {
				if err := v.Var(s, tag); err != nil {
					return fmt.Errorf("item %d %s", i, v.Explain(err, ""))
				}
			}
			if seen[s] {
				return fmt.Errorf("item %d repeats %q", i, s)
			}
			seen[s] = true
		}
		return nil
	}
}

// listOf is a Field.Check for an array of objects decoded strictly into T
// and validated by T's tags (StructOf), with at most maxItems items.
func listOf[T any](maxItems int) func(*Validator, json.RawMessage) error {
	each := StructOf[T]()
	return func(v *Validator, raw json.RawMessage) error {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return fmt.Errorf("must be an array of objects")
		}
		if len(items) > maxItems {
			return fmt.Errorf("has %d items; at most %d are allowed", len(items), maxItems)
		}
		return each(v, raw)
	}
}

// problem is what a check found wrong: the key of its words in the table
// (Words), the values its template needs, and the check's own words.
type problem struct {
	key  string
	vars map[string]string
	msg  string
}

func (p *problem) Error() string { return p.msg }

// rangeProblem is a value outside [from, to).
func rangeProblem(msg string, from, to time.Time) *problem {
	return &problem{key: "invalid_value.range", msg: msg, vars: map[string]string{
		"from": from.Format("2 January 2006"), "to": to.AddDate(0, 0, -1).Format("2 January 2006")}}
}

// problemWords gives the words for what a Field.Check returned.
func problemWords(collection string, f *Field, err error) string {
	var p *problem
	if errors.As(err, &p) {
		vars := map[string]string{"detail": p.msg}
		for k, v := range p.vars {
			vars[k] = v
		}
		return say(collection, f, p.key, vars)
	}
	return say(collection, f, "invalid_value", map[string]string{"detail": err.Error()})
}

// checkClock applies the clock-relative parts of a field's Spec (NotFuture,
// MaxDaysPast with OnCreate, and the same on the keys of an object list),
// evaluated from the Spec itself: the JavaScript SDK evaluates the same
// exported data (validate.js). nil when there is nothing wrong.
func checkClock(s *Spec, raw json.RawMessage, create bool, now time.Time) *problem {
	if s == nil {
		return nil
	}
	if s.Type == SpecObjectList {
		var checked []ShapeField
		for _, k := range s.Shape {
			if k.Check != nil {
				checked = append(checked, k)
			}
		}
		if len(checked) == 0 {
			return nil
		}
		var items []map[string]json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil // the list check reports it
		}
		for _, it := range items {
			for _, k := range checked {
				if v, ok := it[k.Name]; ok && !isNull(v) {
					if p := checkClock(k.Check, v, create, now); p != nil {
						return p
					}
				}
			}
		}
		return nil
	}
	if !s.NotFuture && s.MaxDaysPast == 0 {
		return nil
	}
	str, uerr := unquote(raw)
	if uerr != nil || str == "" {
		return nil
	}
	var at time.Time
	var err error
	isDate := s.Type == SpecDateRange
	if isDate {
		at, err = time.Parse(time.DateOnly, str)
	} else {
		at, err = time.Parse(time.RFC3339Nano, str)
	}
	if err != nil {
		return nil // the format check reports it
	}
	if s.NotFuture && at.After(now.Add(time.Duration(s.SkewSeconds)*time.Second)) {
		return &problem{key: "invalid_value.not_future", msg: fmt.Sprintf("%s is in the future", str)}
	}
	if s.MaxDaysPast > 0 && (create || !s.OnCreate) {
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		if at.Before(day.AddDate(0, 0, -s.MaxDaysPast)) {
			return &problem{key: "invalid_value.too_old", vars: map[string]string{"days": strconv.Itoa(s.MaxDaysPast)}, msg: fmt.Sprintf("%s is more than %d days ago", str, s.MaxDaysPast)}
		}
	}
	return nil
}
