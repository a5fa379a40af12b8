package domain_test

import (
	"go/ast"
	"testing"

	"github.com/continuity-care/continuity/syncproto/schema"
)

// fieldReaders are the helpers that read a record's field by name, and the
// index of their first field-name argument (every argument from there on
// names a field).
var fieldReaders = map[string]int{
	"str": 1, "boolean": 1, "integer": 1, "instant": 1, "instantOf": 1, "boolPtr": 1, "strs": 1,
	"StringValue": 1, "touches": 1, "changed": 2, "rawChanged": 2, "Value": 0,
}

// TestFieldReads_NameSchemaFields: every field the rules, the reports, the
// sync service and the API read from a record by a string literal (str(r,
// "status"), touches(c, "to_service_id"), r.Value("evidence"), …) is a field
// some collection declares in the schema. A misspelt or removed field would
// otherwise read as absent, silently. (The literal is not tied to its
// collection: that would need type information the record does not carry.)
func TestFieldReads_NameSchemaFields(t *testing.T) {
	known := map[string]bool{}
	for _, c := range schema.Domain() {
		for _, f := range c.Fields {
			known[f.Name] = true
		}
	}
	total := 0
	for _, dir := range []string{".", "../../server/reports", "../../server/care", "../../server/api"} {
		for _, r := range fieldReads(t, dir) {
			total++
			if !known[r.field] {
				t.Errorf("%s: reads field %q, which no collection declares", r.pos, r.field)
			}
		}
	}
	t.Logf("%d literal field reads checked", total)
	if total < 300 {
		t.Fatalf("found only %d literal field reads; the scan is broken", total)
	}
}

type fieldRead struct{ pos, field string }

// fieldReads parses the non-test Go files of dir and returns the string
// literals passed as field names to the fieldReaders.
func fieldReads(t *testing.T, dir string) []fieldRead {
	t.Helper()
	fset, files := parseSources(t, dir)
	var out []fieldRead
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
				if name != "Value" && name != "StringValue" {
					return true
				}
			default:
				return true
			}
			from, ok := fieldReaders[name]
			if !ok || (name == "Value" && len(call.Args) != 1) {
				return true
			}
			for _, a := range call.Args[min(from, len(call.Args)):] {
				if v, ok := stringLit(a); ok {
					out = append(out, fieldRead{pos: fset.Position(a.Pos()).String(), field: v})
				}
			}
			return true
		})
	}
	return out
}
