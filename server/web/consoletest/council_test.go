package consoletest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/oidc"
	"github.com/continuity-care/continuity/server/oidc/oidctest"
	"github.com/continuity-care/continuity/server/web/consoletest"
)

// newCouncilRoom is newRoom with council sign-in against a real OpenID
// provider running in the test: alice is in the back-office group, sam in
// the social-worker group, bob only in a group that gives no role.
func newCouncilRoom(t *testing.T) (*room, *oidctest.Provider) {
	t.Helper()
	exe := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	prov := oidctest.Start(t)
	prov.SetUser(oidctest.User{Username: "alice", Password: "pw", Email: "alice@council.test", Name: "Alice Example", Groups: []string{"cont-back-office"}})
	prov.SetUser(oidctest.User{Username: "sam", Password: "pw", Email: "sam@council.test", Groups: []string{"cont-social-worker"}})
	prov.SetUser(oidctest.User{Username: "bob", Password: "pw", Email: "bob@council.test", Groups: []string{"finance"}})
	srv, err := consoletest.StartWith(ctx, t.TempDir(), root, nil, consoletest.Options{Config: func(base string, cfg *api.Config) error {
		prov.AddClient(oidctest.Client{ID: "continuity", Secret: "s3cret", RedirectURIs: []string{base + oidc.CallbackPath}, PostLogoutURIs: []string{base + "/console/", base + "/app/"}})
		rm, err := oidc.ParseRoleMap([]byte(`{"cont-back-office": "back_office", "cont-social-worker": "social_worker"}`))
		if err != nil {
			return err
		}
		cfg.OIDC, err = oidc.New(ctx, oidc.Config{PublicURL: base, Issuer: prov.Issuer, ClientID: "continuity", ClientSecret: "s3cret", RoleMap: rm}, cfg.Auth, cfg.Access, cfg.Store.(care.SignInStore))
		return err
	}})
	if err != nil {
		t.Fatal(err)
	}
	return openRoom(ctx, t, exe, srv), prov
}

// providerLogin fills in the provider's own sign-in page.
func (r *room) providerLogin(username string) {
	r.t.Helper()
	r.run(chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), "pw"),
		chromedp.Click(chromedp.ID("login-submit")))
}

func (r *room) events() []care.AuthEvent {
	r.t.Helper()
	evs, err := r.srv.Store.AuthEvents(context.Background(), 0, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	return evs
}

// TestConsole_CouncilSignIn: with a provider configured, the console's
// sign-in page offers the council account; signing in through the real
// provider lands on the board with the mapped role; signing out ends the
// provider's session too; a person with an unmapped group sees the refusal
// page; and an enrolment code still works.
func TestConsole_CouncilSignIn(t *testing.T) {
	r, _ := newCouncilRoom(t)
	ctx := context.Background()
	// alice was a social worker in Continuity, with the demo incident: the
	// directory's group makes her back office at this sign-in.
	if err := r.srv.User(ctx, "alice", care.RoleSocialWorker, r.srv.Incident); err != nil {
		t.Fatal(err)
	}
	r.run(chromedp.Navigate(r.srv.URL + "/console/"))
	r.run(chromedp.WaitVisible(chromedp.ID("council-sign-in")))
	if got := r.text("#council-sign-in"); got != "Sign in with your council account" {
		t.Fatalf("the sign-in button says %q", got)
	}
	r.run(chromedp.WaitVisible(chromedp.ID("code"))) // codes are still offered
	r.axe("council-sign-in")

	r.run(chromedp.Click(chromedp.ID("council-sign-in")))
	r.providerLogin("alice")
	r.run(chromedp.WaitVisible(chromedp.CSS(".app-account__who")))
	r.waitJS(`document.getElementById('main-content').getAttribute('data-screen') === 'board' && document.getElementById('main-content').hasAttribute('data-ready')`)
	if who := r.text(".app-account__who"); !strings.Contains(who, "alice") || !strings.Contains(who, "back office") {
		t.Fatalf("signed in as %q, want alice as back office", who)
	}
	if s := eval[string](r, `location.search`); strings.Contains(s, "oidc_handoff") {
		t.Fatalf("the handoff stayed in the address: %s", s)
	}

	r.run(chromedp.Click(chromedp.CSS(".app-account__signout")))
	// The provider ends its session and sends the browser back to the
	// console's sign-in page.
	r.run(chromedp.WaitVisible(chromedp.ID("council-sign-in")))
	if p := eval[string](r, `location.pathname`); p != "/console/" {
		t.Fatalf("after sign-out the browser is at %s", p)
	}
	evs := r.events()
	if len(evs) != 2 || evs[0].Event != care.AuthSignIn || evs[0].Subject != "alice" || evs[1].Event != care.AuthSignOut {
		t.Fatalf("audit after sign-in and sign-out: %+v", evs)
	}

	t.Run("unmapped group sees the refusal page", func(t *testing.T) {
		r.run(chromedp.Click(chromedp.ID("council-sign-in")))
		r.providerLogin("bob")
		r.run(chromedp.WaitVisible(chromedp.ID("refusal-title")))
		if title := r.text("#refusal-title"); !strings.Contains(title, "no role in Continuity") {
			t.Fatalf("refusal title %q", title)
		}
		if groups := r.text("#refusal-groups"); !strings.Contains(groups, "cont-back-office") || !strings.Contains(groups, "back office") {
			t.Fatalf("the refusal page does not name the groups: %q", groups)
		}
		r.axe("council-refusal")
		if ev := r.events(); ev[len(ev)-1].Event != care.AuthRefused || ev[len(ev)-1].Subject != "bob" {
			t.Fatalf("audit: %+v", ev[len(ev)-1])
		}
		r.run(chromedp.Click(chromedp.ID("refusal-back")))
		r.run(chromedp.WaitVisible(chromedp.ID("council-sign-in")))
	})
	t.Run("an enrolment code still signs in", func(t *testing.T) {
		if err := r.srv.User(ctx, "kim", care.RoleBackOffice, r.srv.Incident); err != nil {
			t.Fatal(err)
		}
		r.signIn("kim")
		if who := r.text(".app-account__who"); !strings.Contains(who, "kim") {
			t.Fatalf("signed in as %q", who)
		}
	})
}

// TestApp_CouncilEnrolment: the field app enrols with the council account
// instead of a code.
func TestApp_CouncilEnrolment(t *testing.T) {
	r, _ := newCouncilRoom(t)
	if err := r.srv.User(context.Background(), "sam", care.RoleSocialWorker, r.srv.Incident); err != nil {
		t.Fatal(err)
	}
	// A spent or made-up handoff is said so on the set-up page.
	r.run(chromedp.Navigate(r.srv.URL + "/app/?oidc_handoff=not-a-handoff#/enrol"))
	r.run(chromedp.WaitVisible(chromedp.CSS(".govuk-error-summary")))
	if msg := r.text(".govuk-error-summary"); !strings.Contains(msg, "already been collected or has expired") {
		t.Fatalf("error summary %q", msg)
	}
	if s := eval[string](r, `location.search`); s != "" {
		t.Fatalf("the handoff stayed in the address: %s", s)
	}
	r.run(chromedp.Navigate(r.srv.URL + "/app/#/enrol"))
	r.run(chromedp.WaitVisible(chromedp.ID("council-sign-in")))
	r.run(chromedp.WaitVisible(chromedp.CSS("input[name=code]"))) // codes are still offered
	r.run(chromedp.Click(chromedp.ID("council-sign-in")))
	r.providerLogin("sam")
	// The device PIN is chosen before the tablet is used.
	r.run(chromedp.WaitVisible(chromedp.ID("f-confirm")))
	if got := eval[string](r, `document.title`); !strings.HasPrefix(got, "Choose a PIN") {
		t.Fatalf("after the council sign-in the app shows %q, want the PIN to be chosen", got)
	}
	r.run(chromedp.SendKeys(chromedp.ID("f-pin"), "275913"), chromedp.SendKeys(chromedp.ID("f-confirm"), "275913"), chromedp.Click(chromedp.ID("pin-submit")))
	r.run(chromedp.WaitVisible(chromedp.CSS(".govuk-notification-banner")))
	r.waitJS(`location.pathname === '/app/' && location.hash === '#/incidents' && document.body.innerText.includes('This device is set up')`)
	if s := eval[string](r, `location.search`); strings.Contains(s, "oidc_handoff") {
		t.Fatalf("the handoff stayed in the address: %s", s)
	}
	r.waitJS(`document.body.innerText.includes('sam') && document.body.innerText.includes('social worker')`)
	evs := r.events()
	if len(evs) != 1 || evs[0].Event != care.AuthSignIn || evs[0].Subject != "sam" || evs[0].Role != care.RoleSocialWorker {
		t.Fatalf("audit: %+v", evs)
	}
}
