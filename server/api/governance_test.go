package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/demo"
	"github.com/google/uuid"
)

// TestServer_ResidentExport: "A resident's daughter asks for everything we
// hold about her mother" (UK GDPR Art. 15). The export holds exactly that
// person's records, is refused outside the incident and role, and is audited.
func TestServer_ResidentExport(t *testing.T) {
	e := newEnv(t)
	incA, incB := uuid.NewString(), uuid.NewString()
	sw := e.token("sam", care.RoleSocialWorker, "tab-sam", incA)
	bo := e.token("bea", care.RoleBackOffice, "desk-bea", incA)
	boB := e.token("bob", care.RoleBackOffice, "desk-bob", incB)
	admin := e.token("ada", care.RoleAdmin, "desk-ada", care.AllIncidents)
	dirB := e.token("dee", care.RoleDirector, "desk-dee", incB)

	w := newWriter("tab-sam", e.clock.Now)
	edith, albert := uuid.NewString(), uuid.NewString()
	checkE, checkA := uuid.NewString(), uuid.NewString()
	r := e.push(sw,
		w.upsert("residents", edith, resident(incA)),
		w.upsert("residents", albert, map[string]any{"incident_id": incA, "given_name": "Albert", "family_name": "Quigley"}),
		w.upsert("safe_and_well_checks", checkE, map[string]any{"incident_id": incA, "resident_id": edith, "visited_at": "2026-11-23T09:30:00Z",
			"outcome": "safe_and_well", "in_own_words": "I want to stay near my daughter"}),
		w.upsert("safe_and_well_checks", checkA, map[string]any{"incident_id": incA, "resident_id": albert, "visited_at": "2026-11-23T09:40:00Z",
			"outcome": "concerns", "in_own_words": "Albert-private-words"}),
		// Rejected: an outcome the schema does not know; kept in quarantine.
		w.upsert("safe_and_well_checks", uuid.NewString(), map[string]any{"incident_id": incA, "resident_id": edith, "visited_at": "2026-11-23T09:50:00Z",
			"outcome": "fine"}),
	)
	if got := statusesOf(r); !strings.HasPrefix(got, "applied,applied,applied,applied,rejected") {
		t.Fatalf("push: %s", got)
	}

	t.Run("exactly the person's records", func(t *testing.T) {
		resp := e.do("GET", "/v1/residents/"+edith+"/export", bo, nil)
		if resp.Status != 200 {
			t.Fatalf("export = %d: %s", resp.Status, resp.Body)
		}
		var exp care.ResidentExport
		resp.decode(t, &exp)
		if exp.Resident.ID != edith || len(exp.Resident.History) == 0 || exp.IncidentID != incA {
			t.Fatalf("resident part: %+v", exp.Resident)
		}
		if len(exp.Records) != 1 || exp.Records[0].ID != checkE || len(exp.Records[0].History) != 1 {
			t.Fatalf("records: %+v", exp.Records)
		}
		if h := exp.Records[0].History[0]; h.Subject != "sam" || h.Role != care.RoleSocialWorker {
			t.Fatalf("history says %s/%s wrote it", h.Subject, h.Role)
		}
		if len(exp.Quarantined) != 1 || exp.Quarantined[0].Error.Field == "" {
			t.Fatalf("quarantined: %+v", exp.Quarantined)
		}
		body := string(resp.Body)
		for _, other := range []string{albert, checkA, "Albert", "Quigley", "Albert-private-words"} {
			if strings.Contains(body, other) {
				t.Errorf("export of Edith holds %q of another resident", other)
			}
		}
		if !strings.Contains(body, "I want to stay near my daughter") {
			t.Error("export lacks the person's own words")
		}
	})
	t.Run("printable page", func(t *testing.T) {
		resp := e.do("GET", "/v1/residents/"+edith+"/export?format=html", admin, nil)
		if resp.Status != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("html export = %d %s", resp.Status, resp.Header.Get("Content-Type"))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "'sha256-") {
			t.Fatalf("CSP %q", csp)
		}
		page := string(resp.Body)
		if !strings.Contains(page, "Subject access export") || !strings.Contains(page, "I want to stay near my daughter") || strings.Contains(page, "Quigley") {
			t.Fatalf("page:\n%s", page)
		}
	})
	t.Run("refused", func(t *testing.T) {
		cases := []struct {
			name, token, path string
			status            int
			code              string
		}{
			{"other incident's back office", boB, "/v1/residents/" + edith + "/export", 404, "not_found"},
			{"social worker", sw, "/v1/residents/" + edith + "/export", 403, "forbidden_role"},
			{"unknown resident", bo, "/v1/residents/" + uuid.NewString() + "/export", 404, "not_found"},
			{"bad id", bo, "/v1/residents/nope/export", 400, "invalid_uuid"},
			{"bad format", bo, "/v1/residents/" + edith + "/export?format=pdf", 400, "invalid_value"},
			{"reads report for back office", bo, "/v1/audit/reads", 403, "forbidden_role"},
			{"reads of a resident outside the director's incident", dirB, "/v1/audit/reads?resident_id=" + edith, 404, "not_found"},
			{"reads bad limit", admin, "/v1/audit/reads?limit=0", 400, "invalid_value"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				resp := e.do("GET", c.path, c.token, nil)
				if resp.Status != c.status || resp.errorBody(t).Code != c.code {
					t.Fatalf("%s = %d %s", c.path, resp.Status, resp.Body)
				}
			})
		}
	})
	t.Run("reads are audited and reported per resident", func(t *testing.T) {
		if resp := e.do("GET", "/v1/records/safe_and_well_checks/"+checkE+"/history", bo, nil); resp.Status != 200 {
			t.Fatalf("history = %d", resp.Status)
		}
		if resp := e.do("GET", "/v1/records/safe_and_well_checks/"+checkA+"/history", bo, nil); resp.Status != 200 {
			t.Fatalf("history = %d", resp.Status)
		}
		resp := e.do("GET", "/v1/audit/reads?resident_id="+edith, admin, nil)
		if resp.Status != 200 {
			t.Fatalf("reads = %d %s", resp.Status, resp.Body)
		}
		var out struct{ Reads []care.ReadEvent }
		resp.decode(t, &out)
		var got []string
		for _, r := range out.Reads {
			got = append(got, r.Subject+":"+r.Action+":"+r.Detail)
			if r.ResidentID != "" && r.ResidentID != edith {
				t.Errorf("read of another resident listed: %+v", r)
			}
			if r.At.IsZero() || r.DeviceID == "" || r.IncidentID != incA {
				t.Errorf("incomplete event %+v", r)
			}
		}
		want := "bea:export:json,ada:export:html,bea:history:"
		if strings.Join(got, ",") != want {
			t.Fatalf("reads of Edith:\n got %s\nwant %s", strings.Join(got, ","), want)
		}
		// The director of another incident sees none of incident A's reads.
		resp = e.do("GET", "/v1/audit/reads?incident_id="+incA, dirB, nil)
		resp.decode(t, &out)
		if resp.Status != 200 || len(out.Reads) != 0 {
			t.Fatalf("director of B sees %d reads of A", len(out.Reads))
		}
	})
	t.Run("no personal data in the server's log", func(t *testing.T) {
		for _, s := range []string{"Edith", "Barlow", "9434765919", "daughter"} {
			if strings.Contains(e.logs.String(), s) {
				t.Errorf("log holds %q", s)
			}
		}
	})
}

// TestServer_ReportReadsAudited: reports that name an incident's residents
// are read audits of the whole incident, listed for each of its residents.
func TestServer_ReportReadsAudited(t *testing.T) {
	e := newEnv(t)
	sc := loadScenario(t, e)
	bo := e.token("bea", care.RoleBackOffice, "desk-bea", care.AllIncidents)
	admin := e.token("ada", care.RoleAdmin, "desk-ada", care.AllIncidents)
	// The summary is read twice: a screen refreshing itself is one read
	// within the window.
	for _, path := range []string{"/movement-log?format=csv", "/summary", "/summary"} {
		if resp := e.do("GET", "/v1/incidents/"+sc.IncidentID+path, bo, nil); resp.Status != 200 {
			t.Fatalf("%s = %d", path, resp.Status)
		}
	}
	// A refused report is not a read.
	if resp := e.do("GET", "/v1/incidents/"+uuid.NewString()+"/summary", bo, nil); resp.Status != 404 {
		t.Fatalf("unknown incident = %d", resp.Status)
	}
	resp := e.do("GET", "/v1/audit/reads?incident_id="+sc.IncidentID, admin, nil)
	var out struct{ Reads []care.ReadEvent }
	resp.decode(t, &out)
	var got []string
	for _, r := range out.Reads {
		got = append(got, r.Subject+":"+r.Action+":"+r.Detail)
	}
	if strings.Join(got, ",") != "bea:report:movement-log,bea:report:summary" {
		t.Fatalf("reads = %v", got)
	}
	// After the window the same report is a new read.
	e.clock.Advance(api.ReportReadWindow)
	if resp := e.do("GET", "/v1/incidents/"+sc.IncidentID+"/summary", bo, nil); resp.Status != 200 {
		t.Fatalf("summary = %d", resp.Status)
	}
	resp = e.do("GET", "/v1/audit/reads?incident_id="+sc.IncidentID, admin, nil)
	resp.decode(t, &out)
	if len(out.Reads) != 3 {
		t.Fatalf("after the window: %d reads, want 3", len(out.Reads))
	}
}

// scenarioResidents lists the scenario's resident ids, in the order pushed.
func scenarioResidents(sc demo.Scenario) []string {
	var ids []string
	seen := map[string]bool{}
	for _, raw := range sc.Changes {
		var ch struct {
			Collection string `json:"collection"`
			RecordID   string `json:"record_id"`
		}
		if json.Unmarshal(raw, &ch) == nil && ch.Collection == "residents" && !seen[ch.RecordID] {
			seen[ch.RecordID] = true
			ids = append(ids, ch.RecordID)
		}
	}
	return ids
}

// TestServer_TransferSummaryReadsAudited: a transfer summary is one person's
// record (NHS number, medication, capacity); every read is audited with that
// person, so the Caldicott Guardian's query for each resident finds the read
// of their own summary, and not one incident-wide row shared by all.
func TestServer_TransferSummaryReadsAudited(t *testing.T) {
	e := newEnv(t)
	sc := loadScenario(t, e)
	sw := e.token("sam", care.RoleSocialWorker, "tab-sam", sc.IncidentID)
	admin := e.token("ada", care.RoleAdmin, "desk-ada", care.AllIncidents)
	ids := scenarioResidents(sc)
	if len(ids) < 20 {
		t.Fatalf("scenario has %d residents, want 20", len(ids))
	}
	ids = ids[:20]
	for _, id := range ids {
		if r := e.do("GET", "/v1/incidents/"+sc.IncidentID+"/residents/"+id+"/transfer-summary", sw, nil); r.Status != 200 {
			t.Fatalf("transfer summary of %s = %d %s", id, r.Status, r.Body)
		}
	}
	t.Run("one row per resident read, naming the resident", func(t *testing.T) {
		resp := e.do("GET", "/v1/audit/reads?incident_id="+sc.IncidentID, admin, nil)
		var out struct{ Reads []care.ReadEvent }
		resp.decode(t, &out)
		named := map[string]int{}
		for _, r := range out.Reads {
			named[r.ResidentID]++
		}
		for _, id := range ids {
			if named[id] != 1 {
				t.Errorf("resident %s named by %d read rows, want 1", id, named[id])
			}
		}
		if len(out.Reads) != len(ids) {
			t.Errorf("%d read rows for %d summaries read: %+v", len(out.Reads), len(ids), out.Reads)
		}
	})
	t.Run("the per-person query finds each read", func(t *testing.T) {
		for _, id := range ids {
			resp := e.do("GET", "/v1/audit/reads?resident_id="+id, admin, nil)
			if resp.Status != 200 {
				t.Fatalf("reads of %s = %d %s", id, resp.Status, resp.Body)
			}
			var out struct{ Reads []care.ReadEvent }
			resp.decode(t, &out)
			if len(out.Reads) != 1 {
				t.Fatalf("reads of %s: %+v", id, out.Reads)
			}
			r := out.Reads[0]
			if r.ResidentID != id || r.Subject != "sam" || r.DeviceID != "tab-sam" || r.Detail != "transfer-summary" || r.IncidentID != sc.IncidentID {
				t.Errorf("read of %s: %+v", id, r)
			}
		}
	})
	t.Run("a summary read again is audited again", func(t *testing.T) {
		if r := e.do("GET", "/v1/incidents/"+sc.IncidentID+"/residents/"+ids[0]+"/transfer-summary?format=html", sw, nil); r.Status != 200 {
			t.Fatalf("transfer summary = %d", r.Status)
		}
		resp := e.do("GET", "/v1/audit/reads?resident_id="+ids[0], admin, nil)
		var out struct{ Reads []care.ReadEvent }
		resp.decode(t, &out)
		if len(out.Reads) != 2 {
			t.Fatalf("reads of %s after a second read: %+v", ids[0], out.Reads)
		}
	})
}

// TestServer_ReadsOfDeletedResident: the Caldicott Guardian's query for a
// person still answers once the person's record is deleted (a tombstone has
// no incident_id field; the stored record keeps its incident).
func TestServer_ReadsOfDeletedResident(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	sw := e.token("sam", care.RoleSocialWorker, "tab-sam", inc)
	bo := e.token("bea", care.RoleBackOffice, "desk-bea", inc)
	admin := e.token("ada", care.RoleAdmin, "desk-ada", care.AllIncidents)
	dirOther := e.token("dee", care.RoleDirector, "desk-dee", uuid.NewString())
	w := newWriter("tab-sam", e.clock.Now)
	edith := uuid.NewString()
	if r := e.push(sw, w.upsert("residents", edith, resident(inc))); statusesOf(r) != "applied" {
		t.Fatalf("push: %s", statusesOf(r))
	}
	if r := e.do("GET", "/v1/residents/"+edith+"/export", bo, nil); r.Status != 200 {
		t.Fatalf("export = %d %s", r.Status, r.Body)
	}
	e.clock.Advance(time.Minute)
	if r := e.push(bo, newWriter("desk-bea", e.clock.Now).del("residents", edith)); statusesOf(r) != "applied" {
		t.Fatalf("delete: %s", statusesOf(r))
	}
	t.Run("reads still listed", func(t *testing.T) {
		resp := e.do("GET", "/v1/audit/reads?resident_id="+edith, admin, nil)
		if resp.Status != 200 {
			t.Fatalf("reads of the deleted resident = %d %s", resp.Status, resp.Body)
		}
		var out struct{ Reads []care.ReadEvent }
		resp.decode(t, &out)
		if len(out.Reads) != 1 || out.Reads[0].ResidentID != edith || out.Reads[0].Action != care.ReadExport || out.Reads[0].IncidentID != inc {
			t.Fatalf("reads of the deleted resident: %+v", out.Reads)
		}
	})
	t.Run("still scoped", func(t *testing.T) {
		resp := e.do("GET", "/v1/audit/reads?resident_id="+edith, dirOther, nil)
		if resp.Status != 404 || resp.errorBody(t).Code != "not_found" {
			t.Fatalf("another incident's director = %d %s", resp.Status, resp.Body)
		}
	})
}
