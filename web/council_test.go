package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"parindex/store/storetest"
	"parindex/workflow"
)

// versionOf reads the If-Match version a page's form carries.
func versionOf(t *testing.T, p *page) string {
	t.Helper()
	m := regexp.MustCompile(`data-if-match="(\d+)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("%s: no data-if-match", p.URL.Path)
	}
	return m[1]
}

// TestCouncilBoard: the campaign board per block, agencies by state, who has
// not submitted, completion, the actions the reader may take; names are
// text; the pages are the council's and admins' only.
func TestCouncilBoard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		evil := storetest.MustAgency(t, s.Store, "EVIL", `<script>alert("x")</script> Sở Xây dựng`, workflow.KindDepartment)
		c, reports := s.NewCampaign(t, "Kỳ có đơn vị mới", start.Add(-time.Hour), start.Add(5*24*time.Hour))
		if reports[evil.ID] == 0 {
			t.Fatal("the new agency has no report")
		}
		s.Submit(t, s.Dept2)

		co := s.login(t, s.Council)
		list := co.open("/council")
		list.has(t, `href="/council/campaigns/`+itoa(s.Campaign.ID)+`"`, s.Campaign.Name, c.Name, "1/3")

		p := co.open("/council/campaigns/" + itoa(s.Campaign.ID))
		p.has(t, "<h2 id=\"khoi-department\">Sở, ban, ngành tỉnh", "UBND cấp huyện", "đã gửi 1/2 (50%)", "Đã gửi:</strong> 1/3 đơn vị",
			"Chưa gửi báo cáo: 1 đơn vị", "Sở Tư pháp", "Sở Tài chính", "UBND huyện A Lưới",
			`href="/reports/`+itoa(s.Dept2.ReportID)+`"`, "Hoạt động gần nhất", "0/20 tiêu chí", "20/20 tiêu chí",
			`href="/council/reports/`+itoa(s.Dept2.ReportID)+`/round"`, `href="/council/campaigns/`+itoa(s.Campaign.ID)+`/round"`,
			"Sắp hết hạn")
		p.lacks(t, `href="/council/reports/`+itoa(s.Dept.ReportID)+`/round"`, "/extend")
		// Who has not submitted, alone.
		ns := co.open("/council/campaigns/" + itoa(s.Campaign.ID) + "?state=not-submitted")
		ns.has(t, "Sở Tư pháp", "UBND huyện A Lưới")
		ns.lacks(t, `<a href="/reports/`+itoa(s.Dept2.ReportID)+`">Sở Tài chính</a> <span class="muted code">`)

		// A name with markup is shown as text.
		p = co.open("/council/campaigns/" + itoa(c.ID))
		p.has(t, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Sở Xây dựng")
		p.lacks(t, `<script>alert("x")`)

		// Others: 403 pages, and no menu entry.
		up := s.login(t, s.Dept.Updater)
		for _, path := range []string{"/council", "/council/campaigns/" + itoa(s.Campaign.ID), "/council/campaigns/" + itoa(s.Campaign.ID) + "/round",
			"/council/reports/" + itoa(s.Dept2.ReportID) + "/round"} {
			if got := up.get(path); got.Status != http.StatusForbidden {
				t.Errorf("updater GET %s: %d", path, got.Status)
			} else {
				got.has(t, "Không có quyền", "Chỉ Hội đồng thẩm định và quản trị viên được xem tiến độ kỳ đánh giá.")
			}
		}
		up.open("/").lacks(t, `href="/council"`)
		co.open("/").has(t, `href="/council"`)

		// An admin follows progress but opens no round.
		ad := s.login(t, s.Admin)
		ad.open("/council/campaigns/"+itoa(s.Campaign.ID)).lacks(t, "/round")
		if got := ad.get("/council/campaigns/" + itoa(s.Campaign.ID) + "/round"); got.Status != http.StatusForbidden {
			t.Errorf("admin's round page: %d", got.Status)
		}
		if got := co.get("/council/campaigns/999999"); got.Status != http.StatusNotFound {
			t.Errorf("unknown campaign: %d", got.Status)
		}
	})
}

// TestCouncilRounds: a round opened for a block with the form's body, then
// one on a single report; the board shows them; a locked report extended
// with a reason.
func TestCouncilRounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		s.Submit(t, s.Dept2)
		s.Submit(t, s.District)
		co := s.login(t, s.Council)
		board := "/council/campaigns/" + itoa(s.Campaign.ID)

		// The campaign's round page: one form per block, the eligible agencies
		// checked, the criteria to choose from, a deadline.
		form := co.open(board + "/round")
		form.has(t, `data-api="/api/v1/campaigns/`+itoa(s.Campaign.ID)+`/rounds"`, `name="agency_ids" value="`+itoa(s.Dept2.ID)+`" data-kind="ints" checked`,
			`name="criteria" value="1.1.1" data-kind="list"`, `type="datetime-local"`, `value="2026-11-27T17:00"`, "<h2 id=\"dot-department\">Sở, ban, ngành tỉnh", "UBND cấp huyện",
			"1 báo cáo đang làm không được mở")
		form.lacks(t, `value="`+itoa(s.Dept.ID)+`" data-kind="ints"`)

		// What the department block's form sends, some criteria chosen.
		res := co.call("POST", "/api/v1/campaigns/"+itoa(s.Campaign.ID)+"/rounds",
			fmt.Sprintf(`{"agency_ids":[%d],"criteria":["1.1.1","1.3"],"closes_at":"2026-11-27T17:00","note":"Bổ sung minh chứng"}`, s.Dept2.ID))
		if res.Status != http.StatusCreated {
			t.Fatalf("open round: %d %s", res.Status, res.Body)
		}
		p := co.open(board + "?xong=hd-mo-dot")
		p.has(t, "Đã mở đợt báo cáo bổ sung", "Lần 1: đến <time", "17:00 27/11/2026", "1 đơn vị, tiêu chí 1.1.1, 1.3 — Bổ sung minh chứng", "Bổ sung lần 1")
		r := s.Report(t, s.Dept2)
		if r.State != workflow.StateDraft || r.Round != 1 || len(r.RoundCriteria) != 2 {
			t.Errorf("after the round: %s round %d criteria %v", r.State, r.Round, r.RoundCriteria)
		}

		// One report: the district's, every criterion (none chosen: the
		// criteria field is not sent).
		rp := co.open("/council/reports/" + itoa(s.District.ReportID) + "/round")
		rp.has(t, `name="event" value="open_round"`, "UBND huyện A Lưới", `name="criteria" value="`)
		res = co.call("POST", "/api/v1/reports/"+itoa(s.District.ReportID)+"/transitions",
			`{"event":"open_round","closes_at":"2026-11-28T17:00","reason":""}`, "If-Match", `"`+versionOf(t, rp)+`"`)
		if res.Status != http.StatusOK {
			t.Fatalf("open a report's round: %d %s", res.Status, res.Body)
		}
		r = s.Report(t, s.District)
		if r.Round != 1 || len(r.RoundCriteria) != 22 {
			t.Errorf("district round %d with %d criteria, want every self leaf", r.Round, len(r.RoundCriteria))
		}
		// A report in draft has no round page.
		if got := co.get("/council/reports/" + itoa(s.Dept.ReportID) + "/round"); got.Status != http.StatusConflict {
			t.Errorf("round page of a draft: %d", got.Status)
		}

		// The campaign's deadline passes: the first department's report locks.
		s.Clock.Add(36 * time.Hour)
		if _, err := s.Store.LockDue(storeCtx); err != nil {
			t.Fatal(err)
		}
		co = s.login(t, s.Council)
		p = co.open(board)
		p.has(t, "Đã khóa", `href="/council/reports/`+itoa(s.Dept.ReportID)+`/extend"`, "(khóa khi đang nhập liệu)")
		ext := co.open("/council/reports/" + itoa(s.Dept.ReportID) + "/extend")
		ext.has(t, `name="event" value="extend"`, "Lý do gia hạn (bắt buộc)", `type="datetime-local"`)
		// No reason: refused, naming the field.
		res = co.call("POST", "/api/v1/reports/"+itoa(s.Dept.ReportID)+"/transitions", `{"event":"extend","closes_at":"2026-11-30T17:00","reason":""}`,
			"If-Match", `"`+versionOf(t, ext)+`"`)
		if res.Status != http.StatusUnprocessableEntity {
			t.Errorf("extend without a reason: %d %s", res.Status, res.Body)
		}
		res = co.call("POST", "/api/v1/reports/"+itoa(s.Dept.ReportID)+"/transitions", `{"event":"extend","closes_at":"2026-11-30T17:00","reason":"Đơn vị gặp sự cố mạng"}`,
			"If-Match", `"`+versionOf(t, ext)+`"`)
		if res.Status != http.StatusOK {
			t.Fatalf("extend: %d %s", res.Status, res.Body)
		}
		p = co.open(board + "?xong=hd-gia-han")
		p.has(t, "Đã gia hạn báo cáo", "17:00 30/11/2026")
		p.lacks(t, "/extend")
		// The admin may extend too: the link shows for locked reports only.
		if got := s.login(t, s.Admin).get("/council/reports/" + itoa(s.Dept.ReportID) + "/extend"); got.Status != http.StatusConflict {
			t.Errorf("extend page of a report no longer locked: %d", got.Status)
		}
	})
}
