package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestSimulate_Converges(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	opts, err := parseFlags([]string{"--devices", "20", "--rounds", "5", "--db-dir", t.TempDir(), "--progress", "lines"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	sum, err := simulate(ctx, opts, &stdout, &stderr)
	t.Logf("simulation took %s:\n%s", time.Since(started).Round(time.Millisecond), stdout.String())
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, stderr.String())
	}
	if !sum.Converged || sum.Mismatch != "" {
		t.Fatalf("not converged: %s", sum.Mismatch)
	}
	if sum.Pending != 0 {
		t.Fatalf("%d changes pending", sum.Pending)
	}
	if sum.Devices != 20 || sum.Rounds != 5 || sum.Roles[roleSocialWorker] < 15 || sum.Roles[roleTransport] < 1 || sum.Roles[roleBackOffice] != 1 {
		t.Fatalf("fleet = %d devices %v over %d rounds", sum.Devices, sum.Roles, sum.Rounds)
	}
	if sum.Written == 0 || sum.Pushed == 0 || sum.Applied == 0 {
		t.Fatalf("nothing happened: written %d, pushed %d, applied %d", sum.Written, sum.Pushed, sum.Applied)
	}
	// Everything written reached the server once: applied on the first push
	// or absorbed as a duplicate after a lost answer, or rejected with a
	// reason the device keeps.
	if got := sum.Applied + sum.Duplicates + sum.Rejected; got < sum.Written || sum.Pushed < sum.Written {
		t.Fatalf("written %d but pushed %d, settled %d (applied %d + duplicates %d + rejected %d)",
			sum.Written, sum.Pushed, got, sum.Applied, sum.Duplicates, sum.Rejected)
	}
	if sum.Duplicates > 0 && sum.LostAnswers == 0 {
		t.Fatalf("%d duplicates without a lost answer", sum.Duplicates)
	}
	if sum.ConflictsRaised < 0 || sum.ConflictsOpen < sum.ConflictsRaised {
		t.Fatalf("conflicts raised %d, open %d", sum.ConflictsRaised, sum.ConflictsOpen)
	}
	out := stdout.String()
	for _, want := range []string{"round 1/5: ", "round 5/5: ", "changes pushed", "converged  ", "yes"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestParseFlags(t *testing.T) {
	var stderr bytes.Buffer
	for _, args := range [][]string{
		{"--devices", "1"},
		{"--rounds", "0"},
		{"--offline", "1.5"},
		{"--server", "http://127.0.0.1:1"},
		{"--progress", "fancy"},
		{"extra"},
	} {
		if _, err := parseFlags(args, &stderr); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
	o, err := parseFlags(nil, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if o.devices != 20 || o.rounds != 5 || o.repo == "" || !strings.HasSuffix(o.scenario, "testdata/scenario/scenario.json") {
		t.Fatalf("defaults = %+v", o)
	}
}
