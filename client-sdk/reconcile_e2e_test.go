package continuity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// post calls the API with a bearer token.
func (s *serverProc) post(t *testing.T, token, path string, body, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.url+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(rb, out); err != nil {
			t.Fatalf("%s: %v: %s", path, err, rb)
		}
	}
	if resp.StatusCode >= 300 {
		t.Logf("%s: %d %s", path, resp.StatusCode, rb)
	}
	return resp.StatusCode
}

// TestReconciliation_Scenario: three social workers and a transport
// coordinator, all offline, record checks, an assessment and moves, two of
// them giving one resident different destinations. After sync every device
// and the server agree, exactly one conflict is open, back-office resolves
// it, and the resolution reaches every device. Concurrent edits of different
// fields, or of a low-stakes field, raise none.
func TestReconciliation_Scenario(t *testing.T) {
	srv := realServer(t)
	sfx := short()
	incident := newID()
	scope := "incident:" + incident
	admin := srv.device(t, "ada-"+sfx, "admin", "adm-"+sfx, nil)
	director := srv.device(t, "dir-"+sfx, "director", "dir-"+sfx, nil, scope)
	sw1 := srv.device(t, "kim-"+sfx, "social_worker", "sw1-"+sfx, nil, scope)
	sw2 := srv.device(t, "lee-"+sfx, "social_worker", "sw2-"+sfx, nil, scope)
	sw3 := srv.device(t, "mo-"+sfx, "social_worker", "sw3-"+sfx, nil, scope)
	tc := srv.device(t, "ted-"+sfx, "transport_coordinator", "tc-"+sfx, nil, scope)
	boTok := srv.token(t, "bea-"+sfx, "back_office", "bo-"+sfx, "incident:*")
	bo, _ := openClient(t, nil)
	if err := bo.EnrolWithAccessToken(srv.url, boTok); err != nil {
		t.Fatal(err)
	}
	put := func(c *Client, collection, id string, fields map[string]any) string {
		t.Helper()
		b, _ := json.Marshal(fields)
		got, err := c.Put(collection, id, string(b))
		if err != nil {
			t.Fatalf("%s put %s: %v", c.DeviceID(), collection, err)
		}
		return got
	}
	devices := []*Client{admin, director, sw1, sw2, sw3, tc, bo}
	syncAll := func() {
		t.Helper()
		for round := 0; round < 2; round++ {
			for _, d := range devices {
				mustSync(t, d)
			}
		}
	}

	// The market and the incident (online).
	provider, larkfield, oakwood, cedar, birch := newID(), newID(), newID(), newID(), newID()
	put(admin, "providers", provider, map[string]any{"name": "Larkfield Care Ltd " + sfx, "regulated": true})
	for id, name := range map[string]string{larkfield: "Larkfield House", oakwood: "Oakwood Grange", cedar: "Cedar Lodge", birch: "Birch Court"} {
		put(admin, "services", id, map[string]any{"provider_id": provider, "name": name + " " + sfx, "service_type": "residential",
			"regulated": true, "registration_categories": []string{"residential", "residential_dementia"}, "local_authority": "Derby"})
	}
	mustSync(t, admin)
	put(director, "incidents", incident, map[string]any{"incident_id": incident, "provider_id": provider, "title": "Larkfield House closure",
		"trigger_criterion": "ii", "process": 2, "status": "active", "activated_at": "2026-11-23T10:00:00Z", "reason": "administrators appointed"})
	mustSync(t, director)

	edith, walter := newID(), newID()
	for id, name := range map[string][2]string{edith: {"Edith", "Barlow"}, walter: {"Walter", "Greaves"}} {
		put(sw1, "residents", id, map[string]any{"incident_id": incident, "given_name": name[0], "family_name": name[1],
			"current_service_id": larkfield, "registration_category": "residential", "funding_stream": "la_funded"})
	}
	moveEdith, moveWalter := newID(), newID()
	plan := func(c *Client, id, resident, to, at string) {
		put(c, "moves", id, map[string]any{"incident_id": incident, "resident_id": resident, "from_service_id": larkfield,
			"to_service_id": to, "status": "planned", "planned_at": at})
	}
	plan(sw1, moveEdith, edith, oakwood, "2026-12-01T10:00:00Z")
	plan(sw1, moveWalter, walter, cedar, "2026-12-01T14:00:00Z")
	syncAll()

	// Everyone goes offline and works.
	put(sw1, "moves", moveEdith, map[string]any{"to_service_id": cedar})                                // two destinations
	put(sw2, "moves", moveEdith, map[string]any{"to_service_id": birch, "escort": "her daughter, Jan"}) // for Edith
	put(sw2, "residents", walter, map[string]any{"notes": "likes the window seat"})                     // different fields of
	put(sw3, "residents", walter, map[string]any{"gp": "Dr Shah, Park Surgery"})                        // one resident
	put(sw1, "residents", edith, map[string]any{"notes": "hard of hearing"})                            // same low-stakes
	put(sw3, "residents", edith, map[string]any{"notes": "hearing aid in left ear"})                    // field
	for _, c := range []*Client{sw1, sw2, sw3} {
		if _, err := c.RecordCheck(&SafeAndWellCheck{ResidentID: edith, Outcome: "safe_and_well", Seen: Yes}); err != nil {
			t.Fatal(err)
		}
	}
	assessment := put(sw3, "capacity_assessments", "", map[string]any{"incident_id": incident, "resident_id": walter,
		"decision": "where to live after the closure", "outcome": "has_capacity", "persons_decision": "Cedar Lodge, near my sister"})
	// The move's lifecycle: in transit, the leg, arrived, then completed.
	put(tc, "moves", moveWalter, map[string]any{"status": "in_transit"})
	leg := put(tc, "move_legs", "", map[string]any{"incident_id": incident, "move_id": moveWalter, "sequence": 1,
		"departed_at": "2026-12-01T14:05:00Z", "arrived_at": "2026-12-01T14:40:00Z", "vehicle": "council minibus", "handed_over": true})
	put(tc, "moves", moveWalter, map[string]any{"status": "arrived"})
	put(tc, "moves", moveWalter, map[string]any{"status": "completed", "medication_travelling": true, "care_plan_handed_over": true, // hand-over gates
		"identity_confirmed": true, "records_handed_over": true}) // completion (003 Appendix 2, 7.15-7.24)

	// Back online, all at once, then until quiet.
	var wg sync.WaitGroup
	for _, d := range []*Client{sw1, sw2, sw3, tc} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.Sync(); err != nil {
				t.Errorf("sync %s: %v", d.DeviceID(), err)
			}
		}()
	}
	wg.Wait()
	syncAll()

	for _, d := range devices {
		if n, _ := d.PendingCount(); n != 0 {
			t.Fatalf("%s has %d pending changes", d.DeviceID(), n)
		}
		if rej, _ := d.RejectedChanges(); rej.Len() != 0 {
			t.Fatalf("%s had changes rejected: %+v", d.DeviceID(), rej.At(0))
		}
	}
	agree := func(stage string) map[string]*syncproto.Record {
		t.Helper()
		_, server := srv.pullAll(t, boTok)
		want := incidentRecords(server, incident, nil)
		for _, d := range []*Client{sw1, sw2, sw3, tc, bo, director} {
			if err := sameRecords(want, incidentRecords(viewRecords(t, d, "records"), incident, nil)); err != nil {
				t.Fatalf("%s: device %s and the server differ: %v", stage, d.DeviceID(), err)
			}
		}
		return want
	}
	state := agree("after sync")
	if state["move_legs/"+leg] == nil || state["capacity_assessments/"+assessment] == nil {
		t.Fatal("the leg or the assessment did not reach the server")
	}

	var open struct {
		Conflicts []struct {
			ID       string `json:"id"`
			RecordID string `json:"record_id"`
			Field    string `json:"field"`
			Values   []struct {
				ChangeID string          `json:"change_id"`
				Value    json.RawMessage `json:"value"`
			} `json:"values"`
		} `json:"conflicts"`
	}
	srv.get(t, boTok, "/v1/conflicts", url.Values{"status": {"open"}, "incident_id": {incident}}, &open)
	if len(open.Conflicts) != 1 {
		t.Fatalf("open conflicts = %+v, want exactly one", open.Conflicts)
	}
	conflict := open.Conflicts[0]
	if conflict.RecordID != moveEdith || conflict.Field != "to_service_id" || len(conflict.Values) != 2 {
		t.Fatalf("conflict = %+v", conflict)
	}
	// Every tablet shows the same open conflict.
	for _, d := range []*Client{sw1, sw2, sw3, tc} {
		l, err := d.OpenConflicts(incident)
		if err != nil || l.Len() != 1 || l.At(0).ID != conflict.ID || l.At(0).Field != "to_service_id" {
			t.Fatalf("%s open conflicts: %v %+v", d.DeviceID(), err, l)
		}
	}
	// Back-office picks Birch Court (sw2's value).
	var pick string
	for _, v := range conflict.Values {
		if string(v.Value) == fmt.Sprintf("%q", birch) {
			pick = v.ChangeID
		}
	}
	if code := srv.post(t, boTok, "/v1/conflicts/"+conflict.ID+"/resolve", map[string]any{"change_id": pick, "note": "Edith's daughter prefers Birch Court"}, nil); code != 200 {
		t.Fatalf("resolve = %d", code)
	}
	syncAll()
	state = agree("after resolution")
	for _, d := range []*Client{sw1, sw2, sw3, tc} {
		m, err := d.Move(moveEdith)
		if err != nil {
			t.Fatal(err)
		}
		if m.ToServiceID != birch {
			t.Fatalf("%s sees Edith going to %s, want Birch Court", d.DeviceID(), m.ToServiceID)
		}
		c := viewRecords(t, d, "records")["conflicts/"+conflict.ID]
		if schema.StringValue(c, "status") != "resolved" {
			t.Fatalf("%s sees the conflict as %q", d.DeviceID(), schema.StringValue(c, "status"))
		}
	}
	for _, d := range []*Client{sw1, sw2, sw3, tc} {
		if l, _ := d.OpenConflicts(incident); l.Len() != 0 {
			t.Fatalf("%s still shows %d open conflicts", d.DeviceID(), l.Len())
		}
	}
	srv.get(t, boTok, "/v1/conflicts", url.Values{"status": {"open"}, "incident_id": {incident}}, &open)
	if len(open.Conflicts) != 0 {
		t.Fatalf("conflicts still open: %+v", open.Conflicts)
	}
	_ = state
}
