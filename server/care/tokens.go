package care

import (
	"context"
	"fmt"
	"time"
)

// TokenTx is the narrow port refresh-token rotation runs over: one store
// transaction in which the presented token's row is held, so that of two
// replicas presenting the same token at once the second sees what the first
// did (PostgreSQL locks the row FOR UPDATE; SQLite's one writer holds the
// database). Rotation itself is written once, in RotateRefreshToken.
type TokenTx interface {
	// Token returns the stored token with that id, or ErrNotFound.
	Token(ctx context.Context, id string) (RefreshToken, error)
	// Successor returns the newest token issued with parent as its parent
	// and whether it was used; found is false when there is none.
	Successor(ctx context.Context, parent string) (id string, used, found bool, err error)
	// RevokeToken revokes one token, keeping an earlier revocation time.
	RevokeToken(ctx context.Context, id string, at time.Time) error
	// RevokeFamily revokes every token of a family, keeping earlier
	// revocation times.
	RevokeFamily(ctx context.Context, family string, at time.Time) error
	// MarkUsed records that a token was used at a time.
	MarkUsed(ctx context.Context, id string, at time.Time) error
	// PutRefreshToken stores a newly issued token.
	PutRefreshToken(ctx context.Context, t RefreshToken) error
}

// RotateRefreshToken is the one refresh-token rotation, as
// AccessStore.RotateRefreshToken documents it, over a store's transaction.
// It returns the stored token, whether the store must commit the transaction
// (also when the returned error ends the chain: the revocation must stay),
// and the error to answer with.
func RotateRefreshToken(ctx context.Context, tx TokenTx, id string, check func(RefreshToken) bool, now time.Time, reuse time.Duration, next RefreshToken) (RefreshToken, bool, error) {
	t, err := tx.Token(ctx, id)
	if err != nil {
		return RefreshToken{}, false, err
	}
	if !check(t) {
		return t, false, ErrNotFound
	}
	if reuse > 0 && t.UsedAt != nil && now.Sub(*t.UsedAt) <= reuse && t.RevokedAt == nil {
		// A retry whose first answer was lost? Only if the successor was
		// never used: then replace it.
		succ, used, found, err := tx.Successor(ctx, t.ID)
		if err != nil {
			return t, false, fmt.Errorf("rotate: %w", err)
		}
		if found && !used {
			if err := tx.RevokeToken(ctx, succ, now); err != nil {
				return t, false, fmt.Errorf("rotate: %w", err)
			}
			return t, true, issueSuccessor(ctx, tx, t, next)
		}
	}
	if t.UsedAt != nil || t.RevokedAt != nil {
		// Reuse of a rotated token, or use of one replaced after a retry:
		// someone else holds the chain. End it.
		if err := tx.RevokeFamily(ctx, t.Family, now); err != nil {
			return t, false, fmt.Errorf("revoke family: %w", err)
		}
		if t.UsedAt == nil {
			return t, true, ErrTokenRevoked
		}
		return t, true, ErrTokenReused
	}
	if !now.Before(t.ExpiresAt) {
		return t, false, ErrTokenRevoked
	}
	if err := tx.MarkUsed(ctx, t.ID, now); err != nil {
		return t, false, fmt.Errorf("rotate: %w", err)
	}
	return t, true, issueSuccessor(ctx, tx, t, next)
}

// issueSuccessor stores next as t's successor in t's family.
func issueSuccessor(ctx context.Context, tx TokenTx, t, next RefreshToken) error {
	next.Family, next.DeviceID, next.ParentID = t.Family, t.DeviceID, t.ID
	return tx.PutRefreshToken(ctx, next)
}

// ClaimTx is the narrow port an enrolment-code claim runs over: one store
// transaction in which spending a code is atomic (SQLite's one writer; on
// PostgreSQL an UPDATE whose WHERE clause is re-checked under the row lock).
type ClaimTx interface {
	// SpendCode marks the open code with this hash used at now and returns
	// it: ErrNotFound for an unknown hash, ErrCodeSpent for a used or
	// cancelled code, ErrCodeExpired for an expired one (with the code).
	SpendCode(ctx context.Context, hash []byte, now time.Time) (EnrolmentCode, error)
	// EnrolDevice records a new device; ErrExists if the id is taken.
	EnrolDevice(ctx context.Context, d Device) error
	// PutRefreshToken stores a newly issued token.
	PutRefreshToken(ctx context.Context, t RefreshToken) error
}

// ClaimEnrolmentCode is the one enrolment-code claim, as
// AccessStore.ClaimEnrolmentCode documents it, over a store's transaction,
// which the store commits only when it returns no error.
func ClaimEnrolmentCode(ctx context.Context, tx ClaimTx, hash []byte, now time.Time, t RefreshToken) (EnrolmentCode, error) {
	c, err := tx.SpendCode(ctx, hash, now)
	if err != nil {
		return c, err
	}
	if err := tx.EnrolDevice(ctx, Device{ID: c.DeviceID, Subject: c.Subject, Name: c.DeviceName, EnrolledAt: now}); err != nil {
		return c, err
	}
	t.DeviceID = c.DeviceID
	if err := tx.PutRefreshToken(ctx, t); err != nil {
		return c, err
	}
	c.UsedAt = &now
	return c, nil
}
