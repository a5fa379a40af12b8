package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/care"
)

var _ care.ReadAuditStore = (*Store)(nil)

// RecordRead implements care.ReadAuditStore.
func (s *Store) RecordRead(ctx context.Context, e care.ReadEvent) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO read_audit
		(at, subject, role, device_id, action, collection, record_id, resident_id, incident_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.At.UTC().Format(time.RFC3339Nano), e.Subject, e.Role, e.DeviceID, e.Action, e.Collection, e.RecordID, e.ResidentID, e.IncidentID, e.Detail)
	if err != nil {
		return fmt.Errorf("record read: %w", err)
	}
	return nil
}

// Reads implements care.ReadAuditStore.
func (s *Store) Reads(ctx context.Context, f care.ReadFilter) ([]care.ReadEvent, error) {
	where, args := []string{"id > ?"}, []any{f.AfterID}
	if f.ResidentID != "" {
		where = append(where, "(resident_id = ? OR (resident_id = '' AND incident_id = ?))")
		args = append(args, f.ResidentID, f.IncidentID)
	} else if f.IncidentID != "" {
		where = append(where, "incident_id = ?")
		args = append(args, f.IncidentID)
	}
	if f.Incidents != nil {
		if len(f.Incidents) == 0 {
			return []care.ReadEvent{}, nil
		}
		where = append(where, "incident_id IN (?"+strings.Repeat(", ?", len(f.Incidents)-1)+")")
		for _, inc := range f.Incidents {
			args = append(args, inc)
		}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	args = append(args, limit)
	return queryAll(ctx, s.reader, "reads", `SELECT id, at, subject, role, device_id, action, collection, record_id, resident_id, incident_id, detail
		FROM read_audit WHERE `+strings.Join(where, " AND ")+` ORDER BY id LIMIT ?`, scanRead, args...)
}

func scanRead(row interface{ Scan(...any) error }) (care.ReadEvent, error) {
	var e care.ReadEvent
	var at string
	if err := row.Scan(&e.ID, &at, &e.Subject, &e.Role, &e.DeviceID, &e.Action, &e.Collection, &e.RecordID, &e.ResidentID, &e.IncidentID, &e.Detail); err != nil {
		return e, err
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return e, fmt.Errorf("read_audit.at: %w", err)
	}
	e.At = t
	return e, nil
}
