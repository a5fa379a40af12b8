package api

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"strings"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/server/reports"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// closureRoutes are the reports a closure team reads every day:
// where everyone is now, the Director's daily situation report and each
// resident's transfer summary for the receiving home. They hang off the
// /incidents/:id group, so the reader roles and the incident scope apply.
func (s *Server) closureRoutes(g fiber.Router) {
	g.Get("/whereabouts", s.whereabouts)
	g.Get("/situation-report", s.situationReport)
	g.Get("/residents/:resident/transfer-summary", s.transferSummary)
}

// whereabouts lists the incident's residents by where they are now.
func (s *Server) whereabouts(c *fiber.Ctx) error {
	d, err := s.incidentData(c)
	if err != nil {
		return err
	}
	return c.JSON(reports.Whereabouts(d, s.cfg.Now()))
}

// htmlFormat reads ?format=json|csv|html (json by default); allowed lists
// the formats the report offers.
func htmlFormat(c *fiber.Ctx, allowed ...string) (string, error) {
	f := cmp.Or(query(c, "format"), "json")
	for _, a := range allowed {
		if f == a {
			return f, nil
		}
	}
	return "", syncproto.Errorf(syncproto.CodeInvalidValue, "format", "format must be %s", strings.Join(allowed, ", "))
}

// situationReport is the Director's situation report for a period
// (?since=&until=, RFC 3339): a day by default — the 24 hours to until (now
// when unset), or from since when only since is given — and only that
// period's moves, deaths, admissions, communications and decisions.
func (s *Server) situationReport(c *fiber.Ctx) error {
	format, err := htmlFormat(c, "json", "csv", "html")
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	parse := func(name string) (time.Time, error) {
		v := query(c, name)
		if v == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil || t.After(now) {
			return time.Time{}, syncproto.Errorf(syncproto.CodeInvalidValue, name, "%s must be an RFC 3339 time not in the future, e.g. the last report's generated_at", name)
		}
		return t, nil
	}
	since, err := parse("since")
	if err != nil {
		return err
	}
	until, err := parse("until")
	if err != nil {
		return err
	}
	switch {
	case since.IsZero() && until.IsZero():
		until = now
		since = until.Add(-24 * time.Hour)
	case since.IsZero():
		since = until.Add(-24 * time.Hour)
	case until.IsZero():
		until = since.Add(24 * time.Hour)
		if until.After(now) {
			until = now
		}
	}
	if until.Before(since) {
		return syncproto.Errorf(syncproto.CodeInvalidValue, "until", "until must not be before since")
	}
	d, err := s.incidentData(c)
	if err != nil {
		return err
	}
	rep := reports.Situation(d, now, since, until)
	switch format {
	case "csv":
		return sendCSV(c, "situation-report-"+d.IncidentID, func(b *bytes.Buffer) error { return reports.WriteSituationCSV(b, rep) })
	case "html":
		return sendPage(c, situationPage, rep)
	}
	return c.JSON(rep)
}

// transferSummary is one resident's transfer summary for the receiving
// home, as JSON or a printable page.
func (s *Server) transferSummary(c *fiber.Ctx) error {
	format, err := htmlFormat(c, "json", "html")
	if err != nil {
		return err
	}
	rid, err := uuid.Parse(param(c, "resident"))
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInvalidUUID, "resident", "resident id must be a UUID")
	}
	d, err := s.loadIncident(c)
	if err != nil {
		return err
	}
	t, ok := reports.Transfer(d, rid.String(), s.cfg.Now())
	if !ok {
		return syncproto.Errorf(syncproto.CodeNotFound, "resident", "no resident %s in incident %s", rid, d.IncidentID)
	}
	// A transfer summary is one person's record (NHS number, medication,
	// capacity): every read is audited with that person, not folded into
	// the incident's report reads.
	if err := s.auditRead(c, care.ReadEvent{Action: care.ReadReport, Collection: "residents", RecordID: rid.String(),
		ResidentID: rid.String(), IncidentID: d.IncidentID, Detail: "transfer-summary"}); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if format == "html" {
		return sendPage(c, transferPage, t)
	}
	return c.JSON(t)
}

// sendPage renders a printable page with a strict Content-Security-Policy:
// no script at all, and only the page's own style, by its hash.
func sendPage(c *fiber.Ctx, t *template.Template, data any) error {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Content-Security-Policy", pageCSP)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b.Bytes())
}

const pageStyle = `body{font-family:Arial,sans-serif;margin:2em;color:#0b0c0c;line-height:1.4}
h1{font-size:1.8em}h2{font-size:1.3em;margin-top:1.5em;border-bottom:2px solid #0b0c0c}
table{border-collapse:collapse;width:100%;margin-bottom:1em}th,td{text-align:left;vertical-align:top;border-bottom:1px solid #b1b4b6;padding:.3em .5em}
th{width:30%}.meta{color:#505a5f}.warn{font-weight:bold}section{break-inside:avoid}@media print{body{margin:0}}`

var pageCSP = "default-src 'none'; style-src 'sha256-" + func() string {
	h := sha256.Sum256([]byte(pageStyle))
	return base64.StdEncoding.EncodeToString(h[:])
}() + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

var pageFuncs = template.FuncMap{
	"words": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
	"join":  strings.Join,
}

var situationPage = template.Must(template.New("situation").Funcs(pageFuncs).Parse(`<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Situation report: {{.IncidentTitle}}</title>
<meta name="robots" content="noindex"><style>` + pageStyle + `</style></head>
<body><main>
<h1>Situation report: {{.IncidentTitle}}</h1>
<p class="meta">For the Director. Generated {{.GeneratedAt.Format "2 January 2006 15:04 MST"}}, covering {{.Since.Format "2 January 2006 15:04"}} to {{.Until.Format "2 January 2006 15:04"}}. Process {{.Process}}, {{.Status}}. Provider {{.Provider}}{{if .RAG}}, RAG {{words .RAG}}{{end}}.</p>
<h2>Where residents are</h2>
<table><tbody>
<tr><th scope="row">Residents</th><td>{{.Summary.Whereabouts.Total}}</td></tr>
<tr><th scope="row">Still at the failing service</th><td>{{.Summary.Whereabouts.AtFailingService}}</td></tr>
<tr><th scope="row">At a new home</th><td>{{.Summary.Whereabouts.AtNewHome}}</td></tr>
<tr><th scope="row">In transit</th><td>{{.Summary.Whereabouts.InTransit}}</td></tr>
<tr><th scope="row">In hospital</th><td>{{.Summary.Whereabouts.InHospital}}</td></tr>
<tr><th scope="row">Died</th><td>{{.Summary.Whereabouts.Deceased}}</td></tr>
<tr><th scope="row">Elsewhere or unknown</th><td>{{.Summary.Whereabouts.Elsewhere}} / {{.Summary.Whereabouts.Unknown}}</td></tr>
</tbody></table>
<h2>Moves done in the period ({{len .MovesDone}})</h2>
<table><thead><tr><th scope="col">resident</th><th scope="col">to</th><th scope="col">when</th><th scope="col">hand-over</th></tr></thead><tbody>
{{range .MovesDone}}<tr><td>{{.ResidentName}}</td><td>{{.ToService}}</td><td>{{.When}}</td><td>{{.Handover}}</td></tr>{{else}}<tr><td colspan="4">None.</td></tr>{{end}}
</tbody></table>
<h2>Moves planned ({{len .MovesPlanned}})</h2>
<table><thead><tr><th scope="col">resident</th><th scope="col">to</th><th scope="col">planned</th><th scope="col">status</th></tr></thead><tbody>
{{range .MovesPlanned}}<tr><td>{{.ResidentName}}</td><td>{{.ToService}}</td><td>{{.When}}</td><td>{{words .Status}}</td></tr>{{else}}<tr><td colspan="4">None.</td></tr>{{end}}
</tbody></table>
<h2>Moves on hold ({{len .MovesOnHold}})</h2>
<table><thead><tr><th scope="col">resident</th><th scope="col">to</th><th scope="col">why</th></tr></thead><tbody>
{{range .MovesOnHold}}<tr><td>{{.ResidentName}}</td><td>{{.ToService}}</td><td>{{.HoldReason}}</td></tr>{{else}}<tr><td colspan="3">None.</td></tr>{{end}}
</tbody></table>
<h2>DoLS: new requests needed at the new home ({{len .DoLSToRequest}})</h2>
<table><thead><tr><th scope="col">resident</th><th scope="col">now at</th><th scope="col">DoLS team task due</th></tr></thead><tbody>
{{range .DoLSToRequest}}<tr><td>{{.ResidentName}}</td><td>{{.Home}}</td><td>{{or .DueOn "no task"}} {{.TaskStatus}}</td></tr>{{else}}<tr><td colspan="3">None.</td></tr>{{end}}
</tbody></table>
<h2>Work after moves outstanding ({{len .PostMoveOutstanding}})</h2>
<table><thead><tr><th scope="col">resident</th><th scope="col">what</th><th scope="col">due</th></tr></thead><tbody>
{{range .PostMoveOutstanding}}<tr><td>{{.ResidentName}}</td><td>{{.Title}} ({{.Ref}})</td><td>{{.DueOn}}{{if .Overdue}} (overdue){{end}}</td></tr>{{else}}<tr><td colspan="3">None.</td></tr>{{end}}
</tbody></table>
<h2>Deaths ({{len .Deaths}}) and hospital admissions ({{len .Admissions}}) in the period</h2>
<table><thead><tr><th scope="col">resident</th><th scope="col">event</th><th scope="col">when and where</th><th scope="col">who was told</th></tr></thead><tbody>
{{range .Deaths}}<tr><td>{{.ResidentName}}</td><td>death</td><td>{{.OccurredAt}} {{.Place}}</td><td>family {{or .FamilyInformed "not yet"}}; CQC {{or .CQCNotified "not yet"}}{{if .CoronerRelevant}}; coroner {{or .CoronerNotified "not yet"}}{{end}}</td></tr>{{end}}
{{range .Admissions}}<tr><td>{{.ResidentName}}</td><td>hospital admission</td><td>{{.OccurredAt}} {{.Place}}</td><td>family {{or .FamilyInformed "not yet"}}</td></tr>{{end}}
</tbody></table>
<h2>Overdue</h2>
<p>{{len .OverdueChecks}} safe-and-well check(s) due; {{len .OverdueReviews}} post-move review(s) overdue; {{.OpenConflicts}} open sync conflict(s).</p>
<table><thead><tr><th scope="col">resident</th><th scope="col">what</th><th scope="col">due</th></tr></thead><tbody>
{{range .OverdueChecks}}<tr><td>{{.ResidentName}}</td><td>safe-and-well check</td><td>{{or .FollowUpDue "never checked"}}</td></tr>{{end}}
{{range .OverdueReviews}}<tr><td>{{.ResidentName}}</td><td>{{words .ReviewType}} review at {{.ServiceName}}</td><td>{{.DueOn}}</td></tr>{{end}}
</tbody></table>
<h2>Risks ({{len .Risks}})</h2>
<table><thead><tr><th scope="col">risk</th><th scope="col">level</th><th scope="col">owner</th><th scope="col">review by</th></tr></thead><tbody>
{{range .Risks}}<tr><td>{{.Risk}}</td><td>{{words .Level}}</td><td>{{.Owner}}</td><td>{{.ReviewBy}}</td></tr>{{else}}<tr><td colspan="4">None open.</td></tr>{{end}}
</tbody></table>
<h2>Communications in the period ({{len .Communications}})</h2>
<table><thead><tr><th scope="col">when</th><th scope="col">with</th><th scope="col">summary</th></tr></thead><tbody>
{{range .Communications}}<tr><td>{{.OccurredAt}}</td><td>{{words .Party}} {{.WithWhom}} ({{.Channel}}, {{.Direction}})</td><td>{{.Summary}}</td></tr>{{else}}<tr><td colspan="3">None.</td></tr>{{end}}
</tbody></table>
<h2>Checklist</h2>
<p>{{.Summary.ChecklistTotal.Done}} of {{.Summary.ChecklistTotal.Items}} items done; done with no evidence: {{if .Summary.ChecklistWithoutEvidence}}{{join .Summary.ChecklistWithoutEvidence ", "}}{{else}}none{{end}}.</p>
</main></body></html>
`))

var transferPage = template.Must(template.New("transfer").Funcs(pageFuncs).Parse(`<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Transfer summary: {{.Name}}</title>
<meta name="robots" content="noindex"><style>` + pageStyle + `</style></head>
<body><main>
<h1>Transfer summary: {{.Name}}{{if .PreferredName}} ("{{.PreferredName}}"){{end}}</h1>
<p class="meta">For the receiving home. Generated {{.GeneratedAt.Format "2 January 2006 15:04 MST"}}. From {{.FromService}}{{if .ToService}} to {{.ToService}}{{end}}{{if .PlannedAt}}, planned {{.PlannedAt}}{{end}}.</p>
{{if .HandoverMissing}}<p class="warn">Hand-over not yet done: {{join .HandoverMissing "; "}}.</p>{{end}}
<section><h2>Identity (check on arrival)</h2>
<table><tbody>
<tr><th scope="row">Name</th><td>{{.Name}}</td></tr>
<tr><th scope="row">Date of birth</th><td>{{.DateOfBirth}}</td></tr>
<tr><th scope="row">NHS number</th><td>{{.NHSNumber}}</td></tr>
</tbody></table></section>
<section><h2>In their own words</h2>
<p>{{or .InOwnWords "Not recorded."}}</p>{{if .LatestSaid}}<p>Most recently: "{{.LatestSaid}}"</p>{{end}}
{{if .Preferences}}<p>Preferences: {{.Preferences}}</p>{{end}}</section>
<section><h2>Care needs</h2>
<table><tbody>
<tr><th scope="row">Category of care</th><td>{{words .RegistrationCategory}}</td></tr>
<tr><th scope="row">Needs</th><td>{{.NeedsSummary}}</td></tr>
<tr><th scope="row">Communication</th><td>{{.CommunicationNeeds}}</td></tr>
<tr><th scope="row">Mental capacity (where to live)</th><td>{{words .Capacity}}{{if .BestInterests}}; best-interests decision: {{.BestInterests}}{{end}}</td></tr>
<tr><th scope="row">DoLS</th><td>{{words .DoLSStatus}}{{if .DoLSExpiry}}, expires {{.DoLSExpiry}}{{end}}{{if .DoLSNote}}<br><strong>{{.DoLSNote}}</strong>{{end}}</td></tr>
<tr><th scope="row">Funding</th><td>{{join .Funding ", "}}</td></tr>
</tbody></table></section>
<section><h2>Medication and treatment</h2>
<table><tbody>
<tr><th scope="row">Medication</th><td>{{.MedicationSummary}}</td></tr>
<tr><th scope="row">GP</th><td>{{.GP}}</td></tr>
</tbody></table></section>
<section><h2>Equipment</h2>
<table><tbody>{{range .Equipment}}<tr><th scope="row">{{.Item}}</th><td>owned by {{.Owner}}{{if .Transferable}}, transfers with the person{{end}} {{.Notes}}</td></tr>{{else}}<tr><td>None recorded.</td></tr>{{end}}</tbody></table></section>
<section><h2>Contacts</h2>
<table><tbody>{{range .Contacts}}<tr><th scope="row">{{.Name}}{{if .Relationship}} ({{.Relationship}}){{end}}{{if .NextOfKin}}, next of kin{{end}}</th><td>{{.Phone}} {{.Email}}</td></tr>{{else}}<tr><td>None recorded.</td></tr>{{end}}
{{range .Attorneys}}<tr><th scope="row">{{.Name}} ({{words .Kind}})</th><td>{{.Phone}} {{.Email}}</td></tr>{{end}}</tbody></table></section>
</main></body></html>
`))
