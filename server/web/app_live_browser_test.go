package web_test

import (
	"fmt"
	"testing"

	"github.com/continuity-care/continuity/server/web/browsertest"
)

// readCounts is what the SDK's vault.js has opened in the page so far:
// stored rows read from IndexedDB and made plain, and of those the ones
// that needed decrypting.
type readCounts struct {
	Opened    int `json:"opened"`
	Decrypted int `json:"decrypted"`
}

func (a *appT) readCounts() readCounts {
	a.t.Helper()
	// The app's own module instance: same URL, same module.
	return browsertest.Eval[readCounts](a.t, a.ctx, `import('/sdk/vault.js').then((v) => v.readCounts())`)
}

// TestApp_LiveChangeReadsOnlyChangedRecords: another device renames a
// resident while the residents list is open; the list shows the new name
// having read from IndexedDB only the rows the pull touched, not every
// record of the incident again (which it did when each live change re-read
// seven whole collections).
func TestApp_LiveChangeReadsOnlyChangedRecords(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	res := pickResident(t)
	srv.User(t, "rhi", "social_worker", srv.Incident)
	b := browsertest.New(t)
	a := enrolApp(t, b, srv, "rhi")
	a.wait("resident listed", fmt.Sprintf("document.querySelector('main').textContent.includes(%q)", res.Family))
	a.wait("first sync finished", "document.getElementById('app-pending').textContent === 'All changes sent' && !document.getElementById('app-synced').textContent.includes('syncing')")
	rows := browsertest.Eval[int](t, a.ctx, "document.querySelectorAll('tr[data-id]').length")

	dev := goDevice(t, srv, "gwen", "go-live")
	before := a.readCounts()
	const renamed = "Zebedee"
	if _, err := dev.Put("residents", res.ID, fmt.Sprintf(`{"given_name":%q}`, renamed)); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Sync(); err != nil {
		t.Fatal(err)
	}
	a.wait("the live list shows the new name", fmt.Sprintf("document.querySelector('main').textContent.includes(%q)", renamed+" "+res.Family))
	after := a.readCounts()
	opened := after.Opened - before.Opened
	t.Logf("the live change opened %d stored rows (%d decrypted); the list shows %d residents", opened, after.Decrypted-before.Decrypted, rows)
	// The pull reads the changed record's rows and a few settings; reading
	// every resident again (let alone the checks, assessments and moves)
	// would open at least as many rows as the list has.
	if opened >= rows {
		t.Errorf("a live change to one resident opened %d stored rows; the incident's list has %d: the screen read everything again", opened, rows)
	}
}
