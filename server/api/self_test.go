package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

func TestServer_Me(t *testing.T) {
	e := newEnv(t)
	inc := loadScenario(t, e).IncidentID
	cases := []struct {
		name      string
		sub, role string
		grants    []string
		want      []string
	}{
		{"granted the demo incident", "alice", "social_worker", []string{inc}, []string{inc}},
		{"granted nothing", "nobody", "social_worker", nil, []string{}},
		{"granted an incident with no records", "carl", "transport_coordinator", []string{uuid.NewString()}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := e.token(tc.sub, tc.role, "dev-"+tc.sub, tc.grants...)
			r := e.do("GET", "/v1/me", tok, nil)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var me struct {
				Subject   string   `json:"subject"`
				Role      string   `json:"role"`
				DeviceID  string   `json:"device_id"`
				Scopes    []string `json:"scopes"`
				Incidents []struct {
					ID   string `json:"id"`
					Name string `json:"name"`
				} `json:"incidents"`
			}
			r.decode(t, &me)
			if me.Subject != tc.sub || me.Role != tc.role || me.DeviceID != "dev-"+tc.sub || len(me.Scopes) != len(tc.grants) {
				t.Errorf("me = %+v", me)
			}
			got := []string{}
			for _, i := range me.Incidents {
				got = append(got, i.ID)
				if i.Name == "" || i.Name == i.ID {
					t.Errorf("incident %s has no title: %q", i.ID, i.Name)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("incidents = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("the user's name", func(t *testing.T) {
		for _, name := range []string{"", "Nina Okafor"} {
			tok := e.token("nina", "social_worker", "dev-nina", inc)
			if _, err := e.auth.AddUser(context.Background(), "nina", "social_worker", name); err != nil {
				t.Fatal(err)
			}
			var me struct {
				Name *string `json:"name"`
			}
			e.do("GET", "/v1/me", tok, nil).decode(t, &me)
			if me.Name == nil || *me.Name != name {
				t.Errorf("name = %v, want %q", me.Name, name)
			}
		}
	})
	t.Run("needs a token", func(t *testing.T) {
		if r := e.do("GET", "/v1/me", "", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("status %d", r.Status)
		}
	})
}

func TestServer_Schema(t *testing.T) {
	e := newEnv(t)
	tok := e.token("alice", "social_worker", "tab-1")
	r := e.do("GET", "/v1/schema", tok, nil)
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got schema.Exported
	r.decode(t, &got)
	want := domain.Registry(domain.Options{}).Export()
	wb, _ := json.Marshal(want)
	if string(wb) != string(r.Body) {
		t.Error("GET /v1/schema is not the registry's export")
	}
	etag := r.Header.Get("ETag")
	if etag != `"`+want.Version+`"` {
		t.Errorf("ETag %q, want the version %q", etag, want.Version)
	}
	t.Run("003 App.2 7.15 7.20 7.21 7.24 the hand-over gate is served as data", func(t *testing.T) {
		var body struct {
			Gates struct {
				MoveCompletion struct {
					Items []struct {
						Field       string `json:"field"`
						Label       string `json:"label"`
						SeedRef     string `json:"seed_ref"`
						Overridable *bool  `json:"overridable"`
					} `json:"items"`
					OverrideRoles []string `json:"override_roles"`
				} `json:"move_completion"`
			} `json:"gates"`
		}
		r.decode(t, &body)
		g := body.Gates.MoveCompletion
		moves, _ := domain.Registry(domain.Options{}).Collection("moves")
		gate := rules.MoveCompletionGate()
		if len(g.Items) != len(gate.Items) || len(g.OverrideRoles) != len(gate.OverrideRoles) {
			t.Fatalf("gates.move_completion = %+v, want the %d items and %d roles of rules.MoveCompletionGate", g, len(gate.Items), len(gate.OverrideRoles))
		}
		fixed := map[string]bool{}
		for i, it := range g.Items {
			if it.Field != gate.Items[i].Field || it.Label == "" || it.SeedRef == "" || it.Overridable == nil {
				t.Errorf("item %d = %+v", i, it)
				continue
			}
			if _, ok := moves.Field(it.Field); !ok {
				t.Errorf("item %s is not a field of moves", it.Field)
			}
			if !*it.Overridable {
				fixed[it.Field] = true
			}
		}
		if !fixed["medication_travelling"] || !fixed["identity_confirmed"] {
			t.Errorf("medication (7.20) and identity (7.21) must never be overridable: fixed %v", fixed)
		}
		for _, role := range g.OverrideRoles {
			if role == "transport_coordinator" {
				t.Errorf("the transport coordinator may not override the hand-over: %v", g.OverrideRoles)
			}
		}
	})
	t.Run("not modified", func(t *testing.T) {
		req, _ := http.NewRequest("GET", e.url+"/v1/schema", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("If-None-Match", etag)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("status %d, want 304", resp.StatusCode)
		}
	})
	t.Run("needs a token", func(t *testing.T) {
		if r := e.do("GET", "/v1/schema", "", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("status %d", r.Status)
		}
	})
}
