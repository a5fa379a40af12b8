package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/google/uuid"
)

// benchRole is the role of every bench user: social workers may create and
// update residents.
const benchRole = care.RoleSocialWorker

// pushWorkload is everything the devices of a push-ingest run will send,
// built before any timing starts: the HTTP bodies each device pushes and the
// same changes as change-log rows for the raw-insert baseline.
type pushWorkload struct {
	// Incident is the incident every resident belongs to.
	Incident string
	// Devices holds each device's pushes in the order it sends them.
	Devices []deviceLoad
	// RawBatches are the same changes as change-log rows, one slice per
	// push, in the order the pushes were generated (devices round-robin).
	RawBatches [][]rawRow
	// Changes is the total number of changes.
	Changes int
	// Updates is how many of them update a resident created earlier.
	Updates int
}

// deviceLoad is what one device pushes.
type deviceLoad struct {
	// Device is the device id (also its HLC node id).
	Device string
	// Subject is the user the device is enrolled to.
	Subject string
	// Bodies are the push request bodies, {"changes": [...]}.
	Bodies [][]byte
}

// rawRow is one row of the changes table, exactly as the store would write
// it for the change (body is the change as JSON with its device id).
type rawRow struct {
	ID, Collection, RecordID, Scope, Op, HLC, DeviceID, Subject, Role, Seen, RecordedAt string
	Body                                                                                []byte
}

// newID makes the workload's change and record ids (--ids): by default
// version 7 UUIDs, as the SDKs make them (syncproto.NewID), so the indexes
// they key grow at their end; v4 makes random ones, as devices running an
// SDK from before version 7 ids did.
var newID = syncproto.NewID

// idsEnv carries --ids to the bench's child processes.
const idsEnv = "CONTINUITY_BENCH_IDS"

// setIDs chooses newID by name (v7 or v4) and passes the choice on to
// child processes.
func setIDs(kind string) error {
	switch kind {
	case "v7":
		newID = syncproto.NewID
	case "v4":
		newID = uuid.NewString
	default:
		return fmt.Errorf("--ids must be v7 or v4, not %q", kind)
	}
	return os.Setenv(idsEnv, kind)
}

// residentGen makes realistic residents changes: new residents with every
// identifying field, and edits to notes of residents made earlier.
type residentGen struct {
	rng      *rand.Rand
	incident string
	updates  float64
}

func newResidentGen(seed uint64, incident string, updates float64) *residentGen {
	return &residentGen{rng: rand.New(rand.NewPCG(seed, 0x636f6e74696e7569)), incident: incident, updates: updates}
}

var (
	givenNames = []string{"Edith", "Arthur", "Margaret", "Stanley", "Dorothy", "Harold", "Joan", "Kenneth", "Irene", "Leonard",
		"Winifred", "Albert", "Phyllis", "Dennis", "Gwendoline", "Norman", "Beryl", "Clifford", "Maureen", "Sidney"}
	familyNames = []string{"Barlow", "Thompson", "Okafor", "Hughes", "Patel", "Walsh", "Robinson", "Khan", "Fletcher", "Davies",
		"Nowak", "Ashworth", "Begum", "Clarke", "O'Connor", "Singh", "Whitfield", "Evans", "Mensah", "Lloyd"}
	noteSentences = []string{
		"Prefers tea with two sugars and milk in first.",
		"Daughter visits on Sundays; son lives in Leeds and phones on Wednesdays.",
		"Uses a walking frame indoors and a wheelchair for longer distances.",
		"Hard of hearing in the left ear; speak clearly on her right side.",
		"Diabetic (type 2), diet controlled. Bloods due next month.",
		"Settles better with the radio on; enjoys brass band music.",
		"Has a cat at home being looked after by a neighbour.",
		"Anxious about the move; reassurance from the key worker helps.",
		"Needs two carers and a hoist for transfers.",
		"Vegetarian. Does not like spicy food.",
		"Pressure area on right heel being dressed by the district nurse.",
		"Power of attorney for health and welfare held by niece.",
	}
)

// nhsNumber returns a random ten-digit NHS number with a valid modulus-11
// check digit.
func (g *residentGen) nhsNumber() string {
	for {
		var d [10]byte
		d[0] = "467"[g.rng.IntN(3)]
		for i := 1; i < 9; i++ {
			d[i] = byte('0' + g.rng.IntN(10))
		}
		sum := 0
		for i := 0; i < 9; i++ {
			sum += int(d[i]-'0') * (10 - i)
		}
		check := 11 - sum%11
		if check == 11 {
			check = 0
		}
		if check == 10 {
			continue // no valid number with these nine digits
		}
		d[9] = byte('0' + check)
		return string(d[:])
	}
}

func (g *residentGen) dateOfBirth() string {
	first := time.Date(1925, 1, 1, 0, 0, 0, 0, time.UTC)
	return first.AddDate(0, 0, g.rng.IntN(36*365)).Format(time.DateOnly)
}

func (g *residentGen) notes() string {
	n := g.rng.IntN(4)
	s := make([]string, n)
	for i := range s {
		s[i] = noteSentences[g.rng.IntN(len(noteSentences))]
	}
	return strings.Join(s, " ")
}

func jsonValue(s string) json.RawMessage {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always encodes
	}
	return b
}

// create returns a new resident, stamped by clock.
func (g *residentGen) create(clock *syncproto.Clock) syncproto.Change {
	return syncproto.Change{
		ID: newID(), Collection: "residents", RecordID: newID(), Op: syncproto.OpUpsert,
		Fields: map[string]json.RawMessage{
			"incident_id":   jsonValue(g.incident),
			"given_name":    jsonValue(givenNames[g.rng.IntN(len(givenNames))]),
			"family_name":   jsonValue(familyNames[g.rng.IntN(len(familyNames))]),
			"nhs_number":    jsonValue(g.nhsNumber()),
			"date_of_birth": jsonValue(g.dateOfBirth()),
			"notes":         jsonValue(g.notes()),
		},
		HLC: clock.Now(), RecordedAt: time.Now().UTC(),
	}
}

// update returns an edit of a resident's notes, stamped by clock.
func (g *residentGen) update(clock *syncproto.Clock, recordID string) syncproto.Change {
	return syncproto.Change{
		ID: newID(), Collection: "residents", RecordID: recordID, Op: syncproto.OpUpsert,
		Fields: map[string]json.RawMessage{"notes": jsonValue(g.notes() + " Updated after visit.")},
		HLC:    clock.Now(), RecordedAt: time.Now().UTC(),
	}
}

// next returns a create or, with the update fraction's probability and once
// there is a resident to edit, an update of one of created.
func (g *residentGen) next(clock *syncproto.Clock, created []string) (c syncproto.Change, isUpdate bool) {
	if len(created) > 0 && g.rng.Float64() < g.updates {
		return g.update(clock, created[g.rng.IntN(len(created))]), true
	}
	return g.create(clock), false
}

// deviceName returns the id of device i (0-based).
func deviceName(i int) string { return fmt.Sprintf("tab-%02d", i+1) }

// subjectName returns the user of device i (0-based).
func subjectName(i int) string { return fmt.Sprintf("sw-%02d", i+1) }

// newPushWorkload builds changes residents changes in pushes of at most batch,
// dealt to devices round-robin; each device stamps its changes with its own
// HLC clock and edits only residents it created.
func newPushWorkload(devices, changes, batch int, updates float64, seed uint64) (*pushWorkload, error) {
	if devices < 1 || changes < 1 || batch < 1 || batch > syncproto.MaxPushChanges {
		return nil, fmt.Errorf("workload: need devices ≥ 1, changes ≥ 1 and 1 ≤ batch ≤ %d", syncproto.MaxPushChanges)
	}
	w := &pushWorkload{Incident: uuid.NewString(), Devices: make([]deviceLoad, devices)}
	gen := newResidentGen(seed, w.Incident, updates)
	clocks := make([]*syncproto.Clock, devices)
	created := make([][]string, devices)
	for d := range devices {
		w.Devices[d] = deviceLoad{Device: deviceName(d), Subject: subjectName(d)}
		clocks[d] = syncproto.NewClock(deviceName(d), time.Now)
	}
	for i := 0; i*batch < changes; i++ {
		d := i % devices
		dev := &w.Devices[d]
		size := min(batch, changes-i*batch)
		cs := make([]syncproto.Change, size)
		rows := make([]rawRow, size)
		for j := range cs {
			c, upd := gen.next(clocks[d], created[d])
			if upd {
				w.Updates++
			} else {
				created[d] = append(created[d], c.RecordID)
			}
			cs[j] = c
			c.DeviceID = dev.Device
			// The store logs a change as care.AppendChange writes it.
			body := care.AppendChange(nil, &c)
			rows[j] = rawRow{
				ID: c.ID, Collection: c.Collection, RecordID: c.RecordID, Scope: w.Incident, Op: string(c.Op),
				HLC: c.HLC.String(), DeviceID: dev.Device, Subject: dev.Subject, Role: benchRole,
				RecordedAt: c.RecordedAt.UTC().Format(time.RFC3339Nano), Body: body,
			}
		}
		// DeviceID is empty in cs, so the wire form omits it, as a device's does.
		body, err := json.Marshal(map[string]any{"changes": cs})
		if err != nil {
			return nil, err
		}
		dev.Bodies = append(dev.Bodies, body)
		w.RawBatches = append(w.RawBatches, rows)
		w.Changes += size
	}
	return w, nil
}

// recordSet is the data an initial sync delivers: n residents, some edited
// after creation, as parsed changes ready for the store.
type recordSet struct {
	Incident string
	Items    []care.Incoming
	Records  int
}

// newRecordSet makes records residents from one seeding device, followed in
// the log by edits to a fraction of them.
func newRecordSet(records int, updates float64, seed uint64) *recordSet {
	rs := &recordSet{Incident: uuid.NewString(), Records: records}
	gen := newResidentGen(seed, rs.Incident, updates)
	clock := syncproto.NewClock("seed-01", time.Now)
	created := make([]string, 0, records)
	for len(created) < records {
		c, upd := gen.next(clock, created)
		if !upd {
			created = append(created, c.RecordID)
		}
		c.DeviceID = clock.Node()
		raw, err := json.Marshal(c)
		if err != nil {
			panic(err) // a Change always encodes
		}
		rs.Items = append(rs.Items, care.Incoming{Raw: raw, Change: c, ID: c.ID})
	}
	return rs
}
