package handlers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"parindex/store/storetest"
	"parindex/workflow"
)

// TestExtend: council and admins return a locked report to the state it was
// locked from, with its own deadline and a reason; the lock sweep then holds
// that report to its new deadline and no other.
func TestExtend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		ctx := context.Background()
		a := e.Dept
		e.walk(t, a, workflow.StateEntered)
		e.Clock.Set(e.Campaign.ClosesAt)
		if res, err := e.Store.LockDue(ctx); err != nil || len(res.Locked) != storetest.Count(t, e.Store, `SELECT COUNT(*) FROM reports`) {
			t.Fatalf("lock at the deadline: %+v, %v", res, err)
		}
		path := fmt.Sprintf("/api/v1/reports/%d/transitions", a.ReportID)
		newDeadline := e.Campaign.ClosesAt.Add(48 * time.Hour)
		body := func(reason string) string {
			return jsonBody(t, map[string]any{"event": "extend", "closes_at": ts(newDeadline), "reason": reason})
		}

		before := e.snap(t, a.ReportID)
		wantProblem(t, e.do(t, 422, req{method: "POST", path: path, as: "council", body: `{"event":"extend","closes_at":"2026-12-01T17:00:00+07:00"}`}), 422, "reason")
		wantProblem(t, e.do(t, 422, req{method: "POST", path: path, as: "council", body: `{"event":"extend","reason":"Sự cố"}`}), 422, "closes_at")
		wantProblem(t, e.do(t, 422, req{method: "POST", path: path, as: "council",
			body: jsonBody(t, map[string]any{"event": "extend", "closes_at": ts(e.Clock.Now().Add(-time.Minute)), "reason": "Sự cố"})}), 422, "closes_at")
		wantProblem(t, e.do(t, 422, req{method: "POST", path: path, as: "council",
			body: jsonBody(t, map[string]any{"event": "extend", "closes_at": ts(newDeadline), "criteria": []string{"1.1.1"}, "reason": "x"})}), 422, "criteria")
		wantProblem(t, e.do(t, 403, req{method: "POST", path: path, as: "approver", body: body("Gia hạn")}), 403)
		wantProblem(t, e.do(t, 404, req{method: "POST", path: path, as: "other-approver", body: body("Gia hạn")}), 404)
		e.unchanged(t, before)

		var out struct {
			State   workflow.State `json:"state"`
			Version int64          `json:"version"`
		}
		decode(t, e.do(t, 200, req{method: "POST", path: path, as: "admin", body: body("Gia hạn do sự cố mất điện")}), &out)
		if out.State != workflow.StateEntered {
			t.Fatalf("extend led to %s, want the state it was locked from (entered)", out.State)
		}
		var rep struct {
			Deadline string `json:"deadline"`
		}
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d", a.ReportID), as: "updater"}), &rep)
		if rep.Deadline != newDeadline.In(zone).Format(time.RFC3339) {
			t.Errorf("deadline after extend %s, want %s", rep.Deadline, newDeadline.In(zone).Format(time.RFC3339))
		}
		h := e.snap(t, a.ReportID).History
		last := h[len(h)-1]
		if last.Event != "extend" || last.From != workflow.StateLocked || last.To != workflow.StateEntered || last.Actor == nil ||
			last.Actor.ID != e.Admin.ID || last.Reason != "Gia hạn do sự cố mất điện" || last.ClosesAt == nil || !last.ClosesAt.Equal(newDeadline) {
			t.Errorf("history after extend: %+v", last)
		}
		wantProblem(t, e.do(t, 409, req{method: "POST", path: path, as: "council", body: body("lần hai")}), 409)

		// The agency works on within its own deadline; everyone else stays locked.
		e.Fire(t, a.Updater, a, workflow.EventReopen, "")
		e.Put(t, a, "1.1.1", "0.5", "Bổ sung sau gia hạn")
		if r, err := e.Store.LockDue(ctx); err != nil || len(r.Locked) != 0 {
			t.Fatalf("a sweep before the new deadline locked %v, %v", r.Locked, err)
		}
		e.Clock.Set(newDeadline.Add(-time.Millisecond))
		if r, _ := e.Store.LockDue(ctx); len(r.Locked) != 0 {
			t.Fatalf("locked 1 ms before the new deadline: %v", r.Locked)
		}
		e.Clock.Set(newDeadline)
		if r, _ := e.Store.LockDue(ctx); len(r.Locked) != 1 || r.Locked[0] != a.ReportID {
			t.Fatalf("at the new deadline the sweep locked %v, want [%d]", r.Locked, a.ReportID)
		}
		if got := e.Report(t, a); got.State != workflow.StateLocked || got.LockedFrom != workflow.StateDraft {
			t.Errorf("after its own deadline the report is %s from %s", got.State, got.LockedFrom)
		}
		locks := storetest.Count(t, e.Store, e.Store.DB().Rebind(`SELECT COUNT(*) FROM history WHERE report_id = ? AND event = 'lock' AND actor_id IS NULL`), a.ReportID)
		if locks != 2 {
			t.Errorf("%d lock rows, want 2 (the campaign's deadline, then its own)", locks)
		}
		// The extension told the agency's approvers, in the outbox written with it.
		events := storetest.Count(t, e.Store, `SELECT COUNT(*) FROM outbox WHERE kind = 'extended'`)
		if events != 1 {
			t.Errorf("%d extended events, want 1", events)
		}
	})
}
