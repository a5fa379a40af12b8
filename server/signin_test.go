package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/oidc"
	"github.com/continuity-care/continuity/server/oidc/oidctest"
	"github.com/continuity-care/continuity/server/sqlite"
)

// TestCouncilSignIn_Flags: without --oidc-issuer nothing is built; with it,
// the public URL, role map and secret are required, and a good set
// discovers the provider and builds the redirect URI from --public-url.
func TestCouncilSignIn_Flags(t *testing.T) {
	prov := oidctest.Start(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "roles.json")
	if err := os.WriteFile(good, []byte(`{"cont-back-office": "back_office"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"cont-back-office": "wizard"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, "continuity.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	keys, err := auth.LoadKeys(dir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(store, auth.NewTokens(keys, time.Now), time.Now)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	full := []string{"--public-url", "https://continuity.council.test", "--oidc-issuer", prov.Issuer, "--oidc-client-id", "continuity", "--oidc-role-map", good}
	cases := []struct {
		name   string
		args   []string
		secret string
		want   string // "" builds
	}{
		{"no issuer: off", nil, "", ""},
		{"client id without issuer", []string{"--oidc-client-id", "x"}, "", "need --oidc-issuer"},
		{"no public url", []string{"--oidc-issuer", prov.Issuer, "--oidc-client-id", "continuity", "--oidc-role-map", good}, "s", "needs --public-url"},
		{"no role map", []string{"--public-url", "https://c.test", "--oidc-issuer", prov.Issuer, "--oidc-client-id", "continuity"}, "s", "needs --oidc-role-map"},
		{"no secret", full, "", envOIDCSecret},
		{"unknown role", []string{"--public-url", "https://c.test", "--oidc-issuer", prov.Issuer, "--oidc-client-id", "continuity", "--oidc-role-map", bad}, "s", `"wizard", which is not a role`},
		{"no client id", []string{"--public-url", "https://c.test", "--oidc-issuer", prov.Issuer, "--oidc-role-map", good}, "s", "client id is required"},
		{"issuer not reachable", []string{"--public-url", "https://c.test", "--oidc-issuer", "http://127.0.0.1:1", "--oidc-client-id", "continuity", "--oidc-role-map", good}, "s", "discover"},
		{"configured", full, "s", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envOIDCSecret, tc.secret)
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			f := addSignInFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			got, err := councilSignIn(context.Background(), f, svc, store, log)
			switch {
			case tc.want != "":
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
			case err != nil:
				t.Fatal(err)
			case len(tc.args) == 0 && got != nil:
				t.Fatal("built without --oidc-issuer")
			case len(tc.args) > 0 && (got == nil || got.RedirectURI() != "https://continuity.council.test"+oidc.CallbackPath):
				t.Fatalf("redirect URI %v", got)
			}
		})
	}
}
