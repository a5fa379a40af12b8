// Package reports turns an incident's merged records into what the people
// running a provider failure read and hand on: a summary of the figures
// (residents by funding, safe-and-well checks done and due, capacity
// assessments, moves, conflicts, checklist progress), the decision and
// movement logs (003 Appendix 2, 7.17 and 9.1) as rows and CSV, and
// suggested destinations for the residents who still need a move (3.1, 7.2,
// 7.4, 7.5).
//
// Everything here is a pure function of a Data value (and, where time
// matters, an injected now): no I/O, no clock, no map iteration order in the
// output. See DESIGN.md for how each figure is counted and the suggestion
// algorithm's invariants.
package reports

import (
	"encoding/json"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// Data is what the server reads from its store for one incident.
type Data struct {
	// IncidentID is the incident reported on. Records of incident-scoped
	// collections whose incident_id differs are ignored; when IncidentID is
	// empty nothing is filtered.
	IncidentID string
	// Records are merged record states by collection name: the incident's
	// records plus the unscoped collections (providers, services, vacancies,
	// and where the reader may see them concerns and rag_statuses). Deleted
	// records are ignored; the order of each slice does not matter, and two
	// states of the same record are merged.
	Records map[string][]*syncproto.Record
}

// unscoped are the collections that describe the market rather than one
// incident (their ScopeField is empty); every other collection is filtered
// by incident_id.
var unscoped = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range schema.Domain() {
		if c.ScopeField == "" {
			m[c.Name] = true
		}
	}
	return m
}()

// index is Data made ready to read: live records only, one per id, sorted
// by id, and looked up by id.
type index struct {
	incidentID string
	cols       map[string][]*syncproto.Record
	byID       map[string]map[string]*syncproto.Record
	// places are the residents' derived whereabouts (derived()).
	places map[string]rules.Location
}

func newIndex(d Data) *index {
	ix := &index{incidentID: d.IncidentID, cols: map[string][]*syncproto.Record{}, byID: map[string]map[string]*syncproto.Record{}}
	for col, recs := range d.Records {
		ids := map[string]*syncproto.Record{}
		for _, r := range recs {
			if r == nil || r.ID == "" {
				continue
			}
			if prev, ok := ids[r.ID]; ok {
				ids[r.ID] = mergeStates(prev, r)
			} else {
				ids[r.ID] = r
			}
		}
		var live []*syncproto.Record
		byID := map[string]*syncproto.Record{}
		for id, r := range ids {
			if r.Deleted() || !r.Exists() {
				continue
			}
			if d.IncidentID != "" && !unscoped[col] && str(r, "incident_id") != d.IncidentID {
				continue
			}
			live = append(live, r)
			byID[id] = r
		}
		sort.Slice(live, func(i, j int) bool { return live[i].ID < live[j].ID })
		ix.cols[col] = live
		ix.byID[col] = byID
	}
	return ix
}

// mergeStates merges two states of one record the way the sync core does,
// so the result does not depend on which came first.
func mergeStates(a, b *syncproto.Record) *syncproto.Record {
	m := a.Clone()
	for _, c := range b.Changes() {
		m.Apply(c)
	}
	return m
}

// all returns the live records of a collection, sorted by id.
func (ix *index) all(col string) []*syncproto.Record { return ix.cols[col] }

// get returns one live record, or nil.
func (ix *index) get(col, id string) *syncproto.Record {
	if id == "" {
		return nil
	}
	return ix.byID[col][id]
}

// incident returns the incident record, or nil.
func (ix *index) incident() *syncproto.Record { return ix.get("incidents", ix.incidentID) }

// residentName is a resident's full name, or "" for an unknown resident.
func residentName(r *syncproto.Record) string {
	if r == nil {
		return ""
	}
	return strings.TrimSpace(str(r, "given_name") + " " + str(r, "family_name"))
}

// str is a string field's value, or "".
func str(r *syncproto.Record, field string) string { return schema.StringValue(r, field) }

// value is a field's raw value; nil for a nil record.
func value(r *syncproto.Record, field string) json.RawMessage {
	if r == nil {
		return nil
	}
	return r.Value(field)
}

// boolean is a boolean field's value; false when unset or not a boolean.
func boolean(r *syncproto.Record, field string) bool {
	v := value(r, field)
	var b bool
	return v != nil && json.Unmarshal(v, &b) == nil && b
}

// boolSet reports whether a boolean field holds a boolean, and which.
func boolSet(r *syncproto.Record, field string) (b, ok bool) {
	v := value(r, field)
	if v == nil {
		return false, false
	}
	err := json.Unmarshal(v, &b)
	return b, err == nil
}

// integer is a whole-number field's value; 0 when unset, not a number or
// not whole.
func integer(r *syncproto.Record, field string) int {
	v := value(r, field)
	var f float64
	if v == nil || json.Unmarshal(v, &f) != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		return 0
	}
	return int(f)
}

// instant parses an RFC 3339 field; the zero time when unset or invalid.
func instant(r *syncproto.Record, field string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, str(r, field))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// strs is a string-list field's values; nil when unset or not a list.
func strs(r *syncproto.Record, field string) []string {
	v := value(r, field)
	var out []string
	if v == nil || json.Unmarshal(v, &out) != nil {
		return nil
	}
	return out
}

// london is the zone of English councils' calendar dates (follow-up dates
// and the like). The rules package embeds the zone database.
var london = func() *time.Location {
	loc, err := time.LoadLocation(rules.LondonZone)
	if err != nil {
		return time.UTC
	}
	return loc
}()

// today is now's calendar date in London, as YYYY-MM-DD.
func today(now time.Time) string { return now.In(london).Format(time.DateOnly) }

// validDate reports whether s is a YYYY-MM-DD date.
func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// jsonUnmarshal decodes raw into v.
func jsonUnmarshal(raw json.RawMessage, v any) error { return json.Unmarshal(raw, v) }
