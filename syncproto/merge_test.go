package syncproto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// mergeCases is the number of whole sync scenarios the merge property checks.
const mergeCases = 1000

const (
	testCollection = "residents"
	simBase        = int64(1795000000000) // 2026-11-17, the simulation's "true" time
)

var (
	simRecords = []string{
		"3a7e1b2c-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
		"7b0c6f1e-2c1a-4f7e-9d2b-1a2b3c4d5e6f",
		"c0ffee00-1234-4abc-9def-0123456789ab",
	}
	simFields = []string{"given_name", "notes", "risk", "room"}
	simValues = []string{`null`, `true`, `0`, `-2.5`, `""`, `"Edith"`, `"é ☃"`, `[]`, `[1,"x",null]`, `{}`, `{"k":{"n":[1,2]}}`}
)

// simDevice is one tablet in a simulation: its own HLC over its own, wrong,
// physical clock.
type simDevice struct {
	id    string
	pc    *stillClock
	clock *Clock
	// knows lists the indices of the changes this device holds: its own and
	// those it has pulled.
	knows []int
	// observed is the greatest stamp the device's clock has issued or seen
	// since its last Reset; every new stamp must be later (causality).
	observed HLC
}

// simulate draws a whole offline-sync scenario: 2–5 devices with skewed,
// wandering physical clocks make upserts and deletes on a few records, now
// and then pull other devices' changes (updating their clocks), and now and
// then reset their clock to "server time" after a clock_skew rejection. It
// returns every change made and, per device, the changes it holds.
func simulate(t *rapid.T) ([]Change, []*simDevice) {
	n := rapid.IntRange(2, 5).Draw(t, "devices")
	shareNode := rapid.IntRange(0, 4).Draw(t, "share node") == 0 // a re-imaged tablet reusing a node id
	devs := make([]*simDevice, n)
	for i := range devs {
		skew := rapid.OneOf(
			rapid.Int64Range(-2000, 2000),          // ordinary drift
			rapid.Int64Range(-3600000, 3600000),    // an hour out
			rapid.Int64Range(-864000000, 86400000), // days behind, a day ahead
		).Draw(t, "skew")
		node := fmt.Sprintf("tab-%d", i)
		if shareNode && i == 1 {
			node = "tab-0"
		}
		d := &simDevice{id: fmt.Sprintf("dev-%d", i), pc: &stillClock{ms: simBase + skew}}
		d.clock = NewClock(node, d.pc.now)
		devs[i] = d
	}
	nRecords := rapid.IntRange(1, len(simRecords)).Draw(t, "records")
	ops := rapid.IntRange(1, 40).Draw(t, "ops")
	var changes []Change
	for i := range ops {
		d := devs[rapid.IntRange(0, n-1).Draw(t, "device")]
		d.pc.ms += rapid.OneOf(
			rapid.Just(int64(0)),              // clock standing still
			rapid.Int64Range(-1000, 5000),     // small steps, sometimes back
			rapid.Int64Range(-600000, 600000), // NTP fixing a big error
		).Draw(t, "tick")
		switch op := rapid.IntRange(0, 19).Draw(t, "op"); {
		case op < 14: // upsert (0–10) or delete (11–13)
			c := Change{
				ID:         fmt.Sprintf("%08x-0000-4000-8000-%012x", rapid.Uint32().Draw(t, "id"), i),
				Collection: testCollection,
				RecordID:   simRecords[rapid.IntRange(0, nRecords-1).Draw(t, "record")],
				Op:         OpDelete,
				HLC:        d.clock.Now(),
				DeviceID:   d.id,
				RecordedAt: time.UnixMilli(d.pc.ms).UTC(),
			}
			if !d.observed.IsZero() && c.HLC.Compare(d.observed) <= 0 {
				t.Fatalf("device %s stamped %v, not after %v which it had already seen", d.id, c.HLC, d.observed)
			}
			d.observed = c.HLC
			if op < 11 {
				c.Op = OpUpsert
				names := rapid.SliceOfNDistinct(rapid.SampledFrom(simFields), 1, len(simFields), rapid.ID[string]).Draw(t, "fields")
				c.Fields = map[string]json.RawMessage{}
				for _, name := range names {
					v := rapid.OneOf(
						rapid.SampledFrom(simValues),
						rapid.Just(fmt.Sprintf(`"written by change %d"`, i)),
					).Draw(t, "value")
					c.Fields[name] = json.RawMessage(v)
				}
			}
			d.knows = append(d.knows, len(changes))
			changes = append(changes, c)
		case op < 18: // pull some of another device's changes, in its order
			o := devs[rapid.IntRange(0, n-1).Draw(t, "from")]
			upto := rapid.IntRange(0, len(o.knows)).Draw(t, "pulled")
			for _, k := range o.knows[:upto] {
				got := d.clock.Update(changes[k].HLC)
				if got.Compare(changes[k].HLC) <= 0 {
					t.Fatalf("Update(%v) = %v is not after the pulled stamp", changes[k].HLC, got)
				}
				d.observed = got
				if !slices.Contains(d.knows, k) {
					d.knows = append(d.knows, k)
				}
			}
		default: // clock_skew: reset to the server's time and forget history
			d.clock.Reset(HLC{Wall: simBase + rapid.Int64Range(-1000, 1000).Draw(t, "server time")})
			d.observed = HLC{}
		}
	}
	return changes, devs
}

// fieldModel is the oracle's view of one field.
type fieldModel struct {
	value json.RawMessage
	stamp Stamp
}

// recordModel is the merge rule of docs/protocol.md computed directly from
// the whole set of changes, independently of Record.Apply: the tombstone is
// the greatest delete; a field shows the greatest write to it if that write is
// after the tombstone.
type recordModel struct {
	tombstone *Stamp
	fields    map[string]fieldModel
}

func modelOf(changes []Change, recordID string) recordModel {
	m := recordModel{fields: map[string]fieldModel{}}
	winners := map[string]fieldModel{}
	for _, c := range changes {
		if c.RecordID != recordID {
			continue
		}
		s := c.Stamp()
		if c.Op == OpDelete {
			if m.tombstone == nil || s.Compare(*m.tombstone) > 0 {
				m.tombstone = &s
			}
			continue
		}
		for name, v := range c.Fields {
			if w, ok := winners[name]; !ok || s.Compare(w.stamp) > 0 {
				winners[name] = fieldModel{value: v, stamp: s}
			}
		}
	}
	for name, w := range winners {
		if m.tombstone == nil || w.stamp.Compare(*m.tombstone) > 0 {
			m.fields[name] = w
		}
	}
	return m
}

func (m recordModel) check(r *Record) error {
	if (m.tombstone == nil) != (r.Tombstone == nil) || (m.tombstone != nil && *m.tombstone != *r.Tombstone) {
		return fmt.Errorf("tombstone %v, want %v", r.Tombstone, m.tombstone)
	}
	if len(r.Fields) != len(m.fields) {
		return fmt.Errorf("%d fields %v, want %d", len(r.Fields), r.Object(), len(m.fields))
	}
	for name, want := range m.fields {
		got, ok := r.Fields[name]
		if !ok || got.Stamp != want.stamp || !bytes.Equal(got.Value, want.value) {
			return fmt.Errorf("field %s = %s at %v, want %s at %v", name, got.Value, got.Stamp, want.value, want.stamp)
		}
	}
	if want := m.tombstone != nil && len(m.fields) == 0; r.Deleted() != want {
		return fmt.Errorf("Deleted() = %v, want %v", r.Deleted(), want)
	}
	return nil
}

// applyAll applies changes, in the given order, to fresh records.
func applyAll(changes []Change) map[string]*Record {
	out := map[string]*Record{}
	for _, c := range changes {
		r, ok := out[c.RecordID]
		if !ok {
			r = NewRecord(c.Collection, c.RecordID)
			out[c.RecordID] = r
		}
		r.Apply(c)
	}
	return out
}

func sameStates(a, b map[string]*Record) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d records, want %d", len(a), len(b))
	}
	for id, ra := range a {
		rb, ok := b[id]
		if !ok {
			return fmt.Errorf("record %s missing", id)
		}
		if !ra.Equal(rb) || !rb.Equal(ra) {
			return fmt.Errorf("record %s differs:\n got  %+v\n want %+v", id, ra, rb)
		}
	}
	return nil
}

// mergeStates merges two replicas' states the way a device catching up from
// an initial sync does: the other state's compacted changes applied to a
// copy of this one.
func mergeStates(a, b map[string]*Record) map[string]*Record {
	out := map[string]*Record{}
	for id, r := range a {
		out[id] = r.Clone()
	}
	for id, r := range b {
		dst, ok := out[id]
		if !ok {
			dst = NewRecord(r.Collection, id)
			out[id] = dst
		}
		for _, c := range r.Changes() {
			dst.Apply(c)
		}
	}
	return out
}

// TestRecord_ApplyConverges is the convergence property of the protocol,
// checked on mergeCases whole simulated scenarios.
func TestRecord_ApplyConverges(t *testing.T) {
	checkProperty(t, mergeCases, func(t *rapid.T) {
		changes, devs := simulate(t)

		// The reference: every change applied once, in stamp (HLC) order.
		ordered := slices.Clone(changes)
		slices.SortFunc(ordered, func(a, b Change) int { return a.Stamp().Compare(b.Stamp()) })
		ref := applyAll(ordered)
		for id, r := range ref {
			if err := modelOf(changes, id).check(r); err != nil {
				t.Fatalf("record %s applied in HLC order: %v", id, err)
			}
			if !r.Exists() {
				t.Fatalf("record %s was written but does not exist", id)
			}
		}

		// Any order, with retries delivering some changes more than once.
		for _, label := range []string{"first", "second"} {
			seq := slices.Clone(changes)
			if len(changes) > 0 {
				dups := rapid.SliceOfN(rapid.IntRange(0, len(changes)-1), 0, len(changes)).Draw(t, label+" duplicates")
				for _, k := range dups {
					seq = append(seq, changes[k])
				}
			}
			seq = rapid.Permutation(seq).Draw(t, label+" order")
			if err := sameStates(applyAll(seq), ref); err != nil {
				t.Fatalf("%s shuffled order: %v", label, err)
			}
		}

		// Idempotence: once a change is in, applying it again changes nothing.
		again := map[string]*Record{}
		for id, r := range ref {
			again[id] = r.Clone()
		}
		for _, k := range rapid.Permutation(rangeN(len(changes))).Draw(t, "reapply order") {
			c := changes[k]
			if again[c.RecordID].Apply(c) {
				t.Fatalf("re-applying %s (%s at %v) reported a change", c.ID, c.Op, c.HLC)
			}
		}
		if err := sameStates(again, ref); err != nil {
			t.Fatalf("after re-applying every change: %v", err)
		}

		// Tombstones: a write at or before the record's tombstone never
		// shows; one after it revives the record.
		for _, c := range changes {
			r := ref[c.RecordID]
			if c.Op != OpUpsert {
				continue
			}
			s := c.Stamp()
			if r.Tombstone != nil && s.Compare(*r.Tombstone) <= 0 {
				for name, f := range r.Fields {
					if f.Stamp == s {
						t.Fatalf("field %s of %s shows change %s, written at %v before the tombstone %v", name, c.RecordID, c.ID, c.HLC, r.Tombstone.HLC)
					}
				}
				continue
			}
			if r.Deleted() {
				t.Fatalf("record %s is deleted though change %s at %v is after its tombstone %v", c.RecordID, c.ID, c.HLC, r.Tombstone)
			}
			for name := range c.Fields {
				if f, ok := r.Fields[name]; !ok || f.Stamp.Compare(s) < 0 {
					t.Fatalf("field %s of %s lost the write of %s at %v", name, c.RecordID, c.ID, c.HLC)
				}
			}
		}

		// Compaction: Changes() rebuilds the state from empty in any order,
		// also after a trip through the pull wire format.
		var compacted []Change
		for id, r := range ref {
			cs := r.Changes()
			winners := map[Stamp]bool{}
			for _, f := range r.Fields {
				winners[f.Stamp] = true
			}
			if want := len(winners) + boolInt(r.Tombstone != nil); len(cs) != want {
				t.Fatalf("record %s compacts to %d changes, want %d", id, len(cs), want)
			}
			compacted = append(compacted, cs...)
		}
		compacted = rapid.Permutation(compacted).Draw(t, "compacted order")
		if err := sameStates(applyAll(compacted), ref); err != nil {
			t.Fatalf("rebuilt from Changes(): %v", err)
		}
		var pulled []Change
		for _, c := range compacted {
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatalf("marshal compacted change: %v", err)
			}
			var back Change
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("unmarshal compacted change %s: %v", b, err)
			}
			pulled = append(pulled, back)
		}
		if err := sameStates(applyAll(pulled), ref); err != nil {
			t.Fatalf("rebuilt from Changes() sent as JSON: %v", err)
		}

		// State merge is commutative and associative: each device's replica
		// (what it wrote and pulled), merged pairwise in any grouping and
		// order, gives the reference state.
		pool := make([]map[string]*Record, 0, len(devs))
		for _, d := range devs {
			local := make([]Change, 0, len(d.knows))
			for _, k := range d.knows {
				local = append(local, changes[k])
			}
			pool = append(pool, applyAll(local))
		}
		for len(pool) > 1 {
			i := rapid.IntRange(0, len(pool)-1).Draw(t, "merge left")
			j := rapid.IntRange(0, len(pool)-2).Draw(t, "merge right")
			if j >= i {
				j++
			}
			merged := mergeStates(pool[i], pool[j])
			pool[i] = merged
			pool = slices.Delete(pool, j, j+1)
		}
		if err := sameStates(pool[0], ref); err != nil {
			t.Fatalf("replicas merged pairwise: %v", err)
		}
	})
}

func rangeN(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestStamp_Compare(t *testing.T) {
	h := HLC{Wall: 10, Counter: 1, Node: "tab-1"}
	tests := []struct {
		name string
		a, b Stamp
		want int
	}{
		{"equal", Stamp{h, "d1", "c1"}, Stamp{h, "d1", "c1"}, 0},
		{"hlc first", Stamp{HLC{9, 9, "z"}, "d9", "c9"}, Stamp{h, "d1", "c1"}, -1},
		{"device breaks hlc ties", Stamp{h, "d2", "c1"}, Stamp{h, "d1", "c9"}, 1},
		{"change id breaks the rest", Stamp{h, "d1", "c1"}, Stamp{h, "d1", "c2"}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Compare(tc.b); got != tc.want {
				t.Fatalf("Compare = %d, want %d", got, tc.want)
			}
			if got := tc.b.Compare(tc.a); got != -tc.want {
				t.Fatalf("reverse Compare = %d, want %d", got, -tc.want)
			}
		})
	}
}

// cid turns a short hex name such as "c1" into a change id (a UUID ending in
// it); shortID reverses it.
func cid(short string) string {
	return "00000000-0000-4000-8000-" + strings.Repeat("0", 12-len(short)) + short
}

func shortID(id string) string {
	return strings.TrimLeft(strings.TrimPrefix(id, "00000000-0000-4000-8000-"), "0")
}

// upsertAt and deleteAt build changes for the hand-written Apply cases. The
// stamp is (wall, device, cid(id)); the counter is always 0.
func upsertAt(wall int64, device, id string, kv ...string) Change {
	f := map[string]json.RawMessage{}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i]] = json.RawMessage(kv[i+1])
	}
	return Change{ID: cid(id), Collection: testCollection, RecordID: simRecords[0], Op: OpUpsert, Fields: f,
		HLC: HLC{Wall: wall, Node: "n"}, DeviceID: device, RecordedAt: time.UnixMilli(wall).UTC()}
}

func deleteAt(wall int64, device, id string) Change {
	return Change{ID: cid(id), Collection: testCollection, RecordID: simRecords[0], Op: OpDelete,
		HLC: HLC{Wall: wall, Node: "n"}, DeviceID: device, RecordedAt: time.UnixMilli(wall).UTC()}
}

func TestRecord_Apply(t *testing.T) {
	tests := []struct {
		name        string
		changes     []Change
		lastChanged bool              // what the last Apply reports
		want        map[string]string // visible values
		deleted     bool
		tombstone   int64 // wall of the tombstone, 0 for none
	}{
		{
			name:        "upsert creates",
			changes:     []Change{upsertAt(5, "d", "c1", "a", `1`, "b", `"x"`)},
			lastChanged: true,
			want:        map[string]string{"a": `1`, "b": `"x"`},
		},
		{
			name:        "newer write wins per field",
			changes:     []Change{upsertAt(5, "d", "c1", "a", `1`, "b", `1`), upsertAt(6, "d", "c2", "a", `2`)},
			lastChanged: true,
			want:        map[string]string{"a": `2`, "b": `1`},
		},
		{
			name:        "older write loses",
			changes:     []Change{upsertAt(6, "d", "c2", "a", `2`), upsertAt(5, "d", "c1", "a", `1`, "b", `1`)},
			lastChanged: true, // b is new
			want:        map[string]string{"a": `2`, "b": `1`},
		},
		{
			name:        "older write to the same fields changes nothing",
			changes:     []Change{upsertAt(6, "d", "c2", "a", `2`), upsertAt(5, "d", "c1", "a", `1`)},
			lastChanged: false,
			want:        map[string]string{"a": `2`},
		},
		{
			name:        "device breaks an hlc tie",
			changes:     []Change{upsertAt(5, "d2", "c1", "a", `2`), upsertAt(5, "d1", "c2", "a", `1`)},
			lastChanged: false,
			want:        map[string]string{"a": `2`},
		},
		{
			name:        "change id breaks an hlc and device tie",
			changes:     []Change{upsertAt(5, "d", "c1", "a", `1`), upsertAt(5, "d", "c2", "a", `2`)},
			lastChanged: true,
			want:        map[string]string{"a": `2`},
		},
		{
			name:        "null is a value, not a delete",
			changes:     []Change{upsertAt(5, "d", "c1", "a", `1`), upsertAt(6, "d", "c2", "a", `null`)},
			lastChanged: true,
			want:        map[string]string{"a": `null`},
		},
		{
			name:        "delete voids older writes",
			changes:     []Change{upsertAt(5, "d", "c1", "a", `1`), deleteAt(6, "d", "c2")},
			lastChanged: true,
			want:        map[string]string{},
			deleted:     true,
			tombstone:   6,
		},
		{
			name:        "write older than the tombstone arrives late: void",
			changes:     []Change{deleteAt(6, "d", "c2"), upsertAt(5, "d", "c1", "a", `1`)},
			lastChanged: false,
			want:        map[string]string{},
			deleted:     true,
			tombstone:   6,
		},
		{
			name:        "write at the tombstone's hlc but an earlier stamp: void",
			changes:     []Change{deleteAt(6, "d2", "c2"), upsertAt(6, "d1", "c9", "a", `1`)},
			lastChanged: false,
			want:        map[string]string{},
			deleted:     true,
			tombstone:   6,
		},
		{
			// Only a malformed duplicate id can give an upsert the exact
			// stamp of a delete; "at or before" makes it void either way.
			name:        "write with the tombstone's exact stamp: void",
			changes:     []Change{upsertAt(6, "d", "c2", "a", `1`), deleteAt(6, "d", "c2")},
			lastChanged: true,
			want:        map[string]string{},
			deleted:     true,
			tombstone:   6,
		},
		{
			name:        "newer write revives with only its fields",
			changes:     []Change{upsertAt(5, "d", "c1", "a", `1`, "b", `1`), deleteAt(6, "d", "c2"), upsertAt(7, "d", "c3", "b", `2`)},
			lastChanged: true,
			want:        map[string]string{"b": `2`},
			tombstone:   6,
		},
		{
			name:        "delete keeps newer writes",
			changes:     []Change{upsertAt(7, "d", "c3", "a", `3`), upsertAt(4, "d", "c1", "b", `1`), deleteAt(6, "d", "c2")},
			lastChanged: true,
			want:        map[string]string{"a": `3`},
			tombstone:   6,
		},
		{
			name:        "older delete is ignored",
			changes:     []Change{deleteAt(6, "d", "c2"), deleteAt(5, "d", "c1")},
			lastChanged: false,
			want:        map[string]string{},
			deleted:     true,
			tombstone:   6,
		},
		{
			name:        "newer delete moves the tombstone",
			changes:     []Change{deleteAt(5, "d", "c1"), upsertAt(6, "d", "c2", "a", `1`), deleteAt(7, "d", "c3")},
			lastChanged: true,
			want:        map[string]string{},
			deleted:     true,
			tombstone:   7,
		},
		{
			name:        "same delete twice",
			changes:     []Change{deleteAt(6, "d", "c2"), deleteAt(6, "d", "c2")},
			lastChanged: false,
			want:        map[string]string{},
			deleted:     true,
			tombstone:   6,
		},
		{
			name:        "same upsert twice",
			changes:     []Change{upsertAt(6, "d", "c2", "a", `1`), upsertAt(6, "d", "c2", "a", `1`)},
			lastChanged: false,
			want:        map[string]string{"a": `1`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRecord(testCollection, simRecords[0])
			var changed bool
			for _, c := range tc.changes {
				changed = r.Apply(c)
			}
			if changed != tc.lastChanged {
				t.Errorf("last Apply reported %v, want %v", changed, tc.lastChanged)
			}
			if r.Deleted() != tc.deleted {
				t.Errorf("Deleted() = %v, want %v", r.Deleted(), tc.deleted)
			}
			if !r.Exists() {
				t.Errorf("Exists() = false after changes")
			}
			got := map[string]string{}
			for name := range r.Fields {
				got[name] = string(r.Value(name))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("values = %v, want %v", got, tc.want)
			}
			switch {
			case tc.tombstone == 0 && r.Tombstone != nil:
				t.Errorf("tombstone = %v, want none", r.Tombstone)
			case tc.tombstone != 0 && (r.Tombstone == nil || r.Tombstone.HLC.Wall != tc.tombstone):
				t.Errorf("tombstone = %v, want at wall %d", r.Tombstone, tc.tombstone)
			}
			if tc.deleted && r.Object() != nil {
				t.Errorf("Object() of a deleted record = %v, want nil", r.Object())
			}
			// Every order of the same changes gives the same state.
			for _, perm := range permutations(len(tc.changes)) {
				o := NewRecord(testCollection, simRecords[0])
				for _, k := range perm {
					o.Apply(tc.changes[k])
				}
				if !o.Equal(r) {
					t.Errorf("order %v gives %+v, want %+v", perm, o, r)
				}
			}
		})
	}
}

func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := slices.Insert(slices.Clone(p), i, n-1)
			out = append(out, q)
		}
	}
	return out
}

func TestRecord_ApplyNilFields(t *testing.T) {
	r := &Record{Collection: testCollection, ID: simRecords[0]}
	if !r.Apply(upsertAt(5, "d", "c1", "a", `1`)) || string(r.Value("a")) != `1` {
		t.Fatalf("Apply on a zero Record: %+v", r)
	}
	if r.Value("missing") != nil {
		t.Fatal("Value of an unset field is not nil")
	}
	if NewRecord(testCollection, simRecords[0]).Exists() {
		t.Fatal("a new record exists")
	}
}

func TestRecord_Changes(t *testing.T) {
	tests := []struct {
		name    string
		changes []Change
		want    []string // "op id fields" per compacted change, in order
	}{
		{"empty", nil, nil},
		{
			"fields grouped by the change that won them",
			[]Change{upsertAt(5, "d", "c1", "a", `1`, "b", `1`, "c", `1`), upsertAt(6, "d", "c2", "b", `2`)},
			[]string{"upsert c1 [a c]", "upsert c2 [b]"},
		},
		{
			"tombstone first, void writes dropped",
			[]Change{upsertAt(5, "d", "c1", "a", `1`), deleteAt(6, "d", "c2"), upsertAt(7, "d", "c3", "b", `2`)},
			[]string{"delete c2 []", "upsert c3 [b]"},
		},
		{
			"deleted record is its tombstone",
			[]Change{upsertAt(5, "d", "c1", "a", `1`), deleteAt(6, "d", "c2")},
			[]string{"delete c2 []"},
		},
		{
			"upserts in stamp order",
			[]Change{upsertAt(9, "d", "c9", "a", `1`), upsertAt(3, "d", "c3", "b", `1`), upsertAt(5, "d", "c5", "c", `1`)},
			[]string{"upsert c3 [b]", "upsert c5 [c]", "upsert c9 [a]"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRecord(testCollection, simRecords[0])
			for _, c := range tc.changes {
				r.Apply(c)
			}
			cs := r.Changes()
			var got []string
			for _, c := range cs {
				names := slices.Sorted(func(yield func(string) bool) {
					for k := range c.Fields {
						if !yield(k) {
							return
						}
					}
				})
				got = append(got, fmt.Sprintf("%s %s %v", c.Op, shortID(c.ID), names))
				var orig Change
				for _, o := range tc.changes {
					if o.ID == c.ID {
						orig = o
					}
				}
				if c.HLC != orig.HLC || c.DeviceID != orig.DeviceID || !c.RecordedAt.Equal(orig.RecordedAt) ||
					c.Collection != testCollection || c.RecordID != simRecords[0] {
					t.Errorf("compacted %s does not keep the original's stamp and times: %+v", c.ID, c)
				}
				if err := c.Validate(); err != nil {
					t.Errorf("compacted %s is not a valid change: %v", c.ID, err)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("Changes() = %v, want %v", got, tc.want)
			}
			back := NewRecord(testCollection, simRecords[0])
			for _, c := range cs {
				back.Apply(c)
			}
			if !back.Equal(r) {
				t.Fatalf("Changes() rebuilds %+v, want %+v", back, r)
			}
		})
	}
}

func TestRecord_Equal(t *testing.T) {
	base := func() *Record {
		r := NewRecord(testCollection, simRecords[0])
		r.Apply(upsertAt(5, "d", "c1", "a", `1`, "b", `2`))
		r.Apply(deleteAt(4, "d", "c0"))
		return r
	}
	tests := []struct {
		name   string
		mutate func(r *Record)
		equal  bool
	}{
		{"identical", func(*Record) {}, true},
		{"recorded_at is not state", func(r *Record) {
			f := r.Fields["a"]
			f.RecordedAt = f.RecordedAt.Add(time.Hour)
			r.Fields["a"] = f
			r.TombstoneRecordedAt = time.Time{}
		}, true},
		{"other collection", func(r *Record) { r.Collection = "visits" }, false},
		{"other id", func(r *Record) { r.ID = simRecords[1] }, false},
		{"missing field", func(r *Record) { delete(r.Fields, "b") }, false},
		{"other field name", func(r *Record) { r.Fields["c"] = r.Fields["b"]; delete(r.Fields, "b") }, false},
		{"other value", func(r *Record) { f := r.Fields["a"]; f.Value = json.RawMessage(`9`); r.Fields["a"] = f }, false},
		{"other stamp", func(r *Record) { f := r.Fields["a"]; f.Stamp.ChangeID = cid("c9"); r.Fields["a"] = f }, false},
		{"no tombstone", func(r *Record) { r.Tombstone = nil }, false},
		{"other tombstone", func(r *Record) { r.Tombstone = &Stamp{HLC: HLC{4, 1, "n"}, Device: "d", ChangeID: cid("c0")} }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := base(), base()
			tc.mutate(b)
			if a.Equal(b) != tc.equal || b.Equal(a) != tc.equal {
				t.Fatalf("Equal = %v/%v, want %v", a.Equal(b), b.Equal(a), tc.equal)
			}
		})
	}
}

func TestRecord_Clone(t *testing.T) {
	r := NewRecord(testCollection, simRecords[0])
	r.Apply(upsertAt(5, "d", "c1", "a", `1`))
	r.Apply(deleteAt(4, "d", "c0"))
	c := r.Clone()
	if !c.Equal(r) || !c.TombstoneRecordedAt.Equal(r.TombstoneRecordedAt) {
		t.Fatalf("Clone() = %+v, want %+v", c, r)
	}
	c.Apply(upsertAt(6, "d", "c2", "b", `2`))
	c.Apply(deleteAt(5, "d", "c3"))
	c.Tombstone.ChangeID = "changed"
	if r.Value("b") != nil || r.Tombstone.ChangeID != cid("c0") || string(r.Value("a")) != `1` {
		t.Fatalf("changing the clone changed the original: %+v", r)
	}
	if n := NewRecord(testCollection, simRecords[0]).Clone(); n.Tombstone != nil || n.Fields == nil {
		t.Fatalf("Clone of an empty record = %+v", n)
	}
}
