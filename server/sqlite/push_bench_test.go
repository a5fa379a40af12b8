//go:build unix

package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// bytesWritten is what the process has caused to be written to storage
// (/proc/self/io write_bytes), or 0 where that is not known.
func bytesWritten() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// BenchmarkStore_WriteNewRecords measures the writer alone on the couch
// case's shape: 50,000 new six-field residents, in groups of four pushes of
// 500 (the group committer's usual group under eight writers), into a fresh
// on-disk database, with time-ordered (v7) and random (v4) change and record
// ids. Compare the two as a ratio from one run:
//
//	go test -run '^$' -bench WriteNewRecords -benchtime 2x -count 3 ./server/sqlite/
func BenchmarkStore_WriteNewRecords(b *testing.B) {
	const records, push, group = 50000, 500, 4
	p := care.Principal{Subject: "alice", Role: care.RoleSocialWorker, DeviceID: "tab-1"}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, kind := range []string{"v7", "v4"} {
		newID := uuid.NewString
		if kind == "v7" {
			newID = func() string { return uuid.Must(uuid.NewV7()).String() }
		}
		b.Run(kind, func(b *testing.B) {
			var cpu time.Duration
			var written int64
			for b.Loop() {
				b.StopTimer()
				cs := make([]syncproto.Change, records)
				for i := range cs {
					cs[i] = syncproto.Change{ID: newID(), Collection: "residents", RecordID: newID(), Op: syncproto.OpUpsert,
						Fields: map[string]json.RawMessage{"incident_id": json.RawMessage(`"inc-1"`), "given_name": json.RawMessage(fmt.Sprintf(`"Resident %d"`, i)),
							"family_name": json.RawMessage(`"Smith"`), "date_of_birth": json.RawMessage(`"1941-03-02"`), "room": json.RawMessage(`"12B"`),
							"nhs_number": json.RawMessage(`"9434765919"`)},
						HLC: syncproto.HLC{Wall: at.UnixMilli() + int64(i), Node: "tab-1"}, RecordedAt: at, DeviceID: "tab-1"}
				}
				s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "continuity.db"))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				cpu0, w0 := cpuTime(), bytesWritten()
				for g := 0; g < records; g += push * group {
					fns := make([]func(care.PushTx) error, 0, group)
					for start := g; start < min(g+push*group, records); start += push {
						batch := cs[start:min(start+push, records)]
						fns = append(fns, func(tx care.PushTx) error {
							ids, keys := make([]string, len(batch)), make([]care.RecordKey, len(batch))
							for i, c := range batch {
								ids[i], keys[i] = c.ID, care.RecordKey{Collection: c.Collection, ID: c.RecordID}
							}
							if _, err := tx.Begin(ids, keys); err != nil {
								return err
							}
							for _, c := range batch {
								if err := applyOne(tx, p, c, "inc-1"); err != nil {
									return err
								}
							}
							return nil
						})
					}
					if _, errs := s.WriteGroupForTest(fns...); errs[0] != nil {
						b.Fatal(errs[0])
					}
				}
				b.StopTimer()
				cpu += cpuTime() - cpu0
				written += bytesWritten() - w0
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			// CPU time moves less than wall time on a shared machine.
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			// Bytes the process wrote to storage (WAL and checkpoints), the
			// cost random ids add that does not depend on the machine's load.
			b.ReportMetric(float64(written)/float64(records)/float64(b.N), "written-B/record")
		})
	}
}
