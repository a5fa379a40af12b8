package browsertest_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/continuity-care/continuity/server/web/browsertest"
)

// picture is a w×h white PNG with the first n pixels of its top rows black.
func picture(t *testing.T, w, h, n int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		c := color.RGBA{255, 255, 255, 255}
		if i < n {
			c = color.RGBA{0, 0, 0, 255}
		}
		img.Set(i%w, i/w, c)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSamePicture(t *testing.T) {
	base := picture(t, 100, 100, 0)
	for _, tc := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"identical", picture(t, 100, 100, 0), true},
		{"a clock's worth of pixels (100 of 10,000)", picture(t, 100, 100, 100), true},
		{"a changed screen (101 of 10,000)", picture(t, 100, 100, 101), false},
		{"another size", picture(t, 100, 101, 0), false},
		{"not a PNG", []byte("not a png"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := browsertest.SamePicture(base, tc.b, browsertest.ScreenshotTolerance); got != tc.want {
				t.Fatalf("SamePicture = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSaveScreenshot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docs", "screen.png")
	first := picture(t, 100, 100, 0)
	if !browsertest.SaveScreenshot(t, path, first) {
		t.Fatal("a new screenshot was not written")
	}
	if browsertest.SaveScreenshot(t, path, picture(t, 100, 100, 10)) {
		t.Fatal("a screenshot differing only in a few pixels was rewritten")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, first) {
		t.Fatal("the saved file changed")
	}
	changed := picture(t, 100, 100, 2000)
	if !browsertest.SaveScreenshot(t, path, changed) {
		t.Fatal("a changed screen was not written")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, changed) {
		t.Fatal("the changed screen is not what was saved")
	}
}

func TestSaveScreenshotIgnoring(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docs", "screen.png")
	first := picture(t, 100, 100, 0)
	browsertest.SaveScreenshot(t, path, first)
	// The first 20 rows differ (20% of the pixels): a new code and QR code.
	code := []image.Rectangle{image.Rect(0, 0, 100, 20)}
	if browsertest.SaveScreenshotIgnoring(t, path, picture(t, 100, 100, 2000), code) {
		t.Fatal("a screenshot differing only where the screen shows something new each run was rewritten")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, first) {
		t.Fatal("the saved file changed")
	}
	// Outside the rectangle the same change counts.
	if !browsertest.SaveScreenshotIgnoring(t, path, picture(t, 100, 100, 2000), []image.Rectangle{image.Rect(0, 50, 100, 70)}) {
		t.Fatal("a changed screen was not written")
	}
}
