package postgres

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/continuity-care/continuity/syncproto"
)

// PostgreSQL's text cannot hold U+0000, and its JSON functions refuse the
// escape \u0000 and unpaired surrogate escapes such as \ud800 in any document
// they read. One such change stored would break every later push that indexes
// or looks up its record's collection, so a change carrying one is
// quarantined instead (SQLite stores it).

// unstorableChange returns the rejection for a change whose encoded form
// PostgreSQL could not store and query, naming the field where it can.
func unstorableChange(c syncproto.Change, body []byte) *syncproto.Error {
	for name, v := range c.Fields {
		if why := unstorable(v); why != "" {
			return syncproto.Errorf(syncproto.CodeInvalidValue, "fields."+name, "this value cannot be stored: it %s", why)
		}
	}
	if strings.ContainsRune(c.Seen, 0) || !utf8.ValidString(c.Seen) {
		return syncproto.Errorf(syncproto.CodeInvalidValue, "seen", "seen cannot be stored: it contains U+0000 or invalid UTF-8")
	}
	if why := unstorable(body); why != "" {
		return syncproto.Errorf(syncproto.CodeInvalidValue, "", "this change cannot be stored: it %s", why)
	}
	return nil
}

// unstorable says why PostgreSQL could not store or query the JSON text b,
// or returns "".
func unstorable(b []byte) string {
	if !utf8.Valid(b) {
		return "is not valid UTF-8"
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return "contains U+0000"
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		i++
		if i >= len(b) || b[i] != 'u' {
			continue
		}
		r, ok := hex4(b[i+1:])
		if !ok {
			continue
		}
		i += 4
		switch {
		case r == 0:
			return `contains \u0000`
		case r >= 0xD800 && r <= 0xDBFF:
			if i+2 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
				if lo, ok := hex4(b[i+3:]); ok && lo >= 0xDC00 && lo <= 0xDFFF {
					i += 6
					continue
				}
			}
			return "contains an unpaired surrogate escape"
		case r >= 0xDC00 && r <= 0xDFFF:
			return "contains an unpaired surrogate escape"
		}
	}
	return ""
}

// hex4 decodes the four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// clean makes s storable as text: invalid UTF-8 and U+0000 become U+FFFD.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// rawText is a rejected change as kept in the quarantine: exactly as sent
// when it is valid JSON in valid UTF-8, else as a JSON string.
func rawText(raw []byte) string {
	if json.Valid(raw) && utf8.Valid(raw) {
		return string(raw)
	}
	q, _ := json.Marshal(string(raw))
	return string(q)
}
