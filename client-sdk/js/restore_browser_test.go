package jssdk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/sqlite"
	"github.com/continuity-care/continuity/server/web/browsertest"
)

// TestClient_SyncAfterRestore: the server is restored from a backup taken
// before the browser's device pulled past it; seven new residents then reuse
// the log positions the device had seen (the report's scenario, where the
// device received two and believed it was up to date). Through the SDK, with
// nobody doing anything: the device is told to re-sync (cursor_reset), pushes
// again what it wrote since the backup, keeps its unsent change, and ends
// with every resident the server has, field for field. A second device
// enrolled after the backup gets a ReenrolRequiredError the app can show,
// keeps its outbox, and sends it once enrolled again.
func TestClient_SyncAfterRestore(t *testing.T) {
	srv := browsertest.StartServer(t, browsertest.ServerOptions{NoDemo: true, Files: map[string]fs.FS{"/sdk/": os.DirFS(".")}})
	b := browsertest.New(t)
	ctx := b.Tab()
	inc := uuid.NewString()
	openE2E(t, ctx, srv, "restored")
	browsertest.Eval[bool](t, ctx, fmt.Sprintf(`client.enrolWithPair(%s).then(() => { window.main = client; return true; })`,
		srv.PairJSON(t, "alice", "social_worker", "tab-js-main", inc)))
	put := func(t *testing.T, client, given string) string {
		t.Helper()
		id := uuid.NewString()
		browsertest.Eval[string](t, ctx, fmt.Sprintf(`%s.put('residents', %q, {incident_id: %q, given_name: %q, family_name: 'Barlow'})`, client, id, inc, given))
		return id
	}
	sync := func(t *testing.T, client string) map[string]int {
		t.Helper()
		return browsertest.Eval[map[string]int](t, ctx, client+`.sync()`)
	}

	before := []string{put(t, "main", "Edith"), put(t, "main", "Margaret")}
	sync(t, "main")
	backup := filepath.Join(t.TempDir(), "before.db")
	if _, err := sqlite.Backup(context.Background(), srv.DBPath, backup); err != nil {
		t.Fatal(err)
	}

	// The interval the restore loses: the device writes, pushes and pulls
	// past the backup; another tablet is enrolled and writes.
	lost := []string{put(t, "main", "Doris"), put(t, "main", "Frank")}
	sync(t, "main")
	browsertest.Eval[bool](t, ctx, `openClient('late')`) // a second device in the same page
	browsertest.Eval[bool](t, ctx, fmt.Sprintf(`client.enrolWithPair(%s).then(() => { window.late = client; return true; })`,
		srv.PairJSON(t, "bea", "social_worker", "tab-js-late", inc)))
	lateOwn := put(t, "late", "Grace")
	sync(t, "late")
	lateUnsent := put(t, "late", "Harold")
	unsent := put(t, "main", "Ivy") // written offline, not yet sent

	srv.Restore(t, backup)

	// Seven new residents take the positions the device had already seen.
	tok := srv.Token(t, "wes", "social_worker", "tab-go-w", inc)
	var fresh []string
	for i := range 7 {
		id := uuid.NewString()
		fresh = append(fresh, id)
		push(t, srv, tok, map[string]any{
			"id": uuid.NewString(), "collection": "residents", "record_id": id, "op": "upsert",
			"fields":      map[string]any{"incident_id": inc, "given_name": fmt.Sprintf("New %d", i), "family_name": "Resident"},
			"hlc":         hlcNow("tab-go-w"),
			"recorded_at": "2026-12-01T10:00:00Z",
		})
	}

	t.Run("the device re-syncs by itself and ends with every change", func(t *testing.T) {
		rep := sync(t, "main")
		if rep["resets"] != 1 || rep["requeued"] < 2 {
			t.Fatalf("sync report %v, want a reset that queued the device's own changes again", rep)
		}
		if p := browsertest.Eval[int](t, ctx, `main.status().pending`); p != 0 {
			t.Fatalf("pending after the sync = %d", p)
		}
		want := append(append(append(append([]string{}, before...), lost...), unsent), fresh...)
		local := browsertest.Eval[[]struct {
			ID     string         `json:"id"`
			Fields map[string]any `json:"fields"`
		}](t, ctx, fmt.Sprintf(`main.list('residents', {incident_id: %q})`, inc))
		got := map[string]map[string]any{}
		for _, r := range local {
			got[r.ID] = r.Fields
		}
		recs, err := srv.Store.Records(context.Background(), "residents", care.Filter{Scopes: []string{inc}})
		if err != nil {
			t.Fatal(err)
		}
		onServer := map[string]bool{}
		for _, r := range recs {
			onServer[r.ID] = true
			fields := map[string]any{}
			for k, v := range r.Object() {
				var x any
				_ = json.Unmarshal(v, &x)
				fields[k] = x
			}
			l, ok := got[r.ID]
			if !ok {
				t.Errorf("the device lacks the server's resident %s (%v)", r.ID, fields["given_name"])
				continue
			}
			for k, v := range fields {
				if fmt.Sprint(l[k]) != fmt.Sprint(v) {
					t.Errorf("resident %s field %s: device %v, server %v", r.ID, k, l[k], v)
				}
			}
		}
		for _, id := range want {
			if got[id] == nil || !onServer[id] {
				t.Errorf("resident %s: on the device %v, on the server %v", id, got[id] != nil, onServer[id])
			}
		}
		if len(got) != len(onServer) {
			t.Errorf("the device holds %d residents, the server %d", len(got), len(onServer))
		}
	})

	t.Run("a device enrolled after the backup is asked to enrol again and keeps its outbox", func(t *testing.T) {
		got := browsertest.Eval[map[string]any](t, ctx, `late.sync().then(() => ({ok: true}), e => ({
			typed: e instanceof sdk.ReenrolRequiredError, api: e instanceof sdk.APIError, code: e.code, status: e.status,
			flag: late.status().reenrolRequired, pending: late.status().pending}))`)
		if got["typed"] != true || got["api"] != true || got["code"] != "reenrol_required" || got["flag"] != true {
			t.Fatalf("sync of the late device: %v, want a ReenrolRequiredError", got)
		}
		if got["pending"].(float64) != 1 {
			t.Fatalf("the late device's outbox after the refusal: %v pending, want 1", got["pending"])
		}
		code := srv.EnrolmentCode(t, "bea", "social_worker", "Tablet JS late, again", inc)
		browsertest.Eval[bool](t, ctx, fmt.Sprintf(`late.enrol(%q).then(() => true)`, code.Code))
		if browsertest.Eval[bool](t, ctx, `late.status().reenrolRequired`) {
			t.Fatal("still asking to enrol again after enrolling")
		}
		sync(t, "late")
		if p := browsertest.Eval[int](t, ctx, `late.status().pending`); p != 0 {
			t.Fatalf("pending after enrolling again = %d", p)
		}
		if r, err := srv.Store.Record(context.Background(), "residents", lateUnsent); err != nil || r == nil {
			t.Fatalf("the late device's unsent resident did not reach the server: %v", err)
		}
		// Its resident acknowledged in the lost interval was stamped by
		// the old device id, which the server does not know now: it stays
		// on the device only (docs/operations.md).
		_ = lateOwn
	})
}
