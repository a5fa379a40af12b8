package domain

import (
	"encoding/json"
	"strings"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// closureNamespace roots the ids of the changes these effects make, so that
// every replica derives the same ids and an effect triggered twice makes its
// records once.
var closureNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://continuity.example/closure"))

// derivedID is a deterministic id for a record or change an effect makes.
func derivedID(parts ...string) string {
	return uuid.NewSHA1(closureNamespace, []byte(strings.Join(parts, "/"))).String()
}

// effectChange builds a change an effect makes.
func effectChange(ctx schema.Context, id, collection, record string, fields map[string]any) syncproto.Change {
	raw := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		b, _ := json.Marshal(v)
		raw[k] = b
	}
	return syncproto.Change{ID: id, Collection: collection, RecordID: record, Op: syncproto.OpUpsert, Fields: raw,
		HLC: ctx.Clock.Now(), RecordedAt: ctx.Now.UTC(), DeviceID: ctx.Clock.Node()}
}
