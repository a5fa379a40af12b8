package demo

import (
	"testing"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// TestHome: the 60-resident home with a week of records holds 60 residents
// of the incident with distinct NHS numbers and a check of each on each of
// 7 days on top of the demo's records, and every change passes the domain
// schema as the server would apply it.
func TestHome(t *testing.T) {
	s := load(t)
	before, err := Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Home(s, 60, 7)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Apply(h)
	if err != nil {
		t.Fatal(err)
	}
	nhs := map[string]bool{}
	for _, r := range st.Records("residents") {
		if str(r, "incident_id") != s.IncidentID {
			continue
		}
		n := str(r, "nhs_number")
		if nhs[n] {
			t.Errorf("NHS number %s twice", n)
		}
		nhs[n] = true
	}
	if len(nhs) != 60 {
		t.Errorf("%d residents in the incident, want 60", len(nhs))
	}
	if got, want := len(st.Records("safe_and_well_checks")), len(before.Records("safe_and_well_checks"))+60*7; got != want {
		t.Errorf("%d checks, want %d", got, want)
	}
	for col, recs := range before {
		if len(st[col]) < len(recs) {
			t.Errorf("%s: %d records, the demo has %d", col, len(st[col]), len(recs))
		}
	}
	reg := schema.NewDomainRegistry()
	state := State{}
	for i, raw := range h.Changes {
		c, e := syncproto.ParseChange(raw)
		if e != nil {
			t.Fatalf("change %d: %v", i, e)
		}
		applyChecked(t, reg, state, i, c)
	}
}
