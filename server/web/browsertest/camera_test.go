package browsertest_test

import (
	"bytes"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

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
