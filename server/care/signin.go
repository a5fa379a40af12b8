package care

import (
	"context"
	"errors"
	"time"
)

// Sign-in audit events (AuthEvent.Event).
const (
	// AuthSignIn is a person signed in through the council's identity
	// provider.
	AuthSignIn = "sign_in"
	// AuthRefused is a sign-in the server refused (no role, a disabled
	// user, a token that failed its checks).
	AuthRefused = "sign_in_refused"
	// AuthSessionEnded is a session ended at a token refresh (the role
	// was lost, the provider refused, the session lifetime ran out).
	AuthSessionEnded = "session_ended"
	// AuthSignOut is a person signed out.
	AuthSignOut = "sign_out"
)

// AuthEvent is one sign-in, refusal or sign-out. Rows are never updated.
type AuthEvent struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Event    string    `json:"event"`
	Subject  string    `json:"subject"`
	Role     string    `json:"role"`
	DeviceID string    `json:"device_id"`
	// Method is how: "oidc" (the council's identity provider).
	Method string `json:"method"`
	// Detail is the reason for a refusal, or which screen signed in.
	Detail string `json:"detail,omitempty"`
	// Address is the client address the request came from.
	Address string `json:"address,omitempty"`
}

// ErrHandoffSpent is returned for a sign-in handoff already claimed or
// past its expiry.
var ErrHandoffSpent = errors.New("sign-in handoff already claimed or expired")

// ExternalSession is a device's session with the council's identity
// provider: what a token refresh needs to ask the provider again whether
// the person still has a role, and what sign-out needs to end the
// provider's session.
type ExternalSession struct {
	DeviceID  string
	Subject   string
	CreatedAt time.Time
	// ExpiresAt is the end of the session lifetime (council policy).
	ExpiresAt time.Time
	// ProviderRefresh is the provider's refresh token, sealed by the
	// caller (never stored in the clear); nil if the provider gave none.
	ProviderRefresh []byte
	// IDToken is the last ID token, sealed, kept as the hint for
	// RP-initiated logout.
	IDToken []byte
	// HandoffHash is the digest of the one-time code the browser
	// exchanges for its first tokens; HandoffExpiresAt its expiry.
	HandoffHash      []byte
	HandoffExpiresAt time.Time
	EndedAt          *time.Time
}

// SignInStore keeps external sessions and the sign-in audit.
type SignInStore interface {
	// PutExternalSession stores a new session for an enrolled device.
	PutExternalSession(ctx context.Context, s ExternalSession) error
	// ExternalSession returns the session of a device or ErrNotFound.
	ExternalSession(ctx context.Context, deviceID string) (ExternalSession, error)
	// ClaimHandoff spends the handoff whose hash is given, once, before
	// its expiry: it returns the session, or ErrHandoffSpent (also for an
	// unknown hash).
	ClaimHandoff(ctx context.Context, hash []byte, now time.Time) (ExternalSession, error)
	// UpdateExternalSession replaces a session's sealed provider refresh
	// token and ID token after a refresh at the provider.
	UpdateExternalSession(ctx context.Context, deviceID string, providerRefresh, idToken []byte) error
	// EndExternalSession marks a session ended (idempotent).
	EndExternalSession(ctx context.Context, deviceID string, at time.Time) error
	// RecordAuthEvent stores one sign-in audit event.
	RecordAuthEvent(ctx context.Context, e AuthEvent) error
	// AuthEvents lists sign-in audit events with an id above afterID,
	// oldest first, at most limit (1000 when 0).
	AuthEvents(ctx context.Context, afterID int64, limit int) ([]AuthEvent, error)
}
