// Package schema is the registry of synced collections: the fields each
// declares, their JSON kinds and validation, the field that scopes a record to
// an incident, and the rules a change must satisfy. It does no I/O and is used
// by the server and the client SDK alike.
package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/continuity-care/continuity/syncproto/rules"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// Kind is the JSON kind of a field's value.
type Kind string

// JSON kinds a field may declare.
const (
	String  Kind = "string"
	Number  Kind = "number"
	Integer Kind = "integer"
	Bool    Kind = "boolean"
	Object  Kind = "object"
	Array   Kind = "array"
	// Any accepts any JSON value.
	Any Kind = "any"
)

// Policy says what happens when two devices write a field concurrently.
type Policy string

const (
	// LastWriterWins merges silently: the later (hlc, device) write wins.
	LastWriterWins Policy = "lww"
	// Flag still merges by last-writer-wins but raises a conflict for a person
	// to resolve: for fields where a silent overwrite could hurt someone.
	Flag Policy = "flag"
)

// Field declares one field of a collection.
type Field struct {
	// Name is the field's JSON name.
	Name string
	// Kind is the JSON kind its value must have.
	Kind Kind
	// Tag is a go-playground/validator tag applied to the decoded value,
	// e.g. "uuid", "nhs_number", "oneof=safe_and_well concerns not_seen".
	Tag string
	// Required fields must be present (and not null) in the change that
	// creates a record.
	Required bool
	// Check, when set, validates the raw value further, e.g. decoding an
	// object into a struct and validating it.
	Check func(v *Validator, raw json.RawMessage) error
	// Spec describes declaratively what Check enforces, so that clients in
	// other languages (the JavaScript SDK, through the exported schema) can
	// apply the same check. Every field with a Check has one.
	Spec *Spec
	// Policy is the field's conflict policy; empty means LastWriterWins.
	Policy Policy
	// Doc describes the field for people reading the docs and errors.
	Doc string
	// Say names the field in the words of the error messages ("the date of
	// the visit"); empty means Doc (Field.Label).
	Say string
	// Ref, on a field of an incident-scoped collection, names the
	// incident-scoped collection of the record the field names: a change
	// naming a record of another incident is refused
	// (cross_incident_reference). Fields naming market records (providers,
	// services, concerns), which belong to no incident, leave it empty.
	Ref string
}

// Context is what a rule or effect may consult besides the change itself.
type Context struct {
	// Lookup reads other records.
	Lookup Lookup
	// Role is the role of the person making the change.
	Role string
	// Now is the server's (or tablet's) current time.
	Now time.Time
	// Clock stamps changes an effect makes.
	Clock *syncproto.Clock
	// Local is set when the rules run on a tablet, which holds only part of
	// the data: rules that need a record it may not have yet leave the
	// judgement to the server.
	Local bool
}

// Rule checks a change against the rest of the data before it is applied.
// before is the record's state without the change, after with it applied;
// either may be an empty record. A rule returns nil or a coded error.
type Rule func(ctx Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error

// Effect returns the changes the server makes because of an applied change,
// e.g. the checklist items of a newly activated incident. Effects must give
// their changes deterministic ids so that two devices triggering the same
// effect produce it once.
type Effect func(ctx Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error)

// Lookup reads other records' current state while a change is checked. The
// server implements it inside its write transaction; the client SDK over its
// local store.
type Lookup interface {
	// Record returns the merged state of a record, or nil when unknown.
	Record(collection, id string) (*syncproto.Record, error)
	// Find returns the records of a collection whose field equals value
	// (compared as JSON), e.g. the moves of one resident.
	Find(collection, field string, value json.RawMessage) ([]*syncproto.Record, error)
	// Written returns where the change with this id sits in the server's
	// log and who made it (false when it is not there). Only the server
	// knows; the SDK's lookup answers false.
	Written(changeID string) (WriteInfo, bool, error)
}

// WriteInfo is what the server's log knows about an applied change.
type WriteInfo struct {
	// Position is the change's log position.
	Position int64
	// Subject and Role are who made it.
	Subject, Role string
}

// Collection declares one synced collection.
type Collection struct {
	// Name is the collection's wire name.
	Name string
	// Fields are the fields a change may write.
	Fields []Field
	// ScopeField names the uuid field holding the incident a record belongs
	// to; records are partitioned and authorised by it. Empty means the
	// collection is not incident-scoped (e.g. providers).
	ScopeField string
	// Rules run on every change to the collection, in order.
	Rules []Rule
	// Effects run after the rules pass, on the server only.
	Effects []Effect
	// Order lists the pairs of date (or time) fields whose later field can
	// never be before its earlier one; CheckRules checks them on the merged
	// record before the rules.
	Order []FieldOrder
	// Doc describes the collection.
	Doc string
	// Requirements are record rules written as data (rules.Requirement):
	// a rule in Rules evaluates them on the server, and they are exported
	// for devices to evaluate before saving.
	Requirements []rules.Requirement
	// Lookups name the fields the rules find this collection's records by
	// (Lookup.Find). Both stores index each one (migrations written by the
	// viewgen commands from this list) and SQLite's Find names the index.
	Lookups []string
	// AboutOnePerson says each record is about one person only (a move, an
	// assessment), so records naming it are about that person too: a
	// subject-access export follows them (a move's legs). Records of
	// other collections may name several people and are not followed.
	AboutOnePerson bool
	// Retention names the default retention rule its records are kept
	// under (RetainCareRecord, ...; retention.Default builds its rules
	// from it).
	Retention string

	byName map[string]*Field
	refs   map[string]string
}

// Default retention of a collection's records (Collection.Retention);
// docs/retention.md gives each rule's source.
const (
	// RetainCareRecord: care records, kept 8 years after the incident
	// closes.
	RetainCareRecord = "care-record"
	// RetainIncidentRecord: records of the incident's management, kept 20
	// years after it closes.
	RetainIncidentRecord = "incident-record"
	// RetainConcern: concerns, kept 10 years after resolution.
	RetainConcern = "concern"
	// RetainMarket: records describing the market, not people, kept until
	// a person decides (no rule).
	RetainMarket = "market"
	// RetainUndecided: no default rule yet, so kept until the council's
	// records manager gives one in the policy file.
	RetainUndecided = "undecided"
)

// References returns the collection's reference fields, each with the
// collection of the record it names (Field.Ref). The map is shared: do
// not change it.
func (c *Collection) References() map[string]string {
	if c.refs == nil {
		return refsOf(c.Fields)
	}
	return c.refs
}

func refsOf(fields []Field) map[string]string {
	out := map[string]string{}
	for _, f := range fields {
		if f.Ref != "" {
			out[f.Name] = f.Ref
		}
	}
	return out
}

// Field returns the declaration of a field.
func (c *Collection) Field(name string) (*Field, bool) {
	f, ok := c.byName[name]
	return f, ok
}

// Registry holds the known collections.
type Registry struct {
	cols map[string]*Collection
	v    *Validator
	// gates are the step gates exported as data (SetGate).
	gates map[string]any
	now   func() time.Time
	// quick holds each string field's quick check of its tag
	// (compileQuick), when it has one.
	quick map[*Field]quickCheck
}

// SetGate records a gate (a checklist that must be done before a step, as
// data) under name, so that Export serves it and clients build their
// checklists from it rather than from a copy. Call it while building the
// registry, before it is shared.
func (r *Registry) SetGate(name string, gate any) {
	if r.gates == nil {
		r.gates = map[string]any{}
	}
	r.gates[name] = gate
}

// WithClock returns a copy of the registry whose clock-relative checks
// (dates of birth, not_future, max_days_past) read now instead of the
// system clock: for tests and shared vectors.
func (r *Registry) WithClock(now func() time.Time) *Registry {
	c := *r
	c.now = now
	return &c
}

// clock is the time the clock-relative checks use.
func (r *Registry) clock() time.Time {
	if r.now != nil {
		return r.now().UTC()
	}
	return today()
}

// NewRegistry builds a registry, checking that every declaration is sound
// (known kinds, parseable validator tags, unique names).
func NewRegistry(cols ...Collection) (*Registry, error) {
	r := &Registry{cols: map[string]*Collection{}, v: NewValidator(), quick: map[*Field]quickCheck{}}
	for _, c := range cols {
		c := c
		if c.Name == "" {
			return nil, fmt.Errorf("schema: collection without a name")
		}
		if _, dup := r.cols[c.Name]; dup {
			return nil, fmt.Errorf("schema: collection %q declared twice", c.Name)
		}
		c.byName = map[string]*Field{}
		for i := range c.Fields {
			f := &c.Fields[i]
			if _, dup := c.byName[f.Name]; dup {
				return nil, fmt.Errorf("schema: %s.%s declared twice", c.Name, f.Name)
			}
			switch f.Kind {
			case String, Number, Integer, Bool, Object, Array, Any:
			default:
				return nil, fmt.Errorf("schema: %s.%s has unknown kind %q", c.Name, f.Name, f.Kind)
			}
			if f.Policy == "" {
				f.Policy = LastWriterWins
			}
			if f.Tag != "" {
				if err := r.v.checkTag(f.Kind, f.Tag); err != nil {
					return nil, fmt.Errorf("schema: %s.%s: %w", c.Name, f.Name, err)
				}
				if q := compileQuick(f.Kind, f.Tag); q != nil {
					r.quick[f] = q
				}
			}
			c.byName[f.Name] = f
		}
		if err := checkOrderDecl(&c); err != nil {
			return nil, err
		}
		c.refs = refsOf(c.Fields)
		if c.ScopeField != "" {
			if _, ok := c.byName[c.ScopeField]; !ok {
				return nil, fmt.Errorf("schema: %s scope field %q is not a field", c.Name, c.ScopeField)
			}
		}
		r.cols[c.Name] = &c
	}
	return r, nil
}

// MustRegistry is NewRegistry that panics on a bad declaration: for
// package-level registries built from literals.
func MustRegistry(cols ...Collection) *Registry {
	r, err := NewRegistry(cols...)
	if err != nil {
		panic(err)
	}
	return r
}

// Collection returns a collection by name.
func (r *Registry) Collection(name string) (*Collection, bool) {
	c, ok := r.cols[name]
	return c, ok
}

// Names returns the collection names in sorted order.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.cols))
	for n := range r.cols {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Validator returns the registry's value validator.
func (r *Registry) Validator() *Validator { return r.v }

// UnknownField is the registry's syncproto.FieldCheck: the error CheckFields
// gives a field name the collection does not have, or nil (also for a
// collection it does not know, which CheckFields reports).
func (r *Registry) UnknownField(collection, name string) *syncproto.Error {
	col, ok := r.cols[collection]
	if !ok {
		return nil
	}
	if _, ok := col.byName[name]; !ok {
		return syncproto.Errorf(syncproto.CodeUnknownField, "fields."+name, "%s has no field %q", collection, name)
	}
	return nil
}

// CheckFields validates a change's collection and fields against the schema.
// current is the record's state before the change (nil or empty when the
// change creates it): a creating upsert must carry every required field.
func (r *Registry) CheckFields(c syncproto.Change, current *syncproto.Record) *syncproto.Error {
	col, ok := r.cols[c.Collection]
	if !ok {
		return syncproto.Errorf(syncproto.CodeUnknownCollection, "collection", "unknown collection %q; known: %s", c.Collection, strings.Join(r.Names(), ", "))
	}
	if c.Op != syncproto.OpUpsert {
		return nil
	}
	var stack [16]string
	names := stack[:0]
	for n := range c.Fields {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		f, ok := col.byName[name]
		if !ok {
			return syncproto.Errorf(syncproto.CodeUnknownField, "fields."+name, "%s", say(c.Collection, &Field{Name: name}, syncproto.CodeUnknownField, nil))
		}
		if e := r.checkValue(c.Collection, f, c.Fields[name], current == nil || !current.Exists()); e != nil {
			return e
		}
	}
	if current == nil || !current.Exists() {
		for i := range col.Fields {
			f := &col.Fields[i]
			if f.Required {
				if v, ok := c.Fields[f.Name]; !ok || isNull(v) {
					return syncproto.Errorf(syncproto.CodeMissingField, "fields."+f.Name, "%s", say(c.Collection, f, syncproto.CodeMissingField, nil))
				}
			}
		}
	}
	return nil
}

// CheckRules checks a change's field orders (CheckOrder) on the merged
// record, then runs the collection's rules on it.
func (r *Registry) CheckRules(ctx Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	col, ok := r.cols[c.Collection]
	if !ok {
		return syncproto.Errorf(syncproto.CodeUnknownCollection, "collection", "unknown collection %q", c.Collection)
	}
	if e := r.CheckOrder(c, after); e != nil {
		return e
	}
	for _, rule := range col.Rules {
		if e := rule(ctx, c, before, after); e != nil {
			return e
		}
	}
	return nil
}

// Effects runs the collection's effects on an accepted change.
func (r *Registry) Effects(ctx Context, c syncproto.Change, before, after *syncproto.Record) ([]syncproto.Change, error) {
	col, ok := r.cols[c.Collection]
	if !ok {
		return nil, nil
	}
	var out []syncproto.Change
	for _, eff := range col.Effects {
		cs, err := eff(ctx, c, before, after)
		if err != nil {
			return nil, fmt.Errorf("effect on %s: %w", c.Collection, err)
		}
		out = append(out, cs...)
	}
	return out, nil
}

// ScopeOf returns the incident a record belongs to, from the change's fields
// or, failing that, the record's current state. It returns "" for collections
// that are not incident-scoped or records without the field.
func (r *Registry) ScopeOf(c syncproto.Change, current *syncproto.Record) string {
	col, ok := r.cols[c.Collection]
	if !ok || col.ScopeField == "" {
		return ""
	}
	if v, ok := c.Fields[col.ScopeField]; ok {
		return jsonString(v)
	}
	if current != nil {
		return jsonString(current.Value(col.ScopeField))
	}
	return ""
}

func (r *Registry) checkValue(collection string, f *Field, raw json.RawMessage, create bool) *syncproto.Error {
	// The field's path is built only for an error: most values pass.
	field := func() string { return "fields." + f.Name }
	if isNull(raw) {
		if f.Required {
			return syncproto.Errorf(syncproto.CodeInvalidValue, field(), "%s", say(collection, f, "invalid_value.cleared", nil))
		}
		return nil
	}
	// A string the tag's quick check passes needs no validator.
	var str string
	isStr, quick := false, false
	if f.Kind == String {
		if str, isStr = stringOf(raw); isStr {
			q := r.quick[f]
			quick = q != nil && q(str)
		}
	}
	if f.Tag != "" && !quick || !isStr {
		var val any = str
		if !isStr {
			var err error
			if val, err = decodeKind(f.Kind, raw); err != nil {
				return syncproto.Errorf(syncproto.CodeWrongType, field(), "%s", say(collection, f, "wrong_type."+string(f.Kind), nil))
			}
		}
		if f.Tag != "" && !quick {
			if err := r.v.Var(val, f.Tag); err != nil {
				tag, param := r.v.failed(err)
				return syncproto.Errorf(syncproto.CodeInvalidValue, field(), "%s", say(collection, f, "invalid_value."+tag, map[string]string{"param": param, "detail": r.v.Explain(err, "")}))
			}
		}
	}
	if f.Check != nil {
		if err := f.Check(r.v, raw); err != nil {
			return syncproto.Errorf(syncproto.CodeInvalidValue, field(), "%s", problemWords(collection, f, err))
		}
	}
	if f.Spec != nil {
		if p := checkClock(f.Spec, raw, create, r.clock()); p != nil {
			return syncproto.Errorf(syncproto.CodeInvalidValue, field(), "%s", say(collection, f, p.key, p.vars))
		}
	}
	return nil
}

func isNull(v json.RawMessage) bool {
	return len(v) == 0 || bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// decodeKind decodes raw as the declared kind, failing when its JSON kind
// differs.
func decodeKind(k Kind, raw json.RawMessage) (any, error) {
	// Strings, numbers and booleans of the declared kind, which are almost
	// every value a push carries, are decoded without a json.Decoder (it
	// allocates a buffer for each value); anything else takes the general
	// path below, which decodes as before (a value followed by more is
	// not valid alone and goes there too: the decoder reads its first
	// value).
	if t := bytes.Trim(raw, " \t\r\n"); len(t) > 0 && json.Valid(t) {
		switch {
		case k == String && t[0] == '"':
			var s string
			if err := json.Unmarshal(t, &s); err != nil {
				return nil, err
			}
			return s, nil
		case (k == Number || k == Integer) && (t[0] == '-' || '0' <= t[0] && t[0] <= '9'):
			if k == Integer {
				return strconv.ParseInt(string(t), 10, 64)
			}
			return strconv.ParseFloat(string(t), 64)
		case k == Bool && string(t) == "true":
			return true, nil
		case k == Bool && string(t) == "false":
			return false, nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	switch k {
	case Any:
		return v, nil
	case String:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case Number:
		if n, ok := v.(json.Number); ok {
			return n.Float64()
		}
	case Integer:
		if n, ok := v.(json.Number); ok {
			return n.Int64()
		}
	case Bool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case Object:
		if m, ok := v.(map[string]any); ok {
			return m, nil
		}
	case Array:
		if a, ok := v.([]any); ok {
			return a, nil
		}
	}
	return nil, fmt.Errorf("not a %s", k)
}

// jsonString returns the string a JSON value holds, or "".
func jsonString(v json.RawMessage) string {
	s, err := unquote(v)
	if err != nil {
		return ""
	}
	return s
}

// StringValue returns the string a record's field holds, or "" when it is
// unset, null or not a string.
func StringValue(r *syncproto.Record, field string) string {
	if r == nil {
		return ""
	}
	return jsonString(r.Value(field))
}
