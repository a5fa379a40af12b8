package care

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/continuity-care/continuity/syncproto"
)

// TestEncodeState_AsReference checks EncodeState writes byte for byte what
// it wrote when it encoded r.Changes() (encodeStateRef), for records merged
// from changes by several devices, deleted and revived, whose fields share
// stamps or not.
func TestEncodeState_AsReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := syncproto.NewRecord("residents", "r1")
		for i := range rapid.IntRange(0, 8).Draw(t, "n") {
			fields := map[string]json.RawMessage{}
			for _, name := range rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"given_name", "notes", "room", "dob", "a\"b"}), 1, 5, rapid.ID[string]).Draw(t, fmt.Sprint("names", i)) {
				b, _ := json.Marshal(rapid.String().Draw(t, fmt.Sprint(name, i)))
				fields[name] = b
			}
			op := syncproto.OpUpsert
			if rapid.IntRange(0, 4).Draw(t, fmt.Sprint("op", i)) == 0 {
				op, fields = syncproto.OpDelete, nil
			}
			dev := rapid.SampledFrom([]string{"tab-1", "tab-2", ""}).Draw(t, fmt.Sprint("dev", i))
			r.Apply(syncproto.Change{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Collection: "residents", RecordID: "r1", Op: op, Fields: fields,
				HLC:        syncproto.HLC{Wall: 1_700_000_000_000 + rapid.Int64Range(0, 20).Draw(t, fmt.Sprint("wall", i)), Counter: rapid.IntRange(0, 2).Draw(t, fmt.Sprint("ctr", i)), Node: "n"},
				RecordedAt: time.Unix(1_700_000_000, rapid.Int64Range(0, 1e9).Draw(t, fmt.Sprint("ns", i))).In(time.FixedZone("x", 3600*rapid.IntRange(0, 1).Draw(t, fmt.Sprint("tz", i)))),
				DeviceID:   dev})
		}
		got, want := EncodeState(r), encodeStateRef(r)
		if !bytes.Equal(got.State, want.State) || !bytes.Equal(got.Wire, want.Wire) || got.Count != want.Count {
			t.Fatalf("EncodeState:\n%s\n%s (%d)\nreference:\n%s\n%s (%d)", got.State, got.Wire, got.Count, want.State, want.Wire, want.Count)
		}
	})
}

// encodeStateRef is EncodeState as first written, from r.Changes(): the
// reference the faster one is checked against.
func encodeStateRef(r *syncproto.Record) EncodedState {
	cs := r.Changes()
	names := make([]string, 0, len(r.Fields))
	size := 0
	for name, f := range r.Fields {
		names = append(names, name)
		size += len(name) + len(f.Value)
	}
	// Room for both encodings at once: the values and names once in each,
	// and a stamp's or a change's own members.
	st := make([]byte, 0, size+24*len(names)+160*len(cs)+64)
	wire := make([]byte, 0, size+4*len(names)+260*len(cs))
	st = append(st, `{"v":2,"fields":{`...)
	slices.Sort(names)
	// The stamps, in the order of the changes that rebuild the record; a
	// field names its stamp by its place here (few stamps: a linear search
	// costs less than hashing them).
	stamps := make([]syncproto.Stamp, 0, len(cs))
	for _, c := range cs {
		if c.Op == syncproto.OpUpsert {
			stamps = append(stamps, c.Stamp())
		}
	}
	for i, name := range names {
		f := r.Fields[name]
		if i > 0 {
			st = append(st, ',')
		}
		st = appendString(st, name)
		st = append(st, `:{"value":`...)
		st = append(st, f.Value...)
		st = append(st, `,"s":`...)
		st = strconv.AppendInt(st, int64(max(slices.Index(stamps, f.Stamp), 0)), 10)
		st = append(st, '}')
	}
	st = append(st, `},"stamps":[`...)
	first := true
	for _, c := range cs {
		if c.Op != syncproto.OpUpsert {
			continue
		}
		if !first {
			st = append(st, ',')
		}
		first = false
		st = append(st, `{"hlc":`...)
		st = appendHLC(st, c.HLC)
		st = append(st, `,"device_id":`...)
		st = appendString(st, c.DeviceID)
		st = append(st, `,"change_id":`...)
		st = appendString(st, c.ID)
		st = append(st, `,"recorded_at":`...)
		st = appendTime(st, c.RecordedAt)
		st = append(st, '}')
	}
	st = append(st, ']')
	if r.Tombstone != nil {
		st = append(st, `,"tombstone":{"hlc":`...)
		st = appendHLC(st, r.Tombstone.HLC)
		st = append(st, `,"device_id":`...)
		st = appendString(st, r.Tombstone.Device)
		st = append(st, `,"change_id":`...)
		st = appendString(st, r.Tombstone.ChangeID)
		st = append(st, `},"tombstone_recorded_at":`...)
		st = appendTime(st, r.TombstoneRecordedAt)
	}
	st = append(st, '}')
	for i := range cs {
		if i > 0 {
			wire = append(wire, ',')
		}
		wire = AppendChange(wire, &cs[i])
	}
	return EncodedState{State: st, Wire: wire, Count: len(cs)}
}

// BenchmarkEncodeState compares EncodeState with the reference on a
// resident created by one change and edited by another.
func BenchmarkEncodeState(b *testing.B) {
	r := syncproto.NewRecord("residents", "01a2283f-bd3c-7f17-8b13-05463dab9dee")
	t0 := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	r.Apply(syncproto.Change{ID: "01a2283f-bd3c-7f15-a3cd-0dc89bdab46f", Collection: r.Collection, RecordID: r.ID, Op: syncproto.OpUpsert,
		Fields: map[string]json.RawMessage{"date_of_birth": json.RawMessage(`"1931-10-19"`), "family_name": json.RawMessage(`"Lloyd"`), "given_name": json.RawMessage(`"Winifred"`),
			"incident_id": json.RawMessage(`"f37c748c-e7ba-4b8c-8634-10e055175912"`), "nhs_number": json.RawMessage(`"6890308913"`), "notes": json.RawMessage(`"Hard of hearing in the left ear."`)},
		HLC: syncproto.HLC{Wall: t0.UnixMilli(), Node: "tab-01"}, RecordedAt: t0, DeviceID: "tab-01"})
	r.Apply(syncproto.Change{ID: "01a2283f-c28c-7bf9-8c3d-beac48249291", Collection: r.Collection, RecordID: r.ID, Op: syncproto.OpUpsert,
		Fields: map[string]json.RawMessage{"notes": json.RawMessage(`"Needs two carers and a hoist for transfers."`)},
		HLC:    syncproto.HLC{Wall: t0.UnixMilli() + 1000, Counter: 3, Node: "tab-01"}, RecordedAt: t0.Add(time.Second), DeviceID: "tab-01"})
	for _, bc := range []struct {
		name string
		fn   func(*syncproto.Record) EncodedState
	}{{"EncodeState", EncodeState}, {"reference", encodeStateRef}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.fn(r)
			}
		})
	}
}
