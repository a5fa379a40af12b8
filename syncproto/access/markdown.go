package access

import (
	"sort"
	"strings"
)

// Markdown renders the permission table for docs/security.md.
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
	return b.String()
}
