package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parindex/scheduler"
	"parindex/store/storetest"
	"parindex/workflow"
)

// rowsOf lists the agencies of Việc của tôi's table, in order.
func rowsOf(p *page) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td data-label="Đơn vị"><a href="/reports/\d+">([^<]+)</a>`).FindAllStringSubmatch(p.Body, -1) {
		out = append(out, m[1])
	}
	return out
}

// countOf is the count Việc của tôi shows for a label ("" when absent).
func countOf(p *page, label string) string {
	m := regexp.MustCompile(`<strong>([\d.]+)</strong> ` + regexp.QuoteMeta(label) + `</a>`).FindStringSubmatch(p.Body)
	if m == nil {
		return ""
	}
	return m[1]
}

// fanOut turns the outbox's events into notifications, as the scheduler does.
func fanOut(t *testing.T, s *site) {
	t.Helper()
	if _, err := scheduler.New(s.Store, scheduler.Config{Zone: zone}, zerolog.Nop()).FanOut(storeCtx); err != nil {
		t.Fatal(err)
	}
}

// TestHomeRoles: each role's Việc của tôi lists the reports that wait on
// them, by name, with the counts per state, and none that do not.
func TestHomeRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		s.FillEntries(t, s.Dept)
		s.Fire(t, s.Dept.Updater, s.Dept, workflow.EventComplete, "")
		s.Submit(t, s.Dept2)

		// The updater: their draft... here entered (they may reopen it).
		up := s.login(t, s.Dept.Updater).open("/")
		up.has(t, "Việc của tôi", `href="/reports/`+itoa(s.Dept.ReportID)+`"`, "Sở Tư pháp", s.Campaign.Name, "Chính thức", "Đã nhập xong")
		up.lacks(t, "Sở Tài chính", "UBND huyện A Lưới")
		if got := countOf(up, "Cần cập nhật"); got != "0" {
			t.Errorf("updater: cần cập nhật %q, want 0", got)
		}

		// The approver of the same agency: it waits for review.
		ap := s.login(t, s.Dept.Approver)
		p := ap.open("/")
		if got := countOf(p, "Chờ duyệt"); got != "1" {
			t.Errorf("approver: chờ duyệt %q, want 1", got)
		}
		if rows := rowsOf(p); len(rows) != 1 || rows[0] != "Sở Tư pháp" {
			t.Errorf("approver's rows %v", rows)
		}
		// The approver of the submitted agency has nothing to do.
		done := s.login(t, s.Dept2.Approver).open("/")
		done.has(t, "Không có báo cáo nào đang chờ bạn.")
		if rows := rowsOf(done); len(rows) != 0 {
			t.Errorf("approver of a submitted report: rows %v", rows)
		}
		// ...but can list all their reports.
		if rows := rowsOf(s.login(t, s.Dept2.Approver).open("/?state=all")); len(rows) != 1 || rows[0] != "Sở Tài chính" {
			t.Errorf("all of the approver's reports: %v", rows)
		}

		// The approver returns it: the updater sees it returned, with the
		// reason as text.
		if res := ap.call("POST", fmt.Sprintf("/api/v1/reports/%d/transitions", s.Dept.ReportID),
			`{"event":"return","reason":"Thiếu <script>alert(1)</script> minh chứng"}`); res.Status != http.StatusOK {
			t.Fatalf("return: %d %s", res.Status, res.Body)
		}
		up = s.login(t, s.Dept.Updater).open("/")
		if got := countOf(up, "Bị trả lại"); got != "1" {
			t.Errorf("updater: bị trả lại %q, want 1", got)
		}
		up.has(t, "Lý do: Thiếu &lt;script&gt;alert(1)&lt;/script&gt; minh chứng")
		up.lacks(t, "<script>alert(1)")

		// The council: the submitted report waits for appraisal.
		co := s.login(t, s.Council).open("/")
		if rows := rowsOf(co); len(rows) != 1 || rows[0] != "Sở Tài chính" {
			t.Errorf("council's rows %v", rows)
		}
		if got := countOf(co, "Chờ thẩm định"); got != "1" {
			t.Errorf("council: chờ thẩm định %q", got)
		}
		// The admin: an overview of every report.
		ad := s.login(t, s.Admin).open("/")
		if rows := rowsOf(ad); len(rows) != 3 {
			t.Errorf("admin's rows %v", rows)
		}
		ad.has(t, "Tổng quan")
	})
}

// TestHomeDeadlines: the deadline as time and countdown, marked soon and
// overdue in words as the clock moves; sorted by deadline; the filters in
// the URL narrow the list.
func TestHomeDeadlines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		later, reports := s.NewCampaign(t, "Kỳ sau", start.Add(-time.Hour), start.Add(30*24*time.Hour))
		b := s.login(t, s.Dept.Updater)

		p := b.open("/")
		// The world's campaign closes in a day: soon, and listed first.
		p.has(t, "Sắp hết hạn", "còn 1 ngày", "10:00 21/11/2026")
		p.lacks(t, "Quá hạn")
		if rows := regexp.MustCompile(`<td data-label="Kỳ đánh giá">([^<]+)</td>`).FindAllStringSubmatch(p.Body, -1); len(rows) != 2 ||
			rows[0][1] != s.Campaign.Name || rows[1][1] != later.Name {
			t.Errorf("order by deadline: %v", rows)
		}
		if got := countOf(p, "Cần cập nhật"); got != "2" {
			t.Errorf("cần cập nhật %q, want 2", got)
		}

		// Filters: by campaign, by round, by agency, bookmarkable.
		p = b.open(fmt.Sprintf("/?campaign=%d", later.ID))
		if rows := rowsOf(p); len(rows) != 1 {
			t.Errorf("campaign filter: %v", rows)
		}
		p.has(t, fmt.Sprintf(`<option value="%d" selected>Kỳ sau</option>`, later.ID), `href="/reports/`+itoa(reports[s.Dept.ID])+`"`)
		p.lacks(t, `href="/reports/`+itoa(s.Dept.ReportID)+`"`, "Sắp hết hạn")
		if rows := rowsOf(b.open("/?round=bo-sung")); len(rows) != 0 {
			t.Errorf("supplementary rounds: %v", rows)
		}
		b.open("/?round=bo-sung").has(t, "Không có báo cáo nào khớp bộ lọc.")
		if rows := rowsOf(b.open("/?round=chinh-thuc&agency=" + itoa(s.Dept.ID))); len(rows) != 2 {
			t.Errorf("official round of the agency: %v", rows)
		}
		if rows := rowsOf(b.open("/?state=submitted")); len(rows) != 0 {
			t.Errorf("submitted: %v", rows)
		}

		// Two days on, the first deadline has passed (no scheduler here to lock it).
		s.Clock.Add(48 * time.Hour)
		p = s.login(t, s.Dept.Updater).open("/") // the session has timed out meanwhile
		p.has(t, "Quá hạn", "quá hạn 1 ngày")
	})
}

// TestNotifications: my notifications, unread first with links to the
// reports by name; marking one read through the API; the count in the menu
// and on Việc của tôi.
func TestNotifications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		s.FillEntries(t, s.Dept)
		s.Fire(t, s.Dept.Updater, s.Dept, workflow.EventComplete, "")
		s.Fire(t, s.Dept.Approver, s.Dept, workflow.EventReturn, "Bổ sung <b>tài liệu</b>")
		fanOut(t, s)

		b := s.login(t, s.Dept.Updater)
		home := b.open("/")
		home.has(t, `href="/notifications"`, "Thông báo chưa đọc", "(1)")
		p := b.open("/notifications")
		p.has(t, "Chưa đọc (1)", "Đánh dấu đã đọc", `href="/reports/`+itoa(s.Dept.ReportID)+`">Sở Tư pháp — `+s.Campaign.Name)
		p.lacks(t, "<b>tài liệu</b>")
		list, err := s.Store.ListNotifications(storeCtx, s.Dept.Updater.ID, false, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("notifications: %v %v", err, list)
		}
		form := fmt.Sprintf(`data-api="/api/v1/notifications/%d/read"`, list[0].ID)
		p.has(t, form, list[0].Title)

		// The form's call, as the page's script makes it.
		if res := b.call("POST", fmt.Sprintf("/api/v1/notifications/%d/read", list[0].ID), "{}"); res.Status != http.StatusNoContent {
			t.Fatalf("mark read: %d %s", res.Status, res.Body)
		}
		p = b.open("/notifications?xong=thong-bao-da-doc")
		p.has(t, "Đã đánh dấu thông báo là đã đọc.", "Chưa đọc (0)", "Đã đọc", "đã đọc lúc")
		p.lacks(t, form)
		b.open("/").has(t, "Không có thông báo mới.")

		// Someone else's notification is not theirs to mark.
		if res := s.login(t, s.Dept2.Updater).call("POST", fmt.Sprintf("/api/v1/notifications/%d/read", list[0].ID), "{}"); res.Status != http.StatusNotFound {
			t.Errorf("another's notification: %d", res.Status)
		}
		if strings.Contains(s.login(t, s.Dept2.Updater).open("/notifications").Body, list[0].Title) {
			t.Error("another user sees the notification")
		}
	})
}

func itoa(n int64) string { return fmt.Sprint(n) }
