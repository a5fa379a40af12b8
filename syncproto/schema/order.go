package schema

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// FieldOrder declares that one date (or time) field of a record can never be
// before another: a concern is resolved on or after the day it was raised,
// a person arrives after they depart. Both fields are dates (tag "date") or
// both are times (tag "rfc3339").
type FieldOrder struct {
	// Earlier is the field that comes first, e.g. raised_on.
	Earlier string `json:"earlier"`
	// Later is the field that cannot be before it, e.g. resolved_on.
	Later string `json:"later"`
}

// checkOrderDecl checks a collection's Order declarations: both fields
// declared, both dates or both times.
func checkOrderDecl(c *Collection) error {
	for _, o := range c.Order {
		e, ok1 := c.byName[o.Earlier]
		l, ok2 := c.byName[o.Later]
		if !ok1 || !ok2 {
			return fmt.Errorf("schema: %s order %s <= %s names an undeclared field", c.Name, o.Earlier, o.Later)
		}
		if e.Tag != l.Tag || (e.Tag != "date" && e.Tag != "rfc3339") {
			return fmt.Errorf("schema: %s order %s <= %s: both must be dates or both times", c.Name, o.Earlier, o.Later)
		}
	}
	return nil
}

// CheckOrder checks the collection's field orders on after, the record as
// it stands with the change merged in, for each pair the change writes at
// least one field of: so a change that sets only resolved_on is checked
// against the raised_on already stored, and a change that touches neither
// leaves an older record alone. A pair with either field unset passes. The
// error (CodeDateOrder) names the field the change wrote: the later one when
// it wrote both.
func (r *Registry) CheckOrder(c syncproto.Change, after *syncproto.Record) *syncproto.Error {
	col, ok := r.cols[c.Collection]
	if !ok || c.Op != syncproto.OpUpsert || after == nil {
		return nil
	}
	for _, o := range col.Order {
		_, wroteE := c.Fields[o.Earlier]
		_, wroteL := c.Fields[o.Later]
		if !wroteE && !wroteL {
			continue
		}
		if e := orderError(col, o, after, wroteL); e != nil {
			return e
		}
	}
	return nil
}

// OrderErrors returns every field order a record breaks, whichever change
// wrote it: for records stored before the orders were checked.
func (r *Registry) OrderErrors(collection string, rec *syncproto.Record) []*syncproto.Error {
	col, ok := r.cols[collection]
	if !ok || rec == nil {
		return nil
	}
	var out []*syncproto.Error
	for _, o := range col.Order {
		if e := orderError(col, o, rec, true); e != nil {
			out = append(out, e)
		}
	}
	return out
}

// orderError checks one pair on rec; blameLater names the later field in
// the error, else the earlier.
func orderError(col *Collection, o FieldOrder, rec *syncproto.Record, blameLater bool) *syncproto.Error {
	return orderCheck(col, o, StringValue(rec, o.Earlier), StringValue(rec, o.Later), blameLater)
}

// orderCheck checks one pair's values (either may be "", unset).
func orderCheck(col *Collection, o FieldOrder, es, ls string, blameLater bool) *syncproto.Error {
	if es == "" || ls == "" {
		return nil
	}
	et, ok1 := orderTime(es)
	lt, ok2 := orderTime(ls)
	if !ok1 || !ok2 || !lt.Before(et) {
		return nil
	}
	field := o.Later
	if !blameLater {
		field = o.Earlier
	}
	return syncproto.Errorf(syncproto.CodeDateOrder, "fields."+field, "%s %s is before %s %s: a %s record's %s cannot be before its %s",
		o.Later, ls, o.Earlier, es, col.Name, o.Later, o.Earlier)
}

// WriteErrors is FieldErrors followed by the field orders a write breaks,
// judged as CheckOrder judges them on the server: current is the record's
// fields as the writer holds them (nil for a create), fields are written
// over it (null clears), and each pair the write touches is checked unless
// one of its fields already has an error. The JavaScript SDK gives the same
// verdicts from the exported schema (the shared vectors prove it).
func (r *Registry) WriteErrors(collection string, fields, current map[string]json.RawMessage, create bool) []*syncproto.Error {
	out := r.FieldErrors(collection, fields, create)
	col, ok := r.cols[collection]
	if !ok {
		return out
	}
	bad := map[string]bool{}
	for _, e := range out {
		bad[strings.TrimPrefix(e.Field, "fields.")] = true
	}
	value := func(name string) string {
		if v, ok := fields[name]; ok {
			return jsonString(v)
		}
		return jsonString(current[name])
	}
	for _, o := range col.Order {
		_, wroteE := fields[o.Earlier]
		_, wroteL := fields[o.Later]
		if (!wroteE && !wroteL) || bad[o.Earlier] || bad[o.Later] {
			continue
		}
		if e := orderCheck(col, o, value(o.Earlier), value(o.Later), wroteL); e != nil {
			out = append(out, e)
		}
	}
	return out
}

// orderTime parses a date (YYYY-MM-DD, as midnight UTC) or an RFC 3339
// time.
func orderTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}
