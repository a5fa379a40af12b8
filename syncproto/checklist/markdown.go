package checklist

import "strings"

// Markdown renders every item's duty as the table in docs/domain.md
// ("Appendix 2: who owns each item, when it is due, who signs it off"): a
// test checks the document holds exactly this table.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| item | action | owner | due | signed off by | evidence |\n|---|---|---|---|---|---|\n")
	for _, e := range Gate().Items {
		d := e.Duty
		owner := string(d.Owner) + ": " + d.OwnerRole
		if d.OwnerSource == SourceItemText {
			owner += " (the item's words)"
		}
		b.WriteString("| " + e.Number + " | " + cell(short(e.Text, 70)) + " | " + cell(owner) + " | " + cell(d.Due.Text) + " | " +
			strings.Join(d.SignOff, ", ") + " | " + cell(evidenceWords(d)) + " |\n")
	}
	return b.String()
}

// evidenceWords says in words what evidence an item needs and which records
// show it without anyone linking them.
func evidenceWords(d Duty) string {
	var auto []string
	for _, a := range d.Auto {
		auto = append(auto, a.Label+" (`"+a.Collection+"`)")
	}
	switch {
	case d.EvidenceRequired && len(auto) > 0:
		return "required; shown by " + strings.Join(auto, ", ")
	case d.EvidenceRequired:
		return "required, linked"
	case len(auto) > 0:
		return "optional; shown by " + strings.Join(auto, ", ")
	}
	return "optional"
}

// short cuts text at a word boundary to at most n characters.
func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndex(cut, " "); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// cell escapes a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
