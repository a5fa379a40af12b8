package oidc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// sealer encrypts and authenticates what the server hands out or keeps
// (the sign-in cookie, the provider's tokens at rest) with AES-256-GCM under
// a key derived from the client secret, so every replica that shares the
// secret can open it and nobody else can read or forge it.
type sealer struct{ aead cipher.AEAD }

func newSealer(secret string) (*sealer, error) {
	key := sha256.Sum256([]byte("continuity oidc seal v1\x00" + secret))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts plain for purpose (bound as associated data, so a value
// sealed for one purpose never opens as another).
func (s *sealer) seal(purpose string, plain []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return s.aead.Seal(nonce, nonce, plain, []byte(purpose))
}

var errUnsealed = errors.New("sealed value is not valid")

func (s *sealer) open(purpose string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errUnsealed
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(purpose))
	if err != nil {
		return nil, errUnsealed
	}
	return plain, nil
}

func (s *sealer) sealString(purpose, plain string) string {
	return base64.RawURLEncoding.EncodeToString(s.seal(purpose, []byte(plain)))
}

func (s *sealer) openString(purpose, sealed string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		return nil, errUnsealed
	}
	return s.open(purpose, b)
}
