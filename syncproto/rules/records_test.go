package rules

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func signedAssessment() Fields {
	return Fields{
		"id":            "ca-1",
		"resident_id":   "r1",
		"decision":      "where to live after the closure",
		"outcome":       "lacks_capacity",
		"stage1_impair": true,
		"sittings":      []any{"2024-03-04"},
		"signed_at":     "2024-03-04T11:00:00Z",
	}
}

func with(f Fields, k string, v any) Fields {
	out := Fields{}
	for kk, vv := range f {
		out[kk] = vv
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func TestCheckAssessmentChange_SignedIsNeverEdited(t *testing.T) {
	signed := signedAssessment()
	draft := with(signed, "signed_at", nil)
	tests := []struct {
		name          string
		before, after Fields
		codes         []string
		fields        []string
	}{
		{"create", nil, signed, nil, nil},
		{"edit a draft", draft, with(draft, "outcome", "has_capacity"), nil, nil},
		{"sign a draft", draft, signed, nil, nil},
		{"sign and edit a draft together", draft, with(signed, "outcome", "has_capacity"), nil, nil},
		{"offline replay of the signed record, unchanged", signed, with(signed, "sittings", json.RawMessage(` [ "2024-03-04" ] `)), nil, nil},
		{"edit the outcome of a signed assessment", signed, with(signed, "outcome", "has_capacity"), []string{CodeAssessmentSigned}, []string{"outcome"}},
		{"add a field to a signed assessment", signed, with(signed, "notes", "later thought"), []string{CodeAssessmentSigned}, []string{"notes"}},
		{"unsign a signed assessment", signed, with(signed, "signed_at", ""), []string{CodeAssessmentSigned}, []string{"signed_at"}},
		{"point a signed assessment at a successor", signed, with(signed, "superseded_by", "ca-2"), []string{CodeAssessmentSigned}, []string{"superseded_by"}},
		{"two fields edited, two violations, sorted", signed, with(with(signed, "outcome", "has_capacity"), "decision", "care"), []string{CodeAssessmentSigned, CodeAssessmentSigned}, []string{"decision", "outcome"}},
		{"delete a signed assessment", signed, nil, []string{CodeAssessmentSigned}, []string{""}},
		{"delete a draft", draft, nil, nil, nil},
		{"signed_at as time.Time, same instant in another zone", with(signed, "signed_at", time.Date(2024, 3, 4, 11, 0, 0, 0, time.UTC)),
			with(signed, "signed_at", time.Date(2024, 3, 4, 12, 0, 0, 0, time.FixedZone("CET", 3600))), nil, nil},
		{"1 and 1.0 are the same number", with(signed, "sittings_count", 1), with(signed, "sittings_count", 1.0), nil, nil},
		{"null and missing are the same", with(signed, "notes", nil), Fields(with(signed, "notes", nil)), nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := CheckAssessmentChange(tc.before, tc.after)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
			for i, v := range vs {
				if v.Field != tc.fields[i] {
					t.Errorf("violation %d field %q, want %q", i, v.Field, tc.fields[i])
				}
			}
		})
	}
}

func TestSigned(t *testing.T) {
	now := time.Date(2024, 3, 4, 11, 0, 0, 0, time.UTC)
	tests := []struct {
		v    any
		want bool
	}{
		{nil, false}, {"", false}, {"  ", false}, {time.Time{}, false}, {(*time.Time)(nil), false},
		{json.RawMessage("null"), false}, {json.RawMessage(`""`), false},
		{"2024-03-04T11:00:00Z", true}, {now, true}, {&now, true}, {json.RawMessage(`"2024-03-04T11:00:00Z"`), true},
	}
	for _, tc := range tests {
		if got := Signed(Fields{"signed_at": tc.v}); got != tc.want {
			t.Errorf("Signed(%#v) = %v", tc.v, got)
		}
	}
	if Signed(Fields{}) {
		t.Error("no signed_at is unsigned")
	}
}

func TestCheckSupersedes(t *testing.T) {
	prev := signedAssessment()
	next := Fields{"id": "ca-2", "supersedes_id": "ca-1", "resident_id": "r1", "decision": "where to live after the closure"}
	tests := []struct {
		name       string
		prev, next Fields
		codes      []string
	}{
		{"a new assessment names the signed one it supersedes", prev, next, nil},
		{"names nothing", prev, with(next, "supersedes_id", nil), []string{CodeSupersedesMismatch}},
		{"names another assessment", prev, with(next, "supersedes_id", "ca-9"), []string{CodeSupersedesMismatch}},
		{"supersedes itself", prev, with(next, "id", "ca-1"), []string{CodeSupersedesMismatch}},
		{"a different resident", prev, with(next, "resident_id", "r2"), []string{CodeSupersedesMismatch}},
		{"a different decision: capacity is decision-specific", prev, with(next, "decision", "medication"), []string{CodeSupersedesMismatch}},
		{"an unsigned draft is edited, not superseded", with(prev, "signed_at", nil), next, []string{CodeSupersedesMismatch}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := CheckSupersedes(tc.prev, tc.next)
			if !slices.Equal(vs.Codes(), tc.codes) {
				t.Fatalf("got %v, want %v", vs, tc.codes)
			}
		})
	}
}

func TestCheckLogChange_AppendOnly(t *testing.T) {
	entry := Fields{"id": "l1", "at": "2024-03-05T10:00:00Z", "text": "Mrs A departed with escort", "device_id": "tab-7"}
	for _, kind := range LogKinds() {
		tests := []struct {
			name          string
			before, after Fields
			codes         []string
		}{
			{"create", nil, entry, nil},
			{"replay unchanged", entry, with(entry, "text", "Mrs A departed with escort"), nil},
			{"change a field", entry, with(entry, "text", "Mrs A departed at 10:05"), []string{CodeLogAppendOnly}},
			{"add a field", entry, with(entry, "correction", "10:05"), []string{CodeLogAppendOnly}},
			{"delete", entry, nil, []string{CodeLogAppendOnly}},
		}
		for _, tc := range tests {
			// 003 Schedules A/B "Maintain logs for all requests, decisions, and
			// actions"; App.2 7.17 log of decisions and movement, 9.5 risk log.
			t.Run(string(kind)+"/"+tc.name, func(t *testing.T) {
				vs := CheckLogChange(kind, tc.before, tc.after)
				if !slices.Equal(vs.Codes(), tc.codes) {
					t.Fatalf("got %v, want %v", vs, tc.codes)
				}
			})
		}
	}
	if vs := CheckLogChange("diary", nil, entry); !vs.Has(CodeUnknownLogKind) {
		t.Fatalf("unknown kind accepted: %v", vs)
	}
}
