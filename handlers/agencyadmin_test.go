package handlers_test

import (
	"fmt"
	"parindex/handlers"
	"strings"
	"testing"

	"parindex/store/storetest"
	"parindex/workflow"
)

// A deployment adds the communes' kind without a release: an agency of it,
// a criteria set for it and a campaign with that block work as the two
// original kinds do; unknown kinds are refused naming the field; a
// deactivated agency gets no report in a new campaign.
func TestAgencyKindsAreData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		p := wantProblem(t, e.do(t, 422, req{method: "POST", path: "/api/v1/agencies", as: "admin", body: `{"code":"X1","name":"UBND xã A","kind":"commune"}`}), 422, "kind")
		if p.Detail != "Không có loại đơn vị commune." {
			t.Errorf("an unknown kind: %q, want the code as sent, in Vietnamese", p.Detail)
		}
		e.do(t, 201, req{method: "POST", path: "/api/v1/agency-kinds", as: "admin", body: `{"code":"commune","name":"UBND cấp xã","position":3}`})
		wantProblem(t, e.do(t, 422, req{method: "POST", path: "/api/v1/agency-kinds", as: "admin", body: `{"code":"Xã","name":""}`}), 422, "code", "name")
		var kinds []workflow.KindInfo
		decode(t, e.do(t, 200, req{method: "GET", path: "/api/v1/agency-kinds", as: "updater"}), &kinds)
		if len(kinds) != 3 || kinds[0].Code != "department" || kinds[1].Code != "district" || kinds[2].Code != "commune" || kinds[2].Name != "UBND cấp xã" {
			t.Fatalf("kinds: %+v", kinds)
		}
		var commune handlers.AgencyJSON
		decode(t, e.do(t, 201, req{method: "POST", path: "/api/v1/agencies", as: "admin", body: `{"code":"XA1","name":"UBND xã A","kind":"commune"}`}), &commune)

		set := strings.Replace(strings.Replace(sampleSet(t, "XA-2026"), "agency_kind: department", "agency_kind: commune", 1), "agency_kind: district", "agency_kind: commune", 1)
		var created struct {
			ID int64 `json:"id"`
		}
		decode(t, e.do(t, 201, req{method: "POST", path: "/api/v1/criteria-sets", as: "admin", body: set, ctype: "application/yaml"}), &created)
		bad := strings.Replace(sampleSet(t, "XA-BAD"), "agency_kind: department", "agency_kind: ward", 1)
		wantProblem(t, e.do(t, 422, req{method: "POST", path: "/api/v1/criteria-sets", as: "admin", body: bad, ctype: "application/yaml"}), 422, "agency_kind")

		// A deactivated department gets no report in the next campaign.
		e.do(t, 200, req{method: "POST", path: fmt.Sprintf("/api/v1/agencies/%d/deactivate", e.Dept2.ID), as: "admin"})
		var c workflow.Campaign
		decode(t, e.do(t, 201, req{method: "POST", path: "/api/v1/campaigns", as: "admin", body: jsonBody(t, map[string]any{
			"name": "Chỉ số CCHC 2026 ba khối", "year": 2026, "opens_at": ts(start), "closes_at": ts(start.AddDate(0, 0, 10)),
			"criteria_sets": map[string]int64{"department": e.DeptSet.ID, "district": e.DistSet.ID, "commune": created.ID},
		})}), &c)
		var reports []struct {
			AgencyID int64 `json:"agency_id"`
		}
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports?campaign_id=%d", c.ID), as: "admin"}), &reports)
		got := map[int64]bool{}
		for _, r := range reports {
			got[r.AgencyID] = true
		}
		if len(reports) != 3 || !got[commune.ID] || !got[e.Dept.ID] || !got[e.District.ID] || got[e.Dept2.ID] {
			t.Fatalf("reports of the three-block campaign: %+v", reports)
		}
		wantProblem(t, e.do(t, 422, req{method: "POST", path: "/api/v1/campaigns", as: "admin", body: jsonBody(t, map[string]any{
			"name": "Kỳ sai khối", "year": 2026, "opens_at": ts(start), "closes_at": ts(start.AddDate(0, 0, 10)),
			"criteria_sets": map[string]int64{"ward": e.DeptSet.ID},
		})}), 422, "criteria_sets/ward")

		// Listed by code and active; edited; code taken is 409.
		var list []handlers.AgencyJSON
		decode(t, e.do(t, 200, req{method: "GET", path: "/api/v1/agencies?active=false", as: "updater"}), &list)
		if len(list) != 1 || list[0].ID != e.Dept2.ID || list[0].Active {
			t.Fatalf("inactive agencies: %+v", list)
		}
		wantProblem(t, e.do(t, 409, req{method: "PATCH", path: fmt.Sprintf("/api/v1/agencies/%d", commune.ID), as: "admin", body: `{"code":"STP"}`}), 409, "code")
		var a handlers.AgencyJSON
		decode(t, e.do(t, 200, req{method: "PATCH", path: fmt.Sprintf("/api/v1/agencies/%d", commune.ID), as: "admin", body: `{"code":"XAA","name":"UBND xã A Lưới"}`}), &a)
		if a.Code != "XAA" || a.Name != "UBND xã A Lưới" || a.Kind != "commune" {
			t.Fatalf("patched agency: %+v", a)
		}
		e.do(t, 404, req{method: "GET", path: "/api/v1/agencies/999999", as: "admin"})
	})
}
