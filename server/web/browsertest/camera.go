package browsertest

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"testing"
)

// WriteY4M writes frames as a YUV4MPEG2 video at 25 frames a second, the
// format Chromium's fake camera plays (Options.FakeCamera): the header
// "YUV4MPEG2 W H F25:1 Ip A1:1 C420jpeg", then for each frame "FRAME\n"
// and its Y, Cb and Cr planes, the chroma planes at half the width and
// height (each sample the mean of a 2×2 block). Every frame must have the
// first one's size, and both sides must be even.
func WriteY4M(t testing.TB, path string, frames ...image.Image) {
	t.Helper()
	if len(frames) == 0 {
		t.Fatal("browsertest: a video needs a frame")
	}
	size := frames[0].Bounds().Size()
	if size.X%2 != 0 || size.Y%2 != 0 || size.X == 0 || size.Y == 0 {
		t.Fatalf("browsertest: a 4:2:0 video needs even sides, not %v", size)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "YUV4MPEG2 W%d H%d F25:1 Ip A1:1 C420jpeg\n", size.X, size.Y)
	for i, fr := range frames {
		if fr.Bounds().Size() != size {
			f.Close()
			t.Fatalf("browsertest: frame %d is %v, the first is %v", i, fr.Bounds().Size(), size)
		}
		// Through RGBA, so any image (paletted, grey) reads the same way.
		rgba := image.NewRGBA(image.Rectangle{Max: size})
		draw.Draw(rgba, rgba.Bounds(), fr, fr.Bounds().Min, draw.Src)
		y := make([]byte, size.X*size.Y)
		cb := make([]byte, size.X*size.Y/4)
		cr := make([]byte, size.X*size.Y/4)
		for py := 0; py < size.Y; py++ {
			for px := 0; px < size.X; px++ {
				c := rgba.RGBAAt(px, py)
				y[py*size.X+px], _, _ = color.RGBToYCbCr(c.R, c.G, c.B)
			}
		}
		for py := 0; py < size.Y; py += 2 {
			for px := 0; px < size.X; px += 2 {
				var r, g, b int
				for _, p := range [4]image.Point{{px, py}, {px + 1, py}, {px, py + 1}, {px + 1, py + 1}} {
					c := rgba.RGBAAt(p.X, p.Y)
					r, g, b = r+int(c.R), g+int(c.G), b+int(c.B)
				}
				_, u, v := color.RGBToYCbCr(uint8((r+2)/4), uint8((g+2)/4), uint8((b+2)/4))
				i := py/2*(size.X/2) + px/2
				cb[i], cr[i] = u, v
			}
		}
		w.WriteString("FRAME\n")
		w.Write(y)
		w.Write(cb)
		w.Write(cr)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		t.Fatalf("browsertest: write %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("browsertest: write %s: %v", path, err)
	}
}
