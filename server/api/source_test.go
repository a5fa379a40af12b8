package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestSource_FiberStrings keeps Fiber's reused buffers out of the handlers:
// request strings and bodies are taken only through param, query, header
// and readBody, which copy, so nothing kept beyond a request (a metric
// label, a log attribute, a value handed to the store) can change under it.
func TestSource_FiberStrings(t *testing.T) {
	raw := map[string]bool{"Params": true, "Query": true, "Get": true, "Body": true, "BodyRaw": true, "Cookies": true, "FormValue": true, "Queries": true, "AllParams": true}
	allowed := map[string]bool{"param": true, "query": true, "header": true, "readLimited": true}
	fset, files := parseSources(t)
	checked := 0
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || allowed[fn.Name.Name] {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || !raw[sel.Sel.Name] {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "c" {
					t.Errorf("%s: %s calls c.%s: use param, query, header or bodyOf", fset.Position(call.Pos()), fn.Name.Name, sel.Sel.Name)
				}
				if inner, ok := sel.X.(*ast.CallExpr); ok {
					if s2, ok := inner.Fun.(*ast.SelectorExpr); ok && s2.Sel.Name == "Request" && sel.Sel.Name == "Body" {
						t.Errorf("%s: %s reads the body outside readBody", fset.Position(call.Pos()), fn.Name.Name)
					}
				}
				return true
			})
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("only %d functions checked", checked)
	}
}

// TestSource_ClientAddress keeps the per-address limits on clientIP: no
// c.IP() or c.IPs() (the connection's address, or with a proxy header set
// what the client wrote in it), and no limiter without a KeyGenerator
// (its default key is c.IP()).
func TestSource_ClientAddress(t *testing.T) {
	fset, files := parseSources(t)
	limiters := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "c" && (n.Sel.Name == "IP" || n.Sel.Name == "IPs") {
					t.Errorf("%s: c.%s: use s.clientIP(c)", fset.Position(n.Pos()), n.Sel.Name)
				}
			case *ast.CompositeLit:
				sel, ok := n.Type.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Config" {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "limiter" {
					return true
				}
				limiters++
				keyed := false
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "KeyGenerator" {
							keyed = true
						}
					}
				}
				if !keyed {
					t.Errorf("%s: limiter.Config without a KeyGenerator counts by c.IP()", fset.Position(n.Pos()))
				}
			}
			return true
		})
	}
	if limiters < 2 {
		t.Fatalf("only %d limiters found", limiters)
	}
}

// parseSources parses the package's Go files, tests left out.
func parseSources(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return fset, files
}
