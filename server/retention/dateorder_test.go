package retention_test

import (
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/retention"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// TestService_DateOrder: a concern resolved before it was raised is refused
// by the schema, a partial update is checked against the stored other date,
// and one stored before the schema checked that is never listed as due
// (its start date is not believed).
func TestService_DateOrder(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			store := open(t)
			w := newWorld(t, store)
			w.clock.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
			concern := func(fields map[string]any) map[string]any {
				m := map[string]any{"provider_id": uuid.NewString(), "source": "complaint", "raised_on": "2026-12-01",
					"description": "a complaint naming a person", "status": "resolved"}
				for k, v := range fields {
					m[k] = v
				}
				return m
			}
			rejectedWith := func(raw json.RawMessage, field string) {
				t.Helper()
				resp, err := w.sync.Push(w.ctx, care.SystemPrincipal, syncproto.PushRequest{Changes: []json.RawMessage{raw}})
				if err != nil {
					t.Fatal(err)
				}
				r := resp.Results[0]
				if r.Status != syncproto.StatusRejected || r.Error == nil || r.Error.Code != syncproto.CodeDateOrder || r.Error.Field != field {
					t.Fatalf("push = %+v (%+v), want rejected date_order on %s", r, r.Error, field)
				}
			}
			rejectedWith(w.change("concerns", uuid.NewString(), concern(map[string]any{"resolved_on": "2001-01-01"})), "fields.resolved_on")
			id := uuid.NewString()
			w.mustApply(w.change("concerns", id, concern(nil)))
			rejectedWith(w.change("concerns", id, map[string]any{"resolved_on": "2001-01-01"}), "fields.resolved_on")
			w.mustApply(w.change("concerns", id, map[string]any{"resolved_on": "2026-12-02"}))
			rejectedWith(w.change("concerns", id, map[string]any{"raised_on": "2026-12-03"}), "fields.raised_on")

			// Stored by a server whose schema did not check the order.
			cols := schema.Domain()
			for i := range cols {
				cols[i].Order = nil
			}
			lax := care.NewSync(store, schema.MustRegistry(cols...), w.clock.Now, "server", nil)
			bad := uuid.NewString()
			resp, err := lax.Push(w.ctx, care.SystemPrincipal, syncproto.PushRequest{Changes: []json.RawMessage{w.change("concerns", bad, concern(map[string]any{"resolved_on": "2001-01-01"}))}})
			if err != nil || resp.Results[0].Status != syncproto.StatusApplied {
				t.Fatalf("lax push = %+v, %v", resp, err)
			}
			svc := retention.New(store, w.reg, retention.Default(), w.clock.Now, "retention", slog.New(slog.DiscardHandler))
			p, err := svc.Plan(w.ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range p.Due {
				if d.RecordID == bad {
					t.Fatalf("the dry run lists a concern resolved before it was raised as due since %s", d.DueSince.Format(time.DateOnly))
				}
			}
		})
	}
}
