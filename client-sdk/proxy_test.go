package continuity

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/deploy/nginxtest"
)

// TestClient_PushBehindAProxyWithASmallerLimit: behind Debian's nginx with
// the documented configuration but a body limit smaller than the server's
// (256 KiB against 4 MiB), a device's outbox of Welsh and Punjabi notes is
// split into batches the proxy accepts, and every change reaches the
// server; one change larger than the proxy accepts fails the sync with a
// reason a person can act on, not nginx's page.
func TestClient_PushBehindAProxyWithASmallerLimit(t *testing.T) {
	srv := realServer(t)
	upstream := strings.TrimPrefix(srv.url, "http://")
	incident, sfx := newID(), short()
	scope := "incident:" + incident
	notes := strings.Repeat("Mae Siân yn hoffi te; ŵyr Llŷr. ਉਹ ਚਾਹ ਪੀਣਾ ਪਸੰਦ ਕਰਦੀ ਹੈ। ", 100)
	field := func() string {
		b, _ := json.Marshal(map[string]any{"incident_id": incident, "given_name": "Siân", "family_name": "Llŷr", "notes": notes})
		return string(b)
	}

	// The proxy's limit counts the body as sent: compressed, these notes would
	// pass. Plain bodies (an older server, or compression off) are where a
	// proxy's limit bites, so the splitting is tested with them.
	t.Run("batches are split until the proxy accepts them", func(t *testing.T) {
		px := nginxtest.Start(t, nginxtest.Options{Upstream: upstream, BodyLimit: "256k"})
		c, _ := openClient(t, func(cfg *Config) { cfg.HTTPClient, cfg.PlainRequests = px.Client, true })
		if err := c.EnrolWithAccessToken(px.URL, srv.token(t, "pat-"+sfx, "social_worker", "tab-p-"+sfx, scope)); err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		total := 0
		for total < 1<<20 {
			id, err := c.Put("residents", newID(), field())
			if err != nil {
				t.Fatal(err)
			}
			ids[id] = true
			total += len(notes)
		}
		rep, err := c.Sync()
		if err != nil {
			t.Fatalf("sync behind a 256k proxy: %v", err)
		}
		if rep.Applied != len(ids) {
			t.Fatalf("%d of %d changes applied", rep.Applied, len(ids))
		}
		if lim := c.pushBudget(); lim >= 1<<20 {
			t.Fatalf("push limit %d after the proxy's 413s, want it lowered", lim)
		}
		_, recs := srv.pullAll(t, srv.token(t, "bo-"+sfx, "back_office", "tab-o-"+sfx, scope))
		for id := range ids {
			r := recs["residents/"+id]
			if r == nil {
				t.Fatalf("resident %s is not on the server", id)
			}
			var got string
			if err := json.Unmarshal(r.Object()["notes"], &got); err != nil || got != notes {
				t.Fatalf("resident %s notes on the server differ: %v", id, err)
			}
		}
	})

	t.Run("one change over the proxy's limit: a reason to act on", func(t *testing.T) {
		px := nginxtest.Start(t, nginxtest.Options{Upstream: upstream, BodyLimit: "4k"})
		c, _ := openClient(t, func(cfg *Config) { cfg.HTTPClient, cfg.PlainRequests = px.Client, true })
		if err := c.EnrolWithAccessToken(px.URL, srv.token(t, "quin-"+sfx, "social_worker", "tab-q-"+sfx, scope)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Put("residents", newID(), field()); err != nil {
			t.Fatal(err)
		}
		_, err := c.Sync()
		if err == nil {
			t.Fatal("a change larger than the proxy accepts was sent")
		}
		for _, want := range []string{"413", "too large", "client_max_body_size"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("the reason %q does not say %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "<html") {
			t.Fatalf("the reason is nginx's page: %q", err)
		}
		if n, _ := c.PendingCount(); n != 1 {
			t.Fatalf("%d changes pending, want the refused one kept", n)
		}
	})
}
