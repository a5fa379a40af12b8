package rules

import (
	"errors"
	"regexp"
	"testing"
)

func TestAllCodes_SnakeCaseAndUnique(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, c := range AllCodes() {
		if !snake.MatchString(c) {
			t.Errorf("code %q is not snake_case", c)
		}
		if seen[c] {
			t.Errorf("code %q declared twice", c)
		}
		seen[c] = true
	}
	for _, c := range []string{"move_out_of_hours", "leg_arrives_before_departure", "resident_double_placed",
		"destination_not_registered", "assessment_signed", "log_append_only",
		"best_interests_needs_lacking_capacity", "lpa_decides", "imca_required", "rag_escalation_not_permitted"} {
		if !seen[c] {
			t.Errorf("brief's code %q missing", c)
		}
	}
}

func TestViolations_Error(t *testing.T) {
	var none Violations
	if none.Err() != nil {
		t.Fatal("empty Violations must give a nil error")
	}
	vs := Violations{
		{Code: CodeReasonRequired, Field: "reason", Message: "say why"},
		{Code: CodeRAGUnchanged, Message: "already RED"},
	}
	if got := vs.Err().Error(); got != "reason_required: say why (reason); rag_unchanged: already RED" {
		t.Fatalf("got %q", got)
	}
	var v Violation
	if !errors.As(vs[0], &v) || v.Code != CodeReasonRequired {
		t.Fatal("a Violation is an error")
	}
	if !vs.Has(CodeRAGUnchanged) || vs.Has(CodeLPADecides) {
		t.Fatal("Has")
	}
}
