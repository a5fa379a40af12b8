package consoletest_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsole_ObligationRecordedThroughTheScreen: the Provider Failure
// Manager (a commissioner) opens Obligations, sees the Provider Failure
// Management meeting's timing against activation and each obligation with
// its seed reference, records the s.10 notification of the Head of
// Safeguarding through the form (first refused in plain words for a
// message left with administrative staff, then accepted), and the server
// is asked what it accepted. Both screens pass axe-core.
func TestConsole_ObligationRecordedThroughTheScreen(t *testing.T) {
	r := newRoom(t)
	ctx := r.ctx
	if err := r.srv.User(ctx, "cara", "commissioner", r.srv.Incident); err != nil {
		t.Fatal(err)
	}
	r.run(chromedp.Navigate(r.srv.URL + "/console/"))
	r.signIn("cara")
	r.open("#/obligations", "obligations")
	for _, col := range []string{"notifications", "communication_plans", "staffing_cover", "payments", "resident_responsibilities", "resident_belongings", "complaints", "sab_referrals"} {
		if n := eval[int](r, `document.querySelectorAll('[data-collection="`+col+`"]').length`); n != 1 {
			t.Errorf("no section for %s", col)
		}
	}
	if got := r.text("#pfm-timing"); !strings.Contains(got, "activation") {
		t.Errorf("the PFM meeting's timing says %q", got)
	}
	// The demo's records reach this browser with its first pull, after the
	// screen first opens: the screen shows them by itself (a live refresh),
	// and the screenshot waits for them.
	r.waitJS(`document.querySelectorAll('#ob-notifications-table tbody tr').length > 0`)
	r.check("obligations")
	before := eval[int](r, `document.querySelectorAll('#ob-notifications-table tbody tr').length`)

	r.run(chromedp.Click(chromedp.CSS(`a[href="#/obligations/new/notifications"]`)))
	r.waitJS(`document.getElementById('obligation-form') !== null`)
	r.axe("obligation form")
	set := func(id, v string) {
		t.Helper()
		eval[any](r, `(() => { const el = document.getElementById(`+jsString(id)+`); el.value = `+jsString(v)+`; })()`)
	}
	set("recipient_kind", "head_of_safeguarding")
	set("recipient", "Head of Safeguarding Adults and Professional Standards")
	set("notified_at", "2026-11-20T09:05")
	set("channel", "phone")
	set("confirmed_in_writing_at", "2026-11-20T09:15")
	set("acknowledged_by", "PA to the Head")
	set("acknowledged_by_kind", "administrative_staff")
	set("acknowledged_at", "2026-11-20T09:20")
	r.run(chromedp.Click(chromedp.CSS(`#obligation-form button[type=submit]`)))
	r.waitJS(`document.querySelector('#obligation-form .govuk-error-summary') !== null`)
	if got := r.text(`#obligation-form .govuk-error-summary`); !strings.Contains(got, "not acceptable to leave a message with administrative staff") {
		t.Errorf("the refusal says %q", got)
	}
	if got := eval[bool](r, `document.getElementById('acknowledged_by_kind-group').classList.contains('govuk-form-group--error')`); !got {
		t.Error("the refused field is not marked")
	}
	r.axe("obligation form with an error")
	set("acknowledged_by", "Sam Deputy")
	set("acknowledged_by_kind", "nominated_deputy")
	eval[any](r, `document.getElementById('main-content').removeAttribute('data-ready')`)
	r.run(chromedp.Click(chromedp.CSS(`#obligation-form button[type=submit]`)))
	r.waitJS(`location.hash === '#/obligations' && document.getElementById('main-content').hasAttribute('data-ready') && document.querySelectorAll('#ob-notifications-table tbody tr').length === ` + strconv.Itoa(before+1))
	if got := r.text(`#main-content .govuk-notification-banner`); !strings.Contains(got, "Notification recorded") {
		t.Errorf("the banner says %q", got)
	}

	// Ask the server what it accepted, as another of cara's devices.
	tab := r.tablet("cara", "commissioner", "cara-check")
	list, err := tab.List("notifications", r.srv.Incident)
	if err != nil {
		t.Fatal(err)
	}
	var found map[string]any
	for i := range list.Len() {
		f := fields(t, list.At(i))
		if f["acknowledged_by"] == "Sam Deputy" {
			found = f
		}
	}
	if found == nil {
		t.Fatalf("the server holds no notification acknowledged by Sam Deputy (%d notifications)", list.Len())
	}
	for k, want := range map[string]any{"recipient_kind": "head_of_safeguarding", "channel": "phone", "acknowledged_by_kind": "nominated_deputy", "incident_id": r.srv.Incident} {
		if found[k] != want {
			t.Errorf("%s = %v, want %v", k, found[k], want)
		}
	}
	for _, k := range []string{"notified_at", "confirmed_in_writing_at", "acknowledged_at"} {
		if _, err := time.Parse(time.RFC3339, found[k].(string)); err != nil {
			t.Errorf("%s = %v: %v", k, found[k], err)
		}
	}
	if strings.Contains(r.logs.String(), "exception") {
		t.Errorf("browser log has exceptions:\n%s", r.logs.String())
	}
}
