package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/continuity-care/continuity/server/care"
)

const codeColumns = "id, hash, subject, device_name, device_id, created_by, created_at, expires_at, used_at, cancelled_at"

func scanCode(row pgx.Row) (care.EnrolmentCode, error) {
	var c care.EnrolmentCode
	if err := row.Scan(&c.ID, &c.Hash, &c.Subject, &c.DeviceName, &c.DeviceID, &c.CreatedBy, &c.CreatedAt, &c.ExpiresAt, &c.UsedAt, &c.CancelledAt); err != nil {
		return c, err
	}
	c.CreatedAt, c.ExpiresAt, c.UsedAt, c.CancelledAt = c.CreatedAt.UTC(), c.ExpiresAt.UTC(), utc(c.UsedAt), utc(c.CancelledAt)
	return c, nil
}

// PutEnrolmentCode implements care.AccessStore.
func (s *Store) PutEnrolmentCode(ctx context.Context, c care.EnrolmentCode) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO enrolment_codes (id, hash, subject, device_name, device_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		c.ID, c.Hash, c.Subject, c.DeviceName, c.DeviceID, c.CreatedBy, c.CreatedAt, c.ExpiresAt)
	if pgCode(err) == foreignKeyViolation {
		return fmt.Errorf("user %s: %w", c.Subject, care.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store enrolment code: %w", err)
	}
	return nil
}

// EnrolmentCodes implements care.AccessStore.
func (s *Store) EnrolmentCodes(ctx context.Context, now time.Time) ([]care.EnrolmentCode, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+codeColumns+` FROM enrolment_codes
		WHERE used_at IS NULL AND cancelled_at IS NULL AND expires_at > $1 ORDER BY created_at, id`, now)
	if err != nil {
		return nil, fmt.Errorf("enrolment codes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (care.EnrolmentCode, error) { return scanCode(r) })
	if err != nil {
		return nil, fmt.Errorf("enrolment codes: %w", err)
	}
	if out == nil {
		out = []care.EnrolmentCode{}
	}
	return out, nil
}

// CancelEnrolmentCode implements care.AccessStore.
func (s *Store) CancelEnrolmentCode(ctx context.Context, id string, now time.Time) error {
	tag, err := s.pool.Exec(ctx, "UPDATE enrolment_codes SET cancelled_at = $1 WHERE id = $2 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $1", now, id)
	if err != nil {
		return fmt.Errorf("cancel enrolment code: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("enrolment code %s: %w", id, care.ErrNotFound)
	}
	return nil
}

// ClaimEnrolmentCode implements care.AccessStore with care's one claim.
func (s *Store) ClaimEnrolmentCode(ctx context.Context, hash []byte, now time.Time, t care.RefreshToken) (care.EnrolmentCode, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return care.EnrolmentCode{}, fmt.Errorf("claim enrolment code: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	c, err := care.ClaimEnrolmentCode(ctx, tokenTx{tx}, hash, now, t)
	if err != nil {
		return c, err
	}
	if err := tx.Commit(ctx); err != nil {
		return c, fmt.Errorf("claim enrolment code: %w", err)
	}
	return c, nil
}

var _ care.ClaimTx = tokenTx{}

// SpendCode's UPDATE has its WHERE clause re-checked under the row lock: of
// two replicas claiming one code at once, the second waits for the first to
// commit, then finds the code used and changes nothing.
func (x tokenTx) SpendCode(ctx context.Context, hash []byte, now time.Time) (care.EnrolmentCode, error) {
	c, err := scanCode(x.tx.QueryRow(ctx, `UPDATE enrolment_codes SET used_at = $1
		WHERE hash = $2 AND used_at IS NULL AND cancelled_at IS NULL AND expires_at > $1 RETURNING `+codeColumns, now, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		c, err = scanCode(x.tx.QueryRow(ctx, "SELECT "+codeColumns+" FROM enrolment_codes WHERE hash = $1", hash))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return care.EnrolmentCode{}, care.ErrNotFound
		case err != nil:
			return care.EnrolmentCode{}, fmt.Errorf("claim enrolment code: %w", err)
		case c.UsedAt != nil || c.CancelledAt != nil:
			return c, care.ErrCodeSpent
		default:
			return c, care.ErrCodeExpired
		}
	}
	if err != nil {
		return care.EnrolmentCode{}, fmt.Errorf("claim enrolment code: %w", err)
	}
	return c, nil
}

func (x tokenTx) EnrolDevice(ctx context.Context, d care.Device) error {
	return enrolDevice(ctx, x.tx, d)
}
