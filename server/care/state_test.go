package care_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
)

// genChange draws a change to one record from a few devices, fields and
// values (strings with quotes, controls, non-ASCII and invalid UTF-8 too).
func genChange(t *rapid.T) syncproto.Change {
	fields := map[string]json.RawMessage{}
	for _, name := range rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"given_name", "notes", "room", "dob"}), 0, 4, rapid.ID[string]).Draw(t, "names") {
		var v any = rapid.String().Draw(t, name)
		if rapid.Bool().Draw(t, name+"-num") {
			v = rapid.IntRange(-5, 5000).Draw(t, name+"-n")
		}
		b, _ := json.Marshal(v)
		fields[name] = b
	}
	op := syncproto.OpUpsert
	if rapid.IntRange(0, 5).Draw(t, "op") == 0 {
		op, fields = syncproto.OpDelete, nil
	}
	dev := rapid.SampledFrom([]string{"tab-1", "tab-2", "tab.3_x"}).Draw(t, "dev")
	return syncproto.Change{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", rapid.IntRange(0, 999).Draw(t, "id")), Collection: "residents", RecordID: "r1", Op: op, Fields: fields,
		HLC:        syncproto.HLC{Wall: 1_700_000_000_000 + rapid.Int64Range(0, 50).Draw(t, "wall"), Counter: rapid.IntRange(0, 3).Draw(t, "ctr"), Node: dev},
		RecordedAt: time.Unix(1_700_000_000, rapid.Int64Range(0, 1e9).Draw(t, "ns")).In(time.FixedZone("x", 3600)), DeviceID: dev}
}

func TestEncodeState_RoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := syncproto.NewRecord("residents", "r1")
		for range rapid.IntRange(0, 6).Draw(t, "n") {
			r.Apply(genChange(t))
		}
		enc := care.EncodeState(r)
		if !json.Valid(enc.State) {
			t.Fatalf("state is not JSON: %s", enc.State)
		}
		got, err := care.DecodeState("residents", "r1", "inc", enc.State)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(r) || got.Scope != "inc" || !got.TombstoneRecordedAt.Equal(r.TombstoneRecordedAt) {
			t.Fatalf("state round trip:\n got %+v\nwant %+v", got, r)
		}
		for name, f := range r.Fields {
			if !got.Fields[name].RecordedAt.Equal(f.RecordedAt) {
				t.Fatalf("recorded_at of %s: %v, want %v", name, got.Fields[name].RecordedAt, f.RecordedAt)
			}
		}
		// The wire form is the record's changes, as json.Marshal gives them.
		want := r.Changes()
		if enc.Count != len(want) {
			t.Fatalf("count = %d, want %d", enc.Count, len(want))
		}
		var viaJSON bytes.Buffer
		for i := range want {
			if i > 0 {
				viaJSON.WriteByte(',')
			}
			b, _ := json.Marshal(want[i])
			viaJSON.Write(b)
		}
		cs, err := care.DecodeWire(enc.Wire)
		if err != nil {
			t.Fatalf("wire %s: %v", enc.Wire, err)
		}
		ref, _ := care.DecodeWire(viaJSON.Bytes())
		a, _ := json.Marshal(cs)
		b, _ := json.Marshal(ref)
		if !bytes.Equal(a, b) {
			t.Fatalf("wire decodes to\n%s\nwant\n%s", a, b)
		}
		back, err := care.StateRecord{Collection: "residents", ID: "r1", Scope: "inc", Wire: enc.Wire}.Record()
		if err != nil || !back.Equal(r) {
			t.Fatalf("wire rebuilds %+v (%v), want %+v", back, err, r)
		}
	})
}

func TestDecodeState_FirstForm(t *testing.T) {
	// A state as stores wrote it before migration 00010: the whole
	// syncproto.Record, each field with its stamp.
	r := syncproto.NewRecord("residents", "r1")
	r.Apply(syncproto.Change{ID: "00000000-0000-4000-8000-000000000001", Collection: "residents", RecordID: "r1", Op: syncproto.OpUpsert,
		Fields: map[string]json.RawMessage{"given_name": json.RawMessage(`"Ada"`), "room": json.RawMessage(`12`)},
		HLC:    syncproto.HLC{Wall: 1_700_000_000_000, Node: "tab-1"}, RecordedAt: time.Unix(1_700_000_000, 0).UTC(), DeviceID: "tab-1"})
	old, _ := json.Marshal(r)
	got, err := care.DecodeState("residents", "r1", "", old)
	if err != nil || !got.Equal(r) {
		t.Fatalf("first form: %+v, %v", got, err)
	}
	if _, err := care.DecodeState("residents", "r1", "", []byte(`{"v":2,"fields":{"x":{"value":1,"s":3}},"stamps":[]}`)); err == nil {
		t.Fatal("a field naming a missing stamp decoded")
	}
}

// TestAppendChange_AsMarshal checks that AppendChange writes a change as
// json.Marshal does, but for json.Marshal's HTML escapes: both decode to the
// same change.
func TestAppendChange_AsMarshal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genChange(t)
		c.Seen = rapid.SampledFrom([]string{"", "c2.abc", "<&>"}).Draw(t, "seen")
		got := care.AppendChange(nil, &c)
		want, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var a, b syncproto.Change
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("AppendChange wrote %s: %v", got, err)
		}
		if err := json.Unmarshal(want, &b); err != nil {
			t.Fatal(err)
		}
		ga, _ := json.Marshal(a)
		gb, _ := json.Marshal(b)
		if !bytes.Equal(ga, gb) {
			t.Fatalf("AppendChange wrote %s, json.Marshal %s", got, want)
		}
		if !bytes.ContainsAny(want, "\\<>&") && !bytes.Equal(got, want) {
			t.Fatalf("without escapes the bytes differ:\n%s\n%s", got, want)
		}
	})
}
