package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/gofiber/fiber/v2"
)

// DefaultIdleLock is how long the field app may sit untouched before it
// locks and asks for the device PIN again, unless Config.IdleLock says.
const DefaultIdleLock = 5 * time.Minute

// wipeSecretRequest is the body of PUT /v1/me/wipe-secret.
type wipeSecretRequest struct {
	Secret string `json:"secret" validate:"required,hexadecimal,len=64"`
}

// deviceWipedRequest is the body of POST /v1/auth/device-wiped.
type deviceWipedRequest struct {
	DeviceID string `json:"device_id" validate:"required,max=200"`
	Secret   string `json:"secret" validate:"required,hexadecimal,len=64"`
	Reason   string `json:"reason" validate:"required,oneof=signed_out pin_lockout"`
}

// hashWipeSecret is what the server keeps of a wipe secret.
func hashWipeSecret(secret string) ([]byte, error) {
	raw, err := hex.DecodeString(secret)
	if err != nil {
		return nil, syncproto.Errorf(syncproto.CodeInvalidValue, "secret", "secret must be 64 hexadecimal digits")
	}
	h := sha256.Sum256(raw)
	return h[:], nil
}

// putWipeSecret is PUT /v1/me/wipe-secret: the device gives the secret with
// which, once it has wiped itself (sign-out, too many wrong PINs) and holds
// no token any more, it asks to be revoked. Only the hash is kept.
func (s *Server) putWipeSecret(c *fiber.Ctx) error {
	var req wipeSecretRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	h, err := hashWipeSecret(req.Secret)
	if err != nil {
		return err
	}
	p := principal(c)
	if err := s.cfg.Access.SetWipeSecret(c.UserContext(), p.DeviceID, h); err != nil {
		if errors.Is(err, care.ErrNotFound) {
			return care.Coded(err, "Authorization", "this token names no enrolled device")
		}
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// deviceWiped is POST /v1/auth/device-wiped: a device that wiped itself
// reports it, with its wipe secret and why, and is revoked (its refresh
// tokens with it); the reason shows on the console's device list. A wrong
// secret, or a device that never gave one, is refused as unauthorized
// without saying which.
func (s *Server) deviceWiped(c *fiber.Ctx) error {
	var req deviceWipedRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	h, err := hashWipeSecret(req.Secret)
	if err != nil {
		return err
	}
	refused := syncproto.Errorf(syncproto.CodeUnauthorized, "secret", "no device %q with this wipe secret", req.DeviceID)
	want, err := s.cfg.Access.WipeSecret(c.UserContext(), req.DeviceID)
	if errors.Is(err, care.ErrNotFound) {
		return s.countFailure(c, refused)
	}
	if err != nil {
		return err
	}
	if len(want) == 0 || subtle.ConstantTimeCompare(want, h) != 1 {
		return s.countFailure(c, refused)
	}
	if err := s.cfg.Access.RevokeDeviceFor(c.UserContext(), req.DeviceID, req.Reason, s.cfg.Now().UTC()); err != nil {
		return err
	}
	d, err := s.cfg.Access.Device(c.UserContext(), req.DeviceID)
	if err != nil {
		return err
	}
	s.log.Info("device revoked after wiping itself", "device", req.DeviceID, "reason", req.Reason)
	return c.JSON(d)
}
