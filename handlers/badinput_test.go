package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parindex/handlers"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// badCase is one refused write to a report: what is sent, by whom, to which
// report in which state, and the answer docs/api.md gives.
type badCase struct {
	name   string
	as     string         // caller; the updater (entries) or approver (transitions) when empty
	other  bool           // the District's report instead of Dept's
	state  workflow.State // the report is walked here first (draft when empty)
	setup  func(t *testing.T, e *env, a *storetest.Agency)
	code   string // entries only; 1.1.1 when empty
	body   string
	ctype  string
	ifMat  string // If-Match
	want   int
	fields []string // exactly these fields named in errors (nil: not checked)
}

// closeWindow moves the clock past the report's deadline for the rest of the test.
func closeWindow(t *testing.T, e *env, _ *storetest.Agency) {
	e.Clock.Set(e.Campaign.ClosesAt.Add(time.Second))
	t.Cleanup(func() { e.Clock.Set(start) })
}

// bumpVersion makes one change to the report so that version 1 is stale.
func bumpVersion(t *testing.T, e *env, a *storetest.Agency) {
	t.Helper()
	one := workflow.Points(100)
	if _, _, err := e.Store.PutEntry(context.Background(), a.Updater, a.ReportID, "1.1.2", workflow.EntryValue{SelfScore: &one, Explanation: "Đạt"}, nil, store.Meta{}); err != nil {
		t.Fatal(err)
	}
}

// runBad runs each case on fresh reports and checks the answer and that the
// report, its history and its revisions are exactly as before.
func runBad(t *testing.T, e *env, cases []badCase, path func(id int64, c badCase) string, as string) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids := e.freshReports(t)
			a := e.Dept
			if c.other {
				a = e.District
			}
			a = on(a, ids[a.ID])
			e.walk(t, a, c.state)
			if c.setup != nil {
				c.setup(t, e, a)
			}
			before := e.snap(t, a.ReportID)
			r := req{method: http.MethodPut, path: path(a.ReportID, c), as: c.as, body: c.body, ctype: c.ctype}
			if strings.HasSuffix(r.path, "/transitions") {
				r.method = http.MethodPost
			}
			if r.as == "" {
				r.as = as
			}
			if c.ifMat != "" {
				r.header = map[string]string{"If-Match": c.ifMat}
			}
			_, res := e.send(t, r)
			wantProblem(t, res, c.want, c.fields...)
			e.unchanged(t, before)
		})
	}
}

func TestEntryBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		score := "entries/1.1.1/self_score"
		cases := []badCase{
			{name: "malformed JSON", body: `{"self_score": 1,`, want: 400},
			{name: "empty body", body: ``, ctype: "application/json", want: 400},
			{name: "trailing data", body: `{"self_score": 1} {}`, want: 400},
			{name: "unknown field", body: `{"self_score": 1, "explanation": "x", "evidence_url": "http://x"}`, want: 400, fields: []string{"evidence_url"}},
			{name: "score as string", body: `{"self_score": "1", "explanation": "x"}`, want: 400, fields: []string{score}},
			{name: "explanation as number", body: `{"self_score": 1, "explanation": 5}`, want: 400, fields: []string{"explanation"}},
			{name: "not JSON content type", body: `{"self_score": 1}`, ctype: "text/plain", want: 415},
			{name: "form content type", body: `self_score=1`, ctype: "application/x-www-form-urlencoded", want: 415},
			{name: "negative score", body: `{"self_score": -1, "explanation": "x"}`, want: 422, fields: []string{score}},
			{name: "score above max", body: `{"self_score": 1.25, "explanation": "x"}`, want: 422, fields: []string{score}},
			{name: "score off step", body: `{"self_score": 0.3, "explanation": "x"}`, want: 422, fields: []string{score}},
			{name: "three decimals", body: `{"self_score": 0.125, "explanation": "x"}`, want: 422, fields: []string{score}},
			{name: "exponent", body: `{"self_score": 1e0, "explanation": "x"}`, want: 422, fields: []string{score}},
			{name: "unknown criterion", code: "9.9.9", body: `{"self_score": 1}`, want: 404},
			{name: "not a leaf", code: "1.1", body: `{"self_score": 1}`, want: 422, fields: []string{"entries/1.1"}},
			{name: "council leaf", code: "1.5", body: `{"self_score": 1}`, want: 422, fields: []string{"entries/1.5"}},
			{name: "not in draft", state: workflow.StateEntered, body: `{"self_score": 1, "explanation": "x"}`, want: 409},
			{name: "another agency's report", other: true, body: `{"self_score": 1, "explanation": "x"}`, want: 404},
			{name: "no such report", setup: nil, body: `{"self_score": 1}`, want: 404, code: "nosuchreport"},
			{name: "stale If-Match", setup: bumpVersion, ifMat: `"1"`, body: `{"self_score": 1, "explanation": "x"}`, want: 412},
			{name: "If-Match not a version", ifMat: `"abc"`, body: `{"self_score": 1, "explanation": "x"}`, want: 412},
			{name: "after the deadline", setup: closeWindow, body: `{"self_score": 1, "explanation": "x"}`, want: 423},
			{name: "locked report", setup: func(t *testing.T, e *env, a *storetest.Agency) { e.lockReport(t, a.ReportID) }, body: `{"self_score": 1, "explanation": "x"}`, want: 423},
			{name: "before the window opens", setup: func(t *testing.T, e *env, a *storetest.Agency) {
				e.Clock.Set(e.Campaign.OpensAt.Add(-time.Second))
				t.Cleanup(func() { e.Clock.Set(start) })
			}, body: `{"self_score": 1, "explanation": "x"}`, want: 423},

			// Which answer wins (docs/api.md): 401, 404 (report), 403, 400/413/415,
			// 404 (criterion), 423, 409, 422.
			{name: "another agency's report with a malformed body is 404", other: true, body: `{"self_score":`, want: 404},
			{name: "another agency's report without a token is 401", other: true, as: "none", body: `{"self_score": 1}`, want: 401},
			{name: "approver with a malformed body is 403", as: "approver", body: `{"self_score":`, want: 403},
			{name: "admin with a wrong content type is 403", as: "admin", body: `x`, ctype: "text/plain", want: 403},
			{name: "unknown criterion with a malformed body is 400", code: "9.9.9", body: `{"self_score":`, want: 400},
			{name: "unknown criterion with a string score is 400", code: "9.9.9", body: `{"self_score": "1"}`, want: 400},
			{name: "unknown criterion after the deadline is 404", code: "9.9.9", setup: closeWindow, body: `{"self_score": 1}`, want: 404},
			{name: "wrong state after the deadline is 423", state: workflow.StateEntered, setup: closeWindow, body: `{"self_score": 1}`, want: 423},
			{name: "bad score in the wrong state is 409", state: workflow.StateEntered, body: `{"self_score": 7}`, want: 409},
			{name: "three decimals in the wrong state is 409", state: workflow.StateEntered, body: `{"self_score": 0.125}`, want: 409},
			{name: "bad score after the deadline is 423", setup: closeWindow, body: `{"self_score": 7}`, want: 423},
		}
		runBad(t, e, cases, func(id int64, c badCase) string {
			code := c.code
			switch code {
			case "":
				code = "1.1.1"
			case "nosuchreport":
				return "/api/v1/reports/999999/entries/1.1.1"
			}
			return fmt.Sprintf("/api/v1/reports/%d/entries/%s", id, code)
		}, "updater")
	})
}

func TestTransitionBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		fill := func(t *testing.T, e *env, a *storetest.Agency) { e.FillEntries(t, a) }
		cases := []badCase{
			{name: "malformed JSON", state: workflow.StateEntered, body: `{"event": "approve"`, want: 400},
			{name: "unknown field", state: workflow.StateEntered, body: `{"event": "approve", "comment": "ok"}`, want: 400, fields: []string{"comment"}},
			{name: "event as number", state: workflow.StateEntered, body: `{"event": 3}`, want: 400, fields: []string{"event"}},
			{name: "not JSON content type", state: workflow.StateEntered, body: `{"event": "approve"}`, ctype: "text/plain", want: 415},
			{name: "unknown event", state: workflow.StateEntered, body: `{"event": "frobnicate"}`, want: 422, fields: []string{"event"}},
			{name: "empty event", state: workflow.StateEntered, body: `{}`, want: 422, fields: []string{"event"}},
			{name: "not allowed from the state", body: `{"event": "approve"}`, want: 409},
			{name: "submit from entered", state: workflow.StateEntered, body: `{"event": "submit"}`, want: 409},
			{name: "return without reason", state: workflow.StateEntered, body: `{"event": "return"}`, want: 422, fields: []string{"reason"}},
			{name: "return with a blank reason", state: workflow.StateEntered, body: `{"event": "return", "reason": "  "}`, want: 422, fields: []string{"reason"}},
			{name: "another agency's report", other: true, state: workflow.StateEntered, body: `{"event": "approve"}`, want: 404},
			{name: "stale If-Match", state: workflow.StateEntered, ifMat: `"1"`, body: `{"event": "approve"}`, want: 412},
			{name: "after the deadline", state: workflow.StateEntered, setup: closeWindow, body: `{"event": "approve"}`, want: 423},
			{name: "complete after the deadline", as: "updater", setup: func(t *testing.T, e *env, a *storetest.Agency) {
				fill(t, e, a)
				closeWindow(t, e, a)
			}, body: `{"event": "complete"}`, want: 423},
			{name: "complete with nothing entered lists every self leaf", as: "updater", body: `{"event": "complete"}`, want: 422, fields: selfLeaves(t, e.DeptSet)},
			{name: "closes_at on another event", state: workflow.StateEntered, body: fmt.Sprintf(`{"event": "approve", "closes_at": %q}`, ts(start.Add(time.Hour))), want: 422, fields: []string{"closes_at"}},
			{name: "open_round without closes_at", as: "council", state: workflow.StateSubmitted, body: `{"event": "open_round"}`, want: 422, fields: []string{"closes_at"}},
			{name: "open_round with a date-only closes_at", as: "council", state: workflow.StateSubmitted, body: `{"event": "open_round", "closes_at": "2026-12-01"}`, want: 422, fields: []string{"closes_at"}},
			{name: "open_round with closes_at in the past", as: "council", state: workflow.StateSubmitted, body: fmt.Sprintf(`{"event": "open_round", "closes_at": %q}`, ts(start.Add(-time.Hour))), want: 422, fields: []string{"closes_at"}},
			{name: "open_round with no criteria", as: "council", state: workflow.StateSubmitted, body: fmt.Sprintf(`{"event": "open_round", "closes_at": %q, "criteria": []}`, ts(start.Add(72*time.Hour))), want: 422, fields: []string{"criteria"}},
			{name: "open_round with a council leaf", as: "council", state: workflow.StateSubmitted, body: fmt.Sprintf(`{"event": "open_round", "closes_at": %q, "criteria": ["1.5"]}`, ts(start.Add(72*time.Hour))), want: 422, fields: []string{"criteria"}},

			// Which answer wins (docs/api.md): 401, 404, 400, 422 (unknown event),
			// 403 (role), 412, 423, 409, 422 (content guards).
			{name: "another agency's report with a malformed body is 404", other: true, body: `{"event":`, want: 404},
			{name: "another agency's report with an unknown event is 404", other: true, body: `{"event": "frobnicate"}`, want: 404},
			{name: "malformed body by a caller without the role is 400", as: "admin", body: `{"event":`, want: 400},
			{name: "unknown event by a caller without the role is 422", as: "admin", body: `{"event": "frobnicate"}`, want: 422, fields: []string{"event"}},
			{name: "updater firing approve with a stale If-Match is 403", as: "updater", state: workflow.StateEntered, ifMat: `"1"`, body: `{"event": "approve"}`, want: 403},
			{name: "approve by the updater after the deadline is 403", as: "updater", state: workflow.StateEntered, setup: closeWindow, body: `{"event": "approve"}`, want: 403},
			{name: "stale If-Match after the deadline is 412", state: workflow.StateEntered, setup: closeWindow, ifMat: `"1"`, body: `{"event": "approve"}`, want: 412},
			{name: "approve from the wrong state after the deadline is 423", setup: closeWindow, body: `{"event": "approve"}`, want: 423},
			{name: "approve on a locked report is 423", setup: func(t *testing.T, e *env, a *storetest.Agency) { e.lockReport(t, a.ReportID) }, body: `{"event": "approve"}`, want: 423},
			{name: "return without reason from the wrong state is 409", body: `{"event": "return"}`, want: 409},
			{name: "return without reason after the deadline is 423", state: workflow.StateEntered, setup: closeWindow, body: `{"event": "return"}`, want: 423},
			{name: "incomplete report after the deadline is 423", as: "updater", setup: closeWindow, body: `{"event": "complete"}`, want: 423},
			{name: "closes_at on approve by the updater is 403", as: "updater", state: workflow.StateEntered, body: fmt.Sprintf(`{"event": "approve", "closes_at": %q}`, ts(start.Add(time.Hour))), want: 403},
			{name: "open_round with a date-only closes_at by the approver is 403", state: workflow.StateSubmitted, body: `{"event": "open_round", "closes_at": "2026-12-01"}`, want: 403},
			{name: "open_round with a date-only closes_at on a draft is 409", as: "council", body: `{"event": "open_round", "closes_at": "2026-12-01"}`, want: 409},
			{name: "open_round without closes_at on a draft is 409", as: "council", body: `{"event": "open_round"}`, want: 409},
			{name: "open_round with no criteria by the updater is 403", as: "updater", state: workflow.StateSubmitted, body: fmt.Sprintf(`{"event": "open_round", "closes_at": %q, "criteria": []}`, ts(start.Add(72*time.Hour))), want: 403},
			{name: "incomplete report with a stale If-Match is 412", as: "updater", setup: bumpVersion, ifMat: `"1"`, body: `{"event": "complete"}`, want: 412},
		}
		runBad(t, e, cases, func(id int64, c badCase) string {
			return fmt.Sprintf("/api/v1/reports/%d/transitions", id)
		}, "approver")
	})
}

// selfLeaves names every self leaf of a set as docs/api.md names entry fields.
func selfLeaves(t *testing.T, set *workflow.CriteriaSet) []string {
	var out []string
	for _, l := range set.LeafList() {
		if l.Method == workflow.MethodSelf {
			out = append(out, "entries/"+l.Code)
		}
	}
	if len(out) < 2 {
		t.Fatalf("the sample set has %d self leaves", len(out))
	}
	return out
}

func TestOversizedBodies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect).withServer(t, func(c *handlers.Config) { c.MaxBody = 256 })
		long := strings.Repeat("Giải trình rất dài. ", 40)
		before := e.snap(t, e.Dept.ReportID)
		res := e.do(t, 413, req{method: "PUT", path: fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", e.Dept.ReportID), as: "updater",
			body: jsonBody(t, map[string]any{"self_score": 1, "explanation": long})})
		wantProblem(t, res, 413)
		e.unchanged(t, before)
		e.walk(t, e.Dept, workflow.StateEntered)
		before = e.snap(t, e.Dept.ReportID)
		res = e.do(t, 413, req{method: "POST", path: fmt.Sprintf("/api/v1/reports/%d/transitions", e.Dept.ReportID), as: "approver",
			body: jsonBody(t, map[string]any{"event": "return", "reason": long})})
		wantProblem(t, res, 413)
		e.unchanged(t, before)

		// A body just under the limit is read.
		e.do(t, 200, req{method: "POST", path: fmt.Sprintf("/api/v1/reports/%d/transitions", e.Dept.ReportID), as: "approver",
			body: `{"event": "return", "reason": "Thiếu minh chứng"}`})

		sets := e.do(t, 200, req{method: "GET", path: "/api/v1/criteria-sets", as: "admin"})
		res = e.do(t, 413, req{method: "POST", path: "/api/v1/criteria-sets", as: "admin", body: sampleSet(t, "BIG-2026"), ctype: "application/yaml"})
		wantProblem(t, res, 413)
		if again := e.do(t, 200, req{method: "GET", path: "/api/v1/criteria-sets", as: "admin"}); string(again.body) != string(sets.body) {
			t.Errorf("a refused criteria set changed the list:\n%s\n%s", sets.body, again.body)
		}
	})
}

func TestCriteriaSetBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		list := func() string {
			return string(e.do(t, 200, req{method: "GET", path: "/api/v1/criteria-sets", as: "admin"}).body)
		}
		before := list()
		problems := []string{"criteria/1/max_points", "criteria/1.1/code", "criteria/2/max_points"}
		for _, c := range []struct {
			name, file, ctype string
		}{
			{"yaml", "criteria-bad.yaml", "application/yaml"},
			{"json", "criteria-bad.json", "application/json"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, res := e.send(t, req{method: "POST", path: "/api/v1/criteria-sets", as: "admin", body: sample(t, c.file), ctype: c.ctype})
				p := wantProblem(t, res, 422, problems...)
				if len(p.Errors) != len(problems) {
					t.Errorf("errors %v, want one per problem %v", p.Errors, problems)
				}
			})
		}
		if after := list(); after != before {
			t.Errorf("a refused criteria set was stored:\nbefore %s\nafter  %s", before, after)
		}

		// Replacing an unused set with a bad file keeps the old tree.
		id := e.unfrozenSet(t, "DRAFT-2026")
		path := fmt.Sprintf("/api/v1/criteria-sets/%d", id)
		tree := string(e.do(t, 200, req{method: "GET", path: path, as: "admin"}).body)
		_, res := e.send(t, req{method: "PUT", path: path, as: "admin", body: sample(t, "criteria-bad.yaml"), ctype: "application/yaml"})
		wantProblem(t, res, 422, problems...)
		if after := string(e.do(t, 200, req{method: "GET", path: path, as: "admin"}).body); after != tree {
			t.Errorf("a refused replacement changed set %d", id)
		}

		before = list()
		for _, c := range []struct {
			name, body, ctype string
			want              int
		}{
			{"malformed yaml", "code: [", "application/yaml", 400},
			{"malformed json", `{"code":`, "application/json", 400},
			{"unknown field", "code: X\nname: Y\nagency_kind: department\ncolour: red\ncriteria: []\n", "application/yaml", 400},
			{"text/plain", sample(t, "criteria-small.json"), "text/plain", 415},
			{"no content type", sample(t, "criteria-small.json"), "-", 415},
			{"duplicate code", sample(t, "criteria-department.yaml"), "application/yaml", 409},
			{"replace a frozen set", sample(t, "criteria-department.yaml"), "frozen", 409},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := req{method: "POST", path: "/api/v1/criteria-sets", as: "admin", body: c.body, ctype: c.ctype}
				if c.ctype == "frozen" {
					r.method, r.path, r.ctype = "PUT", fmt.Sprintf("/api/v1/criteria-sets/%d", e.DeptSet.ID), "application/yaml"
				}
				if c.ctype == "-" {
					r.ctype = "application/json"
					r.header = map[string]string{"Content-Type": ""}
				}
				_, res := e.send(t, r)
				wantProblem(t, res, c.want)
			})
		}
		if after := list(); after != before {
			t.Errorf("a refused criteria set changed the list:\nbefore %s\nafter  %s", before, after)
		}
	})
}

func TestCampaignBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		campaigns := func() string {
			return string(e.do(t, 200, req{method: "GET", path: "/api/v1/campaigns", as: "admin"}).body)
		}
		reports := func() string {
			return string(e.do(t, 200, req{method: "GET", path: "/api/v1/reports", as: "admin"}).body)
		}
		beforeC, beforeR := campaigns(), reports()
		body := func(opens, closes string) string {
			return jsonBody(t, map[string]any{"name": "Chỉ số CCHC 2027", "year": 2027, "opens_at": opens, "closes_at": closes,
				"criteria_sets": map[string]int64{"department": e.DeptSet.ID, "district": e.DistSet.ID}})
		}
		for _, c := range []struct {
			name, body string
			want       int
			fields     []string
		}{
			{"window ends before it starts", body("2027-11-25T17:00:00+07:00", "2027-11-15T08:00:00+07:00"), 422, []string{"closes_at"}},
			{"window of no length", body("2027-11-25T17:00:00+07:00", "2027-11-25T10:00:00Z"), 422, []string{"closes_at"}},
			{"date-only closes_at", body("2027-11-15T08:00:00+07:00", "2027-11-25"), 422, []string{"closes_at"}},
			{"date-only opens_at", body("2027-11-15", "2027-11-25T17:00:00+07:00"), 422, []string{"opens_at"}},
			{"not a time", body("soon", "2027-11-25T17:00:00+07:00"), 422, []string{"opens_at"}},
			{"year as string", `{"name":"X","year":"2027","opens_at":"2027-11-15T08:00:00+07:00","closes_at":"2027-11-25T17:00:00+07:00"}`, 400, []string{"year"}},
			{"unknown criteria set", jsonBody(t, map[string]any{"name": "X", "year": 2027, "opens_at": "2027-11-15T08:00:00+07:00",
				"closes_at": "2027-11-25T17:00:00+07:00", "criteria_sets": map[string]int64{"department": 999999}}), 422, []string{"criteria_sets/department"}},
			{"set of the wrong kind", jsonBody(t, map[string]any{"name": "X", "year": 2027, "opens_at": "2027-11-15T08:00:00+07:00",
				"closes_at": "2027-11-25T17:00:00+07:00", "criteria_sets": map[string]int64{"department": e.DistSet.ID}}), 422, []string{"criteria_sets/department"}},
			{"unknown field", `{"name":"X","year":2027,"window":"all year"}`, 400, []string{"window"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, res := e.send(t, req{method: "POST", path: "/api/v1/campaigns", as: "admin", body: c.body})
				wantProblem(t, res, c.want, c.fields...)
			})
		}
		if campaigns() != beforeC || reports() != beforeR {
			t.Error("a refused campaign changed the campaigns or created reports")
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		for _, c := range []struct{ name, auth string }{
			{"missing", ""},
			{"wrong", "Bearer pxt_wrong"},
			{"revoked", "Bearer " + e.tokens["revoked"]},
			{"not bearer", "Basic " + e.tokens["admin"]},
			{"bearer without token", "Bearer "},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := req{method: "GET", path: "/api/v1/me", as: "none"}
				if c.auth != "" {
					r.header = map[string]string{"Authorization": c.auth}
				}
				_, res := e.send(t, r)
				wantProblem(t, res, 401)
				if !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate %q, want a Bearer challenge", res.header.Get("WWW-Authenticate"))
				}
			})
		}

		// A token issued over the API works until it is revoked over the API,
		// then stops at once; one that expires stops when the clock passes it.
		var tok struct {
			ID        int64      `json:"id"`
			Token     string     `json:"token"`
			ExpiresAt *time.Time `json:"expires_at"`
		}
		decode(t, e.do(t, 201, req{method: "POST", path: "/api/v1/tokens", as: "admin",
			body: fmt.Sprintf(`{"user_id": %d, "expires_at": %q}`, e.Dept.Updater.ID, ts(start.Add(time.Hour)))}), &tok)
		if tok.Token == "" || tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(start.Add(time.Hour)) {
			t.Fatalf("token %+v", tok)
		}
		if _, off := tok.ExpiresAt.Zone(); off != 7*3600 {
			t.Errorf("expires_at %s is not in the province's zone", tok.ExpiresAt)
		}
		var me workflow.User
		decode(t, e.do(t, 200, req{method: "GET", path: "/api/v1/me", as: tok.Token}), &me)
		if me.ID != e.Dept.Updater.ID {
			t.Errorf("me = %+v", me)
		}
		e.Clock.Set(start.Add(time.Hour))
		wantProblem(t, e.do(t, 401, req{method: "GET", path: "/api/v1/me", as: tok.Token}), 401)
		e.Clock.Set(start)
		e.do(t, 200, req{method: "GET", path: "/api/v1/me", as: tok.Token})
		e.do(t, 204, req{method: "DELETE", path: fmt.Sprintf("/api/v1/tokens/%d", tok.ID), as: "admin"})
		res := e.do(t, 401, req{method: "GET", path: "/api/v1/me", as: tok.Token})
		if res.header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		wantProblem(t, e.do(t, 404, req{method: "DELETE", path: fmt.Sprintf("/api/v1/tokens/%d", tok.ID), as: "admin"}), 404)
		wantProblem(t, e.do(t, 404, req{method: "POST", path: "/api/v1/tokens", as: "admin", body: `{"user_id": 999999}`}), 404)
		wantProblem(t, e.do(t, 422, req{method: "POST", path: "/api/v1/tokens", as: "admin",
			body: fmt.Sprintf(`{"user_id": %d, "expires_at": %q}`, e.Dept.Updater.ID, ts(start.Add(-time.Hour)))}), 422, "expires_at")
	})
}

func TestUnknownRoutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		wantProblem(t, e.do(t, 404, req{method: "GET", path: "/api/v1/nothing-here", as: "admin"}), 404)
		wantProblem(t, e.do(t, 404, req{method: "GET", path: "/nothing-here"}), 404)
		// Under /api/v1 even a wrong path needs a token: routes do not leak.
		wantProblem(t, e.do(t, 401, req{method: "GET", path: "/api/v1/nothing-here"}), 401)
		wantProblem(t, e.do(t, 405, req{method: "DELETE", path: "/api/v1/agencies", as: "admin"}), 405)
		for _, p := range []string{"/api/v1/reports/abc", "/api/v1/reports/0", "/api/v1/reports/-1", "/api/v1/reports/999999", "/api/v1/campaigns/abc", "/api/v1/criteria-sets/0"} {
			wantProblem(t, e.do(t, 404, req{method: "GET", path: p, as: "admin"}), 404)
		}
		wantProblem(t, e.do(t, 400, req{method: "GET", path: "/api/v1/reports?campaign_id=one", as: "admin"}), 400, "campaign_id")
		wantProblem(t, e.do(t, 400, req{method: "GET", path: "/api/v1/reports?state=finished", as: "admin"}), 400, "state")
		wantProblem(t, e.do(t, 404, req{method: "GET", path: "/api/v1/campaigns/999999/progress", as: "council"}), 404)
		wantProblem(t, e.do(t, 404, req{method: "POST", path: "/api/v1/campaigns/999999/rounds", as: "council", body: fmt.Sprintf(`{"closes_at": %q}`, ts(start.Add(72*time.Hour)))}), 404)
	})
}

// docs/api.md: 423 when "the report is locked", exemptions included.
func TestExemptionsOnLockedReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		e.lockReport(t, e.Dept.ReportID)
		before := e.snap(t, e.Dept.ReportID)
		wantProblem(t, e.do(t, 423, req{method: "PUT", path: fmt.Sprintf("/api/v1/reports/%d/exemptions", e.Dept.ReportID), as: "admin",
			body: `{"codes":["3.1"]}`}), 423)
		e.unchanged(t, before)
	})
}
