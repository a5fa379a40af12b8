package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// The benchmarks' sizes: the push shape, and a smaller initial-sync
// data set than `go run ./bench` uses so `go test -bench . ./bench` stays
// well under two minutes.
const (
	benchDevices = 8
	benchBatch   = 500
	benchUpdates = 0.2
	benchRecords = 20000
)

// syncFixture is the initial-sync data set, loaded once and shared by every
// round of BenchmarkInitialSync (pulls only read it).
var syncFixture struct {
	once sync.Once
	dir  string
	run  *syncRun
	err  error
}

func TestMain(m *testing.M) {
	if os.Getenv(streamServerEnv) != "" {
		// Re-executed by measureStream as the change stream's server.
		os.Exit(streamServerMain())
	}
	if os.Getenv(ingestServerEnv) != "" {
		os.Exit(ingestServerMain())
	}
	if os.Getenv(syncServerEnv) != "" {
		os.Exit(syncServerMain())
	}
	if os.Getenv(fakeCouchEnv) != "" {
		// Re-executed by TestBench_Couch as pouchdb-server's command.
		os.Exit(fakeCouchMain())
	}
	code := m.Run()
	if syncFixture.run != nil {
		syncFixture.run.close()
	}
	if syncFixture.dir != "" {
		os.RemoveAll(syncFixture.dir)
	}
	os.Exit(code)
}

// BenchmarkPushIngest pushes b.N batches of 500 residents changes to a real
// server from 8 devices at once; one op is one push. It reports changes/s.
func BenchmarkPushIngest(b *testing.B) {
	ctx := context.Background()
	w, err := newPushWorkload(benchDevices, b.N*benchBatch, benchBatch, benchUpdates, 1)
	if err != nil {
		b.Fatal(err)
	}
	r, err := newIngestRun(ctx, b.TempDir(), w)
	if err != nil {
		b.Fatal(err)
	}
	defer r.close()
	b.ResetTimer()
	applied, elapsed, err := r.push(ctx)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if applied != w.Changes {
		b.Fatalf("applied %d of %d changes", applied, w.Changes)
	}
	b.ReportMetric(float64(applied)/elapsed.Seconds(), "changes/s")
}

// BenchmarkRawInsert inserts b.N batches of 500 change-log rows (the rows
// BenchmarkPushIngest's changes become), one transaction per batch; one op
// is one batch. It reports rows/s.
func BenchmarkRawInsert(b *testing.B) {
	ctx := context.Background()
	w, err := newPushWorkload(benchDevices, b.N*benchBatch, benchBatch, benchUpdates, 1)
	if err != nil {
		b.Fatal(err)
	}
	r, err := newRawRun(ctx, filepath.Join(b.TempDir(), "raw.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer r.close()
	b.ResetTimer()
	rows, elapsed, err := r.insert(ctx, w.RawBatches)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
}

// BenchmarkInitialSync pulls a 20,000-record data set from no cursor at the
// largest page size; one op is one complete initial sync. It reports
// records/s.
func BenchmarkInitialSync(b *testing.B) {
	ctx := context.Background()
	syncFixture.once.Do(func() {
		if syncFixture.dir, syncFixture.err = os.MkdirTemp("", "continuity-bench-*"); syncFixture.err != nil {
			return
		}
		syncFixture.run, syncFixture.err = newSyncRun(ctx, syncFixture.dir, newRecordSet(benchRecords, benchUpdates, 2))
	})
	if syncFixture.err != nil {
		b.Fatal(syncFixture.err)
	}
	r := syncFixture.run
	b.ResetTimer()
	records := 0
	var total float64
	for range b.N {
		st, elapsed, err := r.pull(ctx, syncproto.MaxPullLimit)
		if err != nil {
			b.Fatal(err)
		}
		if st.Records != benchRecords {
			b.Fatalf("pulled %d records, want %d", st.Records, benchRecords)
		}
		records += st.Records
		total += elapsed.Seconds()
	}
	b.StopTimer()
	b.ReportMetric(float64(records)/total, "records/s")
}

// TestBench_Smoke runs the whole bench at toy sizes and checks it did all
// its work: every change applied and logged, every row inserted, every record
// pulled. It asserts nothing about speed.
func TestBench_Smoke(t *testing.T) {
	cfg := config{Changes: 200, Devices: 2, Batch: 50, Updates: 0.2, Records: 500, PullLimit: 100, Seed: 7, Dir: t.TempDir(), DeltaSmall: 200, DeltaBig: 1000}
	res, err := runBench(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changes != 200 || res.Ingest.Items != 200 || res.Raw.Items != 200 {
		t.Errorf("changes %d, ingested %d, inserted %d; want 200 each", res.Changes, res.Ingest.Items, res.Raw.Items)
	}
	if res.Updates == 0 {
		t.Error("workload has no updates")
	}
	if res.Sync.Items != 500 || res.SyncChanges < 500 || res.SyncPages < 5 {
		t.Errorf("pulled %d records in %d changes over %d pages; want 500 records over at least 5 pages", res.Sync.Items, res.SyncChanges, res.SyncPages)
	}
	var out bytes.Buffer
	writeReport(&out, res)
	for _, want := range []string{"| push ingest (2 devices) | 200 changes |", "| raw batched insert | 200 rows |", "| ingest / raw |", "| ingest / before", "| initial sync pull | 500 records in", "| delta pull after 1,000 / after 200 |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if entries, _ := os.ReadDir(cfg.Dir); len(entries) != 0 {
		t.Errorf("temporary databases left behind: %v", entries)
	}
}

// TestBench_Children runs push ingest and the initial sync against servers in
// child processes (the test binary re-executed) and checks they did all
// their work: every change logged, every record pulled over several pages.
func TestBench_Children(t *testing.T) {
	cfg := config{Changes: 200, Devices: 2, Batch: 50, Updates: 0.2, Records: 500, PullLimit: 100, Seed: 9, Dir: t.TempDir(), Child: true}
	res, err := runBench(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ingest.Items != 200 || res.IngestPeak <= 0 {
		t.Errorf("ingested %d changes with peak RSS %d; want 200 and a peak", res.Ingest.Items, res.IngestPeak)
	}
	if res.Sync.Items != 500 || res.SyncChanges < 500 || res.SyncPages < 5 || res.SyncLoad <= 0 {
		t.Errorf("pulled %d records in %d changes over %d pages (loaded in %v); want 500 records over at least 5 pages", res.Sync.Items, res.SyncChanges, res.SyncPages, res.SyncLoad)
	}
}

// TestBench_ReadTail checks the pull client reads a page's cursor from its
// end whatever the changes hold, and refuses a page with no tail.
func TestBench_ReadTail(t *testing.T) {
	t.Run("tail", func(t *testing.T) {
		got, err := readTail([]byte(`{"changes":[{"fields":{"notes":"\"cursor\":\"x\""}}],"cursor":"abc","has_more":true}`))
		if err != nil || got.Cursor != "abc" || !got.HasMore {
			t.Errorf("readTail = %+v, %v; want cursor abc, has_more", got, err)
		}
	})
	t.Run("no tail", func(t *testing.T) {
		if _, err := readTail([]byte(`{"changes":[]}`)); err == nil {
			t.Error("readTail accepted a page with no cursor")
		}
	})
}

// TestBench_SameRows checks the raw baseline writes what the server writes:
// each raw row's body is byte for byte the body the store logged for that
// change, and every generated change is valid.
func TestBench_SameRows(t *testing.T) {
	ctx := context.Background()
	w, err := newPushWorkload(3, 120, 40, 0.3, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, batch := range w.RawBatches {
		for _, row := range batch {
			var c syncproto.Change
			if err := json.Unmarshal(row.Body, &c); err != nil {
				t.Fatal(err)
			}
			if v := c.Fields["nhs_number"]; v != nil {
				var n string
				if err := json.Unmarshal(v, &n); err != nil || !schema.ValidNHSNumber(n) {
					t.Errorf("invalid NHS number %s", v)
				}
			}
		}
	}
	r, err := newIngestRun(ctx, t.TempDir(), w)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	if applied, _, err := r.push(ctx); err != nil || applied != w.Changes {
		t.Fatalf("applied %d of %d: %v", applied, w.Changes, err)
	}
	for _, batch := range w.RawBatches {
		for _, row := range batch {
			hist, err := r.srv.Store.History(ctx, row.Collection, row.RecordID)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, h := range hist {
				if h.Change.ID != row.ID {
					continue
				}
				found = true
				got, _ := json.Marshal(h.Change)
				if !bytes.Equal(got, row.Body) {
					t.Errorf("change %s: server logged\n%s\nraw row has\n%s", row.ID, got, row.Body)
				}
				if h.Subject != row.Subject || h.Role != row.Role || h.Change.DeviceID != row.DeviceID {
					t.Errorf("change %s: server logged %s/%s/%s, raw row %s/%s/%s", row.ID, h.Subject, h.Role, h.Change.DeviceID, row.Subject, row.Role, row.DeviceID)
				}
			}
			if !found {
				t.Errorf("change %s not in the server's log", row.ID)
			}
		}
	}
}

// TestBench_Flags checks bad sizes are refused before anything runs.
func TestBench_Flags(t *testing.T) {
	for _, args := range [][]string{
		{"--batch", "0"}, {"--batch", "1001"}, {"--devices", "0"}, {"--pull-limit", "5001"},
		{"--updates", "1"}, {"--records", "0"}, {"--changes", "-1"}, {"extra"},
		{"--runs", "0"}, {"--runs", "2"}, {"--case", "unauth-bodies", "--runs", "2"},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run %v: no error", args)
		}
	}
	if got := profilePath("out/cpu.pprof", "ingest"); got != "out/cpu.ingest.pprof" {
		t.Errorf("profilePath = %s", got)
	}
	if got := profilePath("cpu", "pull"); got != "cpu.pull.pprof" {
		t.Errorf("profilePath = %s", got)
	}
}

// TestBench_Stream runs the change stream measurements at toy sizes and
// checks they did their work: every write timed, every idle stream held, the
// server's memory read. It asserts nothing about speed or size.
func TestBench_Stream(t *testing.T) {
	cfg := config{StreamWrites: 20, StreamIdle: 20}
	res, err := measureStream(context.Background(), cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if res.Writes != 20 || res.Idle != 20 || res.RSS <= 0 || res.P50 <= 0 || res.P99 < res.P50 {
		t.Fatalf("results %+v", res)
	}
	var out bytes.Buffer
	writeStreamReport(&out, res)
	for _, want := range []string{"write on A → event at B, p50", "p99", "server RSS holding idle streams", "≤ 10 ms", "≤ 100 MB"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestBench_Bodies checks the unauth-bodies case does its work: every POST
// is answered (401, no token) and the report has its row. It asserts
// nothing about memory.
func TestBench_Bodies(t *testing.T) {
	res, err := runBodies(context.Background(), t.TempDir(), 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Statuses["401"] != 3 {
		t.Fatalf("answers %v, want 3 × 401", res.Statuses)
	}
	var out bytes.Buffer
	writeBodiesReport(&out, res)
	if !strings.Contains(out.String(), "| 3 × 401 |") {
		t.Fatalf("report:\n%s", out.String())
	}
}
