package store_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// exemptionDetail is the detail of an exemptions history row.
type exemptionDetail struct {
	CodesBefore []string `json:"codes_before"`
	CodesAfter  []string `json:"codes_after"`
	MaxBefore   string   `json:"max_before"`
	MaxAfter    string   `json:"max_after"`
}

// lastAudit is the newest audit row of the kind.
func lastAudit(t *testing.T, s *store.Store, kind string) store.AuditEntry {
	t.Helper()
	rows, err := s.ListAudit(ctx, store.AuditFilter{Kind: kind, Limit: 1})
	if err != nil || len(rows) != 1 {
		t.Fatalf("audit rows of kind %s: %v %v", kind, rows, err)
	}
	return rows[0]
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

		testkit.Step(t, "an admin exempts leaves with a reason: the maximum drops, and history and audit say so", func(t *testing.T) {
			// 3.1 (self, 2), 3.3 (system, 5), 3.5 (self, 2), 7.5 (self, 3).
			w.Clock.Add(time.Minute)
			reason := "Cơ quan không có đơn vị sự nghiệp trực thuộc (Công văn số 15/SNV)"
			meta := store.Meta{RequestID: "req-x", ClientRequestID: "client-9", ClientIP: "198.51.100.7"}
			got, err := s.SetExemptions(ctx, w.Admin, a.ReportID, []string{"7.5", "3.1", "3.3", "3.5", "3.1"}, " "+nfd(reason)+" ", meta)
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
			first := exemptionDetail{CodesBefore: []string{}, CodesAfter: []string{"3.1", "3.3", "3.5", "7.5"}, MaxBefore: "100.00", MaxAfter: "88.00"}
			h := lastHistory(t, w, a)
			if h.Event != "exemptions" || h.Actor == nil || h.Actor.ID != w.Admin.ID || h.Role != workflow.RoleAdmin ||
				h.From != workflow.StateDraft || h.To != workflow.StateDraft || h.Reason != reason ||
				h.RequestID != "req-x" || h.ClientIP != "198.51.100.7" || !h.At.Equal(w.Clock.Now()) || h.IssuedBy != nil {
				t.Fatalf("history row %s", historyString([]store.HistoryEntry{h}))
			}
			var d exemptionDetail
			if err := json.Unmarshal(h.Detail, &d); err != nil || !reflect.DeepEqual(d, first) {
				t.Fatalf("history detail %s (%v), want %+v", h.Detail, err, first)
			}
			if !strings.Contains(string(h.Detail), `"max_before":"100.00"`) {
				t.Fatalf("history detail %s: the maxima are strings with two decimals", h.Detail)
			}
			// The audit log has the same change, with the reason and the request.
			audit := lastAudit(t, s, store.AuditExemption)
			var ad struct {
				ReportID int64  `json:"report_id"`
				Reason   string `json:"reason"`
				exemptionDetail
			}
			if err := json.Unmarshal(audit.Detail, &ad); err != nil || ad.ReportID != a.ReportID || ad.Reason != reason || !reflect.DeepEqual(ad.exemptionDetail, first) {
				t.Fatalf("audit detail %s (%v)", audit.Detail, err)
			}
			if audit.Action != "update" || audit.Target != fmt.Sprint(a.ReportID) || audit.Actor == nil || audit.Actor.ID != w.Admin.ID ||
				audit.RequestID != "req-x" || audit.ClientRequestID != "client-9" || audit.ClientIP != "198.51.100.7" || !audit.At.Equal(w.Clock.Now()) {
				t.Fatalf("audit row %+v", audit)
			}
			// ListReports agrees with GetReport.
			list, err := s.ListReports(ctx, w.Admin, store.ReportFilter{AgencyID: a.ID})
			if err != nil || len(list) != 1 || list[0].MaxTotal != 8800 || list[0].SelfTotal != 100 {
				t.Fatalf("list: %+v %v", list, err)
			}
		})

		testkit.Step(t, "a leaf not exemptible, no reason, or a caller not an admin is refused and changes nothing", func(t *testing.T) {
			before := snapshot(t, s, a.ReportID)
			audits := count(t, s, `SELECT COUNT(*) FROM audit_log`)
			for _, tc := range []struct {
				u      *workflow.User
				codes  []string
				reason string
				want   string
				field  string
			}{
				{w.Admin, []string{"3.1", "1.1.1"}, "x", workflow.EINVALID, "codes"}, // not exemptible
				{w.Admin, []string{"9.9"}, "x", workflow.EINVALID, "codes"},
				{w.Admin, []string{"3"}, "x", workflow.EINVALID, "codes"}, // a field
				{w.Admin, []string{"3.1"}, "", workflow.EINVALID, "reason"},
				{w.Admin, []string{"3.1"}, " \n ", workflow.EINVALID, "reason"},
				{w.Admin, []string{"3.1"}, strings.Repeat("ệ", workflow.MaxReason+1), workflow.EINVALID, "reason"},
				{a.Updater, []string{"3.1"}, "x", workflow.EFORBIDDEN, ""},
				{a.Approver, []string{"3.1"}, "x", workflow.EFORBIDDEN, ""},
				{w.Council, []string{"3.1"}, "x", workflow.EFORBIDDEN, ""},
				{w.Dept2.Updater, []string{"3.1"}, "x", workflow.ENOTFOUND, ""},
			} {
				_, err := s.SetExemptions(ctx, tc.u, a.ReportID, tc.codes, tc.reason, store.Meta{})
				wantCode(t, err, tc.want)
				if tc.field != "" && fieldNames(err)[0] != tc.field {
					t.Fatalf("exemptions %q with reason %.20q: fields %q, want %s", tc.codes, tc.reason, fieldNames(err), tc.field)
				}
				unchanged(t, s, a.ReportID, before, fmt.Sprintf("exemptions %q by %s", tc.codes, tc.u.Email))
			}
			_, err := s.SetExemptions(ctx, w.Admin, a.ReportID, []string{"3.1"}, "", store.Meta{})
			if workflow.ErrorMessage(err) != "Cần nêu lý do." {
				t.Errorf("no reason: %q", workflow.ErrorMessage(err))
			}
			// Writing an exempt leaf is refused too.
			_, _, err = s.PutEntry(ctx, a.Updater, a.ReportID, "3.5", workflow.EntryValue{SelfScore: pts(t, "1"), Explanation: "x"}, nil, store.Meta{})
			wantCode(t, err, workflow.EINVALID)
			unchanged(t, s, a.ReportID, before, "a write to an exempt leaf")
			if n := count(t, s, `SELECT COUNT(*) FROM audit_log`); n != audits {
				t.Fatalf("refusals wrote %d audit rows", n-audits)
			}
		})

		testkit.Step(t, "outside the window, by the clock at the write, exemptions are refused with 423", func(t *testing.T) {
			before := snapshot(t, s, a.ReportID)
			audits := count(t, s, `SELECT COUNT(*) FROM audit_log`)
			defer w.Clock.Set(w.Clock.Now())
			for _, at := range []time.Time{w.Campaign.ClosesAt, w.Campaign.ClosesAt.Add(time.Hour), w.Campaign.OpensAt.Add(-time.Millisecond)} {
				w.Clock.Set(at)
				// Even a request that would be refused for its reason is 423 first.
				for _, reason := range []string{"Bổ sung", ""} {
					_, err := s.SetExemptions(ctx, w.Admin, a.ReportID, []string{"3.1"}, reason, store.Meta{})
					wantCode(t, err, workflow.ELOCKED)
				}
				unchanged(t, s, a.ReportID, before, "exemptions outside the window")
			}
			if n := count(t, s, `SELECT COUNT(*) FROM audit_log`); n != audits {
				t.Fatalf("refusals wrote %d audit rows", n-audits)
			}
		})

		testkit.Step(t, "exempt leaves do not block complete", func(t *testing.T) {
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

		testkit.Step(t, "cleared exemptions restore the maximum, and complete names those leaves again", func(t *testing.T) {
			w.Fire(t, a.Updater, a, workflow.EventReopen, "")
			got, err := s.SetExemptions(ctx, w.Admin, a.ReportID, nil, "Hủy miễn trừ theo kết luận của Hội đồng", store.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			if got.MaxTotal != 10000 || len(got.Exemptions) != 0 {
				t.Fatalf("max %s exemptions %q after clearing", got.MaxTotal, got.Exemptions)
			}
			h := lastHistory(t, w, a)
			var d exemptionDetail
			want := exemptionDetail{CodesBefore: []string{"3.1", "3.3", "3.5", "7.5"}, CodesAfter: []string{}, MaxBefore: "88.00", MaxAfter: "100.00"}
			if err := json.Unmarshal(h.Detail, &d); err != nil || h.Event != "exemptions" || h.Reason != "Hủy miễn trừ theo kết luận của Hội đồng" || !reflect.DeepEqual(d, want) {
				t.Fatalf("history row %s detail %s, want %+v", historyString([]store.HistoryEntry{h}), h.Detail, want)
			}
			// 3.5 and 7.5 have no entries: complete now names them.
			_, err = s.Transition(ctx, a.Updater, a.ReportID, workflow.TransitionRequest{Event: workflow.EventComplete}, nil, store.Meta{})
			wantCode(t, err, workflow.EINVALID)
			if f := fieldNames(err); !reflect.DeepEqual(f, []string{"entries/3.5", "entries/7.5"}) {
				t.Fatalf("fields = %q", f)
			}
		})

		testkit.Step(t, "a signed, submitted or locked report refuses exemptions", func(t *testing.T) {
			b := w.Dept2
			walk(t, w, b, workflow.StateSigned)
			for _, st := range []struct {
				state workflow.State
				want  string
			}{{workflow.StateSigned, workflow.ECONFLICT}, {workflow.StateSubmitted, workflow.ECONFLICT}, {workflow.StateLocked, workflow.ELOCKED}} {
				switch st.state {
				case workflow.StateSubmitted:
					w.Fire(t, b.Approver, b, workflow.EventSubmit, "")
				case workflow.StateLocked:
					lockReport(t, s, b.ReportID)
				}
				before := snapshot(t, s, b.ReportID)
				_, err := s.SetExemptions(ctx, w.Admin, b.ReportID, []string{"3.1"}, "Bổ sung", store.Meta{})
				wantCode(t, err, st.want)
				unchanged(t, s, b.ReportID, before, "exemptions when "+string(st.state))
			}
			// The three refusals wrote no audit row: only the two changes above did.
			if n := count(t, s, `SELECT COUNT(*) FROM audit_log WHERE kind = ?`, store.AuditExemption); n != 2 {
				t.Fatalf("%d exemption audit rows, want the 2 of the changes above", n)
			}
		})
	})
}

// lockReport puts a report in locked as the scheduler's sweep would, straight
// in SQL.
func lockReport(t *testing.T, s *store.Store, reportID int64) {
	t.Helper()
	if _, err := s.DB().Exec(s.DB().Rebind(`UPDATE reports SET locked_from = state, state = ?, version = version + 1 WHERE id = ?`), workflow.StateLocked, reportID); err != nil {
		t.Fatal(err)
	}
}
