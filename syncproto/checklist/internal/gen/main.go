// Command gen writes the Management Checklist data file from seed 003.
//
// Run from the module root:
//
//	go run ./syncproto/checklist/internal/gen -seed ../shared/seeds/003_58835c1acd8127e6.txt -out syncproto/checklist/appendix2.json
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/continuity-care/continuity/syncproto/checklist/internal/parse"
)

func main() {
	seed := flag.String("seed", "../shared/seeds/003_58835c1acd8127e6.txt", "path of seed 003")
	out := flag.String("out", "syncproto/checklist/appendix2.json", "path of the JSON data file to write")
	flag.Parse()
	if err := run(*seed, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(seed, out string) error {
	text, err := os.ReadFile(seed)
	if err != nil {
		return err
	}
	f, err := parse.Parse(string(text), filepath.Base(seed))
	if err != nil {
		return err
	}
	b, err := parse.Encode(f)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %d sections, %d items -> %s\n", len(f.Sections), len(f.Items), out)
	for _, n := range f.Notes {
		fmt.Fprintln(os.Stderr, "gen: note:", n)
	}
	return nil
}
