package continuity

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
)

// lastChange returns the newest queued change.
func lastChange(t *testing.T, c *Client) syncproto.Change {
	t.Helper()
	es, err := outboxEntries(c.ctx, c.st.db, outboxPending, 0)
	if err != nil || len(es) == 0 {
		t.Fatalf("outbox: %v (%d entries)", err, len(es))
	}
	return es[len(es)-1].change
}

func fieldNames(c syncproto.Change) map[string]string {
	out := map[string]string{}
	for k, v := range c.Fields {
		out[k] = string(v)
	}
	return out
}

func TestClient_SaveResident(t *testing.T) {
	incident := newID()
	c, _ := openClient(t, nil)
	enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "social_worker")
	id, err := c.SaveResident(&Resident{IncidentID: incident, GivenName: "Edith", FamilyName: "Barlow", NHSNumber: "9434765919",
		DateOfBirth: "1931-02-03", VeryFrail: Yes, AssessEarly: No, ExtraJSON: `{"carers":[{"name":"Jan Barlow","relationship":"daughter"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	got := fieldNames(lastChange(t, c))
	if got["very_frail"] != "true" || got["assess_early"] != "false" || got["carers"] == "" {
		t.Fatalf("fields written = %v", got)
	}
	if _, ok := got["end_of_life"]; ok {
		t.Fatal("an unanswered yes/no question was written")
	}

	t.Run("an update writes only what is set", func(t *testing.T) {
		if _, err := c.SaveResident(&Resident{ID: id, Room: "12"}); err != nil {
			t.Fatal(err)
		}
		if got := fieldNames(lastChange(t, c)); len(got) != 1 || got["room"] != `"12"` {
			t.Fatalf("update wrote %v", got)
		}
		r, err := c.Resident(id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Room != "12" || r.GivenName != "Edith" || r.VeryFrail != Yes || r.AssessEarly != No || r.EndOfLife != "" || !r.Pending {
			t.Fatalf("resident = %+v", r)
		}
		var all map[string]any
		if err := json.Unmarshal([]byte(r.FieldsJSON), &all); err != nil || all["carers"] == nil {
			t.Fatalf("FieldsJSON = %s", r.FieldsJSON)
		}
	})
	t.Run("bad yes/no", func(t *testing.T) {
		_, err := c.SaveResident(&Resident{ID: id, VeryFrail: "maybe"})
		if ErrorCode(err) != syncproto.CodeInvalidValue || ErrorField(err) != "fields.very_frail" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a field both typed and in ExtraJSON", func(t *testing.T) {
		if _, err := c.SaveResident(&Resident{ID: id, Room: "1", ExtraJSON: `{"room":"2"}`}); ErrorCode(err) != syncproto.CodeInvalidValue {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("listed by name", func(t *testing.T) {
		mustResident(t, c, incident, "Arthur", "Abbott")
		mustResident(t, c, newID(), "Other", "Incident")
		l, err := c.ResidentsOf(incident)
		if err != nil || l.Len() != 2 || l.At(0).FamilyName != "Abbott" || l.At(1).FamilyName != "Barlow" {
			t.Fatalf("ResidentsOf = %v, %v", l, err)
		}
	})
}

func TestClient_RecordCheck(t *testing.T) {
	incident := newID()
	now := time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)
	c, _ := openClient(t, func(cfg *Config) { cfg.Now = func() time.Time { return now } })
	enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "social_worker")
	rid := mustResident(t, c, incident, "Edith", "Barlow")

	first, err := c.RecordCheck(&SafeAndWellCheck{ResidentID: rid, Outcome: "safe_and_well", Seen: Yes, FeelsSafe: "yes", InOwnWords: "I'm fine, love"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.Check(first)
	if err != nil {
		t.Fatal(err)
	}
	if k.IncidentID != incident || k.VisitedAt != "2026-11-23T10:30:00Z" || k.Seen != Yes || k.PreviousCheckID != "" {
		t.Fatalf("first check = %+v", k)
	}
	now = now.Add(time.Hour)
	second, err := c.RecordCheck(&SafeAndWellCheck{ResidentID: rid, Outcome: "concerns", SafeguardingRaised: Yes, S42Reference: "S42-881"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.ChecksOf(rid)
	if err != nil || l.Len() != 2 || l.At(0).ID != second || l.At(1).ID != first {
		t.Fatalf("ChecksOf = %v, %v; want the latest first", l, err)
	}
	if l.At(0).PreviousCheckID != first {
		t.Fatalf("previous_check_id = %q, want %s", l.At(0).PreviousCheckID, first)
	}
	// Saving the same draft again updates it in place.
	if _, err := c.RecordCheck(&SafeAndWellCheck{ID: second, ResidentID: rid, Outcome: "concerns", Actions: "GP visit booked"}); err != nil {
		t.Fatal(err)
	}
	if l, _ := c.ChecksOf(rid); l.Len() != 2 || l.At(0).Actions != "GP visit booked" || l.At(0).S42Reference != "S42-881" {
		t.Fatalf("draft update: %+v", l.At(0))
	}
	if _, err := c.RecordCheck(&SafeAndWellCheck{ResidentID: rid, Outcome: "fine"}); ErrorField(err) != "fields.outcome" {
		t.Fatalf("bad outcome: %v", err)
	}
	if _, err := c.RecordCheck(&SafeAndWellCheck{ResidentID: newID(), Outcome: "not_seen"}); ErrorField(err) != "fields.incident_id" {
		t.Fatalf("check of a resident not on the device without an incident: %v", err)
	}
}

func TestClient_SignCapacityAssessment(t *testing.T) {
	incident := newID()
	c, _ := openClient(t, nil)
	enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "social_worker")
	rid := mustResident(t, c, incident, "Edith", "Barlow")
	decision := "where to live after the closure"
	// Stage 2 first: the order of the stages is not forced.
	aid, err := c.SaveCapacityAssessment(&CapacityAssessment{ResidentID: rid, Decision: decision, DecisionType: "accommodation", CanUnderstand: No, UnderstandEvidence: "could not recall the options"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SaveCapacityAssessment(&CapacityAssessment{ID: aid, Impairment: Yes, ImpairmentEvidence: "dementia diagnosis", CausativeNexus: Yes}); err != nil {
		t.Fatal(err)
	}
	if err := c.SignCapacityAssessment(aid, "Sam Social"); ErrorField(err) != "fields.outcome" {
		t.Fatalf("signing without an outcome: %v", err)
	}
	if _, err := c.SaveCapacityAssessment(&CapacityAssessment{ID: aid, Outcome: "lacks_capacity", AssessorName: "Sam Social"}); err != nil {
		t.Fatal(err)
	}
	// MCA 2005 s.1(3), ss.2-3: a signed "lacks capacity" records its evidence.
	if err := c.SignCapacityAssessment(aid, "Sam Social"); ErrorCode(err) != rules.CodeCapacityEvidenceMissing {
		t.Fatalf("signing 'lacks capacity' without the MCA evidence: %v", err)
	}
	if _, err := c.SaveCapacityAssessment(&CapacityAssessment{ID: aid, RelevantInformation: "two homes near her daughter", HowInformationGiven: "with photographs",
		PracticableSteps: "morning visit, key worker present", CausativeNexusEvidence: "because of the dementia",
		ExtraJSON: `{"sittings":[{"date":"2026-11-23"}]}`}); err != nil {
		t.Fatal(err)
	}
	if err := c.SignCapacityAssessment(aid, "Sam Social"); err != nil {
		t.Fatal(err)
	}
	a, err := c.CapacityAssessment(aid)
	if err != nil || a.SignedAt == "" || a.SignedBy != "Sam Social" || a.IncidentID != incident || a.CanUnderstand != No || a.Impairment != Yes {
		t.Fatalf("assessment = %+v, %v", a, err)
	}
	if _, err := c.SaveCapacityAssessment(&CapacityAssessment{ID: aid, Outcome: "has_capacity"}); ErrorCode(err) != rules.CodeAssessmentSigned {
		t.Fatalf("editing a signed assessment: %v", err)
	}
	if _, err := c.Put(CollectionCapacityAssessments, aid, `{"persons_decision":"stay"}`); ErrorCode(err) != rules.CodeAssessmentSigned {
		t.Fatalf("editing a signed assessment with Put: %v", err)
	}
	if err := c.SignCapacityAssessment(aid, "Sam Social"); ErrorCode(err) != rules.CodeAssessmentSigned {
		t.Fatalf("signing twice: %v", err)
	}
	next, err := c.SaveCapacityAssessment(&CapacityAssessment{ResidentID: rid, Decision: decision, SupersedesID: aid, Outcome: "has_capacity", PersonsDecision: "I want to live near my daughter"})
	if err != nil {
		t.Fatalf("superseding: %v", err)
	}
	if l, _ := c.CapacityAssessmentsOf(rid); l.Len() != 2 {
		t.Fatalf("assessments = %d", l.Len())
	}
	if _, err := c.SaveCapacityAssessment(&CapacityAssessment{ResidentID: rid, Decision: "something else", SupersedesID: aid}); ErrorCode(err) != rules.CodeSupersedesMismatch {
		t.Fatalf("superseding for another decision: %v", err)
	}
	_ = next
}

func TestClient_PlanMove(t *testing.T) {
	incident, home, dest := newID(), newID(), newID()
	c, _ := openClient(t, nil)
	enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "social_worker")
	rid, err := c.SaveResident(&Resident{IncidentID: incident, GivenName: "Edith", FamilyName: "Barlow", CurrentServiceID: home})
	if err != nil {
		t.Fatal(err)
	}
	// Tuesday 1 December 2026, 10:00 London time (GMT).
	mid, err := c.PlanMove(&Move{ResidentID: rid, ToServiceID: dest, PlannedAt: "2026-12-01T10:00:00Z", PlannedArrivalAt: "2026-12-01T11:00:00Z",
		Transport: "car", Escort: "Key worker Jo", EscortFamiliar: Yes, MedicationTravelling: Yes, ChosenBy: "resident"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Move(mid)
	if err != nil || m.Status != "planned" || m.FromServiceID != home || m.IncidentID != incident || m.EscortFamiliar != Yes {
		t.Fatalf("move = %+v, %v", m, err)
	}
	if l, _ := c.MovesOf(rid); l.Len() != 1 {
		t.Fatalf("moves = %d", l.Len())
	}
	other, err := c.SaveResident(&Resident{IncidentID: incident, GivenName: "Arthur", FamilyName: "Penn", CurrentServiceID: home})
	if err != nil {
		t.Fatal(err)
	}
	saturday := &Move{ResidentID: other, ToServiceID: dest, PlannedAt: "2026-12-05T22:00:00Z", PlannedArrivalAt: "2026-12-05T23:00:00Z"}
	if _, err := c.PlanMove(saturday); ErrorCode(err) != rules.CodeMoveOutOfHours {
		t.Fatalf("a Saturday-night move without a reason: %v", err)
	}
	saturday.OutOfHoursReason = "the home's fire alarm failed; no night staff"
	if _, err := c.PlanMove(saturday); err != nil {
		t.Fatalf("an out-of-hours move with a reason: %v", err)
	}
	if _, err := c.PlanMove(&Move{ID: mid, PlannedArrivalAt: "2026-12-01T09:00:00Z", PlannedAt: "2026-12-01T10:00:00Z"}); ErrorCode(err) != rules.CodeMoveEndsBeforeStart {
		t.Fatalf("arrival before departure: %v", err)
	}

	t.Run("legs", func(t *testing.T) {
		if _, err := c.LogMoveLeg(&MoveLeg{MoveID: mid, DepartedAt: "2026-12-01T10:05:00Z"}); ErrorCode(err) != syncproto.CodeForbiddenRole {
			t.Fatalf("a social worker logged a leg: %v", err)
		}
		c.mu.Lock()
		c.role = "transport_coordinator"
		c.mu.Unlock()
		lid, err := c.LogMoveLeg(&MoveLeg{MoveID: mid, DepartedAt: "2026-12-01T10:05:00Z", Vehicle: "WX21 ABC"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.LogMoveLeg(&MoveLeg{ID: lid, ArrivedAt: "2026-12-01T10:00:00Z"}); ErrorCode(err) != rules.CodeLegArrivesBeforeDeparture {
			t.Fatalf("arrival before departure: %v", err)
		}
		if _, err := c.LogMoveLeg(&MoveLeg{ID: lid, ArrivedAt: "2026-12-01T10:50:00Z", HandedOver: Yes, HandedOverAt: "2026-12-01T11:00:00Z", IdentityConfirmed: Yes}); err != nil {
			t.Fatal(err)
		}
		legs, err := c.LegsOf(mid)
		if err != nil || legs.Len() != 1 {
			t.Fatalf("legs = %v, %v", legs, err)
		}
		l := legs.At(0)
		if l.Sequence != 1 || l.IncidentID != incident || l.ArrivedAt != "2026-12-01T10:50:00Z" || l.HandedOver != Yes || l.Vehicle != "WX21 ABC" {
			t.Fatalf("leg = %+v", l)
		}
	})
}

func TestClient_AddDecisionLogNote(t *testing.T) {
	incident := newID()
	c, _ := openClient(t, nil)
	enrolFake(t, c, "http://127.0.0.1:1", "tab-1", "social_worker")
	id, err := c.AddDecisionLogNote(&DecisionNote{IncidentID: incident, Decision: "Move the residents of the first floor first", Rationale: "fire door fault", DecidedBy: "Pat Lead"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddDecisionLogNote(&DecisionNote{IncidentID: incident, Decision: "Hold the relatives' meeting at 4pm", DecidedBy: "Pat Lead"}); err != nil {
		t.Fatal(err)
	}
	l, err := c.DecisionLog(incident)
	if err != nil || l.Len() != 2 || l.At(0).DecidedAt == "" {
		t.Fatalf("log = %v, %v", l, err)
	}
	if _, err := c.AddDecisionLogNote(&DecisionNote{ID: id, IncidentID: incident, Decision: "x", DecidedBy: "y"}); ErrorCode(err) != rules.CodeLogAppendOnly {
		t.Fatalf("rewriting an entry: %v", err)
	}
	// No role may update a log entry: the permission table or the log rule
	// refuses it, whichever runs first.
	_, err = c.Put(CollectionDecisionLog, id, `{"rationale":"changed my mind"}`)
	if code := ErrorCode(err); code != syncproto.CodeForbiddenRole && code != rules.CodeLogAppendOnly {
		t.Fatalf("changing an entry with Put: %v", err)
	}
	if _, err := c.AddDecisionLogNote(&DecisionNote{IncidentID: incident, Decision: "no author"}); ErrorField(err) != "fields.decided_by" {
		t.Fatalf("missing decided_by: %v", err)
	}
}
