package care

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// ExportRoles may export everything held about a person.
var ExportRoles = []string{RoleBackOffice, RoleAdmin}

// ExportedRecord is one record in a subject-access export: its current
// values and the history of who wrote what and when.
type ExportedRecord struct {
	Collection string                     `json:"collection"`
	ID         string                     `json:"id"`
	Deleted    bool                       `json:"deleted"`
	Fields     map[string]json.RawMessage `json:"fields"`
	History    []AuditedChange            `json:"history"`
}

// ResidentExport is everything Continuity holds about one person, for a
// subject access request (UK GDPR Art. 15).
type ResidentExport struct {
	ResidentID  string    `json:"resident_id"`
	IncidentID  string    `json:"incident_id"`
	GeneratedAt time.Time `json:"generated_at"`
	GeneratedBy string    `json:"generated_by"`
	// Resident is the person's own record.
	Resident ExportedRecord `json:"resident"`
	// Records are every other record that names the person (checks,
	// assessments, decisions, moves, legs of those moves, contacts...),
	// ordered by collection and id.
	Records []ExportedRecord `json:"records"`
	// Conflicts are the conflicts raised over any of those records.
	Conflicts []ExportedRecord `json:"conflicts"`
	// Quarantined are rejected changes that mention the person or any of
	// those records.
	Quarantined []QuarantineEntry `json:"quarantined"`
}

// ExportResident gathers everything held about one resident. Only
// back-office and admin users of the resident's incident may export; to
// anyone else the resident does not exist.
func (s *Sync) ExportResident(ctx context.Context, p Principal, residentID string) (*ResidentExport, error) {
	notFound := syncproto.Errorf(syncproto.CodeNotFound, "id", "no resident %s", residentID)
	if !slices.Contains(ExportRoles, p.Role) {
		return nil, syncproto.Errorf(syncproto.CodeForbiddenRole, "", "role %s may not export a person's records", p.Role)
	}
	res, err := s.store.Record(ctx, "residents", residentID)
	if err != nil {
		return nil, err
	}
	incident := schema.StringValue(res, "incident_id")
	if res == nil || incident == "" || !CanSee(p, incident) {
		return nil, notFound
	}
	out := &ResidentExport{ResidentID: residentID, IncidentID: incident, GeneratedAt: s.now().UTC(), GeneratedBy: p.Subject,
		Records: []ExportedRecord{}, Conflicts: []ExportedRecord{}, Quarantined: []QuarantineEntry{}}
	if out.Resident, err = s.exported(ctx, res, "residents"); err != nil {
		return nil, err
	}
	ids := map[string]bool{residentID: true}
	// Records naming the person, then records naming those that are about
	// the person alone (a move's legs name the move), until nothing new.
	scoped := Filter{Scopes: []string{incident}}
	all := map[string][]*syncproto.Record{}
	for _, name := range s.registry.Names() {
		if name == "residents" || name == "conflicts" {
			continue
		}
		if col, ok := s.registry.Collection(name); !ok || col.ScopeField == "" {
			continue
		}
		recs, err := s.store.Records(ctx, name, scoped)
		if err != nil {
			return nil, err
		}
		all[name] = recs
	}
	taken := map[string]bool{}
	for grew := true; grew; {
		grew = false
		for _, name := range s.registry.Names() {
			for _, r := range all[name] {
				if taken[name+"/"+r.ID] || !mentions(r.Object(), ids) {
					continue
				}
				taken[name+"/"+r.ID] = true
				if col, _ := s.registry.Collection(name); col != nil && col.AboutOnePerson {
					ids[r.ID] = true
					grew = true
				}
				e, err := s.exported(ctx, r, name)
				if err != nil {
					return nil, err
				}
				out.Records = append(out.Records, e)
			}
		}
	}
	slices.SortFunc(out.Records, func(a, b ExportedRecord) int {
		if a.Collection != b.Collection {
			if a.Collection < b.Collection {
				return -1
			}
			return 1
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	conflicts, err := s.store.Records(ctx, "conflicts", scoped)
	if err != nil {
		return nil, err
	}
	for _, r := range conflicts {
		if ids[schema.StringValue(r, "record_id")] {
			e, err := s.exported(ctx, r, "conflicts")
			if err != nil {
				return nil, err
			}
			out.Conflicts = append(out.Conflicts, e)
		}
	}
	for after := int64(0); ; {
		page, err := s.store.Quarantine(ctx, QuarantineFilter{AfterID: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, q := range page {
			if ids[q.RecordID] || mentionsRaw(q.Raw, ids) {
				out.Quarantined = append(out.Quarantined, q)
			}
			after = q.ID
		}
		if len(page) < 1000 {
			break
		}
	}
	return out, nil
}

func (s *Sync) exported(ctx context.Context, r *syncproto.Record, collection string) (ExportedRecord, error) {
	h, err := s.store.History(ctx, collection, r.ID)
	if err != nil {
		return ExportedRecord{}, err
	}
	fields := r.Object()
	if fields == nil {
		fields = map[string]json.RawMessage{}
	}
	return ExportedRecord{Collection: collection, ID: r.ID, Deleted: r.Deleted(), Fields: fields, History: h}, nil
}

// mentions reports whether any field value holds one of ids as a JSON
// string (at any depth: lists of consultees or attendees included).
func mentions(fields map[string]json.RawMessage, ids map[string]bool) bool {
	for k, v := range fields {
		if k == "id" {
			continue
		}
		if mentionsRaw(v, ids) {
			return true
		}
	}
	return false
}

func mentionsRaw(raw []byte, ids map[string]bool) bool {
	for id := range ids {
		if bytes.Contains(raw, []byte(`"`+id+`"`)) {
			return true
		}
	}
	return false
}
