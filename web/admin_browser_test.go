package web_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	chrome "parindex/internal/browser"
	"parindex/internal/testkit"
)

// TestBrowserAdmin: in Chromium, the administrator creates a user from the
// users page, grants a role, issues a token that is shown once, imports an
// officials list whose bad rows the page lists by row and column, imports
// a criteria set with errors named by criterion, and creates then cancels
// a campaign through its confirmation. Every page's fields are labelled,
// and a console error fails the test; each page is photographed at desktop
// and phone width.
func TestBrowserAdmin(t *testing.T) {
	chrome.Available(t)
	s := newSite(t, "sqlite")
	tab := s.person(t, s.Admin)
	// fill sets a field's value by script: tab.Select cannot choose an
	// option whose value is "" (chromedp's SetValue reads back "" as a
	// failure).
	fill := func(sel, value string) {
		t.Helper()
		chrome.Eval[bool](tab, fmt.Sprintf(`(function(){var e=document.querySelector(%q);e.value=%q;e.dispatchEvent(new Event("input",{bubbles:true}));e.dispatchEvent(new Event("change",{bubbles:true}));return e.value===%q;})()`, sel, value, value))
	}
	// expected forgets the console's note of an API refusal the page shows
	// on purpose, and fails the test if there was none.
	expected := func(status int, path string) {
		t.Helper()
		seen := false
		for _, p := range tab.TakeConsole() {
			if strings.Contains(p, fmt.Sprintf("status of %d", status)) && strings.Contains(p, path) {
				seen = true
			} else {
				t.Errorf("browser console: %s", p)
			}
		}
		if !seen {
			t.Errorf("no %d answer from %s in the console", status, path)
		}
	}
	// look checks the page's labels and photographs it, at a phone's width
	// too; only a few pages' phone pictures go to the docs' screenshots
	// (PARINDEX_SCREENSHOTS), the rest to the test's directory.
	phoneInDocs := map[string]bool{"nguoi-dung": true, "don-vi": true, "nhat-ky": true}
	look := func(name string) {
		t.Helper()
		tab.CheckLabels()
		tab.Shot("quan-tri-" + name)
		tab.Viewport(390, 844)
		if phoneInDocs[name] {
			tab.Shot("quan-tri-" + name + "-dien-thoai")
		} else {
			tab.Screenshot(filepath.Join(t.TempDir(), name+"-dien-thoai.png"))
		}
		tab.CheckLabels()
		tab.Viewport(1280, 900)
	}

	tab.Click(`header nav a[href="/admin"]`)
	tab.WaitText("main h1", "Quản trị")
	look("tong-quan")

	// A user, from the page's form.
	tab.Go("/admin/users")
	tab.WaitText("main h1", "Người dùng")
	tab.Type("#nd-name", "Ngô <script>x</script> Thị Mai")
	tab.Type("#nd-email", "mai.nt@stp.example.vn")
	tab.Type("#nd-title", "Chuyên viên")
	tab.Click(`form[data-api="/api/v1/users"] button[type=submit]`)
	tab.WaitPath("/admin/users/")
	tab.WaitText(".flash", "Đã tạo người dùng")
	tab.WaitText("main h1", "Ngô <script>x</script> Thị Mai")
	userPath := tab.Path()

	// A role: the approver of Sở Tư pháp.
	tab.Select("#cap-role", "approver")
	tab.Select("#cap-dv", fmt.Sprint(s.Dept.ID))
	tab.Click(fmt.Sprintf(`form[data-api$="/grants"] button[type=submit]`))
	tab.WaitText(".flash", "Đã cấp vai trò")
	tab.WaitText(".grants", "Lãnh đạo phê duyệt · Sở Tư pháp")

	// A role that needs an agency, without one: the API's message shows.
	tab.Select("#cap-role", "updater")
	fill("#cap-dv", "")
	tab.Click(`form[data-api$="/grants"] button[type=submit]`)
	tab.WaitFor(`document.querySelector('form[data-api$="/grants"] .problem').textContent.length > 0`)
	expected(422, "/grants")

	// A token, shown once.
	tab.Click(`form[data-token] button[type=submit]`)
	tab.WaitFor(`!document.getElementById("ma-moi").hidden`)
	token := tab.Text("#ma-moi-gia-tri")
	if !strings.HasPrefix(token, "pxt_") {
		t.Errorf("the token shown is %q", token)
	}
	look("nguoi-dung")
	tab.Go(userPath)
	if body := tab.Text("main"); strings.Contains(body, token) {
		t.Error("the token shows again after a reload")
	}

	tab.Go("/admin/users?q=mai.nt")
	tab.WaitText("table.list tbody", "mai.nt@stp.example.vn")
	look("danh-sach-nguoi-dung")

	// An officials list with bad rows.
	tab.Go(fmt.Sprintf("/admin/agencies/%d", s.District.ID))
	tab.Upload("#cb-file", testkit.SamplePath(t, "officials-bad.csv"))
	tab.Click(`form[data-admin-upload] button[type=submit]`)
	tab.WaitText(`form[data-admin-upload] .problem`, "Dòng 2, cột Email")
	for _, want := range []string{"chưa nhập gì", "Dòng 3, cột Họ và tên", "Dòng 4, cột Quyền"} {
		tab.WaitText(`form[data-admin-upload] .problem`, want)
	}
	expected(422, "/officials")
	look("don-vi")
	tab.Go("/admin/agencies")
	look("danh-sach-don-vi")

	// A criteria set with errors, then the list.
	tab.Go("/admin/criteria")
	tab.Upload("#tc-file", testkit.SamplePath(t, "criteria-bad.yaml"))
	tab.Click(`form[data-admin-file] button[type=submit]`)
	tab.WaitText(`form[data-admin-file] .problem`, "Tiêu chí ")
	expected(422, "/criteria-sets")
	look("bo-tieu-chi")
	tab.Go(fmt.Sprintf("/admin/criteria/%d", s.DeptSet.ID))
	look("cay-tieu-chi")

	// A campaign from the page, then cancelled through its confirmation.
	tab.Go("/admin/campaigns")
	tab.Type("#ky-name", "Kỳ thử từ trang")
	tab.Type("#ky-year", "2027")
	tab.Select("#ky-set-department", fmt.Sprint(s.DeptSet.ID))
	look("ky-danh-gia")
	tab.Click(`form[data-admin-json] button[type=submit]`)
	tab.WaitPath("/admin/campaigns/")
	tab.WaitText(".flash", "Đã tạo kỳ đánh giá")
	tab.WaitText("main h1", "Kỳ thử từ trang")
	look("ky-danh-gia-chi-tiet")
	tab.Click(`form[data-confirm="xn-huy-ky"] button[type=submit]`)
	tab.WaitFor(`document.getElementById("xn-huy-ky").open`)
	tab.Click(`#xn-huy-ky button[value=ok]`)
	tab.WaitPath("/admin/campaigns?xong=ky-huy")
	tab.WaitText(".flash", "Đã huỷ kỳ đánh giá")

	tab.Go("/admin/audit")
	tab.WaitText("table.audit tbody", "Kỳ đánh giá: huỷ")
	look("nhat-ky")
}
