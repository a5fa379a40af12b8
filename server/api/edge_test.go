package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/google/uuid"
)

// TestServer_MetricsAfterManyMethods: /metrics keeps answering 200 with the
// real method names after requests of every method, many at once (the
// method label was read from Fiber's reused buffer, so series
// were named GETT or POS and the registry refused the duplicates).
func TestServer_MetricsAfterManyMethods(t *testing.T) {
	e := newEnv(t)
	tok := e.token("sam", "social_worker", "tab-1")
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"}
	paths := []string{"/healthz", "/v1/sync/pull", "/v1/sync/push", "/v1/quarantine", "/nowhere", "/v1/admin/users"}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				m := methods[(w+i)%len(methods)]
				p := paths[(w*3+i)%len(paths)]
				body := ""
				if m == "POST" || m == "PUT" || m == "PATCH" {
					body = `{"changes":[]}`
				}
				e.doQuiet(m, p, tok, body)
			}
		}(w)
	}
	wg.Wait()
	r := e.do("GET", "/metrics", "", nil)
	if r.Status != 200 {
		t.Fatalf("/metrics answered %d: %.500s", r.Status, r.Body)
	}
	known := map[string]bool{}
	for _, m := range methods {
		known[m] = true
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`continuity_http_requests_total\{method="([^"]*)"`).FindAllStringSubmatch(string(r.Body), -1) {
		if !known[m[1]] {
			t.Fatalf("method label %q in /metrics:\n%s", m[1], grepLines(string(r.Body), "continuity_http_requests_total"))
		}
		seen[m[1]] = true
	}
	for _, m := range methods {
		if !seen[m] {
			t.Errorf("no series for method %s:\n%s", m, grepLines(string(r.Body), "continuity_http_requests_total"))
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// doQuiet sends a request from any goroutine and returns its status, or 0
// when the request could not be made.
func (e *env) doQuiet(method, path, token, body string) int {
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		return 0
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestServer_InvalidText: invalid UTF-8, U+0000 and lone surrogates are
// refused at the edge with invalid_value naming the field, in a pushed
// change (rejected and quarantined, the rest of the batch applied) and in
// every JSON body; a pull afterwards decodes.
func TestServer_InvalidText(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	tok := e.token("sam", "social_worker", "tab-1", inc)
	admin := e.token("ada", "admin", "admin-laptop")
	w := newWriter("tab-1", e.clock.Now)
	rec := uuid.NewString()
	e.push(tok, w.upsert("residents", rec, resident(inc)))

	change := func(fields string) string {
		c := w.upsert("residents", rec, map[string]any{"notes": "x"})
		delete(c, "fields")
		b := mustJSON(c)
		return b[:len(b)-1] + `,"fields":` + fields + `}`
	}
	cases := []struct {
		name, fields, field string
	}{
		{"invalid UTF-8 in a value", "{\"notes\":\"caf\xe9\"}", "fields.notes"},
		{"overlong encoding", "{\"notes\":\"\xc0\xaf\"}", "fields.notes"},
		{"escaped NUL", `{"notes":"a\u0000b"}`, "fields.notes"},
		{"lone high surrogate", `{"notes":"\ud800"}`, "fields.notes"},
		{"lone low surrogate", `{"given_name":"x\udc00y"}`, "fields.given_name"},
		{"invalid UTF-8 in a field name", "{\"not\xffes\":\"x\"}", "fields.not\ufffdes"},
		{"nested in an array", "{\"contacts\":[{\"name\":\"ok\"},{\"name\":\"b\xfead\"}]}", "fields.contacts[1].name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			good := w.upsert("residents", rec, map[string]any{"notes": "fine"})
			r := e.do("POST", "/v1/sync/push", tok, `{"changes":[`+change(tc.fields)+`,`+mustJSON(good)+`]}`)
			var out syncproto.PushResponse
			r.decode(t, &out)
			if len(out.Results) != 2 || out.Results[0].Status != "rejected" || out.Results[1].Status != "applied" {
				t.Fatalf("results = %s", statusesOf(out))
			}
			if eb := out.Results[0].Error; eb.Code != "invalid_value" || !utf8.ValidString(eb.Field) || eb.Field != strings.ToValidUTF8(tc.field, "\ufffd") {
				t.Fatalf("error = %+v, want invalid_value at %s", eb, tc.field)
			}
		})
	}
	t.Run("the envelope of a change", func(t *testing.T) {
		c := w.upsert("residents", rec, map[string]any{"notes": "x"})
		c["seen"] = "c1.\xff"
		r := e.do("POST", "/v1/sync/push", tok, `{"changes":[`+strings.Replace(mustJSON(c), `\ufffd`, "\xff", 1)+`]}`)
		var out syncproto.PushResponse
		r.decode(t, &out)
		if len(out.Results) != 1 || out.Results[0].Error == nil || out.Results[0].Error.Field != "seen" {
			t.Fatalf("results = %s", statusesOf(out))
		}
	})
	t.Run("pulls and the quarantine still decode", func(t *testing.T) {
		e.do("POST", "/v1/sync/push", tok, `{"changes":[`+change("{\"notes\":\"caf\xe9\"}")+`]}`)
		other := e.token("tess", "social_worker", "tab-2", inc)
		for _, path := range []string{"/v1/sync/pull?limit=1000"} {
			r := e.do("GET", path, other, nil)
			if r.Status != 200 || !utf8.Valid(r.Body) {
				t.Fatalf("%s: %d, valid UTF-8 %v", path, r.Status, utf8.Valid(r.Body))
			}
		}
		r := e.do("GET", "/v1/quarantine", tok, nil)
		if r.Status != 200 || !utf8.Valid(r.Body) {
			t.Fatalf("quarantine: %d, valid UTF-8 %v: %q", r.Status, utf8.Valid(r.Body), r.Body)
		}
	})
	t.Run("JSON bodies", func(t *testing.T) {
		bodies := []struct{ path, body, field string }{
			{"/v1/admin/users", "{\"subject\":\"nia\",\"role\":\"social_worker\",\"name\":\"Ni\xe1\"}", "name"},
			{"/v1/admin/users", `{"subject":"nia","role":"social_worker","name":"N\u0000a"}`, "name"},
			{"/v1/auth/token", "{\"refresh_token\":\"crt_\xff.x\"}", "refresh_token"},
		}
		for _, b := range bodies {
			tk := admin
			if b.path == "/v1/auth/token" {
				tk = ""
			}
			r := e.do("POST", b.path, tk, b.body)
			if r.Status != 400 || r.errorBody(t).Code != "invalid_value" || r.errorBody(t).Field != b.field {
				t.Fatalf("%s %q: %d %s", b.path, b.body, r.Status, r.Body)
			}
		}
	})
	t.Run("query parameters", func(t *testing.T) {
		r := e.do("GET", "/v1/quarantine?device_id=tab%FF", tok, nil)
		if r.Status != 400 || r.errorBody(t).Code != "invalid_value" || r.errorBody(t).Field != "device_id" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}

// rawRequest writes a request head declaring a body of declared bytes,
// then sends only the first sent bytes of it, and reads the response: what
// the server answers before the client has sent the rest proves it did not
// wait for (or read) the rest.
func (e *env) rawRequest(method, path, token string, declared, sent int) (status int, body []byte) {
	e.t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	// A guard, not a measurement: a server that waits for the rest of the
	// body never answers.
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	head := method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(declared) + "\r\n"
	if token != "" {
		head += "Authorization: Bearer " + token + "\r\n"
	}
	if _, err := conn.Write([]byte(head + "\r\n")); err != nil {
		e.t.Fatal(err)
	}
	if _, err := conn.Write(bytes.Repeat([]byte(" "), sent)); err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		e.t.Fatalf("no response after %d of %d bytes: %v", sent, declared, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestServer_BodiesAfterAuthentication: a body is never read before the
// request is authenticated and its declared length checked against the
// route's cap. The client sends 8 KiB of a 15 MiB body
// and gets its answer; the server cannot have read what was never sent.
func TestServer_BodiesAfterAuthentication(t *testing.T) {
	e := newEnv(t)
	tok := e.token("sam", "social_worker", "tab-1")
	admin := e.token("ada", "admin", "admin-laptop")
	const big = 15 << 20
	cases := []struct {
		name, method, path, token string
		declared                  int
		status                    int
		code                      string
	}{
		{"unauthenticated push", "POST", "/v1/sync/push", "", big, 401, "unauthorized"},
		{"bad token push", "POST", "/v1/sync/push", "not.a.token", big, 401, "unauthorized"},
		{"unauthenticated import", "POST", "/v1/admin/import/cqc", "", big, 401, "unauthorized"},
		{"social worker's import", "POST", "/v1/admin/import/cqc", tok, big, 403, "forbidden_role"},
		{"push over its cap", "POST", "/v1/sync/push", tok, big, 413, "too_large"},
		{"admin body over its cap", "POST", "/v1/admin/users", admin, 1 << 20, 413, "too_large"},
		{"import over its cap", "POST", "/v1/admin/import/cqc", admin, 17 << 20, 413, "too_large"},
		{"token request over its cap", "POST", "/v1/auth/token", "", big, 413, "too_large"},
		{"body on a route that reads none", "GET", "/v1/sync/pull", "", big, 401, "unauthorized"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.rawRequest(tc.method, tc.path, tc.token, tc.declared, 8<<10)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", status, tc.status, body)
			}
			var env syncproto.ErrorEnvelope
			if err := json.Unmarshal(body, &env); err != nil || env.Error == nil || env.Error.Code != tc.code {
				t.Fatalf("body %.300s, want code %s", body, tc.code)
			}
		})
	}
	t.Run("a small refused body keeps the connection", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
		fmt.Fprintf(conn, "POST /v1/sync/push HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n%s", bytes.Repeat([]byte("{"), 100))
		fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(conn)
		for _, want := range []int{401, 200} {
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Fatalf("status %d, want %d", resp.StatusCode, want)
			}
		}
	})
	t.Run("chunked bodies are capped as they arrive", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.url+"/v1/admin/users", io.MultiReader(strings.NewReader(`{"subject":"x","name":"`), strings.NewReader(strings.Repeat("a", 100<<10)), strings.NewReader(`"}`)))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.ContentLength = -1
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

// TestServer_BodyBudget: bodies in flight are bounded; past the budget a
// request with a body gets 503 with Retry-After, in the error envelope,
// without its body being read, and the budget is given back.
func TestServer_BodyBudget(t *testing.T) {
	e := newEnv(t, func(c *apiConfig) { c.BodyBudget = 1 }) // raised to the largest route cap, 16 MiB
	admin := e.token("ada", "admin", "admin-laptop")
	tok := e.token("sam", "social_worker", "tab-1")
	// An import declares 16 MiB and sends a little: its reader waits for
	// the rest, holding the whole budget.
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /v1/admin/import/cqc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s", admin, 16<<20, bytes.Repeat([]byte("x"), 16<<10))
	waitFor(t, func() bool {
		return bodyBytesInFlight(e) == 16<<20
	})
	r := e.do("POST", "/v1/sync/push", tok, `{"changes":[]}`)
	if r.Status != 503 || r.errorBody(t).Code != "unavailable" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("%d %v %s", r.Status, r.Header, r.Body)
	}
	if r := e.do("GET", "/v1/sync/pull", tok, nil); r.Status != 200 {
		t.Fatalf("a request without a body is refused: %d", r.Status)
	}
	conn.Close()
	waitFor(t, func() bool {
		return bodyBytesInFlight(e) == 0
	})
	if r := e.do("POST", "/v1/sync/push", tok, `{"changes":[]}`); r.Status != 200 {
		t.Fatalf("budget not given back: %d %s", r.Status, r.Body)
	}
}

// waitFor polls cond until it holds, failing after many tries. It
// synchronises with the server; nothing is asserted about how long it took.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition never held")
}

// bodyBytesInFlight reads the body budget in use from /metrics.
func bodyBytesInFlight(e *env) float64 {
	m := regexp.MustCompile(`(?m)^continuity_request_body_bytes_in_flight (\S+)$`).FindSubmatch(e.do("GET", "/metrics", "", nil).Body)
	if m == nil {
		return -1
	}
	f, _ := strconv.ParseFloat(string(m[1]), 64)
	return f
}

// TestServer_ProtocolErrorsInTheEnvelope: an unknown method and a request
// that arrives too slowly get the JSON error envelope with a code
// docs/protocol.md lists.
func TestServer_ProtocolErrorsInTheEnvelope(t *testing.T) {
	e := newEnv(t, func(c *apiConfig) { c.ReadTimeout = 500 * time.Millisecond })
	send := func(t *testing.T, raw string) (int, syncproto.Error) {
		t.Helper()
		resp, b := e.rawExchange(t, raw)
		var env syncproto.ErrorEnvelope
		if err := json.Unmarshal([]byte(b), &env); err != nil || env.Error == nil {
			t.Fatalf("status %d: not an error envelope: %q", resp.StatusCode, b)
		}
		return resp.StatusCode, *env.Error
	}
	doc, err := os.ReadFile("../../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, raw string
		status    int
		code      string
	}{
		{"unknown method", "BREW /v1/sync/pull HTTP/1.1\r\nHost: x\r\n\r\n", 405, "method_not_allowed"},
		{"unknown method with a body", "PROPFIND / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", 405, "method_not_allowed"},
		{"headers too slow", "GET /healthz HTTP/1.1\r\nHost: x\r\n", 408, "timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, eb := send(t, tc.raw)
			if status != tc.status || eb.Code != tc.code {
				t.Fatalf("%d %+v, want %d %s", status, eb, tc.status, tc.code)
			}
			if !strings.Contains(string(doc), "`"+tc.code+"`") {
				t.Fatalf("docs/protocol.md does not list the code %s", tc.code)
			}
		})
	}
	t.Run("body too slow", func(t *testing.T) {
		tok := e.token("sam", "social_worker", "tab-1")
		status, eb := send(t, "POST /v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+tok+"\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat(" ", 9000))
		if status != 408 || eb.Code != "timeout" {
			t.Fatalf("%d %+v", status, eb)
		}
	})
}

// TestServer_CursorsAreSigned: a cursor is tamper-evident. A forged one
// (the issue's {"p":0,"a":true}, which made purge list every incident) or
// one edited by the device gets 400 invalid_cursor naming the field; a
// cursor from one replica works on another sharing the keys; another
// server's cursor is refused.
func TestServer_CursorsAreSigned(t *testing.T) {
	e := newEnv(t)
	a, b := uuid.NewString(), uuid.NewString()
	sb := e.token("bea", "social_worker", "tab-b", b)
	sw := e.token("sam", "social_worker", "tab-a", a)
	wb := newWriter("tab-b", e.clock.Now)
	if got := statusesOf(e.push(sb, wb.upsert("residents", uuid.NewString(), resident(b)))); got != "applied" {
		t.Fatalf("B's resident: %s", got)
	}
	_, real, _ := e.pullAll(sw, "", 100)

	forge := func(payload string) string {
		return "c1." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	}
	bad := map[string]string{
		"issue's forged cursor":            forge(`{"p":0,"a":true}`),
		"forged, this format":              "c2." + base64.RawURLEncoding.EncodeToString([]byte(`{"p":0,"a":true}`)) + ".AAAA",
		"real cursor with one bit changed": editCursor(t, real),
		"real cursor, tag cut off":         real[:len(real)-22],
	}
	for name, cur := range bad {
		t.Run(name, func(t *testing.T) {
			r := e.do("GET", "/v1/sync/pull?cursor="+url.QueryEscape(cur), sw, nil)
			if r.Status != 400 || r.errorBody(t).Code != "invalid_cursor" || r.errorBody(t).Field != "cursor" {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if strings.Contains(string(r.Body), b) {
				t.Fatalf("incident B named to a device of A: %s", r.Body)
			}
		})
	}
	t.Run("a replica sharing the keys accepts it; another server does not", func(t *testing.T) {
		same := e.replica(t, e.keys)
		other, err := auth.LoadKeys(t.TempDir(), e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		stranger := e.replica(t, other)
		if r := e.doAt(same, "GET", "/v1/sync/pull?cursor="+url.QueryEscape(real), sw); r.Status != 200 {
			t.Fatalf("replica: %d %s", r.Status, r.Body)
		}
		if r := e.doAt(stranger, "GET", "/v1/sync/pull?cursor="+url.QueryEscape(real), sw); r.Status != 400 {
			t.Fatalf("another server's cursor: %d %s", r.Status, r.Body)
		}
	})
}

// replica starts another server over the same store and signing keys whose
// cursors are signed with cursorKeys' derived keys, and returns its URL.
func (e *env) replica(t *testing.T, cursorKeys *auth.KeySet) string {
	t.Helper()
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	syn := care.NewSync(e.store, domain.Registry(domain.Options{}), e.clock.Now, "server", log)
	var err error
	if syn.Cursors, err = care.NewCursorCodec(cursorKeys.CursorKeys()...); err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Config{Store: e.store, Access: e.store, Sync: syn, Auth: e.auth, Logger: log, RateLimit: 100000, Now: e.clock.Now})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return "http://" + ln.Addr().String()
}

// doAt sends a request to the server at base.
func (e *env) doAt(base, method, path, token string) response {
	e.t.Helper()
	saved := e.url
	e.url = base
	defer func() { e.url = saved }()
	return e.do(method, path, token, nil)
}

// editCursor widens a cursor's payload to "every incident", keeping the
// rest (its MAC, if it has one) as it was.
// editCursor changes one bit of a sealed cursor's content (a device cannot
// read it, let alone widen its scopes, but may try).
func editCursor(t *testing.T, cur string) string {
	t.Helper()
	prefix, sealed, ok := strings.Cut(cur, ".")
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if !ok || err != nil || len(b) < 40 {
		t.Fatalf("cursor %q: %v", cur, err)
	}
	b[20] ^= 1
	return prefix + "." + base64.RawURLEncoding.EncodeToString(b)
}

// TestServer_InvalidTokensRateLimited: requests with invalid credentials
// are limited per client address (429 with Retry-After); a valid token from
// the same address is not held back, and an expired token (the device
// only needs to refresh) does not count.
func TestServer_InvalidTokensRateLimited(t *testing.T) {
	e := newEnv(t, func(c *apiConfig) { c.AuthFailLimit = 3; c.RateWindow = time.Minute })
	e.token("sam", "social_worker", "tab-1")
	expired, err := e.auth.Tokens().Issue(care.Principal{Subject: "sam", Role: "social_worker", DeviceID: "tab-1"}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * time.Minute)
	good := e.token("tess", "social_worker", "tab-2")
	for i := 0; i < 5; i++ {
		if r := e.do("GET", "/v1/sync/pull", expired, nil); r.Status != 401 {
			t.Fatalf("expired token %d: %d %s", i, r.Status, r.Body)
		}
	}
	bad := []func() response{
		func() response { return e.do("GET", "/v1/sync/pull", "not.a.token", nil) },
		func() response { return e.do("GET", "/v1/sync/pull", "", nil) },
		func() response {
			return e.do("POST", "/v1/auth/token", "", map[string]any{"refresh_token": "crt_nope.nope"})
		},
	}
	for i, req := range bad {
		if r := req(); r.Status != 401 {
			t.Fatalf("bad request %d: %d %s", i, r.Status, r.Body)
		}
	}
	for i, req := range bad {
		r := req()
		if r.Status != 429 || r.errorBody(t).Code != "rate_limited" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("bad request %d over the limit: %d %v %s", i, r.Status, r.Header, r.Body)
		}
	}
	if r := e.do("GET", "/v1/sync/pull", good, nil); r.Status != 200 {
		t.Fatalf("a valid token from the same address: %d %s", r.Status, r.Body)
	}
	e.clock.Advance(time.Minute)
	if r := bad[0](); r.Status != 401 {
		t.Fatalf("after the window: %d %s", r.Status, r.Body)
	}
}

// TestServer_SocialWorkersReadRAGAndConcerns: seed 003 Appendix 1 has the
// QMO share a provider's RAG status and concerns with the relevant social
// workers, so they are pulled by a social worker, and not by a transport
// coordinator (docs/security.md agrees, by a test).
func TestServer_SocialWorkersReadRAGAndConcerns(t *testing.T) {
	e := newEnv(t)
	qo := e.token("quinn", "quality_officer", "desk-q")
	wq := newWriter("desk-q", e.clock.Now)
	prov := uuid.NewString()
	got := statusesOf(e.push(qo,
		wq.upsert("providers", prov, map[string]any{"name": "Larkfield Care Ltd"}),
		wq.upsert("concerns", uuid.NewString(), map[string]any{"provider_id": prov, "source": "operational", "raised_on": "2026-11-20", "description": "staffing below safe levels at night", "status": "open"}),
		wq.upsert("rag_statuses", uuid.NewString(), map[string]any{"provider_id": prov, "status": "AMBER", "reason": "concerns from fieldworkers", "decided_at": "2026-11-21T10:00:00Z", "decided_by": "Quinn", "decided_by_role": "quality_officer"}),
	))
	if got != "applied,applied,applied" {
		t.Fatalf("quality officer's pushes: %s", got)
	}
	collections := func(tok string) map[string]bool {
		changes, _, _ := e.pullAll(tok, "", 1000)
		seen := map[string]bool{}
		for _, c := range changes {
			seen[c.Collection] = true
		}
		return seen
	}
	sw := collections(e.token("sam", "social_worker", "tab-1"))
	if !sw["concerns"] || !sw["rag_statuses"] {
		t.Fatalf("a social worker pulled %v", sw)
	}
	tc := collections(e.token("tom", "transport_coordinator", "tab-t"))
	if tc["concerns"] || tc["rag_statuses"] || !tc["providers"] {
		t.Fatalf("a transport coordinator pulled %v", tc)
	}
}
