package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the iss claim of every token.
const Issuer = "continuity"

// DefaultLeeway is the clock skew tolerated on exp, nbf and iat.
const DefaultLeeway = 60 * time.Second

// Claims are the claims of an access token.
type Claims struct {
	Role     string   `json:"role"`
	DeviceID string   `json:"device_id"`
	Scopes   []string `json:"scopes,omitempty"`
	jwt.RegisteredClaims
}

// Tokens issues and verifies access tokens.
type Tokens struct {
	keys   *KeySet
	now    func() time.Time
	leeway time.Duration
}

// NewTokens returns a token service over keys with an injected clock.
func NewTokens(keys *KeySet, now func() time.Time) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{keys: keys, now: now, leeway: DefaultLeeway}
}

// Keys returns the key set.
func (t *Tokens) Keys() *KeySet { return t.keys }

// Issue signs an access token for p valid for ttl.
func (t *Tokens) Issue(p care.Principal, ttl time.Duration) (string, error) {
	if p.Subject == "" || p.DeviceID == "" {
		return "", errors.New("auth: a token needs a subject and a device")
	}
	if !care.ValidRole(p.Role) {
		return "", fmt.Errorf("auth: unknown role %q", p.Role)
	}
	if ttl <= 0 {
		return "", errors.New("auth: ttl must be positive")
	}
	jti := p.TokenID
	if jti == "" {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("auth: token id: %w", err)
		}
		jti = hex.EncodeToString(b)
	}
	now := t.now()
	c := Claims{
		Role: p.Role, DeviceID: p.DeviceID, Scopes: p.Scopes,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: Issuer, Subject: p.Subject, ID: jti,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	k := t.keys.Signing()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	tok.Header["kid"] = k.ID
	s, err := tok.SignedString(k.private)
	if err != nil {
		return "", fmt.Errorf("auth: sign: %w", err)
	}
	return s, nil
}

// ErrInvalidToken wraps every reason a token is refused.
var ErrInvalidToken = errors.New("invalid token")

// Verify checks a token's algorithm (EdDSA only), kid, signature, issuer and
// expiry (with leeway), and returns its principal.
func (t *Tokens) Verify(token string) (care.Principal, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token has no kid")
		}
		pub, ok := t.keys.Lookup(kid)
		if !ok {
			return nil, fmt.Errorf("unknown kid %q", kid)
		}
		return pub, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithLeeway(t.leeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(Issuer),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return care.Principal{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if c.Subject == "" || c.DeviceID == "" || !care.ValidRole(c.Role) {
		return care.Principal{}, fmt.Errorf("%w: missing sub, device_id or a known role", ErrInvalidToken)
	}
	p := care.Principal{Subject: c.Subject, Role: c.Role, DeviceID: c.DeviceID, Scopes: c.Scopes, TokenID: c.ID}
	if c.ExpiresAt != nil {
		p.ExpiresAt = c.ExpiresAt.Time
	}
	return p, nil
}
