package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"parindex/handlers"
	"parindex/internal/testkit"
	"parindex/scheduler"
	"parindex/signature/signtest"
	"parindex/store/storetest"
	"parindex/workflow"
)

// contract checks real requests and answers against the served OpenAPI
// document and remembers which operations and statuses it saw.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	opts   *openapi3filter.Options
	ops    map[string]bool // "METHOD /path" of each operation exercised
	codes  map[int]bool
}

// loadContract fetches the document from the running server and loads it.
func loadContract(t *testing.T, e *env) *contract {
	t.Helper()
	res := e.do(t, 200, req{method: "GET", path: "/api/openapi.yaml"})
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/yaml") {
		t.Errorf("openapi.yaml served as %q", ct)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(res.body)
	if err != nil {
		t.Fatalf("load the served document: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the served document is not valid OpenAPI: %v", err)
	}
	closeObjects(doc)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return &contract{doc: doc, router: router, ops: map[string]bool{}, codes: map[int]bool{},
		opts: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
}

// closeObjects forbids, for this test only, properties an object schema does
// not list: the document then has to name every field the server sends, and
// a field added to a response without documenting it fails the contract test.
func closeObjects(doc *openapi3.T) {
	no := false
	seen := map[*openapi3.Schema]bool{}
	var visit func(sr *openapi3.SchemaRef)
	visit = func(sr *openapi3.SchemaRef) {
		if sr == nil || sr.Value == nil || seen[sr.Value] {
			return
		}
		v := sr.Value
		seen[v] = true
		if len(v.Properties) > 0 && v.AdditionalProperties.Has == nil && v.AdditionalProperties.Schema == nil {
			v.AdditionalProperties.Has = &no
		}
		for _, p := range v.Properties {
			visit(p)
		}
		visit(v.Items)
		for _, a := range v.AllOf {
			visit(a)
		}
	}
	for _, sr := range doc.Components.Schemas {
		visit(sr)
	}
}

// call sends the request through e, checks the status, and validates the
// answer (and, for a success, the request too) against the document. A
// request that deliberately uses a form the document does not describe (a
// deadline without an offset, say) passes looseRequest.
func (c *contract) call(t *testing.T, e *env, want int, r req, looseRequest ...bool) *resp {
	t.Helper()
	hr, res := e.send(t, r)
	if res.status != want {
		t.Fatalf("%s %s as %s: got %s, want %d", r.method, r.path, r.as, res, want)
	}
	route, params, err := c.router.FindRoute(hr)
	if err != nil {
		t.Fatalf("%s %s is not documented: %v", r.method, r.path, err)
	}
	c.ops[route.Method+" "+route.Path] = true
	c.codes[res.status] = true
	in := &openapi3filter.RequestValidationInput{Request: hr, PathParams: params, Route: route, Options: c.opts}
	if res.status < 300 && len(looseRequest) == 0 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s: the request does not match the document: %v", r.method, r.path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.status, Header: res.header, Options: c.opts}
	out.SetBodyBytes(res.body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s → %d: the answer does not match the document: %v\n%s", r.method, r.path, res.status, err, res.body)
	}
	return res
}

// TestOpenAPIContract walks a realistic year through the API, step by step,
// touching every documented operation and the common errors, and validates
// every request and answer against the document the server serves.
func TestOpenAPIContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		c := loadContract(t, e)
		// What the steps make for the steps after them.
		var (
			agency   workflow.Agency
			campaign workflow.Campaign
			dept     *storetest.Agency // on its report in campaign
			rp       string            // that report's path
			got      *resp             // that report as first read
			sg       signing
			ev       handlers.EvidenceJSON
		)

		testkit.Step(t, "health, readiness, metrics and the document are served; an unmigrated database is not ready", func(t *testing.T) {
			c.call(t, e, 200, req{method: "GET", path: "/healthz"})
			c.call(t, e, 200, req{method: "GET", path: "/readyz"})
			c.call(t, e, 200, req{method: "HEAD", path: "/healthz"})
			c.call(t, e, 200, req{method: "HEAD", path: "/readyz"})
			c.call(t, e, 200, req{method: "GET", path: "/api/openapi.yaml"})
			c.call(t, e, 200, req{method: "GET", path: "/metrics"})
			unmigrated := storetest.OpenURL(t, storetest.URL(t, dialect), e.Clock)
			h, err := handlers.New(handlers.Config{Store: unmigrated, Log: zerolog.Nop(), Zone: zone})
			if err != nil {
				t.Fatal(err)
			}
			notReady := &env{World: e.World, tokens: e.tokens, srv: httptest.NewServer(h)}
			t.Cleanup(notReady.srv.Close)
			c.call(t, notReady, 503, req{method: "GET", path: "/readyz"})
			c.call(t, notReady, 503, req{method: "HEAD", path: "/readyz"})
		})

		testkit.Step(t, "an administrator creates an agency, its signers, an official and tokens, and reads the audit log", func(t *testing.T) {
			c.call(t, e, 200, req{method: "GET", path: "/api/v1/me", as: "updater"})
			decode(t, c.call(t, e, 201, req{method: "POST", path: "/api/v1/agencies", as: "admin",
				body: `{"code":"SYT","name":"Sở Y tế","kind":"department"}`}), &agency)
			c.call(t, e, 409, req{method: "POST", path: "/api/v1/agencies", as: "admin", body: `{"code":"SYT","name":"Sở Y tế","kind":"department"}`})
			c.call(t, e, 422, req{method: "POST", path: "/api/v1/agencies", as: "admin", body: `{"code":"SXD","name":"Sở Xây dựng","kind":"ward"}`})
			c.call(t, e, 200, req{method: "GET", path: "/api/v1/agencies", as: "approver"})
			signers := fmt.Sprintf("/api/v1/agencies/%d/signers", agency.ID)
			var signer struct {
				ID int64 `json:"id"`
			}
			decode(t, c.call(t, e, 201, req{method: "POST", path: signers, as: "admin", body: `{"organization":"Sở Y tế","note":"Con dấu của Sở"}`}), &signer)
			c.call(t, e, 409, req{method: "POST", path: signers, as: "admin", body: `{"organization":"Sở Y tế"}`})
			c.call(t, e, 422, req{method: "POST", path: signers, as: "admin", body: `{"fingerprint":"12:34"}`})
			c.call(t, e, 200, req{method: "GET", path: signers, as: "admin"})
			c.call(t, e, 403, req{method: "GET", path: signers, as: "approver"})
			c.call(t, e, 204, req{method: "DELETE", path: fmt.Sprintf("%s/%d", signers, signer.ID), as: "admin"})
			c.call(t, e, 404, req{method: "DELETE", path: fmt.Sprintf("%s/%d", signers, signer.ID), as: "admin"})
			var official workflow.User
			decode(t, c.call(t, e, 201, req{method: "POST", path: "/api/v1/users", as: "admin", body: fmt.Sprintf(
				`{"email":"Cap.Nhat@syt.example.vn","name":"Nguyễn Văn A","title":"Chuyên viên","grants":[{"role":"updater","agency_id":%d}]}`, agency.ID)}), &official)
			if official.Email != "cap.nhat@syt.example.vn" || len(official.Grants) != 1 {
				t.Errorf("created user %+v", official)
			}
			c.call(t, e, 409, req{method: "POST", path: "/api/v1/users", as: "admin", body: `{"email":"cap.nhat@syt.example.vn","name":"Trùng"}`})
			c.call(t, e, 422, req{method: "POST", path: "/api/v1/users", as: "admin", body: `{"email":"x@syt.example.vn","name":"X","grants":[{"role":"approver"}]}`})
			c.call(t, e, 400, req{method: "POST", path: "/api/v1/users", as: "admin", body: `{"email":"x@syt.example.vn","name":"X","grants":{}}`})
			var tok struct {
				ID    int64  `json:"id"`
				Token string `json:"token"`
			}
			decode(t, c.call(t, e, 201, req{method: "POST", path: "/api/v1/tokens", as: "admin", body: fmt.Sprintf(`{"user_id":%d}`, official.ID)}), &tok)
			c.call(t, e, 200, req{method: "GET", path: "/api/v1/me", as: tok.Token})
			c.call(t, e, 200, req{method: "GET", path: "/api/v1/me/tokens", as: tok.Token})
			c.call(t, e, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/users/%d/tokens", official.ID), as: "admin"})
			c.call(t, e, 403, req{method: "GET", path: fmt.Sprintf("/api/v1/users/%d/tokens", official.ID), as: "updater"})
			c.call(t, e, 404, req{method: "GET", path: "/api/v1/users/999999/tokens", as: "admin"})
			c.call(t, e, 201, req{method: "POST", path: "/api/v1/tokens", as: "admin", body: fmt.Sprintf(`{"user_id":%d,"no_expiry":true}`, official.ID)})
			c.call(t, e, 422, req{method: "POST", path: "/api/v1/tokens", as: "admin", body: fmt.Sprintf(`{"user_id":%d,"no_expiry":true,"expires_at":"2027-01-01T00:00:00+07:00"}`, official.ID)})
			c.call(t, e, 200, req{method: "GET", path: "/api/v1/audit?kind=token&limit=10", as: "admin"})
			c.call(t, e, 400, req{method: "GET", path: "/api/v1/audit?limit=0", as: "admin"}, true)
			c.call(t, e, 403, req{method: "GET", path: "/api/v1/audit", as: "council"})
			c.call(t, e, 204, req{method: "DELETE", path: fmt.Sprintf("/api/v1/tokens/%d", tok.ID), as: "admin"})
			c.call(t, e, 401, req{method: "GET", path: "/api/v1/me", as: tok.Token})
			c.call(t, e, 401, req{method: "GET", path: "/api/v1/agencies"})
			c.call(t, e, 403, req{method: "POST", path: "/api/v1/agencies", as: "updater", body: `{"code":"X","name":"X","kind":"district"}`})
		})

		testkit.Step(t, "criteria sets import from YAML and JSON, read as a tree, and are replaced until frozen", func(t *testing.T) {
			c.call(t, e, 200, req{method: "GET", path: "/api/v1/criteria-sets", as: "council"})
			var yamlSet, jsonSet struct {
				ID     int64 `json:"id"`
				Leaves int   `json:"leaves"`
			}
			decode(t, c.call(t, e, 201, req{method: "POST", path: "/api/v1/criteria-sets", as: "admin", body: sampleSet(t, "SO-2027"), ctype: "application/yaml"}), &yamlSet)
			decode(t, c.call(t, e, 201, req{method: "POST", path: "/api/v1/criteria-sets", as: "admin", body: sample(t, "criteria-small.json")}), &jsonSet)
			if yamlSet.Leaves != e.DeptSet.Leaves || jsonSet.Leaves != 3 {
				t.Errorf("leaves: yaml %d (want %d), json %d (want 3)", yamlSet.Leaves, e.DeptSet.Leaves, jsonSet.Leaves)
			}
			c.call(t, e, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/criteria-sets/%d", e.DeptSet.ID), as: "updater"})
			c.call(t, e, 200, req{method: "PUT", path: fmt.Sprintf("/api/v1/criteria-sets/%d", jsonSet.ID), as: "admin",
				body: strings.Replace(sample(t, "criteria-small.json"), `"NHO-2026"`, `"NHO-2026-B"`, 1)})
			c.call(t, e, 409, req{method: "PUT", path: fmt.Sprintf("/api/v1/criteria-sets/%d", e.DeptSet.ID), as: "admin", body: sampleSet(t, "SO-2028"), ctype: "application/yaml"})
			c.call(t, e, 422, req{method: "POST", path: "/api/v1/criteria-sets", as: "admin", body: sample(t, "criteria-bad.yaml"), ctype: "application/yaml"})
			c.call(t, e, 415, req{method: "POST", path: "/api/v1/criteria-sets", as: "admin", body: sample(t, "criteria-small.json"), ctype: "text/csv"})
			c.call(t, e, 404, req{method: "GET", path: "/api/v1/criteria-sets/999999", as: "admin"})
		})

		testkit.Step(t, "a campaign takes deadlines written in province time without an offset", func(t *testing.T) {
			decode(t, c.call(t, e, 201, req{method: "POST", path: "/api/v1/campaigns", as: "admin", body: jsonBody(t, map[string]any{
				"name": "Chỉ số CCHC 2026 (đợt chính)", "year": 2026,
				"opens_at": start.Add(-time.Hour).In(zone).Format("2006-01-02T15:04:05"), "closes_at": "2026-11-25T17:00:00",
				"criteria_sets": map[string]int64{"department": e.DeptSet.ID, "district": e.DistSet.ID},
			})}, true), &campaign)
			c.call(t, e, 422, req{method: "POST", path: "/api/v1/campaigns", as: "admin", body: jsonBody(t, map[string]any{
				"name": "X", "year": 2026, "opens_at": "2026-11-15T08:00:00+07:00", "closes_at": "2026-11-25",
				"criteria_sets": map[string]int64{"department": e.DeptSet.ID}})}, true)
			c.call(t, e, 200, req{method: "GET", path: "/api/v1/campaigns", as: "other-updater"})
			c.call(t, e, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/campaigns/%d", campaign.ID), as: "approver"})
			c.call(t, e, 404, req{method: "GET", path: "/api/v1/campaigns/999999", as: "admin"})
		})

		testkit.Step(t, "the department's report in the new campaign is listed and read; another agency's is not found", func(t *testing.T) {
			var list []struct {
				ID int64 `json:"id"`
			}
			decode(t, c.call(t, e, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports?campaign_id=%d&state=draft&agency_id=%d", campaign.ID, e.Dept.ID), as: "council"}), &list)
			if len(list) != 1 {
				t.Fatalf("reports of the department in campaign %d: %v", campaign.ID, list)
			}
			c.call(t, e, 200, req{method: "GET", path: "/api/v1/reports", as: "updater"})
			c.call(t, e, 400, req{method: "GET", path: "/api/v1/reports?state=finished", as: "updater"})
			dept = on(e.Dept, list[0].ID)
			rp = fmt.Sprintf("/api/v1/reports/%d", dept.ReportID)
			got = c.call(t, e, 200, req{method: "GET", path: rp, as: "updater"})
			c.call(t, e, 404, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d", e.District.ReportID), as: "updater"})
		})

		testkit.Step(t, "exemptions need a reason; entries honour If-Match and the criteria's steps", func(t *testing.T) {
			c.call(t, e, 200, req{method: "PUT", path: rp + "/exemptions", as: "admin", body: `{"codes":["3.1"],"reason":"Theo Công văn số 15/SNV"}`})
			c.call(t, e, 422, req{method: "PUT", path: rp + "/exemptions", as: "admin", body: `{"codes":["1.1.1"],"reason":"Theo Công văn số 15/SNV"}`})
			c.call(t, e, 422, req{method: "PUT", path: rp + "/exemptions", as: "admin", body: `{"codes":["3.1"]}`}, true)
			etag := got.header.Get("ETag")
			c.call(t, e, 412, req{method: "PUT", path: rp + "/entries/1.1.1", as: "updater", header: map[string]string{"If-Match": etag},
				body: `{"self_score":1,"explanation":"Ban hành đúng hạn"}`})
			etag = c.call(t, e, 200, req{method: "GET", path: rp, as: "updater"}).header.Get("ETag")
			c.call(t, e, 200, req{method: "PUT", path: rp + "/entries/1.1.1", as: "updater", header: map[string]string{"If-Match": etag},
				body: `{"self_score":0.5,"explanation":"Ban hành chậm"}`})
			c.call(t, e, 200, req{method: "PATCH", path: rp + "/entries/1.1.1", as: "updater", body: `{"explanation":"Ban hành chậm 2 ngày"}`})
			c.call(t, e, 422, req{method: "PATCH", path: rp + "/entries/1.1.1", as: "updater", body: `{"self_score":1.5}`})
			c.call(t, e, 200, req{method: "PUT", path: rp + "/entries/1.1.1", as: "updater", body: `{"self_score":null,"explanation":""}`})
			c.call(t, e, 400, req{method: "PUT", path: rp + "/entries/1.1.1", as: "updater", body: `{"self_score":"1"}`})
			c.call(t, e, 415, req{method: "PUT", path: rp + "/entries/1.1.1", as: "updater", body: `self_score=1`, ctype: "application/x-www-form-urlencoded"})
			c.call(t, e, 422, req{method: "PUT", path: rp + "/entries/1.1.1", as: "updater", body: `{"self_score":1.5}`})
			c.call(t, e, 404, req{method: "PUT", path: rp + "/entries/9.9", as: "updater", body: `{"self_score":1}`})
			c.call(t, e, 403, req{method: "PUT", path: rp + "/entries/1.1.1", as: "approver", body: `{"self_score":1}`})
			e.FillEntries(t, dept)
			c.call(t, e, 200, req{method: "GET", path: rp + "/revisions?code=1.1.1", as: "council"})
			c.call(t, e, 200, req{method: "GET", path: rp + "/revisions", as: "approver"})
		})

		testkit.Step(t, "the updater completes and the approver approves; sign waits for a signed summary", func(t *testing.T) {
			c.call(t, e, 200, req{method: "GET", path: rp + "/transitions", as: "updater"})
			c.call(t, e, 409, req{method: "POST", path: rp + "/transitions", as: "approver", body: `{"event":"approve"}`})
			c.call(t, e, 422, req{method: "POST", path: rp + "/transitions", as: "approver", body: `{"event":"publish"}`})
			c.call(t, e, 200, req{method: "POST", path: rp + "/transitions", as: "updater", body: `{"event":"complete"}`})
			c.call(t, e, 422, req{method: "POST", path: rp + "/transitions", as: "approver", body: `{"event":"return"}`})
			c.call(t, e, 200, req{method: "POST", path: rp + "/transitions", as: "approver", body: `{"event":"approve"}`})
			c.call(t, e, 200, req{method: "GET", path: rp + "/transitions", as: "approver"})
			c.call(t, e, 422, req{method: "POST", path: rp + "/transitions", as: "approver", body: `{"event":"sign"}`})
		})

		// From here on the service trusts the signers' root (a server of the
		// scenario's, not of a step's).
		sg = newSigning(t)
		e.roots(t, sg)

		testkit.Step(t, "evidence waits for draft, the exports download, and a signed summary lets the approver sign and submit", func(t *testing.T) {
			body, ctype := upload(t, "file", "Quyết định số 12.pdf", sg.trusted.Sign(t, signtest.MinimalPDF(t, "Quyet dinh 12")))
			// Entries are closed while entered: evidence is refused with 409 then.
			c.call(t, e, 409, req{method: "POST", path: rp + "/entries/1.1.1/evidence", as: "updater", body: body, ctype: ctype})
			c.call(t, e, 200, req{method: "GET", path: rp + "/entries/1.1.1/evidence", as: "council"})
			c.call(t, e, 200, req{method: "GET", path: rp + "/summary.xlsx", as: "approver"})
			c.call(t, e, 200, req{method: "GET", path: rp + "/report.pdf", as: "council"})
			pdf := c.call(t, e, 200, req{method: "GET", path: rp + "/summary.pdf", as: "approver"})
			c.call(t, e, 404, req{method: "GET", path: rp + "/signed-summary", as: "approver"})
			body, ctype = upload(t, "file", "Bảng tổng hợp (đã ký).pdf", sg.trusted.Sign(t, pdf.body))
			c.call(t, e, 415, req{method: "POST", path: rp + "/signed-summary", as: "approver", body: body, ctype: "text/plain"})
			c.call(t, e, 201, req{method: "POST", path: rp + "/signed-summary", as: "approver", body: body, ctype: ctype})
			c.call(t, e, 200, req{method: "GET", path: rp + "/signed-summary", as: "council"})
			c.call(t, e, 200, req{method: "POST", path: rp + "/transitions", as: "approver", body: `{"event":"sign"}`})
			c.call(t, e, 200, req{method: "POST", path: rp + "/transitions", as: "approver", body: `{"event":"submit"}`})
			c.call(t, e, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/campaigns/%d/progress", campaign.ID), as: "admin"})
			c.call(t, e, 403, req{method: "GET", path: fmt.Sprintf("/api/v1/campaigns/%d/progress", campaign.ID), as: "approver"})
		})

		testkit.Step(t, "the council opens a supplementary round for the campaign and one on a single report", func(t *testing.T) {
			c.call(t, e, 201, req{method: "POST", path: fmt.Sprintf("/api/v1/campaigns/%d/rounds", campaign.ID), as: "council", body: jsonBody(t, map[string]any{
				"closes_at": "2026-12-10T17:00:00+07:00", "criteria": []string{"1.1.1", "1.2"}, "note": "Bổ sung minh chứng"})})
			c.call(t, e, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/campaigns/%d", campaign.ID), as: "admin"})
			c.call(t, e, 200, req{method: "GET", path: rp, as: "updater"})
			e.walk(t, e.Dept2, workflow.StateSubmitted)
			c.call(t, e, 200, req{method: "POST", path: fmt.Sprintf("/api/v1/reports/%d/transitions", e.Dept2.ReportID), as: "council", body: jsonBody(t, map[string]any{
				"event": "open_round", "closes_at": "2026-12-10T17:00:00+07:00", "criteria": []string{"1.1.2"}, "reason": "Bổ sung"})})
			c.call(t, e, 200, req{method: "GET", path: rp + "/history", as: "approver"})
		})

		testkit.Step(t, "in round 1 evidence for 1.1.1 goes in, is read and is deleted", func(t *testing.T) {
			body, ctype := upload(t, "file", "Báo cáo bổ sung.pdf", sg.trusted.Sign(t, signtest.MinimalPDF(t, "Bao cao bo sung")))
			decode(t, c.call(t, e, 201, req{method: "POST", path: rp + "/entries/1.1.1/evidence", as: "updater", body: body, ctype: ctype}), &ev)
			c.call(t, e, 422, req{method: "POST", path: rp + "/entries/1.2/evidence", as: "updater", body: `--x--`, ctype: "multipart/form-data; boundary=x"}, true)
			c.call(t, e, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/evidence/%d", ev.ID), as: "approver"})
			c.call(t, e, 204, req{method: "DELETE", path: fmt.Sprintf("/api/v1/evidence/%d", ev.ID), as: "updater"})
			c.call(t, e, 404, req{method: "DELETE", path: fmt.Sprintf("/api/v1/evidence/%d", ev.ID), as: "updater"})
		})

		testkit.Step(t, "the submission notifies the council, who marks it read", func(t *testing.T) {
			if _, err := scheduler.New(e.Store, scheduler.Config{Zone: zone}, zerolog.Nop()).FanOut(context.Background()); err != nil {
				t.Fatal(err)
			}
			var notes []handlers.NotificationJSON
			decode(t, c.call(t, e, 200, req{method: "GET", path: "/api/v1/notifications?unread=true", as: "council"}), &notes)
			if len(notes) == 0 || notes[0].Kind != "round_opened" && notes[0].Kind != "submitted" {
				t.Fatalf("council's notifications: %+v", notes)
			}
			c.call(t, e, 204, req{method: "POST", path: fmt.Sprintf("/api/v1/notifications/%d/read", notes[0].ID), as: "council"})
			c.call(t, e, 404, req{method: "POST", path: fmt.Sprintf("/api/v1/notifications/%d/read", notes[0].ID), as: "updater"})
			c.call(t, e, 422, req{method: "GET", path: "/api/v1/notifications?limit=0", as: "council"})
		})

		testkit.Step(t, "an officials list imports all or nothing, and the audit log holds everything above", func(t *testing.T) {
			c.call(t, e, 200, req{method: "POST", path: fmt.Sprintf("/api/v1/agencies/%d/officials", agency.ID), as: "admin",
				body: sample(t, "officials-department.csv"), ctype: "text/csv"})
			c.call(t, e, 422, req{method: "POST", path: fmt.Sprintf("/api/v1/agencies/%d/officials", agency.ID), as: "admin",
				body: sample(t, "officials-bad.csv"), ctype: "text/csv"})
			// The audit log of everything above, every kind of row.
			c.call(t, e, 200, req{method: "GET", path: "/api/v1/audit?limit=1000", as: "admin"})
		})

		testkit.Step(t, "after the deadline an entry is refused with 423", func(t *testing.T) {
			e.Clock.Set(e.Campaign.ClosesAt)
			c.call(t, e, 423, req{method: "PUT", path: fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", e.Dept.ReportID), as: "updater", body: `{"self_score":1}`})
			e.Clock.Set(start)
		})

		testkit.Step(t, "a locked report shows the state it was locked from, and an administrator extends it with a reason", func(t *testing.T) {
			e.lockReport(t, e.District.ReportID)
			var locked struct {
				State      workflow.State  `json:"state"`
				LockedFrom *workflow.State `json:"locked_from"`
			}
			lp := fmt.Sprintf("/api/v1/reports/%d", e.District.ReportID)
			decode(t, c.call(t, e, 200, req{method: "GET", path: lp, as: "dist-approver"}), &locked)
			if locked.State != workflow.StateLocked || locked.LockedFrom == nil || *locked.LockedFrom != workflow.StateDraft {
				t.Errorf("locked report: %+v", locked)
			}
			var options struct {
				Transitions []workflow.Available `json:"transitions"`
			}
			decode(t, c.call(t, e, 200, req{method: "GET", path: lp + "/transitions", as: "council"}), &options)
			if len(options.Transitions) != 2 || options.Transitions[0].Event != workflow.EventOpenRound || options.Transitions[1].Event != workflow.EventExtend ||
				options.Transitions[1].To != workflow.StateDraft {
				t.Errorf("the council's transitions on a locked report: %+v", options.Transitions)
			}
			c.call(t, e, 423, req{method: "POST", path: lp + "/transitions", as: "dist-approver", body: `{"event":"approve"}`})
			c.call(t, e, 422, req{method: "POST", path: lp + "/transitions", as: "council", body: `{"event":"extend","closes_at":"2026-12-01T17:00:00+07:00"}`})
			c.call(t, e, 200, req{method: "POST", path: lp + "/transitions", as: "admin", body: `{"event":"extend","closes_at":"2026-12-01T17:00:00+07:00","reason":"Sự cố mất điện"}`})
			c.call(t, e, 200, req{method: "GET", path: lp, as: "dist-approver"})
		})

		testkit.Step(t, "a body over the server's limit is refused with 413", func(t *testing.T) {
			small := e.withServer(t, func(c *handlers.Config) { c.MaxBody = 512 })
			c.call(t, small, 413, req{method: "POST", path: "/api/v1/criteria-sets", as: "admin", body: sampleSet(t, "SO-2029"), ctype: "application/yaml"})
		})

		testkit.Step(t, "an administrator finds, edits, deactivates and reactivates a user, and grants and revokes a role", func(t *testing.T) {
			c.call(t, e, 200, req{method: "GET", path: "/api/v1/users?q=approver&active=true&limit=2", as: "admin"})
			c.call(t, e, 400, req{method: "GET", path: "/api/v1/users?limit=9999", as: "admin"})
			u := storetest.MustUser(t, e.Store, "hanh.tv@test.example.vn")
			up := fmt.Sprintf("/api/v1/users/%d", u.ID)
			c.call(t, e, 200, req{method: "GET", path: up, as: "admin"})
			c.call(t, e, 200, req{method: "PATCH", path: up, as: "admin", body: `{"name":"Trần Văn Hạnh","title":"Chuyên viên"}`})
			c.call(t, e, 200, req{method: "POST", path: up + "/deactivate", as: "admin"})
			c.call(t, e, 409, req{method: "POST", path: up + "/deactivate", as: "admin"})
			c.call(t, e, 200, req{method: "POST", path: up + "/activate", as: "admin"})
			c.call(t, e, 201, req{method: "POST", path: up + "/grants", as: "admin", body: `{"role":"council"}`})
			c.call(t, e, 200, req{method: "DELETE", path: up + "/grants?role=council", as: "admin"})
		})

		testkit.Step(t, "an administrator adds the communes' kind, finds an agency by code, edits and deactivates it", func(t *testing.T) {
			c.call(t, e, 200, req{method: "GET", path: "/api/v1/agency-kinds", as: "updater"})
			c.call(t, e, 201, req{method: "POST", path: "/api/v1/agency-kinds", as: "admin", body: `{"code":"commune","name":"UBND cấp xã","position":3}`})
			c.call(t, e, 409, req{method: "POST", path: "/api/v1/agency-kinds", as: "admin", body: `{"code":"commune","name":"UBND cấp xã","position":3}`})
			c.call(t, e, 201, req{method: "POST", path: "/api/v1/agencies", as: "admin", body: `{"code":"XAPHULOC","name":"UBND xã Phú Lộc","kind":"commune"}`})
			var found []handlers.AgencyJSON
			decode(t, c.call(t, e, 200, req{method: "GET", path: "/api/v1/agencies?code=XAPHULOC", as: "admin"}), &found)
			if len(found) != 1 || found[0].Kind != "commune" || !found[0].Active {
				t.Fatalf("?code=XAPHULOC: %+v", found)
			}
			ap := fmt.Sprintf("/api/v1/agencies/%d", found[0].ID)
			c.call(t, e, 200, req{method: "GET", path: ap, as: "updater"})
			c.call(t, e, 200, req{method: "PATCH", path: ap, as: "admin", body: `{"name":"UBND xã Phú Lộc (mới)"}`})
			c.call(t, e, 409, req{method: "PATCH", path: fmt.Sprintf("/api/v1/agencies/%d", e.Dept.ID), as: "admin", body: `{"kind":"district"}`})
			c.call(t, e, 200, req{method: "POST", path: ap + "/deactivate", as: "admin"})
			c.call(t, e, 200, req{method: "POST", path: ap + "/activate", as: "admin"})
		})

		testkit.Step(t, "an administrator edits a campaign before it opens, cancels one posted twice, and adds a late agency's report", func(t *testing.T) {
			body := func(name string) string {
				return jsonBody(t, map[string]any{"name": name, "year": 2027,
					"opens_at": ts(start.AddDate(0, 1, 0)), "closes_at": ts(start.AddDate(0, 2, 0)),
					"criteria_sets": map[string]int64{"department": e.DeptSet.ID, "district": e.DistSet.ID}})
			}
			var camp workflow.Campaign
			decode(t, c.call(t, e, 201, req{method: "POST", path: "/api/v1/campaigns", as: "admin", body: body("Chỉ số CCHC năm 2027")}), &camp)
			c.call(t, e, 409, req{method: "POST", path: "/api/v1/campaigns", as: "admin", body: body("Chỉ số CCHC năm 2027")})
			cp := fmt.Sprintf("/api/v1/campaigns/%d", camp.ID)
			c.call(t, e, 200, req{method: "PATCH", path: cp, as: "admin", body: `{"name":"Tự đánh giá Chỉ số CCHC năm 2027","closes_at":"2027-01-20T17:00:00+07:00"}`})
			c.call(t, e, 204, req{method: "POST", path: cp + "/cancel", as: "admin"})
			c.call(t, e, 404, req{method: "POST", path: cp + "/cancel", as: "admin"})
			c.call(t, e, 409, req{method: "POST", path: fmt.Sprintf("/api/v1/campaigns/%d/cancel", e.Campaign.ID), as: "admin"})
			late := storetest.MustAgency(t, e.Store, "SDL", "Sở Du lịch", workflow.KindDepartment)
			c.call(t, e, 201, req{method: "POST", path: fmt.Sprintf("/api/v1/campaigns/%d/reports", e.Campaign.ID), as: "admin", body: fmt.Sprintf(`{"agency_id":%d}`, late.ID)})
			c.call(t, e, 409, req{method: "POST", path: fmt.Sprintf("/api/v1/campaigns/%d/reports", e.Campaign.ID), as: "admin", body: fmt.Sprintf(`{"agency_id":%d}`, late.ID)})
			c.call(t, e, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/campaigns/%d/progress", e.Campaign.ID), as: "council"})
		})

		testkit.Step(t, "every documented operation and every common error was exercised", func(t *testing.T) {
			var missing []string
			for path, item := range c.doc.Paths.Map() {
				for method := range item.Operations() {
					if !c.ops[method+" "+path] {
						missing = append(missing, method+" "+path)
					}
				}
			}
			sort.Strings(missing)
			if missing != nil {
				t.Errorf("documented operations the scenario did not exercise: %v", missing)
			}
			for _, code := range []int{400, 401, 403, 404, 409, 412, 413, 415, 422, 423, 503} {
				if !c.codes[code] {
					t.Errorf("the scenario saw no %d", code)
				}
			}
		})
	})
}

// TestOpenAPIEnumsAndRoutes checks that the served document's State and Event
// enums are the workflow's, and that every route chi serves is documented.
func TestOpenAPIEnumsAndRoutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		c := loadContract(t, e)
		enum := func(name string) []string {
			s := c.doc.Components.Schemas[name]
			if s == nil || s.Value == nil {
				t.Fatalf("components.schemas.%s is missing", name)
			}
			var out []string
			for _, v := range s.Value.Enum {
				out = append(out, fmt.Sprint(v))
			}
			return out
		}
		var states []string
		for _, s := range workflow.States {
			states = append(states, string(s))
		}
		if got := enum("State"); !slices.Equal(got, states) {
			t.Errorf("State enum %v, want workflow.States %v", got, states)
		}
		if got := enum("Event"); !slices.Equal(got, workflow.Events()) {
			t.Errorf("Event enum %v, want workflow.Events() %v", got, workflow.Events())
		}

		n := 0
		err := chi.Walk(e.server.Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			n++
			item := c.doc.Paths.Value(route)
			if item == nil {
				t.Errorf("route %s %s is not in the document's paths", method, route)
			} else if item.GetOperation(method) == nil {
				t.Errorf("route %s %s: the document has the path but not the method", method, route)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n < 20 {
			t.Errorf("chi.Walk saw only %d routes", n)
		}

		// The document names no operation the server does not route.
		for path, item := range c.doc.Paths.Map() {
			for method := range item.Operations() {
				r := httptest.NewRequest(method, strings.NewReplacer("{id}", "1", "{code}", "1.1.1").Replace(path), nil)
				rctx := chi.NewRouteContext()
				if !e.server.Routes().Match(rctx, method, r.URL.Path) {
					t.Errorf("the document has %s %s, which the server does not route", method, path)
				}
			}
		}
	})
}
