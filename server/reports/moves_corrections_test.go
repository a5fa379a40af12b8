package reports_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/reports"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/google/uuid"
)

// mustPush pushes one change through the real push path as role and fails
// the test unless it is applied.
func (w *propWorld) mustPush(t *testing.T, role string, c syncproto.Change) {
	t.Helper()
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := w.sync.Push(context.Background(), care.Principal{Subject: c.DeviceID, Role: role, DeviceID: c.DeviceID, Scopes: []string{"incident:" + care.AllIncidents}},
		syncproto.PushRequest{Changes: []json.RawMessage{raw}})
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	if st := resp.Results[0].Status; st != syncproto.StatusApplied {
		t.Fatalf("%s/%s: %s %+v", c.Collection, c.RecordID, st, resp.Results[0].Error)
	}
}

// TestMoves_Corrections: the move board carries each completed move's
// corrections (what, where to, why, by whom, when) and the move as they
// leave it, from records pushed through care.Sync over on-disk SQLite.
func TestMoves_Corrections(t *testing.T) {
	w := newPropWorld(t, t.TempDir())
	defer w.store.Close()
	ids := newPropIDs()
	elm, oak := ids.homes[0], ids.homes[1]
	sys := &device{id: "server-setup", clock: syncproto.NewClock("server-setup", func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) })}
	for _, c := range []syncproto.Change{
		sys.change("providers", ids.provider, map[string]any{"name": "Larkfield Care Ltd", "regulated": true}),
		sys.change("providers", ids.other, map[string]any{"name": "Elm Care Ltd", "regulated": true}),
		sys.change("services", ids.home, map[string]any{"provider_id": ids.provider, "name": "Larkfield House", "service_type": "residential", "regulated": true, "registration_categories": []string{"residential"}}),
		sys.change("services", elm, map[string]any{"provider_id": ids.other, "name": "Elm House", "service_type": "residential", "regulated": true, "registration_categories": []string{"residential"}}),
		sys.change("services", oak, map[string]any{"provider_id": ids.other, "name": "Oakwood Grange", "service_type": "residential", "regulated": true, "registration_categories": []string{"residential"}}),
		sys.change("incidents", ids.inc, map[string]any{"incident_id": ids.inc, "provider_id": ids.provider, "title": "Larkfield House closure", "trigger_criterion": "ii", "process": 2,
			"status": "active", "activated_at": "2026-11-23T09:00:00Z", "reason": "Administrators appointed.", "activated_by": "Director"}),
	} {
		w.mustPush(t, access.System, c)
	}
	sw := &device{id: "tab-1", clock: syncproto.NewClock("tab-1", func() time.Time { return time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) })}
	bo := &device{id: "desk-1", clock: syncproto.NewClock("desk-1", func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) })}
	// Two people, each moved from Larkfield House to Oakwood Grange.
	moves := map[string]string{}
	for i, name := range []string{"Edith", "Harold"} {
		rid, mid := ids.people[i], uuid.NewString()
		moves[name] = mid
		w.mustPush(t, access.System, sys.change("residents", rid, map[string]any{"incident_id": ids.inc, "given_name": name, "family_name": "Marsh",
			"current_service_id": ids.home, "status": "in_placement", "registration_category": "residential"}))
		w.mustPush(t, "social_worker", sw.change("moves", mid, map[string]any{"incident_id": ids.inc, "resident_id": rid, "from_service_id": ids.home, "to_service_id": oak,
			"status": "planned", "planned_at": "2026-11-24T10:00:00Z", "planned_arrival_at": "2026-11-24T10:45:00Z", "chosen_by": "resident"}))
		w.mustPush(t, "social_worker", sw.change("moves", mid, map[string]any{"status": "in_transit"}))
		w.mustPush(t, "transport_coordinator", sw.change("move_legs", uuid.NewString(), map[string]any{"incident_id": ids.inc, "move_id": mid, "sequence": 1,
			"departed_at": "2026-11-24T10:05:00Z", "arrived_at": "2026-11-24T10:50:00Z"}))
		w.mustPush(t, "social_worker", sw.change("moves", mid, map[string]any{"status": "arrived"}))
		w.mustPush(t, "social_worker", sw.change("moves", mid, map[string]any{"status": "completed", "completed_at": "2026-11-24T11:00:00Z", "medication_travelling": true,
			"care_plan_handed_over": true, "identity_confirmed": true, "records_handed_over": true}))
	}
	correct := func(name string, f map[string]any) {
		t.Helper()
		rid := ids.people[0]
		if name == "Harold" {
			rid = ids.people[1]
		}
		base := map[string]any{"incident_id": ids.inc, "move_id": moves[name], "resident_id": rid, "corrected_by": "Bea Lowe"}
		for k, v := range f {
			base[k] = v
		}
		w.mustPush(t, access.System, bo.change(domain.MoveCorrections, uuid.NewString(), base))
	}
	correct("Edith", map[string]any{"kind": "destination", "to_service_id": elm, "reason": "Oakwood's lift was out of order."})
	correct("Edith", map[string]any{"kind": "completed_at", "completed_at": "2026-11-24T12:30:00Z", "reason": "Handed over after lunch."})
	correct("Harold", map[string]any{"kind": "void", "reason": "Entered against the wrong resident."})

	d := reports.Data{IncidentID: ids.inc, Records: map[string][]*syncproto.Record{}}
	for _, col := range []string{"residents", "moves", "move_legs", domain.MoveCorrections, "services", "providers", "incidents"} {
		recs, err := w.store.Records(context.Background(), col, w.sync.IncidentFilter(ids.inc))
		if err != nil {
			t.Fatal(err)
		}
		d.Records[col] = recs
	}
	rows := map[string]reports.MoveRow{}
	for _, m := range reports.Moves(d, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)).Moves {
		rows[m.MoveID] = m
	}
	t.Run("another destination and another completion time", func(t *testing.T) {
		m := rows[moves["Edith"]]
		if m.To != "Oakwood Grange" || m.Void || m.EffectiveTo != "Elm House" || m.EffectiveToServiceID != elm {
			t.Fatalf("to %q, effective to %q (%s), void %v; want Oakwood Grange corrected to Elm House", m.To, m.EffectiveTo, m.EffectiveToServiceID, m.Void)
		}
		if m.CompletedAt == nil || !m.CompletedAt.Equal(time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC)) ||
			m.EffectiveCompletedAt == nil || !m.EffectiveCompletedAt.Equal(time.Date(2026, 11, 24, 12, 30, 0, 0, time.UTC)) {
			t.Fatalf("completed %v, effective %v; want 11:00 corrected to 12:30", m.CompletedAt, m.EffectiveCompletedAt)
		}
		if len(m.Corrections) != 2 {
			t.Fatalf("%d corrections, want 2: %+v", len(m.Corrections), m.Corrections)
		}
		// Both corrections were recorded at the same moment: find each by kind.
		byKind := map[string]int{m.Corrections[0].Kind: 0, m.Corrections[1].Kind: 1}
		c := m.Corrections[byKind["destination"]]
		if c.Kind != "destination" || c.To != "Elm House" || c.Reason != "Oakwood's lift was out of order." || c.CorrectedBy != "Bea Lowe" || c.CorrectedAt == nil {
			t.Fatalf("first correction %+v", c)
		}
		if c := m.Corrections[byKind["completed_at"]]; c.Kind != "completed_at" || c.CompletedAt == nil || !c.CompletedAt.Equal(*m.EffectiveCompletedAt) || c.Reason != "Handed over after lunch." {
			t.Fatalf("second correction %+v", c)
		}
	})
	t.Run("a move that did not happen", func(t *testing.T) {
		m := rows[moves["Harold"]]
		if !m.Void || m.EffectiveTo != "" || m.EffectiveCompletedAt != nil {
			t.Fatalf("void %v, effective to %q at %v; want void with no effective destination", m.Void, m.EffectiveTo, m.EffectiveCompletedAt)
		}
		if len(m.Corrections) != 1 || m.Corrections[0].Kind != "void" || m.Corrections[0].Reason != "Entered against the wrong resident." {
			t.Fatalf("corrections %+v", m.Corrections)
		}
	})
}
