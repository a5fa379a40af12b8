package care

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/google/uuid"
)

// conflictNamespace roots the ids of conflict records and their changes.
var conflictNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://continuity.example/conflicts"))

func conflictUUID(parts ...string) string {
	return uuid.NewSHA1(conflictNamespace, []byte(strings.Join(parts, "/"))).String()
}

// conflictValue is one value in a conflict record.
type conflictValue struct {
	Value      json.RawMessage `json:"value"`
	ChangeID   string          `json:"change_id"`
	DeviceID   string          `json:"device_id"`
	Subject    string          `json:"subject,omitempty"`
	HLC        string          `json:"hlc"`
	RecordedAt string          `json:"recorded_at,omitempty"`
	Applied    bool            `json:"applied"`
}

// conflictsFor returns the conflict records a change raises: a flagged field
// written concurrently with another device's write of a different value
// (neither had pulled the other's), or an edit refused because it raced the
// signing of an assessment. The merge is unaffected; the conflict record
// tells a person.
func (s *Sync) conflictsFor(l schema.Lookup, p Principal, c syncproto.Change, before *syncproto.Record, rejected *syncproto.Error, now time.Time, epoch string) ([]syncproto.Change, error) {
	if c.Op != syncproto.OpUpsert || before == nil || !before.Exists() {
		return nil, nil
	}
	col, ok := s.registry.Collection(c.Collection)
	if !ok {
		return nil, nil
	}
	incident := s.registry.ScopeOf(c, before)
	if incident == "" {
		return nil, nil
	}
	// What the device had seen: a cursor from another epoch (before a
	// restore) names positions of another history, so it counts as nothing
	// seen.
	var seen int64
	if cur, err := s.Cursors.Decode(c.Seen); c.Seen != "" && err == nil && cur.Epoch == epoch {
		seen = cur.Position
	}
	mine := conflictValue{ChangeID: c.ID, DeviceID: c.DeviceID, Subject: p.Subject, HLC: c.HLC.String(), RecordedAt: c.RecordedAt.UTC().Format(time.RFC3339), Applied: rejected == nil}
	var out []syncproto.Change
	raise := func(kind, field string, theirs syncproto.FieldState, who schema.WriteInfo, v json.RawMessage) error {
		other := conflictValue{Value: theirs.Value, ChangeID: theirs.Stamp.ChangeID, DeviceID: theirs.Stamp.Device, Subject: who.Subject,
			HLC: theirs.Stamp.HLC.String(), RecordedAt: theirs.RecordedAt.UTC().Format(time.RFC3339), Applied: true}
		me := mine
		me.Value = v
		winner := theirs.Stamp.ChangeID
		if rejected == nil && c.Stamp().Compare(theirs.Stamp) > 0 {
			winner = c.ID
		}
		ch, err := s.conflictChange(l, incident, kind, c.Collection, c.RecordID, field, []conflictValue{other, me}, winner, c.ID, now)
		if err != nil {
			return err
		}
		out = append(out, ch)
		return nil
	}
	if rejected != nil {
		if rejected.Code != rules.CodeAssessmentSigned {
			return nil, nil
		}
		signed, ok := before.Fields[rules.FieldSignedAt]
		if !ok {
			return nil, nil
		}
		who, found, err := l.Written(signed.Stamp.ChangeID)
		if err != nil || !found || who.Position <= seen {
			return nil, err
		}
		field := strings.TrimPrefix(rejected.Field, "fields.")
		theirs, ok := before.Fields[field]
		if !ok {
			theirs = syncproto.FieldState{Value: json.RawMessage("null"), Stamp: signed.Stamp, RecordedAt: signed.RecordedAt}
		}
		return out, raise("edit_racing_sign_off", field, theirs, who, c.Fields[field])
	}
	for _, f := range col.Fields {
		v, written := c.Fields[f.Name]
		if !written || f.Policy != schema.Flag {
			continue
		}
		theirs, ok := before.Fields[f.Name]
		if !ok || theirs.Stamp.Device == c.DeviceID || sameJSON(theirs.Value, v) {
			continue
		}
		who, found, err := l.Written(theirs.Stamp.ChangeID)
		if err != nil {
			return nil, err
		}
		if !found || who.Position <= seen {
			continue // the device had pulled that write: a later edit, not a race
		}
		if err := raise("concurrent_write", f.Name, theirs, who, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// conflictChange returns the change that opens a conflict record, or adds
// the values to the one already open for the same record and field.
func (s *Sync) conflictChange(l schema.Lookup, incident, kind, collection, recordID, field string, values []conflictValue, winner, causeID string, now time.Time) (syncproto.Change, error) {
	existing, err := l.Find("conflicts", "record_id", jsonValue(recordID))
	if err != nil {
		return syncproto.Change{}, err
	}
	for _, r := range existing {
		if schema.StringValue(r, "collection") != collection || schema.StringValue(r, "field") != field || schema.StringValue(r, "status") != "open" {
			continue
		}
		var have []conflictValue
		_ = json.Unmarshal(r.Value("values"), &have)
		for _, v := range values {
			if !slices.ContainsFunc(have, func(h conflictValue) bool { return h.ChangeID == v.ChangeID }) {
				have = append(have, v)
			}
		}
		return s.serverChange(conflictUUID("update", r.ID, causeID), r.ID, map[string]any{"values": have, "winner_change_id": winner}, now), nil
	}
	id := conflictUUID("conflict", collection, recordID, field, causeID)
	return s.serverChange(conflictUUID("open", id), id, map[string]any{
		"incident_id": incident, "kind": kind, "collection": collection, "record_id": recordID, "field": field,
		"values": values, "winner_change_id": winner, "status": "open", "raised_at": now.UTC().Format(time.RFC3339),
	}, now), nil
}

// serverChange is a change to a conflict record made by the server.
func (s *Sync) serverChange(changeID, recordID string, fields map[string]any, now time.Time) syncproto.Change {
	raw := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		b, _ := json.Marshal(v)
		raw[k] = b
	}
	h := s.clock.Now()
	return syncproto.Change{ID: changeID, Collection: "conflicts", RecordID: recordID, Op: syncproto.OpUpsert, Fields: raw,
		HLC: h, RecordedAt: now.UTC(), DeviceID: h.Node}
}

func jsonValue(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// sameJSON compares two JSON values for equality of meaning.
func sameJSON(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// Resolution is how back-office settles a conflict: pick one of the values
// (by its change id) or enter a new value; a note says why.
type Resolution struct {
	ChangeID string          `json:"change_id,omitempty"`
	Value    json.RawMessage `json:"value,omitempty"`
	Note     string          `json:"note,omitempty"`
}

// Resolve settles a conflict. The chosen value is written to the record as an
// ordinary change by the back-office user, stamped after every value in
// dispute, so it reaches every device; the conflict record is marked
// resolved in the same transaction.
func (s *Sync) Resolve(ctx context.Context, p Principal, conflictID string, r Resolution) (syncproto.Change, error) {
	if p.Role != RoleBackOffice {
		return syncproto.Change{}, syncproto.Errorf(syncproto.CodeForbiddenRole, "", "only back-office staff resolve conflicts")
	}
	conf, err := s.store.Record(ctx, "conflicts", conflictID)
	if err != nil {
		return syncproto.Change{}, err
	}
	notFound := syncproto.Errorf(syncproto.CodeNotFound, "id", "no conflict %s", conflictID)
	if conf == nil || conf.Deleted() || !CanSee(p, StoredScope(s.registry, conf)) {
		return syncproto.Change{}, notFound
	}
	if schema.StringValue(conf, "status") != "open" {
		return syncproto.Change{}, syncproto.Errorf(syncproto.CodeConflict, "id", "conflict %s is already resolved", conflictID)
	}
	var values []conflictValue
	_ = json.Unmarshal(conf.Value("values"), &values)
	var chosen json.RawMessage
	switch {
	case r.ChangeID != "" && len(r.Value) > 0:
		return syncproto.Change{}, syncproto.Errorf(syncproto.CodeInvalidValue, "value", "give either change_id (pick a value) or value (enter a new one), not both")
	case r.ChangeID != "":
		i := slices.IndexFunc(values, func(v conflictValue) bool { return v.ChangeID == r.ChangeID })
		if i < 0 {
			return syncproto.Change{}, syncproto.Errorf(syncproto.CodeInvalidValue, "change_id", "change %s is not one of the conflict's values", r.ChangeID)
		}
		chosen = values[i].Value
	case len(r.Value) > 0:
		chosen = r.Value
	case schema.StringValue(conf, "kind") != "edit_racing_sign_off":
		return syncproto.Change{}, syncproto.Errorf(syncproto.CodeMissingField, "value", "pick a value (change_id) or enter one (value)")
	}
	now := s.now().UTC()
	for _, v := range values {
		if h, err := syncproto.ParseHLC(v.HLC); err == nil {
			s.clock.Update(h)
		}
	}
	head, err := s.store.Head(ctx)
	if err != nil {
		return syncproto.Change{}, err
	}
	var batch []json.RawMessage
	var write syncproto.Change
	fields := map[string]any{"status": "resolved", "resolved_by": p.Subject, "resolved_at": now.Format(time.RFC3339), "resolution_note": r.Note}
	if chosen != nil {
		hlc := s.clock.Now()
		hlc.Node = p.DeviceID
		write = syncproto.Change{ID: syncproto.NewID(), Collection: schema.StringValue(conf, "collection"), RecordID: schema.StringValue(conf, "record_id"),
			Op: syncproto.OpUpsert, Fields: map[string]json.RawMessage{schema.StringValue(conf, "field"): chosen}, HLC: hlc, RecordedAt: now,
			Seen: s.Cursors.Encode(Cursor{Position: head})}
		b, _ := json.Marshal(write)
		batch = append(batch, b)
		fields["resolution_value"] = chosen
		fields["resolution_change_id"] = write.ID
	}
	mark := s.serverChange(syncproto.NewID(), conflictID, fields, now)
	mark.HLC.Node = p.DeviceID
	b, _ := json.Marshal(mark)
	batch = append(batch, b)
	resp, err := s.Push(ctx, p, syncproto.PushRequest{Changes: batch})
	if err != nil {
		return syncproto.Change{}, err
	}
	for i, res := range resp.Results {
		if res.Status == syncproto.StatusRejected {
			e := *res.Error
			if chosen != nil && i == 0 {
				e.Field = "value" // the chosen value failed the record's checks
			}
			return syncproto.Change{}, &e
		}
	}
	return write, nil
}

// conflictRule keeps conflict records honest: a resolution names a change
// that is in the log (applied in the same push, before the mark).
func conflictRule(l schema.Lookup, c syncproto.Change) *syncproto.Error {
	v, ok := c.Fields["resolution_change_id"]
	if !ok {
		return nil
	}
	var id string
	if json.Unmarshal(v, &id) != nil || id == "" {
		return nil
	}
	if _, found, err := l.Written(id); err != nil || !found {
		return syncproto.Errorf(syncproto.CodeInvalidValue, "fields.resolution_change_id", "the resolution's change %s was not applied", id)
	}
	return nil
}
