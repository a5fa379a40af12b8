package api

import (
	"net/http"
	"testing"

	"github.com/continuity-care/continuity/server/care"
)

// Every code the store-sentinel table answers with has its own HTTP
// status: none falls through to 500.
func TestHTTPStatus_EverySentinelCode(t *testing.T) {
	for _, row := range care.SentinelCodes() {
		t.Run(row.Err.Error(), func(t *testing.T) {
			for _, code := range []string{row.Code, row.Credential} {
				if _, ok := statusOf[code]; !ok || HTTPStatus(code) == http.StatusInternalServerError {
					t.Fatalf("sentinel %q answers with code %q, which statusOf does not map", row.Err, code)
				}
			}
		})
	}
}
