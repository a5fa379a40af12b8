package care

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// EpochLen is the length of an epoch: 32 lower-case hex digits.
const EpochLen = 32

// NewEpoch returns a fresh random epoch. The database keeps its epoch in
// the one-row table db_epoch; a restore (server restore, or 'server epoch
// new' after a Litestream or PostgreSQL point-in-time restore) replaces it,
// so cursors and refresh tokens issued before it are recognised as coming
// from another history of the log.
func NewEpoch() string {
	b := make([]byte, EpochLen/2)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

// ValidEpoch reports whether s has the form of an epoch.
func ValidEpoch(s string) bool {
	if len(s) != EpochLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// EpochRenewer is a store whose epoch can be replaced: what a restore does.
type EpochRenewer interface {
	// RenewEpoch gives the database a new epoch and returns it.
	RenewEpoch(ctx context.Context) (string, error)
}
