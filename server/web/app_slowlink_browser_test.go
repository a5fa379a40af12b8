package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/continuity-care/continuity/internal/slowlink"
	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/server/web"
	"github.com/continuity-care/continuity/server/web/apptest"
	"github.com/continuity-care/continuity/server/web/browsertest"
	"github.com/gofiber/fiber/v2"
)

// serverRecords is how many records a social worker granted the incident
// receives, counted by pulling from the server directly: what a first sync
// must bring.
func serverRecords(t *testing.T, srv *browsertest.Server, subject string) int {
	t.Helper()
	tok := srv.Token(t, subject, "social_worker", subject+"-counter", srv.Incident)
	seen := map[string]bool{}
	cursor := ""
	for {
		q := url.Values{"limit": {"5000"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		req, _ := http.NewRequest(http.MethodGet, srv.BackendURL+"/v1/sync/pull?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Changes []struct {
				Collection string `json:"collection"`
				RecordID   string `json:"record_id"`
			} `json:"changes"`
			Cursor  string `json:"cursor"`
			HasMore bool   `json:"has_more"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("pull: %d %v", resp.StatusCode, err)
		}
		for _, c := range page.Changes {
			seen[c.Collection+"/"+c.RecordID] = true
		}
		if !page.HasMore {
			return len(seen)
		}
		cursor = page.Cursor
	}
}

// TestApp_FirstSyncOverSlowLink: a fresh field app in Chromium, across an
// emulated 3G link (slowlink: tc netem where the kernel has it, a shaping
// proxy otherwise), is set up with an enrolment code and syncs the incident:
// it holds every record the server gives a social worker of the incident,
// sealed, one row a record, and lists the incident's residents. The demo
// incident, and a 60-resident home with a week of records (demo.Home). Its
// times are logged (bench/slowlink prints them against the aim), never
// asserted; only the order of the schema and the first pull is.
func TestApp_FirstSyncOverSlowLink(t *testing.T) {
	browsertest.RequireChromium(t)
	demoScenario, err := demo.Load(filepath.Join(browsertest.RepoRoot(), demo.DefaultPath))
	if err != nil {
		t.Fatal(err)
	}
	home, err := demo.Home(demoScenario, 60, 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		sc   demo.Scenario
	}{
		{"the demo incident", demoScenario},
		{"a 60-resident home with a week of records", home},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := browsertest.StartServer(t, browsertest.ServerOptions{Scenario: &tc.sc, Config: func(c *api.Config) {
				c.Mount = func(app *fiber.App) { web.Mount(app, web.Options{}) }
			}})
			base, link := srv.Link(t, slowlink.Regular3G)
			srv.User(t, "sky", "social_worker", srv.Incident)
			want := serverRecords(t, srv, "sky")
			code, err := srv.Auth.IssueCode(context.Background(), "sky", "Sky's tablet", "test", 15*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			b := browsertest.NewWith(t, browsertest.Options{SecureOrigins: []string{base}})
			fs, err := apptest.Run(b.Tab(), base, code.Code)
			if err != nil {
				t.Fatal(err)
			}
			// Nothing is pending after a first sync: a sealed base a record,
			// and no view row (the view of a record with nothing pending is
			// its base).
			if fs.Records != want || fs.Rows != want {
				t.Errorf("the app holds %d records in %d sealed rows, want the server's %d (a base each, no view row)", fs.Records, fs.Rows, want)
			}
			if len(fs.Pulls) == 0 {
				t.Fatal("no pull request was timed")
			}
			// The schema and the first pull page are asked for at once, not
			// one after the other across the link's round trip.
			for _, o := range fs.Other {
				if o.Path == "/v1/schema" && fs.Pulls[0].Start >= o.End {
					t.Errorf("the first pull was asked for at %.0f ms, after the schema's answer at %.0f ms", fs.Pulls[0].Start-fs.T0, o.End-fs.T0)
				}
			}
			st, err := demo.Apply(tc.sc)
			if err != nil {
				t.Fatal(err)
			}
			if residents := len(st.Records("residents")); fs.Residents != residents {
				t.Errorf("the list shows %d residents, the incident has %d", fs.Residents, residents)
			}
			var got int64
			for _, p := range fs.Pulls {
				got += p.Transfer
			}
			t.Logf("first sync over %s (%s): %d records, %.0f ms from the code sent to synced (%d pulls: %.0f ms waiting on the network, %.0f ms merging, sealing and storing; sealing %d rows alone %.0f ms); %d bytes received for the pulls; shell load %.0f ms",
				slowlink.Regular3G.Name, link.How, fs.Records, fs.Total, len(fs.Pulls), fs.Network, fs.Apply, fs.Rows, fs.Seal, got, fs.ShellLoad)
		})
	}
}
