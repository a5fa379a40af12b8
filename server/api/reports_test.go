package api_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/server/reports"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// loadScenario pushes the Larkfield House scenario as the server would with
// --demo and returns it.
func loadScenario(t *testing.T, e *env) demo.Scenario {
	t.Helper()
	sc, err := demo.Load("../../testdata/scenario/scenario.json")
	if err != nil {
		t.Fatal(err)
	}
	for start := 0; start < len(sc.Changes); start += syncproto.MaxPushChanges {
		end := min(start+syncproto.MaxPushChanges, len(sc.Changes))
		resp, err := e.sync.Push(t.Context(), care.SystemPrincipal, syncproto.PushRequest{Changes: sc.Changes[start:end]})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.Results {
			if r.Status == syncproto.StatusRejected {
				t.Fatalf("scenario change %s rejected: %v", r.ID, r.Error)
			}
		}
	}
	return sc
}

func TestServer_IncidentReports(t *testing.T) {
	e := newEnv(t)
	sc := loadScenario(t, e)
	fig, err := demo.Counts(sc)
	if err != nil {
		t.Fatal(err)
	}
	inc := sc.IncidentID
	bo := e.token("bea", "back_office", "desk-1", "*")
	base := "/v1/incidents/" + inc

	t.Run("summary figures match the scenario", func(t *testing.T) {
		var s struct {
			Residents struct {
				Total     int            `json:"total"`
				ByFunding map[string]int `json:"by_funding"`
			} `json:"residents"`
			Moves struct {
				ByStatus map[string]int `json:"by_status"`
			} `json:"moves"`
			ChecklistTotal struct {
				Items int `json:"items"`
			} `json:"checklist_total"`
		}
		r := e.do("GET", base+"/summary", bo, nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		r.decode(t, &s)
		if s.Residents.Total != fig.Residents {
			t.Fatalf("residents = %d, scenario has %d", s.Residents.Total, fig.Residents)
		}
		for k, v := range fig.ResidentsByFunding {
			if s.Residents.ByFunding[k] != v {
				t.Errorf("funding %s = %d, scenario has %d (%s)", k, s.Residents.ByFunding[k], v, r.Body)
			}
		}
		if s.ChecklistTotal.Items != 99 {
			t.Fatalf("checklist items = %d, want 99", s.ChecklistTotal.Items)
		}
	})
	t.Run("CSV downloads", func(t *testing.T) {
		for _, path := range []string{"/summary?format=csv", "/movement-log?format=csv", "/decision-log?format=csv"} {
			r := e.do("GET", base+path, bo, nil)
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
				t.Fatalf("%s: %d %s", path, r.Status, r.Header)
			}
			if !strings.HasPrefix(string(r.Body), reports.BOM) {
				t.Fatalf("the CSV does not start with the UTF-8 byte order mark Excel needs")
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(r.Body), reports.BOM))).ReadAll()
			if err != nil || len(rows) < 2 {
				t.Fatalf("%s: %v %d rows", path, err, len(rows))
			}
		}
	})
	t.Run("logs as JSON", func(t *testing.T) {
		var ml struct {
			Entries []map[string]any `json:"entries"`
		}
		e.do("GET", base+"/movement-log", bo, nil).decode(t, &ml)
		st, err := demo.Apply(sc)
		if err != nil {
			t.Fatal(err)
		}
		// People's entries are all there, and the server wrote its own
		// from the records (003 Appendix 2, 7.17).
		byPeople, byServer := 0, 0
		for _, en := range ml.Entries {
			if en["recorded_by"] == domain.LogRecordedBy {
				byServer++
			} else {
				byPeople++
			}
		}
		if want := len(st.Records("movement_log")); byPeople != want || byServer == 0 {
			t.Fatalf("movement log has %d entries by people (scenario %d) and %d by the server", byPeople, want, byServer)
		}
	})
	t.Run("suggestions", func(t *testing.T) {
		var a, b struct {
			Suggestions []map[string]any `json:"suggestions"`
		}
		e.do("GET", base+"/suggestions?areas=any", bo, nil).decode(t, &a)
		e.do("GET", base+"/suggestions?areas=any", bo, nil).decode(t, &b)
		if len(a.Suggestions) == 0 || mustJSON(a) != mustJSON(b) {
			t.Fatalf("suggestions empty or not deterministic: %d", len(a.Suggestions))
		}
	})
	t.Run("provider assessment", func(t *testing.T) {
		st, _ := demo.Apply(sc)
		inc := st.Record("incidents", inc)
		prov := schema.StringValue(inc, "provider_id")
		var a struct {
			Oversight     string `json:"oversight"`
			TemporaryDuty struct {
				S48Engaged bool `json:"s48_engaged"`
			} `json:"temporary_duty"`
		}
		r := e.do("GET", "/v1/providers/"+prov+"/assessment", bo, nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		r.decode(t, &a)
		if a.Oversight != "residential" || !a.TemporaryDuty.S48Engaged {
			t.Fatalf("Larkfield's provider (administrators appointed, home closing): %s", r.Body)
		}
	})
	bad := []struct {
		name, token, path string
		status            int
		code              string
	}{
		{"bad format", bo, base + "/summary?format=xml", 400, "invalid_value"},
		{"bad id", bo, "/v1/incidents/nope/summary", 400, "invalid_uuid"},
		{"unknown incident", bo, "/v1/incidents/" + uuid.NewString() + "/summary", 404, "not_found"},
		{"incident not granted", e.token("sam", "social_worker", "tab-1", uuid.NewString()), base + "/summary", 404, "not_found"},
		{"transport coordinator", e.token("ted", "transport_coordinator", "tab-t", inc), base + "/movement-log", 403, "forbidden_role"},
		{"social worker may not see suggestions", e.token("kim", "social_worker", "tab-k", inc), base + "/suggestions", 403, "forbidden_role"},
		{"unknown provider", bo, "/v1/providers/" + uuid.NewString() + "/assessment", 404, "not_found"},
		{"social worker may not assess providers", e.token("kim", "social_worker", "tab-k", inc), "/v1/providers/" + uuid.NewString() + "/assessment", 403, "forbidden_role"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", tc.path, tc.token, nil)
			if r.Status != tc.status || r.errorBody(t).Code != tc.code {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
}
