package consoletest_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// checklistRow is the part of a checklist item the test reads from the
// server.
type checklistRow struct {
	ID           string   `json:"id"`
	Number       string   `json:"number"`
	Status       string   `json:"status"`
	Overdue      bool     `json:"overdue"`
	Owner        string   `json:"owner_role"`
	Party        string   `json:"responsibility"`
	SignOff      []string `json:"sign_off"`
	AutoEvidence []struct {
		RecordID string `json:"record_id"`
		State    string `json:"state"`
	} `json:"auto_evidence"`
}

// TestConsole_ChecklistSignOff walks the checklist as the incident room
// does: filter by owner and by overdue, open 3.8 and see the capacity
// records nobody linked, fail to sign it off as back office (not a role that
// signs it), sign it off as the Director, and end by asking the server what
// it accepted.
func TestConsole_ChecklistSignOff(t *testing.T) {
	r := newRoom(t)
	ctx := r.ctx
	if err := r.srv.User(ctx, "bea", "back_office", "*"); err != nil {
		t.Fatal(err)
	}
	if err := r.srv.User(ctx, "dan", "director", r.srv.Incident); err != nil {
		t.Fatal(err)
	}
	tok, err := r.srv.Token(ctx, "dan", "director", "dan-check", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rows := func() map[string]checklistRow {
		var v struct {
			Sections []struct {
				Items []checklistRow `json:"items"`
			} `json:"sections"`
		}
		r.get(tok, "/v1/incidents/"+r.srv.Incident+"/checklist", &v)
		out := map[string]checklistRow{}
		for _, s := range v.Sections {
			for _, it := range s.Items {
				out[it.Number] = it
			}
		}
		return out
	}
	before := rows()
	overdue := 0
	for _, it := range before {
		if it.Overdue {
			overdue++
		}
	}
	if overdue == 0 {
		t.Fatal("the demo has no overdue items to filter")
	}
	item38 := before["3.8"]
	if item38.Status == "done" || len(item38.AutoEvidence) == 0 {
		t.Fatalf("3.8 in the demo: %+v", item38)
	}

	r.run(chromedp.Navigate(r.srv.URL + "/console/"))
	r.signIn("bea")
	r.open("#/checklist", "checklist")

	t.Run("filter by overdue", func(t *testing.T) {
		r.t = t
		r.run(chromedp.Click(chromedp.CSS(`#filter-overdue`)))
		r.waitJS(`document.getElementById('checklist-shown').textContent.startsWith('Showing ` + strconv.Itoa(overdue) + ` of')`)
		if n := eval[int](r, `document.querySelectorAll('[data-item][data-overdue="false"]').length`); n != 0 {
			t.Errorf("%d items shown that are not overdue", n)
		}
		if n := eval[int](r, `document.querySelectorAll('[data-item] .govuk-tag--red').length`); n != overdue {
			t.Errorf("%d items tagged overdue, the server counts %d", n, overdue)
		}
		r.check("checklist-overdue")
		r.run(chromedp.Click(chromedp.CSS(`#filter-overdue`)))
	})

	t.Run("filter by owner", func(t *testing.T) {
		r.t = t
		owner := item38.Party + ": " + item38.Owner
		want := 0
		for _, it := range before {
			if it.Party+": "+it.Owner == owner {
				want++
			}
		}
		eval[any](r, `(() => { const s = document.getElementById('filter-owner'); s.value = `+jsString(owner)+`; s.dispatchEvent(new Event('change')); })()`)
		r.waitJS(`document.getElementById('checklist-shown').textContent.startsWith('Showing ` + strconv.Itoa(want) + ` of')`)
		if n := eval[int](r, `[...document.querySelectorAll('[data-item]')].filter(e => e.dataset.owner !== `+jsString(owner)+`).length`); n != 0 {
			t.Errorf("%d items shown of another owner", n)
		}
		eval[any](r, `(() => { const s = document.getElementById('filter-owner'); s.value = ''; s.dispatchEvent(new Event('change')); })()`)
	})

	t.Run("3.8 shows its evidence; back office cannot sign it off", func(t *testing.T) {
		r.t = t
		r.open("#/checklist/"+item38.ID, "checklist")
		r.waitJS(`document.getElementById('item-form') !== null`)
		if n := eval[int](r, `document.querySelectorAll('#evidence-auto li').length`); n != len(item38.AutoEvidence) {
			t.Errorf("%d automatic evidence rows, the server lists %d", n, len(item38.AutoEvidence))
		}
		if got := r.text(`#evidence-auto`); !strings.Contains(got, "capacity assessments: signed") {
			t.Errorf("3.8's evidence does not show a signed capacity assessment: %q", got)
		}
		if got := r.text(`#item-sign-off`); !strings.Contains(got, "the Director") || strings.Contains(got, "back office") {
			t.Errorf("signed off by %q", got)
		}
		r.check("checklist-item-evidence")
		r.run(chromedp.Click(chromedp.CSS(`#status-done`)), chromedp.Click(chromedp.CSS(`#item-form button[type=submit]`)))
		r.waitJS(`document.querySelector('.govuk-error-summary') !== null`)
		if got := r.text(`.govuk-error-summary`); !strings.Contains(got, "can sign off item 3.8, not back office") {
			t.Errorf("the refusal says %q", got)
		}
		r.check("checklist-sign-off-refused")
	})

	t.Run("the Director signs 3.8 off", func(t *testing.T) {
		r.t = t
		r.run(chromedp.Click(chromedp.CSS(`.app-account__signout`)), chromedp.WaitVisible(chromedp.CSS(`#code`)))
		r.signIn("dan")
		r.open("#/checklist/"+item38.ID, "checklist")
		r.waitJS(`document.getElementById('item-form') !== null`)
		r.run(chromedp.Click(chromedp.CSS(`#status-done`)), chromedp.Click(chromedp.CSS(`#item-form button[type=submit]`)))
		r.waitJS(`document.querySelector('.govuk-notification-banner--success') !== null && document.getElementById('main-content').textContent.includes('Item 3.8 saved')`)
	})

	t.Run("the server accepted the Director's sign-off only", func(t *testing.T) {
		r.t = t
		after := rows()
		if after["3.8"].Status != "done" {
			t.Errorf("3.8 is %s on the server", after["3.8"].Status)
		}
		for n, it := range after {
			if n != "3.8" && it.Status != before[n].Status {
				t.Errorf("%s changed from %s to %s", n, before[n].Status, it.Status)
			}
		}
	})
}
