package sqlite_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/syncproto"
)

// TestStore_KeyFilter checks the writer's key filter, which spares Begin the
// lookups of ids the database cannot hold, never makes a stored change or
// record look new: after the store is reopened (the filter rebuilt from the
// file), in a later push of the same group, and in the same push, Begin
// still reports each logged change and finds each stored record, while new
// ones read as new.
func TestStore_KeyFilter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "continuity.db")
	p := care.Principal{Subject: "alice", Role: care.RoleSocialWorker, DeviceID: "tab-1"}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	n := 0
	change := func(rec string) syncproto.Change {
		n++
		return syncproto.Change{ID: uuid.NewString(), Collection: "residents", RecordID: rec, Op: syncproto.OpUpsert,
			Fields: map[string]json.RawMessage{"incident_id": json.RawMessage(`"inc-1"`), "room": json.RawMessage(`"12B"`)},
			HLC:    syncproto.HLC{Wall: at.UnixMilli() + int64(n), Node: "tab-1"}, RecordedAt: at, DeviceID: "tab-1"}
	}
	// begin runs Begin for cs and reports which change ids it found logged
	// and which records it found stored.
	begin := func(tx care.PushTx, cs []syncproto.Change) (logged, stored []string, err error) {
		ids, keys := make([]string, len(cs)), make([]care.RecordKey, len(cs))
		for i, c := range cs {
			ids[i], keys[i] = c.ID, care.RecordKey{Collection: c.Collection, ID: c.RecordID}
		}
		prior, err := tx.Begin(ids, keys)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range cs {
			if _, ok := prior[c.ID]; ok {
				logged = append(logged, c.ID)
			}
			r, err := tx.Lock(care.RecordKey{Collection: c.Collection, ID: c.RecordID})
			if err != nil {
				return nil, nil, err
			}
			if r != nil {
				stored = append(stored, c.RecordID)
			}
		}
		return logged, stored, nil
	}
	write := func(s *sqlite.Store, cs []syncproto.Change) {
		t.Helper()
		if _, err := s.Write(ctx, at, func(tx care.PushTx) error {
			for _, c := range cs {
				if err := applyOne(tx, p, c, "inc-1"); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}

	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var first []syncproto.Change
	for range 300 {
		first = append(first, change(uuid.NewString()))
	}
	write(s, first)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Run("after reopening", func(t *testing.T) {
		again := []syncproto.Change{first[0], first[150], first[299]}
		edits := []syncproto.Change{change(first[7].RecordID), change(first[200].RecordID)}
		fresh := []syncproto.Change{change(uuid.NewString()), change(uuid.NewString())}
		var logged, stored []string
		if _, err := s.Write(ctx, at, func(tx care.PushTx) error {
			var err error
			logged, stored, err = begin(tx, slices.Concat(again, edits, fresh))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if want := []string{again[0].ID, again[1].ID, again[2].ID}; !slices.Equal(logged, want) {
			t.Errorf("logged %v, want %v", logged, want)
		}
		if want := []string{again[0].RecordID, again[1].RecordID, again[2].RecordID, edits[0].RecordID, edits[1].RecordID}; !slices.Equal(stored, want) {
			t.Errorf("stored %v, want %v", stored, want)
		}
	})
	t.Run("in a later push of the group", func(t *testing.T) {
		made := []syncproto.Change{change(uuid.NewString()), change(uuid.NewString())}
		next := []syncproto.Change{made[0], change(made[1].RecordID)}
		var logged, stored []string
		_, errs := s.WriteGroupForTest(func(tx care.PushTx) error {
			for _, c := range made {
				if err := applyOne(tx, p, c, "inc-1"); err != nil {
					return err
				}
			}
			return nil
		}, func(tx care.PushTx) error {
			var err error
			logged, stored, err = begin(tx, next)
			return err
		})
		if errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		if !slices.Equal(logged, []string{made[0].ID}) || !slices.Equal(stored, []string{made[0].RecordID, made[1].RecordID}) {
			t.Errorf("logged %v and stored %v after the group's first push made %v", logged, stored, made)
		}
	})
	t.Run("edits of a record new in the push", func(t *testing.T) {
		rec := uuid.NewString()
		cs := []syncproto.Change{change(rec), change(rec), change(rec)}
		write(s, cs)
		r, err := s.Record(ctx, "residents", rec)
		if err != nil || r == nil {
			t.Fatalf("record %s: %v, %v", rec, r, err)
		}
		h, err := s.History(ctx, "residents", rec)
		if err != nil || len(h) != 3 {
			t.Errorf("history of %s: %d changes, %v", rec, len(h), err)
		}
	})
}
