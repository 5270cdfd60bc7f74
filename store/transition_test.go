package store_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

func TestTransitionPathAndHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		w.FillEntries(t, a)
		version := w.Report(t, a).Version

		var want []store.HistoryEntry
		for i, step := range []struct {
			by   *workflow.User
			role workflow.Role
			ev   workflow.Event
			from workflow.State
			to   workflow.State
		}{
			{a.Updater, workflow.RoleUpdater, workflow.EventComplete, workflow.StateDraft, workflow.StateEntered},
			{a.Approver, workflow.RoleApprover, workflow.EventApprove, workflow.StateEntered, workflow.StateReviewed},
			{a.Approver, workflow.RoleApprover, workflow.EventSign, workflow.StateReviewed, workflow.StateSigned},
			{a.Approver, workflow.RoleApprover, workflow.EventSubmit, workflow.StateSigned, workflow.StateSubmitted},
		} {
			w.Clock.Add(time.Duration(i+1)*time.Minute + 123456*time.Microsecond)
			meta := store.Meta{RequestID: fmt.Sprintf("req-%d", i), ClientIP: fmt.Sprintf("203.0.113.%d", i+1)}
			ifMatch := version
			if step.ev == workflow.EventSign {
				w.AttachSignedSummary(t, a)
				want = append(want, store.HistoryEntry{At: w.Clock.Now(), Actor: &store.Actor{ID: a.Approver.ID, Email: a.Approver.Email}, Role: workflow.RoleApprover,
					Event: "signed_summary", From: workflow.StateReviewed, To: workflow.StateReviewed, Reason: "Bảng tổng hợp.pdf (abababababab)"})
			}
			r, err := s.Transition(ctx, step.by, a.ReportID, workflow.TransitionRequest{Event: step.ev, IfMatch: &ifMatch}, nil, meta)
			if err != nil {
				t.Fatalf("%s: %v", step.ev, err)
			}
			version++
			if r.State != step.to || r.Round != 0 || r.Version != version {
				t.Fatalf("%s: state %s round %d version %d, want %s 0 %d", step.ev, r.State, r.Round, r.Version, step.to, version)
			}
			if got := w.Report(t, a); got.State != step.to || got.Version != version {
				t.Fatalf("%s: stored state %s version %d", step.ev, got.State, got.Version)
			}
			want = append(want, store.HistoryEntry{At: w.Clock.Now(), Actor: &store.Actor{ID: step.by.ID, Email: step.by.Email}, Role: step.role,
				Event: string(step.ev), From: step.from, To: step.to, Round: 0, RequestID: meta.RequestID, ClientIP: meta.ClientIP})
		}
		// Where each request came from is for the administrators (the
		// policy's ActHistoryOrigin); everyone else reads the rest.
		withoutOrigin := make([]store.HistoryEntry, len(want))
		for i, h := range want {
			h.RequestID, h.ClientRequestID, h.ClientIP = "", "", ""
			withoutOrigin[i] = h
		}
		for _, u := range []*workflow.User{a.Updater, a.Approver, w.Council, w.Admin} {
			got, err := s.History(ctx, u, a.ReportID)
			if err != nil {
				t.Fatal(err)
			}
			expect := withoutOrigin
			if workflow.Allows(u, workflow.ActHistoryOrigin, workflow.Target{AgencyID: a.ID}) {
				expect = want
			}
			if !reflect.DeepEqual(got, expect) {
				t.Fatalf("history read by %s:\n got %s\nwant %s", u.Email, historyString(got), historyString(expect))
			}
		}
		if !workflow.Allows(w.Admin, workflow.ActHistoryOrigin, workflow.Target{AgencyID: a.ID}) || workflow.Allows(a.Approver, workflow.ActHistoryOrigin, workflow.Target{AgencyID: a.ID}) {
			t.Fatal("the policy no longer keeps origins for administrators: this test needs another reader")
		}
		_, err := s.History(ctx, w.Dept2.Updater, a.ReportID)
		wantCode(t, err, workflow.ENOTFOUND)
		_, err = s.History(ctx, w.Admin, w.District.ReportID+1000)
		wantCode(t, err, workflow.ENOTFOUND)
		if h, err := s.History(ctx, w.Admin, w.Dept2.ReportID); err != nil || len(h) != 0 {
			t.Fatalf("another report's history: %d rows, %v", len(h), err)
		}
	})
}

func historyString(h []store.HistoryEntry) string {
	var b strings.Builder
	for _, e := range h {
		actor := "system"
		if e.Actor != nil {
			actor = fmt.Sprintf("%d/%s", e.Actor.ID, e.Actor.Email)
		}
		fmt.Fprintf(&b, "\n  %s %s as %s: %s %s→%s round %d reason %q req %q ip %q", e.At.Format(time.RFC3339Nano), actor, e.Role,
			e.Event, e.From, e.To, e.Round, e.Reason, e.RequestID, e.ClientIP)
	}
	return b.String()
}

// lastHistory returns the newest history row of the agency's report.
func lastHistory(t *testing.T, w *storetest.World, a *storetest.Agency) store.HistoryEntry {
	t.Helper()
	h, err := w.Store.History(ctx, w.Admin, a.ReportID)
	if err != nil || len(h) == 0 {
		t.Fatalf("history: %d rows, %v", len(h), err)
	}
	return h[len(h)-1]
}

func TestTransitionRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		walk(t, w, a, workflow.StateEntered)
		version := w.Report(t, a).Version
		stale, current := version-1, version

		for _, tc := range []struct {
			name    string
			u       *workflow.User
			report  int64
			ev      workflow.Event
			reason  string
			ifMatch *int64
			want    string
		}{
			{"no such report", a.Approver, w.District.ReportID + 1000, workflow.EventApprove, "", nil, workflow.ENOTFOUND},
			{"other agency", w.Dept2.Approver, a.ReportID, workflow.EventApprove, "", nil, workflow.ENOTFOUND},
			{"unknown event", a.Approver, a.ReportID, "publish", "", nil, workflow.EINVALID},
			{"updater approves", a.Updater, a.ReportID, workflow.EventApprove, "", nil, workflow.EFORBIDDEN},
			{"approver reopens", a.Approver, a.ReportID, workflow.EventReopen, "", nil, workflow.EFORBIDDEN},
			{"council approves", w.Council, a.ReportID, workflow.EventApprove, "", nil, workflow.EFORBIDDEN},
			{"admin locks", w.Admin, a.ReportID, workflow.EventLock, "", nil, workflow.EFORBIDDEN},
			{"stale If-Match", a.Approver, a.ReportID, workflow.EventApprove, "", &stale, workflow.EPRECONDITION},
			{"wrong state", a.Approver, a.ReportID, workflow.EventSign, "", nil, workflow.ECONFLICT},
			{"wrong state with current If-Match", a.Updater, a.ReportID, workflow.EventComplete, "", &current, workflow.ECONFLICT},
			{"return without reason", a.Approver, a.ReportID, workflow.EventReturn, "", nil, workflow.EINVALID},
			{"return with a blank reason", a.Approver, a.ReportID, workflow.EventReturn, " \t\n", nil, workflow.EINVALID},
			// The API's order when several apply.
			{"unknown event beats role", a.Updater, a.ReportID, "publish", "", nil, workflow.EINVALID},
			{"role beats If-Match", a.Updater, a.ReportID, workflow.EventSign, "", &stale, workflow.EFORBIDDEN},
			{"If-Match beats state", a.Approver, a.ReportID, workflow.EventSubmit, "", &stale, workflow.EPRECONDITION},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, s, a.ReportID)
				_, err := s.Transition(ctx, tc.u, tc.report, workflow.TransitionRequest{Event: tc.ev, Reason: tc.reason, IfMatch: tc.ifMatch}, nil, store.Meta{})
				wantCode(t, err, tc.want)
				unchanged(t, s, a.ReportID, before, tc.name)
			})
		}
		_, err := s.Transition(ctx, a.Approver, a.ReportID, workflow.TransitionRequest{Event: workflow.EventReturn}, nil, store.Meta{})
		if f := fieldNames(err); !reflect.DeepEqual(f, []string{"reason"}) {
			t.Fatalf("fields = %q, want [reason]", f)
		}
	})
}

func TestReturnRecordsReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		a := w.Dept
		for i, from := range []workflow.State{workflow.StateEntered, workflow.StateReviewed, workflow.StateSigned} {
			walk(t, w, a, from)
			reason := nfd(fmt.Sprintf("Thiếu tài liệu kiểm chứng (lần %d)", i+1))
			r := w.Fire(t, a.Approver, a, workflow.EventReturn, "  "+reason+"  ")
			if r.State != workflow.StateDraft {
				t.Fatalf("return from %s led to %s", from, r.State)
			}
			h := lastHistory(t, w, a)
			if h.Event != "return" || h.From != from || h.To != workflow.StateDraft || h.Role != workflow.RoleApprover ||
				h.Reason != fmt.Sprintf("Thiếu tài liệu kiểm chứng (lần %d)", i+1) {
				t.Fatalf("history row %s, want the trimmed NFC reason", historyString([]store.HistoryEntry{h}))
			}
		}
		// The report walks on after a return.
		walk(t, w, a, workflow.StateSubmitted)
		if got := w.Report(t, a).State; got != workflow.StateSubmitted {
			t.Fatalf("state %s", got)
		}
	})
}

func TestCompleteNeedsEveryEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		w.Put(t, a, "1.1.1", "1", "Kế hoạch số 12/KH-STP") // complete
		w.Put(t, a, "1.1.2", "0.5", "")                    // no explanation
		w.Put(t, a, "1.2", "", "Chưa chấm")                // no score
		w.Put(t, a, "2.1", "0", "Không ban hành")          // zero is a score

		before := snapshot(t, s, a.ReportID)
		_, err := s.Transition(ctx, a.Updater, a.ReportID, workflow.TransitionRequest{Event: workflow.EventComplete}, nil, store.Meta{})
		wantCode(t, err, workflow.EINVALID)
		var want []string
		for _, code := range []string{"1.1.2", "1.2", "1.3", "1.4", "2.3", "2.4", "3.1", "3.5", "4.1", "4.3", "4.4",
			"5.1", "5.3", "5.4", "5.5", "6.1", "6.3", "7.5"} {
			want = append(want, "entries/"+code)
		}
		if got := fieldNames(err); !reflect.DeepEqual(got, want) {
			t.Fatalf("missing:\n got %q\nwant %q", got, want)
		}
		for _, f := range workflow.ErrorFields(err) {
			switch f.Field {
			case "entries/1.1.2":
				if !strings.Contains(f.Message, "giải trình") || strings.Contains(f.Message, "điểm tự chấm") {
					t.Fatalf("1.1.2: %q", f.Message)
				}
			case "entries/1.2":
				if !strings.Contains(f.Message, "điểm tự chấm") || strings.Contains(f.Message, "giải trình") {
					t.Fatalf("1.2: %q", f.Message)
				}
			}
		}
		unchanged(t, s, a.ReportID, before, "an incomplete complete")

		w.FillEntries(t, a)
		w.Fire(t, a.Updater, a, workflow.EventComplete, "")
	})
}
