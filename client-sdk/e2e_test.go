package continuity

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// short returns a fresh suffix for user and device names, so tests sharing
// the server never collide.
func short() string { return strings.ReplaceAll(newID()[:8], "-", "") }

// incidentRecords keeps the records of one incident, plus any record whose
// key is in also (a tombstone keeps no incident_id).
func incidentRecords(all map[string]*syncproto.Record, incident string, also map[string]*syncproto.Record) map[string]*syncproto.Record {
	out := map[string]*syncproto.Record{}
	for k, r := range all {
		if _, ok := also[k]; ok || schema.StringValue(r, "incident_id") == incident {
			out[k] = r
		}
	}
	return out
}

func mustSync(t *testing.T, c *Client) *SyncReport {
	t.Helper()
	rep, err := c.Sync()
	if err != nil {
		t.Fatalf("sync %s: %v", c.DeviceID(), err)
	}
	return rep
}

func TestClient_SyncWithServer(t *testing.T) {
	srv := realServer(t)

	t.Run("devices that wrote offline converge with each other and the server", func(t *testing.T) {
		t.Parallel()
		incident, elsewhere, sfx := newID(), newID(), short()
		scope := "incident:" + incident
		a := srv.device(t, "ann-"+sfx, "social_worker", "tab-a-"+sfx, nil, scope)
		b := srv.device(t, "ben-"+sfx, "social_worker", "tab-b-"+sfx, nil, scope)
		c := srv.device(t, "cat-"+sfx, "social_worker", "tab-c-"+sfx, nil, scope)
		backTok := srv.token(t, "bo-"+sfx, "back_office", "tab-o-"+sfx, "incident:*")
		back, _ := openClient(t, nil)
		if err := back.EnrolWithAccessToken(srv.url, backTok); err != nil {
			t.Fatal(err)
		}

		r1 := mustResident(t, a, incident, "Edith", "Barlow")
		r2 := mustResident(t, a, incident, "Margaret", "Hale")
		mustSync(t, a)
		mustSync(t, b)
		mustSync(t, c)
		if l, _ := c.ResidentsOf(incident); l.Len() != 2 {
			t.Fatalf("C sees %d residents after the first sync, want 2", l.Len())
		}

		// Offline: everyone writes, some of it to the same fields.
		must := func(_ string, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		serviceA, serviceB := newID(), newID()
		must(a.SaveResident(&Resident{ID: r1, Room: "12", CurrentServiceID: serviceA}))
		must(a.RecordCheck(&SafeAndWellCheck{ResidentID: r1, Outcome: "safe_and_well", Seen: Yes}))
		must(b.SaveResident(&Resident{ID: r1, Room: "14", Notes: "prefers tea, no sugar", CurrentServiceID: serviceB}))
		r3 := mustResident(t, b, incident, "Arthur", "Penn")
		must(b.RecordCheck(&SafeAndWellCheck{ResidentID: r2, Outcome: "concerns", Observations: "missed lunch"}))
		must(c.Put("residents", r2, `{"preferred_name" : "Peg",  "notes": "daughter <Jan> & son visit\u0021"}`))
		must(c.RecordCheck(&SafeAndWellCheck{ResidentID: r1, Outcome: "concerns", Observations: "bruise on left arm <2cm> & anxious"}))
		refused := mustResident(t, c, elsewhere, "Not", "Mine") // an incident C is not granted

		// Everyone syncs at once, then in turn until nothing moves.
		var wg sync.WaitGroup
		for _, d := range []*Client{a, b, c} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := d.Sync(); err != nil {
					t.Errorf("concurrent sync %s: %v", d.DeviceID(), err)
				}
			}()
		}
		wg.Wait()
		mustSync(t, back)
		if err := back.Delete("residents", r3); err != nil {
			t.Fatal(err)
		}
		for round := 0; round < 2; round++ {
			for _, d := range []*Client{back, a, b, c} {
				mustSync(t, d)
			}
		}

		for _, d := range []*Client{a, b, c, back} {
			if n, _ := d.PendingCount(); n != 0 {
				t.Fatalf("%s has %d pending changes", d.DeviceID(), n)
			}
		}
		rej, _ := c.RejectedChanges()
		if rej.Len() != 1 || rej.At(0).RecordID != refused || rej.At(0).Code != syncproto.CodeForbiddenScope {
			t.Fatalf("C's rejected changes = %+v", rej.items)
		}

		_, server := srv.pullAll(t, backTok)
		want := viewRecords(t, a, "records")
		server = incidentRecords(server, incident, want)
		if err := sameRecords(server, want); err != nil {
			t.Fatalf("device A and a fresh pull from the server differ: %v", err)
		}
		for _, d := range []*Client{b, c} {
			if err := sameRecords(want, viewRecords(t, d, "records")); err != nil {
				t.Fatalf("devices A and %s differ: %v", d.DeviceID(), err)
			}
		}
		if err := sameRecords(want, incidentRecords(viewRecords(t, back, "records"), incident, want)); err != nil {
			t.Fatalf("devices A and back office differ: %v", err)
		}

		res, err := b.Resident(r1)
		if err != nil {
			t.Fatal(err)
		}
		if (res.Room != "12" && res.Room != "14") || res.Notes != "prefers tea, no sugar" {
			t.Fatalf("merged resident = %+v", res)
		}
		if _, err := c.Resident(r3); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted resident still on C: %v", err)
		}
		if l, _ := a.ChecksOf(r1); l.Len() != 2 {
			t.Fatalf("A sees %d checks of Edith, want 2", l.Len())
		}
		if l, _ := c.Get("residents", r2); !strings.Contains(l.FieldsJSON, `"Peg"`) {
			t.Fatalf("r2 = %s", l.FieldsJSON)
		}
		// A and B wrote Edith's placement without seeing each other's write:
		// the server raised a conflict, which reached every device.
		conflicts, _ := a.Find("conflicts", "record_id", r1)
		if conflicts.Len() == 0 {
			t.Fatalf("no conflict record for the concurrent current_service_id writes")
		}
	})

	t.Run("a push whose answer was lost is not applied twice", func(t *testing.T) {
		t.Parallel()
		incident, sfx := newID(), short()
		tok := srv.token(t, "dee-"+sfx, "social_worker", "tab-d-"+sfx, "incident:"+incident)
		var dropped atomic.Int32
		c, path := openClient(t, func(cfg *Config) {
			cfg.HTTPClient = &http.Client{Transport: dropFirstPush(&dropped)}
			cfg.MaxRetries = -1
		})
		if err := c.EnrolWithAccessToken(srv.url, tok); err != nil {
			t.Fatal(err)
		}
		rid := mustResident(t, c, incident, "Edith", "Barlow")
		k1, _ := c.RecordCheck(&SafeAndWellCheck{ResidentID: rid, Outcome: "safe_and_well"})
		k2, _ := c.RecordCheck(&SafeAndWellCheck{ResidentID: rid, Outcome: "not_seen"})
		if _, err := c.Sync(); !errors.Is(err, ErrOffline) || dropped.Load() != 1 {
			t.Fatalf("sync with the answer dropped: %v (dropped %d)", err, dropped.Load())
		}
		if n, _ := c.PendingCount(); n != 3 {
			t.Fatalf("pending after the lost answer = %d, want 3", n)
		}
		// The app dies here; it starts again on the same database.
		c.Close()
		c2, err := Open(&Config{DBPath: path})
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		rep, err := c2.Sync()
		if err != nil {
			t.Fatal(err)
		}
		if rep.Duplicates != 3 || rep.Applied != 0 {
			t.Fatalf("re-push report = %+v, want 3 duplicates", rep)
		}
		for _, r := range [][2]string{{"residents", rid}, {"safe_and_well_checks", k1}, {"safe_and_well_checks", k2}} {
			var h struct {
				History []json.RawMessage `json:"history"`
			}
			srv.get(t, tok, "/v1/records/"+r[0]+"/"+r[1]+"/history", nil, &h)
			if len(h.History) != 1 {
				t.Fatalf("%s %s was applied %d times", r[0], r[1], len(h.History))
			}
		}
		if l, _ := c2.ChecksOf(rid); l.Len() != 2 || l.At(0).Pending {
			t.Fatalf("checks after the re-push: %d", l.Len())
		}
	})

	t.Run("a device clock two hours fast is corrected and its changes applied", func(t *testing.T) {
		t.Parallel()
		incident, sfx := newID(), short()
		fast := func() time.Time { return time.Now().Add(2 * time.Hour) }
		c := srv.device(t, "eve-"+sfx, "social_worker", "tab-e-"+sfx, func(cfg *Config) { cfg.Now = fast }, "incident:"+incident)
		rid := mustResident(t, c, incident, "Edith", "Barlow")
		if _, err := c.RecordCheck(&SafeAndWellCheck{ResidentID: rid, Outcome: "safe_and_well"}); err != nil {
			t.Fatal(err)
		}
		rep := mustSync(t, c)
		if rep.Restamped != 2 || rep.Applied != 2 || rep.Rejected != 0 {
			t.Fatalf("report = %+v, want 2 re-stamped and applied", rep)
		}
		changes, _ := srv.pullAll(t, srv.token(t, "eve-"+sfx, "social_worker", "tab-e-"+sfx, "incident:"+incident))
		if len(changes) != 2 {
			t.Fatalf("server holds %d changes, want 2", len(changes))
		}
		for _, ch := range changes {
			if d := time.Until(ch.HLC.Time()); d > 2*time.Minute || d < -2*time.Minute {
				t.Fatalf("applied stamp %v is %v from the server's time", ch.HLC, d)
			}
			if d := time.Until(ch.RecordedAt); d < 110*time.Minute {
				t.Fatalf("recorded_at %v was not kept as the person's time", ch.RecordedAt)
			}
		}
		if _, err := c.Put("residents", rid, `{"room":"3"}`); err != nil {
			t.Fatal(err)
		}
		if rep := mustSync(t, c); rep.Restamped != 0 || rep.Applied != 1 {
			t.Fatalf("after correction: %+v", rep)
		}
	})

	t.Run("a refresh token is rotated and stored, and a refused access token refreshed", func(t *testing.T) {
		t.Parallel()
		incident, sfx := newID(), short()
		sub, dev := "fay-"+sfx, "tab-f-"+sfx
		srv.run(t, "user", "add", "--sub", sub, "--role", "social_worker")
		srv.run(t, "scope", "grant", "--sub", sub, "--incident", incident)
		var pair tokenPair
		if err := json.Unmarshal([]byte(srv.run(t, "device", "enrol", "--sub", sub, "--device", dev)), &pair); err != nil {
			t.Fatal(err)
		}
		c, path := openClient(t, nil)
		if err := c.EnrolWithRefreshToken(srv.url, "", pair.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if c.DeviceID() != dev {
			t.Fatalf("device id = %q, want %q from the server", c.DeviceID(), dev)
		}
		mustResident(t, c, incident, "Edith", "Barlow")
		mustSync(t, c)
		rt1, _, _, _ := dbTokens{c}.LoadTokens()
		if rt1 == "" || rt1 == pair.RefreshToken {
			t.Fatalf("rotated refresh token not stored (%q)", rt1)
		}
		if st, _ := c.Status(); st.Role != "social_worker" {
			t.Fatalf("role = %q", st.Role)
		}
		c.Close()

		// The stored access token goes bad (say the server's keys were
		// rotated); the next sync refreshes and carries on.
		c2, err := Open(&Config{DBPath: path})
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		err = c2.st.tx(context.Background(), func(tx *txn) error { return tx.setMeta(metaAccessToken, fakeJWT(dev, "social_worker")) })
		if err != nil {
			t.Fatal(err)
		}
		mustResident(t, c2, incident, "Arthur", "Penn")
		if rep := mustSync(t, c2); rep.Applied != 1 {
			t.Fatalf("report = %+v", rep)
		}
		rt2, at2, _, _ := dbTokens{c2}.LoadTokens()
		if rt2 == rt1 || at2 == fakeJWT(dev, "social_worker") {
			t.Fatal("the refused access token did not lead to a refresh")
		}
	})
}
