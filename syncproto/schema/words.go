package schema

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Words is the one table from an error (its code, the check that failed and
// the field) to the words a care worker reads, in GOV.UK style. The server
// builds every field error's message from it (FieldErrors, CheckFields, so
// the API's `message`), and it is exported at GET /v1/schema for the
// JavaScript SDK, the app and the console to say the same.
type Words struct {
	// Templates by key: an error code ("missing_field"), or a code and the
	// check that failed ("invalid_value.not_future", "wrong_type.integer").
	// {label} and {Label} are the field's label, {param} the check's
	// parameter, {from}, {to} and {days} a range's bounds, {detail} the
	// check's own words.
	Templates map[string]string `json:"templates"`
	// Fields overrides a template for one field: "collection.field key".
	Fields map[string]string `json:"fields"`
}

// words is the table. Keys a check can give: missing_field, unknown_field,
// invalid_value.cleared, wrong_type.<kind>, invalid_value.<tag name>,
// invalid_value.range, invalid_value.birth_future, invalid_value.birth_early,
// invalid_value.not_future, invalid_value.too_old, invalid_value.
var words = Words{
	Templates: map[string]string{
		"missing_field":              "Enter {label}",
		"unknown_field":              "This version of the app cannot record {label}: update the app",
		"invalid_value.cleared":      "Enter {label}: it cannot be left empty",
		"wrong_type.string":          "Enter {label} as words",
		"wrong_type.integer":         "Enter {label} as a whole number, like 3",
		"wrong_type.number":          "Enter {label} as a number, like 12.50",
		"wrong_type.boolean":         "Answer yes or no: {label}",
		"wrong_type.array":           "{Label} must be a list",
		"wrong_type.object":          "{Label} is not in a form this app can read",
		"invalid_value.required":     "Enter {label}",
		"invalid_value.date":         "{Label} must be a real date",
		"invalid_value.rfc3339":      "{Label} must be a real date and time",
		"invalid_value.oneof":        "Choose one of the answers for {label}",
		"invalid_value.max":          "{Label} must be {param} characters or fewer",
		"invalid_value.min":          "{Label} must be {param} or more",
		"invalid_value.gte":          "{Label} must be {param} or more",
		"invalid_value.lte":          "{Label} must be {param} or less",
		"invalid_value.uuid":         "{Label} does not name a record this app knows",
		"invalid_value.nhs_number":   "Enter a real NHS number: 10 digits, like 943 476 5919",
		"invalid_value.uk_postcode":  "Enter a real postcode, like DE1 2FS",
		"invalid_value.email":        "Enter an email address in the correct format, like name@example.com",
		"invalid_value.range":        "{Label} must be between {from} and {to}",
		"invalid_value.birth_future": "Date of birth must be in the past",
		"invalid_value.birth_early":  "Date of birth must be after {from}",
		"invalid_value.not_future":   "{Label} must be today or in the past",
		"invalid_value.too_old":      "{Label} must be no more than {days} days ago",
		"invalid_value":              "{Label}: {detail}",
	},
	Fields: map[string]string{
		"safe_and_well_checks.visited_at missing_field":            "Enter the date and time of the visit",
		"safe_and_well_checks.visited_at invalid_value.not_future": "The date of the visit must be today or in the past",
		"safe_and_well_checks.outcome missing_field":               "Choose the outcome of the check",
		"safe_and_well_checks.action_items invalid_value.too_old":  "The date an action is due cannot be more than {days} days ago: enter today or a later date",
		"post_move_reviews.visited_at invalid_value.not_future":    "The date of the review visit must be today or in the past",
		"resident_events.occurred_at invalid_value.not_future":     "The date it happened must be today or in the past",
		"family_contacts.occurred_at invalid_value.not_future":     "The date of the contact must be today or in the past",
		"move_legs.incident_id missing_field":                      "This leg was saved without its incident: tap the button again to save it",
		"move_legs.move_id missing_field":                          "This leg was saved without its move: tap the button again to save it",
		"payments.amount missing_field":                            "Enter the amount in pounds, like 1250.00",
		"payments.amount invalid_value.gte":                        "The amount must be £0 or more",
		"resident_belongings.amount invalid_value.gte":             "The amount of petty cash must be £0 or more",
		"notifications.recipient_kind missing_field":               "Choose who was told",
		"notifications.recipient_kind invalid_value.oneof":         "Choose who was told: a lead named in the procedure, CQC, another council or the NHS",
	},
}

// WordsTable returns the table of words (a copy of the maps is not made:
// do not change it).
func WordsTable() Words { return words }

// say gives the words for an error on a field: the field's own words for the
// key, else the key's template, else the code's; vars fill the template.
func say(collection string, f *Field, key string, vars map[string]string) string {
	t, ok := words.Fields[collection+"."+f.Name+" "+key]
	if !ok {
		t, ok = words.Templates[key]
	}
	if !ok {
		code, _, _ := strings.Cut(key, ".")
		t = words.Templates[code]
	}
	label := f.Label()
	repl := []string{"{label}", label, "{Label}", upperFirst(label)}
	for k, v := range vars {
		repl = append(repl, "{"+k+"}", v)
	}
	return strings.NewReplacer(repl...).Replace(t)
}

// Label is the field's name in words a person reads: Say, else its Doc
// without the format note, else its name with spaces.
func (f *Field) Label() string {
	if f.Say != "" {
		return f.Say
	}
	d := f.Doc
	for _, suffix := range []string{" (RFC 3339)", " (YYYY-MM-DD)"} {
		d = strings.TrimSuffix(d, suffix)
	}
	if d == "" {
		return strings.ReplaceAll(f.Name, "_", " ")
	}
	return d
}

// upperFirst capitalises the first letter.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// spokenDate writes a YYYY-MM-DD date as people say it: 1 January 2000.
func spokenDate(s string) string {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return d.Format("2 January 2006")
}
