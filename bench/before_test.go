package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseIngestRate(t *testing.T) {
	for _, tc := range []struct {
		name, report string
		want         float64
		ok           bool
	}{
		{"the 2026-11-23 report", "| measure | amount |\n| push ingest (8 devices) | 200,000 changes | 32.96 | 6,068 changes/s | 0.93 | | |\n", 6068, true},
		{"today's report", "x\n| push ingest (8 devices) | 200,000 changes | 13.07 | 15,299 changes/s | 1.24 | | |\n| raw batched insert | 200,000 rows | 2.84 | 70,502 rows/s | 0.96 | | |\n", 15299, true},
		{"no ingest row", "| raw batched insert | 200,000 rows | 2.84 | 70,502 rows/s | 0.96 | | |\n", 0, false},
		{"not a rate", "| push ingest (8 devices) | 200,000 changes | 13.07 | fast | 1.24 | | |\n", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseIngestRate([]byte(tc.report))
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("parseIngestRate = %v, %v; want %v (ok %v)", got, err, tc.want, tc.ok)
			}
		})
	}
}

// TestWriteReport_Before checks the aim's ratio with --before compares like
// with like (both servers in the bench's process) and the child-process
// figure is shown beside it, without an aim.
func TestWriteReport_Before(t *testing.T) {
	res := results{
		Ingest: phase{Items: 200000, Elapsed: 10 * time.Second}, // 20,000/s, child process
		Like:   phase{Items: 200000, Elapsed: 8 * time.Second},  // 25,000/s, in the bench's process
		Raw:    phase{Items: 200000, Elapsed: 2 * time.Second},
		Before: 8000, IngestPeak: 70 << 20,
	}
	var out bytes.Buffer
	writeReport(&out, res)
	for _, want := range []string{
		"| ingest / before, our server in a child process | | | 2.50× | | | |",
		"| ingest / before (8,000 changes/s, the tree of commit 77a3990, in this run; both servers in the bench's process, ours 25,000 changes/s) | | | 3.12× | | ≥ 3× | PASS |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestWriteReport_PostgresBesideSQLite checks push ingest on PostgreSQL is
// printed beside SQLite's for each kind of ids, as a ratio from the run.
func TestWriteReport_PostgresBesideSQLite(t *testing.T) {
	res := results{
		Config: config{IDs: "v7", Devices: 8},
		Ingest: phase{Items: 50000, Elapsed: 5 * time.Second},  // SQLite v7: 10,000/s
		Other:  phase{Items: 50000, Elapsed: 10 * time.Second}, // SQLite v4: 5,000/s
		Raw:    phase{Items: 50000, Elapsed: time.Second},
		Postgres: []idsPhase{
			{IDs: "v7", phase: phase{Items: 50000, Elapsed: 25 * time.Second}}, // 2,000/s
			{IDs: "v4", phase: phase{Items: 50000, Elapsed: 20 * time.Second}}, // 2,500/s
		},
	}
	var out bytes.Buffer
	writeReport(&out, res)
	for _, want := range []string{
		"| push ingest, v7 ids: PostgreSQL / SQLite | | | 0.20× (2,000 / 10,000 changes/s) | | | |",
		"| push ingest, v4 ids: PostgreSQL / SQLite | | | 0.50× (2,500 / 5,000 changes/s) | | | |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
