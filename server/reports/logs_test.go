package reports

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMovementLog_Scenario(t *testing.T) {
	incident, recs := replay(t)
	want := 0
	for _, r := range recs["movement_log"] {
		if r.s("incident_id") == incident {
			want++
		}
	}
	rows := MovementLog(scenarioData(t))
	t.Run("one row per entry", func(t *testing.T) {
		if len(rows) != want || want == 0 {
			t.Fatalf("got %d rows, want %d", len(rows), want)
		}
	})
	t.Run("sorted by occurred_at", func(t *testing.T) {
		if !slices.IsSortedFunc(rows, func(a, b MovementEntry) int { return a.OccurredAt.Compare(b.OccurredAt) }) {
			t.Error("rows not in time order")
		}
	})
	t.Run("resident and services named", func(t *testing.T) {
		for _, r := range rows {
			name := recs["residents"][r.ResidentID].s("given_name") + " " + recs["residents"][r.ResidentID].s("family_name")
			if r.ResidentName != name {
				t.Errorf("%s: resident name %q, want %q", r.ID, r.ResidentName, name)
			}
			if r.ToServiceID != "" && r.ToServiceName != recs["services"][r.ToServiceID].s("name") {
				t.Errorf("%s: to service name %q", r.ID, r.ToServiceName)
			}
			if r.OccurredAt.IsZero() || r.Event == "" {
				t.Errorf("%s: missing time or event", r.ID)
			}
		}
	})
}

func TestDecisionLog_Scenario(t *testing.T) {
	incident, recs := replay(t)
	want := 0
	for _, r := range recs["decision_log"] {
		if r.s("incident_id") == incident {
			want++
		}
	}
	rows := DecisionLog(scenarioData(t))
	if len(rows) != want || want == 0 {
		t.Fatalf("got %d rows, want %d", len(rows), want)
	}
	if !slices.IsSortedFunc(rows, func(a, b DecisionEntry) int { return a.DecidedAt.Compare(b.DecidedAt) }) {
		t.Error("rows not in time order")
	}
	for _, r := range rows {
		if r.ResidentID != "" && r.ResidentName == "" {
			t.Errorf("%s: resident %s not named", r.ID, r.ResidentID)
		}
		if r.Decision == "" || r.DecidedBy == "" {
			t.Errorf("%s: decision or decider missing", r.ID)
		}
	}
}

// parseCSV reads CSV output back with encoding/csv.
func parseCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	// Excel reads a CSV as UTF-8 only when it starts with the byte order
	// mark: names such as Siân and Llŷr are garbled without it.
	if !bytes.HasPrefix(b, []byte(BOM)) {
		t.Fatalf("the CSV does not start with the UTF-8 byte order mark: %q", b[:min(len(b), 16)])
	}
	rows, err := csv.NewReader(bytes.NewReader(b[len(BOM):])).ReadAll()
	if err != nil {
		t.Fatalf("output does not parse as CSV: %v\n%s", err, b)
	}
	return rows
}

func TestWriteCSV_RoundTrip(t *testing.T) {
	d := scenarioData(t)
	moves, decisions := MovementLog(d), DecisionLog(d)
	sum := Summarize(d, scenarioNow)
	cases := []struct {
		name      string
		write     func(*bytes.Buffer) error
		header    []string
		rows      int
		timeCol   int // -1: none
		firstCell string
	}{
		{"movement log", func(b *bytes.Buffer) error { return WriteMovementLogCSV(b, moves) }, MovementEntry{}.CSVHeader(), len(moves), 0, csvTime(moves[0].OccurredAt)},
		{"decision log", func(b *bytes.Buffer) error { return WriteCSV(b, decisions) }, DecisionEntry{}.CSVHeader(), len(decisions), 0, csvTime(decisions[0].DecidedAt)},
		{"summary", func(b *bytes.Buffer) error { return WriteSummaryCSV(b, sum) }, []string{"metric", "value"}, len(sum.Metrics()), -1, "residents.total"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.write(&b); err != nil {
				t.Fatal(err)
			}
			rows := parseCSV(t, b.Bytes())
			if !slices.Equal(rows[0], c.header) {
				t.Errorf("header %q, want %q", rows[0], c.header)
			}
			if len(rows) != c.rows+1 {
				t.Errorf("%d rows, want %d and a header", len(rows)-1, c.rows)
			}
			if rows[1][0] != c.firstCell {
				t.Errorf("first cell %q, want %q", rows[1][0], c.firstCell)
			}
			for i, r := range rows[1:] {
				if len(r) != len(c.header) {
					t.Errorf("row %d has %d cells", i+1, len(r))
				}
				if c.timeCol >= 0 {
					if _, err := time.ParseInLocation(CSVTimeLayout, r[c.timeCol], london); err != nil {
						t.Errorf("row %d: time %q is not a local time a spreadsheet reads (%s)", i+1, r[c.timeCol], CSVTimeLayout)
					}
				}
			}
		})
	}
	t.Run("summary values", func(t *testing.T) {
		var b bytes.Buffer
		if err := WriteSummaryCSV(&b, sum); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range parseCSV(t, b.Bytes())[1:] {
			if _, dup := got[r[0]]; dup {
				t.Errorf("metric %s repeated", r[0])
			}
			got[r[0]] = r[1]
		}
		for k, v := range map[string]string{"residents.total": "42", "moves.completed": "3", "checklist.total.items": "99", "residents.by_funding.la_funded": "22"} {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
	})
}

func TestSafeCell_Injection(t *testing.T) {
	cases := []struct{ in, want string }{
		{"=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"},
		{"+44 1632 960200", "'+44 1632 960200"},
		{"-1+1", "'-1+1"},
		{"@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"\n=1+1", "'\n=1+1"},
		{" =1+1", "' =1+1"},
		{";=1+1", "';=1+1"},
		{"＝1+1", "'＝1+1"},
		{"＋44", "'＋44"},
		{"－1+1", "'－1+1"},
		{"＠SUM(A1)", "'＠SUM(A1)"},
		{"Ｈello", "Ｈello"},
		{"Keep the group together", "Keep the group together"},
		{"2026-11-19T11:30:00Z", "2026-11-19T11:30:00Z"},
		{"a=b", "a=b"},
		{"", ""},
	}
	for _, c := range cases {
		t.Run(strings.TrimSpace(c.in), func(t *testing.T) {
			if got := SafeCell(c.in); got != c.want {
				t.Errorf("SafeCell(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
	t.Run("through WriteCSV", func(t *testing.T) {
		rows := []DecisionEntry{{ID: "d1", DecidedAt: time.Date(2026, 11, 19, 11, 30, 0, 0, time.UTC), Decision: "=cmd|' /C calc'!A0", DecidedBy: "@admin", Rationale: "plain, with \"quotes\"\nand a new line"}}
		var b bytes.Buffer
		if err := WriteCSV(&b, rows); err != nil {
			t.Fatal(err)
		}
		got := parseCSV(t, b.Bytes())
		if len(got) != 2 {
			t.Fatalf("%d rows", len(got))
		}
		r := got[1]
		if r[1] != "'=cmd|' /C calc'!A0" || r[3] != "'@admin" {
			t.Errorf("cells not quoted: %q", r)
		}
		if r[2] != "plain, with \"quotes\"\nand a new line" {
			t.Errorf("ordinary cell changed: %q", r[2])
		}
		if r[0] != "2026-11-19 11:30" {
			t.Errorf("time cell %q", r[0])
		}
	})
}

// TestCSVTime_LocalLondonTime: CSV times are Europe/London wall-clock times
// to the minute, in GMT and in British Summer Time, as a spreadsheet reads
// them.
func TestCSVTime_LocalLondonTime(t *testing.T) {
	for _, c := range []struct {
		name string
		at   time.Time
		want string
	}{
		{"winter, GMT", time.Date(2026, 12, 7, 14, 5, 30, 0, time.UTC), "2026-12-07 14:05"},
		{"summer, BST", time.Date(2026, 7, 1, 13, 5, 0, 0, time.UTC), "2026-07-01 14:05"},
		{"late evening in summer is the next day", time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), "2026-07-01 00:30"},
		{"unknown", time.Time{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := csvTime(c.at); got != c.want {
				t.Errorf("csvTime(%s) = %q, want %q", c.at.Format(time.RFC3339), got, c.want)
			}
			var b bytes.Buffer
			if err := WriteMovementLogCSV(&b, []MovementEntry{{OccurredAt: c.at, Event: "departed"}}); err != nil {
				t.Fatal(err)
			}
			if rows := parseCSV(t, b.Bytes()); rows[1][0] != c.want {
				t.Errorf("the CSV's occurred_at is %q, want %q", rows[1][0], c.want)
			}
		})
	}
}
