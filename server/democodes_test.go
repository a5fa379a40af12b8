package main

import (
	"strings"
	"testing"
	"time"
)

// TestServe_DemoCodes: serve --demo prints a one-time code for the field app
// and one for the console, and each enrols a browser as the demo person.
func TestServe_DemoCodes(t *testing.T) {
	db := t.TempDir() + "/data/continuity.db"
	s := startServer(t, "--demo", "--db", db, "--demo-file", "../testdata/scenario/scenario.json")
	codes := map[string]string{}
	deadline := time.After(30 * time.Second)
	for len(codes) < 2 {
		select {
		case l := <-s.printed:
			f := strings.Fields(l)
			if len(f) == 5 && (f[0] == "field" || f[0] == "console") {
				codes[f[len(f)-2]] = f[len(f)-1]
			} else if len(f) == 4 && f[0] == "console" {
				codes[f[2]] = f[3]
			}
		case <-deadline:
			t.Fatalf("codes printed: %v\n%s", codes, s.stderr)
		}
	}
	for role, code := range codes {
		var pair struct {
			AccessToken string `json:"access_token"`
		}
		if st := s.post(t, "/v1/auth/enrol", "", map[string]string{"code": code}, &pair); st != 200 || pair.AccessToken == "" {
			t.Fatalf("enrol with the %s code = %d", role, st)
		}
		var me struct {
			Role      string `json:"role"`
			Incidents []struct {
				ID string `json:"id"`
			} `json:"incidents"`
		}
		if st := s.get(t, "/v1/me", pair.AccessToken, &me); st != 200 || me.Role != role || len(me.Incidents) != 1 {
			t.Fatalf("me = %d %+v, want %s holding the demo incident", st, me, role)
		}
	}
}
