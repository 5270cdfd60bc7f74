package store_test

import (
	"slices"
	"testing"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// TestBoardReports: the pages' list reads names, deadline, the last return
// and completion, narrowed by the filter and by what the reader may see.
func TestBoardReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store

		w.Put(t, w.Dept2, "1.1.1", "0.75", "a")
		w.Put(t, w.Dept2, "1.3", "1.5", "b")
		w.Put(t, w.Dept2, "3.1", "2", "c")
		if _, err := s.SetExemptions(ctx, w.Admin, w.Dept2.ReportID, []string{"3.1"}, "Không có thủ tục", store.Meta{}); err != nil {
			t.Fatal(err)
		}
		walk(t, w, w.District, workflow.StateEntered)
		w.Fire(t, w.District.Approver, w.District, workflow.EventReturn, "Thiếu <b>tài liệu</b>")
		w.Submit(t, w.Dept)

		all, err := s.BoardReports(ctx, w.Council, store.BoardFilter{CampaignID: w.Campaign.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.BoardCompletion(ctx, all); err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 {
			t.Fatalf("%d reports, want 3", len(all))
		}
		// Departments first (the kinds' order), by code: STC, STP; then the district.
		if all[0].AgencyCode != "STC" || all[1].AgencyCode != "STP" || all[2].AgencyCode != "ALUOI" {
			t.Errorf("order %s %s %s", all[0].AgencyCode, all[1].AgencyCode, all[2].AgencyCode)
		}
		dept2, dept, dist := all[0], all[1], all[2]
		if dept2.AgencyName != "Sở Tài chính" || dept2.CampaignName != w.Campaign.Name || dept2.Kind != workflow.KindDepartment {
			t.Errorf("names: %+v", dept2)
		}
		if !dept2.Deadline.Equal(w.Campaign.ClosesAt) {
			t.Errorf("deadline %v, want %v", dept2.Deadline, w.Campaign.ClosesAt)
		}
		// 20 self leaves, 3.1 exempt (it was scored: no longer counted).
		if dept2.Applicable != 19 || dept2.Scored != 2 {
			t.Errorf("completion %d/%d, want 2/19", dept2.Scored, dept2.Applicable)
		}
		if dept.Scored != dept.Applicable || dept.Applicable == 0 || dept.State != workflow.StateSubmitted {
			t.Errorf("submitted report: %s %d/%d", dept.State, dept.Scored, dept.Applicable)
		}
		if !dist.Returned || dist.ReturnReason != "Thiếu <b>tài liệu</b>" || dist.State != workflow.StateDraft {
			t.Errorf("returned report: %+v", dist)
		}
		if dept2.Returned {
			t.Error("a draft never returned is marked returned")
		}

		// Filters and visibility.
		got, err := s.BoardReports(ctx, w.Dept.Updater, store.BoardFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != w.Dept.ReportID {
			t.Errorf("updater sees %+v", got)
		}
		got, err = s.BoardReports(ctx, w.Admin, store.BoardFilter{States: []workflow.State{workflow.StateDraft, workflow.StateSubmitted}, AgencyID: w.Dept.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != w.Dept.ReportID {
			t.Errorf("state and agency filter: %+v", got)
		}
		got, err = s.BoardReports(ctx, w.Admin, store.BoardFilter{IDs: []int64{w.District.ReportID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != w.District.ReportID {
			t.Errorf("ids filter: %+v", got)
		}
		nobody := storetest.MustUser(t, s, "nobody@x.vn")
		if got, err := s.BoardReports(ctx, nobody, store.BoardFilter{}); err != nil || len(got) != 0 {
			t.Errorf("no grants: %v %+v", err, got)
		}

		// A page of a block's agencies not submitted, and the counts.
		got, err = s.BoardReports(ctx, w.Council, store.BoardFilter{CampaignID: w.Campaign.ID, Kind: workflow.KindDepartment,
			NotStates: []workflow.State{workflow.StateSubmitted}, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != w.Dept2.ReportID {
			t.Errorf("first not submitted department: %+v", got)
		}
		got, err = s.BoardReports(ctx, w.Council, store.BoardFilter{CampaignID: w.Campaign.ID, Limit: 2, Offset: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != w.District.ReportID {
			t.Errorf("second page: %+v", got)
		}
		bc, err := s.BoardCounts(ctx, w.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.BoardCount{{workflow.KindDepartment, workflow.StateDraft, 1}, {workflow.KindDepartment, workflow.StateSubmitted, 1},
			{workflow.KindDistrict, workflow.StateDraft, 1}}
		if !slices.Equal(bc, want) {
			t.Errorf("board counts %v, want %v", bc, want)
		}

		counts, err := s.CampaignStateCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c := counts[w.Campaign.ID]; c[workflow.StateDraft] != 2 || c[workflow.StateSubmitted] != 1 {
			t.Errorf("counts %v", c)
		}
	})
}
