package export_test

import (
	"testing"
	"time"

	"parindex/export"
	"parindex/workflow"
)

// SummaryOf hands the exports exact numbers (hundredths of a point, the index
// in thousandths as workflow.Index rounds it) and the province's zone.
func TestSummaryOf(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	p := func(v workflow.Points) *workflow.Points { return &v }
	set := &workflow.CriteriaSet{Criteria: []*workflow.Criterion{{
		Code: "1", Title: "Công tác chỉ đạo, điều hành", Children: []*workflow.Criterion{
			{Code: "1.1", Title: "Kế hoạch", MaxPoints: 150},
			{Code: "1.2", Title: "Báo cáo", MaxPoints: 100},
			{Code: "1.3", Title: "Kiểm tra", MaxPoints: 100},
		},
	}}}
	r := &workflow.Report{
		ID: 42, Version: 3, State: workflow.StateEntered,
		UpdatedAt: time.Date(2026, 12, 31, 17, 30, 0, 0, time.UTC),
		Entries: []workflow.Entry{
			{Code: "1.1", SelfScore: p(75)},
			{Code: "1.2"}, // not scored
			{Code: "1.3", SelfScore: p(1)},
		},
		SelfTotal: 76, MaxTotal: 350,
	}
	s := export.SummaryOf(export.Source{Province: "Tỉnh Thừa Thiên Huế", Zone: hcm, Report: r, Set: set})
	if s.Zone != hcm || export.DateTime(s.GeneratedAt, s.Zone) != "01/01/2027 00:30" {
		t.Errorf("zone %v, time %v", s.Zone, s.GeneratedAt)
	}
	if s.SelfTotal != 0.76 || s.MaxTotal != 3.5 || s.Index != 21.714 { // 76/350 = 21.7142…
		t.Errorf("totals %v / %v, index %v", s.SelfTotal, s.MaxTotal, s.Index)
	}
	if got := export.Number(s.Index, 3); got != "21,714" {
		t.Errorf("index prints %q", got)
	}
	if len(s.Rows) != 4 {
		t.Fatalf("%d rows", len(s.Rows))
	}
	group, first, unscored, last := s.Rows[0], s.Rows[1], s.Rows[2], s.Rows[3]
	if group.MaxPoints != 3.5 || group.SelfScore == nil || *group.SelfScore != 0.76 {
		t.Errorf("group %v / %v", group.SelfScore, group.MaxPoints)
	}
	if first.MaxPoints != 1.5 || first.SelfScore == nil || *first.SelfScore != 0.75 {
		t.Errorf("1.1: %v / %v", first.SelfScore, first.MaxPoints)
	}
	if unscored.SelfScore != nil {
		t.Errorf("1.2 not scored has %v", *unscored.SelfScore)
	}
	if last.SelfScore == nil || export.Number(*last.SelfScore, 2) != "0,01" {
		t.Errorf("1.3: %v", last.SelfScore)
	}
}
