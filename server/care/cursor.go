package care

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Cursor is a device's position in the sync stream. Clients treat its encoded
// form as opaque. During an initial sync it walks the record state up to a
// snapshot head; after that it follows the change log.
type Cursor struct {
	// Position is the change-log position already delivered.
	Position int64 `json:"p"`
	// Initial is set while an initial (state) sync is in progress.
	Initial bool `json:"i,omitempty"`
	// AfterCollection and AfterID are the last record delivered by the
	// initial sync.
	AfterCollection string `json:"c,omitempty"`
	AfterID         string `json:"r,omitempty"`
	// All is set when the device could see every incident; otherwise
	// Scopes lists the incidents it could see when the cursor was issued.
	All    bool     `json:"a,omitempty"`
	Scopes []string `json:"s,omitempty"`
	// Backfill lists incidents newly granted whose state is being sent
	// (BackfillAll: every incident) before the log resumes at Position.
	Backfill    []string `json:"b,omitempty"`
	BackfillAll bool     `json:"ba,omitempty"`
}

// inState reports whether the cursor is walking record state.
func (c Cursor) inState() bool { return c.Initial || c.BackfillAll || len(c.Backfill) > 0 }

const cursorPrefix = "c1."

// Encode returns the opaque wire form.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return cursorPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor decodes a cursor's wire form.
func ParseCursor(s string) (Cursor, error) {
	var c Cursor
	if len(s) <= len(cursorPrefix) || s[:len(cursorPrefix)] != cursorPrefix {
		return c, fmt.Errorf("cursor %q was not issued by this server", s)
	}
	b, err := base64.RawURLEncoding.DecodeString(s[len(cursorPrefix):])
	if err != nil {
		return c, fmt.Errorf("cursor is corrupt: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Position < 0 {
		return c, fmt.Errorf("cursor is corrupt")
	}
	return c, nil
}
