package syncproto

import (
	"encoding/json"
	"time"
)

// Limits of the push and pull endpoints.
const (
	// MaxPushChanges is the most changes one push may carry.
	MaxPushChanges = 1000
	// MaxPushBytes is the largest push body accepted.
	MaxPushBytes = 4 << 20
	// DefaultPullLimit is the page size of a pull without limit.
	DefaultPullLimit = 500
	// MaxPullLimit is the largest page a pull may ask for.
	MaxPullLimit = 5000
	// MaxClockSkew is how far ahead of server time a change's HLC may be.
	MaxClockSkew = 10 * time.Minute
)

// Push result statuses.
const (
	StatusApplied   = "applied"
	StatusDuplicate = "duplicate"
	StatusRejected  = "rejected"
)

// PushRequest is the body of POST /v1/sync/push. Changes are kept raw so that
// one malformed change is rejected on its own, not the whole batch.
type PushRequest struct {
	Changes []json.RawMessage `json:"changes"`
}

// PushResult is the outcome of one pushed change.
type PushResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Error  *Error `json:"error,omitempty"`
}

// PushResponse is the body of a successful push: one result per change, in
// the order they were sent.
type PushResponse struct {
	Results    []PushResult `json:"results"`
	Cursor     string       `json:"cursor"`
	ServerTime time.Time    `json:"server_time"`
}

// PullResponse is the body of GET /v1/sync/pull.
type PullResponse struct {
	Changes []Change `json:"changes"`
	Cursor  string   `json:"cursor"`
	HasMore bool     `json:"has_more"`
	// Purge lists incidents the device no longer holds: it must delete their
	// records locally.
	Purge []string `json:"purge,omitempty"`
}

// DecodePush decodes a push body. It fails only when the body as a whole is
// unusable (not JSON, no changes array, too many changes); problems with one
// change are found by ParseChange, change by change. The changes are
// sub-slices of body, which the caller must not modify while it uses them:
// nothing is copied or decoded, so a crafted body costs no more memory than
// its own bytes.
func DecodePush(body []byte) (PushRequest, *Error) {
	if !validJSON(body) {
		var v struct{}
		err := json.Unmarshal(body, &v)
		return PushRequest{}, Errorf(CodeInvalidJSON, "", "request body must be a JSON object: %v", err)
	}
	switch firstByte(body) {
	case '{':
	case 'n': // null decodes as an object with no attributes
		return PushRequest{}, Errorf(CodeMissingField, "changes", "changes is required")
	default:
		return PushRequest{}, Errorf(CodeInvalidJSON, "", "request body must be a JSON object")
	}
	var raw []byte
	var perr *Error
	eachMember(body, func(key, value []byte) bool {
		if k := keyName(key); k != "changes" {
			perr = Errorf(CodeUnknownField, k, "unknown attribute %q; a push is {\"changes\": [...]}", k)
			return false
		}
		raw = value
		return true
	})
	if perr != nil {
		return PushRequest{}, perr
	}
	if raw == nil {
		return PushRequest{}, Errorf(CodeMissingField, "changes", "changes is required")
	}
	var req PushRequest
	switch firstByte(raw) {
	case 'n': // null: no changes
		return req, nil
	case '[':
	default:
		return PushRequest{}, Errorf(CodeWrongType, "changes", "changes must be an array of change objects")
	}
	n := 0
	eachElement(raw, func(elem []byte) bool {
		if n++; n <= MaxPushChanges {
			req.Changes = append(req.Changes, json.RawMessage(elem))
		}
		return true
	})
	if n > MaxPushChanges {
		return PushRequest{}, Errorf(CodeTooLarge, "changes", "a push carries at most %d changes, got %d", MaxPushChanges, n)
	}
	if req.Changes == nil {
		req.Changes = []json.RawMessage{}
	}
	return req, nil
}

// ChangeIDOf extracts the id of a raw change, if it has a string one, so a
// rejection can be reported against it even when the change does not parse.
func ChangeIDOf(raw json.RawMessage) string {
	var v struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	s, _ := v.ID.(string)
	return s
}
