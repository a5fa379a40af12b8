package care

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Cursor is a device's position in the sync stream. Clients treat its encoded
// form as opaque, and it is: sealed (AES-256-GCM) with the server's cursor
// key, so a device cannot read the log position, which counts the changes
// committed in every incident. During an initial sync it walks the record
// state up to a snapshot head; after that it follows the change log.
type Cursor struct {
	// Epoch is the database's identity when the cursor was issued (see
	// NewEpoch): a cursor from before a restore is refused with
	// cursor_reset.
	Epoch string `json:"e,omitempty"`
	// Position is the change-log position already delivered. It is sealed
	// in a fixed eight bytes, so a cursor's length does not tell it.
	Position int64 `json:"-"`
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

// cursorPrefix starts every cursor this server issues: c3.<sealed>, the
// base64url of a random 12-byte nonce and the AES-256-GCM sealed cursor.
// (c1 cursors carried no MAC, c2 cursors a readable position: both are
// refused as invalid_cursor.)
const cursorPrefix = "c3."

// cursorKeyLabel derives a cursor's sealing key from a cursor key, so the
// key shared by replicas is never used directly as a cipher key.
const cursorKeyLabel = "continuity cursor seal v3"

// CursorKeySize is the size of a cursor key.
const CursorKeySize = 32

// MaxCursorLen bounds a cursor a client may send back.
const MaxCursorLen = 4096

// CursorCodec seals cursors and opens the ones clients send back. A cursor
// carries what the device could see when it was issued (its scopes, or
// "every incident"), which the next pull compares with what it may see now,
// and a log position that must stay private; so a cursor is sealed with an
// AEAD and one the server did not issue, or one edited, is refused. The
// first key seals; every key opens, so keys can be rotated without
// refusing cursors in flight.
type CursorCodec struct {
	aeads []cipher.AEAD
}

// NewCursorCodec returns a codec over keys (the first seals), each
// CursorKeySize bytes.
func NewCursorCodec(keys ...[]byte) (*CursorCodec, error) {
	if len(keys) == 0 {
		return nil, errors.New("cursor codec: no key")
	}
	k := &CursorCodec{}
	for i, key := range keys {
		if len(key) != CursorKeySize {
			return nil, fmt.Errorf("cursor codec: key %d is %d bytes, want %d", i, len(key), CursorKeySize)
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(cursorKeyLabel))
		block, err := aes.NewCipher(m.Sum(nil))
		if err != nil {
			return nil, fmt.Errorf("cursor codec: %w", err)
		}
		a, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("cursor codec: %w", err)
		}
		k.aeads = append(k.aeads, a)
	}
	return k, nil
}

// RandomCursorCodec returns a codec with a fresh random key: cursors it
// issues are valid only in this process. Servers use keys shared by every
// replica instead (auth.KeySet.CursorKeys).
func RandomCursorCodec() *CursorCodec {
	key := make([]byte, CursorKeySize)
	if _, err := rand.Read(key); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	k, err := NewCursorCodec(key)
	if err != nil {
		panic(err)
	}
	return k
}

// Encode returns the opaque, sealed wire form of c.
func (k *CursorCodec) Encode(c Cursor) string {
	b, _ := json.Marshal(c)
	a := k.aeads[0]
	plain := make([]byte, 8, 8+len(b))
	binary.BigEndian.PutUint64(plain, uint64(c.Position))
	plain = append(plain, b...)
	out := make([]byte, a.NonceSize(), a.NonceSize()+len(plain)+a.Overhead())
	if _, err := rand.Read(out); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	out = a.Seal(out, out, plain, []byte(cursorPrefix))
	return cursorPrefix + base64.RawURLEncoding.EncodeToString(out)
}

// ErrCursor is wrapped by every reason a cursor is refused.
var ErrCursor = errors.New("cursor was not issued by this server or has been changed")

// Decode opens a sealed cursor and returns it. It does not judge the
// cursor's epoch: Sync does, against the database's.
func (k *CursorCodec) Decode(s string) (Cursor, error) {
	var c Cursor
	if len(s) > MaxCursorLen || !strings.HasPrefix(s, cursorPrefix) {
		return c, ErrCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(s[len(cursorPrefix):])
	if err != nil || base64.RawURLEncoding.EncodeToString(raw) != s[len(cursorPrefix):] {
		// (The decoder skips CR and LF and ignores stray low bits: only
		// the form the server wrote is accepted.)
		return c, ErrCursor
	}
	for _, a := range k.aeads {
		if len(raw) < a.NonceSize()+a.Overhead()+8 {
			return c, ErrCursor
		}
		plain, err := a.Open(nil, raw[:a.NonceSize()], raw[a.NonceSize():], []byte(cursorPrefix))
		if err != nil {
			continue
		}
		if err := json.Unmarshal(plain[8:], &c); err != nil {
			return Cursor{}, fmt.Errorf("%w: corrupt", ErrCursor)
		}
		c.Position = int64(binary.BigEndian.Uint64(plain[:8]))
		if c.Position < 0 {
			return Cursor{}, fmt.Errorf("%w: corrupt", ErrCursor)
		}
		return c, nil
	}
	return c, ErrCursor
}
