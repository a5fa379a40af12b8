package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	continuity "github.com/continuity-care/continuity/client-sdk"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/retention"
	"github.com/continuity-care/continuity/syncproto"
)

// set moves the clock to t (years ahead, for retention).
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// longToken registers a user and device and returns a token that outlives
// the years the test's clock jumps.
func (e *env) longToken(sub, role, device string, incidents ...string) string {
	e.t.Helper()
	return e.tokenFor(30*365*24*time.Hour, sub, role, device, incidents...)
}

// systemPush writes changes as the server itself (incident set-up).
func (e *env) systemPush(changes ...map[string]any) {
	e.t.Helper()
	var raws []json.RawMessage
	for _, c := range changes {
		b, _ := json.Marshal(c)
		raws = append(raws, b)
	}
	resp, err := e.sync.Push(context.Background(), care.SystemPrincipal, syncproto.PushRequest{Changes: raws})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range resp.Results {
		if r.Status != syncproto.StatusApplied {
			e.t.Fatalf("system change %s: %s %v", r.ID, r.Status, r.Error)
		}
	}
}

// deviceHolds returns every stored row of a tablet's database that
// mentions s (its state, base state and outbox).
func deviceHolds(t *testing.T, path, s string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []string
	for _, q := range []string{"SELECT state FROM records", "SELECT state FROM base", "SELECT change FROM outbox"} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(v, s) {
				out = append(out, v)
			}
		}
		rows.Close()
	}
	return out
}

// TestRetention_PurgeOnDevices: "How long do we keep it, and then what?" A
// tablet holds an incident's records; eight years after the incident closed
// the dry run lists them and changes nothing, the real run removes them from
// the server (history keeps only the tombstone, quarantine and export hold
// nothing of them, the retention log says what went), and the tablet's next
// sync removes them from the tablet. An incident still active is untouched;
// a second run does nothing.
func TestRetention_PurgeOnDevices(t *testing.T) {
	e := newEnv(t)
	e.clock.set(time.Now().UTC().Truncate(time.Second)) // the tablet stamps changes with the same clock
	start := e.clock.Now()
	ctx := context.Background()
	closedInc, openInc := uuid.NewString(), uuid.NewString()
	for _, inc := range []string{closedInc, openInc} {
		e.systemPush(map[string]any{"id": uuid.NewString(), "collection": "incidents", "record_id": inc, "op": "upsert",
			"fields": map[string]any{"incident_id": inc, "provider_id": uuid.NewString(), "title": "Closure " + inc[:8], "trigger_criterion": "ii",
				"process": 2, "status": "active", "activated_at": start.Format(time.RFC3339), "reason": "administrators appointed"},
			"hlc": syncproto.HLC{Wall: start.UnixMilli(), Node: "setup"}.String(), "recorded_at": start.Format(time.RFC3339)})
	}
	sw := e.longToken("sam", care.RoleSocialWorker, "tab-sam", closedInc, openInc)
	bo := e.longToken("bea", care.RoleBackOffice, "desk-bea", closedInc, openInc)

	path := filepath.Join(t.TempDir(), "tablet.db")
	tab, err := continuity.Open(&continuity.Config{DBPath: path, Now: e.clock.Now, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	if err := tab.EnrolWithAccessToken(e.url, sw); err != nil {
		t.Fatal(err)
	}
	ada, err := tab.SaveResident(&continuity.Resident{IncidentID: closedInc, GivenName: "Adelaide", FamilyName: "Quennell"})
	if err != nil {
		t.Fatal(err)
	}
	checkAda, err := tab.RecordCheck(&continuity.SafeAndWellCheck{ResidentID: ada, Outcome: "safe_and_well", Observations: "Adelaide-private-observation"})
	if err != nil {
		t.Fatal(err)
	}
	bert, err := tab.SaveResident(&continuity.Resident{IncidentID: openInc, GivenName: "Bertram", FamilyName: "Oakes"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Sync(); err != nil {
		t.Fatal(err)
	}
	// A rejected edit of Adelaide's record, kept in quarantine.
	w := newWriter("tab-sam", e.clock.Now)
	if got := statusesOf(e.push(sw, w.upsert("residents", ada, map[string]any{"date_of_birth": "Adelaide-bad-date"}))); !strings.HasPrefix(got, "rejected") {
		t.Fatalf("push: %s", got)
	}

	e.clock.Advance(24 * time.Hour)
	closedAt := e.clock.Now()
	e.systemPush(map[string]any{"id": uuid.NewString(), "collection": "incidents", "record_id": closedInc, "op": "upsert",
		"fields": map[string]any{"status": "closed"}, "hlc": e.sync.Clock().Now().String(), "recorded_at": closedAt.Format(time.RFC3339)})
	if _, err := tab.Sync(); err != nil {
		t.Fatal(err)
	}
	if r, err := tab.Resident(ada); err != nil || r.GivenName != "Adelaide" {
		t.Fatalf("the tablet does not hold Adelaide before retention: %+v %v", r, err)
	}

	store, ok := e.store.(retention.Store)
	if !ok {
		t.Fatalf("%T is not a retention.Store", e.store)
	}
	svc := retention.New(store, e.sync.Registry(), retention.Default(), e.clock.Now, "retention", slog.New(slog.DiscardHandler))
	history := func(collection, id string) []care.AuditedChange {
		t.Helper()
		r := e.do("GET", "/v1/records/"+collection+"/"+id+"/history", bo, nil)
		if r.Status != 200 {
			t.Fatalf("history of %s/%s: %d %s", collection, id, r.Status, r.Body)
		}
		var out struct {
			History []care.AuditedChange `json:"history"`
		}
		r.decode(t, &out)
		return out.History
	}

	t.Run("closed too recently: nothing due", func(t *testing.T) {
		e.clock.set(closedAt.AddDate(8, 0, 0).Add(-time.Minute))
		p, err := svc.Plan(ctx)
		if err != nil || len(p.Due) != 0 {
			t.Fatalf("due a minute early: %+v %v", p, err)
		}
	})

	e.clock.set(closedAt.AddDate(8, 0, 1))
	t.Run("dry run lists exactly the closed incident's care records", func(t *testing.T) {
		beforeHist := len(history("residents", ada))
		p, err := svc.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range p.Due {
			got = append(got, d.Collection+"/"+d.RecordID)
			if d.IncidentID != closedInc || d.Rule != "care-record" || !d.DueSince.Equal(closedAt.AddDate(8, 0, 0)) {
				t.Errorf("due %+v", d)
			}
		}
		sort.Strings(got)
		want := []string{"residents/" + ada, "safe_and_well_checks/" + checkAda}
		if !slices.Equal(got, want) {
			t.Fatalf("due %v, want %v", got, want)
		}
		if n := len(history("residents", ada)); n != beforeHist || n < 1 {
			t.Fatalf("the dry run changed the history: %d changes, was %d", n, beforeHist)
		}
		if log, _ := store.RetentionLog(ctx, care.RetentionFilter{}); len(log) != 0 {
			t.Fatalf("the dry run logged %+v", log)
		}
	})

	t.Run("run removes them from the server", func(t *testing.T) {
		rep, err := svc.Run(ctx)
		if err != nil || len(rep.Removed) != 2 || len(rep.Skipped) != 0 {
			t.Fatalf("run: %+v %v", rep, err)
		}
		for _, k := range [][2]string{{"residents", ada}, {"safe_and_well_checks", checkAda}} {
			h := history(k[0], k[1])
			if len(h) != 1 || h[0].Change.Op != syncproto.OpDelete || h[0].Subject != "system" {
				t.Fatalf("history of %s after the run: %+v", k, h)
			}
		}
		r := e.do("GET", "/v1/quarantine", bo, nil)
		if r.Status != 200 || strings.Contains(string(r.Body), ada) || strings.Contains(string(r.Body), "Adelaide") {
			t.Fatalf("quarantine after the run: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/v1/residents/"+ada+"/export", bo, nil); r.Status != 404 {
			t.Fatalf("export of a removed resident: %d %s", r.Status, r.Body)
		}
		log, err := store.RetentionLog(ctx, care.RetentionFilter{})
		if err != nil || len(log) != 2 {
			t.Fatalf("retention log: %+v %v", log, err)
		}
		for _, en := range log {
			if en.IncidentID != closedInc || en.Rule != "care-record" || !en.At.Equal(e.clock.Now()) || en.ChangesRemoved < 1 {
				t.Fatalf("entry %+v", en)
			}
		}
		if ada := log[0]; ada.Collection == "residents" && ada.QuarantineRemoved != 1 {
			t.Fatalf("the resident's rejected change was not removed: %+v", ada)
		}
		// A new device of the incident starts with nothing of them.
		fresh := e.longToken("nia", care.RoleSocialWorker, "tab-nia", closedInc)
		changes, _, _ := e.pullAll(fresh, "", 100)
		body, _ := json.Marshal(changes)
		if strings.Contains(string(body), "Adelaide") || strings.Contains(string(body), "private-observation") {
			t.Fatalf("an initial sync serves removed data: %s", body)
		}
	})

	t.Run("the tablet removes them on its next sync", func(t *testing.T) {
		if len(deviceHolds(t, path, "Adelaide")) == 0 {
			t.Fatal("the tablet should still hold Adelaide before it syncs")
		}
		if _, err := tab.Sync(); err != nil {
			t.Fatal(err)
		}
		if _, err := tab.Resident(ada); err == nil {
			t.Fatal("the tablet still shows Adelaide")
		}
		if l, err := tab.List("safe_and_well_checks", closedInc); err != nil || l.Len() != 0 {
			t.Fatalf("the tablet still lists the closed incident's checks: %v", err)
		}
		for _, s := range []string{"Adelaide", "Quennell", "private-observation"} {
			if rows := deviceHolds(t, path, s); len(rows) != 0 {
				t.Fatalf("the tablet's database still holds %q: %v", s, rows)
			}
		}
		if r, err := tab.Resident(bert); err != nil || r.GivenName != "Bertram" {
			t.Fatalf("the open incident's resident went too: %+v %v", r, err)
		}
	})

	t.Run("records not yet due are untouched", func(t *testing.T) {
		if h := history("residents", bert); len(h) != 1 || h[0].Change.Op != syncproto.OpUpsert {
			t.Fatalf("history of the open incident's resident: %+v", h)
		}
		if h := history("incidents", closedInc); len(h) != 2 {
			t.Fatalf("the incident record (kept 20 years) changed: %+v", h)
		}
	})

	t.Run("a second run is a no-op", func(t *testing.T) {
		head, _ := e.store.Head(ctx)
		rep, err := svc.Run(ctx)
		if err != nil || len(rep.Removed) != 0 {
			t.Fatalf("second run: %+v %v", rep, err)
		}
		if h, _ := e.store.Head(ctx); h != head {
			t.Fatalf("the second run wrote to the log: head %d, was %d", h, head)
		}
		if log, _ := store.RetentionLog(ctx, care.RetentionFilter{}); len(log) != 2 {
			t.Fatalf("the second run logged: %+v", log)
		}
	})
}
