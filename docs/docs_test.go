// Package docs holds Continuity's documents; its test keeps the clinical
// safety hazard log's links to code and tests true.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/rules"
)

var (
	testRef = regexp.MustCompile("`([a-z0-9_./-]+):(Test[A-Za-z0-9_]+)`")
	fileRef = regexp.MustCompile("`([a-z0-9_/-]+\\.go)`")
)

// TestHazardLog_ControlsExist fails when a control in clinical-safety.md
// names a test or a file that no longer exists.
func TestHazardLog_ControlsExist(t *testing.T) {
	doc, err := os.ReadFile("clinical-safety.md")
	if err != nil {
		t.Fatal(err)
	}
	tests := testRef.FindAllStringSubmatch(string(doc), -1)
	files := fileRef.FindAllStringSubmatch(string(doc), -1)
	if len(tests) < 20 || len(files) < 5 {
		t.Fatalf("hazard log names %d tests and %d files; the pattern or the log has changed", len(tests), len(files))
	}
	for _, m := range tests {
		pkg, name := m[1], m[2]
		t.Run(pkg+":"+name, func(t *testing.T) {
			found, err := declares(filepath.Join("..", pkg), "func "+name+"(")
			if err != nil {
				t.Fatal(err)
			}
			if !found {
				t.Errorf("clinical-safety.md names %s in %s, which does not declare it", name, pkg)
			}
		})
	}
	for _, m := range files {
		if _, err := os.Stat(filepath.Join("..", m[1])); err != nil {
			t.Errorf("clinical-safety.md names %s: %v", m[1], err)
		}
	}
}

// declares reports whether a _test.go file directly in dir contains decl.
func declares(dir, decl string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return false, err
		}
		if strings.Contains(string(b), decl) {
			return true, nil
		}
	}
	return false, nil
}

// TestDomainDoc_CodesTable keeps domain.md's table of rule-violation codes
// and the code lists the same: every code the rules (rules.AllCodes) and the
// domain's checks (domain.Codes) give has a row in plain words, and every row
// names a code that exists there or in the protocol (syncproto/errors.go).
func TestDomainDoc_CodesTable(t *testing.T) {
	doc, err := os.ReadFile("domain.md")
	if err != nil {
		t.Fatal(err)
	}
	const head = "| code | what it means to a social worker | reached |"
	i := strings.Index(string(doc), head)
	if i < 0 {
		t.Fatal("domain.md has no codes table")
	}
	row := regexp.MustCompile("^\\| `([a-z0-9_]+)` \\| ([^|]+) \\| ([^|]+) \\|$")
	table := map[string]bool{}
	for _, line := range strings.Split(string(doc[i:]), "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		m := row.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("malformed row: %s", line)
			continue
		}
		if table[m[1]] {
			t.Errorf("%s has two rows", m[1])
		}
		table[m[1]] = true
	}
	protocol, err := os.ReadFile("../syncproto/errors.go")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`Code\w+\s*=\s*"([a-z0-9_]+)"`).FindAllStringSubmatch(string(protocol), -1) {
		known[m[1]] = true
	}
	for _, c := range append(rules.AllCodes(), domain.Codes()...) {
		known[c] = true
		if !table[c] {
			t.Errorf("code %s has no row in domain.md's codes table", c)
		}
	}
	for c := range table {
		if !known[c] {
			t.Errorf("domain.md's codes table has %s, which no code list declares", c)
		}
	}
}
