package auth

import (
	"context"
	"errors"

	"github.com/continuity-care/continuity/server/care"
)

// SessionCheck is asked at every token refresh, after the device and the
// user have been checked, whether the session may go on; it may return the
// user with a changed role. An error refuses the refresh. The council
// sign-in (server/oidc) uses it to ask the identity provider again.
type SessionCheck func(ctx context.Context, u care.User, d care.Device) (care.User, error)

// EnrolNamed enrols a new device named deviceName for an existing user,
// with an id made from the name (as for a device enrolled by code), and
// returns it. The device gets its tokens from IssuePair.
func (s *Service) EnrolNamed(ctx context.Context, subject, deviceName string) (care.Device, error) {
	if err := checkDeviceName(deviceName); err != nil {
		return care.Device{}, err
	}
	if _, err := s.store.User(ctx, subject); errors.Is(err, care.ErrNotFound) {
		return care.Device{}, care.Coded(err, "subject", "no user %q; add the user first", subject)
	} else if err != nil {
		return care.Device{}, err
	}
	d := care.Device{ID: deviceIDFor(deviceName), Subject: subject, Name: deviceName, EnrolledAt: s.now().UTC()}
	if err := s.store.EnrolDevice(ctx, d); err != nil {
		return care.Device{}, err
	}
	return d, nil
}

// IssuePair starts a new refresh-token chain for an enrolled device whose
// user is enabled and returns its first token pair.
func (s *Service) IssuePair(ctx context.Context, deviceID string) (Pair, error) {
	d, err := s.store.Device(ctx, deviceID)
	if errors.Is(err, care.ErrNotFound) {
		return Pair{}, care.CodedCredential(err, "device_id", "device is not enrolled")
	}
	if err != nil {
		return Pair{}, err
	}
	if d.RevokedAt != nil {
		return Pair{}, unauthorized("device_id", "device is revoked")
	}
	u, err := s.store.User(ctx, d.Subject)
	if err != nil {
		return Pair{}, err
	}
	if u.DisabledAt != nil {
		return Pair{}, unauthorized("subject", "user is disabled")
	}
	refresh, rec, err := s.newRefresh(ctx, randomHex(16), d.ID, s.now().UTC())
	if err != nil {
		return Pair{}, err
	}
	if err := s.store.PutRefreshToken(ctx, rec); err != nil {
		return Pair{}, err
	}
	return s.pair(ctx, u, d.ID, refresh)
}
