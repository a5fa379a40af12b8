package rules

import (
	"encoding/json"
	"reflect"
)

// Rules as data. A Requirement is a record rule written as data rather than
// code, so that the server evaluates it (Requirement.Check, here) and the
// devices evaluate the very same data (exported at GET /v1/schema and read by
// the JavaScript SDK's validate.js): there is no second copy to drift. See
// docs/app.md, "Rules on the device".

// Cond is a condition on a record's field values, as data. Exactly one form
// is used: a field compared with Eq (equal to the JSON value) or In (equal to
// one of), or Present; or All, Any (an empty Any is false) or Not of other
// conditions. A field that is absent or null equals nothing; it is present
// only when it has a value (HasValue): an empty string, list or object is
// not present, on the server and on the device alike.
type Cond struct {
	Field   string `json:"field,omitempty"`
	Eq      any    `json:"eq,omitempty"`
	In      []any  `json:"in,omitempty"`
	Present bool   `json:"present,omitempty"`
	All     []Cond `json:"all,omitempty"`
	Any     []Cond `json:"any,omitempty"`
	Not     *Cond  `json:"not,omitempty"`
}

// Holds evaluates the condition on field values (decoded JSON: string,
// float64, bool, nil, …).
func (c Cond) Holds(fields map[string]any) bool {
	switch {
	case c.All != nil:
		for _, x := range c.All {
			if !x.Holds(fields) {
				return false
			}
		}
		return true
	case c.Any != nil:
		for _, x := range c.Any {
			if x.Holds(fields) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !c.Not.Holds(fields)
	}
	v, ok := fields[c.Field]
	if !ok || v == nil {
		return false
	}
	switch {
	case c.Present:
		return HasValue(v)
	case c.In != nil:
		for _, w := range c.In {
			if equalJSON(v, w) {
				return true
			}
		}
		return false
	default:
		return equalJSON(v, c.Eq)
	}
}

// HasValue reports whether a decoded JSON value says something: not null,
// and not an empty string, list or object. It is what Cond's Present means.
func HasValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// equalJSON compares two decoded JSON values.
func equalJSON(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	ab, err1 := json.Marshal(a)
	bb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ab) == string(bb)
}

// Requirement is one record rule as data: when When holds of a record's
// fields, Require must hold too, or the record violates Code at Field, with
// Message in the words a care worker reads.
type Requirement struct {
	Code    string `json:"code"`
	Field   string `json:"field"`
	Message string `json:"message"`
	When    Cond   `json:"when"`
	Require Cond   `json:"require"`
	// Applies says when the server enforces it: "always", or "sign" (when
	// the write signs the record). A device may show it earlier, as advice.
	Applies string `json:"applies"`
}

// Check evaluates the requirements on field values, in order.
func Check(reqs []Requirement, fields map[string]any) Violations {
	var vs Violations
	for _, r := range reqs {
		if r.When.Holds(fields) && !r.Require.Holds(fields) {
			vs = append(vs, violation(r.Code, r.Field, "%s", r.Message))
		}
	}
	return vs
}

func eq(field string, v any) Cond { return Cond{Field: field, Eq: v} }

// unable: at least one of the four stage-2 abilities answered no.
var unable = Cond{Any: []Cond{eq("can_understand", false), eq("can_retain", false), eq("can_use_or_weigh", false), eq("can_communicate", false)}}

// TwoStageRequirements is the two-stage test of a capacity assessment (Mental
// Capacity Act 2005 ss.2-3; 003 Appendix 2, 3.8) as data, on the fields of a
// capacity_assessments record. "Lacks capacity" needs stage 1 answered yes, at
// least one stage-2 ability answered no, and the causative nexus answered yes;
// "has capacity" must not rest on answers that show capacity lacking; a signed
// assessment has an outcome. The server enforces it when an assessment is
// signed (CheckTwoStage).
var TwoStageRequirements = []Requirement{
	{Code: CodeCapacityIncoherent, Field: "impairment", Applies: "sign",
		Message: "To find that the person lacks capacity, record the impairment or disturbance of the mind or brain (stage 1, s.2(1))",
		When:    eq("outcome", string(LacksCapacity)), Require: eq("impairment", true)},
	{Code: CodeCapacityIncoherent, Field: "can_understand", Applies: "sign",
		Message: "To find that the person lacks capacity, they must be unable to understand, retain, use or weigh the information, or communicate their decision (stage 2, s.3(1))",
		When:    eq("outcome", string(LacksCapacity)), Require: unable},
	{Code: CodeCapacityIncoherent, Field: "causative_nexus", Applies: "sign",
		Message: "To find that the person lacks capacity, their inability must be because of the impairment or disturbance (s.2(1))",
		When:    eq("outcome", string(LacksCapacity)), Require: eq("causative_nexus", true)},
	{Code: CodeCapacityIncoherent, Field: "outcome", Applies: "sign",
		Message: "Your answers show the person cannot make this decision because of an impairment: the outcome is that they lack capacity, or change the answers",
		When:    eq("outcome", string(HasCapacity)), Require: Cond{Not: &Cond{All: []Cond{eq("impairment", true), unable, eq("causative_nexus", true)}}}},
	{Code: CodeCapacityIncoherent, Field: "outcome", Applies: "sign",
		Message: "Choose the outcome before signing the assessment: the person has, or lacks, capacity for this decision",
		When:    Cond{All: []Cond{{Field: "signed_at", Present: true}, {Not: &Cond{Field: "outcome", In: []any{string(HasCapacity), string(LacksCapacity)}}}}},
		Require: Cond{Any: []Cond{}}},
}
