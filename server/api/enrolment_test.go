package api_test

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/continuity-care/continuity/server/auth"
	"github.com/continuity-care/continuity/server/care"
	"github.com/google/uuid"
)

// codeShape is how an enrolment code is shown: 10 characters of the
// alphabet, grouped 4-4-2.
var codeShape = regexp.MustCompile(`^[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{2}$`)

// issueCode asks the admin API for a code for sub's device named name.
func (e *env) issueCode(admin, sub, name string) auth.IssuedCode {
	e.t.Helper()
	r := e.do("POST", "/v1/admin/enrolment-codes", admin, map[string]any{"subject": sub, "device_name": name})
	if r.Status != 201 {
		e.t.Fatalf("issue code: %d %s", r.Status, r.Body)
	}
	var c auth.IssuedCode
	r.decode(e.t, &c)
	return c
}

func TestServer_EnrolByCode(t *testing.T) {
	e := newEnv(t)
	admin := e.token("ada", "admin", "admin-laptop")
	inc := uuid.NewString()
	if _, err := e.auth.AddUser(t.Context(), "nia", care.RoleSocialWorker, "Nia Okafor"); err != nil {
		t.Fatal(err)
	}
	if err := e.store.GrantScope(t.Context(), grant("nia", inc, e.clock.Now())); err != nil {
		t.Fatal(err)
	}

	t.Run("issue validates input", func(t *testing.T) {
		cases := []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"no subject", map[string]any{"device_name": "Ward iPad 3"}, 400, "subject"},
			{"no device name", map[string]any{"subject": "nia"}, 400, "device_name"},
			{"blank device name", map[string]any{"subject": "nia", "device_name": "   "}, 400, "device_name"},
			{"device name with a control character", map[string]any{"subject": "nia", "device_name": "iPad\x00"}, 400, "device_name"},
			{"device name too long", map[string]any{"subject": "nia", "device_name": strings.Repeat("é", 101)}, 400, "device_name"},
			{"bad subject", map[string]any{"subject": "nia okafor!", "device_name": "iPad"}, 400, "subject"},
			{"unknown user", map[string]any{"subject": "nobody", "device_name": "iPad"}, 404, "subject"},
			{"unknown attribute", map[string]any{"subject": "nia", "device_name": "iPad", "ttl": 60}, 400, "ttl"},
			{"wrong type", map[string]any{"subject": "nia", "device_name": 7}, 400, "device_name"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do("POST", "/v1/admin/enrolment-codes", admin, tc.body)
				if r.Status != tc.status || r.errorBody(t).Field != tc.field {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
			})
		}
	})

	t.Run("happy path: the code enrols a new device with the user's role and scopes", func(t *testing.T) {
		c := e.issueCode(admin, "nia", "Ward iPad 3")
		if !codeShape.MatchString(c.Code) {
			t.Fatalf("code %q is not shaped like K7QM-4XRT-9P", c.Code)
		}
		if want := e.clock.Now().Add(15 * time.Minute); !c.ExpiresAt.Equal(want) {
			t.Fatalf("expires_at %s, want %s", c.ExpiresAt, want)
		}
		if !strings.HasPrefix(c.DeviceID, "ward-ipad-3-") {
			t.Fatalf("device id %q", c.DeviceID)
		}
		r := e.do("POST", "/v1/auth/enrol", "", map[string]any{"code": c.Code})
		if r.Status != 200 {
			t.Fatalf("enrol: %d %s", r.Status, r.Body)
		}
		var pair auth.Pair
		r.decode(t, &pair)
		if pair.DeviceID != c.DeviceID || pair.AccessToken == "" || !strings.HasPrefix(pair.RefreshToken, "crt_") || pair.TokenType != "Bearer" || pair.ExpiresIn != 900 {
			t.Fatalf("pair = %+v", pair)
		}
		p, err := e.auth.Authenticate(t.Context(), pair.AccessToken)
		if err != nil || p.Subject != "nia" || p.Role != care.RoleSocialWorker || p.DeviceID != c.DeviceID || len(p.Scopes) != 1 || p.Scopes[0] != "incident:"+inc {
			t.Fatalf("principal = %+v, %v", p, err)
		}
		if r := e.do("GET", "/v1/sync/pull", pair.AccessToken, nil); r.Status != 200 {
			t.Fatalf("pull with the new device: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/v1/auth/token", "", map[string]any{"refresh_token": pair.RefreshToken}); r.Status != 200 {
			t.Fatalf("refresh the new device: %d %s", r.Status, r.Body)
		}
		d, err := e.store.Device(t.Context(), c.DeviceID)
		if err != nil || d.Name != "Ward iPad 3" || d.Subject != "nia" || !d.EnrolledAt.Equal(e.clock.Now()) {
			t.Fatalf("device = %+v, %v", d, err)
		}
	})

	t.Run("typed in lower case, with spaces or no separators", func(t *testing.T) {
		for _, typed := range []func(string) string{
			strings.ToLower,
			func(s string) string { return strings.ReplaceAll(s, "-", "") },
			func(s string) string { return " " + strings.ReplaceAll(strings.ToLower(s), "-", " ") + " " },
		} {
			c := e.issueCode(admin, "nia", "Phone")
			if r := e.do("POST", "/v1/auth/enrol", "", map[string]any{"code": typed(c.Code)}); r.Status != 200 {
				t.Fatalf("enrol with %q: %d %s", typed(c.Code), r.Status, r.Body)
			}
		}
	})

	t.Run("a code works once", func(t *testing.T) {
		c := e.issueCode(admin, "nia", "Tablet")
		if r := e.do("POST", "/v1/auth/enrol", "", map[string]any{"code": c.Code}); r.Status != 200 {
			t.Fatalf("first use: %d %s", r.Status, r.Body)
		}
		r := e.do("POST", "/v1/auth/enrol", "", map[string]any{"code": c.Code})
		if r.Status != 401 || r.errorBody(t).Field != "code" || !strings.Contains(r.errorBody(t).Message, "already been used") {
			t.Fatalf("second use: %d %s", r.Status, r.Body)
		}
	})

	t.Run("a code works once when two devices race", func(t *testing.T) {
		for round := 0; round < 5; round++ {
			c := e.issueCode(admin, "nia", "Race")
			statuses := make([]int, 4)
			var wg sync.WaitGroup
			for i := range statuses {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					statuses[i] = e.do("POST", "/v1/auth/enrol", "", map[string]any{"code": c.Code}).Status
				}(i)
			}
			wg.Wait()
			ok := 0
			for _, s := range statuses {
				switch s {
				case 200:
					ok++
				case 401:
				default:
					t.Fatalf("statuses %v", statuses)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d enrolments from one code (%v)", round, ok, statuses)
			}
		}
	})

	t.Run("a code expires", func(t *testing.T) {
		c := e.issueCode(admin, "nia", "Late")
		e.clock.Advance(15 * time.Minute)
		r := e.do("POST", "/v1/auth/enrol", "", map[string]any{"code": c.Code})
		if r.Status != 401 || r.errorBody(t).Field != "code" || !strings.Contains(r.errorBody(t).Message, "expired") {
			t.Fatalf("expired code: %d %s", r.Status, r.Body)
		}
		if _, err := e.store.Device(t.Context(), c.DeviceID); err != care.ErrNotFound {
			t.Fatalf("an expired code enrolled %s: %v", c.DeviceID, err)
		}
	})

	t.Run("bad codes", func(t *testing.T) {
		cases := []struct {
			name   string
			body   any
			status int
		}{
			{"unknown code", map[string]any{"code": "K7QM-4XRT-9P"}, 401},
			{"look-alike characters", map[string]any{"code": "K7QM-4XRT-1O"}, 400},
			{"too short", map[string]any{"code": "K7QM-4XRT"}, 400},
			{"too long", map[string]any{"code": "K7QM-4XRT-9PP"}, 400},
			{"empty", map[string]any{"code": ""}, 400},
			{"not a string", map[string]any{"code": 12345}, 400},
			{"missing", map[string]any{}, 400},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do("POST", "/v1/auth/enrol", "", tc.body)
				if r.Status != tc.status || r.errorBody(t).Field != "code" {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
			})
		}
		if r := e.do("POST", "/v1/auth/enrol", "", "{"); r.Status != 400 || r.errorBody(t).Code != "invalid_json" {
			t.Fatalf("broken JSON: %d %s", r.Status, r.Body)
		}
	})

	t.Run("list shows open codes without the codes; cancel withdraws one", func(t *testing.T) {
		open := e.issueCode(admin, "nia", "Open")
		cancelled := e.issueCode(admin, "nia", "Cancelled")
		used := e.issueCode(admin, "nia", "Used")
		if r := e.do("POST", "/v1/auth/enrol", "", map[string]any{"code": used.Code}); r.Status != 200 {
			t.Fatalf("enrol: %d %s", r.Status, r.Body)
		}
		if r := e.do("DELETE", "/v1/admin/enrolment-codes/"+cancelled.ID, admin, nil); r.Status != 200 {
			t.Fatalf("cancel: %d %s", r.Status, r.Body)
		}
		if r := e.do("DELETE", "/v1/admin/enrolment-codes/"+cancelled.ID, admin, nil); r.Status != 404 || r.errorBody(t).Field != "id" {
			t.Fatalf("cancel twice: %d %s", r.Status, r.Body)
		}
		if r := e.do("DELETE", "/v1/admin/enrolment-codes/"+used.ID, admin, nil); r.Status != 404 {
			t.Fatalf("cancel a used code: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/v1/auth/enrol", "", map[string]any{"code": cancelled.Code}); r.Status != 401 {
			t.Fatalf("enrol with a cancelled code: %d %s", r.Status, r.Body)
		}
		r := e.do("GET", "/v1/admin/enrolment-codes", admin, nil)
		if r.Status != 200 {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), open.Code) || strings.Contains(string(r.Body), strings.ReplaceAll(open.Code, "-", "")) {
			t.Fatalf("the listing shows a code: %s", r.Body)
		}
		var list struct {
			Codes []map[string]any `json:"codes"`
		}
		r.decode(t, &list)
		if len(list.Codes) != 1 || list.Codes[0]["id"] != open.ID || list.Codes[0]["device_name"] != "Open" || list.Codes[0]["subject"] != "nia" || list.Codes[0]["created_by"] != "ada" {
			t.Fatalf("open codes = %s", r.Body)
		}
		e.clock.Advance(16 * time.Minute)
		r = e.do("GET", "/v1/admin/enrolment-codes", admin, nil)
		r.decode(t, &list)
		if len(list.Codes) != 0 {
			t.Fatalf("expired codes listed: %s", r.Body)
		}
	})

	t.Run("only an admin issues, lists and cancels codes", func(t *testing.T) {
		c := e.issueCode(admin, "nia", "Mine")
		for _, role := range []string{care.RoleSocialWorker, care.RoleBackOffice, care.RoleDirector} {
			tok := e.token("u-"+role, role, "dev-"+role)
			for _, req := range []struct{ method, path string }{
				{"POST", "/v1/admin/enrolment-codes"}, {"GET", "/v1/admin/enrolment-codes"}, {"DELETE", "/v1/admin/enrolment-codes/" + c.ID},
			} {
				r := e.do(req.method, req.path, tok, map[string]any{"subject": "nia", "device_name": "x"})
				if r.Status != 403 || r.errorBody(t).Code != "forbidden_role" {
					t.Fatalf("%s %s as %s: %d %s", req.method, req.path, role, r.Status, r.Body)
				}
			}
		}
		if r := e.do("GET", "/v1/admin/enrolment-codes", "", nil); r.Status != 401 {
			t.Fatalf("without a token: %d %s", r.Status, r.Body)
		}
	})
}

func TestServer_EnrolRateLimit(t *testing.T) {
	e := newEnv(t, func(c *apiConfig) { c.EnrolFailures = 3 })
	admin := e.token("ada", "admin", "admin-laptop")
	if _, err := e.auth.AddUser(t.Context(), "nia", care.RoleSocialWorker, ""); err != nil {
		t.Fatal(err)
	}

	t.Run("successes do not count", func(t *testing.T) {
		for i := 0; i < 5; i++ {
			c := e.issueCode(admin, "nia", "Tablet")
			if r := e.do("POST", "/v1/auth/enrol", "", map[string]any{"code": c.Code}); r.Status != 200 {
				t.Fatalf("enrolment %d: %d %s", i, r.Status, r.Body)
			}
		}
	})
	t.Run("failures do, and past the limit even a good code waits", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			if r := e.do("POST", "/v1/auth/enrol", "", map[string]any{"code": "K7QM-4XRT-9P"}); r.Status != 401 {
				t.Fatalf("wrong code %d: %d %s", i, r.Status, r.Body)
			}
		}
		good := e.issueCode(admin, "nia", "Tablet")
		for _, code := range []string{"K7QM-4XRT-9P", "nonsense", good.Code} {
			r := e.do("POST", "/v1/auth/enrol", "", map[string]any{"code": code})
			if r.Status != 429 || r.errorBody(t).Code != "rate_limited" || r.errorBody(t).Field != "code" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("%s past the limit: %d %v %s", code, r.Status, r.Header, r.Body)
			}
		}
		if _, err := e.store.Device(t.Context(), good.DeviceID); err != care.ErrNotFound {
			t.Fatalf("a refused attempt enrolled the device: %v", err)
		}
	})
}
