package browsertest_test

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/chromedp/chromedp"
	"github.com/continuity-care/continuity/server/web/browsertest"
)

// TestWriteY4M checks the video against the YUV4MPEG2 layout: the header,
// then per frame "FRAME\n", a full-size Y plane and quarter-size Cb and Cr
// planes, with the colours converted as image/color converts them.
func TestWriteY4M(t *testing.T) {
	const w, h = 4, 2
	white := image.NewRGBA(image.Rect(0, 0, w, h))
	red := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			white.Set(x, y, color.White)
			red.Set(x, y, color.White)
			if x < 2 {
				red.Set(x, y, color.RGBA{R: 255, A: 255})
			}
		}
	}
	path := filepath.Join(t.TempDir(), "v.y4m")
	browsertest.WriteY4M(t, path, white, red)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	header := "YUV4MPEG2 W4 H2 F25:1 Ip A1:1 C420jpeg\n"
	if !bytes.HasPrefix(b, []byte(header)) {
		t.Fatalf("header %q", b[:min(len(b), 40)])
	}
	frame := 6 + w*h + 2*(w/2)*(h/2)
	if len(b) != len(header)+2*frame {
		t.Fatalf("%d bytes, want %d", len(b), len(header)+2*frame)
	}
	f1, f2 := b[len(header):len(header)+frame], b[len(header)+frame:]
	for _, f := range [][]byte{f1, f2} {
		if string(f[:6]) != "FRAME\n" {
			t.Fatalf("frame starts %q", f[:6])
		}
	}
	ry, rcb, rcr := color.RGBToYCbCr(255, 0, 0)
	t.Run("white", func(t *testing.T) {
		want := []byte{255, 255, 255, 255, 255, 255, 255, 255, 128, 128, 128, 128}
		if got := f1[6:]; !bytes.Equal(got, want) {
			t.Errorf("planes %v, want %v", got, want)
		}
	})
	t.Run("red left half", func(t *testing.T) {
		want := []byte{ry, ry, 255, 255, ry, ry, 255, 255, rcb, 128, rcr, 128}
		if got := f2[6:]; !bytes.Equal(got, want) {
			t.Errorf("planes %v, want %v", got, want)
		}
	})
}

// camPage starts the camera into a video and tells the colour at the
// middle of the picture, or why the camera could not be used.
var camPage = fstest.MapFS{
	"cam.html": {Data: []byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Camera</title>
<script type="module" src="cam.js"></script></head><body><main><h1>Camera</h1><video id="v" muted playsinline></video></main></body></html>`)},
	"cam.js": {Data: []byte(`
window.colour = async () => {
  let stream;
  try { stream = await navigator.mediaDevices.getUserMedia({ video: true }); } catch (e) { return e.name; }
  const v = document.getElementById('v');
  v.srcObject = stream;
  await v.play();
  while (v.readyState < 2 || !v.videoWidth) await new Promise((r) => setTimeout(r, 50));
  const c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d'); g.drawImage(v, 0, 0);
  const [r, gr, b] = g.getImageData(c.width / 2, c.height / 2, 1, 1).data;
  for (const t of stream.getTracks()) t.stop();
  v.srcObject = null;
  return c.width + 'x' + c.height + ' ' + (r > 200 && gr < 60 && b < 60 ? 'red' : b > 200 && r < 60 && gr < 60 ? 'blue' : 'other ' + [r, gr, b]);
};
`)},
}

// TestBrowser_FakeCamera: the camera plays the test's video, with no
// prompt; a video written anew plays on the next start; a refused camera
// is refused.
func TestBrowser_FakeCamera(t *testing.T) {
	srv := browsertest.StartServer(t, browsertest.ServerOptions{NoDemo: true, Files: map[string]fs.FS{"/c/": camPage}})
	video := filepath.Join(t.TempDir(), "camera.y4m")
	solid := func(c color.Color) image.Image {
		img := image.NewRGBA(image.Rect(0, 0, 320, 240))
		draw.Draw(img, img.Bounds(), image.NewUniform(c), image.Point{}, draw.Src)
		return img
	}
	browsertest.WriteY4M(t, video, solid(color.RGBA{R: 255, A: 255}))
	b := browsertest.NewWith(t, browsertest.Options{FakeCamera: video})
	ctx := b.Tab()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/c/cam.html")); err != nil {
		t.Fatal(err)
	}
	browsertest.WaitFor(t, ctx, "the page script", `typeof window.colour === 'function'`)
	if got := browsertest.Eval[string](t, ctx, `colour()`); got != "320x240 red" {
		t.Errorf("the camera shows %q, want the red video", got)
	}
	browsertest.WriteY4M(t, video, solid(color.RGBA{B: 255, A: 255}))
	if got := browsertest.Eval[string](t, ctx, `colour()`); got != "320x240 blue" {
		t.Errorf("after writing a blue video the camera shows %q", got)
	}
	browsertest.SetCameraPermission(t, ctx, srv.URL, false)
	if got := browsertest.Eval[string](t, ctx, `colour()`); got != "NotAllowedError" {
		t.Errorf("a refused camera gave %q", got)
	}
}
