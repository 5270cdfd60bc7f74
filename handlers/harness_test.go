package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parindex/evidence"
	"parindex/handlers"
	"parindex/metrics"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// zone is the province's zone, as the service is configured in production.
var zone = func() *time.Location {
	loc, err := time.LoadLocation(workflow.DefaultZone)
	if err != nil {
		panic(err)
	}
	return loc
}()

// start is where every test's clock begins: inside the world's window.
var start = time.Date(2026, 11, 20, 10, 0, 0, 0, zone)

// env is a world behind a real HTTP server on 127.0.0.1.
type env struct {
	*storetest.World
	srv    *httptest.Server
	server *handlers.Server
	bucket *evidence.Bucket // the server's evidence storage
	// tokens by caller name (see callers); "none" has no token.
	tokens map[string]string
}

// newEnv builds a world on a fresh database of the dialect and serves it; cfg
// may adjust the handlers' configuration (MaxBody, TrustedProxies).
func newEnv(t testing.TB, dialect string, cfg ...func(*handlers.Config)) *env {
	t.Helper()
	clock := storetest.NewClock(start)
	s := storetest.Open(t, dialect, clock)
	w := storetest.NewWorld(t, s, clock)
	e := &env{World: w}
	e.serve(t, cfg...)
	e.tokens = map[string]string{
		"none":           "",
		"bad":            "pxt_this-token-was-never-issued",
		"revoked":        e.revokedToken(t),
		"admin":          storetest.MustToken(t, s, w.Admin),
		"council":        storetest.MustToken(t, s, w.Council),
		"updater":        storetest.MustToken(t, s, w.Dept.Updater),
		"approver":       storetest.MustToken(t, s, w.Dept.Approver),
		"other-updater":  storetest.MustToken(t, s, w.Dept2.Updater),
		"other-approver": storetest.MustToken(t, s, w.Dept2.Approver),
		"dist-approver":  storetest.MustToken(t, s, w.District.Approver),
	}
	return e
}

// serve starts an HTTP server over the world's store.
func (e *env) serve(t testing.TB, cfg ...func(*handlers.Config)) {
	t.Helper()
	bucket, err := evidence.Open(context.Background(), "file://"+filepath.ToSlash(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bucket.Close() })
	c := handlers.Config{Store: e.Store, Log: zerolog.Nop(), Zone: zone, Bucket: bucket, Metrics: metrics.New(e.Store, zerolog.Nop())}
	for _, f := range cfg {
		f(&c)
	}
	h, err := handlers.New(c)
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	e.server, e.bucket = h, c.Bucket
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
}

// withServer is the same world and tokens behind a second server configured by cfg.
func (e *env) withServer(t *testing.T, cfg ...func(*handlers.Config)) *env {
	t.Helper()
	c := *e
	c.serve(t, cfg...)
	return &c
}

// revokedToken issues an admin token and revokes it.
func (e *env) revokedToken(t testing.TB) string {
	t.Helper()
	tok, err := e.Store.CreateToken(context.Background(), nil, e.Admin.ID, store.TokenExpiry{}, store.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.RevokeToken(context.Background(), nil, tok.ID, store.Meta{}); err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

// req is one HTTP request to the server.
type req struct {
	method string
	path   string
	as     string // caller name, a key of env.tokens
	body   string // sent as is
	ctype  string // Content-Type; application/json when a body is sent and this is empty
	header map[string]string
}

// resp is the server's answer, body read.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r *resp) String() string {
	return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.body))
}

// send makes the request and returns it (body rewound) with the answer.
func (e *env) send(t *testing.T, r req) (*http.Request, *resp) {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, e.srv.URL+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.body != "" {
		ct := r.ctype
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	tok, ok := e.tokens[r.as]
	if !ok && r.as != "" {
		tok = r.as // a raw token
	}
	if tok != "" {
		hr.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	res, err := e.srv.Client().Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	// Give the request its body back for validation against the OpenAPI document.
	if r.body != "" {
		hr.Body = io.NopCloser(strings.NewReader(r.body))
		hr.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(r.body)), nil }
	}
	return hr, &resp{status: res.StatusCode, header: res.Header, body: data}
}

// do sends the request and fails the test unless the status is want.
func (e *env) do(t *testing.T, want int, r req) *resp {
	t.Helper()
	_, res := e.send(t, r)
	if res.status != want {
		t.Fatalf("%s %s as %s: got %s, want %d", r.method, r.path, r.as, res, want)
	}
	return res
}

// decode reads a JSON answer into v.
func decode(t *testing.T, res *resp, v any) {
	t.Helper()
	if err := json.Unmarshal(res.body, v); err != nil {
		t.Fatalf("decode %s: %v", res, err)
	}
}

// problem is the problem+json body of an error.
type problem struct {
	Type   string                `json:"type"`
	Title  string                `json:"title"`
	Status int                   `json:"status"`
	Detail string                `json:"detail"`
	Errors []workflow.FieldError `json:"errors"`
}

// wantProblem checks an error answer: status, problem+json and, when given,
// exactly these fields named in errors (in any order, each at least once).
func wantProblem(t *testing.T, res *resp, status int, fields ...string) problem {
	t.Helper()
	if res.status != status {
		t.Fatalf("got %s, want %d", res, status)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	decode(t, res, &p)
	if p.Status != status || p.Title == "" || p.Type == "" {
		t.Errorf("problem %+v: want status %d with a type and title", p, status)
	}
	if fields != nil {
		got := map[string]bool{}
		for _, f := range p.Errors {
			got[f.Field] = true
		}
		want := map[string]bool{}
		for _, f := range fields {
			want[f] = true
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("problem fields %v, want %v (%s)", keys(got), fields, res)
		}
	}
	return p
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// snapshot is everything a refused write must leave alone about a report.
type snapshot struct {
	Report    *workflow.Report
	History   []store.HistoryEntry
	Revisions []store.Revision
}

// snap reads a report, its history and its revisions straight from the store.
func (e *env) snap(t *testing.T, reportID int64) snapshot {
	t.Helper()
	ctx := context.Background()
	r, err := e.Store.GetReport(ctx, e.Admin, reportID)
	if err != nil {
		t.Fatalf("get report %d: %v", reportID, err)
	}
	h, err := e.Store.History(ctx, e.Admin, reportID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.Store.Revisions(ctx, e.Admin, reportID, "")
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{Report: r, History: h, Revisions: v}
}

// unchanged fails the test when the report moved since before.
func (e *env) unchanged(t *testing.T, before snapshot) {
	t.Helper()
	after := e.snap(t, before.Report.ID)
	if !reflect.DeepEqual(before, after) {
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		t.Errorf("a refused request changed report %d:\nbefore %s\nafter  %s", before.Report.ID, b, a)
	}
}

// freshReports opens a new campaign over the world's frozen criteria sets, with
// the world's window, and returns its reports by agency id: a clean slate for
// a request that changes a report.
func (e *env) freshReports(t *testing.T) map[int64]int64 {
	t.Helper()
	_, ids := e.freshCampaign(t)
	return ids
}

// freshCampaign is freshReports that also returns the campaign's id.
func (e *env) freshCampaign(t *testing.T) (int64, map[int64]int64) {
	t.Helper()
	ctx := context.Background()
	c := &workflow.Campaign{Name: "Đợt riêng", Year: 2026, OpensAt: e.Campaign.OpensAt, ClosesAt: e.Campaign.ClosesAt,
		CriteriaSets: map[workflow.AgencyKind]int64{workflow.KindDepartment: e.DeptSet.ID, workflow.KindDistrict: e.DistSet.ID}}
	if err := e.Store.CreateCampaign(ctx, c, e.Admin, store.Meta{}); err != nil {
		t.Fatalf("create campaign: %v", err)
	}
	reports, err := e.Store.ListReports(ctx, e.Admin, store.ReportFilter{CampaignID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]int64{}
	for _, r := range reports {
		out[r.AgencyID] = r.ID
	}
	return c.ID, out
}

// on returns a copy of the agency pointed at another of its reports.
func on(a *storetest.Agency, reportID int64) *storetest.Agency {
	c := *a
	c.ReportID = reportID
	return &c
}

// walk moves an agency's report from draft to the state through the
// workflow's own events, as its officials would.
func (e *env) walk(t *testing.T, a *storetest.Agency, to workflow.State) {
	t.Helper()
	steps := []struct {
		state workflow.State
		run   func()
	}{
		{workflow.StateEntered, func() {
			e.FillEntries(t, a)
			e.Fire(t, a.Updater, a, workflow.EventComplete, "")
		}},
		{workflow.StateReviewed, func() { e.Fire(t, a.Approver, a, workflow.EventApprove, "") }},
		{workflow.StateSigned, func() { e.Fire(t, a.Approver, a, workflow.EventSign, "") }},
		{workflow.StateSubmitted, func() { e.Fire(t, a.Approver, a, workflow.EventSubmit, "") }},
	}
	if to == workflow.StateDraft || to == "" {
		return
	}
	for _, s := range steps {
		s.run()
		if s.state == to {
			return
		}
	}
	t.Fatalf("walk: cannot reach %s", to)
}

// lockReport puts a report in locked, as the scheduler's lock event would
// when its window closes. Nothing in the service fires lock yet (it is a
// system-only event and no scheduler exists), so the test writes the row the
// way store.applyTransition does.
func (e *env) lockReport(t *testing.T, reportID int64) {
	t.Helper()
	db := e.Store.DB()
	_, err := db.Exec(db.Rebind(`UPDATE reports SET locked_from = state, state = ?, version = version + 1 WHERE id = ?`), workflow.StateLocked, reportID)
	if err != nil {
		t.Fatalf("lock report %d: %v", reportID, err)
	}
}

// testdata reads a file of testdata/.
func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jsonBody marshals v for a request body.
func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ts formats an instant for a request body.
func ts(t time.Time) string { return t.Format(time.RFC3339) }

// addEvidence stores a small PNG as evidence of the agency's report's leaf,
// as its updater would, and returns its id.
func (e *env) addEvidence(t *testing.T, a *storetest.Agency, code string) int64 {
	t.Helper()
	var png bytes.Buffer
	png.Write([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde})
	up, err := evidence.Receive(&png, 1<<20, e.bucket.SpoolDir())
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	ctx := context.Background()
	if err := e.bucket.Store(ctx, up); err != nil {
		t.Fatal(err)
	}
	ev := &store.Evidence{Code: code, Filename: "ảnh.png", Size: up.Size, SHA256: up.SHA256, MediaType: up.MediaType, Signature: json.RawMessage(`{"present":false,"status":"scan"}`)}
	if err := e.Store.AddEvidence(ctx, a.Updater, a.ReportID, ev, store.Meta{}); err != nil {
		t.Fatal(err)
	}
	return ev.ID
}
