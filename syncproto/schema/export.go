package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"github.com/continuity-care/continuity/syncproto/rules"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// Spec types: what a Field.Check enforces, named for clients that cannot run
// the Go check (the JavaScript SDK reads them from GET /v1/schema).
const (
	// SpecDateRange: a YYYY-MM-DD date in [From, To).
	SpecDateRange = "date_range"
	// SpecTimeRange: an RFC 3339 time in [From, To) (From and To are dates).
	SpecTimeRange = "time_range"
	// SpecBirthDate: a YYYY-MM-DD date from From to today (UTC) plus one day.
	SpecBirthDate = "birth_date"
	// SpecPattern: a string matching Pattern (a regular expression valid in
	// both RE2 and ECMAScript).
	SpecPattern = "pattern"
	// SpecStringList: an array of at most MaxItems distinct strings, each
	// passing ItemTag when it is not empty.
	SpecStringList = "string_list"
	// SpecObjectList: an array of at most MaxItems objects, each with only
	// the keys of Shape, each key's value of its kind and passing its tag.
	SpecObjectList = "object_list"
)

// Spec is the declarative form of a Field.Check.
type Spec struct {
	// Type is one of the Spec* constants.
	Type string `json:"type"`
	// From is the earliest date allowed (YYYY-MM-DD), for date and time
	// ranges and dates of birth.
	From string `json:"from,omitempty"`
	// To is the first date no longer allowed (YYYY-MM-DD), for ranges.
	To string `json:"to,omitempty"`
	// Pattern is the regular expression of a pattern spec.
	Pattern string `json:"pattern,omitempty"`
	// What describes the expected shape in words, for error messages.
	What string `json:"what,omitempty"`
	// ItemTag is the validator tag each item of a string list must pass.
	ItemTag string `json:"item_tag,omitempty"`
	// MaxItems is the most items a list may hold.
	MaxItems int `json:"max_items,omitempty"`
	// Shape lists the keys of each object of an object list.
	Shape []ShapeField `json:"shape,omitempty"`
	// NotFuture, for a date or time range: the value may not lie after the
	// checking clock plus SkewSeconds (a date: its day may not start after
	// that). Things that happened (a visit, an event) cannot be in the
	// future.
	NotFuture bool `json:"not_future,omitempty"`
	// SkewSeconds is how far ahead of the checking clock a NotFuture value
	// may be, for device clocks that differ from the server's.
	SkewSeconds int `json:"skew_seconds,omitempty"`
	// MaxDaysPast, for a date: the date may lie at most this many days
	// before the checking clock's day (UTC). With OnCreate, only when the
	// write creates the record (a new action cannot be due in 2020; an old
	// one may be marked done).
	MaxDaysPast int `json:"max_days_past,omitempty"`
	// OnCreate limits MaxDaysPast to writes that create the record.
	OnCreate bool `json:"on_create,omitempty"`
}

// ShapeField is one key of an object in an object list: its JSON name, its
// kind (string or boolean) and its validator tag.
type ShapeField struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	Tag  string `json:"tag,omitempty"`
	// Check is a further declarative check of the key's value, evaluated
	// from this data by the server (checkClock) and by clients alike.
	Check *Spec `json:"check,omitempty"`
}

// Specs of the shared checks in domain_checks.go.
var (
	eventDateSpec    = &Spec{Type: SpecDateRange, From: EarliestEvent.Format(time.DateOnly), To: LatestEvent.Format(time.DateOnly)}
	historicDateSpec = &Spec{Type: SpecDateRange, From: EarliestBirth.Format(time.DateOnly), To: LatestEvent.Format(time.DateOnly)}
	eventTimeSpec    = &Spec{Type: SpecTimeRange, From: EarliestEvent.Format(time.DateOnly), To: LatestEvent.Format(time.DateOnly)}
	birthDateSpec    = &Spec{Type: SpecBirthDate, From: EarliestBirth.Format(time.DateOnly)}
)

// patternSpec is the Spec of matching(re, what).
func patternSpec(re *regexp.Regexp, what string) *Spec {
	return &Spec{Type: SpecPattern, Pattern: re.String(), What: what}
}

// stringListSpec is the Spec of stringList(tag, maxItems).
func stringListSpec(tag string, maxItems int) *Spec {
	return &Spec{Type: SpecStringList, ItemTag: tag, MaxItems: maxItems}
}

// objectListSpec is the Spec of listOf[T](maxItems): T's exported fields by
// their json names, kinds and validate tags.
func objectListSpec[T any](maxItems int) *Spec {
	var shape []ShapeField
	t := reflect.TypeFor[T]()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := strings.SplitN(f.Tag.Get("json"), ",", 2)[0]
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		kind := Any
		switch f.Type.Kind() {
		case reflect.String:
			kind = String
		case reflect.Bool:
			kind = Bool
		case reflect.Int, reflect.Int64, reflect.Int32:
			kind = Integer
		case reflect.Float64, reflect.Float32:
			kind = Number
		}
		shape = append(shape, ShapeField{Name: name, Kind: kind, Tag: f.Tag.Get("validate")})
	}
	return &Spec{Type: SpecObjectList, MaxItems: maxItems, Shape: shape}
}

// Exported is the registry as served at GET /v1/schema: everything a client
// needs to validate fields exactly as FieldErrors does.
type Exported struct {
	// Version changes whenever anything else in the export changes.
	Version string `json:"version"`
	// Formats are the regular expressions behind validator tags that a
	// client must match the same way (uk_postcode, matched case-insensitively).
	Formats map[string]string `json:"formats"`
	// Collections are the collections in name order.
	Collections []ExportedCollection `json:"collections"`
	// Gates are the step gates as data, by name (e.g. move_completion:
	// {items: [{field, label, seed_ref, overridable}], override_roles}).
	Gates map[string]any `json:"gates,omitempty"`
	// Words is the table from an error to the words a care worker reads
	// (see Words); clients build their messages from it.
	Words Words `json:"words"`
}

// ExportedCollection is one collection of an Exported schema.
type ExportedCollection struct {
	Name       string          `json:"name"`
	ScopeField string          `json:"scope_field,omitempty"`
	Doc        string          `json:"doc,omitempty"`
	Fields     []ExportedField `json:"fields"`
	// Order lists the date (or time) field pairs whose later field can
	// never be before its earlier one (Collection.Order).
	Order []FieldOrder `json:"order,omitempty"`
	// Requirements are the collection's record rules as data, which the
	// server evaluates too (rules.Requirement).
	Requirements []rules.Requirement `json:"requirements,omitempty"`
}

// ExportedField is one field of an ExportedCollection.
type ExportedField struct {
	Name     string `json:"name"`
	Kind     Kind   `json:"kind"`
	Tag      string `json:"tag,omitempty"`
	Required bool   `json:"required,omitempty"`
	Policy   Policy `json:"policy"`
	Doc      string `json:"doc,omitempty"`
	// Label names the field in the words of error messages (Field.Label).
	Label string `json:"label"`
	// Enum lists the values a "oneof" tag allows, for forms.
	Enum []string `json:"enum,omitempty"`
	// Check is the declarative form of the field's further check.
	Check *Spec `json:"check,omitempty"`
}

// Export returns the registry in its exported form. Fields keep their
// declaration order (the order forms show them in).
func (r *Registry) Export() Exported {
	out := Exported{Formats: map[string]string{"uk_postcode": ukPostcodePattern}, Gates: r.gates, Words: words}
	for _, name := range r.Names() {
		c := r.cols[name]
		ec := ExportedCollection{Name: c.Name, ScopeField: c.ScopeField, Doc: c.Doc, Fields: make([]ExportedField, 0, len(c.Fields)), Order: c.Order, Requirements: c.Requirements}
		for _, f := range c.Fields {
			ef := ExportedField{Name: f.Name, Kind: f.Kind, Tag: f.Tag, Required: f.Required, Policy: f.Policy, Doc: f.Doc, Label: f.Label(), Check: f.Spec}
			for _, part := range strings.Split(f.Tag, ",") {
				if vals, ok := strings.CutPrefix(part, "oneof="); ok {
					ef.Enum = strings.Fields(vals)
				}
			}
			ec.Fields = append(ec.Fields, ef)
		}
		out.Collections = append(out.Collections, ec)
	}
	b, _ := json.Marshal(out)
	sum := sha256.Sum256(b)
	out.Version = hex.EncodeToString(sum[:8])
	return out
}

// FieldErrors validates fields for a write to collection and returns every
// problem, not just the first: each field in name order (unknown, wrong
// kind, invalid value), then, when create is set, each required field that is
// missing or null, in declaration order. CheckFields reports the first of
// them. An unknown collection gives one error naming "collection".
func (r *Registry) FieldErrors(collection string, fields map[string]json.RawMessage, create bool) []*syncproto.Error {
	col, ok := r.cols[collection]
	if !ok {
		return []*syncproto.Error{syncproto.Errorf(syncproto.CodeUnknownCollection, "collection", "unknown collection %q; known: %s", collection, strings.Join(r.Names(), ", "))}
	}
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*syncproto.Error
	for _, name := range names {
		f, ok := col.byName[name]
		if !ok {
			out = append(out, syncproto.Errorf(syncproto.CodeUnknownField, "fields."+name, "%s", say(collection, &Field{Name: name}, syncproto.CodeUnknownField, nil)))
			continue
		}
		if e := r.checkValue(collection, f, fields[name], create); e != nil {
			out = append(out, e)
		}
	}
	if create {
		for i := range col.Fields {
			f := &col.Fields[i]
			if f.Required {
				if v, ok := fields[f.Name]; !ok || isNull(v) {
					if ok {
						continue // already reported: a required field cannot be cleared
					}
					out = append(out, syncproto.Errorf(syncproto.CodeMissingField, "fields."+f.Name, "%s", say(collection, f, syncproto.CodeMissingField, nil)))
				}
			}
		}
	}
	return out
}
