package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// The "before" figure of the ingest rework's aim (push ingest ≥ 3× the rate
// before it) is a constant measured on 2026-11-23 unless --before names a
// bench binary built from the tree of that day (commit 77a3990: git
// worktree add --detach /tmp/before 77a3990 && go build -o
// /tmp/bench-before ./bench in it). Then that binary's push-ingest phase
// runs in this run, right after ours, with the same workload flags, and
// its rate is the "before": a ratio measured in the same run. That bench
// runs its server inside the bench's own process (it has no child server),
// so this one then also runs its push ingest with the server in its own
// process, and the aim's ratio compares those two: like with like. The
// ratio to the child-process figure is printed beside it, without an aim.

// runBefore runs the bench binary at path with the workload flags of cfg
// (and a small initial sync, which is not used) and returns the push-ingest
// rate it prints, in changes per second.
func runBefore(ctx context.Context, cfg config, path string) (float64, error) {
	args := []string{
		"--changes", strconv.Itoa(cfg.Changes), "--devices", strconv.Itoa(cfg.Devices), "--batch", strconv.Itoa(cfg.Batch),
		"--updates", strconv.FormatFloat(cfg.Updates, 'g', -1, 64), "--seed", strconv.FormatUint(cfg.Seed, 10),
		"--records", "1000", "--dir", cfg.Dir,
	}
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s: %w: %s", path, err, strings.TrimSpace(errOut.String()))
	}
	return parseIngestRate(out.Bytes())
}

// parseIngestRate finds the push-ingest row of a bench report ("| push
// ingest (8 devices) | 200,000 changes | 32.96 | 6,068 changes/s | ...")
// and returns its rate.
func parseIngestRate(report []byte) (float64, error) {
	sc := bufio.NewScanner(bytes.NewReader(report))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "| push ingest") {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 5 {
			break
		}
		rate, ok := strings.CutSuffix(strings.TrimSpace(cells[4]), " changes/s")
		if !ok {
			break
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(rate, ",", ""), 64)
		if err != nil || v <= 0 {
			break
		}
		return v, nil
	}
	return 0, errors.New("the report has no push ingest rate")
}
