package domain

import (
	"slices"
	"testing"

	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// TestObligationRequirements_NameRealFieldsAndCodes: every obligation rule
// is on a declared collection, names one of its fields (so a refusal points
// the person at it), carries a code of rules.AllCodes and a message, and is
// exported with the collection for the devices.
func TestObligationRequirements_NameRealFieldsAndCodes(t *testing.T) {
	reg := Registry(Options{})
	exported := map[string]schema.ExportedCollection{}
	for _, c := range reg.Export().Collections {
		exported[c.Name] = c
	}
	for col, reqs := range rules.ObligationRequirements {
		t.Run(col, func(t *testing.T) {
			ec, ok := exported[col]
			if !ok {
				t.Fatalf("%s is not a declared collection", col)
			}
			if len(ec.Requirements) < len(reqs) {
				t.Fatalf("%s exports %d requirements, want at least %d", col, len(ec.Requirements), len(reqs))
			}
			for _, r := range reqs {
				if !slices.ContainsFunc(ec.Fields, func(f schema.ExportedField) bool { return f.Name == r.Field }) {
					t.Errorf("%s: %s names no field %q", col, r.Code, r.Field)
				}
				if !slices.Contains(rules.AllCodes(), r.Code) {
					t.Errorf("%s: code %q is not in rules.AllCodes", col, r.Code)
				}
				if r.Message == "" || r.Applies != "always" {
					t.Errorf("%s: %s has message %q, applies %q", col, r.Code, r.Message, r.Applies)
				}
			}
		})
	}
}
