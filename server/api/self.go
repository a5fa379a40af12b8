package api

import (
	"cmp"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/gofiber/fiber/v2"
)

// selfRoutes adds what a client asks about itself and the protocol: who it
// is (GET /v1/me) and the schema it validates writes against
// (GET /v1/schema).
func (s *Server) selfRoutes(r fiber.Router) {
	var once sync.Once
	var body []byte
	var etag string
	r.Get("/schema", func(c *fiber.Ctx) error {
		once.Do(func() {
			exp := s.cfg.Sync.Registry().Export()
			body, _ = json.Marshal(exp)
			etag = `"` + exp.Version + `"`
		})
		c.Set(fiber.HeaderETag, etag)
		c.Set(fiber.HeaderCacheControl, "no-cache")
		if header(c, fiber.HeaderIfNoneMatch) == etag {
			return c.SendStatus(fiber.StatusNotModified)
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	})
	r.Get("/me", s.me)
	r.Put("/me/wipe-secret", s.readBody(smallBodyBytes), s.putWipeSecret)
}

// meIncident is an incident the caller may see.
type meIncident struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// meResponse is the body of GET /v1/me.
type meResponse struct {
	Subject   string       `json:"subject"`
	Name      string       `json:"name"`
	Role      string       `json:"role"`
	DeviceID  string       `json:"device_id"`
	Scopes    []string     `json:"scopes"`
	Incidents []meIncident `json:"incidents"`
	// MaxPushBytes is the largest push body the server accepts (also in
	// every /v1 answer's HeaderMaxPushBytes).
	MaxPushBytes int `json:"max_push_bytes"`
	// IdleLockSeconds is how long the field app may sit untouched before
	// it locks (the deployment's setting).
	IdleLockSeconds int `json:"idle_lock_seconds"`
}

// me answers who the caller is as the server sees it now: the user's name,
// current role and grants (not the token's), and the incidents in scope with their
// titles.
func (s *Server) me(c *fiber.Ctx) error {
	p := principal(c)
	recs, err := s.cfg.Store.Records(c.UserContext(), "incidents", s.cfg.Sync.FilterFor(p))
	if err != nil {
		return err
	}
	userName := ""
	if u, err := s.cfg.Access.User(c.UserContext(), p.Subject); err == nil {
		userName = u.Name
	} else if !errors.Is(err, care.ErrNotFound) {
		return err
	}
	out := meResponse{Subject: p.Subject, Name: userName, Role: p.Role, DeviceID: p.DeviceID, Scopes: append([]string{}, p.Scopes...), Incidents: []meIncident{}, MaxPushBytes: syncproto.MaxPushBytes,
		IdleLockSeconds: int(cmp.Or(s.cfg.IdleLock, DefaultIdleLock) / time.Second)}
	for _, r := range recs {
		name := schema.StringValue(r, "title")
		if name == "" {
			name = r.ID
		}
		out.Incidents = append(out.Incidents, meIncident{ID: r.ID, Name: name})
	}
	return c.JSON(out)
}
