package reports

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/syncproto"
)

var scenarioPath = filepath.Join("..", "..", demo.DefaultPath)

func loadScenario(t *testing.T) demo.Scenario {
	t.Helper()
	s, err := demo.Load(scenarioPath)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// scenarioData is the scenario's merged state as the server would hand it
// over: every collection's live records.
func scenarioData(t *testing.T) Data {
	t.Helper()
	s := loadScenario(t)
	st, err := demo.Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	d := Data{IncidentID: s.IncidentID, Records: map[string][]*syncproto.Record{}}
	for col := range st {
		d.Records[col] = st.Records(col)
	}
	return d
}

// plain is a record as the tests count it: field name → decoded value.
type plain map[string]any

func (p plain) s(field string) string {
	v, _ := p[field].(string)
	return v
}

func (p plain) b(field string) bool {
	v, _ := p[field].(bool)
	return v
}

// replay works out the scenario's records independently of the package and
// of demo.Apply: the scenario's changes are all upserts in HLC order (the
// demo package's tests check this), so the last write of a field in file
// order is its value.
func replay(t *testing.T) (string, map[string]map[string]plain) {
	t.Helper()
	s := loadScenario(t)
	out := map[string]map[string]plain{}
	for i, raw := range s.Changes {
		var c struct {
			Collection string         `json:"collection"`
			RecordID   string         `json:"record_id"`
			Op         string         `json:"op"`
			Fields     map[string]any `json:"fields"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		if c.Op != "upsert" {
			t.Fatalf("change %d: op %q: the test's replay only knows upserts", i, c.Op)
		}
		if out[c.Collection] == nil {
			out[c.Collection] = map[string]plain{}
		}
		r := out[c.Collection][c.RecordID]
		if r == nil {
			r = plain{}
			out[c.Collection][c.RecordID] = r
		}
		for k, v := range c.Fields {
			r[k] = v
		}
	}
	return s.IncidentID, out
}

// rec builds a record state with the given fields, all written by one
// change.
func rec(col, id string, fields map[string]any) *syncproto.Record {
	r := syncproto.NewRecord(col, id)
	c := syncproto.Change{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", len(id)), Collection: col, RecordID: id, Op: syncproto.OpUpsert, Fields: map[string]json.RawMessage{}}
	for k, v := range fields {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		c.Fields[k] = b
	}
	r.Apply(c)
	return r
}

// shuffled returns d with every collection's records in a random order.
func shuffled(d Data, seed uint64) Data {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := Data{IncidentID: d.IncidentID, Records: map[string][]*syncproto.Record{}}
	for col, recs := range d.Records {
		cp := append([]*syncproto.Record(nil), recs...)
		rng.Shuffle(len(cp), func(i, j int) { cp[i], cp[j] = cp[j], cp[i] })
		out.Records[col] = cp
	}
	return out
}
