// Command gen writes the synthetic demo scenario: Larkfield House, an
// invented 42-bed care home in Derby whose provider goes into administration
// in November 2026, with its residents, the nearby homes that have places,
// and the first week of the council's Provider Failure Management (seed 003).
//
// Run from the repository root:
//
//	go run ./server/demo/gen -out testdata/scenario/scenario.json
//
// The output is deterministic: ids are name-based UUIDs, HLCs and recorded
// times are fixed (node "seed", November 2026), and there is no randomness,
// so running it again reproduces the checked-in file byte for byte. Every
// change is checked against the domain schema before the file is written.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

func main() {
	out := flag.String("out", "testdata/scenario/scenario.json", "file to write")
	flag.Parse()
	b, err := generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// namespace roots every id of the scenario.
var namespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://continuity.example/demo/larkfield-house"))

// id returns the fixed UUID of a named thing.
func id(kind, key string) string { return uuid.NewSHA1(namespace, []byte(kind+"/"+key)).String() }

// F is a change's fields.
type F = map[string]any

// wire is a change as the file carries it (no device_id: the server sets it).
type wire struct {
	ID         string `json:"id"`
	Collection string `json:"collection"`
	RecordID   string `json:"record_id"`
	Op         string `json:"op"`
	Fields     F      `json:"fields"`
	HLC        string `json:"hlc"`
	RecordedAt string `json:"recorded_at"`
}

// builder accumulates changes in the order they are to be applied, each
// recorded a little after the previous one.
type builder struct {
	now    time.Time
	writes map[string]int
	out    []wire
}

// step is the time between two consecutive changes.
const step = 15 * time.Second

// at moves the clock forward to t (never back).
func (b *builder) at(t time.Time) {
	if t.After(b.now) {
		b.now = t
	}
}

// put records an upsert of fields to a record.
func (b *builder) put(collection, recordID string, fields F) {
	key := collection + "/" + recordID
	b.putID(id("change", fmt.Sprintf("%s/%d", key, b.writes[key]+1)), collection, recordID, fields)
}

// putID writes a change with a given change id.
func (b *builder) putID(changeID, collection, recordID string, fields F) {
	key := collection + "/" + recordID
	b.writes[key]++
	h := syncproto.HLC{Wall: b.now.UnixMilli(), Node: "seed"}
	b.out = append(b.out, wire{
		ID:         changeID,
		Collection: collection,
		RecordID:   recordID,
		Op:         string(syncproto.OpUpsert),
		Fields:     fields,
		HLC:        h.String(),
		RecordedAt: b.now.UTC().Format(time.RFC3339),
	})
	b.now = b.now.Add(step)
}

// nov returns a time on a day of November 2026 (GMT, so UTC).
func nov(day, hour, minute int) time.Time {
	return time.Date(2026, time.November, day, hour, minute, 0, 0, time.UTC)
}

func ts(t time.Time) string  { return t.UTC().Format(time.RFC3339) }
func day(t time.Time) string { return t.Format(time.DateOnly) }

// Record ids.
func providerID(key string) string { return id("provider", key) }
func serviceID(key string) string  { return id("service", key) }
func residentID(i int) string      { return id("resident", residents[i].given+" "+residents[i].family) }

var incidentID = id("incident", "larkfield-house-2026-11")

// nhsNumbers returns n valid NHS numbers in the 999 range reserved for test
// data, in order, skipping prefixes whose check digit would be 10.
func nhsNumbers(n int) []string {
	var out []string
	for p := 999000101; len(out) < n; p++ {
		s := fmt.Sprint(p)
		if c, ok := schema.NHSCheckDigit(s); ok {
			out = append(out, s+fmt.Sprint(c))
		}
	}
	return out
}

// generate builds the scenario file.
func generate() ([]byte, error) {
	b := &builder{now: nov(2, 9, 0), writes: map[string]int{}}
	s := &story{b: b}
	s.market()
	s.concerns()
	s.activation()
	s.residentsList()
	s.checks()
	s.capacity()
	s.meetings()
	s.reassess()
	s.moves()
	s.endOfWeek()
	s.closureRecords()
	s.obligations()
	if err := validate(b.out); err != nil {
		return nil, err
	}
	return encode(b.out)
}

// encode writes {"incident_id": ..., "changes": [...]} with one change per
// line.
func encode(changes []wire) ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "{\n  \"incident_id\": %q,\n  \"changes\": [\n", incidentID)
	for i, c := range changes {
		line, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		buf.WriteString("    ")
		buf.Write(line)
		if i < len(changes)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("  ]\n}\n")
	return buf.Bytes(), nil
}

// validate checks every change as the server would: the envelope parses, and
// its fields pass the domain schema given the record's state before it.
func validate(changes []wire) error {
	reg := schema.NewDomainRegistry()
	state := map[string]*syncproto.Record{}
	seen := map[string]bool{}
	for i, w := range changes {
		raw, err := json.Marshal(w)
		if err != nil {
			return err
		}
		c, perr := syncproto.ParseChange(raw)
		if perr != nil {
			return fmt.Errorf("change %d (%s %s): %v", i, w.Collection, w.RecordID, perr)
		}
		if seen[c.ID] {
			return fmt.Errorf("change %d: id %s repeated", i, c.ID)
		}
		seen[c.ID] = true
		key := c.Collection + "/" + c.RecordID
		rec := state[key]
		if rec == nil {
			rec = syncproto.NewRecord(c.Collection, c.RecordID)
			state[key] = rec
		}
		if e := reg.CheckFields(c, rec); e != nil {
			return fmt.Errorf("change %d (%s %s): %v", i, w.Collection, w.RecordID, e)
		}
		rec.Apply(c)
	}
	return nil
}

// story writes the scenario's events in order.
type story struct {
	b *builder
	// assessments and decisions by resident index.
	finalAssessment map[int]string
	bestInterests   map[int]string
	meetingPFM      string
}
