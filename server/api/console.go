package api

import (
	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/reports"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/gofiber/fiber/v2"
)

// registerRoles may read the provider register (RAG statuses are
// commercially confidential; the same roles as the provider assessment).
var registerRoles = []string{care.RoleQualityOfficer, care.RoleCommissioner, care.RoleDirector, care.RoleBackOffice}

// consoleRoutes are the read views the back-office console shows: the
// incident board, the moves of the day, the checklist, the situation report
// and the provider register. Each is worked out from the same records as the
// summary, for the same roles, scoped the same way.
func (s *Server) consoleRoutes(r fiber.Router) {
	g := r.Group("/incidents/:id", s.requireRole(readerRoles...))
	g.Get("/board", s.incidentView(func(d reports.Data, c *fiber.Ctx) any { return reports.MakeBoard(d, s.cfg.Now()) }))
	g.Get("/moves", s.incidentView(func(d reports.Data, c *fiber.Ctx) any { return reports.Moves(d, s.cfg.Now()) }))
	g.Get("/checklist", s.incidentView(func(d reports.Data, c *fiber.Ctx) any { return reports.MakeChecklist(d, s.cfg.Now()) }))
	r.Get("/providers", s.requireRole(registerRoles...), s.providerRegister)
}

// incidentView serves a view of one incident the principal may see.
func (s *Server) incidentView(view func(reports.Data, *fiber.Ctx) any) fiber.Handler {
	return func(c *fiber.Ctx) error {
		d, err := s.incidentData(c)
		if err != nil {
			return err
		}
		return c.JSON(view(d, c))
	}
}

// providerRegister lists every provider with its RAG history, market
// oversight risk and suspension, and the principal's incidents about it.
func (s *Server) providerRegister(c *fiber.Ctx) error {
	p := principal(c)
	d := reports.Data{Records: map[string][]*syncproto.Record{}}
	for _, col := range []string{"providers", "services", "rag_statuses", "concerns"} {
		if !access.CanRead(p.Role, col) {
			continue
		}
		recs, err := s.cfg.Store.Records(c.UserContext(), col, care.Filter{})
		if err != nil {
			return err
		}
		d.Records[col] = recs
	}
	incs, err := s.cfg.Store.Records(c.UserContext(), "incidents", s.cfg.Sync.FilterFor(p))
	if err != nil {
		return err
	}
	d.Records["incidents"] = incs
	return c.JSON(fiber.Map{"providers": reports.ProviderRegister(d)})
}
