// Package browsertest drives headless Chromium (through chromedp) against the
// real Continuity server for the browser tests of the field app, the console
// and the JavaScript SDK. It is used only by tests.
//
// A test starts the server and a browser, then works in the browser's tab:
//
//	srv := browsertest.StartServer(t, browsertest.ServerOptions{})
//	b := browsertest.New(t)
//	ctx := b.Tab()
//	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/app/")); err != nil { t.Fatal(err) }
//	browsertest.SetOffline(t, ctx, srv, true)  // the tab and the server link both go down
//	browsertest.Reload(t, ctx)
//	ctx = b.Restart(t)                         // same profile: IndexedDB survives
//	browsertest.RunAxe(t, ctx)                 // no serious or critical WCAG 2.x A/AA violation
//	browsertest.Screenshot(t, ctx, "docs/app/residents-tablet.png", 768, 1024)
//
// Skip rule: when no Chromium is found the tests are skipped, unless the
// environment variable CI is set, when they fail.
package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestTimeout bounds everything one Browser does, so that a hung page fails
// the test instead of hanging it.
const TestTimeout = 4 * time.Minute

// chromiumPaths are where Chromium is looked for, in order, after the
// CHROMIUM environment variable.
var chromiumPaths = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// FindChromium returns the path of a Chromium binary: $CHROMIUM, then the
// usual names on PATH. It returns "" when there is none.
func FindChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range chromiumPaths {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// RequireChromium returns Chromium's path, or skips the test when there is
// none — unless CI is set, when a missing browser fails it.
func RequireChromium(t testing.TB) string {
	t.Helper()
	p := FindChromium()
	if p == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("browsertest: no Chromium found (CI is set, so this fails): install chromium or set CHROMIUM")
		}
		t.Skip("browsertest: no Chromium found; set CHROMIUM or install chromium to run the browser tests")
	}
	return p
}

// Browser is one headless Chromium with its own profile directory, which
// survives Restart (so IndexedDB, the Cache API and service workers do).
type Browser struct {
	exec       string
	dir        string
	root       context.Context
	rootCancel context.CancelFunc

	mu          sync.Mutex
	allocCancel context.CancelFunc
	ctx         context.Context
	cancel      context.CancelFunc
	logs        []string
	opts        Options
}

// New starts Chromium with an empty profile in a temporary directory and
// opens one tab. The browser is closed when the test ends; its console
// messages and uncaught exceptions are logged when the test fails.
func New(t testing.TB) *Browser {
	t.Helper()
	return NewWith(t, Options{})
}

// Options tune NewWith.
type Options struct {
	// IgnoreCertificateErrors accepts any TLS certificate: for a test's
	// own self-signed one (e.g. nginx in front of the server). The page is
	// still an https origin, a secure context.
	IgnoreCertificateErrors bool
	// FakeCamera, when set, is the path of a video file (.y4m, see
	// WriteY4M, or .mjpeg) that Chromium plays, looping, as the machine's
	// only camera. Every page may use it without a prompt until a test
	// refuses it (SetCameraPermission). Chromium opens the file each time a
	// page starts the camera, so a test may write it, or write it anew at
	// the same size, after NewWith.
	FakeCamera string
	// SecureOrigins are http origins (e.g. "http://10.213.7.2:40123", a
	// server across an emulated link) the browser treats as secure
	// contexts, as it treats loopback: WebCrypto and service workers need
	// one.
	SecureOrigins []string
}

// NewWith is New with options.
func NewWith(t testing.TB, o Options) *Browser {
	t.Helper()
	b := &Browser{exec: RequireChromium(t), dir: t.TempDir(), opts: o}
	b.root, b.rootCancel = context.WithTimeout(context.Background(), TestTimeout)
	b.start(t)
	t.Cleanup(func() {
		b.close()
		b.rootCancel()
		if t.Failed() {
			for _, l := range b.Logs() {
				t.Log("browser:", l)
			}
		}
	})
	return b
}

// allocatorOptions are the flags every headless Chromium here starts with:
// the binary exec, a profile in dir, a window of width×height, nothing
// running in the background that would add requests or CPU to a
// measurement, and the http origins in secure (across an emulated link)
// treated as secure contexts.
func allocatorOptions(exec, dir string, width, height int, secure []string) []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exec),
		chromedp.UserDataDir(dir),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.WindowSize(width, height),
	}
	if len(secure) > 0 {
		opts = append(opts, chromedp.Flag("unsafely-treat-insecure-origin-as-secure", strings.Join(secure, ",")))
	}
	return opts
}

// Launch starts headless Chromium (exec) with a fresh profile in dir and a
// window of width×height, treating the origins in secure as secure
// contexts, for programs that are not tests (the benches); it returns a
// tab's context and a cancel that ends the browser.
func Launch(ctx context.Context, exec, dir string, width, height int, secure ...string) (context.Context, context.CancelFunc) {
	actx, cancelA := chromedp.NewExecAllocator(ctx, allocatorOptions(exec, dir, width, height, secure)...)
	bctx, cancelB := chromedp.NewContext(actx)
	return bctx, func() { cancelB(); cancelA() }
}

// start launches the browser process on b.dir and opens a tab.
func (b *Browser) start(t testing.TB) {
	t.Helper()
	// The browser tests' screenshots are taken without scrollbars.
	opts := append(allocatorOptions(b.exec, b.dir, 1024, 768, b.opts.SecureOrigins), chromedp.Headless)
	if b.opts.IgnoreCertificateErrors {
		opts = append(opts, chromedp.Flag("ignore-certificate-errors", true))
	}
	if b.opts.FakeCamera != "" {
		opts = append(opts,
			chromedp.Flag("use-fake-device-for-media-stream", true),
			chromedp.Flag("use-file-for-fake-video-capture", b.opts.FakeCamera))
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(b.root, opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		cancel()
		allocCancel()
		t.Fatalf("browsertest: start chromium %s: %v", b.exec, err)
	}
	b.mu.Lock()
	b.allocCancel, b.ctx, b.cancel = allocCancel, ctx, cancel
	b.mu.Unlock()
	b.collect(ctx)
	if b.opts.FakeCamera != "" {
		// Granted here rather than by --use-fake-ui-for-media-stream, which
		// would grant it even where a test refuses it.
		SetCameraPermission(t, ctx, "", true)
	}
}

// SetCameraPermission allows or refuses the camera to pages of origin
// (every origin when ""), as a person does in the browser's settings.
func SetCameraPermission(t testing.TB, ctx context.Context, origin string, allow bool) {
	t.Helper()
	setting := browser.PermissionSettingDenied
	if allow {
		setting = browser.PermissionSettingGranted
	}
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "camera"}, Setting: setting, Origin: origin,
		})
		return err
	}))
	if err != nil {
		t.Fatalf("browsertest: set the camera permission to %s: %v", setting, err)
	}
}

// collect records the tab's console messages and exceptions.
func (b *Browser) collect(ctx context.Context) {
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.logs = append(b.logs, fmt.Sprintf("[%s] %s", m.Type, m.String()))
			b.mu.Unlock()
		}
	}()
}

// close ends the browser process gracefully (so the profile is flushed).
func (b *Browser) close() {
	b.mu.Lock()
	ctx, cancel, allocCancel := b.ctx, b.cancel, b.allocCancel
	b.ctx, b.cancel, b.allocCancel = nil, nil, nil
	b.mu.Unlock()
	if ctx != nil {
		_ = chromedp.Cancel(ctx)
		cancel()
	}
	if allocCancel != nil {
		allocCancel()
	}
}

// Tab returns the context of the browser's first tab, for chromedp.Do and
// chromedp.Run.
func (b *Browser) Tab() context.Context {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ctx
}

// NewTab opens another tab in the same browser (same profile and origin
// storage) and returns its context; it is closed with the browser.
func (b *Browser) NewTab(t testing.TB) context.Context {
	t.Helper()
	ctx, _ := chromedp.NewContext(b.Tab())
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("browsertest: new tab: %v", err)
	}
	b.collect(ctx)
	return ctx
}

// Restart closes the browser and starts it again on the same profile
// directory — what a person closing and reopening the browser does — and
// returns the new tab's context.
func (b *Browser) Restart(t testing.TB) context.Context {
	t.Helper()
	b.close()
	b.start(t)
	return b.Tab()
}

// Dir returns the browser's profile (user data) directory.
func (b *Browser) Dir() string { return b.dir }

// Logs returns the console messages and uncaught exceptions seen so far.
func (b *Browser) Logs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.logs...)
}

// legacyConditions are the parameters of the deprecated
// Network.emulateNetworkConditions, which older Chromium versions need.
type legacyConditions struct {
	Offline            bool    `json:"offline"`
	Latency            float64 `json:"latency"`
	DownloadThroughput float64 `json:"downloadThroughput"`
	UploadThroughput   float64 `json:"uploadThroughput"`
}

// SetOffline takes the tab (and its service worker) off the network, or
// back on: navigator.onLine changes and the page's requests fail as with no
// signal. When srv is not nil its link is cut too (Server.SetReachable), so
// nothing the browser does can reach the server, whichever target sends it.
func SetOffline(t testing.TB, ctx context.Context, srv *Server, offline bool) {
	t.Helper()
	if srv != nil && offline {
		srv.SetReachable(false)
	}
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		sw := true
		_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &sw,
			MatchedNetworkConditions:    []*network.Conditions{{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}},
		})
		if err == nil {
			_, err = cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		}
		if err != nil {
			// Older Chromium: the one command that does both.
			legacy := cdp.Command[legacyConditions, cdp.Empty]{Method: "Network.emulateNetworkConditions"}
			_, err = cdp.Call(ctx, tg, legacy, legacyConditions{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
		}
		return err
	}))
	if err != nil {
		t.Fatalf("browsertest: set offline=%v: %v", offline, err)
	}
	if srv != nil && !offline {
		srv.SetReachable(true)
	}
}

// Reload reloads the page and waits for it to load.
func Reload(t testing.TB, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatalf("browsertest: reload: %v", err)
	}
}

// Screenshot saves a PNG of the whole page at a viewport of w×h CSS pixels
// (e.g. 768×1024 for a tablet, 390×844 for a phone) to path, creating its
// folder, unless the file there shows the same picture (SaveScreenshot).
// The viewport stays at that size afterwards.
func Screenshot(t testing.TB, ctx context.Context, path string, w, h int64) {
	t.Helper()
	mobile := w < 600
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: w, Height: h, DeviceScaleFactor: 1, Mobile: mobile})
		return err
	}))
	if err != nil {
		t.Fatalf("browsertest: set viewport %dx%d: %v", w, h, err)
	}
	// Back to the top of the page (a screen that moved focus to an error
	// summary or a field has scrolled, and a full-page capture of a
	// scrolled page draws the sticky header over the middle of it), then
	// let layout settle after the resize: two animation frames.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.scrollTo(0, 0), new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("browsertest: wait for layout: %v", err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot: %v", err)
	}
	SaveScreenshot(t, path, png)
}

// Eval evaluates a JavaScript expression in the page, awaiting it when it
// is a promise, and decodes its JSON value into T. A thrown exception fails
// the test with its message.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		var ee *chromedp.ExceptionError
		if errors.As(err, &ee) {
			t.Fatalf("browsertest: %s\n  threw: %v", expr, ee)
		}
		t.Fatalf("browsertest: evaluate %s: %v", expr, err)
	}
	return v
}

// WaitFor polls a JavaScript expression until it is true (every 100 ms, up
// to the test's browser timeout), failing the test with what when it never
// becomes true.
func WaitFor(t testing.TB, ctx context.Context, what, expr string) {
	t.Helper()
	js := fmt.Sprintf(`new Promise((resolve, reject) => {
		const deadline = Date.now() + %d;
		const tick = async () => {
			try { if (await (%s)) { resolve(true); return; } } catch (e) { /* not yet */ }
			if (Date.now() > deadline) { reject(new Error('timed out')); return; }
			setTimeout(tick, 100);
		};
		tick();
	})`, (30 * time.Second).Milliseconds(), expr)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("browsertest: waiting for %s: %v", what, err)
	}
}

// bypassCSP lets DevTools inject scripts (axe-core) into pages whose
// Content Security Policy forbids other scripts.
func bypassCSP(ctx context.Context) error {
	return chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	}))
}

// ScreenshotTolerance is the share of pixels a new screenshot may differ
// from the one already saved and still leave that file as it is: the times
// a screen shows (last synced, recorded at) change every run, and rewriting
// every screenshot for them would change 150 files in docs/ on each test
// run. A real change to a screen differs in far more pixels.
const ScreenshotTolerance = 0.01

// SaveScreenshot writes the PNG img to path, creating its folder, unless the
// file there already shows the same picture: the same size and at most
// ScreenshotTolerance of its pixels different. It reports whether it wrote.
func SaveScreenshot(t testing.TB, path string, img []byte) bool {
	t.Helper()
	return SaveScreenshotIgnoring(t, path, img, nil)
}

// SaveScreenshotIgnoring is SaveScreenshot for a screen showing something
// new on every run (an enrolment code and its QR code): pixels inside the
// rectangles ignore do not count as different. The file written is the whole
// new picture.
func SaveScreenshotIgnoring(t testing.TB, path string, img []byte, ignore []image.Rectangle) bool {
	t.Helper()
	if old, err := os.ReadFile(path); err == nil && samePicture(old, img, ScreenshotTolerance, ignore) {
		return false
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatalf("browsertest: write screenshot: %v", err)
	}
	return true
}

// SamePicture reports whether two PNGs have the same size and differ in at
// most tolerance of their pixels. Bytes that do not decode are different.
func SamePicture(a, b []byte, tolerance float64) bool {
	return samePicture(a, b, tolerance, nil)
}

// samePicture is SamePicture, not counting the pixels inside ignore.
func samePicture(a, b []byte, tolerance float64, ignore []image.Rectangle) bool {
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		return false
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return false
	}
	r := ia.Bounds()
	if r != ib.Bounds() || r.Empty() {
		return false
	}
	diff := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if slices.ContainsFunc(ignore, image.Pt(x, y).In) {
				continue
			}
			r1, g1, b1, a1 := ia.At(x, y).RGBA()
			r2, g2, b2, a2 := ib.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				diff++
			}
		}
	}
	return float64(diff) <= tolerance*float64(r.Dx()*r.Dy())
}
