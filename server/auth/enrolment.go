package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/google/uuid"
)

// Enrolment code lifetimes.
const (
	DefaultCodeTTL = 15 * time.Minute
	MaxCodeTTL     = 24 * time.Hour
)

// CodeAlphabet is the characters of an enrolment code: Crockford's base32
// without 0 and 1, so no two characters look alike (no I, L, O, U, 0 or 1).
const CodeAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// CodeLength is how many characters a code has: 10 from 30 is 49 bits.
const CodeLength = 10

// MaxDeviceName is the longest device name, in characters.
const MaxDeviceName = 100

// IssuedCode is a newly issued enrolment code. Code is shown once, here; the
// server keeps only its hash.
type IssuedCode struct {
	Code       string    `json:"code"`
	ExpiresAt  time.Time `json:"expires_at"`
	ID         string    `json:"id"`
	Subject    string    `json:"subject"`
	DeviceName string    `json:"device_name"`
	DeviceID   string    `json:"device_id"`
}

// IssueCode issues a one-time enrolment code for a new device of subject,
// valid for ttl (DefaultCodeTTL when 0, at most MaxCodeTTL).
func (s *Service) IssueCode(ctx context.Context, subject, deviceName, issuedBy string, ttl time.Duration) (IssuedCode, error) {
	if ttl == 0 {
		ttl = DefaultCodeTTL
	}
	if ttl < time.Minute || ttl > MaxCodeTTL {
		return IssuedCode{}, syncproto.Errorf(syncproto.CodeInvalidValue, "ttl", "ttl must be between 1 minute and %s", MaxCodeTTL)
	}
	if !ValidSubject(subject) {
		return IssuedCode{}, syncproto.Errorf(syncproto.CodeInvalidValue, "subject", subjectRule)
	}
	if err := checkDeviceName(deviceName); err != nil {
		return IssuedCode{}, err
	}
	if u, err := s.store.User(ctx, subject); errors.Is(err, care.ErrNotFound) {
		return IssuedCode{}, care.Coded(err, "subject", "no user %q; add the user first", subject)
	} else if err != nil {
		return IssuedCode{}, err
	} else if u.DisabledAt != nil {
		return IssuedCode{}, syncproto.Errorf(syncproto.CodeConflict, "subject", "user %q is disabled; a code cannot be issued for them", subject)
	}
	code, err := newCode()
	if err != nil {
		return IssuedCode{}, err
	}
	now := s.now().UTC()
	rec := care.EnrolmentCode{
		ID: uuid.NewString(), Subject: subject, DeviceName: deviceName, DeviceID: deviceIDFor(deviceName),
		CreatedBy: issuedBy, CreatedAt: now, ExpiresAt: now.Add(ttl), Hash: hashCode(code),
	}
	if err := s.store.PutEnrolmentCode(ctx, rec); err != nil {
		if errors.Is(err, care.ErrNotFound) {
			return IssuedCode{}, care.Coded(err, "subject", "no user %q; add the user first", subject)
		}
		return IssuedCode{}, err
	}
	return IssuedCode{Code: FormatCode(code), ExpiresAt: rec.ExpiresAt, ID: rec.ID, Subject: subject, DeviceName: deviceName, DeviceID: rec.DeviceID}, nil
}

// EnrolWithCode spends a one-time code: it enrols the code's new device for
// the code's user and returns the device's first token pair.
func (s *Service) EnrolWithCode(ctx context.Context, code string) (Pair, error) {
	norm, ok := NormalizeCode(code)
	if !ok {
		return Pair{}, syncproto.Errorf(syncproto.CodeInvalidValue, "code", "code must be the %d characters shown, like K7QM-4XRT-9P", CodeLength)
	}
	now := s.now().UTC()
	refresh, rec, err := s.newRefresh(ctx, randomHex(16), "", now)
	if err != nil {
		return Pair{}, err
	}
	c, err := s.store.ClaimEnrolmentCode(ctx, hashCode(norm), now, rec)
	switch {
	case errors.Is(err, care.ErrNotFound):
		return Pair{}, care.CodedCredential(err, "code", "code is not valid; check it or ask for a new one")
	case errors.Is(err, care.ErrCodeSpent):
		return Pair{}, care.CodedCredential(err, "code", "code has already been used or was cancelled; ask for a new one")
	case errors.Is(err, care.ErrCodeExpired):
		return Pair{}, care.CodedCredential(err, "code", "code has expired; ask for a new one")
	case errors.Is(err, care.ErrExists):
		return Pair{}, care.CodedCredential(err, "code", "device %q is already enrolled; ask for a new code", c.DeviceID)
	case err != nil:
		return Pair{}, err
	}
	u, err := s.store.User(ctx, c.Subject)
	if err != nil {
		return Pair{}, err
	}
	if u.DisabledAt != nil {
		return Pair{}, unauthorized("code", "user is disabled")
	}
	return s.pair(ctx, u, c.DeviceID, refresh)
}

// EnrolmentCodes lists the codes still open (unused, not cancelled, not
// expired), without the codes themselves.
func (s *Service) EnrolmentCodes(ctx context.Context) ([]care.EnrolmentCode, error) {
	return s.store.EnrolmentCodes(ctx, s.now().UTC())
}

// CancelEnrolmentCode withdraws an open code by its id.
func (s *Service) CancelEnrolmentCode(ctx context.Context, id string) error {
	if err := s.store.CancelEnrolmentCode(ctx, id, s.now().UTC()); err != nil {
		if errors.Is(err, care.ErrNotFound) {
			return care.Coded(err, "id", "no open enrolment code %q", id)
		}
		return err
	}
	return nil
}

// newCode returns CodeLength characters drawn uniformly from CodeAlphabet
// with crypto/rand.
func newCode() (string, error) {
	b := make([]byte, CodeLength)
	n := big.NewInt(int64(len(CodeAlphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, n)
		if err != nil {
			return "", fmt.Errorf("enrolment code: %w", err)
		}
		b[i] = CodeAlphabet[k.Int64()]
	}
	return string(b), nil
}

// FormatCode groups a normalised code for reading aloud and typing:
// K7QM4XRT9P becomes K7QM-4XRT-9P.
func FormatCode(norm string) string {
	var b strings.Builder
	for i, r := range norm {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// NormalizeCode accepts a code as people type it (any case, with or without
// hyphens or spaces) and returns its canonical form, or false if it cannot
// be a code.
func NormalizeCode(s string) (string, bool) {
	if len(s) > 4*CodeLength {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\u2010' || r == '\u2013':
		case r < utf8.RuneSelf && strings.IndexByte(CodeAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != CodeLength {
		return "", false
	}
	return b.String(), true
}

// hashCode is the stored digest of a normalised code.
func hashCode(norm string) []byte {
	sum := sha256.Sum256([]byte("continuity enrolment code\x00" + norm))
	return sum[:]
}

func checkDeviceName(name string) error {
	if strings.TrimSpace(name) == "" {
		return syncproto.Errorf(syncproto.CodeMissingField, "device_name", "device_name is required, e.g. \"Ward iPad 3\"")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxDeviceName {
		return syncproto.Errorf(syncproto.CodeInvalidValue, "device_name", "device_name must be UTF-8 text of at most %d characters", MaxDeviceName)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return syncproto.Errorf(syncproto.CodeInvalidValue, "device_name", "device_name must not contain control characters")
		}
	}
	return nil
}

// deviceIDFor makes a device id from a device name: its letters and digits,
// lower case, hyphenated, and a random suffix ("ward-ipad-3-k7qm4x").
func deviceIDFor(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= 40 {
				break
			}
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		b.WriteString("device")
	}
	suffix, err := newCode()
	if err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return b.String() + "-" + strings.ToLower(suffix[:6])
}
