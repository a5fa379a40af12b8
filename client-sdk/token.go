package continuity

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// TokenSource supplies the bearer token for each request. The sync loop
// calls Invalidate when the server answers 401, then Token once more; a second
// 401 ends the sync with ErrUnauthorized.
type TokenSource interface {
	// Token returns a current access token. An error wrapping
	// ErrUnauthorized means the device must be enrolled again.
	Token(ctx context.Context) (string, error)
	// Invalidate forgets the current access token: the server refused it.
	Invalidate()
}

// StaticTokenSource hands out one access token given at enrolment (for
// trying the API and for tests; it cannot renew itself).
type StaticTokenSource struct {
	mu      sync.Mutex
	token   string
	refused bool
}

// NewStaticTokenSource returns a source that always gives token, until the
// server refuses it.
func NewStaticTokenSource(token string) *StaticTokenSource {
	return &StaticTokenSource{token: token}
}

// Token implements TokenSource.
func (s *StaticTokenSource) Token(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == "" {
		return "", fmt.Errorf("%w: no access token", ErrUnauthorized)
	}
	if s.refused {
		return "", fmt.Errorf("%w: the access token was refused and a static token cannot be renewed", ErrUnauthorized)
	}
	return s.token, nil
}

// Invalidate implements TokenSource: a refused static token stays refused.
func (s *StaticTokenSource) Invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused = true
}

// TokenStore keeps a device's tokens durably (the client's own database).
type TokenStore interface {
	// LoadTokens returns the current refresh token and the cached access
	// token with its expiry (Unix milliseconds; 0 when unknown).
	LoadTokens() (refreshToken, accessToken string, accessExpiresAtMillis int64, err error)
	// SaveTokens durably replaces the tokens. It must have committed when it
	// returns nil: the refresh token is single use.
	SaveTokens(refreshToken, accessToken string, accessExpiresAtMillis int64) error
}

// expiryMargin is how long before its expiry an access token is renewed.
const expiryMargin = 30 * time.Second

// RefreshTokenSource exchanges the device's rotating refresh token for access
// tokens at POST /v1/auth/token. The rotated refresh token is saved in the
// TokenStore before the new access token is used. Refreshes are serialised:
// two refreshes with one token would look like token theft to the server,
// which then revokes the device.
type RefreshTokenSource struct {
	serverURL string
	store     TokenStore
	hc        *http.Client
	now       func() time.Time

	mu       sync.Mutex
	loaded   bool
	access   string
	expires  time.Time
	invalid  bool
	deviceID string
}

// NewRefreshTokenSource returns a source refreshing against serverURL. hc
// and now may be nil (http.DefaultClient, time.Now).
func NewRefreshTokenSource(serverURL string, store TokenStore, hc *http.Client, now func() time.Time) *RefreshTokenSource {
	if hc == nil {
		hc = http.DefaultClient
	}
	if now == nil {
		now = time.Now
	}
	return &RefreshTokenSource{serverURL: strings.TrimRight(serverURL, "/"), store: store, hc: hc, now: now}
}

// DeviceID returns the device id the server named in its last refresh
// answer ("" before the first refresh).
func (s *RefreshTokenSource) DeviceID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deviceID
}

// Invalidate implements TokenSource: the next Token refreshes.
func (s *RefreshTokenSource) Invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalid = true
}

// Token implements TokenSource.
func (s *RefreshTokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	refresh, access, exp, err := s.store.LoadTokens()
	if err != nil {
		return "", err
	}
	if !s.loaded {
		s.access, s.loaded = access, true
		if exp > 0 {
			s.expires = time.UnixMilli(exp)
		}
	}
	if !s.invalid && s.access != "" && s.now().Before(s.expires.Add(-expiryMargin)) {
		return s.access, nil
	}
	if refresh == "" {
		return "", fmt.Errorf("%w: no refresh token stored", ErrUnauthorized)
	}
	pair, err := s.exchange(ctx, refresh)
	if err != nil {
		return "", err
	}
	expires := s.now().Add(time.Duration(pair.ExpiresIn) * time.Second)
	// The old refresh token is spent: keep the new one before anything else.
	if err := s.store.SaveTokens(pair.RefreshToken, pair.AccessToken, expires.UnixMilli()); err != nil {
		return "", fmt.Errorf("continuity: save rotated refresh token: %w", err)
	}
	s.access, s.expires, s.invalid = pair.AccessToken, expires, false
	if pair.DeviceID != "" {
		s.deviceID = pair.DeviceID
	}
	return s.access, nil
}

// tokenPair is the answer of POST /v1/auth/token.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	DeviceID     string `json:"device_id"`
}

func (s *RefreshTokenSource) exchange(ctx context.Context, refresh string) (tokenPair, error) {
	body, _ := json.Marshal(map[string]string{"refresh_token": refresh})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.serverURL+"/v1/auth/token", bytes.NewReader(body))
	if err != nil {
		return tokenPair{}, fmt.Errorf("continuity: refresh: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return tokenPair{}, ctx.Err()
		}
		return tokenPair{}, &temporary{err: fmt.Errorf("continuity: refresh token: %w", err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return tokenPair{}, &temporary{err: fmt.Errorf("continuity: refresh token: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		ae := apiErrorFrom(resp, b)
		switch {
		case resp.StatusCode == http.StatusUnauthorized && ae.Code == syncproto.CodeReenrolRequired:
			return tokenPair{}, fmt.Errorf("%w: %w: %s", ErrReenrolRequired, ErrUnauthorized, ae.Message)
		case resp.StatusCode == http.StatusUnauthorized:
			return tokenPair{}, fmt.Errorf("%w: %s", ErrUnauthorized, ae.Message)
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			return tokenPair{}, &temporary{err: ae, retryAfter: ae.retryAfter()}
		}
		return tokenPair{}, ae
	}
	var p tokenPair
	if err := json.Unmarshal(b, &p); err != nil || p.AccessToken == "" || p.RefreshToken == "" {
		return tokenPair{}, fmt.Errorf("continuity: refresh answer is not a token pair")
	}
	return p, nil
}

// apiErrorFrom reads an error envelope.
func apiErrorFrom(resp *http.Response, body []byte) *APIError {
	ae := &APIError{Status: resp.StatusCode}
	var env syncproto.ErrorEnvelope
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		ae.Code, ae.Message, ae.Field = env.Error.Code, env.Error.Message, env.Error.Field
	} else if msg := proxyMessage(resp.StatusCode); msg != "" || looksLikeHTML(resp, body) {
		// Not the server's envelope: a reverse proxy (or something else in
		// the way) answered. Say what a person can do, not the page.
		ae.Code = "proxy_error"
		ae.Message = msg
		if ae.Message == "" {
			ae.Message = fmt.Sprintf("something between this device and the server (a proxy, a captive portal or a firewall) answered %d %s with a web page instead of the server's answer: try again later or on another network; if it persists, tell IT", resp.StatusCode, http.StatusText(resp.StatusCode))
		}
	} else {
		ae.Message = strings.TrimSpace(string(body))
		if len(ae.Message) > 200 {
			ae.Message = ae.Message[:200]
		}
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
			ae.RetryAfterSeconds = n
		} else if t, err := http.ParseTime(v); err == nil {
			ae.RetryAfterSeconds = max(0, int(time.Until(t).Seconds()+0.5))
		}
	}
	return ae
}

// proxyMessage is what a person can do about an answer from a proxy that
// has no envelope, by status; "" when the status says nothing particular.
func proxyMessage(status int) string {
	switch status {
	case http.StatusRequestEntityTooLarge:
		return "the server or a proxy in front of it refused these changes as too large (HTTP 413); they stay on this device, waiting to send. " +
			"Ask IT to allow request bodies of at least 4 MiB at the proxy (nginx: client_max_body_size 5m; see docs/operations.md)"
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return fmt.Sprintf("the proxy in front of the server could not reach it (HTTP %d): the server may be down or restarting; changes stay on this device and are sent when it is back", status)
	}
	return ""
}

// looksLikeHTML reports whether an answer is a web page rather than JSON.
func looksLikeHTML(resp *http.Response, body []byte) bool {
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	return strings.HasPrefix(ct, "text/html") || bytes.HasPrefix(bytes.TrimSpace(body), []byte("<"))
}

// tokenClaims are the claims the SDK reads from an access token. The token
// is not verified here: the server verifies it; the device only learns who
// it is (device id) and what role to check writes against.
type tokenClaims struct {
	Subject  string   `json:"sub"`
	Role     string   `json:"role"`
	DeviceID string   `json:"device_id"`
	Scopes   []string `json:"scopes"`
	Expires  int64    `json:"exp"`
}

// parseClaims decodes the payload of a JWT without verifying it.
func parseClaims(token string) (tokenClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return tokenClaims{}, errors.New("continuity: access token is not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return tokenClaims{}, errors.New("continuity: access token payload is not base64url")
	}
	var c tokenClaims
	if err := json.Unmarshal(b, &c); err != nil {
		return tokenClaims{}, errors.New("continuity: access token payload is not JSON")
	}
	return c, nil
}
