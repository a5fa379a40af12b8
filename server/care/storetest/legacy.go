package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/google/uuid"
)

// Legacy is what a release before migration 00006 left in a database after
// the cross-incident attacks: B's resident was deleted, then a device of A wrote
// notes onto the tombstone, and both changes were filed under no incident
// (a tombstone's scope was derived from its fields). Beside it: A's own
// resident, a provider (unscoped) and a delete of a record nobody created.
// Each store's test writes these rows with its own SQL, migrates, and calls
// CheckLegacy.
type Legacy struct {
	IncA, IncB string
	// ResidentA, ResidentB, Provider and Orphan are the record ids.
	ResidentA, ResidentB, Provider, Orphan string
	Changes                                []LegacyChange
	Records                                []LegacyRecord
}

// LegacyChange is one row of the change log.
type LegacyChange struct {
	Seq        int64
	Change     syncproto.Change
	Scope      string
	Body       []byte
	ReceivedAt time.Time
}

// LegacyRecord is one row of the records table.
type LegacyRecord struct {
	Collection, ID, Scope string
	Deleted               bool
	State                 []byte
	Created, Updated      int64
}

// NewLegacy builds the rows.
func NewLegacy() Legacy {
	l := Legacy{IncA: uuid.NewString(), IncB: uuid.NewString(), ResidentA: uuid.NewString(), ResidentB: uuid.NewString(),
		Provider: uuid.NewString(), Orphan: uuid.NewString()}
	ga, gb := newGen("tab-a"), newGen("tab-b")
	type step struct {
		it    care.Incoming
		scope string
	}
	steps := []step{
		{gb.upsert("residents", l.ResidentB, map[string]any{"incident_id": l.IncB, "given_name": "Bea", "family_name": "Brook"}), l.IncB},
		{gb.del("residents", l.ResidentB), ""},
		{ga.upsert("residents", l.ResidentA, map[string]any{"incident_id": l.IncA, "given_name": "Ann", "family_name": "Ash"}), l.IncA},
		{ga.upsert("residents", l.ResidentB, map[string]any{"notes": "written from A"}), ""},
		{ga.upsert("providers", l.Provider, map[string]any{"name": "Unscoped Ltd"}), ""},
		{ga.del("residents", l.Orphan), ""},
	}
	// The HLCs of the two devices' clocks are equal at first: space them
	// so the delete wins over the create and the notes over the delete.
	states := map[[2]string]*syncproto.Record{}
	var order [][2]string
	for i, st := range steps {
		c := st.it.Change
		c.HLC.Wall += int64(i) * 1000
		body, _ := json.Marshal(c)
		seq := int64(i + 1)
		l.Changes = append(l.Changes, LegacyChange{Seq: seq, Change: c, Scope: st.scope, Body: body, ReceivedAt: time.Date(2026, 11, 23, 9, 0, i, 0, time.UTC)})
		k := [2]string{c.Collection, c.RecordID}
		r, ok := states[k]
		if !ok {
			r = syncproto.NewRecord(c.Collection, c.RecordID)
			states[k] = r
			order = append(order, k)
		}
		r.Apply(c)
	}
	for _, k := range order {
		r := states[k]
		state, _ := json.Marshal(r)
		var created, updated int64
		scope := ""
		for _, lc := range l.Changes {
			if lc.Change.Collection == k[0] && lc.Change.RecordID == k[1] {
				if created == 0 {
					created = lc.Seq
				}
				updated, scope = lc.Seq, lc.Scope
			}
		}
		l.Records = append(l.Records, LegacyRecord{Collection: k[0], ID: k[1], Scope: scope, Deleted: r.Deleted(), State: state, Created: created, Updated: updated})
	}
	return l
}

// CheckLegacy checks a store opened (and so migrated) over the Legacy rows:
// B's resident is filed under B again, with the delete and the notes
// written onto its tombstone, so a device of A is served none of them; the
// provider stays unscoped and the orphan delete stays filed under no
// incident, which no scoped device is served. The legacy database also
// holds one quarantine entry from before entries were filed under an
// incident: it is listed to every-incident readers only.
func CheckLegacy(t *testing.T, s care.Store, l Legacy) {
	t.Helper()
	ctx := context.Background()
	for id, want := range map[string]string{l.ResidentA: l.IncA, l.ResidentB: l.IncB, l.Orphan: ""} {
		r, err := s.Record(ctx, "residents", id)
		if err != nil || r == nil || r.Scope != want {
			t.Errorf("resident %s after migration = %+v, %v; want filed under %q", id, r, err, want)
		}
	}
	if r, err := s.Record(ctx, "providers", l.Provider); err != nil || r == nil || r.Scope != "" {
		t.Errorf("provider after migration = %+v, %v", r, err)
	}
	unscoped := []string{"providers"}
	for _, tc := range []struct {
		name string
		f    care.Filter
		want []int64
	}{
		{"incident B", care.Filter{Scopes: []string{l.IncB}, Unscoped: unscoped}, []int64{1, 2, 4, 5}},
		{"incident A", care.Filter{Scopes: []string{l.IncA}, Unscoped: unscoped}, []int64{3, 5}},
		{"every incident", care.Filter{}, []int64{1, 2, 3, 4, 5, 6}},
	} {
		p, err := s.Changes(ctx, 0, tc.f, 100)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []int64
		for _, lc := range p.Changes {
			got = append(got, lc.Position)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("log of %s after migration: %v, want %v", tc.name, got, tc.want)
		}
		st, err := s.State(ctx, "", "", tc.f, 100)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, r := range st.Records {
			if r.ID == l.Orphan && tc.f.Scopes != nil || r.ID == l.ResidentB && tc.name == "incident A" {
				t.Errorf("state of %s after migration holds %s/%s", tc.name, r.Collection, r.ID)
			}
		}
	}
	q, err := s.Quarantine(ctx, care.QuarantineFilter{Scopes: []string{l.IncB}, Limit: 10})
	if err != nil || len(q) != 0 {
		t.Fatalf("an entry from before the migration is listed for one incident: %+v, %v", q, err)
	}
	if q, _ := s.Quarantine(ctx, care.QuarantineFilter{Limit: 10}); len(q) != 1 {
		t.Fatalf("every-incident listing: %+v", q)
	}

	// Changes logged before changes named their record's row still make
	// up each record's history.
	for _, r := range l.Records {
		want := 0
		for _, c := range l.Changes {
			if c.Change.Collection == r.Collection && c.Change.RecordID == r.ID {
				want++
			}
		}
		if h, err := s.History(ctx, r.Collection, r.ID); err != nil || len(h) != want {
			t.Fatalf("history of %s/%s after migrating: %d changes, %v; want %d", r.Collection, r.ID, len(h), err, want)
		}
	}
}

// LegacyDB is a store's database as MigrateLegacy needs it: a
// database/sql handle on a fresh database and how that database speaks.
type LegacyDB struct {
	// DB is the handle; MigrateLegacy closes it before opening the store.
	DB *sql.DB
	// Dialect and Migrations are the store's goose dialect and migrations.
	Dialect    goose.Dialect
	Migrations fs.FS
	// Placeholder returns the n-th bind parameter (from 1): "?" or "$n".
	Placeholder func(n int) string
	// Arg converts a time.Time or []byte argument to what the driver
	// stores in the release-5 columns.
	Arg func(v any) any
	// Head, when set, is the statement that sets the log head to its one
	// argument (PostgreSQL keeps it in a row).
	Head string
	// Open opens the store over the database, migrating it.
	Open func(t *testing.T) care.Store
}

// MigrateLegacy writes the Legacy rows into a database at migration 5 (a
// release from before records kept their incident), opens the store over
// it and checks the migration with CheckLegacy.
func MigrateLegacy(t *testing.T, d LegacyDB) {
	ctx := context.Background()
	p, err := goose.NewProvider(d.Dialect, d.DB, d.Migrations)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		n := 0
		q = regexp.MustCompile(`\?`).ReplaceAllStringFunc(q, func(string) string { n++; return d.Placeholder(n) })
		for i, a := range args {
			switch a.(type) {
			case time.Time, []byte:
				args[i] = d.Arg(a)
			}
		}
		if _, err := d.DB.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	l := NewLegacy()
	for _, c := range l.Changes {
		ch := c.Change
		exec(`INSERT INTO changes (seq, id, collection, record_id, scope, op, hlc, device_id, subject, role, recorded_at, received_at, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'someone', 'social_worker', ?, ?, ?)`,
			c.Seq, ch.ID, ch.Collection, ch.RecordID, c.Scope, string(ch.Op), ch.HLC.String(), ch.DeviceID, ch.RecordedAt, c.ReceivedAt, c.Body)
	}
	for _, r := range l.Records {
		exec(`INSERT INTO records (collection, record_id, scope, deleted, state, created_seq, updated_seq) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.Collection, r.ID, r.Scope, r.Deleted, r.State, r.Created, r.Updated)
	}
	if d.Head != "" {
		exec(d.Head, len(l.Changes))
	}
	exec(`INSERT INTO quarantine (change_id, device_id, subject, role, code, message, raw, received_at)
		VALUES ('q', 'tab-b', 'someone', 'social_worker', 'invalid_value', 'bad', '{}', ?)`, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	if err := d.DB.Close(); err != nil {
		t.Fatal(err)
	}
	s := d.Open(t)
	defer s.Close()
	CheckLegacy(t, s, l)
}
