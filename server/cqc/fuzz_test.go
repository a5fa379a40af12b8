package cqc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics and keeps its promises on any
// input: no error but ErrNoHeader (the reader never fails here), rows in file
// order with line numbers inside the file, only valid rows imported, and
// Read == Imported + Skipped. Seeds: the fixtures, plus the corpus under
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"directory.csv", "directory_with_filters.csv", "hsca_active_locations.csv"} {
		b, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(header + "\n" + row("A", `"1 Road`, "DE1 1AA", "", "1-1") + "\n" + row("B", "x", "DE1 1AB", "", "1-2")))
	f.Add([]byte(header + "\r\n" + row("A", "\"1\r\nRoad\"", "DE1 1AA", "09/Jan/2018 - 00:00", "1-1") + "\r\n"))
	f.Add([]byte(header + "\n" + row("Nul\x00Care", "1 Road\x00", "DE1 1AA", "", "1-1") + "\n"))
	f.Add([]byte(header + "\n" + row("Caf\xe9 \xed\xa0\x80", "1 Road", "DE1 1AA", "", "1-1") + "\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		maxLine := bytes.Count(data, []byte("\n")) + 1
		lastLine := 0
		rep, err := Parse(context.Background(), bytes.NewReader(data), func(l Location) error {
			if l.Line <= lastLine || l.Line > maxLine {
				t.Fatalf("row on line %d after line %d, file has %d lines", l.Line, lastLine, maxLine)
			}
			lastLine = l.Line
			if !idRe.MatchString(l.LocationID) || !idRe.MatchString(l.ProviderID) || l.Name == "" {
				t.Fatalf("invalid row imported: %+v", l)
			}
			if _, ok := normPostcode(l.Postcode); !ok {
				t.Fatalf("invalid postcode imported: %q", l.Postcode)
			}
			if l.Beds < 0 {
				t.Fatalf("negative beds imported: %d", l.Beds)
			}
			// Every string becomes a field of a pushed change, which the
			// server refuses unless it is UTF-8 text without U+0000.
			texts := append([]string{l.LocationID, l.ProviderID, l.Name, l.AlsoKnownAs, l.Address, l.Postcode, l.Phone, l.Website, l.ProviderName}, append(l.ServiceTypes, l.Specialisms...)...)
			for _, s := range texts {
				if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
					t.Fatalf("imported text the server would refuse: %q", s)
				}
			}
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrNoHeader) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if rep.Read != rep.Imported+rep.Skipped {
			t.Fatalf("Read %d != Imported %d + Skipped %d", rep.Read, rep.Imported, rep.Skipped)
		}
		if rep.Skipped > 0 && len(rep.Errors)+rep.ErrorsOmitted < rep.Skipped {
			t.Fatalf("%d rows skipped but only %d errors", rep.Skipped, len(rep.Errors)+rep.ErrorsOmitted)
		}
		prev := rep.HeaderLine
		for _, e := range rep.Errors {
			if e.Line < prev || e.Line > maxLine || e.Message == "" {
				t.Fatalf("error %v out of order or range (previous line %d, file has %d lines)", e, prev, maxLine)
			}
			prev = e.Line
		}
	})
}
