package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/continuity-care/continuity/server/care"
)

var _ care.AccessStore = (*Store)(nil)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// PutUser implements care.AccessStore.
func (s *Store) PutUser(ctx context.Context, u care.User) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (subject, role, name, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (subject) DO UPDATE SET role = excluded.role, name = CASE WHEN excluded.name = '' THEN users.name ELSE excluded.name END`,
			u.Subject, u.Role, u.Name, u.CreatedAt)
		if err != nil {
			return fmt.Errorf("put user: %w", err)
		}
		return s.notifyAccess(ctx, tx, u.Subject)
	})
}

// User implements care.AccessStore.
func (s *Store) User(ctx context.Context, subject string) (care.User, error) {
	var u care.User
	err := s.pool.QueryRow(ctx, "SELECT subject, role, name, created_at, disabled_at FROM users WHERE subject = $1", subject).
		Scan(&u.Subject, &u.Role, &u.Name, &u.CreatedAt, &u.DisabledAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return care.User{}, care.ErrNotFound
	}
	if err != nil {
		return care.User{}, fmt.Errorf("user: %w", err)
	}
	u.CreatedAt, u.DisabledAt = u.CreatedAt.UTC(), utc(u.DisabledAt)
	return u, nil
}

// Users implements care.AccessStore.
func (s *Store) Users(ctx context.Context) ([]care.User, error) {
	rows, err := s.pool.Query(ctx, "SELECT subject, role, name, created_at, disabled_at FROM users ORDER BY subject")
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	out := []care.User{}
	for rows.Next() {
		var u care.User
		if err := rows.Scan(&u.Subject, &u.Role, &u.Name, &u.CreatedAt, &u.DisabledAt); err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		u.CreatedAt, u.DisabledAt = u.CreatedAt.UTC(), utc(u.DisabledAt)
		out = append(out, u)
	}
	return out, rows.Err()
}

// EnrolDevice implements care.AccessStore.
func (s *Store) EnrolDevice(ctx context.Context, d care.Device) error {
	return enrolDevice(ctx, s.pool, d)
}

func enrolDevice(ctx context.Context, db execer, d care.Device) error {
	_, err := db.Exec(ctx, "INSERT INTO devices (id, subject, name, enrolled_at) VALUES ($1, $2, $3, $4)", d.ID, d.Subject, d.Name, d.EnrolledAt)
	switch pgCode(err) {
	case "":
	case uniqueViolation:
		return fmt.Errorf("device %s: %w", d.ID, care.ErrExists)
	case foreignKeyViolation:
		return fmt.Errorf("user %s: %w", d.Subject, care.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("enrol device: %w", err)
	}
	return nil
}

// Device implements care.AccessStore.
func (s *Store) Device(ctx context.Context, id string) (care.Device, error) {
	var d care.Device
	err := s.pool.QueryRow(ctx, "SELECT id, subject, name, enrolled_at, revoked_at, revoked_reason FROM devices WHERE id = $1", id).
		Scan(&d.ID, &d.Subject, &d.Name, &d.EnrolledAt, &d.RevokedAt, &d.RevokedReason)
	if errors.Is(err, pgx.ErrNoRows) {
		return care.Device{}, care.ErrNotFound
	}
	if err != nil {
		return care.Device{}, fmt.Errorf("device: %w", err)
	}
	d.EnrolledAt, d.RevokedAt = d.EnrolledAt.UTC(), utc(d.RevokedAt)
	return d, nil
}

// Devices implements care.AccessStore.
func (s *Store) Devices(ctx context.Context) ([]care.Device, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, subject, name, enrolled_at, revoked_at, revoked_reason FROM devices ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	defer rows.Close()
	out := []care.Device{}
	for rows.Next() {
		var d care.Device
		if err := rows.Scan(&d.ID, &d.Subject, &d.Name, &d.EnrolledAt, &d.RevokedAt, &d.RevokedReason); err != nil {
			return nil, fmt.Errorf("devices: %w", err)
		}
		d.EnrolledAt, d.RevokedAt = d.EnrolledAt.UTC(), utc(d.RevokedAt)
		out = append(out, d)
	}
	return out, rows.Err()
}

// RevokeDevice implements care.AccessStore.
func (s *Store) RevokeDevice(ctx context.Context, id string, at time.Time) error {
	return s.RevokeDeviceFor(ctx, id, "", at)
}

// SetWipeSecret implements care.AccessStore.
func (s *Store) SetWipeSecret(ctx context.Context, id string, hash []byte) error {
	tag, err := s.pool.Exec(ctx, "UPDATE devices SET wipe_secret_hash = $1 WHERE id = $2", hash, id)
	if err != nil {
		return fmt.Errorf("set wipe secret: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("device %s: %w", id, care.ErrNotFound)
	}
	return nil
}

// WipeSecret implements care.AccessStore.
func (s *Store) WipeSecret(ctx context.Context, id string) ([]byte, error) {
	var h []byte
	err := s.pool.QueryRow(ctx, "SELECT wipe_secret_hash FROM devices WHERE id = $1", id).Scan(&h)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("device %s: %w", id, care.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("wipe secret: %w", err)
	}
	return h, nil
}

// RevokeDeviceFor implements care.AccessStore.
func (s *Store) RevokeDeviceFor(ctx context.Context, id, reason string, at time.Time) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var subject string
		err := tx.QueryRow(ctx, `UPDATE devices SET revoked_reason = CASE WHEN revoked_at IS NULL OR revoked_reason = '' THEN $3 ELSE revoked_reason END,
			revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING subject`, at, id, reason).Scan(&subject)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("device %s: %w", id, care.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("revoke device: %w", err)
		}
		if _, err := tx.Exec(ctx, "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE device_id = $2", at, id); err != nil {
			return fmt.Errorf("revoke device tokens: %w", err)
		}
		return s.notifyAccess(ctx, tx, subject)
	})
}

// GrantScope implements care.AccessStore.
func (s *Store) GrantScope(ctx context.Context, g care.Grant) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO scope_grants (subject, incident_id, granted_at, granted_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (subject, incident_id) WHERE revoked_at IS NULL DO NOTHING`, g.Subject, g.IncidentID, g.GrantedAt, g.GrantedBy)
		if pgCode(err) == foreignKeyViolation {
			return fmt.Errorf("user %s: %w", g.Subject, care.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("grant scope: %w", err)
		}
		return s.notifyAccess(ctx, tx, g.Subject)
	})
}

// RevokeScope implements care.AccessStore.
func (s *Store) RevokeScope(ctx context.Context, subject, incidentID string, at time.Time) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE scope_grants SET revoked_at = $1 WHERE subject = $2 AND incident_id = $3 AND revoked_at IS NULL", at, subject, incidentID)
		if err != nil {
			return fmt.Errorf("revoke scope: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("grant of %s to %s: %w", incidentID, subject, care.ErrNotFound)
		}
		return s.notifyAccess(ctx, tx, subject)
	})
}

// Grants implements care.AccessStore.
func (s *Store) Grants(ctx context.Context, subject string) ([]string, error) {
	rows, err := s.pool.Query(ctx, "SELECT incident_id FROM scope_grants WHERE subject = $1 AND revoked_at IS NULL ORDER BY incident_id", subject)
	if err != nil {
		return nil, fmt.Errorf("grants: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("grants: %w", err)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// PutRefreshToken implements care.AccessStore.
func (s *Store) PutRefreshToken(ctx context.Context, t care.RefreshToken) error {
	return putRefresh(ctx, s.pool, t)
}

func putRefresh(ctx context.Context, db execer, t care.RefreshToken) error {
	var parent *string
	if t.ParentID != "" {
		parent = &t.ParentID
	}
	if t.Hash == nil {
		t.Hash = []byte{} // as SQLite stores a nil blob: empty, not NULL
	}
	_, err := db.Exec(ctx, "INSERT INTO refresh_tokens (id, family, parent_id, device_id, hash, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		t.ID, t.Family, parent, t.DeviceID, t.Hash, t.IssuedAt, t.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store refresh token: %w", err)
	}
	return nil
}

// RotateRefreshToken implements care.AccessStore with care's one rotation.
// The token's row is locked (SELECT ... FOR UPDATE), so of two replicas
// presenting the same token at once, the second sees what the first did.
func (s *Store) RotateRefreshToken(ctx context.Context, id string, check func(care.RefreshToken) bool, now time.Time, reuse time.Duration, next care.RefreshToken) (care.RefreshToken, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return care.RefreshToken{}, fmt.Errorf("rotate: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	t, commit, rerr := care.RotateRefreshToken(ctx, tokenTx{tx}, id, check, now, reuse, next)
	if commit {
		if err := tx.Commit(ctx); err != nil {
			return t, fmt.Errorf("rotate: %w", err)
		}
	}
	return t, rerr
}

// tokenTx is care.TokenTx on a PostgreSQL transaction.
type tokenTx struct{ tx pgx.Tx }

var _ care.TokenTx = tokenTx{}

func (x tokenTx) Token(ctx context.Context, id string) (care.RefreshToken, error) {
	var t care.RefreshToken
	var parent *string
	err := x.tx.QueryRow(ctx, "SELECT id, family, parent_id, device_id, hash, issued_at, expires_at, used_at, revoked_at FROM refresh_tokens WHERE id = $1 FOR UPDATE", id).
		Scan(&t.ID, &t.Family, &parent, &t.DeviceID, &t.Hash, &t.IssuedAt, &t.ExpiresAt, &t.UsedAt, &t.RevokedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return care.RefreshToken{}, care.ErrNotFound
	}
	if err != nil {
		return care.RefreshToken{}, fmt.Errorf("rotate: %w", err)
	}
	if parent != nil {
		t.ParentID = *parent
	}
	t.IssuedAt, t.ExpiresAt, t.UsedAt, t.RevokedAt = t.IssuedAt.UTC(), t.ExpiresAt.UTC(), utc(t.UsedAt), utc(t.RevokedAt)
	return t, nil
}

func (x tokenTx) Successor(ctx context.Context, parent string) (string, bool, bool, error) {
	var id string
	var used *time.Time
	err := x.tx.QueryRow(ctx, "SELECT id, used_at FROM refresh_tokens WHERE parent_id = $1 ORDER BY issued_at DESC LIMIT 1", parent).Scan(&id, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, false, nil
	}
	return id, used != nil, err == nil, err
}

func (x tokenTx) RevokeToken(ctx context.Context, id string, at time.Time) error {
	_, err := x.tx.Exec(ctx, "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2", at, id)
	return err
}

func (x tokenTx) RevokeFamily(ctx context.Context, family string, at time.Time) error {
	_, err := x.tx.Exec(ctx, "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE family = $2", at, family)
	return err
}

func (x tokenTx) MarkUsed(ctx context.Context, id string, at time.Time) error {
	_, err := x.tx.Exec(ctx, "UPDATE refresh_tokens SET used_at = $1 WHERE id = $2", at, id)
	return err
}

func (x tokenTx) PutRefreshToken(ctx context.Context, t care.RefreshToken) error {
	return putRefresh(ctx, x.tx, t)
}
