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
		for _, u := range []*workflow.User{a.Updater, a.Approver, w.Council, w.Admin} {
			got, err := s.History(ctx, u, a.ReportID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("history read by %s:\n got %s\nwant %s", u.Email, historyString(got), historyString(want))
			}
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
				if !strings.Contains(f.Message, "explanation") || strings.Contains(f.Message, "score") {
					t.Fatalf("1.1.2: %q", f.Message)
				}
			case "entries/1.2":
				if !strings.Contains(f.Message, "score") || strings.Contains(f.Message, "explanation") {
					t.Fatalf("1.2: %q", f.Message)
				}
			}
		}
		unchanged(t, s, a.ReportID, before, "an incomplete complete")

		w.FillEntries(t, a)
		w.Fire(t, a.Updater, a, workflow.EventComplete, "")
	})
}

func TestExemptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		w.Put(t, a, "3.1", "2", "Đã rà soát") // scored, then exempted
		w.Put(t, a, "1.1.1", "1", "Đúng hạn")
		r := w.Report(t, a)
		if r.MaxTotal != 10000 || r.SelfTotal != 300 {
			t.Fatalf("before: self %s max %s, want 3 of 100", r.SelfTotal, r.MaxTotal)
		}

		// 3.1 (self, 2), 3.3 (system, 5), 3.5 (self, 2), 7.5 (self, 3).
		w.Clock.Add(time.Minute)
		got, err := s.SetExemptions(ctx, w.Admin, a.ReportID, []string{"7.5", "3.1", "3.3", "3.5", "3.1"}, store.Meta{RequestID: "req-x", ClientIP: "198.51.100.7"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != r.Version+1 || got.MaxTotal != 8800 || got.SelfTotal != 100 || !reflect.DeepEqual(got.Exemptions, []string{"3.1", "3.3", "3.5", "7.5"}) {
			t.Fatalf("after: version %d self %s max %s exempt %q; want version %d, 1 of 88, the four codes", got.Version, got.SelfTotal, got.MaxTotal, got.Exemptions, r.Version+1)
		}
		stored := w.Report(t, a)
		if stored.MaxTotal != 8800 || stored.SelfTotal != 100 || stored.Version != got.Version {
			t.Fatalf("stored: self %s max %s version %d", stored.SelfTotal, stored.MaxTotal, stored.Version)
		}
		for _, e := range stored.Entries {
			exempt := e.Code == "3.1" || e.Code == "3.3" || e.Code == "3.5" || e.Code == "7.5"
			if e.Exempt != exempt || (exempt && e.Editable) {
				t.Fatalf("entry %s: exempt=%v editable=%v", e.Code, e.Exempt, e.Editable)
			}
		}
		h := lastHistory(t, w, a)
		if h.Event != "exemptions" || h.Actor == nil || h.Actor.ID != w.Admin.ID || h.Role != workflow.RoleAdmin ||
			h.From != workflow.StateDraft || h.To != workflow.StateDraft || !strings.Contains(h.Reason, "3.1, 3.3, 3.5, 7.5") ||
			h.RequestID != "req-x" || h.ClientIP != "198.51.100.7" || !h.At.Equal(w.Clock.Now()) {
			t.Fatalf("history row %s", historyString([]store.HistoryEntry{h}))
		}
		// ListReports agrees with GetReport.
		list, err := s.ListReports(ctx, w.Admin, store.ReportFilter{AgencyID: a.ID})
		if err != nil || len(list) != 1 || list[0].MaxTotal != 8800 || list[0].SelfTotal != 100 {
			t.Fatalf("list: %+v %v", list, err)
		}

		t.Run("refusals change nothing", func(t *testing.T) {
			before := snapshot(t, s, a.ReportID)
			for _, tc := range []struct {
				u     *workflow.User
				codes []string
				want  string
			}{
				{w.Admin, []string{"3.1", "1.1.1"}, workflow.EINVALID}, // not exemptible
				{w.Admin, []string{"9.9"}, workflow.EINVALID},
				{w.Admin, []string{"3"}, workflow.EINVALID}, // a field
				{a.Updater, []string{"3.1"}, workflow.EFORBIDDEN},
				{a.Approver, []string{"3.1"}, workflow.EFORBIDDEN},
				{w.Council, []string{"3.1"}, workflow.EFORBIDDEN},
				{w.Dept2.Updater, []string{"3.1"}, workflow.ENOTFOUND},
			} {
				_, err := s.SetExemptions(ctx, tc.u, a.ReportID, tc.codes, store.Meta{})
				wantCode(t, err, tc.want)
				unchanged(t, s, a.ReportID, before, fmt.Sprintf("exemptions %q by %s", tc.codes, tc.u.Email))
			}
			// Writing an exempt leaf is refused too.
			_, _, err := s.PutEntry(ctx, a.Updater, a.ReportID, "3.5", workflow.EntryValue{SelfScore: pts(t, "1"), Explanation: "x"}, nil, store.Meta{})
			wantCode(t, err, workflow.EINVALID)
			unchanged(t, s, a.ReportID, before, "a write to an exempt leaf")
		})

		t.Run("exempt leaves do not block complete", func(t *testing.T) {
			w.FillEntries(t, a) // editable leaves only: 3.1, 3.5 and 7.5 stay as they are
			if n := count(t, s, `SELECT COUNT(*) FROM entries WHERE report_id = ? AND code IN ('3.5', '7.5')`, a.ReportID); n != 0 {
				t.Fatal("FillEntries wrote an exempt leaf")
			}
			w.Fire(t, a.Updater, a, workflow.EventComplete, "")
			r := w.Report(t, a)
			// The 17 applicable self leaves at their maxima; 3.1's 2 points no longer count.
			if r.State != workflow.StateEntered || r.MaxTotal != 8800 || r.SelfTotal != 2900 {
				t.Fatalf("%s with self total %s of %s, want entered with 29 of 88", r.State, r.SelfTotal, r.MaxTotal)
			}
		})

		t.Run("cleared", func(t *testing.T) {
			w.Fire(t, a.Updater, a, workflow.EventReopen, "")
			got, err := s.SetExemptions(ctx, w.Admin, a.ReportID, nil, store.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			if got.MaxTotal != 10000 || len(got.Exemptions) != 0 {
				t.Fatalf("max %s exemptions %q after clearing", got.MaxTotal, got.Exemptions)
			}
			if h := lastHistory(t, w, a); h.Event != "exemptions" || h.Reason != "no exemptions" {
				t.Fatalf("history row %s", historyString([]store.HistoryEntry{h}))
			}
			// 3.5 and 7.5 have no entries: complete now names them.
			_, err = s.Transition(ctx, a.Updater, a.ReportID, workflow.TransitionRequest{Event: workflow.EventComplete}, nil, store.Meta{})
			wantCode(t, err, workflow.EINVALID)
			if f := fieldNames(err); !reflect.DeepEqual(f, []string{"entries/3.5", "entries/7.5"}) {
				t.Fatalf("fields = %q", f)
			}
		})

		t.Run("after submitted", func(t *testing.T) {
			b := w.Dept2
			w.Submit(t, b)
			before := snapshot(t, s, b.ReportID)
			_, err := s.SetExemptions(ctx, w.Admin, b.ReportID, []string{"3.1"}, store.Meta{})
			wantCode(t, err, workflow.ECONFLICT)
			unchanged(t, s, b.ReportID, before, "exemptions after submission")
		})
	})
}
