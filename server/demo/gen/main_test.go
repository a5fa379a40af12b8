package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/continuity-care/continuity/syncproto/schema"
)

// TestGenerateReproducesCheckedInFile: running the generator again gives
// the checked-in scenario byte for byte.
func TestGenerateReproducesCheckedInFile(t *testing.T) {
	got, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "..", "testdata", "scenario", "scenario.json")
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go run ./server/demo/gen -out testdata/scenario/scenario.json from the repository root", path)
	}
	again, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, again) {
		t.Fatal("two runs differ")
	}
}

func TestNHSNumbers(t *testing.T) {
	ns := nhsNumbers(60)
	seen := map[string]bool{}
	for _, n := range ns {
		if !schema.ValidNHSNumber(n) || n[:3] != "999" || seen[n] {
			t.Fatalf("bad NHS number %s", n)
		}
		seen[n] = true
	}
}
