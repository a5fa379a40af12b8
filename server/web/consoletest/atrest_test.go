package consoletest_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsole_OwnSealedStore: the console keeps its own database, apart
// from the field app's, with every row sealed under a key held only by the
// tab's session; once that session's key is gone the console holds nothing
// readable and asks to sign in again.
func TestConsole_OwnSealedStore(t *testing.T) {
	r := newRoom(t)
	if err := r.srv.User(r.ctx, "bea", "back_office", r.srv.Incident); err != nil {
		t.Fatal(err)
	}
	r.run(chromedp.Navigate(r.srv.URL + "/console/"))
	r.signIn("bea")
	// The console has synced records of the incident.
	r.waitJS(`new Promise(res => { const q = indexedDB.open('continuity-console'); q.onsuccess = () => { const g = q.result.transaction('base').objectStore('base').count(); g.onsuccess = () => { q.result.close(); res(g.result > 20); }; }; })`)
	names := eval[string](r, `indexedDB.databases().then(ds => ds.map(d => d.name).sort().join(','))`, chromedp.EvalAwaitPromise)
	if names != "continuity-console" {
		t.Errorf("the console's databases are %q, want only continuity-console (the field app's is continuity-app)", names)
	}
	// Every row is sealed: its clear part names no field of any record.
	clear := eval[string](r, `new Promise(res => { const q = indexedDB.open('continuity-console'); q.onsuccess = () => {
		const tx = q.result.transaction(['meta', 'base', 'records', 'outbox']); const out = [];
		for (const n of ['meta', 'base', 'records', 'outbox']) tx.objectStore(n).getAll().onsuccess = (e) => out.push(...e.target.result.map(row => { const { v, ...rest } = row; return JSON.stringify(rest) + (v && v.ct instanceof ArrayBuffer ? '' : ' UNSEALED'); }));
		tx.oncomplete = () => { q.result.close(); res(out.join('\n')); }; }; })`, chromedp.EvalAwaitPromise)
	for _, bad := range []string{"UNSEALED", "given_name", "nhs_number", "access_token\":\"ey", "refresh_token\":\""} {
		if strings.Contains(clear, bad) {
			t.Errorf("the console's database holds %q in clear", bad)
		}
	}
	if n := eval[int](r, `Object.keys(sessionStorage).filter(k => k.startsWith('continuity:continuity-console:key:')).length`); n != 1 {
		t.Errorf("%d session keys, want 1", n)
	}
	if n := eval[int](r, `Object.keys(localStorage).filter(k => k.includes(':key:')).length`); n != 0 {
		t.Errorf("%d keys in localStorage, want none", n)
	}
	// The session ends (its key with it): nothing is readable, sign in again.
	eval[any](r, `sessionStorage.clear(); setTimeout(() => location.reload(), 0); null`)
	r.run(chromedp.WaitVisible(chromedp.ID("code")))
}
