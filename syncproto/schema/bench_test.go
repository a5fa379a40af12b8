package schema

import (
	"os"
	"testing"

	"github.com/continuity-care/continuity/syncproto"
)

// BenchmarkRegistry_CheckFields checks the fields of the 500 new
// residents of syncproto's push fixture (the bench's couch case) as a
// create, as the server does before its writer.
func BenchmarkRegistry_CheckFields(b *testing.B) {
	body, err := os.ReadFile("../testdata/push_residents_500.json")
	if err != nil {
		b.Fatal(err)
	}
	req, perr := syncproto.DecodePush(body)
	if perr != nil {
		b.Fatal(perr)
	}
	reg := NewDomainRegistry()
	changes := make([]syncproto.Change, len(req.Changes))
	for i, raw := range req.Changes {
		if changes[i], perr = syncproto.ParseChangeWith(raw, reg.UnknownField); perr != nil {
			b.Fatal(perr)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range changes {
			if e := reg.CheckFields(c, nil); e != nil {
				b.Fatal(e)
			}
		}
	}
}
