// Package oidctest runs a real OpenID provider in-process for tests: the
// zitadel/oidc v3 op package (the same code providers are built on), with
// users whose groups and enabled state a test changes, clients it
// registers, and a minimal username-and-password sign-in page.
package oidctest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is a person in the provider's directory.
type User struct {
	Username string
	Password string
	Email    string
	Name     string
	Groups   []string
	Disabled bool
}

// Client is an application registered at the provider.
type Client struct {
	ID             string
	Secret         string
	RedirectURIs   []string
	PostLogoutURIs []string
	// IDTokenLifetime defaults to one hour.
	IDTokenLifetime time.Duration
}

// Provider is a running provider.
type Provider struct {
	// Issuer is the provider's issuer URL (the server's address).
	Issuer string
	Server *httptest.Server
	dir    *directory
	store  *store
}

// Start runs a provider until the test ends.
func Start(t testing.TB) *Provider {
	t.Helper()
	dir := &directory{users: map[string]*User{}}
	st := &store{Storage: storage.NewStorageWithClients(dir, map[string]*storage.Client{}), dir: dir, clients: map[string]Client{}}
	return serve(t, st)
}

// Alias runs a second provider at another address, with another issuer,
// sharing this one's users, clients and signing key: its tokens differ
// from this one's only in the issuer.
func (p *Provider) Alias(t testing.TB) *Provider {
	return serve(t, p.store)
}

func serve(t testing.TB, st *store) *Provider {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cfg := &op.Config{
		CryptoKey:                sha256.Sum256([]byte("continuity oidctest")),
		DefaultLogoutRedirectURI: "/signed-out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.English},
	}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(srv.URL), op.WithAllowInsecure())
	if err != nil {
		t.Fatalf("oidctest: %v", err)
	}
	p := &Provider{Issuer: srv.URL, Server: srv, dir: st.dir, store: st}
	mux.HandleFunc("/login/username", p.login)
	mux.HandleFunc("/signed-out", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("signed out of the provider"))
	})
	mux.Handle("/", provider)
	return p
}

// AddClient registers a confidential client (secret sent by Basic auth or
// in the body; code, refresh-token grants; PKCE honoured when sent).
func (p *Provider) AddClient(c Client) {
	if c.IDTokenLifetime == 0 {
		c.IDTokenLifetime = time.Hour
	}
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.clients[c.ID] = c
}

// SetUser adds a user or replaces one (same Username).
func (p *Provider) SetUser(u User) {
	p.dir.mu.Lock()
	defer p.dir.mu.Unlock()
	cp := u
	cp.Groups = slices.Clone(u.Groups)
	p.dir.users[u.Username] = &cp
}

// SetGroups changes a user's groups.
func (p *Provider) SetGroups(username string, groups ...string) {
	p.dir.mu.Lock()
	defer p.dir.mu.Unlock()
	p.dir.users[username].Groups = groups
}

// Disable disables a user: they cannot sign in and their refresh tokens
// are refused.
func (p *Provider) Disable(username string) {
	p.dir.mu.Lock()
	defer p.dir.mu.Unlock()
	p.dir.users[username].Disabled = true
}

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Council sign-in</title></head><body>
<h1>Council sign-in (test provider)</h1>
{{if .Error}}<p id="login-error">{{.Error}}</p>{{end}}
<form method="post" action="/login/username">
<input type="hidden" name="id" value="{{.ID}}">
<label for="username">Username</label> <input id="username" name="username">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button id="login-submit" type="submit">Sign in</button>
</form></body></html>`))

func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodGet {
		_ = loginPage.Execute(w, map[string]string{"ID": r.Form.Get("authRequestID")})
		return
	}
	id, name := r.PostForm.Get("id"), r.PostForm.Get("username")
	p.dir.mu.Lock()
	u := p.dir.users[name]
	disabled := u != nil && u.Disabled
	p.dir.mu.Unlock()
	err := errors.New("this account is disabled")
	if !disabled {
		err = p.store.CheckUsernamePassword(name, r.PostForm.Get("password"), id)
	}
	if err != nil {
		w.WriteHeader(http.StatusForbidden)
		_ = loginPage.Execute(w, map[string]string{"ID": id, "Error": err.Error()})
		return
	}
	http.Redirect(w, r, p.Issuer+"/authorize/callback?id="+id, http.StatusFound)
}

// directory is the user store the example storage reads.
type directory struct {
	mu    sync.Mutex
	users map[string]*User
}

func (d *directory) GetUserByID(id string) *storage.User { return d.GetUserByUsername(id) }

func (d *directory) GetUserByUsername(name string) *storage.User {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[name]
	if !ok {
		return nil
	}
	return &storage.User{ID: u.Username, Username: u.Username, Password: u.Password, Email: u.Email, EmailVerified: true, FirstName: u.Name, PreferredLanguage: language.English}
}

func (d *directory) ExampleClientID() string { return "service" }

func (d *directory) user(id string) (User, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[id]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// store is the example storage with this package's clients, and ID tokens
// that carry preferred_username, email, name and groups.
type store struct {
	*storage.Storage
	dir     *directory
	mu      sync.Mutex
	clients map[string]Client
}

func (s *store) client(id string) (Client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	return c, ok
}

// GetClientByClientID implements op.Storage.
func (s *store) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.client(id)
	if !ok {
		return nil, fmt.Errorf("client %q not found", id)
	}
	return opClient{c}, nil
}

// AuthorizeClientIDSecret implements op.Storage.
func (s *store) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, ok := s.client(id)
	if !ok || c.Secret != secret {
		return errors.New("client id or secret wrong")
	}
	return nil
}

// SetUserinfoFromRequest implements op.CanSetUserinfoFromRequest: the ID
// token's claims, read from the directory when the token is made (so a
// refresh sees changed groups).
func (s *store) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	u, ok := s.dir.user(req.GetSubject())
	if !ok {
		return fmt.Errorf("user %q not found", req.GetSubject())
	}
	info.Subject = u.Username
	info.PreferredUsername = u.Username
	info.Email = u.Email
	info.EmailVerified = true
	info.Name = u.Name
	info.AppendClaims("groups", slices.Clone(u.Groups))
	return nil
}

// TokenRequestByRefreshToken implements op.Storage: a disabled user's
// refresh tokens are refused.
func (s *store) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	req, err := s.Storage.TokenRequestByRefreshToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if u, ok := s.dir.user(req.GetSubject()); !ok || u.Disabled {
		return nil, errors.New("user is disabled")
	}
	return req, nil
}

type opClient struct{ c Client }

func (o opClient) GetID() string                    { return o.c.ID }
func (o opClient) RedirectURIs() []string           { return o.c.RedirectURIs }
func (o opClient) PostLogoutRedirectURIs() []string { return o.c.PostLogoutURIs }
func (o opClient) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeWeb
}
func (o opClient) AuthMethod() oidc.AuthMethod { return oidc.AuthMethodBasic }
func (o opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (o opClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (o opClient) LoginURL(id string) string            { return "/login/username?authRequestID=" + id }
func (o opClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (o opClient) IDTokenLifetime() time.Duration       { return o.c.IDTokenLifetime }
func (o opClient) DevMode() bool                        { return true }
func (o opClient) IsScopeAllowed(string) bool           { return false }
func (o opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (o opClient) ClockSkew() time.Duration             { return 0 }
func (o opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (o opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
