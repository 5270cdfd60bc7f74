package handlers_test

import (
	"fmt"
	"os"
	"testing"

	"parindex/store/storetest"
	"parindex/workflow"
)

// pending skips a test of api.md behaviour that a later issue builds (the
// scheduler's extend, the evidence issue's signed summary). Run them with
// PARINDEX_PENDING=1 to see them fail; drop the call when the issue lands.
func pending(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("PARINDEX_PENDING") == "" {
		t.Skip("built by a later issue (set PARINDEX_PENDING=1 to run): " + what)
	}
}

// api.md: `extend` | locked | the state it was locked from | council, admin |
// body adds closes_at (this report's new deadline); reason required.
// workflow.Transitions has no extend row, so the event is answered 422
// "unknown event".
func TestPendingExtend(t *testing.T) {
	pending(t, "extend comes with the scheduler issue")
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		e.walk(t, e.Dept, workflow.StateEntered)
		e.lockReport(t, e.Dept.ReportID)
		path := fmt.Sprintf("/api/v1/reports/%d/transitions", e.Dept.ReportID)
		wantProblem(t, e.do(t, 422, req{method: "POST", path: path, as: "council",
			body: `{"event":"extend","closes_at":"2026-12-01T17:00:00+07:00"}`}), 422, "reason")
		wantProblem(t, e.do(t, 403, req{method: "POST", path: path, as: "approver",
			body: `{"event":"extend","closes_at":"2026-12-01T17:00:00+07:00","reason":"Gia hạn"}`}), 403)
		var out struct {
			State workflow.State `json:"state"`
		}
		decode(t, e.do(t, 200, req{method: "POST", path: path, as: "admin",
			body: `{"event":"extend","closes_at":"2026-12-01T17:00:00+07:00","reason":"Gia hạn do sự cố mạng"}`}), &out)
		if out.State != workflow.StateEntered {
			t.Errorf("extend led to %s, want the state it was locked from (entered)", out.State)
		}
		var report struct {
			Deadline string `json:"deadline"`
		}
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d", e.Dept.ReportID), as: "updater"}), &report)
		if report.Deadline != "2026-12-01T17:00:00+07:00" {
			t.Errorf("deadline after extend %s", report.Deadline)
		}
	})
}

// api.md: `sign` needs "a signed summary table for this exact version is
// attached" (POST .../signed-summary). Neither the upload nor the guard
// exists: sign succeeds with nothing attached.
func TestPendingSignNeedsSignedSummary(t *testing.T) {
	pending(t, "the signed-summary guard comes with the evidence issue")
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		e.walk(t, e.Dept, workflow.StateReviewed)
		before := e.snap(t, e.Dept.ReportID)
		wantProblem(t, e.do(t, 422, req{method: "POST", path: fmt.Sprintf("/api/v1/reports/%d/transitions", e.Dept.ReportID), as: "approver",
			body: `{"event":"sign"}`}), 422)
		e.unchanged(t, before)
	})
}
