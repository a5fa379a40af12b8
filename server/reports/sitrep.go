package reports

import (
	"io"
	"sort"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// MoveLine is one move on the Director's report.
type MoveLine struct {
	MoveID       string `json:"move_id"`
	ResidentID   string `json:"resident_id"`
	ResidentName string `json:"resident_name"`
	Status       string `json:"status"`
	ToService    string `json:"to_service"`
	// When is the completion time for a move done, the planned departure
	// for one planned (RFC 3339; "" when unknown).
	When string `json:"when,omitempty"`
	// Handover says how a completed move was handed over: full or
	// override.
	Handover string `json:"handover,omitempty"`
	// HoldReason says why a move on hold waits.
	HoldReason string `json:"hold_reason,omitempty"`
}

// EventLine is a death or hospital admission on the Director's report.
type EventLine struct {
	EventID      string `json:"event_id"`
	ResidentID   string `json:"resident_id"`
	ResidentName string `json:"resident_name"`
	Event        string `json:"event"`
	OccurredAt   string `json:"occurred_at"`
	Place        string `json:"place,omitempty"`
	// FamilyInformed, CQCNotified and CoronerNotified are when each was
	// told ("" when not yet).
	FamilyInformed  string `json:"family_informed,omitempty"`
	CQCNotified     string `json:"cqc_notified,omitempty"`
	CoronerRelevant bool   `json:"coroner_relevant,omitempty"`
	CoronerNotified string `json:"coroner_notified,omitempty"`
}

// RiskLine is a current risk on the Director's report.
type RiskLine struct {
	RiskID       string `json:"risk_id"`
	Risk         string `json:"risk"`
	Level        string `json:"level"`
	Status       string `json:"status"`
	Mitigation   string `json:"mitigation,omitempty"`
	Owner        string `json:"owner,omitempty"`
	ReviewBy     string `json:"review_by,omitempty"`
	ResidentName string `json:"resident_name,omitempty"`
}

// CommunicationLine is a communication on the Director's report.
type CommunicationLine struct {
	ID         string `json:"id"`
	OccurredAt string `json:"occurred_at"`
	Party      string `json:"party"`
	WithWhom   string `json:"with_whom,omitempty"`
	Channel    string `json:"channel"`
	Direction  string `json:"direction"`
	Summary    string `json:"summary"`
}

// SituationReport is the Director's daily situation report: the summary,
// the provider's RAG, moves done since the last report and planned, deaths
// and admissions, overdue checks and reviews, open conflicts, current risks
// and communications since the last report.
type SituationReport struct {
	IncidentID    string    `json:"incident_id"`
	IncidentTitle string    `json:"incident_title,omitempty"`
	GeneratedAt   time.Time `json:"generated_at"`
	// Since and Until are the period reported on: what happened in it
	// (moves done, deaths, admissions, communications, decisions) is listed;
	// what stands now (plans, holds, overdue work) is as of GeneratedAt.
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Process  int       `json:"process"`
	Status   string    `json:"status,omitempty"`
	Provider string    `json:"provider,omitempty"`
	// RAG is the provider's current QMT RAG status ("" when the reader may
	// not see it or none is recorded).
	RAG     string  `json:"rag,omitempty"`
	Summary Summary `json:"summary"`
	// MovesDone are the moves completed in the period; MovesPlanned those
	// planned or in transit, soonest first.
	MovesDone    []MoveLine `json:"moves_done"`
	MovesPlanned []MoveLine `json:"moves_planned"`
	// MovesOnHold are moves waiting (e.g. for a hospital discharge), with
	// the reason.
	MovesOnHold []MoveLine `json:"moves_on_hold"`
	// PostMoveOutstanding is the work after moves not yet done, earliest
	// due first (GP 7.22, DWP 7.26, contract 7.27, placing authority 7.23).
	PostMoveOutstanding []PostMoveTask `json:"post_move_outstanding"`
	// DoLSToRequest are the people who moved under a DoLS authorisation and
	// need a new request at their new home (3.10).
	DoLSToRequest []DoLSToRequest `json:"dols_to_request"`
	// Deaths and Admissions are those that happened in the period.
	Deaths     []EventLine `json:"deaths"`
	Admissions []EventLine `json:"admissions"`
	// OverdueChecks are residents due a safe-and-well check; OverdueReviews
	// post-move reviews past their date.
	OverdueChecks  []DueResident `json:"overdue_checks"`
	OverdueReviews []DueReview   `json:"overdue_reviews"`
	OpenConflicts  int           `json:"open_conflicts"`
	// OverdueItems are the checklist items past their due date, in the
	// seed's order (summary checklist_overdue).
	OverdueItems []OverdueItem `json:"overdue_items"`
	// Risks are the current entries of the risk log (not superseded, not
	// closed), highest level first.
	Risks []RiskLine `json:"risks"`
	// Communications are those in the period, earliest first.
	Communications []CommunicationLine `json:"communications"`
	// Decisions are the decision-log entries of the period, oldest first.
	Decisions []DecisionEntry `json:"decisions"`
	// Today is the report's day (Europe/London); Days are moves and checks
	// per calendar day, for the charts.
	Today string       `json:"today"`
	Days  []DayFigures `json:"days"`
}

// riskRank orders risk levels, highest first.
var riskRank = map[string]int{"very_high": 0, "high": 1, "medium": 2, "low": 3}

// Situation works out the Director's situation report for the period from
// since to until (both included; until is at most now), as of now.
func Situation(d Data, now, since, until time.Time) SituationReport {
	if until.IsZero() || until.After(now) {
		until = now
	}
	ix := newIndex(d)
	sum := Summarize(d, now)
	inc := ix.incident()
	rep := SituationReport{IncidentID: d.IncidentID, IncidentTitle: sum.IncidentTitle, GeneratedAt: now.UTC(), Since: since.UTC(), Until: until.UTC(),
		MovesOnHold: []MoveLine{}, PostMoveOutstanding: sum.PostMove.Tasks, DoLSToRequest: sum.DoLSToRequest,
		Process: integer(inc, "process"), Status: str(inc, "status"), Summary: sum,
		MovesDone: []MoveLine{}, MovesPlanned: []MoveLine{}, Deaths: []EventLine{}, Admissions: []EventLine{},
		OverdueChecks: sum.SafeAndWell.DueResidents, OverdueReviews: sum.Reviews.OverdueReviews, OpenConflicts: sum.Conflicts.Open, OverdueItems: sum.ChecklistOverdue,
		Risks: []RiskLine{}, Communications: []CommunicationLine{}}
	prov := str(inc, "provider_id")
	rep.Provider = str(ix.get("providers", prov), "name")
	var latest *syncproto.Record
	for _, r := range ix.all("rag_statuses") {
		if str(r, "provider_id") == prov && (latest == nil || instant(r, "decided_at").After(instant(latest, "decided_at"))) {
			latest = r
		}
	}
	rep.RAG = str(latest, "status")
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(since) && !t.After(until) }
	voided := voidedMoves(ix)
	legs := map[string][]*syncproto.Record{}
	for _, lg := range ix.all("move_legs") {
		legs[str(lg, "move_id")] = append(legs[str(lg, "move_id")], lg)
	}
	for _, m := range ix.all("moves") {
		res := ix.get("residents", str(m, "resident_id"))
		line := MoveLine{MoveID: m.ID, ResidentID: str(m, "resident_id"), ResidentName: residentName(res), Status: str(m, "status"),
			ToService: serviceName(ix, str(m, "to_service_id"))}
		switch line.Status {
		case moveCompleted:
			if voided[m.ID] {
				continue
			}
			done := domain.WhereaboutsMoveOf(m, legs[m.ID]).CompletedAt
			for _, c := range ix.all(domain.MoveCorrections) {
				if str(c, "move_id") == m.ID && rules.CorrectionKind(str(c, "kind")) == rules.CorrectionCompletedAt && !instant(c, "completed_at").IsZero() {
					done = instant(c, "completed_at")
				}
			}
			if !in(done) {
				continue
			}
			line.When = done.Format(time.RFC3339)
			line.Handover = "full"
			if len(handoverOf(ix, m).Missing()) > 0 {
				line.Handover = "override"
			}
			rep.MovesDone = append(rep.MovesDone, line)
		case movePlanned, moveInTransit:
			if t := instant(m, "planned_at"); !t.IsZero() {
				line.When = t.Format(time.RFC3339)
			}
			rep.MovesPlanned = append(rep.MovesPlanned, line)
		case moveOnHold:
			if t := instant(m, "planned_at"); !t.IsZero() {
				line.When = t.Format(time.RFC3339)
			}
			line.HoldReason = str(m, "hold_reason")
			rep.MovesOnHold = append(rep.MovesOnHold, line)
		}
	}
	byWhen := func(ls []MoveLine) {
		sort.Slice(ls, func(i, j int) bool {
			if ls[i].When != ls[j].When {
				return ls[i].When < ls[j].When
			}
			return ls[i].MoveID < ls[j].MoveID
		})
	}
	byWhen(rep.MovesDone)
	byWhen(rep.MovesPlanned)
	byWhen(rep.MovesOnHold)
	for _, e := range effectiveEvents(ix) {
		at := instant(e, "occurred_at")
		if !in(at) {
			continue
		}
		res := ix.get("residents", str(e, "resident_id"))
		line := EventLine{EventID: e.ID, ResidentID: str(e, "resident_id"), ResidentName: residentName(res), Event: str(e, "event"),
			OccurredAt: at.Format(time.RFC3339), Place: firstOf(str(e, "hospital"), str(e, "place")), FamilyInformed: str(e, "family_informed_at"),
			CQCNotified: str(e, "cqc_notified_at"), CoronerRelevant: boolean(e, "coroner_relevant"), CoronerNotified: str(e, "coroner_notified_at")}
		switch line.Event {
		case "death":
			rep.Deaths = append(rep.Deaths, line)
		case "hospital_admission":
			rep.Admissions = append(rep.Admissions, line)
		}
	}
	for _, ls := range [][]EventLine{rep.Deaths, rep.Admissions} {
		sort.Slice(ls, func(i, j int) bool { return ls[i].OccurredAt+ls[i].EventID < ls[j].OccurredAt+ls[j].EventID })
	}
	superseded := map[string]bool{}
	for _, r := range ix.all("risk_log") {
		if id := str(r, "supersedes_id"); id != "" {
			superseded[id] = true
		}
	}
	for _, r := range ix.all("risk_log") {
		if superseded[r.ID] || str(r, "status") == "closed" {
			continue
		}
		rep.Risks = append(rep.Risks, RiskLine{RiskID: r.ID, Risk: str(r, "risk"), Level: str(r, "level"), Status: str(r, "status"),
			Mitigation: str(r, "mitigation"), Owner: str(r, "owner"), ReviewBy: str(r, "review_by"),
			ResidentName: residentName(ix.get("residents", str(r, "resident_id")))})
	}
	sort.Slice(rep.Risks, func(i, j int) bool {
		a, b := rep.Risks[i], rep.Risks[j]
		if riskRank[a.Level] != riskRank[b.Level] {
			return riskRank[a.Level] < riskRank[b.Level]
		}
		return a.RiskID < b.RiskID
	})
	for _, c := range ix.all("communications_log") {
		at := instant(c, "occurred_at")
		if !in(at) {
			continue
		}
		rep.Communications = append(rep.Communications, CommunicationLine{ID: c.ID, OccurredAt: at.Format(time.RFC3339), Party: str(c, "party"),
			WithWhom: str(c, "with_whom"), Channel: str(c, "channel"), Direction: str(c, "direction"), Summary: str(c, "summary")})
	}
	sort.Slice(rep.Communications, func(i, j int) bool {
		a, b := rep.Communications[i], rep.Communications[j]
		return a.OccurredAt+a.ID < b.OccurredAt+b.ID
	})
	rep.Decisions = []DecisionEntry{}
	for _, e := range DecisionLog(d) {
		if in(e.DecidedAt) {
			rep.Decisions = append(rep.Decisions, e)
		}
	}
	rep.Today, rep.Days = sum.Today, dailyFigures(ix)
	return rep
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Metrics returns the report's figures as metric rows (the CSV): the
// period's counts, then every figure of the summary.
func (r SituationReport) Metrics() []Metric {
	out := []Metric{
		{"situation.moves_done_in_period", len(r.MovesDone)},
		{"situation.moves_planned", len(r.MovesPlanned)},
		{"situation.moves_on_hold", len(r.MovesOnHold)},
		{"situation.post_move_outstanding", len(r.PostMoveOutstanding)},
		{"situation.dols_to_request", len(r.DoLSToRequest)},
		{"situation.deaths_in_period", len(r.Deaths)},
		{"situation.admissions_in_period", len(r.Admissions)},
		{"situation.overdue_checks", len(r.OverdueChecks)},
		{"situation.overdue_reviews", len(r.OverdueReviews)},
		{"situation.checklist_overdue", len(r.OverdueItems)},
		{"situation.open_conflicts", r.OpenConflicts},
		{"situation.current_risks", len(r.Risks)},
		{"situation.communications_in_period", len(r.Communications)},
	}
	return append(out, r.Summary.Metrics()...)
}

// WriteSituationCSV writes the report's figures as metric,value rows.
func WriteSituationCSV(w io.Writer, r SituationReport) error {
	return WriteCSV(w, r.Metrics())
}

// TransferSummary is what travels with a resident to the receiving home
// (003 Appendix 2, 7.15 "Care summaries, including care plan that details
// health and social care needs", 7.20 medication and treatment, 7.21
// identification, 7.24 information and summaries): care needs, medication,
// contacts, preferences and the person's own words.
type TransferSummary struct {
	ResidentID           string             `json:"resident_id"`
	IncidentID           string             `json:"incident_id"`
	GeneratedAt          time.Time          `json:"generated_at"`
	Name                 string             `json:"name"`
	PreferredName        string             `json:"preferred_name,omitempty"`
	DateOfBirth          string             `json:"date_of_birth,omitempty"`
	NHSNumber            string             `json:"nhs_number,omitempty"`
	RegistrationCategory string             `json:"registration_category,omitempty"`
	Funding              []string           `json:"funding"`
	NeedsSummary         string             `json:"needs_summary,omitempty"`
	CommunicationNeeds   string             `json:"communication_needs,omitempty"`
	MedicationSummary    string             `json:"medication_summary,omitempty"`
	GP                   string             `json:"gp,omitempty"`
	Equipment            []schema.Equipment `json:"equipment"`
	DoLSStatus           string             `json:"dols_status,omitempty"`
	// DoLSNote says what the receiving home must do about DoLS: a new
	// request when the person moved under an authorisation (3.10).
	DoLSNote    string                   `json:"dols_note,omitempty"`
	DoLSExpiry  string                   `json:"dols_expiry,omitempty"`
	Attorneys   []schema.PowerOfAttorney `json:"attorneys"`
	Contacts    []schema.Carer           `json:"contacts"`
	Preferences string                   `json:"preferences,omitempty"`
	// InOwnWords is what matters to the person, in their own words
	// (about_me), and LatestSaid what they said at the latest check or
	// review.
	InOwnWords string `json:"in_own_words,omitempty"`
	LatestSaid string `json:"latest_said,omitempty"`
	// FromService and ToService name the homes; MoveID and PlannedAt the
	// move, when one is planned or done.
	FromService string `json:"from_service,omitempty"`
	ToService   string `json:"to_service,omitempty"`
	MoveID      string `json:"move_id,omitempty"`
	PlannedAt   string `json:"planned_at,omitempty"`
	// HandoverMissing lists hand-over items not yet done.
	HandoverMissing []string `json:"handover_missing"`
	// Capacity is the outcome of the latest capacity assessment for the
	// move, and BestInterests the decision reached, if any.
	Capacity      string `json:"capacity,omitempty"`
	BestInterests string `json:"best_interests,omitempty"`
}

// Transfer works out the transfer summary of one resident of the incident;
// ok is false when the resident is not one of the incident's.
func Transfer(d Data, residentID string, now time.Time) (TransferSummary, bool) {
	ix := newIndex(d)
	r := ix.get("residents", residentID)
	if r == nil {
		return TransferSummary{}, false
	}
	t := TransferSummary{ResidentID: r.ID, IncidentID: d.IncidentID, GeneratedAt: now.UTC(), Name: residentName(r),
		PreferredName: str(r, "preferred_name"), DateOfBirth: str(r, "date_of_birth"), NHSNumber: str(r, "nhs_number"),
		RegistrationCategory: str(r, "registration_category"), Funding: schema.FundingStreamsOf(r), NeedsSummary: str(r, "needs_summary"),
		CommunicationNeeds: str(r, "communication_needs"), MedicationSummary: str(r, "medication_summary"), GP: str(r, "gp"),
		DoLSStatus: str(r, "dols_status"), DoLSExpiry: str(r, "dols_expiry"), Preferences: str(r, "preferences"), InOwnWords: str(r, "about_me"),
		FromService: serviceName(ix, str(r, "current_service_id")), Equipment: []schema.Equipment{}, Attorneys: []schema.PowerOfAttorney{},
		Contacts: []schema.Carer{}, HandoverMissing: []string{}}
	if t.Funding == nil {
		t.Funding = []string{}
	}
	switch t.DoLSStatus {
	case schema.DoLSNewRequestNeeded:
		t.DoLSNote = "The DoLS authorisation did not follow the person: as managing authority, request a new authorisation from the DOLS Team (003 Appendix 2, 3.10)."
	case schema.DoLSAuthorised, schema.DoLSUrgent, schema.DoLSRequested:
		t.DoLSNote = "The DoLS authorisation is for the current home only: once the person moves, the new home must request a new one (003 Appendix 2, 3.10)."
	}
	_ = jsonUnmarshal(value(r, "equipment"), &t.Equipment)
	_ = jsonUnmarshal(value(r, "lpa"), &t.Attorneys)
	_ = jsonUnmarshal(value(r, "carers"), &t.Contacts)
	for _, p := range []*[]schema.Equipment{&t.Equipment} {
		if *p == nil {
			*p = []schema.Equipment{}
		}
	}
	if t.Attorneys == nil {
		t.Attorneys = []schema.PowerOfAttorney{}
	}
	if t.Contacts == nil {
		t.Contacts = []schema.Carer{}
	}
	var said time.Time
	for _, col := range []string{"safe_and_well_checks", "post_move_reviews"} {
		for _, c := range ix.all(col) {
			if str(c, "resident_id") != r.ID || str(c, "in_own_words") == "" {
				continue
			}
			at := instant(c, "visited_at")
			if at.After(said) || (said.IsZero() && t.LatestSaid == "") {
				said, t.LatestSaid = at, str(c, "in_own_words")
			}
		}
	}
	var move *syncproto.Record
	for _, m := range ix.all("moves") {
		if str(m, "resident_id") != r.ID || str(m, "status") == moveCancelled {
			continue
		}
		if move == nil || instant(m, "planned_at").After(instant(move, "planned_at")) {
			move = m
		}
	}
	if move != nil {
		t.MoveID, t.PlannedAt = move.ID, str(move, "planned_at")
		t.FromService = serviceName(ix, str(move, "from_service_id"))
		t.ToService = serviceName(ix, str(move, "to_service_id"))
		t.HandoverMissing = append(t.HandoverMissing, handoverOf(ix, move).Missing()...)
	}
	var ca *syncproto.Record
	for _, a := range ix.all("capacity_assessments") {
		if str(a, "resident_id") == r.ID && str(a, "decision_type") == "accommodation" && (ca == nil || str(a, "supersedes_id") == ca.ID) {
			ca = a
		}
	}
	t.Capacity = str(ca, "outcome")
	for _, b := range ix.all("best_interests_decisions") {
		if str(b, "resident_id") == r.ID && str(b, "decision_reached") != "" {
			t.BestInterests = str(b, "decision_reached")
		}
	}
	return t, true
}
