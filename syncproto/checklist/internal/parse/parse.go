// Package parse reads the Management Checklist out of the text of seed 003
// (Derby City Council, "Managing Provider Concerns to Provider Failure",
// Appendix 2) and encodes it as the checklist package's JSON data file. It is
// shared by the generator (internal/gen) and by the checklist package's test
// that proves the checked-in file is what the seed yields.
package parse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Responsibility values, the column heads of the checklist table.
const (
	DCC      = "DCC"
	NHS      = "NHS"
	Provider = "Provider"
)

// How an item's responsibility was decided.
const (
	// SourceSeedColumn: the seed marks the item in a responsibility column.
	SourceSeedColumn = "seed_column"
	// SourceItemText: the item's own text assigns it ("NHS to follow ...").
	SourceItemText = "item_text"
	// SourceDefault: the seed leaves the columns blank ("To be completed by
	// the JISG"); DCC, the lead authority running the procedure, is the default.
	SourceDefault = "default"
)

// Item is one checklist action; the fields mirror checklist.Item.
type Item struct {
	Section              int    `json:"section"`
	SectionTitle         string `json:"section_title"`
	Number               string `json:"number"`
	Text                 string `json:"text"`
	Responsibility       string `json:"responsibility"`
	ResponsibilitySource string `json:"responsibility_source"`
}

// Section is one numbered section of the checklist: its number and title.
type Section struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
}

// File is the JSON data file: the seed it came from, the checklist's title,
// its responsibility columns and their heading, sections and items.
type File struct {
	Source                string    `json:"source"`
	Title                 string    `json:"title"`
	ResponsibilityColumns []string  `json:"responsibility_columns"`
	ResponsibilityNote    string    `json:"responsibility_note"`
	Sections              []Section `json:"sections"`
	Items                 []Item    `json:"items"`
	// Notes records what the parser found odd in the seed.
	Notes []string `json:"notes"`
}

var (
	appendixRe = regexp.MustCompile(`^Appendix 2\s*[-–]\s*(Management Checklist.*)$`)
	sectionRe  = regexp.MustCompile(`^(\d+)\t([^\t]+)`)
	itemRe     = regexp.MustCompile(`^(\d+)\.(\d+)\t([^\t]*)(.*)$`)
	contentsRe = regexp.MustCompile(`^(\d+)\t([^\t]+?)\s*$`)
	tagRe      = regexp.MustCompile(`<[^>]*>`)
	ruleRe     = regexp.MustCompile(`^[-|\s]+$`)
	partyRe    = regexp.MustCompile(`^(DCC|NHS|Provider) to `)
	seeRe      = regexp.MustCompile(`see (?:also )?(\d+\.\d+)`)
)

// Parse reads the checklist out of seed 003's text. source names the seed in
// the output (e.g. its file name).
func Parse(text, source string) (*File, error) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	start := -1
	f := &File{Source: source}
	for i, l := range lines {
		if m := appendixRe.FindStringSubmatch(strings.TrimSpace(l)); m != nil && !strings.HasPrefix(l, "\t") {
			start = i
			f.Title = strings.TrimSpace(m[1])
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("no line \"Appendix 2 - Management Checklist\" in the seed")
	}

	// The checklist's own contents list, for comparison with the table.
	contents := map[int]string{}
	head := -1
	for i := start + 1; i < len(lines); i++ {
		l := lines[i]
		if strings.Contains(l, "Responsibility (To be completed by the JISG)") {
			head = i
			f.ResponsibilityNote = "Responsibility (To be completed by the JISG)"
			break
		}
		if m := contentsRe.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			contents[n] = m[2]
		}
	}
	if head < 0 {
		return nil, fmt.Errorf("no checklist table header \"Responsibility (To be completed by the JISG)\" after line %d", start+1)
	}
	// The next non-blank line names the responsibility columns.
	i := head + 1
	for ; i < len(lines) && strings.TrimSpace(lines[i]) == ""; i++ {
	}
	if i == len(lines) {
		return nil, fmt.Errorf("checklist table ends after its header")
	}
	for _, c := range strings.Split(lines[i], "\t") {
		if c = strings.TrimSpace(c); c != "" {
			f.ResponsibilityColumns = append(f.ResponsibilityColumns, c)
		}
	}
	if strings.Join(f.ResponsibilityColumns, ",") != "DCC,NHS,Provider" {
		return nil, fmt.Errorf("line %d: responsibility columns are %q, want DCC, NHS, Provider", i+1, f.ResponsibilityColumns)
	}

	var cur *Section
	var last *Item
	var continued []string
	for i++; i < len(lines); i++ {
		l := lines[i]
		trim := strings.TrimSpace(l)
		switch {
		case trim == "" || ruleRe.MatchString(trim):
			continue
		case trim == "OUTCOME":
			i = len(lines)
			continue
		case strings.HasPrefix(trim, "Initials of responsible Officer"):
			continue
		}
		if m := itemRe.FindStringSubmatch(l); m != nil {
			sec, _ := strconv.Atoi(m[1])
			if cur == nil || sec != cur.Number {
				return nil, fmt.Errorf("line %d: item %s.%s outside its section", i+1, m[1], m[2])
			}
			resp, src := columnMark(m[4], f.ResponsibilityColumns)
			f.Items = append(f.Items, Item{Section: sec, SectionTitle: cur.Title, Number: m[1] + "." + m[2], Text: m[3], Responsibility: resp, ResponsibilitySource: src})
			last = &f.Items[len(f.Items)-1]
			continue
		}
		if m := sectionRe.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			f.Sections = append(f.Sections, Section{Number: n, Title: clean(m[2])})
			cur = &f.Sections[len(f.Sections)-1]
			last = nil
			continue
		}
		if strings.HasPrefix(l, "\t") && last != nil {
			// A cell continued after a page break.
			cells := strings.Split(strings.TrimPrefix(l, "\t"), "\t")
			last.Text += " " + cells[0]
			continued = append(continued, last.Number)
			continue
		}
		return nil, fmt.Errorf("line %d: unexpected line in the checklist table: %q", i+1, l)
	}
	if len(f.Items) == 0 {
		return nil, fmt.Errorf("no checklist items found")
	}

	for k := range f.Items {
		it := &f.Items[k]
		it.Text = clean(it.Text)
		if it.Responsibility == "" {
			if m := partyRe.FindStringSubmatch(it.Text); m != nil {
				it.Responsibility, it.ResponsibilitySource = m[1], SourceItemText
			} else {
				it.Responsibility, it.ResponsibilitySource = DCC, SourceDefault
			}
		}
	}
	f.Notes = notes(f, contents, continued)
	return f, nil
}

// columnMark returns the responsibility a row marks in its DCC/NHS/Provider
// cells (the cells after the action text), if exactly one is marked.
func columnMark(rest string, cols []string) (string, string) {
	cells := strings.Split(strings.TrimPrefix(rest, "\t"), "\t")
	var marked []string
	for j, c := range cells {
		if j < len(cols) && strings.TrimSpace(c) != "" {
			marked = append(marked, cols[j])
		}
	}
	if len(marked) == 1 {
		return marked[0], SourceSeedColumn
	}
	return "", ""
}

// clean removes the HTML left in the seed's table cells and normalises white space.
func clean(s string) string {
	s = tagRe.ReplaceAllString(s, "")
	s = strings.Join(strings.Fields(s), " ")
	// "for: - • staff" — a dash left before a bulleted list.
	s = strings.ReplaceAll(s, ": - •", ": •")
	return s
}

// notes lists the oddities of the seed's checklist.
func notes(f *File, contents map[int]string, continued []string) []string {
	var out []string
	var missing []string
	for _, s := range f.Sections {
		if _, ok := contents[s.Number]; !ok {
			missing = append(missing, fmt.Sprintf("%d %s", s.Number, s.Title))
		}
	}
	if len(missing) > 0 {
		out = append(out, fmt.Sprintf("the checklist's contents list has %d sections; the table also has %s", len(contents), strings.Join(missing, ", ")))
	}
	bySection := map[int][]int{}
	for _, it := range f.Items {
		_, n, _ := strings.Cut(it.Number, ".")
		k, _ := strconv.Atoi(n)
		bySection[it.Section] = append(bySection[it.Section], k)
	}
	have := map[string]bool{}
	for _, it := range f.Items {
		have[it.Number] = true
	}
	for _, s := range f.Sections {
		ks := bySection[s.Number]
		for k := 1; len(ks) > 0 && k < ks[len(ks)-1]; k++ {
			num := fmt.Sprintf("%d.%d", s.Number, k)
			if !have[num] {
				out = append(out, fmt.Sprintf("item %s is not in the seed (numbering skips it)", num))
			}
		}
	}
	for _, it := range f.Items {
		for _, ref := range seeRe.FindAllStringSubmatch(it.Text, -1) {
			r := strings.TrimSuffix(ref[1], ".")
			if !have[r] {
				out = append(out, fmt.Sprintf("item %s refers to item %s, which the seed does not have", it.Number, r))
			}
		}
	}
	for _, n := range continued {
		out = append(out, fmt.Sprintf("item %s continues across a page break in the seed; the parts are joined", n))
	}
	counts := map[string]int{}
	for _, it := range f.Items {
		counts[it.ResponsibilitySource]++
	}
	out = append(out, fmt.Sprintf("the seed leaves the DCC / NHS / Provider columns blank (\"To be completed by the JISG\"): %d items default to DCC, %d take the party their text names, %d are marked in the seed", counts[SourceDefault], counts[SourceItemText], counts[SourceSeedColumn]))
	return out
}

// Encode renders f as the checked-in JSON data file: indented, with a final newline.
func Encode(f *File) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
