package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parindex/evidence"
	"parindex/handlers"
	"parindex/internal/testkit"
	"parindex/metrics"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// zone is the province's zone, as the service is configured in production.
var zone = testkit.Zone(workflow.DefaultZone)

// start is where every test's clock begins: inside the world's window.
var start = time.Date(2026, 11, 20, 10, 0, 0, 0, zone)

// env is a world behind a real HTTP server on 127.0.0.1.
type env struct {
	*storetest.World
	srv    *httptest.Server
	server *handlers.Server
	bucket *evidence.Bucket // the server's evidence storage
	client *http.Client     // how requests reach the server; nil: over TCP, srv's own
	// tokens by caller name (see callers); "none" has no token.
	tokens map[string]string
}

// newEnv builds a world on a fresh database of the dialect and serves it; cfg
// may adjust the handlers' configuration (MaxBody, TrustedProxies).
func newEnv(t testing.TB, dialect string, cfg ...func(*handlers.Config)) *env {
	t.Helper()
	clock := storetest.NewClock(start)
	return newEnvOn(t, storetest.Open(t, dialect, clock), clock, cfg...)
}

// newEnvOn is newEnv on a migrated store whose clock is clock.
func newEnvOn(t testing.TB, s *store.Store, clock *storetest.Clock, cfg ...func(*handlers.Config)) *env {
	t.Helper()
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
	e.server, e.bucket = newServer(t, e.Store, bucket, cfg...)
	e.srv = httptest.NewServer(e.server)
	t.Cleanup(e.srv.Close)
}

// newServer is the service over s keeping evidence in bucket; cfg may adjust
// its configuration, the bucket included, and the bucket it uses is returned.
func newServer(t testing.TB, s *store.Store, bucket *evidence.Bucket, cfg ...func(*handlers.Config)) (*handlers.Server, *evidence.Bucket) {
	t.Helper()
	c := handlers.Config{Store: s, Log: zerolog.Nop(), Zone: zone, Bucket: bucket, Metrics: metrics.New(s, zerolog.Nop())}
	for _, f := range cfg {
		f(&c)
	}
	h, err := handlers.New(c)
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	return h, c.Bucket
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

// resp is the server's answer, body read: testkit's Response under the
// names these tests use.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r *resp) String() string { return r.kit().String() }

func (r *resp) kit() *testkit.Response {
	return &testkit.Response{Status: r.status, Header: r.header, Body: r.body}
}

// send makes the request and returns it (body rewound) with the answer.
func (e *env) send(t testing.TB, r req) (*http.Request, *resp) {
	t.Helper()
	tok, ok := e.tokens[r.as]
	if !ok && r.as != "" {
		tok = r.as // a raw token
	}
	var body any
	if r.body != "" {
		ct := r.ctype
		if ct == "" {
			ct = "application/json"
		}
		body = testkit.Raw{ContentType: ct, Data: []byte(r.body)}
	}
	var header []string
	for k, v := range r.header {
		header = append(header, k, v)
	}
	c := testkit.Client{Base: e.srv.URL, Token: tok, HTTP: e.client}
	if c.HTTP == nil {
		c.HTTP = e.srv.Client()
	}
	res := c.Do(t, r.method, r.path, body, header...)
	checkTimesInZone(t, r.method+" "+r.path, res.Header.Get("Content-Type"), res.Body)
	return res.Request, &resp{status: res.Status, header: res.Header, body: res.Body}
}

// jsonTime finds RFC 3339 times in a JSON answer.
var jsonTime = regexp.MustCompile(`"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))"`)

// checkTimesInZone: every time in every JSON answer of every handlers test is
// written in the province's zone with its offset, never in UTC.
func checkTimesInZone(t testing.TB, what, ctype string, body []byte) {
	t.Helper()
	if !strings.Contains(ctype, "json") {
		return
	}
	for _, m := range jsonTime.FindAllSubmatch(body, -1) {
		tm, err := time.Parse(time.RFC3339Nano, string(m[1]))
		if err != nil {
			continue
		}
		if _, want := tm.In(zone).Zone(); func() bool { _, off := tm.Zone(); return off != want }() || strings.HasSuffix(string(m[1]), "Z") {
			t.Errorf("%s: time %s is not in the province's zone (%s)", what, m[1], zone)
		}
	}
}

// do sends the request and fails the test unless the status is want.
func (e *env) do(t testing.TB, want int, r req) *resp {
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
	res.kit().Decode(t, v)
}

// problem is the problem+json body of an error.
type problem = testkit.Problem

// wantProblem checks an error answer: status, problem+json and, when given,
// exactly these fields named in errors (in any order, each at least once).
func wantProblem(t *testing.T, res *resp, status int, fields ...string) problem {
	t.Helper()
	return res.kit().WantProblem(t, status, fields...)
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
	c, ids := e.NewCampaign(t, "Đợt riêng", e.Campaign.OpensAt, e.Campaign.ClosesAt)
	return c.ID, ids
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
func (e *env) lockReport(t testing.TB, reportID int64) {
	t.Helper()
	db := e.Store.DB()
	_, err := db.Exec(db.Rebind(`UPDATE reports SET locked_from = state, state = ?, version = version + 1 WHERE id = ?`), workflow.StateLocked, reportID)
	if err != nil {
		t.Fatalf("lock report %d: %v", reportID, err)
	}
}

// sample reads a shared sample file (testkit.Sample) as a request body.
func sample(t *testing.T, name string) string {
	t.Helper()
	return string(testkit.Sample(t, name))
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
