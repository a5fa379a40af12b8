package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/google/uuid"
)

func TestServer_Push(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	tok := e.token("sam", "social_worker", "tab-1", inc)
	w := newWriter("tab-1", e.clock.Now)
	rec := uuid.NewString()
	create := w.upsert("residents", rec, resident(inc))

	t.Run("applied then duplicate", func(t *testing.T) {
		r := e.push(tok, create, create)
		if got := statusesOf(r); got != "applied,duplicate" {
			t.Fatalf("statuses = %s", got)
		}
		if r.Cursor == "" || r.ServerTime.IsZero() {
			t.Fatalf("missing cursor or server_time: %+v", r)
		}
		r = e.push(tok, create)
		if got := statusesOf(r); got != "duplicate" {
			t.Fatalf("retry: statuses = %s", got)
		}
	})

	future := func() map[string]any {
		c := w.upsert("residents", rec, map[string]any{"notes": "ahead"})
		c["hlc"] = syncproto.HLC{Wall: e.clock.Now().Add(11 * time.Minute).UnixMilli(), Node: "tab-1"}.String()
		return c
	}
	nearFuture := func() map[string]any {
		c := w.upsert("residents", rec, map[string]any{"notes": "slightly ahead"})
		c["hlc"] = syncproto.HLC{Wall: e.clock.Now().Add(9 * time.Minute).UnixMilli(), Node: "tab-1"}.String()
		return c
	}
	manyKeys := map[string]any{}
	for i := range syncproto.MaxChangeFields + 1 {
		manyKeys[fmt.Sprintf("u%d", 100000+i)] = 1
	}
	cases := []struct {
		name   string
		change map[string]any
		want   string
	}{
		{"more fields than a change may carry", w.upsert("residents", rec, manyKeys), "rejected:too_large@fields"},
		{"unknown collection", w.upsert("pets", rec, map[string]any{"name": "Rex"}), "rejected:unknown_collection@collection"},
		{"unknown field", w.upsert("residents", rec, map[string]any{"shoe_size": "9"}), "rejected:unknown_field@fields.shoe_size"},
		{"wrong type", w.upsert("residents", rec, map[string]any{"given_name": 42}), "rejected:wrong_type@fields.given_name"},
		{"bad nhs number", w.upsert("residents", rec, map[string]any{"nhs_number": "9434765918"}), "rejected:invalid_value@fields.nhs_number"},
		{"bad date", w.upsert("residents", rec, map[string]any{"date_of_birth": "1938-02-30"}), "rejected:invalid_value@fields.date_of_birth"},
		{"invalid record uuid", w.upsert("residents", "not-a-uuid", map[string]any{"notes": "x"}), "rejected:invalid_uuid@record_id"},
		{"missing required on create", w.upsert("residents", uuid.NewString(), map[string]any{"incident_id": inc, "given_name": "Only"}), "rejected:missing_field@fields.family_name"},
		{"check missing outcome", w.upsert("safe_and_well_checks", uuid.NewString(), map[string]any{"incident_id": inc, "resident_id": rec, "visited_at": "2026-11-23T09:30:00Z"}), "rejected:missing_field@fields.outcome"},
		{"check bad outcome", w.upsert("safe_and_well_checks", uuid.NewString(), map[string]any{"incident_id": inc, "resident_id": rec, "visited_at": "2026-11-23T09:30:00Z", "outcome": "fine"}), "rejected:invalid_value@fields.outcome"},
		{"clearing a required field", w.upsert("residents", rec, map[string]any{"given_name": nil}), "rejected:invalid_value@fields.given_name"},
		{"clock skew", future(), "rejected:clock_skew@hlc"},
		{"within skew allowance", nearFuture(), "applied"},
		{"moving to another incident", w.upsert("residents", rec, map[string]any{"incident_id": uuid.NewString()}), "rejected:incident_changed@fields.incident_id"},
		{"valid check", w.upsert("safe_and_well_checks", uuid.NewString(), map[string]any{"incident_id": inc, "resident_id": rec, "visited_at": "2026-11-23T09:30:00Z", "outcome": "safe_and_well", "observations": "Settled, eating well"}), "applied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.push(tok, tc.change)
			if got := statusesOf(r); got != tc.want {
				t.Fatalf("got %s, want %s (%+v)", got, tc.want, r.Results[0].Error)
			}
		})
	}

	t.Run("rejections are quarantined and listed", func(t *testing.T) {
		// Some rejected changes have no incident (they did not parse):
		// only back-office staff holding every incident see those.
		bo := e.token("bea", "back_office", "desk-1", "*")
		r := e.do("GET", "/v1/quarantine", bo, nil)
		if r.Status != 200 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		var q struct {
			Entries []struct {
				ChangeID string          `json:"change_id"`
				DeviceID string          `json:"device_id"`
				Error    syncproto.Error `json:"error"`
				Change   json.RawMessage `json:"change"`
			} `json:"entries"`
		}
		r.decode(t, &q)
		rejected := 0
		for _, tc := range cases {
			if strings.HasPrefix(tc.want, "rejected") {
				rejected++
			}
		}
		if len(q.Entries) != rejected {
			t.Fatalf("quarantine has %d entries, want %d", len(q.Entries), rejected)
		}
		for i, en := range q.Entries {
			if en.DeviceID != "tab-1" || en.Error.Code == "" || len(en.Change) == 0 {
				t.Fatalf("entry %d incomplete: %+v", i, en)
			}
		}
		// The social worker's own device sees its own entries too.
		r = e.do("GET", "/v1/quarantine?limit=2", tok, nil)
		r.decode(t, &q)
		if r.Status != 200 || len(q.Entries) != 2 {
			t.Fatalf("own quarantine: %d %s", r.Status, r.Body)
		}
	})
}

func TestServer_PushBody(t *testing.T) {
	e := newEnv(t)
	tok := e.token("sam", "social_worker", "tab-1")
	w := newWriter("tab-1", e.clock.Now)
	many := make([]map[string]any, syncproto.MaxPushChanges+1)
	for i := range many {
		many[i] = w.upsert("residents", uuid.NewString(), map[string]any{"notes": "x"})
	}
	huge := `{"changes":[{"id":"` + uuid.NewString() + `","notes":"` + strings.Repeat("x", syncproto.MaxPushBytes) + `"}]}`
	cases := []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"not json", "{nope", 400, "invalid_json", ""},
		{"not an object", `[1,2]`, 400, "invalid_json", ""},
		{"unknown top-level key", `{"changes":[],"extra":1}`, 400, "unknown_field", "extra"},
		{"no changes", `{}`, 400, "missing_field", "changes"},
		{"changes not an array", `{"changes":{}}`, 400, "wrong_type", "changes"},
		{"too many changes", map[string]any{"changes": many}, 413, "too_large", "changes"},
		{"body over 4 MiB", huge, 413, "too_large", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/v1/sync/push", tok, tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %.200s", r.Status, tc.status, r.Body)
			}
			eb := r.errorBody(t)
			if eb.Code != tc.code || eb.Field != tc.field {
				t.Fatalf("error = %+v, want code %s field %q", eb, tc.code, tc.field)
			}
		})
	}
	t.Run("empty batch", func(t *testing.T) {
		r := e.push(tok)
		if len(r.Results) != 0 {
			t.Fatalf("results = %+v", r.Results)
		}
	})
	t.Run("malformed change among good ones", func(t *testing.T) {
		good := w.upsert("residents", uuid.NewString(), map[string]any{"notes": "x"})
		r := e.do("POST", "/v1/sync/push", tok, fmt.Sprintf(`{"changes":[%s, 17, {"id": 5}]}`, mustJSON(good)))
		var out syncproto.PushResponse
		r.decode(t, &out)
		if r.Status != 200 || len(out.Results) != 3 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		if out.Results[1].Status != "rejected" || out.Results[2].Error.Field != "id" {
			t.Fatalf("results = %s", statusesOf(out))
		}
	})
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestServer_Pull(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	tok := e.token("sam", "social_worker", "tab-1", inc)
	w := newWriter("tab-1", e.clock.Now)
	var recs []string
	for i := 0; i < 12; i++ {
		id := uuid.NewString()
		recs = append(recs, id)
		e.push(tok, w.upsert("residents", id, resident(inc)))
	}
	// Two later edits of one record: its state is two field groups.
	e.push(tok, w.upsert("residents", recs[0], map[string]any{"notes": "first note"}))
	e.push(tok, w.upsert("residents", recs[0], map[string]any{"notes": "second note"}))
	bo := e.token("bea", "back_office", "desk-1", "*")
	dw := newWriter("desk-1", e.clock.Now)
	dw.clock.Update(w.clock.Last()) // back-office has pulled what tab-1 wrote
	if got := statusesOf(e.push(bo, dw.del("residents", recs[1]))); got != "applied" {
		t.Fatalf("back-office delete: %s", got)
	}

	t.Run("initial sync is compacted state", func(t *testing.T) {
		changes, cursor, _ := e.pullAll(tok, "", 5)
		// 12 creates; record 0 has an extra group for notes; record 1 is a
		// tombstone with no fields left. History had 15 changes.
		if len(changes) != 13 {
			t.Fatalf("initial sync served %d changes, want 13", len(changes))
		}
		var notes, deletes int
		for _, c := range changes {
			if v, ok := c.Fields["notes"]; ok {
				notes++
				if string(v) != `"second note"` {
					t.Fatalf("stale notes served: %s", v)
				}
			}
			if c.Op == syncproto.OpDelete {
				deletes++
			}
			if c.DeviceID != "tab-1" && c.DeviceID != "desk-1" {
				t.Fatalf("device id not kept: %+v", c)
			}
		}
		if notes != 1 || deletes != 1 {
			t.Fatalf("notes groups %d, deletes %d", notes, deletes)
		}
		// Then deltas only.
		more, _, _ := e.pullAll(tok, cursor, 100)
		if len(more) != 0 {
			t.Fatalf("delta after initial sync = %d changes", len(more))
		}
		c := w.upsert("residents", recs[2], map[string]any{"notes": "later"})
		e.push(tok, c)
		more, _, _ = e.pullAll(tok, cursor, 100)
		if len(more) != 1 || more[0].ID != c["id"] {
			t.Fatalf("delta = %+v", more)
		}
	})
	bad := []struct {
		name, query, field, code string
	}{
		{"bad cursor", "cursor=garbage", "cursor", "invalid_cursor"},
		{"forged cursor", "cursor=c1.%21%21", "cursor", "invalid_cursor"},
		{"limit not a number", "limit=ten", "limit", "invalid_value"},
		{"limit zero", "limit=0", "limit", "invalid_value"},
		{"limit too big", "limit=5001", "limit", "invalid_value"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", "/v1/sync/pull?"+tc.query, tok, nil)
			if r.Status != 400 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if eb := r.errorBody(t); eb.Code != tc.code || eb.Field != tc.field {
				t.Fatalf("error = %+v", eb)
			}
		})
	}
}

// TestServer_ConcurrentPushPull checks that a pull never skips a change that
// another request committed concurrently.
func TestServer_ConcurrentPushPull(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	const devices, pushes, perPush, pullers = 4, 15, 20, 3
	toks := make([]string, devices)
	for d := range toks {
		toks[d] = e.token(fmt.Sprintf("sw%d", d), "social_worker", fmt.Sprintf("tab-%d", d), inc)
	}
	reader := e.token("bea", "back_office", "desk-1", "*")
	var mu sync.Mutex
	applied := map[string]bool{}
	var wg sync.WaitGroup
	for d := 0; d < devices; d++ {
		wg.Add(1)
		go func(d int) {
			defer wg.Done()
			w := newWriter(fmt.Sprintf("tab-%d", d), e.clock.Now)
			for p := 0; p < pushes; p++ {
				var cs []map[string]any
				for i := 0; i < perPush; i++ {
					cs = append(cs, w.upsert("residents", uuid.NewString(), resident(inc)))
				}
				r := e.push(toks[d], cs...)
				mu.Lock()
				for _, res := range r.Results {
					if res.Status == "applied" {
						applied[res.ID] = true
					}
				}
				mu.Unlock()
			}
		}(d)
	}
	stop := make(chan struct{})
	// seen counts deliveries from the log, which must be exactly once;
	// initial holds what the initial sync delivered as state (a record
	// created during the initial sync may arrive both ways: merging is
	// idempotent, so that is harmless).
	seen := make([]map[string]int, pullers)
	initialSeen := make([]map[string]bool, pullers)
	var pw sync.WaitGroup
	for p := 0; p < pullers; p++ {
		seen[p] = map[string]int{}
		initialSeen[p] = map[string]bool{}
		pw.Add(1)
		go func(p int) {
			defer pw.Done()
			// Start with an initial sync: what was committed before it
			// arrives as compacted state, keeping each change's id.
			initial, cursor, _ := e.pullAll(reader, "", 50)
			for _, c := range initial {
				initialSeen[p][c.ID] = true
			}
			for {
				select {
				case <-stop:
					changes, _, _ := e.pullAll(reader, cursor, 50)
					for _, c := range changes {
						seen[p][c.ID]++
					}
					return
				default:
				}
				r := e.do("GET", "/v1/sync/pull?limit=7&cursor="+cursor, reader, nil)
				if r.Status != 200 {
					t.Errorf("pull: %d %s", r.Status, r.Body)
					return
				}
				var pr syncproto.PullResponse
				r.decode(t, &pr)
				for _, c := range pr.Changes {
					seen[p][c.ID]++
				}
				cursor = pr.Cursor
			}
		}(p)
	}
	wg.Wait()
	close(stop)
	pw.Wait()
	if len(applied) != devices*pushes*perPush {
		t.Fatalf("applied %d, want %d", len(applied), devices*pushes*perPush)
	}
	for p := range seen {
		for id, n := range seen[p] {
			if n != 1 {
				t.Fatalf("puller %d got %s from the log %d times", p, id, n)
			}
		}
		for id := range applied {
			if seen[p][id] == 0 && !initialSeen[p][id] {
				t.Fatalf("puller %d never received %s", p, id)
			}
		}
	}
}

func TestServer_Health(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		t.Run(path, func(t *testing.T) {
			r := e.do("GET", path, "", nil)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
		})
	}
	t.Run("metrics count pushes", func(t *testing.T) {
		tok := e.token("sam", "back_office", "desk-1", "*")
		e.do("GET", "/v1/sync/pull", tok, nil)
		r := e.do("GET", "/metrics", "", nil)
		if !strings.Contains(string(r.Body), `continuity_http_requests_total{method="GET",route="/v1/sync/pull",status="200"} 1`) {
			t.Fatalf("metrics missing the pull: %s", r.Body)
		}
	})
	t.Run("unknown route", func(t *testing.T) {
		r := e.do("GET", "/v2/nothing", "", nil)
		if r.Status != 404 || r.errorBody(t).Code != "not_found" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}
