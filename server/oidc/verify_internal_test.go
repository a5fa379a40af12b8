package oidc

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/continuity-care/continuity/server/oidc/oidctest"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

const testRedirect = "https://continuity.test/v1/auth/oidc/callback"

// idToken runs the code flow at p for a client, as alice, with nonce, and
// returns the ID token the provider issued.
func idToken(t *testing.T, p *oidctest.Provider, clientID, secret, redirect, nonce string) string {
	t.Helper()
	cfg := oauth2.Config{ClientID: clientID, ClientSecret: secret, RedirectURL: redirect, Scopes: []string{"openid", "profile", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: p.Issuer + "/authorize", TokenURL: p.Issuer + "/oauth/token"}}
	v := oauth2.GenerateVerifier()
	back := p.Authorize(oidctest.NewAgent(t), cfg.AuthCodeURL("st", oauth2.SetAuthURLParam("nonce", nonce), oauth2.S256ChallengeOption(v)), "alice", "pw")
	u, err := url.Parse(back)
	if err != nil || u.Query().Get("code") == "" {
		t.Fatalf("no code in %q", back)
	}
	tok, err := cfg.Exchange(context.Background(), u.Query().Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		t.Fatal("no id_token")
	}
	return raw
}

// TestService_Verify checks ID tokens the real provider issued: the right
// one passes; one for another client, one from another issuer (same
// signing key), an expired one and one with another nonce do not.
func TestService_Verify(t *testing.T) {
	prov := oidctest.Start(t)
	alias := prov.Alias(t)
	prov.AddClient(oidctest.Client{ID: "continuity", Secret: "s3cret", RedirectURIs: []string{testRedirect}})
	prov.AddClient(oidctest.Client{ID: "other-app", Secret: "other", RedirectURIs: []string{"https://other.test/cb"}})
	prov.SetUser(oidctest.User{Username: "alice", Password: "pw", Email: "alice@council.test", Groups: []string{"cont-back-office"}})
	rm, err := ParseRoleMap([]byte(`{"cont-back-office": "back_office"}`))
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Now()}
	s, err := New(context.Background(), Config{PublicURL: "https://continuity.test", Issuer: prov.Issuer, ClientID: "continuity", ClientSecret: "s3cret", RoleMap: rm, Now: clk.Now}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Now()
	good := idToken(t, prov, "continuity", "s3cret", testRedirect, "n1")
	cases := []struct {
		name, raw, nonce string
		at               time.Time
		want             string // "" accepted, else part of the error
	}{
		{"happy path", good, "n1", issued, ""},
		{"within the clock skew after expiry", good, "n1", issued.Add(time.Hour + time.Minute), ""},
		{"expired", good, "n1", issued.Add(time.Hour + DefaultSkew + time.Minute), "expired"},
		{"wrong audience", idToken(t, prov, "other-app", "other", "https://other.test/cb", "n1"), "n1", issued, "audience"},
		{"wrong issuer", idToken(t, alias, "continuity", "s3cret", testRedirect, "n1"), "n1", issued, "issued by a different provider"},
		{"wrong nonce", good, "n2", issued, "nonce"},
		{"not a token", "abc.def.ghi", "n1", issued, "malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk.Set(tc.at)
			claims, sub, err := s.verify(context.Background(), tc.raw, tc.nonce)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if sub != "alice" || claimValues(claims["groups"])[0] != "cont-back-office" {
					t.Fatalf("sub %q claims %v", sub, claims)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestParseRoleMap keeps file order (the first mapping wins) and refuses
// unknown roles, duplicates and an empty map.
func TestParseRoleMap(t *testing.T) {
	m, err := ParseRoleMap([]byte(`{"z-admins": "admin", "a-back": "back_office"}`))
	if err != nil {
		t.Fatal(err)
	}
	if role, v := m.RoleFor([]string{"a-back", "z-admins"}); role != "admin" || v != "z-admins" {
		t.Fatalf("got %s from %s, want admin from the first mapping", role, v)
	}
	if role, _ := m.RoleFor([]string{"finance"}); role != "" {
		t.Fatalf("unmapped group gave %q", role)
	}
	for _, bad := range []string{`{}`, `[]`, `{"g": "wizard"}`, `{"g": "admin", "g": "admin"}`, `{"": "admin"}`, `{"g": 1}`, `{"g": "admin"} {}`} {
		t.Run(bad, func(t *testing.T) {
			if _, err := ParseRoleMap([]byte(bad)); err == nil {
				t.Fatalf("%s accepted", bad)
			}
		})
	}
}
