package syncproto

import "fmt"

// Error codes carried in error envelopes and per-change results. They are part
// of the wire protocol: clients branch on them.
const (
	CodeInvalidJSON       = "invalid_json"
	CodeInvalidRequest    = "invalid_request"
	CodeMissingField      = "missing_field"
	CodeUnknownField      = "unknown_field"
	CodeUnknownCollection = "unknown_collection"
	CodeWrongType         = "wrong_type"
	CodeInvalidValue      = "invalid_value"
	CodeInvalidUUID       = "invalid_uuid"
	CodeInvalidHLC        = "invalid_hlc"
	CodeInvalidCursor     = "invalid_cursor"
	// CodeCursorReset refuses a cursor from another epoch of the database
	// (issued before a restore) or ahead of its log: the device drops its
	// cursor and syncs again from the start, keeping its outbox and
	// pushing again the changes it wrote (HTTP 410).
	CodeCursorReset = "cursor_reset"
	// CodeReenrolRequired refuses a refresh token the database does not
	// know that was issued in another epoch: the server was restored from a
	// backup taken before the token was issued. The device must be
	// enrolled again; its unsent changes are kept and sent once it is
	// (HTTP 401).
	CodeReenrolRequired = "reenrol_required"
	CodeClockSkew       = "clock_skew"
	CodeTooLarge        = "too_large"
	// CodeUnsupportedMedia refuses a compressed request body.
	CodeUnsupportedMedia = "unsupported_media_type"
	// CodeMethodNotAllowed refuses an HTTP method the server does not serve.
	CodeMethodNotAllowed = "method_not_allowed"
	// CodeTimeout answers a request whose headers or body did not arrive
	// within the server's read timeout.
	CodeTimeout        = "timeout"
	CodeUnauthorized   = "unauthorized"
	CodeForbidden      = "forbidden"
	CodeForbiddenScope = "forbidden_scope"
	CodeForbiddenRole  = "forbidden_role"
	CodeNotFound       = "not_found"
	CodeConflict       = "conflict"
	CodeRateLimited    = "rate_limited"
	CodeRuleViolation  = "rule_violation"
	CodeUnavailable    = "unavailable"
	CodeDeviceRevoked  = "device_revoked"
	// CodeIncidentChanged rejects a change that would move a record to
	// another incident: a record's incident never changes.
	CodeIncidentChanged = "incident_changed"
	// CodeIDReused rejects a change whose id was already applied with other
	// content; the new content is kept in quarantine.
	CodeIDReused = "id_reused"
	// CodeHLCNodeMismatch rejects a change stamped with another device's
	// HLC node.
	CodeHLCNodeMismatch = "hlc_node_mismatch"
	// CodeCrossIncidentReference rejects a change whose reference field
	// names a record of another incident.
	CodeCrossIncidentReference = "cross_incident_reference"
	// CodeDateOrder rejects a change that would leave a record's later
	// date before its earlier one (a concern resolved before it was
	// raised); the error names the field.
	CodeDateOrder = "date_order"
	CodeInternal  = "internal"
)

// Error is the body of an error envelope, {"error": Error}, and the error of a
// rejected change in a push result. Field names the offending input field,
// using dots for nesting (fields.nhs_number).
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Details lists, in plain English, each thing that must be done before
	// the change is accepted (an incident's close lists what remains).
	Details []string `json:"details,omitempty"`
}

// Errorf returns an Error with a formatted message.
func Errorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Error implements error.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// ErrorEnvelope is the JSON body of every error response.
type ErrorEnvelope struct {
	Error *Error `json:"error"`
}
