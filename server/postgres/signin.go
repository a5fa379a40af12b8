package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/continuity-care/continuity/server/care"
)

var _ care.SignInStore = (*Store)(nil)

const externalColumns = "device_id, subject, created_at, expires_at, provider_refresh, id_token, handoff_hash, handoff_expires_at, ended_at"

func scanExternal(row pgx.Row) (care.ExternalSession, error) {
	var e care.ExternalSession
	if err := row.Scan(&e.DeviceID, &e.Subject, &e.CreatedAt, &e.ExpiresAt, &e.ProviderRefresh, &e.IDToken, &e.HandoffHash, &e.HandoffExpiresAt, &e.EndedAt); err != nil {
		return e, err
	}
	e.CreatedAt, e.ExpiresAt, e.HandoffExpiresAt, e.EndedAt = e.CreatedAt.UTC(), e.ExpiresAt.UTC(), e.HandoffExpiresAt.UTC(), utc(e.EndedAt)
	return e, nil
}

// PutExternalSession implements care.SignInStore.
func (s *Store) PutExternalSession(ctx context.Context, e care.ExternalSession) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO external_sessions ("+externalColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
		e.DeviceID, e.Subject, e.CreatedAt, e.ExpiresAt, e.ProviderRefresh, e.IDToken, e.HandoffHash, e.HandoffExpiresAt)
	if err != nil {
		return fmt.Errorf("put external session: %w", err)
	}
	return nil
}

// ExternalSession implements care.SignInStore.
func (s *Store) ExternalSession(ctx context.Context, deviceID string) (care.ExternalSession, error) {
	e, err := scanExternal(s.pool.QueryRow(ctx, "SELECT "+externalColumns+" FROM external_sessions WHERE device_id = $1", deviceID))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, fmt.Errorf("external session %s: %w", deviceID, care.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("external session: %w", err)
	}
	return e, nil
}

// ClaimHandoff implements care.SignInStore.
func (s *Store) ClaimHandoff(ctx context.Context, hash []byte, now time.Time) (care.ExternalSession, error) {
	e, err := scanExternal(s.pool.QueryRow(ctx, `UPDATE external_sessions SET handoff_hash = NULL
		WHERE handoff_hash = $1 AND handoff_expires_at > $2 AND ended_at IS NULL RETURNING `+externalColumns, hash, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, care.ErrHandoffSpent
	}
	if err != nil {
		return e, fmt.Errorf("claim handoff: %w", err)
	}
	return e, nil
}

// UpdateExternalSession implements care.SignInStore.
func (s *Store) UpdateExternalSession(ctx context.Context, deviceID string, providerRefresh, idToken []byte) error {
	tag, err := s.pool.Exec(ctx, "UPDATE external_sessions SET provider_refresh = $1, id_token = $2 WHERE device_id = $3", providerRefresh, idToken, deviceID)
	if err != nil {
		return fmt.Errorf("update external session: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("external session %s: %w", deviceID, care.ErrNotFound)
	}
	return nil
}

// EndExternalSession implements care.SignInStore.
func (s *Store) EndExternalSession(ctx context.Context, deviceID string, at time.Time) error {
	_, err := s.pool.Exec(ctx, "UPDATE external_sessions SET ended_at = $1, handoff_hash = NULL, provider_refresh = NULL WHERE device_id = $2 AND ended_at IS NULL", at, deviceID)
	if err != nil {
		return fmt.Errorf("end external session: %w", err)
	}
	return nil
}

// RecordAuthEvent implements care.SignInStore.
func (s *Store) RecordAuthEvent(ctx context.Context, e care.AuthEvent) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO auth_audit (at, event, subject, role, device_id, method, detail, address)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, e.At.UTC(), e.Event, e.Subject, e.Role, e.DeviceID, e.Method, e.Detail, e.Address)
	if err != nil {
		return fmt.Errorf("record auth event: %w", err)
	}
	return nil
}

// AuthEvents implements care.SignInStore.
func (s *Store) AuthEvents(ctx context.Context, afterID int64, limit int) ([]care.AuthEvent, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.pool.Query(ctx, `SELECT id, at, event, subject, role, device_id, method, detail, address
		FROM auth_audit WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("auth events: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (care.AuthEvent, error) {
		var e care.AuthEvent
		err := r.Scan(&e.ID, &e.At, &e.Event, &e.Subject, &e.Role, &e.DeviceID, &e.Method, &e.Detail, &e.Address)
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("auth events: %w", err)
	}
	if out == nil {
		out = []care.AuthEvent{}
	}
	return out, nil
}
