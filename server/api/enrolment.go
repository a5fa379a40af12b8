package api

import (
	"time"

	"github.com/continuity-care/continuity/syncproto"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

// Defaults for the limit on failed enrolment attempts per client address.
const (
	DefaultEnrolFailures      = 10
	DefaultEnrolFailureWindow = 15 * time.Minute
)

type enrolmentCodeRequest struct {
	Subject    string `json:"subject" validate:"required,max=64"`
	DeviceName string `json:"device_name" validate:"required,max=400"`
}

type enrolRequest struct {
	Code string `json:"code" validate:"required,max=64"`
}

func (s *Server) enrolmentCodeRoutes(r fiber.Router) {
	r.Post("/enrolment-codes", s.readBody(smallBodyBytes), s.issueEnrolmentCode)
	r.Get("/enrolment-codes", s.listEnrolmentCodes)
	r.Delete("/enrolment-codes/:id", s.cancelEnrolmentCode)
}

func (s *Server) issueEnrolmentCode(c *fiber.Ctx) error {
	var req enrolmentCodeRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	code, err := s.cfg.Auth.IssueCode(c.UserContext(), req.Subject, req.DeviceName, principal(c).Subject, 0)
	if err != nil {
		return err
	}
	s.log.Info("enrolment code issued", "id", code.ID, "subject", code.Subject, "device", code.DeviceID, "expires_at", code.ExpiresAt, "by", principal(c).Subject)
	return c.Status(fiber.StatusCreated).JSON(code)
}

func (s *Server) listEnrolmentCodes(c *fiber.Ctx) error {
	cs, err := s.cfg.Auth.EnrolmentCodes(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"codes": cs})
}

func (s *Server) cancelEnrolmentCode(c *fiber.Ctx) error {
	id := param(c, "id")
	if err := s.cfg.Auth.CancelEnrolmentCode(c.UserContext(), id); err != nil {
		return err
	}
	s.log.Info("enrolment code cancelled", "id", id, "by", principal(c).Subject)
	return c.JSON(fiber.Map{"id": id, "cancelled": true})
}

// enrol spends a one-time code and answers as POST /v1/auth/token does.
func (s *Server) enrol(c *fiber.Ctx) error {
	var req enrolRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	pair, err := s.cfg.Auth.EnrolWithCode(c.UserContext(), req.Code)
	if err != nil {
		return err
	}
	s.log.Info("device enrolled by code", "device", pair.DeviceID)
	return c.JSON(pair)
}

// limitEnrolFailures counts failed enrolment attempts per client address;
// past EnrolFailures in EnrolFailureWindow every attempt from that address,
// right or wrong, gets 429 with Retry-After until the window slides on.
func (s *Server) limitEnrolFailures() fiber.Handler {
	return limiter.New(limiter.Config{
		Max:                    s.cfg.EnrolFailures,
		Expiration:             s.cfg.EnrolFailureWindow,
		KeyGenerator:           func(c *fiber.Ctx) string { return "enrol:" + s.clientIP(c) },
		LimiterMiddleware:      limiter.SlidingWindow{},
		SkipSuccessfulRequests: true,
		LimitReached: func(c *fiber.Ctx) error {
			return syncproto.Errorf(syncproto.CodeRateLimited, "code", "too many wrong enrolment codes from this address; retry after %s seconds", c.GetRespHeader(fiber.HeaderRetryAfter))
		},
	})
}

// renderErrors writes a handler's error response at once, so the middleware
// in front of it (the failure limiter) sees the final status.
func renderErrors(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return c.App().ErrorHandler(c, err)
	}
	return nil
}
