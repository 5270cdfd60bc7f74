package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"parindex/store/storetest"
	"parindex/workflow"
)

// auditRow is a row of GET /api/v1/audit as a client reads it.
type auditRow struct {
	ID              int64          `json:"id"`
	At              string         `json:"at"`
	Actor           *ActorJSON     `json:"actor"`
	IssuedBy        *ActorJSON     `json:"issued_by"`
	Kind            string         `json:"kind"`
	Action          string         `json:"action"`
	Target          string         `json:"target"`
	Detail          map[string]any `json:"detail"`
	RequestID       string         `json:"request_id"`
	ClientRequestID string         `json:"client_request_id"`
	ClientIP        string         `json:"client_ip"`
}

type ActorJSON struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
}

// audit reads the audit log as the admin with the query.
func (e *env) audit(t *testing.T, query string) []auditRow {
	t.Helper()
	var rows []auditRow
	decode(t, e.do(t, 200, req{method: "GET", path: "/api/v1/audit?" + query, as: "admin"}), &rows)
	return rows
}

// TestExemptionsHTTP: PUT /exemptions follows the entry writes' rules (the
// window by the server's clock, the state) and needs a reason; a refusal
// changes nothing, and a change is in the history with its reason and
// maxima, and in the audit log.
func TestExemptionsHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		path := func(a *storetest.Agency) string { return fmt.Sprintf("/api/v1/reports/%d/exemptions", a.ReportID) }
		a := e.Dept
		good := `{"codes":["3.1"],"reason":"Theo Công văn số 15/SNV"}`
		audits := len(e.audit(t, "kind=exemption"))

		t.Run("refused, and nothing changes", func(t *testing.T) {
			before := e.snap(t, a.ReportID)
			p := wantProblem(t, e.do(t, 422, req{method: "PUT", path: path(a), as: "admin", body: `{"codes":["3.1"]}`}), 422, "reason")
			if p.Detail != "Cần nêu lý do." || p.Errors[0].Message != "Cần nêu lý do." {
				t.Errorf("no reason: %+v", p)
			}
			wantProblem(t, e.do(t, 422, req{method: "PUT", path: path(a), as: "admin", body: `{"codes":["3.1"],"reason":"   "}`}), 422, "reason")
			long := jsonBody(t, map[string]any{"codes": []string{"3.1"}, "reason": strings.Repeat("ữ", workflow.MaxReason+1)})
			wantProblem(t, e.do(t, 422, req{method: "PUT", path: path(a), as: "admin", body: long}), 422, "reason")
			wantProblem(t, e.do(t, 422, req{method: "PUT", path: path(a), as: "admin", body: `{"codes":["1.1.1"],"reason":"x"}`}), 422, "codes")
			wantProblem(t, e.do(t, 400, req{method: "PUT", path: path(a), as: "admin", body: `{"codes":["3.1"],"reason":1}`}), 400)

			// After the deadline, and before the window opens, by the server's clock.
			for _, at := range []time.Time{e.Campaign.ClosesAt, e.Campaign.OpensAt.Add(-time.Second)} {
				e.Clock.Set(at)
				wantProblem(t, e.do(t, 423, req{method: "PUT", path: path(a), as: "admin", body: good}), 423)
				wantProblem(t, e.do(t, 423, req{method: "PUT", path: path(a), as: "admin", body: `{"codes":["3.1"]}`}), 423)
			}
			e.Clock.Set(start)
			e.unchanged(t, before)

			// Signed, then submitted: 409.
			b := on(e.Dept2, e.freshReports(t)[e.Dept2.ID])
			e.walk(t, b, workflow.StateSigned)
			for _, st := range []workflow.State{workflow.StateSigned, workflow.StateSubmitted} {
				if st == workflow.StateSubmitted {
					e.Fire(t, b.Approver, b, workflow.EventSubmit, "")
				}
				before := e.snap(t, b.ReportID)
				wantProblem(t, e.do(t, 409, req{method: "PUT", path: path(b), as: "admin", body: good}), 409)
				e.unchanged(t, before)
			}
			if n := len(e.audit(t, "kind=exemption")); n != audits {
				t.Errorf("refusals wrote %d audit rows", n-audits)
			}
		})

		t.Run("the change is in the history and the audit log", func(t *testing.T) {
			res := e.do(t, 200, req{method: "PUT", path: path(a), as: "admin", body: good, header: map[string]string{"X-Request-Id": "ex-1"}})
			var rep struct {
				MaxTotal   float64  `json:"max_total"`
				Exemptions []string `json:"exemptions"`
			}
			decode(t, res, &rep)
			if rep.MaxTotal != 98 || !reflect.DeepEqual(rep.Exemptions, []string{"3.1"}) {
				t.Fatalf("report %+v", rep)
			}
			want := map[string]any{"codes_before": []any{}, "codes_after": []any{"3.1"}, "max_before": "100.00", "max_after": "98.00"}
			for _, as := range []string{"admin", "approver"} {
				var h []struct {
					Event    string         `json:"event"`
					Reason   string         `json:"reason"`
					Detail   map[string]any `json:"detail"`
					IssuedBy *ActorJSON     `json:"issued_by"`
				}
				decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d/history", a.ReportID), as: as}), &h)
				last := h[len(h)-1]
				if last.Event != "exemptions" || last.Reason != "Theo Công văn số 15/SNV" || !reflect.DeepEqual(last.Detail, want) || last.IssuedBy != nil {
					t.Errorf("%s reads the history row %+v, want the reason and detail %v", as, last, want)
				}
			}
			rows := e.audit(t, "kind=exemption&limit=1")
			if len(rows) != 1 {
				t.Fatalf("audit rows %+v", rows)
			}
			r := rows[0]
			if r.Action != "update" || r.Target != fmt.Sprint(a.ReportID) || r.Actor == nil || r.Actor.ID != e.Admin.ID ||
				r.RequestID != res.header.Get("X-Request-Id") || r.ClientRequestID != "ex-1" || r.Detail["reason"] != "Theo Công văn số 15/SNV" ||
				r.Detail["max_after"] != "98.00" {
				t.Errorf("audit row %+v", r)
			}
		})
	})
}

// TestTokensHTTP: issuing with the default lifetime, an explicit expiry or
// none; listing one's own tokens and, for an admin, anyone's.
func TestTokensHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		u := e.Dept.Updater
		issue := func(body string) map[string]any {
			var out map[string]any
			decode(t, e.do(t, 201, req{method: "POST", path: "/api/v1/tokens", as: "admin", body: body}), &out)
			return out
		}
		def := issue(fmt.Sprintf(`{"user_id":%d}`, u.ID))
		if got := wantZone(t, "expires_at", def["expires_at"]); !got.Equal(start.Add(90 * 24 * time.Hour)) {
			t.Errorf("default expiry %v, want 90 days after issue", got)
		}
		never := issue(fmt.Sprintf(`{"user_id":%d,"no_expiry":true}`, u.ID))
		if v, ok := never["expires_at"]; !ok || v != nil {
			t.Errorf("no_expiry: expires_at %v, want null", v)
		}
		at := issue(fmt.Sprintf(`{"user_id":%d,"expires_at":"2026-12-31T17:00:00"}`, u.ID))
		if at["expires_at"] != "2026-12-31T17:00:00+07:00" {
			t.Errorf("explicit expiry %v", at["expires_at"])
		}
		tokens := count(t, e, `SELECT COUNT(*) FROM tokens`)
		wantProblem(t, e.do(t, 422, req{method: "POST", path: "/api/v1/tokens", as: "admin",
			body: fmt.Sprintf(`{"user_id":%d,"no_expiry":true,"expires_at":"2026-12-31T17:00:00+07:00"}`, u.ID)}), 422, "expires_at", "no_expiry")
		wantProblem(t, e.do(t, 400, req{method: "POST", path: "/api/v1/tokens", as: "admin", body: fmt.Sprintf(`{"user_id":%d,"no_expiry":"yes"}`, u.ID)}), 400)
		if n := count(t, e, `SELECT COUNT(*) FROM tokens`); n != tokens {
			t.Fatal("a refused token was stored")
		}

		// The admin's token is used once; the list says so, in province time.
		e.Clock.Add(time.Minute)
		e.do(t, 200, req{method: "GET", path: "/api/v1/me", as: def["token"].(string)})
		var list []map[string]any
		decode(t, e.do(t, 200, req{method: "GET", path: "/api/v1/me/tokens", as: def["token"].(string)}), &list)
		// Newest first: the explicit, the one without expiry, the default, then newEnv's own.
		if len(list) != 4 || list[2]["id"] != def["id"] || list[1]["id"] != never["id"] || list[0]["id"] != at["id"] {
			t.Fatalf("my tokens %v", list)
		}
		d := list[2]
		for _, k := range []string{"token", "hash", "secret"} {
			if _, ok := d[k]; ok {
				t.Errorf("a listed token has %q", k)
			}
		}
		keys := []string{}
		for k := range d {
			keys = append(keys, k)
		}
		if len(keys) != 6 {
			t.Errorf("listed token fields %v, want id, issued_by, created_at, last_used_at, expires_at, revoked_at", keys)
		}
		if by, _ := d["issued_by"].(map[string]any); by == nil || by["id"] != float64(e.Admin.ID) || by["email"] != e.Admin.Email {
			t.Errorf("issued_by %v, want the admin", d["issued_by"])
		}
		if got := wantZone(t, "last_used_at", d["last_used_at"]); !got.Equal(start.Add(time.Minute)) {
			t.Errorf("last_used_at %v", got)
		}
		wantZone(t, "created_at", d["created_at"])
		if list[3]["issued_by"] != nil || list[3]["revoked_at"] != nil {
			t.Errorf("the token issued at the server: %v", list[3])
		}

		var same []map[string]any
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/users/%d/tokens", u.ID), as: "admin"}), &same)
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/users/%d/tokens", u.ID), as: "updater"}), &same)
		if len(same) != 4 {
			t.Errorf("the user's tokens as seen by themself: %v", same)
		}
		for _, as := range []string{"approver", "council", "other-updater"} {
			wantProblem(t, e.do(t, 403, req{method: "GET", path: fmt.Sprintf("/api/v1/users/%d/tokens", u.ID), as: as}), 403)
			// No existence leak: an unknown user is 403 too for them.
			wantProblem(t, e.do(t, 403, req{method: "GET", path: "/api/v1/users/999999/tokens", as: as}), 403)
		}
		wantProblem(t, e.do(t, 404, req{method: "GET", path: "/api/v1/users/999999/tokens", as: "admin"}), 404)
	})
}

// count runs a single-integer query on the env's store.
func count(t *testing.T, e *env, query string, args ...any) int {
	t.Helper()
	return storetest.Count(t, e.Store, query, args...)
}

// TestActingAs: an admin issues a token for an updater; what the updater
// then does with it names both, in the history and the revisions.
func TestActingAs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
		var tok struct {
			Token string `json:"token"`
		}
		decode(t, e.do(t, 201, req{method: "POST", path: "/api/v1/tokens", as: "admin", body: fmt.Sprintf(`{"user_id":%d}`, a.Updater.ID)}), &tok)
		e.FillEntries(t, a)
		e.do(t, 200, req{method: "PUT", path: fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", a.ReportID), as: tok.Token,
			body: `{"self_score":0.5,"explanation":"Quản trị viên nhập thay"}`})
		e.do(t, 200, req{method: "POST", path: fmt.Sprintf("/api/v1/reports/%d/transitions", a.ReportID), as: tok.Token, body: `{"event":"complete"}`})

		admin := ActorJSON{ID: e.Admin.ID, Email: e.Admin.Email}
		updater := ActorJSON{ID: a.Updater.ID, Email: a.Updater.Email}
		for _, as := range []string{"admin", "approver"} {
			var h []struct {
				Event    string     `json:"event"`
				Actor    *ActorJSON `json:"actor"`
				IssuedBy *ActorJSON `json:"issued_by"`
			}
			decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d/history", a.ReportID), as: as}), &h)
			last := h[len(h)-1]
			if last.Event != "complete" || last.Actor == nil || *last.Actor != updater || last.IssuedBy == nil || *last.IssuedBy != admin {
				t.Errorf("%s reads the complete row %+v", as, last)
			}
			var revs []struct {
				Actor    *ActorJSON `json:"actor"`
				IssuedBy *ActorJSON `json:"issued_by"`
			}
			decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d/revisions?code=1.1.1", a.ReportID), as: as}), &revs)
			if len(revs) != 2 || revs[0].IssuedBy != nil || *revs[1].Actor != updater || revs[1].IssuedBy == nil || *revs[1].IssuedBy != admin {
				t.Errorf("%s reads the revisions %+v", as, revs)
			}
		}
		// The updater's own token names nobody else.
		e.do(t, 200, req{method: "POST", path: fmt.Sprintf("/api/v1/reports/%d/transitions", a.ReportID), as: "updater", body: `{"event":"reopen"}`})
		res := e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d/history", a.ReportID), as: "admin"})
		var h []map[string]any
		decode(t, res, &h)
		if _, ok := h[len(h)-1]["issued_by"]; ok {
			t.Errorf("a row made with the user's own token has issued_by: %v", h[len(h)-1])
		}
	})
}

// TestAuditHTTP: administrative changes made over HTTP are in the audit log
// with who made them, from which request and address, and on whose token;
// the log filters, pages, refuses bad filters and cannot be changed.
func TestAuditHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		e.Clock.Add(time.Hour)
		mark := e.Clock.Now()

		// A second administrator, with a token the first issued for them.
		var second struct {
			ID int64 `json:"id"`
		}
		decode(t, e.do(t, 201, req{method: "POST", path: "/api/v1/users", as: "admin",
			body: `{"email":"quantri2@test.example.vn","name":"Quản trị hai","grants":[{"role":"admin"}]}`}), &second)
		var tok struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		}
		decode(t, e.do(t, 201, req{method: "POST", path: "/api/v1/tokens", as: "admin", body: fmt.Sprintf(`{"user_id":%d}`, second.ID)}), &tok)
		res := e.do(t, 201, req{method: "POST", path: "/api/v1/agencies", as: tok.Token, body: `{"code":"SYT","name":"Sở Y tế","kind":"department"}`,
			header: map[string]string{"X-Request-Id": "agency-1"}})
		var agency workflow.Agency
		decode(t, res, &agency)
		e.do(t, 200, req{method: "POST", path: fmt.Sprintf("/api/v1/agencies/%d/officials", agency.ID), as: "admin",
			body: sample(t, "officials-department.csv"), ctype: "text/csv"})
		e.do(t, 204, req{method: "DELETE", path: fmt.Sprintf("/api/v1/tokens/%d", tok.ID), as: "admin"})

		rows := e.audit(t, fmt.Sprintf("from=%s", url.QueryEscape(mark.Format(time.RFC3339))))
		var kinds []string
		for _, r := range rows {
			kinds = append(kinds, r.Kind+" "+r.Action)
		}
		if want := []string{"token revoke", "import officials", "agency create", "token issue", "user create"}; !reflect.DeepEqual(kinds, want) {
			t.Fatalf("rows %v, want %v, newest first", kinds, want)
		}
		ag := rows[2]
		if ag.Actor == nil || ag.Actor.ID != second.ID || ag.IssuedBy == nil || ag.IssuedBy.ID != e.Admin.ID || ag.IssuedBy.Email != e.Admin.Email ||
			ag.RequestID != res.header.Get("X-Request-Id") || ag.ClientRequestID != "agency-1" || ag.ClientIP != "127.0.0.1" ||
			ag.Target != fmt.Sprint(agency.ID) || ag.Detail["code"] != "SYT" || ag.Detail["kind"] != "department" {
			t.Errorf("agency row %+v", ag)
		}
		wantZone(t, "at", ag.At)
		imp := rows[1]
		if imp.Actor.ID != e.Admin.ID || imp.IssuedBy != nil || imp.Detail["created"] != float64(4) || len(imp.Detail["created_ids"].([]any)) != 4 {
			t.Errorf("import row %+v", imp)
		}
		if rows[0].Detail["user_id"] != float64(second.ID) || rows[3].Detail["user_id"] != float64(second.ID) {
			t.Errorf("token rows %+v %+v", rows[0], rows[3])
		}

		// Filters.
		if got := e.audit(t, fmt.Sprintf("actor=%d", second.ID)); len(got) != 1 || got[0].Kind != "agency" {
			t.Errorf("actor filter: %+v", got)
		}
		if got := e.audit(t, "kind=token&from="+url.QueryEscape(mark.In(zone).Format("2006-01-02T15:04:05"))); len(got) != 2 {
			t.Errorf("kind and from without an offset (province time): %+v", got)
		}
		if got := e.audit(t, "to="+url.QueryEscape(mark.Format(time.RFC3339))); len(got) == 0 || got[0].ID >= rows[len(rows)-1].ID {
			t.Errorf("to filter: %+v", got)
		}
		page := e.audit(t, "limit=2")
		next := e.audit(t, fmt.Sprintf("limit=2&before=%d", page[1].ID))
		if len(page) != 2 || len(next) != 2 || page[0].ID != rows[0].ID || next[0].ID != rows[2].ID {
			t.Errorf("pages %+v then %+v", page, next)
		}
		for query, field := range map[string]string{
			"actor=one": "actor", "actor=0": "actor", "kind=report": "kind", "from=2026-11-20": "from", "to=yesterday": "to",
			"limit=0": "limit", "limit=1001": "limit", "limit=ten": "limit", "before=-3": "before",
		} {
			wantProblem(t, e.do(t, 400, req{method: "GET", path: "/api/v1/audit?" + query, as: "admin"}), 400, field)
		}
		p := wantProblem(t, e.do(t, 400, req{method: "GET", path: "/api/v1/audit?limit=0&kind=x", as: "admin"}), 400, "limit", "kind")
		if p.Detail != "Một số tham số lọc không hợp lệ." {
			t.Errorf("two bad filters: %q", p.Detail)
		}

		// Administrators only; no route changes it.
		for _, as := range []string{"council", "updater", "approver"} {
			wantProblem(t, e.do(t, 403, req{method: "GET", path: "/api/v1/audit", as: as}), 403)
		}
		before := count(t, e, `SELECT COUNT(*) FROM audit_log`)
		for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodPost} {
			wantProblem(t, e.do(t, 405, req{method: m, path: "/api/v1/audit", as: "admin", body: `{}`}), 405)
			wantProblem(t, e.do(t, 404, req{method: m, path: fmt.Sprintf("/api/v1/audit/%d", rows[0].ID), as: "admin", body: `{}`}), 404)
		}
		if n := count(t, e, `SELECT COUNT(*) FROM audit_log`); n != before {
			t.Errorf("the audit log changed: %d rows, want %d", n, before)
		}
	})
}
