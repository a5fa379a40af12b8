package care_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
)

// marketRefs are reference fields naming records of no incident.
var marketRefs = map[string]bool{
	"provider_id": true, "service_id": true, "from_service_id": true, "to_service_id": true,
	"current_service_id": true, "service_ids": true, "concern_ids": true,
	"visit_service_id": true, "discharged_to_service_id": true, "preferred_service_ids": true,
}

// TestReferences_CoverDomain: every field of an incident-scoped collection
// that names another record either declares its target (schema.Field.Ref),
// an incident-scoped collection, or names a market record: a new reference
// field cannot be added without deciding which.
func TestReferences_CoverDomain(t *testing.T) {
	reg := domain.Registry(domain.Options{})
	for _, name := range reg.Names() {
		col, _ := reg.Collection(name)
		if col.ScopeField == "" {
			if len(col.References()) > 0 {
				t.Errorf("%s is not incident-scoped but has references", name)
			}
			continue
		}
		for _, f := range col.Fields {
			if f.Name == col.ScopeField || !(strings.HasSuffix(f.Name, "_id") || strings.HasSuffix(f.Name, "_ids")) {
				continue
			}
			if name == "conflicts" && f.Name == "record_id" || strings.HasSuffix(f.Name, "change_id") {
				continue // a conflict names its record by collection and record_id; change ids are not records
			}
			target, ok := col.References()[f.Name]
			switch {
			case ok:
				tc, known := reg.Collection(target)
				if !known || tc.ScopeField == "" {
					t.Errorf("%s.%s refers to %q, which is not an incident-scoped collection", name, f.Name, target)
				}
			case marketRefs[f.Name]:
			default:
				t.Errorf("%s.%s names a record but declares no Ref and is not a market reference", name, f.Name)
			}
		}
	}
}

func TestSettleScope(t *testing.T) {
	cases := []struct {
		name, stored, derived, want string
		refused                     bool
	}{
		{"new record", "", "a", "a", false},
		{"unscoped", "", "", "", false},
		{"same", "a", "a", "a", false},
		{"tombstone derives nothing", "a", "", "a", false},
		{"another incident", "a", "b", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, e := care.SettleScope(tc.stored, tc.derived)
			if got != tc.want || (e != nil) != tc.refused {
				t.Fatalf("SettleScope(%q, %q) = %q, %v", tc.stored, tc.derived, got, e)
			}
			if e != nil && e.Code != syncproto.CodeIncidentChanged {
				t.Fatalf("code = %s", e.Code)
			}
		})
	}
}

func TestSameContent(t *testing.T) {
	base := syncproto.Change{ID: "x", Collection: "residents", RecordID: "r", Op: syncproto.OpUpsert,
		Fields: map[string]json.RawMessage{"notes": json.RawMessage(`"a<b"`), "n": json.RawMessage(`1`)},
		HLC:    syncproto.HLC{Wall: 1, Node: "tab-1"}, DeviceID: "tab-1"}
	with := func(f func(c *syncproto.Change)) syncproto.Change {
		c := base
		c.Fields = map[string]json.RawMessage{}
		for k, v := range base.Fields {
			c.Fields[k] = v
		}
		f(&c)
		return c
	}
	cases := []struct {
		name string
		c    syncproto.Change
		same bool
	}{
		{"identical", base, true},
		{"re-stamped by another device", with(func(c *syncproto.Change) {
			c.HLC = syncproto.HLC{Wall: 9, Node: "tab-2"}
			c.DeviceID = "tab-2"
			c.Seen = "c1.x"
		}), true},
		{"escaped as the log stores it", with(func(c *syncproto.Change) { c.Fields["notes"] = json.RawMessage(`"a\u003cb"`) }), true},
		{"other value", with(func(c *syncproto.Change) { c.Fields["notes"] = json.RawMessage(`"b"`) }), false},
		{"other field", with(func(c *syncproto.Change) { delete(c.Fields, "n"); c.Fields["m"] = json.RawMessage(`1`) }), false},
		{"fewer fields", with(func(c *syncproto.Change) { delete(c.Fields, "n") }), false},
		{"other record", with(func(c *syncproto.Change) { c.RecordID = "s" }), false},
		{"other op", with(func(c *syncproto.Change) { c.Op = syncproto.OpDelete; c.Fields = nil }), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := care.SameContent(base, tc.c); got != tc.same {
				t.Fatalf("SameContent = %v, want %v", got, tc.same)
			}
		})
	}
}
