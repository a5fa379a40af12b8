package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pressly/goose/v3"

	"github.com/continuity-care/continuity/migrations"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto"
)

// TestStore_MigrateUUIDKeys checks migrations 00021 (ids keyed by their 16
// bytes) and 00022 (the keys in columns of their own) keep every row of a
// database written by the store: a log of random and time-ordered ids,
// edits, a tombstone and a quarantined retry is taken down to 00020 and back
// up, every column of every row of the log, the records and the quarantine
// reads the same, and every row's key is its id's 16 bytes; then the store still
// finds each record, walks the initial sync in the ids' text order, reads a
// record's history, still refuses a second row for a change id, and a
// database holding an id that is not a canonical UUID is refused with the
// check's name and left as it was.
func TestStore_MigrateUUIDKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "continuity.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	p := care.Principal{Subject: "alice", Role: care.RoleSocialWorker, DeviceID: "tab-1"}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var ids []string
	change := func(i int, rec string, op syncproto.Op) syncproto.Change {
		id := uuid.NewString()
		if i%2 == 0 {
			id = uuid.Must(uuid.NewV7()).String()
		}
		return syncproto.Change{ID: id, Collection: "residents", RecordID: rec, Op: op,
			Fields:     map[string]json.RawMessage{"incident_id": json.RawMessage(`"inc-1"`), "given_name": json.RawMessage(fmt.Sprintf(`"R%d"`, i))},
			HLC:        syncproto.HLC{Wall: at.Add(time.Duration(i) * time.Second).UnixMilli(), Node: "tab-1"},
			RecordedAt: at, DeviceID: "tab-1"}
	}
	var logged []syncproto.Change
	for batch := range 3 {
		var cs []syncproto.Change
		for i := range 100 {
			n := batch*100 + i
			switch {
			case batch > 0 && i%10 == 0: // an edit of an earlier record
				cs = append(cs, change(n, ids[n%len(ids)], syncproto.OpUpsert))
			case batch == 2 && i == 55: // a tombstone
				cs = append(cs, change(n, ids[3], syncproto.OpDelete))
			default:
				rec := uuid.NewString()
				if n%3 == 0 {
					rec = uuid.Must(uuid.NewV7()).String()
				}
				ids = append(ids, rec)
				cs = append(cs, change(n, rec, syncproto.OpUpsert))
			}
		}
		if _, err := s.Write(ctx, at, func(tx care.PushTx) error {
			for _, c := range cs {
				if err := applyOne(tx, p, c, "inc-1"); err != nil {
					return err
				}
			}
			return tx.Quarantine(p, care.Incoming{ID: cs[1].ID, Raw: []byte(`{"retry":true}`), Change: cs[1]},
				&syncproto.Error{Code: "invalid_value", Field: "given_name", Message: "bad"}, "inc-1")
		}); err != nil {
			t.Fatal(err)
		}
		logged = append(logged, cs...)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	db, gp := migrator(t, path)
	if _, err := gp.DownTo(ctx, 20); err != nil {
		t.Fatalf("down to 00020: %v", err)
	}
	if got := indexSQL(t, db, "records_key"); strings.Contains(got, "unhex") {
		t.Fatalf("down to 00020 left records_key keyed by bytes: %s", got)
	}
	cols := tableColumns(t, db)
	before := dumpTables(t, db, cols)

	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after := dumpTables(t, db, cols)
	for table, rows := range before {
		if len(rows) == 0 {
			t.Fatalf("no %s rows to compare", table)
		}
		if !slices.Equal(rows, after[table]) {
			t.Errorf("%s differs after the migration: %d rows before, %d after", table, len(rows), len(after[table]))
		}
	}
	for name, want := range map[string]string{"changes_id": "(id_key)", "records_key": "(collection, record_key)"} {
		if got := indexSQL(t, db, name); !strings.Contains(got, "UNIQUE") || !strings.HasSuffix(got, want) {
			t.Errorf("index %s is %q", name, got)
		}
	}
	for _, q := range []string{
		"SELECT id FROM changes WHERE id_key IS NOT unhex(replace(id, '-', '')) OR length(id_key) != 16",
		"SELECT record_id FROM records WHERE record_key IS NOT unhex(replace(record_id, '-', '')) OR length(record_key) != 16",
	} {
		if bad := queryStrings(t, db, q); len(bad) > 0 {
			t.Errorf("%d rows whose key is not their id's bytes: %v", len(bad), bad)
		}
	}
	if auto := queryStrings(t, db, "SELECT name FROM sqlite_master WHERE tbl_name = 'changes' AND name LIKE 'sqlite_autoindex%'"); len(auto) > 0 {
		t.Errorf("the log kept its text index: %v", auto)
	}

	// The store reads through the new keys.
	for _, id := range []string{ids[0], ids[1], ids[len(ids)-1]} {
		if r, err := s.Record(ctx, "residents", id); err != nil || r == nil || r.ID != id {
			t.Fatalf("record %s: %+v, %v", id, r, err)
		}
	}
	if h, err := s.History(ctx, "residents", ids[10]); err != nil || len(h) < 2 {
		t.Errorf("history of an edited record: %d changes, %v", len(h), err)
	}
	var walked []string
	cur := ""
	for {
		page, err := s.State(ctx, "residents", cur, care.Filter{}, 37)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Records {
			walked = append(walked, r.ID)
			cur = r.ID
		}
		if !page.More {
			break
		}
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	if !slices.Equal(walked, want) {
		t.Errorf("the initial sync walked %d records, not the %d in id order", len(walked), len(want))
	}
	q, err := s.Quarantine(ctx, care.QuarantineFilter{Limit: 10})
	if err != nil || len(q) != 3 || !q[0].AppliedLater {
		t.Errorf("quarantined retries of applied changes: %+v, %v", q, err)
	}
	if err := s.ExecForTest(ctx, fmt.Sprintf(`INSERT INTO changes (seq, id, id_key, collection, record_id, op, hlc, device_id, subject, role, recorded_at, received_at, body)
		VALUES (100000, '%[1]s', unhex(replace('%[1]s', '-', '')), 'residents', '%[2]s', 'upsert', 'h', 'd', 's', 'r', 'a', 'b', '{}')`, logged[0].ID, ids[0])); err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Errorf("a second log row for change %s: %v", logged[0].ID, err)
	}
}

// TestStore_MigrateUUIDKeysRefusesOtherIDs checks a database at 00020
// holding a record id that is not a canonical UUID is not migrated: its key
// would be NULL and the record would drop out of lookups. The error names
// the check and the database is left at 00020 with its rows.
func TestStore_MigrateUUIDKeysRefusesOtherIDs(t *testing.T) {
	for _, tc := range []struct{ name, table, id string }{
		{"upper-case record id", "records", strings.ToUpper(uuid.NewString())},
		{"record id without dashes", "records", strings.ReplaceAll(uuid.NewString(), "-", "")},
		{"change id of another form", "changes", "change-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "continuity.db")
			db, gp := migrator(t, path)
			if _, err := gp.UpTo(ctx, 20); err != nil {
				t.Fatal(err)
			}
			changeID, recordID := uuid.NewString(), uuid.NewString()
			if tc.table == "changes" {
				changeID = tc.id
			} else {
				recordID = tc.id
			}
			for _, q := range []string{
				`INSERT INTO changes (seq, id, collection, record_id, op, hlc, device_id, subject, role, recorded_at, received_at, body, rec)
					VALUES (1, '` + changeID + `', 'residents', '` + recordID + `', 'upsert', 'h', 'd', 's', 'r', 'a', 'b', '{}', 1)`,
				`INSERT INTO records (rowid, collection, record_id, state, created_seq, updated_seq) VALUES (1, 'residents', '` + recordID + `', '{}', 1, 1)`,
			} {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			s, err := sqlite.Open(ctx, path)
			if err == nil {
				s.Close()
				t.Fatal("migrated a database holding an id that is not a canonical UUID")
			}
			if !strings.Contains(err.Error(), "every_change_and_record_id_is_a_canonical_uuid") {
				t.Errorf("the refusal does not name the check: %v", err)
			}
			if v, err := gp.GetDBVersion(ctx); err != nil || v != 20 {
				t.Errorf("database at %d (%v), want 20", v, err)
			}
			if n := queryStrings(t, db, "SELECT record_id FROM records UNION ALL SELECT id FROM changes"); len(n) != 2 {
				t.Errorf("rows after the refusal: %v", n)
			}
		})
	}
}

// migrator opens the database file at path and a goose provider of the
// SQLite migrations over it, closed when the test ends.
func migrator(t *testing.T, path string) (*sql.DB, *goose.Provider) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	gp, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.SQLite())
	if err != nil {
		t.Fatal(err)
	}
	return db, gp
}

// tableColumns returns the columns of the log, the records and the
// quarantine.
func tableColumns(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range []string{"changes", "records", "quarantine"} {
		out[table] = queryStrings(t, db, "SELECT name FROM pragma_table_info(?)", table)
	}
	return out
}

// dumpTables returns the columns cols of every row of the log, the records
// and the quarantine, one string a row, in rowid order.
func dumpTables(t *testing.T, db *sql.DB, cols map[string][]string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for table, cols := range cols {
		row := "quote(rowid)"
		for _, c := range cols {
			row += " || '|' || quote(" + c + ")"
		}
		out[table] = queryStrings(t, db, "SELECT "+row+" FROM "+table+" ORDER BY rowid")
	}
	return out
}

// indexSQL returns the statement that made index name.
func indexSQL(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	s := queryStrings(t, db, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", name)
	if len(s) != 1 {
		t.Fatalf("index %s: %v", name, s)
	}
	return s[0]
}

// TestIDKey checks the writer's key of an id is the 16 bytes the queries'
// keyOf takes from the same id (SQLite's unhex of the id without dashes), for
// random and time-ordered ids, and that anything but a canonical lower-case
// UUID is refused rather than stored under a key no lookup would find.
func TestIDKey(t *testing.T) {
	db, _ := migrator(t, filepath.Join(t.TempDir(), "keys.db"))
	for _, id := range []string{uuid.NewString(), uuid.Must(uuid.NewV7()).String(), "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"} {
		got, err := sqlite.IDKeyForTest(id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		var want []byte
		if err := db.QueryRow("SELECT unhex(replace(?, '-', ''))", id).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) || len(got) != 16 {
			t.Errorf("key of %s is %x, SQLite's %x", id, got, want)
		}
	}
	for _, id := range []string{"", "change-1", strings.ToUpper(uuid.NewString()), strings.ReplaceAll(uuid.NewString(), "-", ""),
		"0190f3a4-1b2c-7d3e-8f40-5a6b7c8d9e0g", "0190f3a4-1b2c-7d3e-8f40_5a6b7c8d9e0f", "0190f3a41-b2c-7d3e-8f40-5a6b7c8d9e0f", uuid.NewString() + "0"} {
		if key, err := sqlite.IDKeyForTest(id); err == nil {
			t.Errorf("key %x for %q", key, id)
		}
	}
}
