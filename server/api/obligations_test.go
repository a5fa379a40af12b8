package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// pulledFields pulls everything the token may read and returns each
// record's current field values, by collection and id.
func pulledFields(t *testing.T, e *env, token string) map[string]map[string]map[string]any {
	t.Helper()
	changes, _, _ := e.pullAll(token, "", 1000)
	st := pfState{}
	st.apply(changes...)
	out := map[string]map[string]map[string]any{}
	for _, r := range st {
		if r.Deleted() {
			continue
		}
		f := map[string]any{}
		for name, v := range r.Fields {
			var x any
			if json.Unmarshal(v.Value, &x) == nil {
				f[name] = x
			}
		}
		if out[r.Collection] == nil {
			out[r.Collection] = map[string]map[string]any{}
		}
		out[r.Collection][r.ID] = f
	}
	return out
}

// obligationCase is one push of an obligation's record: want is the
// result ("applied", or "rejected:code@field") and say a phrase the
// refusal's message must contain, in plain words naming the field.
type obligationCase struct {
	name      string
	tok       func() string
	change    map[string]any
	want, say string
}

// runObligationCases pushes each case in order and checks its result and
// the words of a refusal.
func runObligationCases(t *testing.T, w *moveWorld, cases []obligationCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := w.e.pfPush(t, tc.tok(), tc.change)
			if got := statusesOf(res); got != tc.want {
				t.Fatalf("got %s, want %s (%+v)", got, tc.want, res.Results[0].Error)
			}
			if tc.say == "" {
				return
			}
			msg := res.Results[0].Error.Message
			if !strings.Contains(msg, tc.say) {
				t.Fatalf("message %q does not say %q", msg, tc.say)
			}
			field := strings.TrimPrefix(res.Results[0].Error.Field, "fields.")
			if strings.Contains(field, "_") && strings.Contains(msg, field) {
				t.Fatalf("message %q names the field by its code name %q, not in words", msg, field)
			}
		})
	}
}

// TestObligations_EachRecordTypeAcceptsValidRefusesInvalid: each record
// type of the seed's obligations (003 s.3, s.10, s.11, Schedule B;
// Appendix 2, 2.9, 2.12, 2.16, 2.19, 4.5, 4.10, 8.1, 10.3) is accepted
// when valid and refused, with a plain message naming the field, when not.
func TestObligations_EachRecordTypeAcceptsValidRefusesInvalid(t *testing.T) {
	w := newMoveWorld(t)
	edith := w.resident(t, "Edith", nil)
	mv := uuid.NewString()
	w.mustApply(t, w.kimTok, w.kim.upsert("moves", mv, w.move(edith, nil)))
	inc := w.inc
	with := func(base map[string]any, extra map[string]any) map[string]any {
		f := map[string]any{"incident_id": inc}
		for k, v := range base {
			f[k] = v
		}
		for k, v := range extra {
			if v == nil {
				delete(f, k)
				continue
			}
			f[k] = v
		}
		return f
	}
	notice := map[string]any{"recipient_kind": "cqc", "recipient": "CQC East Midlands", "notified_at": "2026-11-20T09:00:00Z", "channel": "email",
		"acknowledged_by": "CQC inspector", "acknowledged_by_kind": "other", "acknowledged_at": "2026-11-20T11:00:00Z"}
	plan := map[string]any{"audience": "families_carers", "told_by": "Kim Adams, lead social worker", "method": "in_person", "planned_at": "2026-11-21T10:00:00Z",
		"script": "The home is closing; we will help you choose", "script_agreed_by": "Comms officer", "status": "agreed"}
	staff := map[string]any{"service_id": w.larkfield, "recorded_at": "2026-11-21T08:00:00Z", "cover_kind": "agency", "agency_name": "Derwent Care Staffing",
		"staff_in_post": 14, "staff_needed": 22, "agency_acceptable": true}
	recovery := map[string]any{"kind": "cost_recovery", "party": "Nottinghamshire County Council", "amount": 3120.0, "purpose": "Two weeks' care for a person they placed",
		"resident_id": edith, "status": "invoiced", "recover_from_authority": "Nottinghamshire County Council", "invoiced_on": "2026-11-25"}
	lead := map[string]any{"resident_id": edith, "kind": "lead_worker", "responsible_name": "Kim Adams", "responsible_role": "Social worker", "on_site": true, "allocated_on": "2026-11-20"}
	cash := map[string]any{"resident_id": edith, "kind": "petty_cash", "description": "Petty cash tin in the office safe", "amount": 42.5,
		"counted_at": "2026-11-21T09:00:00Z", "counted_by": "Bea", "witnessed_by": "Home manager", "status": "held"}
	complaint := map[string]any{"kind": "complaint", "raised_by": "Edith's daughter", "raised_at": "2026-11-21T12:00:00Z", "about": "Larkfield House",
		"summary": "Not told of the closure before the press", "status": "open", "resolve_by": "2026-11-28"}
	sab := map[string]any{"considered_at": "2026-12-01T10:00:00Z", "decision": "do_not_refer", "reason": "No abuse or neglect behind the failure", "decided_by": "Martin, Director"}

	runObligationCases(t, w, []obligationCase{
		{"notification to CQC, acknowledged", w.headTok, w.head.upsert("notifications", uuid.NewString(), with(notice, nil)), "applied", ""},
		{"notification without its recipient", w.headTok, w.head.upsert("notifications", uuid.NewString(), with(notice, map[string]any{"recipient": nil})),
			"rejected:missing_field@fields.recipient", "Enter the person or body told"},
		{"notification to someone the procedure does not name", w.headTok, w.head.upsert("notifications", uuid.NewString(), with(notice, map[string]any{"recipient_kind": "mayor"})),
			"rejected:invalid_value@fields.recipient_kind", "Choose who was told: a lead named in the procedure"},
		{"notification acknowledged by no one named", w.headTok, w.head.upsert("notifications", uuid.NewString(), with(notice, map[string]any{"acknowledged_by": nil})),
			"rejected:notification_acknowledgement_invalid@fields.acknowledged_by", "Enter who acknowledged the notification"},

		{"Communications Plan entry", w.headTok, w.head.upsert("communication_plans", uuid.NewString(), with(plan, nil)), "applied", ""},
		{"Communications Plan entry for nobody known", w.headTok, w.head.upsert("communication_plans", uuid.NewString(), with(plan, map[string]any{"audience": "everyone"})),
			"rejected:invalid_value@fields.audience", "Choose one of the answers for who is told"},
		{"Communications Plan entry done without when", w.directorTok, w.director.upsert("communication_plans", uuid.NewString(), with(plan, map[string]any{"status": "done"})),
			"rejected:obligation_incomplete@fields.done_at", "Enter when they were told"},

		{"agency cover", w.headTok, w.head.upsert("staffing_cover", uuid.NewString(), with(staff, nil)), "applied", ""},
		{"agency cover without the agency", w.headTok, w.head.upsert("staffing_cover", uuid.NewString(), with(staff, map[string]any{"agency_name": nil})),
			"rejected:obligation_incomplete@fields.agency_name", "Enter the staffing agency"},
		{"staff in post below zero", w.headTok, w.head.upsert("staffing_cover", uuid.NewString(), with(staff, map[string]any{"staff_in_post": -2})),
			"rejected:invalid_value@fields.staff_in_post", "The provider's staff still in post must be 0 or more"},

		{"cost recovery from the placing authority (s.3)", w.boTok, w.bo.upsert("payments", uuid.NewString(), with(recovery, nil)), "applied", ""},
		{"cost recovery from no authority", w.boTok, w.bo.upsert("payments", uuid.NewString(), with(recovery, map[string]any{"recover_from_authority": nil})),
			"rejected:cost_recovery_incomplete@fields.recover_from_authority", "ordinarily resident"},
		{"a payment with no amount", w.boTok, w.bo.upsert("payments", uuid.NewString(), with(recovery, map[string]any{"amount": nil})),
			"rejected:missing_field@fields.amount", "Enter the amount"},

		{"lead worker", w.kimTok, w.kim.upsert("resident_responsibilities", uuid.NewString(), with(lead, nil)), "applied", ""},
		{"self-funder's responsibility without the capacity check", w.kimTok, w.kim.upsert("resident_responsibilities", uuid.NewString(),
			with(lead, map[string]any{"kind": "self_funder", "responsible_name": "Edith's daughter, attorney"})),
			"rejected:obligation_incomplete@fields.capacity_checked", "capacity was checked"},
		{"lead worker allocated on no real date", w.kimTok, w.kim.upsert("resident_responsibilities", uuid.NewString(), with(lead, map[string]any{"allocated_on": "2026-02-30"})),
			"rejected:invalid_value@fields.allocated_on", "When the responsibility was allocated must be a real date"},

		{"petty cash counted", w.kimTok, w.kim.upsert("resident_belongings", uuid.NewString(), with(cash, nil)), "applied", ""},
		{"petty cash without the amount", w.kimTok, w.kim.upsert("resident_belongings", uuid.NewString(), with(cash, map[string]any{"amount": nil})),
			"rejected:belongings_incomplete@fields.amount", "Enter the amount of petty cash counted"},
		{"petty cash handed over to no one", w.kimTok, w.kim.upsert("resident_belongings", uuid.NewString(),
			with(cash, map[string]any{"status": "handed_over", "move_id": mv, "handed_over_at": "2026-11-24T10:50:00Z"})),
			"rejected:belongings_incomplete@fields.handed_over_to", "Enter who received the money or belongings"},

		{"complaint", w.kimTok, w.kim.upsert("complaints", uuid.NewString(), with(complaint, nil)), "applied", ""},
		{"complaint resolved without how", w.kimTok, w.kim.upsert("complaints", uuid.NewString(), with(complaint, map[string]any{"status": "resolved", "resolved_at": "2026-11-22T12:00:00Z"})),
			"rejected:complaint_incomplete@fields.resolution", "Enter how the complaint or dispute was resolved"},
		{"dispute escalated before the Head of Service was told (s.3)", w.headTok, w.head.upsert("complaints", uuid.NewString(),
			with(complaint, map[string]any{"kind": "dispute", "raised_by": "ICB", "status": "escalated"})),
			"rejected:complaint_incomplete@fields.head_of_service_informed_at", "inform their Head of Service in writing"},

		{"SAB referral considered", w.directorTok, w.director.upsert("sab_referrals", uuid.NewString(), with(sab, nil)), "applied", ""},
		{"SAB referral considered without a reason", w.directorTok, w.director.upsert("sab_referrals", uuid.NewString(), with(sab, map[string]any{"reason": ""})),
			"rejected:invalid_value@fields.reason", "Why must be 1 or more"},
		{"SAB referral made on a decision not to refer", w.directorTok, w.director.upsert("sab_referrals", uuid.NewString(), with(sab, map[string]any{"referred_at": "2026-12-02T10:00:00Z"})),
			"rejected:obligation_incomplete@fields.decision", "choose the decision to refer"},
	})
}

// TestObligations_PaymentNeedsWrittenAgreement: "An explicit written
// agreement must first be sought and obtained" before the council pays the
// provider or an insolvency practitioner (003 s.11). A payment may be
// proposed or withheld without one; it is approved or paid only with the
// agreement's date and reference, on create and on update; payments are
// commercially confidential (a social worker neither writes nor reads them).
func TestObligations_PaymentNeedsWrittenAgreement(t *testing.T) {
	w := newMoveWorld(t)
	pay := func(extra map[string]any) map[string]any {
		f := map[string]any{"incident_id": w.inc, "kind": "to_administrator", "party": "Begbies Traynor (administrators)", "amount": 12500.0,
			"purpose": "Agency staff at Larkfield House for two weeks", "service_id": w.larkfield, "status": "proposed"}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	proposed, toProvider := uuid.NewString(), uuid.NewString()
	agreement := map[string]any{"written_agreement_on": "2026-11-21", "written_agreement_ref": "WA-2026-14", "agreement_signed_by": "Joint administrator"}
	runObligationCases(t, w, []obligationCase{
		{"proposed without an agreement", w.headTok, w.head.upsert("payments", proposed, pay(nil)), "applied", ""},
		{"paid without an agreement", w.headTok, w.head.upsert("payments", proposed, map[string]any{"status": "paid", "paid_on": "2026-11-22"}),
			"rejected:written_agreement_required@fields.written_agreement_on", "needs an explicit written agreement first"},
		{"approved without an agreement", w.directorTok, w.director.upsert("payments", uuid.NewString(), pay(map[string]any{"status": "approved"})),
			"rejected:written_agreement_required@fields.written_agreement_on", "needs an explicit written agreement first"},
		{"to the provider, paid with a date but no reference", w.boTok, w.bo.upsert("payments", toProvider,
			pay(map[string]any{"kind": "to_provider", "party": "Larkfield House Ltd", "status": "paid", "written_agreement_on": "2026-11-21"})),
			"rejected:written_agreement_required@fields.written_agreement_ref", "written agreement's reference"},
		{"withheld without an agreement", w.headTok, w.head.upsert("payments", toProvider,
			pay(map[string]any{"kind": "to_provider", "party": "Larkfield House Ltd", "status": "withheld"})), "applied", ""},
		{"the agreement recorded, then paid", w.headTok, w.head.upsert("payments", proposed, agreement), "applied", ""},
		{"paid with the agreement", w.headTok, w.head.upsert("payments", proposed, map[string]any{"status": "paid", "paid_on": "2026-11-22"}), "applied", ""},
		{"paid before the agreement was made", w.boTok, w.bo.upsert("payments", uuid.NewString(), pay(map[string]any{"status": "paid", "paid_on": "2026-11-20",
			"written_agreement_on": "2026-11-21", "written_agreement_ref": "WA-2026-15"})),
			"rejected:date_order@fields.paid_on", ""},
		{"a social worker does not pay", w.kimTok, w.kim.upsert("payments", uuid.NewString(), pay(nil)), "rejected:forbidden_role@collection", ""},
	})
	// The paid payment reads back with its agreement; the social worker
	// cannot read payments at all.
	st := pulledFields(t, w.e, w.headTok())
	got := st["payments"][proposed]
	if got["status"] != "paid" || got["written_agreement_ref"] != "WA-2026-14" {
		t.Fatalf("the payment as the server holds it: %v", got)
	}
	if n := len(pulledFields(t, w.e, w.kimTok())["payments"]); n != 0 {
		t.Fatalf("a social worker pulled %d payments", n)
	}
}

// TestObligations_HeadOfSafeguardingToldByTelephoneAndAcknowledged: the
// s.10 leads are "notified immediately by telephone with confirmation in
// writing (email)", and staff "must ensure it has been received and
// acknowledged … It is not acceptable to leave a message with
// administrative staff" (003 s.10).
func TestObligations_HeadOfSafeguardingToldByTelephoneAndAcknowledged(t *testing.T) {
	w := newMoveWorld(t)
	call := uuid.NewString()
	n := func(extra map[string]any) map[string]any {
		f := map[string]any{"incident_id": w.inc, "recipient_kind": "head_of_safeguarding", "recipient": "Head of Safeguarding Adults and Professional Standards",
			"notified_at": "2026-11-20T09:05:00Z", "notified_by": "Gail, Head of Commissioning", "channel": "phone"}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	runObligationCases(t, w, []obligationCase{
		{"by email only", w.headTok, w.head.upsert("notifications", uuid.NewString(), n(map[string]any{"channel": "email"})),
			"rejected:notification_by_telephone@fields.channel", "by telephone"},
		{"by telephone", w.headTok, w.head.upsert("notifications", call, n(nil)), "applied", ""},
		{"acknowledged before the confirmation in writing", w.headTok, w.head.upsert("notifications", call,
			map[string]any{"acknowledged_at": "2026-11-20T09:20:00Z", "acknowledged_by": "Pat Lee", "acknowledged_by_kind": "lead"}),
			"rejected:notification_acknowledgement_invalid@fields.confirmed_in_writing_at", "confirmed in writing"},
		{"a message left with administrative staff", w.headTok, w.head.upsert("notifications", call,
			map[string]any{"confirmed_in_writing_at": "2026-11-20T09:15:00Z", "acknowledged_at": "2026-11-20T09:20:00Z", "acknowledged_by": "PA to the Head", "acknowledged_by_kind": "administrative_staff"}),
			"rejected:notification_acknowledgement_invalid@fields.acknowledged_by_kind", "not acceptable to leave a message with administrative staff"},
		{"acknowledged before it was made", w.headTok, w.head.upsert("notifications", call,
			map[string]any{"confirmed_in_writing_at": "2026-11-20T09:15:00Z", "acknowledged_at": "2026-11-20T08:00:00Z", "acknowledged_by": "Pat Lee", "acknowledged_by_kind": "lead"}),
			"rejected:date_order@fields.acknowledged_at", ""},
		{"confirmed in writing and acknowledged by the nominated deputy", w.headTok, w.head.upsert("notifications", call,
			map[string]any{"confirmed_in_writing_at": "2026-11-20T09:15:00Z", "acknowledged_at": "2026-11-20T09:20:00Z", "acknowledged_by": "Sam Deputy", "acknowledged_by_kind": "nominated_deputy"}),
			"applied", ""},
	})
	got := pulledFields(t, w.e, w.kimTok())["notifications"][call]
	if got["acknowledged_by"] != "Sam Deputy" || got["acknowledged_at"] != "2026-11-20T09:20:00Z" {
		t.Fatalf("the notification as a social worker reads it: %v", got)
	}
}

// TestObligations_SummaryTimesThePFMMeetingFromActivation: "The DCC lead
// will immediately call a Provider Failure Management meeting to take
// place at the earliest practicable opportunity" (003 s.10). The summary
// shows the hours waited since activation while no meeting is held, then
// the hours from activation to the first meeting; and counts the
// obligations still open.
func TestObligations_SummaryTimesThePFMMeetingFromActivation(t *testing.T) {
	w := newMoveWorld(t)
	larkC := uuid.NewString()
	w.mustApply(t, w.adminTok, w.admin.upsert("providers", larkC, map[string]any{"name": "Larkfield Care Ltd", "regulated": true}))
	w.mustApply(t, w.headTok, w.head.upsert("incidents", w.inc, map[string]any{"incident_id": w.inc, "provider_id": larkC, "title": "Larkfield House closure",
		"trigger_criterion": "i", "process": 1, "status": "active", "activated_at": "2026-11-23T06:30:00Z", "reason": "Improvement measures not met.",
		"agreed_with": "Martin Coles", "agreed_with_role": "director"}))
	edith := w.resident(t, "Edith", nil)
	type summary struct {
		Obligations struct {
			PFMMeeting struct {
				ActivatedAt          string   `json:"activated_at"`
				HeldAt               string   `json:"held_at"`
				HoursAfterActivation *float64 `json:"hours_after_activation"`
				HoursSinceActivation *float64 `json:"hours_since_activation"`
			} `json:"pfm_meeting"`
			ResidentsWithoutLeadWorker int `json:"residents_without_lead_worker"`
			AwaitingAgreement          int `json:"awaiting_agreement"`
		} `json:"obligations"`
	}
	get := func(t *testing.T) summary {
		t.Helper()
		r := w.e.do("GET", "/v1/incidents/"+w.inc+"/summary", w.headTok(), nil)
		if r.Status != 200 {
			t.Fatalf("summary: %d %s", r.Status, r.Body)
		}
		var s summary
		r.decode(t, &s)
		return s
	}
	s := get(t)
	p := s.Obligations.PFMMeeting
	if p.ActivatedAt != "2026-11-23T06:30:00Z" || p.HeldAt != "" || p.HoursAfterActivation != nil || p.HoursSinceActivation == nil || *p.HoursSinceActivation != 3.5 {
		t.Fatalf("before the meeting: %+v", p)
	}
	if s.Obligations.ResidentsWithoutLeadWorker != 1 {
		t.Fatalf("residents without a lead worker = %d, want 1 (Edith)", s.Obligations.ResidentsWithoutLeadWorker)
	}
	w.mustApply(t, w.headTok, w.head.upsert("meeting_records", uuid.NewString(), map[string]any{"incident_id": w.inc, "meeting_type": "provider_failure_management",
		"held_at": "2026-11-23T09:00:00Z", "summary": "Options agreed: agency staffing; Communications Plan."}))
	w.mustApply(t, w.kimTok, w.kim.upsert("resident_responsibilities", uuid.NewString(), map[string]any{"incident_id": w.inc, "resident_id": edith,
		"kind": "lead_worker", "responsible_name": "Kim Adams", "allocated_on": "2026-11-23"}))
	w.mustApply(t, w.headTok, w.head.upsert("payments", uuid.NewString(), map[string]any{"incident_id": w.inc, "kind": "to_provider", "party": "Larkfield Care Ltd",
		"amount": 800.0, "purpose": "Food and utilities this week", "status": "withheld"}))
	s = get(t)
	p = s.Obligations.PFMMeeting
	if p.HeldAt != "2026-11-23T09:00:00Z" || p.HoursAfterActivation == nil || *p.HoursAfterActivation != 2.5 || p.HoursSinceActivation != nil {
		t.Fatalf("after the meeting: %+v", p)
	}
	if s.Obligations.ResidentsWithoutLeadWorker != 0 || s.Obligations.AwaitingAgreement != 1 {
		t.Fatalf("after the lead worker and a withheld payment: %+v", s.Obligations)
	}
}
