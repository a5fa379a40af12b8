package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// Retention checks a store's care.RetentionStore: what it reports held of
// each record, and that a purge removes a record's older log rows and its
// quarantine rows, keeps its tombstone, its incident and every other
// record's positions, never lets a log position or quarantine id be
// reused, and logs what it removed.
func Retention(t *testing.T, open Opener) {
	s := open(t)
	defer s.Close()
	rs, ok := s.(care.RetentionStore)
	if !ok {
		t.Fatalf("%T does not implement care.RetentionStore", s)
	}
	ctx := context.Background()
	at := time.Date(2034, 12, 1, 3, 0, 0, 0, time.UTC)
	g := newGen("tab-1")
	inc := uuid.NewString()
	edith, other := uuid.NewString(), uuid.NewString()
	e1 := g.upsert("residents", edith, map[string]any{"incident_id": inc, "given_name": "Edith"})
	o1 := g.upsert("residents", other, map[string]any{"incident_id": inc, "given_name": "Olive"})
	e2 := g.upsert("residents", edith, map[string]any{"family_name": "Barlow"})
	reject := func(_ schema.Lookup, c syncproto.Change, before, after *syncproto.Record) care.Verdict {
		return care.Verdict{Err: syncproto.Errorf(syncproto.CodeInvalidValue, "fields.given_name", "refused")}
	}
	apply(t, s, nil, e1, o1, e2)
	bad := g.upsert("residents", edith, map[string]any{"given_name": "Edie"})
	wantStatuses(t, apply(t, s, reject, bad), "rejected")

	held := func(t *testing.T, id string) care.HeldRecord {
		t.Helper()
		hs, err := rs.HeldRecords(ctx, "residents", "", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			if h.RecordID == id {
				return h
			}
		}
		t.Fatalf("record %s not held", id)
		return care.HeldRecord{}
	}

	t.Run("held records", func(t *testing.T) {
		h := held(t, edith)
		if h.Scope != inc || h.Changes != 2 || h.LastChangeID != e2.ID || h.Quarantined != 1 || h.State == nil || h.Purged() {
			t.Fatalf("held = %+v", h)
		}
		hs, err := rs.HeldRecords(ctx, "residents", edith, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hs {
			if h.RecordID <= edith {
				t.Fatalf("page after %s holds %s", edith, h.RecordID)
			}
		}
	})
	t.Run("purge refuses a record that is not deleted", func(t *testing.T) {
		_, err := care.PurgeRecord(ctx, rs, care.Purge{Collection: "residents", RecordID: edith, Keep: e2.ID, Rule: "r", At: at})
		if !errors.Is(err, care.ErrRetentionChanged) {
			t.Fatalf("purge of a live record: %v", err)
		}
		if _, err := care.PurgeRecord(ctx, rs, care.Purge{Collection: "residents", RecordID: uuid.NewString(), Keep: e2.ID, Rule: "r", At: at}); !errors.Is(err, care.ErrNotFound) {
			t.Fatalf("purge of an unknown record: %v", err)
		}
	})

	tomb := g.del("residents", edith)
	tomb.Change.DeviceID = care.SystemPrincipal.DeviceID
	scoped := func(_ schema.Lookup, c syncproto.Change, _, _ *syncproto.Record) care.Verdict {
		return care.Verdict{Scope: inc}
	}
	if _, err := care.Apply(ctx, s, care.Batch{Principal: care.SystemPrincipal, ReceivedAt: at, Items: []care.Incoming{tomb}, Check: scoped}); err != nil {
		t.Fatal(err)
	}
	// A later write to another record: its position must survive.
	o2 := g.upsert("residents", other, map[string]any{"family_name": "Penn"})
	apply(t, s, nil, o2)
	headBefore, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.Changes(ctx, 0, care.Filter{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	positions := map[string]int64{}
	for _, lc := range all.Changes {
		positions[mustChange(lc).ID] = lc.Position
	}

	t.Run("purge refuses a tombstone that is not the newest change", func(t *testing.T) {
		_, err := care.PurgeRecord(ctx, rs, care.Purge{Collection: "residents", RecordID: edith, Keep: e1.ID, Rule: "r", At: at})
		if !errors.Is(err, care.ErrRetentionChanged) {
			t.Fatalf("purge keeping an old change: %v", err)
		}
	})
	t.Run("purge keeps only the tombstone", func(t *testing.T) {
		e, err := care.PurgeRecord(ctx, rs, care.Purge{Collection: "residents", RecordID: edith, Keep: tomb.ID, IncidentID: inc, Rule: "care-record", At: at})
		if err != nil {
			t.Fatal(err)
		}
		if e.ID == 0 || e.ChangesRemoved != 2 || e.QuarantineRemoved != 1 || e.Rule != "care-record" || e.IncidentID != inc || !e.At.Equal(at) {
			t.Fatalf("entry = %+v", e)
		}
		hist, err := s.History(ctx, "residents", edith)
		if err != nil || len(hist) != 1 || hist[0].Change.ID != tomb.ID || hist[0].Change.Op != syncproto.OpDelete {
			t.Fatalf("history after purge = %+v, %v", hist, err)
		}
		h := held(t, edith)
		if !h.Purged() || h.Scope != inc {
			t.Fatalf("held after purge = %+v", h)
		}
		if head, err := s.Head(ctx); err != nil || head != headBefore {
			t.Fatalf("head %d after purge, was %d (%v)", head, headBefore, err)
		}
		// Pulls from any position: the same changes less the removed ones,
		// at the same positions; a device of the incident gets the tombstone.
		for _, from := range []int64{0, positions[e1.ID], positions[e2.ID]} {
			page, err := s.Changes(ctx, from, care.Filter{Scopes: []string{inc}}, 100)
			if err != nil {
				t.Fatal(err)
			}
			sawTomb := false
			for _, lc := range page.Changes {
				if mustChange(lc).ID == e1.ID || mustChange(lc).ID == e2.ID {
					t.Fatalf("pull from %d still serves removed change %s", from, mustChange(lc).ID)
				}
				if lc.Position != positions[mustChange(lc).ID] {
					t.Fatalf("change %s moved from %d to %d", mustChange(lc).ID, positions[mustChange(lc).ID], lc.Position)
				}
				sawTomb = sawTomb || mustChange(lc).ID == tomb.ID
			}
			if !sawTomb {
				t.Fatalf("pull from %d does not serve the tombstone", from)
			}
		}
		st, err := s.State(ctx, "", "", care.Filter{Scopes: []string{inc}}, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, sr := range st.Records {
			r, err := sr.Record()
			if err != nil {
				t.Fatal(err)
			}
			if r.ID == edith && (!r.Deleted() || len(r.Fields) != 0) {
				t.Fatalf("state of the purged record: %+v", r)
			}
		}
		// No position is reused.
		o3 := g.upsert("residents", other, map[string]any{"room": "12"})
		if res := apply(t, s, nil, o3); res.Position <= headBefore {
			t.Fatalf("a change after the purge got position %d, head was %d", res.Position, headBefore)
		}
	})
	t.Run("a second purge removes nothing", func(t *testing.T) {
		e, err := care.PurgeRecord(ctx, rs, care.Purge{Collection: "residents", RecordID: edith, Keep: tomb.ID, IncidentID: inc, Rule: "care-record", At: at})
		if err != nil || e.ChangesRemoved != 0 || e.QuarantineRemoved != 0 {
			t.Fatalf("second purge = %+v, %v", e, err)
		}
	})
	t.Run("quarantine ids are never reused", func(t *testing.T) {
		// other's rejected change is the newest quarantine row: removing it
		// leaves an empty marker holding its id.
		q := g.upsert("residents", other, map[string]any{"given_name": "Olivia"})
		wantStatuses(t, apply(t, s, reject, q), "rejected")
		list, err := s.Quarantine(ctx, care.QuarantineFilter{Limit: 100})
		if err != nil || len(list) == 0 {
			t.Fatal(list, err)
		}
		top := list[len(list)-1]
		if top.ChangeID != q.ID {
			t.Fatalf("newest quarantine row is %+v", top)
		}
		e, err := care.PurgeQuarantineRow(ctx, rs, care.QuarantinePurge{ID: top.ID, IncidentID: inc, Rule: "quarantine", At: at})
		if err != nil || e.Collection != "residents" || e.RecordID != other || e.QuarantineRemoved != 1 {
			t.Fatalf("purge quarantine = %+v, %v", e, err)
		}
		if _, err := care.PurgeQuarantineRow(ctx, rs, care.QuarantinePurge{ID: top.ID, Rule: "quarantine", At: at}); !errors.Is(err, care.ErrNotFound) {
			t.Fatalf("second purge of a quarantine row: %v", err)
		}
		list, _ = s.Quarantine(ctx, care.QuarantineFilter{Limit: 100})
		marker := list[len(list)-1]
		if marker.ID != top.ID || marker.Error.Code != care.CodeRetentionRemoved || string(marker.Raw) != "{}" || marker.ChangeID != "" || marker.RecordID != "" {
			t.Fatalf("marker = %+v", marker)
		}
		if h := held(t, other); h.Quarantined != 0 {
			t.Fatalf("a marker counts as quarantined: %+v", h)
		}
		q2 := g.upsert("residents", other, map[string]any{"given_name": "Liv"})
		wantStatuses(t, apply(t, s, reject, q2), "rejected")
		list, _ = s.Quarantine(ctx, care.QuarantineFilter{AfterID: top.ID, Limit: 100})
		if len(list) != 1 || list[0].ChangeID != q2.ID {
			t.Fatalf("after the marker: %+v", list)
		}
		// Removing the newer row leaves it as the marker and drops the old.
		if _, err := care.PurgeQuarantineRow(ctx, rs, care.QuarantinePurge{ID: list[0].ID, Rule: "quarantine", At: at}); err != nil {
			t.Fatal(err)
		}
		list, _ = s.Quarantine(ctx, care.QuarantineFilter{AfterID: top.ID - 1, Limit: 100})
		if len(list) != 1 || list[0].ID <= top.ID || list[0].Error.Code != care.CodeRetentionRemoved {
			t.Fatalf("markers = %+v", list)
		}
	})
	t.Run("retention log", func(t *testing.T) {
		log, err := rs.RetentionLog(ctx, care.RetentionFilter{})
		if err != nil || len(log) != 4 {
			t.Fatalf("log = %+v, %v", log, err)
		}
		one, err := rs.RetentionLog(ctx, care.RetentionFilter{Collection: "residents", RecordID: edith})
		if err != nil || len(one) != 2 || one[0].Rule != "care-record" || one[0].ChangesRemoved != 2 {
			t.Fatalf("log of %s = %+v, %v", edith, one, err)
		}
		page, err := rs.RetentionLog(ctx, care.RetentionFilter{AfterID: log[1].ID, Limit: 1})
		if err != nil || len(page) != 1 || page[0].ID != log[2].ID {
			t.Fatalf("page = %+v, %v", page, err)
		}
	})
}
