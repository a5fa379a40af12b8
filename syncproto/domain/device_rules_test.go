package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// codeIndex maps each function of a package's source to the rule codes it
// names (rules.Code* constants and string literals given to
// syncproto.Errorf) and the functions it calls, so the codes a function can
// raise are found by following calls.
type codeIndex struct {
	codes map[string]map[string]bool // function -> codes
	calls map[string]map[string]bool // function -> called functions ("pkg.Name" or "Name")
	files map[string][]string        // file -> functions declared in it
}

// sourceFiles parses the non-test Go files of a directory, by path.
func sourceFiles(t *testing.T, dir string) map[string]*ast.File {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*ast.File{}
	fset := token.NewFileSet()
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = f
	}
	return out
}

// constValues maps the rules package's Code* constants to their values.
func constValues(files map[string]*ast.File) map[string]string {
	out := map[string]string{}
	{
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				vs, ok := n.(*ast.ValueSpec)
				if !ok {
					return true
				}
				for i, name := range vs.Names {
					if strings.HasPrefix(name.Name, "Code") && i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							out[name.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
				return true
			})
		}
	}
	return out
}

// index reads a package's non-test source; prefix qualifies its function
// names ("rules." for package rules, "" for this package).
func index(t *testing.T, dir, prefix string, ruleCodes map[string]string) *codeIndex {
	t.Helper()
	files := sourceFiles(t, dir)
	own := constValues(files)
	if ruleCodes == nil {
		ruleCodes = own
	}
	ix := &codeIndex{codes: map[string]map[string]bool{}, calls: map[string]map[string]bool{}, files: map[string][]string{}}
	{
		for path, f := range files {
			for _, d := range f.Decls {
				// Functions, and package variables (rules written as data,
				// such as rules.TwoStageRequirements).
				var name string
				var body ast.Node
				switch x := d.(type) {
				case *ast.FuncDecl:
					if x.Body == nil {
						continue
					}
					// A method is indexed by its bare name, as a call to it
					// (j.load(), or the method value (*T).load) is seen.
					name, body = prefix+x.Name.Name, x.Body
				case *ast.GenDecl:
					if x.Tok != token.VAR || len(x.Specs) != 1 {
						continue
					}
					vs := x.Specs[0].(*ast.ValueSpec)
					if len(vs.Names) != 1 || len(vs.Values) != 1 {
						continue
					}
					name, body = prefix+vs.Names[0].Name, vs.Values[0]
				default:
					continue
				}
				ix.files[filepath.Base(path)] = append(ix.files[filepath.Base(path)], name)
				codes, calls := map[string]bool{}, map[string]bool{}
				ast.Inspect(body, func(n ast.Node) bool {
					switch x := n.(type) {
					case *ast.SelectorExpr:
						if id, ok := x.X.(*ast.Ident); ok {
							if id.Name == "rules" && strings.HasPrefix(x.Sel.Name, "Code") {
								codes[ruleCodes[x.Sel.Name]] = true
							}
							if id.Name == "rules" && !strings.HasPrefix(x.Sel.Name, "Code") {
								calls["rules."+x.Sel.Name] = true
							}
						}
					case *ast.Ident:
						if prefix == "rules." && strings.HasPrefix(x.Name, "Code") && ruleCodes[x.Name] != "" {
							codes[ruleCodes[x.Name]] = true
						} else if prefix == "" && strings.HasPrefix(x.Name, "Code") && own[x.Name] != "" {
							codes[own[x.Name]] = true // the domain's own codes (codes.go)
						} else {
							calls[prefix+x.Name] = true
						}
					case *ast.CallExpr:
						if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Errorf" && isIdent(sel.X, "syncproto") && len(x.Args) > 0 {
							if lit, ok := x.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								c, _ := strconv.Unquote(lit.Value)
								codes[c] = true
							}
						}
					}
					return true
				})
				ix.codes[name], ix.calls[name] = codes, calls
			}
		}
	}
	return ix
}

// reach returns the codes the functions can raise, following calls through
// the indexes.
func reach(start []string, ixs ...*codeIndex) map[string]bool {
	out, seen := map[string]bool{}, map[string]bool{}
	var walk func(string)
	walk = func(fn string) {
		if seen[fn] {
			return
		}
		seen[fn] = true
		for _, ix := range ixs {
			for c := range ix.codes[fn] {
				out[c] = true
			}
			for c := range ix.calls[fn] {
				walk(c)
			}
		}
	}
	for _, fn := range start {
		walk(fn)
	}
	return out
}

// TestDeviceRules_EveryServerRuleReachesTheDevice: for every collection the
// field app or the console writes, each rule code the server can raise on
// it (found by reading the domain wiring and the rules it calls) is either
// exported as data in the schema (a record requirement) or listed in
// ServerOnlyRules with a reason. A new server rule on such a collection
// fails this test until the device gets it or someone writes down why not.
func TestDeviceRules_EveryServerRuleReachesTheDevice(t *testing.T) {
	rulesIx := index(t, filepath.Join("..", "rules"), "rules.", nil)
	codes := constValues(sourceFiles(t, filepath.Join("..", "rules")))
	domIx := index(t, ".", "", codes)
	exported := map[string]map[string]bool{}
	for _, c := range Registry(Options{}).Export().Collections {
		exported[c.Name] = map[string]bool{}
		for _, r := range c.Requirements {
			exported[c.Name][r.Code] = true
		}
	}
	for _, col := range DeviceWrittenCollections {
		t.Run(col.Name, func(t *testing.T) {
			var start []string
			for _, file := range col.Sources {
				fns, ok := domIx.files[file]
				if !ok {
					t.Fatalf("%s: no functions found in %s", col.Name, file)
				}
				start = append(start, fns...)
			}
			raised := reach(start, domIx, rulesIx)
			delete(raised, "internal")
			delete(raised, "")
			var missing []string
			for c := range raised {
				if exported[col.Name][c] {
					continue
				}
				if reason := ServerOnlyRules[col.Name][c]; strings.TrimSpace(reason) == "" {
					missing = append(missing, c)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("the server can refuse a %s change with %v, which the device cannot check: export the rule as data (rules.Requirement on the collection) or add it to ServerOnlyRules with the reason", col.Name, missing)
			}
			for c := range ServerOnlyRules[col.Name] {
				if !raised[c] {
					t.Errorf("ServerOnlyRules lists %s for %s, which the server no longer raises there: remove it", c, col.Name)
				}
				if exported[col.Name][c] {
					t.Errorf("ServerOnlyRules lists %s for %s, which is exported as data: remove it", c, col.Name)
				}
			}
		})
	}
}

// isIdent reports whether e is the identifier name.
func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
