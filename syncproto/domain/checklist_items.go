package domain

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/checklist"
	"github.com/continuity-care/continuity/syncproto/rules"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// evidenceRule: a checklist item's evidence names records of known
// collections that exist and belong to the item's incident.
func evidenceRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() || !touches(c, "evidence") {
		return nil
	}
	var ev []schema.Evidence
	_ = json.Unmarshal(after.Value("evidence"), &ev)
	reg := evidenceRegistry()
	for i, e := range ev {
		col, ok := reg.Collection(e.Collection)
		if !ok {
			return syncproto.Errorf(CodeEvidenceUnknown, "fields.evidence", "evidence %d names an unknown collection %q", i, e.Collection)
		}
		if ctx.Local {
			continue
		}
		r, err := ctx.Lookup.Record(e.Collection, e.RecordID)
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the evidence")
		}
		if r == nil || !r.Exists() || r.Deleted() {
			return syncproto.Errorf(CodeEvidenceUnknown, "fields.evidence", "evidence %d: %s %s is not known", i, e.Collection, e.RecordID)
		}
		if col.ScopeField != "" && str(r, col.ScopeField) != str(after, "incident_id") {
			return syncproto.Errorf(CodeEvidenceUnknown, "fields.evidence", "evidence %d: %s %s belongs to another incident", i, e.Collection, e.RecordID)
		}
	}
	return nil
}

// evidenceRegistry knows the collections evidence may name; built once.
var evidenceRegistry = sync.OnceValue(schema.NewDomainRegistry)

// ChecklistRequirements are the checklist's record rules as data (waiver
// reason; evidence for the items that need it and whose evidence the
// software does not make), exported for devices and enforced by
// signOffRule.
var ChecklistRequirements = rules.ChecklistRequirements(linkedEvidenceItems())

// linkedEvidenceItems are the numbers of the items that need evidence and
// have no automatic evidence: only a linked record shows them done.
func linkedEvidenceItems() []string {
	var out []string
	for _, d := range checklist.Duties() {
		if d.EvidenceRequired && len(d.Auto) == 0 {
			out = append(out, d.Number)
		}
	}
	return out
}

// signOffRule enforces each item's duty (syncproto/checklist): only the
// roles named may mark it done, only the Director waives it (not
// applicable) and with a reason, only the lead officer's roles reassign its
// owner or due date, and an item that needs evidence is done only with
// evidence linked or, where the software makes it, with such a record in the
// incident (3.8's capacity assessments, 7.20's moves).
func signOffRule(ctx schema.Context, c syncproto.Change, before, after *syncproto.Record) *syncproto.Error {
	if after.Deleted() {
		return nil
	}
	d, ok := checklist.DutyOf(str(after, "number"))
	if !ok {
		return nil
	}
	// Judge the values the change carries, whether or not they win the
	// merge: a sign-off that loses to a later write was made all the same.
	after = after.Clone()
	for k, v := range c.Fields {
		after.Fields[k] = syncproto.FieldState{Value: v}
	}
	create := isCreate(before)
	status := str(after, "status")
	signing := status != str(before, "status") || create
	sign := (status == "done" || status == "not_applicable") &&
		(signing || rawChanged(before, after, "evidence", "waiver_reason"))
	byPerson := !system(ctx) && !ctx.Local
	if byPerson && !create && changed(before, after, "responsibility", "responsibility_source", "owner_role", "due_on") && !slices.Contains(checklist.ReassignRoles, ctx.Role) {
		return syncproto.Errorf(rules.CodeChecklistReassignNotPermitted, "fields.due_on",
			"only the lead officer (the Provider Failure Manager: %s) may change item %s's owner or due date, not %s (003 Appendix 1 Schedule B: the PFM \"Set clear timescales for actions\")",
			roleNames(checklist.ReassignRoles), d.Number, ctx.Role)
	}
	if byPerson && signing && status == "done" && !d.MaySignOff(ctx.Role) {
		return syncproto.Errorf(rules.CodeChecklistSignOffNotPermitted, "fields.status",
			"item %s is signed off by %s, not %s: %s", d.Number, roleNames(d.SignOff), ctx.Role, d.SignOffWhy)
	}
	if byPerson && signing && status == "not_applicable" && !slices.Contains(checklist.WaiverRoles, ctx.Role) {
		return syncproto.Errorf(rules.CodeChecklistWaiverNotPermitted, "fields.status",
			"only the Director may waive item %s (mark it not applicable), not %s: mark it done, or ask the Director", d.Number, ctx.Role)
	}
	if !sign {
		return nil
	}
	f := fieldsOf(after)
	if e := violationError(rules.Check(ChecklistRequirements, f)); e != nil {
		return e
	}
	if status != "done" || !d.EvidenceRequired || len(d.Auto) == 0 || rules.HasValue(f["evidence"]) || ctx.Local {
		return nil
	}
	found, err := AutoEvidenceOf(ctx.Lookup, str(after, "incident_id"), d)
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInternal, "", "could not read the item's evidence")
	}
	if len(found) == 0 {
		labels := make([]string, len(d.Auto))
		for i, a := range d.Auto {
			labels[i] = a.Label
		}
		return syncproto.Errorf(rules.CodeChecklistAutomaticEvidenceMissing, "fields.evidence",
			"item %s is shown done by its records (%s), and there are none yet in this incident: record them, or link the record that shows it done", d.Number, joinOr(labels))
	}
	return nil
}

// AutoEvidenceOf returns the incident's records that show an item done
// without anyone linking them (the duty's automatic evidence), in the
// duty's order.
func AutoEvidenceOf(l schema.Lookup, incidentID string, d checklist.Duty) ([]*syncproto.Record, error) {
	var out []*syncproto.Record
	for _, a := range d.Auto {
		recs, err := l.Find(a.Collection, "incident_id", jsonString(incidentID))
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if r.Exists() && !r.Deleted() && a.Matches(fieldsOf(r)) {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// rawChanged reports whether any of the fields' JSON differs between before
// and after.
func rawChanged(before, after *syncproto.Record, fields ...string) bool {
	for _, f := range fields {
		var a, b json.RawMessage
		if before != nil {
			a = before.Value(f)
		}
		if after != nil {
			b = after.Value(f)
		}
		if !bytes.Equal(a, b) {
			return true
		}
	}
	return false
}

// roleNames joins roles for a message: "director or commissioner".
func roleNames(roles []string) string { return joinOr(roles) }

func joinOr(xs []string) string {
	switch len(xs) {
	case 0:
		return "nobody"
	case 1:
		return xs[0]
	}
	out := ""
	for i, x := range xs {
		switch {
		case i == 0:
		case i == len(xs)-1:
			out += " or "
		default:
			out += ", "
		}
		out += x
	}
	return out
}
