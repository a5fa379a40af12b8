package jssdk_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// The shared vectors in testdata/vectors are generated from the Go
// implementation (syncproto and its schema registry) and checked by both the
// Go test below and the JavaScript SDK in Chromium (browser_test.go), so the
// two implementations cannot drift. Regenerate them after a deliberate
// change with:
//
//	go test ./client-sdk/js -run TestVectors -update
var update = flag.Bool("update", false, "rewrite testdata/vectors from the Go implementation")

// vectorsDir is where the vectors live, from this package's directory.
var vectorsDir = filepath.Join("..", "..", "testdata", "vectors")

// vectorNow is the clock the validation vectors are judged at (dates of
// birth, visits that cannot be in the future, new actions' due dates).
var vectorNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// registry is the server's registry, whose schema the vectors validate
// against, reading vectorNow as its clock.
func registry() *schema.Registry {
	return domain.Registry(domain.Options{}).WithClock(func() time.Time { return vectorNow })
}

// ---- HLC -------------------------------------------------------------------

// hlcVectors is testdata/vectors/hlc.json.
type hlcVectors struct {
	Doc     string         `json:"doc"`
	Compare []hlcCompare   `json:"compare"`
	Parse   []hlcParse     `json:"parse"`
	Clock   []clockVectors `json:"clock"`
}

type hlcCompare struct {
	A    string `json:"a"`
	B    string `json:"b"`
	Want int    `json:"want"`
}

type hlcParse struct {
	In      string `json:"in"`
	OK      bool   `json:"ok"`
	Wall    int64  `json:"wall,omitempty"`
	Counter int    `json:"counter,omitempty"`
	Node    string `json:"node,omitempty"`
}

type clockVectors struct {
	Name  string      `json:"name"`
	Node  string      `json:"node"`
	Steps []clockStep `json:"steps"`
}

// clockStep is one call on a Clock whose physical clock reads Physical
// (Unix ms): "now", "update" (with Remote) or "reset" (with Remote as the
// floor); Want is the clock's reading after it.
type clockStep struct {
	Op       string `json:"op"`
	Physical int64  `json:"physical"`
	Remote   string `json:"remote,omitempty"`
	Want     string `json:"want"`
}

func genHLC() hlcVectors {
	v := hlcVectors{Doc: "HLC wire form WWWWWWWWWWWWWWW-CCCCC-NODE (syncproto/hlc.go): compare gives -1/0/+1; parse gives the parts or ok=false; clock runs a Clock with the given physical readings."}
	stamps := []string{
		"000000000000000-00000-a",
		"000000000000001-00000-a",
		"001700000000000-00000-tab-1",
		"001700000000000-00001-tab-1",
		"001700000000000-00001-tab-2",
		"001700000000000-00001-TAB-2",
		"001700000000000-00001-tab.2",
		"001700000000000-00001-tab_2",
		"001700000000000-00001-tab-10",
		"001700000000000-99999-a",
		"001700000000001-00000-a",
		"999999999999999-99999-zzzz",
	}
	for _, a := range stamps {
		for _, b := range stamps {
			ha, _ := syncproto.ParseHLC(a)
			hb, _ := syncproto.ParseHLC(b)
			v.Compare = append(v.Compare, hlcCompare{A: a, B: b, Want: ha.Compare(hb)})
		}
	}
	inputs := append([]string{}, stamps...)
	inputs = append(inputs,
		"", "0", "001700000000000-00001", "001700000000000-00001-", "001700000000000_00001-a",
		"001700000000000-00001_a", "00170000000000-000001-a", "+01700000000000-00001-a", "001700000000000-+0001-a",
		"00170000000000a-00001-a", "001700000000000-0000x-a", "001700000000000-00001-tab 1", "001700000000000-00001-tab/1",
		"001700000000000-00001-"+strings.Repeat("n", 64), "001700000000000-00001-"+strings.Repeat("n", 65),
		"001700000000000-00001-é", "001700000000000-00001-a-b-c",
	)
	for _, in := range inputs {
		h, err := syncproto.ParseHLC(in)
		p := hlcParse{In: in, OK: err == nil}
		if err == nil {
			p.Wall, p.Counter, p.Node = h.Wall, h.Counter, h.Node
		}
		v.Parse = append(v.Parse, p)
	}
	v.Clock = []clockVectors{
		runClock("physical time moves on", "tab-1", []clockStep{{Op: "now", Physical: 1000}, {Op: "now", Physical: 1000}, {Op: "now", Physical: 1001}, {Op: "now", Physical: 999}, {Op: "now", Physical: 2000}}),
		runClock("update from a node ahead", "tab-1", []clockStep{{Op: "now", Physical: 1000}, {Op: "update", Physical: 1000, Remote: "000000000005000-00007-tab-2"}, {Op: "now", Physical: 1200}, {Op: "update", Physical: 6000, Remote: "000000000005000-00009-tab-3"}}),
		runClock("update at the same wall takes the larger counter", "a", []clockStep{{Op: "now", Physical: 50}, {Op: "now", Physical: 50}, {Op: "update", Physical: 50, Remote: "000000000000050-00010-b"}, {Op: "update", Physical: 40, Remote: "000000000000050-00003-c"}}),
		runClock("update from a node behind", "a", []clockStep{{Op: "now", Physical: 900}, {Op: "update", Physical: 100, Remote: "000000000000100-00002-b"}}),
		runClock("counter overflow carries into the wall", "a", []clockStep{{Op: "update", Physical: 10, Remote: "000000000000010-99998-b"}, {Op: "now", Physical: 10}, {Op: "now", Physical: 10}, {Op: "now", Physical: 10}}),
		runClock("reset after clock skew", "tab-9", []clockStep{{Op: "now", Physical: 9000000}, {Op: "reset", Physical: 5000, Remote: "000000000004000-00003-server"}, {Op: "now", Physical: 3000}, {Op: "now", Physical: 5000}}),
		runClock("negative and huge physical clocks are clamped", "a", []clockStep{{Op: "now", Physical: -5}, {Op: "now", Physical: 1999999999999999}, {Op: "now", Physical: 1999999999999999}}),
	}
	return v
}

// runClock fills in each step's Want from a Go Clock.
func runClock(name, node string, steps []clockStep) clockVectors {
	var phys int64
	c := syncproto.NewClock(node, func() time.Time { return time.UnixMilli(phys) })
	for i := range steps {
		s := &steps[i]
		phys = s.Physical
		switch s.Op {
		case "now":
			c.Now()
		case "update":
			h, _ := syncproto.ParseHLC(s.Remote)
			c.Update(h)
		case "reset":
			h, _ := syncproto.ParseHLC(s.Remote)
			c.Reset(h)
		}
		s.Want = c.Last().String()
	}
	return clockVectors{Name: name, Node: node, Steps: steps}
}

// ---- merge -----------------------------------------------------------------

// mergeVectors is testdata/vectors/merge.json.
type mergeVectors struct {
	Doc   string      `json:"doc"`
	Cases []mergeCase `json:"cases"`
}

// mergeCase is a set of changes (shuffled, some repeated) and the merged
// state of every record they touch, in record order.
type mergeCase struct {
	Name    string             `json:"name"`
	Changes []syncproto.Change `json:"changes"`
	Records []mergedRecord     `json:"records"`
}

// mergedRecord is one record's final state: the full per-field state, the
// current values (null when deleted) and whether it is deleted.
type mergedRecord struct {
	State   *syncproto.Record          `json:"state"`
	Object  map[string]json.RawMessage `json:"object"`
	Deleted bool                       `json:"deleted"`
}

// change builds a change; devices' HLCs are given as (wall, counter).
func change(id, rec, op, device string, wall int64, counter int, recordedAt string, fields map[string]string) syncproto.Change {
	c := syncproto.Change{
		ID: id, Collection: "residents", RecordID: rec, Op: syncproto.Op(op), DeviceID: device,
		HLC: syncproto.HLC{Wall: wall, Counter: counter, Node: device},
	}
	c.RecordedAt, _ = time.Parse(time.RFC3339Nano, recordedAt)
	if fields != nil {
		c.Fields = map[string]json.RawMessage{}
		for k, v := range fields {
			c.Fields[k] = json.RawMessage(v)
		}
	}
	return c
}

const (
	recA = "00000000-0000-4000-8000-00000000000a"
	recB = "00000000-0000-4000-8000-00000000000b"
	recC = "00000000-0000-4000-8000-00000000000c"
	recD = "00000000-0000-4000-8000-00000000000d"
)

// cid is the change id number n.
func cid(n int) string { return fmt.Sprintf("00000000-0000-4000-9000-%012d", n) }

func genMerge() mergeVectors {
	v := mergeVectors{Doc: "Per-field last-writer-wins merge (syncproto/merge.go): apply the changes in the order given (they are shuffled and some repeated) to empty records; each record must end in the given state. device_id is part of the stamp."}
	t0 := "2026-11-23T09:00:00Z"
	sets := []struct {
		name    string
		changes []syncproto.Change
	}{
		{"concurrent edits of different fields", []syncproto.Change{
			change(cid(1), recA, "upsert", "tab-1", 1000, 0, t0, map[string]string{"given_name": `"Edith"`, "family_name": `"Barlow"`, "room": `"12"`}),
			change(cid(2), recA, "upsert", "tab-2", 1005, 0, "2026-11-23T10:00:05+01:00", map[string]string{"room": `"14"`}),
			change(cid(3), recA, "upsert", "tab-3", 1003, 2, t0, map[string]string{"notes": `"Prefers tea \u003cno sugar\u003e; café"`, "room": `"13"`}),
		}},
		{"same HLC: device id breaks the tie, then change id", []syncproto.Change{
			change(cid(10), recA, "upsert", "tab-1", 2000, 1, t0, map[string]string{"room": `"A"`, "status": `"in_place"`}),
			change(cid(11), recA, "upsert", "tab-2", 2000, 1, t0, map[string]string{"room": `"B"`}),
			change(cid(13), recA, "upsert", "tab-2", 2000, 1, t0, map[string]string{"status": `"moved"`}),
			change(cid(12), recA, "upsert", "tab-2", 2000, 1, t0, map[string]string{"status": `"assessed"`}),
		}},
		{"a delete voids older fields; a later write revives", []syncproto.Change{
			change(cid(20), recB, "upsert", "tab-1", 100, 0, t0, map[string]string{"given_name": `"Ada"`, "family_name": `"Byron"`, "room": `"1"`}),
			change(cid(21), recB, "upsert", "tab-2", 300, 0, t0, map[string]string{"room": `"3"`}),
			change(cid(22), recB, "delete", "tab-1", 200, 0, "2026-11-23T09:30:00.250+00:00", nil),
			change(cid(23), recB, "upsert", "tab-3", 200, 0, t0, map[string]string{"notes": `"written at the tombstone's HLC by another device"`}),
			change(cid(24), recB, "upsert", "tab-1", 200, 0, t0, map[string]string{"notes": `"same stamp as the delete but a lower change id"`}),
		}},
		{"deleted for good", []syncproto.Change{
			change(cid(30), recC, "upsert", "tab-1", 100, 0, t0, map[string]string{"given_name": `"Bo"`, "weekly_fee": `812.5`, "carers": `[{"name":"Sam","next_of_kin":true}]`}),
			change(cid(31), recC, "delete", "tab-2", 150, 0, t0, nil),
			change(cid(32), recC, "delete", "tab-1", 140, 0, t0, nil),
			change(cid(33), recC, "upsert", "tab-1", 120, 0, t0, map[string]string{"room": `"9"`}),
		}},
		{"null clears a field and later values win", []syncproto.Change{
			change(cid(40), recD, "upsert", "tab-1", 10, 0, t0, map[string]string{"room": `"4"`, "very_frail": `true`, "equipment": `[]`}),
			change(cid(41), recD, "upsert", "tab-2", 11, 0, t0, map[string]string{"room": `null`, "very_frail": `false`}),
			change(cid(42), recD, "upsert", "tab-1", 12, 5, t0, map[string]string{"equipment": `[{"item":"hoist","owner":"nhs"}]`, "gp": `{"nested":{"deep":[1,2,{"x":null}]}}`}),
		}},
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	sets = append(sets, struct {
		name    string
		changes []syncproto.Change
	}{"random writes and deletes by three devices", randomChanges(rng, 60)})
	for _, s := range sets {
		for variant := 0; variant < 3; variant++ {
			cs := shuffleDup(rng, s.changes, variant)
			v.Cases = append(v.Cases, mergeCase{Name: fmt.Sprintf("%s (order %d)", s.name, variant+1), Changes: cs, Records: mergeGo(cs)})
		}
	}
	return v
}

// randomChanges makes n changes to four records by three devices with
// clashing clocks, so ties and tombstones are common.
func randomChanges(rng *rand.Rand, n int) []syncproto.Change {
	recs := []string{recA, recB, recC, recD}
	devs := []string{"tab-1", "tab-2", "tab-3"}
	fields := []string{"given_name", "family_name", "room", "notes", "status"}
	values := []string{`"x"`, `"y"`, `"zz"`, `null`, `"Ω"`, `"line\nbreak"`}
	var out []syncproto.Change
	for i := 0; i < n; i++ {
		dev := devs[rng.IntN(len(devs))]
		wall, counter := int64(1000+rng.IntN(8)), rng.IntN(3)
		rec := recs[rng.IntN(len(recs))]
		at := time.Date(2026, 11, 23, 9, rng.IntN(60), rng.IntN(60), rng.IntN(3)*1000000, time.UTC).Format(time.RFC3339Nano)
		if rng.IntN(6) == 0 {
			out = append(out, change(cid(1000+i), rec, "delete", dev, wall, counter, at, nil))
			continue
		}
		fs := map[string]string{}
		for k := 1 + rng.IntN(3); k > 0; k-- {
			fs[fields[rng.IntN(len(fields))]] = values[rng.IntN(len(values))]
		}
		out = append(out, change(cid(1000+i), rec, "upsert", dev, wall, counter, at, fs))
	}
	return out
}

// shuffleDup returns the changes in a new order with some repeated
// (variant 0 keeps the original order, with no repeats).
func shuffleDup(rng *rand.Rand, cs []syncproto.Change, variant int) []syncproto.Change {
	out := append([]syncproto.Change{}, cs...)
	if variant == 0 {
		return out
	}
	for i := range cs {
		if rng.IntN(3) == 0 {
			out = append(out, cs[i])
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// mergeGo merges changes with syncproto and returns each record's state in
// record id order.
func mergeGo(cs []syncproto.Change) []mergedRecord {
	recs := map[string]*syncproto.Record{}
	var ids []string
	for _, c := range cs {
		r, ok := recs[c.RecordID]
		if !ok {
			r = syncproto.NewRecord(c.Collection, c.RecordID)
			recs[c.RecordID] = r
			ids = append(ids, c.RecordID)
		}
		r.Apply(c)
	}
	sortStrings(ids)
	out := make([]mergedRecord, 0, len(ids))
	for _, id := range ids {
		r := recs[id]
		out = append(out, mergedRecord{State: r, Object: r.Object(), Deleted: r.Deleted()})
	}
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// ---- validation ------------------------------------------------------------

// validationVectors is testdata/vectors/validation.json (the schema they are
// judged against is testdata/vectors/schema.json).
type validationVectors struct {
	Doc string `json:"doc"`
	// Now is the checking clock (RFC 3339).
	Now   string           `json:"now"`
	Cases []validationCase `json:"cases"`
}

type validationCase struct {
	Name       string                     `json:"name"`
	Collection string                     `json:"collection"`
	Fields     map[string]json.RawMessage `json:"fields"`
	Create     bool                       `json:"create"`
	// Current is the record's fields before the write (field orders are
	// checked on it with the write applied).
	Current map[string]json.RawMessage `json:"current,omitempty"`
	Errors  []fieldVerdict             `json:"errors"`
}

type fieldVerdict struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// vc builds a validation case from field values written as JSON.
func vc(name, collection string, create bool, fields map[string]string) validationCase {
	m := map[string]json.RawMessage{}
	for k, v := range fields {
		m[k] = json.RawMessage(v)
	}
	return validationCase{Name: name, Collection: collection, Create: create, Fields: m}
}

const (
	inc  = `"f05f4698-b205-5dc8-baea-d5625368b932"`
	res1 = `"9f8f757b-979d-59f5-9c73-3882a720333a"`
)

func validationInputs() []validationCase {
	resident := func(extra map[string]string) map[string]string {
		m := map[string]string{"incident_id": inc, "given_name": `"Edith"`, "family_name": `"Barlow"`}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	check := func(extra map[string]string) map[string]string {
		m := map[string]string{"incident_id": inc, "resident_id": res1, "visited_at": `"2026-11-23T09:30:00Z"`, "outcome": `"safe_and_well"`}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	var cs []validationCase
	add := func(c validationCase) { cs = append(cs, c) }
	add(vc("unknown collection", "patients", true, map[string]string{"x": `1`}))
	add(vc("a valid new resident", "residents", true, resident(nil)))
	add(vc("create with nothing", "residents", true, map[string]string{}))
	add(vc("update with one field", "residents", false, map[string]string{"room": `"12"`}))
	add(vc("unknown field", "residents", false, map[string]string{"shoe_size": `9`, "room": `"3"`}))
	add(vc("required field cleared", "residents", false, map[string]string{"given_name": `null`}))
	add(vc("required field null on create", "residents", true, resident(map[string]string{"family_name": `null`})))
	add(vc("optional field cleared", "residents", false, map[string]string{"room": `null`, "nhs_number": `null`}))
	for _, n := range []string{`"9434765919"`, `"9434765918"`, `"943476591"`, `"94347659190"`, `"943 476 5919"`, `"0000000000"`, `"1000000010"`, `"4010232137"`, `9434765919`} {
		add(vc("NHS number "+n, "residents", false, map[string]string{"nhs_number": n}))
	}
	for _, d := range []string{`"1936-03-14"`, `"1936-3-14"`, `"2024-02-29"`, `"2023-02-29"`, `"1899-12-31"`, `"1900-01-01"`, `"2999-01-01"`, `"14/03/1936"`, `""`, `19360314`} {
		add(vc("date of birth "+d, "residents", false, map[string]string{"date_of_birth": d}))
	}
	for _, d := range []string{`"2016-01-01"`, `"1899-12-31"`, `"2099-12-31"`, `"2100-01-01"`, `"2016-13-01"`} {
		add(vc("admitted on "+d, "residents", false, map[string]string{"admitted_on": d}))
	}
	for _, d := range []string{`"2027-01-01"`, `"1999-12-31"`, `"2000-01-01"`, `"2100-01-01"`} {
		add(vc("DoLS expiry "+d, "residents", false, map[string]string{"dols_expiry": d}))
	}
	for _, s := range []string{`"in_place"`, `"IN_PLACE"`, `""`, `7`} {
		add(vc("resident status "+s, "residents", false, map[string]string{"status": s}))
	}
	for _, f := range []string{`0`, `812.5`, `-1`, `"812"`, `1e3`} {
		add(vc("weekly fee "+f, "residents", false, map[string]string{"weekly_fee": f}))
	}
	for _, b := range []string{`true`, `false`, `"yes"`, `1`} {
		add(vc("boolean "+b, "residents", false, map[string]string{"very_frail": b}))
	}
	for _, n := range []string{`"Edith"`, `""`, `"` + strings.Repeat("é", 200) + `"`, `"` + strings.Repeat("é", 201) + `"`, `"` + strings.Repeat("😀", 200) + `"`} {
		add(vc(fmt.Sprintf("given name of %d bytes", len(n)), "residents", false, map[string]string{"given_name": n}))
	}
	for _, r := range []string{`"12"`, `"` + strings.Repeat("x", 20) + `"`, `"` + strings.Repeat("x", 21) + `"`} {
		add(vc(fmt.Sprintf("room of %d bytes", len(r)), "residents", false, map[string]string{"room": r}))
	}
	for _, u := range []string{`"bdabe07d-1f26-5ad6-82b5-730baeeb992d"`, `"BDABE07D-1F26-5AD6-82B5-730BAEEB992D"`, `"bdabe07d1f265ad682b5730baeeb992d"`, `"bdabe07d-1f26-5ad6-82b5-730baeeb992"`, `"{bdabe07d-1f26-5ad6-82b5-730baeeb992d}"`} {
		add(vc("current service id "+u, "residents", false, map[string]string{"current_service_id": u}))
	}
	carers := []string{
		`[{"name":"Julie Marsh","relationship":"daughter","phone":"07700 900001","postcode":"DE22 1GH","next_of_kin":true}]`,
		`[{"name":"Julie Marsh","postcode":"de221gh"}]`,
		`[{"name":"Julie Marsh","postcode":"DE22 1G"}]`,
		`[{"name":"","phone":"1"}]`,
		`[{"relationship":"son"}]`,
		`[{"name":"Sam","email":"sam@example.org"}]`,
		`[{"name":"Sam","email":"not an email"}]`,
		`[{"name":"Sam","shoe":"9"}]`,
		`[{"name":"Sam","next_of_kin":"yes"}]`,
		`[{"name":null}]`,
		`[{"name":"Sam","postcode":""}]`,
		`{"name":"Sam"}`,
		`["Sam"]`,
		`[]`,
	}
	for i, c := range carers {
		add(vc(fmt.Sprintf("carers %d", i+1), "residents", false, map[string]string{"carers": c}))
	}
	lpa := []string{
		`[{"kind":"lpa_health_welfare","name":"Julie","registered_on":"2020-05-01","seen":true}]`,
		`[{"kind":"power_of_attorney","name":"Julie"}]`,
		`[{"kind":"lpa_property_affairs","name":"Julie","registered_on":"01/05/2020"}]`,
	}
	for i, l := range lpa {
		add(vc(fmt.Sprintf("powers of attorney %d", i+1), "residents", false, map[string]string{"lpa": l}))
	}
	add(vc("too many equipment items", "residents", false, map[string]string{"equipment": `[` + strings.TrimSuffix(strings.Repeat(`{"item":"chair"},`, 51), ",") + `]`}))
	add(vc("a valid safe-and-well check", "safe_and_well_checks", true, check(nil)))
	add(vc("check missing its resident and time", "safe_and_well_checks", true, map[string]string{"incident_id": inc, "outcome": `"concerns"`}))
	for _, o := range []string{`"concerns"`, `"fine"`, `null`} {
		add(vc("check outcome "+o, "safe_and_well_checks", true, check(map[string]string{"outcome": o})))
	}
	for _, ts := range []string{`"2026-11-23T09:30:00Z"`, `"2026-11-23T09:30:00.123456789Z"`, `"2026-11-23T09:30:00+01:00"`, `"2026-11-23T09:30:00-23:59"`, `"2026-11-23 09:30:00Z"`, `"2026-11-23T09:30Z"`, `"2026-11-23T24:00:00Z"`, `"2026-11-23T09:30:60Z"`, `"2026-02-30T09:30:00Z"`, `"1999-12-31T23:59:59Z"`, `"1999-12-31T23:30:00-01:00"`, `"2100-01-01T00:00:00Z"`, `"2099-12-31T23:59:59.999Z"`, `"2026-11-23t09:30:00z"`, `"2026-11-23T09:30:00"`} {
		add(vc("visited at "+ts, "safe_and_well_checks", false, map[string]string{"visited_at": ts}))
	}
	add(vc("action items", "safe_and_well_checks", false, map[string]string{"action_items": `[{"action":"Call GP","owner":"Sue","due_on":"2026-11-24"},{"action":"","due_on":"tomorrow"}]`}))
	add(vc("follow-up due", "safe_and_well_checks", false, map[string]string{"follow_up_due": `"2026-11-30"`, "previous_check_id": `"nope"`}))
	add(vc("incident process", "incidents", false, map[string]string{"process": `2`, "service_ids": `["bdabe07d-1f26-5ad6-82b5-730baeeb992d"]`}))
	add(vc("incident process out of range", "incidents", false, map[string]string{"process": `3`}))
	add(vc("incident process as a string", "incidents", false, map[string]string{"process": `"2"`}))
	add(vc("incident process not whole", "incidents", false, map[string]string{"process": `1.5`}))
	add(vc("service ids repeated", "incidents", false, map[string]string{"service_ids": `["bdabe07d-1f26-5ad6-82b5-730baeeb992d","bdabe07d-1f26-5ad6-82b5-730baeeb992d"]`}))
	add(vc("service ids not uuids", "incidents", false, map[string]string{"service_ids": `["x"]`}))
	add(vc("service ids not strings", "incidents", false, map[string]string{"service_ids": `[1]`}))
	add(vc("new incident missing everything but its id", "incidents", true, map[string]string{"incident_id": inc}))
	for _, p := range []string{`"DE1 2FS"`, `"de12fs"`, `"GIR 0AA"`, `"SW1A 1AA"`, `"EC1A1BB"`, `"W1A 0AX"`, `"M1 1AE"`, `"B33 8TH"`, `"CR2 6XH"`, `"DN55 1PT"`, `" DE1 2FS "`, `"QE1 2FS"`, `"DE1 2FC"`, `"DE1  2FS"`, `"12345"`} {
		add(vc("postcode "+p, "providers", false, map[string]string{"head_office_postcode": p}))
	}
	for _, e := range []string{`"lead@provider.example"`, `"first.last+tag@sub.example.co.uk"`, `"no-at-sign"`, `"a@b"`, `"two@@example.org"`} {
		add(vc("email "+e, "providers", false, map[string]string{"contact_email": e}))
	}
	for _, id := range []string{`"1-10552899555"`, `"1-123"`, `"2-10552899555"`} {
		add(vc("CQC id "+id, "providers", false, map[string]string{"cqc_provider_id": id}))
	}
	add(vc("registration categories", "services", false, map[string]string{"registration_categories": `["residential","nursing_dementia"]`}))
	add(vc("registration categories unknown", "services", false, map[string]string{"registration_categories": `["residential","spa"]`}))
	add(vc("beds", "services", false, map[string]string{"beds": `40`, "hours_per_week": `12.5`}))
	add(vc("beds negative", "services", false, map[string]string{"beds": `-1`}))
	add(vc("local authority areas", "providers", false, map[string]string{"local_authority_areas": `["Derby",""]`}))
	add(vc("checklist item number", "checklist_items", false, map[string]string{"number": `"2.10"`}))
	add(vc("checklist item number bad", "checklist_items", false, map[string]string{"number": `"2.100"`}))
	order := func(name, collection string, current, fields map[string]string) {
		c := vc(name, collection, false, fields)
		c.Current = map[string]json.RawMessage{}
		for k, v := range current {
			c.Current[k] = json.RawMessage(v)
		}
		add(c)
	}
	order("concern resolved before it was raised", "concerns", map[string]string{"raised_on": `"2026-12-01"`}, map[string]string{"resolved_on": `"2001-01-01"`})
	order("concern resolved the day it was raised", "concerns", map[string]string{"raised_on": `"2026-12-01"`}, map[string]string{"resolved_on": `"2026-12-01"`})
	order("concern raised after it was resolved", "concerns", map[string]string{"resolved_on": `"2026-12-01"`}, map[string]string{"raised_on": `"2026-12-02"`})
	order("concern with both dates out of order", "concerns", nil, map[string]string{"raised_on": `"2026-12-02"`, "resolved_on": `"2026-12-01"`, "resolve_by": `"2026-11-01"`})
	order("concern resolution cleared", "concerns", map[string]string{"raised_on": `"2026-12-02"`, "resolved_on": `"2026-12-01"`}, map[string]string{"resolved_on": `null`})
	order("concern resolved on a bad date", "concerns", map[string]string{"raised_on": `"2026-12-02"`}, map[string]string{"resolved_on": `"1999-01-01"`})
	order("untouched pair out of order", "concerns", map[string]string{"raised_on": `"2026-12-02"`, "resolved_on": `"2026-12-01"`}, map[string]string{"resolution": `"done"`})
	order("acknowledged before it was sent, across time zones", "cross_authority_notifications", map[string]string{"notified_at": `"2026-12-01T10:00:00+01:00"`}, map[string]string{"acknowledged_at": `"2026-12-01T08:30:00Z"`})
	order("acknowledged after it was sent, across time zones", "cross_authority_notifications", map[string]string{"notified_at": `"2026-12-01T10:00:00+01:00"`}, map[string]string{"acknowledged_at": `"2026-12-01T09:00:01Z"`})
	order("escalated before it was activated", "incidents", nil, map[string]string{"activated_at": `"2026-12-01T10:00:00Z"`, "escalated_at": `"2026-12-01T09:00:00Z"`})
	order("family told before the event", "resident_events", map[string]string{"occurred_at": `"2026-12-01T10:00:00Z"`}, map[string]string{"family_informed_at": `"2026-11-30T10:00:00Z"`, "coroner_notified_at": `"2026-11-30T11:00:00Z"`})
	order("task done before it was raised", "team_tasks", map[string]string{"created_at": `"2026-12-01T10:00:00Z"`}, map[string]string{"done_at": `"2026-12-01T09:59:59.999Z"`})
	// Things that happened cannot be in the future (vectorNow is
	// 2026-11-23T12:00:00Z; devices' clocks may be 12 hours ahead).
	for _, ts := range []string{`"2026-11-23T12:00:00Z"`, `"2026-11-24T00:00:00Z"`, `"2026-11-24T00:00:00.001Z"`, `"2026-11-24T00:59:00+01:00"`, `"2026-11-24T01:01:00+01:00"`, `"2027-03-01T10:00:00Z"`, `"2026-11-23T18:00:00-05:00"`, `"2026-11-23T20:00:00-05:00"`} {
		add(vc("visit not in the future "+ts, "safe_and_well_checks", true, check(map[string]string{"visited_at": ts})))
	}
	add(vc("resident event in the future", "resident_events", false, map[string]string{"occurred_at": `"2026-12-01T09:00:00Z"`}))
	add(vc("family contact in the future", "family_contacts", false, map[string]string{"occurred_at": `"2026-11-24T09:00:00Z"`}))
	add(vc("review visit in the future", "post_move_reviews", false, map[string]string{"visited_at": `"2026-11-30T09:00:00Z"`}))
	// A new action cannot be due long ago; an old one may still be edited.
	for _, d := range []string{`"2020-01-15"`, `"2026-10-24"`, `"2026-10-23"`, `"2026-11-23"`, `"2027-01-01"`} {
		add(vc("new action due on "+d, "safe_and_well_checks", true, check(map[string]string{"action_items": `[{"action":"Call GP","due_on":` + d + `}]`})))
	}
	add(vc("old action edited", "safe_and_well_checks", false, map[string]string{"action_items": `[{"action":"Call GP","due_on":"2020-01-15","done":true}]`}))
	add(vc("wrong kinds in plain words", "best_interests_decisions", false, map[string]string{"expected_stay_days": `"12"`, "authority_present": `"yes"`}))
	add(vc("many errors at once, in field order", "safe_and_well_checks", true, map[string]string{"outcome": `"fine"`, "visited_at": `"yesterday"`, "zzz": `1`, "seen": `"no"`}))
	return cs
}

func genValidation(reg *schema.Registry) validationVectors {
	v := validationVectors{Now: vectorNow.Format(time.RFC3339), Doc: "Field validation against schema.json (syncproto/schema Registry.WriteErrors) with the clock at now: every problem, fields in name order then missing required fields in declaration order, then broken field orders (date_order) in declaration order, each as field, code and the words a person reads (schema.json's words table). create: the write creates the record; current: the record's fields before the write."}
	for _, c := range validationInputs() {
		c.Errors = verdicts(reg.WriteErrors(c.Collection, c.Fields, c.Current, c.Create))
		v.Cases = append(v.Cases, c)
	}
	return v
}

func verdicts(es []*syncproto.Error) []fieldVerdict {
	out := []fieldVerdict{}
	for _, e := range es {
		out = append(out, fieldVerdict{Field: e.Field, Code: e.Code, Message: e.Message})
	}
	return out
}

// ---- record rules as data -----------------------------------------------------

// requirementVectors is testdata/vectors/requirements.json: the record rules
// each collection exports as data (schema.json, "requirements"), evaluated
// on field values by the Go rules (rules.Check, what the server runs).
type requirementVectors struct {
	Doc   string            `json:"doc"`
	Cases []requirementCase `json:"cases"`
}

type requirementCase struct {
	Name       string         `json:"name"`
	Collection string         `json:"collection"`
	Fields     map[string]any `json:"fields"`
	Violations []fieldVerdict `json:"violations"`
}

// genRequirements judges every combination of a capacity assessment's
// outcome and answers (absent, yes, no), signed or not.
func genRequirements(reg *schema.Registry) requirementVectors {
	v := requirementVectors{Doc: "Record rules as data (schema.json collections[].requirements, syncproto/rules Requirement): for each case, the violations in order, as field, code and message."}
	col, _ := reg.Collection("capacity_assessments")
	tri := []any{nil, true, false}
	for _, outcome := range []any{nil, "has_capacity", "lacks_capacity", "unsure"} {
		for _, imp := range tri {
			for _, und := range tri {
				for _, ret := range []any{nil, false} {
					for _, nexus := range tri {
						for _, signed := range []any{nil, "2026-11-23T10:00:00Z"} {
							f := map[string]any{}
							for k, val := range map[string]any{"outcome": outcome, "impairment": imp, "can_understand": und, "can_retain": ret, "causative_nexus": nexus, "signed_at": signed} {
								if val != nil {
									f[k] = val
								}
							}
							b, _ := json.Marshal(f)
							c := requirementCase{Name: string(b), Collection: col.Name, Fields: f, Violations: []fieldVerdict{}}
							for _, vi := range rules.Check(col.Requirements, f) {
								c.Violations = append(c.Violations, fieldVerdict{Field: vi.Field, Code: vi.Code, Message: vi.Message})
							}
							v.Cases = append(v.Cases, c)
						}
					}
				}
			}
		}
	}
	v.Cases = append(v.Cases, genChecklistRequirements(reg)...)
	return v
}

// genChecklistRequirements judges checklist items signed off or waived with
// evidence and a waiver reason absent, empty or given: an empty list or
// string is no evidence and no reason, on the server and the device alike.
func genChecklistRequirements(reg *schema.Registry) []requirementCase {
	col, _ := reg.Collection("checklist_items")
	var out []requirementCase
	evidence := []any{nil, []any{}, []any{map[string]any{"collection": "meeting_records", "record_id": "0193a7c0-0000-7000-8000-000000000001"}}}
	reasons := []any{nil, "", "The home has no nursing beds"}
	for _, number := range []string{"1.1", "2.8", "3.8"} {
		for _, status := range []any{"open", "done", "not_applicable"} {
			for _, ev := range evidence {
				for _, reason := range reasons {
					f := map[string]any{"number": number, "status": status}
					if ev != nil {
						f["evidence"] = ev
					}
					if reason != nil {
						f["waiver_reason"] = reason
					}
					b, _ := json.Marshal(f)
					c := requirementCase{Name: string(b), Collection: col.Name, Fields: f, Violations: []fieldVerdict{}}
					for _, vi := range rules.Check(col.Requirements, f) {
						c.Violations = append(c.Violations, fieldVerdict{Field: vi.Field, Code: vi.Code, Message: vi.Message})
					}
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// TestVectors_Requirements checks the committed verdicts of the record
// rules against the Go rules, and that the server's own two-stage check
// (rules.CheckTwoStage, run when an assessment is signed) agrees with the
// exported data on every signed case.
func TestVectors_Requirements(t *testing.T) {
	reg := registry()
	var v requirementVectors
	readVectors(t, "requirements.json", &v)
	if len(v.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range v.Cases {
		col, ok := reg.Collection(c.Collection)
		if !ok {
			t.Fatalf("%s: unknown collection %q", c.Name, c.Collection)
		}
		got := []fieldVerdict{}
		for _, vi := range rules.Check(col.Requirements, c.Fields) {
			got = append(got, fieldVerdict{Field: vi.Field, Code: vi.Code, Message: vi.Message})
		}
		if !reflect.DeepEqual(got, c.Violations) {
			t.Errorf("%s: %v, want %v", c.Name, got, c.Violations)
		}
		if _, signed := c.Fields["signed_at"]; !signed || c.Collection != "capacity_assessments" {
			continue
		}
		b := func(name string) *bool {
			if x, ok := c.Fields[name].(bool); ok {
				return &x
			}
			return nil
		}
		outcome, _ := c.Fields["outcome"].(string)
		server := rules.CheckTwoStage(rules.CapacityOutcome(outcome), rules.TwoStage{Impairment: b("impairment"), Understand: b("can_understand"), Retain: b("can_retain"), CausativeNexus: b("causative_nexus")})
		if len(server) != len(c.Violations) {
			t.Errorf("%s: the server's two-stage check gives %v, the exported rules %v", c.Name, server.Codes(), c.Violations)
		}
	}
}

// ---- files -----------------------------------------------------------------

// encode writes v as indented JSON with a final newline.
func encode(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// vectorFiles are the generated files, by name.
func vectorFiles(t *testing.T) map[string][]byte {
	reg := registry()
	return map[string][]byte{
		"hlc.json":          encode(t, genHLC()),
		"merge.json":        encode(t, genMerge()),
		"validation.json":   encode(t, genValidation(reg)),
		"schema.json":       encode(t, reg.Export()),
		"requirements.json": encode(t, genRequirements(reg)),
	}
}

// TestVectors_Fresh: the committed vectors are what the Go implementation
// gives today (run with -update to rewrite them after a deliberate change).
func TestVectors_Fresh(t *testing.T) {
	for name, want := range vectorFiles(t) {
		path := filepath.Join(vectorsDir, name)
		if *update {
			if err := os.MkdirAll(vectorsDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (generate with: go test ./client-sdk/js -run TestVectors -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: the Go implementation now gives something else; review the change, then run go test ./client-sdk/js -run TestVectors -update", path)
		}
	}
}

// readVectors decodes a committed vector file.
func readVectors(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestVectors_HLC checks syncproto's HLC against the committed vectors.
func TestVectors_HLC(t *testing.T) {
	var v hlcVectors
	readVectors(t, "hlc.json", &v)
	t.Run("compare", func(t *testing.T) {
		for _, c := range v.Compare {
			a, errA := syncproto.ParseHLC(c.A)
			b, errB := syncproto.ParseHLC(c.B)
			if errA != nil || errB != nil {
				t.Fatalf("%s vs %s: %v %v", c.A, c.B, errA, errB)
			}
			if got := a.Compare(b); got != c.Want {
				t.Errorf("Compare(%s, %s) = %d, want %d", c.A, c.B, got, c.Want)
			}
			if got := strings.Compare(c.A, c.B); got != c.Want {
				t.Errorf("wire forms %s, %s sort %d, want %d", c.A, c.B, got, c.Want)
			}
		}
	})
	t.Run("parse", func(t *testing.T) {
		for _, p := range v.Parse {
			h, err := syncproto.ParseHLC(p.In)
			if (err == nil) != p.OK {
				t.Errorf("ParseHLC(%q) error %v, want ok=%v", p.In, err, p.OK)
				continue
			}
			if p.OK && (h.Wall != p.Wall || h.Counter != p.Counter || h.Node != p.Node || h.String() != p.In) {
				t.Errorf("ParseHLC(%q) = %+v (%s)", p.In, h, h)
			}
		}
	})
	t.Run("clock", func(t *testing.T) {
		for _, c := range v.Clock {
			got := runClock(c.Name, c.Node, append([]clockStep{}, c.Steps...))
			if !reflect.DeepEqual(got.Steps, c.Steps) {
				t.Errorf("%s: clock gives %+v, want %+v", c.Name, got.Steps, c.Steps)
			}
		}
	})
}

// TestVectors_Merge checks syncproto's merge against the committed vectors:
// every order of a change set gives the committed state.
func TestVectors_Merge(t *testing.T) {
	var v mergeVectors
	readVectors(t, "merge.json", &v)
	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			got := mergeGo(c.Changes)
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(c.Records)
			if !bytes.Equal(gb, wb) {
				t.Errorf("merged state\n got %s\nwant %s", gb, wb)
			}
		})
	}
	// The orders of one change set agree with each other.
	byName := map[string]string{}
	for _, c := range v.Cases {
		set := c.Name[:strings.LastIndex(c.Name, " (order")]
		b, _ := json.Marshal(c.Records)
		if prev, ok := byName[set]; ok && prev != string(b) {
			t.Errorf("%s: orders disagree", set)
		}
		byName[set] = string(b)
	}
}

// TestVectors_Validation checks the registry against the committed
// verdicts, and that CheckFields (what the server runs) reports the first
// of them.
func TestVectors_Validation(t *testing.T) {
	reg := registry()
	var v validationVectors
	readVectors(t, "validation.json", &v)
	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			got := verdicts(reg.WriteErrors(c.Collection, c.Fields, c.Current, c.Create))
			if !reflect.DeepEqual(got, c.Errors) {
				t.Errorf("WriteErrors = %v, want %v", got, c.Errors)
			}
			var fieldErrs, orderErrs []fieldVerdict
			for _, e := range c.Errors {
				if e.Code == syncproto.CodeDateOrder {
					orderErrs = append(orderErrs, e)
				} else {
					fieldErrs = append(fieldErrs, e)
				}
			}
			ch := syncproto.Change{Collection: c.Collection, Op: syncproto.OpUpsert, Fields: c.Fields}
			var current *syncproto.Record
			if !c.Create {
				current = syncproto.NewRecord(c.Collection, recA)
				current.Fields["x"] = syncproto.FieldState{Value: json.RawMessage(`1`)}
			}
			first := reg.CheckFields(ch, current)
			switch {
			case len(fieldErrs) == 0 && first != nil:
				t.Errorf("CheckFields = %v, want no error", first)
			case len(fieldErrs) > 0 && (first == nil || first.Field != fieldErrs[0].Field || first.Code != fieldErrs[0].Code):
				t.Errorf("CheckFields = %v, want %v", first, fieldErrs[0])
			}
			if len(fieldErrs) > 0 {
				return
			}
			// The server checks orders on the merged record: the same verdict.
			after := syncproto.NewRecord(c.Collection, recA)
			for k, v := range c.Current {
				after.Fields[k] = syncproto.FieldState{Value: v}
			}
			for k, v := range c.Fields {
				after.Fields[k] = syncproto.FieldState{Value: v}
			}
			order := reg.CheckOrder(ch, after)
			switch {
			case len(orderErrs) == 0 && order != nil:
				t.Errorf("CheckOrder = %v, want no error", order)
			case len(orderErrs) > 0 && (order == nil || order.Field != orderErrs[0].Field || order.Code != orderErrs[0].Code):
				t.Errorf("CheckOrder = %v, want %v", order, orderErrs[0])
			}
		})
	}
}
