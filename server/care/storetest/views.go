package storetest

import (
	"testing"

	"github.com/continuity-care/continuity/syncproto/schema"
)

// ViewsHaveEveryField checks that after every migration each synced
// collection's reporting view v_<collection> has a column for every field
// the schema declares, so a field added to a collection cannot be missing
// from what back-office staff query (move_legs.belongings_checked once
// was). columns returns a view's column names as the store's database
// lists them (none for no view).
func ViewsHaveEveryField(t *testing.T, columns func(t *testing.T, view string) []string) {
	for _, c := range schema.Domain() {
		t.Run(c.Name, func(t *testing.T) {
			cols := map[string]bool{}
			for _, n := range columns(t, "v_"+c.Name) {
				cols[n] = true
			}
			if len(cols) == 0 {
				t.Fatalf("no view v_%s", c.Name)
			}
			for _, f := range c.Fields {
				if !cols[f.Name] {
					t.Errorf("v_%s has no column %s", c.Name, f.Name)
				}
			}
		})
	}
}

// LookupsAreIndexed checks that every lookup the schema declares has its
// index, records_<collection>_by_<field>; indexed reports whether the
// store's database holds an index of that name.
func LookupsAreIndexed(t *testing.T, indexed func(t *testing.T, name string) bool) {
	for _, l := range schema.Lookups() {
		name := "records_" + l[0] + "_by_" + l[1]
		if !indexed(t, name) {
			t.Errorf("lookup %s.%s has no index %s", l[0], l[1], name)
		}
	}
}
