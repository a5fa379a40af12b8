// Package web serves Continuity's browser side from the binary: the field
// app at /app/ (an installable offline-first PWA), the back-office console at
// /console/, the JavaScript SDK at /sdk/, the modules both apps share
// (the escaping html tagged templates) at /shared/, GOV.UK Frontend at
// /assets/govuk/ and the QR decoder the app loads on demand at
// /assets/jsqr/. Every response carries the security headers and a strict
// Content Security Policy (no inline script or style, nothing from another
// origin).
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"

	jssdk "github.com/continuity-care/continuity/client-sdk/js"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/etag"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/helmet"
)

//go:embed all:app all:console all:shared vendor/govuk-frontend/govuk-frontend.min.css vendor/govuk-frontend/govuk-frontend.min.js vendor/govuk-frontend/images vendor/govuk-frontend/VERSION vendor/govuk-frontend/LICENSE vendor/jsqr/jsQR.mjs vendor/jsqr/LICENSE
var files embed.FS

// CSP is the Content-Security-Policy sent with every response.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

// PermissionsPolicy is the Permissions-Policy sent with every response
// but the field app's.
const PermissionsPolicy = "camera=(), geolocation=(), microphone=()"

// AppPermissionsPolicy is the Permissions-Policy of the field app (/app/):
// its own pages may use the camera, to scan the console's enrolment QR
// code; nothing else may, and no page may use location or the microphone.
const AppPermissionsPolicy = "camera=(self), geolocation=(), microphone=()"

// Options are what Mount needs beyond its own embedded files.
type Options struct {
	// SDK holds the JavaScript SDK's files (continuity.js at its root),
	// served under /sdk/; nil serves the embedded client-sdk/js (jssdk.FS).
	SDK fs.FS
	// Console overrides the console's files (tests); nil uses the embedded
	// server/web/console directory.
	Console fs.FS
}

// Sub-trees of the embedded files.
var (
	appFS     = mustSub(files, "app")
	consoleFS = mustSub(files, "console")
	sharedFS  = mustSub(files, "shared")
	govukFS   = mustSub(files, "vendor/govuk-frontend")
	jsqrFS    = mustSub(files, "vendor/jsqr")
)

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the directories are embedded; a miss is a build error
	}
	return s
}

// AppFS returns the field app's embedded files (index.html at its root).
func AppFS() fs.FS { return appFS }

// GovukFS returns the vendored GOV.UK Frontend files served at /assets/govuk/.
func GovukFS() fs.FS { return govukFS }

// SecurityHeaders returns the middleware adding the security headers and
// the strict CSP to every response.
func SecurityHeaders() fiber.Handler {
	return helmet.New(helmet.Config{
		ContentSecurityPolicy:     CSP,
		ReferrerPolicy:            "no-referrer",
		PermissionPolicy:          PermissionsPolicy,
		XFrameOptions:             "DENY",
		CrossOriginOpenerPolicy:   "same-origin",
		CrossOriginEmbedderPolicy: "require-corp",
		CrossOriginResourcePolicy: "same-origin",
	})
}

// Mount adds the security headers to every later route and serves /app/,
// /console/, /shared/, /sdk/, /assets/govuk/ and /assets/jsqr/ on app. The QR decoder
// at /assets/jsqr/ is outside the app's shell: the app imports it only to
// scan an enrolment code where the browser cannot read QR codes itself,
// and enrolling needs the network anyway, so neither the service worker's
// precache nor its version covers it. Call it before the API's
// catch-all route.
func Mount(app *fiber.App, opts Options) {
	app.Use(SecurityHeaders())
	app.Use(func(c *fiber.Ctx) error {
		if p := c.Path(); p == "/app" || strings.HasPrefix(p, "/app/") {
			c.Set("Permissions-Policy", AppPermissionsPolicy)
		}
		return c.Next()
	})
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/app/", fiber.StatusFound) })
	icon, err := fs.ReadFile(appFS, "icons/icon-192.png")
	if err != nil {
		panic(err) // embedded
	}
	app.Get("/favicon.ico", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "image/png")
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		return c.Send(icon)
	})

	sdk := opts.SDK
	if sdk == nil {
		sdk = jssdk.FS
	}
	console := opts.Console
	if console == nil {
		console = consoleFS
	}
	version := ShellVersion(sdk)
	sw := swScript(version, ShellFiles(sdk))
	app.Get("/app/sw.js", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return c.Send(sw)
	})
	app.Get("/app/version.json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(fiber.Map{"version": version})
	})
	static(app, "/app", appFS)
	static(app, "/console", console)
	static(app, "/shared", sharedFS)
	static(app, "/assets/govuk", govukFS)
	static(app, "/assets/jsqr", jsqrFS)
	static(app, "/sdk", sdk)
}

// static serves root at prefix: "/prefix" redirects to "/prefix/", files
// are compressed, validated by ETag and revalidated on every use (the app's
// service worker, not the HTTP cache, keeps them for offline use).
func static(app *fiber.App, prefix string, root fs.FS) {
	app.Get(prefix, func(c *fiber.Ctx) error {
		if c.Path() != prefix { // non-strict routing matches "/app/" here too
			return c.Next()
		}
		return c.Redirect(prefix+"/", fiber.StatusMovedPermanently)
	})
	g := app.Group(prefix+"/", compress.New(), etag.New(), func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return c.Next()
	})
	g.Use(filesystem.New(filesystem.Config{Root: http.FS(root), ContentTypeCharset: "utf-8"}))
	g.Use(func(c *fiber.Ctx) error {
		return c.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": fiber.Map{
			"code": "not_found", "message": "no file " + c.Path(), "field": "",
		}})
	})
}

// ShellVersion is a digest of every file the service worker caches: the
// app, the shared modules, GOV.UK Frontend and the SDK. Any change to them changes the service
// worker's bytes, so browsers install the new shell.
func ShellVersion(sdk fs.FS) string {
	h := sha256.New()
	add := func(name string, root fs.FS) {
		if root == nil {
			return
		}
		_ = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(root, p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s/%s %d\n", name, p, len(b))
			h.Write(b)
			return nil
		})
	}
	add("app", appFS)
	add("shared", sharedFS)
	add("govuk", govukFS)
	add("sdk", sdk)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ShellFiles lists the URLs the service worker precaches: every app file,
// every shared module, the GOV.UK Frontend CSS and JS, and every SDK .js file (sdk nil means the
// embedded SDK).
func ShellFiles(sdk fs.FS) []string {
	if sdk == nil {
		sdk = jssdk.FS
	}
	var out []string
	add := func(prefix string, root fs.FS, keep func(string) bool) {
		if root == nil {
			return
		}
		_ = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !keep(p) {
				return err
			}
			out = append(out, prefix+p)
			return nil
		})
	}
	add("/app/", appFS, func(p string) bool { return p != "sw.js" && !strings.HasSuffix(p, ".md") })
	add("/shared/", sharedFS, func(p string) bool { return path.Ext(p) == ".js" })
	add("/assets/govuk/", govukFS, func(p string) bool {
		return p == "govuk-frontend.min.css" || p == "govuk-frontend.min.js"
	})
	add("/sdk/", sdk, func(p string) bool { return path.Ext(p) == ".js" && !strings.Contains(p, "test") })
	for i, u := range out {
		if strings.HasSuffix(u, "/index.html") {
			out[i] = strings.TrimSuffix(u, "index.html")
		}
	}
	sort.Strings(out)
	return out
}

// swScript is app/sw.js with its version and precache list filled in.
func swScript(version string, shell []string) []byte {
	b, err := fs.ReadFile(appFS, "sw.js")
	if err != nil {
		panic(err) // embedded
	}
	list, _ := json.Marshal(shell)
	s := strings.Replace(string(b), "'__VERSION__'", strconv.Quote(version), 1)
	s = strings.Replace(s, "['__PRECACHE__']", string(list), 1)
	return []byte(s)
}

// ConsoleFS returns the console's embedded files (index.html at its root).
func ConsoleFS() fs.FS { return consoleFS }
