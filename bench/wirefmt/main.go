// Command wirefmt measures what a denser pull format would save on the
// wire, before and after compression: the demo incident's initial sync is
// pulled from the real server (on-disk SQLite, the demo loaded as serve
// --demo loads it) as one page in the pinned v1 format, then re-encoded
// with each candidate, and every encoding's bytes per change are printed
// raw, gzipped and brotli-compressed at the levels the server uses (gzip
// 6, br 4: Fiber's compress middleware at its defaults).
//
//	go run ./bench/wirefmt
//	go run ./bench/wirefmt --home    # the 60-resident home with a week of records (demo.Home)
//
// The candidates (docs/protocol.md, "Wire format: denser encodings
// measured"):
//
//   - no defaults: a change's fields equal to false, 0, "", [], {} or null
//     left out (an upper bound: under per-field last-writer-wins an absent
//     field and a field written false differ, so a real format would have
//     to mark them);
//   - page values: changes grouped by collection (the collection named once
//     a group), "op" left out when upsert, "device_id" and the fields'
//     "incident_id" left out when they equal the page's most common value,
//     and "recorded_at" left out when it is the HLC's wall time;
//   - short keys: the envelope's keys cut to one letter;
//   - all three.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/server/web/consoletest"
)

func main() {
	home := flag.Bool("home", false, "measure the 60-resident home with a week of records instead of the demo incident")
	root := flag.String("root", ".", "repository root (for the demo scenario)")
	flag.Parse()
	if err := run(*root, *home); err != nil {
		fmt.Fprintln(os.Stderr, "wirefmt:", err)
		os.Exit(1)
	}
}

func run(root string, home bool) error {
	sc, err := demo.Load(filepath.Join(root, demo.DefaultPath))
	if err != nil {
		return err
	}
	name := "the demo incident"
	if home {
		if sc, err = demo.Home(sc, 60, 7); err != nil {
			return err
		}
		name = "the 60-resident home, a week of records"
	}
	page, err := pull(root, sc)
	if err != nil {
		return err
	}
	var p struct {
		Changes []map[string]any `json:"changes"`
		Cursor  string           `json:"cursor"`
		HasMore bool             `json:"has_more"`
	}
	if err := json.Unmarshal(page, &p); err != nil {
		return err
	}
	n := len(p.Changes)
	fmt.Printf("initial sync of %s: %d changes in one page (v1, as served: %d bytes)\n\n", name, n, len(page))
	fmt.Printf("%-34s %12s %12s %12s   %s\n", "encoding (bytes per change)", "raw", "gzip 6", "br 4", "saving after br")
	// The baseline is v1 re-encoded by the same encoder as the candidates
	// (key order and escaping alike), so only the format differs.
	base, err := encode(p.Changes, p.Cursor, p.HasMore, false, false, false)
	if err != nil {
		return err
	}
	_, _, baseBr := sizes(base)
	for _, c := range []struct {
		name             string
		noDefaults, page bool
		short            bool
	}{
		{"v1", false, false, false},
		{"no defaults", true, false, false},
		{"page values", false, true, false},
		{"short keys", false, false, true},
		{"all three", true, true, true},
	} {
		b, err := encode(p.Changes, p.Cursor, p.HasMore, c.noDefaults, c.page, c.short)
		if err != nil {
			return err
		}
		raw, gz, br := sizes(b)
		fmt.Printf("%-34s %12.1f %12.1f %12.1f   %+.1f%%\n", c.name, float64(raw)/float64(n), float64(gz)/float64(n), float64(br)/float64(n), 100*float64(br-baseBr)/float64(baseBr))
	}
	return nil
}

// pull loads sc into a fresh server and pulls it as a social worker of its
// incident, in one page, uncompressed.
func pull(root string, sc demo.Scenario) ([]byte, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "wirefmt-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	srv, err := consoletest.StartWith(ctx, dir, root, nil, consoletest.Options{Scenario: &sc})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	if err := srv.User(ctx, "sw", "social_worker", srv.Incident); err != nil {
		return nil, err
	}
	tok, err := srv.Token(ctx, "sw", "social_worker", "tab-wirefmt", time.Hour)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/sync/pull?limit=5000", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" {
		return nil, fmt.Errorf("pull: %d %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	return b, nil
}

// sizes is b's length raw, gzipped at 6 and brotli-compressed at 4.
func sizes(b []byte) (raw, gz, br int) {
	var g bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&g, 6)
	_, _ = zw.Write(b)
	_ = zw.Close()
	var r bytes.Buffer
	bw := brotli.NewWriterLevel(&r, 4)
	_, _ = bw.Write(b)
	_ = bw.Close()
	return len(b), g.Len(), r.Len()
}

// mostCommon is the most common string value of key among the changes
// (read from the fields when inFields).
func mostCommon(changes []map[string]any, key string, inFields bool) string {
	count := map[string]int{}
	for _, c := range changes {
		m := c
		if inFields {
			m, _ = c["fields"].(map[string]any)
		}
		if v, ok := m[key].(string); ok {
			count[v]++
		}
	}
	best, n := "", 0
	for v, k := range count {
		if k > n || (k == n && v < best) {
			best, n = v, k
		}
	}
	return best
}

// isDefault reports a value equal to its kind's zero.
func isDefault(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// hlcWall is the wall time (ms) of an HLC's wire form.
func hlcWall(h string) (int64, bool) {
	w, _, ok := strings.Cut(h, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(w, 10, 64)
	return n, err == nil
}

// encode writes the changes in a candidate format.
func encode(changes []map[string]any, cursor string, hasMore, noDefaults, page, short bool) ([]byte, error) {
	key := func(k string) string {
		if !short {
			return k
		}
		return map[string]string{"id": "i", "collection": "c", "record_id": "r", "op": "o", "fields": "f", "hlc": "h", "recorded_at": "t", "device_id": "d"}[k]
	}
	device, incident := mostCommon(changes, "device_id", false), mostCommon(changes, "incident_id", true)
	var out []map[string]any
	groups := map[string][]map[string]any{}
	var order []string
	for _, c := range changes {
		e := map[string]any{}
		for k, v := range c {
			if k == "fields" {
				f := map[string]any{}
				for fk, fv := range v.(map[string]any) {
					if noDefaults && isDefault(fv) {
						continue
					}
					if page && fk == "incident_id" && fv == incident {
						continue
					}
					f[fk] = fv
				}
				v = f
			}
			if page {
				switch k {
				case "collection":
					continue
				case "op":
					if v == "upsert" {
						continue
					}
				case "device_id":
					if v == device {
						continue
					}
				case "recorded_at":
					if t, err := time.Parse(time.RFC3339Nano, v.(string)); err == nil {
						if w, ok := hlcWall(c["hlc"].(string)); ok && w == t.UnixMilli() {
							continue
						}
					}
				}
			}
			e[key(k)] = v
		}
		if page {
			col := c["collection"].(string)
			if _, ok := groups[col]; !ok {
				order = append(order, col)
			}
			groups[col] = append(groups[col], e)
		} else {
			out = append(out, e)
		}
	}
	if !page {
		return json.Marshal(map[string]any{"changes": out, "cursor": cursor, "has_more": hasMore})
	}
	sort.Strings(order)
	var gs []map[string]any
	for _, col := range order {
		gs = append(gs, map[string]any{"collection": col, "changes": groups[col]})
	}
	return json.Marshal(map[string]any{"defaults": map[string]any{"device_id": device, "incident_id": incident}, "groups": gs, "cursor": cursor, "has_more": hasMore})
}
