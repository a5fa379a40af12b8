package deploy_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/continuity-care/continuity/syncproto"
)

// TestProxyExamples checks the Caddy and IIS examples (neither runs here;
// nginx's configuration is run by TestNginx_DocumentedConfig) for what the
// nginx test proves: bodies up to the server's push limit, the stream
// unbuffered, HSTS, plain HTTP redirected and /metrics not published.
func TestProxyExamples(t *testing.T) {
	t.Run("Caddyfile", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join("caddy", "Caddyfile"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"max_size 5MB", "flush_interval -1", `header Strict-Transport-Security "max-age=31536000"`,
			"respond /metrics 404", "grace_period 40s", "reverse_proxy 127.0.0.1:8080"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("Caddyfile has no %q", want)
			}
		}
	})
	t.Run("IIS web.config", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join("iis", "web.config"))
		if err != nil {
			t.Fatal(err)
		}
		var cfg struct {
			WebServer struct {
				Limits struct {
					Max string `xml:"maxAllowedContentLength,attr"`
				} `xml:"security>requestFiltering>requestLimits"`
				Rules []struct {
					Name   string `xml:"name,attr"`
					Action struct {
						Type       string `xml:"type,attr"`
						URL        string `xml:"url,attr"`
						StatusCode string `xml:"statusCode,attr"`
						Value      string `xml:"value,attr"`
					} `xml:"action"`
					Match struct {
						URL      string `xml:"url,attr"`
						Variable string `xml:"serverVariable,attr"`
					} `xml:"match"`
				} `xml:"rewrite>rules>rule"`
				Outbound []struct {
					Match struct {
						Variable string `xml:"serverVariable,attr"`
					} `xml:"match"`
					Action struct {
						Value string `xml:"value,attr"`
					} `xml:"action"`
				} `xml:"rewrite>outboundRules>rule"`
			} `xml:"system.webServer"`
		}
		if err := xml.Unmarshal(b, &cfg); err != nil {
			t.Fatalf("web.config is not XML: %v", err)
		}
		if n, err := strconv.Atoi(cfg.WebServer.Limits.Max); err != nil || n < syncproto.MaxPushBytes {
			t.Errorf("maxAllowedContentLength %q is under the server's push limit %d", cfg.WebServer.Limits.Max, syncproto.MaxPushBytes)
		}
		var redirect, metrics bool
		for _, r := range cfg.WebServer.Rules {
			redirect = redirect || (r.Action.Type == "Redirect" && strings.HasPrefix(r.Action.URL, "https://"))
			metrics = metrics || (r.Match.URL == "^metrics$" && r.Action.StatusCode == "404")
		}
		if !redirect || !metrics {
			t.Errorf("web.config: redirect to HTTPS %v, /metrics refused %v", redirect, metrics)
		}
		hsts := false
		for _, r := range cfg.WebServer.Outbound {
			hsts = hsts || (r.Match.Variable == "RESPONSE_Strict_Transport_Security" && r.Action.Value == "max-age=31536000")
		}
		if !hsts {
			t.Error("web.config sets no Strict-Transport-Security")
		}
	})
}
