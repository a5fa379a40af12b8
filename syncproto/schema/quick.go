package schema

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Almost every value a push carries is a short string without escapes,
// checked by a validator tag of a few well-known parts. Such a value is
// read without encoding/json and checked without the validator's
// reflection; a value the quick check does not pass goes to the validator,
// which says why (or passes it), so every error keeps its words.

// stringOf returns the string the JSON value raw holds when raw is exactly
// a string without escapes, control characters or invalid UTF-8 (ok), as
// json.Unmarshal would decode it.
func stringOf(raw []byte) (s string, ok bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}

// unquote decodes the JSON value raw into a string as json.Unmarshal does
// (a null leaves it ""), quickly when stringOf can.
func unquote(raw []byte) (string, error) {
	if s, ok := stringOf(raw); ok {
		return s, nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// quickCheck reports whether a string passes a field's validator tag; false
// means the validator must decide.
type quickCheck func(s string) bool

// compileQuick returns the quick check of a string field's validator tag,
// nil when the tag has a part it does not know: uuid, date, rfc3339,
// nhs_number, uk_postcode, min=N and max=N (in runes) and oneof=a b c
// (without quotes), joined by commas.
func compileQuick(k Kind, tag string) quickCheck {
	if k != String || tag == "" {
		return nil
	}
	var checks []quickCheck
	for _, part := range strings.Split(tag, ",") {
		name, param, _ := strings.Cut(part, "=")
		var q quickCheck
		switch name {
		case "uuid":
			q = quickUUID
		case "date":
			q = ValidDate
		case "rfc3339":
			q = ValidRFC3339
		case "nhs_number":
			q = ValidNHSNumber
		case "uk_postcode":
			q = ValidUKPostcode
		case "min", "max":
			n, ok := decimal(param)
			if !ok {
				return nil
			}
			if name == "min" {
				q = func(s string) bool { return utf8.RuneCountInString(s) >= n }
			} else {
				q = func(s string) bool { return utf8.RuneCountInString(s) <= n }
			}
		case "oneof":
			if strings.ContainsAny(param, `'"`) {
				return nil
			}
			values := strings.Fields(param)
			q = func(s string) bool {
				for _, v := range values {
					if s == v {
						return true
					}
				}
				return false
			}
		default:
			return nil
		}
		if (name == "uuid" || name == "date" || name == "rfc3339" || name == "nhs_number" || name == "uk_postcode") && param != "" {
			return nil
		}
		checks = append(checks, q)
	}
	if len(checks) == 1 {
		return checks[0]
	}
	return func(s string) bool {
		for _, q := range checks {
			if !q(s) {
				return false
			}
		}
		return true
	}
}

// decimal parses a validator parameter written as plain decimal digits
// (no sign, no leading zero), which the validator reads the same way.
func decimal(s string) (int, bool) {
	if s == "" || len(s) > 9 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && !strings.ContainsAny(s, "+-")
}

// quickUUID is the validator's uuid tag: 8-4-4-4-12 hex digits of either
// case.
func quickUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
