package cqc

import "strings"

// column identifies a field the parser understands.
type column int

const (
	colName column = iota
	colAlsoKnownAs
	colAddress
	colPostcode
	colPhone
	colWebsite
	colServiceTypes
	colLatestCheck
	colSpecialisms
	colProviderName
	colLocalAuthority
	colRegion
	colURL
	colLocationID
	colProviderID
	colBeds
	colRating
	// The filters sheet splits the address over four columns; they are
	// joined into Address when there is no "Address" column.
	colStreet
	colAddressLine2
	colCity
	colCounty
	numColumns
)

// aliases lists, per column, the header names that mean it, normalised (see
// normHeader) and in order of preference. The first name is the care
// directory's; the others are the names the "care directory with filters"
// sheet (HSCA_Active_Locations) uses for the same thing.
var aliases = [numColumns][]string{
	colName:           {"name", "location name"},
	colAlsoKnownAs:    {"also known as"},
	colAddress:        {"address"},
	colPostcode:       {"postcode", "location postal code", "postal code"},
	colPhone:          {"phone number", "location telephone number"},
	colWebsite:        {"service's website (if available)", "location web address"},
	colServiceTypes:   {"service types"},
	colLatestCheck:    {"date of latest check"},
	colSpecialisms:    {"specialisms/services"},
	colProviderName:   {"provider name"},
	colLocalAuthority: {"local authority", "location local authority"},
	colRegion:         {"region", "location region"},
	colURL:            {"location url"},
	colLocationID:     {"cqc location id (for office use only)", "location id"},
	colProviderID:     {"cqc provider id (for office use only)", "provider id"},
	colBeds:           {"care homes beds"},
	colRating:         {"location latest overall rating", "latest overall rating", "overall rating", "latest rating", "rating"},
	colStreet:         {"location street address"},
	colAddressLine2:   {"location address line 2"},
	colCity:           {"location city"},
	colCounty:         {"location county"},
}

// required are the columns a header must have: without them no row could be
// validated.
var required = []column{colName, colLocationID, colProviderID, colPostcode}

// flagPrefixes and flagSuffixes pick out Y/blank flag columns by their
// normalised header name.
var (
	flagPrefixes = []string{"regulated activity - ", "service type - ", "service user band - "}
	flagSuffixes = []string{"?", "(y/n)"}
)

// normHeader folds a header cell for matching: no BOM, curly apostrophes
// made straight, runs of blanks made one space, trimmed, lower case.
func normHeader(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	s = strings.NewReplacer("\u2019", "'", "\u2018", "'").Replace(s)
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// tidyHeader is a header cell as published, trimmed and with runs of blanks
// made one space; it names columns in RowError and keys Location.Flags.
func tidyHeader(s string) string {
	return strings.Join(strings.Fields(strings.TrimPrefix(s, "\uFEFF")), " ")
}

func isFlagHeader(norm string) bool {
	for _, p := range flagPrefixes {
		if strings.HasPrefix(norm, p) && len(norm) > len(p) {
			return true
		}
	}
	for _, s := range flagSuffixes {
		if strings.HasSuffix(norm, s) && len(norm) > len(s) {
			return true
		}
	}
	return false
}

// layout is where each understood column sits in a header row.
type layout struct {
	names   []string        // every header cell, tidied
	col     [numColumns]int // index of each column, -1 when absent
	flags   []int           // indices of flag columns
	ignored []string        // header cells neither a column nor a flag
}

var aliasIndex = func() map[string]column {
	m := make(map[string]column)
	for c, names := range aliases {
		for _, n := range names {
			m[n] = column(c)
		}
	}
	return m
}()

// looksLikeHeader reports whether a record is the header row: it names both
// the location id and the location name.
func looksLikeHeader(fields []string) bool {
	var id, name bool
	for _, f := range fields {
		switch c, ok := aliasIndex[normHeader(f)]; {
		case ok && c == colLocationID:
			id = true
		case ok && c == colName:
			name = true
		}
	}
	return id && name
}

// newLayout maps a header row. missing lists the required columns it lacks,
// by their care-directory names.
func newLayout(fields []string) (l *layout, missing []string) {
	l = &layout{names: make([]string, len(fields))}
	rank := [numColumns]int{}
	for c := range l.col {
		l.col[c] = -1
	}
	for i, f := range fields {
		l.names[i] = tidyHeader(f)
		norm := normHeader(f)
		if c, ok := aliasIndex[norm]; ok {
			r := aliasRank(c, norm)
			if l.col[c] < 0 || r < rank[c] {
				l.col[c], rank[c] = i, r
			}
			continue
		}
		if isFlagHeader(norm) {
			l.flags = append(l.flags, i)
			continue
		}
		if l.names[i] != "" {
			l.ignored = append(l.ignored, l.names[i])
		}
	}
	for _, c := range required {
		if l.col[c] < 0 {
			missing = append(missing, canonicalName(c))
		}
	}
	return l, missing
}

func aliasRank(c column, norm string) int {
	for i, a := range aliases[c] {
		if a == norm {
			return i
		}
	}
	return len(aliases[c])
}

// canonicalName is the care directory's header for a column.
func canonicalName(c column) string {
	switch c {
	case colName:
		return "Name"
	case colPostcode:
		return "Postcode"
	case colLocationID:
		return "CQC Location ID (for office use only)"
	case colProviderID:
		return "CQC Provider ID (for office use only)"
	}
	return aliases[c][0]
}

// name is the published header of field i, or "" when i is out of range.
func (l *layout) name(i int) string {
	if i < 0 || i >= len(l.names) {
		return ""
	}
	return l.names[i]
}

// get returns the trimmed cell for column c, or "" when the column is absent.
func (l *layout) get(fields []string, c column) string {
	i := l.col[c]
	if i < 0 || i >= len(fields) {
		return ""
	}
	return strings.TrimSpace(fields[i])
}
