package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/web/browsertest"
)

// consoleQR is an enrolment code issued on the console, with the pixels of
// the QR code the console shows for it.
type consoleQR struct {
	Code, DeviceID string
	// PNG is a screenshot of the console's QR code as drawn on its page.
	PNG []byte
}

// issueOnConsole signs the tab's console in as an administrator, issues an
// enrolment code for subject's new device through the console's form and
// returns it with what the console shows. The console keeps its own
// storage, so the field app in the same browser is not signed in by it.
func issueOnConsole(t *testing.T, a *appT, srv *browsertest.Server, subject, device string) consoleQR {
	t.Helper()
	admin := srv.EnrolmentCode(t, "ada", "admin", "Incident room PC")
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/console/")); err != nil {
		t.Fatal(err)
	}
	a.typeIn("#code", admin.Code)
	a.click("#sign-in button[type=submit]")
	a.wait("the console signed in", "document.getElementById('main-content').hasAttribute('data-ready')")
	a.route("#/admin/codes")
	a.waitFor(fmt.Sprintf("#code-form #f-subject option[value=%q]", subject))
	a.js(fmt.Sprintf("document.getElementById('f-subject').value = %q", subject))
	a.typeIn("#f-device_name", device)
	a.click("#code-form button[type=submit]")
	a.wait("the console's QR code", "document.getElementById('code-qr') && document.getElementById('code-qr').complete && document.getElementById('code-qr').naturalWidth > 0")
	q := consoleQR{Code: a.str("document.getElementById('code-text').dataset.code")}
	var err error
	if q.PNG, err = chromedp.Run(a.ctx, chromedp.Screenshot(chromedp.ID("code-qr"))); err != nil {
		t.Fatalf("screenshot of the console's QR code: %v", err)
	}
	// The server's record of the code: the device it will enrol.
	codes, err := srv.Auth.EnrolmentCodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		if c.Subject == subject && c.DeviceName == device {
			q.DeviceID = c.DeviceID
		}
	}
	if q.Code == "" || q.DeviceID == "" {
		t.Fatalf("the console issued no code for %s's %s (code %q; open codes %+v)", subject, device, q.Code, codes)
	}
	return q
}

// enrolledOnServer fails the test unless the server holds q's device as
// enrolled (and not revoked) for subject, and q's code as spent.
func enrolledOnServer(t *testing.T, srv *browsertest.Server, q consoleQR, subject string) {
	t.Helper()
	ctx := context.Background()
	d, err := srv.Store.Device(ctx, q.DeviceID)
	if err != nil {
		t.Fatalf("the server has no device %s: %v", q.DeviceID, err)
	}
	if d.Subject != subject || d.RevokedAt != nil {
		t.Errorf("the server's device %s: %+v, want enrolled for %s", q.DeviceID, d, subject)
	}
	codes, err := srv.Auth.EnrolmentCodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		if c.DeviceID == q.DeviceID {
			t.Errorf("the code for %s is still open on the server: %+v", q.DeviceID, c)
		}
	}
}

// jsQRLoaded is a page expression: whether the page has fetched the
// vendored QR decoder.
const jsQRLoaded = "performance.getEntriesByType('resource').some((e) => e.name.includes('/assets/jsqr/'))"

// nativeQR is a page expression: whether the browser reads QR codes itself
// (then the app uses its BarcodeDetector and jsQR is never loaded).
const nativeQR = "('BarcodeDetector' in window) && BarcodeDetector.getSupportedFormats().then((f) => f.includes('qr_code'))"

// TestApp_QREnrolment: the field app may use the camera and the console may
// not; the QR code the console shows for a code it issued (its pixels, as
// drawn) is read by the app's decoding path, which loads the vendored
// decoder only then, where the browser cannot read QR codes itself; a
// refused camera is explained in words a person can act on; the typed code
// still enrols.
func TestApp_QREnrolment(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	srv.User(t, "sam", "social_worker", srv.Incident)
	b := browsertest.New(t)
	a := &appT{t: t, ctx: b.Tab()}
	const camera = "String((document.permissionsPolicy || document.featurePolicy).allowsFeature('camera'))"
	q := issueOnConsole(t, a, srv, "sam", "Sam's tablet")
	if got := a.str(camera); got != "false" {
		t.Errorf("the console may use the camera: %s", got)
	}
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/")); err != nil {
		t.Fatal(err)
	}
	a.title("Set up this device")
	if got := a.str(camera); got != "true" {
		t.Errorf("the field app may not use the camera: %s", got)
	}
	a.waitFor("#scan-start")
	if browsertest.Eval[bool](t, a.ctx, jsQRLoaded) {
		t.Error("the QR decoder is loaded with the app's first page")
	}

	// What a QR code holds gives the code, typed any way.
	for _, held := range []string{q.Code, strings.ToLower(q.Code), " " + q.Code + " ", srv.URL + "/app/#/enrol?code=" + q.Code} {
		if got := a.str(fmt.Sprintf("import('/app/js/scan.js').then(m => m.codeFromText(%q))", held)); got != q.Code {
			t.Errorf("codeFromText(%q) = %q, want %q", held, got, q.Code)
		}
	}
	if got := a.str("import('/app/js/scan.js').then(m => m.codeFromText('https://example.org/nothing'))"); got != "" {
		t.Errorf("a link with no code gave %q", got)
	}

	// The console's QR code, as the console drew it, read by the app.
	native := browsertest.Eval[bool](t, a.ctx, nativeQR)
	decoded := a.str(fmt.Sprintf(`(async () => {
		const img = new Image(); img.src = 'data:image/png;base64,%s'; await img.decode();
		const m = await import('/app/js/scan.js');
		return (await m.decode(img)).join(',');
	})()`, base64.StdEncoding.EncodeToString(q.PNG)))
	if decoded != q.Code {
		t.Errorf("the console's QR code read as %q, want %q", decoded, q.Code)
	}
	if loaded := browsertest.Eval[bool](t, a.ctx, jsQRLoaded); loaded == native {
		t.Errorf("the browser reads QR codes itself: %v; the app loaded jsQR: %v", native, loaded)
	}
	// A browser whose BarcodeDetector reads other barcodes but not QR codes
	// (as some do) gets jsQR too.
	browsertest.Reload(t, a.ctx)
	a.title("Set up this device")
	decoded = a.str(fmt.Sprintf(`(async () => {
		window.BarcodeDetector = class { static async getSupportedFormats() { return ['ean_13', 'code_128']; } detect() { throw new Error('not for QR codes'); } };
		const img = new Image(); img.src = 'data:image/png;base64,%s'; await img.decode();
		return (await (await import('/app/js/scan.js')).decode(img)).join(',');
	})()`, base64.StdEncoding.EncodeToString(q.PNG)))
	if decoded != q.Code || !browsertest.Eval[bool](t, a.ctx, jsQRLoaded) {
		t.Errorf("with a BarcodeDetector that does not read QR codes, the console's QR code read as %q (jsQR loaded: %v)", decoded, browsertest.Eval[bool](t, a.ctx, jsQRLoaded))
	}

	// The service worker leaves the decoder to the network: no cache keeps it.
	if got := a.str(`(async () => {
		const kept = [];
		for (const k of await caches.keys()) if (await (await caches.open(k)).match('/assets/jsqr/jsQR.mjs')) kept.push(k);
		return kept.join(',');
	})()`); got != "" {
		t.Errorf("the decoder is cached by the service worker in %s", got)
	}

	// Nothing that is not a QR code reads as one.
	blank := a.str(`(async () => {
		const c = document.createElement('canvas'); c.width = 200; c.height = 200;
		const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, 200, 200);
		return (await (await import('/app/js/scan.js')).decode(c)).join(',');
	})()`)
	if blank != "" {
		t.Errorf("a blank picture read as %q", blank)
	}

	// This machine has no camera: the person is told so and what to do,
	// at the code's field.
	a.click("#scan-start")
	a.wait("no camera", mainHas("no camera that Continuity can use"))
	if got := a.str("document.querySelector('.govuk-error-summary a').getAttribute('href') + ' | ' + document.querySelector('.govuk-error-message').textContent"); !strings.Contains(got, "#f-code") || !strings.Contains(got, "Type the enrolment code instead") {
		t.Errorf("no camera is not shown at the code's field with what to do: %s", got)
	}

	// The typed code enrols the device; the server says whose it is.
	a.typeIn("#f-code", q.Code)
	a.click("#enrol-submit")
	a.title("Choose an incident")
	enrolledOnServer(t, srv, q, "sam")
}

// cameraFrame is a 640×480 camera picture: grey, with the QR code's
// picture at (x, y) (it may run off the edge, as when the camera is not yet
// pointed at it).
func cameraFrame(t *testing.T, qr []byte, x, y int) image.Image {
	t.Helper()
	src, err := png.Decode(bytes.NewReader(qr))
	if err != nil {
		t.Fatal(err)
	}
	frame := image.NewRGBA(image.Rect(0, 0, 640, 480))
	draw.Draw(frame, frame.Bounds(), image.NewUniform(color.RGBA{0xb1, 0xb4, 0xb6, 0xff}), image.Point{}, draw.Src)
	draw.Draw(frame, src.Bounds().Sub(src.Bounds().Min).Add(image.Pt(x, y)), src, src.Bounds().Min, draw.Src)
	return frame
}

// TestApp_EnrolByCamera: a tablet whose camera sees the console's QR code
// enrols by scanning it, in Chromium with no BarcodeDetector (the app's
// own decoder). The camera is Chromium's fake camera playing a video the
// test makes from the console's pixels: first pointed beside the code (the
// scanning screen, screenshotted and checked), then at it. The server then
// holds the device as enrolled.
func TestApp_EnrolByCamera(t *testing.T) {
	browsertest.RequireChromium(t)
	srv := startApp(t)
	srv.User(t, "sam", "social_worker", srv.Incident)
	video := filepath.Join(t.TempDir(), "camera.y4m")
	b := browsertest.NewWith(t, browsertest.Options{FakeCamera: video})
	a := &appT{t: t, ctx: b.Tab()}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("page at failure: %s", browsertest.Eval[string](t, a.ctx, "document.title + ' | ' + location.hash + ' | ' + document.querySelector('main').textContent.replace(/\\s+/g, ' ').slice(0, 800)"))
		}
	})
	q := issueOnConsole(t, a, srv, "sam", "Sam's tablet")
	size := image.Pt(0, 0)
	if img, err := png.Decode(bytes.NewReader(q.PNG)); err == nil {
		size = img.Bounds().Size()
	}
	if size.X < 100 || size.X > 600 || size.Y > 440 {
		t.Fatalf("the console's QR code is %v pixels", size)
	}

	// Pointed beside the code: only a strip of it is in the picture.
	browsertest.WriteY4M(t, video, cameraFrame(t, q.PNG, 640-size.X/3, (480-size.Y)/2))
	if err := chromedp.Do(a.ctx, chromedp.Navigate(srv.URL+"/app/")); err != nil {
		t.Fatal(err)
	}
	a.title("Set up this device")

	// The camera refused: the person is told why and what to do, at the
	// code's field.
	browsertest.SetCameraPermission(t, a.ctx, srv.URL, false)
	a.click("#scan-start")
	a.wait("the camera refused", mainHas("not allowed to use the camera"))
	if got := a.str("document.querySelector('.govuk-error-summary a').getAttribute('href') + ' | ' + document.querySelector('.govuk-error-message').textContent"); !strings.Contains(got, "#f-code") || !strings.Contains(got, "allow the camera for Continuity in the browser’s settings") {
		t.Errorf("the refusal is not shown at the code's field with what to do: %s", got)
	}
	browsertest.SetCameraPermission(t, a.ctx, srv.URL, true)
	browsertest.Reload(t, a.ctx)
	a.title("Set up this device")
	a.click("#scan-start")
	a.wait("the camera's picture", "(() => { const v = document.getElementById('scan-video'); return !v.hidden && v.readyState >= 2 && !v.paused && v.videoWidth === 640 })()")
	a.wait("the decoder loaded", jsQRLoaded+" || "+nativeQR)
	if got := a.str("document.getElementById('scan-status').textContent + ' | ' + document.getElementById('scan-start').textContent"); !strings.Contains(got, "Point the camera at the QR code") || !strings.Contains(got, "Stop scanning") {
		t.Errorf("the scanning screen says %q", got)
	}
	a.screen("enrol-scanning")
	if got := a.str("document.title + ' | ' + document.getElementById('f-code').value"); got != "Set up this device – Continuity | " {
		t.Fatalf("a picture with a strip of the code read as a code: %s", got)
	}
	a.click("#scan-start") // Stop scanning
	a.wait("the camera stopped", "document.getElementById('scan-video').hidden && document.getElementById('scan-video').srcObject === null")

	// Pointed at it: the app reads the code and sets the device up.
	browsertest.WriteY4M(t, video, cameraFrame(t, q.PNG, (640-size.X)/2, (480-size.Y)/2))
	a.click("#scan-start")
	a.title("Choose an incident")
	enrolledOnServer(t, srv, q, "sam")
}
