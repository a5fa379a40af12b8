package care

import (
	"context"
	"errors"
	"time"
)

// User is a person who uses Continuity.
type User struct {
	Subject    string     `json:"subject"`
	Role       string     `json:"role"`
	Name       string     `json:"name,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

// Device is an enrolled tablet.
type Device struct {
	ID      string `json:"device_id"`
	Subject string `json:"subject"`
	// Name is what people call the device ("Ward iPad 3"), given when it
	// was enrolled by a one-time code; "" for devices enrolled by id.
	Name       string     `json:"name,omitempty"`
	EnrolledAt time.Time  `json:"enrolled_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// RevokedReason is why: RevokedSignedOut, RevokedPINLockout, or ""
	// when an administrator (or the council's sign-in) revoked it.
	RevokedReason string `json:"revoked_reason,omitempty"`
}

// Reasons a device revoked itself (Device.RevokedReason).
const (
	// RevokedSignedOut: the person signed out and the device wiped itself.
	RevokedSignedOut = "signed_out"
	// RevokedPINLockout: the wrong PIN was entered too many times and the
	// device wiped itself.
	RevokedPINLockout = "pin_lockout"
)

// RefreshToken is a stored refresh token: its secret is kept only as a hash.
type RefreshToken struct {
	ID     string
	Family string
	// ParentID is the token this one replaced ("" for the first).
	ParentID  string
	DeviceID  string
	Hash      []byte
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

// Grant is an incident scope granted to a user.
type Grant struct {
	Subject    string     `json:"subject"`
	IncidentID string     `json:"incident_id"`
	GrantedAt  time.Time  `json:"granted_at"`
	GrantedBy  string     `json:"granted_by"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// EnrolmentCode is a one-time code an admin issues so a device can enrol
// without anyone typing a token. The code itself is never stored: only Hash,
// a SHA-256 digest of its normalised form.
type EnrolmentCode struct {
	// ID names the code in listings and for cancelling; it is not the code.
	ID         string    `json:"id"`
	Subject    string    `json:"subject"`
	DeviceName string    `json:"device_name"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	// DeviceID is the id the device will have once enrolled, chosen when
	// the code is issued.
	DeviceID string `json:"device_id"`
	// Hash is the digest of the code; never sent to anyone.
	Hash []byte `json:"-"`
	// UsedAt says when the code was spent, CancelledAt when an admin
	// withdrew it.
	UsedAt      *time.Time `json:"-"`
	CancelledAt *time.Time `json:"-"`
}

// DefaultRefreshReuseInterval is how long after a refresh token was used a
// device may present it again by default (auth.Service.ReuseInterval,
// serve --refresh-reuse-interval): long enough for a tablet whose answer
// was lost on a poor connection to time out (the SDK waits 60 s) and retry.
// The retry is only honoured while the successor is unused, and it revokes
// that successor; so a thief who replays a token inside the interval gets a
// pair that dies, with the whole chain, at the next refresh of whichever
// copy lost the race. 0 makes every second use a reuse.
const DefaultRefreshReuseInterval = 2 * time.Minute

// Access errors.
var (
	ErrNotFound      = errors.New("not found")
	ErrExists        = errors.New("already exists")
	ErrTokenReused   = errors.New("refresh token reused")
	ErrTokenRevoked  = errors.New("refresh token revoked or expired")
	ErrDeviceRevoked = errors.New("device revoked")
	// ErrCodeSpent is returned for an enrolment code already used or
	// cancelled; ErrCodeExpired for one past its expiry.
	ErrCodeSpent   = errors.New("enrolment code already used or cancelled")
	ErrCodeExpired = errors.New("enrolment code expired")
)

// AccessStore keeps users, devices, scope grants and refresh tokens.
type AccessStore interface {
	// Epoch returns the database's identity (as Store.Epoch): refresh
	// tokens carry it.
	Epoch(ctx context.Context) (string, error)
	// PutUser creates a user or updates their role and name.
	PutUser(ctx context.Context, u User) error
	// User returns a user or ErrNotFound.
	User(ctx context.Context, subject string) (User, error)
	// Users lists users.
	Users(ctx context.Context) ([]User, error)
	// EnrolDevice records a new device; ErrExists if the id is taken.
	EnrolDevice(ctx context.Context, d Device) error
	// Device returns a device or ErrNotFound.
	Device(ctx context.Context, id string) (Device, error)
	// Devices lists devices.
	Devices(ctx context.Context) ([]Device, error)
	// RevokeDevice revokes a device and every refresh token it holds.
	RevokeDevice(ctx context.Context, id string, at time.Time) error
	// RevokeDeviceFor revokes a device as RevokeDevice does and records
	// why (the first reason stays); ErrNotFound if there is no such device.
	RevokeDeviceFor(ctx context.Context, id, reason string, at time.Time) error
	// SetWipeSecret keeps the hash of the secret a device that wiped itself
	// presents to be revoked; ErrNotFound if there is no such device.
	SetWipeSecret(ctx context.Context, id string, hash []byte) error
	// WipeSecret returns that hash (nil if none was set) or ErrNotFound.
	WipeSecret(ctx context.Context, id string) ([]byte, error)
	// GrantScope grants an incident to a user (idempotent).
	GrantScope(ctx context.Context, g Grant) error
	// RevokeScope ends a user's grant of an incident; ErrNotFound if none.
	RevokeScope(ctx context.Context, subject, incidentID string, at time.Time) error
	// Grants lists a user's active grants' incident ids, sorted.
	Grants(ctx context.Context, subject string) ([]string, error)
	// PutRefreshToken stores a newly issued refresh token.
	PutRefreshToken(ctx context.Context, t RefreshToken) error
	// RotateRefreshToken atomically checks the token id against hash and
	// marks it used, storing next as its successor. A token already used
	// whose successor is unused and who was used at most reuse ago (reuse
	// > 0) is rotated again (the successor revoked); any other use of a
	// used token revokes its whole family and returns ErrTokenReused; a
	// revoked or expired one returns ErrTokenRevoked; an unknown one
	// ErrNotFound. check compares hashes in constant time.
	RotateRefreshToken(ctx context.Context, id string, check func(stored RefreshToken) bool, now time.Time, reuse time.Duration, next RefreshToken) (RefreshToken, error)
	// PutEnrolmentCode stores a newly issued enrolment code; ErrNotFound
	// if its subject is not a user.
	PutEnrolmentCode(ctx context.Context, c EnrolmentCode) error
	// EnrolmentCodes lists the codes neither used, cancelled nor expired at
	// now, oldest first.
	EnrolmentCodes(ctx context.Context, now time.Time) ([]EnrolmentCode, error)
	// CancelEnrolmentCode withdraws an open code; ErrNotFound if no code
	// with that id is open at now.
	CancelEnrolmentCode(ctx context.Context, id string, now time.Time) error
	// ClaimEnrolmentCode spends the code whose hash is given and, in the
	// same transaction, enrols the code's device (DeviceID, Subject,
	// DeviceName, enrolled at now) and stores t as its first refresh token
	// (t.DeviceID is set from the code). Of two claims of one code, even on
	// two replicas at once, exactly one succeeds. An unknown hash gives
	// ErrNotFound, a used or cancelled code ErrCodeSpent, an expired one
	// ErrCodeExpired, a device id already taken ErrExists (the code stays
	// unspent).
	ClaimEnrolmentCode(ctx context.Context, hash []byte, now time.Time, t RefreshToken) (EnrolmentCode, error)
}
