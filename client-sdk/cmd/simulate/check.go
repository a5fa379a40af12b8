package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	continuity "github.com/continuity-care/continuity/client-sdk"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/continuity-care/continuity/syncproto/schema"
)

// auditor reads the server as the back-office user (scope *), through a
// device of its own: the tablet's refresh token is single use and belongs
// to its SDK.
type auditor struct {
	url    string
	hc     *http.Client
	tokens continuity.TokenSource
}

// memTokens keeps the auditor's tokens in memory.
type memTokens struct {
	mu                sync.Mutex
	refresh, access   string
	accessExpiresAtMs int64
}

func (m *memTokens) LoadTokens() (string, string, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.refresh, m.access, m.accessExpiresAtMs, nil
}

func (m *memTokens) SaveTokens(refresh, access string, exp int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refresh, m.access, m.accessExpiresAtMs = refresh, access, exp
	return nil
}

// get calls the API and decodes the answer, refreshing the token once on 401.
func (a *auditor) get(ctx context.Context, path string, q url.Values, out any) error {
	u := a.url + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	for attempt := 0; ; attempt++ {
		tok, err := a.tokens.Token(ctx)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := a.hc.Do(req)
		if err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			a.tokens.Invalidate()
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(b)))
		}
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		return nil
	}
}

// state does a fresh initial sync and merges what it receives into record
// states, as a new device would hold them.
func (a *auditor) state(ctx context.Context) (map[string]*syncproto.Record, error) {
	recs := map[string]*syncproto.Record{}
	cursor := ""
	for {
		q := url.Values{"limit": {"1000"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page syncproto.PullResponse
		if err := a.get(ctx, "/v1/sync/pull", q, &page); err != nil {
			return nil, err
		}
		for _, c := range page.Changes {
			k := c.Collection + "/" + c.RecordID
			if recs[k] == nil {
				recs[k] = syncproto.NewRecord(c.Collection, c.RecordID)
			}
			recs[k].Apply(c)
		}
		if !page.HasMore {
			return recs, nil
		}
		if page.Cursor == "" || page.Cursor == cursor {
			return nil, fmt.Errorf("pull: the server returned no new cursor")
		}
		cursor = page.Cursor
	}
}

// conflict is a conflict record as GET /v1/conflicts lists it.
type conflict struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Field  string `json:"field"`
	Values []struct {
		DeviceID string `json:"device_id"`
	} `json:"values"`
}

// conflicts lists an incident's conflict records.
func (a *auditor) conflicts(ctx context.Context, incident string) ([]conflict, error) {
	var out struct {
		Conflicts []conflict `json:"conflicts"`
	}
	err := a.get(ctx, "/v1/conflicts", url.Values{"incident_id": {incident}}, &out)
	return out.Conflicts, err
}

// view is a set of records' current values: "collection/id" → field → value.
type view map[string]map[string]any

func decodeObject(raw []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// deviceView reads every record a device holds, collection by collection.
func deviceView(c *continuity.Client, collections []string) (view, error) {
	v := view{}
	for _, col := range collections {
		l, err := c.List(col, "")
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", col, err)
		}
		for i := 0; i < l.Len(); i++ {
			r := l.At(i)
			m, err := decodeObject([]byte(r.FieldsJSON))
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", col, r.ID, err)
			}
			v[col+"/"+r.ID] = m
		}
	}
	return v, nil
}

// expectedView is what a device with role and incident grants (nil: every
// incident) should hold of the server's state: the live records of the
// collections it may read, of its incidents or of no incident.
func expectedView(state map[string]*syncproto.Record, reg *schema.Registry, role string, incidents []string) (view, error) {
	v := view{}
	for k, r := range state {
		if !r.Exists() || r.Deleted() || !access.CanRead(role, r.Collection) {
			continue
		}
		col, ok := reg.Collection(r.Collection)
		if !ok {
			continue
		}
		if col.ScopeField != "" && incidents != nil && !slices.Contains(incidents, schema.StringValue(r, col.ScopeField)) {
			continue
		}
		b, err := json.Marshal(r.Object())
		if err != nil {
			return nil, err
		}
		m, err := decodeObject(b)
		if err != nil {
			return nil, err
		}
		v[k] = m
	}
	return v, nil
}

// difference describes the first difference between two views ("" when
// they are equal by JSON meaning), and how many records differ.
func difference(want, got view) (string, int) {
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	first, n := "", 0
	for _, k := range keys {
		w, inW := want[k]
		g, inG := got[k]
		var d string
		switch {
		case !inG:
			d = k + " is on the server but not on the device"
		case !inW:
			d = k + " is on the device but not on the server"
		case !reflect.DeepEqual(w, g):
			d = k + " differs: " + fieldDiff(w, g)
		default:
			continue
		}
		n++
		if first == "" {
			first = d
		}
	}
	return first, n
}

func fieldDiff(want, got map[string]any) string {
	var names []string
	for k := range want {
		names = append(names, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, f := range names {
		if !reflect.DeepEqual(want[f], got[f]) {
			wb, _ := json.Marshal(want[f])
			gb, _ := json.Marshal(got[f])
			return fmt.Sprintf("%s is %s on the server, %s on the device", f, clip(string(wb)), clip(string(gb)))
		}
	}
	return "?"
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
