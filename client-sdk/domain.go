package continuity

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
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
