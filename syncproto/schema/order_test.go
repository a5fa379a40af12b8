package schema_test

import (
	"strings"
	"testing"

	"github.com/continuity-care/continuity/syncproto/schema"
)

func TestNewRegistry_Order(t *testing.T) {
	date := func(n string) schema.Field { return schema.Field{Name: n, Kind: schema.String, Tag: "date"} }
	instant := func(n string) schema.Field { return schema.Field{Name: n, Kind: schema.String, Tag: "rfc3339"} }
	cases := []struct {
		name  string
		col   schema.Collection
		wants string
	}{
		{"two dates", schema.Collection{Name: "c", Fields: []schema.Field{date("a"), date("b")}, Order: []schema.FieldOrder{{Earlier: "a", Later: "b"}}}, ""},
		{"an undeclared field", schema.Collection{Name: "c", Fields: []schema.Field{date("a")}, Order: []schema.FieldOrder{{Earlier: "a", Later: "b"}}}, "undeclared"},
		{"a date and a time", schema.Collection{Name: "c", Fields: []schema.Field{date("a"), instant("b")}, Order: []schema.FieldOrder{{Earlier: "a", Later: "b"}}}, "both must be dates or both times"},
		{"not dates", schema.Collection{Name: "c", Fields: []schema.Field{{Name: "a", Kind: schema.String}, {Name: "b", Kind: schema.String}}, Order: []schema.FieldOrder{{Earlier: "a", Later: "b"}}}, "both must be dates or both times"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schema.NewRegistry(tc.col)
			if tc.wants == "" && err != nil || tc.wants != "" && (err == nil || !strings.Contains(err.Error(), tc.wants)) {
				t.Fatalf("NewRegistry = %v, want %q", err, tc.wants)
			}
		})
	}
	t.Run("the domain declares its pairs", func(t *testing.T) {
		reg := schema.MustRegistry(schema.Domain()...)
		c, _ := reg.Collection("concerns")
		if len(c.Order) == 0 || c.Order[0] != (schema.FieldOrder{Earlier: "raised_on", Later: "resolved_on"}) {
			t.Fatalf("concerns order = %v", c.Order)
		}
	})
}
