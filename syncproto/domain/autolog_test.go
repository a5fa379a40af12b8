package domain

import (
	"encoding/json"
	"testing"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// TestSuspensionLogEffect: a suspension of contracting is a decision, logged
// by the server in the decision log of every incident of the provider
// (003 App.2 9.1 "Maintain a record of meetings, decisions made"), once.
func TestSuspensionLogEffect(t *testing.T) {
	w := newWorld(t)
	prov, inc := uuid.NewString(), uuid.NewString()
	w.put("admin", "providers", prov, map[string]any{"name": "Chester Green Care"})
	r := syncproto.NewRecord("incidents", inc)
	raw := map[string]json.RawMessage{}
	for k, v := range map[string]any{"incident_id": inc, "provider_id": prov, "title": "Chester Green closure", "status": "active"} {
		b, _ := json.Marshal(v)
		raw[k] = b
	}
	r.Apply(syncproto.Change{ID: uuid.NewString(), Collection: "incidents", RecordID: inc, Op: syncproto.OpUpsert, Fields: raw, HLC: w.clock.Now(), DeviceID: "tab-1"})
	w.data["incidents/"+inc] = r
	got, out := w.putFx("director", "providers", prov, map[string]any{"contracting_suspended": true, "suspension_decided_by": "Martin Coles", "suspended_on": "2026-11-19",
		"suspension_reason": "Two warning notices."})
	if got != "applied" {
		t.Fatalf("suspension: %s", got)
	}
	id := DecisionLogID(prov, "suspend/"+inc+"/2026-11-19")
	var logged *syncproto.Change
	for i := range out {
		if out[i].Collection == "decision_log" && out[i].RecordID == id {
			logged = &out[i]
		}
	}
	if logged == nil {
		t.Fatalf("no decision logged: %+v", out)
	}
	e, _ := w.data.Record("decision_log", id)
	if schema.StringValue(e, "decided_by") != "Martin Coles" || schema.StringValue(e, "incident_id") != inc || schema.StringValue(e, "recorded_by") != LogRecordedBy {
		t.Fatalf("entry %v", e.Fields)
	}
	if _, again := w.putFx("director", "providers", prov, map[string]any{"suspension_reason": "Two warning notices; more complaints."}); len(again) != 0 {
		t.Fatalf("an edit of a suspended provider logs again: %+v", again)
	}
}
