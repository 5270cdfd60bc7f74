package store_test

import (
	"reflect"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

func TestListReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store

		// A second, department-only campaign with a later window.
		later := &workflow.Campaign{Name: "Chỉ số CCHC 2027", Year: 2027, OpensAt: start.Add(-time.Hour), ClosesAt: start.Add(30 * 24 * time.Hour),
			CriteriaSets: map[workflow.AgencyKind]int64{workflow.KindDepartment: w.DeptSet.ID}}
		if err := s.CreateCampaign(ctx, later, w.Admin, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		all, err := s.ListReports(ctx, w.Admin, store.ReportFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 5 {
			t.Fatalf("%d reports, want 5", len(all))
		}
		reportOf := map[[2]int64]int64{} // campaign, agency → report
		for _, r := range all {
			reportOf[[2]int64{r.CampaignID, r.AgencyID}] = r.ID
		}
		deptLater := reportOf[[2]int64{later.ID, w.Dept.ID}]
		dept2Later := reportOf[[2]int64{later.ID, w.Dept2.ID}]
		if deptLater == 0 || dept2Later == 0 {
			t.Fatalf("the second campaign's reports are missing: %+v", all)
		}

		// Some content: a submitted report, partial entries, an exemption,
		// a cleared score.
		w.Submit(t, w.Dept)
		w.Put(t, w.Dept2, "1.1.1", "0.75", "a")
		w.Put(t, w.Dept2, "1.3", "1.5", "b")
		w.Put(t, w.Dept2, "3.1", "2", "c")
		w.Put(t, w.Dept2, "1.2", "1", "d")
		w.Put(t, w.Dept2, "1.2", "", "d")
		if _, err := s.SetExemptions(ctx, w.Admin, w.Dept2.ReportID, []string{"3.1", "3.6"}, "Theo đề nghị của cơ quan", store.Meta{}); err != nil {
			t.Fatal(err)
		}
		walk(t, w, w.District, workflow.StateEntered)

		ids := func(u *workflow.User, f store.ReportFilter) []int64 {
			t.Helper()
			list, err := s.ListReports(ctx, u, f)
			if err != nil {
				t.Fatal(err)
			}
			out := []int64{}
			for _, r := range list {
				out = append(out, r.ID)
			}
			return out
		}
		nobody := storetest.MustUser(t, s, "nobody@x.vn")
		first := w.Campaign.ID
		for _, tc := range []struct {
			name string
			u    *workflow.User
			f    store.ReportFilter
			want []int64
		}{
			{"updater sees own agency", w.Dept.Updater, store.ReportFilter{}, []int64{w.Dept.ReportID, deptLater}},
			{"approver sees own agency", w.Dept2.Approver, store.ReportFilter{}, []int64{w.Dept2.ReportID, dept2Later}},
			{"district updater", w.District.Updater, store.ReportFilter{}, []int64{w.District.ReportID}},
			{"council sees all", w.Council, store.ReportFilter{}, []int64{w.Dept.ReportID, w.Dept2.ReportID, w.District.ReportID, deptLater, dept2Later}},
			{"admin sees all", w.Admin, store.ReportFilter{}, []int64{w.Dept.ReportID, w.Dept2.ReportID, w.District.ReportID, deptLater, dept2Later}},
			{"no grants sees nothing", nobody, store.ReportFilter{}, []int64{}},
			{"campaign", w.Council, store.ReportFilter{CampaignID: first}, []int64{w.Dept.ReportID, w.Dept2.ReportID, w.District.ReportID}},
			{"other campaign", w.Council, store.ReportFilter{CampaignID: later.ID}, []int64{deptLater, dept2Later}},
			{"state", w.Admin, store.ReportFilter{State: workflow.StateSubmitted}, []int64{w.Dept.ReportID}},
			{"state draft", w.Admin, store.ReportFilter{State: workflow.StateDraft}, []int64{w.Dept2.ReportID, deptLater, dept2Later}},
			{"agency", w.Admin, store.ReportFilter{AgencyID: w.Dept2.ID}, []int64{w.Dept2.ReportID, dept2Later}},
			{"all three", w.Admin, store.ReportFilter{CampaignID: first, AgencyID: w.District.ID, State: workflow.StateEntered}, []int64{w.District.ReportID}},
			{"no match", w.Admin, store.ReportFilter{CampaignID: later.ID, State: workflow.StateEntered}, []int64{}},
			{"updater filters on own campaign", w.Dept.Updater, store.ReportFilter{CampaignID: later.ID}, []int64{deptLater}},
			{"updater asks for another agency", w.Dept.Updater, store.ReportFilter{AgencyID: w.Dept2.ID}, []int64{}},
			{"unknown campaign", w.Admin, store.ReportFilter{CampaignID: later.ID + 1000}, []int64{}},
		} {
			if got := ids(tc.u, tc.f); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}

		t.Run("totals equal GetReport's", func(t *testing.T) {
			list, err := s.ListReports(ctx, w.Admin, store.ReportFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, sum := range list {
				r, err := s.GetReport(ctx, w.Admin, sum.ID)
				if err != nil {
					t.Fatal(err)
				}
				if sum.SelfTotal != r.SelfTotal || sum.MaxTotal != r.MaxTotal || sum.Version != r.Version || sum.State != r.State ||
					sum.Round != r.Round || !sum.Deadline.Equal(r.ClosesAt) || sum.CampaignID != r.CampaignID || sum.AgencyID != r.AgencyID {
					t.Fatalf("report %d: list %+v, get self %s max %s version %d %s round %d deadline %s",
						sum.ID, sum, r.SelfTotal, r.MaxTotal, r.Version, r.State, r.Round, r.ClosesAt)
				}
			}
			// Dept2: 0.75 + 1.5 counted, 3.1's 2 exempt, 1.2 cleared;
			// 3.1 (2) and 3.6 (4) off the maximum.
			var d2 store.ReportSummary
			for _, sum := range list {
				if sum.ID == w.Dept2.ReportID {
					d2 = sum
				}
			}
			if d2.SelfTotal != 225 || d2.MaxTotal != 9400 {
				t.Fatalf("dept2: self %s max %s, want 2.25 of 94", d2.SelfTotal, d2.MaxTotal)
			}
			if !d2.Deadline.Equal(w.Campaign.ClosesAt) {
				t.Fatalf("deadline %s, want %s", d2.Deadline, w.Campaign.ClosesAt)
			}
		})

		t.Run("reading another agency's report", func(t *testing.T) {
			_, err := s.GetReport(ctx, w.Dept.Updater, w.Dept2.ReportID)
			wantCode(t, err, workflow.ENOTFOUND)
			_, err = s.GetReport(ctx, nobody, w.Dept.ReportID)
			wantCode(t, err, workflow.ENOTFOUND)
			_, err = s.GetReport(ctx, w.Admin, dept2Later+1000)
			wantCode(t, err, workflow.ENOTFOUND)
			if _, err := s.GetReport(ctx, w.Council, w.Dept2.ReportID); err != nil {
				t.Fatal(err)
			}
		})
	})
}
