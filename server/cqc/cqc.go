// Package cqc reads the Care Quality Commission's public care directory: the
// weekly CSV of every location CQC regulates, and CSV exports of the larger
// "care directory with filters" sheet (beds, ratings and Y/blank flags).
//
// Parse streams a file row by row. A bad row never stops it: the row is
// skipped and reported, by the physical line on which it starts, in the
// Report, and parsing goes on with the next row. DESIGN.md describes the file
// shape and what is validated.
package cqc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Location is one row of the directory: a place CQC regulates.
type Location struct {
	// LocationID is CQC's location id, e.g. "1-10552899555".
	LocationID string
	// ProviderID is CQC's id of the provider that runs the location.
	ProviderID string
	// Name is the location's name; never empty.
	Name string
	// AlsoKnownAs is the location's other name, if CQC has one.
	AlsoKnownAs string
	// Address is the postal address without the postcode, as published. The
	// filters sheet's street, line 2, city and county columns are joined
	// with ", " when the file has no "Address" column.
	Address string
	// Postcode is a valid UK postcode, upper case with one space before the
	// inward code ("DE1 1AA").
	Postcode string
	// Phone is the telephone number as published.
	Phone string
	// Website is the service's website as published, if any.
	Website string
	// ServiceTypes are the "|"-separated service types, trimmed, blanks
	// dropped; nil when none.
	ServiceTypes []string
	// Specialisms are the "|"-separated specialisms/services, trimmed,
	// blanks dropped; nil when none.
	Specialisms []string
	// LatestCheck is the date (and time) of CQC's latest check, read as UTC
	// wall-clock time; nil when the cell is blank or the column absent.
	LatestCheck *time.Time
	// ProviderName is the name of the provider that runs the location.
	ProviderName string
	// LocalAuthority is the local authority area the location is in.
	LocalAuthority string
	// Region is CQC's region for the location.
	Region string
	// URL is the location's page on CQC's website.
	URL string
	// Beds is the number of care home beds; 0 when the cell is blank or the
	// column absent.
	Beds int
	// Rating is the latest overall rating, one of the Rating* constants, or
	// "" when blank or the column is absent.
	Rating string
	// Flags holds the Y/blank flag columns set to Y ("Care home?",
	// "Regulated activity - …", "Service type - …", "Service user band - …",
	// any "… (Y/N)"), keyed by the header as published (trimmed). Flags that
	// are blank or N are absent; nil when none is set.
	Flags map[string]bool
	// Line is the physical line of the file on which the row starts.
	Line int
}

// The overall ratings CQC publishes, as Location.Rating spells them.
const (
	RatingOutstanding         = "Outstanding"
	RatingGood                = "Good"
	RatingRequiresImprovement = "Requires improvement"
	RatingInadequate          = "Inadequate"
	RatingNotRated            = "Not rated"
)

// RowError is one problem with one row of the file.
type RowError struct {
	// Line is the physical line of the file on which the row starts.
	Line int `json:"line"`
	// Column is the header of the offending column as published, or "" when
	// the problem is with the row as a whole (malformed CSV, wrong number of
	// fields).
	Column string `json:"column,omitempty"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// Error implements error.
func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Column, e.Message)
}

// MaxErrors is the most RowErrors a Report keeps; further ones are only
// counted in ErrorsOmitted, so a file of garbage cannot exhaust memory.
const MaxErrors = 1000

// Report is what Parse made of a file.
type Report struct {
	// Read counts the data rows after the header, blank rows excepted and
	// malformed ones included.
	Read int `json:"read"`
	// Imported counts the rows handed to fn without error.
	Imported int `json:"imported"`
	// Skipped counts the rows not handed to fn because they were malformed
	// or invalid; Read == Imported + Skipped unless Parse returned an error.
	Skipped int `json:"skipped"`
	// Errors lists the problems found, in file order; a skipped row has at
	// least one, and may have several. At most MaxErrors are kept.
	Errors []RowError `json:"errors"`
	// ErrorsOmitted counts the problems found beyond MaxErrors.
	ErrorsOmitted int `json:"errors_omitted,omitempty"`
	// HeaderLine is the physical line of the header row; 0 if none was found.
	HeaderLine int `json:"header_line"`
	// ProducedOn is the date from the preamble's "This data was produced on
	// 01 November 2026" line (UTC midnight), or nil if there was none.
	ProducedOn *time.Time `json:"produced_on,omitempty"`
	// Ignored lists the header's columns that Parse neither reads nor treats
	// as flags, as published.
	Ignored []string `json:"ignored_columns,omitempty"`
}

// ErrNoHeader is returned (wrapped) by Parse when the input has no usable
// header row: none in the first MaxPreambleLines records, or one that lacks
// a required column (name, postcode, location id, provider id).
var ErrNoHeader = errors.New("cqc: no care directory header row")

// MaxPreambleLines is how many non-blank records may precede the header
// before Parse gives up on the file.
const MaxPreambleLines = 100

// Parse reads a care directory CSV from r and calls fn, in file order, with
// every row that is well formed and valid. fn may be nil to only validate.
//
// A malformed or invalid row is skipped and recorded in the Report's Errors;
// parsing always goes on to the next row. Parse returns a non-nil error only
// when no header row can be found (ErrNoHeader), r fails, ctx is done, or fn
// returns an error (wrapped with the row's line, so errors.Is works); the
// Report then counts what was done before it stopped.
func Parse(ctx context.Context, r io.Reader, fn func(Location) error) (Report, error) {
	var rep Report
	sc := newScanner(r)

	// The preamble, up to and including the header row.
	var lay *layout
	for seen := 0; lay == nil; {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rec, err := sc.read()
		if errors.Is(err, io.EOF) {
			return rep, fmt.Errorf("%w: none found before the end of the input", ErrNoHeader)
		}
		if err != nil {
			return rep, fmt.Errorf("cqc: reading: %w", err)
		}
		if rec.err == nil && isBlank(rec.fields) {
			continue
		}
		if seen++; seen > MaxPreambleLines {
			return rep, fmt.Errorf("%w: none among the first %d non-blank lines", ErrNoHeader, MaxPreambleLines)
		}
		if rec.err != nil {
			continue // preamble text is not data; a stray quote there is no row error
		}
		if looksLikeHeader(rec.fields) {
			l, missing := newLayout(rec.fields)
			if len(missing) > 0 {
				return rep, fmt.Errorf("%w: the header on line %d has no %s column", ErrNoHeader, rec.line, strings.Join(missing, ", "))
			}
			lay, rep.HeaderLine, rep.Ignored = l, rec.line, l.ignored
			continue
		}
		if rep.ProducedOn == nil {
			rep.ProducedOn = producedOn(rec.fields)
		}
	}

	// The rows.
	seenIDs := make(map[string]int)
	for {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rec, err := sc.read()
		if errors.Is(err, io.EOF) {
			return rep, nil
		}
		if err != nil {
			return rep, fmt.Errorf("cqc: reading: %w", err)
		}
		if rec.err != nil {
			rep.Read++
			rep.Skipped++
			rep.addError(RowError{Line: rec.line, Column: lay.name(rec.err.field), Message: "malformed CSV: " + rec.err.msg})
			continue
		}
		if isBlank(rec.fields) {
			continue
		}
		rep.Read++
		loc, errs := lay.location(rec)
		if len(errs) == 0 {
			if first, dup := seenIDs[loc.LocationID]; dup {
				errs = append(errs, RowError{Line: rec.line, Column: lay.name(lay.col[colLocationID]),
					Message: fmt.Sprintf("location id %s is repeated from line %d", loc.LocationID, first)})
			}
		}
		if len(errs) > 0 {
			rep.Skipped++
			for _, e := range errs {
				rep.addError(e)
			}
			continue
		}
		if fn != nil {
			if err := fn(loc); err != nil {
				return rep, fmt.Errorf("cqc: line %d: %w", loc.Line, err)
			}
		}
		seenIDs[loc.LocationID] = loc.Line
		rep.Imported++
	}
}

func (rep *Report) addError(e RowError) {
	if len(rep.Errors) >= MaxErrors {
		rep.ErrorsOmitted++
		return
	}
	rep.Errors = append(rep.Errors, e)
}

func isBlank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

var producedRe = regexp.MustCompile(`(?i)produced on\s+(\d{1,2}\s+[a-z]+\s+\d{4})`)

// producedOn finds "produced on 01 November 2026" in a preamble record.
func producedOn(fields []string) *time.Time {
	for _, f := range fields {
		m := producedRe.FindStringSubmatch(f)
		if m == nil {
			continue
		}
		s := strings.Join(strings.Fields(m[1]), " ")
		for _, layout := range []string{"2 January 2006", "2 Jan 2006"} {
			if t, err := time.Parse(layout, s); err == nil {
				return &t
			}
		}
	}
	return nil
}

var (
	idRe       = regexp.MustCompile(`^1-[0-9]+$`)
	postcodeRe = regexp.MustCompile(`^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$`)
	ratings    = map[string]string{
		"outstanding":          RatingOutstanding,
		"good":                 RatingGood,
		"requires improvement": RatingRequiresImprovement,
		"inadequate":           RatingInadequate,
		"not rated":            RatingNotRated,
	}
	checkLayouts = []string{"2/Jan/2006 - 15:04", "2/Jan/2006"}
)

// location builds and validates a Location from a well-formed record,
// returning every problem found.
func (l *layout) location(rec record) (Location, []RowError) {
	var errs []RowError
	bad := func(c column, format string, args ...any) {
		errs = append(errs, RowError{Line: rec.line, Column: l.name(l.col[c]), Message: fmt.Sprintf(format, args...)})
	}
	f := rec.fields
	if n := len(l.names); len(f) != n {
		if len(f) < n || !isBlank(f[n:]) {
			return Location{}, []RowError{{Line: rec.line, Message: fmt.Sprintf("row has %d fields, the header has %d", len(f), n)}}
		}
		f = f[:n] // trailing empty cells, as spreadsheets write them
	}
	for i, v := range f {
		if strings.ContainsRune(v, 0) {
			// The server refuses U+0000 in any text it is sent.
			return Location{}, []RowError{{Line: rec.line, Column: l.name(i), Message: "the cell contains a NUL character (U+0000)"}}
		}
	}
	loc := Location{
		LocationID:     l.get(f, colLocationID),
		ProviderID:     l.get(f, colProviderID),
		Name:           l.get(f, colName),
		AlsoKnownAs:    l.get(f, colAlsoKnownAs),
		Address:        l.get(f, colAddress),
		Phone:          l.get(f, colPhone),
		Website:        l.get(f, colWebsite),
		ServiceTypes:   splitMulti(l.get(f, colServiceTypes)),
		Specialisms:    splitMulti(l.get(f, colSpecialisms)),
		ProviderName:   l.get(f, colProviderName),
		LocalAuthority: l.get(f, colLocalAuthority),
		Region:         l.get(f, colRegion),
		URL:            l.get(f, colURL),
		Line:           rec.line,
	}
	if l.col[colAddress] < 0 {
		var parts []string
		for _, c := range []column{colStreet, colAddressLine2, colCity, colCounty} {
			if v := l.get(f, c); v != "" {
				parts = append(parts, v)
			}
		}
		loc.Address = strings.Join(parts, ", ")
	}

	for _, v := range []struct {
		c     column
		value string
		what  string
	}{{colLocationID, loc.LocationID, "location id"}, {colProviderID, loc.ProviderID, "provider id"}} {
		switch {
		case v.value == "":
			bad(v.c, "%s is blank", v.what)
		case !idRe.MatchString(v.value):
			bad(v.c, "%s %q is not of the form 1-<digits>", v.what, v.value)
		}
	}
	if loc.Name == "" {
		bad(colName, "name is blank")
	}
	if raw := l.get(f, colPostcode); raw == "" {
		bad(colPostcode, "postcode is blank")
	} else if pc, ok := normPostcode(raw); ok {
		loc.Postcode = pc
	} else {
		bad(colPostcode, "%q is not a UK postcode", raw)
	}
	if raw := l.get(f, colLatestCheck); raw != "" {
		if t, ok := parseCheckDate(raw); ok {
			loc.LatestCheck = &t
		} else {
			bad(colLatestCheck, "%q is not a date like 09/Jan/2018 - 00:00", raw)
		}
	}
	if raw := l.get(f, colBeds); raw != "" {
		if n, ok := parseCount(raw); ok {
			loc.Beds = n
		} else {
			bad(colBeds, "%q is not a whole number of beds", raw)
		}
	}
	if raw := l.get(f, colRating); raw != "" {
		if r, ok := ratings[strings.ToLower(strings.Join(strings.Fields(raw), " "))]; ok {
			loc.Rating = r
		} else {
			bad(colRating, "%q is not a CQC rating (Outstanding, Good, Requires improvement, Inadequate, Not rated)", raw)
		}
	}
	for _, i := range l.flags {
		switch v := strings.TrimSpace(f[i]); v {
		case "Y", "y":
			if loc.Flags == nil {
				loc.Flags = make(map[string]bool)
			}
			loc.Flags[l.names[i]] = true
		case "", "N", "n":
		default:
			errs = append(errs, RowError{Line: rec.line, Column: l.names[i], Message: fmt.Sprintf("%q is not Y, N or blank", v)})
		}
	}
	if len(errs) > 0 {
		return Location{}, errs
	}
	return loc, nil
}

func splitMulti(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// normPostcode validates a UK postcode and returns it upper case with one
// space before the inward code.
func normPostcode(s string) (string, bool) {
	c := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	m := postcodeRe.FindStringSubmatch(c)
	if m == nil {
		return "", false
	}
	return m[1] + " " + m[2], true
}

func parseCheckDate(s string) (time.Time, bool) {
	s = strings.Join(strings.Fields(s), " ")
	for _, layout := range checkLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseCount accepts a non-negative decimal integer: digits only.
func parseCount(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
