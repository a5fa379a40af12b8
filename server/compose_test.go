package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/api"
	"go.yaml.in/yaml/v4"
)

// composeFile is what the test reads of deploy/compose.yaml.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Secrets  map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

type composeService struct {
	Image           string         `yaml:"image"`
	Command         []string       `yaml:"command"`
	EnvFile         []string       `yaml:"env_file"`
	Environment     map[string]any `yaml:"environment"`
	Secrets         []string       `yaml:"secrets"`
	Ports           []string       `yaml:"ports"`
	Volumes         []string       `yaml:"volumes"`
	StopSignal      string         `yaml:"stop_signal"`
	StopGracePeriod string         `yaml:"stop_grace_period"`
	Networks        any            `yaml:"networks"`
}

// serverFlags returns the flags a subcommand of this server really has, read
// from its -h output.
func serverFlags(t *testing.T, sub string) map[string]bool {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{sub, "-h"}, &out, &errb); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("%s -h: %v", sub, err)
	}
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z0-9-]+)`).FindAllStringSubmatch(errb.String(), -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		t.Fatalf("%s -h lists no flags:\n%s", sub, errb.String())
	}
	return flags
}

// flagValues returns a command's --flag values by name (checking each flag
// is one the subcommand has).
func flagValues(t *testing.T, service string, cmd []string) (string, map[string]string) {
	t.Helper()
	if len(cmd) == 0 {
		t.Fatalf("%s: no command", service)
	}
	sub, args := cmd[0], cmd[1:]
	known := serverFlags(t, sub)
	vals := map[string]string{}
	for i := 0; i < len(args); i++ {
		name, ok := strings.CutPrefix(args[i], "--")
		if !ok {
			t.Fatalf("%s: %q is not a flag", service, args[i])
		}
		name, val, inline := strings.Cut(name, "=")
		if !known[name] {
			t.Fatalf("%s: %s has no flag --%s", service, sub, name)
		}
		if !inline {
			if i+1 >= len(args) {
				t.Fatalf("%s: --%s has no value", service, name)
			}
			i++
			val = args[i]
		}
		vals[name] = val
	}
	return sub, vals
}

// TestCompose_ReferenceDeployment reads deploy/compose.yaml (no container
// engine runs here) and checks it against the server it deploys: every flag
// exists, the replicas share signing keys from a file and no password is in
// a command, stops wait out the 30 s drain, nginx runs the documented
// configuration with worker_shutdown_timeout, the replicas trust exactly
// the proxy's address, and neither the API nor the metrics port is
// published.
func TestCompose_ReferenceDeployment(t *testing.T) {
	root := filepath.Join("..", "deploy")
	b, err := os.ReadFile(filepath.Join(root, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("deploy/compose.yaml: %v", err)
	}
	var replicas []string
	for name, s := range f.Services {
		if s.Image == "continuity" && len(s.Command) > 0 && s.Command[0] == "serve" {
			replicas = append(replicas, name)
		}
	}
	slices.Sort(replicas)
	if len(replicas) != 2 {
		t.Fatalf("replicas %v, want two", replicas)
	}
	nginx, ok := f.Services["nginx"]
	if !ok {
		t.Fatal("no nginx service")
	}
	nginxAddr := ""
	if nets, ok := nginx.Networks.(map[string]any); ok {
		for _, n := range nets {
			if m, ok := n.(map[string]any); ok {
				nginxAddr, _ = m["ipv4_address"].(string)
			}
		}
	}

	for _, name := range replicas {
		t.Run(name, func(t *testing.T) {
			s := f.Services[name]
			_, v := flagValues(t, name, s.Command)
			db := v["db"]
			if !isPostgres(db) || redact(db) != db {
				t.Errorf("--db %q: want a postgres:// URL without a password", db)
			}
			if pw := v["db-password-file"]; pw == "" || !slices.Contains(s.Secrets, "db_password") {
				t.Errorf("the password must come from the db_password secret through --db-password-file (got %q, secrets %v)", pw, s.Secrets)
			}
			if len(s.EnvFile) == 0 {
				t.Errorf("no env_file: the replicas' shared %s must come from one", "CONTINUITY_SIGNING_KEYS")
			}
			if _, inline := s.Environment["CONTINUITY_SIGNING_KEYS"]; inline {
				t.Error("CONTINUITY_SIGNING_KEYS written into compose.yaml")
			}
			grace, err := time.ParseDuration(s.StopGracePeriod)
			if err != nil || grace < 35*time.Second {
				t.Errorf("stop_grace_period %q: want at least 35s for the 30 s drain", s.StopGracePeriod)
			}
			if s.StopSignal != "SIGTERM" {
				t.Errorf("stop_signal %q, want SIGTERM", s.StopSignal)
			}
			if len(s.Ports) > 0 {
				t.Errorf("the replica publishes %v: only nginx should be reachable", s.Ports)
			}
			proxies, err := api.ParseTrustedProxies(v["trusted-proxies"])
			if err != nil || nginxAddr == "" || !slices.ContainsFunc(proxies, func(p netip.Prefix) bool { return p.Contains(netip.MustParseAddr(nginxAddr)) }) {
				t.Errorf("--trusted-proxies %q does not name nginx's address %q (%v)", v["trusted-proxies"], nginxAddr, err)
			}
			if v["metrics-addr"] == "" {
				t.Error("no --metrics-addr: Prometheus on the container network could not scrape")
			}
		})
	}
	t.Run("migrate", func(t *testing.T) {
		s, ok := f.Services["migrate"]
		if !ok {
			t.Fatal("no migrate service")
		}
		sub, v := flagValues(t, "migrate", s.Command)
		if sub != "migrate" || redact(v["db"]) != v["db"] || v["db-password-file"] == "" {
			t.Errorf("migrate command %v: want migrate with --db-password-file and no password in --db", s.Command)
		}
	})
	t.Run("nginx", func(t *testing.T) {
		if !strings.Contains(strings.Join(nginx.Command, " "), "worker_shutdown_timeout") {
			t.Errorf("nginx command %v sets no worker_shutdown_timeout", nginx.Command)
		}
		mounted := map[string]string{}
		for _, vol := range nginx.Volumes {
			parts := strings.Split(vol, ":")
			mounted[parts[1]] = parts[0]
			if _, err := os.Stat(filepath.Join(root, parts[0])); err != nil && strings.HasPrefix(parts[0], "./nginx") {
				t.Errorf("volume %s: %v", vol, err)
			}
		}
		if mounted["/etc/nginx/conf.d/continuity.conf"] != "./nginx/continuity.conf" {
			t.Errorf("nginx does not run the documented deploy/nginx/continuity.conf: %v", mounted)
		}
		up, err := os.ReadFile(filepath.Join(root, strings.TrimPrefix(mounted["/etc/nginx/conf.d/continuity-upstream.conf"], "./")))
		if err != nil {
			t.Fatalf("upstream: %v", err)
		}
		for _, r := range replicas {
			if !strings.Contains(string(up), "server "+r+":8080") {
				t.Errorf("the upstream does not name %s:8080:\n%s", r, up)
			}
		}
		if !slices.Equal(nginx.Ports, []string{"80:80", "443:443"}) {
			t.Errorf("nginx ports %v, want 80 and 443 only", nginx.Ports)
		}
	})
	t.Run("secrets", func(t *testing.T) {
		if f.Secrets["db_password"].File == "" {
			t.Error("the db_password secret has no file")
		}
	})
	t.Run("Dockerfile and .dockerignore", func(t *testing.T) {
		df, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?m)^STOPSIGNAL SIGTERM$`).Match(df) {
			t.Error("the Dockerfile has no STOPSIGNAL SIGTERM")
		}
		m := regexp.MustCompile(`(?m)^CMD \["serve", (.*)\]$`).FindSubmatch(df)
		if m == nil {
			t.Fatal("the Dockerfile's CMD is not serve")
		}
		var args []string
		for _, a := range strings.Split(string(m[1]), ", ") {
			args = append(args, strings.Trim(a, `"`))
		}
		flagValues(t, "Dockerfile CMD", append([]string{"serve"}, args...))
		ign, err := os.ReadFile(filepath.Join("..", ".dockerignore"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"data/", ".git", "**/signing-keys.json", "**/*.db"} {
			if !slices.Contains(strings.Split(string(ign), "\n"), want) {
				t.Errorf(".dockerignore does not keep out %s", want)
			}
		}
	})
}
