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
	for i, e := range entries {
		if !re.MatchString(e.Name()) {
			t.Fatalf("%s is not NNNNN_name.sql", e.Name())
		}
		if want := fmt.Sprintf("%05d_", i+1); !strings.HasPrefix(e.Name(), want) {
			t.Fatalf("%s out of sequence; want %s", e.Name(), want)
		}
	}
}
