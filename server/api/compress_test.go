package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/google/uuid"
)

// gzipped compresses b.
func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decoded undoes a response's Content-Encoding.
func decoded(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc {
	case "":
		return b
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	default:
		t.Fatalf("Content-Encoding %q", enc)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rawDo sends a request without net/http's own decompression, so the
// response's Content-Encoding and bytes are as the server sent them.
func rawDo(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestServer_CompressedResponses(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	tok := e.token("sam", "social_worker", "tab-1", inc)
	w := newWriter("tab-1", e.clock.Now)
	var changes []map[string]any
	for range 40 {
		changes = append(changes, w.upsert("residents", uuid.NewString(), resident(inc)))
	}
	applied(t, e.push(tok, changes...))
	pull := func(accept string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", e.url+"/v1/sync/pull?limit=100", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		return rawDo(t, req)
	}
	plain, plainBody := pull("")
	if plain.StatusCode != 200 || plain.Header.Get("Content-Encoding") != "" {
		t.Fatalf("pull without Accept-Encoding: %d, Content-Encoding %q", plain.StatusCode, plain.Header.Get("Content-Encoding"))
	}
	var page syncproto.PullResponse
	if err := json.Unmarshal(plainBody, &page); err != nil || len(page.Changes) != 40 {
		t.Fatalf("pull: %d changes, %v", len(page.Changes), err)
	}
	for _, tc := range []struct{ accept, want string }{
		{"gzip", "gzip"},
		{"br", "br"},
		{"gzip, deflate, br", "br"},
		{"identity", ""},
	} {
		t.Run("pull, Accept-Encoding "+tc.accept, func(t *testing.T) {
			resp, b := pull(tc.accept)
			if got := resp.Header.Get("Content-Encoding"); resp.StatusCode != 200 || got != tc.want {
				t.Fatalf("status %d, Content-Encoding %q, want %q", resp.StatusCode, got, tc.want)
			}
			if tc.want != "" && len(b) >= len(plainBody)/2 {
				t.Errorf("%s body is %d bytes, the plain one %d", tc.want, len(b), len(plainBody))
			}
			var got syncproto.PullResponse
			if err := json.Unmarshal(decoded(t, tc.want, b), &got); err != nil || len(got.Changes) != len(page.Changes) {
				t.Fatalf("decoded %s pull: %d changes, %v", tc.want, len(got.Changes), err)
			}
		})
	}
	for _, enc := range []string{"gzip", "br"} {
		t.Run("stream, Accept-Encoding "+enc+": each event arrives as it is sent", func(t *testing.T) {
			resp, cancel, err := connectStream(e.url, tok, map[string]string{"Accept-Encoding": enc})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Header.Get("Content-Encoding"); resp.StatusCode != 200 || got != enc {
				resp.Body.Close()
				cancel()
				t.Fatalf("status %d, Content-Encoding %q", resp.StatusCode, got)
			}
			resp.Body = &lazyDecoder{enc: enc, body: resp.Body}
			s := &sseClient{t: t, resp: resp, events: make(chan sseEvent, 1000), done: make(chan error, 1), cancel: cancel}
			go s.read()
			t.Cleanup(s.close)
			s.comment("continuity change stream")
			other := e.token("abe", "social_worker", "tab-2", inc)
			resp2 := e.push(other, newWriter("tab-2", e.clock.Now).upsert("residents", uuid.NewString(), resident(inc)))
			applied(t, resp2)
			if got, want := cursorEvent(t, e.sync.Cursors, s.next()), positionOf(t, e.sync.Cursors, resp2.Cursor); got != want {
				t.Fatalf("event at %d, want the push's %d", got, want)
			}
		})
	}
}

// lazyDecoder decodes a compressed stream, starting at the first read (a
// gzip reader reads the header when made).
type lazyDecoder struct {
	enc  string
	body io.ReadCloser
	r    io.Reader
}

func (d *lazyDecoder) Read(p []byte) (int, error) {
	if d.r == nil {
		if d.enc == "br" {
			d.r = brotli.NewReader(d.body)
		} else {
			zr, err := gzip.NewReader(d.body)
			if err != nil {
				return 0, err
			}
			d.r = zr
		}
	}
	return d.r.Read(p)
}

func (d *lazyDecoder) Close() error { return d.body.Close() }

func TestServer_CompressedRequests(t *testing.T) {
	e := newEnv(t)
	inc := uuid.NewString()
	tok := e.token("sam", "social_worker", "tab-1", inc)
	w := newWriter("tab-1", e.clock.Now)
	post := func(body []byte, enc string) (int, []byte) {
		req, _ := http.NewRequest("POST", e.url+"/v1/sync/push", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", enc)
		resp, b := rawDo(t, req)
		return resp.StatusCode, b
	}
	t.Run("a gzip push is read decompressed", func(t *testing.T) {
		rid := uuid.NewString()
		body, _ := json.Marshal(map[string]any{"changes": []map[string]any{w.upsert("residents", rid, resident(inc))}})
		status, b := post(gzipped(t, body), "gzip")
		var resp syncproto.PushResponse
		if err := json.Unmarshal(b, &resp); status != 200 || err != nil {
			t.Fatalf("status %d: %s", status, b)
		}
		applied(t, resp)
		changes, _, _ := e.pullAll(tok, "", 500)
		if len(changes) != 1 || changes[0].RecordID != rid {
			t.Fatalf("pulled %+v", changes)
		}
	})
	for _, tc := range []struct {
		name   string
		body   []byte
		enc    string
		status int
		code   string
		field  string
	}{
		// 64 MiB of spaces inside a JSON body: about 64 KiB gzipped, 16
		// times the push's 4 MiB cap once decompressed.
		{"a decompression bomb is refused", gzipped(t, append(append([]byte(`{"changes":[`), bytes.Repeat([]byte(" "), 64<<20)...), "]}"...)), "gzip", 413, "too_large", ""},
		{"a body that is not gzip", []byte(`{"changes":[]}`), "gzip", 400, "invalid_request", "Content-Encoding"},
		{"a truncated gzip body", gzipped(t, []byte(`{"changes":[]}`))[:15], "gzip", 400, "invalid_request", "Content-Encoding"},
		{"another encoding", []byte(`{"changes":[]}`), "br", 415, "unsupported_media_type", "Content-Encoding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "a decompression bomb is refused" && len(tc.body) > syncproto.MaxPushBytes {
				t.Fatalf("the bomb is %d bytes compressed, over the cap itself", len(tc.body))
			}
			status, b := post(tc.body, tc.enc)
			var env struct {
				Error syncproto.Error `json:"error"`
			}
			if err := json.Unmarshal(b, &env); err != nil || status != tc.status || string(env.Error.Code) != tc.code || env.Error.Field != tc.field {
				t.Fatalf("status %d %s; want %d with %s naming %q", status, b, tc.status, tc.code, tc.field)
			}
			if tc.status == 413 && !strings.Contains(env.Error.Message, "decompresses") {
				t.Fatalf("413 does not say the body decompresses past the cap: %s", b)
			}
		})
	}
}
