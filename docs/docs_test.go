// Package docs holds Continuity's documents; its test keeps the clinical
// safety hazard log's links to code and tests true.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
