package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/golang-jwt/jwt/v5"
)

// Default token lifetimes.
const (
	DefaultAccessTTL  = 15 * time.Minute
	DefaultRefreshTTL = 30 * 24 * time.Hour
)

// refreshPrefix marks Continuity refresh tokens: crt_<id>.<secret>.<epoch>,
// the epoch being the database's when the token was issued (tokens from
// before epochs, crt_<id>.<secret>, are still accepted).
const refreshPrefix = "crt_"

// Pair is what enrolment and refresh return to a device.
type Pair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	DeviceID     string `json:"device_id"`
}

// Service enrols devices, rotates refresh tokens and authenticates requests
// against the current state of users, devices and grants.
type Service struct {
	store      care.AccessStore
	tokens     *Tokens
	now        func() time.Time
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// ReuseInterval is how long after its use a refresh token may be
	// presented again while its successor is unused (a retry after a lost
	// answer); 0 makes any second use a reuse that revokes the chain.
	ReuseInterval time.Duration
	// SessionCheck, when set, is asked at every refresh whether the
	// session may go on (the council sign-in's check with its provider).
	SessionCheck SessionCheck
}

// NewService returns an auth service.
func NewService(store care.AccessStore, tokens *Tokens, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, tokens: tokens, now: now, AccessTTL: DefaultAccessTTL, RefreshTTL: DefaultRefreshTTL, ReuseInterval: care.DefaultRefreshReuseInterval}
}

// Tokens returns the token signer.
func (s *Service) Tokens() *Tokens { return s.tokens }

// AddUser creates or updates a user.
func (s *Service) AddUser(ctx context.Context, subject, role, name string) (care.User, error) {
	if !ValidSubject(subject) {
		return care.User{}, syncproto.Errorf(syncproto.CodeInvalidValue, "subject", subjectRule)
	}
	if !care.ValidRole(role) {
		return care.User{}, syncproto.Errorf(syncproto.CodeInvalidValue, "role", "role must be one of %s", strings.Join(care.Roles, ", "))
	}
	u := care.User{Subject: subject, Role: role, Name: name, CreatedAt: s.now().UTC()}
	if err := s.store.PutUser(ctx, u); err != nil {
		return care.User{}, err
	}
	return s.store.User(ctx, subject)
}

// subjectRule and deviceRule say what a subject and a device id may be.
const (
	subjectRule = "subject must be 1-64 characters of letters, digits, . _ @ -, not only dots, and not a name the server acts as (system)"
	deviceRule  = "device_id must be 1-64 characters of letters, digits, . _ -, not only dots, and not a name the server acts as (server, retention)"
)

// reservedSubjects and reservedDevices are the identities the server itself
// acts as (care.SystemPrincipal; the retention run's HLC node): a person or
// a tablet named so would pass for it in the log and the audit.
var (
	reservedSubjects = []string{care.SystemPrincipal.Subject}
	reservedDevices  = []string{care.SystemPrincipal.DeviceID, "retention"}
)

// reserved reports whether s is one of names (case-insensitively) or only
// dots ("." and ".." read as paths in URLs and logs).
func reserved(s string, names []string) bool {
	if strings.Trim(s, ".") == "" {
		return true
	}
	for _, n := range names {
		if strings.EqualFold(s, n) {
			return true
		}
	}
	return false
}

// ValidSubject reports whether s may name a user: 1-64 letters, digits and
// . _ @ -, neither only dots nor a subject the server acts as.
func ValidSubject(s string) bool {
	if len(s) == 0 || len(s) > 64 || reserved(s, reservedSubjects) {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._@-", r)) {
			return false
		}
	}
	return true
}

// ValidDevice reports whether id may name a device: an HLC node id
// (syncproto.ValidNodeID), neither only dots nor a node the server stamps
// its own changes with.
func ValidDevice(id string) bool {
	return syncproto.ValidNodeID(id) && !reserved(id, reservedDevices)
}

// Enrol registers a device for a user and returns its first token pair.
func (s *Service) Enrol(ctx context.Context, subject, deviceID string) (Pair, error) {
	if !ValidDevice(deviceID) {
		return Pair{}, syncproto.Errorf(syncproto.CodeInvalidValue, "device_id", deviceRule)
	}
	if !ValidSubject(subject) {
		return Pair{}, syncproto.Errorf(syncproto.CodeInvalidValue, "subject", subjectRule)
	}
	u, err := s.store.User(ctx, subject)
	if errors.Is(err, care.ErrNotFound) {
		return Pair{}, care.Coded(err, "subject", "no user %q; add the user first", subject)
	}
	if err != nil {
		return Pair{}, err
	}
	now := s.now().UTC()
	if err := s.store.EnrolDevice(ctx, care.Device{ID: deviceID, Subject: u.Subject, EnrolledAt: now}); err != nil {
		if errors.Is(err, care.ErrExists) {
			if d, derr := s.store.Device(ctx, deviceID); derr == nil && d.RevokedAt != nil {
				return Pair{}, care.Coded(err, "device_id",
					"device %q was revoked on %s and its id is never enrolled again (its history stays attributable to it); enrol the tablet under a new device id", deviceID, d.RevokedAt.UTC().Format("2006-01-02"))
			}
			return Pair{}, care.Coded(err, "device_id", "device %q is already enrolled; revoke it or choose another id", deviceID)
		}
		return Pair{}, err
	}
	family := randomHex(16)
	refresh, rec, err := s.newRefresh(ctx, family, deviceID, now)
	if err != nil {
		return Pair{}, err
	}
	if err := s.store.PutRefreshToken(ctx, rec); err != nil {
		return Pair{}, err
	}
	return s.pair(ctx, u, deviceID, refresh)
}

// EnsureDevice registers a device for a user unless it already is (for the
// token command, which acts as an admin granting what it is told).
func (s *Service) EnsureDevice(ctx context.Context, subject, deviceID string) error {
	if !ValidDevice(deviceID) {
		return syncproto.Errorf(syncproto.CodeInvalidValue, "device_id", deviceRule)
	}
	d, err := s.store.Device(ctx, deviceID)
	if errors.Is(err, care.ErrNotFound) {
		return s.store.EnrolDevice(ctx, care.Device{ID: deviceID, Subject: subject, EnrolledAt: s.now().UTC()})
	}
	if err != nil {
		return err
	}
	if d.Subject != subject {
		return fmt.Errorf("device %s belongs to %s", deviceID, d.Subject)
	}
	return nil
}

// Refresh exchanges a refresh token for a new pair. The old token is spent:
// presenting it again revokes the whole chain, except within ReuseInterval
// of its use while its successor is unused (a retry whose answer was lost),
// which gets a new pair and revokes the unused successor.
func (s *Service) Refresh(ctx context.Context, token string) (Pair, error) {
	id, secret, epoch, ok := splitRefresh(token)
	if !ok {
		return Pair{}, unauthorized("refresh_token", "refresh token is malformed")
	}
	now := s.now().UTC()
	next, nextRec, err := s.newRefresh(ctx, "", "", now)
	if err != nil {
		return Pair{}, err
	}
	sum := sha256.Sum256([]byte(secret))
	old, err := s.store.RotateRefreshToken(ctx, id, func(stored care.RefreshToken) bool {
		return subtle.ConstantTimeCompare(stored.Hash, sum[:]) == 1
	}, now, s.ReuseInterval, nextRec)
	switch {
	case errors.Is(err, care.ErrNotFound):
		if epoch != "" && epoch != nextEpoch(next) {
			// Issued by this database in another epoch and unknown now: the
			// server was restored from a backup taken before the token was
			// issued (enrolled or rotated in the interval the restore lost).
			return Pair{}, syncproto.Errorf(syncproto.CodeReenrolRequired, "refresh_token",
				"the server was restored from a backup taken before this token was issued; enrol the device again (its unsent changes are kept and sent once it is)")
		}
		return Pair{}, care.CodedCredential(err, "refresh_token", "refresh token is not valid")
	case errors.Is(err, care.ErrTokenReused):
		return Pair{}, care.CodedCredential(err, "refresh_token", "refresh token was already used; the device's tokens are revoked and it must be enrolled again")
	case errors.Is(err, care.ErrTokenRevoked):
		return Pair{}, care.CodedCredential(err, "refresh_token", "refresh token is revoked or expired; enrol the device again")
	case err != nil:
		return Pair{}, err
	}
	d, err := s.store.Device(ctx, old.DeviceID)
	if err != nil {
		return Pair{}, err
	}
	if d.RevokedAt != nil {
		return Pair{}, unauthorized("refresh_token", "device is revoked")
	}
	u, err := s.store.User(ctx, d.Subject)
	if err != nil {
		return Pair{}, err
	}
	if u.DisabledAt != nil {
		return Pair{}, unauthorized("refresh_token", "user is disabled")
	}
	if s.SessionCheck != nil {
		if u, err = s.SessionCheck(ctx, u, d); err != nil {
			return Pair{}, err
		}
	}
	return s.pair(ctx, u, d.ID, next)
}

func (s *Service) pair(ctx context.Context, u care.User, deviceID, refresh string) (Pair, error) {
	grants, err := s.store.Grants(ctx, u.Subject)
	if err != nil {
		return Pair{}, err
	}
	access, err := s.tokens.Issue(care.Principal{Subject: u.Subject, Role: u.Role, DeviceID: deviceID, Scopes: scopeClaims(grants)}, s.AccessTTL)
	if err != nil {
		return Pair{}, err
	}
	return Pair{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int(s.AccessTTL / time.Second), DeviceID: deviceID}, nil
}

func scopeClaims(grants []string) []string {
	out := make([]string, len(grants))
	for i, g := range grants {
		out[i] = "incident:" + g
	}
	return out
}

// newRefresh returns a new refresh token, stamped with the database's epoch,
// and the record to store for it.
func (s *Service) newRefresh(ctx context.Context, family, deviceID string, now time.Time) (string, care.RefreshToken, error) {
	epoch, err := s.store.Epoch(ctx)
	if err != nil {
		return "", care.RefreshToken{}, err
	}
	id := randomHex(12)
	secretBytes := make([]byte, 32)
	if _, err := rand.Read(secretBytes); err != nil {
		return "", care.RefreshToken{}, fmt.Errorf("refresh token: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(secretBytes)
	sum := sha256.Sum256([]byte(secret))
	rec := care.RefreshToken{ID: id, Family: family, DeviceID: deviceID, Hash: sum[:], IssuedAt: now, ExpiresAt: now.Add(s.RefreshTTL)}
	return refreshPrefix + id + "." + secret + "." + epoch, rec, nil
}

// nextEpoch is the epoch of a token newRefresh issued.
func nextEpoch(tok string) string {
	_, _, epoch, _ := splitRefresh(tok)
	return epoch
}

// splitRefresh parses crt_<id>.<secret>[.<epoch>]; epoch is empty for a
// token issued before epochs.
func splitRefresh(tok string) (id, secret, epoch string, ok bool) {
	rest, ok := strings.CutPrefix(tok, refreshPrefix)
	if !ok {
		return "", "", "", false
	}
	id, rest, ok = strings.Cut(rest, ".")
	secret, epoch, _ = strings.Cut(rest, ".")
	if epoch != "" && !care.ValidEpoch(epoch) {
		return "", "", "", false
	}
	return id, secret, epoch, ok && id != "" && secret != ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

// ErrTokenExpired is wrapped by Authenticate's error when the access token
// was valid but has expired: the device has only to refresh it, so it does
// not count as a bad credential.
var ErrTokenExpired = errors.New("access token expired")

// refusal is a coded 401 that also wraps its cause.
type refusal struct {
	coded *syncproto.Error
	cause error
}

func (r *refusal) Error() string   { return r.coded.Error() }
func (r *refusal) Unwrap() []error { return []error{r.coded, r.cause} }

func unauthorized(field, msg string) *syncproto.Error {
	return syncproto.Errorf(syncproto.CodeUnauthorized, field, "%s", msg)
}

// Authenticate verifies an access token and returns the principal as the
// database says now: the user's current role and incident grants, and
// whether the device has been revoked since the token was issued.
func (s *Service) Authenticate(ctx context.Context, token string) (care.Principal, error) {
	p, err := s.tokens.Verify(token)
	if err != nil {
		e := unauthorized("Authorization", "access token refused: "+reason(err))
		if errors.Is(err, jwt.ErrTokenExpired) {
			return care.Principal{}, &refusal{coded: e, cause: ErrTokenExpired}
		}
		return care.Principal{}, e
	}
	d, err := s.store.Device(ctx, p.DeviceID)
	if errors.Is(err, care.ErrNotFound) {
		return care.Principal{}, care.CodedCredential(err, "Authorization", "device is not enrolled")
	}
	if err != nil {
		return care.Principal{}, err
	}
	if d.Subject != p.Subject {
		return care.Principal{}, unauthorized("Authorization", "token does not match the device's user")
	}
	u, err := s.store.User(ctx, p.Subject)
	if errors.Is(err, care.ErrNotFound) {
		return care.Principal{}, care.CodedCredential(err, "Authorization", "user is unknown")
	}
	if err != nil {
		return care.Principal{}, err
	}
	if u.DisabledAt != nil {
		return care.Principal{}, unauthorized("Authorization", "user is disabled")
	}
	grants, err := s.store.Grants(ctx, u.Subject)
	if err != nil {
		return care.Principal{}, err
	}
	p.Role = u.Role
	p.Scopes = scopeClaims(grants)
	p.DeviceRevokedAt = d.RevokedAt
	return p, nil
}

// reason gives the client a short, safe reason a token was refused.
func reason(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "expired"):
		return "token has expired; refresh it"
	case strings.Contains(msg, "signing method"):
		return "signing algorithm not accepted"
	case strings.Contains(msg, "kid"):
		return "unknown signing key"
	case strings.Contains(msg, "signature"):
		return "bad signature"
	case strings.Contains(msg, "malformed"):
		return "token is malformed"
	}
	return "token is not valid"
}
