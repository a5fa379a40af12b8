package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/google/uuid"
)

// destEnv is a closure in progress for the destination tests: the failing
// home, an incident at Process 1, and the people who push.
type destEnv struct {
	e                                     *env
	inc, larkfield, larkfieldCare         string
	adminTok, qmoTok, headTok, kimTok     func() string
	boTok, directorTok                    func() string
	admin, qmo, head, kim, director, boss *writer
}

func newDestEnv(t *testing.T) *destEnv {
	e := newEnv(t)
	d := &destEnv{e: e, inc: uuid.NewString(), larkfield: uuid.NewString(), larkfieldCare: uuid.NewString()}
	d.adminTok = e.pfUser("ada", "admin", "admin-laptop")
	d.qmoTok = e.pfUser("quinn", "quality_officer", "qmo-laptop")
	d.headTok = e.pfUser("gail", "commissioner", "head-laptop", d.inc)
	d.directorTok = e.pfUser("martin", "director", "dir-laptop", d.inc)
	d.kimTok = e.pfUser("kim", "social_worker", "tab-kim", d.inc)
	d.boTok = e.pfUser("bea", "back_office", "desk-bea", "*")
	d.admin, d.qmo, d.head = newWriter("admin-laptop", e.clock.Now), newWriter("qmo-laptop", e.clock.Now), newWriter("head-laptop", e.clock.Now)
	d.kim, d.director, d.boss = newWriter("tab-kim", e.clock.Now), newWriter("dir-laptop", e.clock.Now), newWriter("desk-bea", e.clock.Now)
	d.run(t, []pfCase{
		{"Larkfield Care", d.adminTok, d.admin.upsert("providers", d.larkfieldCare, map[string]any{"name": "Larkfield Care Ltd", "regulated": true}), "applied"},
		{"Larkfield House", d.adminTok, d.admin.upsert("services", d.larkfield, map[string]any{"provider_id": d.larkfieldCare, "name": "Larkfield House",
			"service_type": "residential", "regulated": true, "registration_categories": []string{"residential", "residential_dementia"}, "local_authority": "Derby City Council"}), "applied"},
		{"003 s.10 (i) Process 1 with the Director", d.headTok, d.head.upsert("incidents", d.inc, map[string]any{"incident_id": d.inc, "provider_id": d.larkfieldCare,
			"service_ids": []string{d.larkfield}, "title": "Larkfield House closure", "trigger_criterion": "i", "process": 1, "status": "active",
			"activated_at": "2026-11-23T10:00:00Z", "reason": "Improvement measures not met.", "agreed_with": "Martin Coles", "agreed_with_role": "director"}), "applied"},
	})
	return d
}

// run pushes each case and stops at the first that does not give its want.
func (d *destEnv) run(t *testing.T, cs []pfCase) {
	t.Helper()
	for _, c := range cs {
		if !t.Run(c.name, func(t *testing.T) {
			r := d.e.pfPush(t, c.tok(), c.change)
			if got := statusesOf(r); got != c.want {
				t.Fatalf("got %s, want %s (%+v)", got, c.want, r.Results[0].Error)
			}
		}) {
			t.FailNow()
		}
	}
}

// home adds a care home of its own provider and returns the provider and
// service ids.
func (d *destEnv) home(t *testing.T, name string, service map[string]any) (string, string) {
	t.Helper()
	prov, svc := uuid.NewString(), uuid.NewString()
	f := map[string]any{"provider_id": prov, "name": name, "service_type": "residential", "regulated": true,
		"registration_categories": []string{"residential", "residential_dementia"}, "local_authority": "Derby City Council"}
	for k, v := range service {
		f[k] = v
	}
	d.run(t, []pfCase{
		{name + "'s provider", d.adminTok, d.admin.upsert("providers", prov, map[string]any{"name": name + " Ltd", "regulated": true}), "applied"},
		{name, d.adminTok, d.admin.upsert("services", svc, f), "applied"},
	})
	return prov, svc
}

// resident adds a resident of Larkfield House needing the category.
func (d *destEnv) resident(t *testing.T, given, category string) string {
	t.Helper()
	id := uuid.NewString()
	d.run(t, []pfCase{{given, d.kimTok, d.kim.upsert("residents", id, map[string]any{"incident_id": d.inc, "given_name": given, "family_name": "Test",
		"current_service_id": d.larkfield, "status": "in_placement", "registration_category": category, "funding_streams": []string{"la_funded"}}), "applied"}})
	return id
}

// move is a move of the resident from Larkfield House, planned on Monday
// 30 November 2026 at the hour given (within working hours).
func (d *destEnv) move(w *writer, id, resident, to, hour string, extra map[string]any) map[string]any {
	f := map[string]any{"incident_id": d.inc, "resident_id": resident, "from_service_id": d.larkfield, "to_service_id": to, "status": "planned",
		"planned_at": "2026-11-30T" + hour + ":00:00Z", "planned_arrival_at": "2026-11-30T" + hour + ":45:00Z", "chosen_by": "resident", "medication_travelling": true}
	for k, v := range extra {
		f[k] = v
	}
	return w.upsert("moves", id, f)
}

// TestServer_VacanciesAreConsumed reproduces "Vacancies are not enforced.
// Five completed dementia moves into a home declaring 3 residential-dementia
// places were accepted, and the vacancy still reads '3 places, accepting'":
// planned and completed moves use a home's places per category (003 Appendix
// 2, 2.9 "Seek an up-to-date list of other Providers with potential
// capacity"; 7.5 "can meet needs"); an over-booking is refused unless a
// commissioner records an override, and the suggestions offer only what is
// left.
func TestServer_VacanciesAreConsumed(t *testing.T) {
	d := newDestEnv(t)
	_, oakwood := d.home(t, "Oakwood Grange", nil)
	d.run(t, []pfCase{{"Oakwood Grange declares 3 residential-dementia places, accepting", d.boTok, d.boss.upsert("vacancies", uuid.NewString(), map[string]any{
		"service_id": oakwood, "category": "residential_dementia", "places": 3, "accepting": true, "as_of": "2026-11-23"}), "applied"}})
	res := make([]string, 6)
	for i, n := range []string{"Edith", "Harold", "Dorothy", "Wilfred", "Walter", "Nell"} {
		res[i] = d.resident(t, n, "residential_dementia")
	}
	mv := []string{uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()}
	overbook := map[string]any{"vacancy_override_reason": "Oakwood Grange agreed a fourth room on the phone; contract variation to follow.",
		"vacancy_override_by": "Gail Whitworth", "vacancy_override_role": "commissioner"}
	d.run(t, []pfCase{
		{"003 App.2 7.5 a first dementia place at Oakwood Grange", d.kimTok, d.move(d.kim, mv[0], res[0], oakwood, "10", nil), "applied"},
		{"a second", d.kimTok, d.move(d.kim, mv[1], res[1], oakwood, "11", nil), "applied"},
		{"the third and last place", d.kimTok, d.move(d.kim, mv[2], res[2], oakwood, "13", nil), "applied"},
		{"003 App.2 2.9 'potential capacity': a fourth dementia move beyond the 3 places declared is refused", d.kimTok, d.move(d.kim, mv[3], res[3], oakwood, "14", nil),
			"rejected:vacancy_overbooked@fields.to_service_id"},
		{"a fifth recorded as completed is refused too: a move is completed only along the seed's path, after its legs (7.11), never invented as completed", d.kimTok, d.move(d.kim, mv[4], res[4], oakwood, "15", map[string]any{
			"status": "completed", "care_plan_handed_over": true, "identity_confirmed": true, "records_handed_over": true, "completed_at": "2026-11-30T15:45:00Z"}),
			"rejected:move_not_arrived@fields.status"},
		{"a social worker may not record the commissioner's role for the override", d.kimTok, d.move(d.kim, mv[3], res[3], oakwood, "14", overbook),
			"rejected:override_not_permitted@fields.vacancy_override_role"},
		{"a social worker's own override is not a commissioner's", d.kimTok, d.move(d.kim, mv[3], res[3], oakwood, "14", map[string]any{
			"vacancy_override_reason": "family are keen", "vacancy_override_role": "social_worker"}), "rejected:override_not_permitted@fields.vacancy_override_reason"},
		{"the commissioner records an over-booking override with its reason", d.headTok, d.move(d.head, mv[3], res[3], oakwood, "14", overbook), "applied"},
	})

	t.Run("the suggestions offer no place left at Oakwood Grange", func(t *testing.T) {
		var out struct {
			Suggestions []struct {
				ResidentID string   `json:"resident_id"`
				ServiceID  string   `json:"service_id"`
				Reasons    []string `json:"reasons"`
			} `json:"suggestions"`
		}
		d.e.do("GET", "/v1/incidents/"+d.inc+"/suggestions", d.boTok(), nil).decode(t, &out)
		for _, s := range out.Suggestions {
			if s.ServiceID == oakwood {
				t.Errorf("%s is offered Oakwood Grange, whose 3 places are taken: %q", s.ResidentID, s.Reasons)
			}
		}
		found := false
		for _, s := range out.Suggestions {
			for _, r := range s.Reasons {
				found = found || strings.Contains(r, "no places left: 3 declared, 4 used by planned or completed moves")
			}
		}
		if !found {
			t.Errorf("no suggestion says what is left of Oakwood Grange's places: %+v", out.Suggestions)
		}
	})

	d.run(t, []pfCase{
		{"cancelling a move gives its place back, but the over-booking still uses one", d.kimTok, d.kim.upsert("moves", mv[0], map[string]any{"status": "cancelled", "cancelled_reason": "Edith's daughter chose another home."}), "applied"},
		{"so a fifth is still refused", d.kimTok, d.move(d.kim, mv[4], res[4], oakwood, "15", nil), "rejected:vacancy_overbooked@fields.to_service_id"},
		{"Harold's move is cancelled too", d.kimTok, d.kim.upsert("moves", mv[1], map[string]any{"status": "cancelled", "cancelled_reason": "Stays with his friends."}), "applied"},
		{"now a place is left for Walter", d.kimTok, d.move(d.kim, mv[4], res[4], oakwood, "15", nil), "applied"},
		{"a cancelled move is final (003 App.2 7.17): it is not revived to take a place again", d.kimTok, d.kim.upsert("moves", mv[0], map[string]any{"status": "planned"}), "rejected:move_transition_invalid@fields.status"},
	})
}

// TestServer_RAGTriggers reproduces "The Appendix 1 RAG tool is not applied.
// A quality officer rated a provider GREEN while its home is CQC Inadequate
// with an open safeguarding concern, and a move there was then accepted":
// a provider cannot be rated better than its triggers allow without a
// recorded reason, and a move's destination checks include CQC Inadequate
// and safeguarding concerns not yet resolved (003 Appendix 2, 7.6 "ensure
// there are no concerns about the Care Provider").
func TestServer_RAGTriggers(t *testing.T) {
	d := newDestEnv(t)
	redfernCare, redfern := d.home(t, "Redfern Court", map[string]any{"cqc_rating": "inadequate", "cqc_rated_on": "2026-11-05"})
	oakwoodCare, oakwood := d.home(t, "Oakwood Grange", map[string]any{"cqc_rating": "good"})
	belperCare, _ := d.home(t, "Belper Riverside", map[string]any{"cqc_rating": "good"})
	spondonCare, _ := d.home(t, "Spondon Rise", map[string]any{"cqc_rating": "good"})
	edith, harold := d.resident(t, "Edith", "residential"), d.resident(t, "Harold", "residential")
	rag := func(w *writer, prov, status, role string, extra map[string]any) map[string]any {
		// Each step a minute after the last, so the latest is plain.
		d.e.clock.Advance(time.Minute)
		f := map[string]any{"provider_id": prov, "status": status, "reason": "QMT RAG tool applied", "decided_at": d.e.clock.Now().UTC().Format(time.RFC3339),
			"decided_by": role, "decided_by_role": role}
		for k, v := range extra {
			f[k] = v
		}
		return w.upsert("rag_statuses", uuid.NewString(), f)
	}
	safeguarding := func(prov, svc, ref string) map[string]any {
		return d.qmo.upsert("concerns", uuid.NewString(), map[string]any{"provider_id": prov, "service_id": svc, "source": "safeguarding", "raised_on": "2026-11-20",
			"description": "Safeguarding alerts: missed medication.", "safeguarding_reference": ref, "status": "open"})
	}
	mvRedfern, mvOakwood := uuid.NewString(), uuid.NewString()
	override := map[string]any{"destination_override_reason": "The s.42 enquiry found no risk to new residents; daily QMO visits agreed.",
		"destination_override_by": "Gail Whitworth", "destination_override_role": "commissioner"}
	d.run(t, []pfCase{
		{"an open safeguarding concern about Redfern Court", d.qmoTok, safeguarding(redfernCare, redfern, "MASH-2026-11-0412"), "applied"},
	})
	t.Run("003 App.1 the refusal quotes the RAG tool's words for every trigger met", func(t *testing.T) {
		r := d.e.pfPush(t, d.qmoTok(), rag(d.qmo, redfernCare, "GREEN", "quality_officer", nil))
		if r.Results[0].Error == nil {
			t.Fatal("applied")
		}
		for _, words := range []string{"CQC Rating of Inadequate and/or Warning Notices", "Safeguarding's / Whistle blows (not yet resolved)"} {
			if !strings.Contains(r.Results[0].Error.Message, words) {
				t.Errorf("message %q does not quote %q", r.Results[0].Error.Message, words)
			}
		}
	})
	d.run(t, []pfCase{
		{"003 App.1 'CQC Rating of Inadequate and/or Warning Notices' is RED: the QMO may not rate Redfern GREEN", d.qmoTok, rag(d.qmo, redfernCare, "GREEN", "quality_officer", nil),
			"rejected:rag_below_triggers@fields.below_triggers_reason"},
		{"nor AMBER without saying why", d.qmoTok, rag(d.qmo, redfernCare, "AMBER", "quality_officer", nil), "rejected:rag_below_triggers@fields.below_triggers_reason"},
		{"003 App.2 7.6 'ensure there are no concerns about the Care Provider': no move to a CQC Inadequate home", d.kimTok, d.move(d.kim, mvRedfern, edith, redfern, "10", nil),
			"rejected:destination_cqc_inadequate@fields.to_service_id"},
		{"a social worker's override is not the commissioner's", d.kimTok, d.move(d.kim, mvRedfern, edith, redfern, "10", map[string]any{
			"destination_override_reason": "family are keen", "destination_override_role": "social_worker"}), "rejected:override_not_permitted@fields.destination_override_reason"},
		{"003 App.1 the QMO records AMBER with the reason it is below the triggers (RED recommended)", d.qmoTok, rag(d.qmo, redfernCare, "AMBER", "quality_officer", map[string]any{
			"below_triggers_reason": "RED recommended to the Head of Adults Commissioning, who agrees AMBER to RED."}), "applied"},
		{"003 App.1 the Head of Adults Commissioning agrees RED", d.headTok, rag(d.head, redfernCare, "RED", "commissioner", map[string]any{"previous_status": "AMBER"}), "applied"},
		{"003 App.1 de-escalating below the triggers needs a reason too", d.headTok, rag(d.head, redfernCare, "AMBER", "commissioner", map[string]any{"previous_status": "RED"}),
			"rejected:rag_below_triggers@fields.below_triggers_reason"},

		{"an open safeguarding concern about Oakwood Grange", d.qmoTok, safeguarding(oakwoodCare, oakwood, "S42-2026-0031"), "applied"},
		{"003 App.1 \"Safeguarding's / Whistle blows (not yet resolved)\" is AMBER: not GREEN", d.qmoTok, rag(d.qmo, oakwoodCare, "GREEN", "quality_officer", nil),
			"rejected:rag_below_triggers@fields.below_triggers_reason"},
		{"AMBER is what the triggers give", d.qmoTok, rag(d.qmo, oakwoodCare, "AMBER", "quality_officer", nil), "applied"},
		{"003 App.2 7.6 no move to a home with a safeguarding concern not yet resolved", d.kimTok, d.move(d.kim, mvOakwood, harold, oakwood, "11", nil),
			"rejected:destination_safeguarding_concern@fields.to_service_id"},
		{"003 App.2 7.6 the commissioner's recorded override", d.headTok, d.move(d.head, mvOakwood, harold, oakwood, "11", override), "applied"},

		{"003 s.9 the Director suspends contracting with Belper Care", d.directorTok, d.director.upsert("providers", belperCare, map[string]any{"contracting_suspended": true,
			"suspended_on": "2026-11-23", "suspension_reason": "Director's decision on the QMT report."}), "applied"},
		{"003 App.1 'Suspension (including voluntary)' is RED: not GREEN", d.qmoTok, rag(d.qmo, belperCare, "GREEN", "quality_officer", nil),
			"rejected:rag_below_triggers@fields.below_triggers_reason"},
		{"Spondon Care is GREEN: no trigger met", d.qmoTok, rag(d.qmo, spondonCare, "GREEN", "quality_officer", nil), "applied"},
		{"then a whistle blow about Spondon Rise", d.qmoTok, d.qmo.upsert("concerns", uuid.NewString(), map[string]any{"provider_id": spondonCare, "source": "whistleblowing",
			"raised_on": "2026-11-23", "description": "Night staffing below the rota.", "status": "open"}), "applied"},
	})

	t.Run("003 App.1 the provider register shows each provider's triggers and flags a rating below them", func(t *testing.T) {
		var out struct {
			Providers []struct {
				ProviderID    string `json:"provider_id"`
				RAG           string `json:"rag"`
				RAGFloor      string `json:"rag_floor"`
				BelowTriggers bool   `json:"below_triggers"`
				RAGTriggers   []struct {
					Code, Level, Words string
				} `json:"rag_triggers"`
				RAGHistory []struct {
					Status              string `json:"status"`
					BelowTriggersReason string `json:"below_triggers_reason"`
				} `json:"rag_history"`
			} `json:"providers"`
		}
		d.e.do("GET", "/v1/providers", d.qmoTok(), nil).decode(t, &out)
		seen := 0
		for _, p := range out.Providers {
			var words []string
			for _, tr := range p.RAGTriggers {
				words = append(words, tr.Words)
			}
			got := p.RAG + "/" + p.RAGFloor + "/" + strings.Join(words, "; ")
			switch p.ProviderID {
			case redfernCare:
				seen++
				if want := "RED/RED/CQC Rating of Inadequate and/or Warning Notices; Safeguarding's / Whistle blows (not yet resolved)"; got != want || p.BelowTriggers {
					t.Errorf("Redfern: %s below %v, want %s", got, p.BelowTriggers, want)
				}
				reasons := 0
				for _, h := range p.RAGHistory {
					if h.Status == "AMBER" && h.BelowTriggersReason != "" {
						reasons++
					}
				}
				if reasons != 1 {
					t.Errorf("Redfern's AMBER step does not carry its below_triggers_reason: %+v", p.RAGHistory)
				}
			case belperCare:
				seen++
				if want := "/RED/Suspension (including voluntary)"; got != want || p.BelowTriggers {
					t.Errorf("Belper: %s below %v, want %s", got, p.BelowTriggers, want)
				}
			case spondonCare:
				seen++
				if want := "GREEN/AMBER/Safeguarding's / Whistle blows (not yet resolved)"; got != want || !p.BelowTriggers {
					t.Errorf("Spondon: %s below %v, want %s and below", got, p.BelowTriggers, want)
				}
			}
		}
		if seen != 3 {
			t.Errorf("register has %d of the 3 providers", seen)
		}
	})

}

// TestServer_VacanciesConcurrentPushes: devices pushing at once for the last
// places of a home get exactly as many moves applied as there are places;
// the others are refused with vacancy_overbooked, on either store (the
// PostgreSQL store re-checks a push's finds before it commits).
func TestServer_VacanciesConcurrentPushes(t *testing.T) {
	d := newDestEnv(t)
	_, oakwood := d.home(t, "Oakwood Grange", nil)
	d.run(t, []pfCase{{"Oakwood Grange declares 2 residential places", d.boTok, d.boss.upsert("vacancies", uuid.NewString(), map[string]any{
		"service_id": oakwood, "category": "residential", "places": 2, "accepting": true, "as_of": "2026-11-23"}), "applied"}})
	const devices = 5
	res, toks := make([]string, devices), make([]string, devices)
	for i := range devices {
		res[i] = d.resident(t, fmt.Sprint("Resident ", i), "residential")
		toks[i] = d.e.token(fmt.Sprint("sw", i), "social_worker", fmt.Sprint("tab-sw", i), d.inc)
	}
	var wg sync.WaitGroup
	got := make([]string, devices)
	for i := range devices {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w := newWriter(fmt.Sprint("tab-sw", i), d.e.clock.Now)
			r := d.e.do("POST", "/v1/sync/push", toks[i], map[string]any{"changes": []map[string]any{d.move(w, uuid.NewString(), res[i], oakwood, "10", nil)}})
			var out syncproto.PushResponse
			if r.Status != 200 || json.Unmarshal(r.Body, &out) != nil || len(out.Results) != 1 {
				t.Errorf("push %d: %d %s", i, r.Status, r.Body)
				return
			}
			got[i] = statusesOf(out)
		}(i)
	}
	wg.Wait()
	counts := map[string]int{}
	for _, g := range got {
		counts[g]++
	}
	if counts["applied"] != 2 || counts["rejected:vacancy_overbooked@fields.to_service_id"] != devices-2 {
		t.Errorf("results %v: want 2 applied and %d vacancy_overbooked", counts, devices-2)
	}
}
