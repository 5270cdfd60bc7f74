package handlers_test

import (
	"fmt"
	"parindex/handlers"
	"testing"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// A campaign posted twice is refused; one posted by mistake is cancelled
// while nobody worked in it, and not after; its name and window change only
// before it opens; an agency created during a campaign gets its report; the
// progress names every agency.
func TestCampaignAdministration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		body := jsonBody(t, map[string]any{"name": "Chỉ số CCHC 2026", "year": 2026,
			"opens_at": ts(start.AddDate(0, 0, 5)), "closes_at": ts(start.AddDate(0, 0, 20)),
			"criteria_sets": map[string]int64{"department": e.DeptSet.ID, "district": e.DistSet.ID}})
		// The world's campaign has this year and name already.
		wantProblem(t, e.do(t, 409, req{method: "POST", path: "/api/v1/campaigns", as: "admin", body: body}), 409, "name")
		before := storetest.Count(t, e.Store, `SELECT COUNT(*) FROM reports`)

		var c workflow.Campaign
		body = jsonBody(t, map[string]any{"name": "Chỉ số CCHC 2026 (bổ sung)", "year": 2026,
			"opens_at": ts(start.AddDate(0, 0, 5)), "closes_at": ts(start.AddDate(0, 0, 20)),
			"criteria_sets": map[string]int64{"department": e.DeptSet.ID, "district": e.DistSet.ID}})
		decode(t, e.do(t, 201, req{method: "POST", path: "/api/v1/campaigns", as: "admin", body: body}), &c)
		cp := fmt.Sprintf("/api/v1/campaigns/%d", c.ID)
		wantProblem(t, e.do(t, 422, req{method: "PATCH", path: cp, as: "admin", body: `{"closes_at":"2026-11-01T17:00:00+07:00"}`}), 422, "closes_at")
		var got workflow.Campaign
		decode(t, e.do(t, 200, req{method: "PATCH", path: cp, as: "admin", body: `{"opens_at":"2026-11-21T08:00:00+07:00"}`}), &got)
		if got.Name != c.Name || !got.OpensAt.Equal(start.AddDate(0, 0, 1).Add(-2*3600e9)) || !got.ClosesAt.Equal(c.ClosesAt) {
			t.Fatalf("patched window: %v – %v (%s)", got.OpensAt, got.ClosesAt, got.Name)
		}
		wantProblem(t, e.do(t, 409, req{method: "PATCH", path: fmt.Sprintf("/api/v1/campaigns/%d", e.Campaign.ID), as: "admin", body: `{"name":"Đổi tên"}`}), 409)

		// Cancelled while untouched: its reports go, the audit log keeps it.
		e.do(t, 204, req{method: "POST", path: cp + "/cancel", as: "admin"})
		if n := storetest.Count(t, e.Store, `SELECT COUNT(*) FROM reports`); n != before {
			t.Fatalf("%d reports after the cancel, want the %d before", n, before)
		}
		e.do(t, 404, req{method: "GET", path: cp, as: "admin"})
		var audit []store.AuditEntry
		decode(t, e.do(t, 200, req{method: "GET", path: "/api/v1/audit?kind=campaign&limit=1", as: "admin"}), &audit)
		if len(audit) != 1 || audit[0].Action != "cancel" {
			t.Fatalf("the cancel's audit row: %+v", audit)
		}
		// Once an entry is written, the world's campaign cannot be cancelled.
		e.Put(t, e.Dept, "1.1.1", "0.5", "Đã ban hành")
		wantProblem(t, e.do(t, 409, req{method: "POST", path: fmt.Sprintf("/api/v1/campaigns/%d/cancel", e.Campaign.ID), as: "admin"}), 409)

		// A department created during the campaign gets its report.
		late := storetest.MustAgency(t, e.Store, "SDL", "Sở Du lịch", workflow.KindDepartment)
		rp := fmt.Sprintf("/api/v1/campaigns/%d/reports", e.Campaign.ID)
		var rep struct {
			ID       int64          `json:"id"`
			AgencyID int64          `json:"agency_id"`
			State    workflow.State `json:"state"`
		}
		decode(t, e.do(t, 201, req{method: "POST", path: rp, as: "admin", body: fmt.Sprintf(`{"agency_id":%d}`, late.ID)}), &rep)
		if rep.AgencyID != late.ID || rep.State != workflow.StateDraft {
			t.Fatalf("the late report: %+v", rep)
		}
		wantProblem(t, e.do(t, 409, req{method: "POST", path: rp, as: "admin", body: fmt.Sprintf(`{"agency_id":%d}`, late.ID)}), 409, "agency_id")
		e.do(t, 404, req{method: "POST", path: rp, as: "admin", body: `{"agency_id":999999}`})
		var hist []store.HistoryEntry
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d/history", rep.ID), as: "admin"}), &hist)
		if len(hist) != 1 || hist[0].Event != "added" || hist[0].Actor == nil || hist[0].Actor.ID != e.Admin.ID {
			t.Fatalf("the late report's history: %+v", hist)
		}
		// Its officials work on it at once.
		e.do(t, 200, req{method: "PUT", path: fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", rep.ID), as: storetest.MustToken(t, e.Store, late.Updater),
			body: `{"self_score":0.5,"explanation":"Đã ban hành"}`})

		var p handlers.ProgressJSON
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/campaigns/%d/progress", e.Campaign.ID), as: "council"}), &p)
		codes := []string{}
		for _, a := range p.Agencies {
			codes = append(codes, a.Code)
		}
		if fmt.Sprint(codes) != "[SDL STC STP ALUOI]" {
			t.Fatalf("progress agencies %v, want departments then districts by code", codes)
		}
		for _, a := range p.Agencies {
			if a.Code == "STP" && (a.ReportID != e.Dept.ReportID || a.State != workflow.StateDraft || a.Name != "Sở Tư pháp" || a.LastActivity.IsZero()) {
				t.Errorf("progress of STP: %+v", a)
			}
		}
	})
}
