package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/google/uuid"
)

type conflictView struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Field    string `json:"field"`
	RecordID string `json:"record_id"`
	Status   string `json:"status"`
	Values   []struct {
		Value    json.RawMessage `json:"value"`
		ChangeID string          `json:"change_id"`
		DeviceID string          `json:"device_id"`
		Subject  string          `json:"subject"`
		Applied  bool            `json:"applied"`
	} `json:"values"`
	ResolutionValue json.RawMessage `json:"resolution_value"`
}

func (e *env) conflicts(tok, query string) []conflictView {
	e.t.Helper()
	r := e.do("GET", "/v1/conflicts"+query, tok, nil)
	if r.Status != 200 {
		e.t.Fatalf("conflicts: %d %s", r.Status, r.Body)
	}
	var out struct {
		Conflicts []conflictView `json:"conflicts"`
	}
	r.decode(e.t, &out)
	return out.Conflicts
}

func TestServer_Conflicts(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	homeA, homeB := uuid.NewString(), uuid.NewString()
	sam := e.token("sam", "social_worker", "tab-1", inc)
	tom := e.token("tom", "social_worker", "tab-2", inc)
	bea := e.token("bea", "back_office", "desk-1", "*")
	ws, wt := newWriter("tab-1", e.clock.Now), newWriter("tab-2", e.clock.Now)
	rec := uuid.NewString()
	fields := resident(inc)
	fields["current_service_id"] = uuid.NewString()
	e.push(sam, ws.upsert("residents", rec, fields))
	// Both tablets pull the resident, then go offline.
	_, curS, _ := e.pullAll(sam, "", 100)
	_, curT, _ := e.pullAll(tom, "", 100)
	with := func(c map[string]any, seen string) map[string]any { c["seen"] = seen; return c }

	t.Run("different fields or a low-stakes field raise none", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		r1 := e.push(sam, with(ws.upsert("residents", rec, map[string]any{"notes": "likes the garden"}), curS))
		r2 := e.push(tom, with(wt.upsert("residents", rec, map[string]any{"notes": "hard of hearing", "family_name": "Barlow-Smith"}), curT))
		if statusesOf(r1)+statusesOf(r2) != "appliedapplied" {
			t.Fatal(statusesOf(r1), statusesOf(r2))
		}
		if cs := e.conflicts(bea, ""); len(cs) != 0 {
			t.Fatalf("conflicts = %+v", cs)
		}
	})

	var conflict conflictView
	t.Run("two destinations for one resident raise exactly one conflict", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		a := with(ws.upsert("residents", rec, map[string]any{"current_service_id": homeA}), curS)
		b := with(wt.upsert("residents", rec, map[string]any{"current_service_id": homeB}), curT)
		e.push(sam, a)
		e.push(tom, b)
		cs := e.conflicts(bea, "?status=open")
		if len(cs) != 1 {
			t.Fatalf("open conflicts = %+v", cs)
		}
		conflict = cs[0]
		if conflict.Field != "current_service_id" || conflict.RecordID != rec || conflict.Kind != "concurrent_write" || len(conflict.Values) != 2 {
			t.Fatalf("conflict = %+v", conflict)
		}
		if conflict.Values[0].Subject != "sam" || conflict.Values[1].Subject != "tom" {
			t.Fatalf("who wrote is missing: %+v", conflict.Values)
		}
		// Every device holding the incident receives the conflict record.
		changes, _, _ := e.pullAll(sam, curS, 100)
		got := false
		for _, c := range changes {
			if c.Collection == "conflicts" && c.RecordID == conflict.ID {
				got = true
			}
		}
		if !got {
			t.Fatal("the conflict did not reach the social worker's device")
		}
	})

	t.Run("an edit after pulling the other's write is not a conflict", func(t *testing.T) {
		_, cur, _ := e.pullAll(sam, "", 100)
		e.clock.Advance(time.Minute)
		e.push(sam, with(ws.upsert("residents", rec, map[string]any{"funding_stream": "la_funded"}), cur))
		e.push(tom, with(wt.upsert("residents", rec, map[string]any{"notes": "x"}), cur))
		_, cur, _ = e.pullAll(tom, "", 100)
		wt.clock.Update(ws.clock.Last())
		e.push(tom, with(wt.upsert("residents", rec, map[string]any{"funding_stream": "self_funder"}), cur))
		if cs := e.conflicts(bea, "?status=open"); len(cs) != 1 {
			t.Fatalf("open conflicts = %d, want still 1", len(cs))
		}
	})

	t.Run("resolution", func(t *testing.T) {
		bad := []struct {
			name, tok string
			body      any
			status    int
			code      string
		}{
			{"social worker may not", sam, map[string]any{"change_id": conflict.Values[0].ChangeID}, 403, "forbidden_role"},
			{"neither pick nor value", bea, map[string]any{}, 400, "missing_field"},
			{"both pick and value", bea, map[string]any{"change_id": conflict.Values[0].ChangeID, "value": homeA}, 400, "invalid_value"},
			{"pick not among values", bea, map[string]any{"change_id": uuid.NewString()}, 400, "invalid_value"},
			{"value of the wrong type", bea, map[string]any{"value": 42}, 400, "wrong_type"},
		}
		for _, tc := range bad {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do("POST", "/v1/conflicts/"+conflict.ID+"/resolve", tc.tok, tc.body)
				if r.Status != tc.status || r.errorBody(t).Code != tc.code {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
			})
		}
		r := e.do("POST", "/v1/conflicts/"+conflict.ID+"/resolve", bea, map[string]any{"change_id": conflict.Values[0].ChangeID, "note": "confirmed with Larkfield manager"})
		if r.Status != 200 {
			t.Fatalf("resolve: %d %s", r.Status, r.Body)
		}
		if cs := e.conflicts(bea, "?status=open"); len(cs) != 0 {
			t.Fatalf("still open: %+v", cs)
		}
		if r := e.do("POST", "/v1/conflicts/"+conflict.ID+"/resolve", bea, map[string]any{"change_id": conflict.Values[0].ChangeID}); r.Status != 409 {
			t.Fatalf("second resolution: %d %s", r.Status, r.Body)
		}
		// The resolution is an ordinary change that reaches every device.
		for _, tok := range []string{sam, tom} {
			changes, _, _ := e.pullAll(tok, "", 1000)
			state := syncproto.NewRecord("residents", rec)
			for _, c := range changes {
				if c.RecordID == rec {
					state.Apply(c)
				}
			}
			if got := string(state.Value("current_service_id")); got != `"`+homeA+`"` {
				t.Fatalf("device sees current_service_id %s, want %s", got, homeA)
			}
		}
	})
}

// TestServer_EditRacingSignOff: a tablet that had not seen an assessment
// signed edits it offline; the edit is refused (a signed assessment is a
// legal record) and a conflict tells back-office, with both values.
func TestServer_EditRacingSignOff(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	sam := e.token("sam", "social_worker", "tab-1", inc)
	tom := e.token("tom", "social_worker", "tab-2", inc)
	bea := e.token("bea", "back_office", "desk-1", "*")
	ws, wt := newWriter("tab-1", e.clock.Now), newWriter("tab-2", e.clock.Now)
	res, ca := uuid.NewString(), uuid.NewString()
	e.push(sam, ws.upsert("residents", res, resident(inc)))
	r := e.push(sam, ws.upsert("capacity_assessments", ca, mcaEvidence(map[string]any{"incident_id": inc, "resident_id": res,
		"decision": "where to live after the closure", "impairment": true, "can_understand": false, "causative_nexus": true, "outcome": "lacks_capacity"})))
	if statusesOf(r) != "applied" {
		t.Fatal(statusesOf(r))
	}
	_, curT, _ := e.pullAll(tom, "", 100) // tom has the unsigned assessment
	e.clock.Advance(time.Minute)
	_, curS, _ := e.pullAll(sam, "", 100)
	sign := ws.upsert("capacity_assessments", ca, map[string]any{"signed_at": "2026-11-23T10:01:00Z", "signed_by": "Sam Patel"})
	sign["seen"] = curS
	if got := statusesOf(e.push(sam, sign)); got != "applied" {
		t.Fatal(got)
	}
	edit := wt.upsert("capacity_assessments", ca, map[string]any{"can_understand": true})
	edit["seen"] = curT
	if got := statusesOf(e.push(tom, edit)); got != "rejected:assessment_signed@fields.can_understand" {
		t.Fatalf("racing edit: %s", got)
	}
	cs := e.conflicts(bea, "?status=open")
	if len(cs) != 1 || cs[0].Kind != "edit_racing_sign_off" || cs[0].Field != "can_understand" || cs[0].RecordID != ca {
		t.Fatalf("conflicts = %+v", cs)
	}
	var applied, refused int
	for _, v := range cs[0].Values {
		if v.Applied {
			applied++
		} else {
			refused++
		}
	}
	if applied != 1 || refused != 1 {
		t.Fatalf("values = %+v", cs[0].Values)
	}
	// An edit by a tablet that had seen the signature is simply refused.
	_, curT, _ = e.pullAll(tom, "", 100)
	late := wt.upsert("capacity_assessments", ca, map[string]any{"can_retain": true})
	late["seen"] = curT
	e.push(tom, late)
	if cs := e.conflicts(bea, "?status=open"); len(cs) != 1 {
		t.Fatalf("a non-racing edit raised a conflict: %d open", len(cs))
	}
	// Back-office settles it with a note; the signed record is unchanged.
	if r := e.do("POST", "/v1/conflicts/"+cs[0].ID+"/resolve", bea, map[string]any{"note": "a new assessment will supersede it"}); r.Status != 200 {
		t.Fatalf("resolve: %d %s", r.Status, r.Body)
	}
	rec, _ := e.store.Record(t.Context(), "capacity_assessments", ca)
	if string(rec.Value("can_understand")) != "false" {
		t.Fatalf("signed assessment changed: %s", rec.Value("can_understand"))
	}
}
