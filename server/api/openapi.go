package api

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPI is the OpenAPI 3.1 description of the whole HTTP API. The API
// tests validate every response they receive against it and fail when a
// route is served that it does not describe.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 description of the HTTP API, as served at
// GET /openapi.json.
func OpenAPI() []byte { return openAPI }

func serveOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(openAPI)
}
