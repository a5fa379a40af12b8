package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/go-playground/validator/v10"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

// validate checks request bodies at the edge.
var validate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string { return strings.SplitN(f.Tag.Get("json"), ",", 2)[0] })
	return v
}()

// bind decodes a JSON body strictly into dst and validates it, naming the
// offending field in the error.
func bind(c *fiber.Ctx, dst any) error {
	body := bodyOf(c)
	if e := syncproto.CheckText(body, ""); e != nil {
		return e
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return syncproto.Errorf(syncproto.CodeWrongType, te.Field, "%s has the wrong type", te.Field)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			f = strings.Trim(f, `"`)
			return syncproto.Errorf(syncproto.CodeUnknownField, f, "unknown field %q", f)
		}
		return syncproto.Errorf(syncproto.CodeInvalidJSON, "", "request body must be a JSON object")
	}
	if err := validate.Struct(dst); err != nil {
		var ve validator.ValidationErrors
		if errors.As(err, &ve) && len(ve) > 0 {
			fe := ve[0]
			msg := fe.Field() + " is required"
			if fe.Tag() != "required" {
				msg = fe.Field() + " fails " + fe.Tag()
				if fe.Param() != "" {
					msg += "=" + fe.Param()
				}
			}
			return syncproto.Errorf(syncproto.CodeInvalidValue, fe.Field(), "%s", msg)
		}
		return syncproto.Errorf(syncproto.CodeInvalidValue, "", "%v", err)
	}
	return nil
}

type userRequest struct {
	Subject string `json:"subject" validate:"required,max=64"`
	Role    string `json:"role" validate:"required"`
	Name    string `json:"name" validate:"max=200"`
}

type deviceRequest struct {
	DeviceID string `json:"device_id" validate:"required,max=64"`
	Subject  string `json:"subject" validate:"required,max=64"`
}

type scopeRequest struct {
	Subject    string `json:"subject" validate:"required,max=64"`
	IncidentID string `json:"incident_id" validate:"required,uuid|eq=*"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token" validate:"required,max=512"`
}

func (s *Server) adminRoutes(r fiber.Router) {
	r.Post("/users", s.readBody(smallBodyBytes), s.addUser)
	r.Get("/users", s.listUsers)
	r.Post("/devices", s.readBody(smallBodyBytes), s.enrolDevice)
	r.Get("/devices", s.listDevices)
	r.Post("/devices/:id/revoke", s.revokeDevice)
	r.Post("/scopes", s.readBody(smallBodyBytes), s.grantScope)
	r.Delete("/scopes/:subject/:incident", s.revokeScope)
	r.Post("/scopes/revoke", s.readBody(smallBodyBytes), s.revokeScopeBody)
	r.Get("/users/:subject/scopes", s.listScopes)
}

func (s *Server) addUser(c *fiber.Ctx) error {
	var req userRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	u, err := s.cfg.Auth.AddUser(c.UserContext(), req.Subject, req.Role, req.Name)
	if err != nil {
		return err
	}
	s.log.Info("user saved", "subject", u.Subject, "role", u.Role, "by", principal(c).Subject)
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	us, err := s.cfg.Access.Users(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"users": us})
}

func (s *Server) enrolDevice(c *fiber.Ctx) error {
	var req deviceRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	pair, err := s.cfg.Auth.Enrol(c.UserContext(), req.Subject, req.DeviceID)
	if err != nil {
		return err
	}
	s.log.Info("device enrolled", "device", req.DeviceID, "subject", req.Subject, "by", principal(c).Subject)
	return c.Status(fiber.StatusCreated).JSON(pair)
}

func (s *Server) listDevices(c *fiber.Ctx) error {
	ds, err := s.cfg.Access.Devices(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"devices": ds})
}

func (s *Server) revokeDevice(c *fiber.Ctx) error {
	id := param(c, "id")
	if err := s.cfg.Access.RevokeDevice(c.UserContext(), id, s.cfg.Now().UTC()); err != nil {
		if errors.Is(err, care.ErrNotFound) {
			return care.Coded(err, "id", "no device %q", id)
		}
		return err
	}
	d, err := s.cfg.Access.Device(c.UserContext(), id)
	if err != nil {
		return err
	}
	s.log.Info("device revoked", "device", id, "by", principal(c).Subject)
	return c.JSON(d)
}

func (s *Server) grantScope(c *fiber.Ctx) error {
	var req scopeRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if !auth.ValidSubject(req.Subject) {
		return syncproto.Errorf(syncproto.CodeInvalidValue, "subject", "subject %q cannot be granted an incident: it is not a valid user name, or it is a name the server acts as", req.Subject)
	}
	g := care.Grant{Subject: req.Subject, IncidentID: strings.ToLower(req.IncidentID), GrantedAt: s.cfg.Now().UTC(), GrantedBy: principal(c).Subject}
	if err := s.cfg.Access.GrantScope(c.UserContext(), g); err != nil {
		if errors.Is(err, care.ErrNotFound) {
			return care.Coded(err, "subject", "no user %q", req.Subject)
		}
		return err
	}
	s.log.Info("scope granted", "subject", g.Subject, "incident", g.IncidentID, "by", g.GrantedBy)
	return c.Status(fiber.StatusCreated).JSON(g)
}

func (s *Server) revokeScope(c *fiber.Ctx) error {
	return s.revokeGrant(c, param(c, "subject"), strings.ToLower(param(c, "incident")))
}

// revokeScopeBody is POST /v1/admin/scopes/revoke: the revocation of
// DELETE /v1/admin/scopes/{subject}/{incident} with the names in the body,
// so that a grant to any subject, even one a URL cannot carry as a path
// segment (".." from before such names were refused), can be revoked.
func (s *Server) revokeScopeBody(c *fiber.Ctx) error {
	var req scopeRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Subject == "" {
		return syncproto.Errorf(syncproto.CodeMissingField, "subject", "subject is required")
	}
	return s.revokeGrant(c, req.Subject, strings.ToLower(req.IncidentID))
}

func (s *Server) revokeGrant(c *fiber.Ctx, sub, inc string) error {
	if err := s.cfg.Access.RevokeScope(c.UserContext(), sub, inc, s.cfg.Now().UTC()); err != nil {
		if errors.Is(err, care.ErrNotFound) {
			return care.Coded(err, "incident", "%s has no grant of incident %s", sub, inc)
		}
		return err
	}
	s.log.Info("scope revoked", "subject", sub, "incident", inc, "by", principal(c).Subject)
	return c.JSON(fiber.Map{"subject": sub, "incident_id": inc, "revoked": true})
}

func (s *Server) listScopes(c *fiber.Ctx) error {
	gs, err := s.cfg.Access.Grants(c.UserContext(), param(c, "subject"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"subject": param(c, "subject"), "incidents": gs})
}

func (s *Server) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	pair, err := s.cfg.Auth.Refresh(c.UserContext(), req.RefreshToken)
	if err != nil {
		return s.countFailure(c, err)
	}
	return c.JSON(pair)
}

// rateLimit limits requests per key (device or address) with a sliding
// window; over the limit gets 429 with Retry-After.
func (s *Server) rateLimit(key func(*fiber.Ctx) string) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:               s.cfg.RateLimit,
		Expiration:        s.cfg.RateWindow,
		KeyGenerator:      key,
		LimiterMiddleware: limiter.SlidingWindow{},
		LimitReached: func(c *fiber.Ctx) error {
			return syncproto.Errorf(syncproto.CodeRateLimited, "", "too many requests from this device; retry after %s seconds", c.GetRespHeader(fiber.HeaderRetryAfter))
		},
	})
}
