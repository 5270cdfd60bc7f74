package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// reportPath is the page of an agency's report, as emails link it.
func reportPath(a *storetest.Agency) string { return fmt.Sprintf("/reports/%d", a.ReportID) }

// eventButton is the hidden field that names an action's event in its form.
func eventButton(ev workflow.Event) string { return `name="event" value="` + string(ev) + `"` }

// TestReportUpdater: the updater of the agency sees the header, the tree
// with a form per self-scored leaf, what is missing before complete, and
// only their own actions.
func TestReportUpdater(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.login(t, s.Dept.Updater)
		p := b.open(reportPath(s.Dept))
		p.has(t, "Sở Tư pháp", s.Campaign.Name, "Đang nhập liệu", "Chính thức", "Phiên bản",
			`data-api="/api/v1/reports/`+fmt.Sprint(s.Dept.ReportID)+`/entries/1.1.1" data-method="PATCH"`,
			`name="self_score" data-kind="points"`, `name="explanation"`, ">Lưu</button>",
			`data-upload="/api/v1/reports/`+fmt.Sprint(s.Dept.ReportID)+`/entries/1.1.1/evidence"`, "<progress",
			"Còn thiếu trước khi hoàn thành", "Cần điểm tự chấm và tài liệu kiểm chứng hoặc giải trình.",
			"Điểm tối đa", "Nội dung giải trình", "Tài liệu kiểm chứng",
			`data-total="all"`, `data-index="all"`, `data-sum="all 1 1.1"`,
			eventButton(workflow.EventComplete), "Hoàn thành nhập liệu")
		p.lacks(t, eventButton(workflow.EventApprove), eventButton(workflow.EventReturn), eventButton(workflow.EventSubmit),
			eventButton(workflow.EventSign), "signed-summary\"")
		// A council-scored leaf takes no score from the agency.
		if strings.Contains(p.Body, `id="s-1.5"`) {
			t.Error("the council-scored leaf 1.5 has a score input")
		}
		p.has(t, "Do Hội đồng thẩm định chấm")
	})
}

// TestReportApprover: the approver of an entered report reviews it read
// only, with approve and return (a reason required) and the exports.
func TestReportApprover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		s.FillEntries(t, s.Dept)
		s.Fire(t, s.Dept.Updater, s.Dept, workflow.EventComplete, "")
		b := s.login(t, s.Dept.Approver)
		p := b.open(reportPath(s.Dept))
		p.has(t, "Đã nhập xong", eventButton(workflow.EventApprove), eventButton(workflow.EventReturn),
			`id="ly-do-return" name="reason" required`, "Lý do trả lại (bắt buộc)",
			"/summary.pdf", "/summary.xlsx", "/report.pdf", "Giải trình cho tiêu chí 1.1.1")
		p.lacks(t, `name="self_score"`, "data-upload=", eventButton(workflow.EventComplete), eventButton(workflow.EventReopen),
			"Còn thiếu trước khi hoàn thành")

		// Approved, the approver may upload the signed summary, and sign.
		s.Fire(t, s.Dept.Approver, s.Dept, workflow.EventApprove, "")
		p = b.open(reportPath(s.Dept))
		p.has(t, `data-upload="/api/v1/reports/`+fmt.Sprint(s.Dept.ReportID)+`/signed-summary"`, eventButton(workflow.EventSign),
			"Chưa có bảng tổng hợp có chữ ký số")
		s.Fire(t, s.Dept.Approver, s.Dept, workflow.EventSign, "")
		p = b.open(reportPath(s.Dept))
		p.has(t, "Chữ ký số hợp lệ", "Người ký: Nguyễn Văn An", eventButton(workflow.EventSubmit),
			`data-confirm="xac-nhan-gui"`, `<dialog id="xac-nhan-gui"`, "Báo cáo sẽ chuyển tới Hội đồng thẩm định")
		p.lacks(t, "data-upload=")

		// The flash after submit says what happens next.
		s.Fire(t, s.Dept.Approver, s.Dept, workflow.EventSubmit, "")
		p = b.open(reportPath(s.Dept) + "?xong=bc-submit")
		p.has(t, `class="flash"`, "Đã gửi báo cáo. Báo cáo sẽ chuyển tới Hội đồng thẩm định.", "Đã gửi")
		p.lacks(t, "data-api=")
	})
}

// TestReportOtherAgency: another agency's officials do not learn that the
// report exists; the council reads it with nothing to change.
func TestReportOtherAgency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		for _, u := range []*workflow.User{s.Dept2.Updater, s.Dept2.Approver} {
			b := s.login(t, u)
			for _, path := range []string{reportPath(s.Dept), reportPath(s.Dept) + "/history"} {
				if p := b.get(path); p.Status != http.StatusNotFound {
					t.Errorf("%s at %s: %s, want 404", u.Email, path, p)
				} else {
					p.lacks(t, "Sở Tư pháp")
				}
			}
		}
		b := s.login(t, s.Dept.Updater)
		for _, path := range []string{"/reports/999999", "/reports/abc", "/reports/0"} {
			if p := b.get(path); p.Status != http.StatusNotFound {
				t.Errorf("%s: %s, want 404", path, p)
			}
		}

		s.Put(t, s.Dept, "1.1.1", "0.5", "Đã ban hành kế hoạch")
		c := s.login(t, s.Council)
		p := c.open(reportPath(s.Dept))
		p.has(t, "Sở Tư pháp", "Đã ban hành kế hoạch", "0,5", "Lịch sử thay đổi")
		p.lacks(t, "data-api=", "data-upload=", `name="self_score"`)
	})
}

// TestReportEditThroughAPI: what the page's script sends ("0.5", the JSON
// number the script makes of "0,5") is saved, and the page then shows it
// the Vietnamese way, in the leaf, its groups and the total.
func TestReportEditThroughAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.login(t, s.Dept.Updater)
		version := s.Report(t, s.Dept).Version
		res := b.call(http.MethodPatch, fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", s.Dept.ReportID),
			`{"self_score":0.5,"explanation":"Ban hành chậm"}`, "If-Match", fmt.Sprintf(`"%d"`, version))
		if res.Status != http.StatusOK {
			t.Fatalf("PATCH: %s %s", res, res.Body)
		}
		p := b.open(reportPath(s.Dept))
		p.has(t, `id="s-1.1.1" name="self_score" data-kind="points" data-sum="all 1 1.1" inputmode="decimal" autocomplete="off" value="0,5"`,
			">Ban hành chậm</textarea>", fmt.Sprintf(`data-if-match="%d"`, version+1),
			`<strong data-total="1.1" data-max="2">0,5</strong>`, `<strong data-total="all" data-max=`)
		// 1.1.1 now has a score and an explanation: it is no longer missing.
		p.lacks(t, `href="#c-1.1.1"`)
		p.has(t, `href="#c-1.1.2"`)
	})
}

// TestReportLocked: once the deadline has passed, the page is read only and
// says so, before the sweep locks the report and after.
func TestReportLocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		s.Put(t, s.Dept, "1.1.1", "1", "Đúng hạn")
		// Sessions time out: log in after the clock moved.
		s.Clock.Add(25 * time.Hour)
		b := s.login(t, s.Dept.Updater)
		p := b.open(reportPath(s.Dept))
		p.has(t, "Đã hết thời hạn nhập liệu lúc", "Chỉ xem", "Quá hạn", "Đúng hạn")
		p.lacks(t, "data-api=", "data-upload=", `name="self_score"`)

		res, err := s.Store.LockDue(storeCtx)
		if err != nil || len(res.Locked) == 0 {
			t.Fatalf("lock sweep: %v %+v", err, res)
		}
		p = b.open(reportPath(s.Dept))
		at := s.Clock.Now().In(zone).Format("15:04 02/01/2006")
		p.has(t, "Đã khóa", "Đã khóa lúc <time", at, "vì hết thời hạn nhập liệu", "Báo cáo chỉ để xem.")
		p.lacks(t, "data-api=", "data-upload=", `name="self_score"`)

		// The council may extend a locked report: a reason and a new deadline.
		c := s.login(t, s.Council)
		p = c.open(reportPath(s.Dept))
		p.has(t, eventButton(workflow.EventExtend), `name="reason" required`, `name="closes_at" data-kind="datetime" required`, "Gia hạn")
	})
}

// TestReportSupplementaryRound: in a supplementary round only the reopened
// criteria take changes, and their earlier values are shown beside them.
func TestReportSupplementaryRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		s.Submit(t, s.Dept)
		rr := &workflow.RoundRequest{OpensAt: s.Clock.Now(), ClosesAt: s.Clock.Now().Add(48 * time.Hour), Criteria: []string{"1.1.2"}}
		if _, err := s.Store.Transition(storeCtx, s.Council, s.Dept.ReportID, workflow.TransitionRequest{Event: workflow.EventOpenRound}, rr, store.Meta{}); err != nil {
			t.Fatalf("open round: %v", err)
		}
		b := s.login(t, s.Dept.Updater)
		p := b.open(reportPath(s.Dept))
		p.has(t, "Bổ sung 1", "chỉ sửa được 1 tiêu chí", `id="s-1.1.2"`, "Đợt trước:", "Giải trình cho tiêu chí 1.1.2",
			`id="f-1.1.2"`)
		p.lacks(t, `id="s-1.1.1"`, `id="f-1.1.1"`, `id="s-1.2"`)
		// The earlier value stays beside the field after a change in the round.
		s.Put(t, s.Dept, "1.1.2", "0.5", "Sửa trong đợt bổ sung")
		p = b.open(reportPath(s.Dept))
		p.has(t, `<strong>Đợt trước:</strong> điểm 1</p><p class="text">Giải trình cho tiêu chí 1.1.2</p>`, `value="0,5"`, "Sửa trong đợt bổ sung")
	})
}

// TestReportEscapes: markup in an explanation and in a reason is text.
func TestReportEscapes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		const evil = `<script>alert("x")</script>`
		s.FillEntries(t, s.Dept)
		s.Put(t, s.Dept, "1.1.1", "1", evil)
		s.Fire(t, s.Dept.Updater, s.Dept, workflow.EventComplete, "")
		s.Fire(t, s.Dept.Approver, s.Dept, workflow.EventReturn, evil)
		for _, u := range []*workflow.User{s.Dept.Updater, s.Dept.Approver, s.Council} {
			b := s.login(t, u)
			for _, path := range []string{reportPath(s.Dept), reportPath(s.Dept) + "/history"} {
				p := b.open(path)
				p.has(t, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
				p.lacks(t, evil)
			}
		}
	})
}

// TestReportHistory: every transition, revision and file with who, when
// and why; deleted files for the council only.
func TestReportHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		s.Put(t, s.Dept, "1.1.1", "0.5", "Lần đầu")
		s.Clock.Add(time.Minute)
		s.Put(t, s.Dept, "1.1.1", "0.75", "Lần đầu")
		s.FillEntries(t, s.Dept)
		sha, size, media := storetest.HashOnly(t, storetest.PNG(1))
		e := &store.Evidence{Code: "1.2", Filename: "Báo cáo quý.png", Size: size, SHA256: sha, MediaType: media}
		if err := s.Store.AddEvidence(storeCtx, s.Dept.Updater, s.Dept.ReportID, e, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Store.DeleteEvidence(storeCtx, s.Dept.Updater, e.ID, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		s.Fire(t, s.Dept.Updater, s.Dept, workflow.EventComplete, "")
		s.Clock.Add(time.Hour)
		s.Fire(t, s.Dept.Approver, s.Dept, workflow.EventReturn, "Thiếu tài liệu tiêu chí 1.2")
		returned := s.Clock.Now().In(zone).Format("15:04 02/01/2006")

		b := s.login(t, s.Dept.Updater)
		p := b.open(reportPath(s.Dept) + "/history")
		p.has(t, "Lịch sử thay đổi", s.Dept.Approver.Name, s.Dept.Updater.Name, returned,
			"Trả lại", "Thiếu tài liệu tiêu chí 1.2", "(đã nhập xong → đang nhập liệu)",
			"Hoàn thành nhập liệu", "Sửa tiêu chí", "Điểm: — → <strong>0,5</strong>", "Điểm: 0,5 → <strong>0,75</strong>",
			"(trống) → <q class=\"text\">Lần đầu</q>", "Thêm tài liệu kiểm chứng", "Xoá tài liệu kiểm chứng",
			"1.2: Báo cáo quý.png")
		// The updater's file list holds only current files: the deleted one is
		// the council's to see.
		p.lacks(t, "Đã xoá lúc")
		c := s.login(t, s.Council)
		p = c.open(reportPath(s.Dept) + "/history")
		p.has(t, "kể cả tài liệu đã xoá", "Báo cáo quý.png", "Đã xoá lúc", "Không có chữ ký số")
	})
}

// TestReportEvidence: the updater's files are listed with their verdict, a
// download link and a delete form that works; a file name with markup is
// text; once the report is entered the updater is told why nothing is
// editable.
func TestReportEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		sha, size, media := storetest.HashOnly(t, storetest.PNG(3))
		e := &store.Evidence{Code: "1.2", Filename: `<script>alert(1)</script>.png`, Size: size, SHA256: sha, MediaType: media,
			Signature: []byte(storetest.ValidSignature)}
		if err := s.Store.AddEvidence(storeCtx, s.Dept.Updater, s.Dept.ReportID, e, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		b := s.login(t, s.Dept.Updater)
		p := b.open(reportPath(s.Dept))
		p.has(t, fmt.Sprintf(`href="/api/v1/evidence/%d"`, e.ID), "&lt;script&gt;alert(1)&lt;/script&gt;.png", "Chữ ký số hợp lệ",
			fmt.Sprintf(`data-api="/api/v1/evidence/%d" data-method="DELETE" data-confirm="xac-nhan-xoa"`, e.ID), `<dialog id="xac-nhan-xoa"`)
		p.lacks(t, "<script>alert(1)</script>")
		// The approver sees the file and no delete form.
		a := s.login(t, s.Dept.Approver)
		ap := a.open(reportPath(s.Dept))
		ap.has(t, fmt.Sprintf(`href="/api/v1/evidence/%d"`, e.ID))
		ap.lacks(t, `data-method="DELETE"`)

		if res := b.call(http.MethodDelete, fmt.Sprintf("/api/v1/evidence/%d", e.ID), ""); res.Status != http.StatusNoContent {
			t.Fatalf("DELETE: %s %s", res, res.Body)
		}
		p = b.open(reportPath(s.Dept) + "?xong=bc-deleted")
		p.has(t, "Đã xoá tài liệu kiểm chứng.")
		p.lacks(t, fmt.Sprintf(`href="/api/v1/evidence/%d"`, e.ID))

		s.FillEntries(t, s.Dept)
		s.Fire(t, s.Dept.Updater, s.Dept, workflow.EventComplete, "")
		p = b.open(reportPath(s.Dept))
		p.has(t, "không sửa được điểm lúc này, trừ khi mở lại để sửa", eventButton(workflow.EventReopen))
		p.lacks(t, `name="self_score"`, "data-upload=", `data-method="DELETE"`)
	})
}

// TestReportCouncilRound: on a submitted report the council finds the
// supplementary round's form: a deadline, the criteria to reopen, labelled.
func TestReportCouncilRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		s.Submit(t, s.Dept)
		c := s.login(t, s.Council)
		p := c.open(reportPath(s.Dept))
		p.has(t, eventButton(workflow.EventOpenRound), `id="han-open_round" name="closes_at" data-kind="datetime" required`,
			`<input type="checkbox" name="criteria" data-kind="list" value="1.1.1"> 1.1.1.`, "Mở đợt bổ sung")
		p.lacks(t, `value="1.5"> 1.5.`) // council-scored leaves are not the agency's to reopen
		// The updater and approver of a submitted report have nothing to do.
		for _, u := range []*workflow.User{s.Dept.Updater, s.Dept.Approver} {
			p := s.login(t, u).open(reportPath(s.Dept))
			p.lacks(t, "data-api=", "data-upload=")
		}
	})
}

// TestReportNextStep: someone with nothing to do is told who acts next.
func TestReportNextStep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		p := s.login(t, s.Dept.Approver).open(reportPath(s.Dept))
		p.has(t, "Bước tiếp theo:", "chờ cán bộ cập nhật nhập đủ điểm")
		s.FillEntries(t, s.Dept)
		s.Fire(t, s.Dept.Updater, s.Dept, workflow.EventComplete, "")
		p = s.login(t, s.Council).open(reportPath(s.Dept))
		p.has(t, "chờ lãnh đạo phê duyệt hoặc trả lại")
		p = s.login(t, s.Dept.Approver).open(reportPath(s.Dept))
		p.lacks(t, "Bước tiếp theo:")
	})
}
