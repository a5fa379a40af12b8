package schema

import "testing"

// TestCollection_Retention: every collection says how long its records
// are kept (a default rule, the market's no-rule, or undecided), so a new
// collection cannot be left out of the retention policy unnoticed.
func TestCollection_Retention(t *testing.T) {
	known := map[string]bool{RetainCareRecord: true, RetainIncidentRecord: true, RetainConcern: true, RetainMarket: true, RetainUndecided: true}
	for _, c := range Domain() {
		t.Run(c.Name, func(t *testing.T) {
			if !known[c.Retention] {
				t.Fatalf("Retention = %q; give one of the Retain… constants", c.Retention)
			}
			if c.Retention == RetainMarket && c.ScopeField != "" {
				t.Fatalf("an incident's records are about people, not the market: give a retention rule")
			}
			if (c.Retention == RetainCareRecord || c.Retention == RetainIncidentRecord) && c.ScopeField == "" {
				t.Fatalf("%s counts from the incident's closure, but the collection is not incident-scoped", c.Retention)
			}
		})
	}
}

// TestCollection_AboutOnePerson: a collection whose records a subject-access
// export follows is incident-scoped and each record names its one person
// (a required reference to residents).
func TestCollection_AboutOnePerson(t *testing.T) {
	n := 0
	for _, c := range Domain() {
		if !c.AboutOnePerson {
			continue
		}
		n++
		t.Run(c.Name, func(t *testing.T) {
			if c.ScopeField == "" {
				t.Fatal("not incident-scoped")
			}
			for _, f := range c.Fields {
				if f.Ref == "residents" && f.Required {
					return
				}
			}
			t.Fatal("no required field naming the resident (a Ref to residents)")
		})
	}
	if n == 0 {
		t.Fatal("no collection is about one person: the export would follow nothing")
	}
}

// TestField_Ref: a reference declares an incident-scoped collection of the
// domain as its target, and only on an incident-scoped collection.
func TestField_Ref(t *testing.T) {
	reg := NewDomainRegistry()
	for _, c := range Domain() {
		for _, f := range c.Fields {
			if f.Ref == "" {
				continue
			}
			t.Run(c.Name+"."+f.Name, func(t *testing.T) {
				target, ok := reg.Collection(f.Ref)
				switch {
				case c.ScopeField == "":
					t.Fatal("a collection of no incident cannot hold an incident reference")
				case !ok || target.ScopeField == "":
					t.Fatalf("Ref %q is not an incident-scoped collection", f.Ref)
				case f.Tag != "uuid":
					t.Fatalf("a reference is a uuid, not %q", f.Tag)
				}
			})
		}
		col, _ := reg.Collection(c.Name)
		if got, want := len(col.References()), len(refsOf(c.Fields)); got != want {
			t.Errorf("%s: References() has %d fields, the declaration %d", c.Name, got, want)
		}
	}
}
