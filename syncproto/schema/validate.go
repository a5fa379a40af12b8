package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// Validator wraps go-playground/validator with the tags the care domain
// needs: nhs_number, date (YYYY-MM-DD), rfc3339 and uk_postcode.
type Validator struct {
	v *validator.Validate
}

// NewValidator returns a validator with the domain tags registered.
func NewValidator() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name := strings.SplitN(f.Tag.Get("json"), ",", 2)[0]
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(v.RegisterValidation("nhs_number", func(fl validator.FieldLevel) bool { return ValidNHSNumber(fl.Field().String()) }))
	must(v.RegisterValidation("date", func(fl validator.FieldLevel) bool { return ValidDate(fl.Field().String()) }))
	must(v.RegisterValidation("rfc3339", func(fl validator.FieldLevel) bool { return ValidRFC3339(fl.Field().String()) }))
	must(v.RegisterValidation("uk_postcode", func(fl validator.FieldLevel) bool { return ValidUKPostcode(fl.Field().String()) }))
	return &Validator{v: v}
}

// Var validates a single value against a tag.
func (v *Validator) Var(val any, tag string) error { return v.v.Var(val, tag) }

// Struct validates a struct by its validate tags.
func (v *Validator) Struct(s any) error { return v.v.Struct(s) }

// checkTag reports a tag that validator cannot use, instead of letting it
// panic on the first change.
func (v *Validator) checkTag(k Kind, tag string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bad validator tag %q: %v", tag, r)
		}
	}()
	var sample any
	switch k {
	case String:
		sample = ""
	case Number:
		sample = 0.0
	case Integer:
		sample = int64(0)
	case Bool:
		sample = false
	case Object:
		sample = map[string]any{}
	case Array:
		sample = []any{}
	}
	_ = v.v.Var(sample, tag)
	return nil
}

// failed returns the tag and parameter of the first check a validator error
// names ("" when err is not one).
func (v *Validator) failed(err error) (tag, param string) {
	var ve validator.ValidationErrors
	if !errors.As(err, &ve) || len(ve) == 0 {
		return "", ""
	}
	return ve[0].Tag(), ve[0].Param()
}

// Explain turns a validator error into words a person can act on.
func (v *Validator) Explain(err error, doc string) string {
	var ve validator.ValidationErrors
	if !errors.As(err, &ve) || len(ve) == 0 {
		return err.Error()
	}
	fe := ve[0]
	prefix := ""
	if fe.Namespace() != "" && strings.Contains(fe.Namespace(), ".") {
		prefix = fe.Namespace()[strings.Index(fe.Namespace(), ".")+1:] + " "
	}
	var msg string
	switch fe.Tag() {
	case "required":
		msg = "is required"
	case "uuid", "uuid4":
		msg = "must be a UUID"
	case "nhs_number":
		msg = "must be a 10-digit NHS number with a valid check digit"
	case "date":
		msg = "must be a date written YYYY-MM-DD"
	case "rfc3339":
		msg = "must be an RFC 3339 time such as 2026-11-23T09:30:00Z"
	case "uk_postcode":
		msg = "must be a UK postcode such as DE1 2FS"
	case "oneof":
		msg = "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "max":
		msg = "must be at most " + fe.Param() + " long"
	case "min":
		msg = "must be at least " + fe.Param()
	case "gte":
		msg = "must be at least " + fe.Param()
	case "lte":
		msg = "must be at most " + fe.Param()
	case "email":
		msg = "must be an email address"
	default:
		msg = "fails check " + fe.Tag()
		if fe.Param() != "" {
			msg += "=" + fe.Param()
		}
	}
	if doc != "" && prefix == "" {
		msg += " (" + doc + ")"
	}
	return prefix + msg
}

// StructOf returns a Field.Check that decodes a value strictly into T (an
// object, or an array of objects when the field's kind is Array) and validates
// it by T's validate tags.
func StructOf[T any]() func(v *Validator, raw json.RawMessage) error {
	return func(v *Validator, raw json.RawMessage) error {
		trimmed := bytes.TrimSpace(raw)
		if len(trimmed) > 0 && trimmed[0] == '[' {
			var items []json.RawMessage
			if err := json.Unmarshal(raw, &items); err != nil {
				return err
			}
			for i, it := range items {
				if err := decodeStruct[T](v, it); err != nil {
					return fmt.Errorf("item %d: %w", i, err)
				}
			}
			return nil
		}
		return decodeStruct[T](v, raw)
	}
}

func decodeStruct[T any](v *Validator, raw json.RawMessage) error {
	var t T
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// In the words the JavaScript SDK uses, never Go's type names.
			if te.Field == "" {
				return errors.New("must be an object")
			}
			kind := map[reflect.Kind]Kind{reflect.Bool: Bool, reflect.String: String, reflect.Int: Integer, reflect.Int64: Integer, reflect.Float64: Number}[te.Type.Kind()]
			if kind == "" {
				kind = Any
			}
			return fmt.Errorf("%s must be a %s", te.Field, kind)
		}
		return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if err := v.Struct(t); err != nil {
		return errors.New(v.Explain(err, ""))
	}
	return nil
}

// ValidNHSNumber reports whether s is ten digits whose last is the modulus-11
// check digit of the first nine (NHSCheckDigit).
func ValidNHSNumber(s string) bool {
	if len(s) != 10 || s[9] < '0' || s[9] > '9' {
		return false
	}
	check, ok := NHSCheckDigit(s[:9])
	return ok && check == int(s[9]-'0')
}

// NHSCheckDigit is the modulus-11 check digit of an NHS number's first nine
// digits (weights 10 down to 2; 11 becomes 0); ok is false when they are not
// nine digits or the digit would be 10, which no NHS number is given.
func NHSCheckDigit(prefix string) (digit int, ok bool) {
	if len(prefix) != 9 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		if prefix[i] < '0' || prefix[i] > '9' {
			return 0, false
		}
		sum += int(prefix[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check, check != 10
}

// ValidDate reports whether s is a real calendar date written YYYY-MM-DD.
func ValidDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil && len(s) == 10
}

// ValidRFC3339 reports whether s is an RFC 3339 timestamp.
func ValidRFC3339(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// ukPostcodePattern is the shape of a UK postcode (outward code, optional
// space, inward code), including GIR 0AA, matched case-insensitively. It is
// exported to clients (Exported.Formats), so it must stay valid ECMAScript.
const ukPostcodePattern = `^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPS-UW]|[A-HK-Y][0-9][ABEHMNPRV-Y]) ?[0-9][ABD-HJLNP-UW-Z]{2})$`

// ukPostcode is ukPostcodePattern compiled, case-insensitive.
var ukPostcode = regexp.MustCompile(`(?i)` + ukPostcodePattern)

// ValidUKPostcode reports whether s has the shape of a UK postcode.
func ValidUKPostcode(s string) bool { return ukPostcode.MatchString(strings.TrimSpace(s)) }
