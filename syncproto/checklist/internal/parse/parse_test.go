package parse

import (
	"strings"
	"testing"
)

const sample = "Contents\n\tAppendix 2 – Management Checklist (for use as guidance)\t\n" +
	"Appendix 2 - Management Checklist (for use as guidance)\n\n" +
	"Contents\n\n1\tTeam\n2\tWork\n\n" +
	"\tAction\tResponsibility (To be completed by the JISG)\t\t\tNotes\t\n" +
	"\t\tDCC\tNHS\tProvider\t\t\n" +
	"\t\tInitials of responsible Officer\t\t\t\t\n" +
	"1\tTeam\t\t\t\t\t\n" +
	"1.1\tAssemble <i>team</i>\t\t\t\t\t\n\n" +
	"1.2\tProvider to hand over records\t\t\t\t\n" +
	"2\tWork\t\t\t\t\n" +
	"2.1\tFirst half of a cell and\t\t\t\t\n\n" +
	"\tsecond half (see 2.9 above)\t\t\t\t\n" +
	"2.3\tMarked for the NHS\t\tx\t\t\n" +
	"3\tExtra\t\t\t\t\n" +
	"3.1\tLast\t\t\t\t\n" +
	"------\t---\t--\n" +
	"OUTCOME\nAction\tOutcome\tDate\n"

func TestParse_Sample(t *testing.T) {
	f, err := Parse(sample, "sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, it := range f.Items {
		got = append(got, it.Number+"|"+it.Text+"|"+it.Responsibility+"|"+it.ResponsibilitySource)
	}
	want := []string{
		"1.1|Assemble team|DCC|default",
		"1.2|Provider to hand over records|Provider|item_text",
		"2.1|First half of a cell and second half (see 2.9 above)|DCC|default",
		"2.3|Marked for the NHS|NHS|seed_column",
		"3.1|Last|DCC|default",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(f.Sections) != 3 || f.Sections[2].Title != "Extra" || f.Title != "Management Checklist (for use as guidance)" {
		t.Fatalf("sections %+v title %q", f.Sections, f.Title)
	}
	notes := strings.Join(f.Notes, "\n")
	for _, w := range []string{"contents list has 2 sections; the table also has 3 Extra", "item 2.2 is not in the seed", "item 2.1 refers to item 2.9", "item 2.1 continues across a page break"} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}
}

func TestParse_Errors(t *testing.T) {
	tests := map[string]string{
		"no appendix":       "nothing here\n",
		"no table header":   "Appendix 2 - Management Checklist\n1\tTeam\n",
		"wrong columns":     "Appendix 2 - Management Checklist\nResponsibility (To be completed by the JISG)\n\t\tLA\tICB\n",
		"item out of place": strings.Replace(sample, "2\tWork\t\t\t\t\n", "", 1),
		"stray line":        strings.Replace(sample, "3\tExtra", "Some prose\n3\tExtra", 1),
		"no items":          "Appendix 2 - Management Checklist\nResponsibility (To be completed by the JISG)\n\t\tDCC\tNHS\tProvider\nOUTCOME\n",
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(text, "x"); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestEncode_Stable(t *testing.T) {
	f, err := Parse(sample, "sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Encode(f)
	b, _ := Encode(f)
	if string(a) != string(b) || !strings.HasSuffix(string(a), "}\n") || strings.Contains(string(a), `\u003c`) {
		t.Fatalf("unstable or escaped encoding:\n%s", a)
	}
}
