package retention_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/postgres"
	"github.com/continuity-care/continuity/server/postgres/pgtest"
	"github.com/continuity-care/continuity/server/retention"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// clock is the injected clock every part of a test reads.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// stores opens each store under test (PostgreSQL's tests skip when
// CONTINUITY_TEST_POSTGRES names no server, as pgtest says).
func stores(t *testing.T) map[string]func(t *testing.T) retention.Store {
	out := map[string]func(t *testing.T) retention.Store{
		"sqlite": func(t *testing.T) retention.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "continuity.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
	out["postgres"] = func(t *testing.T) retention.Store {
		s, err := postgres.Open(context.Background(), pgtest.FreshDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	return out
}

// world is a store with a sync service and a device writing to it, all on
// one injected clock.
type world struct {
	t     *testing.T
	ctx   context.Context
	store retention.Store
	sync  *care.Sync
	clock *clock
	reg   *schema.Registry
	hlc   *syncproto.Clock
}

func newWorld(t *testing.T, store retention.Store) *world {
	clk := &clock{t: t0}
	reg := domain.Registry(domain.Options{})
	return &world{t: t, ctx: context.Background(), store: store, reg: reg, clock: clk,
		sync: care.NewSync(store, reg, clk.Now, "server", nil), hlc: syncproto.NewClock("tab-1", clk.Now)}
}

// change builds one change as a device would send it.
func (w *world) change(collection, id string, fields map[string]any) json.RawMessage {
	f := map[string]json.RawMessage{}
	for k, v := range fields {
		b, _ := json.Marshal(v)
		f[k] = b
	}
	c := syncproto.Change{ID: uuid.NewString(), Collection: collection, RecordID: id, Op: syncproto.OpUpsert, Fields: f,
		HLC: w.hlc.Now(), RecordedAt: w.clock.Now()}
	b, _ := json.Marshal(c)
	return b
}

// push pushes as the system principal and returns the statuses.
func (w *world) push(raws ...json.RawMessage) []string {
	w.t.Helper()
	resp, err := w.sync.Push(w.ctx, care.SystemPrincipal, syncproto.PushRequest{Changes: raws})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, r := range resp.Results {
		out = append(out, r.Status)
	}
	return out
}

func (w *world) mustApply(raws ...json.RawMessage) {
	w.t.Helper()
	for i, s := range w.push(raws...) {
		if s != syncproto.StatusApplied {
			w.t.Fatalf("change %d: %s: %s", i, s, raws[i])
		}
	}
}

func (w *world) incident(title string) string {
	id := uuid.NewString()
	w.mustApply(w.change("incidents", id, map[string]any{"incident_id": id, "provider_id": uuid.NewString(), "title": title,
		"trigger_criterion": "ii", "process": 2, "status": "active", "activated_at": w.clock.Now().Format(time.RFC3339), "reason": "administrators appointed"}))
	return id
}

func (w *world) setStatus(incident, status string) {
	w.mustApply(w.change("incidents", incident, map[string]any{"status": status}))
}

func (w *world) resident(incident, name string) string {
	id := uuid.NewString()
	w.mustApply(w.change("residents", id, map[string]any{"incident_id": incident, "given_name": name, "family_name": "Test"}))
	return id
}

func (w *world) check(incident, resident string) string {
	id := uuid.NewString()
	w.mustApply(w.change("safe_and_well_checks", id, map[string]any{"incident_id": incident, "resident_id": resident,
		"visited_at": w.clock.Now().Format(time.RFC3339), "outcome": "safe_and_well", "in_own_words": "private words of " + resident}))
	return id
}

func (w *world) records(collection, incident string) []string {
	recs, err := w.store.Records(w.ctx, collection, care.Filter{Scopes: []string{incident}, ScopedOnly: true})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

// snapshot is everything the store holds, to compare before and after.
func (w *world) snapshot() string {
	w.t.Helper()
	head, err := w.store.Head(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	page, err := w.store.Changes(w.ctx, 0, care.Filter{}, 100000)
	if err != nil {
		w.t.Fatal(err)
	}
	q, err := w.store.Quarantine(w.ctx, care.QuarantineFilter{Limit: 100000})
	if err != nil {
		w.t.Fatal(err)
	}
	st, err := w.store.State(w.ctx, "", "", care.Filter{}, 100000)
	if err != nil {
		w.t.Fatal(err)
	}
	b, _ := json.Marshal([]any{head, page, q, st})
	return string(b)
}

func key(collection, id string) string { return collection + "/" + id }

func dueKeys(p *retention.Plan) []string {
	var out []string
	for _, d := range p.Due {
		if d.QuarantineID != 0 {
			out = append(out, fmt.Sprintf("quarantine/%d", d.QuarantineID))
			continue
		}
		out = append(out, key(d.Collection, d.RecordID))
	}
	sort.Strings(out)
	return out
}

func TestService_Run(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) { testRun(t, open(t)) })
	}
}

func testRun(t *testing.T, store retention.Store) {
	w := newWorld(t, store)
	ctx := w.ctx
	// Incident A closes the next day; B closes seven years on; C stays open.
	a, b, c := w.incident("A"), w.incident("B"), w.incident("C")
	ra1, ra2, rb, rc := w.resident(a, "Ada"), w.resident(a, "Alf"), w.resident(b, "Bea"), w.resident(c, "Cy")
	ca := w.check(a, ra1)
	w.check(b, rb)
	w.check(c, rc)
	// Rejected changes: an edit of a kept record (goes with it), a create
	// naming A, one naming the open C, and one that is not JSON at all.
	rejected := w.change("residents", ra2, map[string]any{"date_of_birth": "not a date"})
	orphanA := w.change("safe_and_well_checks", uuid.NewString(), map[string]any{"incident_id": a, "resident_id": ra1, "outcome": "fine"})
	orphanC := w.change("safe_and_well_checks", uuid.NewString(), map[string]any{"incident_id": c, "resident_id": rc, "outcome": "fine"})
	garbage := json.RawMessage(`{"id": "private words, not a change"`)
	if got := w.push(rejected, orphanA, orphanC, garbage); !slices.Equal(got, []string{"rejected", "rejected", "rejected", "rejected"}) {
		t.Fatalf("statuses %v", got)
	}
	// A concern resolved in mid-2016: 10 years on, due in mid-2026.
	concern, openConcern := uuid.NewString(), uuid.NewString()
	w.mustApply(
		w.change("concerns", concern, map[string]any{"provider_id": uuid.NewString(), "source": "complaint", "raised_on": "2016-01-04",
			"description": "a complaint naming a person", "status": "resolved", "resolved_on": "2016-06-01"}),
		w.change("concerns", openConcern, map[string]any{"provider_id": uuid.NewString(), "source": "complaint", "raised_on": "2016-01-04",
			"description": "still open", "status": "open"}))

	w.clock.Set(t0.Add(24 * time.Hour))
	w.setStatus(a, "closed")
	w.clock.Set(t0.AddDate(7, 0, 0))
	w.setStatus(b, "closed")
	w.setStatus(c, "closed")
	w.clock.Set(t0.AddDate(7, 0, 2))
	w.setStatus(c, "active") // reopened: its clock stops

	quarantined, err := store.Quarantine(ctx, care.QuarantineFilter{Limit: 100})
	if err != nil || len(quarantined) != 4 {
		t.Fatalf("quarantine = %v, %v", quarantined, err)
	}
	qid := map[string]int64{}
	for _, q := range quarantined {
		qid[string(q.Raw)] = q.ID
	}

	svc := retention.New(store, w.reg, retention.Default(), w.clock.Now, "retention", slog.New(slog.DiscardHandler))
	checklistA := w.records("checklist_items", a)
	if len(checklistA) == 0 {
		t.Fatal("activating incident A made no checklist")
	}

	t.Run("nothing is due before eight years", func(t *testing.T) {
		w.clock.Set(t0.AddDate(8, 0, 0).Add(-time.Second))
		p, err := svc.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Only the 2016 concern (10 years after 2016-06-01) is due.
		if got := dueKeys(p); !slices.Equal(got, []string{key("concerns", concern)}) {
			t.Fatalf("due = %v", got)
		}
	})

	w.clock.Set(t0.AddDate(8, 0, 2))
	want := []string{key("residents", ra1), key("residents", ra2), key("safe_and_well_checks", ca), key("concerns", concern),
		fmt.Sprintf("quarantine/%d", qid[string(orphanA)]), fmt.Sprintf("quarantine/%d", qid[`"{\"id\": \"private words, not a change\""`])}
	sort.Strings(want)

	t.Run("dry run lists exactly what is due and changes nothing", func(t *testing.T) {
		before := w.snapshot()
		p, err := svc.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := dueKeys(p); !slices.Equal(got, want) {
			t.Fatalf("due =\n%v\nwant\n%v", got, want)
		}
		for _, d := range p.Due {
			switch {
			case d.Collection == "residents" && d.RecordID == ra2:
				if d.Quarantined != 1 || d.Changes != 1 || d.Rule != "care-record" || d.IncidentID != a || !d.DueSince.Equal(t0.Add(24*time.Hour).AddDate(8, 0, 0)) {
					t.Fatalf("due %+v", d)
				}
			case d.Collection == "concerns":
				if d.Rule != "concern" || d.IncidentID != "" || !d.DueSince.Equal(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)) {
					t.Fatalf("due %+v", d)
				}
			case d.QuarantineID == qid[string(orphanA)]:
				if d.Rule != "quarantine" || d.IncidentID != a {
					t.Fatalf("due %+v", d)
				}
			}
		}
		if after := w.snapshot(); after != before {
			t.Fatal("the dry run changed the store")
		}
	})

	t.Run("run removes what is due and only that", func(t *testing.T) {
		before := map[string][]care.AuditedChange{}
		for _, k := range []string{key("residents", rb), key("residents", rc), key("incidents", a), key("concerns", openConcern)} {
			col, id, _ := strings.Cut(k, "/")
			h, err := store.History(ctx, col, id)
			if err != nil {
				t.Fatal(err)
			}
			before[k] = h
		}
		rep, err := svc.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Removed) != len(want) || len(rep.Skipped) != 0 {
			t.Fatalf("report: %+v", rep)
		}
		for _, k := range want {
			col, id, ok := strings.Cut(k, "/")
			if !ok || col == "quarantine" {
				continue
			}
			hist, err := store.History(ctx, col, id)
			if err != nil || len(hist) != 1 || hist[0].Change.Op != syncproto.OpDelete || hist[0].Subject != "system" {
				t.Fatalf("history of %s after the run: %+v %v", k, hist, err)
			}
			rec, err := store.Record(ctx, col, id)
			if err != nil || !rec.Deleted() || len(rec.Fields) != 0 {
				t.Fatalf("state of %s: %+v %v", k, rec, err)
			}
		}
		q, err := store.Quarantine(ctx, care.QuarantineFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range q {
			if e.Error.Code == care.CodeRetentionRemoved {
				continue
			}
			if e.RecordID == ra2 || e.ID == qid[string(orphanA)] || strings.Contains(string(e.Raw), "private words") {
				t.Fatalf("quarantine still holds %+v", e)
			}
		}
		if len(q) < 1 || q[0].ID != qid[string(orphanC)] {
			t.Fatalf("the open incident's rejected change is gone: %+v", q)
		}
		for k, h := range before {
			col, id, _ := strings.Cut(k, "/")
			after, err := store.History(ctx, col, id)
			if err != nil || len(after) != len(h) {
				t.Fatalf("%s was touched: %d changes, was %d (%v)", k, len(after), len(h), err)
			}
		}
		log, err := store.RetentionLog(ctx, care.RetentionFilter{})
		if err != nil || len(log) != len(want) {
			t.Fatalf("retention log: %+v %v", log, err)
		}
		for _, e := range log {
			if !e.At.Equal(w.clock.Now()) || e.Rule == "" {
				t.Fatalf("entry %+v", e)
			}
			b, _ := json.Marshal(e)
			if strings.Contains(string(b), "Ada") || strings.Contains(string(b), "private") {
				t.Fatalf("the retention log holds personal data: %s", b)
			}
		}
	})

	t.Run("a second run is a no-op", func(t *testing.T) {
		before := w.snapshot()
		rep, err := svc.Run(ctx)
		if err != nil || len(rep.Removed) != 0 || len(rep.Skipped) != 0 {
			t.Fatalf("second run: %+v, %v", rep, err)
		}
		if w.snapshot() != before {
			t.Fatal("the second run changed the store")
		}
	})

	t.Run("a replayed old change is removed again", func(t *testing.T) {
		// A device re-sends the create of a removed resident: its id is no
		// longer in the log, so the store logs it (the tombstone voids it).
		replay := syncproto.Change{ID: uuid.NewString(), Collection: "residents", RecordID: ra1, Op: syncproto.OpUpsert,
			Fields: map[string]json.RawMessage{"incident_id": json.RawMessage(`"` + a + `"`), "given_name": json.RawMessage(`"Ada"`), "family_name": json.RawMessage(`"Test"`)},
			HLC:    syncproto.HLC{Wall: t0.UnixMilli(), Node: "tab-1"}, RecordedAt: t0}
		raw, _ := json.Marshal(replay)
		if got := w.push(raw); got[0] != syncproto.StatusApplied {
			t.Fatalf("replay: %v", got)
		}
		if rec, _ := store.Record(ctx, "residents", ra1); !rec.Deleted() {
			t.Fatalf("a stale change revived the record: %+v", rec)
		}
		p, err := svc.Plan(ctx)
		if err != nil || !slices.Equal(dueKeys(p), []string{key("residents", ra1)}) {
			t.Fatalf("plan after the replay: %v %v", dueKeys(p), err)
		}
		if _, err := svc.Run(ctx); err != nil {
			t.Fatal(err)
		}
		hist, err := store.History(ctx, "residents", ra1)
		if err != nil || len(hist) != 1 || hist[0].Change.Op != syncproto.OpDelete {
			t.Fatalf("history after removing the replay: %+v %v", hist, err)
		}
	})

	t.Run("the incident record outlives its records", func(t *testing.T) {
		w.clock.Set(t0.AddDate(20, 0, 2))
		p, err := svc.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := dueKeys(p)
		// The decision log entry the server wrote when the incident was
		// activated is kept as long as the incident.
		wantNow := []string{key("incidents", a), key("residents", rb), key("safe_and_well_checks", w.checkOf(b)), key("decision_log", domain.DecisionLogID(a, "activate"))}
		for _, id := range checklistA {
			wantNow = append(wantNow, key("checklist_items", id))
		}
		sort.Strings(wantNow)
		if !slices.Equal(got, wantNow) {
			t.Fatalf("due at 20 years =\n%v\nwant\n%v", got, wantNow)
		}
		if last := p.Due[len(p.Due)-1]; last.Collection != "incidents" {
			t.Fatalf("incident records are not removed last: %+v", last)
		}
		if _, err := svc.Run(ctx); err != nil {
			t.Fatal(err)
		}
		// A's closure is gone with its record; a late record of A counts
		// from the removal, so it is kept another eight years.
		late := w.resident(a, "Late")
		p, err = svc.Plan(ctx)
		if err != nil || len(p.Due) != 0 {
			t.Fatalf("a late record of a removed incident is due at once: %v %v", dueKeys(p), err)
		}
		w.clock.Set(t0.AddDate(28, 0, 3))
		p, err = svc.Plan(ctx)
		if err != nil || !slices.Contains(dueKeys(p), key("residents", late)) {
			t.Fatalf("the late record is not due eight years after its incident was removed: %v %v", dueKeys(p), err)
		}
	})
}

func (w *world) checkOf(incident string) string {
	ids := w.records("safe_and_well_checks", incident)
	if len(ids) != 1 {
		w.t.Fatalf("incident %s has checks %v", incident, ids)
	}
	return ids[0]
}

func TestPolicy_Validate(t *testing.T) {
	reg := domain.Registry(domain.Options{})
	if err := retention.Default().Validate(reg); err != nil {
		t.Fatalf("the default policy: %v", err)
	}
	cases := []struct {
		name, policy, want string
	}{
		{"unknown attribute", `{"rules":[{"name":"a","collections":["residents"],"start":"incident_closed","years":8,"extra":1}]}`, "unknown field"},
		{"unknown collection", `{"rules":[{"name":"a","collections":["people"],"start":"incident_closed","years":8}]}`, `unknown collection "people"`},
		{"two rules for one collection", `{"rules":[{"name":"a","collections":["residents"],"start":"incident_closed","years":8},{"name":"b","collections":["residents"],"start":"incident_closed","years":9}]}`, "already covered by rule a"},
		{"unscoped collection counted from closure", `{"rules":[{"name":"a","collections":["providers"],"start":"incident_closed","years":8}]}`, "not incident-scoped"},
		{"field rule without a field", `{"rules":[{"name":"a","collections":["concerns"],"start":"field","years":8}]}`, "Field"},
		{"field that is not a date", `{"rules":[{"name":"a","collections":["concerns"],"start":"field","field":"description","years":8}]}`, `no date or time field "description"`},
		{"received for records", `{"rules":[{"name":"a","collections":["residents"],"start":"received","years":8}]}`, "only quarantined changes"},
		{"empty period", `{"rules":[{"name":"a","collections":["residents"],"start":"incident_closed"}]}`, "period is empty"},
		{"unknown start", `{"rules":[{"name":"a","collections":["residents"],"start":"whenever","years":1}]}`, "oneof"},
		{"bad name", `{"rules":[{"name":"Care Record","collections":["residents"],"start":"incident_closed","years":1}]}`, "lower-case"},
		{"incidents kept shorter than their records", `{"rules":[{"name":"a","collections":["residents"],"start":"incident_closed","years":8},{"name":"b","collections":["incidents"],"start":"incident_closed","years":2}]}`, "keeps records longer"},
		{"quarantine shares a rule", `{"rules":[{"name":"a","collections":["quarantine","residents"],"start":"incident_closed","years":8}]}`, "rule of its own"},
		{"trailing data", `{"rules":[]} {}`, "trailing data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := retention.Parse([]byte(c.policy), reg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	t.Run("the default policy round-trips through JSON", func(t *testing.T) {
		b, err := json.Marshal(retention.Default())
		if err != nil {
			t.Fatal(err)
		}
		p, err := retention.Parse(b, reg)
		if err != nil || len(p.Rules) != len(retention.Default().Rules) {
			t.Fatalf("%+v %v", p, err)
		}
	})
}

// TestDefault_FollowsTheSchema: each collection is under the default rule
// its schema names (schema.Collection.Retention), and a collection whose
// schema names none is under no rule.
func TestDefault_FollowsTheSchema(t *testing.T) {
	p := retention.Default()
	if err := p.Validate(domain.Registry(domain.Options{})); err != nil {
		t.Fatal(err)
	}
	for _, c := range schema.Domain() {
		t.Run(c.Name, func(t *testing.T) {
			r, ok := p.RuleFor(c.Name)
			switch c.Retention {
			case schema.RetainMarket, schema.RetainUndecided:
				if ok {
					t.Fatalf("under rule %s, but the schema says %s", r.Name, c.Retention)
				}
			default:
				if !ok || r.Name != c.Retention {
					t.Fatalf("rule = %q (%v), the schema says %s", r.Name, ok, c.Retention)
				}
			}
		})
	}
}

// TestDocs_RetentionTable: docs/retention.md's table lists, for each
// default rule, exactly the collections the schema puts under it, and its
// list of collections with no default rule yet names exactly the
// undecided ones.
func TestDocs_RetentionTable(t *testing.T) {
	b, err := os.ReadFile("../../docs/retention.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, r := range retention.Default().Rules {
		if r.Name == retention.Quarantine {
			continue
		}
		t.Run(r.Name, func(t *testing.T) {
			row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(r.Name) + "` \\| ([^|]*) \\|").FindStringSubmatch(doc)
			if row == nil {
				t.Fatalf("docs/retention.md has no row for rule %s", r.Name)
			}
			got := strings.Split(strings.TrimSpace(row[1]), ", ")
			if !sameSet(got, r.Collections) {
				t.Fatalf("docs/retention.md lists %v under %s, the schema %v", got, r.Name, r.Collections)
			}
		})
	}
	t.Run("undecided", func(t *testing.T) {
		m := regexp.MustCompile(`(?s)No default rule yet[^*]*\*\*([^*]*)\*\*`).FindStringSubmatch(doc)
		if m == nil {
			t.Fatal("docs/retention.md does not list the collections with no default rule yet")
		}
		var want []string
		for _, c := range schema.Domain() {
			if c.Retention == schema.RetainUndecided {
				want = append(want, c.Name)
			}
		}
		if got := strings.Split(strings.Join(strings.Fields(m[1]), " "), ", "); !sameSet(got, want) {
			t.Fatalf("docs/retention.md lists %v with no rule, the schema %v", got, want)
		}
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
