package care

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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

// cursorPrefix starts every cursor this server issues: c2.<payload>.<mac>.
// (c1 cursors carried no MAC and are refused.)
const cursorPrefix = "c2."

// CursorKeySize is the size of a cursor MAC key.
const CursorKeySize = 32

// MaxCursorLen bounds a cursor a client may send back.
const MaxCursorLen = 4096

// CursorCodec encodes cursors and checks the ones clients send back. A
// cursor carries what the device could see when it was issued (its scopes,
// or "every incident"), which the next pull compares with what it may see
// now; so a cursor is signed with HMAC-SHA256 and one the server did not
// issue, or one edited, is refused. The first key signs; every key
// verifies, so keys can be rotated without refusing cursors in flight.
type CursorCodec struct {
	keys [][]byte
}

// NewCursorCodec returns a codec over keys (the first signs), each
// CursorKeySize bytes.
func NewCursorCodec(keys ...[]byte) (*CursorCodec, error) {
	if len(keys) == 0 {
		return nil, errors.New("cursor codec: no key")
	}
	for i, k := range keys {
		if len(k) != CursorKeySize {
			return nil, fmt.Errorf("cursor codec: key %d is %d bytes, want %d", i, len(k), CursorKeySize)
		}
	}
	return &CursorCodec{keys: keys}, nil
}

// RandomCursorCodec returns a codec with a fresh random key: cursors it
// issues are valid only in this process. Servers use keys shared by every
// replica instead (auth.KeySet.CursorKeys).
func RandomCursorCodec() *CursorCodec {
	k := make([]byte, CursorKeySize)
	if _, err := rand.Read(k); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return &CursorCodec{keys: [][]byte{k}}
}

func cursorMAC(key []byte, signed string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signed))
	return m.Sum(nil)
}

// Encode returns the opaque, signed wire form of c.
func (k *CursorCodec) Encode(c Cursor) string {
	b, _ := json.Marshal(c)
	signed := cursorPrefix + base64.RawURLEncoding.EncodeToString(b)
	return signed + "." + base64.RawURLEncoding.EncodeToString(cursorMAC(k.keys[0], signed))
}

// ErrCursor is wrapped by every reason a cursor is refused.
var ErrCursor = errors.New("cursor was not issued by this server or has been changed")

// Decode checks a cursor's signature and returns it.
func (k *CursorCodec) Decode(s string) (Cursor, error) {
	var c Cursor
	if len(s) > MaxCursorLen || !strings.HasPrefix(s, cursorPrefix) {
		return c, ErrCursor
	}
	dot := strings.LastIndexByte(s, '.')
	if dot < len(cursorPrefix) {
		return c, ErrCursor
	}
	signed := s[:dot]
	mac, err := base64.RawURLEncoding.DecodeString(s[dot+1:])
	if err != nil || base64.RawURLEncoding.EncodeToString(mac) != s[dot+1:] {
		// (The decoder skips CR and LF and ignores stray low bits: only
		// the form the server wrote is accepted.)
		return c, ErrCursor
	}
	ok := false
	for _, key := range k.keys {
		if hmac.Equal(mac, cursorMAC(key, signed)) {
			ok = true
			break
		}
	}
	if !ok {
		return c, ErrCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(signed[len(cursorPrefix):])
	if err != nil {
		return c, fmt.Errorf("%w: %w", ErrCursor, err)
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Position < 0 {
		return Cursor{}, fmt.Errorf("%w: corrupt", ErrCursor)
	}
	return c, nil
}

// Position returns the log position of a cursor the server issued, or 0
// when s is empty or not such a cursor.
func (k *CursorCodec) Position(s string) int64 {
	if s == "" {
		return 0
	}
	c, err := k.Decode(s)
	if err != nil {
		return 0
	}
	return c.Position
}

// PeekPosition reads the log position of a cursor without checking its
// signature: for tools that watch a server from outside (benches, soak
// tests). A server never trusts a cursor read this way.
func PeekPosition(s string) (int64, error) {
	dot := strings.LastIndexByte(s, '.')
	if !strings.HasPrefix(s, cursorPrefix) || dot < len(cursorPrefix) {
		return 0, ErrCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s[len(cursorPrefix):dot])
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrCursor, err)
	}
	var c Cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return 0, fmt.Errorf("%w: corrupt", ErrCursor)
	}
	return c.Position, nil
}
