package api_test

import (
	"context"
	"database/sql"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/oidc"
	"github.com/continuity-care/continuity/server/oidc/oidctest"
	"github.com/continuity-care/continuity/syncproto/domain"
)

// oidcEnv is a server with council sign-in against a real provider
// running in the test.
type oidcEnv struct {
	*env
	prov   *oidctest.Provider
	svc    *oidc.Service
	dbPath string
}

const oidcSecret = "council-client-secret"

// newOIDCEnv starts a provider with users alice (back office), bob (a
// group that gives no role) and a server whose council sign-in uses it.
func newOIDCEnv(t *testing.T) *oidcEnv {
	t.Helper()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "continuity.db")
	store := openTestStore(t, dbPath)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	prov := oidctest.Start(t)
	prov.AddClient(oidctest.Client{ID: "continuity", Secret: oidcSecret, RedirectURIs: []string{base + oidc.CallbackPath},
		PostLogoutURIs: []string{base + "/console/", base + "/app/"}})
	prov.SetUser(oidctest.User{Username: "alice", Password: "pw", Email: "alice@council.test", Name: "Alice Example", Groups: []string{"staff", "cont-back-office"}})
	prov.SetUser(oidctest.User{Username: "bob", Password: "pw", Email: "bob@council.test", Groups: []string{"finance"}})

	clk := &clock{t: time.Now().UTC()}
	keys, err := auth.LoadKeys(dir, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	syn := care.NewSync(store, domain.Registry(domain.Options{}), clk.Now, "server", log)
	if syn.Cursors, err = care.NewCursorCodec(keys.CursorKeys()...); err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(store, auth.NewTokens(keys, clk.Now), clk.Now)
	rm, err := oidc.ParseRoleMap([]byte(`{"cont-admin": "admin", "cont-back-office": "back_office"}`))
	if err != nil {
		t.Fatal(err)
	}
	osvc, err := oidc.New(context.Background(), oidc.Config{PublicURL: base, Issuer: prov.Issuer, ClientID: "continuity", ClientSecret: oidcSecret,
		RoleMap: rm, Now: clk.Now, Logger: log}, svc, store, store.(care.SignInStore))
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Config{Store: store, Access: store, Sync: syn, Auth: svc, Logger: log, RateLimit: 100000, EnrolFailures: 100000, Now: clk.Now, OIDC: osvc})
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		store.Close()
	})
	e := &env{t: t, url: base, store: store, auth: svc, clock: clk, logs: logs, keys: keys, sync: syn, srv: srv}
	return &oidcEnv{env: e, prov: prov, svc: osvc, dbPath: dbPath}
}

// signIn runs a council sign-in for a screen as username in agent a, up to
// the server's answer to the callback; it returns that answer, its body
// and the callback address.
func (o *oidcEnv) signIn(a *oidctest.Agent, purpose, username string) (*http.Response, string, string) {
	o.t.Helper()
	resp, _ := a.Get(o.url + "/v1/auth/oidc/start?for=" + purpose)
	if resp.StatusCode != http.StatusFound {
		o.t.Fatalf("start: %d", resp.StatusCode)
	}
	back := o.prov.Authorize(a, oidctest.Location(o.t, resp), username, "pw")
	if back == "" {
		return nil, "", ""
	}
	resp, body := a.Get(back)
	return resp, body, back
}

// collect exchanges the handoff of a successful sign-in for a token pair.
func (o *oidcEnv) collect(resp *http.Response) auth.Pair {
	o.t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		o.t.Fatalf("callback answered %d, want 303 to the console", resp.StatusCode)
	}
	loc, err := url.Parse(oidctest.Location(o.t, resp))
	if err != nil {
		o.t.Fatal(err)
	}
	r := o.do("POST", "/v1/auth/oidc/session", "", map[string]string{"handoff": loc.Query().Get("oidc_handoff")})
	if r.Status != 200 {
		o.t.Fatalf("session: %d %s", r.Status, r.Body)
	}
	var p auth.Pair
	r.decode(o.t, &p)
	return p
}

func (o *oidcEnv) events() []care.AuthEvent {
	o.t.Helper()
	r := o.do("GET", "/v1/admin/auth-events", o.token("root", care.RoleAdmin, "root-tab"), nil)
	if r.Status != 200 {
		o.t.Fatalf("auth-events: %d %s", r.Status, r.Body)
	}
	var out struct{ Events []care.AuthEvent }
	r.decode(o.t, &out)
	return out.Events
}

func (o *oidcEnv) lastEvent() care.AuthEvent {
	o.t.Helper()
	evs := o.events()
	if len(evs) == 0 {
		o.t.Fatal("the sign-in audit is empty")
	}
	return evs[len(evs)-1]
}

func (o *oidcEnv) refresh(p auth.Pair) response {
	o.t.Helper()
	return o.do("POST", "/v1/auth/token", "", map[string]string{"refresh_token": p.RefreshToken})
}

func (o *oidcEnv) me(token string) (response, map[string]any) {
	o.t.Helper()
	r := o.do("GET", "/v1/me", token, nil)
	var m map[string]any
	if r.Status == 200 {
		r.decode(o.t, &m)
	}
	return r, m
}

// TestOIDC_SignIn signs in through a real OpenID provider running in the
// test.
func TestOIDC_SignIn(t *testing.T) {
	t.Run("happy path: user created with the mapped role, device enrolled, audited", func(t *testing.T) {
		o := newOIDCEnv(t)
		resp, _, _ := o.signIn(oidctest.NewAgent(t), "console", "alice")
		if loc := oidctest.Location(t, resp); !strings.HasPrefix(loc, o.url+"/console/?oidc_handoff=") {
			t.Fatalf("sent to %s", loc)
		}
		p := o.collect(resp)
		r, me := o.me(p.AccessToken)
		if r.Status != 200 || me["subject"] != "alice" || me["role"] != care.RoleBackOffice || me["name"] != "Alice Example" {
			t.Fatalf("me: %d %v", r.Status, me)
		}
		ev := o.lastEvent()
		if ev.Event != care.AuthSignIn || ev.Subject != "alice" || ev.Role != care.RoleBackOffice || ev.DeviceID != p.DeviceID || ev.Method != "oidc" {
			t.Fatalf("audit: %+v", ev)
		}
		if r := o.refresh(p); r.Status != 200 {
			t.Fatalf("refresh while still in the group: %d %s", r.Status, r.Body)
		}
	})
	t.Run("the handoff is collected once", func(t *testing.T) {
		o := newOIDCEnv(t)
		resp, _, _ := o.signIn(oidctest.NewAgent(t), "app", "alice")
		if loc := oidctest.Location(t, resp); !strings.HasPrefix(loc, o.url+"/app/?oidc_handoff=") {
			t.Fatalf("sent to %s", loc)
		}
		o.collect(resp)
		loc, _ := url.Parse(oidctest.Location(t, resp))
		r := o.do("POST", "/v1/auth/oidc/session", "", map[string]string{"handoff": loc.Query().Get("oidc_handoff")})
		if r.Status != 401 || r.errorBody(t).Field != "handoff" {
			t.Fatalf("second collection: %d %s", r.Status, r.Body)
		}
	})
	t.Run("unknown group: refusal page names the groups to ask for, audited, no user made", func(t *testing.T) {
		o := newOIDCEnv(t)
		resp, body, _ := o.signIn(oidctest.NewAgent(t), "console", "bob")
		if resp.StatusCode != 403 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("callback: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{"no role in Continuity", "You signed in as bob", "cont-back-office", "back office", "cont-admin"} {
			if !strings.Contains(body, want) {
				t.Errorf("the refusal page does not say %q:\n%s", want, body)
			}
		}
		ev := o.lastEvent()
		if ev.Event != care.AuthRefused || ev.Subject != "bob" || !strings.Contains(ev.Detail, "groups") {
			t.Fatalf("audit: %+v", ev)
		}
		if _, err := o.store.User(context.Background(), "bob"); err == nil {
			t.Fatal("a refused person was made a user")
		}
	})
	t.Run("disabled at the provider: cannot sign in", func(t *testing.T) {
		o := newOIDCEnv(t)
		o.prov.Disable("alice")
		if resp, _, _ := o.signIn(oidctest.NewAgent(t), "console", "alice"); resp != nil {
			t.Fatalf("a disabled account got to the callback: %d", resp.StatusCode)
		}
	})
	t.Run("user disabled in Continuity: refused, audited, not re-enabled", func(t *testing.T) {
		if os.Getenv("CONTINUITY_TEST_STORE") == "postgres" {
			t.Skip("the store has no way to disable a user but SQL; run on SQLite")
		}
		o := newOIDCEnv(t)
		ctx := context.Background()
		if _, err := o.auth.AddUser(ctx, "alice", care.RoleBackOffice, ""); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("sqlite3", o.dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("UPDATE users SET disabled_at = ? WHERE subject = 'alice'", time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			t.Fatal(err)
		}
		resp, body, _ := o.signIn(oidctest.NewAgent(t), "console", "alice")
		if resp.StatusCode != 403 || !strings.Contains(body, "disabled your account in Continuity") {
			t.Fatalf("callback: %d %s", resp.StatusCode, body)
		}
		if ev := o.lastEvent(); ev.Event != care.AuthRefused || ev.Subject != "alice" || ev.Detail != "user is disabled" {
			t.Fatalf("audit: %+v", ev)
		}
		if u, err := o.store.User(ctx, "alice"); err != nil || u.DisabledAt == nil {
			t.Fatalf("alice after the refused sign-in: %+v %v", u, err)
		}
	})
	t.Run("replayed code: refused by the provider, audited", func(t *testing.T) {
		o := newOIDCEnv(t)
		a := oidctest.NewAgent(t)
		start, _ := a.Get(o.url + "/v1/auth/oidc/start?for=console")
		cookie := start.Cookies()[0]
		back := o.prov.Authorize(a, oidctest.Location(t, start), "alice", "pw")
		first, _ := a.Get(back)
		o.collect(first)
		// The callback cleared the cookie; an attacker replaying the
		// address with the cookie as it was is refused by the provider.
		u, _ := url.Parse(o.url)
		a.Client.Jar.SetCookies(u, []*http.Cookie{{Name: cookie.Name, Value: cookie.Value, Path: "/v1/auth/oidc"}})
		resp, body := a.Get(back)
		if resp.StatusCode != 403 || !strings.Contains(body, "refused to complete the sign-in") {
			t.Fatalf("replay: %d %s", resp.StatusCode, body)
		}
		if ev := o.lastEvent(); ev.Event != care.AuthRefused || !strings.Contains(ev.Detail, "code exchange refused: invalid_grant") {
			t.Fatalf("audit: %+v", ev)
		}
	})
	t.Run("missing PKCE: the code is bound to the verifier the browser never sees", func(t *testing.T) {
		o := newOIDCEnv(t)
		a := oidctest.NewAgent(t)
		start, _ := a.Get(o.url + "/v1/auth/oidc/start?for=console")
		authURL, _ := url.Parse(oidctest.Location(t, start))
		if q := authURL.Query(); q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" {
			t.Fatalf("the authorization request lacks PKCE or a nonce: %s", authURL)
		}
		back, _ := url.Parse(o.prov.Authorize(a, authURL.String(), "alice", "pw"))
		// Someone who has the code but not the verifier cannot use it.
		resp, err := http.PostForm(o.prov.Issuer+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
			"redirect_uri": {o.url + oidc.CallbackPath}, "client_id": {"continuity"}, "client_secret": {oidcSecret}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("exchange without the verifier: %d, want 400", resp.StatusCode)
		}
	})
	t.Run("callback without the sign-in cookie is refused", func(t *testing.T) {
		o := newOIDCEnv(t)
		a := oidctest.NewAgent(t)
		start, _ := a.Get(o.url + "/v1/auth/oidc/start?for=console")
		back := o.prov.Authorize(oidctest.NewAgent(t), oidctest.Location(t, start), "alice", "pw")
		resp, body := oidctest.NewAgent(t).Get(back)
		if resp.StatusCode != 403 || !strings.Contains(body, "no sign-in in progress") {
			t.Fatalf("callback in another browser: %d %s", resp.StatusCode, body)
		}
		if ev := o.lastEvent(); ev.Event != care.AuthRefused {
			t.Fatalf("audit: %+v", ev)
		}
	})
	t.Run("state from another sign-in is refused", func(t *testing.T) {
		o := newOIDCEnv(t)
		a := oidctest.NewAgent(t)
		start, _ := a.Get(o.url + "/v1/auth/oidc/start?for=console")
		back := o.prov.Authorize(a, oidctest.Location(t, start), "alice", "pw")
		resp, body := a.Get(strings.Replace(back, "state=", "state=x", 1))
		if resp.StatusCode != 403 || !strings.Contains(body, "does not belong to the sign-in this browser started") {
			t.Fatalf("callback with another state: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("error from the provider is shown and audited", func(t *testing.T) {
		o := newOIDCEnv(t)
		resp, body := oidctest.NewAgent(t).Get(o.url + "/v1/auth/oidc/callback?error=access_denied&error_description=user+cancelled")
		if resp.StatusCode != 403 || !strings.Contains(body, "user cancelled") {
			t.Fatalf("callback: %d %s", resp.StatusCode, body)
		}
		if ev := o.lastEvent(); ev.Event != care.AuthRefused || !strings.Contains(ev.Detail, "access_denied") {
			t.Fatalf("audit: %+v", ev)
		}
	})
	t.Run("bad for", func(t *testing.T) {
		o := newOIDCEnv(t)
		r := o.do("GET", "/v1/auth/oidc/start?for=kiosk", "", nil)
		if r.Status != 400 || r.errorBody(t).Field != "for" {
			t.Fatalf("start: %d %s", r.Status, r.Body)
		}
	})
}

// TestOIDC_Refresh: every token refresh asks the provider again.
func TestOIDC_Refresh(t *testing.T) {
	signedIn := func(t *testing.T) (*oidcEnv, auth.Pair) {
		o := newOIDCEnv(t)
		resp, _, _ := o.signIn(oidctest.NewAgent(t), "console", "alice")
		return o, o.collect(resp)
	}
	t.Run("role lost at the next refresh: refused, device revoked, audited", func(t *testing.T) {
		o, p := signedIn(t)
		o.prov.SetGroups("alice", "staff")
		r := o.refresh(p)
		if r.Status != 401 || !strings.Contains(r.errorBody(t).Message, "no longer in a group") {
			t.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
		if r, _ := o.me(p.AccessToken); r.Status != 401 {
			t.Fatalf("the access token still works after the role was lost: %d", r.Status)
		}
		if ev := o.lastEvent(); ev.Event != care.AuthSessionEnded || ev.Subject != "alice" || !strings.Contains(ev.Detail, "role lost") {
			t.Fatalf("audit: %+v", ev)
		}
	})
	t.Run("role changed at the next refresh", func(t *testing.T) {
		o, p := signedIn(t)
		o.prov.SetGroups("alice", "cont-admin")
		r := o.refresh(p)
		if r.Status != 200 {
			t.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
		var next auth.Pair
		r.decode(t, &next)
		if _, me := o.me(next.AccessToken); me["role"] != care.RoleAdmin {
			t.Fatalf("role after refresh: %v", me["role"])
		}
	})
	t.Run("disabled at the provider: refused at the next refresh", func(t *testing.T) {
		o, p := signedIn(t)
		o.prov.Disable("alice")
		r := o.refresh(p)
		if r.Status != 401 {
			t.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
		if ev := o.lastEvent(); ev.Event != care.AuthSessionEnded || !strings.Contains(ev.Detail, "provider refused refresh") {
			t.Fatalf("audit: %+v", ev)
		}
	})
	t.Run("session lifetime", func(t *testing.T) {
		o, p := signedIn(t)
		o.clock.Advance(oidc.DefaultSessionLifetime + time.Minute)
		r := o.refresh(p)
		if r.Status != 401 || !strings.Contains(r.errorBody(t).Message, "lasts 8h") {
			t.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
	})
	t.Run("code-enrolled devices are not asked about", func(t *testing.T) {
		o := newOIDCEnv(t)
		ctx := context.Background()
		if _, err := o.auth.AddUser(ctx, "carol", care.RoleSocialWorker, ""); err != nil {
			t.Fatal(err)
		}
		code, err := o.auth.IssueCode(ctx, "carol", "Ward iPad 3", "root", 0)
		if err != nil {
			t.Fatal(err)
		}
		r := o.do("POST", "/v1/auth/enrol", "", map[string]string{"code": code.Code})
		if r.Status != 200 {
			t.Fatalf("enrol by code with a provider configured: %d %s", r.Status, r.Body)
		}
		var p auth.Pair
		r.decode(t, &p)
		if r := o.refresh(p); r.Status != 200 {
			t.Fatalf("refresh of a code-enrolled device: %d %s", r.Status, r.Body)
		}
	})
}

// TestOIDC_SignOut ends the Continuity session and hands back the
// provider's logout address.
func TestOIDC_SignOut(t *testing.T) {
	o := newOIDCEnv(t)
	a := oidctest.NewAgent(t)
	resp, _, _ := o.signIn(a, "console", "alice")
	p := o.collect(resp)
	r := o.do("POST", "/v1/auth/oidc/logout", p.AccessToken, map[string]string{"return": "console"})
	if r.Status != 200 {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	var out struct {
		SignedOut     bool   `json:"signed_out"`
		EndSessionURL string `json:"end_session_url"`
	}
	r.decode(t, &out)
	end, err := url.Parse(out.EndSessionURL)
	if err != nil || !out.SignedOut || !strings.HasPrefix(out.EndSessionURL, o.prov.Issuer) || end.Query().Get("id_token_hint") == "" ||
		end.Query().Get("post_logout_redirect_uri") != o.url+"/console/" {
		t.Fatalf("logout answer: %+v", out)
	}
	// The provider accepts it and sends the browser back to the console.
	back, _ := a.Get(out.EndSessionURL)
	if loc := oidctest.Location(t, back); !strings.HasPrefix(loc, o.url+"/console/") {
		t.Fatalf("the provider's logout sent the browser to %s", loc)
	}
	if r, _ := o.me(p.AccessToken); r.Status != 401 {
		t.Fatalf("the access token works after sign-out: %d", r.Status)
	}
	if r := o.refresh(p); r.Status != 401 {
		t.Fatalf("refresh after sign-out: %d", r.Status)
	}
	if ev := o.lastEvent(); ev.Event != care.AuthSignOut || ev.Subject != "alice" || ev.DeviceID != p.DeviceID {
		t.Fatalf("audit: %+v", ev)
	}
}

// TestOIDC_NotConfigured: without a provider the routes say so and
// enrolment by code is unchanged (enrolment_test.go).
func TestOIDC_NotConfigured(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/v1/auth/oidc/config", "", nil)
	if r.Status != 200 || strings.TrimSpace(string(r.Body)) != `{"enabled":false}` {
		t.Fatalf("config: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/v1/auth/oidc/start?for=console", "", nil); r.Status != 404 {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/v1/auth/oidc/session", "", map[string]string{"handoff": "x"}); r.Status != 404 {
		t.Fatalf("session: %d %s", r.Status, r.Body)
	}
}
