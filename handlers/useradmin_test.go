package handlers_test

import (
	"context"
	"fmt"
	"parindex/handlers"
	"testing"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// The administrator lists, searches, shows and edits users, deactivates one
// (whose cached token stops on the very next request, transitions included)
// and reactivates them, grants and revokes roles; each change is audited.
func TestUserAdministration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		ctx := context.Background()

		var list []handlers.UserRecordJSON
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/users?agency_id=%d&role=updater", e.Dept.ID), as: "admin"}), &list)
		if len(list) != 1 || list[0].ID != e.Dept.Updater.ID || !list[0].Active || len(list[0].Grants) != 1 {
			t.Fatalf("updaters of Dept: %+v", list)
		}
		decode(t, e.do(t, 200, req{method: "GET", path: "/api/v1/users?q=APPROVER.ST&limit=1", as: "admin"}), &list)
		if len(list) != 1 {
			t.Fatalf("q=APPROVER.ST limit=1 found %d users", len(list))
		}
		var next []handlers.UserRecordJSON
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/users?q=approver.st&after=%d", list[0].ID), as: "admin"}), &next)
		if len(next) != 1 || next[0].ID <= list[0].ID {
			t.Fatalf("the second page of approver.st: %+v after %d", next, list[0].ID)
		}
		res := e.do(t, 400, req{method: "GET", path: "/api/v1/users?role=chief&limit=0&active=maybe", as: "admin"})
		wantProblem(t, res, 400, "role", "limit", "active")

		var u handlers.UserRecordJSON
		path := fmt.Sprintf("/api/v1/users/%d", e.Dept.Updater.ID)
		decode(t, e.do(t, 200, req{method: "PATCH", path: path, as: "admin", body: `{"title":"Phó Chánh Văn phòng"}`}), &u)
		if u.Title != "Phó Chánh Văn phòng" || u.Name != e.Dept.Updater.Name || u.Email != e.Dept.Updater.Email {
			t.Fatalf("PATCH title changed more than the title: %+v", u)
		}
		res = e.do(t, 409, req{method: "PATCH", path: path, as: "admin", body: fmt.Sprintf(`{"email":%q}`, e.Dept.Approver.Email)})
		wantProblem(t, res, 409, "email")
		res = e.do(t, 422, req{method: "PATCH", path: path, as: "admin", body: `{"email":"không phải email"}`})
		wantProblem(t, res, 422, "email")
		e.do(t, 404, req{method: "GET", path: "/api/v1/users/999999", as: "admin"})

		// The updater's token goes into the transitions route's cache...
		e.FillEntries(t, e.Dept)
		tpath := fmt.Sprintf("/api/v1/reports/%d/transitions", e.Dept.ReportID)
		e.do(t, 200, req{method: "POST", path: tpath, as: "updater", body: `{"event":"complete"}`})
		// ... and is refused on the next request once the user is deactivated.
		decode(t, e.do(t, 200, req{method: "POST", path: path + "/deactivate", as: "admin"}), &u)
		if u.Active || u.DeactivatedAt == nil {
			t.Fatalf("deactivated user: %+v", u)
		}
		before := e.snap(t, e.Dept.ReportID)
		wantProblem(t, e.do(t, 401, req{method: "POST", path: tpath, as: "updater", body: `{"event":"reopen"}`}), 401)
		e.unchanged(t, before)
		wantProblem(t, e.do(t, 401, req{method: "GET", path: "/api/v1/me", as: "updater"}), 401)
		e.do(t, 409, req{method: "POST", path: path + "/deactivate", as: "admin"})
		if _, err := e.Store.CreateToken(ctx, nil, e.Dept.Updater.ID, store.TokenExpiry{}, store.Meta{}); workflow.ErrorCode(err) != workflow.ECONFLICT {
			t.Fatalf("a token for a deactivated user: %v", err)
		}
		// History keeps them.
		var hist []store.HistoryEntry
		decode(t, e.do(t, 200, req{method: "GET", path: tpath[:len(tpath)-len("/transitions")] + "/history", as: "admin"}), &hist)
		if len(hist) == 0 || hist[len(hist)-1].Actor == nil || hist[len(hist)-1].Actor.ID != e.Dept.Updater.ID {
			t.Fatalf("history lost the deactivated user: %+v", hist)
		}
		decode(t, e.do(t, 200, req{method: "GET", path: "/api/v1/users?active=false", as: "admin"}), &list)
		if len(list) != 1 || list[0].ID != e.Dept.Updater.ID {
			t.Fatalf("inactive users: %+v", list)
		}

		// Reactivated, the user needs a new token: the old one stays revoked.
		e.do(t, 200, req{method: "POST", path: path + "/activate", as: "admin"})
		wantProblem(t, e.do(t, 401, req{method: "GET", path: "/api/v1/me", as: "updater"}), 401)
		e.do(t, 200, req{method: "GET", path: "/api/v1/me", as: storetest.MustToken(t, e.Store, e.Dept.Updater)})

		// Grants: Dept2's updater gets Dept too, then loses it.
		gpath := fmt.Sprintf("/api/v1/users/%d/grants", e.Dept2.Updater.ID)
		body := fmt.Sprintf(`{"role":"updater","agency_id":%d}`, e.Dept.ID)
		decode(t, e.do(t, 201, req{method: "POST", path: gpath, as: "admin", body: body}), &u)
		if !has(u, workflow.RoleUpdater, e.Dept.ID) || !has(u, workflow.RoleUpdater, e.Dept2.ID) {
			t.Fatalf("after the grant: %+v", u.Grants)
		}
		e.do(t, 409, req{method: "POST", path: gpath, as: "admin", body: body})
		wantProblem(t, e.do(t, 422, req{method: "POST", path: gpath, as: "admin", body: `{"role":"updater"}`}), 422, "agency_id")
		e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d", e.Dept.ReportID), as: "other-updater"})
		decode(t, e.do(t, 200, req{method: "DELETE", path: fmt.Sprintf("%s?role=updater&agency_id=%d", gpath, e.Dept.ID), as: "admin"}), &u)
		if has(u, workflow.RoleUpdater, e.Dept.ID) || !has(u, workflow.RoleUpdater, e.Dept2.ID) {
			t.Fatalf("after the revocation: %+v", u.Grants)
		}
		e.do(t, 404, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d", e.Dept.ReportID), as: "other-updater"})
		e.do(t, 404, req{method: "DELETE", path: fmt.Sprintf("%s?role=updater&agency_id=%d", gpath, e.Dept.ID), as: "admin"})

		// The last active admin can neither be deactivated nor lose the role.
		apath := fmt.Sprintf("/api/v1/users/%d", e.Admin.ID)
		e.do(t, 409, req{method: "POST", path: apath + "/deactivate", as: "admin"})
		e.do(t, 409, req{method: "DELETE", path: apath + "/grants?role=admin", as: "admin"})

		entries, err := e.Store.ListAudit(ctx, store.AuditFilter{ActorID: e.Admin.ID})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, a := range entries {
			seen[a.Kind+"/"+a.Action]++
		}
		for _, k := range []string{"user/update", "user/deactivate", "user/activate", "grant/create", "grant/delete"} {
			if seen[k] != 1 {
				t.Errorf("audit %s: %d rows, want 1 (all: %v)", k, seen[k], seen)
			}
		}
	})
}

// has reports whether an answered user holds the role for the agency.
func has(u handlers.UserRecordJSON, role workflow.Role, agencyID int64) bool {
	return (&workflow.User{Grants: u.Grants}).Has(role, agencyID)
}
