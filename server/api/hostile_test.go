package api_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/api"
	"github.com/google/uuid"
)

// rawExchange writes raw to the server over TCP and reads one answer.
func (e *env) rawExchange(t *testing.T, raw string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestServer_ContentLengthFraming: a request whose Content-Length is given
// twice (equal or not, or as a list) or is not a number is refused with 400
// in the JSON envelope, the connection is closed, and the answer never
// echoes the request's headers (its bearer token least of all).
func TestServer_ContentLengthFraming(t *testing.T) {
	e := newEnv(t)
	tok := e.token("sam", "social_worker", "tab-1")
	push := "POST /v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok + "\r\nContent-Type: application/json\r\n"
	body := `{"changes":[]}`
	cases := []struct{ name, headers string }{
		{"two different lengths", "Content-Length: 14\r\nContent-Length: 3\r\n"},
		{"the same length twice", "Content-Length: 14\r\nContent-Length: 14\r\n"},
		{"a list of lengths", "Content-Length: 14, 14\r\n"},
		{"a length that is not a number", "Content-Length: 14abc\r\n"},
		{"a negative length", "Content-Length: -1\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, got := e.rawExchange(t, push+tc.headers+"\r\n"+body)
			if resp.StatusCode != 400 || !strings.Contains(got, `"code":"invalid_request"`) {
				t.Fatalf("%d %s, want 400 invalid_request in the envelope", resp.StatusCode, got)
			}
			if strings.Contains(got, tok) || strings.Contains(strings.ToLower(got), "authorization") || strings.Contains(got, "POST /v1") {
				t.Fatalf("the answer echoes the request: %s", got)
			}
			if !resp.Close {
				t.Fatal("the connection is kept open after a framing error")
			}
		})
	}
	t.Run("one length is served", func(t *testing.T) {
		resp, got := e.rawExchange(t, push+"Content-Length: 14\r\n\r\n"+body)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, got)
		}
	})
}

// TestServer_HSTS: Strict-Transport-Security is sent when the request
// arrived over TLS, as a trusted proxy says in X-Forwarded-Proto, and not
// when anyone else says so or the request came over plain HTTP.
func TestServer_HSTS(t *testing.T) {
	proxies, err := api.ParseTrustedProxies("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	behind := newEnv(t, func(c *apiConfig) { c.TrustedProxies = proxies })
	direct := newEnv(t)
	cases := []struct {
		name  string
		e     *env
		proto string
		want  bool
	}{
		{"a trusted proxy terminated TLS", behind, "https", true},
		{"a trusted proxy received plain HTTP", behind, "http", false},
		{"an untrusted client claims TLS", direct, "https", false},
		{"plain HTTP", direct, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/healthz", "/v1/me", "/v1/nowhere"} {
				h := "GET " + path + " HTTP/1.1\r\nHost: x\r\n"
				if tc.proto != "" {
					h += "X-Forwarded-Proto: " + tc.proto + "\r\n"
				}
				resp, _ := tc.e.rawExchange(t, h+"\r\n")
				got := resp.Header.Get("Strict-Transport-Security")
				if tc.want && !regexp.MustCompile(`^max-age=[1-9][0-9]{6,}`).MatchString(got) {
					t.Fatalf("%s: Strict-Transport-Security %q, want a max-age of months", path, got)
				}
				if !tc.want && got != "" {
					t.Fatalf("%s: Strict-Transport-Security %q over plain HTTP", path, got)
				}
			}
		})
	}
}

// TestServer_NoStoreOnEveryAPIRoute walks every /v1 route as an admin and
// as a social worker and finds Cache-Control: no-store on each answer,
// success or error: API answers carry personal data (pull, history, board,
// quarantine, conflicts, logs, exports, reports, me). GET /v1/schema,
// which holds none, is revalidated by its ETag instead.
func TestServer_NoStoreOnEveryAPIRoute(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	tokens := map[string]string{
		"admin":         e.token("ada", "admin", "tab-a", inc),
		"social_worker": e.token("sam", "social_worker", "tab-s", inc),
	}
	routes := 0
	for _, r := range e.srv.App().GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/v1/") || r.Method == http.MethodHead {
			continue
		}
		path := regexp.MustCompile(`:[a-z_]+`).ReplaceAllStringFunc(r.Path, func(p string) string {
			switch p {
			case ":collection":
				return "residents"
			case ":incident", ":incident_id":
				return inc
			default:
				return uuid.NewString()
			}
		})
		if r.Path == "/v1/sync/stream" {
			continue // a stream never ends; its header is checked below
		}
		routes++
		for who, tok := range tokens {
			var body string
			if r.Method != http.MethodGet {
				body = "{}"
			}
			resp := e.doRawBody(t, r.Method, path, tok, body)
			want := "no-store"
			if r.Path == "/v1/schema" {
				want = "no-cache"
			}
			if got := resp.Header.Get("Cache-Control"); got != want {
				t.Errorf("%s %s as %s: %d, Cache-Control %q, want %q", r.Method, path, who, resp.StatusCode, got, want)
			}
		}
	}
	if routes < 30 {
		t.Fatalf("walked %d /v1 routes; the route list is not what this test thinks", routes)
	}
	t.Run("the change stream", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, e.url+"/v1/sync/stream", nil)
		req.Header.Set("Authorization", "Bearer "+tokens["social_worker"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Fatalf("stream: %d, Cache-Control %q", resp.StatusCode, got)
		}
	})
}

// doRawBody sends one request with a JSON body and returns the answer with
// its body read.
func (e *env) doRawBody(t *testing.T, method, path, tok, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}
