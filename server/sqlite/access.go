package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/care"
)

var _ care.AccessStore = (*Store)(nil)

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func parseNullTS(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTS(s.String)
	return &t
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// PutUser implements care.AccessStore.
func (s *Store) PutUser(ctx context.Context, u care.User) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO users (subject, role, name, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (subject) DO UPDATE SET role = excluded.role, name = CASE WHEN excluded.name = '' THEN users.name ELSE excluded.name END`,
		u.Subject, u.Role, u.Name, ts(u.CreatedAt))
	if err != nil {
		return fmt.Errorf("put user: %w", err)
	}
	s.accessChanged(u.Subject)
	return nil
}

const userColumns = "subject, role, name, created_at, disabled_at"

func scanUser(row interface{ Scan(...any) error }) (care.User, error) {
	var u care.User
	var created string
	var disabled sql.NullString
	if err := row.Scan(&u.Subject, &u.Role, &u.Name, &created, &disabled); err != nil {
		return u, err
	}
	u.CreatedAt, u.DisabledAt = parseTS(created), parseNullTS(disabled)
	return u, nil
}

// User implements care.AccessStore.
func (s *Store) User(ctx context.Context, subject string) (care.User, error) {
	u, err := scanUser(s.reader.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE subject = ?", subject))
	if errors.Is(err, sql.ErrNoRows) {
		return u, care.ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("user: %w", err)
	}
	return u, nil
}

// Users implements care.AccessStore.
func (s *Store) Users(ctx context.Context) ([]care.User, error) {
	return queryAll(ctx, s.reader, "users", "SELECT "+userColumns+" FROM users ORDER BY subject", scanUser)
}

// scanString scans a one-column text row.
func scanString(row interface{ Scan(...any) error }) (string, error) {
	var v string
	return v, row.Scan(&v)
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, db *sql.DB, what, q string, scan func(interface{ Scan(...any) error }) (T, error), args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// EnrolDevice implements care.AccessStore.
func (s *Store) EnrolDevice(ctx context.Context, d care.Device) error {
	return enrolDevice(ctx, s.writer, d)
}

func enrolDevice(ctx context.Context, db execer, d care.Device) error {
	_, err := db.ExecContext(ctx, "INSERT INTO devices (id, subject, name, enrolled_at) VALUES (?, ?, ?, ?)", d.ID, d.Subject, d.Name, ts(d.EnrolledAt))
	if isUnique(err) || (err != nil && strings.Contains(err.Error(), "PRIMARY KEY")) {
		return fmt.Errorf("device %s: %w", d.ID, care.ErrExists)
	}
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY") {
		return fmt.Errorf("user %s: %w", d.Subject, care.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("enrol device: %w", err)
	}
	return nil
}

const deviceColumns = "id, subject, name, enrolled_at, revoked_at, revoked_reason"

func scanDevice(row interface{ Scan(...any) error }) (care.Device, error) {
	var d care.Device
	var enrolled string
	var revoked sql.NullString
	if err := row.Scan(&d.ID, &d.Subject, &d.Name, &enrolled, &revoked, &d.RevokedReason); err != nil {
		return d, err
	}
	d.EnrolledAt, d.RevokedAt = parseTS(enrolled), parseNullTS(revoked)
	return d, nil
}

// Device implements care.AccessStore.
func (s *Store) Device(ctx context.Context, id string) (care.Device, error) {
	d, err := scanDevice(s.reader.QueryRowContext(ctx, "SELECT "+deviceColumns+" FROM devices WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, care.ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("device: %w", err)
	}
	return d, nil
}

// Devices implements care.AccessStore.
func (s *Store) Devices(ctx context.Context) ([]care.Device, error) {
	return queryAll(ctx, s.reader, "devices", "SELECT "+deviceColumns+" FROM devices ORDER BY id", scanDevice)
}

// RevokeDevice implements care.AccessStore.
func (s *Store) RevokeDevice(ctx context.Context, id string, at time.Time) error {
	return s.RevokeDeviceFor(ctx, id, "", at)
}

// SetWipeSecret implements care.AccessStore.
func (s *Store) SetWipeSecret(ctx context.Context, id string, hash []byte) error {
	r, err := s.writer.ExecContext(ctx, "UPDATE devices SET wipe_secret_hash = ? WHERE id = ?", hash, id)
	if err != nil {
		return fmt.Errorf("set wipe secret: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("device %s: %w", id, care.ErrNotFound)
	}
	return nil
}

// WipeSecret implements care.AccessStore.
func (s *Store) WipeSecret(ctx context.Context, id string) ([]byte, error) {
	var h []byte
	err := s.reader.QueryRowContext(ctx, "SELECT wipe_secret_hash FROM devices WHERE id = ?", id).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("device %s: %w", id, care.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("wipe secret: %w", err)
	}
	return h, nil
}

// RevokeDeviceFor implements care.AccessStore.
func (s *Store) RevokeDeviceFor(ctx context.Context, id, reason string, at time.Time) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("revoke device: %w", err)
	}
	defer tx.Rollback()
	r, err := tx.ExecContext(ctx, `UPDATE devices SET revoked_reason = CASE WHEN revoked_at IS NULL OR revoked_reason = '' THEN ? ELSE revoked_reason END,
		revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, reason, ts(at), id)
	if err != nil {
		return fmt.Errorf("revoke device: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("device %s: %w", id, care.ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE device_id = ?", ts(at), id); err != nil {
		return fmt.Errorf("revoke device tokens: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("revoke device: %w", err)
	}
	if d, err := s.Device(ctx, id); err == nil {
		s.accessChanged(d.Subject)
	}
	return nil
}

// GrantScope implements care.AccessStore.
func (s *Store) GrantScope(ctx context.Context, g care.Grant) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO scope_grants (subject, incident_id, granted_at, granted_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (subject, incident_id) WHERE revoked_at IS NULL DO NOTHING`, g.Subject, g.IncidentID, ts(g.GrantedAt), g.GrantedBy)
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY") {
		return fmt.Errorf("user %s: %w", g.Subject, care.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("grant scope: %w", err)
	}
	s.accessChanged(g.Subject)
	return nil
}

// RevokeScope implements care.AccessStore.
func (s *Store) RevokeScope(ctx context.Context, subject, incidentID string, at time.Time) error {
	r, err := s.writer.ExecContext(ctx, "UPDATE scope_grants SET revoked_at = ? WHERE subject = ? AND incident_id = ? AND revoked_at IS NULL", ts(at), subject, incidentID)
	if err != nil {
		return fmt.Errorf("revoke scope: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("grant of %s to %s: %w", incidentID, subject, care.ErrNotFound)
	}
	s.accessChanged(subject)
	return nil
}

// Grants implements care.AccessStore.
func (s *Store) Grants(ctx context.Context, subject string) ([]string, error) {
	return queryAll(ctx, s.reader, "grants", "SELECT incident_id FROM scope_grants WHERE subject = ? AND revoked_at IS NULL ORDER BY incident_id",
		scanString, subject)
}

// PutRefreshToken implements care.AccessStore.
func (s *Store) PutRefreshToken(ctx context.Context, t care.RefreshToken) error {
	return putRefresh(ctx, s.writer, t)
}

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func putRefresh(ctx context.Context, db execer, t care.RefreshToken) error {
	var parent any
	if t.ParentID != "" {
		parent = t.ParentID
	}
	_, err := db.ExecContext(ctx, "INSERT INTO refresh_tokens (id, family, device_id, hash, issued_at, expires_at, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
		t.ID, t.Family, t.DeviceID, t.Hash, ts(t.IssuedAt), ts(t.ExpiresAt), parent)
	if err != nil {
		return fmt.Errorf("store refresh token: %w", err)
	}
	return nil
}

// RotateRefreshToken implements care.AccessStore with care's one rotation
// over a transaction on the writer.
func (s *Store) RotateRefreshToken(ctx context.Context, id string, check func(care.RefreshToken) bool, now time.Time, reuse time.Duration, next care.RefreshToken) (care.RefreshToken, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return care.RefreshToken{}, fmt.Errorf("rotate: %w", err)
	}
	defer tx.Rollback()
	t, commit, rerr := care.RotateRefreshToken(ctx, tokenTx{tx}, id, check, now, reuse, next)
	if commit {
		if err := tx.Commit(); err != nil {
			return t, fmt.Errorf("rotate: %w", err)
		}
	}
	return t, rerr
}

// tokenTx is care.TokenTx on a SQLite transaction.
type tokenTx struct{ tx *sql.Tx }

var _ care.TokenTx = tokenTx{}

func (x tokenTx) Token(ctx context.Context, id string) (care.RefreshToken, error) {
	var t care.RefreshToken
	var issued, expires string
	var parent, used, revoked sql.NullString
	err := x.tx.QueryRowContext(ctx, "SELECT id, family, parent_id, device_id, hash, issued_at, expires_at, used_at, revoked_at FROM refresh_tokens WHERE id = ?", id).
		Scan(&t.ID, &t.Family, &parent, &t.DeviceID, &t.Hash, &issued, &expires, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return t, care.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("rotate: %w", err)
	}
	t.ParentID = parent.String
	t.IssuedAt, t.ExpiresAt, t.UsedAt, t.RevokedAt = parseTS(issued), parseTS(expires), parseNullTS(used), parseNullTS(revoked)
	return t, nil
}

func (x tokenTx) Successor(ctx context.Context, parent string) (string, bool, bool, error) {
	var id string
	var used sql.NullString
	err := x.tx.QueryRowContext(ctx, "SELECT id, used_at FROM refresh_tokens WHERE parent_id = ? ORDER BY issued_at DESC LIMIT 1", parent).Scan(&id, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, false, nil
	}
	return id, used.Valid, err == nil, err
}

func (x tokenTx) RevokeToken(ctx context.Context, id string, at time.Time) error {
	_, err := x.tx.ExecContext(ctx, "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", ts(at), id)
	return err
}

func (x tokenTx) RevokeFamily(ctx context.Context, family string, at time.Time) error {
	_, err := x.tx.ExecContext(ctx, "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE family = ?", ts(at), family)
	return err
}

func (x tokenTx) MarkUsed(ctx context.Context, id string, at time.Time) error {
	_, err := x.tx.ExecContext(ctx, "UPDATE refresh_tokens SET used_at = ? WHERE id = ?", ts(at), id)
	return err
}

func (x tokenTx) PutRefreshToken(ctx context.Context, t care.RefreshToken) error {
	return putRefresh(ctx, x.tx, t)
}
