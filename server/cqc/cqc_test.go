package cqc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

const fixtures = "../../testdata/cqc"

// header is the care directory's header row exactly as CQC publishes it.
const header = "Name,Also known as,Address,Postcode,Phone number,Service's website (if available),Service types,Date of latest check,Specialisms/services,Provider name,Local authority,Region,Location URL,CQC Location ID (for office use only),CQC Provider ID (for office use only)"

// row builds a care directory data row from the cells that vary.
func row(name, address, postcode, date, locID string) string {
	return strings.Join([]string{name, "", address, postcode, "01332 000000", "", "Residential homes", date, "Dementia",
		"Synthetic Care Ltd", "Derby", "East Midlands", "https://www.cqc.org.uk/location/" + locID, locID, "1-200"}, ",")
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func parseAll(t *testing.T, input string) (Report, []Location, error) {
	t.Helper()
	var locs []Location
	rep, err := Parse(context.Background(), strings.NewReader(input), func(l Location) error {
		locs = append(locs, l)
		return nil
	})
	return rep, locs, err
}

// wantErr is an expected RowError: its line, column and part of its message.
type wantErr struct {
	line   int
	column string
	msg    string
}

func checkErrors(t *testing.T, got []RowError, want []wantErr) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d row errors, want %d:\n%s", len(got), len(want), joinErrors(got))
	}
	for i, w := range want {
		g := got[i]
		if g.Line != w.line || g.Column != w.column || !strings.Contains(g.Message, w.msg) {
			t.Errorf("error %d = %v; want line %d, column %q, message containing %q", i, g, w.line, w.column, w.msg)
		}
	}
}

func joinErrors(es []RowError) string {
	var sb strings.Builder
	for _, e := range es {
		fmt.Fprintf(&sb, "  %v\n", e)
	}
	return sb.String()
}

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func importedIDs(locs []Location) []string {
	var ids []string
	for _, l := range locs {
		ids = append(ids, fmt.Sprintf("%d:%s", l.Line, l.LocationID))
	}
	return ids
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file       string
		read       int
		headerLine int
		producedOn *time.Time
		imported   []string // "line:location id"
		errors     []wantErr
		ignored    []string
		full       map[int]Location // imported rows compared field by field, by line
	}{
		{
			file:       "directory.csv",
			read:       11,
			headerLine: 4,
			producedOn: date(2026, time.November, 1),
			imported:   []string{"5:1-10000000001", "6:1-10000000002", "9:1-10000000005", "12:1-10000000007", "16:1-10000000011"},
			errors: []wantErr{
				{7, "Date of latest check", `"31/Feb/2020 - 00:00" is not a date`},
				{8, "CQC Location ID (for office use only)", `"10000000004" is not of the form 1-<digits>`},
				{11, "Address", `malformed CSV: quoted field is not closed properly: stray " on line 12`},
				{13, "Postcode", `"DERBY" is not a UK postcode`},
				{14, "", "row has 7 fields, the header has 15"},
				{15, "Name", `malformed CSV: bare " in unquoted field`},
			},
			full: map[int]Location{
				5: {
					LocationID: "1-10000000001", ProviderID: "1-20000000001", Name: "Ashbourne Road Care Home",
					Address: "Flat 1, 2 High Street, Derby", Postcode: "DE1 1AA", Phone: "01332 000001",
					Website:      "https://www.example.org/ashbourne-road",
					ServiceTypes: []string{"Residential homes", "Nursing homes"},
					Specialisms:  []string{"Dementia", "Caring for adults over 65 yrs", "Physical disabilities"},
					LatestCheck:  date(2018, time.January, 9), ProviderName: "Ashbourne Road Care Ltd",
					LocalAuthority: "Derby", Region: "East Midlands",
					URL:  "https://www.cqc.org.uk/location/1-10000000001",
					Line: 5,
				},
				6: {
					LocationID: "1-10000000002", ProviderID: "1-20000000002", Name: "Peak View Home Care", AlsoKnownAs: "Peak View",
					Address: "Unit 4, Mill Lane, Belper", Postcode: "DE56 1AB", Phone: "01773 000002",
					ServiceTypes: []string{"Homecare agencies"},
					Specialisms:  []string{"Caring for adults under 65 yrs", "Caring for adults over 65 yrs"},
					ProviderName: "Peak View Support Services Ltd", LocalAuthority: "Derbyshire", Region: "East Midlands",
					URL:  "https://www.cqc.org.uk/location/1-10000000002",
					Line: 6,
				},
				16: {
					LocationID: "1-10000000011", ProviderID: "1-20000000011", Name: "St Mary's Court",
					Address: "Flat 3, 20 Bath Street, Ilkeston", Postcode: "DE7 8AA", Phone: "0115 000011",
					Website:      "https://www.example.org/st-marys",
					ServiceTypes: []string{"Residential homes"},
					Specialisms:  []string{"Dementia", "Sensory impairments"},
					ProviderName: "St Mary's Care (Ilkeston) Ltd", LocalAuthority: "Erewash", Region: "East Midlands",
					URL:  "https://www.cqc.org.uk/location/1-10000000011",
					Line: 16,
				},
			},
		},
		{
			file:       "directory_with_filters.csv",
			read:       7,
			headerLine: 1,
			imported:   []string{"2:1-10000000001", "3:1-10000000002", "4:1-10000000012", "8:1-10000000016"},
			errors: []wantErr{
				{5, "Care homes beds", `"-3" is not a whole number`},
				{6, "Location Latest Overall Rating", `"Excellent" is not a CQC rating`},
				{7, "Regulated activity - Accommodation for persons who require nursing or personal care", `"Yes" is not Y, N or blank`},
			},
			ignored: []string{"Location ODS Code"},
			full: map[int]Location{
				2: {
					LocationID: "1-10000000001", ProviderID: "1-20000000001", Name: "Ashbourne Road Care Home",
					Address: "Flat 1, 2 High Street, Derby", Postcode: "DE1 1AA", Phone: "01332 000001",
					ServiceTypes: []string{"Residential homes", "Nursing homes"},
					Specialisms:  []string{"Dementia", "Caring for adults over 65 yrs"},
					LatestCheck:  date(2018, time.January, 9), ProviderName: "Ashbourne Road Care Ltd",
					LocalAuthority: "Derby", Region: "East Midlands",
					URL:  "https://www.cqc.org.uk/location/1-10000000001",
					Beds: 48, Rating: RatingGood,
					Flags: map[string]bool{
						"Care home?": true,
						"Regulated activity - Accommodation for persons who require nursing or personal care": true,
						"Regulated activity - Treatment of disease, disorder or injury":                       true,
						"Service type - Care home service with nursing":                                       true,
						"Service user band - Older People":                                                    true,
						"Service user band - Dementia":                                                        true,
					},
					Line: 2,
				},
				3: {
					LocationID: "1-10000000002", ProviderID: "1-20000000002", Name: "Peak View Home Care", AlsoKnownAs: "Peak View",
					Address: "Unit 4, Mill Lane, Belper", Postcode: "DE56 1AB", Phone: "01773 000002",
					ServiceTypes: []string{"Homecare agencies"},
					Specialisms:  []string{"Caring for adults over 65 yrs"},
					ProviderName: "Peak View Support Services Ltd", LocalAuthority: "Derbyshire", Region: "East Midlands",
					URL:    "https://www.cqc.org.uk/location/1-10000000002",
					Rating: RatingRequiresImprovement,
					Flags: map[string]bool{
						"Regulated activity - Personal care":                                      true,
						"Service type - Domiciliary care service":                                 true,
						"Service user band - Older People":                                        true,
						"Service user band - Learning disabilities or autistic spectrum disorder": true,
					},
					Line: 3,
				},
			},
		},
		{
			file:       "hsca_active_locations.csv",
			read:       3,
			headerLine: 1,
			imported:   []string{"2:1-10000000021", "3:1-10000000022"},
			errors:     []wantErr{{4, "Location Name", "name is blank"}},
			ignored: []string{"Location ODS Code", "Location Type/Sector", "Location Inspection Directorate",
				"Publication Date", "Provider Postal Code"},
			full: map[int]Location{
				2: {
					LocationID: "1-10000000021", ProviderID: "1-20000000021", Name: "Matlock Bath Lodge",
					Address: "14 North Parade, Matlock Bath, Matlock, Derbyshire", Postcode: "DE4 3NA",
					Phone: "01629 000021", ProviderName: "Matlock Bath Care Ltd", LocalAuthority: "Derbyshire",
					Region: "East Midlands", Beds: 36, Rating: RatingGood,
					Flags: map[string]bool{
						"Care home?": true,
						"Service type - Care home service without nursing": true,
						"Service user band - Older People":                 true,
					},
					Line: 2,
				},
				3: {
					LocationID: "1-10000000022", ProviderID: "1-20000000022", Name: "Belper Home Support",
					Address: "Suite 2, Riverside Mill, Belper, Derbyshire", Postcode: "DE56 1BA",
					Phone: "01773 000022", Website: "https://www.example.org/belper-home-support",
					ProviderName: "Belper Home Support Ltd", LocalAuthority: "Derbyshire",
					Region: "East Midlands", Rating: RatingRequiresImprovement,
					Flags: map[string]bool{
						"Regulated activity - Personal care":      true,
						"Service type - Domiciliary care service": true,
						"Service user band - Older People":        true,
						"Service user band - Physical Disability": true,
					},
					Line: 3,
				},
			},
		},
	}
	for _, tc := range tests {
		raw, err := os.ReadFile(filepath.Join(fixtures, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		// The same file with CRLF line endings must parse the same.
		for _, ending := range []string{"LF", "CRLF"} {
			t.Run(tc.file+"/"+ending, func(t *testing.T) {
				input := string(raw)
				if ending == "CRLF" {
					input = strings.ReplaceAll(input, "\n", "\r\n")
				}
				rep, locs, err := parseAll(t, input)
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if rep.Read != tc.read || rep.Imported != len(tc.imported) || rep.Skipped != tc.read-len(tc.imported) {
					t.Errorf("Read/Imported/Skipped = %d/%d/%d, want %d/%d/%d", rep.Read, rep.Imported, rep.Skipped,
						tc.read, len(tc.imported), tc.read-len(tc.imported))
				}
				if rep.HeaderLine != tc.headerLine {
					t.Errorf("HeaderLine = %d, want %d", rep.HeaderLine, tc.headerLine)
				}
				if !reflect.DeepEqual(rep.ProducedOn, tc.producedOn) {
					t.Errorf("ProducedOn = %v, want %v", rep.ProducedOn, tc.producedOn)
				}
				if !reflect.DeepEqual(rep.Ignored, tc.ignored) {
					t.Errorf("Ignored = %q, want %q", rep.Ignored, tc.ignored)
				}
				if got := importedIDs(locs); !reflect.DeepEqual(got, tc.imported) {
					t.Errorf("imported %q, want %q", got, tc.imported)
				}
				checkErrors(t, rep.Errors, tc.errors)
				for _, l := range locs {
					if want, ok := tc.full[l.Line]; ok && !reflect.DeepEqual(l, want) {
						t.Errorf("line %d:\n got %+v\nwant %+v", l.Line, l, want)
					}
				}
			})
		}
	}
}

func TestParseRows(t *testing.T) {
	good := row("Good Home", `"1 Low Road, Derby"`, "DE1 1AA", "09/Jan/2018 - 00:00", "1-100")
	tests := []struct {
		name     string
		input    string
		imported []string  // "line:location id"
		read     int       // Report.Read
		errors   []wantErr // checked unless nil with a check func
		check    func(t *testing.T, rep Report, locs []Location)
	}{
		{
			name:     "header with BOM, spaces and CRLF",
			input:    "\uFEFFCQC Locations data,,\r\n" + strings.ReplaceAll(header, ",", " ,  ") + "\r\n" + good + "\r\n",
			imported: []string{"3:1-100"},
			read:     1,
			check: func(t *testing.T, rep Report, locs []Location) {
				if locs[0].Address != "1 Low Road, Derby" || locs[0].Region != "East Midlands" {
					t.Errorf("got %+v", locs[0])
				}
			},
		},
		{
			name:     "curly apostrophe and upper-case header",
			input:    lines(strings.ToUpper(strings.Replace(header, "Service's", "Service\u2019s", 1)), strings.Replace(good, "01332 000000,,", "01332 000000,https://www.example.org,", 1)),
			imported: []string{"2:1-100"},
			read:     1,
			check: func(t *testing.T, rep Report, locs []Location) {
				if locs[0].Website != "https://www.example.org" {
					t.Errorf("Website = %q", locs[0].Website)
				}
			},
		},
		{
			name:     "blank lines and comma-only lines are not rows",
			input:    lines("", ",,,", header, "", good, ",,,,,,,,,,,,,,", "   ", row("B", "x", "DE1 1AB", "", "1-101")),
			imported: []string{"5:1-100", "8:1-101"},
			read:     2,
		},
		{
			name:     "escaped quotes and blanks around a quoted field",
			input:    lines(header, row(`"The ""Oaks"""`, `  "Flat 1, 2 High Street"  `, "DE1 1AA", "", "1-100")),
			imported: []string{"2:1-100"},
			read:     1,
			check: func(t *testing.T, rep Report, locs []Location) {
				if locs[0].Name != `The "Oaks"` || locs[0].Address != "Flat 1, 2 High Street" {
					t.Errorf("Name %q, Address %q", locs[0].Name, locs[0].Address)
				}
			},
		},
		{
			name:     "trailing empty cells are tolerated, trailing data is not",
			input:    lines(header, good+",,", row("B", "x", "DE1 1AB", "", "1-101")+",,surplus"),
			imported: []string{"2:1-100"},
			read:     2,
			errors:   []wantErr{{3, "", "row has 17 fields, the header has 15"}},
		},
		{
			name: "multi-line quoted cells keep physical line numbers",
			input: lines(header,
				row("A", "\"The Annexe\n\n3 Long Road\"", "DE1 1AA", "", "1-100"),
				row("B", "x", "BAD", "", "1-101"),
				row("C", "\"Flat 1,\n2 Short Road\"", "DE1 1AB", "", "1-102")),
			imported: []string{"2:1-100", "6:1-102"},
			read:     3,
			errors:   []wantErr{{5, "Postcode", `"BAD" is not a UK postcode`}},
			check: func(t *testing.T, rep Report, locs []Location) {
				if locs[0].Address != "The Annexe\n\n3 Long Road" {
					t.Errorf("Address %q", locs[0].Address)
				}
			},
		},
		{
			name:     "embedded CRLF in a quoted cell becomes LF",
			input:    header + "\r\n" + row("A", "\"1 Road\r\nDerby\"", "DE1 1AA", "", "1-100") + "\r\n",
			imported: []string{"2:1-100"},
			read:     1,
			check: func(t *testing.T, rep Report, locs []Location) {
				if locs[0].Address != "1 Road\nDerby" {
					t.Errorf("Address %q", locs[0].Address)
				}
			},
		},
		{
			name: "unterminated quote does not swallow the unquoted rows after it",
			input: lines(header,
				row("A", `"1 Road, Derby`, "DE1 1AA", "", "1-100"),
				row("B", "2 Road", "DE1 1AB", "", "1-101"),
				row("C", "3 Road", "DE1 1AD", "", "1-102")),
			imported: []string{"3:1-101", "4:1-102"},
			read:     3,
			errors:   []wantErr{{2, "Address", "quoted field is not closed before the end of the input"}},
		},
		{
			name:     "unterminated quote on the last line, no final newline",
			input:    header + "\n" + good + "\n" + row("B", `"2 Road`, "DE1 1AB", "", "1-101"),
			imported: []string{"2:1-100"},
			read:     2,
			errors:   []wantErr{{3, "Address", "quoted field is not closed before the end of the input"}},
		},
		{
			name: "unterminated quote gives up after the line limit",
			input: lines(header, row("A", `"1 Road`, "DE1 1AA", "", "1-100")) +
				strings.Repeat("no quotes here\n", maxRecordLines+5) + good + "\n",
			imported: []string{fmt.Sprintf("%d:1-100", maxRecordLines+8)},
			read:     maxRecordLines + 7,
			check: func(t *testing.T, rep Report, locs []Location) {
				if !strings.Contains(rep.Errors[0].Message, "not closed within 50 lines") || rep.Errors[0].Line != 2 {
					t.Errorf("first error %v", rep.Errors[0])
				}
				for i, e := range rep.Errors[1:] {
					if e.Line != i+3 || !strings.Contains(e.Message, "row has 1 fields") {
						t.Errorf("error %v", e)
					}
				}
			},
		},
		{
			name:     "text after a closing quote",
			input:    lines(header, row("A", `"1 Road"x`, "DE1 1AA", "", "1-100"), good),
			imported: []string{"3:1-100"},
			read:     2,
			errors:   []wantErr{{2, "Address", `extraneous " in quoted field`}},
		},
		{
			name:     "repeated location id",
			input:    lines(header, good, row("Again", "x", "DE1 1AB", "", "1-100")),
			imported: []string{"2:1-100"},
			read:     2,
			errors:   []wantErr{{3, "CQC Location ID (for office use only)", "location id 1-100 is repeated from line 2"}},
		},
		{
			name:  "every problem in a row is reported",
			input: lines(header, strings.Join([]string{"", "", "x", "nowhere", "", "", "", "yesterday", "", "", "", "", "", "", "2-1"}, ",")),
			read:  1,
			errors: []wantErr{
				{2, "CQC Location ID (for office use only)", "location id is blank"},
				{2, "CQC Provider ID (for office use only)", `provider id "2-1" is not of the form`},
				{2, "Name", "name is blank"},
				{2, "Postcode", `"nowhere" is not a UK postcode`},
				{2, "Date of latest check", `"yesterday" is not a date`},
			},
		},
		{
			name: "dates",
			input: lines(header,
				row("A", "x", "DE1 1AA", "9/Jan/2018 - 00:00", "1-1"),
				row("B", "x", "DE1 1AA", "09/jan/2018", "1-2"),
				row("C", "x", "DE1 1AA", "2018-01-09", "1-3"),
				row("D", "x", "DE1 1AA", "29/Feb/2023 - 00:00", "1-4"),
				row("E", "x", "DE1 1AA", "29/Feb/2024 - 13:30", "1-5")),
			imported: []string{"2:1-1", "3:1-2", "6:1-5"},
			read:     5,
			errors: []wantErr{
				{4, "Date of latest check", `"2018-01-09"`},
				{5, "Date of latest check", `"29/Feb/2023 - 00:00"`},
			},
			check: func(t *testing.T, rep Report, locs []Location) {
				want := []*time.Time{date(2018, 1, 9), date(2018, 1, 9), {}}
				*want[2] = time.Date(2024, 2, 29, 13, 30, 0, 0, time.UTC)
				for i, l := range locs {
					if !l.LatestCheck.Equal(*want[i]) {
						t.Errorf("line %d: LatestCheck %v, want %v", l.Line, l.LatestCheck, want[i])
					}
				}
			},
		},
		{
			name:     "Windows-1252 text is decoded",
			input:    lines(header, row("Caf\xe9 Court \x96 St Anne\x92s", "x", "DE1 1AA", "", "1-100")),
			imported: []string{"2:1-100"},
			read:     1,
			check: func(t *testing.T, rep Report, locs []Location) {
				if locs[0].Name != "Café Court – St Anne’s" {
					t.Errorf("Name %q", locs[0].Name)
				}
			},
		},
		{
			name:     "an over-long line is skipped",
			input:    lines(header, strings.Repeat("x", maxLineBytes+1), good),
			imported: []string{"3:1-100"},
			read:     2,
			errors:   []wantErr{{2, "", "line is longer than"}},
		},
		{
			name: "ratings, beds and flags by header name in any order",
			input: lines("Care homes beds,Rating,CQC Provider ID (for office use only),Dormant (Y/N),Postcode,Name,CQC Location ID (for office use only),Service user band - Older People",
				" 12 ,requires  improvement,1-9,n,de11aa,A,1-1,y",
				"0,,1-9,,DE1 1AB,B,1-2,",
				"1.5,Good,1-9,,DE1 1AD,C,1-3,"),
			imported: []string{"2:1-1", "3:1-2"},
			read:     3,
			errors:   []wantErr{{4, "Care homes beds", `"1.5" is not a whole number`}},
			check: func(t *testing.T, rep Report, locs []Location) {
				a := locs[0]
				if a.Beds != 12 || a.Rating != RatingRequiresImprovement || a.Postcode != "DE1 1AA" ||
					!reflect.DeepEqual(a.Flags, map[string]bool{"Service user band - Older People": true}) {
					t.Errorf("got %+v", a)
				}
				if b := locs[1]; b.Beds != 0 || b.Rating != "" || b.Flags != nil {
					t.Errorf("got %+v", b)
				}
			},
		},
		{
			name:     "a stray quote in the preamble does not hide the header",
			input:    lines(`CQC "Locations data`, header, good),
			imported: []string{"3:1-100"},
			read:     1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, locs, err := parseAll(t, tc.input)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := importedIDs(locs); !reflect.DeepEqual(got, tc.imported) {
				t.Errorf("imported %q, want %q", got, tc.imported)
			}
			if rep.Read != tc.read || rep.Imported != len(locs) || rep.Read != rep.Imported+rep.Skipped {
				t.Errorf("Read/Imported/Skipped = %d/%d/%d, want read %d", rep.Read, rep.Imported, rep.Skipped, tc.read)
			}
			if tc.errors != nil || tc.check == nil {
				checkErrors(t, rep.Errors, tc.errors)
			}
			if tc.check != nil && len(locs) == len(tc.imported) {
				tc.check(t, rep, locs)
			}
		})
	}
}

func TestParsePostcode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"DE1 1AA", "DE1 1AA"},
		{"de11aa", "DE1 1AA"},
		{" S40  1AA ", "S40 1AA"},
		{"SW1A 1AA", "SW1A 1AA"},
		{"W1A 0AX", "W1A 0AX"},
		{"NG10 1AB", "NG10 1AB"},
		{"M1 1AE", "M1 1AE"},
		{"DE1 1CA", ""}, // C never ends a postcode
		{"DE1", ""},
		{"1DE 1AA", ""},
		{"DE1 1AAA", ""},
		{"DERBY", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := normPostcode(tc.in)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("normPostcode(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
			}
		})
	}
}

func TestParseHeaderErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		msg   string
	}{
		{"empty", "", "none found before the end"},
		{"preamble only", lines("CQC Locations data,,", "This data was produced on 01 November 2026,,"), "none found before the end"},
		{"not a directory", lines("a,b,c", "1,2,3"), "none found before the end"},
		{"header too late", strings.Repeat("preamble\n", MaxPreambleLines+1) + header + "\n", "none among the first 100"},
		{"no provider id column", lines(strings.TrimSuffix(header, ",CQC Provider ID (for office use only)")),
			"the header on line 1 has no CQC Provider ID (for office use only) column"},
		{"no postcode column", lines("Name,Location ID,Provider ID"), "has no Postcode column"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := parseAll(t, tc.input)
			if !errors.Is(err, ErrNoHeader) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want ErrNoHeader containing %q", err, tc.msg)
			}
		})
	}
}

func TestParseStops(t *testing.T) {
	good := func(i int) string { return row(fmt.Sprint("Home ", i), "x", "DE1 1AA", "", fmt.Sprint("1-", i)) }
	input := lines(header, good(1), good(2), good(3))
	errStop := errors.New("store is full")
	errRead := errors.New("disk on fire")

	t.Run("fn error", func(t *testing.T) {
		n := 0
		rep, err := Parse(context.Background(), strings.NewReader(input), func(l Location) error {
			if n++; n == 2 {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) || !strings.Contains(err.Error(), "line 3") {
			t.Errorf("err = %v", err)
		}
		if rep.Imported != 1 || rep.Read != 2 {
			t.Errorf("Imported %d Read %d", rep.Imported, rep.Read)
		}
	})
	t.Run("context cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Parse(ctx, strings.NewReader(input), nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("context cancelled during", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rep, err := Parse(ctx, strings.NewReader(input), func(Location) error { cancel(); return nil })
		if !errors.Is(err, context.Canceled) || rep.Imported != 1 {
			t.Errorf("err = %v, Imported %d", err, rep.Imported)
		}
	})
	t.Run("reader fails in the preamble", func(t *testing.T) {
		_, err := Parse(context.Background(), iotest.ErrReader(errRead), nil)
		if !errors.Is(err, errRead) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("reader fails mid-file", func(t *testing.T) {
		r := io.MultiReader(strings.NewReader(lines(header, good(1))+"Half a ro"), iotest.ErrReader(errRead))
		rep, err := Parse(context.Background(), r, nil)
		if !errors.Is(err, errRead) || rep.Imported != 1 {
			t.Errorf("err = %v, Imported %d", err, rep.Imported)
		}
	})
	t.Run("reader fails inside a quoted cell", func(t *testing.T) {
		r := io.MultiReader(strings.NewReader(lines(header)+`A,,"1 Road`+"\n"), iotest.ErrReader(errRead))
		_, err := Parse(context.Background(), r, nil)
		if !errors.Is(err, errRead) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("one byte at a time", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(fixtures, "directory.csv"))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Parse(context.Background(), iotest.OneByteReader(strings.NewReader(string(raw))), nil)
		if err != nil || rep.Imported != 5 || len(rep.Errors) != 6 {
			t.Errorf("err = %v, Imported %d, %d errors", err, rep.Imported, len(rep.Errors))
		}
	})
	t.Run("nil fn validates only", func(t *testing.T) {
		rep, err := Parse(context.Background(), strings.NewReader(input), nil)
		if err != nil || rep.Imported != 3 {
			t.Errorf("err = %v, Imported %d", err, rep.Imported)
		}
	})
}

func TestParseErrorCap(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(header + "\n")
	for i := 0; i < MaxErrors+50; i++ {
		sb.WriteString(row("A", "x", "BAD", "", fmt.Sprint("1-", i)) + "\n")
	}
	sb.WriteString(row("Last", "x", "DE1 1AA", "", "1-999999") + "\n")
	rep, locs, err := parseAll(t, sb.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != MaxErrors || rep.ErrorsOmitted != 50 || len(locs) != 1 || rep.Skipped != MaxErrors+50 {
		t.Errorf("%d errors, %d omitted, %d imported, %d skipped", len(rep.Errors), rep.ErrorsOmitted, len(locs), rep.Skipped)
	}
}

func TestRowErrorString(t *testing.T) {
	tests := []struct {
		e    RowError
		want string
	}{
		{RowError{Line: 7, Column: "Postcode", Message: "bad"}, "line 7: Postcode: bad"},
		{RowError{Line: 9, Message: "row has 3 fields"}, "line 9: row has 3 fields"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			var err error = tc.e
			if err.Error() != tc.want {
				t.Errorf("got %q", err.Error())
			}
		})
	}
}
