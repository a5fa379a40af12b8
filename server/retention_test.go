package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/retention"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto"
)

// seedClosedIncident writes an incident with one resident, closed a day
// after it opened at t0, into a new SQLite database.
func seedClosedIncident(t *testing.T, path string, t0 time.Time) (incident, resident string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := t0
	syn := care.NewSync(st, newRegistry(), func() time.Time { return now }, "server", nil)
	hlc := syncproto.NewClock("seed", func() time.Time { return now })
	push := func(collection, id string, fields map[string]any) {
		t.Helper()
		f := map[string]json.RawMessage{}
		for k, v := range fields {
			f[k], _ = json.Marshal(v)
		}
		raw, _ := json.Marshal(syncproto.Change{ID: uuid.NewString(), Collection: collection, RecordID: id, Op: syncproto.OpUpsert,
			Fields: f, HLC: hlc.Now(), RecordedAt: now})
		resp, err := syn.Push(ctx, care.SystemPrincipal, syncproto.PushRequest{Changes: []json.RawMessage{raw}})
		if err != nil || resp.Results[0].Status != syncproto.StatusApplied {
			t.Fatalf("seed %s: %+v %v", collection, resp, err)
		}
	}
	incident, resident = uuid.NewString(), uuid.NewString()
	push("incidents", incident, map[string]any{"incident_id": incident, "provider_id": uuid.NewString(), "title": "Larkfield House",
		"trigger_criterion": "ii", "process": 2, "status": "active", "activated_at": t0.Format(time.RFC3339), "reason": "administrators appointed"})
	push("residents", resident, map[string]any{"incident_id": incident, "given_name": "Edith", "family_name": "Barlow"})
	now = t0.Add(24 * time.Hour)
	push("incidents", incident, map[string]any{"status": "closed"})
	return incident, resident
}

func TestRetentionCommand(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	db := filepath.Join(t.TempDir(), "continuity.db")
	incident, resident := seedClosedIncident(t, db, t0)
	run := func(now time.Time, args ...string) (string, error) {
		var out, errs bytes.Buffer
		err := runRetention(ctx, append(args, "--db", db), &out, &errs, func() time.Time { return now })
		return out.String(), err
	}

	t.Run("dry run lists what is due and changes nothing", func(t *testing.T) {
		out, err := run(t0.AddDate(8, 0, 2), "--dry-run")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "residents") || !strings.Contains(out, resident) || !strings.Contains(out, incident) ||
			!strings.Contains(out, "care-record") || !strings.Contains(out, "2034-11-24") || !strings.Contains(out, ": 1 due; nothing changed") {
			t.Fatalf("dry run:\n%s", out)
		}
		again, err := run(t0.AddDate(8, 0, 2), "--dry-run")
		if err != nil || again != out {
			t.Fatalf("a second dry run differs:\n%s\n%v", again, err)
		}
	})
	t.Run("not due yet", func(t *testing.T) {
		out, err := run(t0.AddDate(8, 0, 0), "--dry-run")
		if err != nil || !strings.Contains(out, ": 0 due;") {
			t.Fatalf("dry run before the period ends:\n%s %v", out, err)
		}
	})
	t.Run("a policy file", func(t *testing.T) {
		pol := filepath.Join(t.TempDir(), "policy.json")
		os.WriteFile(pol, []byte(`{"rules":[{"name":"short","collections":["residents"],"start":"incident_closed","years":1}]}`), 0o600)
		out, err := run(t0.AddDate(1, 0, 2), "--dry-run", "--policy", pol)
		if err != nil || !strings.Contains(out, "short") || !strings.Contains(out, ": 1 due;") {
			t.Fatalf("dry run with a policy file:\n%s %v", out, err)
		}
		os.WriteFile(pol, []byte(`{"rules":[{"name":"bad","collections":["providers"],"start":"incident_closed","years":1}]}`), 0o600)
		if _, err := run(t0, "--dry-run", "--policy", pol); err == nil || !strings.Contains(err.Error(), "not incident-scoped") {
			t.Fatalf("a bad policy: %v", err)
		}
	})
	t.Run("print policy", func(t *testing.T) {
		out, err := run(t0, "--print-policy")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := retention.Parse([]byte(out), newRegistry()); err != nil {
			t.Fatalf("printed policy does not load: %v\n%s", err, out)
		}
	})
	t.Run("run removes, then nothing is left to do", func(t *testing.T) {
		out, err := run(t0.AddDate(8, 0, 2))
		if err != nil || !strings.Contains(out, resident) || !strings.Contains(out, ": 1 removed") {
			t.Fatalf("run:\n%s %v", out, err)
		}
		out, err = run(t0.AddDate(8, 0, 3))
		if err != nil || !strings.Contains(out, ": 0 removed") {
			t.Fatalf("second run:\n%s %v", out, err)
		}
		st, err := sqlite.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		h, err := st.History(ctx, "residents", resident)
		if err != nil || len(h) != 1 || h[0].Change.Op != syncproto.OpDelete {
			t.Fatalf("history after the run: %+v %v", h, err)
		}
	})
}
