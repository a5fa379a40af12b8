package domain

import (
	"encoding/json"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// boolPtr is a boolean field's value, nil when unset.
func boolPtr(r *syncproto.Record, name string) *bool {
	if b, ok := boolean(r, name); ok {
		return &b
	}
	return nil
}

// fieldsOf decodes a record's current values (nil for a record that does not
// exist or is deleted).
func fieldsOf(r *syncproto.Record) rules.Fields {
	if r == nil || !r.Exists() || r.Deleted() {
		return nil
	}
	f := rules.Fields{}
	for name, v := range r.Fields {
		var x any
		if json.Unmarshal(v.Value, &x) == nil {
			f[name] = x
		}
	}
	f[rules.FieldID] = r.ID
	return f
}

func str(r *syncproto.Record, name string) string { return schema.StringValue(r, name) }

func boolean(r *syncproto.Record, name string) (bool, bool) {
	if r == nil {
		return false, false
	}
	var b bool
	if v := r.Value(name); v != nil && json.Unmarshal(v, &b) == nil {
		return b, true
	}
	return false, false
}

func integer(r *syncproto.Record, name string) int {
	if r == nil {
		return 0
	}
	var n int
	_ = json.Unmarshal(r.Value(name), &n)
	return n
}

func instant(r *syncproto.Record, name string) time.Time {
	s := str(r, name)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t
	}
	return time.Time{}
}

func isCreate(before *syncproto.Record) bool { return before == nil || !before.Exists() }

// system reports whether the change is the server's own (demo data, effects):
// role-based rules do not apply to it, data rules still do.
func system(ctx schema.Context) bool { return ctx.Role == access.System }

// without returns vs less the violations with code.
func without(vs rules.Violations, code string) rules.Violations {
	var out rules.Violations
	for _, v := range vs {
		if v.Code != code {
			out = append(out, v)
		}
	}
	return out
}

// touches reports whether a change writes any of the fields.
func touches(c syncproto.Change, fields ...string) bool {
	for _, f := range fields {
		if _, ok := c.Fields[f]; ok {
			return true
		}
	}
	return false
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}
