package continuity

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

func TestStore_Open(t *testing.T) {
	t.Run("durability settings", func(t *testing.T) {
		c, _ := openClient(t, nil)
		var mode string
		var syncMode, version int
		if err := c.st.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := c.st.db.QueryRow("PRAGMA synchronous").Scan(&syncMode); err != nil {
			t.Fatal(err)
		}
		if err := c.st.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || syncMode != 2 || version != schemaVersion {
			t.Fatalf("journal_mode %q synchronous %d user_version %d; want wal, 2 (FULL), %d", mode, syncMode, version, schemaVersion)
		}
	})
	t.Run("creates the directory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "a", "b", "tablet.db")
		c, err := Open(&Config{DBPath: path})
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("readable by this user alone", func(t *testing.T) {
		old := syscall.Umask(0)
		defer syscall.Umask(old)
		dir := filepath.Join(t.TempDir(), "tablet")
		path := filepath.Join(dir, "tablet.db")
		c, err := Open(&Config{DBPath: path})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != want {
				t.Errorf("%s: mode %#o, want %#o", filepath.Base(p), st.Mode().Perm(), want)
			}
		}
	})
	t.Run("no path", func(t *testing.T) {
		if _, err := Open(&Config{}); err == nil {
			t.Fatal("Open without a path succeeded")
		}
	})
}

func TestClient_Put(t *testing.T) {
	incident := newID()
	t.Run("not enrolled", func(t *testing.T) {
		c, _ := openClient(t, nil)
		_, err := c.Put("residents", "", `{"given_name":"Edith"}`)
		if !errors.Is(err, ErrNotEnrolled) || ErrorCode(err) != CodeNotEnrolled {
			t.Fatalf("err = %v, want ErrNotEnrolled", err)
		}
	})
	t.Run("durable across reopen before any sync", func(t *testing.T) {
		c, path := openClient(t, nil)
		enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "social_worker")
		id := mustResident(t, c, incident, "Edith", "Barlow")
		if _, err := c.Put("residents", id, `{"room":"12","notes":"likes the <garden> & birds"}`); err != nil {
			t.Fatal(err)
		}
		before := viewRecords(t, c, "records")
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		c2, err := Open(&Config{DBPath: path})
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		if n, _ := c2.PendingCount(); n != 2 {
			t.Fatalf("pending after reopen = %d, want 2", n)
		}
		if err := sameRecords(before, viewRecords(t, c2, "records")); err != nil {
			t.Fatal(err)
		}
		r, err := c2.Resident(id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Room != "12" || r.GivenName != "Edith" || !r.Pending || r.IncidentID != incident {
			t.Fatalf("resident after reopen = %+v", r)
		}
		if c2.DeviceID() != "tab-1" || !c2.Enrolled() {
			t.Fatalf("enrolment not restored: %q", c2.DeviceID())
		}
		// The clock continues after the stored reading.
		es, _ := outboxEntries(c2.ctx, c2.st.db, outboxPending, 0)
		id2 := mustResident(t, c2, incident, "Arthur", "Penn")
		es2, _ := outboxEntries(c2.ctx, c2.st.db, outboxPending, 0)
		if len(es2) != 3 || es2[2].change.RecordID != id2 || es2[2].change.HLC.Compare(es[1].change.HLC) <= 0 {
			t.Fatalf("new change not after the stored clock: %v then %v", es[1].change.HLC, es2[2].change.HLC)
		}
	})
	t.Run("validation errors return at once and queue nothing", func(t *testing.T) {
		c, _ := openClient(t, nil)
		enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "social_worker")
		cases := []struct {
			name, collection, id, fields, code, field string
		}{
			{"bad nhs number", "residents", "", `{"incident_id":"` + incident + `","given_name":"A","family_name":"B","nhs_number":"1234567890"}`, syncproto.CodeInvalidValue, "fields.nhs_number"},
			{"missing required", "residents", "", `{"incident_id":"` + incident + `","given_name":"A"}`, syncproto.CodeMissingField, "fields.family_name"},
			{"unknown field", "residents", "", `{"incident_id":"` + incident + `","given_name":"A","family_name":"B","shoe_size":9}`, syncproto.CodeUnknownField, "fields.shoe_size"},
			{"unknown collection", "pets", "", `{"name":"Rex"}`, syncproto.CodeUnknownCollection, "collection"},
			{"not an object", "residents", "", `[1,2]`, syncproto.CodeInvalidJSON, "fields"},
			{"bad record id", "residents", "not-a-uuid", `{"room":"1"}`, syncproto.CodeInvalidUUID, "record_id"},
			{"role may not write", "incidents", "", `{"incident_id":"` + incident + `"}`, syncproto.CodeForbiddenRole, "collection"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := c.Put(tc.collection, tc.id, tc.fields)
				if ErrorCode(err) != tc.code || ErrorField(err) != tc.field {
					t.Fatalf("err = %v (code %q field %q), want %s on %s", err, ErrorCode(err), ErrorField(err), tc.code, tc.field)
				}
			})
		}
		if n, _ := c.PendingCount(); n != 0 {
			t.Fatalf("pending = %d after refused writes", n)
		}
	})
	t.Run("delete of an unknown record", func(t *testing.T) {
		c, _ := openClient(t, nil)
		enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "back_office")
		if err := c.Delete("residents", newID()); !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
}

// TestClient_PutHelperProcess is the child of TestClient_PutKilled: it saves
// residents until it is killed, printing each id once Put has returned.
func TestClient_PutHelperProcess(t *testing.T) {
	path := os.Getenv("CONTINUITY_KILL_DB")
	if path == "" {
		t.Skip("runs only as TestClient_PutKilled's child process")
	}
	c, err := Open(&Config{DBPath: path})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	incident := os.Getenv("CONTINUITY_KILL_INCIDENT")
	for i := 0; ; i++ {
		id, err := c.SaveResident(&Resident{IncidentID: incident, GivenName: fmt.Sprint("Person", i), FamilyName: "Kill", Notes: strings.Repeat("x", 2000)})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("saved", id)
	}
}

func TestClient_PutKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "tablet.db")
	incident := newID()
	c, err := Open(&Config{DBPath: path})
	if err != nil {
		t.Fatal(err)
	}
	enrolFake(t, c, "http://127.0.0.1:1", "tab-k", "social_worker")
	c.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestClient_PutHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CONTINUITY_KILL_DB="+path, "CONTINUITY_KILL_INCIDENT="+incident)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var saved []string
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(20 * time.Second)
	for sc.Scan() && len(saved) < 40 && time.Now().Before(deadline) {
		line := sc.Text()
		if id, ok := strings.CutPrefix(line, "saved "); ok {
			saved = append(saved, id)
		} else if strings.HasPrefix(line, "error") {
			t.Fatalf("child: %s", line)
		}
	}
	// SIGKILL mid-write: no deferred code, no clean close.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if len(saved) < 40 {
		t.Fatalf("child saved only %d residents", len(saved))
	}

	c2, err := Open(&Config{DBPath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	for _, id := range saved {
		if _, err := c2.Resident(id); err != nil {
			t.Fatalf("resident %s was reported saved but is gone after the kill: %v", id, err)
		}
	}
	n, _ := c2.PendingCount()
	if n < len(saved) {
		t.Fatalf("pending = %d, fewer than the %d saves reported", n, len(saved))
	}
	// Every queued change is whole and still valid.
	es, err := outboxEntries(c2.ctx, c2.st.db, outboxPending, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		w := e.change
		w.DeviceID = ""
		if err := w.Validate(); err != nil {
			t.Fatalf("queued change %s: %v", e.change.ID, err)
		}
	}
}

func TestStore_Merge(t *testing.T) {
	incident := newID()
	c, _ := openClient(t, nil)
	enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "social_worker")
	id := mustResident(t, c, incident, "Edith", "Barlow")
	if _, err := c.Put("residents", id, `{"room":"12"}`); err != nil {
		t.Fatal(err)
	}
	es, _ := outboxEntries(c.ctx, c.st.db, outboxPending, 0)
	local := es[1].change
	// Local writes carry the stamp the server will give them (device id
	// from the token), so acknowledged and pulled copies are identical.
	v := viewRecords(t, c, "records")["residents/"+id]
	if st := v.Fields["room"].Stamp; st.Device != "tab-1" || st.ChangeID != local.ID || st.HLC != local.HLC {
		t.Fatalf("local stamp = %+v", st)
	}

	// Another device's writes arrive by pull: one older than the local
	// room, one newer for notes, and one later than everything for room.
	older := syncproto.Change{ID: newID(), Collection: "residents", RecordID: id, Op: syncproto.OpUpsert,
		Fields: map[string]json.RawMessage{"room": json.RawMessage(`"9"`), "notes": json.RawMessage(`"old"`)},
		HLC:    syncproto.HLC{Wall: local.HLC.Wall - 1000, Node: "tab-2"}, DeviceID: "tab-2", RecordedAt: time.Now()}
	apply := func(cs ...syncproto.Change) {
		t.Helper()
		err := c.st.tx(c.ctx, func(tx *txn) error { return tx.applyToBase(cs...) })
		if err != nil {
			t.Fatal(err)
		}
	}
	apply(older)
	r, _ := c.Resident(id)
	if r.Room != "12" || r.Notes != "old" || !r.Pending {
		t.Fatalf("after an older remote write: room %q notes %q pending %v; want the local room and the remote notes", r.Room, r.Notes, r.Pending)
	}
	newer := older
	newer.ID, newer.HLC = newID(), syncproto.HLC{Wall: local.HLC.Wall + 1000, Node: "tab-2"}
	newer.Fields = map[string]json.RawMessage{"room": json.RawMessage(`"14"`)}
	apply(newer)
	if r, _ = c.Resident(id); r.Room != "14" {
		t.Fatalf("a later remote write lost to an earlier local one: room %q", r.Room)
	}
	// Applying the same changes again, in another order, changes nothing.
	before := viewRecords(t, c, "records")
	apply(newer, older, newer)
	if err := sameRecords(before, viewRecords(t, c, "records")); err != nil {
		t.Fatal(err)
	}

	// A remote delete after everything removes the record from the view; a
	// local write after the delete revives it.
	del := syncproto.Change{ID: newID(), Collection: "residents", RecordID: id, Op: syncproto.OpDelete,
		HLC: syncproto.HLC{Wall: local.HLC.Wall + 2000, Node: "tab-2"}, DeviceID: "tab-2", RecordedAt: time.Now()}
	apply(del)
	if _, err := c.Resident(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted resident still readable: %v", err)
	}
	if l, _ := c.ResidentsOf(incident); l.Len() != 0 {
		t.Fatalf("deleted resident listed")
	}
	c.clock.Update(del.HLC)
	if _, err := c.Put("residents", id, `{"room":"3"}`); err != nil {
		t.Fatal(err)
	}
	r, err := c.Resident(id)
	if err != nil || r.Room != "3" || r.GivenName != "" {
		t.Fatalf("revived resident = %+v, %v; want only the field written after the delete", r, err)
	}

	// A rejected change leaves the view; the base stays.
	es, _ = outboxEntries(c.ctx, c.st.db, outboxPending, 0)
	last := es[len(es)-1].change
	err = c.st.tx(c.ctx, func(tx *txn) error {
		return tx.reject(last, syncproto.Errorf(syncproto.CodeForbiddenScope, "fields.incident_id", "not granted"), time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resident(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("rejected write still in the view: %v", err)
	}
	rej, _ := c.RejectedChanges()
	if rej.Len() != 1 || rej.At(0).Code != syncproto.CodeForbiddenScope || rej.At(0).FieldsJSON != `{"room":"3"}` {
		t.Fatalf("rejected list = %+v", rej.items)
	}
}

func TestStore_Purge(t *testing.T) {
	keep, gone := newID(), newID()
	c, _ := openClient(t, nil)
	enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "social_worker")
	a := mustResident(t, c, keep, "Keep", "Me")
	b := mustResident(t, c, gone, "Lose", "Me")
	es, _ := outboxEntries(c.ctx, c.st.db, outboxPending, 0)
	err := c.st.tx(c.ctx, func(tx *txn) error {
		for _, e := range es {
			if err := tx.acknowledge(e.change); err != nil {
				return err
			}
		}
		_, err := tx.purge([]string{gone})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resident(a); err != nil {
		t.Fatalf("resident of a kept incident purged: %v", err)
	}
	if _, err := c.Resident(b); !errors.Is(err, ErrNotFound) {
		t.Fatalf("resident of a purged incident still readable: %v", err)
	}
	if base := viewRecords(t, c, "base"); base["residents/"+b] != nil {
		t.Fatalf("purged resident still in the base state")
	}
}
