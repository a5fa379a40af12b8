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
}

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
