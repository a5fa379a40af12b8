package domain

import (
	"encoding/json"
	"sync"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// evidenceRule: a checklist item's evidence names records of known
// collections that exist and belong to the item's incident.
func evidenceRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() || !touches(c, "evidence") {
		return nil
	}
	var ev []schema.Evidence
	_ = json.Unmarshal(after.Value("evidence"), &ev)
	reg := evidenceRegistry()
	for i, e := range ev {
		col, ok := reg.Collection(e.Collection)
		if !ok {
			return syncproto.Errorf("evidence_unknown", "fields.evidence", "evidence %d names an unknown collection %q", i, e.Collection)
		}
		if ctx.Local {
			continue
		}
		r, err := ctx.Lookup.Record(e.Collection, e.RecordID)
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the evidence")
		}
		if r == nil || !r.Exists() || r.Deleted() {
			return syncproto.Errorf("evidence_unknown", "fields.evidence", "evidence %d: %s %s is not known", i, e.Collection, e.RecordID)
		}
		if col.ScopeField != "" && str(r, col.ScopeField) != str(after, "incident_id") {
			return syncproto.Errorf("evidence_unknown", "fields.evidence", "evidence %d: %s %s belongs to another incident", i, e.Collection, e.RecordID)
		}
	}
	return nil
}

// evidenceRegistry knows the collections evidence may name; built once.
var evidenceRegistry = sync.OnceValue(schema.NewDomainRegistry)
