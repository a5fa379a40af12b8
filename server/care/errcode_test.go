package care_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
)

// sentinels are care's exported sentinel errors by name; the test below
// checks the list against the package's source, so a new sentinel cannot
// be left out of it (or of the table).
var sentinels = map[string]error{
	"ErrNotFound":         care.ErrNotFound,
	"ErrExists":           care.ErrExists,
	"ErrTokenReused":      care.ErrTokenReused,
	"ErrTokenRevoked":     care.ErrTokenRevoked,
	"ErrDeviceRevoked":    care.ErrDeviceRevoked,
	"ErrCodeSpent":        care.ErrCodeSpent,
	"ErrCodeExpired":      care.ErrCodeExpired,
	"ErrHandoffSpent":     care.ErrHandoffSpent,
	"ErrRetentionChanged": care.ErrRetentionChanged,
	"ErrCursor":           care.ErrCursor,
}

// declaredSentinels returns the names of the package-level Err… variables
// declared with errors.New in care's non-test source.
func declaredSentinels(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, sp := range g.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "Err") || i >= len(vs.Values) {
						continue
					}
					if c, ok := vs.Values[i].(*ast.CallExpr); ok {
						if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "New" {
							names = append(names, n.Name)
						}
					}
				}
			}
		}
	}
	return names
}

func TestCoded_EverySentinelMaps(t *testing.T) {
	declared := declaredSentinels(t)
	if len(declared) == 0 {
		t.Fatal("found no sentinel errors in care's source")
	}
	for _, name := range declared {
		t.Run(name, func(t *testing.T) {
			s, ok := sentinels[name]
			if !ok {
				t.Fatalf("care.%s is declared but not listed in this test's sentinels (and so maybe not in codeOfSentinel)", name)
			}
			var row care.SentinelCode
			for _, r := range care.SentinelCodes() {
				if r.Err == s {
					row = r
				}
			}
			if row.Code == "" || row.Credential == "" {
				t.Fatalf("care.%s has no row in the sentinel table (sentinelCodes)", name)
			}
			for _, c := range []struct {
				coded func(error, string, string, ...any) error
				code  string
			}{{care.Coded, row.Code}, {care.CodedCredential, row.Credential}} {
				var pe *syncproto.Error
				if err := c.coded(fmt.Errorf("store: %w", s), "field", "words %d", 1); !errors.As(err, &pe) ||
					!reflect.DeepEqual(*pe, syncproto.Error{Code: c.code, Field: "field", Message: "words 1"}) {
					t.Fatalf("coded %s = %v, want code %s on field with the words", name, err, c.code)
				}
			}
		})
	}
	if len(sentinels) != len(declared) {
		t.Fatalf("the test lists %d sentinels, care declares %d (%v)", len(sentinels), len(declared), declared)
	}
}

func TestCoded_OtherErrorsStayUncoded(t *testing.T) {
	err := care.Coded(errors.New("disk on fire"), "field", "no user %q", "x")
	if errors.As(err, new(*syncproto.Error)) {
		t.Fatalf("an error wrapping no sentinel became coded: %v", err)
	}
	if err.Error() != `no user "x": disk on fire` {
		t.Fatalf("Coded = %q", err)
	}
	if err := care.CodedCredential(errors.New("disk on fire"), "token", "refused"); errors.As(err, new(*syncproto.Error)) {
		t.Fatalf("an error wrapping no sentinel became coded: %v", err)
	}
}
