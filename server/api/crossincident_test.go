package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/postgres"
	"github.com/continuity-care/continuity/server/postgres/pgtest"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// TestServer_CrossIncidentProperty: whatever people of two incidents (and
// one holding both, whose grant of the second comes and goes, and
// back-office staff of each and of every incident) push — edits, creates
// and revives naming either incident, deletes, references, replays of any
// change seen so far with the same or other content, changes stamped as
// another device, invalid changes, concurrent writes that raise conflicts —
// no record, and nothing of its data, crosses incidents: not in what is
// applied (a record keeps its incident, references stay inside it), and not
// in what any route serves — pull (state and log pages, purge), history,
// quarantine, conflicts and the reports. It runs on SQLite, and on
// PostgreSQL when CONTINUITY_TEST_POSTGRES is set.
func TestServer_CrossIncidentProperty(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		s, err := sqlite.Open(context.Background(), filepath.Join(dir, "continuity.db"))
		if err != nil {
			t.Fatal(err)
		}
		crossIncidentProperty(t, newEnvOn(t, dir, s))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.FreshDSN(t)
		s, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		crossIncidentProperty(t, newEnvOn(t, t.TempDir(), s))
	})
}

// xActor is one device of the property test.
type xActor struct {
	name, dev, role, tok string
	// scopes are the incidents held now; nil means every incident.
	scopes []string
	w      *writer
	// cursor is the device's pull cursor, and held the incidents it held
	// when the cursor was issued.
	cursor string
	held   []string
}

func (a *xActor) sees(inc string) bool { return a.scopes == nil || slices.Contains(a.scopes, inc) }

// xWorld is the ground truth the property test keeps, across iterations.
type xWorld struct {
	e *env
	// home is the incident of every record ever created, by id, as the
	// test (not the server) knows it.
	home map[string]string
	// changeHome is the incident of every change the server applied.
	changeHome map[string]string
	// applied holds every applied change as sent, by id.
	applied map[string]map[string]any
	// tags are strings only an incident's data holds (its id, its
	// residents' names), by incident.
	tags map[string][]string
	// heldAtPush are the incidents a device held when it pushed a change,
	// by change id and device ("*" for every incident).
	heldAtPush map[string][]string
	// homeAtPush is the incident a pushed change's record had when it was
	// pushed (absent for a record not yet created), by change id and device.
	homeAtPush map[string]string
	iter       int
}

func crossIncidentProperty(t *testing.T, e *env) {
	w := &xWorld{e: e, home: map[string]string{}, changeHome: map[string]string{}, applied: map[string]map[string]any{},
		tags: map[string][]string{}, heldAtPush: map[string][]string{}, homeAtPush: map[string]string{}}
	rapid.Check(t, func(rt *rapid.T) { w.iteration(rt) })
}

func (w *xWorld) iteration(rt *rapid.T) {
	e := w.e
	w.iter++
	n := w.iter
	A, B := uuid.NewString(), uuid.NewString()
	for _, inc := range []string{A, B} {
		w.tags[inc] = append(w.tags[inc], inc, "Tag"+strings.ReplaceAll(inc[:8], "-", ""))
	}
	now := func() time.Time { e.clock.Advance(time.Millisecond); return e.clock.Now() }
	newActor := func(name, role string, incs ...string) *xActor {
		dev := fmt.Sprintf("%s-%d", name, n)
		a := &xActor{name: dev, dev: dev, role: role, w: newWriter(dev, now)}
		a.tok = e.token(dev, role, dev, incs...)
		if !slices.Contains(incs, care.AllIncidents) {
			a.scopes = slices.Clone(incs)
		}
		return a
	}
	swA := newActor("swa", care.RoleSocialWorker, A)
	swB := newActor("swb", care.RoleSocialWorker, B)
	swAB := newActor("swab", care.RoleSocialWorker, A, B)
	boA := newActor("boa", care.RoleBackOffice, A)
	boB := newActor("bob", care.RoleBackOffice, B)
	boAll := newActor("boall", care.RoleBackOffice, care.AllIncidents)
	qmoA := newActor("qmoa", care.RoleQualityOfficer, A)
	actors := []*xActor{swA, swB, swAB, boA, boB, boAll, qmoA}
	residentOf := func(inc string) map[string]any {
		return map[string]any{"incident_id": inc, "given_name": w.tags[inc][1], "family_name": "Barlow", "nhs_number": "9434765919"}
	}

	// Each incident has its record (written straight to the store, without
	// the checklist an activation brings), a resident and a check of them.
	for _, inc := range []string{A, B} {
		w.incidentRecord(rt, inc, inc)
	}
	// And a record an older release filed under no incident (a resident of
	// a third incident, C): no scoped device may ever be served it.
	C := uuid.NewString()
	w.tags[C] = []string{C, "Tag" + strings.ReplaceAll(C[:8], "-", "")}
	w.incidentRecord(rt, C, "")
	rA, rB := uuid.NewString(), uuid.NewString()
	w.push(rt, swA, swA.w.upsert("residents", rA, residentOf(A)))
	w.push(rt, swB, swB.w.upsert("residents", rB, residentOf(B)))
	checkOf := func(a *xActor, inc, resident string) map[string]any {
		return a.w.upsert("safe_and_well_checks", uuid.NewString(), map[string]any{
			"incident_id": inc, "resident_id": resident, "outcome": "safe_and_well", "visited_at": "2026-11-23T09:30:00Z",
		})
	}
	w.push(rt, swA, checkOf(swA, A, rA))
	residents := []string{rA, rB, uuid.NewString()} // the last is unknown until someone creates it
	var sent []map[string]any                       // every change pushed this iteration

	pick := func(label string) *xActor { return rapid.SampledFrom(actors).Draw(rt, label) }
	incident := func() string { return rapid.SampledFrom([]string{A, B}).Draw(rt, "incident") }
	steps := rapid.IntRange(1, 12).Draw(rt, "steps")
	for range steps {
		a := pick("actor")
		r := rapid.SampledFrom(residents).Draw(rt, "resident")
		var c map[string]any
		switch rapid.IntRange(0, 14).Draw(rt, "action") {
		case 0: // an edit
			c = a.w.upsert("residents", r, map[string]any{"notes": "edit by " + a.dev})
		case 1: // a create, a revive or a move, naming either incident
			c = a.w.upsert("residents", r, residentOf(incident()))
		case 2:
			c = a.w.del("residents", r)
		case 3: // a reference, from either incident
			c = checkOf(a, incident(), r)
		case 4:
			c = a.w.upsert("decision_log", uuid.NewString(), map[string]any{
				"incident_id": incident(), "decided_at": "2026-11-23T09:30:00Z", "decision": "move", "decided_by": a.dev, "resident_id": r,
			})
		case 5: // a replay of any change pushed so far
			if len(sent) == 0 {
				continue
			}
			c = maps.Clone(rapid.SampledFrom(sent).Draw(rt, "replayed"))
			switch rapid.IntRange(0, 2).Draw(rt, "replay") {
			case 1:
				c["hlc"] = a.w.clock.Now().String()
			case 2:
				c["hlc"] = a.w.clock.Now().String()
				if c["op"] == "upsert" {
					c["fields"] = map[string]any{"notes": "other content from " + a.dev}
				}
			}
		case 6: // stamped as another device
			c = a.w.upsert("residents", r, map[string]any{"notes": "forged"})
			c["hlc"] = strings.Replace(c["hlc"].(string), a.dev, "someone-else", 1)
		case 7: // invalid: quarantined
			c = a.w.upsert("residents", r, map[string]any{"nhs_number": "1234567890"})
		case 8: // a flagged field: concurrent writes raise conflicts
			c = a.w.upsert("residents", r, map[string]any{"registration_category": rapid.SampledFrom([]string{"nursing", "residential"}).Draw(rt, "category")})
		case 9: // swAB's grant of B comes or goes
			w.toggle(rt, swAB, B)
			continue
		case 10:
			w.pull(rt, a, rapid.Bool().Draw(rt, "initial"))
			continue
		case 11:
			w.history(rt, a, r)
			continue
		case 12:
			w.quarantine(rt, a)
			continue
		case 13:
			w.conflicts(rt, a, incident())
			continue
		case 14:
			w.reports(rt, a, incident())
			continue
		}
		sent = append(sent, c)
		w.push(rt, a, c)
	}
	// Every route, for every device, at the end; and the store's own view.
	for _, a := range actors {
		w.pull(rt, a, false)
		w.pull(rt, a, true)
		w.quarantine(rt, a)
		w.conflicts(rt, a, A)
		w.reports(rt, a, B)
		for _, r := range residents {
			w.history(rt, a, r)
		}
	}
	for id, inc := range w.home {
		if !slices.Contains([]string{A, B}, inc) {
			continue
		}
		for _, col := range []string{"residents", "safe_and_well_checks", "decision_log"} {
			rec, err := e.store.Record(context.Background(), col, id)
			if err != nil {
				rt.Fatal(err)
			}
			if rec != nil && rec.Scope != inc {
				rt.Fatalf("%s/%s of incident %s is filed under %q", col, id, inc, rec.Scope)
			}
		}
	}
}

// incidentRecord writes an incident's own record, as the server would,
// filed under scope.
func (w *xWorld) incidentRecord(rt *rapid.T, inc, scope string) {
	h := w.e.sync.Clock().Now()
	f := map[string]json.RawMessage{}
	for k, v := range map[string]any{"incident_id": inc, "title": w.tags[inc][1] + " House closure", "status": "active", "process": 2} {
		f[k], _ = json.Marshal(v)
	}
	c := syncproto.Change{ID: uuid.NewString(), Collection: "incidents", RecordID: inc, Op: syncproto.OpUpsert, Fields: f, HLC: h, RecordedAt: h.Time(), DeviceID: h.Node}
	raw, _ := json.Marshal(c)
	res, err := care.Apply(context.Background(), w.e.store, care.Batch{Principal: care.SystemPrincipal, ReceivedAt: w.e.clock.Now(), Items: []care.Incoming{{Raw: raw, Change: c, Body: raw, ID: c.ID}},
		Check: func(_ schema.Lookup, _ syncproto.Change, _, _ *syncproto.Record) care.Verdict {
			return care.Verdict{Scope: scope}
		}})
	if err != nil || res.Results[0].Status != syncproto.StatusApplied {
		rt.Fatalf("incident record: %+v, %v", res, err)
	}
	if scope != "" {
		w.home[inc], w.changeHome[c.ID] = inc, inc
	}
}

// push sends one change and checks what the server did with it against the
// ground truth.
func (w *xWorld) push(rt *rapid.T, a *xActor, c map[string]any) {
	r := w.e.do("POST", "/v1/sync/push", a.tok, map[string]any{"changes": []any{c}})
	if r.Status != 200 {
		rt.Fatalf("push by %s: %d %s", a.dev, r.Status, r.Body)
	}
	var out syncproto.PushResponse
	if err := json.Unmarshal(r.Body, &out); err != nil || len(out.Results) != 1 {
		rt.Fatalf("push by %s: %s", a.dev, r.Body)
	}
	res := out.Results[0]
	id, _ := c["id"].(string)
	held := a.scopes
	if held == nil {
		held = []string{"*"}
	}
	w.heldAtPush[id+"|"+a.dev] = append(w.heldAtPush[id+"|"+a.dev], held...)
	rec, _ := c["record_id"].(string)
	col, _ := c["collection"].(string)
	fields, _ := c["fields"].(map[string]any)
	named, _ := fields["incident_id"].(string)
	home, known := w.home[rec]
	if known {
		w.homeAtPush[id+"|"+a.dev] = home
	}
	switch res.Status {
	case syncproto.StatusApplied:
		if !known {
			if named == "" {
				rt.Fatalf("%s created %s/%s with no incident", a.dev, col, rec)
			}
			home = named
		}
		if named != "" && named != home {
			rt.Fatalf("%s moved %s/%s from incident %s to %s", a.dev, col, rec, home, named)
		}
		if !a.sees(home) {
			rt.Fatalf("%s wrote %s/%s of incident %s it does not hold", a.dev, col, rec, home)
		}
		if ref, ok := fields["resident_id"].(string); ok {
			if rh, ok := w.home[ref]; ok && rh != home {
				rt.Fatalf("%s made %s/%s in incident %s refer to a resident of %s", a.dev, col, rec, home, rh)
			}
		}
		if strings.SplitN(c["hlc"].(string), "-", 3)[2] != a.dev {
			rt.Fatalf("%s had a change stamped as another device applied", a.dev)
		}
		w.home[rec] = home
		w.changeHome[id] = home
		w.applied[id] = c
	case syncproto.StatusDuplicate:
		prior, ok := w.applied[id]
		if !ok {
			rt.Fatalf("%s: %s answered duplicate but was never applied", a.dev, id)
		}
		if !a.sees(w.changeHome[id]) {
			rt.Fatalf("%s was told change %s of incident %s exists", a.dev, id, w.changeHome[id])
		}
		pf, _ := json.Marshal(prior["fields"])
		cf, _ := json.Marshal(c["fields"])
		if string(pf) != string(cf) || prior["record_id"] != c["record_id"] || prior["op"] != c["op"] {
			rt.Fatalf("%s: change %s with other content answered duplicate", a.dev, id)
		}
	case syncproto.StatusRejected:
		if res.Error == nil || res.Error.Code == "" {
			rt.Fatalf("%s: rejection without a code: %+v", a.dev, res)
		}
	default:
		rt.Fatalf("%s: status %q", a.dev, res.Status)
	}
}

// forbidden returns the strings a body served to a must not hold: the
// tags (incident ids, residents' names) and change ids of every incident it
// does not hold. Record ids are not among them: a record may hold the id of
// a record not yet known when it was written (an id alone is not data);
// where records are served, the routes' own checks look at their incident.
func (w *xWorld) forbidden(a *xActor) []string {
	if a.scopes == nil {
		return nil
	}
	var out []string
	for inc, tags := range w.tags {
		if !a.sees(inc) {
			out = append(out, tags...)
		}
	}
	for id, inc := range w.changeHome {
		if !a.sees(inc) {
			out = append(out, id)
		}
	}
	return out
}

// scan fails when a body served to a holds anything of an incident it does
// not hold.
func (w *xWorld) scan(rt *rapid.T, a *xActor, route string, body []byte) {
	s := string(body)
	for _, x := range w.forbidden(a) {
		if strings.Contains(s, x) {
			rt.Fatalf("%s served %s (%s) data of an incident it does not hold: %q in %s", route, a.dev, a.role, x, s)
		}
	}
}

func (w *xWorld) toggle(rt *rapid.T, a *xActor, inc string) {
	ctx := context.Background()
	if a.sees(inc) {
		if err := w.e.store.RevokeScope(ctx, a.dev, inc, w.e.clock.Now()); err != nil {
			rt.Fatal(err)
		}
		a.scopes = slices.DeleteFunc(a.scopes, func(s string) bool { return s == inc })
		return
	}
	if err := w.e.store.GrantScope(ctx, grant(a.dev, inc, w.e.clock.Now())); err != nil {
		rt.Fatal(err)
	}
	a.scopes = append(a.scopes, inc)
}

// pull pulls every page, from the device's cursor or from scratch.
func (w *xWorld) pull(rt *rapid.T, a *xActor, initial bool) {
	cursor := a.cursor
	if initial {
		cursor = ""
	}
	held := a.held
	for range 1000 {
		path := "/v1/sync/pull?limit=" + fmt.Sprint(rapid.IntRange(1, 50).Draw(rt, "limit"))
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := w.e.do("GET", path, a.tok, nil)
		if r.Status != 200 {
			rt.Fatalf("pull by %s: %d %s", a.dev, r.Status, r.Body)
		}
		var p struct {
			Changes json.RawMessage `json:"changes"`
			Cursor  string          `json:"cursor"`
			HasMore bool            `json:"has_more"`
			Purge   []string        `json:"purge"`
		}
		if err := json.Unmarshal(r.Body, &p); err != nil {
			rt.Fatal(err)
		}
		w.scan(rt, a, "pull", p.Changes)
		for _, inc := range p.Purge {
			if cursor == "" || a.sees(inc) || (held != nil && !slices.Contains(held, inc)) {
				rt.Fatalf("pull by %s purged %s: held %v at the cursor, holds %v now", a.dev, inc, held, a.scopes)
			}
		}
		var changes []syncproto.Change
		if err := json.Unmarshal(p.Changes, &changes); err != nil {
			rt.Fatal(err)
		}
		for _, c := range changes {
			w.servedChange(rt, a, c)
		}
		cursor, held = p.Cursor, slices.Clone(a.scopes)
		if !p.HasMore {
			a.cursor, a.held = cursor, held
			return
		}
	}
	rt.Fatalf("pull by %s did not finish", a.dev)
}

// servedChange checks one change a pull served: its record is of an
// incident the device holds (a conflict record, which the server makes, by
// the record it is about).
func (w *xWorld) servedChange(rt *rapid.T, a *xActor, c syncproto.Change) {
	home, ok := w.home[c.RecordID]
	if !ok && c.Collection == "conflicts" {
		conf, err := w.e.store.Record(context.Background(), "conflicts", c.RecordID)
		if err != nil || conf == nil {
			rt.Fatalf("conflict %s: %v", c.RecordID, err)
		}
		var about string
		_ = json.Unmarshal(conf.Value("record_id"), &about)
		home, ok = w.home[about]
	}
	if ok && !a.sees(home) {
		rt.Fatalf("pull served %s (%s) %s/%s of incident %s", a.dev, a.role, c.Collection, c.RecordID, home)
	}
	if v, named := c.Fields["incident_id"]; named {
		var inc string
		_ = json.Unmarshal(v, &inc)
		if !a.sees(inc) {
			rt.Fatalf("pull served %s a change naming incident %s", a.dev, inc)
		}
	}
}

func (w *xWorld) history(rt *rapid.T, a *xActor, record string) {
	r := w.e.do("GET", "/v1/records/residents/"+record+"/history", a.tok, nil)
	home, known := w.home[record]
	switch {
	case r.Status == 200:
		if !known || !a.sees(home) {
			rt.Fatalf("history of %s (incident %q) served to %s: %s", record, home, a.dev, r.Body)
		}
		w.scan(rt, a, "history", r.Body)
	case r.Status == 404:
		if known && a.sees(home) {
			rt.Fatalf("history of %s refused to %s of its incident", record, a.dev)
		}
	default:
		rt.Fatalf("history: %d %s", r.Status, r.Body)
	}
}

func (w *xWorld) quarantine(rt *rapid.T, a *xActor) {
	r := w.e.do("GET", "/v1/quarantine", a.tok, nil)
	if r.Status != 200 {
		rt.Fatalf("quarantine: %d %s", r.Status, r.Body)
	}
	var q struct {
		Entries []json.RawMessage `json:"entries"`
	}
	if err := json.Unmarshal(r.Body, &q); err != nil {
		rt.Fatal(err)
	}
	for _, raw := range q.Entries {
		var en care.QuarantineEntry
		if err := json.Unmarshal(raw, &en); err != nil {
			rt.Fatal(err)
		}
		if en.DeviceID == a.dev {
			continue // the device's own attempts
		}
		if a.role != care.RoleBackOffice {
			rt.Fatalf("%s (%s) sees %s's quarantine", a.dev, a.role, en.DeviceID)
		}
		if a.scopes == nil {
			continue
		}
		held := w.heldAtPush[en.ChangeID+"|"+en.DeviceID]
		if en.IncidentID == "" || !a.sees(en.IncidentID) || !slices.Contains(held, en.IncidentID) && !slices.Contains(held, "*") {
			rt.Fatalf("%s sees %s's rejected change filed under %q: %s", a.dev, en.DeviceID, en.IncidentID, raw)
		}
		if home, ok := w.homeAtPush[en.ChangeID+"|"+en.DeviceID]; ok && home != en.IncidentID {
			rt.Fatalf("%s sees a rejected change to a record of %s filed under %s: %s", a.dev, home, en.IncidentID, raw)
		}
		// What the pusher sent is its own (a device of the incident); the
		// rest of the entry is the server's.
		en.Raw = json.RawMessage("null")
		b, _ := json.Marshal(en)
		w.scan(rt, a, "quarantine", b)
	}
}

func (w *xWorld) conflicts(rt *rapid.T, a *xActor, inc string) {
	for _, path := range []string{"/v1/conflicts", "/v1/conflicts?incident_id=" + inc} {
		r := w.e.do("GET", path, a.tok, nil)
		switch {
		case r.Status == 200:
			if strings.Contains(path, "incident_id") && !a.sees(inc) {
				rt.Fatalf("%s listed the conflicts of %s", a.dev, inc)
			}
			w.scan(rt, a, "conflicts", r.Body)
			var list struct {
				Conflicts []struct {
					IncidentID string `json:"incident_id"`
					RecordID   string `json:"record_id"`
				} `json:"conflicts"`
			}
			if err := json.Unmarshal(r.Body, &list); err != nil {
				rt.Fatal(err)
			}
			for _, c := range list.Conflicts {
				home, ok := w.home[c.RecordID]
				if !a.sees(c.IncidentID) || ok && (home != c.IncidentID || !a.sees(home)) {
					rt.Fatalf("%s listed a conflict of %s about a record of %s", a.dev, c.IncidentID, home)
				}
			}
		case r.Status == 403 && !a.sees(inc):
		default:
			rt.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
	}
}

func (w *xWorld) reports(rt *rapid.T, a *xActor, inc string) {
	for _, route := range []string{"summary", "decision-log", "movement-log"} {
		r := w.e.do("GET", "/v1/incidents/"+inc+"/"+route, a.tok, nil)
		switch {
		case r.Status == 200:
			if !a.sees(inc) {
				rt.Fatalf("%s served %s's %s", a.dev, inc, route)
			}
			w.scan(rt, a, route, r.Body)
		case r.Status == 404 || r.Status == 403:
			// No incident record (404), or a role that reads no reports.
		default:
			rt.Fatalf("%s of %s: %d %s", route, inc, r.Status, r.Body)
		}
	}
}
