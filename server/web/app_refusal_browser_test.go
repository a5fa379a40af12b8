package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/web/browsertest"
)

// TestApp_ServerRefusalReachesTheScreen: the server's refusal of an
// enrolment code reaches the enrol screen through the SDK's APIError, in
// the server's own words (asked of the server here, not copied), in the
// error summary and at the field.
func TestApp_ServerRefusalReachesTheScreen(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	const code = "NOTACODE42"
	resp, err := http.Post(srv.URL+"/v1/auth/enrol", "application/json", strings.NewReader(`{"code":"`+code+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Error struct{ Code, Field, Message string } `json:"error"`
	}
	err = json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if err != nil || resp.StatusCode < 400 || env.Error.Message == "" {
		t.Fatalf("the server answered %d %+v (%v) to a code it never issued, want a refusal", resp.StatusCode, env.Error, err)
	}

	b := browsertest.New(t)
	a := &appT{t: t, ctx: b.Tab()}
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/")); err != nil {
		t.Fatal(err)
	}
	a.title("Set up this device")
	a.typeIn("#f-code", code)
	a.click("#enrol-submit")
	a.wait("the refusal in the summary", fmt.Sprintf("(document.querySelector('.govuk-error-summary') || {textContent: ''}).textContent.includes(%q)", env.Error.Message))
	if got := a.str(`(document.getElementById('f-code-error') || {textContent: ''}).textContent`); !strings.Contains(got, env.Error.Message) {
		t.Errorf("the message at the field is %q, the server said %q", got, env.Error.Message)
	}
}
