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
	"github.com/continuity-care/continuity/syncproto/checklist"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/rules"
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
		sum := 0
		for i := 0; i < 9; i++ {
			sum += int(s[i]-'0') * (10 - i)
		}
		c := 11 - sum%11
		if c == 11 {
			c = 0
		}
		if c == 10 {
			continue
		}
		out = append(out, s+fmt.Sprint(c))
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

// ---- 2 November: the market as the council knows it ----

func (s *story) market() {
	b := s.b
	b.at(nov(2, 9, 0))
	for i, p := range providers {
		f := F{
			"name": p.name, "cqc_provider_id": fmt.Sprintf("1-10%08d", 4417+i*7919), "organisation_type": p.orgType,
			"head_office_address": p.hoAddress, "head_office_postcode": p.hoPostcode, "owner": p.owner,
			"contact_phone": fmt.Sprintf("01632 960%03d", 200+i), "contact_email": "office@" + p.key + ".example.org",
			"regulated": true, "contracted_la": true, "contracted_icb": p.key == "trentside" || p.key == "larkfield",
			"market_oversight": false, "local_authority_areas": p.areas, "bcp_exists": true, "bcp_viable": true,
			"contracting_suspended": false,
		}
		if p.key == "larkfield" {
			f["contact_name"] = "Carol Whitmore (registered manager)"
			f["nominated_individual"] = "Graham Pell"
			f["total_beds"] = 42
			f["market_oversight_risk"] = "amber"
		}
		b.put("providers", providerID(p.key), f)
	}
	for i, sv := range services {
		b.put("services", serviceID(sv.key), F{
			"provider_id": providerID(sv.provider), "name": sv.name, "service_type": sv.serviceType,
			"cqc_location_id": fmt.Sprintf("1-20%08d", 1187+i*6151), "address": sv.address, "town": sv.town,
			"postcode": sv.pc, "local_authority": sv.la, "area": sv.area, "registered_manager": sv.manager,
			"phone": fmt.Sprintf("01632 960%03d", 300+i), "email": "manager@" + sv.key + ".example.org",
			"regulated": true, "registration_categories": sv.cats, "beds": sv.beds, "cqc_rating": ratingBefore(sv),
			"cqc_rated_on": ratedOnBefore(sv), "contracted_la": true, "contracted_icb": sv.serviceType == "nursing",
			"contracting_suspended": false, "operating_status": "operating",
		})
	}
	for _, sv := range services {
		for _, v := range sv.vac {
			b.put("vacancies", vacancyID(sv.key, v.cat), F{
				"service_id": serviceID(sv.key), "category": v.cat, "places": v.places, "accepting": true,
				"area": sv.area, "as_of": "2026-11-02", "weekly_fee": v.fee,
			})
		}
	}
	// Larkfield's quality history: GREEN after last year's monitoring visit.
	b.put("rag_statuses", id("rag", "larkfield/1"), F{
		"provider_id": providerID("larkfield"), "service_id": serviceID("larkfield-house"), "status": "GREEN",
		"reason":     "Monitoring visit undertaken within past 18 months; audit actions addressed; nil concerns from GP or fieldworkers.",
		"decided_at": "2025-09-18T14:00:00Z", "decided_by": qmo, "decided_by_role": "quality_officer",
		"below_triggers_reason": "CQC's April 2025 report (requires improvement): every action of the provider's plan was checked complete at this visit; GREEN until CQC re-inspects.",
	})
}

// Larkfield was rated Requires improvement before CQC's November inspection.
func ratingBefore(sv svcRow) string {
	if sv.key == "larkfield-house" {
		return "requires_improvement"
	}
	return sv.rating
}

func ratedOnBefore(sv svcRow) string {
	if sv.key == "larkfield-house" {
		return "2025-04-09"
	}
	return sv.ratedOn
}

func vacancyID(serviceKey, cat string) string { return id("vacancy", serviceKey+"/"+cat) }

// ---- 2 to 11 November: concerns escalate ----

func (s *story) concerns() {
	b := s.b
	lp, lh := providerID("larkfield"), serviceID("larkfield-house")
	c1, c2, c3, c4, c5 := id("concern", "larkfield/1"), id("concern", "larkfield/2"), id("concern", "larkfield/3"), id("concern", "larkfield/4"), id("concern", "larkfield/5")

	b.at(nov(2, 10, 30))
	b.put("concerns", c1, F{
		"provider_id": lp, "service_id": lh, "source": "whistleblowing", "raised_on": "2026-11-02", "raised_by": "withheld (member of staff)",
		"description": "Night shifts repeatedly run with two carers for 42 residents; agency staff not turning up because invoices are unpaid.",
		"evidence":    "Rotas for the last three weeks supplied by the whistleblower.", "resolve_by": "2026-11-16", "status": "open",
	})
	b.at(nov(3, 11, 0))
	b.put("concerns", c2, F{
		"provider_id": lp, "source": "finance", "raised_on": "2026-11-03", "raised_by": "ASC Finance Team",
		"description": "Provider has asked for payment in advance and staff wages for October were paid late.",
		"evidence":    "Email from the provider's finance director dated 30 October.", "resolve_by": "2026-11-10", "status": "open",
	})
	b.at(nov(3, 15, 0))
	b.put("rag_statuses", id("rag", "larkfield/2"), F{
		"provider_id": lp, "service_id": lh, "previous_status": "GREEN", "status": "AMBER",
		"reason":     "High risk of moving to Red (soft intelligence): whistleblowing about staffing not yet resolved; financial pressures reported by Finance.",
		"decided_at": "2026-11-03T15:00:00Z", "decided_by": qmo, "decided_by_role": "quality_officer", "concern_ids": []string{c1, c2},
	})
	b.at(nov(5, 9, 45))
	b.put("concerns", c3, F{
		"provider_id": lp, "service_id": lh, "source": "safeguarding", "raised_on": "2026-11-05", "raised_by": "MASH",
		"description":            "Three safeguarding alerts in a week: missed time-critical medication and an unwitnessed fall not reported to family.",
		"safeguarding_reference": "MASH-2026-11-0412", "resolve_by": "2026-11-12", "status": "open",
	})
	b.at(nov(6, 16, 20))
	b.put("concerns", c4, F{
		"provider_id": lp, "service_id": lh, "source": "cqc", "raised_on": "2026-11-06", "raised_by": cqcManager,
		"description": "CQC inspected on 4 and 5 November; overall rating Inadequate; warning notices on staffing and safe care and treatment.",
		"resolve_by":  "2026-11-20", "status": "open",
	})
	b.put("services", lh, F{"cqc_rating": "inadequate", "cqc_rated_on": "2026-11-05"})
	b.at(nov(9, 10, 0))
	b.put("rag_statuses", id("rag", "larkfield/3"), F{
		"provider_id": lp, "service_id": lh, "previous_status": "AMBER", "status": "RED",
		"reason":     "CQC rating of Inadequate and warning notices; high level of safeguarding notifications; high risk of closure (financial pressures); final contract breach notice issued.",
		"decided_at": "2026-11-09T10:00:00Z", "decided_by": headCommission, "decided_by_role": "commissioner",
		"concern_ids": []string{c1, c2, c3, c4}, "market_oversight_risk": "red",
	})
	b.put("providers", lp, F{
		"contracting_suspended": true, "suspended_on": "2026-11-09", "market_oversight_risk": "red",
		"suspension_reason": "RED status: no new placements while the CQC warning notices and contract breach are outstanding.",
	})
	b.put("services", lh, F{"contracting_suspended": true})
	b.at(nov(11, 17, 10))
	b.put("concerns", c5, F{
		"provider_id": lp, "source": "provider", "raised_on": "2026-11-11", "raised_by": "Graham Pell (nominated individual)",
		"description": "Provider notified the council that joint administrators have been appointed and the home will close.",
		"status":      "open",
	})
	b.put("providers", lp, F{
		"insolvency_event": "administrator_appointed", "insolvency_event_on": "2026-11-11",
		"administrator":         "Kestrel Restructuring LLP, joint administrators (invented)",
		"administrator_contact": "Hannah Cross, 01632 960250, larkfield@kestrel.example.org", "bcp_viable": false,
	})
	for _, c := range []string{c1, c2, c3} {
		b.put("concerns", c, F{"status": "unresolved", "resolution": "Overtaken by the provider's business failure; managed under the incident."})
	}
}

// ---- 12 November: the Director activates Process 2 ----

func (s *story) activation() {
	b := s.b
	lp, lh := providerID("larkfield"), serviceID("larkfield-house")
	b.at(nov(12, 10, 0))
	b.put("rag_statuses", id("rag", "larkfield/4"), F{
		"provider_id": lp, "service_id": lh, "previous_status": "RED", "status": "PROVIDER_FAILURE",
		"reason":     "Administrators appointed on 11 November (business failure, 003 s.4(a)); the home cannot continue and will close.",
		"decided_at": "2026-11-12T10:00:00Z", "decided_by": director, "decided_by_role": "director",
		"concern_ids": []string{id("concern", "larkfield/5")},
	})
	b.at(nov(12, 11, 0))
	b.put("incidents", incidentID, F{
		"incident_id": incidentID, "provider_id": lp, "service_ids": []string{lh},
		"title":             "Larkfield House: provider failure (administration)",
		"trigger_criterion": "ii", "process": 2, "status": "active", "activated_at": "2026-11-12T11:00:00Z",
		"activated_by": director + ", Service Director Integration and Direct Services",
		"reason":       "Notified on 11 November of the imminent business failure of a regulated care provider registered in Derby City: joint administrators appointed.",
		"cause":        "business_failure", "lead_officer": headCommission + " (Provider Failure Manager)",
		"steering_group": []schema.Member{
			{Name: headCommission, Role: "Head of Integrated Commissioning and Market Development", Organisation: "Derby City Council", Chair: true},
			{Name: director, Role: "Service Director Integration and Direct Services", Organisation: "Derby City Council"},
			{Name: headSafeguard, Role: "Head of Safeguarding Adults and Professional Standards", Organisation: "Derby City Council"},
			{Name: seniorQMO, Role: "Senior Quality Monitoring Officer", Organisation: "Derby City Council"},
			{Name: chcLead, Role: "CHC Lead", Organisation: "NHS Derby and Derbyshire ICB"},
			{Name: cqcManager, Role: "Inspection Manager", Organisation: "CQC"},
			{Name: commsLead, Role: "Communications Lead", Organisation: "Derby City Council"},
		},
		"date_initiated": "2026-11-12", "failure_expected_on": "2026-12-04",
		"timescale":       "Administrators will fund the home until 4 December; all residents to be settled elsewhere by then.",
		"icb_notified_on": "2026-11-11", "cqc_notified_on": "2026-11-11",
		"situation": "Larkfield House (42 beds, 42 residents) is in administration and will close. Staff are leaving; agency cover is unreliable.",
		"public":    false, "outcome": "provider_failure", "outcome_on": "2026-11-12",
	})
	b.put("decision_log", id("decision", "activate"), F{
		"incident_id": incidentID, "decided_at": "2026-11-12T11:00:00Z",
		"decision":   "Activate the Managing Provider Failure Procedure, Process 2 (Provider Failure Management), for Larkfield House.",
		"rationale":  "Trigger criterion (ii): notification of imminent business failure. No remedial options are available to save the provider in its current state.",
		"decided_by": director, "role": "director", "recorded_by": adminLead,
	})
	b.put("communications_log", id("comms", "cqc-1"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-12T11:20:00Z", "channel": "phone", "direction": "outgoing",
		"party": "cqc", "with_whom": cqcManager, "summary": "Confirmed activation of Process 2; CQC to share inspection findings and be invited to the PFM meeting.",
		"recorded_by": adminLead,
	})
	b.put("communications_log", id("comms", "icb-1"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-12T11:35:00Z", "channel": "email", "direction": "outgoing",
		"party": "icb", "with_whom": chcLead, "summary": "Asked the ICB to lead for the three fully funded CHC residents and to join the JISG.",
		"recorded_by": adminLead,
	})
	b.put("services", lh, F{"operating_status": "closing"})

	// The Management Checklist for the incident (003 Appendix 2).
	b.at(nov(12, 12, 0))
	// The server creates them when the incident is created; the scenario
	// carries the same changes (same ids), which the server reports as
	// duplicates.
	for _, it := range checklist.Items() {
		f := F{}
		for k, v := range domain.ChecklistFields(incidentID, it) {
			var x any
			if err := json.Unmarshal(v, &x); err != nil {
				panic(err)
			}
			f[k] = x
		}
		b.putID(domain.ChecklistCreateID(incidentID, it.Number), "checklist_items", checklistID(it.Number), f)
	}

	b.at(nov(12, 14, 0))
	s.meetingPFM = id("meeting", "pfm-1")
	b.put("meeting_records", s.meetingPFM, F{
		"incident_id": incidentID, "meeting_type": "provider_failure_management", "held_at": "2026-11-12T14:00:00Z",
		"venue": "Council House, Committee Room 2, and Teams", "chair": headCommission,
		"attendees": []schema.Member{
			{Name: headCommission, Role: "Provider Failure Manager", Organisation: "Derby City Council", Chair: true},
			{Name: headSafeguard, Role: "Head of Safeguarding", Organisation: "Derby City Council"},
			{Name: seniorQMO, Role: "Senior QMO", Organisation: "Derby City Council"},
			{Name: chcLead, Role: "CHC Lead", Organisation: "NHS Derby and Derbyshire ICB"},
			{Name: cqcManager, Role: "Inspection Manager", Organisation: "CQC"},
			{Name: "Hannah Cross", Role: "Joint administrator", Organisation: "Kestrel Restructuring LLP"},
			{Name: commsLead, Role: "Communications Lead", Organisation: "Derby City Council"},
			{Name: adminLead, Role: "Administrative lead", Organisation: "Derby City Council"},
		},
		"summary":   "Options agreed: spot purchase from other care providers; temporary agency staffing funded short-term to keep the home safe until moves are complete. Communications plan agreed; failure not yet public.",
		"decisions": "Spot purchase placements; fund agency staffing to 4 December; NHS leads for CHC residents; safe and well checks for all residents by 13 November.",
		"actions": []schema.ActionItem{
			{Action: "Safe and well checks for every resident", Owner: "Operations", DueOn: "2026-11-13"},
			{Action: "Confirm the list of residents and funding with the provider", Owner: adminLead, DueOn: "2026-11-12"},
			{Action: "Contact placing authorities for out-of-area residents", Owner: seniorQMO, DueOn: "2026-11-13"},
			{Action: "Draft scripts for families, staff and press", Owner: commsLead, DueOn: "2026-11-13"},
		},
		"next_meeting_on": "2026-11-19", "recorded_by": adminLead,
	})
	b.put("decision_log", id("decision", "options"), F{
		"incident_id": incidentID, "decided_at": "2026-11-12T15:10:00Z",
		"decision":   "Relocate all residents by spot purchase; fund agency staffing at Larkfield House until 4 December.",
		"rationale":  "No buyer for the home; administrators will fund it only to 4 December. Enough spare places nearby by category.",
		"decided_by": headCommission, "role": "commissioner", "meeting_id": s.meetingPFM, "recorded_by": adminLead,
	})
	b.put("decision_log", id("decision", "nhs-lead"), F{
		"incident_id": incidentID, "decided_at": "2026-11-12T15:15:00Z",
		"decision":   "The NHS leads and co-ordinates all actions for the three fully funded CHC residents.",
		"rationale":  "003: the NHS will lead and co-ordinate all actions relating to fully funded NHS customers.",
		"decided_by": chcLead, "role": "nhs_liaison", "meeting_id": s.meetingPFM, "recorded_by": adminLead,
	})
	s.tick("1.1", nov(12, 16, 30), "done", "HR", "Team assembled at the PFM meeting.")
	s.tick("1.2", nov(12, 16, 30), "done", "HR", "")
	s.tick("2.1", nov(12, 16, 30), "done", "HR", "Home closes 4 December.")
	s.tick("2.4", nov(12, 16, 30), "done", "GW", "Met the administrators and the registered manager.")
	s.tick("2.6", nov(12, 16, 30), "in_progress", "LC", "Initial risk log started.")
	s.tick("2.9", nov(12, 16, 30), "done", "GW", "Vacancy list of 12 nearby homes confirmed.")
	s.respond("2.17", "Provider", "CW")
	s.respond("2.22", "Provider", "CW")
	s.respond("4.4", "NHS", "AM")
}

// checklistID is the id the server's checklist effect gives an item, so the
// scenario's items are the server's own.
func checklistID(number string) string { return domain.ChecklistItemID(incidentID, number) }

// tick records progress on a checklist item.
func (s *story) tick(number string, at time.Time, status, initials, notes string) {
	if _, ok := checklist.Lookup(number); !ok {
		panic("no checklist item " + number)
	}
	s.b.at(at)
	f := F{"status": status, "officer_initials": initials}
	if status == "done" {
		f["completed_on"] = day(at)
	}
	if notes != "" {
		f["notes"] = notes
	}
	s.b.put("checklist_items", checklistID(number), f)
}

// respond records the JISG's allocation of an item to another party.
func (s *story) respond(number, party, initials string) {
	if _, ok := checklist.Lookup(number); !ok {
		panic("no checklist item " + number)
	}
	s.b.put("checklist_items", checklistID(number), F{"responsibility": party, "responsibility_source": "jisg", "officer_initials": initials})
}

// ---- 12 November afternoon: the list of residents (3.1) ----

func (s *story) residentsList() {
	b := s.b
	b.at(nov(12, 16, 45))
	nhs := nhsNumbers(len(residents))
	phone := 0
	for i, r := range residents {
		f := F{
			"incident_id": incidentID, "given_name": r.given, "family_name": r.family, "date_of_birth": r.dob,
			"nhs_number": nhs[i], "current_service_id": serviceID("larkfield-house"), "room": fmt.Sprint(i + 1),
			"admitted_on": admitted(i, r), "status": "in_placement", "registration_category": r.cat, "funding_stream": r.funding,
			"case_reference": fmt.Sprintf("LL%06d", 410200+i*37), "weekly_fee": feesByFunding[r.funding],
			"needs_summary": needs(i, r.cat), "very_frail": r.frail, "end_of_life": r.eol, "assess_early": r.early,
			"wishes_to_move_early": r.movesEarly, "gp": gps[i%len(gps)], "medication_summary": medicationByCategory[r.cat],
			"advocacy_needed": r.advocacy, "dols_status": schema.DoLSNone,
		}
		if r.preferred != "" {
			f["preferred_name"] = r.preferred
		}
		switch r.funding {
		case schema.FundingLAFunded:
			f["placing_authority"] = derby
		case schema.FundingOutOfArea, schema.FundingS117:
			f["placing_authority"] = r.placing
		}
		switch r.funding {
		case schema.FundingNHSCHC:
			f["chc_status"] = "eligible"
		case schema.FundingFNC:
			f["chc_status"] = "not_eligible"
		}
		if i == rCyril {
			f["chc_status"] = "checklist_positive"
		}
		if r.early {
			f["assess_early_reason"] = "Becomes very anxious with change; assess early and with a familiar member of staff."
		}
		if r.advocacy {
			f["advocate"] = "Derwent Advocacy (invented), referral made 12 November"
		}
		if r.group != "" {
			f["friendship_group"] = r.group
		}
		if r.dols {
			f["dols_status"] = schema.DoLSAuthorised
			f["dols_expiry"] = fmt.Sprintf("2027-%02d-%02d", 1+i%12, 1+i%28)
			f["dols_supervisory_body"] = derby
			if len(r.kin) > 0 {
				f["dols_representative"] = r.kin[0].name + " (" + r.kin[0].rel + ")"
			} else {
				f["dols_representative"] = imcaName + ", paid representative, " + imcaOrg
				f["dols_imca"] = imcaName
			}
		}
		if len(r.lpa) > 0 {
			var l []schema.PowerOfAttorney
			for _, a := range r.lpa {
				l = append(l, schema.PowerOfAttorney{Kind: a.kind, Name: a.name, Relationship: a.rel, RegisteredOn: a.on, Seen: a.kind != dpa})
			}
			f["lpa"] = l
		}
		if len(r.kin) > 0 {
			var cs []schema.Carer
			for k, c := range r.kin {
				phone++
				cs = append(cs, schema.Carer{
					Name: c.name, Relationship: c.rel, Phone: fmt.Sprintf("07700 900%03d", phone), Postcode: c.pc,
					NextOfKin: k == 0, MainContact: k == 0, OutOfArea: c.away, OwnNeeds: c.needs,
				})
			}
			f["carers"] = cs
		}
		switch r.cat {
		case "nursing":
			f["equipment"] = []schema.Equipment{
				{Item: "pressure-relieving mattress", Owner: "nhs", Transferable: true},
				{Item: "profiling bed", Owner: "provider", Transferable: false},
			}
		case "residential":
			if i%3 == 0 {
				f["equipment"] = []schema.Equipment{{Item: "wheelchair", Owner: "resident", Transferable: true}}
			}
		}
		if i == rAlbert {
			f["communication_needs"] = "Hard of hearing; hearing aids in both ears."
		}
		b.put("residents", residentID(i), f)
	}
	b.at(nov(12, 17, 30))
	for _, r := range []struct {
		key, risk, level, mitigation, owner string
		resident                            int
	}{
		{"staffing", "Staff leave before residents are moved, leaving unsafe staffing at night.", "very_high", "Agency staffing funded to 4 December; retention payment agreed with administrators; daily staffing check.", seniorQMO, -1},
		{"medication", "Pharmacy supplies stop because invoices are unpaid.", "high", "Council pays the pharmacy directly; MAR charts audited daily.", headSafeguard, -1},
		{"confidentiality", "News of the failure leaks before families are told.", "medium", "Scripts ready; families told in person on 13 November; press statement held.", commsLead, -1},
		{"end-of-life", "A person nearing the end of life is moved when a move would harm them.", "high", "Exceptional arrangements for very frail residents (3.5); GP review before any move.", chcLead, rCyril},
	} {
		f := F{
			"incident_id": incidentID, "raised_at": "2026-11-12T17:30:00Z", "risk": r.risk, "level": r.level,
			"mitigation": r.mitigation, "owner": r.owner, "status": "open", "review_by": "2026-11-16", "recorded_by": adminLead,
		}
		if r.resident >= 0 {
			f["resident_id"] = residentID(r.resident)
		}
		b.put("risk_log", id("risk", r.key), f)
	}
	s.tick("2.2", nov(12, 17, 30), "done", "LC", "42 residents: 22 LA-funded, 9 self-funders, 4 FNC, 3 CHC, 2 out of area, 1 s117, 1 preserved rights.")
	s.tick("3.1", nov(12, 17, 30), "done", "LC", "List confirmed with the registered manager; three friendship groups.")
	s.tick("3.3", nov(12, 17, 30), "done", "LC", "")
	s.tick("3.10", nov(12, 17, 30), "in_progress", "KA", "Five residents with standard DoLS authorisations; DoLS Team told.")
	s.tick("4.3", nov(12, 17, 30), "done", "LC", "22 LA-funded, 1 s117.")
	s.tick("4.6", nov(12, 17, 30), "done", "LC", "One resident with preserved rights.")
}

func admitted(i int, r resRow) string {
	if r.funding == schema.FundingDWPPreservedRights {
		return "1991-06-03"
	}
	return fmt.Sprintf("%d-%02d-%02d", 2016+i%10, 1+(i*5)%12, 1+(i*11)%28)
}

func needs(i int, cat string) string {
	l := needsByCategory[cat]
	return l[i%len(l)]
}

// ---- 13 November: safe and well checks for everyone ----

func (s *story) checks() {
	b := s.b
	b.at(nov(13, 9, 0))
	b.put("communications_log", id("comms", "families-1"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-13T09:00:00Z", "channel": "in_person", "direction": "outgoing",
		"party": "family", "with_whom": "Families and next of kin (meetings and calls through the day)",
		"summary":     "Told families that Larkfield House will close by 4 December, that everyone will be helped to move somewhere that meets their needs, and that friendship groups will be kept together where possible.",
		"recorded_by": commsLead,
	})
	for _, pa := range []struct{ key, authority, resident string }{
		{"notts", "Nottinghamshire County Council", "Eileen Pargeter"},
		{"staffs", "Staffordshire County Council", "Thomas Ackroyd"},
	} {
		b.put("communications_log", id("comms", "placing-"+pa.key), F{
			"incident_id": incidentID, "occurred_at": "2026-11-13T09:30:00Z", "channel": "email", "direction": "outgoing",
			"party": "placing_authority", "with_whom": pa.authority,
			"summary":     "Told the placing authority of the closure (4.2) and asked whether it wants the JISG to act on its behalf to relocate " + pa.resident + ".",
			"recorded_by": seniorQMO,
		})
	}
	slot := nov(13, 9, 30)
	for i, r := range residents {
		sw := socialWorkers[i%len(socialWorkers)]
		visited := slot.Add(time.Duration(i/len(socialWorkers)) * 30 * time.Minute)
		b.at(visited.Add(20 * time.Minute))
		f := F{
			"incident_id": incidentID, "resident_id": residentID(i), "visited_at": ts(visited), "outcome": "safe_and_well",
			"visitor_name": sw.name, "visitor_role": "Social worker", "location": "Larkfield House, room " + fmt.Sprint(i+1),
			"seen": true, "feels_safe": "yes", "wellbeing": "Settled; aware the home is closing.", "physical": "No new concerns.",
			"environment": "Room clean and warm.", "medication": "MAR chart up to date.", "nutrition_hydration": "Eating and drinking well.",
			"belongings_equipment": "Belongings listed for the move.", "family_informed": len(r.kin) > 0,
			"follow_up_due": "2026-11-20",
		}
		if r.cat == "residential_dementia" {
			f["feels_safe"] = "unable_to_say"
			f["wellbeing"] = "Content in familiar surroundings; did not follow the news of the closure."
		}
		switch i {
		case rFrank:
			f["outcome"] = "concerns"
			f["feels_safe"] = "unsure"
			f["in_own_words"] = "I've been here six years. Nobody tells us anything and the night staff keep changing."
			f["wellbeing"] = "Tearful and worried about the move; daughter lives in Sheffield."
			f["action_items"] = []schema.ActionItem{{Action: "Call his daughter today and agree a visit", Owner: sw.name, DueOn: "2026-11-13"}}
			f["follow_up_due"] = "2026-11-16"
		case rCyril:
			f["outcome"] = "concerns"
			f["physical"] = "Very frail; weight down 3 kg in a month; sleeping most of the day."
			f["risks"] = "Moving him could be harmful; nearing the end of life."
			f["action_items"] = []schema.ActionItem{{Action: "GP and CHC fast-track review before any move", Owner: chcLead, DueOn: "2026-11-16"}}
			f["follow_up_due"] = "2026-11-16"
		case rAlbert:
			f["outcome"] = "concerns"
			f["physical"] = "Grade 2 pressure ulcer on the sacrum, not recorded in his care plan."
			f["safeguarding_raised"] = true
			f["s42_reference"] = "S42-2026-0931"
			f["risks"] = "Neglect of pressure care."
			f["action_items"] = []schema.ActionItem{
				{Action: "District nurse visit", Owner: "Larkfield House nurse in charge", DueOn: "2026-11-13"},
				{Action: "Safeguarding referral to MASH", Owner: sw.name, DueOn: "2026-11-13", Done: true},
			}
			f["follow_up_due"] = "2026-11-14"
		case rVera:
			f["outcome"] = "not_seen"
			f["seen"] = false
			delete(f, "feels_safe")
			f["location"] = "Royal Derby Hospital, ward 306"
			f["observations"] = "Admitted to hospital on 12 November with a chest infection; not seen."
			for _, k := range []string{"wellbeing", "physical", "environment", "medication", "nutrition_hydration", "belongings_equipment"} {
				delete(f, k)
			}
			f["follow_up_due"] = "2026-11-17"
		}
		b.put("safe_and_well_checks", id("check", residentID(i)+"/1"), f)
		if i == rVera {
			b.put("residents", residentID(i), F{"status": "in_hospital", "notes": "In Royal Derby Hospital since 12 November; discharge plan to be agreed with the ICB."})
		}
	}
	s.tick("3.5", nov(13, 17, 0), "in_progress", "AM", "Cyril Naylor and Vera Goodall: exceptional arrangements; no move until GP and CHC review.")
	s.tick("3.6", nov(13, 17, 0), "done", "KA", "Alice Brindley and Eileen Pargeter wish to move early.")
	s.tick("3.7", nov(13, 17, 0), "done", "KA", "Derek Lomas and Norman Hepworth to be assessed first.")
	// 4.2 is shown done by the placing authorities' notifications
	// (automatic evidence), recorded on the 19th; until then it is under way.
	s.tick("4.2", nov(13, 17, 0), "in_progress", "GW", "Nottinghamshire and Staffordshire told; both ask the JISG to act for them.")
	s.tick("5.1", nov(13, 17, 0), "done", "LC", "")
	s.tick("2.16", nov(13, 17, 0), "in_progress", "SK", "Families told in person on 13 November.")
	// 2.16 needs its evidence linked: the record of telling the families.
	b.put("checklist_items", checklistID("2.16"), F{"status": "done", "completed_on": "2026-11-13",
		"evidence": []schema.Evidence{{Collection: "communications_log", RecordID: id("comms", "families-1"), Note: "Families told in person"}}})
	// 2.19 the scripts: the lead officer set the date the PFM meeting
	// agreed (13 November); still not done, so overdue.
	b.put("checklist_items", checklistID("2.19"), F{"status": "in_progress", "officer_initials": "SK", "due_on": "2026-11-13",
		"notes": "Press script drafted; staff script waiting for the administrators."})
}

// ---- 14 to 16 November: capacity assessments and best interests ----

const moveDecision = "Where to live when Larkfield House closes"

func (s *story) capacity() {
	b := s.b
	s.finalAssessment = map[int]string{}
	s.bestInterests = map[int]string{}
	b.at(nov(14, 9, 0))
	n := 0
	for i, r := range residents {
		if r.mca == "" {
			continue
		}
		sw := socialWorkers[n%len(socialWorkers)]
		// Saturday and Sunday on site: eight assessments, then the rest.
		when := nov(14, 10, 0).Add(time.Duration(n) * 45 * time.Minute)
		if n >= 8 {
			when = nov(15, 10, 0).Add(time.Duration(n-8) * 45 * time.Minute)
		}
		n++
		b.at(when)
		aid := id("assessment", residentID(i)+"/1")
		outcome := "has_capacity"
		if r.mca == "lacks" || r.mca == "delirium" {
			outcome = "lacks_capacity"
		}
		f := s.assessment(i, r, sw.name, when, outcome)
		if r.mca == "delirium" {
			f["reason_for_doubt"] = "Suddenly confused since 12 November; GP suspects a urinary tract infection."
			f["impairment_evidence"] = "Delirium, probably from a urinary tract infection; antibiotics started 13 November."
			f["impairment_duration"] = "temporary"
			f["can_wait"] = true
			f["can_wait_reason"] = "The home closes on 4 December; she may regain capacity within days, so reassess after the antibiotics."
		}
		b.put("capacity_assessments", aid, f)
		// Signing makes it a legal record.
		b.put("capacity_assessments", aid, F{"signed_at": ts(when.Add(50 * time.Minute)), "signed_by": sw.name})
		s.finalAssessment[i] = aid
	}
	// Best-interests decisions for those who lack capacity.
	b.at(nov(16, 9, 0))
	for i, r := range residents {
		if r.mca != "lacks" {
			continue
		}
		s.bestInterestsDecision(i, r)
	}
}

// reassess records Olive Stansfield's second assessment, once the infection
// has cleared: it supersedes the first, which is never edited.
func (s *story) reassess() {
	b := s.b
	b.at(nov(17, 10, 0))
	olive := residents[rOlive]
	aid2 := id("assessment", residentID(rOlive)+"/2")
	f := s.assessment(rOlive, olive, socialWorkers[2].name, nov(17, 10, 0), "has_capacity")
	f["supersedes_id"] = s.finalAssessment[rOlive]
	f["reason_for_doubt"] = "Reassessment after delirium: the earlier assessment found she lacked capacity while unwell."
	f["persons_decision"] = "I'd like to go to Allestree Park House. My sister lived there and they were good to her."
	f["signed_at"] = "2026-11-17T10:50:00Z"
	f["signed_by"] = socialWorkers[2].name
	b.put("capacity_assessments", aid2, f)
	s.finalAssessment[rOlive] = aid2
	s.tick("3.8", nov(17, 10, 55), "in_progress", "KA", "Twelve assessments so far; six best-interests decisions; IMCA instructed for Walter Greaves.")
	s.tick("3.11", nov(17, 10, 55), "done", "KA", "Health and welfare attorneys contacted for Edith Marsh, Wilfred Mellor, Joan Whitworth and Mabel Sutcliffe.")
}

// assessment returns the fields of a capacity assessment about the move.
func (s *story) assessment(i int, r resRow, assessor string, when time.Time, outcome string) F {
	lacks := outcome == "lacks_capacity"
	f := F{
		"incident_id": incidentID, "resident_id": residentID(i), "decision": moveDecision, "decision_type": "accommodation",
		"relevant_information":  "Larkfield House is closing by 4 December. Options: homes with places that meet " + r.given + "'s needs, near family where possible, with friends where possible; what each is like; that staying is not possible.",
		"how_information_given": "In " + r.given + "'s room, in short sentences, with photographs of the homes and a key worker present.",
		"practicable_steps":     "Morning visit when most alert; hearing aids and glasses in; familiar key worker; information repeated and written down.",
		"can_wait":              false, "can_wait_reason": "The home closes by 4 December.",
		"assessor_name": assessor, "assessor_role": "Social worker", "assessor_organisation": "Derby City Council",
		"sittings": []schema.Sitting{{Date: day(when), Venue: "Larkfield House, own room", Present: "key worker"}},
		"outcome":  outcome,
	}
	if lacks {
		f["reason_for_doubt"] = "Diagnosis of dementia or cognitive impairment; recent memory very poor."
		f["impairment"] = true
		f["impairment_evidence"] = "Diagnosed dementia recorded by the GP; disorientated to time and place at both sittings."
		f["impairment_duration"] = "lasting"
		f["can_understand"] = false
		f["understand_evidence"] = "Could not say, in any words, that the home is closing after it was explained three ways."
		f["can_retain"] = false
		f["retain_evidence"] = "Did not recall the photographs or the explanation after five minutes."
		f["can_use_or_weigh"] = false
		f["use_or_weigh_evidence"] = "Could not compare the options; repeated that they would go home to their parents."
		f["can_communicate"] = true
		f["communicate_evidence"] = "Speaks clearly and expresses likes and dislikes."
		f["causative_nexus"] = true
		f["causative_nexus_evidence"] = "The inability to understand, retain and weigh is because of the dementia, not the way the information was given."
		f["sittings"] = []schema.Sitting{
			{Date: day(when.AddDate(0, 0, -1)), Venue: "Larkfield House, quiet lounge", Present: "key worker", Notes: "Unsettled; sitting ended early and resumed next day."},
			{Date: day(when), Venue: "Larkfield House, own room", Present: "key worker and family member where possible"},
		}
	} else {
		f["reason_for_doubt"] = "Asked to confirm capacity because of the speed of the move; no diagnosis of impairment."
		f["impairment"] = false
		f["impairment_evidence"] = "No impairment of, or disturbance in the functioning of, the mind or brain found."
		f["can_understand"] = true
		f["can_retain"] = true
		f["can_use_or_weigh"] = true
		f["can_communicate"] = true
		f["persons_decision"] = map[bool]string{true: "I want to be near my daughter.", false: "I'll go where my friends go."}[r.movesEarly]
	}
	return f
}

// bestInterestsDecision records the decision for a resident who lacks
// capacity to decide where to live.
func (s *story) bestInterestsDecision(i int, r resRow) {
	b := s.b
	did := id("best-interests", residentID(i)+"/1")
	s.bestInterests[i] = did
	var consultees []schema.Consultee
	for _, k := range r.kin {
		consultees = append(consultees, schema.Consultee{Name: k.name, Role: "family", Relationship: k.rel, View: "Wants " + r.given + " to stay with friends and near family.", ConsultedOn: "2026-11-15"})
	}
	consultees = append(consultees, schema.Consultee{Name: "Larkfield key worker", Role: "paid_carer", View: "Knows " + r.given + " well; recommends a calm, familiar escort.", ConsultedOn: "2026-11-15"})
	f := F{
		"incident_id": incidentID, "assessment_id": s.finalAssessment[i], "resident_id": residentID(i), "decision": moveDecision,
		"decision_type": "accommodation", "setting": "care_home", "expected_stay_days": 365, "authority_present": false,
		"no_assumption_from_age_or_appearance": true, "can_wait": false,
		"participation":       r.given + " was shown photographs of the homes and visited with a key worker.",
		"wishes_and_feelings": "Has always said they like a garden and company; settled with the same friends for years.",
		"beliefs_and_values":  "Family matters most; attends the home's Sunday service.",
		"decision_maker":      "council", "decision_maker_name": socialWorkers[i%len(socialWorkers)].name, "decision_maker_role": "Social worker",
		"decided_at": ts(b.now),
	}
	dest := "Oakwood Grange"
	switch i {
	case rJoan:
		dest = "Allestree Park House, with the other Chapel Friends when they move"
	case rLeonard:
		dest = "Littleover Court Nursing Home"
		f["decision_maker"] = "nhs"
		f["decision_maker_name"] = chcLead
		f["decision_maker_role"] = "CHC Lead, NHS Derby and Derbyshire ICB"
	case rWalter:
		dest = "Chester Green Lodge"
		f["imca_required"] = true
		f["imca_referral_date"] = "2026-11-14"
		f["imca_name"] = imcaName + ", " + imcaOrg
		f["imca_report_on"] = "2026-11-16"
		f["imca_report"] = "Walter has no family or friends to consult. He enjoys walking in the garden and watching football. Supports a home with secure gardens near the city."
		consultees = append(consultees, schema.Consultee{Name: imcaName, Role: "imca", View: "See IMCA report.", ConsultedOn: "2026-11-16"})
	case rMabel:
		dest = "Allestree Park House"
	}
	for _, l := range r.lpa {
		if l.kind == hw {
			f["authority_present"] = true
			f["authority_name"] = l.name
			f["authority_kind"] = hw
			f["decision_maker"] = "attorney"
			f["decision_maker_name"] = l.name
			f["decision_maker_role"] = "Attorney for health and welfare (" + l.rel + ")"
		}
	}
	f["consultees"] = consultees
	f["options"] = []schema.OptionConsidered{
		{Option: dest, Benefits: "Meets assessed needs; registered for the category of care; familiar faces or family nearby.", Risks: "Disruption of any move.", LeastRestrictive: true, Chosen: true},
		{Option: "Another home further away", Benefits: "More places available.", Risks: "Further from family and friends."},
	}
	f["decision_reached"] = "Move to " + dest + "."
	f["least_restrictive_reasoning"] = "Staying is not possible; this option keeps contact with family and friends and needs no extra restrictions."
	b.put("best_interests_decisions", did, f)
}

// ---- 16 November: residents' and relatives' meetings; the news is public ----

func (s *story) meetings() {
	b := s.b
	b.at(nov(16, 13, 0))
	b.put("incidents", incidentID, F{"public": true, "situation": "Closure announced on 16 November. Residents and relatives met the council and the administrators."})
	b.put("communications_log", id("comms", "press-1"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-16T13:00:00Z", "channel": "press_release", "direction": "outgoing",
		"party": "press", "with_whom": "Local media",
		"summary":     "Statement: the council is working with the NHS and the administrators so that every resident of Larkfield House is safe and helped to move to a home that meets their needs.",
		"recorded_by": commsLead,
	})
	b.put("communications_log", id("comms", "councillors-1"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-16T13:10:00Z", "channel": "email", "direction": "outgoing",
		"party": "councillor", "with_whom": "Ward councillors and the portfolio holder for adult social care",
		"summary": "Briefing on the closure and the relocation plan (6.1).", "recorded_by": commsLead,
	})
	b.at(nov(16, 14, 0))
	b.put("meeting_records", id("meeting", "residents-1"), F{
		"incident_id": incidentID, "meeting_type": "residents", "held_at": "2026-11-16T14:00:00Z", "venue": "Larkfield House, main lounge",
		"chair": headCommission, "summary": "Explained the closure to residents in plain words; answered questions about friends moving together and about belongings.",
		"recorded_by": adminLead,
	})
	b.at(nov(16, 18, 0))
	b.put("meeting_records", id("meeting", "relatives-1"), F{
		"incident_id": incidentID, "meeting_type": "relatives", "held_at": "2026-11-16T18:00:00Z", "venue": "Larkfield House, dining room",
		"chair": headCommission, "summary": "Relatives' meeting with the council, the ICB and the administrators: timetable, choice of homes, help with visiting, fees and top-ups.",
		"actions": []schema.ActionItem{
			{Action: "Send each family the list of homes with places in their relative's category", Owner: seniorQMO, DueOn: "2026-11-17"},
			{Action: "Arrange visits to homes for families who want them", Owner: "Operations", DueOn: "2026-11-20"},
		},
		"recorded_by": adminLead,
	})
	s.tick("6.3", nov(16, 19, 0), "done", "HR", "")
	s.tick("6.4", nov(16, 19, 0), "done", "HR", "")
	s.tick("7.4", nov(16, 19, 0), "done", "KA", "Garden Room group to move together to Oakwood Grange.")
	b.put("decision_log", id("decision", "garden-room"), F{
		"incident_id": incidentID, "decided_at": "2026-11-16T19:00:00Z",
		"decision":   "The Garden Room friendship group (Edith Marsh, Harold Pickering, Dorothy Ashworth, Wilfred Mellor) will move together to Oakwood Grange on 24 November.",
		"rationale":  "Keeps the friendship group together (3.1, 7.4); Oakwood Grange has residential and dementia places; chosen by the residents with capacity and in the best interests of the two who lack it, with their attorneys.",
		"decided_by": headCommission, "role": "commissioner", "recorded_by": adminLead,
	})
}

// moveRow is a planned move.
type moveRow struct {
	key      string
	resident int
	to       string
	planned  time.Time
	chosenBy string
	// completed moves are carried out in the scenario.
	leg       *legRow
	transport string
	paidBy    string
}

// legRow is a completed move's single leg.
type legRow struct {
	departed, arrived, handedOver time.Time
	vehicle, escort, receivedBy   string
}

// ---- 17 to 19 November: moves ----

func (s *story) moves() {
	b := s.b
	b.at(nov(17, 11, 0))
	moves := []moveRow{
		{key: "alice", resident: rAlice, to: "belper-riverside", planned: nov(18, 10, 0), chosenBy: "resident", transport: "car", paidBy: "resident",
			leg: &legRow{departed: nov(18, 10, 5), arrived: nov(18, 10, 40), handedOver: nov(18, 10, 55), vehicle: "Daughter's car", escort: "Sarah Cope (daughter) and key worker", receivedBy: "Joanne Bradbury, registered manager"}},
		{key: "leonard", resident: rLeonard, to: "littleover-court", planned: nov(18, 14, 0), chosenBy: "best_interests", transport: "ambulance", paidBy: "nhs",
			leg: &legRow{departed: nov(18, 14, 10), arrived: nov(18, 14, 35), handedOver: nov(18, 15, 0), vehicle: "Patient transport ambulance", escort: "Larkfield nurse and Andrew Foxley (son)", receivedBy: "Grace Mensah, registered manager"}},
		{key: "eileen", resident: rEileen, to: "ilkeston-willows", planned: nov(19, 10, 30), chosenBy: "resident", transport: "wheelchair_taxi", paidBy: "placing_authority",
			leg: &legRow{departed: nov(19, 10, 35), arrived: nov(19, 11, 15), handedOver: nov(19, 11, 30), vehicle: "Wheelchair-accessible taxi", escort: "Key worker", receivedBy: "Martin Hollis, registered manager"}},
		{key: "edith", resident: rEdith, to: "oakwood-grange", planned: nov(24, 10, 0), chosenBy: "best_interests", transport: "minibus", paidBy: "council"},
		{key: "harold", resident: rHarold, to: "oakwood-grange", planned: nov(24, 11, 0), chosenBy: "resident", transport: "minibus", paidBy: "council"},
		{key: "dorothy", resident: rDorothy, to: "oakwood-grange", planned: nov(24, 13, 30), chosenBy: "resident", transport: "minibus", paidBy: "resident"},
		{key: "wilfred", resident: rWilfred, to: "oakwood-grange", planned: nov(24, 14, 30), chosenBy: "best_interests", transport: "minibus", paidBy: "council"},
		{key: "walter", resident: rWalter, to: "chester-green-lodge", planned: nov(25, 10, 0), chosenBy: "best_interests", transport: "car", paidBy: "council"},
	}
	for _, m := range moves {
		r := residents[m.resident]
		f := F{
			"incident_id": incidentID, "resident_id": residentID(m.resident), "from_service_id": serviceID("larkfield-house"),
			"to_service_id": serviceID(m.to), "chosen_by": m.chosenBy, "planned_at": ts(m.planned),
			"planned_arrival_at": ts(m.planned.Add(45 * time.Minute)), "status": "planned", "transport": m.transport,
			"transport_paid_by": m.paidBy, "escort": "Key worker from Larkfield House", "escort_familiar": true,
			"medication_travelling": true, "post_move_review_due": day(m.planned.AddDate(0, 0, 7)),
		}
		if did, ok := s.bestInterests[m.resident]; ok {
			f["best_interests_decision_id"] = did
		}
		if m.transport == "ambulance" {
			f["transport_cost"] = 0
		} else {
			f["transport_cost"] = 38.5
		}
		if r.cat == "nursing" {
			f["equipment_travelling"] = "Pressure-relieving mattress (NHS)"
		}
		b.put("moves", id("move", m.key), f)
		b.put("movement_log", id("movement", m.key+"/planned"), F{
			"incident_id": incidentID, "resident_id": residentID(m.resident), "move_id": id("move", m.key), "event": "planned",
			"occurred_at": ts(b.now), "from_service_id": serviceID("larkfield-house"), "to_service_id": serviceID(m.to),
			"recorded_by": transportCoord,
		})
	}
	s.tick("7.5", nov(17, 16, 0), "in_progress", "GW", "Destinations checked for registration category as each move is planned.")
	s.tick("7.9", nov(17, 16, 0), "in_progress", "KA", "")
	s.tick("7.11", nov(17, 16, 0), "done", "DF", "Transport booked for the first eight moves.")
	s.tick("7.17", nov(17, 16, 0), "in_progress", "LC", "Decision and movement logs kept in Continuity.")

	// On the day: depart, arrive, hand over.
	for _, m := range moves {
		if m.leg == nil {
			continue
		}
		mid, lid, rid := id("move", m.key), id("leg", m.key+"/1"), residentID(m.resident)
		b.at(m.leg.departed.Add(2 * time.Minute))
		b.put("move_legs", lid, F{
			"incident_id": incidentID, "move_id": mid, "sequence": 1, "departed_at": ts(m.leg.departed),
			"vehicle": m.leg.vehicle, "escort": m.leg.escort,
		})
		b.put("moves", mid, F{"status": "in_transit", "vehicle": m.leg.vehicle, "escort": m.leg.escort})
		b.put("movement_log", id("movement", m.key+"/departed"), F{
			"incident_id": incidentID, "resident_id": rid, "move_id": mid, "event": "departed", "occurred_at": ts(m.leg.departed),
			"from_service_id": serviceID("larkfield-house"), "to_service_id": serviceID(m.to), "recorded_by": transportCoord,
		})
		b.at(m.leg.arrived.Add(2 * time.Minute))
		b.put("move_legs", lid, F{"arrived_at": ts(m.leg.arrived), "identity_confirmed": true})
		b.put("moves", mid, F{"status": "arrived"})
		b.put("movement_log", id("movement", m.key+"/arrived"), F{
			"incident_id": incidentID, "resident_id": rid, "move_id": mid, "event": "arrived", "occurred_at": ts(m.leg.arrived),
			"from_service_id": serviceID("larkfield-house"), "to_service_id": serviceID(m.to), "recorded_by": transportCoord,
			"notes": "Identity confirmed by the receiving home against the photograph and NHS number.",
		})
		b.at(m.leg.handedOver.Add(2 * time.Minute))
		b.put("move_legs", lid, F{"handed_over": true, "handed_over_at": ts(m.leg.handedOver), "handed_over_to": m.leg.receivedBy})
		b.put("moves", mid, F{"status": "completed", "records_handed_over": true, "care_plan_handed_over": true, "identity_confirmed": true,
			"equipment_transferred": m.leg != nil, "completed_at": ts(m.leg.handedOver)})
		b.put("residents", rid, F{"current_service_id": serviceID(m.to), "status": "moved", "room": nil})
		b.put("movement_log", id("movement", m.key+"/handed-over"), F{
			"incident_id": incidentID, "resident_id": rid, "move_id": mid, "event": "handed_over", "occurred_at": ts(m.leg.handedOver),
			"from_service_id": serviceID("larkfield-house"), "to_service_id": serviceID(m.to), "recorded_by": transportCoord,
			"notes": "Care plan, MAR chart, medication and belongings handed over; verbal handover from the key worker.",
		})
		// The next working day: the paperwork.
		b.at(m.leg.handedOver.Add(2 * time.Hour))
		after := F{"gp_changed": true, "dwp_notified": residents[m.resident].funding != schema.FundingNHSCHC, "contract_issued": true}
		if residents[m.resident].funding == schema.FundingOutOfArea {
			after["placing_authority_notified"] = true
		}
		b.put("moves", mid, after)
	}

	// Chester Green Lodge: a complaint, AMBER, and no new placements; Walter's
	// move is cancelled and a new one planned with the IMCA's input.
	cg := providerID("chestergreen")
	b.at(nov(18, 16, 0))
	cc := id("concern", "chestergreen/1")
	b.put("concerns", cc, F{
		"provider_id": cg, "service_id": serviceID("chester-green-lodge"), "source": "complaint", "raised_on": "2026-11-18",
		"raised_by":   "Relative of a resident",
		"description": "Unresolved complaints about missed medication and no registered manager on site for three weeks.",
		"resolve_by":  "2026-12-02", "status": "open",
	})
	b.at(nov(19, 9, 30))
	b.put("rag_statuses", id("rag", "chestergreen/1"), F{
		"provider_id": cg, "service_id": serviceID("chester-green-lodge"), "previous_status": "GREEN", "status": "AMBER",
		"reason":     "Unresolved customer complaints; no registered manager in place.",
		"decided_at": "2026-11-19T09:30:00Z", "decided_by": qmo, "decided_by_role": "quality_officer", "concern_ids": []string{cc},
	})
	for _, v := range services[5].vac {
		b.put("vacancies", vacancyID("chester-green-lodge", v.cat), F{"accepting": false, "as_of": "2026-11-19", "notes": "Provider has paused admissions during a quality review."})
	}
	b.at(nov(19, 11, 0))
	walter := id("move", "walter")
	b.put("moves", walter, F{"status": "cancelled", "cancelled_reason": "Chester Green Lodge has paused admissions during a quality review (AMBER)."})
	b.put("movement_log", id("movement", "walter/cancelled"), F{
		"incident_id": incidentID, "resident_id": residentID(rWalter), "move_id": walter, "event": "cancelled",
		"occurred_at": "2026-11-19T11:00:00Z", "recorded_by": transportCoord, "notes": "Destination paused admissions.",
	})
	b.put("best_interests_decisions", s.bestInterests[rWalter], F{
		"options": []schema.OptionConsidered{
			{Option: "Allestree Park House", Benefits: "Secure gardens; outstanding rating; near the city.", Risks: "Disruption of any move.", LeastRestrictive: true, Chosen: true},
			{Option: "Chester Green Lodge", Benefits: "Near the city.", Risks: "Paused admissions; AMBER status."},
		},
		"decision_reached": "Move to Allestree Park House.",
		"decided_at":       "2026-11-19T11:30:00Z",
	})
	b.put("decision_log", id("decision", "walter"), F{
		"incident_id": incidentID, "decided_at": "2026-11-19T11:30:00Z", "resident_id": residentID(rWalter),
		"decision":   "Cancel Walter Greaves's move to Chester Green Lodge; move him to Allestree Park House on 25 November.",
		"rationale":  "Chester Green Lodge is AMBER and has paused admissions. The IMCA supports Allestree Park House (secure gardens).",
		"decided_by": socialWorkers[rWalter%len(socialWorkers)].name, "role": "social_worker", "recorded_by": adminLead,
	})
	walter2 := id("move", "walter-2")
	b.put("moves", walter2, F{
		"incident_id": incidentID, "resident_id": residentID(rWalter), "from_service_id": serviceID("larkfield-house"),
		"to_service_id": serviceID("allestree-park-house"), "chosen_by": "best_interests", "best_interests_decision_id": s.bestInterests[rWalter],
		"planned_at": ts(nov(25, 10, 0)), "planned_arrival_at": ts(nov(25, 10, 45)), "status": "planned", "transport": "car",
		"transport_cost": 38.5, "transport_paid_by": "council", "escort": "Key worker from Larkfield House", "escort_familiar": true,
		"medication_travelling": true, "post_move_review_due": "2026-12-02",
	})
	b.put("movement_log", id("movement", "walter-2/planned"), F{
		"incident_id": incidentID, "resident_id": residentID(rWalter), "move_id": walter2, "event": "planned",
		"occurred_at": ts(b.now), "from_service_id": serviceID("larkfield-house"), "to_service_id": serviceID("allestree-park-house"),
		"recorded_by": transportCoord,
	})
	b.put("communications_log", id("comms", "dwp-1"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-19T15:00:00Z", "channel": "letter", "direction": "outgoing",
		"party": "dwp", "with_whom": "Department for Work and Pensions",
		"summary": "Notified the change of home for Alice Brindley and Eileen Pargeter (7.26).", "recorded_by": adminLead,
	})
	b.put("communications_log", id("comms", "notts-2"), F{
		"incident_id": incidentID, "occurred_at": "2026-11-19T15:20:00Z", "channel": "email", "direction": "outgoing",
		"party": "placing_authority", "with_whom": "Nottinghamshire County Council", "resident_id": residentID(rEileen),
		"summary": "Confirmed Eileen Pargeter moved to Ilkeston Willows on 19 November; new contract to follow (7.23).", "recorded_by": seniorQMO,
	})
}

// ---- 20 November: progress meeting, vacancies, risk review ----

func (s *story) endOfWeek() {
	b := s.b
	b.at(nov(20, 10, 0))
	// The homes confirm their free places: those who have moved in are no
	// longer among them; places reserved by planned moves still are (the
	// planned moves use them, so they are not netted out twice).
	moved := map[string]map[string]int{
		"belper-riverside": {"residential": 1},
		"littleover-court": {"nursing": 1},
		"ilkeston-willows": {"residential": 1},
	}
	reserved := map[string]map[string]int{
		"oakwood-grange":       {"residential": 2, "residential_dementia": 2},
		"allestree-park-house": {"residential_dementia": 1},
	}
	for _, sv := range services {
		for _, v := range sv.vac {
			n, r := moved[sv.key][v.cat], reserved[sv.key][v.cat]
			if n == 0 && r == 0 {
				continue
			}
			f := F{"places": v.places - n, "as_of": "2026-11-20"}
			if r > 0 {
				f["notes"] = fmt.Sprintf("%d of these place(s) reserved for Larkfield House residents by planned moves.", r)
			}
			b.put("vacancies", vacancyID(sv.key, v.cat), f)
		}
	}
	b.at(nov(20, 11, 0))
	b.put("meeting_records", id("meeting", "progress-1"), F{
		"incident_id": incidentID, "meeting_type": "progress", "held_at": "2026-11-20T11:00:00Z", "venue": "Teams", "chair": headCommission,
		"attendees": []schema.Member{
			{Name: headCommission, Role: "Provider Failure Manager", Organisation: "Derby City Council", Chair: true},
			{Name: chcLead, Role: "CHC Lead", Organisation: "NHS Derby and Derbyshire ICB"},
			{Name: seniorQMO, Role: "Senior QMO", Organisation: "Derby City Council"},
			{Name: "Hannah Cross", Role: "Joint administrator", Organisation: "Kestrel Restructuring LLP"},
		},
		"summary":         "Three residents moved safely; Garden Room group moves on 24 November; Walter Greaves's move re-planned; Vera Goodall still in hospital; Cyril Naylor to stay until a CHC fast-track decision.",
		"decisions":       "No moves for very frail residents without a GP review.",
		"actions":         []schema.ActionItem{{Action: "CHC fast-track decision for Cyril Naylor", Owner: chcLead, DueOn: "2026-11-23"}},
		"next_meeting_on": "2026-11-27", "recorded_by": adminLead,
	})
	b.put("risk_log", id("risk", "staffing-review-1"), F{
		"incident_id": incidentID, "raised_at": "2026-11-20T12:00:00Z",
		"risk":  "Staff leave before residents are moved, leaving unsafe staffing at night.",
		"level": "high", "mitigation": "Agency cover stable this week; retention payment agreed; moves spread over two weeks (7.28).",
		"owner": seniorQMO, "status": "open", "review_by": "2026-11-27", "supersedes_id": id("risk", "staffing"), "recorded_by": adminLead,
	})
	b.put("risk_log", id("risk", "confidentiality-review-1"), F{
		"incident_id": incidentID, "raised_at": "2026-11-20T12:05:00Z", "risk": "News of the failure leaks before families are told.",
		"level": "low", "mitigation": "Closure announced on 16 November after families were told.", "owner": commsLead, "status": "closed",
		"supersedes_id": id("risk", "confidentiality"), "recorded_by": adminLead,
	})
	b.put("safe_and_well_checks", id("check", residentID(rAlbert)+"/2"), F{
		"incident_id": incidentID, "resident_id": residentID(rAlbert), "visited_at": "2026-11-20T14:00:00Z", "outcome": "safe_and_well",
		"visitor_name": socialWorkers[rAlbert%len(socialWorkers)].name, "visitor_role": "Social worker", "location": "Larkfield House",
		"seen": true, "feels_safe": "yes", "physical": "Pressure ulcer healing; district nurse visiting daily.",
		"previous_check_id": id("check", residentID(rAlbert)+"/1"), "follow_up_due": "2026-11-27",
	})
	s.tick("7.21", nov(20, 15, 0), "in_progress", "DF", "Identity confirmed at every arrival so far.")
	s.tick("7.26", nov(20, 15, 0), "in_progress", "LC", "DWP notified for the first two moves.")
	s.tick("9.1", nov(20, 15, 0), "in_progress", "LC", "")
	s.tick("9.2", nov(20, 15, 0), "done", "HR", "Lee Chambers is the administrative lead.")
	s.tick("9.5", nov(20, 15, 0), "in_progress", "LC", "Risk log reviewed on 20 November.")
}

// residentIndex finds a resident by given name.
func residentIndex(given string) int {
	for i, r := range residents {
		if r.given == given {
			return i
		}
	}
	panic("no resident " + given)
}

// ---- 12 to 21 November: what the closure team records every day ----

// closureRecords adds the records a closure team keeps every day (issue
// 13): deaths and hospital admissions, family contact, the decisions on new
// homes, the post-move review programme, cross-authority notifications,
// funding as several streams and checklist items tied to their evidence.
func (s *story) closureRecords() {
	b := s.b
	b.at(nov(21, 9, 0))
	vera, gladys, stanley := residentID(rVera), residentID(residentIndex("Gladys")), residentID(residentIndex("Stanley"))
	// A self-funder receiving Funded Nursing Care counts in both columns.
	b.put("residents", stanley, F{"funding_streams": []string{schema.FundingSelfFunder, schema.FundingFNC}})
	b.put("residents", residentID(rEdith), F{"about_me": "I like my tea strong, the radio on in the morning and my daughter's photographs by the bed.",
		"preferences": "Julie would like her mother near Mickleover so she can visit after work.", "preferred_service_ids": []string{serviceID("oakwood-grange")}})
	b.put("resident_events", id("event", "vera/admission"), F{
		"incident_id": incidentID, "resident_id": vera, "event": "hospital_admission", "occurred_at": "2026-11-12T08:30:00Z",
		"hospital": "Royal Derby Hospital, ward 306", "details": "Chest infection; admitted by ambulance.",
		"family_informed_at": "2026-11-12T09:30:00Z", "family_informed_by": "Larkfield House nurse in charge", "recorded_by": adminLead,
	})
	b.put("residents", vera, F{"current_location": "Royal Derby Hospital, ward 306", "whereabouts_updated_at": "2026-11-12T08:30:00Z"})
	b.put("resident_events", id("event", "gladys/death"), F{
		"incident_id": incidentID, "resident_id": gladys, "event": "death", "occurred_at": "2026-11-21T05:40:00Z",
		"place": "Larkfield House", "details": "Died peacefully in her sleep; an expected death, certified by her GP.",
		"family_informed_at": "2026-11-21T07:00:00Z", "family_informed_by": "Larkfield House nurse in charge",
		"cqc_notified_at": "2026-11-21T10:00:00Z", "coroner_relevant": false, "recorded_by": adminLead,
	})
	b.put("residents", gladys, F{"status": "deceased", "current_location": "Larkfield House", "whereabouts_updated_at": "2026-11-21T05:40:00Z"})
	b.put("decision_log", id("decision", "gladys"), F{
		"incident_id": incidentID, "decided_at": "2026-11-21T11:00:00Z", "resident_id": gladys,
		"decision":   "Gladys Ormerod died on 21 November; DWP and the family's solicitor to be told; no move to plan.",
		"decided_by": headCommission, "role": "commissioner", "recorded_by": adminLead,
	})

	// Family and representatives (5.1-5.5, 7.2-7.9).
	for _, i := range []int{rEdith, rHarold, rAlice, rLeonard, rEileen} {
		r := residents[i]
		if len(r.kin) == 0 {
			continue
		}
		k := r.kin[0]
		b.put("family_contacts", id("contact", residentID(i)+"/1"), F{
			"incident_id": incidentID, "resident_id": residentID(i), "contact_name": k.name, "relationship": k.rel,
			"occurred_at": "2026-11-13T14:00:00Z", "channel": "in_person", "direction": "outgoing",
			"summary":     "Explained the closure and the timetable; talked through the homes with places.",
			"preferences": "A home nearby, with a garden.", "visit_offered": true, "visit_service_id": serviceID("oakwood-grange"), "visit_on": "2026-11-15",
			"recorded_by": socialWorkers[i%len(socialWorkers)].name,
		})
	}

	// The decisions on the new homes (7.9), for the moves made.
	for _, m := range []struct {
		key      string
		resident int
		to       string
		chosenBy string
		on       string
	}{{"alice", rAlice, "belper-riverside", "resident", "2026-11-17"}, {"leonard", rLeonard, "littleover-court", "best_interests", "2026-11-17"},
		{"eileen", rEileen, "ilkeston-willows", "resident", "2026-11-17"}} {
		f := F{"incident_id": incidentID, "resident_id": residentID(m.resident), "service_id": serviceID(m.to),
			"decided_at": m.on + "T10:00:00Z", "chosen_by": m.chosenBy, "move_on": m.on, "visited": true,
			"decided_by_name": residents[m.resident].given + " " + residents[m.resident].family}
		if did, ok := s.bestInterests[m.resident]; ok && m.chosenBy == "best_interests" {
			f["best_interests_decision_id"] = did
			f["decided_by_name"] = socialWorkers[m.resident%len(socialWorkers)].name
		}
		b.put("placement_decisions", id("placement", m.key), f)
	}

	// The post-move review programme (7.19), as the server schedules it on
	// completion, and the first reviews done.
	for _, m := range []struct {
		key  string
		done time.Time
		to   string
		res  int
	}{{"alice", nov(18, 10, 55), "belper-riverside", rAlice}, {"leonard", nov(18, 15, 0), "littleover-court", rLeonard}, {"eileen", nov(19, 11, 30), "ilkeston-willows", rEileen}} {
		mid := id("move", m.key)
		for _, o := range rules.DefaultReviewSchedule() {
			b.putID(domain.ReviewCreateID(mid, o.Type), "post_move_reviews", domain.ReviewID(mid, o.Type), F{
				"incident_id": incidentID, "resident_id": residentID(m.res), "move_id": mid, "service_id": serviceID(m.to),
				"review_type": o.Type, "due_on": rules.ReviewDue(m.done, o, london),
			})
		}
	}
	b.put("post_move_reviews", domain.ReviewID(id("move", "alice"), "72_hours"), F{
		"visited_at": "2026-11-21T11:00:00Z", "reviewer_name": socialWorkers[rAlice%len(socialWorkers)].name, "reviewer_role": "Social worker",
		"outcome": "settled", "feels_safe": "yes", "in_own_words": "My room looks over the river and Sarah came on Thursday.",
		"wellbeing": "Settled, eating well, has joined the knitting group.",
	})

	// Cross-authority notifications (4.2, 7.23).
	b.put("cross_authority_notifications", id("notify", "eileen/placing"), F{
		"incident_id": incidentID, "resident_id": residentID(rEileen), "recipient_kind": "placing_authority", "recipient": residents[rEileen].placing,
		"notified_at": "2026-11-13T11:00:00Z", "notified_by": seniorQMO, "channel": "email",
		"summary": "Told of the failure; they ask the JISG to act on their behalf to relocate Eileen (4.2).", "acknowledged_at": "2026-11-13T15:00:00Z",
	})
	b.put("cross_authority_notifications", id("notify", "eileen/receiving"), F{
		"incident_id": incidentID, "resident_id": residentID(rEileen), "move_id": id("move", "eileen"), "recipient_kind": "receiving_authority",
		"recipient": "Derbyshire County Council", "notified_at": "2026-11-19T15:30:00Z", "notified_by": seniorQMO, "channel": "email",
		"summary": "Eileen Pargeter placed at Ilkeston Willows (7.23).",
	})

	// Checklist items tied to the records that show them done.
	b.at(nov(21, 12, 0))
	b.put("checklist_items", checklistID("9.1"), F{"status": "done", "completed_on": "2026-11-21", "evidence": []schema.Evidence{
		{Collection: "meeting_records", RecordID: s.meetingPFM, Note: "Provider Failure Management meeting, 12 November"},
		{Collection: "meeting_records", RecordID: id("meeting", "progress-1"), Note: "Progress meeting, 20 November"},
	}})
	b.put("checklist_items", checklistID("4.2"), F{"status": "done", "completed_on": "2026-11-21", "evidence": []schema.Evidence{{Collection: "cross_authority_notifications", RecordID: id("notify", "eileen/placing")}}})
}

// london is the zone review dates are written in.
var london = func() *time.Location {
	loc, err := time.LoadLocation(rules.LondonZone)
	if err != nil {
		panic(err)
	}
	return loc
}()
