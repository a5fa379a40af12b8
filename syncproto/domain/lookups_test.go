package domain_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/syncproto/schema"
)

// TestFind_NamesADeclaredLookup: every Lookup.Find call in the rules and the
// sync service names a (collection, field) pair that its schema.Collection
// declares in Lookups, so both stores index it and SQLite's Find uses the
// index. A named string constant such as MoveCorrections counts as well as a
// literal.
func TestFind_NamesADeclaredLookup(t *testing.T) {
	declared := map[[2]string]bool{}
	for _, l := range schema.Lookups() {
		declared[l] = true
	}
	for _, dir := range []string{".", "../../server/care"} {
		calls := findCalls(t, dir)
		if dir == "." && len(calls) == 0 {
			t.Fatal("found no Find calls in syncproto/domain; the scan is broken")
		}
		for _, c := range calls {
			if !declared[c.pair] {
				t.Errorf("%s: Find(%q, %q) is not declared in schema Lookups", c.pos, c.pair[0], c.pair[1])
			}
		}
	}
}

type findCall struct {
	pos  string
	pair [2]string
}

// findCalls parses the non-test Go files of dir and returns every
// x.Find(collection, field, value) call. Its first two arguments must be
// string literals or the package's own string constants; anything else fails
// the test, so that no lookup escapes the check.
func findCalls(t *testing.T, dir string) []findCall {
	t.Helper()
	fset, files := parseSources(t, dir)
	consts := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, sp := range g.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if v, ok := stringLit(vs.Values[i]); ok {
							consts[name.Name] = v
						}
					}
				}
			}
		}
	}
	var out []findCall
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 3 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Find" {
				return true
			}
			if field, ok := stringLit(call.Args[1]); ok && field == "incident_id" {
				// A collection's records in one incident (the checklist's
				// automatic evidence, the close gate): read by the scope
				// field, which every scoped collection has.
				return true
			}
			var pair [2]string
			for i := 0; i < 2; i++ {
				v, ok := stringLit(call.Args[i])
				if id, isID := call.Args[i].(*ast.Ident); !ok && isID {
					v, ok = consts[id.Name]
				}
				if !ok {
					t.Errorf("%s: Find's argument %d is not a string literal or constant", fset.Position(call.Pos()), i+1)
					return true
				}
				pair[i] = v
			}
			out = append(out, findCall{pos: fset.Position(call.Pos()).String(), pair: pair})
			return true
		})
	}
	return out
}

// parseSources parses the non-test Go files of dir.
func parseSources(t *testing.T, dir string) (*token.FileSet, []*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return fset, files
}

// stringLit returns the value of a string literal.
func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(b.Value)
	return v, err == nil
}
