package syncproto

import (
	"os"
	"testing"
)

// pushFixture is a push of 500 new six-field residents, the shape of the
// bench's couch case (bench/workload.go): v7 ids, one device's HLCs.
const pushFixture = "testdata/push_residents_500.json"

// BenchmarkParseChangeWith decodes the push fixture and parses each of its
// 500 changes, with a field check that accepts every name, as the server
// does before its schema checks the values.
func BenchmarkParseChangeWith(b *testing.B) {
	body, err := os.ReadFile(pushFixture)
	if err != nil {
		b.Fatal(err)
	}
	accept := func(collection, name string) *Error { return nil }
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req, perr := DecodePush(body)
		if perr != nil {
			b.Fatal(perr)
		}
		for _, raw := range req.Changes {
			if _, e := ParseChangeWith(raw, accept); e != nil {
				b.Fatal(e)
			}
		}
	}
}
