package continuity

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/continuity-care/continuity/syncproto"
)

// Errors the SDK returns; test for them with errors.Is, or from other
// languages with ErrorCode.
var (
	// ErrNotEnrolled means the device has no server, device id or token yet:
	// call EnrolWithRefreshToken or EnrolWithAccessToken.
	ErrNotEnrolled = errors.New("continuity: device is not enrolled")
	// ErrUnauthorized means the server refused the device's credentials even
	// after a token refresh: the device must be enrolled again. Nothing local
	// is lost.
	ErrUnauthorized = errors.New("continuity: the server refused this device's credentials; enrol it again")
	// ErrReenrolRequired means the server's database was restored from a
	// backup taken before this device's refresh token was issued (it was
	// enrolled, or its token rotated, in the interval the restore lost): the
	// app should offer to enrol the device again. It also matches
	// ErrUnauthorized. The outbox is kept and sent once the device is
	// enrolled again.
	ErrReenrolRequired = errors.New("continuity: the server was restored from a backup older than this device's enrolment; enrol it again (unsent changes are kept)")
	// ErrOffline means the server could not be reached (or kept failing)
	// after the retries; the work stays queued for the next sync.
	ErrOffline = errors.New("continuity: server unreachable")
	// ErrNotFound means a record is not on this device (or is deleted).
	ErrNotFound = errors.New("continuity: record not found on this device")
	// ErrClosed means the client has been closed.
	ErrClosed = errors.New("continuity: client is closed")
	// ErrSyncInProgress means another sync is running on this client.
	ErrSyncInProgress = errors.New("continuity: a sync is already running")
)

// Error codes ErrorCode returns besides the protocol's (syncproto.Code*).
const (
	CodeNotEnrolled = "not_enrolled"
	CodeOffline     = "offline"
	CodeNotFound    = "not_found"
	CodeClosed      = "closed"
)

// APIError is an error response from the server that retrying will not cure.
type APIError struct {
	// Status is the HTTP status.
	Status int
	// Code is the error code of the server's envelope.
	Code string
	// Message is the server's explanation, in words a person can act on.
	Message string
	// Field names the offending input, or is empty.
	Field string
	// RetryAfterSeconds is the server's Retry-After, when it sent one.
	RetryAfterSeconds int
}

// Error implements error.
func (e *APIError) Error() string {
	s := fmt.Sprintf("continuity: server answered %d %s", e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	return s
}

// retryAfter is the server's Retry-After as a duration.
func (e *APIError) retryAfter() time.Duration {
	return time.Duration(e.RetryAfterSeconds) * time.Second
}

// ErrorCode returns a stable code for an error the SDK returned: the
// protocol's code for validation and server errors (invalid_value,
// unknown_field, forbidden_role, ...), not_enrolled, unauthorized,
// reenrol_required, offline,
// not_found or closed; "" for anything else.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var pe *syncproto.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	var ae *APIError
	switch {
	case errors.Is(err, ErrReenrolRequired):
		return syncproto.CodeReenrolRequired
	case errors.Is(err, ErrUnauthorized):
		return syncproto.CodeUnauthorized
	case errors.Is(err, ErrNotEnrolled):
		return CodeNotEnrolled
	case errors.Is(err, ErrOffline):
		return CodeOffline
	case errors.Is(err, ErrNotFound):
		return CodeNotFound
	case errors.Is(err, ErrClosed):
		return CodeClosed
	case errors.As(err, &ae):
		return ae.Code
	}
	return ""
}

// ErrorField returns the input field an error is about (e.g.
// fields.nhs_number), or "".
func ErrorField(err error) string {
	var pe *syncproto.Error
	if errors.As(err, &pe) {
		return pe.Field
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Field
	}
	return ""
}

// temporary marks an error a retry may cure (network failure, 5xx, 429).
type temporary struct {
	err        error
	retryAfter time.Duration
}

// Error implements error.
func (t *temporary) Error() string { return t.err.Error() }

// Unwrap returns the underlying error.
func (t *temporary) Unwrap() error { return t.err }

func isTemporary(err error) (*temporary, bool) {
	var t *temporary
	ok := errors.As(err, &t)
	return t, ok
}
