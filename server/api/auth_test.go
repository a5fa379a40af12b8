package api_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

func claimsFor(e *env, device string, exp time.Time) auth.Claims {
	return auth.Claims{Role: "social_worker", DeviceID: device, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: auth.Issuer, Subject: "sam", ID: uuid.NewString(),
		IssuedAt: jwt.NewNumericDate(e.clock.Now()), ExpiresAt: jwt.NewNumericDate(exp),
	}}
}

func TestServer_Authenticate(t *testing.T) {
	e := newEnv(t)
	good := e.token("sam", "social_worker", "tab-1")
	kid := e.keys.Signing().ID
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	sign := func(m jwt.SigningMethod, key any, kid string, c auth.Claims) string {
		tok := jwt.NewWithClaims(m, c)
		if kid != "" {
			tok.Header["kid"] = kid
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := claimsFor(e, "tab-1", e.clock.Now().Add(time.Hour))
	noneTok, _ := jwt.NewWithClaims(jwt.SigningMethodNone, valid).SignedString(jwt.UnsafeAllowNoneSignatureType)
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), "social_worker", "admin", 1))) + "." + parts[2]
	wrongIssuer := valid
	wrongIssuer.Issuer = "someone-else"
	noExp := valid
	noExp.ExpiresAt = nil
	futureIat := valid
	futureIat.IssuedAt = jwt.NewNumericDate(e.clock.Now().Add(time.Hour))

	cases := []struct {
		name, header string
	}{
		{"no header", ""},
		{"basic auth", "Basic c2FtOnB3"},
		{"empty bearer", "Bearer "},
		{"garbage", "Bearer not.a.jwt"},
		{"alg none", "Bearer " + noneTok},
		{"HS256 with the key id", "Bearer " + sign(jwt.SigningMethodHS256, []byte("secret"), kid, valid)},
		{"RS256", "Bearer " + sign(jwt.SigningMethodRS256, rsaKey, kid, valid)},
		{"unknown kid", "Bearer " + sign(jwt.SigningMethodEdDSA, otherKey, "not-a-key", valid)},
		{"no kid", "Bearer " + sign(jwt.SigningMethodEdDSA, otherKey, "", valid)},
		{"bad signature", "Bearer " + sign(jwt.SigningMethodEdDSA, otherKey, kid, valid)},
		{"tampered payload", "Bearer " + tampered},
		{"expired", "Bearer " + sign(jwt.SigningMethodEdDSA, e.keysPrivate(), kid, claimsFor(e, "tab-1", e.clock.Now().Add(-2*time.Minute)))},
		{"wrong issuer", "Bearer " + sign(jwt.SigningMethodEdDSA, e.keysPrivate(), kid, wrongIssuer)},
		{"no expiry", "Bearer " + sign(jwt.SigningMethodEdDSA, e.keysPrivate(), kid, noExp)},
		{"issued in the future", "Bearer " + sign(jwt.SigningMethodEdDSA, e.keysPrivate(), kid, futureIat)},
		{"device not enrolled", "Bearer " + sign(jwt.SigningMethodEdDSA, e.keysPrivate(), kid, claimsFor(e, "tab-unknown", e.clock.Now().Add(time.Hour)))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.doHeader("GET", "/v1/sync/pull", tc.header)
			if r.Status != 401 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if eb := r.errorBody(t); eb.Code != "unauthorized" || eb.Field != "Authorization" {
				t.Fatalf("error = %+v", eb)
			}
		})
	}
	t.Run("expired within leeway is accepted", func(t *testing.T) {
		tok := sign(jwt.SigningMethodEdDSA, e.keysPrivate(), kid, claimsFor(e, "tab-1", e.clock.Now().Add(-30*time.Second)))
		if r := e.doHeader("GET", "/v1/sync/pull", "Bearer "+tok); r.Status != 200 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	})
	t.Run("valid token", func(t *testing.T) {
		if r := e.do("GET", "/v1/sync/pull", good, nil); r.Status != 200 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	})
	t.Run("rotated keys keep verifying old tokens", func(t *testing.T) {
		k, _ := auth.NewKey(e.clock.Now())
		ks, err := auth.NewKeySet(append([]auth.Key{k}, e.keys.All()...)...)
		if err != nil {
			t.Fatal(err)
		}
		fresh, _ := auth.NewTokens(ks, e.clock.Now).Verify(good)
		if fresh.Subject != "sam" {
			t.Fatal("token signed by the old key not verified after rotation")
		}
	})
}

// keysPrivate returns the signing key's private half, for forging tokens
// with chosen claims.
func (e *env) keysPrivate() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(e.keys.Signing().Seed)
}

func (e *env) doHeader(method, path, authz string) response {
	e.t.Helper()
	if authz == "" {
		return e.do(method, path, "", nil)
	}
	if tok, ok := strings.CutPrefix(authz, "Bearer "); ok && tok != "" {
		return e.do(method, path, tok, nil)
	}
	return e.doRaw(method, path, authz)
}

func TestServer_Enrolment(t *testing.T) {
	e := newEnv(t)
	admin := e.token("ada", "admin", "admin-laptop")
	inc := uuid.NewString()

	t.Run("admin API validates input", func(t *testing.T) {
		cases := []struct {
			name, path string
			body       any
			status     int
			field      string
		}{
			{"user without role", "/v1/admin/users", map[string]any{"subject": "sam"}, 400, "role"},
			{"user with unknown role", "/v1/admin/users", map[string]any{"subject": "sam", "role": "wizard"}, 400, "role"},
			{"user with bad subject", "/v1/admin/users", map[string]any{"subject": "sam smith!", "role": "social_worker"}, 400, "subject"},
			{"unknown attribute", "/v1/admin/users", map[string]any{"subject": "sam", "role": "social_worker", "password": "x"}, 400, "password"},
			{"device for unknown user", "/v1/admin/devices", map[string]any{"subject": "nobody", "device_id": "tab-9"}, 404, "subject"},
			{"device with bad id", "/v1/admin/devices", map[string]any{"subject": "ada", "device_id": "tab 9"}, 400, "device_id"},
			{"scope not a uuid", "/v1/admin/scopes", map[string]any{"subject": "ada", "incident_id": "incident-1"}, 400, "incident_id"},
			{"scope for unknown user", "/v1/admin/scopes", map[string]any{"subject": "nobody", "incident_id": inc}, 404, "subject"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do("POST", tc.path, admin, tc.body)
				if r.Status != tc.status || r.errorBody(t).Field != tc.field {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
			})
		}
	})
	t.Run("non-admin is refused", func(t *testing.T) {
		sw := e.token("sam", "social_worker", "tab-1")
		r := e.do("POST", "/v1/admin/users", sw, map[string]any{"subject": "eve", "role": "admin"})
		if r.Status != 403 || r.errorBody(t).Code != "forbidden_role" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})

	var pair auth.Pair
	t.Run("enrol", func(t *testing.T) {
		if r := e.do("POST", "/v1/admin/users", admin, map[string]any{"subject": "nia", "role": "social_worker", "name": "Nia Okafor"}); r.Status != 201 {
			t.Fatalf("add user: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/v1/admin/scopes", admin, map[string]any{"subject": "nia", "incident_id": inc}); r.Status != 201 {
			t.Fatalf("grant: %d %s", r.Status, r.Body)
		}
		r := e.do("POST", "/v1/admin/devices", admin, map[string]any{"subject": "nia", "device_id": "tab-nia"})
		if r.Status != 201 {
			t.Fatalf("enrol: %d %s", r.Status, r.Body)
		}
		r.decode(t, &pair)
		if pair.AccessToken == "" || !strings.HasPrefix(pair.RefreshToken, "crt_") || pair.ExpiresIn != 900 {
			t.Fatalf("pair = %+v", pair)
		}
		if r := e.do("POST", "/v1/admin/devices", admin, map[string]any{"subject": "nia", "device_id": "tab-nia"}); r.Status != 409 {
			t.Fatalf("second enrolment of the same id: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/v1/sync/pull", pair.AccessToken, nil); r.Status != 200 {
			t.Fatalf("pull with enrolment token: %d %s", r.Status, r.Body)
		}
	})

	t.Run("refresh rotates; a lost answer may be retried; reuse revokes the chain", func(t *testing.T) {
		refresh := func(tok string) (int, auth.Pair) {
			t.Helper()
			r := e.do("POST", "/v1/auth/token", "", map[string]any{"refresh_token": tok})
			var p auth.Pair
			if r.Status == 200 {
				r.decode(t, &p)
			} else if r.errorBody(t).Field != "refresh_token" {
				t.Fatalf("error names %q", r.errorBody(t).Field)
			}
			return r.Status, p
		}
		code, lost := refresh(pair.RefreshToken)
		if code != 200 || lost.RefreshToken == pair.RefreshToken || lost.AccessToken == "" {
			t.Fatalf("refresh: %d %+v", code, lost)
		}
		// The answer never reached the tablet: it retries with the same
		// token a moment later and gets a new pair; the lost one is dead.
		e.clock.Advance(30 * time.Second)
		code, next := refresh(pair.RefreshToken)
		if code != 200 || next.RefreshToken == lost.RefreshToken {
			t.Fatalf("retry within grace: %d", code)
		}
		if code, _ := refresh(lost.RefreshToken); code != 401 {
			t.Fatalf("the replaced successor still works: %d", code)
		}
		// The lost token's use counted as reuse: the chain is revoked.
		if code, _ := refresh(next.RefreshToken); code != 401 {
			t.Fatalf("chain survived a reuse: %d", code)
		}
	})
	t.Run("reuse after the successor was used revokes the chain", func(t *testing.T) {
		first, err := e.auth.Enrol(t.Context(), "nia", "tab-nia-2")
		if err != nil {
			t.Fatal(err)
		}
		var second, third auth.Pair
		e.do("POST", "/v1/auth/token", "", map[string]any{"refresh_token": first.RefreshToken}).decode(t, &second)
		e.do("POST", "/v1/auth/token", "", map[string]any{"refresh_token": second.RefreshToken}).decode(t, &third)
		if third.RefreshToken == "" {
			t.Fatal("second rotation failed")
		}
		// Someone presents the first token again: stolen.
		if r := e.do("POST", "/v1/auth/token", "", map[string]any{"refresh_token": first.RefreshToken}); r.Status != 401 {
			t.Fatalf("reuse: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/v1/auth/token", "", map[string]any{"refresh_token": third.RefreshToken}); r.Status != 401 {
			t.Fatalf("newest token after reuse: %d %s", r.Status, r.Body)
		}
	})
	t.Run("bad refresh tokens", func(t *testing.T) {
		for _, body := range []any{
			map[string]any{"refresh_token": "crt_nope.nope"},
			map[string]any{"refresh_token": "nonsense"},
			map[string]any{"refresh_token": strings.Replace(pair.RefreshToken, ".", ".x", 1)},
		} {
			if r := e.do("POST", "/v1/auth/token", "", body); r.Status != 401 || r.errorBody(t).Code != "unauthorized" {
				t.Fatalf("%v: %d %s", body, r.Status, r.Body)
			}
		}
		if r := e.do("POST", "/v1/auth/token", "", map[string]any{}); r.Status != 400 || r.errorBody(t).Field != "refresh_token" {
			t.Fatalf("missing: %d %s", r.Status, r.Body)
		}
	})
}

func TestServer_Revocation(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	admin := e.token("ada", "admin", "admin-laptop")
	ctx := t.Context()
	if _, err := e.auth.AddUser(ctx, "sam", "social_worker", ""); err != nil {
		t.Fatal(err)
	}
	e.do("POST", "/v1/admin/scopes", admin, map[string]any{"subject": "sam", "incident_id": inc})
	pair, err := e.auth.Enrol(ctx, "sam", "tab-lost")
	if err != nil {
		t.Fatal(err)
	}
	w := newWriter("tab-lost", e.clock.Now)
	before := w.upsert("residents", uuid.NewString(), resident(inc)) // authored before revocation
	e.clock.Advance(time.Minute)
	if r := e.do("POST", "/v1/admin/devices/tab-lost/revoke", admin, nil); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	e.clock.Advance(time.Minute)
	after := w.upsert("residents", uuid.NewString(), resident(inc)) // authored after

	t.Run("next read is refused", func(t *testing.T) {
		r := e.do("GET", "/v1/sync/pull", pair.AccessToken, nil)
		if r.Status != 401 || r.errorBody(t).Code != "unauthorized" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("refresh is refused", func(t *testing.T) {
		r := e.do("POST", "/v1/auth/token", "", map[string]any{"refresh_token": pair.RefreshToken})
		if r.Status != 401 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("work authored before revocation is kept, after is quarantined", func(t *testing.T) {
		r := e.push(pair.AccessToken, before, after)
		if got := statusesOf(r); got != "applied,rejected:device_revoked@hlc" {
			t.Fatalf("statuses = %s", got)
		}
		bo := e.token("bea", "back_office", "desk-1", "*")
		var q struct {
			Entries []struct {
				ChangeID string `json:"change_id"`
			} `json:"entries"`
		}
		e.do("GET", "/v1/quarantine?device_id=tab-lost", bo, nil).decode(t, &q)
		if len(q.Entries) != 1 || q.Entries[0].ChangeID != after["id"] {
			t.Fatalf("quarantine = %+v", q)
		}
	})
	t.Run("unknown device", func(t *testing.T) {
		r := e.do("POST", "/v1/admin/devices/tab-none/revoke", admin, nil)
		if r.Status != 404 || r.errorBody(t).Field != "id" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}

// TestServer_OfflineShift: a tablet offline for a 12-hour shift comes back
// with an expired access token and a queue; it refreshes and pushes, and the
// whole queue is applied.
func TestServer_OfflineShift(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	ctx := t.Context()
	e.auth.AddUser(ctx, "sam", "social_worker", "")
	e.store.GrantScope(ctx, grant("sam", inc, e.clock.Now()))
	pair, err := e.auth.Enrol(ctx, "sam", "tab-1")
	if err != nil {
		t.Fatal(err)
	}
	w := newWriter("tab-1", e.clock.Now)
	var queue []map[string]any
	rec := uuid.NewString()
	queue = append(queue, w.upsert("residents", rec, resident(inc)))
	for h := 0; h < 12; h++ {
		e.clock.Advance(time.Hour)
		queue = append(queue, w.upsert("safe_and_well_checks", uuid.NewString(), map[string]any{
			"incident_id": inc, "resident_id": rec, "outcome": "safe_and_well",
			"visited_at": e.clock.Now().Format(time.RFC3339),
		}))
	}
	r := e.do("POST", "/v1/sync/push", pair.AccessToken, map[string]any{"changes": queue})
	if r.Status != 401 || !strings.Contains(r.errorBody(t).Message, "expired") {
		t.Fatalf("expired token: %d %s", r.Status, r.Body)
	}
	r = e.do("POST", "/v1/auth/token", "", map[string]any{"refresh_token": pair.RefreshToken})
	if r.Status != 200 {
		t.Fatalf("refresh after 12h: %d %s", r.Status, r.Body)
	}
	var fresh auth.Pair
	r.decode(t, &fresh)
	out := e.push(fresh.AccessToken, queue...)
	for i, res := range out.Results {
		if res.Status != "applied" {
			t.Fatalf("change %d: %s %+v", i, res.Status, res.Error)
		}
	}
}

func TestServer_RateLimit(t *testing.T) {
	e := newEnv(t, func(c *apiConfig) { c.RateLimit = 3; c.RateWindow = time.Minute })
	tok := e.token("sam", "social_worker", "tab-1")
	other := e.token("tom", "social_worker", "tab-2")
	for i := 0; i < 3; i++ {
		if r := e.do("GET", "/v1/sync/pull", tok, nil); r.Status != 200 {
			t.Fatalf("request %d: %d", i, r.Status)
		}
	}
	r := e.do("GET", "/v1/sync/pull", tok, nil)
	if r.Status != 429 || r.errorBody(t).Code != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("4th request: %d %v %s", r.Status, r.Header, r.Body)
	}
	if r := e.do("GET", "/v1/sync/pull", other, nil); r.Status != 200 {
		t.Fatalf("another device is limited too: %d", r.Status)
	}
}

// TestServer_LogsHoldNoSecrets: tokens and personal data never reach logs.
func TestServer_LogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	admin := e.token("ada", "admin", "admin-laptop")
	tok := e.token("sam", "social_worker", "tab-1", inc)
	w := newWriter("tab-1", e.clock.Now)
	e.push(tok, w.upsert("residents", uuid.NewString(), resident(inc)), w.upsert("residents", uuid.NewString(), map[string]any{"nhs_number": "1234567890"}))
	e.do("POST", "/v1/admin/users", admin, map[string]any{"subject": "nia", "role": "social_worker"})
	r := e.do("POST", "/v1/admin/devices", admin, map[string]any{"subject": "nia", "device_id": "tab-nia"})
	var pair auth.Pair
	r.decode(t, &pair)
	e.do("POST", "/v1/auth/token", "", map[string]any{"refresh_token": pair.RefreshToken})
	e.do("GET", "/v1/sync/pull", "eyJhbGciOiJub25lIn0.e30.", nil)
	logs := e.logs.String()
	for _, secret := range []string{tok, admin, pair.RefreshToken, pair.AccessToken, "eyJ", "crt_", "9434765919", "1234567890", "Barlow", "Edith"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain %.20q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, "device enrolled") {
		t.Fatalf("expected audit lines in logs:\n%s", logs)
	}
}

func TestServer_History(t *testing.T) {
	e := newEnv(t)
	incA, incB := uuid.NewString(), uuid.NewString()
	sam := e.token("sam", "social_worker", "tab-1", incA)
	tom := e.token("tom", "social_worker", "tab-2", incB)
	bo := e.token("bea", "back_office", "desk-1", "*")
	w := newWriter("tab-1", e.clock.Now)
	rec := uuid.NewString()
	e.push(sam, w.upsert("residents", rec, resident(incA)))
	e.clock.Advance(time.Minute)
	e.push(sam, w.upsert("residents", rec, map[string]any{"notes": "prefers the window seat"}))

	r := e.do("GET", "/v1/records/residents/"+rec+"/history", bo, nil)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var h struct {
		History []struct {
			Change     syncproto.Change `json:"change"`
			Subject    string           `json:"subject"`
			Role       string           `json:"role"`
			ReceivedAt time.Time        `json:"received_at"`
		} `json:"history"`
	}
	r.decode(t, &h)
	if len(h.History) != 2 || h.History[1].Subject != "sam" || h.History[1].Role != "social_worker" || h.History[1].Change.DeviceID != "tab-1" || !h.History[1].ReceivedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("history = %+v", h)
	}
	cases := []struct {
		name, token, path string
		status            int
		code              string
	}{
		{"other incident's device", tom, "/v1/records/residents/" + rec + "/history", 404, "not_found"},
		{"unknown record", bo, "/v1/records/residents/" + uuid.NewString() + "/history", 404, "not_found"},
		{"bad id", bo, "/v1/records/residents/42/history", 400, "invalid_uuid"},
		{"unknown collection", bo, "/v1/records/pets/" + rec + "/history", 400, "unknown_collection"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", tc.path, tc.token, nil)
			if r.Status != tc.status || r.errorBody(t).Code != tc.code {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
}

func TestServer_PullShape(t *testing.T) {
	e := newEnv(t)
	tok := e.token("sam", "back_office", "desk-1", "*")
	r := e.do("GET", "/v1/sync/pull", tok, nil)
	var raw map[string]json.RawMessage
	r.decode(t, &raw)
	for _, k := range []string{"changes", "cursor", "has_more"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("pull response lacks %q: %s", k, r.Body)
		}
	}
	if string(raw["changes"]) != "[]" {
		t.Fatalf("empty pull changes = %s, want []", raw["changes"])
	}
	_ = fmt.Sprint()
}
