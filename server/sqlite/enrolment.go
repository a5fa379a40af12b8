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

const codeColumns = "id, hash, subject, device_name, device_id, created_by, created_at, expires_at, used_at, cancelled_at"

func scanCode(row interface{ Scan(...any) error }) (care.EnrolmentCode, error) {
	var c care.EnrolmentCode
	var created, expires string
	var used, cancelled sql.NullString
	if err := row.Scan(&c.ID, &c.Hash, &c.Subject, &c.DeviceName, &c.DeviceID, &c.CreatedBy, &created, &expires, &used, &cancelled); err != nil {
		return c, err
	}
	c.CreatedAt, c.ExpiresAt, c.UsedAt, c.CancelledAt = parseTS(created), parseTS(expires), parseNullTS(used), parseNullTS(cancelled)
	return c, nil
}

// PutEnrolmentCode implements care.AccessStore.
func (s *Store) PutEnrolmentCode(ctx context.Context, c care.EnrolmentCode) error {
	_, err := s.writer.ExecContext(ctx, "INSERT INTO enrolment_codes (id, hash, subject, device_name, device_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		c.ID, c.Hash, c.Subject, c.DeviceName, c.DeviceID, c.CreatedBy, ts(c.CreatedAt), ts(c.ExpiresAt))
	if err != nil && strings.Contains(err.Error(), "FOREIGN KEY") {
		return fmt.Errorf("user %s: %w", c.Subject, care.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store enrolment code: %w", err)
	}
	return nil
}

// EnrolmentCodes implements care.AccessStore. Expiry is compared in Go:
// stored timestamps are RFC 3339 text, whose order is not the time order
// when fractions of a second differ in length.
func (s *Store) EnrolmentCodes(ctx context.Context, now time.Time) ([]care.EnrolmentCode, error) {
	all, err := queryAll(ctx, s.reader, "enrolment codes", "SELECT "+codeColumns+` FROM enrolment_codes
		WHERE used_at IS NULL AND cancelled_at IS NULL ORDER BY created_at, id`, scanCode)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, c := range all {
		if now.Before(c.ExpiresAt) {
			out = append(out, c)
		}
	}
	return out, nil
}

// CancelEnrolmentCode implements care.AccessStore.
func (s *Store) CancelEnrolmentCode(ctx context.Context, id string, now time.Time) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cancel enrolment code: %w", err)
	}
	defer tx.Rollback()
	c, err := scanCode(tx.QueryRowContext(ctx, "SELECT "+codeColumns+" FROM enrolment_codes WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) || err == nil && (c.UsedAt != nil || c.CancelledAt != nil || !now.Before(c.ExpiresAt)) {
		return fmt.Errorf("enrolment code %s: %w", id, care.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("cancel enrolment code: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE enrolment_codes SET cancelled_at = ? WHERE id = ?", ts(now), id); err != nil {
		return fmt.Errorf("cancel enrolment code: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cancel enrolment code: %w", err)
	}
	return nil
}

// ClaimEnrolmentCode implements care.AccessStore with care's one claim.
// SQLite has one writer, so the read-check-update inside one transaction is
// atomic.
func (s *Store) ClaimEnrolmentCode(ctx context.Context, hash []byte, now time.Time, t care.RefreshToken) (care.EnrolmentCode, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return care.EnrolmentCode{}, fmt.Errorf("claim enrolment code: %w", err)
	}
	defer tx.Rollback()
	c, err := care.ClaimEnrolmentCode(ctx, tokenTx{tx}, hash, now, t)
	if err != nil {
		return c, err
	}
	if err := tx.Commit(); err != nil {
		return c, fmt.Errorf("claim enrolment code: %w", err)
	}
	return c, nil
}

var _ care.ClaimTx = tokenTx{}

func (x tokenTx) SpendCode(ctx context.Context, hash []byte, now time.Time) (care.EnrolmentCode, error) {
	c, err := scanCode(x.tx.QueryRowContext(ctx, "SELECT "+codeColumns+" FROM enrolment_codes WHERE hash = ?", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return care.EnrolmentCode{}, care.ErrNotFound
	}
	if err != nil {
		return care.EnrolmentCode{}, fmt.Errorf("claim enrolment code: %w", err)
	}
	switch {
	case c.UsedAt != nil || c.CancelledAt != nil:
		return c, care.ErrCodeSpent
	case !now.Before(c.ExpiresAt):
		return c, care.ErrCodeExpired
	}
	if _, err := x.tx.ExecContext(ctx, "UPDATE enrolment_codes SET used_at = ? WHERE id = ?", ts(now), c.ID); err != nil {
		return c, fmt.Errorf("claim enrolment code: %w", err)
	}
	return c, nil
}

func (x tokenTx) EnrolDevice(ctx context.Context, d care.Device) error {
	return enrolDevice(ctx, x.tx, d)
}
