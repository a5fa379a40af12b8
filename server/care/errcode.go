package care

import (
	"errors"
	"fmt"

	"github.com/continuity-care/continuity/syncproto"
)

// SentinelCode is one row of the table from a store sentinel error to the
// error code it answers with.
type SentinelCode struct {
	// Err is the sentinel (errors.Is matches it through wrapping).
	Err error
	// Code answers a request about a named thing (a user, a device, a
	// grant): ErrNotFound is not_found.
	Code string
	// Credential answers a request that presented a credential (a token,
	// an enrolment code, a sign-in handoff): every refusal is
	// unauthorized, so the answer does not tell a guesser which
	// credentials exist.
	Credential string
}

// sentinelCodes is the one table from store sentinels to error codes.
// Every caller that turns a sentinel into a coded error does it through
// Coded or CodedCredential, choosing only the field and the words; a new
// sentinel fails TestCoded_EverySentinelMaps until it has a row here.
var sentinelCodes = []SentinelCode{
	{ErrNotFound, syncproto.CodeNotFound, syncproto.CodeUnauthorized},
	{ErrExists, syncproto.CodeConflict, syncproto.CodeConflict},
	{ErrTokenReused, syncproto.CodeUnauthorized, syncproto.CodeUnauthorized},
	{ErrTokenRevoked, syncproto.CodeUnauthorized, syncproto.CodeUnauthorized},
	{ErrDeviceRevoked, syncproto.CodeUnauthorized, syncproto.CodeUnauthorized},
	{ErrCodeSpent, syncproto.CodeUnauthorized, syncproto.CodeUnauthorized},
	{ErrCodeExpired, syncproto.CodeUnauthorized, syncproto.CodeUnauthorized},
	{ErrHandoffSpent, syncproto.CodeUnauthorized, syncproto.CodeUnauthorized},
	{ErrRetentionChanged, syncproto.CodeConflict, syncproto.CodeConflict},
	{ErrCursor, syncproto.CodeInvalidCursor, syncproto.CodeInvalidCursor},
}

// SentinelCodes returns a copy of the table from store sentinels to error
// codes.
func SentinelCodes() []SentinelCode { return append([]SentinelCode(nil), sentinelCodes...) }

// sentinelOf returns the table's row for the sentinel err wraps.
func sentinelOf(err error) (SentinelCode, bool) {
	for _, s := range sentinelCodes {
		if errors.Is(err, s.Err) {
			return s, true
		}
	}
	return SentinelCode{}, false
}

// Coded turns a store sentinel error met while acting on a named thing into
// the coded error the API answers with: the code from the one table, the
// field and words the caller chooses for its context. An error that wraps
// no sentinel is returned wrapped with the words, so it still reports as
// internal.
func Coded(err error, field, format string, args ...any) error {
	s, ok := sentinelOf(err)
	if !ok {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
	}
	return syncproto.Errorf(s.Code, field, format, args...)
}

// CodedCredential is Coded for a request that presented a credential: the
// table's Credential column.
func CodedCredential(err error, field, format string, args ...any) error {
	s, ok := sentinelOf(err)
	if !ok {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), err)
	}
	return syncproto.Errorf(s.Credential, field, format, args...)
}
