// Package auth issues and verifies Continuity's access tokens: EdDSA
// (Ed25519) JWTs carrying the user, role, device and incident scopes, signed
// by one of a set of keys named by kid so keys can be rotated without logging
// every tablet out.
package auth

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// KeyFileName is the name of the signing-key file in the data folder.
const KeyFileName = "signing-keys.json"

// EnvKeys is the environment variable that, when set, supplies the signing
// keys instead of the key file: comma-separated kid:base64url(seed) pairs, the
// first signing new tokens. Several server replicas share keys this way.
const EnvKeys = "CONTINUITY_SIGNING_KEYS"

// Key is one Ed25519 signing key.
type Key struct {
	ID      string    `json:"kid"`
	Seed    []byte    `json:"seed"`
	Created time.Time `json:"created"`
	private ed25519.PrivateKey
}

// KeySet holds the keys that verify tokens; the first signs new ones.
type KeySet struct {
	keys []Key
}

// NewKey generates a key named after its creation time.
func NewKey(now time.Time) (Key, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return Key{}, fmt.Errorf("generate key: %w", err)
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	k := Key{ID: now.UTC().Format("20060102T150405Z") + "-" + base64.RawURLEncoding.EncodeToString(suffix), Seed: seed, Created: now.UTC()}
	k.private = ed25519.NewKeyFromSeed(seed)
	return k, nil
}

// NewKeySet builds a key set; keys[0] signs.
func NewKeySet(keys ...Key) (*KeySet, error) {
	if len(keys) == 0 {
		return nil, errors.New("auth: a key set needs at least one key")
	}
	seen := map[string]bool{}
	for i := range keys {
		k := &keys[i]
		if len(k.Seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("auth: key %q: seed must be %d bytes", k.ID, ed25519.SeedSize)
		}
		if k.ID == "" || seen[k.ID] {
			return nil, fmt.Errorf("auth: key ids must be unique and non-empty (%q)", k.ID)
		}
		seen[k.ID] = true
		k.private = ed25519.NewKeyFromSeed(k.Seed)
	}
	return &KeySet{keys: keys}, nil
}

// Signing returns the key that signs new tokens.
func (s *KeySet) Signing() Key { return s.keys[0] }

// Lookup returns the public key for a kid.
func (s *KeySet) Lookup(kid string) (ed25519.PublicKey, bool) {
	for _, k := range s.keys {
		if k.ID == kid {
			return k.private.Public().(ed25519.PublicKey), true
		}
	}
	return nil, false
}

// IDs returns the key ids, signing key first.
func (s *KeySet) IDs() []string {
	out := make([]string, len(s.keys))
	for i, k := range s.keys {
		out[i] = k.ID
	}
	return out
}

type keyFile struct {
	Keys []Key `json:"keys"`
}

// LoadKeys returns the signing keys for a data folder: from EnvKeys when set,
// else from the key file, which is created (mode 0600) with a new key when
// missing.
func LoadKeys(dataDir string, now time.Time) (*KeySet, error) {
	if v := strings.TrimSpace(os.Getenv(EnvKeys)); v != "" {
		return ParseKeys(v)
	}
	path := filepath.Join(dataDir, KeyFileName)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		k, err := NewKey(now)
		if err != nil {
			return nil, err
		}
		if err := WriteKeys(path, []Key{k}); err != nil {
			return nil, err
		}
		return NewKeySet(k)
	case err != nil:
		return nil, fmt.Errorf("read signing keys: %w", err)
	}
	var f keyFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("read signing keys %s: %w", path, err)
	}
	return NewKeySet(f.Keys...)
}

// WriteKeys writes a key file with mode 0600, replacing it atomically.
func WriteKeys(path string, keys []Key) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	b, err := json.MarshalIndent(keyFile{Keys: keys}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode keys: %w", err)
	}
	tmp := path + ".tmp"
	_ = os.Remove(tmp) // a leftover would keep its own mode
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write signing keys: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("write signing keys: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write signing keys: %w", err)
	}
	return nil
}

// ParseKeys parses the EnvKeys form: kid:base64url(seed)[,kid:seed...].
func ParseKeys(v string) (*KeySet, error) {
	var keys []Key
	for _, part := range strings.Split(v, ",") {
		kid, enc, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, fmt.Errorf("auth: %s entries are kid:base64url-seed", EnvKeys)
		}
		seed, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(enc, "="))
		if err != nil {
			return nil, fmt.Errorf("auth: %s key %q: %w", EnvKeys, kid, err)
		}
		keys = append(keys, Key{ID: kid, Seed: seed})
	}
	return NewKeySet(keys...)
}

// FormatKeys returns keys in the EnvKeys form ParseKeys reads:
// kid:base64url(seed), comma-separated, the signing key first.
func FormatKeys(keys []Key) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.ID + ":" + base64.RawURLEncoding.EncodeToString(k.Seed)
	}
	return strings.Join(parts, ",")
}

// All returns the keys, signing key first.
func (s *KeySet) All() []Key { return append([]Key(nil), s.keys...) }

// cursorKeyInfo names the cursor MAC key in its derivation from a signing
// key (HKDF-SHA256, RFC 5869): a fixed, versioned label, so the same signing
// key always gives the same cursor key and no other key.
const cursorKeyInfo = "continuity cursor mac v1"

// CursorKeys returns the keys that sign and verify pull cursors, one per
// signing key and in the same order (the first signs): each is derived from
// its signing key's seed with HKDF-SHA256. Replicas that share the signing
// keys (CONTINUITY_SIGNING_KEYS), as they must for tokens, so share the
// cursor keys; no further secret is kept anywhere.
func (s *KeySet) CursorKeys() [][]byte {
	out := make([][]byte, len(s.keys))
	for i, k := range s.keys {
		key, err := hkdf.Key(sha256.New, k.Seed, nil, cursorKeyInfo, 32)
		if err != nil {
			panic(fmt.Sprintf("hkdf: %v", err)) // only for lengths over 255*32
		}
		out[i] = key
	}
	return out
}
