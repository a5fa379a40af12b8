package schema

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/continuity-care/continuity/syncproto"
)

// quickTags are the tags of the domain's string fields, with the field
// each is first found on.
func quickTags(r *Registry) map[string]*Field {
	out := map[string]*Field{}
	for _, name := range r.Names() {
		col, _ := r.Collection(name)
		for i := range col.Fields {
			if f := &col.Fields[i]; f.Kind == String && f.Tag != "" && out[f.Tag] == nil {
				out[f.Tag] = f
			}
		}
	}
	return out
}

// TestCompileQuick_PassesOnlyWhatTheValidatorPasses checks, for every
// string tag of the domain, that a string the quick check passes is one
// the validator passes too (a string it does not pass goes to the
// validator, so it may be stricter, never looser); and that the quick
// checks cover the tags of the couch case's residents.
func TestCompileQuick_PassesOnlyWhatTheValidatorPasses(t *testing.T) {
	r := NewDomainRegistry()
	tags := quickTags(r)
	var words []string
	for tag := range tags {
		if v, ok := strings.CutPrefix(tag, "oneof="); ok {
			words = append(words, strings.Fields(v)...)
		}
	}
	strs := rapid.OneOf(
		rapid.String(),
		rapid.StringMatching(`[0-9a-fA-FgG-]{30,40}`),
		rapid.Custom(func(t *rapid.T) string {
			// A UUID of either case with one character changed.
			u := []rune(rapid.StringMatching(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`).Draw(t, "uuid"))
			u[rapid.IntRange(0, len(u)-1).Draw(t, "at")] = rapid.SampledFrom([]rune("gG-_ zé0aA")).Draw(t, "to")
			return string(u)
		}),
		rapid.StringMatching(`[0-9]{4}-[0-9]{2}-[0-9]{2}`),
		rapid.StringMatching(`[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})`),
		rapid.StringMatching(`[0-9 ]{9,11}`),
		rapid.StringMatching(`[A-Za-z]{1,2}[0-9]{1,2}[A-Z]? ?[0-9][A-Za-z]{2}`),
		rapid.SampledFrom(words),
		rapid.Custom(func(t *rapid.T) string {
			w := rapid.SampledFrom(words).Draw(t, "word")
			return rapid.SampledFrom([]string{strings.ToUpper(w), w + " ", " " + w, w[:len(w)-1]}).Draw(t, "near")
		}),
		rapid.Custom(func(t *rapid.T) string {
			return strings.Repeat(rapid.SampledFrom([]string{"a", "é", "😀", " "}).Draw(t, "unit"), rapid.IntRange(0, 50010).Draw(t, "n"))
		}),
	)
	for tag, f := range tags {
		q := r.quick[f]
		t.Run(tag, func(t *testing.T) {
			if q == nil {
				t.Skip("no quick check: the validator checks every value")
			}
			rapid.Check(t, func(t *rapid.T) {
				for _, s := range rapid.SliceOfN(strs, 1, 20).Draw(t, "strings") {
					if q(s) {
						if err := r.v.Var(s, tag); err != nil {
							t.Fatalf("%q passes the quick check of %q, but the validator says %v", s, tag, err)
						}
					}
				}
			})
		})
	}
	col, _ := r.Collection("residents")
	for _, name := range []string{"incident_id", "given_name", "family_name", "date_of_birth", "nhs_number", "notes"} {
		if f, _ := col.Field(name); r.quick[f] == nil {
			t.Errorf("residents.%s (%q) has no quick check", name, f.Tag)
		}
	}
}

// TestStringOf_SameAsUnmarshal checks a string stringOf reads is the one
// json.Unmarshal decodes, and that unquote decodes as json.Unmarshal does,
// for JSON strings of any bytes and for other values.
func TestStringOf_SameAsUnmarshal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		raw := []byte(rapid.OneOf(
			rapid.Custom(func(t *rapid.T) string { return `"` + string(rapid.SliceOf(rapid.Byte()).Draw(t, "bytes")) + `"` }),
			rapid.Custom(func(t *rapid.T) string { b, _ := json.Marshal(rapid.String().Draw(t, "s")); return string(b) }),
			rapid.SampledFrom([]string{`null`, `1`, `""`, ` "a"`, `"a" `, `"a\"b"`, `"\u00e9"`, `{}`, `"`, `"a"b"`}),
		).Draw(t, "raw"))
		var want string
		wantErr := json.Unmarshal(raw, &want)
		if s, ok := stringOf(raw); ok && (wantErr != nil || s != want) {
			t.Fatalf("stringOf(%q) = %q; json.Unmarshal gives %q, %v", raw, s, want, wantErr)
		}
		got, err := unquote(raw)
		if got != want || (err == nil) != (wantErr == nil) {
			t.Fatalf("unquote(%q) = %q, %v; json.Unmarshal gives %q, %v", raw, got, err, want, wantErr)
		}
	})
}

// TestRegistry_CheckFields_QuickSameAsValidator checks CheckFields gives
// the same verdict, error and words with the quick checks as with the
// validator alone, over residents with values drawn near each tag's edge.
func TestRegistry_CheckFields_QuickSameAsValidator(t *testing.T) {
	fast := NewDomainRegistry().WithClock(func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) })
	slow := fast.WithClock(func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) })
	slow.quick = map[*Field]quickCheck{}
	values := map[string]*rapid.Generator[string]{
		"incident_id":   rapid.OneOf(rapid.StringMatching(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`), rapid.StringMatching(`[0-9a-gA-G-]{35,37}`)),
		"given_name":    rapid.StringN(0, 3, 210),
		"family_name":   rapid.OneOf(rapid.StringN(0, 3, 5), rapid.StringMatching(`[a-z]{195,205}`)),
		"date_of_birth": rapid.StringMatching(`(18|19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]`),
		"nhs_number":    rapid.StringMatching(`[0-9]{9,11}`),
		"notes":         rapid.OneOf(rapid.String(), rapid.Custom(func(t *rapid.T) string { return strings.Repeat("é", rapid.IntRange(19995, 20005).Draw(t, "n")) })),
		"status":        rapid.OneOf(rapid.SampledFrom([]string{"in_placement", "moved", "In_placement", "moved "}), rapid.String()),
	}
	rapid.Check(t, func(t *rapid.T) {
		c := syncproto.Change{ID: "7b0c6f1e-2c1a-4f7e-9d2b-1a2b3c4d5e6f", Collection: "residents", RecordID: "0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b",
			Op: syncproto.OpUpsert, Fields: map[string]json.RawMessage{}}
		for name, gen := range values {
			if rapid.IntRange(0, 5).Draw(t, "omit "+name) == 0 {
				continue
			}
			b, _ := json.Marshal(gen.Draw(t, name))
			c.Fields[name] = b
		}
		got, want := fast.CheckFields(c, nil), slow.CheckFields(c, nil)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%v\nquick: %v\nvalidator alone: %v", c.Fields, got, want)
		}
	})
}
