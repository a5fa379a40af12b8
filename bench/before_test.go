package main

import "testing"

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
