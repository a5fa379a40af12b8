package api

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/continuity-care/continuity/server/care"
	"github.com/continuity-care/continuity/syncproto"
	"github.com/continuity-care/continuity/syncproto/schema"
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// auditRoles may read the read audit: the Caldicott Guardian's report is
// run by an administrator or the Director.
var auditRoles = []string{care.RoleAdmin, care.RoleDirector}

func (s *Server) governanceRoutes(r fiber.Router) {
	r.Get("/residents/:id/export", s.requireRole(care.ExportRoles...), s.exportResident)
	r.Get("/audit/reads", s.requireRole(auditRoles...), s.listReads)
}

// auditRead records a read a person made on purpose. A read that cannot be
// audited is not served.
func (s *Server) auditRead(c *fiber.Ctx, e care.ReadEvent) error {
	if s.audit == nil {
		return syncproto.Errorf(syncproto.CodeUnavailable, "", "the read audit is not available, so this read is refused")
	}
	p := principal(c)
	e.At, e.Subject, e.Role, e.DeviceID = s.cfg.Now().UTC(), p.Subject, p.Role, p.DeviceID
	if err := s.audit.RecordRead(c.UserContext(), e); err != nil {
		return err
	}
	return nil
}

// ReportReadWindow is how long one device's reads of the same report of
// one incident count as one read in the audit: the board and the other
// views refresh themselves on every push, and an audit row per refresh
// would say nothing more while costing a write each time.
const ReportReadWindow = 15 * time.Minute

// recentReads is when each (device, incident, report) was last audited.
type recentReads struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// due reports whether key was not audited within the window before now,
// and if so notes now as its last audit.
func (r *recentReads) due(key string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		r.last = map[string]time.Time{}
	}
	if t, ok := r.last[key]; ok && now.Sub(t) < ReportReadWindow {
		return false
	}
	if len(r.last) >= 10000 {
		for k, t := range r.last {
			if now.Sub(t) >= ReportReadWindow {
				delete(r.last, k)
			}
		}
	}
	r.last[key] = now
	return true
}

// forget drops key, so its next read is audited.
func (r *recentReads) forget(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.last, key)
}

// auditReport audits a report read unless the same device read the same
// report of the same incident within ReportReadWindow.
func (s *Server) auditReport(c *fiber.Ctx, e care.ReadEvent) error {
	p := principal(c)
	key := p.Subject + "\x00" + p.DeviceID + "\x00" + e.IncidentID + "\x00" + e.Detail
	if !s.reportReads.due(key, s.cfg.Now()) {
		return nil
	}
	if err := s.auditRead(c, e); err != nil {
		s.reportReads.forget(key)
		return err
	}
	return nil
}

// exportResident answers a subject access request: everything held about one
// person, as JSON or (format=html) a printable page. The export is audited.
func (s *Server) exportResident(c *fiber.Ctx) error {
	id, err := uuid.Parse(param(c, "id"))
	if err != nil {
		return syncproto.Errorf(syncproto.CodeInvalidUUID, "id", "resident id must be a UUID")
	}
	format := cmp.Or(query(c, "format"), "json")
	if format != "json" && format != "html" {
		return syncproto.Errorf(syncproto.CodeInvalidValue, "format", "format must be json or html")
	}
	exp, err := s.cfg.Sync.ExportResident(c.UserContext(), principal(c), id.String())
	if err != nil {
		return err
	}
	if err := s.auditRead(c, care.ReadEvent{Action: care.ReadExport, Collection: "residents", RecordID: exp.ResidentID,
		ResidentID: exp.ResidentID, IncidentID: exp.IncidentID, Detail: format}); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if format == "json" {
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="subject-access-`+exp.ResidentID+`.json"`)
		return c.JSON(exp)
	}
	var b bytes.Buffer
	if err := exportPage.Execute(&b, exportView(exp)); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Content-Security-Policy", exportCSP)
	return c.Send(b.Bytes())
}

// listReads is the Caldicott Guardian's report: reads per resident (with the
// reports about their incident), or per incident.
func (s *Server) listReads(c *fiber.Ctx) error {
	if s.audit == nil {
		return syncproto.Errorf(syncproto.CodeUnavailable, "", "the read audit is not available")
	}
	p := principal(c)
	f := care.ReadFilter{Incidents: care.IncidentScopes(p), Limit: 1000}
	if v := query(c, "limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			return syncproto.Errorf(syncproto.CodeInvalidValue, "limit", "limit must be 1 to 5000")
		}
		f.Limit = n
	}
	if v := query(c, "after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return syncproto.Errorf(syncproto.CodeInvalidValue, "after", "after must be an event id")
		}
		f.AfterID = n
	}
	if v := query(c, "incident_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInvalidUUID, "incident_id", "incident_id must be a UUID")
		}
		f.IncidentID = id.String()
	}
	if v := query(c, "resident_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return syncproto.Errorf(syncproto.CodeInvalidUUID, "resident_id", "resident_id must be a UUID")
		}
		f.ResidentID = id.String()
		inc, err := s.residentIncident(c, f.ResidentID, f.Incidents)
		if err != nil {
			return err
		}
		if inc == "" || !care.CanSee(p, inc) {
			return syncproto.Errorf(syncproto.CodeNotFound, "resident_id", "no resident %s", f.ResidentID)
		}
		f.IncidentID = inc
	}
	reads, err := s.audit.Reads(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"reads": reads})
}

// residentIncident is the incident a resident is filed under, for the
// per-person read audit. It is the stored record's scope, which the server
// keeps when the record is deleted (a tombstone has no incident_id field);
// then the record's own field; and for a record no longer held at all
// (purged by retention) the incident its audited reads were filed under,
// among the incidents the caller may see. The reads of a person outlive
// the person's record.
func (s *Server) residentIncident(c *fiber.Ctx, residentID string, visible []string) (string, error) {
	res, err := s.cfg.Store.Record(c.UserContext(), "residents", residentID)
	if err != nil {
		return "", err
	}
	if res != nil {
		if res.Scope != "" {
			return res.Scope, nil
		}
		if inc := schema.StringValue(res, "incident_id"); inc != "" {
			return inc, nil
		}
	}
	reads, err := s.audit.Reads(c.UserContext(), care.ReadFilter{ResidentID: residentID, Incidents: visible, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(reads) == 0 {
		return "", nil
	}
	return reads[0].IncidentID, nil
}

// reportName is the last segment of a report's path, copied out of Fiber's
// buffer.
func reportName(c *fiber.Ctx) string {
	p := c.Path()
	return strings.Clone(p[strings.LastIndexByte(p, '/')+1:])
}

// exportRow is one field of a record on the printable export.
type exportRow struct{ Name, Value string }

// exportEntry is one record on the printable export.
type exportEntry struct {
	Collection, ID string
	Deleted        bool
	Rows           []exportRow
	History        []care.AuditedChange
}

type exportPageData struct {
	Export    *care.ResidentExport
	Title     string
	Resident  exportEntry
	Records   []exportEntry
	Conflicts []exportEntry
}

func exportView(e *care.ResidentExport) exportPageData {
	entry := func(r care.ExportedRecord) exportEntry {
		out := exportEntry{Collection: r.Collection, ID: r.ID, Deleted: r.Deleted, History: r.History}
		names := make([]string, 0, len(r.Fields))
		for k := range r.Fields {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			var v any
			text := string(r.Fields[k])
			if json.Unmarshal(r.Fields[k], &v) == nil {
				if s, ok := v.(string); ok {
					text = s
				}
			}
			out.Rows = append(out.Rows, exportRow{Name: strings.ReplaceAll(k, "_", " "), Value: text})
		}
		return out
	}
	d := exportPageData{Export: e, Title: "Subject access export", Resident: entry(e.Resident)}
	for _, r := range e.Records {
		d.Records = append(d.Records, entry(r))
	}
	for _, r := range e.Conflicts {
		d.Conflicts = append(d.Conflicts, entry(r))
	}
	return d
}

const exportStyle = `body{font-family:Arial,sans-serif;margin:2em;color:#0b0c0c;line-height:1.4}
h1{font-size:1.8em}h2{font-size:1.4em;margin-top:1.5em;border-bottom:2px solid #0b0c0c}h3{font-size:1.1em}
table{border-collapse:collapse;width:100%;margin-bottom:1em}th,td{text-align:left;vertical-align:top;border-bottom:1px solid #b1b4b6;padding:.3em .5em}
th{width:30%}.meta{color:#505a5f}section{break-inside:avoid}@media print{body{margin:0}a{color:inherit}}`

var exportCSP = "default-src 'none'; style-src 'sha256-" + func() string {
	h := sha256.Sum256([]byte(exportStyle))
	return base64.StdEncoding.EncodeToString(h[:])
}() + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

var exportPage = template.Must(template.New("export").Parse(`<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="robots" content="noindex"><style>` + exportStyle + `</style></head>
<body><main>
<h1>{{.Title}}</h1>
<p class="meta">Everything Continuity holds about one person (UK GDPR Article 15). Generated {{.Export.GeneratedAt.Format "2 January 2006 15:04 MST"}} by {{.Export.GeneratedBy}}. Resident {{.Export.ResidentID}}, incident {{.Export.IncidentID}}.</p>
{{define "record"}}<section><h3>{{.Collection}} {{.ID}}{{if .Deleted}} (deleted){{end}}</h3>
<table><tbody>{{range .Rows}}<tr><th scope="row">{{.Name}}</th><td>{{.Value}}</td></tr>{{end}}</tbody></table>
<table><caption>Who wrote what, and when</caption><thead><tr><th scope="col">when</th><th scope="col">who</th><th scope="col">change</th></tr></thead><tbody>
{{range .History}}<tr><td>{{.ReceivedAt.Format "2006-01-02 15:04:05Z07:00"}}</td><td>{{.Subject}} ({{.Role}}, device {{.Change.DeviceID}})</td><td>{{.Change.Op}}{{range $k, $v := .Change.Fields}} {{$k}}{{end}}</td></tr>{{end}}
</tbody></table></section>{{end}}
<h2>The person's record</h2>
{{template "record" .Resident}}
<h2>Records about the person ({{len .Records}})</h2>
{{range .Records}}{{template "record" .}}{{end}}
<h2>Conflicts ({{len .Conflicts}})</h2>
{{range .Conflicts}}{{template "record" .}}{{else}}<p>None.</p>{{end}}
<h2>Rejected changes that mention the person ({{len .Export.Quarantined}})</h2>
{{range .Export.Quarantined}}<section><h3>{{.Collection}} {{.RecordID}}</h3><p>Rejected {{.ReceivedAt.Format "2006-01-02 15:04:05Z07:00"}} from {{.Subject}} ({{.Role}}, device {{.DeviceID}}): {{.Error.Message}}</p><pre>{{printf "%s" .Raw}}</pre></section>{{else}}<p>None.</p>{{end}}
</main></body></html>
`))

// historyRead describes opening a record's history: the person it concerns
// is the record itself for a resident, else the resident it names.
func historyRead(collection, id string, h []care.AuditedChange) care.ReadEvent {
	e := care.ReadEvent{Action: care.ReadHistory, Collection: collection, RecordID: id}
	var inc, res string
	for _, a := range h {
		if v, ok := a.Change.Fields["incident_id"]; ok {
			_ = json.Unmarshal(v, &inc)
		}
		if v, ok := a.Change.Fields["resident_id"]; ok {
			_ = json.Unmarshal(v, &res)
		}
	}
	if collection == "residents" {
		res = id
	}
	e.IncidentID, e.ResidentID = inc, res
	return e
}
