package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/continuity-care/continuity/server/care"
)

var _ care.SignInStore = (*Store)(nil)

const externalColumns = "device_id, subject, created_at, expires_at, provider_refresh, id_token, handoff_hash, handoff_expires_at, ended_at"

func scanExternal(row interface{ Scan(...any) error }) (care.ExternalSession, error) {
	var e care.ExternalSession
	var created, expires, handoffExpires string
	var ended sql.NullString
	if err := row.Scan(&e.DeviceID, &e.Subject, &created, &expires, &e.ProviderRefresh, &e.IDToken, &e.HandoffHash, &handoffExpires, &ended); err != nil {
		return e, err
	}
	e.CreatedAt, e.ExpiresAt, e.HandoffExpiresAt, e.EndedAt = parseTS(created), parseTS(expires), parseTS(handoffExpires), parseNullTS(ended)
	return e, nil
}

// PutExternalSession implements care.SignInStore.
func (s *Store) PutExternalSession(ctx context.Context, e care.ExternalSession) error {
	_, err := s.writer.ExecContext(ctx, "INSERT INTO external_sessions ("+externalColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
		e.DeviceID, e.Subject, ts(e.CreatedAt), ts(e.ExpiresAt), e.ProviderRefresh, e.IDToken, e.HandoffHash, ts(e.HandoffExpiresAt))
	if err != nil {
		return fmt.Errorf("put external session: %w", err)
	}
	return nil
}

// ExternalSession implements care.SignInStore.
func (s *Store) ExternalSession(ctx context.Context, deviceID string) (care.ExternalSession, error) {
	e, err := scanExternal(s.reader.QueryRowContext(ctx, "SELECT "+externalColumns+" FROM external_sessions WHERE device_id = ?", deviceID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("external session %s: %w", deviceID, care.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("external session: %w", err)
	}
	return e, nil
}

// ClaimHandoff implements care.SignInStore.
func (s *Store) ClaimHandoff(ctx context.Context, hash []byte, now time.Time) (care.ExternalSession, error) {
	e, err := scanExternal(s.writer.QueryRowContext(ctx, `UPDATE external_sessions SET handoff_hash = NULL
		WHERE handoff_hash = ? AND handoff_expires_at > ? AND ended_at IS NULL RETURNING `+externalColumns, hash, ts(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return e, care.ErrHandoffSpent
	}
	if err != nil {
		return e, fmt.Errorf("claim handoff: %w", err)
	}
	return e, nil
}

// UpdateExternalSession implements care.SignInStore.
func (s *Store) UpdateExternalSession(ctx context.Context, deviceID string, providerRefresh, idToken []byte) error {
	res, err := s.writer.ExecContext(ctx, "UPDATE external_sessions SET provider_refresh = ?, id_token = ? WHERE device_id = ?", providerRefresh, idToken, deviceID)
	if err != nil {
		return fmt.Errorf("update external session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("external session %s: %w", deviceID, care.ErrNotFound)
	}
	return nil
}

// EndExternalSession implements care.SignInStore.
func (s *Store) EndExternalSession(ctx context.Context, deviceID string, at time.Time) error {
	_, err := s.writer.ExecContext(ctx, "UPDATE external_sessions SET ended_at = ?, handoff_hash = NULL, provider_refresh = NULL WHERE device_id = ? AND ended_at IS NULL", ts(at), deviceID)
	if err != nil {
		return fmt.Errorf("end external session: %w", err)
	}
	return nil
}

// RecordAuthEvent implements care.SignInStore.
func (s *Store) RecordAuthEvent(ctx context.Context, e care.AuthEvent) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO auth_audit (at, event, subject, role, device_id, method, detail, address)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ts(e.At), e.Event, e.Subject, e.Role, e.DeviceID, e.Method, e.Detail, e.Address)
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
	return queryAll(ctx, s.reader, "auth events", `SELECT id, at, event, subject, role, device_id, method, detail, address
		FROM auth_audit WHERE id > ? ORDER BY id LIMIT ?`, func(row interface{ Scan(...any) error }) (care.AuthEvent, error) {
		var e care.AuthEvent
		var at string
		err := row.Scan(&e.ID, &at, &e.Event, &e.Subject, &e.Role, &e.DeviceID, &e.Method, &e.Detail, &e.Address)
		e.At = parseTS(at)
		return e, err
	}, afterID, limit)
}
