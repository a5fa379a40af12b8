package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/demo"
	"github.com/continuity-care/continuity/syncproto"
)

// aimWireBytes is the most bytes on the wire per change the demo incident's
// initial sync may take, compressed.
const aimWireBytes = 150

// wireRounds is how many initial syncs each encoding's CPU cost is averaged
// over.
const wireRounds = 50

// wireResult is the demo incident's initial sync with one Accept-Encoding.
type wireResult struct {
	// Encoding is what the client accepted ("identity": nothing).
	Encoding string
	// Changes and Pages are what one sync took; Bytes the response bodies
	// as sent (compressed when the server compressed them).
	Changes, Pages int
	Bytes          int64
	// CPU is the process's CPU time (server and client alike) per sync,
	// averaged over wireRounds syncs.
	CPU time.Duration
}

// measureWire loads the demo scenario at path into a fresh server in dir
// (as `serve --demo` does), enrols a social worker granted its incident, and
// pulls the incident from no cursor at the default page size once per
// encoding, counting the bytes that crossed the wire, then wireRounds more
// times for the CPU cost.
func measureWire(ctx context.Context, cfg config, dir, path string) ([]wireResult, error) {
	sc, err := demo.Load(path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	srv, err := startServer(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	for start := 0; start < len(sc.Changes); start += syncproto.MaxPushChanges {
		end := min(start+syncproto.MaxPushChanges, len(sc.Changes))
		resp, err := srv.Sync.Push(ctx, care.SystemPrincipal, syncproto.PushRequest{Changes: sc.Changes[start:end]})
		if err != nil {
			return nil, fmt.Errorf("load the demo: %w", err)
		}
		for _, r := range resp.Results {
			if r.Status == syncproto.StatusRejected {
				return nil, fmt.Errorf("load the demo: change %s rejected: %v", r.ID, r.Error)
			}
		}
	}
	tok, err := srv.enrol(ctx, "sw-wire", "tab-wire", sc.IncidentID)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	var out []wireResult
	for _, enc := range []string{"identity", "gzip", "br"} {
		res := wireResult{Encoding: enc}
		for round := 0; round <= wireRounds; round++ {
			if round == 1 {
				runtime0, _ := processCPU()
				res.CPU = -runtime0
			}
			changes, pages, n, err := pullWire(ctx, client, srv.URL, tok, enc)
			if err != nil {
				return nil, fmt.Errorf("initial sync, %s: %w", enc, err)
			}
			if round == 0 {
				res.Changes, res.Pages, res.Bytes = changes, pages, n
			}
		}
		runtime1, _ := processCPU()
		res.CPU = (res.CPU + runtime1) / wireRounds
		cfg.logf("demo initial sync, %s: %d changes in %d pages, %d bytes", enc, res.Changes, res.Pages, res.Bytes)
		out = append(out, res)
	}
	return out, nil
}

// pullWire pulls from no cursor until has_more is false, accepting enc, and
// returns the changes, the pages and the body bytes as sent.
func pullWire(ctx context.Context, client *http.Client, base, token, enc string) (changes, pages int, n int64, err error) {
	cursor := ""
	for {
		u := base + "/v1/sync/pull?limit=" + strconv.Itoa(syncproto.DefaultPullLimit)
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return 0, 0, 0, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if enc != "identity" {
			req.Header.Set("Accept-Encoding", enc)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, 0, 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, 0, 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, 0, 0, fmt.Errorf("pull: status %d", resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Encoding"); got != "" && got != enc {
			return 0, 0, 0, fmt.Errorf("pull: Content-Encoding %q, asked for %q", got, enc)
		}
		n += int64(len(body))
		pages++
		plain, err := decodeBody(resp.Header.Get("Content-Encoding"), body)
		if err != nil {
			return 0, 0, 0, err
		}
		t, err := readTail(plain)
		if err != nil {
			return 0, 0, 0, err
		}
		count, err := countChanges(plain)
		if err != nil {
			return 0, 0, 0, err
		}
		changes += count
		if !t.HasMore {
			return changes, pages, n, nil
		}
		cursor = t.Cursor
	}
}

// writeWireReport prints the demo incident's initial sync by encoding.
func writeWireReport(w io.Writer, rs []wireResult) {
	for _, r := range rs {
		per := float64(r.Bytes) / float64(max(r.Changes, 1))
		aim, verdictText := "", ""
		if r.Encoding != "identity" {
			aim, verdictText = fmt.Sprintf("≤ %d bytes/change", aimWireBytes), verdict(per <= aimWireBytes)
		}
		fmt.Fprintf(w, "| demo incident's initial sync, Accept-Encoding %s (CPU per sync, client and server, %.1f ms) | %s changes in %d pages, %s bytes | | %.0f bytes/change | | %s | %s |\n",
			r.Encoding, float64(r.CPU.Microseconds())/1000, group(float64(r.Changes)), r.Pages, group(float64(r.Bytes)), per, aim, verdictText)
	}
}

// scenarioPath finds the demo scenario from the working folder or its
// parents (the bench runs from the repository root or from bench/).
func scenarioPath() string {
	for _, p := range []string{demo.DefaultPath, filepath.Join("..", demo.DefaultPath)} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// decodeBody undoes a response's Content-Encoding.
func decodeBody(enc string, b []byte) ([]byte, error) {
	switch enc {
	case "":
		return b, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case "br":
		return io.ReadAll(brotli.NewReader(bytes.NewReader(b)))
	}
	return nil, fmt.Errorf("Content-Encoding %q", enc)
}

// countChanges counts a pull page's changes.
func countChanges(page []byte) (int, error) {
	var p struct {
		Changes []json.RawMessage `json:"changes"`
	}
	if err := json.Unmarshal(page, &p); err != nil {
		return 0, err
	}
	return len(p.Changes), nil
}
