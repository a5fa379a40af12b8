package schema

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// Fixed ids for the fixtures.
const (
	tIncident   = "5f0c7c1e-2b7a-4c1e-9a51-0f3e4a1b2c3d"
	tProvider   = "0b6d3d0e-8f1a-4e6b-9c3d-2a1b0c9d8e7f"
	tService    = "1c7e4e1f-9a2b-4f7c-8d4e-3b2c1d0e9f8a"
	tService2   = "2d8f5f2a-0b3c-4a8d-9e5f-4c3d2e1f0a9b"
	tResident   = "3e9a6a3b-1c4d-4b9e-8f6a-5d4e3f2a1b0c"
	tAssessment = "4fab7b4c-2d5e-4cae-9a7b-6e5f4a3b2c1d"
	tMove       = "5abc8c5d-3e6f-4dbf-8b8c-7f6a5b4c3d2e"
	tConcern    = "6bcd9d6e-4f7a-4ec0-9c9d-8a7b6c5d4e3f"
	tDecision   = "7cdeae7f-5a8b-4fd1-8dae-9b8c7d6e5f4a"
)

// badCase is a value that must be rejected with code on fields.<field>.
type badCase struct {
	name  string
	field string
	value any
	code  string
}

// collectionCase is what each collection's table test checks.
type collectionCase struct {
	// valid is a creating upsert that passes.
	valid map[string]any
	// required lists exactly the fields required on create.
	required []string
	// flagged lists exactly the fields with the Flag policy.
	flagged []string
	// scope is the expected ScopeField.
	scope string
	// bad are further values to reject (enums are tried automatically).
	bad []badCase
}

func fieldsOf(t *testing.T, m map[string]any) map[string]json.RawMessage {
	t.Helper()
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal %s: %v", k, err)
		}
		out[k] = b
	}
	return out
}

func upsert(t *testing.T, col string, m map[string]any) syncproto.Change {
	t.Helper()
	return syncproto.Change{
		ID: "9f0e1d2c-3b4a-4958-8776-655443322110", Collection: col, RecordID: "8e9f0a1b-2c3d-4e5f-8a7b-9c0d1e2f3a4b",
		Op: syncproto.OpUpsert, Fields: fieldsOf(t, m),
		HLC:        syncproto.HLC{Wall: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC).UnixMilli(), Node: "test"},
		RecordedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
	}
}

func wantErr(t *testing.T, e *syncproto.Error, code, field string) {
	t.Helper()
	if e == nil {
		t.Fatalf("accepted; want %s on %s", code, field)
	}
	if e.Code != code || e.Field != field {
		t.Fatalf("got %s on %q (%s); want %s on %q", e.Code, e.Field, e.Message, code, field)
	}
}

// existing is a record state that already exists, so an upsert is an update.
func existing(col string) *syncproto.Record {
	r := syncproto.NewRecord(col, "8e9f0a1b-2c3d-4e5f-8a7b-9c0d1e2f3a4b")
	r.Fields["x"] = syncproto.FieldState{Value: json.RawMessage(`1`)}
	return r
}

// runCollectionCase runs the standard table for one collection.
func runCollectionCase(t *testing.T, name string, cc collectionCase) {
	t.Helper()
	reg := NewDomainRegistry()
	col, ok := reg.Collection(name)
	if !ok {
		t.Fatalf("no collection %q", name)
	}
	t.Run("declaration", func(t *testing.T) {
		var req, flg []string
		for _, f := range col.Fields {
			if f.Required {
				req = append(req, f.Name)
			}
			if f.Policy == Flag {
				flg = append(flg, f.Name)
			}
			if f.Doc == "" && f.Name != "notes" {
				t.Errorf("%s.%s has no Doc", name, f.Name)
			}
		}
		slices.Sort(req)
		slices.Sort(flg)
		wantReq := slices.Sorted(slices.Values(cc.required))
		wantFlg := slices.Sorted(slices.Values(cc.flagged))
		if !slices.Equal(req, wantReq) {
			t.Errorf("required = %v, want %v", req, wantReq)
		}
		if !slices.Equal(flg, wantFlg) {
			t.Errorf("flagged = %v, want %v", flg, wantFlg)
		}
		if col.ScopeField != cc.scope {
			t.Errorf("scope = %q, want %q", col.ScopeField, cc.scope)
		}
		if len(col.Rules) != 0 {
			t.Errorf("rules are wired elsewhere; got %d", len(col.Rules))
		}
		if col.Doc == "" {
			t.Errorf("collection has no Doc")
		}
	})
	t.Run("valid create", func(t *testing.T) {
		if e := reg.CheckFields(upsert(t, name, cc.valid), nil); e != nil {
			t.Fatalf("valid create rejected: %v", e)
		}
	})
	t.Run("valid create sets every field", func(t *testing.T) {
		for _, f := range col.Fields {
			if _, ok := cc.valid[f.Name]; !ok {
				t.Errorf("fixture does not set %s", f.Name)
			}
		}
	})
	for _, f := range cc.required {
		t.Run("required/"+f, func(t *testing.T) {
			m := maps.Clone(cc.valid)
			delete(m, f)
			wantErr(t, reg.CheckFields(upsert(t, name, m), nil), syncproto.CodeMissingField, "fields."+f)
			m[f] = nil
			wantErr(t, reg.CheckFields(upsert(t, name, m), nil), syncproto.CodeInvalidValue, "fields."+f)
		})
	}
	t.Run("update needs no required field", func(t *testing.T) {
		for _, f := range col.Fields {
			if f.Required {
				continue
			}
			m := map[string]any{f.Name: cc.valid[f.Name]}
			if e := reg.CheckFields(upsert(t, name, m), existing(name)); e != nil {
				t.Errorf("update of %s alone rejected: %v", f.Name, e)
			}
		}
	})
	for _, f := range col.Fields {
		if !strings.HasPrefix(f.Tag, "oneof=") {
			continue
		}
		t.Run("enum/"+f.Name, func(t *testing.T) {
			m := maps.Clone(cc.valid)
			var bad any = "not_a_value"
			if f.Kind == Integer {
				bad = 9
			}
			m[f.Name] = bad
			wantErr(t, reg.CheckFields(upsert(t, name, m), nil), syncproto.CodeInvalidValue, "fields."+f.Name)
			// Every declared value is accepted.
			for _, v := range strings.Fields(strings.TrimPrefix(f.Tag, "oneof=")) {
				var val any = v
				if f.Kind == Integer {
					if err := json.Unmarshal([]byte(v), &val); err != nil {
						t.Fatal(err)
					}
				}
				m[f.Name] = val
				if e := reg.CheckFields(upsert(t, name, m), nil); e != nil {
					t.Errorf("%s=%v rejected: %v", f.Name, v, e)
				}
			}
		})
	}
	for _, f := range col.Fields {
		if f.Kind == String || f.Kind == Integer || f.Kind == Number {
			continue
		}
		t.Run("wrong type/"+f.Name, func(t *testing.T) {
			m := maps.Clone(cc.valid)
			m[f.Name] = "a string"
			wantErr(t, reg.CheckFields(upsert(t, name, m), nil), syncproto.CodeWrongType, "fields."+f.Name)
		})
	}
	t.Run("unknown field", func(t *testing.T) {
		m := maps.Clone(cc.valid)
		m["no_such_field"] = "x"
		wantErr(t, reg.CheckFields(upsert(t, name, m), nil), syncproto.CodeUnknownField, "fields.no_such_field")
	})
	for _, b := range cc.bad {
		t.Run("bad/"+b.name, func(t *testing.T) {
			m := maps.Clone(cc.valid)
			m[b.field] = b.value
			code := b.code
			if code == "" {
				code = syncproto.CodeInvalidValue
			}
			wantErr(t, reg.CheckFields(upsert(t, name, m), nil), code, "fields."+b.field)
		})
	}
}

// Common bad values.
var (
	badUUID     = "not-a-uuid"
	badDates    = []string{"2026-02-30", "2026-13-01", "26-11-01", "1999-12-31", "2100-01-01"}
	badTimes    = []string{"2026-11-31T10:00:00Z", "2026-11-20 10:00", "1970-01-01T00:00:00Z", "2150-01-01T00:00:00Z"}
	badPostcode = []string{"DE1", "12345", "DE1 2F", "QE1 2FS"}
)

func dateCases(field string) []badCase {
	var out []badCase
	for _, d := range badDates {
		out = append(out, badCase{name: field + "=" + d, field: field, value: d})
	}
	return out
}

func timeCases(field string) []badCase {
	var out []badCase
	for _, d := range badTimes {
		out = append(out, badCase{name: field + "=" + d, field: field, value: d})
	}
	return out
}

func postcodeCases(field string) []badCase {
	var out []badCase
	for _, p := range badPostcode {
		out = append(out, badCase{name: field + "=" + p, field: field, value: p})
	}
	return out
}

func uuidCase(field string) badCase {
	return badCase{name: field + " not a uuid", field: field, value: badUUID}
}

func join(groups ...[]badCase) []badCase {
	var out []badCase
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func TestDomain_Providers(t *testing.T) {
	runCollectionCase(t, "providers", collectionCase{
		valid: map[string]any{
			"name": "Amberley Care Homes Ltd", "cqc_provider_id": "1-10552899555", "organisation_type": "company",
			"head_office_address": "4 Mill Yard, Derby", "head_office_postcode": "DE1 2FS", "owner": "Amberley Holdings",
			"nominated_individual": "Pat Example", "contact_name": "Sam Example", "contact_phone": "01332 000000",
			"contact_email": "sam@example.org", "administrator": "Example Insolvency LLP", "administrator_contact": "0115 000 0000",
			"insolvency_event": "administrator_appointed", "insolvency_event_on": "2026-11-11", "regulated": true,
			"contracted_la": true, "contracted_icb": false, "market_oversight": false, "market_oversight_risk": "amber_red",
			"total_beds": 42, "hours_per_week": 0, "people_per_week": 0, "local_authority_areas": []string{"Derby City Council"},
			"bcp_exists": true, "bcp_viable": false, "contracting_suspended": true, "suspension_reason": "RED",
			"suspended_by_authority": "Derbyshire County Council", "suspended_on": "2026-11-09", "notes": "",
			"areas_with_beds": 1, "suspension_recommendation": "suspend", "suspension_report": "Report to the Director",
			"suspension_recommended_by": "Head of Adults Commissioning", "suspension_recommended_on": "2026-11-08",
			"suspension_decided_by": "Service Director", "flagged_for_review": true, "flag_reason": "Neighbour suspended placements",
		},
		required: []string{"name"},
		bad: join(
			[]badCase{
				{name: "empty name", field: "name", value: ""},
				{name: "cqc id shape", field: "cqc_provider_id", value: "10552899555"},
				{name: "negative beds", field: "total_beds", value: -1},
				{name: "fractional beds", field: "total_beds", value: 1.5, code: syncproto.CodeWrongType},
				{name: "negative hours", field: "hours_per_week", value: -0.5},
				{name: "bad email", field: "contact_email", value: "sam@"},
				{name: "areas not strings", field: "local_authority_areas", value: []any{"Derby", 3}},
				{name: "areas repeated", field: "local_authority_areas", value: []string{"Derby", "Derby"}},
			},
			postcodeCases("head_office_postcode"), dateCases("insolvency_event_on"), dateCases("suspended_on"),
		),
	})
}

func TestDomain_Services(t *testing.T) {
	runCollectionCase(t, "services", collectionCase{
		valid: map[string]any{
			"provider_id": tProvider, "name": "Larkfield House", "service_type": "residential", "cqc_location_id": "1-123456789",
			"address": "12 Example Road", "town": "Derby", "postcode": "DE22 3LZ", "local_authority": "Derby City Council",
			"area": "Derby West", "registered_manager": "Jo Example", "phone": "01332 000001", "email": "larkfield@example.org",
			"regulated": true, "registration_categories": []string{"residential", "residential_dementia"}, "beds": 42,
			"hours_per_week": 0, "people_per_week": 0, "cqc_rating": "requires_improvement", "cqc_rated_on": "2026-03-04",
			"contracted_la": true, "contracted_icb": true, "contracting_suspended": false, "operating_status": "closing", "notes": "",
		},
		required: []string{"provider_id", "name", "service_type"},
		bad: join(
			[]badCase{
				uuidCase("provider_id"),
				{name: "unknown category", field: "registration_categories", value: []string{"residential", "dementia"}},
				{name: "category repeated", field: "registration_categories", value: []string{"nursing", "nursing"}},
				{name: "negative beds", field: "beds", value: -3},
				{name: "cqc location shape", field: "cqc_location_id", value: "1-12"},
			},
			postcodeCases("postcode"), dateCases("cqc_rated_on"),
		),
	})
}

func TestDomain_Concerns(t *testing.T) {
	runCollectionCase(t, "concerns", collectionCase{
		valid: map[string]any{
			"provider_id": tProvider, "service_id": tService, "source": "whistleblowing", "raised_on": "2026-11-02",
			"raised_by": "withheld", "description": "Night staffing below safe levels", "evidence": "Rotas",
			"safeguarding_reference": "MASH-1", "resolve_by": "2026-11-16", "status": "open", "resolved_on": "2026-11-10",
			"resolution": "",
		},
		required: []string{"provider_id", "source", "raised_on", "description", "status"},
		bad: join([]badCase{uuidCase("service_id"), {name: "empty description", field: "description", value: ""}},
			dateCases("raised_on"), dateCases("resolve_by")),
	})
}

func TestDomain_RAGStatuses(t *testing.T) {
	runCollectionCase(t, "rag_statuses", collectionCase{
		valid: map[string]any{
			"provider_id": tProvider, "service_id": tService, "previous_status": "AMBER", "status": "RED",
			"reason": "CQC Notice of Proposal", "decided_at": "2026-11-09T10:00:00Z", "decided_by": "Head of Commissioning",
			"decided_by_role": "commissioner", "concern_ids": []string{tConcern}, "market_oversight_risk": "red",
			"delegated_from_role": "commissioner", "delegated_by": "Head of Adults Commissioning", "delegation_reason": "on leave",
			"below_triggers_reason": "",
		},
		required: []string{"provider_id", "status", "reason", "decided_at", "decided_by", "decided_by_role"},
		bad: join([]badCase{
			{name: "lower-case status", field: "status", value: "red"},
			{name: "concern id not uuid", field: "concern_ids", value: []string{"x"}},
		}, timeCases("decided_at")),
	})
}

func TestDomain_Incidents(t *testing.T) {
	runCollectionCase(t, "incidents", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "provider_id": tProvider, "service_ids": []string{tService},
			"title": "Larkfield House closure", "trigger_criterion": "ii", "process": 2, "status": "active",
			"activated_at": "2026-11-12T11:00:00Z", "activated_by": "Service Director", "reason": "Administrator appointed",
			"cause": "business_failure", "business_continuity_plan_failed": false, "final_concerns_meeting_held": false,
			"lead_officer":   "Head of Integrated Commissioning",
			"steering_group": []map[string]any{{"name": "A Chair", "role": "Head of Commissioning", "organisation": "Derby City Council", "chair": true}},
			"date_initiated": "2026-11-12", "failure_expected_on": "2026-12-04", "timescale": "three weeks",
			"icb_notified_on": "2026-11-12", "cqc_notified_on": "2026-11-12", "situation": "", "public": false,
			"outcome": "provider_failure", "outcome_on": "2026-11-12", "notes": "",
			"agreed_with": "Head of Commissioning", "agreed_with_role": "commissioner", "process_1_provider_failed": false,
			"escalated_at": "2026-11-20T10:00:00Z", "escalated_by": "Service Director", "escalation_reason": "Final Action Plan not met",
			"service_continuing": false,
		},
		required: []string{"incident_id", "provider_id", "title", "trigger_criterion", "process", "status", "activated_at", "reason"},
		scope:    "incident_id",
		bad: join([]badCase{
			uuidCase("incident_id"),
			{name: "process 2.0 not integer", field: "process", value: 2.5, code: syncproto.CodeWrongType},
			{name: "process as string", field: "process", value: "2", code: syncproto.CodeWrongType},
			{name: "criterion v", field: "trigger_criterion", value: "v"},
			{name: "steering member without name", field: "steering_group", value: []map[string]any{{"role": "x"}}},
			{name: "steering member unknown key", field: "steering_group", value: []map[string]any{{"name": "x", "rank": 1}}},
		}, timeCases("activated_at"), dateCases("failure_expected_on")),
	})
}

func TestDomain_ChecklistItems(t *testing.T) {
	runCollectionCase(t, "checklist_items", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "section": 2, "section_title": "Initial work/clarification", "number": "2.10",
			"text": "Consult adjacent Local Authority officers as necessary", "responsibility": "DCC",
			"responsibility_source": "default", "owner_role": "Strategic Commissioning", "officer_initials": "JC", "notes": "", "status": "done",
			"waiver_reason": "",
			"due_on":        "2026-11-13", "completed_on": "2026-11-13",
			"evidence": []map[string]any{{"collection": "meeting_records", "record_id": tDecision, "note": "minutes"}},
		},
		required: []string{"incident_id", "section", "number", "text", "responsibility", "status"},
		scope:    "incident_id",
		bad: join([]badCase{
			{name: "section 0", field: "section", value: 0},
			{name: "section 11", field: "section", value: 11},
			{name: "number shape", field: "number", value: "2-10"},
			{name: "responsibility lower case", field: "responsibility", value: "dcc"},
			{name: "initials too long", field: "officer_initials", value: "ABCDEFGHIJK"},
			{name: "evidence without record", field: "evidence", value: []map[string]any{{"collection": "meeting_records"}}},
			{name: "evidence record not a uuid", field: "evidence", value: []map[string]any{{"collection": "meeting_records", "record_id": "x"}}},
		}, dateCases("completed_on")),
	})
}

func validResident() map[string]any {
	return map[string]any{
		"incident_id": tIncident, "given_name": "Edith", "family_name": "Example", "date_of_birth": "1938-04-02",
		"nhs_number": "9434765919", "current_service_id": tService, "notes": "", "preferred_name": "Edie", "room": "12",
		"admitted_on": "2021-05-01", "status": "in_placement", "registration_category": "residential_dementia",
		"funding_stream": "out_of_area", "placing_authority": "Nottinghamshire County Council", "case_reference": "LL-123",
		"chc_status": "not_assessed", "weekly_fee": 812.50, "needs_summary": "Needs help with personal care",
		"very_frail": false, "end_of_life": false, "assess_early": true, "assess_early_reason": "anxious with change",
		"wishes_to_move_early": false, "friendship_group": "Garden lounge", "dols_status": "authorised",
		"dols_expiry": "2027-03-01", "dols_supervisory_body": "Derby City Council", "dols_representative": "Ann Example (daughter)",
		"dols_imca": "", "advocacy_needed": false, "advocate": "", "gp": "Example Surgery", "medication_summary": "Donepezil",
		"lpa":                 []map[string]any{{"kind": "lpa_health_welfare", "name": "Ann Example", "relationship": "daughter", "registered_on": "2019-06-01", "seen": true}},
		"equipment":           []map[string]any{{"item": "pressure mattress", "owner": "nhs", "transferable": true}},
		"carers":              []map[string]any{{"name": "Ann Example", "relationship": "daughter", "phone": "07700 900000", "postcode": "NG1 1AA", "out_of_area": true, "next_of_kin": true}},
		"communication_needs": "hearing aid, left ear",
		"funding_streams":     []string{"self_funder", "fnc"},
		"current_location":    "", "whereabouts_updated_at": "2026-11-20T10:00:00Z",
		"preferred_service_ids": []string{tService2}, "preferred_areas": []string{"Belper"},
		"preferences": "Near her daughter", "about_me": "Likes the radio on in the morning",
	}
}

func TestDomain_Residents(t *testing.T) {
	restore := today
	today = func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { today = restore })
	runCollectionCase(t, "residents", collectionCase{
		valid:    validResident(),
		required: []string{"incident_id", "given_name", "family_name"},
		flagged:  []string{"current_service_id", "funding_stream", "funding_streams", "registration_category"},
		scope:    "incident_id",
		bad: join([]badCase{
			uuidCase("incident_id"),
			uuidCase("current_service_id"),
			{name: "nhs number wrong check digit", field: "nhs_number", value: "9434765918"},
			{name: "nhs number check digit 10", field: "nhs_number", value: "9990000000"},
			{name: "nhs number with spaces", field: "nhs_number", value: "943 476 5919"},
			{name: "nhs number 9 digits", field: "nhs_number", value: "943476591"},
			{name: "nhs number as integer", field: "nhs_number", value: 9434765919, code: syncproto.CodeWrongType},
			{name: "date of birth impossible", field: "date_of_birth", value: "1938-02-30"},
			{name: "date of birth in the future", field: "date_of_birth", value: "2026-11-25"},
			{name: "date of birth before 1900", field: "date_of_birth", value: "1899-12-31"},
			{name: "date of birth wrong format", field: "date_of_birth", value: "02/04/1938"},
			{name: "empty given name", field: "given_name", value: ""},
			{name: "negative fee", field: "weekly_fee", value: -1},
			{name: "lpa unknown kind", field: "lpa", value: []map[string]any{{"kind": "lpa_finance", "name": "A"}}},
			{name: "lpa without name", field: "lpa", value: []map[string]any{{"kind": "lpa_health_welfare"}}},
			{name: "lpa impossible registration date", field: "lpa", value: []map[string]any{{"kind": "lpa_health_welfare", "name": "A", "registered_on": "2019-02-29"}}},
			{name: "lpa as object", field: "lpa", value: map[string]any{"kind": "lpa_health_welfare", "name": "A"}, code: syncproto.CodeWrongType},
			{name: "carer bad postcode", field: "carers", value: []map[string]any{{"name": "A", "postcode": "NG1"}}},
			{name: "carer bad email", field: "carers", value: []map[string]any{{"name": "A", "email": "a@"}}},
			{name: "carer unknown key", field: "carers", value: []map[string]any{{"name": "A", "mobile": "0"}}},
			{name: "equipment unknown owner", field: "equipment", value: []map[string]any{{"item": "hoist", "owner": "landlord"}}},
			{name: "admitted before 1900", field: "admitted_on", value: "1899-12-31"},
			{name: "admitted on impossible date", field: "admitted_on", value: "2001-02-29"},
		}, dateCases("dols_expiry")),
	})
}

func TestDomain_SafeAndWellChecks(t *testing.T) {
	runCollectionCase(t, "safe_and_well_checks", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "resident_id": tResident, "visited_at": "2026-11-13T10:15:00Z", "outcome": "concerns",
			"observations": "Tired", "actions": "GP visit", "visitor_name": "Kim Example", "visitor_role": "Social worker",
			"location": "Own room", "seen": true, "feels_safe": "unsure", "in_own_words": "I don't know what's happening",
			"wellbeing": "low", "physical": "bruise left forearm", "environment": "clean", "medication": "MAR up to date",
			"nutrition_hydration": "eating well", "belongings_equipment": "walking frame", "family_informed": true,
			"safeguarding_raised": true, "s42_reference": "S42-2026-0001", "risks": "falls",
			"action_items":  []map[string]any{{"action": "Body map", "owner": "Kim Example", "due_on": "2026-11-14"}},
			"follow_up_due": "2026-11-16", "previous_check_id": "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
		},
		required: []string{"incident_id", "resident_id", "visited_at", "outcome"},
		scope:    "incident_id",
		bad: join([]badCase{
			uuidCase("resident_id"),
			{name: "action without text", field: "action_items", value: []map[string]any{{"owner": "x"}}},
			{name: "action bad due date", field: "action_items", value: []map[string]any{{"action": "x", "due_on": "2026-11-31"}}},
		}, timeCases("visited_at"), dateCases("follow_up_due")),
	})
}

func TestDomain_CapacityAssessments(t *testing.T) {
	runCollectionCase(t, "capacity_assessments", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "resident_id": tResident, "decision": "Where to live after Larkfield House closes",
			"decision_type": "accommodation", "reason_for_doubt": "Diagnosis of dementia; disoriented",
			"relevant_information": "Options: two homes", "how_information_given": "Photos, short sentences",
			"practicable_steps": "Morning, quiet room, daughter present", "can_wait": false, "can_wait_reason": "Home closes",
			"impairment": true, "impairment_evidence": "Alzheimer's", "impairment_duration": "lasting",
			"can_understand": false, "understand_evidence": "", "can_retain": false, "retain_evidence": "",
			"can_use_or_weigh": false, "use_or_weigh_evidence": "", "can_communicate": true, "communicate_evidence": "",
			"causative_nexus": true, "causative_nexus_evidence": "", "outcome": "lacks_capacity", "persons_decision": "",
			"assessor_name": "Kim Example", "assessor_role": "Social worker", "assessor_organisation": "Derby City Council",
			"sittings":  []map[string]any{{"date": "2026-11-14", "venue": "Quiet lounge", "present": "daughter"}},
			"signed_at": "2026-11-14T15:00:00Z", "signed_by": "Kim Example", "supersedes_id": tAssessment,
		},
		required: []string{"incident_id", "resident_id", "decision"},
		flagged:  []string{"outcome"},
		scope:    "incident_id",
		bad: join([]badCase{
			uuidCase("supersedes_id"),
			{name: "empty decision", field: "decision", value: ""},
			{name: "yes/no as string", field: "can_retain", value: "no", code: syncproto.CodeWrongType},
			{name: "sitting without date", field: "sittings", value: []map[string]any{{"venue": "x"}}},
			{name: "sitting impossible date", field: "sittings", value: []map[string]any{{"date": "2026-11-31"}}},
		}, timeCases("signed_at")),
	})
}

func TestDomain_BestInterestsDecisions(t *testing.T) {
	runCollectionCase(t, "best_interests_decisions", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "assessment_id": tAssessment, "resident_id": tResident,
			"decision": "Where to live after Larkfield House closes", "decision_type": "accommodation", "setting": "care_home",
			"expected_stay_days": 365, "authority_present": false, "authority_name": "", "authority_kind": "lpa_property_affairs",
			"no_assumption_from_age_or_appearance": true, "can_wait": false, "participation": "Visited both homes",
			"wishes_and_feelings": "Wants a garden", "beliefs_and_values": "Catholic", "other_factors": "",
			"consultees":       []map[string]any{{"name": "Ann Example", "role": "family", "view": "Near her", "consulted_on": "2026-11-15"}},
			"options":          []map[string]any{{"option": "Oakwood Grange", "least_restrictive": true, "chosen": true}},
			"decision_reached": "Move to Oakwood Grange", "least_restrictive_reasoning": "Same area, friends moving too",
			"decision_maker": "council", "decision_maker_name": "Kim Example", "decision_maker_role": "Social worker",
			"imca_required": false, "imca_referral_date": "2026-11-15", "imca_name": "", "imca_report_on": "2026-11-17",
			"imca_report": "", "decided_at": "2026-11-16T11:00:00Z", "imca_urgency_reason": "",
		},
		required: []string{"incident_id", "assessment_id", "resident_id", "decision"},
		scope:    "incident_id",
		bad: join([]badCase{
			uuidCase("assessment_id"),
			{name: "consultee unknown role", field: "consultees", value: []map[string]any{{"name": "A", "role": "neighbour"}}},
			{name: "consultee without role", field: "consultees", value: []map[string]any{{"name": "A"}}},
			{name: "option without text", field: "options", value: []map[string]any{{"chosen": true}}},
			{name: "negative stay", field: "expected_stay_days", value: -1},
		}, dateCases("imca_referral_date"), timeCases("decided_at")),
	})
}

func TestDomain_Moves(t *testing.T) {
	runCollectionCase(t, "moves", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "resident_id": tResident, "from_service_id": tService, "to_service_id": tService2,
			"chosen_by": "best_interests", "best_interests_decision_id": tDecision, "planned_at": "2026-11-18T10:00:00Z",
			"planned_arrival_at": "2026-11-18T10:45:00Z", "out_of_hours_reason": "", "status": "planned", "cancelled_reason": "", "hold_reason": "",
			"transport": "wheelchair_taxi", "transport_cost": 45.5, "transport_paid_by": "council", "vehicle": "Example Cars",
			"escort": "Key worker", "escort_familiar": true, "equipment_travelling": "pressure mattress",
			"medication_travelling": true, "records_handed_over": false, "gp_changed": false, "dwp_notified": false,
			"placing_authority_notified": false, "contract_issued": false, "post_move_review_due": "2026-11-25", "notes": "",
			"destination_override_reason": "", "destination_override_by": "", "destination_override_role": "commissioner",
			"care_plan_handed_over": true, "identity_confirmed": true, "equipment_transferred": true,
			"handover_override_reason": "", "handover_override_role": "social_worker", "completed_at": "2026-11-18T11:00:00Z",
			"vacancy_override_reason": "", "vacancy_override_by": "", "vacancy_override_role": "commissioner",
		},
		required: []string{"incident_id", "resident_id", "from_service_id", "to_service_id", "status"},
		flagged:  []string{"to_service_id", "planned_at", "status"},
		scope:    "incident_id",
		bad: join([]badCase{
			uuidCase("to_service_id"),
			{name: "status in_progress", field: "status", value: "in_progress"},
			{name: "negative cost", field: "transport_cost", value: -10},
		}, timeCases("planned_at"), dateCases("post_move_review_due")),
	})
}

func TestDomain_MoveLegs(t *testing.T) {
	runCollectionCase(t, "move_legs", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "move_id": tMove, "sequence": 1, "from_place": "", "to_place": "",
			"departed_at": "2026-11-18T10:02:00Z", "arrived_at": "2026-11-18T10:41:00Z", "vehicle": "WX12 ABC",
			"escort": "Key worker", "identity_confirmed": true, "handed_over": true, "handed_over_at": "2026-11-18T11:00:00Z",
			"handed_over_to": "Deputy manager", "belongings_checked": true, "notes": "",
		},
		required: []string{"incident_id", "move_id"},
		scope:    "incident_id",
		bad: join([]badCase{
			uuidCase("move_id"),
			{name: "sequence 0", field: "sequence", value: 0},
		}, timeCases("departed_at"), timeCases("arrived_at")),
	})
}

func TestDomain_Vacancies(t *testing.T) {
	runCollectionCase(t, "vacancies", collectionCase{
		valid: map[string]any{
			"service_id": tService2, "category": "nursing", "places": 3, "accepting": true, "area": "Derby North",
			"as_of": "2026-11-12", "weekly_fee": 1020, "notes": "",
		},
		required: []string{"service_id", "category", "places", "accepting"},
		bad: join([]badCase{
			uuidCase("service_id"),
			{name: "negative places", field: "places", value: -1},
			{name: "places not integer", field: "places", value: 2.5, code: syncproto.CodeWrongType},
			{name: "accepting as string", field: "accepting", value: "yes", code: syncproto.CodeWrongType},
		}, dateCases("as_of")),
	})
}

func TestDomain_DecisionLog(t *testing.T) {
	runCollectionCase(t, "decision_log", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "decided_at": "2026-11-12T11:00:00Z", "decision": "Activate Process 2",
			"rationale": "Administrator appointed; home to close", "decided_by": "Service Director", "role": "director",
			"resident_id": tResident, "meeting_id": "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d", "recorded_by": "Admin lead",
		},
		required: []string{"incident_id", "decided_at", "decision", "decided_by"},
		scope:    "incident_id",
		bad:      join([]badCase{uuidCase("resident_id")}, timeCases("decided_at")),
	})
}

func TestDomain_MovementLog(t *testing.T) {
	runCollectionCase(t, "movement_log", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "resident_id": tResident, "move_id": tMove, "event": "arrived",
			"occurred_at": "2026-11-18T10:41:00Z", "from_service_id": tService, "to_service_id": tService2,
			"recorded_by": "Transport coordinator", "notes": "",
		},
		required: []string{"incident_id", "resident_id", "event", "occurred_at"},
		scope:    "incident_id",
		bad:      join([]badCase{uuidCase("move_id")}, timeCases("occurred_at")),
	})
}

func TestDomain_MoveCorrections(t *testing.T) {
	runCollectionCase(t, "move_corrections", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "move_id": tMove, "resident_id": tResident, "kind": "destination",
			"to_service_id": tService2, "completed_at": "2026-11-18T10:41:00Z", "reason": "Went to Oakwood Grange, not Belper",
			"corrected_by": "Admin lead",
		},
		required: []string{"incident_id", "move_id", "resident_id", "kind", "reason", "corrected_by"},
		scope:    "incident_id",
		bad: join([]badCase{uuidCase("move_id"), uuidCase("to_service_id"), {name: "unknown kind", field: "kind", value: "undo"},
			{name: "empty reason", field: "reason", value: ""}}, timeCases("completed_at")),
	})
}

func TestDomain_RiskLog(t *testing.T) {
	runCollectionCase(t, "risk_log", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "raised_at": "2026-11-12T15:00:00Z", "risk": "Agency staff unfamiliar with residents",
			"resident_id": tResident, "level": "high", "mitigation": "Keep regular staff on rota", "owner": "Lead commissioner",
			"status": "open", "review_by": "2026-11-16", "supersedes_id": "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
			"recorded_by": "Admin lead",
		},
		required: []string{"incident_id", "raised_at", "risk", "level", "status"},
		scope:    "incident_id",
		bad:      join(timeCases("raised_at"), dateCases("review_by")),
	})
}

func TestDomain_CommunicationsLog(t *testing.T) {
	runCollectionCase(t, "communications_log", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "occurred_at": "2026-11-13T09:30:00Z", "channel": "phone", "direction": "outgoing",
			"party": "family", "with_whom": "Ann Example", "resident_id": tResident, "summary": "Explained closure and next steps",
			"recorded_by": "Kim Example",
		},
		required: []string{"incident_id", "occurred_at", "channel", "direction", "party", "summary"},
		scope:    "incident_id",
		bad:      join([]badCase{{name: "empty summary", field: "summary", value: ""}}, timeCases("occurred_at")),
	})
}

func TestDomain_MeetingRecords(t *testing.T) {
	runCollectionCase(t, "meeting_records", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "meeting_type": "provider_failure_management", "held_at": "2026-11-12T14:00:00Z",
			"venue": "Council House, room 2", "chair": "Head of Integrated Commissioning",
			"attendees": []map[string]any{{"name": "A Chair", "chair": true}, {"name": "B Member", "organisation": "ICB"}},
			"summary":   "Agreed options and action plan", "decisions": "Spot purchase", "next_meeting_on": "2026-11-16",
			"actions":     []map[string]any{{"action": "Safe and well checks for all", "owner": "Operations", "due_on": "2026-11-13"}},
			"recorded_by": "Minute taker",
		},
		required: []string{"incident_id", "meeting_type", "held_at", "summary"},
		scope:    "incident_id",
		bad: join([]badCase{
			{name: "attendee without name", field: "attendees", value: []map[string]any{{"role": "x"}}},
		}, timeCases("held_at"), dateCases("next_meeting_on")),
	})
}

// TestDomain_Registry checks the set of collections and what other work
// depends on.
func TestDomain_Registry(t *testing.T) {
	want := []string{
		"best_interests_decisions", "capacity_assessments", "checklist_items", "communications_log", "concerns", "conflicts",
		"decision_log", "incidents", "meeting_records", "move_corrections", "move_legs", "movement_log", "moves", "providers",
		"rag_statuses", "residents", "risk_log", "safe_and_well_checks", "services", "vacancies",
		"cross_authority_notifications", "family_contacts", "placement_decisions", "post_move_reviews", "resident_events", "team_tasks",
		"notifications", "communication_plans", "staffing_cover", "payments", "resident_responsibilities", "resident_belongings", "complaints", "sab_referrals",
	}
	slices.Sort(want)
	reg := NewDomainRegistry()
	if got := reg.Names(); !slices.Equal(got, want) {
		t.Fatalf("collections = %v, want %v", got, want)
	}
	t.Run("core collections keep their fields", func(t *testing.T) {
		for _, core := range Core() {
			col, _ := reg.Collection(core.Name)
			for _, f := range core.Fields {
				g, ok := col.Field(f.Name)
				if !ok || g.Kind != f.Kind || g.Required != f.Required || g.Tag != f.Tag {
					t.Errorf("%s.%s changed", core.Name, f.Name)
				}
			}
		}
	})
	t.Run("unscoped collections", func(t *testing.T) {
		for _, n := range []string{"providers", "services", "vacancies", "concerns", "rag_statuses", "team_tasks"} {
			col, _ := reg.Collection(n)
			if col.ScopeField != "" {
				t.Errorf("%s is scoped by %s", n, col.ScopeField)
			}
			if _, ok := col.Field("incident_id"); ok {
				t.Errorf("%s has an incident_id field but is not scoped", n)
			}
		}
	})
	t.Run("incident-scoped collections", func(t *testing.T) {
		for _, n := range want {
			col, _ := reg.Collection(n)
			if col.ScopeField == "" {
				continue
			}
			f, ok := col.Field("incident_id")
			if !ok || !f.Required || f.Tag != "uuid" || col.ScopeField != "incident_id" {
				t.Errorf("%s: scope field must be a required uuid incident_id", n)
			}
		}
	})
	t.Run("scope of an incident is itself", func(t *testing.T) {
		c := upsert(t, "incidents", map[string]any{"incident_id": tIncident})
		if got := reg.ScopeOf(c, nil); got != tIncident {
			t.Fatalf("ScopeOf = %q", got)
		}
	})
	t.Run("fresh copies", func(t *testing.T) {
		a, b := Domain(), Domain()
		a[0].Fields[0].Name = "changed"
		if b[0].Fields[0].Name == "changed" || Providers.Fields[0].Name == "changed" {
			t.Fatal("Domain shares field slices")
		}
	})
}

// TestDomain_StructEnums checks that the oneof lists written in struct tags
// match the exported enums.
func TestDomain_StructEnums(t *testing.T) {
	cases := []struct {
		typ   any
		field string
		want  []string
	}{
		{PowerOfAttorney{}, "Kind", AuthorityKinds},
		{Equipment{}, "Owner", EquipmentOwners},
		{Consultee{}, "Role", ConsulteeRoles},
	}
	for _, c := range cases {
		rt := reflect.TypeOf(c.typ)
		t.Run(rt.Name()+"."+c.field, func(t *testing.T) {
			sf, ok := rt.FieldByName(c.field)
			if !ok {
				t.Fatalf("no field")
			}
			var got []string
			for _, part := range strings.Split(sf.Tag.Get("validate"), ",") {
				if v, ok := strings.CutPrefix(part, "oneof="); ok {
					got = strings.Fields(v)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("tag oneof %v, enum %v", got, c.want)
			}
		})
	}
}

func TestDomain_UnderDoLS(t *testing.T) {
	for _, s := range DoLSStatuses {
		t.Run(s, func(t *testing.T) {
			want := s == DoLSAuthorised || s == DoLSUrgent
			if UnderDoLS(s) != want {
				t.Fatalf("UnderDoLS(%q) = %v", s, !want)
			}
		})
	}
}

func TestDomain_ValidNHSNumbers(t *testing.T) {
	reg := NewDomainRegistry()
	for _, n := range []string{"9434765919", "9990000018", "9990000026", "4010232137"} {
		t.Run(n, func(t *testing.T) {
			c := upsert(t, "residents", map[string]any{"nhs_number": n})
			if e := reg.CheckFields(c, existing("residents")); e != nil {
				t.Fatalf("rejected: %v", e)
			}
		})
	}
}

// The collections a closure team uses every day.

func TestDomain_ResidentEvents(t *testing.T) {
	runCollectionCase(t, "resident_events", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "resident_id": tResident, "event": "death", "occurred_at": "2026-11-19T03:10:00Z",
			"place": "Larkfield House, room 12", "hospital": "", "discharged_to_service_id": tService2, "move_id": tService2, "corrects_event_id": tService2, "correction_reason": "", "details": "Died peacefully in her sleep",
			"family_informed_at": "2026-11-19T07:00:00Z", "family_informed_by": "Night nurse", "cqc_notified_at": "2026-11-19T10:00:00Z",
			"coroner_relevant": false, "coroner_notified_at": "2026-11-19T10:30:00Z", "placing_authority_notified_at": "2026-11-19T11:00:00Z",
			"recorded_by": "Kim Example",
		},
		required: []string{"incident_id", "resident_id", "event", "occurred_at"},
		scope:    "incident_id",
		bad:      join([]badCase{uuidCase("resident_id"), uuidCase("discharged_to_service_id")}, timeCases("occurred_at")),
	})
}

func TestDomain_PostMoveReviews(t *testing.T) {
	runCollectionCase(t, "post_move_reviews", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "resident_id": tResident, "move_id": tMove, "service_id": tService2, "review_type": "72_hours",
			"due_on": "2026-11-21", "visited_at": "2026-11-21T10:00:00Z", "reviewer_name": "Kim Example", "reviewer_role": "Social worker",
			"outcome": "settled", "feels_safe": "yes", "in_own_words": "The food is lovely", "wellbeing": "Settling well",
			"actions": "", "follow_up_due": "2026-12-16", "notes": "",
		},
		required: []string{"incident_id", "resident_id", "review_type", "due_on"},
		scope:    "incident_id",
		bad:      join([]badCase{uuidCase("move_id")}, dateCases("due_on"), timeCases("visited_at")),
	})
}

func TestDomain_FamilyContacts(t *testing.T) {
	runCollectionCase(t, "family_contacts", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "resident_id": tResident, "contact_name": "Ann Example", "relationship": "daughter",
			"occurred_at": "2026-11-14T10:00:00Z", "channel": "phone", "direction": "outgoing", "summary": "Explained the closure",
			"preferences": "Somewhere near Belper", "visit_offered": true, "visit_service_id": tService2, "visit_on": "2026-11-16",
			"recorded_by": "Kim Example",
		},
		required: []string{"incident_id", "resident_id", "contact_name", "occurred_at", "channel", "direction", "summary"},
		scope:    "incident_id",
		bad:      join([]badCase{{name: "empty summary", field: "summary", value: ""}}, timeCases("occurred_at"), dateCases("visit_on")),
	})
}

func TestDomain_PlacementDecisions(t *testing.T) {
	runCollectionCase(t, "placement_decisions", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "resident_id": tResident, "service_id": tService2, "decided_at": "2026-11-16T11:00:00Z",
			"chosen_by": "resident", "decided_by_name": "Edith Example", "best_interests_decision_id": tDecision,
			"preferences_considered": "Near her daughter", "visited": true, "move_on": "2026-11-24", "notes": "",
		},
		required: []string{"incident_id", "resident_id", "service_id", "decided_at", "chosen_by", "decided_by_name"},
		scope:    "incident_id",
		bad:      join([]badCase{uuidCase("service_id")}, timeCases("decided_at"), dateCases("move_on")),
	})
}

func TestDomain_CrossAuthorityNotifications(t *testing.T) {
	runCollectionCase(t, "cross_authority_notifications", collectionCase{
		valid: map[string]any{
			"incident_id": tIncident, "resident_id": tResident, "move_id": tMove, "recipient_kind": "placing_authority",
			"recipient": "Nottinghamshire County Council", "notified_at": "2026-11-12T15:00:00Z", "notified_by": "Senior QMO",
			"channel": "email", "summary": "They wish the JISG to act on their behalf", "acknowledged_at": "2026-11-12T16:00:00Z",
		},
		required: []string{"incident_id", "recipient_kind", "recipient", "notified_at"},
		scope:    "incident_id",
		bad:      join([]badCase{uuidCase("move_id")}, timeCases("notified_at")),
	})
}

func TestDomain_TeamTasks(t *testing.T) {
	runCollectionCase(t, "team_tasks", collectionCase{
		valid: map[string]any{
			"provider_id": tProvider, "team": "social_care", "title": "Neighbouring authority suspended placements",
			"details": "Nottinghamshire suspended care home placements on 10 November", "source": "neighbouring_authority_suspension",
			"created_at": "2026-11-10T09:00:00Z", "status": "open", "done_at": "2026-11-11T09:00:00Z", "done_by": "Team manager", "resident_id": tService2, "move_id": tService2, "service_id": tService2, "due_on": "2026-11-12",
		},
		required: []string{"provider_id", "team", "title", "created_at", "status"},
		bad:      join([]badCase{uuidCase("provider_id")}, timeCases("created_at")),
	})
}

// TestFundingStreamsOf: funding can be several things at once (003 Appendix
// 2 header: "Fully Funded Continuing Healthcare", "Funded Nursing Care",
// "Self-funders" are separate columns), and older records with one
// funding_stream stay readable.
func TestFundingStreamsOf(t *testing.T) {
	rec := func(fields map[string]any) *syncproto.Record {
		r := syncproto.NewRecord("residents", tResident)
		for k, v := range fields {
			b, _ := json.Marshal(v)
			r.Fields[k] = syncproto.FieldState{Value: b}
		}
		return r
	}
	cases := []struct {
		name   string
		fields map[string]any
		want   []string
	}{
		{"003 App.2 a self-funder receiving FNC counts in both columns", map[string]any{"funding_streams": []string{"self_funder", "fnc"}}, []string{"self_funder", "fnc"}},
		{"an older record with one funding_stream stays readable", map[string]any{"funding_stream": "la_funded"}, []string{"la_funded"}},
		{"funding_streams wins over the legacy field", map[string]any{"funding_stream": "la_funded", "funding_streams": []string{"nhs_chc"}}, []string{"nhs_chc"}},
		{"an empty list falls back to the legacy field", map[string]any{"funding_stream": "s117", "funding_streams": []string{}}, []string{"s117"}},
		{"nothing recorded", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rec(tc.fields)
			if got := FundingStreamsOf(r); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for _, f := range tc.want {
				if !HasFunding(r, f) {
					t.Fatalf("HasFunding(%s) false", f)
				}
			}
		})
	}
}
