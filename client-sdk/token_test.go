package continuity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// memTokens is a TokenStore in memory that records what it was asked to save.
type memTokens struct {
	mu      sync.Mutex
	refresh string
	access  string
	exp     int64
	saves   []string
	failing bool
}

func (m *memTokens) LoadTokens() (string, string, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.refresh, m.access, m.exp, nil
}

func (m *memTokens) SaveTokens(r, a string, exp int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing {
		return errors.New("disk full")
	}
	m.refresh, m.access, m.exp = r, a, exp
	m.saves = append(m.saves, r)
	return nil
}

// authServer rotates refresh tokens as the real server does: each is single
// use, and presenting a used one is refused.
type authServer struct {
	mu      sync.Mutex
	current string
	n       int
	calls   int
}

func (a *authServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls++
	var req struct {
		RefreshToken string `json:"refresh_token"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	if r.URL.Path != "/v1/auth/token" || req.RefreshToken != a.current {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"code":"unauthorized","message":"refresh token was already used; the device's tokens are revoked"}}`)
		return
	}
	a.n++
	a.current = fmt.Sprintf("crt_%d", a.n)
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": fmt.Sprintf("access-%d", a.n), "refresh_token": a.current, "token_type": "Bearer",
		"expires_in": 900, "device_id": "tab-7",
	})
}

func TestRefreshTokenSource_Token(t *testing.T) {
	setup := func(t *testing.T) (*authServer, *memTokens, *RefreshTokenSource, *time.Time) {
		as := &authServer{current: "crt_0"}
		srv := httptest.NewServer(as)
		t.Cleanup(srv.Close)
		store := &memTokens{refresh: "crt_0"}
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		src := NewRefreshTokenSource(srv.URL, store, srv.Client(), func() time.Time { return now })
		return as, store, src, &now
	}
	ctx := context.Background()

	t.Run("rotates, saves first, then caches until expiry", func(t *testing.T) {
		as, store, src, now := setup(t)
		tok, err := src.Token(ctx)
		if err != nil || tok != "access-1" {
			t.Fatalf("Token = %q, %v", tok, err)
		}
		if store.refresh != "crt_1" || src.DeviceID() != "tab-7" {
			t.Fatalf("stored refresh %q device %q", store.refresh, src.DeviceID())
		}
		if tok, _ := src.Token(ctx); tok != "access-1" || as.calls != 1 {
			t.Fatalf("second Token = %q after %d calls; want the cached token", tok, as.calls)
		}
		*now = now.Add(15 * time.Minute)
		if tok, _ := src.Token(ctx); tok != "access-2" || store.refresh != "crt_2" {
			t.Fatalf("after expiry Token = %q, stored %q", tok, store.refresh)
		}
	})

	t.Run("invalidate forces a refresh", func(t *testing.T) {
		_, _, src, _ := setup(t)
		src.Token(ctx)
		src.Invalidate()
		if tok, _ := src.Token(ctx); tok != "access-2" {
			t.Fatalf("Token after Invalidate = %q", tok)
		}
	})

	t.Run("concurrent callers share one refresh", func(t *testing.T) {
		as, _, src, _ := setup(t)
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := src.Token(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if as.calls != 1 {
			t.Fatalf("%d refreshes for 20 concurrent callers; a second would reuse the token and revoke the device", as.calls)
		}
	})

	t.Run("a refused refresh token means enrol again", func(t *testing.T) {
		as, _, src, _ := setup(t)
		as.current = "crt_other"
		if _, err := src.Token(ctx); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("err = %v, want ErrUnauthorized", err)
		}
	})

	t.Run("the access token is not used unless the new refresh token was saved", func(t *testing.T) {
		_, store, src, _ := setup(t)
		store.failing = true
		if tok, err := src.Token(ctx); err == nil || tok != "" {
			t.Fatalf("Token = %q, %v; want an error", tok, err)
		}
	})

	t.Run("a server error is temporary", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		defer srv.Close()
		src := NewRefreshTokenSource(srv.URL, &memTokens{refresh: "crt_0"}, nil, nil)
		_, err := src.Token(ctx)
		if _, ok := isTemporary(err); !ok {
			t.Fatalf("err = %v, want a temporary error", err)
		}
	})
}

func TestStaticTokenSource_Token(t *testing.T) {
	s := NewStaticTokenSource("abc")
	if tok, err := s.Token(context.Background()); tok != "abc" || err != nil {
		t.Fatalf("Token = %q, %v", tok, err)
	}
	s.Invalidate()
	if _, err := s.Token(context.Background()); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v after Invalidate, want ErrUnauthorized", err)
	}
}

func TestClient_Enrol(t *testing.T) {
	t.Run("refresh token without a device id asks the server", func(t *testing.T) {
		as := &authServer{current: "crt_0"}
		srv := httptest.NewServer(as)
		defer srv.Close()
		c, path := openClient(t, nil)
		if err := c.EnrolWithRefreshToken(srv.URL, "", "crt_0"); err != nil {
			t.Fatal(err)
		}
		if c.DeviceID() != "tab-7" || !c.Enrolled() {
			t.Fatalf("device %q enrolled %v", c.DeviceID(), c.Enrolled())
		}
		c.Close()
		c2, err := Open(&Config{DBPath: path})
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		rt, at, _, _ := dbTokens{c2}.LoadTokens()
		if rt != "crt_1" || at != "access-1" || c2.DeviceID() != "tab-7" {
			t.Fatalf("after reopen: refresh %q access %q device %q", rt, at, c2.DeviceID())
		}
	})
	t.Run("static token names the device", func(t *testing.T) {
		c, _ := openClient(t, nil)
		if err := c.EnrolWithAccessToken("http://127.0.0.1:8080/", fakeJWT("tab-3", "nhs_liaison")); err != nil {
			t.Fatal(err)
		}
		st, _ := c.Status()
		if st.DeviceID != "tab-3" || st.Role != "nhs_liaison" || st.ServerURL != "http://127.0.0.1:8080" {
			t.Fatalf("status = %+v", st)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		c, _ := openClient(t, nil)
		if err := c.EnrolWithAccessToken("ftp://x", fakeJWT("tab-3", "admin")); err == nil {
			t.Fatal("accepted an ftp URL")
		}
		if err := c.EnrolWithAccessToken("http://x", "not-a-jwt"); err == nil {
			t.Fatal("accepted a token that is not a JWT")
		}
		if err := c.EnrolWithRefreshToken("http://x", "bad id!", "crt_1"); err == nil {
			t.Fatal("accepted a bad device id")
		}
	})
}
