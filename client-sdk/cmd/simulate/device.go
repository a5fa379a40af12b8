package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	continuity "github.com/continuity-care/continuity/client-sdk"
	"github.com/continuity-care/continuity/syncproto/rules"
)

// Roles of the fleet.
const (
	roleSocialWorker = "social_worker"
	roleTransport    = "transport_coordinator"
	roleBackOffice   = "back_office"
)

// device is one simulated tablet and the person using it.
type device struct {
	acct   account
	label  string // short name for messages, e.g. sw03
	client *continuity.Client
	rng    *rand.Rand
	net    *lossyTransport

	// offlineUntil is the last round the tablet is out of signal (0: in
	// signal).
	offlineUntil int

	caseload []person // social workers: the residents they look after
	share    func(moveID string) bool
	drafts   []*draft       // capacity assessments in progress
	stepped  map[string]int // move id → round it was last moved on

	stats deviceStats
	logf  func(format string, args ...any)
}

// deviceStats count one device's work and syncs.
type deviceStats struct {
	written    int
	refused    map[string]int
	pushed     int
	applied    int
	duplicates int
	rejected   int
	pulled     int
	syncErrors int
	lastErr    error
}

// draft is a capacity assessment being filled in over several visits.
type draft struct {
	id       string
	resident person
	step     int
	impaired bool
}

func (d *device) online(round int) bool { return d.offlineUntil < round }

// did counts the outcome of one write.
func (d *device) did(what string, err error) bool {
	if err != nil {
		code := continuity.ErrorCode(err)
		if code == "" {
			code = "error"
		}
		d.stats.refused[code]++
		d.logf("%s: %s refused on the device: %v", d.label, what, err)
		return false
	}
	d.stats.written++
	return true
}

// sync runs one sync and counts what it did.
func (d *device) sync(ctx context.Context) (*continuity.SyncReport, error) {
	rep, err := d.client.SyncContext(ctx)
	if rep != nil {
		d.stats.pushed += rep.Pushed
		d.stats.applied += rep.Applied
		d.stats.duplicates += rep.Duplicates
		d.stats.rejected += rep.Rejected
		d.stats.pulled += rep.Pulled
	}
	if err != nil {
		d.stats.syncErrors++
		d.stats.lastErr = err
		d.logf("%s: sync: %v", d.label, err)
	}
	return rep, err
}

// work does n pieces of the role's work.
func (d *device) work(w *world, round, n int) {
	for range n {
		switch d.acct.role {
		case roleSocialWorker:
			d.socialWork(w)
		case roleTransport:
			d.transport(w, round)
		case roleBackOffice:
			d.backOffice(w)
		}
	}
}

// ----- social workers -----

func (d *device) socialWork(w *world) {
	switch x := d.rng.IntN(100); {
	case x < 45:
		d.check(w)
	case x < 58:
		d.noteResident()
	case x < 73:
		d.assess(w)
	case x < 85:
		d.planMove(w)
	case x < 93:
		d.logDecision(w)
	default:
		d.checklist(w)
	}
}

func (d *device) location(p person) string {
	if p.room != "" {
		return "Larkfield House, room " + p.room
	}
	return "Larkfield House, lounge"
}

// check records a safe-and-well check, sometimes saved as a draft first and
// completed a moment later, as the app saves while the person types.
func (d *device) check(w *world) {
	p := pick(d.rng, d.caseload)
	now := time.Now().UTC()
	c := &continuity.SafeAndWellCheck{ResidentID: p.id, VisitorName: d.acct.name, VisitorRole: "Social worker", Location: d.location(p)}
	switch x := d.rng.IntN(100); {
	case x < 5:
		c.Outcome, c.Seen = "not_seen", continuity.No
		c.Observations = "Not in the home at the visit: at hospital outpatients with a carer. Check again tomorrow."
		c.FollowUpDue = now.AddDate(0, 0, 1).Format(time.DateOnly)
	case x < 30:
		c.Outcome, c.Seen = "concerns", continuity.Yes
		c.Observations, c.Actions = pick(d.rng, concerns), pick(d.rng, concernActions)
		c.Risks = "Risk of harm until the concern is addressed; reviewed daily."
		c.FollowUpDue = now.AddDate(0, 0, 1+d.rng.IntN(2)).Format(time.DateOnly)
		c.FeelsSafe = pick(d.rng, []string{"no", "unsure", "unable_to_say", "yes"})
		if chance(d.rng, 0.3) {
			c.SafeguardingRaised, c.S42Reference = continuity.Yes, fmt.Sprintf("S42-2026-%05d", d.rng.IntN(100000))
		}
	default:
		c.Outcome, c.Seen = "safe_and_well", continuity.Yes
		c.FeelsSafe = pick(d.rng, []string{"yes", "yes", "yes", "unable_to_say"})
		c.FollowUpDue = now.AddDate(0, 0, 7).Format(time.DateOnly)
	}
	if c.Seen == continuity.Yes {
		c.InOwnWords = pick(d.rng, ownWords)
		c.FamilyInformed = pick(d.rng, []string{continuity.Yes, continuity.No})
	}
	seen := c.Seen == continuity.Yes
	observe := func(c *continuity.SafeAndWellCheck) {
		c.Wellbeing, c.Physical, c.Environment = pick(d.rng, wellbeing), pick(d.rng, physical), pick(d.rng, environment)
		c.Medication, c.NutritionHydration, c.BelongingsEquipment = pick(d.rng, medication), pick(d.rng, nutrition), pick(d.rng, belongings)
	}
	if seen && chance(d.rng, 0.3) {
		// A draft first; the observations follow as the person types.
		id, err := d.client.RecordCheck(c)
		if !d.did("check draft", err) {
			return
		}
		more := &continuity.SafeAndWellCheck{ID: id}
		observe(more)
		_, err = d.client.RecordCheck(more)
		d.did("check", err)
		return
	}
	if seen {
		observe(c)
	}
	_, err := d.client.RecordCheck(c)
	d.did("check", err)
}

// appendNote adds a dated line to a resident's notes, keeping them within
// the field's limit.
func appendNote(notes, line string) string {
	if notes != "" {
		notes += "\n"
	}
	notes += line
	if len(notes) > 15000 {
		notes = notes[len(notes)-15000:]
		if i := strings.IndexByte(notes, '\n'); i >= 0 {
			notes = notes[i+1:]
		}
	}
	return notes
}

func (d *device) noteLine(text string) string {
	return fmt.Sprintf("%s, %s: %s", time.Now().Format("2 Jan 15:04"), d.acct.name, text)
}

// noteResident adds a note to a resident's record.
func (d *device) noteResident() {
	p := pick(d.rng, d.caseload)
	r, err := d.client.Resident(p.id)
	if err != nil {
		d.did("note", err)
		return
	}
	up := &continuity.Resident{ID: p.id, Notes: appendNote(r.Notes, d.noteLine(pick(d.rng, residentNotes)))}
	if chance(d.rng, 0.2) {
		up.CommunicationNeeds = pick(d.rng, []string{"Hard of hearing on the left; speak on the right.", "Short sentences; picture cards help.", "Welsh is her first language.", "Wears glasses for reading."})
	}
	_, err = d.client.SaveResident(up)
	d.did("note", err)
}

const (
	whereToLive = "Where to live when Larkfield House closes"
	sharing     = "Whether to agree to care records being shared with the new home"
)

// assess starts a capacity assessment or takes one further: stage 1, then
// stage 2 and the outcome, then the signature.
func (d *device) assess(w *world) {
	if len(d.drafts) > 0 && (len(d.drafts) >= 2 || chance(d.rng, 0.7)) {
		d.continueAssessment(w, d.drafts[0])
		return
	}
	for range 5 {
		p := pick(d.rng, d.caseload)
		list, err := d.client.CapacityAssessmentsOf(p.id)
		if err != nil {
			continue
		}
		decision := whereToLive
		for i := 0; i < list.Len(); i++ {
			if list.At(i).Decision == whereToLive {
				decision = sharing
			}
		}
		taken := false
		for i := 0; i < list.Len(); i++ {
			taken = taken || list.At(i).Decision == decision
		}
		if taken {
			continue
		}
		dests := w.destinationsFor(p)
		options := "Staying is not possible."
		if len(dests) > 1 {
			options = fmt.Sprintf("Options: %s or %s; staying is not possible.", dests[0].name, dests[1].name)
		}
		impaired := chance(d.rng, 0.75)
		a := &continuity.CapacityAssessment{
			ResidentID: p.id, Decision: decision, DecisionType: "accommodation",
			ReasonForDoubt:      pick(d.rng, capacityReasons),
			RelevantInformation: "Larkfield House is closing. " + options,
			HowInformationGiven: "In " + p.given + "'s room, in short sentences, with photographs of the homes and the key worker present.",
			PracticableSteps:    "Morning visit when most alert; hearing aids and glasses in; information repeated and written down.",
			CanWait:             continuity.No, CanWaitReason: "The home is closing; a decision is needed before then.",
			AssessorName: d.acct.name, AssessorRole: "Social worker", AssessorOrganisation: "Derby City Council",
			ExtraJSON: fmt.Sprintf(`{"sittings":[{"date":%q,"venue":"Resident's room","present":"Key worker"}]}`, time.Now().UTC().Format(time.DateOnly)),
		}
		if decision == sharing {
			a.DecisionType = "other"
			a.RelevantInformation = "The new home needs the care plan, medication records and GP details; the person may agree or refuse."
		}
		if impaired {
			a.Impairment, a.ImpairmentDuration = continuity.Yes, "lasting"
			a.ImpairmentEvidence = "Diagnosed dementia recorded by the GP; disorientated to time and place at the visit."
		} else {
			a.Impairment = continuity.No
			a.ImpairmentEvidence = "No impairment of the mind or brain evident; alert and oriented."
		}
		id, err := d.client.SaveCapacityAssessment(a)
		if d.did("capacity assessment", err) {
			d.drafts = append(d.drafts, &draft{id: id, resident: p, impaired: impaired})
		}
		return
	}
	d.check(w)
}

func (d *device) continueAssessment(w *world, dr *draft) {
	done := func() { d.drafts = slices.DeleteFunc(d.drafts, func(x *draft) bool { return x == dr }) }
	switch dr.step {
	case 0:
		a := &continuity.CapacityAssessment{ID: dr.id}
		lacks := dr.impaired && chance(d.rng, 0.65)
		if lacks {
			a.CanUnderstand, a.CanRetain, a.CanUseOrWeigh, a.CanCommunicate = continuity.No, continuity.No, continuity.No, continuity.Yes
			a.UnderstandEvidence = "Could not say what the closure means for them after the options were explained twice."
			a.RetainEvidence = "Did not recall the visit of an hour earlier."
			a.UseOrWeighEvidence = "Could not compare the homes or say what matters in choosing."
			a.CommunicateEvidence = "Speaks clearly and expresses likes and dislikes."
			a.CausativeNexus = continuity.Yes
			a.CausativeNexusEvidence = "The inability is because of the dementia, not the way the information was given."
			a.Outcome = "lacks_capacity"
		} else {
			a.CanUnderstand, a.CanRetain, a.CanUseOrWeigh, a.CanCommunicate = continuity.Yes, continuity.Yes, continuity.Yes, continuity.Yes
			a.UnderstandEvidence = "Explained the closure and the options back in their own words."
			a.RetainEvidence = "Recalled the options at the second sitting."
			a.UseOrWeighEvidence = "Weighed being near family against staying with friends."
			a.CommunicateEvidence = "Said clearly what they want."
			a.Outcome = "has_capacity"
			a.PersonsDecision = "I want to go where my friends are going, near my daughter."
			if dests := w.destinationsFor(dr.resident); len(dests) > 0 {
				a.PersonsDecision = "I'd like to go to " + dests[0].name + ", it's near my daughter."
			}
		}
		_, err := d.client.SaveCapacityAssessment(a)
		if d.did("capacity assessment stage 2", err) {
			dr.step = 1
		} else {
			done()
		}
	default:
		err := d.client.SignCapacityAssessment(dr.id, d.acct.name)
		d.did("sign capacity assessment", err)
		done()
	}
}

// destinationsFor lists usable services registered for a resident's
// category of care.
func (w *world) destinationsFor(p person) []service {
	var out []service
	for _, s := range w.dests {
		if p.category == "" || s.offers(p.category) {
			out = append(out, s)
		}
	}
	return out
}

// planMove plans a move for a resident still at the home with no move yet,
// to a service registered for their category of care, in working hours, and
// logs it in the movement log.
func (d *device) planMove(w *world) {
	for range 5 {
		p := pick(d.rng, d.caseload)
		category, ok := d.movable(w, p)
		if !ok {
			continue
		}
		p.category = category
		dests := w.destinationsFor(p)
		if len(dests) == 0 {
			continue
		}
		dest := pick(d.rng, dests)
		start := workingSlot(d.rng)
		id, err := d.proposeMove(p, dest, start)
		if !d.did("move plan", err) {
			return
		}
		d.movementLog(w, p.id, id, "planned", w.home, dest.id, time.Now())
		return
	}
	d.check(w)
}

// movable reports whether, as far as the tablet knows, a resident is still at
// the home with no move planned, and their category of care.
func (d *device) movable(w *world, p person) (string, bool) {
	r, err := d.client.Resident(p.id)
	if err != nil || r.CurrentServiceID != w.home || (r.Status != "" && r.Status != "in_placement") || r.RegistrationCategory == "" {
		return "", false
	}
	moves, err := d.client.MovesOf(p.id)
	if err != nil {
		return "", false
	}
	for i := 0; i < moves.Len(); i++ {
		if moves.At(i).Status != "cancelled" {
			return "", false
		}
	}
	return r.RegistrationCategory, true
}

// workingSlot is a weekday slot in normal working hours, two to ten days
// ahead.
func workingSlot(rng *rand.Rand) time.Time {
	london := rules.DefaultWorkingHours().Location
	day := time.Now().In(london).AddDate(0, 0, 2+rng.IntN(9))
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		day = day.AddDate(0, 0, 1)
	}
	slot := pick(rng, [][2]int{{10, 0}, {11, 0}, {13, 30}, {14, 30}})
	return time.Date(day.Year(), day.Month(), day.Day(), slot[0], slot[1], 0, 0, london)
}

// proposeMove plans a move leaving at start.
func (d *device) proposeMove(p person, dest service, start time.Time) (string, error) {
	return d.client.PlanMove(&continuity.Move{
		ResidentID: p.id, ToServiceID: dest.id, ChosenBy: pick(d.rng, []string{"resident", "carer", "representative"}),
		PlannedAt: start.UTC().Format(time.RFC3339), PlannedArrivalAt: start.Add(45 * time.Minute).UTC().Format(time.RFC3339),
		Transport: pick(d.rng, []string{"car", "minibus", "ambulance", "wheelchair_taxi"}), TransportPaidBy: pick(d.rng, []string{"council", "resident", "family"}),
		Escort: pick(d.rng, escorts), EscortFamiliar: continuity.Yes, MedicationTravelling: continuity.Yes,
		ExtraJSON: fmt.Sprintf(`{"post_move_review_due":%q,"transport_cost":%d}`, start.AddDate(0, 0, 7).Format(time.DateOnly), 30+d.rng.IntN(60)),
	})
}

// movementLog appends to the incident's movement log.
func (d *device) movementLog(w *world, residentID, moveID, event, from, to string, at time.Time) {
	f := map[string]any{
		"incident_id": w.incident, "resident_id": residentID, "move_id": moveID, "event": event,
		"occurred_at": at.UTC().Format(time.RFC3339), "from_service_id": from, "to_service_id": to, "recorded_by": d.acct.name,
	}
	b, _ := json.Marshal(f)
	_, err := d.client.Put("movement_log", "", string(b))
	d.did("movement log", err)
}

// logDecision appends to the incident's decision log.
func (d *device) logDecision(w *world) {
	p := pick(d.rng, d.caseload)
	dec := pick(d.rng, decisions)
	_, err := d.client.AddDecisionLogNote(&continuity.DecisionNote{
		IncidentID: w.incident, Decision: fmt.Sprintf(dec.decision, p.name()), Rationale: dec.rationale,
		DecidedBy: d.acct.name, Role: "Social worker", ResidentID: p.id, RecordedBy: d.acct.name,
	})
	d.did("decision log", err)
}

// checklist moves one of the council's Management Checklist actions on.
func (d *device) checklist(w *world) {
	items, err := d.client.List("checklist_items", w.incident)
	if err != nil {
		d.did("checklist", err)
		return
	}
	type item struct {
		Responsibility string `json:"responsibility"`
		Status         string `json:"status"`
		Section        int    `json:"section"`
	}
	var open []string
	status := map[string]string{}
	for i := 0; i < items.Len(); i++ {
		var it item
		if json.Unmarshal([]byte(items.At(i).FieldsJSON), &it) != nil || it.Responsibility != "DCC" || it.Status == "done" || it.Status == "not_applicable" {
			continue
		}
		// Sections 3 (residents), 5 (carers) and 7 (moves) are the social
		// workers' on site.
		if it.Section == 3 || it.Section == 5 || it.Section == 7 {
			open = append(open, items.At(i).ID)
			status[items.At(i).ID] = it.Status
		}
	}
	if len(open) == 0 {
		d.logDecision(w)
		return
	}
	slices.Sort(open)
	id := pick(d.rng, open)
	f := map[string]any{"officer_initials": initials(d.acct.name), "notes": "Updated on site by " + d.acct.name + "."}
	if status[id] == "in_progress" {
		f["status"], f["completed_on"] = "done", time.Now().UTC().Format(time.DateOnly)
	} else {
		f["status"] = "in_progress"
	}
	b, _ := json.Marshal(f)
	_, err = d.client.Put("checklist_items", id, string(b))
	d.did("checklist", err)
}

func initials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		b.WriteString(w[:1])
	}
	return b.String()
}

// ----- transport coordinators -----

// moveView is a move as a transport coordinator reads it.
type moveView struct {
	ID         string
	Status     string `json:"status"`
	ResidentID string `json:"resident_id"`
	From       string `json:"from_service_id"`
	To         string `json:"to_service_id"`
	PlannedAt  string `json:"planned_at"`
	Escort     string `json:"escort"`
}

// transport takes one of the coordinator's moves a step further on the day:
// departure, arrival, handover. With none to do, it logs a call.
func (d *device) transport(w *world, round int) {
	list, err := d.client.List("moves", w.incident)
	if err != nil {
		d.did("moves", err)
		return
	}
	var mine []moveView
	for i := 0; i < list.Len(); i++ {
		var m moveView
		if json.Unmarshal([]byte(list.At(i).FieldsJSON), &m) != nil {
			continue
		}
		m.ID = list.At(i).ID
		if (m.Status == "planned" || m.Status == "in_transit" || m.Status == "arrived") && d.share(m.ID) && d.stepped[m.ID] != round {
			mine = append(mine, m)
		}
	}
	if len(mine) == 0 || chance(d.rng, 0.15) {
		d.communication(w, "provider", pick(d.rng, communications))
		return
	}
	slices.SortFunc(mine, func(a, b moveView) int { return strings.Compare(a.ID, b.ID) })
	m := pick(d.rng, mine)
	d.stepped[m.ID] = round
	d.stepMove(w, m)
}

func (d *device) stepMove(w *world, m moveView) {
	legs, err := d.client.LegsOf(m.ID)
	if err != nil {
		d.did("legs", err)
		return
	}
	planned, perr := time.Parse(time.RFC3339, m.PlannedAt)
	if perr != nil {
		planned = time.Now().UTC()
	}
	var leg *continuity.MoveLeg
	if legs.Len() > 0 {
		leg = legs.At(legs.Len() - 1)
	}
	escort := m.Escort
	if escort == "" {
		escort = pick(d.rng, escorts)
	}
	switch {
	case leg == nil || leg.DepartedAt == "":
		departed := planned.Add(time.Duration(d.rng.IntN(15)) * time.Minute)
		if m.Status == "planned" {
			_, err := d.client.PlanMove(&continuity.Move{ID: m.ID, Status: "in_transit", Vehicle: pick(d.rng, vehicles)})
			if !d.did("move departure", err) {
				return
			}
		}
		_, err := d.client.LogMoveLeg(&continuity.MoveLeg{MoveID: m.ID, DepartedAt: departed.UTC().Format(time.RFC3339), Escort: escort, Vehicle: pick(d.rng, vehicles)})
		if d.did("leg departed", err) {
			d.movementLog(w, m.ResidentID, m.ID, "departed", m.From, m.To, departed)
		}
	case leg.ArrivedAt == "":
		dep, _ := time.Parse(time.RFC3339, leg.DepartedAt)
		arrived := dep.Add(time.Duration(25+d.rng.IntN(30)) * time.Minute)
		_, err := d.client.LogMoveLeg(&continuity.MoveLeg{ID: leg.ID, ArrivedAt: arrived.UTC().Format(time.RFC3339), IdentityConfirmed: continuity.Yes})
		if d.did("leg arrived", err) {
			d.movementLog(w, m.ResidentID, m.ID, "arrived", m.From, m.To, arrived)
		}
	default:
		arr, _ := time.Parse(time.RFC3339, leg.ArrivedAt)
		handed := arr.Add(time.Duration(10+d.rng.IntN(20)) * time.Minute)
		to := "the registered manager"
		if s, ok := w.services[m.To]; ok && s.manager != "" {
			to = s.manager + " (registered manager)"
		}
		_, err := d.client.LogMoveLeg(&continuity.MoveLeg{ID: leg.ID, HandedOverAt: handed.UTC().Format(time.RFC3339), HandedOverTo: to, HandedOver: continuity.Yes})
		if !d.did("leg handed over", err) {
			return
		}
		// The lifecycle: in transit, arrived, then completed.
		if m.Status != "arrived" {
			if _, err := d.client.PlanMove(&continuity.Move{ID: m.ID, Status: "arrived"}); !d.did("move arrived", err) {
				return
			}
		}
		// The hand-over gates completion (seed 003 Appendix 2, 7.15, 7.20, 7.21, 7.24, 7.12).
		_, err = d.client.PlanMove(&continuity.Move{ID: m.ID, Status: "completed", RecordsHandedOver: continuity.Yes, MedicationTravelling: continuity.Yes,
			ExtraJSON: `{"care_plan_handed_over":true,"identity_confirmed":true,"equipment_transferred":true}`})
		if d.did("move completed", err) {
			d.movementLog(w, m.ResidentID, m.ID, "handed_over", m.From, m.To, handed)
		}
	}
}

// communication appends to the incident's communications log.
func (d *device) communication(w *world, party, summary string) {
	f := map[string]any{
		"incident_id": w.incident, "occurred_at": time.Now().UTC().Format(time.RFC3339), "channel": pick(d.rng, []string{"phone", "email", "in_person"}),
		"direction": pick(d.rng, []string{"incoming", "outgoing"}), "party": party, "summary": summary, "recorded_by": d.acct.name,
	}
	b, _ := json.Marshal(f)
	_, err := d.client.Put("communications_log", "", string(b))
	d.did("communications log", err)
}

// ----- back office -----

// backOffice reconciles what arrives: a completed move updates the
// resident's placement; otherwise it keeps the logs.
func (d *device) backOffice(w *world) {
	if chance(d.rng, 0.4) && d.reconcileMove(w) {
		return
	}
	switch x := d.rng.IntN(3); x {
	case 0:
		p := pick(d.rng, w.residents)
		dec := pick(d.rng, decisions)
		_, err := d.client.AddDecisionLogNote(&continuity.DecisionNote{
			IncidentID: w.incident, Decision: fmt.Sprintf(dec.decision, p.name()), Rationale: dec.rationale + " Agreed at the daily call.",
			DecidedBy: "Helen Radcliffe", Role: "Provider Failure Manager", ResidentID: p.id, RecordedBy: d.acct.name,
		})
		d.did("decision log", err)
	case 1:
		now := time.Now().UTC()
		f := map[string]any{
			"incident_id": w.incident, "raised_at": now.Format(time.RFC3339), "risk": pick(d.rng, riskEntries),
			"level": pick(d.rng, []string{"medium", "high", "very_high"}), "mitigation": "Reviewed at the daily call; actions with owners.",
			"owner": "Gary Whitlock", "status": "open", "review_by": now.AddDate(0, 0, 3).Format(time.DateOnly), "recorded_by": d.acct.name,
		}
		b, _ := json.Marshal(f)
		_, err := d.client.Put("risk_log", "", string(b))
		d.did("risk log", err)
	default:
		d.communication(w, pick(d.rng, []string{"family", "placing_authority", "icb", "administrator"}), pick(d.rng, communications))
	}
}

// reconcileMove records a completed move on the resident: now living at
// the destination.
func (d *device) reconcileMove(w *world) bool {
	list, err := d.client.List("moves", w.incident)
	if err != nil {
		return false
	}
	var ids []string
	byID := map[string]moveView{}
	for i := 0; i < list.Len(); i++ {
		var m moveView
		if json.Unmarshal([]byte(list.At(i).FieldsJSON), &m) != nil || m.Status != "completed" {
			continue
		}
		r, err := d.client.Resident(m.ResidentID)
		if err != nil || r.CurrentServiceID == m.To {
			continue
		}
		m.ID = list.At(i).ID
		ids = append(ids, m.ID)
		byID[m.ID] = m
	}
	if len(ids) == 0 {
		return false
	}
	slices.Sort(ids)
	m := byID[pick(d.rng, ids)]
	_, err = d.client.SaveResident(&continuity.Resident{ID: m.ResidentID, CurrentServiceID: m.To, Status: "moved"})
	d.did("resident moved", err)
	return true
}

// shareOf assigns moves to one of n coordinators.
func shareOf(i, n int) func(string) bool {
	return func(id string) bool {
		h := fnv.New32a()
		h.Write([]byte(id))
		return int(h.Sum32()%uint32(n)) == i
	}
}

// ----- the network -----

// lossyTransport loses the answer to some pushes after the server has
// applied them, as a tablet losing signal mid-request would.
type lossyTransport struct {
	base    http.RoundTripper
	p       float64
	mu      sync.Mutex
	rng     *rand.Rand
	dropped atomic.Int64
}

func (t *lossyTransport) lose() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.p > 0 && t.rng.Float64() < t.p
}

// RoundTrip implements http.RoundTripper.
func (t *lossyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/v1/sync/push") || !t.lose() {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	t.dropped.Add(1)
	return nil, errLostAnswer
}

var errLostAnswer = errors.New("simulated loss of signal: the server's answer never arrived")
