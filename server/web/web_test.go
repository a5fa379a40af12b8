package web_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/continuity-care/continuity/server/web"
	"github.com/gofiber/fiber/v2"
)

func newApp(t *testing.T, opts web.Options) *fiber.App {
	t.Helper()
	app := fiber.New()
	web.Mount(app, opts)
	return app
}

func get(t *testing.T, app *fiber.App, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	var r io.Reader = res.Body
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatalf("GET %s: gzip: %v", path, err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("GET %s: read: %v", path, err)
	}
	return res, b
}

var sdkFS = fstest.MapFS{
	"continuity.js":   {Data: []byte("export const x = 1;\n")},
	"idb.js":          {Data: []byte("export const y = 2;\n")},
	"continuity.d.ts": {Data: []byte("// types\n")},
}

// policyFor is the Permissions-Policy a path must carry: the camera is the
// field app's alone (to scan the enrolment QR code).
func policyFor(path string) string {
	if strings.HasPrefix(path, "/app/") {
		return web.AppPermissionsPolicy
	}
	return web.PermissionsPolicy
}

func TestMount_SecurityHeaders(t *testing.T) {
	app := newApp(t, web.Options{SDK: sdkFS})
	for _, path := range []string{"/app/", "/app/sw.js", "/app/manifest.webmanifest", "/app/js/main.js",
		"/console/", "/console/js/main.js", "/shared/html.js", "/assets/govuk/govuk-frontend.min.css", "/sdk/continuity.js", "/app/no-such-file.js", "/", "/apples"} {
		t.Run(path, func(t *testing.T) {
			res, _ := get(t, app, path)
			want := map[string]string{
				"Content-Security-Policy":      web.CSP,
				"X-Content-Type-Options":       "nosniff",
				"Referrer-Policy":              "no-referrer",
				"Permissions-Policy":           policyFor(path),
				"Cross-Origin-Opener-Policy":   "same-origin",
				"X-Frame-Options":              "DENY",
				"Cross-Origin-Resource-Policy": "same-origin",
			}
			for k, v := range want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			for _, d := range []string{"script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"} {
				if !strings.Contains(res.Header.Get("Content-Security-Policy"), d) {
					t.Errorf("CSP lacks %q", d)
				}
			}
			if strings.Contains(res.Header.Get("Content-Security-Policy"), "unsafe") {
				t.Errorf("CSP allows something unsafe: %s", res.Header.Get("Content-Security-Policy"))
			}
		})
	}
}

func TestMount_Files(t *testing.T) {
	app := newApp(t, web.Options{SDK: sdkFS})
	cases := []struct {
		path, status, ctype, body string
	}{
		{"/app/", "200", "text/html", "<title>Continuity</title>"},
		{"/app/manifest.webmanifest", "200", "", `"scope": "/app/"`},
		{"/app/js/main.js", "200", "javascript", "serviceWorker"},
		{"/app/sw.js", "200", "text/javascript", "continuity-shell-"},
		{"/console/", "200", "text/html", "<html"},
		{"/assets/govuk/govuk-frontend.min.css", "200", "text/css", ".govuk-"},
		{"/assets/govuk/govuk-frontend.min.js", "200", "javascript", "initAll"},
		{"/sdk/continuity.js", "200", "javascript", "export const x"},
		{"/app/no-such-file.js", "404", "application/json", `"not_found"`},
		{"/sdk/nothing.js", "404", "application/json", `"not_found"`},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			res, body := get(t, app, tc.path)
			if got := res.Status[:3]; got != tc.status {
				t.Fatalf("status %s, want %s", res.Status, tc.status)
			}
			if !strings.Contains(res.Header.Get("Content-Type"), tc.ctype) {
				t.Errorf("Content-Type %q, want %q", res.Header.Get("Content-Type"), tc.ctype)
			}
			if !strings.Contains(string(body), tc.body) {
				t.Errorf("body lacks %q", tc.body)
			}
		})
	}
	t.Run("redirects", func(t *testing.T) {
		for from, to := range map[string]string{"/": "/app/", "/app": "/app/", "/console": "/console/"} {
			res, _ := get(t, app, from)
			if res.StatusCode/100 != 3 || res.Header.Get("Location") != to {
				t.Errorf("GET %s: %d Location %q, want redirect to %s", from, res.StatusCode, res.Header.Get("Location"), to)
			}
		}
	})
	t.Run("compressed and revalidated", func(t *testing.T) {
		res, body := get(t, app, "/assets/govuk/govuk-frontend.min.css", "Accept-Encoding", "gzip")
		if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(string(body), ".govuk-") {
			t.Errorf("Content-Encoding %q; body decodes: %v", res.Header.Get("Content-Encoding"), strings.Contains(string(body), ".govuk-"))
		}
		if res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("Cache-Control %q, want no-cache", res.Header.Get("Cache-Control"))
		}
		res, _ = get(t, app, "/app/")
		tag := res.Header.Get("ETag")
		if tag == "" {
			t.Fatal("no ETag on /app/")
		}
		res, _ = get(t, app, "/app/", "If-None-Match", tag)
		if res.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: status %d, want 304", res.StatusCode)
		}
	})
}

func TestMount_ServiceWorker(t *testing.T) {
	app := newApp(t, web.Options{SDK: sdkFS})
	_, sw := get(t, app, "/app/sw.js")
	version := web.ShellVersion(sdkFS)
	if !strings.Contains(string(sw), `const VERSION = "`+version+`"`) {
		t.Errorf("sw.js does not carry version %s", version)
	}
	m := regexp.MustCompile(`const PRECACHE = (\[.*\]);`).FindSubmatch(sw)
	if m == nil {
		t.Fatal("sw.js has no precache list")
	}
	var list []string
	if err := json.Unmarshal(m[1], &list); err != nil {
		t.Fatalf("precache list: %v", err)
	}
	want := []string{"/app/", "/app/js/main.js", "/app/manifest.webmanifest", "/app/app.css",
		"/assets/govuk/govuk-frontend.min.css", "/assets/govuk/govuk-frontend.min.js", "/sdk/continuity.js", "/sdk/idb.js", "/shared/html.js"}
	for _, w := range want {
		found := false
		for _, u := range list {
			found = found || u == w
		}
		if !found {
			t.Errorf("precache list lacks %s: %v", w, list)
		}
	}
	for _, u := range list {
		if u == "/app/sw.js" || strings.HasSuffix(u, ".d.ts") {
			t.Errorf("precache list has %s", u)
		}
		if res, _ := get(t, app, u); res.StatusCode != http.StatusOK {
			t.Errorf("precached %s answers %d", u, res.StatusCode)
		}
	}
	other := fstest.MapFS{"continuity.js": {Data: []byte("export const x = 2;\n")}}
	if web.ShellVersion(other) == version {
		t.Error("a changed SDK file does not change the shell version")
	}
}

// TestAppFS_NoInlineCode checks every HTML page against the CSP: no inline
// script, no style attributes or blocks, no on* handlers.
func TestAppFS_NoInlineCode(t *testing.T) {
	inline := []*regexp.Regexp{
		regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`),
		regexp.MustCompile(`<style[\s>]`),
		regexp.MustCompile(`\sstyle\s*=`),
		regexp.MustCompile(`\son[a-z]+\s*=`),
		regexp.MustCompile(`javascript:`),
	}
	for _, root := range []fs.FS{web.AppFS(), web.ConsoleFS()} {
		err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
				return err
			}
			b, err := fs.ReadFile(root, p)
			if err != nil {
				return err
			}
			for _, re := range inline {
				if loc := re.FindIndex(b); loc != nil {
					t.Errorf("%s: inline code %q breaks the CSP", p, b[loc[0]:min(loc[1]+20, len(b))])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// shellBudget is the ceiling for the app shell, compressed.
const shellBudget = 300 * 1024

// TestShell_CompressedWeight measures what a browser downloads to install
// the app (every precached file plus the service worker, gzip as the server
// sends it), holds it under the budget and keeps docs/app.md's figure true.
func TestShell_CompressedWeight(t *testing.T) {
	app := newApp(t, web.Options{})
	files := append(web.ShellFiles(nil), "/app/sw.js")
	total, raw := 0, 0
	for _, u := range files {
		req := httptest.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", u, res.StatusCode, err)
		}
		total += len(b)
		if res.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, zr)
			raw += int(n)
		} else {
			raw += len(b)
		}
	}
	kb := (total + 512) / 1024
	t.Logf("app shell: %d files, %d KB compressed (%d KB uncompressed)", len(files), kb, (raw+512)/1024)
	if total >= shellBudget {
		t.Errorf("the app shell weighs %d KB compressed; the budget is %d KB", kb, shellBudget/1024)
	}
	doc, err := os.ReadFile("../../docs/app.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`weighs\s+\*\*(\d+) KB\*\*\s+compressed`).FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/app.md does not state the shell's weight as 'weighs **N KB** compressed'")
	}
	stated, _ := strconv.Atoi(string(m[1]))
	if stated < kb-5 || stated > kb+5 {
		t.Errorf("docs/app.md says the shell weighs %d KB; it weighs %d KB", stated, kb)
	}
}

// TestMount_QRDecoderOnDemand: the vendored QR decoder is served (with its
// licence) as an ES module under the same headers as everything else, is
// not part of the app's shell (so installing the app does not download
// it), is the npm build byte for byte inside its wrapper, and weighs what
// docs/app.md says.
func TestMount_QRDecoderOnDemand(t *testing.T) {
	app := newApp(t, web.Options{})
	res, body := get(t, app, "/assets/jsqr/jsQR.mjs", "Accept-Encoding", "gzip")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("GET /assets/jsqr/jsQR.mjs: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res.Header.Get("Content-Security-Policy") != web.CSP {
		t.Errorf("the decoder is served without the CSP: %q", res.Header.Get("Content-Security-Policy"))
	}
	if res, _ := get(t, app, "/assets/jsqr/LICENSE"); res.StatusCode != http.StatusOK {
		t.Errorf("the decoder's licence answers %d", res.StatusCode)
	}
	for _, u := range web.ShellFiles(nil) {
		if strings.Contains(u, "jsqr") {
			t.Errorf("the decoder is in the app's shell: %s", u)
		}
	}

	t.Run("the npm build, unchanged, inside the wrapper", func(t *testing.T) {
		header := "const module = { exports: {} };\nconst exports = module.exports;\n"
		footer := "\nexport default module.exports;\n"
		s := string(body)
		i := strings.Index(s, header)
		if i < 0 || !strings.HasSuffix(s, footer) {
			t.Fatal("jsQR.mjs is not wrapped as update.sh wraps it")
		}
		sum := sha256.Sum256([]byte(s[i+len(header) : len(s)-len(footer)]))
		v, err := os.ReadFile("vendor/jsqr/VERSION")
		if err != nil {
			t.Fatal(err)
		}
		if want := "sha256 " + hex.EncodeToString(sum[:]); !strings.Contains(string(v), want) {
			t.Errorf("the wrapped build's %s is not the one VERSION records:\n%s", want, v)
		}
	})

	t.Run("weight", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/assets/jsqr/jsQR.mjs", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("the decoder is sent uncompressed (%q)", res.Header.Get("Content-Encoding"))
		}
		kb := (len(b) + 512) / 1024
		t.Logf("QR decoder: %d KB compressed (%d KB uncompressed)", kb, (len(body)+512)/1024)
		doc, err := os.ReadFile("../../docs/app.md")
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?s)\*\*jsQR\*\*.{0,300}?weighs\s+\*\*(\d+) KB\*\*\s+gzipped`).FindSubmatch(doc)
		if m == nil {
			t.Fatal("docs/app.md does not state the decoder's weight as '**jsQR** … weighs **N KB** gzipped'")
		}
		if stated, _ := strconv.Atoi(string(m[1])); stated < kb-2 || stated > kb+2 {
			t.Errorf("docs/app.md says the decoder weighs %d KB; it weighs %d KB", stated, kb)
		}
	})
}
