package rules

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Fields is a record's fields by name, as a sync change or a stored record
// carries them. Values may be any JSON-encodable Go value, including
// json.RawMessage; they are compared by their JSON meaning, so 1 and 1.0, or
// {"a":1} and { "a": 1 }, are the same value. A missing field and a null
// field are the same.
type Fields map[string]any

// Field names the immutability rules read.
const (
	// FieldID is a record's id.
	FieldID = "id"
	// FieldSignedAt is when a capacity assessment was signed; a non-empty
	// value means the assessment is signed.
	FieldSignedAt = "signed_at"
	// FieldSupersedesID names the assessment a new one supersedes.
	FieldSupersedesID = "supersedes_id"
	// FieldResidentID names the person a record is about.
	FieldResidentID = "resident_id"
	// FieldDecision is the specific decision a capacity assessment is about.
	FieldDecision = "decision"
)

// Signed reports whether an assessment's fields show it signed: signed_at is
// present and not null, "" or the zero time.
func Signed(f Fields) bool {
	v, ok := f[FieldSignedAt]
	if !ok || v == nil {
		return false
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x) != ""
	case time.Time:
		return !x.IsZero()
	case *time.Time:
		return x != nil && !x.IsZero()
	case json.RawMessage:
		s := strings.TrimSpace(string(x))
		return s != "" && s != "null" && s != `""`
	}
	return true
}

// CheckAssessmentChange decides whether a change to a capacity assessment
// (domain.md "Capacity assessment"; Mental Capacity Act 2005) is allowed.
// before is nil for a create, after is nil for a delete. Once signed it is a
// legal record: never edited or deleted, only superseded by a new assessment
// that names it in supersedes_id (see CheckSupersedes). Signing, and editing
// before signing, are allowed; re-sending the signed record unchanged (an
// offline device's replay) is allowed. Each changed field is one violation.
func CheckAssessmentChange(before, after Fields) Violations {
	if before == nil || !Signed(before) {
		return nil
	}
	if after == nil {
		return Violations{violation(CodeAssessmentSigned, "", "a signed capacity assessment is a legal record and is never deleted; supersede it with a new assessment that names it in supersedes_id")}
	}
	var vs Violations
	for _, k := range changedFields(before, after) {
		vs = append(vs, violation(CodeAssessmentSigned, k, "a signed capacity assessment is never edited (field %s); supersede it with a new assessment that names it in supersedes_id", k))
	}
	return vs
}

// CheckSupersedes checks that next properly supersedes previous: next names
// previous's id in supersedes_id, and both are about the same person and the
// same decision (capacity is decision-specific). previous must itself be
// signed: an unsigned draft is simply edited.
func CheckSupersedes(previous, next Fields) Violations {
	var vs Violations
	pid, _ := previous[FieldID].(string)
	sid, _ := next[FieldSupersedesID].(string)
	nid, _ := next[FieldID].(string)
	switch {
	case pid == "" || sid != pid:
		vs = append(vs, violation(CodeSupersedesMismatch, FieldSupersedesID, "the new assessment must name the one it supersedes (supersedes_id %q, previous id %q)", sid, pid))
	case nid != "" && nid == pid:
		vs = append(vs, violation(CodeSupersedesMismatch, FieldID, "an assessment cannot supersede itself; create a new one"))
	}
	if !Signed(previous) {
		vs = append(vs, violation(CodeSupersedesMismatch, FieldSupersedesID, "only a signed assessment is superseded; an unsigned draft is edited"))
	}
	for _, k := range []string{FieldResidentID, FieldDecision} {
		if !sameValue(previous[k], next[k]) {
			vs = append(vs, violation(CodeSupersedesMismatch, k, "a superseding assessment is about the same %s as the one it supersedes", strings.ReplaceAll(k, "_id", "")))
		}
	}
	return vs
}

// LogKind is one of the append-only logs.
type LogKind string

// The append-only logs (domain.md "Logs"; 003 Schedules A and B, "Maintain
// logs for all requests, decisions, and actions"; Appendix 2 items 7.17, 9.1,
// 9.5).
const (
	LogDecision       LogKind = "decision"
	LogMovement       LogKind = "movement"
	LogRisk           LogKind = "risk"
	LogCommunications LogKind = "communications"
	LogMeeting        LogKind = "meeting"
	// LogContact is a resident's family and representatives contact log
	// (003 Appendix 2, 5.1-5.5, 7.2-7.9).
	LogContact LogKind = "contact"
	// LogMoveCorrection is the corrections of completed moves: like a log,
	// a correction once made is never changed or deleted.
	LogMoveCorrection LogKind = "move_correction"
)

// LogKinds returns every log kind.
func LogKinds() []LogKind {
	return []LogKind{LogDecision, LogMovement, LogRisk, LogCommunications, LogMeeting, LogContact, LogMoveCorrection}
}

// CheckLogChange decides whether a change to a log record is allowed: logs are
// append-only, so a record may be created but, once created, never changed or
// deleted (a correction is a new entry). before is nil for a create, after is
// nil for a delete; re-sending a record unchanged is allowed.
func CheckLogChange(kind LogKind, before, after Fields) Violations {
	known := false
	for _, k := range LogKinds() {
		known = known || k == kind
	}
	if !known {
		return Violations{violation(CodeUnknownLogKind, "", "unknown log kind %q", kind)}
	}
	switch {
	case before == nil:
		return nil
	case after == nil:
		return Violations{violation(CodeLogAppendOnly, "", "the %s log is append-only: a record once created may not be deleted; add a new entry instead", kind)}
	}
	var vs Violations
	for _, k := range changedFields(before, after) {
		vs = append(vs, violation(CodeLogAppendOnly, k, "the %s log is append-only: a record once created may not be changed (field %s); add a new entry instead", kind, k))
	}
	return vs
}

// changedFields returns the sorted names of fields whose values differ.
func changedFields(before, after Fields) []string {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if !sameValue(before[k], after[k]) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// sameValue compares two field values by their JSON meaning.
func sameValue(a, b any) bool {
	ca, okA := canonical(a)
	cb, okB := canonical(b)
	if !okA || !okB {
		return reflect.DeepEqual(a, b)
	}
	return reflect.DeepEqual(ca, cb)
}

// canonical decodes v's JSON encoding into plain Go values.
func canonical(v any) (any, bool) {
	var raw []byte
	switch x := v.(type) {
	case nil:
		return nil, true
	case json.RawMessage:
		raw = x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), true
	case *time.Time:
		if x == nil {
			return nil, true
		}
		return x.UTC().Format(time.RFC3339Nano), true
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, false
		}
		raw = b
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil, true
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, false
	}
	return out, true
}
