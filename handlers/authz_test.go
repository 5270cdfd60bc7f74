package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"parindex/signature/signtest"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// caller is one kind of client of the authorization matrix (a key of
// env.tokens). The "own" agency is World.Dept; the officials of another
// agency are World.Dept2's.
type caller struct{ name string }

var callers = []caller{
	{"none"}, {"bad"}, {"revoked"},
	{"admin"}, {"council"}, {"updater"}, {"approver"}, {"other-updater"}, {"other-approver"},
}

// user is the caller's user, nil for the callers without a valid token.
func (e *env) user(c caller) *workflow.User {
	return map[string]*workflow.User{
		"admin": e.Admin, "council": e.Council, "updater": e.Dept.Updater, "approver": e.Dept.Approver,
		"other-updater": e.Dept2.Updater, "other-approver": e.Dept2.Approver,
	}[c.name]
}

// The targets of report routes: Dept's report, which Dept's officials may
// see, and the District's, which no official of the matrix may see.
var targets = []string{"own", "other"}

// row is what an endpoint's build step gets to make its request.
type row struct {
	n          int               // a number unique to the row, for unique names
	tgt        *storetest.Agency // the target's agency, ReportID pointing at a fresh report
	campaignID int64             // the fresh campaign of the target's report
	evidenceID int64             // evidence of the target's report, for /evidence/{id} rows
}

// endpoint is one registered route (and, for transitions, one event) with
// the action of the policy (workflow.Can) that decides who may call it:
// the matrix restates no role rule, it asks the same policy the server does.
type endpoint struct {
	method, route string // as registered in chi
	event         workflow.Event
	act           workflow.Action // "": any signed-in caller
	public        bool            // no authentication
	report        bool            // the path names a report: one row per target
	mine          bool            // the path names a thing of the "updater" caller's own: anyone else gets 404
	self          bool            // the path names the "updater" caller's own user (act's Target.UserID)
	ok            int
	state         workflow.State // the target report is walked here first, so that the allowed caller succeeds
	build         func(t *testing.T, e *env, r row) req
}

// want is the exact status the policy gives this caller on this target.
func (ep endpoint) want(e *env, c caller, target string) int {
	u := e.user(c)
	switch {
	case ep.public:
		return ep.ok
	case u == nil:
		return http.StatusUnauthorized
	case ep.mine && c.name != "updater":
		return http.StatusNotFound
	}
	tgt := workflow.Target{AgencyID: e.Dept.ID, UserID: e.Dept.Updater.ID}
	if target == "other" {
		tgt.AgencyID = e.District.ID
	}
	var err error
	switch {
	case ep.event != "":
		if err = workflow.Can(u, workflow.ActReportSee, tgt); err == nil {
			err = workflow.CanFire(u, ep.event, tgt.AgencyID)
		}
	case ep.act != "" && ep.report && !workflow.RefusesEarly(ep.act):
		err = workflow.Can(u, ep.act, tgt)
	case ep.act != "":
		// A province action is refused before the report is looked up.
		if err = workflow.Can(u, ep.act, tgt); err == nil && ep.report {
			err = workflow.Can(u, workflow.ActReportSee, tgt)
		}
	case ep.report:
		err = workflow.Can(u, workflow.ActReportSee, tgt)
	}
	switch workflow.ErrorCode(err) {
	case "":
		return ep.ok
	case workflow.ENOTFOUND:
		return http.StatusNotFound
	case workflow.EFORBIDDEN:
		return http.StatusForbidden
	}
	panic("the policy answered " + err.Error())
}

func (ep endpoint) String() string {
	if ep.event != "" {
		return ep.method + " " + ep.route + " " + string(ep.event)
	}
	return ep.method + " " + ep.route
}

func get(path string) func(*testing.T, *env, row) req {
	return func(*testing.T, *env, row) req { return req{method: http.MethodGet, path: path} }
}

func head(path string) func(*testing.T, *env, row) req {
	return func(*testing.T, *env, row) req { return req{method: http.MethodHead, path: path} }
}

func reportPath(suffix string) func(*testing.T, *env, row) req {
	return func(_ *testing.T, _ *env, r row) req {
		return req{method: http.MethodGet, path: fmt.Sprintf("/api/v1/reports/%d%s", r.tgt.ReportID, suffix)}
	}
}

// transition is the POST of one event from the state from; its body
// succeeds for the roles the transition table lets fire it.
func transition(ev workflow.Event, from workflow.State, extra map[string]any) endpoint {
	return endpoint{method: http.MethodPost, route: "/api/v1/reports/{id}/transitions", event: ev, report: true,
		ok: http.StatusOK, state: from,
		build: func(t *testing.T, e *env, r row) req {
			body := map[string]any{"event": ev}
			for k, v := range extra {
				body[k] = v
			}
			return req{method: http.MethodPost, path: fmt.Sprintf("/api/v1/reports/%d/transitions", r.tgt.ReportID), body: jsonBody(t, body)}
		}}
}

// endpoints is every route of handlers/server.go; TestAuthorizationMatrix
// checks the list against chi's routes so a new route cannot be left out.
func endpoints() []endpoint {
	return []endpoint{
		{method: "GET", route: "/healthz", public: true, ok: 200, build: get("/healthz")},
		{method: "GET", route: "/readyz", public: true, ok: 200, build: get("/readyz")},
		{method: "HEAD", route: "/healthz", public: true, ok: 200, build: head("/healthz")},
		{method: "HEAD", route: "/readyz", public: true, ok: 200, build: head("/readyz")},
		{method: "GET", route: "/api/openapi.yaml", public: true, ok: 200, build: get("/api/openapi.yaml")},
		{method: "GET", route: "/metrics", public: true, ok: 200, build: get("/metrics")},
		{method: "GET", route: "/api/v1/me", ok: 200, build: get("/api/v1/me")},

		{method: "GET", route: "/api/v1/agencies", ok: 200, build: get("/api/v1/agencies")},
		{method: "POST", route: "/api/v1/agencies", act: workflow.ActAgencyManage, ok: 201, build: func(t *testing.T, e *env, r row) req {
			return req{method: "POST", path: "/api/v1/agencies", body: fmt.Sprintf(`{"code":"NEW%d","name":"Sở mới %d","kind":"department"}`, r.n, r.n)}
		}},
		{method: "GET", route: "/api/v1/agencies/{id}", ok: 200, build: func(t *testing.T, e *env, r row) req {
			return req{method: "GET", path: fmt.Sprintf("/api/v1/agencies/%d", e.Dept.ID)}
		}},
		{method: "PATCH", route: "/api/v1/agencies/{id}", act: workflow.ActAgencyManage, ok: 200, build: func(t *testing.T, e *env, r row) req {
			return req{method: "PATCH", path: fmt.Sprintf("/api/v1/agencies/%d", e.Dept.ID), body: fmt.Sprintf(`{"name":"Sở Tư pháp %d"}`, r.n)}
		}},
		{method: "POST", route: "/api/v1/agencies/{id}/deactivate", act: workflow.ActAgencyManage, ok: 200, build: func(t *testing.T, e *env, r row) req {
			a := storetest.MustAgency(t, e.Store, fmt.Sprintf("OFF%d", r.n), "Sở tạm", workflow.KindDepartment)
			return req{method: "POST", path: fmt.Sprintf("/api/v1/agencies/%d/deactivate", a.ID)}
		}},
		{method: "POST", route: "/api/v1/agencies/{id}/activate", act: workflow.ActAgencyManage, ok: 200, build: func(t *testing.T, e *env, r row) req {
			a := storetest.MustAgency(t, e.Store, fmt.Sprintf("ON%d", r.n), "Sở tạm", workflow.KindDepartment)
			if _, err := e.Store.SetAgencyActive(context.Background(), nil, a.ID, false, store.Meta{}); err != nil {
				t.Fatal(err)
			}
			return req{method: "POST", path: fmt.Sprintf("/api/v1/agencies/%d/activate", a.ID)}
		}},
		{method: "GET", route: "/api/v1/agency-kinds", ok: 200, build: get("/api/v1/agency-kinds")},
		{method: "POST", route: "/api/v1/agency-kinds", act: workflow.ActAgencyManage, ok: 201, build: func(t *testing.T, e *env, r row) req {
			return req{method: "POST", path: "/api/v1/agency-kinds", body: fmt.Sprintf(`{"code":"kind%d","name":"Khối %d","position":%d}`, r.n, r.n, r.n)}
		}},
		{method: "POST", route: "/api/v1/users", act: workflow.ActUserManage, ok: 201, build: func(t *testing.T, e *env, r row) req {
			return req{method: "POST", path: "/api/v1/users", body: fmt.Sprintf(`{"email":"new.%d@test.example.vn","name":"Cán bộ %d","title":"Chuyên viên","grants":[{"role":"updater","agency_id":%d}]}`, r.n, r.n, e.Dept.ID)}
		}},
		{method: "GET", route: "/api/v1/users", act: workflow.ActUserManage, ok: 200, build: get("/api/v1/users?role=updater&limit=5")},
		{method: "GET", route: "/api/v1/users/{id}", act: workflow.ActUserManage, ok: 200, build: func(t *testing.T, e *env, r row) req {
			return req{method: "GET", path: fmt.Sprintf("/api/v1/users/%d", e.Dept.Updater.ID)}
		}},
		{method: "PATCH", route: "/api/v1/users/{id}", act: workflow.ActUserManage, ok: 200, build: func(t *testing.T, e *env, r row) req {
			u := storetest.MustUser(t, e.Store, fmt.Sprintf("patch.%d@test.example.vn", r.n))
			return req{method: "PATCH", path: fmt.Sprintf("/api/v1/users/%d", u.ID), body: `{"title":"Chuyên viên chính"}`}
		}},
		{method: "POST", route: "/api/v1/users/{id}/deactivate", act: workflow.ActUserManage, ok: 200, build: func(t *testing.T, e *env, r row) req {
			u := storetest.MustUser(t, e.Store, fmt.Sprintf("off.%d@test.example.vn", r.n))
			return req{method: "POST", path: fmt.Sprintf("/api/v1/users/%d/deactivate", u.ID)}
		}},
		{method: "POST", route: "/api/v1/users/{id}/activate", act: workflow.ActUserManage, ok: 200, build: func(t *testing.T, e *env, r row) req {
			u := storetest.MustUser(t, e.Store, fmt.Sprintf("on.%d@test.example.vn", r.n))
			if _, err := e.Store.SetUserActive(context.Background(), nil, u.ID, false, store.Meta{}); err != nil {
				t.Fatal(err)
			}
			return req{method: "POST", path: fmt.Sprintf("/api/v1/users/%d/activate", u.ID)}
		}},
		{method: "POST", route: "/api/v1/users/{id}/grants", act: workflow.ActUserManage, ok: 201, build: func(t *testing.T, e *env, r row) req {
			u := storetest.MustUser(t, e.Store, fmt.Sprintf("grant.%d@test.example.vn", r.n))
			return req{method: "POST", path: fmt.Sprintf("/api/v1/users/%d/grants", u.ID), body: fmt.Sprintf(`{"role":"updater","agency_id":%d}`, e.Dept.ID)}
		}},
		{method: "DELETE", route: "/api/v1/users/{id}/grants", act: workflow.ActUserManage, ok: 200, build: func(t *testing.T, e *env, r row) req {
			u := storetest.MustUser(t, e.Store, fmt.Sprintf("revoke.%d@test.example.vn", r.n), workflow.Grant{Role: workflow.RoleCouncil})
			return req{method: "DELETE", path: fmt.Sprintf("/api/v1/users/%d/grants?role=council", u.ID)}
		}},
		{method: "POST", route: "/api/v1/tokens", act: workflow.ActTokenManage, ok: 201, build: func(t *testing.T, e *env, r row) req {
			return req{method: "POST", path: "/api/v1/tokens", body: fmt.Sprintf(`{"user_id":%d,"expires_at":%q}`, e.Dept.Updater.ID, ts(start.Add(30*24*time.Hour)))}
		}},
		{method: "GET", route: "/api/v1/me/tokens", ok: 200, build: get("/api/v1/me/tokens")},
		{method: "GET", route: "/api/v1/users/{id}/tokens", act: workflow.ActTokensList, self: true, ok: 200, build: func(t *testing.T, e *env, r row) req {
			return req{method: "GET", path: fmt.Sprintf("/api/v1/users/%d/tokens", e.Dept.Updater.ID)}
		}},
		{method: "GET", route: "/api/v1/audit", act: workflow.ActAuditRead, ok: 200, build: get("/api/v1/audit?kind=token&limit=5")},
		{method: "DELETE", route: "/api/v1/tokens/{id}", act: workflow.ActTokenManage, ok: 204, build: func(t *testing.T, e *env, r row) req {
			tok, err := e.Store.CreateToken(context.Background(), nil, e.Dept.Updater.ID, store.TokenExpiry{}, store.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			return req{method: "DELETE", path: fmt.Sprintf("/api/v1/tokens/%d", tok.ID)}
		}},

		{method: "GET", route: "/api/v1/criteria-sets", ok: 200, build: get("/api/v1/criteria-sets")},
		{method: "GET", route: "/api/v1/criteria-sets/{id}", ok: 200, build: func(t *testing.T, e *env, r row) req {
			return req{method: "GET", path: fmt.Sprintf("/api/v1/criteria-sets/%d", e.DeptSet.ID)}
		}},
		{method: "POST", route: "/api/v1/criteria-sets", act: workflow.ActCriteriaManage, ok: 201, build: func(t *testing.T, e *env, r row) req {
			return req{method: "POST", path: "/api/v1/criteria-sets", body: sampleSet(t, fmt.Sprintf("NEW-%d", r.n)), ctype: "application/yaml"}
		}},
		{method: "PUT", route: "/api/v1/criteria-sets/{id}", act: workflow.ActCriteriaManage, ok: 200, build: func(t *testing.T, e *env, r row) req {
			id := e.unfrozenSet(t, fmt.Sprintf("DRAFT-%d", r.n))
			return req{method: "PUT", path: fmt.Sprintf("/api/v1/criteria-sets/%d", id), body: sampleSet(t, fmt.Sprintf("DRAFT-%d-v2", r.n)), ctype: "application/yaml"}
		}},

		{method: "GET", route: "/api/v1/campaigns", ok: 200, build: get("/api/v1/campaigns")},
		{method: "GET", route: "/api/v1/campaigns/{id}", ok: 200, build: func(t *testing.T, e *env, r row) req {
			return req{method: "GET", path: fmt.Sprintf("/api/v1/campaigns/%d", e.Campaign.ID)}
		}},
		{method: "POST", route: "/api/v1/campaigns", act: workflow.ActCampaignManage, ok: 201, build: func(t *testing.T, e *env, r row) req {
			return req{method: "POST", path: "/api/v1/campaigns", body: jsonBody(t, map[string]any{
				"name": fmt.Sprintf("Chỉ số CCHC %d", r.n), "year": 2027,
				"opens_at": ts(start), "closes_at": ts(start.Add(10 * 24 * time.Hour)),
				"criteria_sets": map[string]int64{"department": e.DeptSet.ID, "district": e.DistSet.ID},
			})}
		}},
		{method: "PATCH", route: "/api/v1/campaigns/{id}", act: workflow.ActCampaignManage, ok: 200, build: func(t *testing.T, e *env, r row) req {
			c, _ := e.NewCampaign(t, "Kỳ chưa mở", start.AddDate(0, 1, 0), start.AddDate(0, 2, 0))
			return req{method: "PATCH", path: fmt.Sprintf("/api/v1/campaigns/%d", c.ID), body: fmt.Sprintf(`{"name":"Kỳ chưa mở %d"}`, r.n)}
		}},
		{method: "POST", route: "/api/v1/campaigns/{id}/cancel", act: workflow.ActCampaignManage, ok: 204, build: func(t *testing.T, e *env, r row) req {
			id, _ := e.freshCampaign(t)
			return req{method: "POST", path: fmt.Sprintf("/api/v1/campaigns/%d/cancel", id)}
		}},
		{method: "POST", route: "/api/v1/campaigns/{id}/reports", act: workflow.ActCampaignManage, ok: 201, build: func(t *testing.T, e *env, r row) req {
			a := storetest.MustAgency(t, e.Store, fmt.Sprintf("LATE%d", r.n), "Sở mới thành lập", workflow.KindDepartment)
			return req{method: "POST", path: fmt.Sprintf("/api/v1/campaigns/%d/reports", e.Campaign.ID), body: fmt.Sprintf(`{"agency_id":%d}`, a.ID)}
		}},
		{method: "POST", route: "/api/v1/campaigns/{id}/rounds", act: workflow.ActRoundOpen, ok: 201, build: func(t *testing.T, e *env, r row) req {
			id, ids := e.freshCampaign(t)
			e.walk(t, on(e.Dept, ids[e.Dept.ID]), workflow.StateSubmitted)
			return req{method: "POST", path: fmt.Sprintf("/api/v1/campaigns/%d/rounds", id), body: jsonBody(t, map[string]any{
				"closes_at": ts(start.Add(7 * 24 * time.Hour)), "criteria": []string{"1.1.1"}, "note": "Bổ sung minh chứng",
			})}
		}},
		{method: "GET", route: "/api/v1/campaigns/{id}/progress", act: workflow.ActProgressSee, ok: 200, build: func(t *testing.T, e *env, r row) req {
			return req{method: "GET", path: fmt.Sprintf("/api/v1/campaigns/%d/progress", e.Campaign.ID)}
		}},

		{method: "GET", route: "/api/v1/reports", ok: 200, build: get("/api/v1/reports")},
		{method: "GET", route: "/api/v1/reports/{id}", report: true, ok: 200, build: reportPath("")},
		{method: "PUT", route: "/api/v1/reports/{id}/exemptions", report: true, act: workflow.ActExemptionsSet, ok: 200, build: func(t *testing.T, e *env, r row) req {
			codes := `[]` // the district set has no exemptible leaf
			if r.tgt.Kind == workflow.KindDepartment {
				codes = `["3.1"]`
			}
			return req{method: "PUT", path: fmt.Sprintf("/api/v1/reports/%d/exemptions", r.tgt.ReportID), body: `{"codes":` + codes + `,"reason":"Theo Công văn số 15/SNV"}`}
		}},
		{method: "PUT", route: "/api/v1/reports/{id}/entries/{code}", report: true, act: workflow.ActEntryEdit, ok: 200, build: func(t *testing.T, e *env, r row) req {
			return req{method: "PUT", path: fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", r.tgt.ReportID), body: `{"self_score":0.75,"explanation":"Ban hành chậm 3 ngày"}`}
		}},
		{method: "PATCH", route: "/api/v1/reports/{id}/entries/{code}", report: true, act: workflow.ActEntryEdit, ok: 200, build: func(t *testing.T, e *env, r row) req {
			return req{method: "PATCH", path: fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", r.tgt.ReportID), body: `{"explanation":"Ban hành chậm 3 ngày"}`}
		}},
		{method: "GET", route: "/api/v1/reports/{id}/revisions", report: true, ok: 200, build: reportPath("/revisions")},
		{method: "GET", route: "/api/v1/reports/{id}/transitions", report: true, ok: 200, build: reportPath("/transitions")},
		{method: "GET", route: "/api/v1/reports/{id}/history", report: true, ok: 200, build: reportPath("/history")},

		transition(workflow.EventComplete, workflow.StateDraft, nil), // entries filled by prepare
		transition(workflow.EventReopen, workflow.StateEntered, nil),
		transition(workflow.EventApprove, workflow.StateEntered, nil),
		transition(workflow.EventReturn, workflow.StateReviewed, map[string]any{"reason": "Thiếu minh chứng tiêu chí 1.1.1"}),
		transition(workflow.EventSign, workflow.StateReviewed, nil),
		transition(workflow.EventSubmit, workflow.StateSigned, nil),
		transition(workflow.EventLock, workflow.StateSigned, nil),
		transition(workflow.EventOpenRound, workflow.StateSubmitted, map[string]any{"closes_at": ts(start.Add(7 * 24 * time.Hour)), "criteria": []string{"1.1.1"}}),
		transition(workflow.EventExtend, workflow.StateLocked, map[string]any{"closes_at": ts(start.Add(7 * 24 * time.Hour)), "reason": "Sự cố mất điện ngày cuối"}),

		{method: "GET", route: "/api/v1/agencies/{id}/signers", act: workflow.ActAgencyManage, ok: 200, build: func(t *testing.T, e *env, r row) req {
			return req{method: "GET", path: fmt.Sprintf("/api/v1/agencies/%d/signers", e.Dept.ID)}
		}},
		{method: "POST", route: "/api/v1/agencies/{id}/signers", act: workflow.ActAgencyManage, ok: 201, build: func(t *testing.T, e *env, r row) req {
			return req{method: "POST", path: fmt.Sprintf("/api/v1/agencies/%d/signers", e.Dept.ID), body: fmt.Sprintf(`{"organization":"Tổ chức %d"}`, r.n)}
		}},
		{method: "DELETE", route: "/api/v1/agencies/{id}/signers/{signer_id}", act: workflow.ActAgencyManage, ok: 204, build: func(t *testing.T, e *env, r row) req {
			sg := &store.Signer{AgencyID: e.Dept.ID, Organization: fmt.Sprintf("Xoá %d", r.n)}
			if err := e.Store.AddSigner(context.Background(), e.Admin, sg, store.Meta{}); err != nil {
				t.Fatal(err)
			}
			return req{method: "DELETE", path: fmt.Sprintf("/api/v1/agencies/%d/signers/%d", e.Dept.ID, sg.ID)}
		}},
		{method: "POST", route: "/api/v1/agencies/{id}/officials", act: workflow.ActUserManage, ok: 200, build: func(t *testing.T, e *env, r row) req {
			csv := fmt.Sprintf("TT,Họ và tên,Chức vụ,Email,Quyền\n1,Lê Văn %d,Chuyên viên,le.%d@test.example.vn,Cập nhật báo cáo\n", r.n, r.n)
			return req{method: "POST", path: fmt.Sprintf("/api/v1/agencies/%d/officials", e.Dept.ID), body: csv, ctype: "text/csv"}
		}},

		{method: "GET", route: "/api/v1/reports/{id}/entries/{code}/evidence", report: true, ok: 200, build: reportPath("/entries/1.1.1/evidence")},
		{method: "POST", route: "/api/v1/reports/{id}/entries/{code}/evidence", report: true, act: workflow.ActEvidenceAdd, ok: 201, build: func(t *testing.T, e *env, r row) req {
			body, ctype := upload(t, "file", "ảnh hội nghị.png", pngBytes(t))
			return req{method: "POST", path: evidencePath(r.tgt.ReportID, "1.1.1"), body: body, ctype: ctype}
		}},
		{method: "GET", route: "/api/v1/evidence/{id}", report: true, ok: 200, build: func(t *testing.T, e *env, r row) req {
			return req{method: "GET", path: fmt.Sprintf("/api/v1/evidence/%d", r.evidenceID)}
		}},
		{method: "DELETE", route: "/api/v1/evidence/{id}", report: true, act: workflow.ActEvidenceDelete, ok: 204, build: func(t *testing.T, e *env, r row) req {
			return req{method: "DELETE", path: fmt.Sprintf("/api/v1/evidence/%d", r.evidenceID)}
		}},
		{method: "GET", route: "/api/v1/reports/{id}/summary.xlsx", report: true, ok: 200, build: reportPath("/summary.xlsx")},
		{method: "GET", route: "/api/v1/reports/{id}/summary.pdf", report: true, ok: 200, build: reportPath("/summary.pdf")},
		{method: "GET", route: "/api/v1/reports/{id}/report.pdf", report: true, ok: 200, build: reportPath("/report.pdf")},
		{method: "POST", route: "/api/v1/reports/{id}/signed-summary", report: true, act: workflow.ActSignedSummaryUpload, ok: 201, state: workflow.StateReviewed, build: func(t *testing.T, e *env, r row) req {
			body, ctype := upload(t, "file", "Bảng tổng hợp.pdf", signtest.MinimalPDF(t, "bang tong hop"))
			return req{method: "POST", path: fmt.Sprintf("/api/v1/reports/%d/signed-summary", r.tgt.ReportID), body: body, ctype: ctype}
		}},
		{method: "GET", route: "/api/v1/reports/{id}/signed-summary", report: true, ok: 200, state: workflow.StateReviewed, build: reportPath("/signed-summary")},

		{method: "GET", route: "/api/v1/notifications", ok: 200, build: get("/api/v1/notifications")},
		{method: "POST", route: "/api/v1/notifications/{id}/read", mine: true, ok: 204, build: func(t *testing.T, e *env, r row) req {
			return req{method: "POST", path: fmt.Sprintf("/api/v1/notifications/%d/read", e.notification(t, e.Dept.Updater))}
		}},
	}
}

// notification writes a notification for the user straight into the store's
// tables (as the notifier would) and returns its id.
func (e *env) notification(t *testing.T, u *workflow.User) int64 {
	t.Helper()
	db := e.Store.DB()
	now := e.Clock.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	var ev, id int64
	if err := db.QueryRow(db.Rebind(`INSERT INTO outbox (kind, report_ids, data, created_at, done_at) VALUES ('submitted', '[]', '{}', ?, ?) RETURNING id`), now, now).Scan(&ev); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(db.Rebind(`INSERT INTO notifications (user_id, event_id, kind, report_ids, title, body, created_at) VALUES (?, ?, 'submitted', '[]', 'Báo cáo đã gửi', 'Nội dung', ?) RETURNING id`), u.ID, ev, now).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// prepare gives a report row a fresh report of the target in the endpoint's state.
func (e *env) prepare(t *testing.T, ep endpoint, target string) *row {
	t.Helper()
	id, ids := e.freshCampaign(t)
	a := e.Dept
	if target == "other" {
		a = e.District
	}
	r := &row{campaignID: id, tgt: on(a, ids[a.ID])}
	if ep.state == workflow.StateLocked {
		e.lockReport(t, r.tgt.ReportID)
	} else {
		e.walk(t, r.tgt, ep.state)
	}
	switch {
	case ep.event == workflow.EventComplete:
		e.FillEntries(t, r.tgt)
	case ep.event == workflow.EventSign, ep.method == "GET" && strings.HasSuffix(ep.route, "/signed-summary"):
		e.AttachSignedSummary(t, r.tgt)
	case strings.HasPrefix(ep.route, "/api/v1/evidence/"):
		r.evidenceID = e.addEvidence(t, r.tgt, "1.1.1")
	}
	return r
}

// sampleSet is the department sample criteria set as YAML under another code.
func sampleSet(t *testing.T, code string) string {
	t.Helper()
	y := string(storetest.Sample(t, "criteria-department.yaml"))
	out := strings.Replace(y, "code: SO-2021", "code: "+code, 1)
	if out == y {
		t.Fatal("the department sample no longer starts with code: SO-2021")
	}
	return out
}

// unfrozenSet stores a criteria set no campaign uses, so it can be replaced.
func (e *env) unfrozenSet(t *testing.T, code string) int64 {
	t.Helper()
	set, err := workflow.ParseCriteriaSet([]byte(sampleSet(t, code)), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Store.CreateCriteriaSet(context.Background(), nil, set, store.Meta{}); err != nil {
		t.Fatal(err)
	}
	return set.ID
}

// TestAuthorizationMatrix calls every registered route as every kind of
// caller, on the caller's own agency's report and on another's, and checks
// the exact status docs/api.md promises. Report rows get fresh reports (a campaign
// of their own) walked to the state in which the allowed caller succeeds; a
// refused row must leave its report exactly as it was, so the same report
// serves the next row until a write succeeds.
func TestAuthorizationMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		eps := endpoints()

		// Every route chi knows is in the matrix, and nothing else is.
		listed := map[string]bool{}
		for _, ep := range eps {
			listed[ep.method+" "+ep.route] = true
		}
		registered := map[string]bool{}
		err := chi.Walk(e.server.Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			registered[method+" "+route] = true
			if !listed[method+" "+route] {
				t.Errorf("route %s %s is registered but not in the authorization matrix", method, route)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for r := range listed {
			if !registered[r] {
				t.Errorf("the matrix lists %s, which is not registered", r)
			}
		}

		// Every action of the policy decides at least one route; the three
		// that decide a part of an answer rather than a route are checked by
		// their own tests (TestHistoryOrigin, the evidence tests).
		for _, a := range workflow.Actions() {
			byRoute := slices.ContainsFunc(eps, func(ep endpoint) bool { return ep.act == a })
			partOfAnswer := a == workflow.ActReportSee || a == workflow.ActEvidenceSeeDeleted || a == workflow.ActHistoryOrigin
			if !byRoute && !partOfAnswer {
				t.Errorf("action %s of the policy decides no route of the matrix", a)
			}
		}

		// Every event of the workflow has its rows.
		for _, ev := range workflow.Events() {
			if !slices.ContainsFunc(eps, func(ep endpoint) bool { return string(ep.event) == ev }) {
				t.Errorf("event %s has no row in the authorization matrix", ev)
			}
		}

		n := 0
		seen := map[int]int{}
		for _, ep := range eps {
			tgts := []string{""}
			if ep.report {
				tgts = targets
			}
			for _, target := range tgts {
				// A report prepared for this endpoint and target serves every
				// row until a write succeeds: refused rows are checked to
				// change nothing, so the next row finds it as prepared.
				var prepared *row
				for _, c := range callers {
					n++
					name := fmt.Sprintf("%s as %s", ep, c.name)
					if target != "" {
						name += " on " + target
					}
					t.Run(name, func(t *testing.T) {
						r := row{n: n}
						var before snapshot
						if ep.report {
							if prepared == nil {
								prepared = e.prepare(t, ep, target)
							}
							r.tgt, r.campaignID, r.evidenceID = prepared.tgt, prepared.campaignID, prepared.evidenceID
							before = e.snap(t, r.tgt.ReportID)
						}
						rq := ep.build(t, e, r)
						rq.as = c.name
						want := ep.want(e, c, target)
						_, res := e.send(t, rq)
						seen[res.status]++
						if res.status < 300 && rq.method != http.MethodGet {
							prepared = nil // a success changed the report: the next row needs a fresh one
						}
						if res.status != want {
							t.Fatalf("got %s, want %d", res, want)
						}
						if want >= 400 {
							wantProblem(t, res, want)
							if want == http.StatusUnauthorized && res.header.Get("WWW-Authenticate") == "" {
								t.Error("401 without WWW-Authenticate")
							}
							if ep.report {
								e.unchanged(t, before)
							}
						}
					})
				}
			}
		}
		t.Logf("%d rows; statuses %v", n, seen)
	})
}

// TestWhatEachCallerSees checks the content behind the matrix's 200s: lists
// hold only what the caller may see, and GET transitions offers only the
// events the caller may fire now.
func TestWhatEachCallerSees(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		agencies := func(as string) []int64 {
			var list []struct {
				AgencyID int64 `json:"agency_id"`
			}
			decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports?campaign_id=%d", e.Campaign.ID), as: as}), &list)
			var out []int64
			for _, r := range list {
				out = append(out, r.AgencyID)
			}
			slices.Sort(out)
			return out
		}
		all := []int64{e.Dept.ID, e.Dept2.ID, e.District.ID}
		slices.Sort(all)
		for as, want := range map[string][]int64{
			"admin": all, "council": all,
			"updater": {e.Dept.ID}, "approver": {e.Dept.ID},
			"other-updater": {e.Dept2.ID}, "dist-approver": {e.District.ID},
		} {
			if got := agencies(as); !slices.Equal(got, want) {
				t.Errorf("%s sees the reports of agencies %v, want %v", as, got, want)
			}
		}
		// Filtering by another agency finds nothing rather than failing.
		var none []any
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports?agency_id=%d", e.District.ID), as: "updater"}), &none)
		if len(none) != 0 {
			t.Errorf("an updater filtering by another agency got %v", none)
		}

		events := func(as string) []workflow.Event {
			var out struct {
				Transitions []workflow.Available `json:"transitions"`
			}
			decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d/transitions", e.Dept.ReportID), as: as}), &out)
			var evs []workflow.Event
			for _, a := range out.Transitions {
				evs = append(evs, a.Event)
			}
			return evs
		}
		e.walk(t, e.Dept, workflow.StateEntered)
		for as, want := range map[string][]workflow.Event{
			"updater":  {workflow.EventReopen},
			"approver": {workflow.EventApprove, workflow.EventReturn},
			"admin":    nil, "council": nil,
		} {
			if got := events(as); !slices.Equal(got, want) {
				t.Errorf("%s may fire %v on an entered report, want %v", as, got, want)
			}
		}
		e.Clock.Set(e.Campaign.ClosesAt)
		defer e.Clock.Set(start)
		for _, as := range []string{"updater", "approver"} {
			if got := events(as); got != nil {
				t.Errorf("after the deadline %s is offered %v", as, got)
			}
		}
	})
}
