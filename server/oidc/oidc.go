// Package oidc signs council staff in through their council's identity
// provider with OpenID Connect (Authorization Code with PKCE; Continuity is
// a confidential client and exchanges the code itself). A person's role comes
// from a claim of their ID token (groups by default) through a role map; the
// device or browser they sign in on is enrolled like any other and gets
// Continuity's own tokens. At every token refresh the provider is asked
// again (its refresh token), so a person whose groups lost the role, or whose
// account was disabled, loses access then. See docs/security.md.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
)

// CallbackPath is the redirect URI's path under the public URL.
const CallbackPath = "/v1/auth/oidc/callback"

// CookieName is the cookie that carries a sign-in in progress (sealed
// state, nonce and PKCE verifier) from the start to the callback.
const CookieName = "continuity_oidc"

// Defaults.
const (
	DefaultRoleClaim       = "groups"
	DefaultSubjectClaim    = "preferred_username"
	DefaultSessionLifetime = 8 * time.Hour
	// DefaultSkew is the clock skew tolerated on an ID token's expiry.
	DefaultSkew = 2 * time.Minute
	// PendingTTL is how long a sign-in may take at the provider.
	PendingTTL = 10 * time.Minute
	// HandoffTTL is how long the browser has to collect its tokens after
	// the callback.
	HandoffTTL = 2 * time.Minute
)

// SigningAlgorithms are the only ID token algorithms accepted.
var SigningAlgorithms = []string{gooidc.RS256, gooidc.ES256}

// Purposes: where a sign-in returns to.
const (
	ForConsole = "console"
	ForApp     = "app"
)

// Config configures the council sign-in.
type Config struct {
	// PublicURL is the server's address as browsers reach it (serve
	// --public-url); the redirect URI is PublicURL + CallbackPath.
	PublicURL string
	// Issuer is the provider's issuer URL (--oidc-issuer).
	Issuer string
	// ClientID and ClientSecret are Continuity's registration at the
	// provider (--oidc-client-id, CONTINUITY_OIDC_CLIENT_SECRET).
	ClientID     string
	ClientSecret string
	// RoleClaim names the claim holding groups or roles (default groups).
	RoleClaim string
	// SubjectClaim names the claim that becomes the user's subject
	// (default preferred_username); email is used when it is absent.
	SubjectClaim string
	// RoleMap maps RoleClaim values to roles.
	RoleMap *RoleMap
	// SessionLifetime is how long a sign-in lasts before the person must
	// sign in again (default 8 hours).
	SessionLifetime time.Duration
	// Skew is the clock skew tolerated on ID token expiry (default 2
	// minutes).
	Skew time.Duration
	// Now is the injected clock (time.Now when nil).
	Now func() time.Time
	// HTTPClient reaches the provider (http.DefaultClient when nil).
	HTTPClient *http.Client
	// Logger logs sign-ins and refusals (slog.Default when nil).
	Logger *slog.Logger
}

// Service is the council sign-in.
type Service struct {
	cfg        Config
	auth       *auth.Service
	users      care.AccessStore
	store      care.SignInStore
	verifier   *gooidc.IDTokenVerifier
	oauth      oauth2.Config
	endSession string
	seal       *sealer
	log        *slog.Logger
}

// New discovers the provider and returns the service. ctx carries the
// HTTP client for discovery and later key fetches.
func New(ctx context.Context, cfg Config, authSvc *auth.Service, users care.AccessStore, store care.SignInStore) (*Service, error) {
	pub, err := url.Parse(cfg.PublicURL)
	if err != nil || (pub.Scheme != "https" && pub.Scheme != "http") || pub.Host == "" || pub.RawQuery != "" || pub.Fragment != "" {
		return nil, fmt.Errorf("oidc: the public URL %q must be an absolute http(s) URL like https://continuity.example.gov.uk", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("oidc: the issuer is required")
	case cfg.ClientID == "":
		return nil, errors.New("oidc: the client id is required (--oidc-client-id)")
	case cfg.ClientSecret == "":
		return nil, errors.New("oidc: the client secret is required (CONTINUITY_OIDC_CLIENT_SECRET)")
	case cfg.RoleMap == nil:
		return nil, errors.New("oidc: a role map is required (--oidc-role-map)")
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = DefaultRoleClaim
	}
	if cfg.SubjectClaim == "" {
		cfg.SubjectClaim = DefaultSubjectClaim
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = DefaultSessionLifetime
	}
	if cfg.Skew <= 0 {
		cfg.Skew = DefaultSkew
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.HTTPClient != nil {
		ctx = gooidc.ClientContext(ctx, cfg.HTTPClient)
	}
	provider, err := gooidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discover %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		EndSession string   `json:"end_session_endpoint"`
		PKCE       []string `json:"code_challenge_methods_supported"`
	}
	if err := provider.Claims(&meta); err != nil {
		return nil, fmt.Errorf("oidc: discovery document: %w", err)
	}
	seal, err := newSealer(cfg.ClientSecret)
	if err != nil {
		return nil, err
	}
	skew, now := cfg.Skew, cfg.Now
	s := &Service{
		cfg: cfg, auth: authSvc, users: users, store: store, log: cfg.Logger, seal: seal, endSession: meta.EndSession,
		verifier: provider.Verifier(&gooidc.Config{
			ClientID:             cfg.ClientID,
			SupportedSigningAlgs: SigningAlgorithms,
			// go-oidc checks expiry against Now exactly: the skew is
			// allowed by reading the clock that much early.
			Now: func() time.Time { return now().Add(-skew) },
		}),
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			Endpoint:    provider.Endpoint(),
			RedirectURL: cfg.PublicURL + CallbackPath,
			Scopes:      []string{gooidc.ScopeOpenID, "profile", "email", gooidc.ScopeOfflineAccess},
		},
	}
	if len(meta.PKCE) > 0 && !contains(meta.PKCE, "S256") {
		s.log.Warn("the identity provider does not list S256 among its PKCE methods; sign-in sends it anyway", "issuer", cfg.Issuer)
	}
	return s, nil
}

// RedirectURI is the address to register at the provider.
func (s *Service) RedirectURI() string { return s.oauth.RedirectURL }

// EndSessionAdvertised reports whether the provider offers RP-initiated
// logout.
func (s *Service) EndSessionAdvertised() bool { return s.endSession != "" }

// RoleMap returns the role map.
func (s *Service) RoleMap() *RoleMap { return s.cfg.RoleMap }

// pending is a sign-in in progress, sealed into the CookieName cookie.
type pending struct {
	State      string    `json:"s"`
	Nonce      string    `json:"n"`
	Verifier   string    `json:"v"`
	For        string    `json:"f"`
	DeviceName string    `json:"d"`
	Expires    time.Time `json:"e"`
}

// Start begins a sign-in for a purpose (ForConsole or ForApp): it returns
// the provider's authorization URL and the sealed cookie value to set.
func (s *Service) Start(purpose, deviceName string) (authURL, cookie string, err error) {
	if purpose != ForConsole && purpose != ForApp {
		return "", "", syncproto.Errorf(syncproto.CodeInvalidValue, "for", "for must be console or app")
	}
	if deviceName == "" {
		deviceName = "Console (council sign-in)"
		if purpose == ForApp {
			deviceName = "Field tablet (council sign-in)"
		}
	}
	if len(deviceName) > auth.MaxDeviceName {
		return "", "", syncproto.Errorf(syncproto.CodeInvalidValue, "device_name", "device_name must be at most %d characters", auth.MaxDeviceName)
	}
	p := pending{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), For: purpose, DeviceName: deviceName, Expires: s.cfg.Now().Add(PendingTTL)}
	b, err := json.Marshal(p)
	if err != nil {
		return "", "", fmt.Errorf("oidc: start: %w", err)
	}
	authURL = s.oauth.AuthCodeURL(p.State, gooidc.Nonce(p.Nonce), oauth2.S256ChallengeOption(p.Verifier))
	return authURL, s.seal.sealString("cookie", string(b)), nil
}

// Refusal is a sign-in the server refused, said in plain English.
type Refusal struct {
	// Status is the HTTP status of the refusal page.
	Status int
	// Title and Message are what the person reads.
	Title   string
	Message string
	// Ask lists the groups that give a role, when the person has none.
	Ask []RoleMapping
	// For is where the person came from (ForConsole or ForApp), for the
	// "try again" link; "" when unknown.
	For string
	// Reason is the audit's detail (not shown).
	Reason string
}

func (r *Refusal) Error() string { return "sign-in refused: " + r.Reason }

// Outcome is the end of a callback: where to send the browser (Redirect,
// carrying the one-time handoff), or a Refusal.
type Outcome struct {
	Redirect string
	Refusal  *Refusal
}

// Callback finishes a sign-in: it checks the state against the cookie,
// exchanges the code with the PKCE verifier, verifies the ID token (issuer,
// audience, expiry, algorithm, signature, nonce), maps the role, creates or
// updates the user, enrols the device and records the sign-in. A refusal is
// recorded too. addr is the client address, for the audit.
func (s *Service) Callback(ctx context.Context, cookie string, q url.Values, addr string) (Outcome, error) {
	out, ev, err := s.callback(ctx, cookie, q)
	if err != nil {
		return Outcome{}, err
	}
	ev.At, ev.Method, ev.Address = s.cfg.Now().UTC(), "oidc", addr
	if out.Refusal != nil {
		ev.Event, ev.Detail = care.AuthRefused, out.Refusal.Reason
		s.log.Warn("council sign-in refused", "subject", ev.Subject, "reason", ev.Detail, "addr", addr)
	} else {
		ev.Event = care.AuthSignIn
		s.log.Info("council sign-in", "subject", ev.Subject, "role", ev.Role, "device", ev.DeviceID, "addr", addr)
	}
	if err := s.store.RecordAuthEvent(ctx, ev); err != nil {
		return Outcome{}, err
	}
	return out, nil
}

func refuse(purpose, title, msg, reason string) (Outcome, care.AuthEvent, error) {
	return Outcome{Refusal: &Refusal{Status: http.StatusForbidden, Title: title, Message: msg, For: purpose, Reason: reason}}, care.AuthEvent{}, nil
}

func (s *Service) callback(ctx context.Context, cookie string, q url.Values) (Outcome, care.AuthEvent, error) {
	if e := q.Get("error"); e != "" {
		desc := q.Get("error_description")
		return refuse("", "Your council account did not sign you in",
			"The council's sign-in service answered: "+cmpOr(desc, e)+". Try again, or ask your IT service desk.", "provider error: "+e+" "+desc)
	}
	plain, err := s.seal.openString("cookie", cookie)
	var p pending
	if err == nil {
		err = json.Unmarshal(plain, &p)
	}
	if err != nil {
		return refuse("", "This sign-in cannot be finished",
			"This browser has no sign-in in progress: it may have been started in another browser, or already finished. Start again from the sign-in page.", "no sign-in in progress (cookie missing or not valid)")
	}
	state := q.Get("state")
	if subtle.ConstantTimeCompare([]byte(state), []byte(p.State)) != 1 {
		return refuse(p.For, "This sign-in cannot be finished",
			"The answer from the council's sign-in service does not belong to the sign-in this browser started. Start again from the sign-in page.", "state does not match")
	}
	if s.cfg.Now().After(p.Expires) {
		return refuse(p.For, "This sign-in took too long",
			"Signing in must be finished within 10 minutes. Start again from the sign-in page.", "sign-in expired")
	}
	code := q.Get("code")
	if code == "" {
		return refuse(p.For, "This sign-in cannot be finished", "The council's sign-in service sent no code. Start again from the sign-in page.", "no code")
	}
	tok, err := s.oauth.Exchange(s.client(ctx), code, oauth2.VerifierOption(p.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return refuse(p.For, "Your council account did not sign you in",
				"The council's sign-in service refused to complete the sign-in (the link may have been used already). Start again from the sign-in page.", "code exchange refused: "+re.ErrorCode)
		}
		return Outcome{}, care.AuthEvent{}, syncproto.Errorf(syncproto.CodeUnavailable, "", "the council's sign-in service cannot be reached; try again in a minute")
	}
	raw, _ := tok.Extra("id_token").(string)
	claims, sub, err := s.verify(ctx, raw, p.Nonce)
	if err != nil {
		return refuse(p.For, "Your council account did not sign you in",
			"The sign-in could not be checked, so Continuity did not let you in. Try again; if it happens again, tell your IT service desk.", "id token refused: "+err.Error())
	}
	ev := care.AuthEvent{Subject: sub}
	role, _ := s.cfg.RoleMap.RoleFor(claimValues(claims[s.cfg.RoleClaim]))
	if role == "" {
		out, _, _ := refuse(p.For, "Your council account has no role in Continuity",
			"You signed in as "+sub+", but your council account is not in any group that gives access to Continuity. Ask your IT service desk or line manager to add you to the group for your role:", "no mapped "+s.cfg.RoleClaim)
		out.Refusal.Ask = s.cfg.RoleMap.Mappings()
		return out, ev, nil
	}
	ev.Role = role
	if u, err := s.users.User(ctx, sub); err == nil && u.DisabledAt != nil {
		out, _, _ := refuse(p.For, "Your Continuity account is disabled",
			"You signed in as "+sub+", but an administrator has disabled your account in Continuity. Ask the incident room's administrator if you need access again.", "user is disabled")
		return out, ev, nil
	} else if err != nil && !errors.Is(err, care.ErrNotFound) {
		return Outcome{}, ev, err
	}
	name, _ := claims["name"].(string)
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	if _, err := s.auth.AddUser(ctx, sub, role, name); err != nil {
		return Outcome{}, ev, err
	}
	d, err := s.auth.EnrolNamed(ctx, sub, p.DeviceName)
	if err != nil {
		return Outcome{}, ev, err
	}
	ev.DeviceID = d.ID
	handoff := random()
	now := s.cfg.Now().UTC()
	sess := care.ExternalSession{
		DeviceID: d.ID, Subject: sub, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionLifetime),
		IDToken:     s.seal.seal("id_token", []byte(raw)),
		HandoffHash: handoffHash(handoff), HandoffExpiresAt: now.Add(HandoffTTL),
	}
	if tok.RefreshToken != "" {
		sess.ProviderRefresh = s.seal.seal("refresh", []byte(tok.RefreshToken))
	}
	if err := s.store.PutExternalSession(ctx, sess); err != nil {
		return Outcome{}, ev, err
	}
	return Outcome{Redirect: "/" + p.For + "/?oidc_handoff=" + url.QueryEscape(handoff)}, ev, nil
}

// verify checks a raw ID token and, when nonce is not "", its nonce, and
// returns its claims and the subject they name.
func (s *Service) verify(ctx context.Context, raw, nonce string) (map[string]any, string, error) {
	if raw == "" {
		return nil, "", errors.New("the provider sent no ID token")
	}
	idt, err := s.verifier.Verify(s.client(ctx), raw)
	if err != nil {
		return nil, "", err
	}
	if nonce != "" && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, "", errors.New("nonce does not match")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, "", fmt.Errorf("claims: %w", err)
	}
	sub, _ := claims[s.cfg.SubjectClaim].(string)
	if sub == "" {
		sub, _ = claims["email"].(string)
	}
	if !auth.ValidSubject(sub) {
		return nil, "", fmt.Errorf("claim %s (or email) %q cannot name a user: 1-64 letters, digits, . _ @ -", s.cfg.SubjectClaim, sub)
	}
	return claims, sub, nil
}

// ClaimHandoff exchanges the one-time handoff of a finished sign-in for the
// device's first token pair.
func (s *Service) ClaimHandoff(ctx context.Context, handoff string) (auth.Pair, error) {
	sess, err := s.store.ClaimHandoff(ctx, handoffHash(handoff), s.cfg.Now().UTC())
	if errors.Is(err, care.ErrHandoffSpent) {
		return auth.Pair{}, care.CodedCredential(err, "handoff", "this sign-in has already been collected or has expired; sign in again")
	}
	if err != nil {
		return auth.Pair{}, err
	}
	return s.auth.IssuePair(ctx, sess.DeviceID)
}

// CheckSession is the auth.SessionCheck for refresh: for a device that
// signed in through the provider it ends the session past its lifetime,
// asks the provider for fresh tokens (so a disabled account fails) and
// maps the role again from the new ID token (so a lost group ends the
// session, a changed one changes the role). Other devices pass.
func (s *Service) CheckSession(ctx context.Context, u care.User, d care.Device) (care.User, error) {
	sess, err := s.store.ExternalSession(ctx, d.ID)
	if errors.Is(err, care.ErrNotFound) {
		return u, nil
	}
	if err != nil {
		return u, err
	}
	if sess.EndedAt != nil {
		return u, s.closeSession(ctx, u, d, "session already ended", "your council sign-in has ended; sign in again")
	}
	if !s.cfg.Now().Before(sess.ExpiresAt) {
		return u, s.closeSession(ctx, u, d, "session lifetime reached", fmt.Sprintf("your council sign-in lasts %s; sign in again", s.cfg.SessionLifetime))
	}
	if sess.ProviderRefresh == nil {
		return u, s.closeSession(ctx, u, d, "provider gave no refresh token", "your role cannot be checked again with the council's sign-in service; sign in again")
	}
	rt, err := s.seal.open("refresh", sess.ProviderRefresh)
	if err != nil {
		return u, s.closeSession(ctx, u, d, "provider refresh token cannot be opened (client secret changed?)", "sign in again")
	}
	ts := s.oauth.TokenSource(s.client(ctx), &oauth2.Token{RefreshToken: string(rt), Expiry: time.Unix(1, 0)})
	tok, err := ts.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return u, s.closeSession(ctx, u, d, "provider refused refresh: "+re.ErrorCode, "the council's sign-in service no longer accepts your sign-in (your account may be disabled); sign in again")
		}
		return u, syncproto.Errorf(syncproto.CodeUnavailable, "", "the council's sign-in service cannot be reached to check your role; try again in a minute")
	}
	idToken := sess.IDToken
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		claims, sub, err := s.verify(ctx, raw, "")
		if err != nil {
			return u, s.closeSession(ctx, u, d, "refreshed id token refused: "+err.Error(), "your sign-in could not be checked; sign in again")
		}
		if sub != u.Subject {
			return u, s.closeSession(ctx, u, d, "refreshed id token names "+sub, "your sign-in could not be checked; sign in again")
		}
		role, _ := s.cfg.RoleMap.RoleFor(claimValues(claims[s.cfg.RoleClaim]))
		if role == "" {
			return u, s.closeSession(ctx, u, d, "role lost: no mapped "+s.cfg.RoleClaim, "your council account is no longer in a group that gives access to Continuity")
		}
		if role != u.Role {
			if _, err := s.auth.AddUser(ctx, u.Subject, role, ""); err != nil {
				return u, err
			}
			s.log.Info("council sign-in: role changed at refresh", "subject", u.Subject, "from", u.Role, "to", role)
			u.Role = role
		}
		idToken = s.seal.seal("id_token", []byte(raw))
	}
	next := sess.ProviderRefresh
	if tok.RefreshToken != "" && tok.RefreshToken != string(rt) {
		next = s.seal.seal("refresh", []byte(tok.RefreshToken))
	}
	if err := s.store.UpdateExternalSession(ctx, d.ID, next, idToken); err != nil {
		return u, err
	}
	return u, nil
}

// closeSession ends a device's session at a refresh: the device is revoked
// (what it wrote before is still accepted), the session closed, the event
// audited, and the refresh refused with msg.
func (s *Service) closeSession(ctx context.Context, u care.User, d care.Device, reason, msg string) error {
	now := s.cfg.Now().UTC()
	if err := s.store.EndExternalSession(ctx, d.ID, now); err != nil {
		return err
	}
	if d.RevokedAt == nil {
		if err := s.users.RevokeDevice(ctx, d.ID, now); err != nil && !errors.Is(err, care.ErrNotFound) {
			return err
		}
	}
	s.log.Warn("council sign-in ended at refresh", "subject", u.Subject, "device", d.ID, "reason", reason)
	if err := s.store.RecordAuthEvent(ctx, care.AuthEvent{At: now, Event: care.AuthSessionEnded, Subject: u.Subject, Role: u.Role, DeviceID: d.ID, Method: "oidc", Detail: reason}); err != nil {
		return err
	}
	return syncproto.Errorf(syncproto.CodeUnauthorized, "refresh_token", "%s", msg)
}

// SignOut ends the Continuity session of p's device (the device is
// revoked) and returns the provider's logout address to send the browser
// to, or "" when the provider advertises none. back is where the provider
// returns the browser (ForConsole or ForApp).
func (s *Service) SignOut(ctx context.Context, p care.Principal, back, addr string) (string, error) {
	if back != ForConsole && back != ForApp {
		return "", syncproto.Errorf(syncproto.CodeInvalidValue, "return", "return must be console or app")
	}
	sess, err := s.store.ExternalSession(ctx, p.DeviceID)
	if errors.Is(err, care.ErrNotFound) {
		return "", care.Coded(err, "Authorization", "this device did not sign in with a council account")
	}
	if err != nil {
		return "", err
	}
	now := s.cfg.Now().UTC()
	if err := s.store.EndExternalSession(ctx, p.DeviceID, now); err != nil {
		return "", err
	}
	if p.DeviceRevokedAt == nil {
		if err := s.users.RevokeDevice(ctx, p.DeviceID, now); err != nil && !errors.Is(err, care.ErrNotFound) {
			return "", err
		}
	}
	if err := s.store.RecordAuthEvent(ctx, care.AuthEvent{At: now, Event: care.AuthSignOut, Subject: p.Subject, Role: p.Role, DeviceID: p.DeviceID, Method: "oidc", Detail: back, Address: addr}); err != nil {
		return "", err
	}
	s.log.Info("council sign-out", "subject", p.Subject, "device", p.DeviceID)
	if s.endSession == "" {
		return "", nil
	}
	v := url.Values{}
	v.Set("client_id", s.cfg.ClientID)
	v.Set("post_logout_redirect_uri", s.cfg.PublicURL+"/"+back+"/")
	if raw, err := s.seal.open("id_token", sess.IDToken); err == nil && len(raw) > 0 {
		v.Set("id_token_hint", string(raw))
	}
	sep := "?"
	if strings.Contains(s.endSession, "?") {
		sep = "&"
	}
	return s.endSession + sep + v.Encode(), nil
}

// client carries the configured HTTP client to go-oidc and oauth2.
func (s *Service) client(ctx context.Context) context.Context {
	if s.cfg.HTTPClient != nil {
		return context.WithValue(ctx, oauth2.HTTPClient, s.cfg.HTTPClient)
	}
	return ctx
}

func handoffHash(h string) []byte {
	sum := sha256.Sum256([]byte("continuity oidc handoff\x00" + h))
	return sum[:]
}

func random() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
