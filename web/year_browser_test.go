package web_test

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	chrome "parindex/internal/browser"
	"parindex/signature/signtest"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// TestBrowserYear is the year as people live it, in Chromium, on both
// stores: on SQLite everyone logs in through the development provider's
// page (as in the demo), on PostgreSQL through a second, separate provider
// (mockoidc). The updater fills the report and uploads a signed file; the
// approver returns it once, approves, exports, uploads the signed summary,
// signs and sends it; the council finds it on the board and opens a round
// on one criterion; the updater can edit only that one; the round's
// deadline passes and the page shows the lock. Names and reasons carrying
// <script> are shown as text; every field is labelled; a console error
// fails the test.
func TestBrowserYear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		ca := signtest.NewCA(t, "Ban Cơ yếu Chính phủ (thử)")
		signer := ca.Issue(t, "Phó Thủ trưởng Sở Tư pháp", "Sở Tư pháp")
		roots := x509.NewCertPool()
		roots.AddCert(ca.Cert)
		opts := []siteOption{func(c *siteConfig) { c.handlers.TrustRoots = roots }}
		var mock *mockoidc.MockOIDC
		if dialect == "postgres" {
			mock = startMock(t)
			opts = append(opts, atMock(t, mock))
		}
		s := newSite(t, dialect, opts...)
		// A name a person typed with markup in it is shown as text.
		hostile := "Lê <script>alert(1)</script> Văn Cập Nhật"
		if _, err := s.Store.UpdateUser(storeCtx, nil, s.Dept.Updater.ID, store.UserPatch{Name: &hostile}, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		login := func(u *workflow.User) *chrome.Tab {
			t.Helper()
			if mock == nil {
				return s.reportReader(t, u)
			}
			mock.QueueUser(&mockoidc.MockUser{Subject: "kc-" + u.Email, Email: u.Email, EmailVerified: true})
			tab := chrome.Shared(t).NewTab(t, s.URL)
			tab.Go("/")
			tab.WaitFor(`location.pathname === "/" && document.readyState === "complete"`)
			return tab
		}
		report := reportPath(s.Dept)
		act := func(tab *chrome.Tab, ev workflow.Event) {
			t.Helper()
			tab.Click(fmt.Sprintf(`form.action:has(input[value="%s"]) button[type=submit]`, ev))
		}
		done := func(tab *chrome.Tab, ev workflow.Event, flash string) {
			t.Helper()
			tab.WaitPath(report + "?xong=bc-" + string(ev))
			tab.WaitText(".flash", flash)
		}
		state := func(want workflow.State) {
			t.Helper()
			if got := s.Report(t, s.Dept).State; got != want {
				t.Fatalf("the report is %s, want %s", got, want)
			}
		}

		// The updater: the year's work is mostly in already; on the page
		// they correct 1.1.1 to half a point (typed with a comma), attach
		// the signed plan, and complete.
		s.FillEntries(t, s.Dept)
		u := login(s.Dept.Updater)
		u.WaitText("header .name", hostile)
		u.WaitText("main", "Sở Tư pháp")
		u.Click(`a[href="` + report + `"]`)
		u.WaitText("main h1", "Sở Tư pháp")
		u.CheckLabels()
		typeInto(u, `[id="s-1.1.1"]`, "0,5")
		typeInto(u, `[id="e-1.1.1"]`, "Kế hoạch CCHC năm ban hành chậm 5 ngày so với quy định.")
		u.Click(`[id="c-1.1.1"] form.entry button[type=submit]`)
		u.WaitText(`[id="c-1.1.1"] output.saved`, "Đã lưu (phiên bản")
		plan := filepath.Join(t.TempDir(), "ke-hoach-cchc-ky-so.pdf")
		if err := os.WriteFile(plan, signer.Sign(t, signtest.MinimalPDF(t, "Ke hoach CCHC 2026")), 0o644); err != nil {
			t.Fatal(err)
		}
		u.Upload(`[id="f-1.1.1"]`, plan)
		u.Click(`[id="c-1.1.1"] form.upload button[type=submit]`)
		u.WaitText(`[id="c-1.1.1"] .file-list`, "ke-hoach-cchc-ky-so.pdf")
		u.WaitText(`[id="c-1.1.1"] .file-list`, "Chữ ký số hợp lệ")
		u.Shot("nam-cap-nhat")
		act(u, workflow.EventComplete)
		done(u, workflow.EventComplete, "Báo cáo chờ lãnh đạo phê duyệt")
		state(workflow.StateEntered)

		// The approver returns it once, with a reason carrying markup.
		a := login(s.Dept.Approver)
		a.WaitText("main", "Sở Tư pháp")
		a.Go(report)
		a.CheckLabels()
		reason := `Thiếu tài liệu cho tiêu chí 1.2 <script>alert("x")</script>`
		typeInto(a, `[id="ly-do-return"]`, reason)
		act(a, workflow.EventReturn)
		done(a, workflow.EventReturn, "Đã trả lại báo cáo")
		state(workflow.StateDraft)

		// The updater sees why, and completes again.
		u.Go("/")
		u.WaitText("main", "Thiếu tài liệu cho tiêu chí 1.2 <script>")
		u.Go(report)
		act(u, workflow.EventComplete)
		done(u, workflow.EventComplete, "Báo cáo chờ lãnh đạo phê duyệt")

		// The approver approves, exports, signs the summary outside the
		// service (here: the test's CA), uploads it, signs and sends.
		a.Go(report)
		act(a, workflow.EventApprove)
		done(a, workflow.EventApprove, "Đã phê duyệt báo cáo")
		state(workflow.StateReviewed)
		for _, f := range []struct{ link, ctype string }{
			{"summary.pdf", "application/pdf"}, {"summary.xlsx", "spreadsheetml"}, {"report.pdf", "application/pdf"},
		} {
			got := chrome.Eval[string](a, fmt.Sprintf(`(async function(){var r = await fetch(document.querySelector('a[href$="/%s"]').href); return r.status + " " + r.headers.get("Content-Type");})()`, f.link))
			if !strings.HasPrefix(got, "200 ") || !strings.Contains(got, f.ctype) {
				t.Errorf("the page's %s link answers %q", f.link, got)
			}
		}
		exported := chrome.Eval[string](a, `(async function(){
			var r = await fetch(document.querySelector('a[href$="/summary.pdf"]').href);
			var b = new Uint8Array(await r.arrayBuffer()), s = "";
			for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
			return btoa(s);
		})()`)
		pdf, err := base64.StdEncoding.DecodeString(exported)
		if err != nil || !strings.HasPrefix(string(pdf), "%PDF") {
			t.Fatalf("the exported summary is not a PDF (%v): %.20q", err, pdf)
		}
		signed := filepath.Join(t.TempDir(), "bang-tong-hop-da-ky.pdf")
		if err := os.WriteFile(signed, signer.Sign(t, pdf), 0o644); err != nil {
			t.Fatal(err)
		}
		a.Upload(`[id="bang-ky-so"]`, signed)
		a.Click(`form.upload[data-upload$="/signed-summary"] button[type=submit]`)
		a.WaitPath(report + "?xong=bc-summary")
		a.WaitText(".signed-summary", "Chữ ký số hợp lệ")
		a.Shot("nam-phe-duyet")
		act(a, workflow.EventSign)
		done(a, workflow.EventSign, "Đã ký số báo cáo")
		act(a, workflow.EventSubmit)
		a.WaitText(`dialog#xac-nhan-gui[open]`, "Hội đồng thẩm định")
		a.Click(`dialog#xac-nhan-gui button[value="ok"]`)
		done(a, workflow.EventSubmit, "Đã gửi báo cáo. Báo cáo sẽ chuyển tới Hội đồng thẩm định.")
		state(workflow.StateSubmitted)

		// The council finds it on the board and opens a round on 1.1.2.
		c := login(s.Council)
		c.Go("/council")
		c.Click(fmt.Sprintf(`a[href="/council/campaigns/%d"]`, s.Campaign.ID))
		c.WaitText("main", "Sở Tư pháp")
		c.CheckLabels()
		c.Shot("nam-hoi-dong")
		c.Go(report)
		closes := s.Clock.Now().In(zone).Add(48 * time.Hour).Format("2006-01-02T15:04")
		chrome.Eval[bool](c, fmt.Sprintf(`(document.getElementById("han-open_round").value = %q, true)`, closes))
		c.Click(`input[name="criteria"][value="1.1.2"]`)
		act(c, workflow.EventOpenRound)
		done(c, workflow.EventOpenRound, "Đã mở đợt bổ sung")

		// The updater may change 1.1.2 alone, with the earlier value beside it.
		u.Go(report)
		u.WaitText(".report-head", "Bổ sung 1")
		if u.Has(`[id="s-1.1.1"]`) || !u.Has(`[id="s-1.1.2"]`) {
			t.Error("in the round only 1.1.2 should take a score")
		}
		u.WaitText(`[id="c-1.1.2"] .earlier`, "Đợt trước:")
		typeInto(u, `[id="s-1.1.2"]`, "0,75")
		u.Click(`[id="c-1.1.2"] form.entry button[type=submit]`)
		u.WaitText(`[id="c-1.1.2"] output.saved`, "Đã lưu (phiên bản")
		u.CheckLabels()

		// The round's deadline passes: the lock shows, nothing is editable.
		s.Clock.Add(49 * time.Hour)
		if _, err := s.Store.LockDue(storeCtx); err != nil {
			t.Fatal(err)
		}
		l := login(s.Dept.Updater)
		l.Go(report)
		l.WaitText(".lock-note", "Đã khóa lúc")
		if l.Has(`input[name="self_score"]`) || l.Has("form[data-upload]") || l.Has("form.action") {
			t.Error("a locked report still has forms for the updater")
		}
		l.Go(report + "/history")
		l.WaitText("main", reason)
		l.WaitText("main", "ke-hoach-cchc-ky-so.pdf")
		if n := chrome.Eval[int](l, `document.querySelectorAll("main script").length`); n != 0 {
			t.Errorf("the history page holds %d script elements from the reason", n)
		}
	})
}
