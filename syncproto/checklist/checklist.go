// Package checklist is the Management Checklist of seed 003 (Derby City
// Council, "Managing Provider Concerns to Provider Failure", Appendix 2 –
// Management Checklist (for use as guidance)): ten sections of actions that
// frame the management of a care provider's failure, each with a default
// responsibility (DCC, NHS or Provider).
//
// The data is appendix2.json, generated from the seed's text by
// internal/gen (never hand-typed) and embedded here:
//
//	go run ./syncproto/checklist/internal/gen -seed ../shared/seeds/003_58835c1acd8127e6.txt -out syncproto/checklist/appendix2.json
package checklist

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:embed appendix2.json
var appendix2 []byte

// Responsibility is the party an action falls to: a column of the checklist.
type Responsibility string

// The checklist's responsibility columns.
const (
	DCC      Responsibility = "DCC"
	NHS      Responsibility = "NHS"
	Provider Responsibility = "Provider"
)

// How an item's default responsibility was decided.
const (
	// SourceSeedColumn: the seed marks the item in a responsibility column.
	SourceSeedColumn = "seed_column"
	// SourceItemText: the item's own text assigns it (2.25 "NHS to follow
	// incident reporting processes").
	SourceItemText = "item_text"
	// SourceDefault: the seed leaves the columns blank, "To be completed by
	// the JISG"; the default is DCC, the lead authority running the procedure.
	SourceDefault = "default"
)

// Item is one action of the checklist.
type Item struct {
	// Section is the section number, 1 to 10.
	Section int `json:"section"`
	// SectionTitle is the section's title as printed.
	SectionTitle string `json:"section_title"`
	// Number is the item number as printed, e.g. "2.8" (the seed skips 2.7
	// and 9.3).
	Number string `json:"number"`
	// Text is the action, as printed, HTML removed and white space normalised.
	Text string `json:"text"`
	// Responsibility is the default party, for the JISG to confirm.
	Responsibility Responsibility `json:"responsibility"`
	// ResponsibilitySource says how Responsibility was decided (Source*).
	ResponsibilitySource string `json:"responsibility_source"`
}

// Section is one numbered section of the checklist with its items.
type Section struct {
	Number int    `json:"number"` // 1 to 10
	Title  string `json:"title"`  // as printed
	Items  []Item `json:"-"`      // the section's items in order
}

// data is the decoded data file.
type data struct {
	Source                string    `json:"source"`
	Title                 string    `json:"title"`
	ResponsibilityColumns []string  `json:"responsibility_columns"`
	ResponsibilityNote    string    `json:"responsibility_note"`
	Sections              []Section `json:"sections"`
	Items                 []Item    `json:"items"`
	Notes                 []string  `json:"notes"`
}

// decode parses the embedded data file.
func decode(b []byte) (*data, error) {
	var d data
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("checklist: appendix2.json: %w", err)
	}
	if len(d.Items) == 0 || len(d.Sections) == 0 {
		return nil, fmt.Errorf("checklist: appendix2.json has no items or sections")
	}
	return &d, nil
}

// load decodes the embedded file once; the result is never handed out
// directly, only copies of it.
var load = sync.OnceValues(func() (*data, error) { return decode(appendix2) })

// mustLoad returns the decoded data. The file is embedded at build time and
// checked by the package's tests, so a failure is a broken build: it panics.
func mustLoad() *data {
	d, err := load()
	if err != nil {
		panic(err)
	}
	return d
}

// Items returns every checklist item in the seed's order. The slice is the
// caller's own.
func Items() []Item { return slices.Clone(mustLoad().Items) }

// Sections returns the sections 1–10 in order, each with its items. The
// slices are the caller's own.
func Sections() []Section {
	d := mustLoad()
	out := make([]Section, len(d.Sections))
	for i, s := range d.Sections {
		s.Items = nil
		for _, it := range d.Items {
			if it.Section == s.Number {
				s.Items = append(s.Items, it)
			}
		}
		out[i] = s
	}
	return out
}

// Lookup returns the item numbered as printed (e.g. "7.5").
func Lookup(number string) (Item, bool) {
	for _, it := range mustLoad().Items {
		if it.Number == number {
			return it, true
		}
	}
	return Item{}, false
}

// Notes returns the oddities the generator found in the seed's checklist
// (numbering gaps, page-break continuations, blank responsibility columns).
func Notes() []string { return slices.Clone(mustLoad().Notes) }

// CompareNumbers orders item numbers as printed: 2.9 before 2.10. It
// returns -1, 0 or 1.
func CompareNumbers(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		switch {
		case ea == nil && eb == nil && na != nb:
			if na < nb {
				return -1
			}
			return 1
		case (ea != nil || eb != nil) && pa[i] != pb[i]:
			return strings.Compare(pa[i], pb[i])
		}
	}
	switch {
	case len(pa) < len(pb):
		return -1
	case len(pa) > len(pb):
		return 1
	}
	return 0
}
