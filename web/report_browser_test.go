package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"parindex/store/storetest"
	"parindex/workflow"

	"github.com/chromedp/chromedp"

	chrome "parindex/internal/browser"
)

// typeInto replaces a field's value with text typed key by key. The
// harness's Type clears the field with chromedp.SetValue(""), which fails
// ("could not set value on node") with chromedp 0.23: clear it by script.
func typeInto(tab *chrome.Tab, sel, text string) {
	chrome.Eval[bool](tab, fmt.Sprintf(`(function(){var e=document.querySelector(%q); if(!e) return false; e.value=""; return true;})()`, sel))
	tab.Do("type into "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// reportReader is u logged in at the shared browser, on Việc của tôi.
// person's WaitPath("/") matches the provider's page too (every path
// starts with "/"): wait for the home page itself before going on.
func (s *site) reportReader(t *testing.T, u *workflow.User) *chrome.Tab {
	t.Helper()
	tab := s.person(t, u)
	tab.WaitFor(`location.pathname === "/" && document.readyState === "complete"`)
	return tab
}

// TestBrowserReportUpdater: in Chromium, the updater types a score with a
// comma and sees the totals follow, saves it without leaving the place,
// uploads a file with the progress bar and sees it listed; every field is
// labelled and the console stays clean, on a desktop and on a phone.
func TestBrowserReportUpdater(t *testing.T) {
	s := newSite(t, "sqlite")
	tab := s.reportReader(t, s.Dept.Updater)
	tab.Go(reportPath(s.Dept))
	tab.WaitText("main h1", "Sở Tư pháp")
	tab.CheckLabels()
	tab.Shot("bao-cao-cap-nhat")

	typeInto(tab, `[id="s-1.1.1"]`, "0,5")
	tab.WaitText(`[data-total="1.1"]`, "0,5")
	tab.WaitText(`[data-total="all"]`, "0,5")
	typeInto(tab, `[id="s-1.1.2"]`, "1")
	tab.WaitText(`[data-total="1.1"]`, "1,5")
	if idx := tab.Text(`[data-index="all"]`); idx == "0,000" || idx == "" {
		t.Errorf("the index did not follow the scores: %q", idx)
	}

	typeInto(tab, `[id="e-1.1.1"]`, "Kế hoạch ban hành chậm 5 ngày")
	tab.Click(`[id="c-1.1.1"] form.entry button[type=submit]`)
	tab.WaitText(`[id="c-1.1.1"] output.saved`, "Đã lưu (phiên bản")
	r := s.Report(t, s.Dept)
	for _, e := range r.Entries {
		if e.Code == "1.1.1" && (e.SelfScore == nil || e.SelfScore.String() != "0.5" || e.Explanation != "Kế hoạch ban hành chậm 5 ngày") {
			t.Errorf("1.1.1 saved as %v %q, want 0.5 and the explanation", e.SelfScore, e.Explanation)
		}
	}
	// The next save carries the new version: no 412 from the first one.
	tab.Click(`[id="c-1.1.2"] form.entry button[type=submit]`)
	tab.WaitText(`[id="c-1.1.2"] output.saved`, "Đã lưu (phiên bản")
	if got := s.Report(t, s.Dept).Version; got != r.Version+1 {
		t.Errorf("version %d after the second save, want %d", got, r.Version+1)
	}

	file := filepath.Join(t.TempDir(), "ke-hoach-cchc.png")
	if err := os.WriteFile(file, storetest.PNG(7), 0o644); err != nil {
		t.Fatal(err)
	}
	if !tab.Has(`[id="c-1.1.1"] form.upload progress`) {
		t.Error("the upload form has no progress bar")
	}
	tab.Upload(`[id="f-1.1.1"]`, file)
	tab.Click(`[id="c-1.1.1"] form.upload button[type=submit]`)
	tab.WaitText(`[id="c-1.1.1"] .file-list`, "ke-hoach-cchc.png")
	tab.WaitText(`[id="c-1.1.1"] .file-list`, "Không có chữ ký số")
	// The score typed in the second leaf was saved, so it is still there.
	if v := tab.Text(`[data-total="1.1"]`); v != "1,5" {
		t.Errorf("after the reload the group total reads %q, want 1,5", v)
	}
	tab.CheckLabels()
	// On a phone nothing runs off the side of the page.
	tab.Viewport(390, 844)
	if !chrome.Eval[bool](tab, `document.documentElement.scrollWidth <= window.innerWidth`) {
		t.Errorf("at 390px the report page is %v px wide", chrome.Eval[float64](tab, `document.documentElement.scrollWidth`))
	}
}

// TestBrowserReportApprover: the approver returns a report with a reason,
// and, once it is signed, sends it after a confirmation that says what
// happens next.
func TestBrowserReportApprover(t *testing.T) {
	s := newSite(t, "sqlite")
	s.FillEntries(t, s.Dept)
	s.Fire(t, s.Dept.Updater, s.Dept, workflow.EventComplete, "")
	tab := s.reportReader(t, s.Dept.Approver)
	tab.Go(reportPath(s.Dept))
	tab.WaitText("main h1", "Sở Tư pháp")
	tab.CheckLabels()
	tab.Shot("bao-cao-phe-duyet")
	if tab.Has(`input[name="self_score"]`) {
		t.Error("the approver has score inputs")
	}
	typeInto(tab, `[id="ly-do-return"]`, "Thiếu tài liệu cho tiêu chí 1.2")
	tab.Click(`form.action:has(input[value="return"]) button[type=submit]`)
	tab.WaitPath(reportPath(s.Dept) + "?xong=bc-return")
	tab.WaitText(".flash", "Đã trả lại báo cáo")
	if got := s.Report(t, s.Dept).State; got != workflow.StateDraft {
		t.Fatalf("after return the report is %s", got)
	}

	s.Fire(t, s.Dept.Updater, s.Dept, workflow.EventComplete, "")
	s.Fire(t, s.Dept.Approver, s.Dept, workflow.EventApprove, "")
	s.Fire(t, s.Dept.Approver, s.Dept, workflow.EventSign, "")
	tab.Go(reportPath(s.Dept))
	tab.WaitText(".signed-summary", "Chữ ký số hợp lệ")
	tab.Click(`form.action:has(input[value="submit"]) button[type=submit]`)
	tab.WaitText(`dialog#xac-nhan-gui[open]`, "Báo cáo sẽ chuyển tới Hội đồng thẩm định")
	tab.Shot("bao-cao-gui-xac-nhan")
	tab.Click(`dialog#xac-nhan-gui button[value="ok"]`)
	tab.WaitPath(reportPath(s.Dept) + "?xong=bc-submit")
	tab.WaitText(".flash", "Đã gửi báo cáo. Báo cáo sẽ chuyển tới Hội đồng thẩm định.")
	if got := s.Report(t, s.Dept).State; got != workflow.StateSubmitted {
		t.Errorf("after submit the report is %s", got)
	}
	tab.Go(reportPath(s.Dept) + "/history")
	tab.WaitText("main", "Thiếu tài liệu cho tiêu chí 1.2")
	tab.Viewport(390, 844)
	if !chrome.Eval[bool](tab, `document.documentElement.scrollWidth <= window.innerWidth`) {
		t.Errorf("at 390px the history page is %v px wide", chrome.Eval[float64](tab, `document.documentElement.scrollWidth`))
	}
	tab.Shot("lich-su-dien-thoai")
}

// TestBrowserReportRound: the council opens a supplementary round on a
// submitted report from its page, choosing one criterion and a deadline;
// the updater can change only that criterion, with its earlier value
// beside it; once the round's deadline passes the page shows the lock.
func TestBrowserReportRound(t *testing.T) {
	s := newSite(t, "sqlite")
	s.Submit(t, s.Dept)
	c := s.reportReader(t, s.Council)
	c.Go(reportPath(s.Dept))
	c.WaitText("main h1", "Sở Tư pháp")
	c.CheckLabels()
	closes := s.Clock.Now().In(zone).Add(48 * time.Hour).Format("2006-01-02T15:04")
	chrome.Eval[bool](c, fmt.Sprintf(`(document.getElementById("han-open_round").value = %q, true)`, closes))
	c.Click(`input[name="criteria"][value="1.1.2"]`)
	c.Click(`form.action:has(input[value="open_round"]) button[type=submit]`)
	c.WaitPath(reportPath(s.Dept) + "?xong=bc-open_round")
	c.WaitText(".flash", "Đã mở đợt bổ sung")
	c.WaitText(".report-head", "Bổ sung 1")

	u := s.reportReader(t, s.Dept.Updater)
	u.Go(reportPath(s.Dept))
	u.WaitText(".report-head", "chỉ sửa được 1 tiêu chí")
	if u.Has(`[id="s-1.1.1"]`) || !u.Has(`[id="s-1.1.2"]`) {
		t.Error("in the round only 1.1.2 should take a score")
	}
	u.WaitText(`[id="c-1.1.2"] .earlier`, "Đợt trước:")
	typeInto(u, `[id="s-1.1.2"]`, "0,5")
	u.WaitText(`[data-total="1.1"]`, "1,5")
	u.Click(`[id="c-1.1.2"] form.entry button[type=submit]`)
	u.WaitText(`[id="c-1.1.2"] output.saved`, "Đã lưu (phiên bản")
	u.CheckLabels()
	u.Shot("bao-cao-dot-bo-sung")

	s.Clock.Add(49 * time.Hour)
	if _, err := s.Store.LockDue(storeCtx); err != nil {
		t.Fatal(err)
	}
	l := s.reportReader(t, s.Dept.Updater)
	l.Go(reportPath(s.Dept))
	l.WaitText(".lock-note", "Đã khóa lúc")
	if l.Has(`input[name="self_score"]`) || l.Has("form[data-upload]") {
		t.Error("a locked report still has forms")
	}
	l.Shot("bao-cao-da-khoa")
}
