package api

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/oidc"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/gofiber/fiber/v2"
)

// SignInLabel is what the sign-in screens offer when a council identity
// provider is configured.
const SignInLabel = "Sign in with your council account"

// refusalCSP lets the refusal page load the GOV.UK stylesheet and nothing
// else.
const refusalCSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// oidcPublicRoutes are the council sign-in routes a browser reaches before
// it has a token. They answer 404 when no provider is configured, except
// config, which says so.
func (s *Server) oidcPublicRoutes() {
	byIP := s.rateLimit(func(c *fiber.Ctx) string { return "ip:" + s.clientIP(c) })
	s.app.Get("/v1/auth/oidc/config", byIP, s.oidcConfig)
	s.app.Get("/v1/auth/oidc/start", byIP, s.needOIDC, s.oidcStart)
	s.app.Get("/v1/auth/oidc/callback", byIP, s.needOIDC, s.oidcCallback)
	s.app.Post("/v1/auth/oidc/session", byIP, s.needOIDC, s.readBody(smallBodyBytes), s.oidcSession)
}

// oidcRoutes are the council sign-in routes of a signed-in device.
func (s *Server) oidcRoutes(v1 fiber.Router) {
	v1.Post("/auth/oidc/logout", s.needOIDC, s.readBody(smallBodyBytes), s.oidcLogout)
}

func (s *Server) needOIDC(c *fiber.Ctx) error {
	if s.cfg.OIDC == nil {
		return syncproto.Errorf(syncproto.CodeNotFound, "", "council sign-in is not configured on this server (serve --oidc-issuer)")
	}
	return c.Next()
}

func (s *Server) oidcConfig(c *fiber.Ctx) error {
	if s.cfg.OIDC == nil {
		return c.JSON(fiber.Map{"enabled": false})
	}
	return c.JSON(fiber.Map{"enabled": true, "label": SignInLabel, "start": "/v1/auth/oidc/start"})
}

func (s *Server) oidcStart(c *fiber.Ctx) error {
	authURL, cookie, err := s.cfg.OIDC.Start(query(c, "for"), query(c, "device_name"))
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{
		Name: oidc.CookieName, Value: cookie, Path: "/v1/auth/oidc", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: strings.HasPrefix(s.cfg.OIDC.RedirectURI(), "https://"), MaxAge: int(oidc.PendingTTL / time.Second),
	})
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(authURL, fiber.StatusFound)
}

func (s *Server) oidcCallback(c *fiber.Ctx) error {
	cookie := ""
	for _, part := range strings.Split(header(c, fiber.HeaderCookie), ";") {
		if name, value, ok := strings.Cut(strings.TrimSpace(part), "="); ok && name == oidc.CookieName {
			cookie = value
		}
	}
	q := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
	out, err := s.cfg.OIDC.Callback(c.UserContext(), cookie, q, s.clientIP(c))
	c.Cookie(&fiber.Cookie{Name: oidc.CookieName, Value: "", Path: "/v1/auth/oidc", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, MaxAge: -1, Expires: time.Unix(0, 0)})
	c.Set(fiber.HeaderCacheControl, "no-store")
	if err != nil {
		return err
	}
	if out.Refusal != nil {
		return s.refusalPage(c, out.Refusal)
	}
	return c.Redirect(out.Redirect, fiber.StatusSeeOther)
}

var refusalTemplate = template.Must(template.New("refusal").Funcs(template.FuncMap{
	"words": func(role string) string { return strings.ReplaceAll(role, "_", " ") },
}).Parse(`<!DOCTYPE html>
<html lang="en" class="govuk-template"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – Continuity</title><link rel="stylesheet" href="/assets/govuk/govuk-frontend.min.css"></head>
<body class="govuk-template__body"><div class="govuk-width-container"><main class="govuk-main-wrapper" id="main-content">
<h1 class="govuk-heading-l" id="refusal-title">{{.Title}}</h1>
<p class="govuk-body" id="refusal-message">{{.Message}}</p>
{{if .Ask}}<table class="govuk-table" id="refusal-groups"><thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Group to ask for</th><th scope="col" class="govuk-table__header">Gives the role</th></tr></thead>
<tbody class="govuk-table__body">{{range .Ask}}<tr class="govuk-table__row"><td class="govuk-table__cell">{{.Value}}</td><td class="govuk-table__cell">{{words .Role}}</td></tr>{{end}}</tbody></table>
<p class="govuk-body">Once you have been added, sign out of your council account and sign in again.</p>{{end}}
<p class="govuk-body"><a class="govuk-link" id="refusal-back" href="{{.Back}}">Back to the sign-in page</a></p>
</main></div></body></html>`))

func (s *Server) refusalPage(c *fiber.Ctx, r *oidc.Refusal) error {
	back := "/console/"
	if r.For == oidc.ForApp {
		back = "/app/"
	}
	var b strings.Builder
	if err := refusalTemplate.Execute(&b, map[string]any{"Title": r.Title, "Message": r.Message, "Ask": r.Ask, "Back": back}); err != nil {
		return err
	}
	c.Set("Content-Security-Policy", refusalCSP)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(r.Status).SendString(b.String())
}

type oidcSessionRequest struct {
	Handoff string `json:"handoff" validate:"required,max=200"`
}

// oidcSession hands a browser that finished a sign-in its first tokens,
// once, for the one-time handoff the callback gave it.
func (s *Server) oidcSession(c *fiber.Ctx) error {
	var req oidcSessionRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	pair, err := s.cfg.OIDC.ClaimHandoff(c.UserContext(), req.Handoff)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(pair)
}

type oidcLogoutRequest struct {
	Return string `json:"return" validate:"required,oneof=console app"`
}

// oidcLogout ends the device's council sign-in and gives the provider's
// logout address, when it advertises one.
func (s *Server) oidcLogout(c *fiber.Ctx) error {
	var req oidcLogoutRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	end, err := s.cfg.OIDC.SignOut(c.UserContext(), principal(c), req.Return, s.clientIP(c))
	if err != nil {
		return err
	}
	out := fiber.Map{"signed_out": true}
	if end != "" {
		out["end_session_url"] = end
	}
	return c.JSON(out)
}

// authEvents lists the sign-in audit (admin).
func (s *Server) authEvents(c *fiber.Ctx) error {
	st, ok := s.cfg.Store.(care.SignInStore)
	if !ok {
		return syncproto.Errorf(syncproto.CodeUnavailable, "", "this store keeps no sign-in audit")
	}
	var after int64
	if v := query(c, "after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return syncproto.Errorf(syncproto.CodeInvalidValue, "after", "after must be an event id")
		}
		after = n
	}
	limit := 0
	if v := query(c, "limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return syncproto.Errorf(syncproto.CodeInvalidValue, "limit", "limit must be between 1 and 1000")
		}
		limit = n
	}
	evs, err := st.AuthEvents(c.UserContext(), after, limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"events": evs})
}
