package main

import (
	"bytes"
	"encoding/base64"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// fakeToken is an unsigned token naming a device and role (the tablet reads
// them; only the server verifies tokens).
func fakeToken(device, role string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." +
		enc.EncodeToString([]byte(`{"sub":"t","device_id":"`+device+`","role":"`+role+`"}`)) + ".sig"
}

func TestTablet_Run(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tablet.db")
	incident := uuid.NewString()
	run1 := func(t *testing.T, args ...string) (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(append(args, "--db", db), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	mustRun := func(t *testing.T, args ...string) string {
		t.Helper()
		out, err := run1(t, args...)
		if err != nil {
			t.Fatalf("tablet %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}

	t.Run("record before enrolment", func(t *testing.T) {
		if _, err := run1(t, "record", "resident", "--incident", incident, "--given-name", "A", "--family-name", "B"); err == nil {
			t.Fatal("recorded without enrolment")
		}
	})
	t.Run("enrol, record offline, list, status", func(t *testing.T) {
		out := mustRun(t, "enrol", "--server", "http://127.0.0.1:1", "--token", fakeToken("tab-cli", "social_worker"))
		if !strings.Contains(out, "enrolled device tab-cli") {
			t.Fatalf("enrol said %q", out)
		}
		out = mustRun(t, "record", "resident", "--incident", incident, "--given-name", "Edith", "--family-name", "Barlow", "--nhs", "9434765919")
		rid := regexp.MustCompile(`[0-9a-f-]{36}`).FindString(out)
		if rid == "" {
			t.Fatalf("record resident said %q", out)
		}
		mustRun(t, "record", "check", "--resident", rid, "--outcome", "safe_and_well", "--seen", "yes", "--observations", "well")
		mustRun(t, "record", "put", "--collection", "residents", "--id", rid, "--fields", `{"room":"12"}`)
		if out := mustRun(t, "list", "residents", "--incident", incident); !strings.Contains(out, "Barlow, Edith") || !strings.Contains(out, `room "12"`) {
			t.Fatalf("list residents said %q", out)
		}
		if out := mustRun(t, "list", "checks", "--resident", rid); !strings.Contains(out, "safe_and_well") {
			t.Fatalf("list checks said %q", out)
		}
		if out := mustRun(t, "status"); !strings.Contains(out, "pending:      3") || !strings.Contains(out, "role social_worker") {
			t.Fatalf("status said %q", out)
		}
	})
	t.Run("validation errors name the field", func(t *testing.T) {
		_, err := run1(t, "record", "resident", "--incident", incident, "--given-name", "A", "--family-name", "B", "--nhs", "1234567890")
		if err == nil || !strings.Contains(err.Error(), "fields.nhs_number") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{{"bogus"}, {"record"}, {"record", "pet"}, {"enrol", "--server", "http://x"}, {"list", "checks"}} {
			if _, err := run1(t, args...); err == nil {
				t.Fatalf("tablet %v succeeded", args)
			}
		}
	})
}
