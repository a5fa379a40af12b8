package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/continuity-care/continuity/server/api"
	"github.com/continuity-care/continuity/server/care"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// spec is server/api/openapi.json, loaded once for every test.
var spec struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

func loadSpec() (*openapi3.T, routers.Router, error) {
	spec.once.Do(func() {
		// Printable pages (the subject-access export) are checked as text.
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
		doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI())
		if err != nil {
			spec.err = fmt.Errorf("openapi.json does not load: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			spec.err = fmt.Errorf("openapi.json is not a valid OpenAPI description: %w", err)
			return
		}
		spec.doc = doc
		spec.router, spec.err = gorillamux.NewRouter(doc)
	})
	return spec.doc, spec.router, spec.err
}

// validateResponse checks one response against openapi.json: its route and
// method are described, its status is one the operation lists, and its
// headers and body match the schema. A request for a route that does not
// exist must get the 404 error envelope.
func validateResponse(req *http.Request, status int, header http.Header, body []byte) error {
	doc, router, err := loadSpec()
	if err != nil {
		return err
	}
	route, params, err := router.FindRoute(req)
	if errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed) {
		if status != http.StatusNotFound {
			return fmt.Errorf("%s %s is not described in openapi.json, yet answered %d: describe it", req.Method, req.URL.Path, status)
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("404 for an unknown route is not JSON: %s", body)
		}
		return doc.Components.Schemas["ErrorEnvelope"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020())
	}
	if err != nil {
		return fmt.Errorf("find route %s %s: %w", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s answered %d, which openapi.json does not describe: %w\nbody: %.2000s", req.Method, req.URL.Path, status, err, body)
	}
	return nil
}

// checkResponse fails the test when a response does not match openapi.json.
// Every response the API tests receive goes through it (env.do, env.doRaw).
func checkResponse(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if err := validateResponse(req, status, header, body); err != nil {
		t.Errorf("openapi: %v", err)
	}
}

// notAPI are route prefixes that serve pages rather than the HTTP API.
var notAPI = []string{"/app", "/console"}

// describedNotServed are operations openapi.json describes ahead of the
// route: remove an entry when its route lands.
var describedNotServed = map[string]string{}

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// TestOpenAPI_CoversEveryRoute: every route the Fiber app serves is in
// openapi.json, and everything openapi.json describes is served.
func TestOpenAPI_CoversEveryRoute(t *testing.T) {
	doc, _, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	srv := api.New(apiConfig{Store: e.store, Access: e.store, Sync: e.sync, Auth: e.auth})
	served := map[string]bool{}
	for _, r := range srv.App().GetRoutes(true) {
		if r.Method == http.MethodHead || r.Method == http.MethodConnect || r.Method == http.MethodTrace {
			continue // Fiber adds HEAD for every GET
		}
		skip := false
		for _, p := range notAPI {
			skip = skip || r.Path == p || strings.HasPrefix(r.Path, p+"/")
		}
		if !skip {
			served[r.Method+" "+fiberParam.ReplaceAllString(r.Path, "{$1}")] = true
		}
	}
	described := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described[strings.ToUpper(method)+" "+path] = true
		}
	}
	var missing, extra, landed []string
	for r := range served {
		if !described[r] {
			missing = append(missing, r)
		}
		if _, ok := describedNotServed[r]; ok {
			landed = append(landed, r)
		}
	}
	for r := range described {
		if _, ahead := describedNotServed[r]; !served[r] && !ahead {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	sort.Strings(landed)
	if len(missing) > 0 {
		t.Errorf("routes served but not described in server/api/openapi.json; add each with its parameters, request body and every status it answers:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("operations described in server/api/openapi.json that no route serves; remove them or add the route:\n  %s", strings.Join(extra, "\n  "))
	}
	if len(landed) > 0 {
		t.Errorf("routes now served: remove them from describedNotServed in openapi_test.go:\n  %s", strings.Join(landed, "\n  "))
	}
}

// TestOpenAPI_Served: GET /openapi.json answers the checked-in description.
func TestOpenAPI_Served(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/openapi.json", "", nil)
	if r.Status != 200 || !bytes.Equal(r.Body, api.OpenAPI()) || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json: %d %s %.100s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
	}
	r.decode(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
}

// TestOpenAPI_ValidateResponse shows the check catches drift: responses
// that differ from the description are refused.
func TestOpenAPI_ValidateResponse(t *testing.T) {
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	req := func(method, path string) *http.Request {
		r, err := http.NewRequest(method, "http://127.0.0.1:8080"+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	pair := `{"access_token":"a","refresh_token":"crt_x.y","token_type":"Bearer","expires_in":900,"device_id":"tab-1"}`
	envelope := `{"error":{"code":"unauthorized","message":"no","field":"code"}}`
	cases := []struct {
		name   string
		req    *http.Request
		status int
		header http.Header
		body   string
		ok     bool
	}{
		{"a described answer", req("POST", "/v1/auth/enrol"), 200, jsonHeader, pair, true},
		{"a described error", req("POST", "/v1/auth/enrol"), 401, jsonHeader, envelope, true},
		{"a field missing", req("POST", "/v1/auth/enrol"), 200, jsonHeader, `{"access_token":"a","refresh_token":"crt_x.y","token_type":"Bearer","expires_in":900}`, false},
		{"a field not described", req("POST", "/v1/auth/enrol"), 200, jsonHeader, strings.Replace(pair, `"a"`, `"a","scope":"x"`, 1), false},
		{"a field of the wrong type", req("POST", "/v1/auth/enrol"), 200, jsonHeader, strings.Replace(pair, "900", `"900"`, 1), false},
		{"a status not described", req("POST", "/v1/auth/enrol"), 403, jsonHeader, envelope, false},
		{"an error that is not the envelope", req("POST", "/v1/auth/enrol"), 401, jsonHeader, `{"message":"no"}`, false},
		{"429 without Retry-After", req("POST", "/v1/auth/enrol"), 429, jsonHeader, envelope, false},
		{"429 with Retry-After", req("POST", "/v1/auth/enrol"), 429, http.Header{"Content-Type": {"application/json"}, "Retry-After": {"60"}}, envelope, true},
		{"another content type", req("POST", "/v1/auth/enrol"), 200, http.Header{"Content-Type": {"text/html"}}, pair, false},
		{"a route not described", req("GET", "/v1/secret"), 200, jsonHeader, `{}`, false},
		{"an unknown route's 404", req("GET", "/v1/secret"), 404, jsonHeader, `{"error":{"code":"not_found","message":"no route"}}`, true},
		{"a path parameter", req("DELETE", "/v1/admin/enrolment-codes/abc"), 200, jsonHeader, `{"id":"abc","cancelled":true}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := validateResponse(tc.req, tc.status, tc.header, []byte(tc.body))
			if (err == nil) != tc.ok {
				t.Fatalf("validate = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestOpenAPI_EveryOperation calls each operation the other tests reach
// least, on the demo scenario, so that each has at least one answer checked
// against openapi.json (env.do checks every response).
func TestOpenAPI_EveryOperation(t *testing.T) {
	e := newEnv(t)
	sc := loadScenario(t, e)
	admin := e.token("ada", "admin", "admin-laptop")
	bo := e.token("bea", "back_office", "desk-1", "*")
	inc := "/v1/incidents/" + sc.IncidentID
	csvFile, err := os.ReadFile("../../testdata/cqc/directory.csv")
	if err != nil {
		t.Fatal(err)
	}
	providers, err := e.store.Records(t.Context(), "providers", care.Filter{})
	if err != nil || len(providers) == 0 {
		t.Fatalf("the scenario has no provider: %v", err)
	}
	calls := []struct {
		method, path, token string
		body                any
		status              int
	}{
		{"GET", "/healthz", "", nil, 200},
		{"GET", "/readyz", "", nil, 200},
		{"GET", "/v1/admin/users", admin, nil, 200},
		{"GET", "/v1/admin/devices", admin, nil, 200},
		{"GET", "/v1/admin/users/bea/scopes", admin, nil, 200},
		{"GET", "/v1/admin/users", bo, nil, 403},
		{"POST", "/v1/admin/import/cqc", admin, csvFile, 200},
		{"POST", "/v1/admin/import/cqc", admin, "no header here\n", 400},
		{"POST", "/v1/admin/import/cqc", admin, "", 400},
		{"GET", inc + "/summary", bo, nil, 200},
		{"GET", inc + "/summary?format=csv", bo, nil, 200},
		{"GET", inc + "/movement-log", bo, nil, 200},
		{"GET", inc + "/movement-log?format=csv", bo, nil, 200},
		{"GET", inc + "/decision-log", bo, nil, 200},
		{"GET", inc + "/decision-log?format=csv", bo, nil, 200},
		{"GET", inc + "/decision-log?format=xml", bo, nil, 400},
		{"GET", inc + "/suggestions?areas=Derby,any", bo, nil, 200},
		{"GET", "/v1/providers/" + providers[0].ID + "/assessment", bo, nil, 200},
		{"GET", "/v1/conflicts?status=open&incident_id=" + sc.IncidentID, bo, nil, 200},
		{"GET", "/v1/conflicts?status=maybe", bo, nil, 400},
		{"GET", "/v1/quarantine?status=open&limit=10&after=0", bo, nil, 200},
		{"GET", "/v1/quarantine?limit=0", bo, nil, 400},
		{"GET", "/v1/sync/pull?limit=5", bo, nil, 200},
		{"DELETE", "/v1/admin/scopes/bea/" + sc.IncidentID, admin, nil, 404},
		{"POST", "/v1/admin/devices/desk-9/revoke", admin, nil, 404},
		{"GET", "/v1/no-such-route", bo, nil, 404},
	}
	for _, c := range calls {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			if r := e.do(c.method, c.path, c.token, c.body); r.Status != c.status {
				t.Fatalf("%d %.300s", r.Status, r.Body)
			}
		})
	}
}
