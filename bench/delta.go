package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
)

// deltaChanges is how many changes a delta pull fetches.
const deltaChanges = 100

// deltaPulls is how many times each delta pull is timed; the median counts.
const deltaPulls = 200

// deltaResult is a delta pull timed after a log of Log changes.
type deltaResult struct {
	Log     int
	Median  time.Duration
	Loading time.Duration
}

// measureDelta fills a fresh database in dir with a log of n residents
// changes, alternating between two incidents (written as change-log rows, as
// the raw insert writes them), starts a server on it and times a pull of the
// newest deltaChanges changes of one incident by a device granted only that
// incident, from a cursor just before them, deltaPulls times over HTTP.
func measureDelta(ctx context.Context, cfg config, dir string, n int) (deltaResult, error) {
	res := deltaResult{Log: n}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	t0 := time.Now()
	mine, other := uuid.NewString(), uuid.NewString()
	if err := fillLog(ctx, filepath.Join(dir, "continuity.db"), n, mine, other, cfg.Seed); err != nil {
		return res, err
	}
	res.Loading = time.Since(t0)
	srv, err := startServer(ctx, dir)
	if err != nil {
		return res, err
	}
	defer srv.Close()
	token, err := srv.enrol(ctx, "sw-delta", "tab-delta", mine)
	if err != nil {
		return res, err
	}
	// The newest 2·deltaChanges rows hold deltaChanges of the device's.
	epoch, err := srv.Store.Epoch(ctx)
	if err != nil {
		return res, err
	}
	cursor := srv.Sync.Cursors.Encode(care.Cursor{Epoch: epoch, Position: int64(n - 2*deltaChanges), Scopes: []string{mine}})
	client := newClient(1)
	defer client.CloseIdleConnections()
	u := fmt.Sprintf("%s/v1/sync/pull?limit=%d&cursor=%s", srv.URL, deltaChanges, url.QueryEscape(cursor))
	times := make([]time.Duration, 0, deltaPulls)
	for i := 0; i < deltaPulls; i++ {
		start := time.Now()
		var page syncproto.PullResponse
		if err := call(ctx, client, http.MethodGet, u, token, nil, &page); err != nil {
			return res, err
		}
		times = append(times, time.Since(start))
		if len(page.Changes) != deltaChanges || page.HasMore {
			return res, fmt.Errorf("delta pull after %d: %d changes (has_more %v), want %d", n, len(page.Changes), page.HasMore, deltaChanges)
		}
	}
	slices.Sort(times)
	res.Median = percentile(times, 0.5)
	return res, nil
}

// fillLog writes n change-log rows into a fresh store database at path,
// alternating between incidents a and b, in transactions of loadBatch.
func fillLog(ctx context.Context, path string, n int, a, b string, seed uint64) error {
	rr, err := newRawRun(ctx, path)
	if err != nil {
		return err
	}
	gens := []*residentGen{newResidentGen(seed, a, 0), newResidentGen(seed+1, b, 0)}
	clock := syncproto.NewClock("seed-01", time.Now)
	incidents := []string{a, b}
	rows := make([]rawRow, 0, loadBatch)
	for i := 0; i < n; i++ {
		c := gens[i%2].create(clock)
		c.DeviceID = clock.Node()
		body, err := json.Marshal(c)
		if err != nil {
			rr.close()
			return err
		}
		rows = append(rows, rawRow{ID: c.ID, Collection: c.Collection, RecordID: c.RecordID, Scope: incidents[i%2], Op: string(c.Op),
			HLC: c.HLC.String(), DeviceID: c.DeviceID, Subject: "sw-seed", Role: benchRole, RecordedAt: c.RecordedAt.UTC().Format(time.RFC3339Nano), Body: body})
		if len(rows) == loadBatch || i == n-1 {
			if err := rr.insertBatch(ctx, rows); err != nil {
				rr.close()
				return err
			}
			rows = rows[:0]
		}
	}
	return rr.close()
}
