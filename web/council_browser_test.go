package web_test

import (
	"slices"
	"testing"
	"time"

	"parindex/store/storetest"
	"parindex/workflow"
)

// TestBrowserCouncilRound: in Chromium the council goes from the board to
// the round page, chooses one criterion for the departments' block (the
// page refuses "some criteria" with none chosen), confirms, and lands on the
// board with the new round; every field is labelled, no console error.
func TestBrowserCouncilRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		s.Submit(t, s.Dept2)
		s.Submit(t, s.District)
		board := "/council/campaigns/" + itoa(s.Campaign.ID)

		tab := s.person(t, s.Council)
		tab.WaitText("main h1", "Việc của tôi")
		tab.Go(board)
		tab.WaitText("main h1", s.Campaign.Name)
		tab.CheckLabels()
		tab.Shot("hoi-dong-bang-tien-do")
		tab.Click(`a.button[href="` + board + `/round"]`)
		tab.WaitPath(board + "/round")
		tab.CheckLabels()

		// "Some criteria" with none chosen: the browser refuses the form.
		tab.Click(`[id="tc-department-chon"]`)
		tab.WaitFor(`!document.getElementById("tc-department-1.1.1").disabled`)
		tab.Click(`#dot-department ~ form button[type=submit]`)
		tab.WaitFor(`document.getElementById("tc-department-1.1.1").validationMessage.indexOf("Chọn ít nhất một tiêu chí") === 0`)
		if tab.Has(`dialog[open]`) {
			t.Fatal("the confirmation opened for an invalid form")
		}
		tab.Click(`[id="tc-department-1.1.1"]`)
		tab.Type(`#ghi-chu-department`, "Bổ sung minh chứng tiêu chí 1.1.1")
		tab.Shot("hoi-dong-mo-dot-bo-sung")
		tab.Click(`#dot-department ~ form button[type=submit]`)
		tab.WaitFor(`document.getElementById("xac-nhan-department").open`)
		tab.Click(`#xac-nhan-department button[value=ok]`)
		tab.WaitPath(board + "?xong=hd-mo-dot")
		tab.WaitText(".flash", "Đã mở đợt báo cáo bổ sung")
		tab.WaitText(".board-head", "Bổ sung minh chứng tiêu chí 1.1.1")

		r := s.Report(t, s.Dept2)
		if r.Round != 1 || r.State != workflow.StateDraft || !slices.Equal(r.RoundCriteria, []string{"1.1.1"}) {
			t.Errorf("the department's report: %s round %d criteria %v", r.State, r.Round, r.RoundCriteria)
		}
		if d := s.Report(t, s.District); d.Round != 0 || d.State != workflow.StateSubmitted {
			t.Errorf("the district's report changed: %s round %d", d.State, d.Round)
		}
		tab.Viewport(390, 844)
		tab.Go(board)
		tab.WaitText("main h1", s.Campaign.Name)
		tab.Shot("hoi-dong-bang-tien-do-dien-thoai")
		// The district's report alone: its own round page.
		tab.Go("/council/reports/" + itoa(s.District.ReportID) + "/round")
		tab.WaitText("main h1", "UBND huyện A Lưới")
		tab.CheckLabels()
		tab.Shot("hoi-dong-mo-dot-mot-bao-cao-dien-thoai")
	})
}

// TestBrowserHome: the updater reads Việc của tôi with a returned report,
// opens the notifications and marks one read with its button.
func TestBrowserHome(t *testing.T) {
	s := newSite(t, "sqlite")
	s.FillEntries(t, s.Dept)
	s.Fire(t, s.Dept.Updater, s.Dept, workflow.EventComplete, "")
	s.Fire(t, s.Dept.Approver, s.Dept, workflow.EventReturn, "Thiếu <script>alert(1)</script> minh chứng")
	fanOut(t, s)

	tab := s.person(t, s.Dept.Updater)
	tab.WaitText("main h1", "Việc của tôi")
	tab.WaitText("table.inbox", "Lý do: Thiếu <script>alert(1)</script> minh chứng")
	tab.CheckLabels()
	tab.Shot("viec-cua-toi")
	tab.Select("#loc-dot", "bo-sung")
	tab.Click(`form.filters button[type=submit]`)
	tab.WaitPath("/?round=bo-sung")
	tab.WaitText("table.inbox", "Không có báo cáo nào khớp bộ lọc.")

	tab.Click(`a[href="/notifications"]`)
	tab.WaitPath("/notifications")
	tab.CheckLabels()
	tab.Shot("thong-bao")
	tab.Click(`form[data-api^="/api/v1/notifications/"] button`)
	tab.WaitPath("/notifications?xong=thong-bao-da-doc")
	tab.WaitText(".flash", "Đã đánh dấu thông báo là đã đọc.")
	tab.WaitText("main", "Chưa đọc (0)")
	tab.Viewport(390, 844)
	tab.Go("/")
	tab.WaitText("main h1", "Việc của tôi")
	tab.Shot("viec-cua-toi-dien-thoai")
}

// TestBrowserCouncilExtend: the deadline passes and the report locks; in
// Chromium the council follows "Gia hạn" from the board, gives a reason and
// a new deadline, and the report is back in the state it was locked from.
func TestBrowserCouncilExtend(t *testing.T) {
	s := newSite(t, "sqlite")
	s.Clock.Add(36 * time.Hour)
	if _, err := s.Store.LockDue(storeCtx); err != nil {
		t.Fatal(err)
	}
	board := "/council/campaigns/" + itoa(s.Campaign.ID)
	tab := s.person(t, s.Council)
	tab.WaitText("main h1", "Việc của tôi")
	tab.Go(board + "?state=locked")
	tab.WaitText("main h1", s.Campaign.Name)
	tab.Shot("hoi-dong-bao-cao-da-khoa")
	tab.Click(`a[href="/council/reports/` + itoa(s.Dept.ReportID) + `/extend"]`)
	tab.WaitPath("/council/reports/" + itoa(s.Dept.ReportID) + "/extend")
	tab.CheckLabels()
	tab.Type(`#ly-do`, "Đơn vị gặp sự cố <mạng>")
	tab.Viewport(390, 844)
	tab.Shot("hoi-dong-gia-han-dien-thoai")
	tab.Click(`form[data-api] button[type=submit]`)
	tab.WaitPath(board + "?xong=hd-gia-han")
	tab.WaitText(".flash", "Đã gia hạn báo cáo")
	if r := s.Report(t, s.Dept); r.State != workflow.StateDraft || r.ClosesAt.Before(s.Clock.Now()) {
		t.Errorf("after the extension: %s until %v", r.State, r.ClosesAt)
	}
}
