package schema_test

import (
	"regexp"
	"testing"

	"github.com/continuity-care/continuity/syncproto/schema"
)

// TestRegistry_Export: every field with a Go check carries its declarative
// Spec (so clients apply it too), patterns compile, and the version follows
// the content.
func TestRegistry_Export(t *testing.T) {
	reg := schema.NewDomainRegistry()
	exp := reg.Export()
	for _, name := range reg.Names() {
		col, _ := reg.Collection(name)
		for _, f := range col.Fields {
			if f.Check != nil && f.Spec == nil {
				t.Errorf("%s.%s has a Check but no Spec: clients cannot apply it", name, f.Name)
			}
			if f.Spec != nil && f.Spec.Type == schema.SpecPattern {
				if _, err := regexp.Compile(f.Spec.Pattern); err != nil {
					t.Errorf("%s.%s: %v", name, f.Name, err)
				}
			}
		}
	}
	if len(exp.Collections) != len(reg.Names()) || exp.Formats["uk_postcode"] == "" || len(exp.Version) != 16 {
		t.Fatalf("export: %d collections, formats %v, version %q", len(exp.Collections), exp.Formats, exp.Version)
	}
	if again := schema.NewDomainRegistry().Export(); again.Version != exp.Version {
		t.Errorf("version not stable: %s then %s", exp.Version, again.Version)
	}
	other, err := schema.NewRegistry(schema.Core()...)
	if err != nil {
		t.Fatal(err)
	}
	if other.Export().Version == exp.Version {
		t.Error("a different registry has the same version")
	}
}
