package api

import (
	"bytes"
	"strings"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/reports"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/access"
	"github.com/continuity-care/continuity/syncproto/domain"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// readerRoles may read an incident's summary, logs and suggestions.
var readerRoles = []string{care.RoleBackOffice, care.RoleCommissioner, care.RoleDirector, care.RoleQualityOfficer, care.RoleSocialWorker, care.RoleNHSLiaison}

func (s *Server) reportRoutes(r fiber.Router) {
	g := r.Group("/incidents/:id", s.requireRole(readerRoles...))
	g.Get("/summary", s.summary)
	g.Get("/movement-log", s.movementLog)
	g.Get("/decision-log", s.decisionLog)
	g.Get("/suggestions", s.requireRole(care.RoleBackOffice, care.RoleCommissioner, care.RoleDirector), s.suggestions)
	s.closureRoutes(g)
	r.Get("/providers/:id/assessment", s.requireRole(care.RoleQualityOfficer, care.RoleCommissioner, care.RoleDirector, care.RoleBackOffice), s.providerAssessment)
}

// providerAssessment applies the provider-level tests of the procedure:
// market oversight (003 s.5), the s.48 duty (s.3, s.4, s.8) and what a
// neighbouring authority's suspension means (s.9).
func (s *Server) providerAssessment(c *fiber.Ctx) error {
	id, err := uuid.Parse(param(c, "id"))
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInvalidUUID, "id", "provider id must be a UUID")
	}
	ctx := c.UserContext()
	prov, err := s.cfg.Store.Record(ctx, "providers", id.String())
	if err != nil {
		return err
	}
	if prov == nil || prov.Deleted() {
		return syncproto.Errorf(syncproto.CodeNotFound, "id", "no provider %s", id)
	}
	var services, incidents []*syncproto.Record
	all, err := s.cfg.Store.Records(ctx, "services", care.Filter{})
	if err != nil {
		return err
	}
	for _, r := range all {
		if schema.StringValue(r, "provider_id") == prov.ID {
			services = append(services, r)
		}
	}
	incs, err := s.cfg.Store.Records(ctx, "incidents", s.cfg.Sync.FilterFor(principal(c)))
	if err != nil {
		return err
	}
	for _, r := range incs {
		if schema.StringValue(r, "provider_id") == prov.ID {
			incidents = append(incidents, r)
		}
	}
	return c.JSON(domain.AssessProvider(prov, services, incidents))
}

// incidentData loads what the reports read for one incident the principal
// may see: its records and the market's (providers, services, vacancies).
func (s *Server) incidentData(c *fiber.Ctx) (reports.Data, error) {
	d, err := s.loadIncident(c)
	if err != nil {
		return reports.Data{}, err
	}
	if err := s.auditReport(c, care.ReadEvent{Action: care.ReadReport, IncidentID: d.IncidentID, Detail: reportName(c)}); err != nil {
		return reports.Data{}, err
	}
	return d, nil
}

// loadIncident is incidentData without the audit, for a report about one
// person that audits its read with that person.
func (s *Server) loadIncident(c *fiber.Ctx) (reports.Data, error) {
	id, err := uuid.Parse(param(c, "id"))
	if err != nil {
		return reports.Data{}, syncproto.Errorf(syncproto.CodeInvalidUUID, "id", "incident id must be a UUID")
	}
	inc := id.String()
	p := principal(c)
	if !care.CanSee(p, inc) {
		return reports.Data{}, syncproto.Errorf(syncproto.CodeNotFound, "id", "no incident %s", inc)
	}
	f := s.cfg.Sync.IncidentFilter(inc)
	d := reports.Data{IncidentID: inc, Records: map[string][]*syncproto.Record{}}
	for _, col := range s.cfg.Sync.Registry().Names() {
		if !access.CanRead(p.Role, col) {
			continue
		}
		recs, err := s.cfg.Store.Records(c.UserContext(), col, f)
		if err != nil {
			return reports.Data{}, err
		}
		d.Records[col] = recs
	}
	if len(d.Records["incidents"]) == 0 {
		return reports.Data{}, syncproto.Errorf(syncproto.CodeNotFound, "id", "no incident %s", inc)
	}
	return d, nil
}

// wantsCSV reports whether the client asked for CSV (?format=csv or an
// Accept header preferring text/csv).
func wantsCSV(c *fiber.Ctx) (bool, error) {
	switch query(c, "format") {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
		return strings.Contains(header(c, fiber.HeaderAccept), "text/csv"), nil
	}
	return false, syncproto.Errorf(syncproto.CodeInvalidValue, "format", "format must be json or csv")
}

func sendCSV(c *fiber.Ctx, name string, write func(*bytes.Buffer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
	return c.Send(b.Bytes())
}

func (s *Server) summary(c *fiber.Ctx) error {
	csv, err := wantsCSV(c)
	if err != nil {
		return err
	}
	d, err := s.incidentData(c)
	if err != nil {
		return err
	}
	sum := reports.Summarize(d, s.cfg.Now())
	if csv {
		return sendCSV(c, "summary-"+d.IncidentID, func(b *bytes.Buffer) error { return reports.WriteSummaryCSV(b, sum) })
	}
	return c.JSON(sum)
}

func (s *Server) movementLog(c *fiber.Ctx) error {
	return s.logReport(c, "movement-log", func(d reports.Data, b *bytes.Buffer, csv bool) (any, error) {
		rows := reports.MovementLog(d)
		if csv {
			return nil, reports.WriteMovementLogCSV(b, rows)
		}
		return rows, nil
	})
}

func (s *Server) decisionLog(c *fiber.Ctx) error {
	return s.logReport(c, "decision-log", func(d reports.Data, b *bytes.Buffer, csv bool) (any, error) {
		rows := reports.DecisionLog(d)
		if csv {
			return nil, reports.WriteDecisionLogCSV(b, rows)
		}
		return rows, nil
	})
}

// logReport serves one of an incident's logs as JSON entries or CSV.
func (s *Server) logReport(c *fiber.Ctx, name string, build func(d reports.Data, b *bytes.Buffer, csv bool) (any, error)) error {
	csv, err := wantsCSV(c)
	if err != nil {
		return err
	}
	d, err := s.incidentData(c)
	if err != nil {
		return err
	}
	if csv {
		return sendCSV(c, name+"-"+d.IncidentID, func(b *bytes.Buffer) error {
			_, err := build(d, b, true)
			return err
		})
	}
	rows, err := build(d, nil, false)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"incident_id": d.IncidentID, "entries": rows})
}

func (s *Server) suggestions(c *fiber.Ctx) error {
	d, err := s.incidentData(c)
	if err != nil {
		return err
	}
	var areas []string
	for _, a := range strings.Split(query(c, "areas"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			areas = append(areas, a)
		}
	}
	sug := reports.Suggest(d, reports.SuggestOptions{Areas: areas})
	return c.JSON(fiber.Map{"incident_id": d.IncidentID, "suggestions": sug})
}
