package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/continuity-care/continuity/server/care"
)

var _ care.ReadAuditStore = (*Store)(nil)

// RecordRead implements care.ReadAuditStore.
func (s *Store) RecordRead(ctx context.Context, e care.ReadEvent) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO read_audit
		(at, subject, role, device_id, action, collection, record_id, resident_id, incident_id, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.At.UTC(), e.Subject, e.Role, e.DeviceID, e.Action, e.Collection, e.RecordID, e.ResidentID, e.IncidentID, e.Detail)
	if err != nil {
		return fmt.Errorf("record read: %w", err)
	}
	return nil
}

// Reads implements care.ReadAuditStore.
func (s *Store) Reads(ctx context.Context, f care.ReadFilter) ([]care.ReadEvent, error) {
	args := []any{f.AfterID}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	where := []string{"id > $1"}
	if f.ResidentID != "" {
		where = append(where, "(resident_id = "+arg(f.ResidentID)+" OR (resident_id = '' AND incident_id = "+arg(f.IncidentID)+"))")
	} else if f.IncidentID != "" {
		where = append(where, "incident_id = "+arg(f.IncidentID))
	}
	if f.Incidents != nil {
		if len(f.Incidents) == 0 {
			return []care.ReadEvent{}, nil
		}
		where = append(where, "incident_id = ANY("+arg(f.Incidents)+")")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.pool.Query(ctx, `SELECT id, at, subject, role, device_id, action, collection, record_id, resident_id, incident_id, detail
		FROM read_audit WHERE `+strings.Join(where, " AND ")+` ORDER BY id LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("reads: %w", err)
	}
	defer rows.Close()
	out := []care.ReadEvent{}
	for rows.Next() {
		var e care.ReadEvent
		if err := rows.Scan(&e.ID, &e.At, &e.Subject, &e.Role, &e.DeviceID, &e.Action, &e.Collection, &e.RecordID, &e.ResidentID, &e.IncidentID, &e.Detail); err != nil {
			return nil, fmt.Errorf("reads: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
