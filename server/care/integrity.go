package care

import (
	"encoding/json"
	"slices"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// Cross-incident integrity (docs/security.md, "Cross-incident integrity"):
// a record's incident is set by the change that creates it and never
// changes, not even through its tombstone; an empty scope is never a pass;
// a record references records of its own incident only; a change id
// already applied is answered only after authorisation. Both stores call
// these functions, so they keep the same rules.

// StoredScope returns the incident a record is filed under: the scope its
// store keeps for it (which survives deletion), else its scope field's
// value. It returns "" for a record of an unscoped collection, and for one
// that does not exist.
func StoredScope(reg *schema.Registry, r *syncproto.Record) string {
	if r == nil {
		return ""
	}
	if r.Scope != "" {
		return r.Scope
	}
	return schema.StringValue(r, scopeField(reg, r.Collection))
}

// SettleScope returns the scope a store files a record under after a change:
// the stored one when it has one (a record's incident never changes),
// otherwise the one the checker derived. A derived scope that differs from
// a stored one is refused, so even a checker that gets it wrong cannot move
// a record.
func SettleScope(stored, derived string) (string, *syncproto.Error) {
	switch {
	case stored == "":
		return derived, nil
	case derived == "" || derived == stored:
		return stored, nil
	}
	return "", syncproto.Errorf(syncproto.CodeIncidentChanged, "fields.incident_id", "a record's incident never changes")
}

// SameContent reports whether two changes with one id carry the same
// content: the same record, operation and field values. Stamps (hlc,
// recorded_at), the device and the seen cursor are not content: a change
// re-stamped or re-sent by another path is the same change.
func SameContent(a, b syncproto.Change) bool {
	if a.Collection != b.Collection || a.RecordID != b.RecordID || a.Op != b.Op || len(a.Fields) != len(b.Fields) {
		return false
	}
	for k, v := range a.Fields {
		w, ok := b.Fields[k]
		if !ok || !sameJSON(v, w) {
			return false
		}
	}
	return true
}

// scopeOf works out the incident of the record a change writes: the stored
// one, else the one the change names. changed is set when the change names
// an incident other than the stored one. scoped reports whether the
// collection is incident-scoped at all.
func (s *Sync) scopeOf(c syncproto.Change, before *syncproto.Record) (scope string, scoped, changed bool) {
	field := scopeField(s.registry, c.Collection)
	if field == "" {
		return "", false, false
	}
	stored := StoredScope(s.registry, before)
	claimed := ""
	v, names := c.Fields[field]
	if names {
		claimed = jsonString(v)
	}
	if stored != "" {
		return stored, true, names && claimed != stored
	}
	return claimed, true, false
}

// visible returns the incident a quarantine entry of p's is filed under:
// scope when p holds it, else none (shown only to whoever holds every
// incident, and to p's own device).
func visible(p Principal, scope string) string {
	if scope != "" && CanSee(p, scope) {
		return scope
	}
	return ""
}

// scopeError refuses a change whose record's incident p may not write:
// unknown (an empty scope is never a pass), not granted, or changed.
func scopeError(p Principal, scope string, scoped, changed bool) *syncproto.Error {
	if !scoped {
		return nil
	}
	if scope == "" {
		return syncproto.Errorf(syncproto.CodeForbiddenScope, "fields.incident_id",
			"the record's incident is not known (a delete of a record the server never had, or an old tombstone); nothing was changed")
	}
	if !CanSee(p, scope) {
		// Do not name the incident: the device may not know it.
		return syncproto.Errorf(syncproto.CodeForbiddenScope, "fields.incident_id", "this device is not granted the incident of this record")
	}
	if changed {
		return syncproto.Errorf(syncproto.CodeIncidentChanged, "fields.incident_id", "a record's incident never changes: this one belongs to incident %s", scope)
	}
	return nil
}

// hlcNode refuses a change stamped with another node than the pushing
// device: the node is part of every merge decision, so a device may not
// write as another.
func hlcNode(p Principal, c syncproto.Change) *syncproto.Error {
	if p.Role == access.System || c.HLC.Node == p.DeviceID {
		return nil
	}
	return syncproto.Errorf(syncproto.CodeHLCNodeMismatch, "hlc",
		"the hlc's node is %q but the change was pushed by device %q; stamp changes with the device's own id as the node", c.HLC.Node, p.DeviceID)
}

// referenceTargets returns the reference fields a change writes, each with
// the collection of the record it names.
func (s *Sync) referenceTargets(c syncproto.Change, before *syncproto.Record) map[string]string {
	if c.Collection == "conflicts" {
		if _, ok := c.Fields["record_id"]; !ok {
			return nil
		}
		col := schema.StringValue(before, "collection")
		if v, ok := c.Fields["collection"]; ok {
			col = jsonString(v)
		}
		if scopeField(s.registry, col) == "" {
			return nil
		}
		return map[string]string{"record_id": col}
	}
	col, ok := s.registry.Collection(c.Collection)
	if !ok {
		return nil
	}
	return col.References()
}

// checkReferences refuses a change whose reference fields name a record of
// another incident (or one filed under none). A record not known yet is
// accepted: devices push out of order, and an id alone carries no data.
func (s *Sync) checkReferences(l schema.Lookup, c syncproto.Change, before *syncproto.Record, scope string) (*syncproto.Error, error) {
	targets := s.referenceTargets(c, before)
	names := make([]string, 0, len(targets))
	for f := range targets {
		if _, ok := c.Fields[f]; ok {
			names = append(names, f)
		}
	}
	slices.Sort(names)
	for _, f := range names {
		id := jsonString(c.Fields[f])
		if id == "" {
			continue
		}
		target, err := l.Record(targets[f], id)
		if err != nil {
			return nil, err
		}
		if target == nil || !target.Exists() {
			continue
		}
		if StoredScope(s.registry, target) != scope {
			return syncproto.Errorf(syncproto.CodeCrossIncidentReference, "fields."+f,
				"%s names a %s record of another incident; a record may reference records of its own incident only", f, targets[f]), nil
		}
	}
	return nil, nil
}

// duplicate is the DuplicateChecker of p's pushes: authorise first, then
// answer duplicate only for the same content.
func (s *Sync) duplicate(p Principal) DuplicateChecker {
	return func(_ schema.Lookup, c syncproto.Change, before *syncproto.Record, prior Prior) Verdict {
		scope, scoped, _ := s.scopeOf(c, before)
		q := visible(p, scope)
		if p.Role == access.System {
			// The server's own changes (demo data reloaded) see everything.
			if !SameContent(c, prior.Change) {
				return Verdict{Err: syncproto.Errorf(syncproto.CodeIDReused, "id", "a change with id %s was already applied with other content", c.ID), Scope: scope}
			}
			return Verdict{Scope: scope}
		}
		if e := hlcNode(p, c); e != nil {
			return Verdict{Err: e, Scope: q}
		}
		// The change as sent, and the one applied under its id, must both
		// be in incidents (and collections) p may see: otherwise the answer
		// is the one a new id would get, and nothing about the applied
		// change is told.
		if e := scopeError(p, scope, scoped, false); e != nil {
			return Verdict{Err: e, Scope: q}
		}
		_, priorScoped, _ := s.scopeOf(prior.Change, nil)
		if e := scopeError(p, prior.Scope, priorScoped, false); e != nil {
			return Verdict{Err: e, Scope: q}
		}
		for _, col := range []string{c.Collection, prior.Change.Collection} {
			if !access.CanRead(p.Role, col) {
				return Verdict{Err: syncproto.Errorf(syncproto.CodeForbiddenRole, "collection", "role %s may not read %s", p.Role, col), Scope: q}
			}
		}
		if !SameContent(c, prior.Change) {
			return Verdict{Err: syncproto.Errorf(syncproto.CodeIDReused, "id",
				"a change with id %s was already applied with other content; give a new change a new id (this one is kept in quarantine)", c.ID), Scope: q}
		}
		return Verdict{Scope: q}
	}
}

// jsonString returns the string a JSON value holds, or "".
func jsonString(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return ""
	}
	return s
}
