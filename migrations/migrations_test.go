package migrations_test

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/migrations"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// TestSQLite_ViewPerCollection: every synced collection has a reporting view.
func TestSQLite_ViewPerCollection(t *testing.T) {
	var all strings.Builder
	err := fs.WalkDir(migrations.SQLite(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.SQLite(), p)
		all.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	views := map[string]bool{}
	for _, m := range regexp.MustCompile(`CREATE VIEW v_(\w+)`).FindAllStringSubmatch(all.String(), -1) {
		views[m[1]] = true
	}
	for _, c := range schema.Domain() {
		t.Run(c.Name, func(t *testing.T) {
			if !views[c.Name] {
				t.Fatalf("no view v_%s in migrations/sqlite", c.Name)
			}
		})
	}
}

func TestSQLite_Numbered(t *testing.T) {
	entries, err := fs.ReadDir(migrations.SQLite(), ".")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\d{5}_[a-z0-9_]+\.sql$`)
	// Numbers rise by one, except across numbers reserved for work still
	// on its branch (migration numbers are handed out ahead): a gap is
	// allowed, a repeat or a step back is not.
	last := 0
	for _, e := range entries {
		if !re.MatchString(e.Name()) {
			t.Fatalf("%s is not NNNNN_name.sql", e.Name())
		}
		var n int
		if _, err := fmt.Sscanf(e.Name()[:5], "%d", &n); err != nil || n <= last {
			t.Fatalf("%s out of sequence after %05d", e.Name(), last)
		}
		last = n
	}
}
