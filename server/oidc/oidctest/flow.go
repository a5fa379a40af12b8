package oidctest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// Agent is a browser without a screen: a cookie jar and a client that does
// not follow redirects, so a test sees every hop of a sign-in.
type Agent struct {
	t      testing.TB
	Client *http.Client
}

// NewAgent returns an agent with an empty cookie jar.
func NewAgent(t testing.TB) *Agent {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Agent{t: t, Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Get fetches u and returns the response with its body read.
func (a *Agent) Get(u string) (*http.Response, string) {
	a.t.Helper()
	resp, err := a.Client.Get(u)
	if err != nil {
		a.t.Fatalf("GET %s: %v", u, err)
	}
	return a.read(resp)
}

// PostForm posts a form and returns the response with its body read.
func (a *Agent) PostForm(u string, v url.Values) (*http.Response, string) {
	a.t.Helper()
	resp, err := a.Client.PostForm(u, v)
	if err != nil {
		a.t.Fatalf("POST %s: %v", u, err)
	}
	return a.read(resp)
}

func (a *Agent) read(resp *http.Response) (*http.Response, string) {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp, string(b)
}

// Location resolves a redirect's Location against its request.
func Location(t testing.TB, resp *http.Response) string {
	t.Helper()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("%s %s answered %d without a Location: %v", resp.Request.Method, resp.Request.URL, resp.StatusCode, err)
	}
	return loc.String()
}

// Authorize follows an authorization URL at the provider, signs in as
// username with password on its sign-in page, and returns the address
// the provider sends the browser back to (the client's redirect URI with
// code and state, or with an error). It returns "" when the provider's
// sign-in page refused the user (a disabled account, a wrong password).
func (p *Provider) Authorize(a *Agent, authURL, username, password string) string {
	a.t.Helper()
	resp, _ := a.Get(authURL)
	loc := Location(a.t, resp)
	if !strings.Contains(loc, "/login/username") {
		return loc // an error sent straight back to the client
	}
	id := mustURL(a.t, loc).Query().Get("authRequestID")
	resp, _ = a.PostForm(p.Issuer+"/login/username", url.Values{"id": {id}, "username": {username}, "password": {password}})
	if resp.StatusCode == http.StatusForbidden {
		return ""
	}
	resp, _ = a.Get(Location(a.t, resp))
	return Location(a.t, resp)
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
