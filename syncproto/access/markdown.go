package access

import (
	"sort"
	"strings"
)

// Markdown renders the permission table for docs/security.md: who may
// write what, then who may read the read-restricted collections.
func Markdown() string {
	roles := make([]string, 0, len(Table))
	for r := range Table {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	var b strings.Builder
	b.WriteString("| role | collection | may | only fields |\n|---|---|---|---|\n")
	for _, r := range roles {
		cols := make([]string, 0, len(Table[r]))
		for c := range Table[r] {
			cols = append(cols, c)
		}
		sort.Strings(cols)
		for _, c := range cols {
			rule := Table[r][c]
			ops := make([]string, len(rule.Ops))
			for i, o := range rule.Ops {
				ops[i] = string(o)
			}
			b.WriteString("| " + r + " | " + c + " | " + strings.Join(ops, ", ") + " | " + strings.Join(rule.Fields, ", ") + " |\n")
		}
	}
	b.WriteString("\n| read-restricted collection | readable by |\n|---|---|\n")
	restricted := make([]string, 0, len(ReadRestricted))
	for c := range ReadRestricted {
		restricted = append(restricted, c)
	}
	sort.Strings(restricted)
	for _, c := range restricted {
		readers := append([]string(nil), ReadRestricted[c]...)
		sort.Strings(readers)
		b.WriteString("| " + c + " | " + strings.Join(readers, ", ") + " |\n")
	}
	return b.String()
}
