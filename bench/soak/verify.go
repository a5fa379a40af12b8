package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/continuity-care/continuity/syncproto"
)

// digest is a change's content as the verifier compares it: collection,
// record, op, stamp, and the fields by their JSON meaning (the server may
// re-escape a string; the meaning must not change).
func digest(c syncproto.Change) string {
	fields := make(map[string]any, len(c.Fields))
	for k, v := range c.Fields {
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			x = "undecodable:" + string(v)
		}
		fields[k] = x
	}
	b, _ := json.Marshal(struct {
		Collection, RecordID, Op, HLC string
		Fields                        map[string]any
	}{c.Collection, c.RecordID, string(c.Op), c.HLC.String(), fields})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// verifier is a back-office device granted every incident. It pulls the
// whole state before the devices start, keeps the cursor, and after the run
// pulls the change log from there: every change committed during the soak.
type verifier struct {
	cl     *client
	cursor string
}

// logEntry is what the verifier keeps of a change found in the log.
type logEntry struct {
	digest string
	device string
}

// pullAll pulls from the verifier's cursor until has_more is false and
// returns the changes by id.
func (v *verifier) pullAll(ctx context.Context) (map[string]logEntry, int, error) {
	found := map[string]logEntry{}
	pages := 0
	for {
		q := url.Values{"limit": {strconv.Itoa(syncproto.MaxPullLimit)}}
		if v.cursor != "" {
			q.Set("cursor", v.cursor)
		}
		o := v.cl.do(ctx, http.MethodGet, "/v1/sync/pull?"+q.Encode(), nil)
		if o.connErr() {
			return nil, pages, fmt.Errorf("verifier pull: %w", o.err)
		}
		if o.status != http.StatusOK {
			return nil, pages, fmt.Errorf("verifier pull after page %d: %d: %s", pages, o.status, o.body)
		}
		var resp syncproto.PullResponse
		if err := json.Unmarshal(o.body, &resp); err != nil {
			return nil, pages, fmt.Errorf("verifier pull page %d: %w", pages, err)
		}
		pages++
		for _, c := range resp.Changes {
			found[c.ID] = logEntry{digest: digest(c), device: c.DeviceID}
		}
		v.cursor = resp.Cursor
		if !resp.HasMore {
			return found, pages, nil
		}
	}
}

// check is the verdict on every acknowledged change.
type check struct {
	acked, found, lost int
	// altered are found with other content than the device sent, or
	// under another device.
	altered int
	// unackedFound are changes the log holds that no device saw
	// acknowledged (a response lost to a kill, never retried in time).
	unackedFound int
	examples     []string
}

// compare looks for every acknowledged change in what the log holds.
func compare(ackedAll map[string]acked, sentIDs map[string]bool, log map[string]logEntry) check {
	var ch check
	for id, a := range ackedAll {
		ch.acked++
		e, ok := log[id]
		switch {
		case !ok:
			ch.lost++
			if len(ch.examples) < 10 {
				ch.examples = append(ch.examples, fmt.Sprintf("lost: change %s from %s (acknowledged %s)", id, a.device, a.status))
			}
		case e.digest != a.digest || e.device != a.device:
			ch.found++
			ch.altered++
			if len(ch.examples) < 10 {
				ch.examples = append(ch.examples, fmt.Sprintf("altered: change %s from %s is in the log as device %q with other content", id, a.device, e.device))
			}
		default:
			ch.found++
		}
	}
	for id := range log {
		if _, ok := ackedAll[id]; !ok && sentIDs[id] {
			ch.unackedFound++
		}
	}
	return ch
}
