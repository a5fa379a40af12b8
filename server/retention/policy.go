// Package retention decides which records have been kept as long as the
// council's retention policy says, and removes them: from the store, and
// from every device, by writing an ordinary delete (a tombstone) that
// devices apply on their next pull. Then it removes the record's earlier
// change-log rows (its field values) and its quarantined changes, keeping
// the tombstone and a retention log entry with no personal data.
//
// The policy maps collections to rules (a period counted from a start
// event); the defaults follow the Records Management Code of Practice for
// Health and Social Care 2021 (docs/retention.md cites each entry).
package retention

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"

	"github.com/continuity-care/continuity/syncproto/schema"
)

// Start events a retention period is counted from.
const (
	// StartIncidentClosed counts from the closure of the record's incident:
	// when the incident record's status field was last written, if it is
	// "closed". Records of an incident that is not closed are never due.
	StartIncidentClosed = "incident_closed"
	// StartField counts from a date or time field of the record itself
	// (Rule.Field), e.g. when a concern was resolved; a deleted record
	// counts from its deletion.
	StartField = "field"
	// StartReceived counts from when a quarantined change was received
	// (the quarantine rule only).
	StartReceived = "received"
)

// Quarantine is the pseudo-collection naming the rule for quarantined
// changes that belong to no record a rule keeps (a rejected create, or a
// change to a collection with no rule). Quarantined changes of a record a
// rule keeps go with the record.
const Quarantine = "quarantine"

// Rule is one retention rule: the collections it covers and how long their
// records are kept after the start event.
type Rule struct {
	// Name identifies the rule in the retention log.
	Name string `json:"name" validate:"required,max=64"`
	// Collections are the collections the rule covers (Quarantine for
	// quarantined changes that belong to no kept record).
	Collections []string `json:"collections" validate:"required,min=1,dive,required"`
	// Start is StartIncidentClosed, StartField or StartReceived.
	Start string `json:"start" validate:"required,oneof=incident_closed field received"`
	// Field is the record's date or time field when Start is StartField.
	Field string `json:"field,omitempty" validate:"required_if=Start field,excluded_unless=Start field"`
	// Years and Days are the period kept after the start event.
	Years int `json:"years" validate:"min=0,max=200"`
	Days  int `json:"days,omitempty" validate:"min=0,max=36500"`
	// Source cites where the period comes from.
	Source string `json:"source,omitempty" validate:"max=2000"`
	// Note says what a records manager must confirm.
	Note string `json:"note,omitempty" validate:"max=4000"`
}

// Period describes the rule's period in words, e.g. "8 years".
func (r Rule) Period() string {
	var parts []string
	if r.Years > 0 {
		parts = append(parts, plural(r.Years, "year"))
	}
	if r.Days > 0 {
		parts = append(parts, plural(r.Days, "day"))
	}
	return strings.Join(parts, " ")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Policy is the whole retention policy. A collection with no rule is kept
// for ever.
type Policy struct {
	// Rules are the rules; a collection is under at most one.
	Rules []Rule `json:"rules" validate:"dive"`
}

// RuleFor returns the rule covering a collection.
func (p Policy) RuleFor(collection string) (Rule, bool) {
	for _, r := range p.Rules {
		if slices.Contains(r.Collections, collection) {
			return r, true
		}
	}
	return Rule{}, false
}

var ruleName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

// Validate checks the policy against the collections the server serves.
func (p Policy) Validate(reg *schema.Registry) error {
	v := validator.New(validator.WithRequiredStructEnabled())
	if err := v.Struct(p); err != nil {
		var ve validator.ValidationErrors
		if errors.As(err, &ve) && len(ve) > 0 {
			f := ve[0]
			return fmt.Errorf("retention policy: %s fails %q%s", strings.TrimPrefix(f.Namespace(), "Policy."), f.Tag(), withParam(f.Param()))
		}
		return fmt.Errorf("retention policy: %w", err)
	}
	seen := map[string]string{}
	names := map[string]bool{}
	for i, r := range p.Rules {
		at := fmt.Sprintf("retention policy: rule %d (%s)", i+1, r.Name)
		if !ruleName.MatchString(r.Name) {
			return fmt.Errorf("%s: name must be lower-case letters, digits, '-', '_' or '.'", at)
		}
		if names[r.Name] {
			return fmt.Errorf("%s: another rule has the same name", at)
		}
		names[r.Name] = true
		if r.Years == 0 && r.Days == 0 {
			return fmt.Errorf("%s: the period is empty; give years or days", at)
		}
		for _, c := range r.Collections {
			if prev, ok := seen[c]; ok {
				return fmt.Errorf("%s: collection %s is already covered by rule %s", at, c, prev)
			}
			seen[c] = r.Name
			if c == Quarantine {
				if r.Start == StartField {
					return fmt.Errorf("%s: quarantined changes count from %s or %s", at, StartIncidentClosed, StartReceived)
				}
				if len(r.Collections) > 1 {
					return fmt.Errorf("%s: %s has a rule of its own", at, Quarantine)
				}
				continue
			}
			col, ok := reg.Collection(c)
			if !ok {
				return fmt.Errorf("%s: unknown collection %q", at, c)
			}
			switch r.Start {
			case StartIncidentClosed:
				if col.ScopeField == "" {
					return fmt.Errorf("%s: %s is not incident-scoped; count from a field of its own", at, c)
				}
			case StartReceived:
				return fmt.Errorf("%s: %s counts only quarantined changes", at, StartReceived)
			case StartField:
				if !timeField(col, r.Field) {
					return fmt.Errorf("%s: %s has no date or time field %q", at, c, r.Field)
				}
			}
		}
	}
	// Incident closure is read from the incident record: it must outlive
	// every record whose clock it starts.
	if inc, ok := p.RuleFor("incidents"); ok {
		for _, r := range p.Rules {
			if r.Start == StartIncidentClosed && longer(r, inc) {
				return fmt.Errorf("retention policy: rule %s keeps records longer than rule %s keeps the incidents whose closure starts their clock", r.Name, inc.Name)
			}
		}
	}
	return nil
}

func withParam(p string) string {
	if p == "" {
		return ""
	}
	return " (" + p + ")"
}

// longer reports whether a's period is longer than b's.
func longer(a, b Rule) bool {
	ref := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	return ref.AddDate(a.Years, 0, a.Days).After(ref.AddDate(b.Years, 0, b.Days))
}

func timeField(c *schema.Collection, name string) bool {
	for _, f := range c.Fields {
		if f.Name == name {
			return f.Kind == schema.String && (strings.Contains(f.Tag, "date") || strings.Contains(f.Tag, "rfc3339"))
		}
	}
	return false
}

// Load reads a policy file (JSON, unknown attributes refused) and checks it.
func Load(path string, reg *schema.Registry) (Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Policy{}, fmt.Errorf("retention policy: %w", err)
	}
	return Parse(b, reg)
}

// Parse decodes and checks a policy.
func Parse(b []byte, reg *schema.Registry) (Policy, error) {
	var p Policy
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, fmt.Errorf("retention policy: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Policy{}, errors.New("retention policy: trailing data after the policy object")
	}
	if err := p.Validate(reg); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// Code is the source of the default periods.
const Code = "Records Management Code of Practice for Health and Social Care 2021 (England), Appendix II"

// Default is the built-in policy (docs/retention.md gives each rule's
// source and what the council's records manager must confirm). Each rule
// covers the collections whose schema names it (schema.Collection.
// Retention), in schema.Domain order. Providers, services, vacancies and
// RAG statuses have no rule (schema.RetainMarket): they describe the
// market, not people, and are kept until a person decides; nor do the
// collections still schema.RetainUndecided.
func Default() Policy {
	return Policy{Rules: []Rule{
		{
			Name: schema.RetainCareRecord, Collections: retainedUnder(schema.RetainCareRecord),
			Start: StartIncidentClosed, Years: 8,
			Source: Code + ": care records with standard retention periods, adult social care records, 8 years after the end of care or death",
			Note:   "judgement: the incident's closure stands for the end of care (Continuity's part in it); the council's case system keeps its own record with its own clock",
		},
		{
			Name: schema.RetainIncidentRecord, Collections: retainedUnder(schema.RetainIncidentRecord),
			Start: StartIncidentClosed, Years: 20,
			Source: Code + ": corporate records, incidents (serious), 20 years",
			Note:   "judgement: a provider failure that moves residents is treated as a serious incident; a records manager may class a Process 1 incident as not serious (10 years)",
		},
		{
			Name: schema.RetainConcern, Collections: retainedUnder(schema.RetainConcern),
			Start: StartField, Field: "resolved_on", Years: 10,
			Source: Code + ": corporate records, complaints case file, 10 years after the complaint is closed",
			Note:   "judgement: concerns include complaints, whistleblowing and safeguarding intelligence about a provider; counted from resolved_on, so unresolved concerns are kept",
		},
		{
			Name: "quarantine", Collections: []string{Quarantine},
			Start: StartIncidentClosed, Years: 8,
			Source: Code + ": as care records (a rejected change is an attempted care record)",
			Note:   "judgement: counted from the closure of the incident the change names, or from receipt when it names none",
		},
	}}
}

// retainedUnder returns the Domain collections whose schema names rule as
// their retention, in Domain order.
func retainedUnder(rule string) []string {
	var out []string
	for _, c := range schema.Domain() {
		if c.Retention == rule {
			out = append(out, c.Name)
		}
	}
	return out
}
