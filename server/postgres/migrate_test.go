package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/care/storetest"
	"github.com/continuity-care/continuity/syncproto"
)

// TestStore_MigrateUUIDIDs: migration 00021 stores the ids of changes and
// records as uuid and keeps every row: each table and view reads back the
// same text before and after (and after migrating down again), records and
// a record's changes come in the same key order, the views' id stays text,
// and the store reads the migrated rows as it read them before.
func TestStore_MigrateUUIDIDs(t *testing.T) {
	dsn := freshDB(t)
	ctx := context.Background()
	p := migrator(t, dsn)
	if _, err := p.UpTo(ctx, 20); err != nil {
		t.Fatal(err)
	}
	rows := writeRowsAt20(t, dsn)

	before := snapshot(t, dsn)
	if got := columnTypes(t, dsn); got != "changes.id text, changes.record_id text, records.record_id text, v_residents.id text" {
		t.Fatalf("at migration 20: %s", got)
	}
	s := open(t, dsn) // migrates to the newest
	if got := columnTypes(t, dsn); got != "changes.id uuid, changes.record_id uuid, records.record_id uuid, v_residents.id text" {
		t.Fatalf("after migrating: %s", got)
	}
	conn := connect(t, dsn)
	views := queryStrings(t, conn, `SELECT table_name FROM information_schema.views WHERE table_schema = current_schema()`)
	uuids := queryStrings(t, conn, `SELECT c.table_name || '.' || c.column_name FROM information_schema.columns c
		JOIN information_schema.views v ON v.table_schema = c.table_schema AND v.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND c.data_type = 'uuid'`)
	conn.Close(ctx)
	if len(views) < 30 || len(uuids) > 0 {
		t.Fatalf("after migrating, of %d views these columns are uuid, not text: %v", len(views), uuids)
	}
	after := snapshot(t, dsn)
	compareSnapshots(t, "after migrating up", before, after)

	t.Run("store reads", func(t *testing.T) {
		// State pages walk the records in the key order of the text column.
		var walked []string
		afterCol, afterID := "", ""
		for {
			pg, err := s.State(ctx, afterCol, afterID, care.Filter{}, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range pg.Records {
				walked = append(walked, r.Collection+"/"+r.ID)
				afterCol, afterID = r.Collection, r.ID
			}
			if !pg.More {
				break
			}
		}
		if want := before["records by key"]; !slices.Equal(walked, want) {
			t.Fatalf("state walked %d records %v\nwant %d %v", len(walked), walked, len(want), want)
		}
		for _, id := range rows.records[:5] {
			r, err := s.Record(ctx, "residents", id)
			if err != nil || r == nil || r.ID != id {
				t.Fatalf("record %s: %+v, %v", id, r, err)
			}
			if h, err := s.History(ctx, "residents", id); err != nil || len(h) != 2 || h[0].Change.RecordID != id {
				t.Fatalf("history of %s: %+v, %v", id, h, err)
			}
			// An id in upper case names no record, as the text column compared.
			if r, err := s.Record(ctx, "residents", strings.ToUpper(id)); err != nil || r != nil {
				t.Fatalf("record %s in upper case: %+v, %v", id, r, err)
			}
		}
		q, err := s.Quarantine(ctx, care.QuarantineFilter{Limit: 10})
		if err != nil || len(q) != 3 {
			t.Fatalf("quarantine: %+v, %v", q, err)
		}
		for _, e := range q {
			if want := e.ChangeID == rows.appliedLater; e.AppliedLater != want {
				t.Errorf("quarantined %q applied later %v, want %v", e.ChangeID, e.AppliedLater, want)
			}
		}
		var residents []string
		for _, k := range before["records by key"] {
			if id, ok := strings.CutPrefix(k, "residents/"); ok {
				residents = append(residents, id)
			}
		}
		held, err := s.HeldRecords(ctx, "residents", "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range held {
			got = append(got, h.RecordID)
		}
		if !slices.Equal(got, residents) {
			t.Fatalf("held records: %v\nwant %v", got, residents)
		}
	})
	s.Close()

	if _, err := p.DownTo(ctx, 20); err != nil {
		t.Fatal(err)
	}
	if got := columnTypes(t, dsn); got != "changes.id text, changes.record_id text, records.record_id text, v_residents.id text" {
		t.Fatalf("after migrating down: %s", got)
	}
	compareSnapshots(t, "after migrating down", before, snapshot(t, dsn))
}

// rowsAt20 is what writeRowsAt20 wrote.
type rowsAt20 struct {
	records      []string // residents' ids
	appliedLater string   // the quarantined change id that is in the log
}

// writeRowsAt20 writes, into a database at migration 20, the legacy rows
// of storetest, 300 residents with random ids and two changes each,
// quarantine entries (one naming a logged change, one an id that is no
// UUID, one none), a read audit row and a retention log row.
func writeRowsAt20(t *testing.T, dsn string) rowsAt20 {
	t.Helper()
	ctx := context.Background()
	conn := connect(t, dsn)
	defer conn.Close(ctx)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	const insertChange = `INSERT INTO changes (seq, id, collection, record_id, scope, op, hlc, device_id, subject, role, recorded_at, received_at, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'someone', 'social_worker', $9, $10, $11)`
	const insertRecord = `INSERT INTO records (collection, record_id, scope, deleted, state, created_seq, updated_seq) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	l := storetest.NewLegacy()
	for _, c := range l.Changes {
		ch := c.Change
		exec(insertChange, c.Seq, ch.ID, ch.Collection, ch.RecordID, c.Scope, string(ch.Op), ch.HLC.String(), ch.DeviceID, ch.RecordedAt, c.ReceivedAt, string(c.Body))
	}
	for _, r := range l.Records {
		exec(insertRecord, r.Collection, r.ID, r.Scope, r.Deleted, string(r.State), r.Created, r.Updated)
	}
	seq := int64(len(l.Changes))
	var out rowsAt20
	g := newGen("tab-mig")
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 300; i++ {
		id := uuid.NewString()
		out.records = append(out.records, id)
		r := syncproto.NewRecord("residents", id)
		first := seq + 1
		for j, fields := range []map[string]any{{"given_name": fmt.Sprint("Given ", i), "incident_id": "inc-mig"}, {"notes": fmt.Sprint("note ", i)}} {
			ch := g.upsert("residents", id, fields).Change
			r.Apply(ch)
			body, _ := json.Marshal(ch)
			seq++
			exec(insertChange, seq, ch.ID, ch.Collection, ch.RecordID, "inc-mig", string(ch.Op), ch.HLC.String(), ch.DeviceID, ch.RecordedAt, at.Add(time.Duration(i*2+j)*time.Second), string(body))
			if i == 7 && j == 1 {
				out.appliedLater = ch.ID
			}
		}
		state, _ := json.Marshal(r)
		exec(insertRecord, "residents", id, "inc-mig", false, string(state), first, seq)
	}
	exec("UPDATE log_head SET seq = $1", seq)
	for _, changeID := range []string{out.appliedLater, "q", ""} {
		exec(`INSERT INTO quarantine (change_id, collection, record_id, device_id, subject, role, code, message, raw, received_at, scope)
			VALUES ($1, 'residents', $2, 'tab-mig', 'someone', 'social_worker', 'invalid_value', 'bad', '{}', $3, 'inc-mig')`, changeID, out.records[7], at)
	}
	exec(`INSERT INTO read_audit (at, subject, role, device_id, action, collection, record_id, resident_id, incident_id)
		VALUES ($1, 'someone', 'social_worker', 'tab-mig', 'history', 'residents', $2, $2, 'inc-mig')`, at, out.records[3])
	exec(`INSERT INTO retention_log (at, rule, collection, record_id, incident_id, changes_removed, quarantine_removed)
		VALUES ($1, 'closed', 'residents', $2, 'inc-mig', 1, 0)`, at, out.records[4])
	return out
}

// snapshot returns every table and view of the schema as the text of its
// rows, sorted, and the key orders of records and of a record's changes.
func snapshot(t *testing.T, dsn string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	conn := connect(t, dsn) // a new session: no plan cached from before a migration
	defer conn.Close(ctx)
	out := map[string][]string{}
	for _, name := range queryStrings(t, conn, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name NOT LIKE 'goose%' ORDER BY 1`) {
		out[name] = queryStrings(t, conn, "SELECT t::text FROM "+pgx.Identifier{name}.Sanitize()+" t ORDER BY 1")
	}
	out["records by key"] = queryStrings(t, conn, "SELECT collection || '/' || record_id FROM records ORDER BY collection, record_id")
	out["changes by record"] = queryStrings(t, conn, "SELECT collection || '/' || record_id || '/' || seq FROM changes ORDER BY collection, record_id, seq")
	return out
}

// compareSnapshots fails the test where two snapshots differ.
func compareSnapshots(t *testing.T, when string, before, after map[string][]string) {
	t.Helper()
	if len(before["changes"]) < 600 || len(before["v_residents"]) < 300 || len(before["quarantine"]) != 3 {
		t.Fatalf("snapshot holds %d changes, %d v_residents rows, %d quarantine entries", len(before["changes"]), len(before["v_residents"]), len(before["quarantine"]))
	}
	for name, rows := range before {
		if !slices.Equal(rows, after[name]) {
			t.Errorf("%s, %s differs:\n%d rows, first %.300q\nwas %d rows, first %.300q", when, name, len(after[name]), after[name], len(rows), rows)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s, new table or view %s", when, name)
		}
	}
}

// columnTypes returns the types of the id columns 00021 changes, and of a
// view's id.
func columnTypes(t *testing.T, dsn string) string {
	t.Helper()
	conn := connect(t, dsn)
	defer conn.Close(context.Background())
	return strings.Join(queryStrings(t, conn, `SELECT table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND (table_name IN ('changes', 'records') AND column_name IN ('id', 'record_id')
			OR table_name = 'v_residents' AND column_name = 'id') ORDER BY 1`), ", ")
}
