package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
)

// statusOf is the single table from error code to HTTP status.
var statusOf = map[string]int{
	syncproto.CodeInvalidJSON:       http.StatusBadRequest,
	syncproto.CodeInvalidRequest:    http.StatusBadRequest,
	syncproto.CodeMissingField:      http.StatusBadRequest,
	syncproto.CodeUnknownField:      http.StatusBadRequest,
	syncproto.CodeUnknownCollection: http.StatusBadRequest,
	syncproto.CodeWrongType:         http.StatusBadRequest,
	syncproto.CodeInvalidValue:      http.StatusBadRequest,
	syncproto.CodeInvalidUUID:       http.StatusBadRequest,
	syncproto.CodeInvalidHLC:        http.StatusBadRequest,
	syncproto.CodeInvalidCursor:     http.StatusBadRequest,
	syncproto.CodeCursorReset:       http.StatusGone,
	syncproto.CodeReenrolRequired:   http.StatusUnauthorized,
	syncproto.CodeClockSkew:         http.StatusBadRequest,
	syncproto.CodeTooLarge:          http.StatusRequestEntityTooLarge,
	syncproto.CodeUnsupportedMedia:  http.StatusUnsupportedMediaType,
	syncproto.CodeMethodNotAllowed:  http.StatusMethodNotAllowed,
	syncproto.CodeTimeout:           http.StatusRequestTimeout,
	syncproto.CodeUnauthorized:      http.StatusUnauthorized,
	syncproto.CodeForbidden:         http.StatusForbidden,
	syncproto.CodeForbiddenScope:    http.StatusForbidden,
	syncproto.CodeForbiddenRole:     http.StatusForbidden,
	syncproto.CodeNotFound:          http.StatusNotFound,
	syncproto.CodeConflict:          http.StatusConflict,
	syncproto.CodeRateLimited:       http.StatusTooManyRequests,
	syncproto.CodeRuleViolation:     http.StatusUnprocessableEntity,
	syncproto.CodeUnavailable:       http.StatusServiceUnavailable,
	syncproto.CodeInternal:          http.StatusInternalServerError,
}

// codeOfStatus names the errors Fiber itself raises (unknown route, body too
// large, ...).
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            syncproto.CodeInvalidRequest,
	http.StatusUnauthorized:          syncproto.CodeUnauthorized,
	http.StatusForbidden:             syncproto.CodeForbidden,
	http.StatusNotFound:              syncproto.CodeNotFound,
	http.StatusMethodNotAllowed:      syncproto.CodeMethodNotAllowed,
	http.StatusRequestEntityTooLarge: syncproto.CodeTooLarge,
	http.StatusTooManyRequests:       syncproto.CodeRateLimited,
	http.StatusUnsupportedMediaType:  syncproto.CodeUnsupportedMedia,
	http.StatusRequestTimeout:        syncproto.CodeTimeout,
	http.StatusServiceUnavailable:    syncproto.CodeUnavailable,
}

// HTTPStatus returns the status for an error code; unknown codes are 500.
func HTTPStatus(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// databaseRetryAfter is the Retry-After, in seconds, of a 503 answered
// while the database is unreachable.
const databaseRetryAfter = 5

// errorHandler renders every error as the JSON envelope. Anything that is not
// a coded error is logged and reported as "internal error", never leaked.
func errorHandler(log *slog.Logger, databaseDown func(*fiber.Ctx) bool) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var pe *syncproto.Error
		var fe *fiber.Error
		switch {
		case errors.As(err, &pe):
		case errors.As(err, &fe):
			code, ok := codeOfStatus[fe.Code]
			if !ok {
				code = syncproto.CodeInvalidRequest
				if fe.Code >= 500 {
					code = syncproto.CodeInternal
				}
			}
			// Never fe.Message: for a request fasthttp could not parse it
			// holds the request's raw bytes, Authorization included.
			msg := strings.ToLower(utils.StatusMessage(fe.Code))
			switch fe.Code {
			case http.StatusRequestEntityTooLarge:
				msg = "request body is too large"
			case http.StatusBadRequest:
				msg = "the request could not be parsed: check its request line and headers (Content-Length must be one whole number)"
			}
			pe = &syncproto.Error{Code: code, Message: msg}
			if fe.Code >= 400 && fe.Code < 500 {
				return c.Status(fe.Code).JSON(syncproto.ErrorEnvelope{Error: pe})
			}
		default:
			pe = &syncproto.Error{Code: syncproto.CodeInternal, Message: "internal error"}
		}
		if pe.Code == syncproto.CodeInternal && databaseDown != nil && databaseDown(c) {
			// Not this request's fault, and over once the database
			// answers again: 503 with Retry-After, which the SDKs retry,
			// rather than a 500.
			log.Warn("database unreachable", "method", c.Method(), "path", c.Path(), "err", err)
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(databaseRetryAfter))
			pe = &syncproto.Error{Code: syncproto.CodeUnavailable, Message: "the database is not answering; nothing was lost: try again shortly"}
		} else if pe.Code == syncproto.CodeInternal && !errors.As(err, new(*syncproto.Error)) && !errors.As(err, new(*fiber.Error)) {
			log.Error("internal error", "method", c.Method(), "path", c.Path(), "err", err)
		}
		return c.Status(HTTPStatus(pe.Code)).JSON(syncproto.ErrorEnvelope{Error: pe})
	}
}
