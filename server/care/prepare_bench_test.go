package care

import (
	"os"
	"testing"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// BenchmarkSync_prepare runs a push of 500 new six-field residents (the
// bench's couch case, syncproto's fixture) through the work Push does
// before the writer: decode the body, parse each change with the schema's
// field-name check, encode it for the log, and prepare its check (clock,
// HLC node, field values).
func BenchmarkSync_prepare(b *testing.B) {
	body, err := os.ReadFile("../../syncproto/testdata/push_residents_500.json")
	if err != nil {
		b.Fatal(err)
	}
	received := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s := NewSync(serialStore{}, schema.NewDomainRegistry(), func() time.Time { return received }, "server", nil)
	p := Principal{Subject: "sw-01", DeviceID: "tab-01", Role: "social_worker"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req, perr := syncproto.DecodePush(body)
		if perr != nil {
			b.Fatal(perr)
		}
		prepare := s.prepare(p, received, "epoch")
		for _, raw := range req.Changes {
			c, perr := syncproto.ParseChangeWith(raw, s.registry.UnknownField)
			if perr != nil {
				b.Fatal(perr)
			}
			c.DeviceID = p.DeviceID
			_ = AppendChange(make([]byte, 0, len(raw)+len(c.DeviceID)+16), &c)
			if prepare(c) == nil {
				b.Fatal("no checker")
			}
		}
	}
}
