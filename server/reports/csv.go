package reports

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// CSVRow is a row type WriteCSV can write: MovementEntry, DecisionEntry and
// Metric.
type CSVRow interface {
	// CSVHeader returns the column names, the same for every value.
	CSVHeader() []string
	// CSVRecord returns the row's cells, in CSVHeader's order, unescaped.
	CSVRecord() []string
}

// BOM is the UTF-8 byte order mark a CSV starts with, so that Excel reads
// the file as UTF-8 and shows names such as Siân, Zoë or Llŷr as written.
const BOM = "\ufeff"

// WriteCSV writes the UTF-8 byte order mark (BOM), a header row and then one
// row per entry, RFC 4180 style (CRLF line ends), times as local
// Europe/London wall-clock times a spreadsheet reads as dates, such as
// "2026-12-07 14:05" (CSVTimeLayout; empty when unknown). Every cell
// that a spreadsheet may read as a formula (SafeCell) is prefixed with a
// single quote, so an exported log cannot run anything when opened.
func WriteCSV[R CSVRow](w io.Writer, rows []R) error {
	var zero R
	if _, err := io.WriteString(w, BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(safeCells(zero.CSVHeader())); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(safeCells(r.CSVRecord())); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteSummaryCSV writes the summary as metric,value rows, one per figure,
// in Summary.Metrics order.
func WriteSummaryCSV(w io.Writer, s Summary) error { return WriteCSV(w, s.Metrics()) }

// SafeCell returns a cell with a single quote put before a first character
// that a spreadsheet may read as the start of a formula (CSV or formula
// injection): = + - @ and their fullwidth forms ＝ ＋ － ＠ (which some
// spreadsheets fold to ASCII), and the whitespace and separators some of
// them skip or split on before looking (tab, line feed, carriage return,
// space, ;).
func SafeCell(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '=', '+', '-', '@', '\t', '\n', '\r', ' ', ';', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}

func safeCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = SafeCell(c)
	}
	return out
}

// CSVTimeLayout is how a CSV writes a time: Europe/London local time to
// the minute, the form Excel and LibreOffice read as a date and time
// (RFC 3339's "T" and "Z" make them text).
const CSVTimeLayout = "2006-01-02 15:04"

// csvTime formats a time as CSVTimeLayout in Europe/London, or "" for the
// zero time.
func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format(CSVTimeLayout)
}

// CSVHeader returns the movement log's columns.
func (MovementEntry) CSVHeader() []string {
	return []string{"occurred_at", "event", "resident_id", "resident_name", "move_id", "from_service_id", "from_service_name", "to_service_id", "to_service_name", "recorded_by", "notes", "id"}
}

// CSVRecord returns the entry's cells.
func (e MovementEntry) CSVRecord() []string {
	return []string{csvTime(e.OccurredAt), e.Event, e.ResidentID, e.ResidentName, e.MoveID, e.FromServiceID, e.FromServiceName, e.ToServiceID, e.ToServiceName, e.RecordedBy, e.Notes, e.ID}
}

// CSVHeader returns the decision log's columns.
func (DecisionEntry) CSVHeader() []string {
	return []string{"decided_at", "decision", "rationale", "decided_by", "role", "resident_id", "resident_name", "meeting_id", "recorded_by", "id"}
}

// CSVRecord returns the entry's cells.
func (e DecisionEntry) CSVRecord() []string {
	return []string{csvTime(e.DecidedAt), e.Decision, e.Rationale, e.DecidedBy, e.Role, e.ResidentID, e.ResidentName, e.MeetingID, e.RecordedBy, e.ID}
}

// CSVHeader returns the summary CSV's columns.
func (Metric) CSVHeader() []string { return []string{"metric", "value"} }

// CSVRecord returns the metric's cells.
func (m Metric) CSVRecord() []string { return []string{m.Name, strconv.Itoa(m.Value)} }

// WriteMovementLogCSV writes the movement log as CSV (WriteCSV).
func WriteMovementLogCSV(w io.Writer, rows []MovementEntry) error { return WriteCSV(w, rows) }

// WriteDecisionLogCSV writes the decision log as CSV (WriteCSV).
func WriteDecisionLogCSV(w io.Writer, rows []DecisionEntry) error { return WriteCSV(w, rows) }
